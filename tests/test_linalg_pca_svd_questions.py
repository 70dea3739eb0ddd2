"""pca and svd: every value an exam asks for is an answer, and questions enter as exams state them (issues 14, 15).

pca: whitening (issue 15) against scikit-learn's PCA(whiten=True), which divides by the N - 1 variances; the
share of variance kept and the number of components that keep a share, against PCA(n_components=0.9); PCA from
a given covariance matrix against numpy.linalg.eigh and the data it came from; the scores, centred data and
reconstruction as addressable tables. svd: A^T A or A A^T as the user chooses (a convention), its eigenvalues,
the singular values and the rank against numpy; the rank-k part only when a rank is asked.

Oracles: scikit-learn (PCA), numpy (cov, corrcoef, eigh, eigvalsh, svd, matrix_rank). Nothing here is compared
with an earlier output of ours.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import solver
from solver import registry
from solver.numbers import Tolerance
from solver.params import InvalidInput

skd = pytest.importorskip("sklearn.decomposition")

PATHS = ("exact", "numeric")
NOTES_PCA = dict(X="4 8 13 7; 11 4 5 14", layout="features-rows")
DATA = np.array([[2, 1, 0], [4, 3, 1], [5, 2, 4], [7, 6, 3], [9, 5, 8], [3, 4, 2]], dtype=float)


def arr(answer):
    return np.array(answer.numeric_value(), dtype=float)


def texts(sol):
    return " ".join(s.text for s in sol.walk())


# ---- pca: whitening -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("k", [1, 2])
def test_whitened_scores_match_sklearn_whiten_with_n_minus_1(path, k):
    sk = skd.PCA(n_components=k, whiten=True, svd_solver="full").fit(DATA)
    sol = solver.solve("pca", X=DATA.astype(int).tolist(), k=k, whiten=True, path=path,
                       conventions={"sign_rule": "largest-loading"})
    a = sol.answers
    assert np.allclose(arr(a["whitened_scores"]), sk.transform(DATA), atol=1e-10)
    assert np.allclose(arr(a["scores"]) / np.sqrt(sk.explained_variance_), arr(a["whitened_scores"]), atol=1e-10)
    Z = arr(a["whitened_scores"])
    assert np.allclose(Z.T @ Z / (len(DATA) - 1), np.eye(k), atol=1e-10)  # unit variance, N - 1
    assert a["whitened_scores"].tolerance.up_to_sign == "columns" and a["whitened_scores"].tolerance.sign_group == "pca"
    for i in range(len(DATA)):
        assert np.isclose(sol.answer(f"pc1_whitened@sample={i + 1}").value, sk.transform(DATA)[i, 0], atol=1e-10)


@pytest.mark.parametrize("path", PATHS)
def test_whitening_with_divisor_n_is_sklearn_times_sqrt_n_over_n_minus_1(path):
    """sklearn whitens with the N - 1 variances; with ddof = n every whitened column has variance 1 under 1/N, so it is
    sklearn's value times sqrt(N / (N - 1))."""
    n = len(DATA)
    sk = skd.PCA(n_components=2, whiten=True, svd_solver="full").fit(DATA)
    sol = solver.solve("pca", X=DATA.astype(int).tolist(), k=2, whiten=True, path=path,
                       conventions={"sign_rule": "largest-loading", "ddof": "n"})
    Z = arr(sol.answers["whitened_scores"])
    assert np.allclose(Z, sk.transform(DATA) * np.sqrt(n / (n - 1)), atol=1e-10)
    assert np.allclose(Z.T @ Z / n, np.eye(2), atol=1e-10)
    assert "dividing by N," in texts(sol) or "dividing by N " in texts(sol)


def test_whitening_of_the_notes_example_and_only_when_asked():
    plain = solver.solve("pca", **NOTES_PCA)
    assert "whitened_scores" not in plain.answers and "whitened" not in plain.statement
    sol = solver.solve("pca", whiten=True, **NOTES_PCA)
    lam1 = (37 + np.sqrt(565)) / 2
    assert np.allclose(arr(sol.answers["whitened_scores"]).ravel(),
                       np.array([-4.3052, 3.7361, 5.6928, -5.1238]) / np.sqrt(lam1), atol=1e-4)
    assert "whitened scores" in sol.statement


def test_whitening_a_zero_variance_component_is_undefined():
    for path in PATHS:
        sol = solver.solve("pca", X="1 2; 2 4; 3 6", k=2, whiten=True, path=path)
        assert sol.status == "undefined" and "whitened_scores" not in sol.answers


# ---- pca: variance kept and the components that keep a share ----------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.99])
def test_min_variance_chooses_k_as_sklearn_n_components_fraction(path, target):
    sk = skd.PCA(n_components=target, svd_solver="full").fit(DATA)
    sol = solver.solve("pca", X=DATA.astype(int).tolist(), min_variance=target, path=path,
                       conventions={"sign_rule": "largest-loading"})
    a = sol.answers
    assert a["k_needed"].value == sk.n_components_
    assert np.allclose(arr(a["components"]), sk.components_, atol=1e-10)
    assert np.isclose(a["variance_kept"].value, sk.explained_variance_ratio_.sum(), atol=1e-12)
    assert arr(a["scores"]).shape == (len(DATA), sk.n_components_)


@pytest.mark.parametrize("path", PATHS)
def test_variance_kept_is_the_sum_of_the_kept_ratios(path):
    sk = skd.PCA(n_components=2, svd_solver="full").fit(DATA)
    a = solver.solve("pca", X=DATA.astype(int).tolist(), k=2, path=path).answers
    assert np.isclose(a["variance_kept"].value, sk.explained_variance_ratio_.sum(), atol=1e-12)
    notes = solver.solve("pca", path=path, **NOTES_PCA).answers
    assert np.isclose(notes["variance_kept"].value, (37 + np.sqrt(565)) / 2 / 37, atol=1e-12)


def test_min_variance_on_an_exact_tie_keeps_the_share_reached():
    """Eigenvalues 3 and 1: the first component keeps exactly 75%; 'at least 75%' is met by k = 1."""
    sol = solver.solve("pca", C="2 1; 1 2", min_variance="0.75")
    assert sol.answers["k_needed"].value == 1 and sol.answers["variance_kept"].value == 0.75


# ---- pca from a covariance matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_pca_from_covariance_matrix_matches_eigh_and_the_data_it_came_from(path):
    C = np.cov(DATA, rowvar=False)
    w, V = np.linalg.eigh(C)
    sol = solver.solve("pca", C=C.tolist(), k=2, path=path,
                       conventions={"sign_rule": "largest-loading"})
    a = sol.answers
    assert np.allclose(arr(a["eigenvalues"]), w[::-1], atol=1e-9)
    assert np.allclose(arr(a["explained_variance_ratio"]), w[::-1] / w.sum(), atol=1e-12)
    sk = skd.PCA(n_components=2, svd_solver="full").fit(DATA)
    assert np.allclose(arr(a["components"]), sk.components_, atol=1e-9)
    assert np.isclose(a["variance_kept"].value, sk.explained_variance_ratio_.sum(), atol=1e-12)
    assert "scores" not in a and "reconstruction" not in a and "mean" not in a  # no data: nothing about samples


@pytest.mark.parametrize("path", PATHS)
def test_pca_from_the_notes_covariance_matrix_agrees_with_the_data_question(path):
    from_c = solver.solve("pca", C="14 -11; -11 23", path=path).answers
    from_x = solver.solve("pca", path=path, **NOTES_PCA).answers
    for name in ("eigenvalues", "components", "explained_variance_ratio", "variance_kept"):
        assert np.allclose(arr(from_c[name]), arr(from_x[name]), atol=1e-12), name
    sol = solver.solve("pca", C="14 -11; -11 23", path=path)
    assert "Slip in the course notes" in [s.title for s in sol.walk()]  # the notes' characteristic polynomial


@pytest.mark.parametrize("path", PATHS)
def test_standardized_pca_from_covariance_uses_the_correlation_matrix(path):
    C = np.cov(DATA, rowvar=False)
    R = np.corrcoef(DATA, rowvar=False)
    sol = solver.solve("pca", C=C.tolist(), standardize=True, k=2, path=path, conventions={"sign_rule": "largest-loading"})
    a = sol.answers
    assert np.allclose(arr(a["cov"]), R, atol=1e-12)
    w, V = np.linalg.eigh(R)
    assert np.allclose(arr(a["eigenvalues"]), w[::-1], atol=1e-10)
    assert Tolerance(1e-10, 0, "rows").accepts(V[:, ::-1].T[:2].tolist(), arr(a["components"]).tolist())


def test_pca_from_covariance_statement_is_rich():
    sol = solver.solve("pca", C="14 -11; -11 23", min_variance="0.9")
    assert sol.statement.startswith("The covariance matrix of a data set is C = [[14, -11], [-11, 23]].")
    assert "How many components keep at least 90% of the variance" in sol.statement
    assert r"\begin{pmatrix} 14 & -11 \\ -11 & 23 \end{pmatrix}" in sol.rich_statement.latex()


@pytest.mark.parametrize("raw, conv, field", [
    ({}, {}, "X"),
    ({"X": "1 2; 3 4", "C": "1 0; 0 1"}, {}, "C"),
    ({"C": "1 2; 3 4"}, {}, "C"),                      # not symmetric
    ({"C": "1 2; 2 1"}, {}, "C"),                      # eigenvalue -1: no variance is negative
    ({"C": "2 1; 1 2", "whiten": "true"}, {}, "whiten"),
    ({"C": "2 1; 1 2", "k": 3}, {}, "k"),
    ({"C": "2 1; 1 2", "k": 1, "min_variance": "0.9"}, {}, "min_variance"),
    ({"C": "2 1; 1 2"}, {"sign_rule": "largest-score"}, "sign_rule"),
    ({"C": "1 0; 0 0", "standardize": "true"}, {}, "C"),
])
def test_pca_questions_that_cannot_be_answered_name_the_field(raw, conv, field):
    for path in PATHS:
        with pytest.raises(InvalidInput) as e:
            solver.solve("pca", conventions=conv, path=path, **raw)
        assert e.value.field == field and f"'{field}'" in e.value.message


# ---- pca: trace tables are answers ---------------------------------------------------------------------------


def test_pca_tables_are_addressable_and_match_sklearn():
    sk = skd.PCA(n_components=2, svd_solver="full").fit(DATA)
    sol = solver.solve("pca", X=DATA.astype(int).tolist(), k=2, conventions={"sign_rule": "largest-loading"})
    T, R = sk.transform(DATA), sk.inverse_transform(sk.transform(DATA))
    Xc = DATA - DATA.mean(axis=0)
    for i in range(len(DATA)):
        for j in range(2):
            assert np.isclose(sol.answer(f"pc{j + 1}@sample={i + 1}").value, T[i, j], atol=1e-10)
        for j in range(3):
            assert np.isclose(sol.answer(f"x{j + 1}_centred@sample={i + 1}").value, Xc[i, j], atol=1e-12)
            assert np.isclose(sol.answer(f"xhat{j + 1}@sample={i + 1}").value, R[i, j], atol=1e-10)
        assert np.isclose(sol.answer(f"squared_error@sample={i + 1}").value, ((DATA[i] - R[i]) ** 2).sum(), atol=1e-10)
    numeric = solver.solve("pca", X=DATA, k=2, conventions={"sign_rule": "largest-loading"})
    assert numeric.path == "numeric" and np.isclose(numeric.answer("pc2@sample=3").value, T[2, 1], atol=1e-10)


# ---- svd: the Gram matrix, its eigenvalues, the singular values and the rank ---------------------------------

MATRICES = ["[[1, 1], [1, 0], [0, 1]]", "[[1, 1, 0], [1, 0, 1]]", "[[3, 0], [4, 5]]", "[[1, 2], [2, 4], [3, 6]]",
            "[[2, 0, 1], [1, 3, 2]]"]


def _np(A: str) -> np.ndarray:
    return np.array(eval(A), dtype=float)  # (test data written above, not user input)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("gram", ["smaller", "AtA", "AAt"])
@pytest.mark.parametrize("A", MATRICES)
def test_gram_matrix_its_eigenvalues_singular_values_and_rank_match_numpy(A, gram, path):
    M = _np(A)
    m, n = M.shape
    ata = {"AtA": True, "AAt": False}.get(gram, n <= m)
    sol = solver.solve("svd", A=A, path=path, conventions={"gram": gram})
    a = sol.answers
    key = "AtA" if ata else "AAt"
    G = M.T @ M if ata else M @ M.T
    assert np.allclose(arr(a[key]), G) and ("AAt" if ata else "AtA") not in a
    assert np.allclose(arr(a[f"{key}_eigenvalues"]), np.sort(np.linalg.eigvalsh(G))[::-1], atol=1e-10)
    s = np.linalg.svd(M, compute_uv=False)
    assert np.allclose(arr(a["singular_values"]), s, atol=1e-12)
    assert a["rank"].value == np.linalg.matrix_rank(M)
    U, S, Vt = arr(a["U"]), arr(a["S"]), arr(a["Vt"])
    assert np.allclose(U @ S @ Vt, M, atol=1e-10)
    assert np.allclose(U.T @ U, np.eye(m), atol=1e-10) and np.allclose(Vt @ Vt.T, np.eye(n), atol=1e-10)


@pytest.mark.parametrize("A", MATRICES)
def test_the_route_does_not_change_u_sigma_v(A):
    """A^T A or A A^T is a way of working: with the sign rule fixed, U, Sigma and V^T are the same either way."""
    base = solver.solve("svd", A=A, conventions={"gram": "AtA"}).answers
    other = solver.solve("svd", A=A, conventions={"gram": "AAt"}).answers
    for name in ("U", "S", "Vt", "singular_values", "rank"):
        assert np.allclose(arr(base[name]), arr(other[name]), atol=1e-12), name


def test_rank_k_part_only_when_a_rank_is_asked():
    plain = solver.solve("svd", A="[[1, 1], [1, 0], [0, 1]]")
    for name in ("rank_k", "error", "storage", "compression_ratio"):
        assert name not in plain.answers
    assert "rank-" not in plain.statement and "Rank-" not in " ".join(s.title for s in plain.walk())
    asked = solver.solve("svd", A="[[1, 1], [1, 0], [0, 1]]", k=1)
    M = _np("[[1, 1], [1, 0], [0, 1]]")
    U, s, Vt = np.linalg.svd(M)
    assert np.allclose(arr(asked.answers["rank_k"]), s[0] * np.outer(U[:, 0], Vt[0]), atol=1e-12)
    assert np.isclose(asked.answers["error"].value, s[1]) and asked.answers["storage"].value == 6
    assert "rank-1 approximation" in asked.statement


def test_svd_statement_is_rich_and_names_the_question():
    sol = solver.solve("svd", A="[[1, 1], [1, 0], [0, 1]]", k=1)
    assert sol.statement.startswith("Find the singular value decomposition A = U Σ Vᵀ of A = [[1, 1], [1, 0], [0, 1]] (3 x 2)")
    lat = sol.rich_statement.latex()
    assert r"U \Sigma V^{\top}" in lat and r"\begin{pmatrix} 1 & 1 \\ 1 & 0 \\ 0 & 1 \end{pmatrix}" in lat


# ---- conventions on the paper, sources in words ----------------------------------------------------------------

INTERNAL = re.compile(r"notes 0\d\d|\bWE-|ERRATA|_linalg|`|problems/")


@pytest.mark.parametrize("family", ["eigen", "pca", "svd"])
def test_every_convention_has_a_paper_instruction_and_sources_for_each_option(family):
    fam = registry.get(family)
    for c in fam.conventions:
        assert set(c.paper) == set(c.options), (family, c.name)
        assert set(c.sources) == set(c.options), (family, c.name)
        for text in (*c.paper.values(), *c.sources.values(), *c.options.values(), c.why_default, c.title):
            assert text and not INTERNAL.search(text), (family, c.name, text)


def test_paper_instructions_in_an_instructors_words():
    conv = {c.name: c for c in registry.get("pca").conventions}
    assert conv["ddof"].paper["n-1"] == "Divide by N − 1 when you form the covariance matrix."
    assert conv["sign_rule"].paper["largest-loading"] == "Take the eigenvector whose largest-magnitude entry is positive."
    assert "scikit-learn's PCA" in conv["sign_rule"].sources["largest-loading"]


@pytest.mark.parametrize("family", ["eigen", "pca", "svd"])
def test_no_user_visible_text_names_an_internal_reference(family):
    fam = registry.get(family)
    assert not INTERNAL.search(fam.description) and not INTERNAL.search(fam.example.source)
    for p in fam.params:
        assert not INTERNAL.search(p.help + p.label)
    sol = fam.solve_example()
    for s in sol.walk():
        assert not INTERNAL.search(s.title + " " + s.text), s.title
    assert not INTERNAL.search(sol.statement)
    for c in sol.conventions:
        assert not INTERNAL.search(c.description)


def test_svd_gram_matrix_of_entries_near_1e308_is_inf_not_a_warning():
    """Regression: A^T A of entries near 1e308 overflowed with a RuntimeWarning (found by the fuzzer)."""
    A = np.array([[1e308, 1.0], [1.0, 2.0]])
    sol = solver.solve("svd", A=A)
    assert sol.answers["AtA"].value[0][0] == "inf"
    assert sol.answers["rank"].value == np.linalg.matrix_rank(A)  # (1 in float64: 2 is below its rank tolerance)
