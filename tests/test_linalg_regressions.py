"""eigen, pca, svd: regressions found by differential testing (issue 13, items 2, 3, 5 and 9), each named after
what broke and checked against numpy (numpy.linalg.svd, eig, eigh, matrix_rank, np.cov) or scikit-learn's PCA.
"""
from __future__ import annotations

import numpy as np
import pytest

import solver
from solver.numbers import Tolerance

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


# ---- item 5: the numeric path listed a defective matrix's eigenvector twice ----------------------------------


def _geometric_multiplicities(A, w):
    """numpy: n - rank(A - λI) for each distinct eigenvalue."""
    n = A.shape[0]
    distinct = []
    for x in w:
        if not any(abs(x - y) < 1e-6 for y in distinct):
            distinct.append(x)
    return {x: n - np.linalg.matrix_rank(A - x * np.eye(n), tol=1e-8) for x in distinct}


@pytest.mark.parametrize("A,path", [([[1, 1], [0, 1]], "numeric"), ([[1, 1], [0, 1]], "exact"),
                                    ([[2, 1, 0], [0, 2, 0], [0, 0, 3]], "numeric"),
                                    ([[2, 1, 0, 0, 0], [0, 2, 1, 0, 0], [0, 0, 2, 0, 0], [0, 0, 0, 5, 0], [0, 0, 0, 0, 5]],
                                     "numeric"),
                                    ([[2, 1, 0, 0, 0], [0, 2, 1, 0, 0], [0, 0, 2, 0, 0], [0, 0, 0, 5, 0], [0, 0, 0, 0, 5]],
                                     "exact")])
def test_eigen_numeric_path_lists_only_independent_eigenvectors_of_a_defective_matrix(A, path):
    """A = [[1, 1], [0, 1]] gave the columns (1, 0) and (1, -2e-16); only (1, 0) is an eigenvector (geometric
    multiplicity 1). The 5 x 5 case on the exact path goes through the 40-digit decomposition."""
    M = np.array(A, dtype=float)
    sol = solver.solve("eigen", A=A, path=path)
    w, Q = arr(sol.answers["eigenvalues"]), arr(sol.answers["eigenvectors"])
    geo = _geometric_multiplicities(M, np.linalg.eigvals(M).real)
    assert np.allclose(sorted(w), sorted(np.linalg.eigvals(M).real), atol=1e-6)
    assert Q.shape == (M.shape[0], sum(geo.values()))
    assert np.linalg.matrix_rank(Q, tol=1e-8) == Q.shape[1]                  # independent
    for j in range(Q.shape[1]):                                              # each an eigenvector
        lam = Q[:, j] @ M @ Q[:, j]
        assert np.allclose(M @ Q[:, j], lam * Q[:, j], atol=1e-9)
    ev = np.linalg.eigvals(M).real
    algebraic = {x: int(np.sum(np.abs(ev - x) < 1e-6)) for x in geo}
    notes = [s for s in sol.walk() if s.title == "A is not diagonalisable"]
    assert len(notes) == sum(1 for x in geo if geo[x] < algebraic[x]) >= 1
    for x in geo:
        if geo[x] < algebraic[x]:
            assert any(f"algebraic multiplicity {algebraic[x]} but only {geo[x]} independent" in s.text
                       and f"geometric multiplicity {geo[x]}" in s.text for s in notes)


def test_eigen_numeric_path_keeps_every_eigenvector_of_a_repeated_but_diagonalisable_matrix():
    for A in ([[2, 0], [0, 2]], [[2, 0, 0], [0, 2, 0], [0, 0, 1]], [[1, 2], [3, 4]]):
        M = np.array(A, dtype=float)
        sol = solver.solve("eigen", A=A, path="numeric")
        Q = arr(sol.answers["eigenvectors"])
        assert Q.shape == M.shape and "not diagonalisable" not in " ".join(s.title for s in sol.walk())


def test_exact_and_numeric_paths_agree_on_a_defective_matrix():
    A = [[3, 1], [0, 3]]
    ex, nu = (solver.solve("eigen", A=A, path=p).answers for p in ("exact", "numeric"))
    assert Tolerance(1e-12, 0, "columns").accepts(nu["eigenvectors"].value, ex["eigenvectors"].value)
    assert np.allclose(arr(ex["eigenvectors"]), [[1], [0]])


# ---- item 9: k above the number of samples -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_pca_keeps_at_most_min_n_d_components_on_both_paths(path):
    """X = [[1, 2, 3], [4, 5, 7]], k = 3: the exact path gave 3 components, the numeric path 2. One rule, as
    scikit-learn's (n_components <= min(N, d)): 2 components, and a step says so."""
    X = np.array([[1.0, 2, 3], [4, 5, 7]])
    sol = solver.solve("pca", X=X.astype(int).tolist(), k=3, path=path, conventions={"sign_rule": "largest-loading"})
    sk = skd.PCA(n_components=2, svd_solver="full").fit(X)
    a = sol.answers
    assert sol.path == path
    comps = arr(a["components"])
    assert comps.shape == (2, 3) and arr(a["scores"]).shape == (2, 2)
    assert np.allclose(comps[0], sk.components_[0], atol=1e-12)
    assert np.allclose(comps @ comps.T, np.eye(2), atol=1e-12)              # the second: any unit vector orthogonal
    assert np.allclose(arr(a["eigenvalues"])[:2], sk.explained_variance_, atol=1e-12)
    assert np.allclose(arr(a["reconstruction"]), sk.inverse_transform(sk.transform(X)), atol=1e-12)
    note = [s for s in sol.walk() if s.title == "Components kept"]
    assert len(note) == 1 and "k = 3" in note[0].text and "2 components are kept" in note[0].text


def test_pca_k_within_the_samples_has_no_components_kept_note():
    sol = solver.solve("pca", X="1 2 3; 4 5 7; 2 2 2", k=2)
    assert "Components kept" not in [s.title for s in sol.walk()]
    assert arr(sol.answers["components"]).shape == (2, 3)


def test_eigen_numeric_path_gives_the_characteristic_polynomial_for_complex_eigenvalues():
    """Found by the differential harness: a rotation's eigenvalues are ±i; its characteristic polynomial
    λ² + 1 (coefficients 1, 0, 1, numpy.poly) is still an answer on the numeric path, as on the exact one."""
    import numpy as np

    import solver

    A = [[0, -1], [1, 0]]
    for path in ("exact", "numeric"):
        sol = solver.solve("eigen", A=A, path=path)
        assert np.allclose(sol.answers["characteristic_polynomial"].value, np.poly(np.array(A, float)), atol=1e-12)


def test_eigen_numeric_path_spans_each_eigenspace_of_a_non_normal_matrix():
    """Found by the differential harness: numpy.linalg.eig returns two equal eigenvectors for the triple eigenvalue
    0 of this rank-1 matrix, whose eigenspace null(A) is 3-dimensional (rank-nullity). The numeric path now gives
    4 independent unit eigenvectors with A v = λ v, as the exact path does."""
    import numpy as np

    import solver

    A = np.array([[-4.0, 6.0, 4.0, 6.0], [0.0, 0.0, 0.0, 0.0], [6.0, -9.0, -6.0, -9.0], [4.0, -6.0, -4.0, -6.0]])
    sol = solver.solve("eigen", A=A.tolist(), path="numeric")
    lam = np.array(sol.answers["eigenvalues"].value)
    V = np.array(sol.answers["eigenvectors"].value)
    assert V.shape == (4, 4) and np.linalg.matrix_rank(V, tol=1e-8) == 4
    assert np.allclose(A @ V, V * lam, atol=1e-9)
    assert np.allclose(np.linalg.norm(V, axis=0), 1)
    assert sorted(np.round(lam, 9)) == sorted(np.round(np.linalg.eigvals(A).real, 9))


def test_svd_exact_path_of_a_nearly_singular_matrix_typed_at_17_digits():
    """Found by the differential harness: A = [[1, 0.1], [3, 0.30000000000000004]] has det = 4e-17 exactly as typed,
    so rank 2 and sigma_2 = |det A| / sigma_1 (a closed form: sigma_1 sigma_2 = |det A| for a 2 x 2 matrix). The exact
    path zeroed sigma_2 by a tolerance and then found no null space to complete U with (a shape error)."""
    from fractions import Fraction

    import numpy as np

    import solver

    A = [[1, 0.1], [3, 0.30000000000000004]]
    sol = solver.solve("svd", A=A, path="exact")
    s1, s2 = sol.answers["singular_values"].value
    det = Fraction("0.30000000000000004") - Fraction("0.3")
    assert sol.answers["rank"].value == 2
    assert abs(s1 - np.linalg.norm(np.array(A), 2)) < 1e-12
    assert abs(s2 - float(det) / s1) < 1e-25
    U, S, Vt = (np.array(sol.answers[k].value, dtype=float) for k in ("U", "S", "Vt"))
    assert np.allclose(U @ S @ Vt, A, atol=1e-14)


def test_svd_numeric_completion_stays_orthogonal_when_entries_span_1e12():
    """Found by the differential harness: A = [[3, -2, 1], [1, -1, 1e12]] has rank 2, so V needs one completion
    row; the float RREF null-space row (1, 0, -1e-12) was not orthogonal to v2. V^T must be orthogonal and
    U S V^T = A to float64's rounding (numpy.linalg.svd's singular values as the oracle)."""
    import numpy as np

    import solver

    A = np.array([[3, -2, 1], [1, -1, 1e12]])
    sol = solver.solve("svd", A=A.tolist(), path="numeric")
    U, S, Vt = (np.array(sol.answers[k].value, dtype=float) for k in ("U", "S", "Vt"))
    assert np.abs(Vt @ Vt.T - np.eye(3)).max() < 1e-12
    assert np.abs(U @ S @ Vt - A).max() < 1e-14 * 1e12
    assert np.allclose(sol.answers["singular_values"].value, np.linalg.svd(A, compute_uv=False), rtol=1e-12)


def test_pca_plot_has_tick_values_and_shows_each_component_sign_with_an_arrow():
    """Issue 18 item 5: the PCA picture has tick values on both axes and an arrowhead at the +e_j end of each axis,
    so the sign the convention chose is visible; the course notes' e1 = (0.5574, -0.8303) points right and down."""
    import re

    import solver

    sol = solver.solve("pca", X="4 8 13 7; 11 4 5 14", layout="features-rows", k="1")
    svg = sol.extras["svg"]
    assert len(re.findall(r'<text class="tick"', svg)) >= 6
    heads = re.findall(r'<polygon class="arrowhead" points="([^"]+)" fill="#d62728"', svg)
    assert len(heads) == 1
    tip = [float(v) for v in heads[0].split()[0].split(",")]
    mean = [float(v) for v in re.search(r'<text x="([\d.]+)" y="([\d.]+)">mean</text>', svg).groups()]
    assert tip[0] > mean[0] - 6 and tip[1] > mean[1] - 14      # right of and below the mean (SVG y grows down)


def test_eigen_beyond_float_range_is_worked_exactly_or_refused_by_name():
    """Found by the recorded fuzz run: A = [[1e400]] with x0 = 1e400 crashed both paths (the exact path judged the
    only part of x0 negligible against 1e800, and then compared two infinite moduli; the numeric path divided
    infinities). Exactly: the eigenvalue is 1e400 and the iterates grow; numerically: InvalidInput naming A."""
    import pytest

    import solver
    from solver.params import InvalidInput

    sol = solver.solve("eigen", A="1e400", x0="1e400", path="exact")
    assert sol.status == "solved" and sol.answers["eigenvalues"].value == [10**400]   # a 1 x 1 matrix: its entry
    assert sol.answers["behaviour"].value == "diverges"                                 # |λ| > 1
    for kw in (dict(A="1e400", x0="1e400"), dict(A="1e-400", vectors="1e400"), dict(A="1e400", vectors="1e400")):
        with pytest.raises(InvalidInput) as e:
            solver.solve("eigen", path="numeric", **kw)
        assert e.value.field in ("A", "vectors") and "float64" in str(e.value)
