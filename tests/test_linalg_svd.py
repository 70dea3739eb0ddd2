"""svd: notes 003's worked example (WE-svd-1) and numpy.linalg.svd / scikit-learn's svd_flip as oracles; the CLI.

Pair signs: scikit-learn's svd_flip(u_based_decision=False) is our `largest-loading` rule and
svd_flip(u_based_decision=True) our `largest-score` (../shared/conventions.md).
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver
from solver.numbers import Tolerance, accepts_together
from solver.params import InvalidInput

pytest.importorskip("sklearn")
from sklearn.utils.extmath import svd_flip  # noqa: E402

NOTES_SVD = dict(A="[[1, 1], [1, 0], [0, 1]]", k=1)


def arr(answer):
    return np.array(answer.numeric_value(), dtype=float)


def texts(sol):
    return " ".join(s.text for s in sol.walk())


# ---- svd -------------------------------------------------------------------------------------------

NOTES_U = np.array([[2 / np.sqrt(6), 0, -1 / np.sqrt(3)], [1 / np.sqrt(6), -1 / np.sqrt(2), 1 / np.sqrt(3)],
                    [1 / np.sqrt(6), 1 / np.sqrt(2), 1 / np.sqrt(3)]])
NOTES_VT = np.array([[1, 1], [-1, 1]]) / np.sqrt(2)


def test_we_svd_1_notes_003_reproduced_up_to_pair_signs():
    """WE-svd-1: σ = √3, 1; the notes' U and V are right up to a common sign per pair, and u3's sign."""
    sol = solver.solve("svd", **NOTES_SVD)
    a = sol.answers
    assert a["singular_values"].latex == r"\left(\sqrt{3}, 1\right)"
    assert np.allclose(arr(a["singular_values"]), np.linalg.svd(np.array([[1, 1], [1, 0], [0, 1.0]]), compute_uv=False))
    assert accepts_together([(a["U"].tolerance, NOTES_U.tolist(), a["U"].value),
                             (a["Vt"].tolerance, NOTES_VT.tolist(), a["Vt"].value)])
    assert a["S"].value[2] == [0, 0] and np.isclose(a["S"].value[0][0], np.sqrt(3))
    assert a["rank_k"].value == [[1, 1], [0.5, 0.5], [0.5, 0.5]]
    assert a["error"].value == 1 and a["storage"].value == 6
    t = texts(sol)
    assert "√3 and 1" in t and "They are 3 and 1" in t  # the eigenvalue slip, remarked
    assert sol.answers["U"].tolerance.sign_group == sol.answers["Vt"].tolerance.sign_group == "svd"


def _check_svd(A, sol, rule="first-positive"):
    a = sol.answers
    U, S, Vt = arr(a["U"]), arr(a["S"]), arr(a["Vt"])
    m, n = A.shape
    assert U.shape == (m, m) and S.shape == (m, n) and Vt.shape == (n, n)
    assert np.allclose(U @ S @ Vt, A, atol=1e-10)
    assert np.allclose(U.T @ U, np.eye(m), atol=1e-10) and np.allclose(Vt @ Vt.T, np.eye(n), atol=1e-10)
    Un, s, Vtn = np.linalg.svd(A)
    assert np.allclose(arr(a["singular_values"]), s, atol=1e-10)
    k = sol.params["k"]
    Ak = (Un[:, :k] * s[:k]) @ Vtn[:k]
    assert np.allclose(arr(a["rank_k"]), Ak, atol=1e-10)
    assert np.isclose(a["error"].value, np.linalg.norm(A - Ak), atol=1e-10)
    assert a["storage"].value == k * (m + n + 1)
    r = int(np.sum(s > 1e-9))
    if len(set(np.round(s[:r], 6))) == r:  # distinct singular values: pairs unique up to a common sign
        q = min(m, n)
        ref_u, ref_vt = svd_flip(Un[:, :q].copy(), Vtn[:q].copy(), u_based_decision=(rule == "largest-score"))
        if rule == "first-positive":
            sgn = np.array([np.sign(v[np.flatnonzero(np.abs(v) > 1e-12)[0]]) for v in ref_vt[:r]])
            ref_vt[:r] *= sgn[:, None]
            ref_u[:, :r] *= sgn
        assert np.allclose(Vt[:r], ref_vt[:r], atol=1e-10) and np.allclose(U[:, :r], ref_u[:, :r], atol=1e-10)


@pytest.mark.parametrize("A", [[[1, 2, 3], [4, 5, 6]], [[1, 2], [2, 4], [3, 6]], [[2, 0], [0, 3], [0, 0], [1, 1]],
                               [[1, 2, 0], [0, 1, 3], [1, 0, 1]], [[3]], [[1, 2, 3]], [[0, 0], [0, 0]]])
@pytest.mark.parametrize("rule", ["first-positive", "largest-loading", "largest-score"])
def test_svd_exact_and_numeric_match_numpy(A, rule):
    M = np.array(A, dtype=float)
    for path in ("exact", "numeric"):
        sol = solver.solve("svd", A=A, k=1, path=path, conventions={"sign_rule": rule})
        _check_svd(M, sol, rule)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_svd_random_small_integer_matrices(m, n, data):
    A = np.array(data.draw(st.lists(st.integers(-4, 4), min_size=m * n, max_size=m * n)), dtype=float).reshape(m, n)
    _check_svd(A, solver.solve("svd", A=A.astype(int).tolist(), k=1))


def test_large_svd_uses_qr_and_lists_only_small_answers():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((6000, 12))
    sol = solver.solve("svd", A=A, k=3)
    a = sol.answers
    s = np.linalg.svd(A, compute_uv=False)
    assert np.allclose(arr(a["singular_values"]), s, rtol=1e-12)
    Un, _, Vt = np.linalg.svd(A, full_matrices=False)
    Vt = svd_flip(Un, Vt, u_based_decision=False)[1]  # largest loading positive; ours (first-positive) up to row signs
    got = arr(a["Vt"])
    assert Tolerance(1e-10, 0, "rows").accepts(got.tolist(), Vt.tolist())
    assert "U" not in a and np.isclose(a["error"].value, np.sqrt((s[3:] ** 2).sum()), rtol=1e-12)
    wide = solver.solve("svd", A=A.T, k=3).answers
    assert np.allclose(arr(wide["singular_values"]), s, rtol=1e-12) and "Vt" not in wide and "U" in wide


def test_svd_k_larger_than_rank_dimension_is_invalid():
    with pytest.raises(InvalidInput) as e:
        solver.solve("svd", A="[[1, 2], [3, 4]]", k=3)
    assert e.value.field == "k"


# ---- cli ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family,args,param", [("eigen", ["-p", "A=oops"], "A"), ("pca", ["--example", "-p", "k=oops"], "k"),
                                                ("svd", ["-p", "A=1 2; 3"], "A")])
def test_cli_bad_value_exits_2_naming_the_parameter(family, args, param):
    r = subprocess.run([sys.executable, "-m", "solver.cli", "solve", family, *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert f"'{param}'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
