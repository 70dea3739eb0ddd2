"""Independent references for eigen, svd and pca.

eigen: the characteristic polynomial by the Faddeev-LeVerrier recurrence in exact fractions (written here),
its square-free factors (SymPy's polys) for the exact multiplicities, and the roots of each factor to 30
digits (mpmath); eigenvectors of a simple eigenvalue from mpmath's eig at 50 digits, compared up to sign;
eigenvectors of a repeated eigenvalue checked as a property (as many unit, independent columns as the
null space of A - lambda I has dimensions, each with A v = lambda v).
svd: numpy.linalg.svd for the singular values, A_k and its error; U and V^T checked as properties
(orthonormal, U S V^T = A), which fixes every u_i, v_i of a nonzero simple singular value up to a common sign.
pca: numpy's covariance (np.cov's divisor) and eigh; components up to sign together with their score
columns, or as properties where an eigenvalue is repeated.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .core import ATOL, RTOL, STATUS, Approx, Invalid, Property, Ref, boolean, get, matrix

# ---- exact helpers ---------------------------------------------------------------------------------------


def _frac(v: float) -> Fraction:
    """The number as typed (0.1 -> 1/10, as the exact path reads it), not its binary approximation."""
    return Fraction(repr(float(v))) if math.isfinite(v) else Fraction(0)


def charpoly(A: list[list[float]]) -> list[Fraction]:
    """Coefficients of det(lambda I - A), highest power first (Faddeev-LeVerrier, exact)."""
    n = len(A)
    F = [[_frac(x) for x in r] for r in A]
    M = [[Fraction(0)] * n for _ in range(n)]
    coeffs = [Fraction(1)]
    c = Fraction(1)
    for k in range(1, n + 1):
        # M_k = A M_(k-1) + c_(n-k+1) I ; c_(n-k) = -tr(A M_k) / k
        AM = [[sum(F[i][t] * M[t][j] for t in range(n)) for j in range(n)] for i in range(n)]
        M = [[AM[i][j] + (c if i == j else 0) for j in range(n)] for i in range(n)]
        AM = [[sum(F[i][t] * M[t][j] for t in range(n)) for j in range(n)] for i in range(n)]
        c = -sum(AM[i][i] for i in range(n)) / k
        coeffs.append(c)
    return coeffs


def eigen_groups(A) -> list[tuple[complex, int, Any]]:
    """(eigenvalue, algebraic multiplicity, the root at 60 digits), every root of every square-free factor of the
    characteristic polynomial."""
    lam = sp.Symbol("lam")
    poly = sp.Poly([sp.Rational(c.numerator, c.denominator) for c in charpoly(A)], lam)
    out = []
    for factor, mult in poly.sqf_list()[1]:
        if factor.degree() == 0:
            continue
        with mpmath.workdps(60):
            coeffs = [mpmath.mpf(int(c.p)) / int(c.q) for c in factor.all_coeffs()]
            roots = mpmath.polyroots(coeffs, maxsteps=2000, extraprec=400) if len(coeffs) > 2 else [-coeffs[1] / coeffs[0]]
        for r in roots:
            out.append((complex(r), mult, r))
    return out


def _order(vals: list[complex]) -> list[complex]:
    return sorted(vals, key=lambda z: (-round(z.real, 9), -round(z.imag, 9)))


def _scale(A) -> float:
    return max([1.0] + [abs(x) for r in A for x in r])


def _null_dim(A, lam) -> int:
    """dim null(A - lam I), by singular values at 50 digits (lam: the 60-digit root)."""
    n = len(A)
    with mpmath.workdps(50):
        lam = mpmath.re(lam)
        M = mpmath.matrix([[mpmath.mpf(repr(A[i][j])) - (lam if i == j else 0) for j in range(n)] for i in range(n)])
        s = mpmath.svd_r(M, compute_uv=False)
        tol = mpmath.mpf(10) ** -25 * _scale(A)
        return sum(1 for x in s if abs(x) <= tol)


# ---- eigen ------------------------------------------------------------------------------------------------
def eigen_expected(p, conv) -> dict:
    A = matrix(p["A"])
    n = len(A)
    if any(len(r) != n for r in A):
        raise Invalid("A must be square")
    if n > 4:
        raise Invalid("the exact path takes up to 4 x 4 here")   # larger matrices are drawn by no instance
    sc = _scale(A)
    groups = eigen_groups(A)
    vals: list[complex] = []
    for z, m, _ in groups:
        vals += [z] * m
    vals = _order(vals)
    out: dict[str, Any] = {"characteristic_polynomial": [
        Approx(float(c), atol=1e-12 * sc ** k) for k, c in enumerate(charpoly(A))]}
    atol = 1e-12 * sc
    real = all(abs(z.imag) <= 1e-20 * sc for z in vals)
    if not real:
        out["eigenvalues_real"] = [Approx(z.real, atol=atol) for z in vals]
        out["eigenvalues_imag"] = [Approx(z.imag, atol=atol) for z in vals]
        return out
    lams = [z.real for z in vals]
    out["eigenvalues"] = [Approx(v, atol=atol) for v in lams]
    distinct = [(z.real, m, r) for z, m, r in sorted(groups, key=lambda g: -g[0].real)]
    simple = all(m == 1 for _, m, _ in distinct)
    if simple:
        with mpmath.workdps(50):
            E, ER = mpmath.eig(mpmath.matrix([[mpmath.mpf(repr(x)) for x in r] for r in A]))
            cols = []
            for lam in lams:
                j = min(range(n), key=lambda i: abs(E[i] - lam))
                v = [complex(ER[i, j]) for i in range(n)]
                ph = max(v, key=abs)
                v = [x / ph for x in v]                        # a real vector (the phase removed)
                nv = math.sqrt(sum(abs(x) ** 2 for x in v))
                cols.append([x.real / nv for x in v])
        out["eigenvectors"] = Approx([list(r) for r in zip(*cols)], atol=1e-9)
    else:
        geo = [(lam, m, _null_dim(A, r) if m > 1 else 1) for lam, m, r in distinct]
        out["eigenvectors"] = Property(_eigvec_check(A, geo),
                                       "a basis of each eigenspace: dim null(A - lambda I) unit columns per distinct "
                                       "eigenvalue, in order, each with A v = lambda v, independent")
    if p.get("power") is not None:
        k = int(get(p, "power"))
        if any(v == 0 for v in lams) and k < 0:
            out[STATUS] = "undefined"
        else:
            out["eigenvalues_power"] = [Approx(v ** k, atol=1e-12 * sc ** abs(k)) for v in lams]
    if p.get("inverse") is not None and boolean(p["inverse"]):
        if any(abs(v) <= 1e-20 * sc for v in lams) or charpoly(A)[-1] == 0:
            out[STATUS] = "undefined"
        else:
            out["eigenvalues_inverse"] = [1 / v for v in lams]
    if p.get("shift") is not None:
        c = get(p, "shift")
        out["eigenvalues_shifted"] = [Approx(v + c, atol=atol + 1e-12 * abs(c)) for v in lams]
    return out


def _eigvec_check(A, geo):
    An = np.array(A, dtype=float)
    sc = _scale(A)
    sym = np.array_equal(An, An.T)

    def check(V, answers):
        M = np.array(V, dtype=float)
        if M.ndim != 2 or M.shape[0] != len(A):
            return f"shape {M.shape}"
        want = sum(g for _, _, g in geo)
        if M.shape[1] != want:
            return (f"{M.shape[1]} columns, but the eigenspaces have dimensions "
                    f"{', '.join(f'{g} (lambda = {lam:.6g}, multiplicity {m})' for lam, m, g in geo)}")
        j = 0
        for lam, m, g in geo:
            block = M[:, j:j + g]
            for c in range(g):
                v = block[:, c]
                if abs(np.linalg.norm(v) - 1) > 1e-9:
                    return f"column {j + c + 1} has norm {np.linalg.norm(v):.12g}"
                r = np.linalg.norm(An @ v - lam * v)
                if r > 1e-9 * sc:
                    return f"column {j + c + 1}: ||A v - {lam:.6g} v|| = {r:.3g}"
            if g > 1 and np.linalg.svd(block, compute_uv=False)[-1] < 1e-6:
                return f"columns {j + 1}..{j + g} (lambda = {lam:.6g}) are not independent"
            j += g
        if sym and np.abs(M.T @ M - np.eye(M.shape[1])).max() > 1e-9:
            return "a symmetric matrix's eigenvectors must be orthonormal"
        return None

    return check


def eigen_draw(rng) -> dict:
    n = int(rng.integers(1, 5))
    kind = rng.choice(["random", "symmetric", "triangular", "repeated", "nilpotent", "rank1"])
    if kind == "random":
        A = rng.integers(-5, 6, size=(n, n)).astype(float)
    elif kind == "symmetric":
        B = rng.integers(-4, 5, size=(n, n)).astype(float)
        A = B + B.T
    elif kind == "triangular":
        A = np.triu(rng.integers(-3, 4, size=(n, n)).astype(float))
        if n > 1:
            A[1, 1] = A[0, 0]                                    # a repeated eigenvalue, often defective
    elif kind == "repeated":
        c = float(rng.integers(-3, 4))
        A = c * np.eye(n)
        if n > 2:
            A[0, 1] = 1.0
    elif kind == "nilpotent":
        A = np.triu(rng.integers(-2, 3, size=(n, n)).astype(float), 1)
    else:
        u, v = rng.integers(-3, 4, size=n).astype(float), rng.integers(-3, 4, size=n).astype(float)
        A = np.outer(u, v)
    out: dict[str, Any] = {"A": A.tolist()}
    r = rng.random()
    if r < 0.15:
        out["power"] = int(rng.choice([2, 3, -1, 0]))
    elif r < 0.25:
        out["inverse"] = True
    elif r < 0.35:
        out["shift"] = float(rng.choice([2.0, -0.5, 0.30000000000000004]))
    return out


def _eigen_nonunique(p, conv) -> set:
    try:
        return set() if all(m == 1 for _, m, _ in eigen_groups(matrix(p["A"]))) else {"eigenvectors"}
    except Exception:  # noqa: BLE001 - a malformed A is rejected by both paths anyway
        return set()


EIGEN = Ref(expected=eigen_expected, draw=eigen_draw, nonunique=_eigen_nonunique,
            signs={"eigenvectors": "columns"},
            source="Faddeev-LeVerrier in exact fractions, SymPy's square-free factorisation, mpmath's roots and eig",
            edges=({"A": [[1, 1], [0, 1]]}, {"A": [[2, 0], [0, 2]]}, {"A": [[0, 1, 0], [0, 0, 1], [0, 0, 0]]},
                   {"A": [[0, 0], [0.30000000000000004, 1]]}, {"A": [[0, -1], [1, 0]]}, {"A": [[7]]},
                   {"A": [[1e6, 1], [1, 1e-8]]}, {"A": [[1, 2], [2, 4]], "inverse": True},
                   {"A": [[2, 0, 0], [0, 1, -1], [0, 1, 1]]}, {"A": [[1, 2, 3], [2, 4, 6], [1, 1, 1]]},
                   {"A": [[4, 1, 0, 0], [0, 4, 0, 0], [0, 0, 4, 0], [0, 0, 0, 1]]},
                   {"A": [[1e12, 0], [0, 1]], "power": 2}))


# ---- svd --------------------------------------------------------------------------------------------------
def svd_expected(p, conv) -> dict:
    A = np.array(matrix(p["A"]), dtype=float)
    m, n = A.shape
    k = int(get(p, "k", 1.0))
    if not 1 <= k <= min(m, n):
        raise Invalid("k in 1..min(m, n)")
    U, s, Vt = np.linalg.svd(A)
    sc = max(1.0, float(np.abs(A).max()))
    Ak = (U[:, :k] * s[:k]) @ Vt[:k]
    S = np.zeros((m, n))
    S[:min(m, n), :min(m, n)] = np.diag(s)
    storage = k * (m + n + 1)
    atol = 1e-12 * sc * max(m, n)
    return {
        "singular_values": Approx(list(s), atol=atol),
        "S": Approx(S.tolist(), atol=atol),
        "rank_k": Approx(Ak.tolist(), atol=atol),
        "error": Approx(float(np.sqrt(np.sum(s[k:] ** 2))), atol=1e-7 * sc),
        "storage": storage,
        "compression_ratio": m * n / storage,
        # the Gram matrices and their eigenvalues (largest first), the rank from numpy's default tolerance
        "AtA": Approx((A.T @ A).tolist(), atol=atol * sc),
        "AAt": Approx((A @ A.T).tolist(), atol=atol * sc),
        "AtA_eigenvalues": Approx(sorted(np.linalg.eigvalsh(A.T @ A).tolist(), reverse=True), atol=atol * sc * n),
        "AAt_eigenvalues": Approx(sorted(np.linalg.eigvalsh(A @ A.T).tolist(), reverse=True), atol=atol * sc * m),
        "rank": int(np.linalg.matrix_rank(A)),
        "U": Property(_orthonormal_and_product(A, "U"), "U orthogonal and U S V^T = A"),
        "Vt": Property(_orthonormal_and_product(A, "Vt"), "V^T orthogonal and U S V^T = A"),
    }


def _orthonormal_and_product(A: np.ndarray, name: str):
    sc = max(1.0, float(np.abs(A).max()))

    def check(X, answers):
        M = np.array(X, dtype=float)
        size = A.shape[0] if name == "U" else A.shape[1]
        if M.shape != (size, size):
            return f"shape {M.shape}, expected {(size, size)}"
        err = np.abs(M.T @ M - np.eye(size)).max()
        if err > 1e-9:
            return f"not orthogonal (|M^T M - I| = {err:.3g})"
        try:
            U, S, Vt = (np.array(answers[x], dtype=float) for x in ("U", "S", "Vt"))
            r = np.abs(U @ S @ Vt - A).max()
        except (KeyError, ValueError) as e:
            return f"U S V^T cannot be formed: {e}"
        if r > 1e-9 * sc:
            return f"|U S V^T - A| = {r:.3g}"
        return None

    return check


def svd_draw(rng) -> dict:
    m, n = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    kind = rng.choice(["random", "random", "rank1", "zero-row", "repeated"])
    A = rng.integers(-5, 6, size=(m, n)).astype(float)
    if kind == "rank1":
        A = np.outer(rng.integers(-3, 4, size=m), rng.integers(-3, 4, size=n)).astype(float)
    elif kind == "zero-row":
        A[0] = 0.0
    elif kind == "repeated":
        A = np.zeros((m, n))
        for i in range(min(m, n)):
            A[i, i] = 2.0
    return {"A": A.tolist(), "k": int(rng.integers(1, min(m, n) + 1))}


def _svd_nonunique(p, conv) -> set:
    try:
        A = np.array(matrix(p["A"]), dtype=float)
        s = np.linalg.svd(A, compute_uv=False)
        m, n = A.shape
        tol = 1e-9 * max(1.0, float(np.abs(A).max()))
        rank = int(np.sum(s > tol))
        repeated = any(abs(s[i] - s[i + 1]) <= tol for i in range(rank - 1))
        out = set()
        if repeated or m - rank > 1:
            out.add("U")
        if repeated or n - rank > 1:
            out.add("Vt")
        return out
    except Exception:  # noqa: BLE001
        return set()


def _svd_tol(p):
    """float64's SVD is backward stable: its singular values (and A_k) are off by about eps ||A|| in absolute terms."""
    try:
        A = np.array(matrix(p["A"]), dtype=float)
        return 1e-9, 1e-14 * max(1.0, float(np.abs(A).max())) * max(A.shape)
    except Exception:  # noqa: BLE001
        return 1e-9, 1e-12


def _gram_tol(p):
    """AᵀA and its eigenvalues in float64 are off by about eps ||A||² in absolute terms (13 beside 1e24 is lost)."""
    rtol, atol = _svd_tol(p)
    try:
        A = np.array(matrix(p["A"]), dtype=float)
        return rtol, atol * max(1.0, float(np.abs(A).max()))
    except Exception:  # noqa: BLE001
        return rtol, atol


SVD = Ref(expected=svd_expected, draw=svd_draw, nonunique=_svd_nonunique,
          tol={**{k: _svd_tol for k in ("singular_values", "S", "rank_k", "error")},
               **{k: _gram_tol for k in ("AtA", "AAt", "AtA_eigenvalues", "AAt_eigenvalues")}},
          signs={"U": "columns", "Vt": "rows"}, sign_groups={"U": "svd", "Vt": "svd"},
          source="numpy.linalg.svd; U and V^T as properties (orthonormal, U S V^T = A)",
          edges=({"A": [[0.30000000000000004, 1.0]]}, {"A": [[-6e6, 1e6, -8e6], [-5e6, 8e6, -5e6], [-4e6, 1e6, -1e6]]},
                 {"A": [[0, 0], [0, 0]]}, {"A": [[3]]}, {"A": [[1, 2, 3]]}, {"A": [[1], [2], [3]]},
                 {"A": [[1, 1], [1, 1]], "k": 2}, {"A": [[2, 0], [0, 2], [0, 0]], "k": 2},
                 {"A": [[1e-8, 0], [0, 1]], "k": 1}))


# ---- pca --------------------------------------------------------------------------------------------------
def _pca_data(p) -> np.ndarray:
    X = np.array(matrix(p["X"]), dtype=float)
    layout = p.get("layout") or "samples-rows"
    if layout in ("features-rows", "features", "columns", "transposed"):
        X = X.T
    return X


def pca_expected(p, conv) -> dict:
    X = _pca_data(p)
    N, d = X.shape
    k = int(get(p, "k", 1.0))
    ddof = 1 if conv.get("ddof", "n-1") == "n-1" else 0
    if N < 2 or not 1 <= k <= d or np.abs(X).max() > 1e9:
        raise Invalid("at least 2 samples, 1 <= k <= d, entries up to 1e9")
    k = min(k, N, d)          # as scikit-learn's PCA: at most min(n_samples, n_features) components
    std = boolean(p.get("standardize", False))
    mean = X.mean(axis=0)
    Xc = X - mean
    C = np.cov(X, rowvar=False, ddof=ddof).reshape(d, d)
    sc = max(1.0, float(np.abs(X).max()))
    out: dict[str, Any] = {"mean": Approx(list(mean), atol=1e-12 * sc)}
    if np.all(np.ptp(X, axis=0) == 0):
        out[STATUS] = "undefined"
        out["cov"] = Approx(C.tolist(), atol=1e-12 * sc * sc)
        return out
    s = np.ones(d)
    if std:
        if np.any(np.ptp(X, axis=0) == 0):
            raise Invalid("a constant feature cannot be standardized")
        s = np.sqrt(np.diag(C))
        C = C / np.outer(s, s)
        Xc = Xc / s
    cs = 1.0 if std else sc * sc
    out["cov"] = Approx(C.tolist(), atol=1e-12 * cs * N)
    lam, V = np.linalg.eigh(C)
    lam, V = lam[::-1], V[:, ::-1]
    out["eigenvalues"] = Approx(list(lam), atol=1e-12 * cs * N)
    total = lam.sum()
    out["explained_variance_ratio"] = Approx(list(lam / total), atol=1e-12 * N * cs / total)
    out["variance_kept"] = Approx(float(np.sum(lam[:k]) / total), atol=1e-12 * N * cs / total)
    tol = 1e-9 * cs * N
    repeated = any(abs(lam[i] - lam[i + 1]) <= tol for i in range(min(k, d - 1)))
    comps = V[:, :k].T
    if not repeated:
        scores = Xc @ comps.T
        out["components"] = Approx(comps.tolist(), atol=1e-9)
        out["scores"] = Approx(scores.tolist(), atol=1e-9 * sc)
    else:
        out["components"] = Property(_components_check(C, lam, k), "orthonormal rows spanning the top-k eigenspace of C")
        out["scores"] = Property(_scores_check(Xc), "scores = centred data times the components")
    split = k < d and abs(lam[k - 1] - lam[k]) <= tol
    if not split:
        P = V[:, :k] @ V[:, :k].T
        recon = mean + (Xc @ P) * s
        out["reconstruction"] = Approx(recon.tolist(), atol=1e-9 * sc)
        out["reconstruction_error"] = Approx(float(np.sum((X - recon) ** 2)), atol=1e-9 * sc * sc * N)
    return out


def _components_check(C, lam, k):
    def check(rows, answers):
        M = np.array(rows, dtype=float).reshape(-1, C.shape[0])
        if M.shape[0] != k:
            return f"{M.shape[0]} components, expected k = {k}"
        if np.abs(M @ M.T - np.eye(k)).max() > 1e-9:
            return "the components are not orthonormal"
        for i, v in enumerate(M):
            r = np.linalg.norm(C @ v - lam[i] * v)
            if r > 1e-9 * max(1.0, abs(lam[0])):
                return f"component {i + 1}: ||C v - {lam[i]:.6g} v|| = {r:.3g}"
        return None

    return check


def _scores_check(Xc):
    def check(scores, answers):
        comps = np.array(answers.get("components"), dtype=float)
        got = np.array(scores, dtype=float)
        want = Xc @ comps.T
        if got.shape != want.shape or np.abs(got - want).max() > 1e-9 * max(1.0, float(np.abs(Xc).max())):
            return "scores differ from the centred data times the components"
        return None

    return check


def pca_draw(rng) -> dict:
    N, d = int(rng.integers(2, 7)), int(rng.integers(1, 5))
    X = rng.integers(-5, 10, size=(N, d)).astype(float)
    if rng.random() < 0.2 and d > 1:
        X[:, 1] = X[:, 0]                                         # two identical features
    out: dict[str, Any] = {"X": X.tolist(), "k": int(rng.integers(1, d + 1))}
    if rng.random() < 0.3:
        out["standardize"] = True
    if rng.random() < 0.3:
        out["X"], out["layout"] = X.T.tolist(), "features-rows"
    return out


def _pca_nonunique(p, conv) -> set:
    try:
        X = _pca_data(p)
        N, d = X.shape
        k = int(get(p, "k", 1.0))
        ddof = 1 if conv.get("ddof", "n-1") == "n-1" else 0
        C = np.atleast_2d(np.cov(X, rowvar=False, ddof=ddof))
        if boolean(p.get("standardize", False)):
            s = np.sqrt(np.diag(C))
            C = C / np.outer(s, s)
        lam = np.linalg.eigvalsh(C)[::-1]
        tol = 1e-9 * max(1.0, float(np.abs(C).max())) * N
        out = set()
        if any(abs(lam[i] - lam[i + 1]) <= tol for i in range(min(k, d - 1))):
            out |= {"components", "scores"}
        if k < d and abs(lam[k - 1] - lam[k]) <= tol:
            out |= {"reconstruction", "reconstruction_error"}
        return out
    except Exception:  # noqa: BLE001
        return set()


def _pca_tol(name: str):
    """float64's error on each answer grows with the data's scale (entries up to 1e9 are allowed)."""
    def tol(p):
        try:
            X = _pca_data(p)
            sc, N = max(1.0, float(np.abs(X).max())), X.shape[0]
        except Exception:  # noqa: BLE001
            return RTOL, ATOL
        atol = {"mean": 1e-12 * sc, "cov": 1e-12 * sc * sc * N, "eigenvalues": 1e-12 * sc * sc * N,
                "scores": 1e-9 * sc, "reconstruction": 1e-9 * sc, "reconstruction_error": 1e-9 * sc * sc * N}.get(name, 1e-9)
        return RTOL, atol
    return tol


PCA = Ref(expected=pca_expected, draw=pca_draw, nonunique=_pca_nonunique,
          tol={k: _pca_tol(k) for k in ("mean", "cov", "eigenvalues", "explained_variance_ratio", "components", "scores",
                                        "reconstruction", "reconstruction_error")},
          signs={"components": "rows", "scores": "columns"}, sign_groups={"components": "pca", "scores": "pca"},
          source="np.cov and numpy.linalg.eigh; scores and reconstruction by matrix products",
          edges=({"X": [[0, 0], [0.30000000000000004, 1]]}, {"X": [[1, 2, 3], [4, 5, 7]], "k": 3},
                 {"X": [[1, 1], [2, 2], [3, 3]], "k": 2}, {"X": [[1, 0], [-1, 0], [0, 1], [0, -1]], "k": 1},
                 {"X": [[1e6, 1], [2e6, 3], [4e6, 2]], "standardize": True}, {"X": [[5, 5], [5, 5]]},
                 {"X": [[1e-8, 2e-8], [3e-8, 1e-8], [0, 0]], "k": 2}))


REFERENCES = {"eigen": EIGEN, "svd": SVD, "pca": PCA}
