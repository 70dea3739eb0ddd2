"""eigen, pca, svd: the course notes' slips on the end-term assignment's examples, declared as data (ERRATA).

worked-examples.md: the SVD example states the eigenvalues of A^T A as √3 and 1 (they are 3 and 1) and takes
pair signs that differ from ours; the PCA example writes λ^2 - 37λ + 20 (it is + 201), the term 1 x 5.5 in
Cov(X1, X2) (it is (-1)(5.5)) and 1.5^2 in Cov(X2, X2) (it is (-4.5)^2). Each note appears for the very
instance the notes worked, on either path and in either layout, and for no other instance.
"""
from __future__ import annotations

import inspect

import pytest

import problems.eigen
import problems.pca
import problems.svd
import solver

PCA_NOTES = dict(X="4 8 13 7; 11 4 5 14", layout="features-rows", k=1)
SLIP = "Slip in the course notes"


def titles(sol):
    return [s.title for s in sol.walk()]


def texts(sol):
    return " ".join(s.text for s in sol.walk())


def test_no_solve_function_tests_for_a_worked_example():
    """The corrections are data: no solve function compares its input with the notes' instance."""
    for mod in (problems.eigen, problems.pca, problems.svd):
        for fn in (mod.solve, mod.solve_numeric):
            src = inspect.getsource(fn)
            assert "notes" not in src.lower() and "NOTES" not in src, (mod.__name__, fn.__name__)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_svd_errata_appear_on_the_notes_matrix(path):
    sol = solver.solve("svd", A="[[1, 1], [1, 0], [0, 1]]", k=1, path=path)
    t = texts(sol)
    assert titles(sol).count(SLIP) == 1 and titles(sol).count("The notes' signs") == 1
    assert "as √3 and 1" in t and "They are 3 and 1" in t and "(A^T A - 3I) v = 0" in t
    assert "end-term assignment, question 1 (SVD by hand)" in t
    for conv in ("largest-loading", "largest-score"):  # the notes' slips do not depend on our sign rule
        assert SLIP in titles(solver.solve("svd", A="[[1, 1], [1, 0], [0, 1]]", path=path, conventions={"sign_rule": conv}))


@pytest.mark.parametrize("A", ["[[1, 1], [1, 0], [0, 2]]", "[[1, 1, 0], [1, 0, 1]]", "[[2, 1], [1, 2]]"])
def test_svd_errata_do_not_appear_on_other_matrices(A):
    sol = solver.solve("svd", A=A, k=1)
    assert SLIP not in titles(sol) and "The notes' signs" not in titles(sol) and "√3 and 1" not in texts(sol)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_eigen_erratum_appears_on_the_notes_covariance_matrix_only(path):
    sol = solver.solve("eigen", A="[[14, -11], [-11, 23]]", path=path)
    assert titles(sol).count(SLIP) == 1 and "λ^2 - 37λ + 20" in texts(sol) and "201" in texts(sol)
    for A in ("[[14, -11], [-11, 24]]", "[[-11, 14], [23, -11]]", "[[14, 11], [11, 23]]"):
        other = solver.solve("eigen", A=A, path=path)
        assert SLIP not in titles(other) and "37λ + 20" not in texts(other)


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("data", [PCA_NOTES, dict(X="4 11; 8 4; 13 5; 7 14", k=1), dict(X="4 11; 8 4; 13 5; 7 14", k=2)])
def test_pca_errata_appear_on_the_notes_data_in_either_layout(data, path):
    sol = solver.solve("pca", path=path, **data)
    t = texts(sol)
    assert titles(sol).count(SLIP) == 3 and titles(sol).count("The sign of the notes' component") == 1
    assert "λ^2 - 37λ + 20" in t and "1 x 5.5" in t and "1.5^2" in t and "(-4.5)^2 = 20.25" in t
    assert "this solution gives e1 = (0.55739, -0.830251)" in t


@pytest.mark.parametrize("change", [dict(conventions={"ddof": "n"}), dict(standardize=True),
                                    dict(X="4 8 13 7; 11 4 5 15"), dict(X="4 8 13; 11 4 5")])
def test_pca_errata_do_not_appear_off_the_notes_instance(change):
    params = {**PCA_NOTES, **{k: v for k, v in change.items() if k != "conventions"}}
    sol = solver.solve("pca", conventions=change.get("conventions"), **params)
    assert SLIP not in titles(sol) and "The sign of the notes' component" not in titles(sol)
    assert "1 x 5.5" not in texts(sol)


def test_errata_name_no_internal_reference():
    for mod in (problems.eigen, problems.pca, problems.svd):
        for e in mod.ERRATA:
            for text in (e.where, e.wrote, e.right, e.why, e.title):
                assert "WE-" not in text and "notes 00" not in text.lower() and "003" not in text
        assert "WE-" not in mod.EXAMPLE.source and "notes 00" not in mod.EXAMPLE.source
