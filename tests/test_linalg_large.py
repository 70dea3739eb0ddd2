"""Issue 19 item 3: large PCA instances through the whole call (the numeric path's Gram, uncentred and block
paths, and the large trace tables made when read), each against scikit-learn's exact solver or its definition."""
from __future__ import annotations

import numpy as np
import pytest

import solver

skd = pytest.importorskip("sklearn.decomposition")


def arr(answer):
    return np.array(answer.numeric_value(), dtype=float)


def _spread(n, d, seed, mean):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)) * np.linspace(3.0, 0.2, d)) @ np.linalg.qr(rng.standard_normal((d, d)))[0] + mean


@pytest.mark.parametrize("shape", [(60, 300), (5000, 30)])
def test_pca_gram_and_blocked_covariance_paths_match_sklearn_full(shape):
    """More features than samples (eigh of the N x N Gram matrix, e_j = X_c^T u_j / sigma_j) and more samples than
    a block of rows (the covariance and the scores formed block by block): scikit-learn's exact SVD solver."""
    X = _spread(*shape, seed=3, mean=5.0)
    sol = solver.solve("pca", X=X, k=4, conventions={"sign_rule": "largest-loading"})
    sk = skd.PCA(n_components=4, svd_solver="full").fit(X)
    a = sol.answers
    assert np.allclose(arr(a["components"]), sk.components_, rtol=0, atol=1e-10)
    assert np.allclose(arr(a["eigenvalues"])[:4], sk.explained_variance_, rtol=1e-10)
    assert np.allclose(arr(a["explained_variance_ratio"])[:4], sk.explained_variance_ratio_, rtol=1e-10)
    if "scores" in a:
        assert np.allclose(arr(a["scores"]), sk.transform(X), rtol=0, atol=1e-9)


def test_pca_of_data_far_from_the_origin_is_centred_first():
    """The covariance comes from X^T X - N x_bar x_bar^T, and the scores from x e - x_bar e, only when the data sit
    near the origin against their spread; data at 1e7 with a spread of about 1 would lose 14 digits that way (the
    eigenvalues would be noise), so they are centred first (scikit-learn's full solver, an SVD of the centred
    data, as the oracle)."""
    X = _spread(3000, 6, seed=4, mean=1e7)
    sol = solver.solve("pca", X=X, k=2, conventions={"sign_rule": "largest-loading"})
    sk = skd.PCA(n_components=2, svd_solver="full").fit(X)
    assert np.allclose(arr(sol.answers["eigenvalues"]), skd.PCA(svd_solver="full").fit(X).explained_variance_,
                       rtol=1e-8, atol=0)
    assert np.allclose(arr(sol.answers["components"]), sk.components_, rtol=0, atol=1e-8)
    assert np.allclose(arr(sol.answers["scores"]), sk.transform(X), rtol=0, atol=1e-8)


def test_pca_identical_samples_among_many_are_still_found():
    """The identical-samples check runs only when the variance is at the rounding of the mean: many identical
    samples of awkward values (whose mean is not exact) are still found, and one sample 1 ulp apart is not."""
    X = np.full((5000, 3), 0.1) + np.array([1e6, 3.3, -7.7])
    sol = solver.solve("pca", X=X)
    assert sol.status == "undefined" and "components" not in sol.answers
    X2 = X.copy()
    X2[17, 1] = np.nextafter(X2[17, 1], 10)
    assert solver.solve("pca", X=X2).status != "undefined"


def test_large_trace_table_is_formatted_under_the_request_precision_when_read():
    """A numeric trace table of more than 1000 cells formats its text when first read (a solve asked only for its
    answers skips it), with the precision of the request that made it, even when read outside that request."""
    from solver.numbers import Precision

    X = _spread(400, 8, seed=5, mean=0.0)
    sol = solver.solve("pca", X=X, k=3, precision=Precision(sig=10))  # working figures: 12 (6 by default)
    table = next(s.table for s in sol.walk() if s.table is not None and len(s.table.rows) == 400)
    score = float(sol.answers["scores"].value[0][0])
    assert table.rows[0][1] == solver.format.text(score, 12) != solver.format.text(score)
    assert sol.answer("pc1@sample=1").value == sol.answers["scores"].value[0][0]
    assert tuple(table.rows) == table.rows and len(table.to_json()["rows"]) == 400


# ---- the leading eigenvectors alone (problems/_eigh.py) ---------------------------------------------------
def _routine(sol) -> str:
    return next(s.text for s in sol.steps if s.title == "Numeric path")


@pytest.mark.parametrize("accel", ["scipy", "numpy"])
@pytest.mark.parametrize("shape,k", [((500, 200), 5), ((300, 100), 1), ((120, 400), 7), ((400, 70), 17)])
def test_pca_with_only_the_leading_eigenvectors_matches_sklearn_both_ways(shape, k, accel, monkeypatch):
    """With SciPy, a covariance (or Gram matrix) of order 64 or more keeping at most a quarter of its components is
    reduced to tridiagonal form once, every eigenvalue taken from it and only the kept eigenvectors computed and
    transformed back; with STEPWISE_ACCEL=numpy (a deployment without SciPy), numpy.linalg.eigh. Either way:
    scikit-learn's exact SVD solver for the kept components, every eigenvalue, the scores; the note names what ran."""
    pytest.importorskip("scipy.linalg")
    if accel == "numpy":
        monkeypatch.setenv("STEPWISE_ACCEL", "numpy")
    else:
        monkeypatch.delenv("STEPWISE_ACCEL", raising=False)
    X = _spread(*shape, seed=11, mean=2.0)
    sol = solver.solve("pca", X=X, k=k, conventions={"sign_rule": "largest-loading"})
    full = skd.PCA(svd_solver="full").fit(X)
    a = sol.answers
    assert np.allclose(arr(a["components"]), full.components_[:k], rtol=0, atol=1e-10)
    m = min(shape)
    assert np.allclose(arr(a["eigenvalues"])[:m], full.explained_variance_[:m], rtol=1e-10, atol=1e-12 * full.explained_variance_[0])
    assert np.allclose(arr(a["explained_variance_ratio"])[:m], full.explained_variance_ratio_[:m], rtol=1e-9, atol=1e-14)
    if "scores" in a:
        assert np.allclose(arr(a["scores"]), full.transform(X)[:, :k], rtol=0, atol=1e-9)
    assert ("LAPACK through SciPy" in _routine(sol)) == (accel == "scipy")
    assert ("numpy.linalg.eigh" in _routine(sol)) == (accel == "numpy")


def test_leading_eigenvectors_of_a_matrix_with_repeated_eigenvalues_span_numpys():
    """Eigen.vectors against numpy.linalg.eigh on a matrix whose leading eigenvalue is repeated (any basis of its
    eigenspace is right: the projectors agree) and whose others are distinct, and small matrices (NumPy's eigh)."""
    pytest.importorskip("scipy.linalg")
    from problems._eigh import SUBSET_TEXT, Eigen

    rng = np.random.default_rng(5)
    Q = np.linalg.qr(rng.standard_normal((90, 90)))[0]
    lam = np.concatenate([[7.0, 7.0, 7.0], np.linspace(5.0, 0.1, 87)])
    M = (Q * lam) @ Q.T
    eig = Eigen(M, 5)
    assert eig.how == SUBSET_TEXT
    w, V = np.linalg.eigh(M)
    assert np.allclose(eig.values, w[::-1], rtol=0, atol=1e-13)
    E = eig.vectors(5)
    assert np.allclose(E.T @ E, np.eye(5), atol=1e-13)
    assert np.allclose(M @ E, E * eig.values[:5], atol=1e-12)
    assert np.allclose(E[:, :3] @ E[:, :3].T, V[:, -3:] @ V[:, -3:].T, atol=1e-12)   # the repeated eigenspace
    assert np.allclose(np.abs(E[:, 3:]), np.abs(V[:, -4:-6:-1]), atol=1e-12)
    small = Eigen(M[:10, :10], 2)
    assert small.how == "numpy.linalg.eigh" and np.allclose(small.values, np.linalg.eigvalsh(M[:10, :10])[::-1])
    many = Eigen(M, 5)
    assert np.allclose(np.abs(many.vectors(60)), np.abs(V[:, ::-1][:, :60]), atol=1e-10)  # past a quarter: eigh
    # LAPACK failing on the vectors of a matrix it was allowed to overwrite: M rebuilt from its reduction, then eigh
    spent = Eigen(M.copy(), 5, overwrite=True)
    spent._leading = lambda k: None
    E = spent.vectors(4)
    assert spent.how == "numpy.linalg.eigh" and np.allclose(spent.values, w[::-1], rtol=0, atol=1e-13)
    assert np.allclose(np.abs(E[:, 3]), np.abs(V[:, -4]), atol=1e-12) and np.allclose(M @ E, E * w[::-1][:4], atol=1e-12)


def test_scipy_is_imported_for_the_purpose_only_where_it_pays():
    """A fresh process (a one-off command) does not import SciPy (0.15 to 0.2 s) to save a millisecond on a 200 x 200
    covariance, but does for order 1000 and up; a server imports it while warming up (preload)."""
    pytest.importorskip("scipy.linalg")
    import subprocess
    import sys

    code = ("import sys, numpy as np\nfrom problems._eigh import Eigen, preload\n"
            "A = np.random.default_rng(0).standard_normal((N, N)); M = A @ A.T\n"
            "e = Eigen(M, 3); e.vectors(3)\nprint(e.how == 'numpy.linalg.eigh', 'scipy.linalg' in sys.modules)\n"
            "preload(); print('scipy.linalg' in sys.modules)\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "STEPWISE_ACCEL"}
    for n, want in ((200, "True False\nTrue"), (1000, "False True\nTrue")):
        out = subprocess.run([sys.executable, "-c", code.replace("(N, N)", f"({n}, {n})")], capture_output=True, text=True,
                             env=env, timeout=120, check=True).stdout.strip()
        assert out == want, (n, out)
