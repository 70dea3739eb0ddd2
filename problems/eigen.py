"""Eigen-decomposition: A v = λ v, where the eigenvalues λ are the roots of det(A - λI) = 0.

Exam question: "Find the eigenvalues and eigenvectors of A" (a 2 x 2 or 3 x 3 matrix), sometimes "and
hence the eigenvalues of A^k, A^-1 or A + cI". The solution writes A - λI, expands the characteristic
polynomial det(A - λI) (the determinant written out for 2 x 2 and 3 x 3), solves it exactly (integers,
fractions, surds such as (37 ± √565)/2, each also as a decimal), takes each eigenvector from the null
space of A - λI and normalises it, and checks trace = sum and det = product of the eigenvalues.
Symmetric matrices get orthonormal eigenvectors. Repeated eigenvalues (with Gram-Schmidt in the
eigenspace of a symmetric matrix), defective matrices (fewer eigenvectors than the multiplicity: on both
paths only the independent eigenvectors are listed) and complex eigenvalues are handled and said. The
spectral mapping gives the eigenvalues of A^k (λ^k), A^-1 (1/λ) and A + cI (λ + c), with the same
eigenvectors; A^-1 of a singular matrix is undefined.

Exact symbolic eigen-decomposition is done up to 4 x 4; a larger matrix is decomposed numerically
(40 digits on the exact path, float64 NumPy on the numeric path), and the solution says so.

Convention: the sign of each eigenvector (`sign_rule`): first non-zero component positive (default)
or largest-magnitude component positive. Eigenvalues are listed largest first.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy as sp

from solver import format as F
from solver.conventions import SIGN_RULE
from solver.errata import Erratum
from solver.params import Bool, Int, Matrix, Param, Real, as_exact, as_float
from solver.registry import Example
from solver.symbolic import Derivation, evaluate, make_answer, numpy_function, sym

from ._linalg import (EXACT_MAX, LAM, MAX_ANSWER_ENTRIES, POLY_SLIP, add_step, eig_numeric, eigen_steps, is_zero,
                      keep_independent, sympy_number, tolerance)

TITLE = "Eigenvalues and eigenvectors"
TOPIC = "linalg"
KEYWORDS = ("eigenvalue", "eigenvector", "eigen", "characteristic polynomial", "spectral", "diagonalise", "diagonalize",
            "det(A - λI)", "eigendecomposition", "trace", "determinant", "eigenvalues", "eigenvectors")

# ---- the rules, written once ------------------------------------------------------------------------
k_, c_, mu = sym("k"), sym("c"), sym("mu", r"\mu")
with sp.evaluate(False):
    POWER = LAM ** k_          # A^k v = λ^k v
    INVERSE = 1 / LAM          # A^-1 v = (1/λ) v
    SHIFT = LAM + c_           # (A + cI) v = (λ + c) v

# The sign rule minus the option that needs PCA scores (an eigenvector on its own has none).
SIGN = replace(SIGN_RULE, options={k: v for k, v in SIGN_RULE.options.items() if k != "largest-score"})
CONVENTIONS = (SIGN,)

PARAMS = (
    Param("A", Matrix(square=True, max_rows=500, max_cols=500), required=True, label="Matrix A",
          help="a square matrix, e.g. [[14, -11], [-11, 23]]; exact steps up to 4 x 4",
          aliases=("A", "matrix", "M", "C", "the matrix", "covariance matrix", "B")),
    Param("power", Int(-20, 100), label="Power k", help="optional: also give the eigenvalues of A^k",
          aliases=("power", "A^k", "k")),
    Param("inverse", Bool(), default="false", label="Inverse", help="also give the eigenvalues of A^-1",
          cues={"true": ("inverse", "A^-1", "A^(-1)", "inverse of A")}),
    Param("shift", Real(), label="Shift c", help="optional: also give the eigenvalues of A + cI",
          aliases=("shift", "c", "A + cI")),
)

EXAMPLE = Example(
    params={"A": "[[14, -11], [-11, 23]]"},
    source="the course notes' end-term assignment, question 2: the covariance matrix of its PCA example",
)

ERRATA = (Erratum(params={"A": "[[14, -11], [-11, 23]]"}, **POLY_SLIP),)


def use_numeric(p) -> bool:
    return isinstance(p["A"], np.ndarray) or len(p["A"]) > EXACT_MAX


def _asks(p) -> list[str]:
    out = []
    if p["power"] is not None:
        out.append(f"A^{p['power']}")
    if p["inverse"]:
        out.append("A^-1")
    if p["shift"] is not None:
        out.append(f"A + ({F.text(p['shift'])})I")
    return out


def statement(p) -> str:
    n = len(p["A"])  # (a 500 x 500 array is not converted to 250,000 exact numbers to say so)
    shown = f"A = {F.text(as_exact(p['A']))}" if n <= 8 else f"the {n} x {n} matrix A"
    s = f"Find the eigenvalues and the unit eigenvectors of {shown}."
    extra = _asks(p)
    if extra:
        s += " Hence give the eigenvalues of " + ", ".join(extra) + "."
    return s


def solve(p, conv) -> Derivation:
    d = Derivation()
    A = as_exact(p["A"])
    d.given("The matrix", A, lhs=sym("A"))
    res = eigen_steps(d, A, name="A", sign_rule=conv["sign_rule"], values_answer="eigenvalues",
                      vectors_answer="eigenvectors", poly_answer="characteristic_polynomial" if len(A) <= EXACT_MAX else None)
    _spectral(d, p, res.values, res.complex)
    return d


def _jobs(p) -> list[tuple]:
    """The spectral maps asked for: (answer suffix, rule, its symbols' values, what, rule in words, needs A^-1)."""
    jobs = []
    if p["power"] is not None:
        jobs.append(("power", POWER, {k_: sp.Integer(p["power"])}, f"A^{p['power']}", "λ^k", p["power"] < 0))
    if p["inverse"]:
        jobs.append(("inverse", INVERSE, {}, "A^-1", "1/λ", True))
    if p["shift"] is not None:
        jobs.append(("shifted", SHIFT, {c_: p["shift"]}, f"A + ({F.text(p['shift'])})I", "λ + c", False))
    return jobs


def _spectral(d: Derivation, p, values, cplx: bool, numeric: bool = False):
    """A^k, A^-1, A + cI from the eigenvalues: the same eigenvectors, each eigenvalue mapped by the rule (in the
    order of λ1, λ2, ...). One rule for both paths: evaluated exactly, step by step, or vectorised in NumPy."""
    if numeric:
        w = np.asarray(values)
        singular = bool(np.any(np.abs(w) <= 1e-12 * max(1.0, float(np.abs(w).max(initial=0.0)))))
    else:
        singular = any(is_zero(v) for v in values)
    for key, expr, extra, what, rule, needs_inverse in _jobs(p):
        if needs_inverse and singular:
            d.status = "undefined"
            d.note(f"{what} does not exist",
                   f"0 is an eigenvalue of A (det A = 0), so A is singular and has no inverse: {what} is undefined.")
            continue
        if numeric:
            f = numpy_function(expr, [LAM, *extra])
            mapped = tuple(np.broadcast_to(f(w, *(float(x) for x in extra.values())), w.shape))
        else:
            mapped = [evaluate(expr, {LAM: v, **extra}) for v in values]
        if cplx:
            d.note(f"Eigenvalues of {what}",
                   f"A has complex eigenvalues; the rule {rule} maps them too (same eigenvectors): "
                   + ", ".join(F.text(sympy_number(m) if numeric else m) for m in mapped) + ". They are not given as answers.")
            continue
        if not numeric:
            with d.group(f"Eigenvalues of {what}: {rule}",
                         text=f"If A v = λ v then ({what}) v = ({rule}) v: the same eigenvectors, each eigenvalue mapped "
                              "(listed in the order of λ1, λ2, ...)."):
                for i, v in enumerate(values):
                    d.compute(f"From λ{i + 1} = {F.text(v, exact='both')}", sym(f"mu_{i + 1}", r"\mu_{%d}" % (i + 1)),
                              expr, {LAM: v, **extra}, value=mapped[i])
        d.conclude(f"Eigenvalues of {what}" + (f" ({rule})" if numeric else ""), value=None if numeric else F.math(mapped),
                   answers=(make_answer(f"eigenvalues_{key}", mapped, tolerance=tolerance(rel=1e-9)),))


def solve_numeric(p, conv) -> Derivation:
    """float64 NumPy: eigh for a symmetric matrix, eig otherwise; the same answers, summary steps only."""
    d = Derivation()
    A = as_float(p["A"])
    n = A.shape[0]
    sym_ = bool(np.array_equal(A, A.T))
    w, Q = eig_numeric(A, conv["sign_rule"])
    add_step(d, "note", "Numeric path",
             text=f"A {n} x {n} {'symmetric ' if sym_ else ''}matrix decomposed in float64 with "
                  f"{'numpy.linalg.eigh' if sym_ else 'numpy.linalg.eig'}; eigenvalues largest first.")
    keep = keep_independent(d, "A", w, Q)
    if np.iscomplexobj(w):
        d.conclude("Eigenvalues (some complex)", text="A has complex eigenvalues; complex eigenvectors are not given as answers.",
                   answers=(make_answer("eigenvalues_real", tuple(w.real)), make_answer("eigenvalues_imag", tuple(w.imag))))
        _spectral(d, p, w, True, numeric=True)
        return d
    answers = [make_answer("eigenvalues", tuple(w), tolerance=tolerance(rel=1e-9))]
    if n * n <= MAX_ANSWER_ENTRIES:
        answers.append(make_answer("eigenvectors", [list(r) for r in Q[:, keep]], tolerance=tolerance("columns")))
    if n <= EXACT_MAX:
        answers.append(make_answer("characteristic_polynomial", tuple(np.poly(w).real), tolerance=tolerance(rel=1e-9)))
    d.conclude("Eigen-decomposition", text=f"Eigenvector signs: {SIGN.options[conv['sign_rule']]}.", answers=answers)
    _spectral(d, p, w, False, numeric=True)
    return d


def generate(rng: np.random.Generator) -> dict:
    """A 2 x 2 (or 3 x 3) integer matrix with real, distinct eigenvalues; a 3 x 3 one has an integer eigenvalue, so its
    characteristic cubic factors by hand (the rational-root test) into a linear and a quadratic factor."""
    while True:
        n = 2 if rng.random() < 0.7 else 3
        A = rng.integers(-5, 6, size=(n, n))
        if rng.random() < 0.5:
            A = np.triu(A) + np.triu(A, 1).T
        w = np.linalg.eigvals(A)
        # resample until the eigenvalues are real and well separated (distinct: eigenvectors unique up to sign)
        if np.any(np.abs(w.imag) > 1e-9):
            continue
        ws = np.sort(w.real)
        if np.min(np.diff(ws)) < 0.5:
            continue
        if n == 3:
            coeffs = np.round(np.poly(A)).astype(np.int64)  # the monic characteristic polynomial, integer coefficients
            if not any(np.polyval(coeffs, r) == 0 for r in {int(round(v)) for v in ws}):
                continue  # no integer root: the cubic has no closed form worth writing by hand
        out = {"A": [[int(x) for x in r] for r in A]}
        if rng.random() < 0.3:
            out["power"] = int(rng.integers(2, 4))
        return out
