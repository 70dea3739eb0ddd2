"""eigen, pca, svd: regressions found by differential testing (issue 13, items 2 and 3), each named after
what broke and checked against numpy (numpy.linalg.svd, eig, eigh, matrix_rank, np.cov) or scikit-learn's PCA.
"""
from __future__ import annotations

import numpy as np
import pytest

import solver

skd = pytest.importorskip("sklearn.decomposition")

TENTH_PLUS_FIFTH = 0.1 + 0.2   # 0.30000000000000004: 17 significant digits


def arr(answer):
    return np.array(answer.numeric_value(), dtype=float)


def texts(sol):
    return " ".join(s.text for s in sol.walk())


# ---- item 2: 17-significant-digit floats crashed the exact path ---------------------------------------------


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_svd_of_17_digit_float_does_not_crash_the_exact_path(path):
    A = np.array([[TENTH_PLUS_FIFTH, 1.0]])
    sol = solver.solve("svd", A=A.tolist(), k=1, path=path)
    a = sol.answers
    assert sol.path == path
    assert np.allclose(arr(a["singular_values"]), np.linalg.svd(A, compute_uv=False), rtol=1e-13, atol=0)
    assert a["singular_values"].display == "(1.0440)"
    U, S, Vt = arr(a["U"]), arr(a["S"]), arr(a["Vt"])
    assert np.allclose(U @ S @ Vt, A, atol=1e-13) and np.allclose(Vt @ Vt.T, np.eye(2), atol=1e-13)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_eigen_of_17_digit_float_does_not_crash_the_exact_path(path):
    A = np.array([[0.0, 0.0], [TENTH_PLUS_FIFTH, 1.0]])
    sol = solver.solve("eigen", A=A.tolist(), path=path)
    w, Q = arr(sol.answers["eigenvalues"]), arr(sol.answers["eigenvectors"])
    assert np.allclose(w, sorted(np.linalg.eigvals(A).real, reverse=True), atol=1e-13)  # 1 and 0
    assert np.allclose(A @ Q, Q * w, atol=1e-13) and np.allclose(np.linalg.norm(Q, axis=0), 1)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_pca_of_17_digit_float_does_not_crash_the_exact_path(path):
    X = np.array([[0.0, 0.0], [TENTH_PLUS_FIFTH, 1.0]])
    sol = solver.solve("pca", X=X.tolist(), path=path, conventions={"sign_rule": "largest-loading"})
    sk = skd.PCA(n_components=1, svd_solver="full").fit(X)
    a = sol.answers
    assert np.allclose(arr(a["cov"]), np.cov(X, rowvar=False), atol=1e-15)
    assert np.allclose(arr(a["eigenvalues"]), np.linalg.eigvalsh(np.cov(X, rowvar=False))[::-1], atol=1e-13)
    assert np.allclose(arr(a["components"]), sk.components_, atol=1e-13)
    assert np.allclose(arr(a["scores"]), sk.transform(X), atol=1e-13)


# ---- item 3: the exact SVD of a matrix of millions did not converge -----------------------------------------


@pytest.mark.parametrize("scale", [1e6, 1.0, 1e-8])
def test_svd_exact_path_converges_for_entries_of_millions(scale):
    """The cubic of A^T A had roots of order 1e14, where mpmath's root finder gave up (NoConvergence); numpy's
    singular values are 14066283.98, 5420187.27, 2400255.19 for scale 1e6."""
    A = np.array([[-6, 1, -8], [-5, 8, -5], [-4, 1, -1]]) * scale
    sol = solver.solve("svd", A=A.tolist(), k=2, path="exact")
    a = sol.answers
    s = np.linalg.svd(A, compute_uv=False)
    assert sol.path == "exact"
    assert np.allclose(arr(a["singular_values"]), s, rtol=1e-13, atol=0)
    if scale == 1e6:
        assert np.allclose(s, [14066283.98, 5420187.27, 2400255.19], atol=0.01)
    U, S, Vt = arr(a["U"]), arr(a["S"]), arr(a["Vt"])
    assert np.allclose(U @ S @ Vt, A, rtol=0, atol=1e-12 * scale)
    assert np.isclose(a["error"].value, s[2], rtol=1e-13)
