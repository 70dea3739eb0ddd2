"""eigen, pca: notes 003's worked example (WE-pca-1) and independent oracles (svd: test_linalg_svd.py).

Oracles: numpy.linalg (eigh, eig, svd, matrix_power, inv), sympy's exact eigenvalues, scikit-learn's PCA
(>= 1.5 makes each component's largest loading positive: our `largest-loading` rule; <= 1.4 flipped by the
largest score: sklearn.utils.extmath.svd_flip(u_based_decision=True), our `largest-score`), as recorded in
../shared/conventions.md. Nothing here is compared with an earlier output of ours.
"""
from __future__ import annotations

import tracemalloc
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver
from solver.numbers import Tolerance
from solver.params import InvalidInput

skd = pytest.importorskip("sklearn.decomposition")
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.extmath import svd_flip  # noqa: E402

NOTES_PCA = dict(X="4 8 13 7; 11 4 5 14", layout="features-rows", k=1)


def arr(answer):
    return np.array(answer.numeric_value(), dtype=float)


def texts(sol):
    return " ".join(s.text for s in sol.walk())


# ---- eigen -----------------------------------------------------------------------------------------


def test_we_pca_1_covariance_eigenvalues_exact_and_slip():
    """WE-pca-1: det(C - λI) = λ^2 - 37λ + 201 (notes: +20), λ = (37 ± √565)/2 = 30.3849, 6.6151; e1 = (0.5574, -0.8303)."""
    sol = solver.solve("eigen", A="[[14, -11], [-11, 23]]")
    a = sol.answers
    assert a["characteristic_polynomial"].value == [1, -37, 201]
    assert r"\frac{37 + \sqrt{565}}{2}" in a["eigenvalues"].latex and r"\frac{37 - \sqrt{565}}{2}" in a["eigenvalues"].latex
    assert a["eigenvalues"].display == "(30.3849, 6.6151)"
    w, V = np.linalg.eigh(np.array([[14.0, -11], [-11, 23]]))
    assert np.allclose(arr(a["eigenvalues"]), w[::-1], rtol=0, atol=1e-12)
    Q = arr(a["eigenvectors"])
    assert np.allclose(Q[:, 0], [0.5573899686, -0.8302508532], atol=1e-9)  # the notes' e1, first component positive
    assert Tolerance(1e-12, 0, "columns").accepts(V[:, ::-1].tolist(), Q.tolist())
    assert "λ^2 - 37λ + 20" in texts(sol) and "201" in texts(sol)


def test_eigen_3x3_factored_and_checked_against_numpy():
    A = np.array([[2.0, 0, 0], [0, 3, 4], [0, 4, 9]])
    sol = solver.solve("eigen", A=A.astype(int).tolist(), power=3, inverse=True, shift=-2)
    a = sol.answers
    assert a["eigenvalues"].value == [11, 2, 1]
    Q = arr(a["eigenvectors"])
    assert np.allclose(A @ Q, Q * arr(a["eigenvalues"]), atol=1e-12)
    assert np.allclose(Q.T @ Q, np.eye(3), atol=1e-12)
    assert np.allclose(arr(a["eigenvalues_power"]), [11 ** 3, 8, 1])
    assert np.allclose(sorted(arr(a["eigenvalues_power"])), sorted(np.linalg.eigvalsh(np.linalg.matrix_power(A, 3))))
    assert np.allclose(sorted(arr(a["eigenvalues_inverse"])), sorted(np.linalg.eigvalsh(np.linalg.inv(A))))
    assert np.allclose(sorted(arr(a["eigenvalues_shifted"])), sorted(np.linalg.eigvalsh(A - 2 * np.eye(3))))
    steps = [s.title for s in sol.walk()]
    assert "Factor the characteristic polynomial" in steps
    assert any("(2 - λ)[(3 - λ)(9 - λ) - (4)(4)]" in (s.substituted.text if s.substituted else "") for s in sol.walk())


def test_repeated_eigenvalue_symmetric_gets_orthonormal_eigenvectors():
    A = np.array([[2.0, 1, 1], [1, 2, 1], [1, 1, 2]])
    sol = solver.solve("eigen", A=A.astype(int).tolist())
    Q = arr(sol.answers["eigenvectors"])
    w = arr(sol.answers["eigenvalues"])
    assert np.allclose(w, np.linalg.eigvalsh(A)[::-1])
    assert np.allclose(Q.T @ Q, np.eye(3), atol=1e-12)
    assert np.allclose(Q.T @ A @ Q, np.diag(w), atol=1e-12)
    assert "Gram-Schmidt" in " ".join(s.title for s in sol.walk())


def test_defective_matrix_is_said_not_raised():
    sol = solver.solve("eigen", A="[[2, 1], [0, 2]]")
    assert sol.status == "solved"
    assert sol.answers["eigenvalues"].value == [2, 2]
    assert arr(sol.answers["eigenvectors"]).shape == (2, 1)
    assert "not diagonalisable" in " ".join(s.title for s in sol.walk())


def test_complex_eigenvalues_match_numpy():
    A = np.array([[1.0, -2], [1, 3]])
    sol = solver.solve("eigen", A=A.astype(int).tolist(), inverse=True)
    a = sol.answers
    got = arr(a["eigenvalues_real"]) + 1j * arr(a["eigenvalues_imag"])
    want = np.linalg.eigvals(A)
    assert np.allclose(sorted(got, key=lambda z: (z.real, z.imag)), sorted(want, key=lambda z: (z.real, z.imag)))
    assert "eigenvalues" not in a and "eigenvectors" not in a
    assert sol.status == "solved" and "complex" in texts(sol)


def test_inverse_of_singular_matrix_is_undefined_status():
    sol = solver.solve("eigen", A="[[1, 2], [2, 4]]", inverse=True)
    assert sol.status == "undefined"
    assert sol.answers["eigenvalues"].value == [5, 0]


def test_irreducible_cubic_is_solved_numerically_and_said():
    A = np.array([[1.0, 2, 0], [0, 1, 3], [2, 0, 1]])
    sol = solver.solve("eigen", A=A.astype(int).tolist())
    got = arr(sol.answers["eigenvalues_real"]) + 1j * arr(sol.answers["eigenvalues_imag"])
    assert np.allclose(sorted(got, key=lambda z: (z.real, z.imag)), sorted(np.linalg.eigvals(A), key=lambda z: (z.real, z.imag)))
    assert "numerically" in " ".join(s.title for s in sol.walk())


def test_4x4_exact_and_5x5_numeric_with_a_step_saying_so():
    A4 = np.diag([4.0] * 4) + np.diag([1.0] * 3, 1) + np.diag([1.0] * 3, -1)
    sol = solver.solve("eigen", A=A4.astype(int).tolist())
    assert sol.path == "exact" and r"\sqrt{5}" in sol.answers["eigenvalues"].latex
    assert np.allclose(arr(sol.answers["eigenvalues"]), np.linalg.eigvalsh(A4)[::-1], atol=1e-12)
    A5 = np.diag([2.0] * 5) + np.diag([1.0] * 4, 1) + np.diag([1.0] * 4, -1)
    for path in ("exact", "numeric"):
        sol = solver.solve("eigen", A=A5.astype(int).tolist(), path=path)
        assert np.allclose(arr(sol.answers["eigenvalues"]), np.linalg.eigvalsh(A5)[::-1], atol=1e-12)
        Q = arr(sol.answers["eigenvectors"])
        assert np.allclose(A5 @ Q, Q * arr(sol.answers["eigenvalues"]), atol=1e-10)
    exact = solver.solve("eigen", A=A5.astype(int).tolist(), path="exact")
    assert "up to 4 x 4" in texts(exact)


def _sympy_eigenvalues(A):
    ev = sp.Matrix(A).eigenvals()
    out = []
    for v, m in ev.items():
        out += [complex(sp.N(v, 30))] * m
    return sorted(out, key=lambda z: (round(z.real, 9), round(z.imag, 9)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 3).flatmap(lambda n: st.lists(st.lists(st.integers(-6, 6), min_size=n, max_size=n), min_size=n, max_size=n)))
def test_eigenvalues_match_sympy_exactly_and_vectors_numpy(A):
    """sympy's exact eigenvalues (every real/complex case), and A e = λ e for every eigenvector given."""
    sol = solver.solve("eigen", A=A)
    a = sol.answers
    if "eigenvalues" in a:
        got = [complex(x) for x in arr(a["eigenvalues"])]
        M = np.array(A, dtype=float)
        Q = arr(a["eigenvectors"])
        w = arr(a["eigenvalues"])
        for j in range(Q.shape[1]):
            col = Q[:, j]
            lam = w[j] if Q.shape[1] == len(w) else np.dot(col, M @ col)  # defective: fewer columns, use the Rayleigh quotient
            assert np.allclose(M @ col, lam * col, atol=1e-9) and np.isclose(np.linalg.norm(col), 1)
    else:
        got = list(arr(a["eigenvalues_real"]) + 1j * arr(a["eigenvalues_imag"]))
    got = sorted(got, key=lambda z: (round(z.real, 9), round(z.imag, 9)))
    assert np.allclose(got, _sympy_eigenvalues(A), atol=1e-9)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4).flatmap(lambda n: st.lists(st.integers(-5, 5), min_size=n * n, max_size=n * n).map(
    lambda v: np.array(v, dtype=float).reshape(n, n))))
def test_symmetric_well_conditioned_matches_numpy_eigh(B):
    A = B + B.T
    w, V = np.linalg.eigh(A)
    if np.min(np.diff(w)) < 0.1:  # repeated eigenvalues: the eigenvectors are not unique
        return
    for rule in ("first-positive", "largest-loading"):
        sol = solver.solve("eigen", A=A.astype(int).tolist(), conventions={"sign_rule": rule})
        assert np.allclose(arr(sol.answers["eigenvalues"]), w[::-1], atol=1e-10)
        Q = arr(sol.answers["eigenvectors"])
        assert Tolerance(1e-9, 0, "columns").accepts(V[:, ::-1].tolist(), Q.tolist())
        for j in range(Q.shape[1]):
            col = Q[:, j]
            i = int(np.flatnonzero(np.abs(col) > 1e-12)[0]) if rule == "first-positive" else int(np.argmax(np.abs(col)))
            assert col[i] > 0


# ---- pca -------------------------------------------------------------------------------------------


def test_we_pca_1_notes_003_reproduced_with_the_slips_remarked():
    """WE-pca-1: means 8, 8.5; C = [[14, -11], [-11, 23]]; λ = 30.3849, 6.6151; FPC = -4.3052, 3.7361, 5.6928, -5.1238."""
    sol = solver.solve("pca", **NOTES_PCA)
    a = sol.answers
    assert a["mean"].value == [8, 8.5]
    assert a["cov"].value == [[14, -11], [-11, 23]]
    assert a["eigenvalues"].display == "(30.3849, 6.6151)"
    assert a["components"].display == "[(0.5574, -0.8303)]"
    assert a["scores"].display == "[(-4.3052), (3.7361), (5.6928), (-5.1238)]"
    assert np.allclose(arr(a["scores"]).ravel(), [-4.3052, 3.7361, 5.6928, -5.1238], atol=5e-5)
    t = texts(sol)
    assert "λ^2 - 37λ + 20" in t and "1 x 5.5" in t and "1.5^2" in t  # the three slips, each remarked
    assert sum(1 for s in sol.walk() if s.title == "Slip in the course notes") == 3
    # the reconstruction error is the dropped variance times N - 1
    assert np.isclose(a["reconstruction_error"].value, 3 * (37 - np.sqrt(565)) / 2, atol=1e-12)


def test_we_pca_1_divisor_n_changes_eigenvalues_not_scores():
    """worked-examples.md: with 1/N, C = [[10.5, -8.25], [-8.25, 17.25]], λ = 22.7886, 4.9614, the same e1 and FPC."""
    sol = solver.solve("pca", conventions={"ddof": "n"}, **NOTES_PCA)
    a = sol.answers
    assert a["cov"].value == [[10.5, -8.25], [-8.25, 17.25]]
    assert a["eigenvalues"].display == "(22.7886, 4.9614)"
    assert a["scores"].display == "[(-4.3052), (3.7361), (5.6928), (-5.1238)]"
    assert "Slip in the course notes" not in [s.title for s in sol.walk()]


def test_we_pca_1_current_sklearn_sign_negates_the_scores():
    """conventions.md: scikit-learn >= 1.5 (largest loading positive) gives the negated scores on notes 003's data."""
    X = np.array([[4, 11], [8, 4], [13, 5], [7, 14]], dtype=float)
    sk = skd.PCA(n_components=1, svd_solver="full").fit(X)
    sol = solver.solve("pca", conventions={"sign_rule": "largest-loading"}, **NOTES_PCA)
    assert np.allclose(arr(sol.answers["components"]), sk.components_, atol=1e-12)
    assert np.allclose(arr(sol.answers["scores"]), sk.transform(X), atol=1e-12)
    assert np.allclose(arr(sol.answers["scores"]).ravel(), [4.3052, -3.7361, -5.6928, 5.1238], atol=5e-5)


def test_layout_features_rows_is_the_transpose():
    a = solver.solve("pca", X="4 11; 8 4; 13 5; 7 14").answers
    b = solver.solve("pca", **NOTES_PCA).answers
    assert {k: v.value for k, v in a.items()} == {k: v.value for k, v in b.items()}


def _sk_pca(X, k, rule):
    """scikit-learn's PCA (full SVD) and our rule applied to its result, via svd_flip where sklearn has the rule."""
    sk = skd.PCA(n_components=k, svd_solver="full").fit(X)
    comps, scores = sk.components_.copy(), sk.transform(X)
    if rule == "largest-score":
        Xc = X - X.mean(axis=0)
        U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
        U, Vt = svd_flip(U, Vt, u_based_decision=True)
        comps, scores = Vt[:k], (U * S)[:, :k]
    elif rule == "first-positive":
        first = np.array([c[np.flatnonzero(np.abs(c) > 1e-12)[0]] for c in comps])
        s = np.sign(first)
        comps, scores = comps * s[:, None], scores * s[None, :]
    return sk, comps, scores


@pytest.mark.parametrize("shape,k", [((40, 3), 2), ((200, 10), 4), ((30, 40), 3), ((2000, 6), 1), ((9, 4), 4)])
@pytest.mark.parametrize("rule", ["first-positive", "largest-loading", "largest-score"])
def test_pca_matches_sklearn_to_1e_10(shape, k, rule):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    X = rng.standard_normal(shape) @ np.diag(np.linspace(3, 0.5, shape[1])) + rng.standard_normal(shape[1])
    sk, comps, scores = _sk_pca(X, k, rule)
    sol = solver.solve("pca", X=X, k=k, conventions={"sign_rule": rule})
    a = sol.answers
    assert sol.path == "numeric"
    assert np.allclose(arr(a["mean"]), sk.mean_, atol=1e-10)
    assert np.allclose(arr(a["eigenvalues"])[:k], sk.explained_variance_, rtol=1e-10, atol=1e-10)
    assert np.allclose(arr(a["explained_variance_ratio"])[:k], sk.explained_variance_ratio_, atol=1e-10)
    assert np.allclose(arr(a["components"]), comps, atol=1e-10)
    assert np.allclose(arr(a["scores"]), scores, atol=1e-10)
    assert np.allclose(arr(a["reconstruction"]), sk.inverse_transform(sk.transform(X)), atol=1e-9)
    sse = float(((X - sk.inverse_transform(sk.transform(X))) ** 2).sum())
    assert np.isclose(a["reconstruction_error"].value, sse, rtol=1e-9, atol=1e-9)
    if "cov" in a:
        assert np.allclose(arr(a["cov"]), np.cov(X, rowvar=False), atol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_exact_path_matches_sklearn_on_generated_instances(seed):
    params = solver.family("pca").generate(seed)
    X = np.array(params["X"], dtype=float)
    k = params["k"]
    sol = solver.solve("pca", path="exact", conventions={"sign_rule": "largest-loading"}, **params)
    sk = skd.PCA(n_components=k, svd_solver="full").fit(X)
    a = sol.answers
    assert sol.path == "exact"
    assert np.allclose(arr(a["components"]), sk.components_, atol=1e-10)
    assert np.allclose(arr(a["scores"]), sk.transform(X), atol=1e-10)
    assert np.allclose(arr(a["eigenvalues"])[:k], sk.explained_variance_, atol=1e-10)
    assert np.allclose(arr(a["cov"]), np.cov(X, rowvar=False), atol=1e-12)


def test_standardize_matches_standard_scaler_then_pca():
    """StandardScaler divides by the population std (ddof 0): with ddof=n our z is the same, so the components and
    scores agree; sklearn's PCA then divides by N - 1, so its eigenvalues are N/(N-1) times ours."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3)) * [1, 10, 100] + [5, -3, 50]
    for path in ("exact", "numeric"):
        X_in = np.round(X, 3)
        Zr = StandardScaler().fit_transform(X_in)
        skr = skd.PCA(n_components=2, svd_solver="full").fit(Zr)
        sol = solver.solve("pca", X=X_in.tolist(), k=2, standardize=True, path=path,
                           conventions={"ddof": "n", "sign_rule": "largest-loading"})
        a = sol.answers
        n = X.shape[0]
        assert np.allclose(arr(a["components"]), skr.components_, atol=1e-10), path
        assert np.allclose(arr(a["scores"]), skr.transform(Zr), atol=1e-10), path
        assert np.allclose(arr(a["eigenvalues"])[:2] * n / (n - 1), skr.explained_variance_, atol=1e-10), path
        assert np.allclose(arr(a["cov"]), np.corrcoef(X_in, rowvar=False), atol=1e-10), path
        assert np.allclose(arr(a["reconstruction"]), StandardScaler().fit(X_in).inverse_transform(
            skr.inverse_transform(skr.transform(Zr))), atol=1e-9), path


def test_pca_svg_parses_as_xml():
    sol = solver.solve("pca", **NOTES_PCA)
    root = ET.fromstring(sol.extras["svg"])
    assert root.tag.endswith("svg")
    circles = [e for e in root.iter() if e.tag.endswith("circle")]
    assert len(circles) == 8  # 4 samples and their 4 projections
    big = np.random.default_rng(0).standard_normal((300, 2))
    ET.fromstring(solver.solve("pca", X=big).extras["svg"])


def test_pca_invalid_inputs_name_the_parameter():
    with pytest.raises(InvalidInput) as e:
        solver.solve("pca", X="1 2; 3 4", k=3)
    assert e.value.field == "k"
    with pytest.raises(InvalidInput) as e:
        solver.solve("pca", X="1 2; 1 4; 1 5", standardize=True)
    assert e.value.field == "X" and "constant" in e.value.message
    with pytest.raises(InvalidInput) as e:
        solver.solve("pca", X="1 2 3")
    assert e.value.field == "X"


def test_large_pca_forms_nothing_quadratic_in_the_sample_count():
    """20000 x 8: an N x N float64 matrix would take 3.2 GB; the whole solve stays far below 100 MB."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20_000, 8)) @ rng.standard_normal((8, 8))
    tracemalloc.start()
    sol = solver.solve("pca", X=X, k=2)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100e6
    sk = skd.PCA(n_components=2, svd_solver="full").fit(X)
    assert np.allclose(arr(sol.answers["eigenvalues"])[:2], sk.explained_variance_, rtol=1e-10)
    assert "scores" not in sol.answers and "reconstruction" not in sol.answers  # too many numbers to list
    assert np.isclose(sol.answers["reconstruction_error"].value,
                      ((X - sk.inverse_transform(sk.transform(X))) ** 2).sum(), rtol=1e-9)


def test_identical_samples_give_undefined_status_not_an_error():
    for path in ("exact", "numeric"):
        sol = solver.solve("pca", X="1 2; 1 2; 1 2", path=path)
        assert sol.status == "undefined"
        assert np.allclose(arr(sol.answers["mean"]), [1, 2]) and "components" not in sol.answers
        assert "identical" in texts(sol)


def test_rank_deficient_data_zero_eigenvalue_matches_sklearn():
    X = np.array([[1.0, 2], [2, 4], [3, 6], [5, 10]])
    sk = skd.PCA(n_components=2, svd_solver="full").fit(X)
    for path in ("exact", "numeric"):
        a = solver.solve("pca", X=X.astype(int).tolist(), k=2, path=path, conventions={"sign_rule": "largest-loading"}).answers
        assert np.allclose(arr(a["eigenvalues"]), sk.explained_variance_, atol=1e-10)
        assert np.allclose(arr(a["components"])[0], sk.components_[0], atol=1e-10)
        assert Tolerance(1e-10, 0, "rows").accepts(arr(a["components"]).tolist(), sk.components_.tolist())
        assert np.allclose(arr(a["reconstruction"]), X, atol=1e-10) and abs(a["reconstruction_error"].value) < 1e-10
