"""All the eigenvalues of a symmetric matrix and only the leading eigenvectors, for the numeric paths of PCA.

PCA answers every eigenvalue (the explained-variance ratios need them all) but only the k leading components.
`numpy.linalg.eigh` computes every eigenvector and transforms every one back, which is most of its time for a
200 x 200 covariance (2.6 ms of PCA's 3.5 ms on 500 x 200). LAPACK does it in parts, through SciPy's wrappers
(`pip install stepwise[fast]`; scikit-learn installs SciPy too): one reduction to tridiagonal form (dsytrd), all
eigenvalues of the tridiagonal matrix (dsterf), its k leading eigenvectors alone (dstebz and dstein, as dsyevx),
and those k transformed back (dormqr on the reflectors): about half the time, agreeing with eigh to about 1e-14 of
the largest eigenvalue (tests/test_linalg_large.py compares both ways with NumPy and scikit-learn).

Without SciPy, with STEPWISE_ACCEL=numpy, for small matrices (where eigh is already fast), in a process that has not
imported SciPy for a matrix too small to pay for the import (`IMPORT_MIN`), or when LAPACK reports a failure,
`numpy.linalg.eigh` runs; `Eigen.how` says which ran, for the solution's numeric-path note.
"""
from __future__ import annotations

import functools
import importlib.util
import sys

import numpy as np

from solver.accel import switched_off

#: The order from which the leading eigenvectors are computed alone (below it numpy.linalg.eigh is as fast).
SUBSET_MIN = 64
#: ... when at most this share of them is kept (past it, the back-transformation of many costs what eigh does).
SUBSET_MAX_SHARE = 0.25
#: The order from which SciPy is imported for the purpose when nothing has imported it yet (eigh then costs more
#: than the import: 0.28 s at 1200, against 0.11 s this way and 0.15 to 0.2 s of import).
IMPORT_MIN = 1000

NUMPY_TEXT = "numpy.linalg.eigh"
SUBSET_TEXT = ("LAPACK through SciPy (one tridiagonal reduction, every eigenvalue, only the leading eigenvectors: "
               "dsytrd, dsterf, dstebz, dstein, dormqr)")


class Eigen:
    """The eigen-decomposition of a symmetric matrix M: `values`, all of them in descending order, at once;
    `vectors(k)`, the k leading eigenvectors as the columns of a d x k array, when asked (k is often chosen from
    the values: the fewest components that keep a share of the variance). `overwrite`: M is a temporary of the
    caller's, which the reduction may take as its workspace (one d x d array less at the peak)."""

    def __init__(self, M: np.ndarray, k_hint: int | None = None, overwrite: bool = False):
        n = M.shape[0]
        self._M, self._V, self._tri = M, None, None
        lapack = _lapack(n) if n >= SUBSET_MIN and (k_hint is None or k_hint <= SUBSET_MAX_SHARE * n) else None
        if lapack is not None:
            # M symmetric: its transpose is the same matrix in LAPACK's column order, taken as it is when allowed
            c, d, e, tau, info = lapack.dsytrd(M.T, lower=1, lwork=64 * n, overwrite_a=int(overwrite))
            if info == 0:
                w, info = lapack.dsterf(d.copy(), e.copy())[:2]
                if info == 0:
                    self._tri, self._lapack, self.how = (c, d, e, tau), lapack, SUBSET_TEXT
                    self._M = None if overwrite else M
                    self.values = w[::-1].copy()
                    return
        self._full()

    def _full(self) -> None:
        w, V = np.linalg.eigh(self._M)
        self.values, self._V, self._tri, self.how = w[::-1].copy(), V[:, ::-1], None, NUMPY_TEXT

    def vectors(self, k: int) -> np.ndarray:
        if self._tri is not None and k <= SUBSET_MAX_SHARE * len(self.values):
            Z = self._leading(k)
            if Z is not None:
                return Z
        if self._V is None:   # LAPACK declined, or many vectors asked: the whole decomposition after all (the
            values = self.values  # values stay those already answered)
            if self._M is None:
                self._M = self._matrix()
            self._full()
            self.values = values
        return self._V[:, :k]

    def _leading(self, k: int) -> np.ndarray | None:
        """The k leading eigenvectors as dsyevx finds them: the k largest eigenvalues of the tridiagonal matrix by
        bisection (dstebz), their eigenvectors by inverse iteration (dstein: d x k, where MRRR's dstemr hands back
        a d x d array), transformed back (dormqr); None when LAPACK reports a failure."""
        L = self._lapack
        c, d, e, tau = self._tri
        n = len(d)
        m, w, block, split, info = L.dstebz(d, e, 3, 0.0, 0.0, n - k + 1, n, 2 * np.finfo(float).tiny, "B")
        if info != 0 or m != k:
            return None
        z, info = L.dstein(d, e, w[:m], block, split)
        if info != 0:
            return None
        Z = np.array(z[:, np.argsort(-w[:m], kind="stable")], order="F")   # descending, as the values
        q, _, info = L.dormqr("L", "N", c[1:, :-1], tau, Z[1:], 64 * k)   # (n >= SUBSET_MIN here)
        if info != 0:
            return None
        Z[1:] = q
        return Z

    def _matrix(self) -> np.ndarray:
        """M again from its reduction (Q T Q^T; only when M was overwritten and LAPACK's vectors failed)."""
        L = self._lapack
        c, d, e, tau = self._tri
        n = len(d)
        QT = np.asfortranarray(np.diag(d) + np.diag(e, 1) + np.diag(e, -1))   # Q T, then (Q (Q T)^T)^T = Q T Q^T
        for _ in range(2):
            q, _, _ = L.dormqr("L", "N", c[1:, :-1], tau, QT[1:], 64 * n)
            QT[1:] = q
            QT = np.asfortranarray(QT.T)
        return QT


@functools.lru_cache(maxsize=1)
def _installed() -> bool:
    return importlib.util.find_spec("scipy") is not None


def _lapack(n: int):
    """scipy.linalg.lapack, or None. Importing it takes 150 to 200 ms, more than it saves below order IMPORT_MIN, so
    a process that has not imported SciPy yet (a one-off command) imports it only for a matrix that large; a server
    imports it while it warms up (`preload`), and scikit-learn's users have it already."""
    if switched_off() or not _installed() or ("scipy.linalg" not in sys.modules and n < IMPORT_MIN):
        return None
    return _load()


def preload() -> None:
    """Import SciPy's LAPACK now where it is installed and not switched off (a server's warm-up, before it forks its
    solve processes: their solves never pay the import)."""
    if not switched_off() and _installed():
        _load()


@functools.lru_cache(maxsize=1)
def _load():
    try:
        from scipy.linalg import lapack
    except Exception:   # pragma: no cover - a broken SciPy install: NumPy's eigh still works
        return None
    return lapack if all(hasattr(lapack, f) for f in ("dsytrd", "dsterf", "dstebz", "dstein", "dormqr")) else None
