"""Eigen-decomposition: A v = λ v, where the eigenvalues λ are the roots of det(A - λI) = 0.

Exam questions: "Find the eigenvalues and eigenvectors of A" (a 2 x 2 or 3 x 3 matrix), often "and hence
the eigenvalues of A^k, A^-1 or A + cI"; "the eigenvalues of A are 2 and 5: give those of A^3, A^-1 and
A + 2I"; "is v an eigenvector of A, and for which eigenvalue?"; "starting from x, what happens to x, Ax,
A^2 x, ...: which eigenvalue dominates, and does the sequence converge or diverge?".

The solution writes A - λI, expands the characteristic polynomial det(A - λI) (the determinant written
out for 2 x 2 and 3 x 3), solves it exactly (integers, fractions, surds such as (37 ± √565)/2, each also
as a decimal), takes each eigenvector from the null space of A - λI and normalises it, and checks
trace = sum and det = product of the eigenvalues. Symmetric matrices get orthonormal eigenvectors.
Repeated eigenvalues (with Gram-Schmidt in the eigenspace of a symmetric matrix), defective matrices
(fewer eigenvectors than the multiplicity: only the independent eigenvectors are listed) and complex
eigenvalues are handled and said. The spectral mapping gives the eigenvalues of A^k (λ^k), A^-1 (1/λ)
and A + cI (λ + c), with the same eigenvectors, from A or from its eigenvalues alone; A^-1 of a singular
matrix is undefined. A given vector v is an eigenvector exactly when A v is a multiple λ v of it (v not
zero). The sequence x, Ax, A^2 x, ... is written out for the asked number of steps and explained by the
part of x along each eigenvalue: A^k x = sum of λ^k times that part, so the eigenvalue of largest
magnitude present in x dominates, and its magnitude says whether the sequence diverges (above 1),
shrinks to zero (below 1) or stays bounded (exactly 1).

Exact symbolic eigen-decomposition is done up to 4 x 4; a larger matrix is decomposed numerically
(40 digits on the exact path, float64 NumPy on the numeric path), and the solution says so.

Conventions: the sign of each eigenvector (sign_rule: first non-zero component positive, the default, or
largest-magnitude component positive) and the scaling of the iterates x, Ax, A^2 x, ... (power_scaling:
none, the default, as the sequence is written; divided by the entry of largest magnitude; or divided by
the length, the two forms of the power method). Eigenvalues are listed largest first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.conventions import SIGN_RULE, Convention
from solver.errata import Erratum
from solver.params import Bool, Int, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, evaluate, make_answer, numpy_function, sym

from ._linalg import (EIGEN_TOL, EXACT_MAX, LAM, MAX_ANSWER_ENTRIES, POLY_SLIP, add_step, eig_numeric, eigen_steps, fl,
                      is_real, is_zero, keep_independent, matrix, sympy_number, tame, tamed, tolerance)

TITLE = "Eigenvalues and eigenvectors"
TOPIC = "linalg"
#: the reader puts an unlabelled matrix here (its eigenvalues are the alternative)
MAIN_FIELDS = ("A",)

KEYWORDS = ("eigenvalue", "eigenvector", "eigen", "characteristic polynomial", "spectral", "diagonalise", "diagonalize",
            "det(A - λI)", "eigendecomposition", "trace", "determinant", "eigenvalues", "eigenvectors",
            "power iteration", "power method", "dominant eigenvalue", "A^k", "inverse", "is an eigenvector")

# ---- the rules, written once ------------------------------------------------------------------------
k_, c_, mu = sym("k"), sym("c"), sym("mu", r"\mu")
with sp.evaluate(False):
    POWER = LAM ** k_          # A^k v = λ^k v
    INVERSE = 1 / LAM          # A^-1 v = (1/λ) v
    SHIFT = LAM + c_           # (A + cI) v = (λ + c) v

# The sign rule minus the option that needs PCA scores (an eigenvector on its own has none).
SIGN = replace(SIGN_RULE, options={k: v for k, v in SIGN_RULE.options.items() if k != "largest-score"},
               sources={k: v for k, v in SIGN_RULE.sources.items() if k != "largest-score"},
               paper={k: v for k, v in SIGN_RULE.paper.items() if k != "largest-score"})

SCALING = Convention(
    "power_scaling", "Scaling of the iterates x, Ax, A²x, ...",
    {"none": "the iterates are A^k x as they are (x, Ax, A²x, ...); the eigenvalue estimate at each step is the "
             "Rayleigh quotient xᵀAx / xᵀx",
     "max": "each new iterate Ax is divided by its entry of largest magnitude (the power method scaled by the "
            "largest entry); that entry is the eigenvalue estimate",
     "unit": "each new iterate Ax is divided by its length ||Ax|| (the power method scaled to unit length); the "
             "eigenvalue estimate is the Rayleigh quotient xᵀAx"},
    default="none", why_default="the question asks about the sequence x, Ax, A²x, ... itself",
    aliases={"raw": "none", "off": "none", "infinity": "max", "inf": "max", "largest": "max", "norm": "unit",
             "2-norm": "unit", "l2": "unit"},
    sources={"none": "the sequence u_k = A^k u_0 of Strang's Introduction to Linear Algebra (difference equations "
                     "and powers A^k)",
             "max": "the power method of Burden & Faires' Numerical Analysis (scaled by the entry of largest magnitude)",
             "unit": "the power iteration of Trefethen & Bau's Numerical Linear Algebra (lecture 27) and Golub & Van "
                     "Loan's Matrix Computations (section 7.3)"},
    paper={"none": "Write the iterates as they are: x, Ax, A²x, ... with no scaling.",
           "max": "After each multiplication by A, divide the vector by its entry of largest magnitude.",
           "unit": "After each multiplication by A, divide the vector by its length."},
    cues={"none": ("without scaling", "no scaling", "unscaled"),
          "max": ("largest entry", "largest component", "scaled by the largest", "divide by the largest"),
          "unit": ("unit length", "normalise each iterate", "normalize each iterate", "normalised to unit length",
                   "normalized to unit length")},
)
CONVENTIONS = (SIGN, SCALING)

PARAMS = (
    Param("A", Matrix(square=True, max_rows=500, max_cols=500), label="Matrix A",
          help="a square matrix, e.g. [[14, -11], [-11, 23]]; exact steps up to 4 x 4 (or give its eigenvalues instead)",
          aliases=("A", "matrix", "M", "C", "the matrix", "covariance matrix", "B")),
    Param("eigenvalues", Vector(max_len=500), label="Eigenvalues of A",
          help="optional, instead of A: the eigenvalues of A, for questions on A^k, A^-1 or A + cI",
          aliases=("eigenvalues", "eigenvalues of A", "spectrum", "λ")),
    Param("power", Int(-20, 100), label="Power k", help="optional: also give the eigenvalues of A^k",
          aliases=("power", "A^k", "k")),
    Param("inverse", Bool(), default="false", label="Inverse", help="also give the eigenvalues of A^-1",
          cues={"true": ("inverse", "A^-1", "A^(-1)", "inverse of A")}),
    Param("shift", Real(), label="Shift c", help="optional: also give the eigenvalues of A + cI",
          aliases=("shift", "c", "A + cI")),
    Param("vectors", Matrix(max_rows=50, max_cols=500), label="Vectors to test",
          help="optional: one vector per row; is each an eigenvector of A, and for which eigenvalue?",
          aliases=("vectors", "candidate vectors", "candidate eigenvectors", "the vectors")),
    Param("x0", Vector(max_len=500), label="Start vector x",
          help="optional: the behaviour of x, Ax, A^2 x, ... (which eigenvalue dominates; converges or diverges)",
          aliases=("x0", "x_0", "x", "start vector", "initial vector", "starting vector", "u0", "u_0", "starting from",
                   "starting at", "start from", "start at", "initial guess", "initial iterate")),
    Param("iterations", Int(1, 30), default="5", label="Iterations",
          help="how many iterates Ax, A^2 x, ... to write out (with x0)",
          aliases=("iterations", "steps", "iterates", "number of iterations")),
    Param("decompose", Bool(), label="Eigenvalues and eigenvectors",
          help="find the eigenvalues and unit eigenvectors (default: yes, unless the question only tests vectors)",
          cues={"true": ("find the eigenvalues and eigenvectors", "eigenvalues and eigenvectors")}),
)

EXAMPLE = Example(
    params={"A": "[[14, -11], [-11, 23]]"},
    source="the course notes' end-term assignment, question 2: the covariance matrix of its PCA example",
)


def _decomposing(p) -> bool:
    """Whether the eigenvalues and eigenvectors of A are found: asked, or needed by what is asked."""
    if p["A"] is None:
        return False
    if p["decompose"] is not None:
        return bool(p["decompose"])
    return p["vectors"] is None or bool(_jobs(p)) or p["x0"] is not None


ERRATA = (Erratum(params={"A": "[[14, -11], [-11, 23]]"}, also=_decomposing, **POLY_SLIP),)


def _size(p) -> int:
    v = p["A"] if p["A"] is not None else p["eigenvalues"]
    return len(v) if not isinstance(v, np.ndarray) else v.shape[0]


def validate(p) -> None:
    A, given = p["A"], p["eigenvalues"]
    if A is None and given is None:
        raise InvalidInput("A", "The 'A' parameter of eigen is required: give the matrix A, or its eigenvalues "
                                "(eigenvalues=...) for a question on A^k, A^-1 or A + cI.")
    if A is not None and given is not None:
        raise InvalidInput("eigenvalues", "The 'eigenvalues' parameter of eigen is for a question that gives the "
                                          "eigenvalues instead of A; A is given, so its eigenvalues are found from it. "
                                          "Give one of them, not both.")
    if A is None:
        for name in ("vectors", "x0"):
            if p[name] is not None:
                raise InvalidInput(name, f"The '{name}' parameter of eigen needs the matrix A (the eigenvalues alone "
                                         "do not say which vectors are eigenvectors). Give A.")
        if p["decompose"]:
            raise InvalidInput("decompose", "The 'decompose' parameter of eigen needs the matrix A. Give A.")
        if not _jobs(p):
            raise InvalidInput("eigenvalues", "The 'eigenvalues' parameter of eigen asks for a question on A^k, A^-1 "
                                              "or A + cI: give power, inverse or shift as well.")
        return
    n = A.shape[0] if isinstance(A, np.ndarray) else len(A)
    vecs = p["vectors"]
    if vecs is not None:
        cols = vecs.shape[1] if isinstance(vecs, np.ndarray) else len(vecs[0])
        if cols != n:
            raise InvalidInput("vectors", f"The 'vectors' parameter of eigen must hold vectors of length {n} (one per "
                                          f"row, as A is {n} x {n}). Got vectors of length {cols} instead.")
    x0 = p["x0"]
    if x0 is not None:
        m = x0.shape[0] if isinstance(x0, np.ndarray) else len(x0)
        if m != n:
            raise InvalidInput("x0", f"The 'x0' parameter of eigen must have {n} entries (A is {n} x {n}). Got {m} instead.")
        if not np.any(as_float(x0)):
            raise InvalidInput("x0", "The 'x0' parameter of eigen must not be the zero vector (A^k 0 = 0 says nothing "
                                     "about A). Got the zero vector instead.")
    if p["decompose"] is False and (_jobs(p) or x0 is not None):
        raise InvalidInput("decompose", "The 'decompose' parameter of eigen cannot be false here: the eigenvalues of A "
                                        "are needed for " + ("A^k, A^-1 or A + cI." if _jobs(p) else "the behaviour of x, Ax, A^2 x, ..."))


def use_numeric(p) -> bool:
    arrays = [p[k] for k in ("A", "eigenvalues", "vectors", "x0") if p[k] is not None]
    return any(isinstance(v, np.ndarray) for v in arrays) or _size(p) > EXACT_MAX


# ---- the statement ------------------------------------------------------------------------------------

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_math(k: int) -> Math:
    return Math(r"A^{%d}" % k, "A" + str(k).translate(_SUP))


def _asks(p) -> list[Math]:
    out = []
    if p["power"] is not None:
        out.append(_power_math(p["power"]))
    if p["inverse"]:
        out.append(Math(r"A^{-1}", "A⁻¹"))
    if p["shift"] is not None:
        c = p["shift"]
        sign, mag = ("-", -c) if c < 0 else ("+", c)
        out.append(Math(r"A %s %sI" % (sign, F.latex(mag, exact="surd")), f"A {sign} {F.text(mag, exact='surd')}I"))
    return out


def _and(items: list) -> list:
    """Pieces joined as a sentence lists them: a, b and c."""
    out: list = []
    for i, x in enumerate(items):
        if i:
            out.append(" and " if i == len(items) - 1 else ", ")
        out.append(x)
    return out


def _vec_names(m: int) -> list[str]:
    return ["v"] if m == 1 else [f"v{i + 1}" for i in range(m)]


def statement(p) -> Rich:
    n = _size(p)  # (a 500 x 500 array is not converted to 250,000 exact numbers to say so)
    parts: list = []
    if p["A"] is None:
        vals = p["eigenvalues"]
        shown = Math(r"\lambda = " + r",\ ".join(F.latex(v, exact="surd") for v in as_exact(vals)),
                     "λ = " + ", ".join(F.text(v, exact="surd") for v in as_exact(vals))) if n <= 12 else f"{n} numbers"
        parts += [f"The eigenvalues of a {n} x {n} matrix A are ", shown, ". Give the eigenvalues of ", *_and(_asks(p)),
                  ", and say which rule gives them."]
        return Rich(*parts)
    A = Eq(sym("A"), as_exact(p["A"])) if n <= 8 else f"the {n} x {n} matrix A"
    if _decomposing(p):
        parts += ["Find the eigenvalues and the unit eigenvectors of ", A, "."]
        if _jobs(p):
            parts += [" Hence give the eigenvalues of ", *_and(_asks(p)), "."]
        A = "A"
    vecs = p["vectors"]
    if vecs is not None:
        m = len(vecs)
        names = _vec_names(m)
        shown = [Eq(sym(nm), as_exact(tuple(v))) for nm, v in zip(names, vecs)] if m * n <= 60 else [f"the {m} given vectors"]
        lead = " " if parts else ""
        if m == 1:
            parts += [lead + "Is ", *shown, " an eigenvector of ", A, "? If it is, for which eigenvalue?"]
        else:
            parts += [lead + "Which of ", *_and(shown), " are eigenvectors of ", A, ", and for which eigenvalues?"]
        A = "A"
    if p["x0"] is not None:
        x0 = Eq(sym("x"), as_exact(p["x0"])) if n <= 8 else "the given vector x"
        lead = " " if parts else ""
        parts += [lead + "Starting from ", x0] + ([] if isinstance(A, str) else [" with ", A])
        parts += [", write out the first ", str(p["iterations"]), " iterates of ",
                  Math(r"\mathbf{x},\ A\mathbf{x},\ A^{2}\mathbf{x},\ \ldots", "x, Ax, A²x, …"),
                  ". Which eigenvalue dominates, and does the sequence converge or diverge?"]
    return Rich(*parts)


# ---- solving -----------------------------------------------------------------------------------------


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


def solve(p, conv) -> Derivation:
    d = Derivation()
    if p["A"] is None:
        values = list(as_exact(p["eigenvalues"]))
        add_step(d, "given", "The eigenvalues of A",
                 value=Math(r",\ ".join(r"\lambda_{%d} = %s" % (i + 1, F.latex(v, exact="surd")) for i, v in enumerate(values)),
                            ", ".join(f"λ{i + 1} = {F.text(v, exact='surd')}" for i, v in enumerate(values))))
        _spectral(d, p, values, False)
        return d
    A = as_exact(p["A"])
    d.given("The matrix", A, lhs=sym("A"))
    res = None
    if _decomposing(p):
        res = eigen_steps(d, A, name="A", sign_rule=conv["sign_rule"], values_answer="eigenvalues",
                          vectors_answer="eigenvectors", poly_answer="characteristic_polynomial" if len(A) <= EXACT_MAX else None)
        _spectral(d, p, res.values, res.complex)
    if p["vectors"] is not None:
        _vectors_exact(d, matrix(A), [tuple(v) for v in as_exact(p["vectors"])])
    if p["x0"] is not None:
        _iteration_exact(d, matrix(A), tuple(as_exact(p["x0"])), p["iterations"], conv["power_scaling"], res)
    return d


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
                   text=f"The rule: if A v = λ v then ({what}) v = ({rule}) v." if numeric else "",
                   answers=(make_answer(f"eigenvalues_{key}", mapped, tolerance=tolerance(rel=1e-9)),))


# ---- is v an eigenvector? ---------------------------------------------------------------------------

_VEC_KEYS = ("v", "vector", "Av", "is_eigenvector", "eigenvalue")
_VEC_COLUMNS = ("v", "vector", Math(r"A\mathbf{v}", "Av"), "eigenvector?", Math(r"\lambda", "eigenvalue λ"))
_VEC_RULE = Math(r"A\mathbf{v} = \lambda\mathbf{v},\quad \mathbf{v} \neq \mathbf{0}", "Av = λv, v ≠ 0")


def _vectors_exact(d: Derivation, M: sp.ImmutableMatrix, vectors: list[tuple]):
    rows = []
    with d.group("Which vectors are eigenvectors?",
                 text="v is an eigenvector of A exactly when A v is a multiple λ v of it and v is not the zero vector; "
                      "λ is then its eigenvalue. Compute A v and compare it with v entry by entry."):
        for j, v in enumerate(vectors):
            name = _vec_names(len(vectors))[j]
            Av = tuple(tamed(M * matrix([v]).T))
            if all(is_zero(x) for x in v):
                ok, lam, why = False, "none", "the zero vector is never an eigenvector (A 0 = λ 0 for every λ)."
            else:
                i = next(i for i, x in enumerate(v) if not is_zero(x))
                lam = tame(Av[i] / v[i])
                ok = all(is_zero(a - lam * x) for a, x in zip(Av, v))
                why = (f"A{name} = {F.text(lam, exact='surd')} {name}: an eigenvector for λ = {F.text(lam, exact='both')}."
                       if ok else f"entry {i + 1} gives λ = {F.text(lam, exact='surd')}, but A{name} ≠ "
                                  f"{F.text(lam, exact='surd')} {name} in another entry: A{name} is not a multiple of {name}, "
                                  "so it is not an eigenvector.")
                if not ok:
                    lam = "none"
            add_step(d, "compare", f"{name} = {F.text(v, exact='surd')}", text=why, formula=_VEC_RULE,
                     value=Math(r"A\mathbf{%s} = %s" % (name, F.latex(Av, exact="surd")), f"A{name} = {F.text(Av, exact='surd')}"))
            rows.append((j + 1, v, Av, ok, lam))
    d.table("Eigenvector test", _VEC_COLUMNS, rows, keys=_VEC_KEYS, index=("v",),
            text="Each entry is an answer: is_eigenvector@v=1, eigenvalue@v=1 (\"none\" when it is not one).")


def _vectors_numeric(d: Derivation, A: np.ndarray, V: np.ndarray):
    # the test is scale-free: A and each v are divided by their largest entry first, so that 1e308 entries
    # do not overflow (only the A v shown, and λ, are scaled back)
    a_max = float(np.abs(A).max(initial=0.0)) or 1.0
    As = A / a_max
    rows = []
    with np.errstate(all="ignore"):
        AV = V @ A.T
        for j, (v, av) in enumerate(zip(V, AV)):
            nv = float(np.abs(v).max(initial=0.0))
            if nv == 0:
                ok, lam = False, "none"
            else:
                vs = v / nv
                avs = As @ vs
                i = int(np.flatnonzero(np.abs(vs) >= 1 - 1e-12)[0])
                lam_s = float(avs[i] / vs[i])
                ok = bool(np.all(np.abs(avs - lam_s * vs) <= 1e-9 * (1.0 + abs(lam_s))))
                lam = lam_s * a_max if ok else "none"
            rows.append((j + 1, tuple(v), tuple(av), ok, lam))
    d.table("Eigenvector test", _VEC_COLUMNS, rows, keys=_VEC_KEYS, index=("v",),
            text="v is an eigenvector exactly when A v = λ v for a number λ and v ≠ 0 (compared in float64 to a relative "
                 "1e-9). Each entry is an answer: is_eigenvector@v=1, eigenvalue@v=1.")


# ---- x, Ax, A^2 x, ...: the iterates and their behaviour --------------------------------------------

_ESTIMATE = {"none": Math(r"\frac{\mathbf{x}_{k-1}^{\top} A \mathbf{x}_{k-1}}{\mathbf{x}_{k-1}^{\top}\mathbf{x}_{k-1}}",
                          "xᵀAx / xᵀx (x = the previous iterate)"),
             "unit": Math(r"\mathbf{x}_{k-1}^{\top} A \mathbf{x}_{k-1}", "xᵀAx (x = the previous iterate, of length 1)"),
             "max": Math(r"\mu_k = (A\mathbf{x}_{k-1})_p", "μ = the entry of Ax of largest magnitude")}


def _iterate_rule(scaling: str) -> Math:
    return {"none": Math(r"\mathbf{x}_k = A\mathbf{x}_{k-1} = A^{k}\mathbf{x}_0", "x_k = A x_(k-1) = A^k x_0"),
            "max": Math(r"\mathbf{x}_k = \frac{A\mathbf{x}_{k-1}}{(A\mathbf{x}_{k-1})_p}",
                        "x_k = A x_(k-1) / (its entry of largest magnitude)"),
            "unit": Math(r"\mathbf{x}_k = \frac{A\mathbf{x}_{k-1}}{\|A\mathbf{x}_{k-1}\|}", "x_k = A x_(k-1) / ||A x_(k-1)||")}[scaling]


def _trace_table(d: Derivation, rows: list, scaling: str, note: str = "", rule: bool = False):
    """The iterates as an addressable trace: x@k=3, estimate@k=3 (and Ax@k=3 when scaled)."""
    if scaling == "none":
        cols, keys = ["k", Math(r"\mathbf{x}_k = A^{k}\mathbf{x}_0", "x_k = A^k x"), Math(r"\lambda \approx", "λ estimate")], ("k", "x", "estimate")
        rows = [(k, x, est) for k, _, x, est in rows]
    else:
        cols = ["k", Math(r"A\mathbf{x}_{k-1}", "A x_(k-1)"), Math(r"\mathbf{x}_k", "x_k"), Math(r"\lambda \approx", "λ estimate")]
        keys = ("k", "Ax", "x", "estimate")
    how = f"{SCALING.options[scaling][0].upper()}{SCALING.options[scaling][1:]}. " if rule else ""
    d.table("The iterates", cols, rows, keys=keys, index=("k",),
            text=f"{how}Each entry is an answer: x@k=2, estimate@k=2{', Ax@k=2' if scaling != 'none' else ''}."
                 + (" " + note if note else ""))


def _largest_index(v) -> int:
    mags = [abs(fl(x)) for x in v]
    top = max(mags)
    return next(i for i, a in enumerate(mags) if a >= top * (1 - 1e-12))


def _iterates_exact(M: sp.ImmutableMatrix, x0: tuple, n: int, scaling: str) -> tuple[list, bool]:
    """[(k, A x_(k-1), x_k, estimate)], and whether A x became the zero vector (the scaled iteration stops)."""
    rows, x = [], x0
    for k in range(1, n + 1):
        y = tuple(tamed(M * matrix([x]).T))
        xx = tame(sum((a * a for a in x), sp.Integer(0)))
        rq = tame(sum((a * b for a, b in zip(x, y)), sp.Integer(0)) / xx)
        if all(is_zero(a) for a in y):
            rows.append((k, y, y, rq if scaling != "max" else sp.Integer(0)))
            return rows, scaling != "none"
        if scaling == "none":
            x, est = y, rq
        elif scaling == "max":
            est = y[_largest_index(y)]
            x = tuple(tame(a / est) for a in y)
        else:
            nrm = tame(sp.sqrt(sum((a * a for a in y), sp.Integer(0))))
            x, est = tuple(tame(a / nrm) for a in y), rq
        rows.append((k, y, x, est))
    return rows, False


def _iterates_numeric(A: np.ndarray, x0: np.ndarray, n: int, scaling: str) -> tuple[list, bool, int | None]:
    """As _iterates_exact in float64; also the step at which a value overflowed (the trace stops before it)."""
    rows, x = [], x0.astype(np.float64)
    with np.errstate(all="ignore"):
        for k in range(1, n + 1):
            y = A @ x
            m = float(np.abs(x).max())  # (the Rayleigh quotient of x / max|x|: no underflow of x.x at 1e-300)
            rq = float((x / m) @ (y / m)) / float((x / m) @ (x / m))
            if not (np.all(np.isfinite(y)) and math.isfinite(rq)):
                return rows, False, k
            if not np.any(y):
                rows.append((k, tuple(y), tuple(y), rq if scaling != "max" else 0.0))
                return rows, scaling != "none", None
            if scaling == "none":
                x, est = y, rq
            elif scaling == "max":
                est = float(y[int(np.flatnonzero(np.abs(y) >= np.abs(y).max() * (1 - 1e-12))[0])])
                x = y / est
            else:
                x, est = y / np.linalg.norm(y), rq
            rows.append((k, tuple(y), tuple(x), est))
    return rows, False, None


@dataclass
class Part:
    """The part of x along one eigenvalue: A^k x = sum over the parts of (about) C(k, degree) λ^(k - degree) lead."""

    value: Any              # the eigenvalue (exact SymPy number, or a Python complex on the numeric path)
    modulus: float
    degree: int             # 0 when the part is an eigenvector; d > 0 when a Jordan chain of length d + 1 grows like k^d
    lead: tuple             # the eigenvector that part tends to: (A - λI)^degree of the part
    part: tuple | None      # the part itself (degree 0)


@dataclass
class Behaviour:
    word: str                       # "diverges", "converges", "alternates", "oscillates", "breaks down"
    dominant: Any = None            # the one eigenvalue that dominates (real), or None
    ratio: Any = None               # |second| / |dominant| when it applies
    limit: tuple | None = None      # the limit of the iterates, when they have one
    text: str = ""


def _classify(parts: list[Part], scaling: str, n: int, exact: bool, a_scale: float = 1.0) -> Behaviour:
    """The behaviour of the (scaled) iterates from the parts of x along the eigenvalues: one rule for both paths.
    `a_scale` (the largest entry of A) says what a zero eigenvalue is on the numeric path."""
    tol = 1e-10 if exact else 1e-8
    rho = max(p.modulus for p in parts)
    floor = 0.0 if exact else 1e-12 * a_scale  # (relative: 1e-300 and 2e-300 are not one magnitude)
    same = lambda a, b: a == b or abs(a - b) <= tol * max(a, b) + floor  # noqa: E731 (a == b: two moduli past float range)
    top = [p for p in parts if same(p.modulus, rho)]
    deg = max(p.degree for p in top)
    dom = [p for p in top if p.degree == deg]
    zero = lambda: tuple(sp.Integer(0) if exact else 0.0 for _ in range(n))  # noqa: E731
    fmt = lambda v: F.text(v, exact="both") if exact else F.text(sympy_number(v))  # noqa: E731
    grows = rho > 1 + tol or (same(rho, 1.0) and deg > 0)
    poly = f", times a factor that grows like k{'^' + str(deg) if deg > 1 else ''} (A is not diagonalisable)" if deg else ""
    if (all(is_zero(p.value) for p in top) if exact else rho <= 1e-12 * a_scale):
        if scaling == "none":
            return Behaviour("converges", dominant=dom[0].value if len(dom) == 1 else None, limit=zero(),
                             text="Every part of x has eigenvalue 0, so A^k x becomes the zero vector after finitely many "
                                  "steps: the sequence converges to 0.")
        return Behaviour("breaks down", text="Every part of x has eigenvalue 0, so A^k x becomes the zero vector: it "
                                             "cannot be scaled, and the iteration stops. No eigenvalue dominates.")
    if len(dom) > 1:
        vals = " and ".join(fmt(p.value) for p in dom)
        why = (f"The eigenvalues {vals} of x's parts share the largest magnitude {F.text(rho)}{poly}, so no single "
               "eigenvalue dominates: the direction of A^k x keeps changing (")
        why += ("it rotates" if any(not _is_real_value(p.value, exact) for p in dom) else "it alternates between two directions") + ")."
        if scaling != "none":
            return Behaviour("oscillates", text=why + " The scaled iterates have no limit.")
        if grows:
            return Behaviour("diverges", text=why + f" Its length grows like {F.text(rho)}^k: the sequence diverges.")
        if rho < 1:
            return Behaviour("converges", limit=zero(), text=why + f" Its length shrinks like {F.text(rho)}^k: the sequence "
                                                                   "converges to the zero vector.")
        return Behaviour("oscillates", text=why + " Its length stays bounded but it never settles: the sequence "
                                                  "oscillates.")
    p = dom[0]
    lam = p.value
    lam_f = _real(lam)
    others = [q.modulus for q in parts if q is not p]
    ratio = None
    if deg == 0:
        ratio = (max(others) / rho) if others else 0.0
        if exact and others:
            second = max((q for q in parts if q is not p), key=lambda q: q.modulus)
            ratio = tame(sp.Abs(second.value) / sp.Abs(lam))
        elif exact:
            ratio = sp.Integer(0)
    lead = p.lead
    head = (f"λ = {fmt(lam)} has the largest magnitude among the eigenvalues present in x, so its part w dominates: "
            f"A^k x ≈ λ^k w{poly}")
    if ratio is not None:
        head += (f"; the other parts shrink relative to it like |λ₂/λ₁|^k = ({F.text(ratio)})^k" if others else
                 "; x has no other part (it is an eigenvector)")
    head += "."
    if scaling == "none":
        if grows:
            word, limit, tail = "diverges", None, f" |λ| = {F.text(abs(lam_f))} > 1" if not same(rho, 1.0) else " |λ| = 1 but the part grows like a power of k"
            tail += ": the length of A^k x grows without bound, so the sequence diverges" + (" (alternating in sign)." if lam_f < 0 else ".")
        elif rho < 1:
            word, limit, tail = "converges", zero(), f" |λ| = {F.text(abs(lam_f))} < 1: A^k x shrinks to the zero vector, so the sequence converges to 0."
        elif lam_f > 0:
            word, limit, tail = "converges", p.part, " λ = 1: that part stays as it is and the others die out, so the sequence converges to it."
        else:
            word, limit, tail = "alternates", None, " λ = -1: that part flips sign at every step, so the sequence alternates between two vectors and has no limit."
        return Behaviour(word, dominant=lam, ratio=ratio, limit=limit, text=head + tail)
    if scaling == "max":
        i = _largest_index(lead) if exact else int(np.flatnonzero(np.abs(lead) >= np.abs(lead).max() * (1 - 1e-12))[0])
        limit = tuple(tame(x / lead[i]) for x in lead) if exact else tuple(np.asarray(lead) / lead[i])
        return Behaviour("converges", dominant=lam, ratio=ratio, limit=limit,
                         text=head + " Dividing by the entry of largest magnitude removes both the growth and the sign, so "
                                     f"the iterates converge to the eigenvector with that entry equal to 1, and the scale "
                                     f"factor converges to λ = {fmt(lam)}.")
    if exact:
        nrm = tame(sp.sqrt(sum((x * x for x in lead), sp.Integer(0))))
        unit = tuple(tame(x / nrm) for x in lead)
    else:  # (divided by its largest entry first: the length of a vector of 1e-300 entries underflows)
        la = np.asarray(lead) / np.abs(np.asarray(lead)).max()
        unit = tuple(la / np.linalg.norm(la))
    if lam_f > 0:
        return Behaviour("converges", dominant=lam, ratio=ratio, limit=unit,
                         text=head + " Scaled to length 1, the iterates converge to the unit eigenvector of λ, and the "
                                     f"Rayleigh quotient converges to λ = {fmt(lam)}.")
    return Behaviour("alternates", dominant=lam, ratio=ratio,
                     text=head + f" λ = {fmt(lam)} is negative, so the iterates scaled to length 1 flip sign at every step: "
                                 "they alternate between ± the unit eigenvector (the direction converges, the vector does "
                                 f"not), while the Rayleigh quotient converges to λ = {fmt(lam)}.")


def _real(v) -> float:
    return float(sp.re(sp.N(v, 30))) if isinstance(v, sp.Basic) else float(np.real(v))


def _is_real_value(v, exact: bool) -> bool:
    return is_real(v) if exact else abs(np.imag(v)) <= 1e-12 * max(1.0, abs(v))


def _parts_exact(M: sp.ImmutableMatrix, x0: tuple, values: list, defective: bool) -> list[Part]:
    """The part of x0 along each distinct eigenvalue λ: z = prod over the other eigenvalues μ of (A - μI)^m x0 lies in
    λ's (generalised) eigenspace and is zero exactly when x0 has no part there (m = 1 for a diagonalisable A, the
    algebraic multiplicity otherwise); divided by prod (λ - μ)^m it is that part when it is an eigenvector."""
    n = M.rows
    distinct: list[list] = []
    for v in values:
        for g in distinct:
            if is_zero(g[0] - v):
                g[1] += 1
                break
        else:
            distinct.append([v, 1])
    # (SymPy Floats: (1e100)^4 overflows a Python float)
    size = lambda x: sp.Abs(sp.N(x, 30))  # noqa: E731
    base = max(size(x) for x in M) + max(size(v) for v in values)
    base = base if base else 1
    x_size = max(size(x) for x in x0)
    # negligible against what z would be without cancellation: |x0| times |A - mu I| for each factor applied
    negligible = lambda vec, k: all(sp.Abs(sp.N(x, 50)) <= sp.Float("1e-25") * base ** k * x_size  # noqa: E731
                                    for x in vec)
    I = sp.eye(n)
    parts = []
    for lam, m in distinct:
        z, s, k = matrix([x0]).T, sp.Integer(1), 0
        for mu_, mm in distinct:
            if mu_ is lam:
                continue
            e = mm if defective else 1
            for _ in range(e):
                z = (M - mu_ * I) * z
                z = sp.ImmutableMatrix(z.applyfunc(lambda x: tame(sp.expand(x))))
                k += 1
            s = s * (lam - mu_) ** e
        if negligible(z, k):
            continue
        deg, lead = 0, z
        while deg < m - 1:
            nxt = sp.ImmutableMatrix(((M - lam * I) * lead).applyfunc(lambda x: tame(sp.expand(x))))
            if negligible(nxt, k + deg + 1):
                break
            lead, deg = nxt, deg + 1
        s = tame(sp.expand(s))
        lead = tuple(tame(sp.expand(x / s)) for x in lead)
        part = lead if deg == 0 else None
        parts.append(Part(lam, float(abs(complex(sp.N(lam, 30)))), deg, lead, part))
    return parts


def _parts_numeric(A: np.ndarray, x0: np.ndarray, w: np.ndarray, Q: np.ndarray, keep: list[int]) -> list[Part] | None:
    """The same parts in float64: from x0 = Q c when A is diagonalisable (O(n^3)); by the products of
    _parts_exact for a small defective matrix; None for a large defective one."""
    n = A.shape[0]
    scale = float(np.abs(w).max(initial=0.0)) or 1.0  # (relative: 1e-300 and 2e-300 are two eigenvalues)
    groups: list[list[int]] = []
    for i in range(n):
        for g in groups:
            with np.errstate(over="ignore", invalid="ignore"):
                close = abs(w[g[0]] - w[i]) <= EIGEN_TOL * scale
            if close:
                g.append(i)
                break
        else:
            groups.append([i])
    xs = float(np.abs(x0).max())
    parts = []
    if len(keep) == n:
        c = np.linalg.solve(Q.astype(complex), x0.astype(complex))
        noise = 1e-9 * xs * max(1.0, float(np.linalg.cond(Q)))
        for g in groups:
            part = (Q[:, g] * c[g]).sum(axis=1)
            if np.abs(part).max() <= noise:
                continue
            lam = complex(np.mean(w[g]))
            parts.append(Part(_chop(lam), abs(lam), 0, _chop_vector(part), _chop_vector(part)))
        return parts
    if n > EXACT_MAX:
        return None
    Ac = A.astype(complex)
    I = np.eye(n)
    base = float(np.abs(A).max()) + float(np.abs(w).max(initial=0.0)) or 1.0
    big = math.exp(min(700.0, max(-700.0, n * math.log(base) + math.log(xs))))
    for g in groups:
        lam = complex(np.mean(w[g]))
        z, s = x0.astype(complex), 1.0 + 0j
        for h in groups:
            if h is g:
                continue
            mu_ = complex(np.mean(w[h]))
            for _ in range(len(h)):
                z = (Ac - mu_ * I) @ z
            s *= (lam - mu_) ** len(h)
        if np.abs(z).max() <= 1e-7 * big:
            continue
        deg, lead = 0, z
        while deg < len(g) - 1:
            nxt = (Ac - lam * I) @ lead
            if np.abs(nxt).max() <= 1e-7 * big:
                break
            lead, deg = nxt, deg + 1
        lead = _chop_vector(lead / s, 1e-9)
        parts.append(Part(_chop(lam, 1e-9), abs(lam), deg, lead, lead if deg == 0 else None))
    return parts


def _chop(z: complex, rel: float = 1e-12, scale: float | None = None):
    """A float64 complex number without its rounding noise: a float when its imaginary part is noise, and a
    real or imaginary part below `rel` of the number's size (or `scale`) set to 0."""
    z = complex(z)
    size = max(abs(z), 1e-300) if scale is None else scale
    re_, im_ = (0.0 if abs(z.real) <= rel * size else z.real), (0.0 if abs(z.imag) <= rel * size else z.imag)
    return re_ if im_ == 0.0 else complex(re_, im_)


def _chop_vector(v: np.ndarray, rel: float = 1e-12) -> tuple:
    scale = float(np.abs(v).max(initial=0.0))
    return tuple(_chop(x, rel, scale) for x in v)


def _behaviour_answers(d: Derivation, b: Behaviour, exact: bool):
    answers = [make_answer("behaviour", b.word)]
    if b.dominant is not None:
        answers.append(make_answer("dominant_eigenvalue", b.dominant if exact else float(b.dominant),
                                   tolerance=None if exact else tolerance(rel=1e-9)))
    if b.ratio is not None:
        answers.append(make_answer("convergence_ratio", b.ratio if exact else float(b.ratio),
                                   tolerance=None if exact else tolerance(rel=1e-9)))
    if b.limit is not None:
        answers.append(make_answer("limit", tuple(b.limit) if exact else tuple(float(x) for x in b.limit),
                                   tolerance=None if exact else tolerance(rel=1e-9)))
    if b.word == "breaks down":
        d.status = "undefined"
        answers = []
    d.conclude("How the sequence behaves", text=b.text, answers=answers)


def _parts_step(d: Derivation, parts: list[Part], exact: bool):
    shown = []
    for q in parts:
        v = q.value if exact else sympy_number(q.value)
        if q.degree == 0 and not exact and len(q.part) > 8:  # (a long vector says little; its size says enough)
            size = float(np.linalg.norm(np.asarray(q.part)))
            shown.append((r"\lambda = %s:\ \|\mathbf{w}\| = %s" % (F.latex(v), F.latex(size)), f"λ = {F.text(v)}: ||w|| = {F.text(size)}"))
        elif q.degree == 0:
            w = q.part if exact else tuple(sympy_number(x) for x in q.part)
            shown.append((r"\lambda = %s:\ %s" % (F.latex(v, exact="surd"), F.latex(w)),
                          f"λ = {F.text(v, exact='surd')}: {F.text(w)}"))
        else:
            shown.append((r"\lambda = %s:\ \text{a chain of length %d}" % (F.latex(v, exact="surd"), q.degree + 1),
                          f"λ = {F.text(v, exact='surd')}: a Jordan chain of length {q.degree + 1}"))
    add_step(d, "compute", "The parts of x along the eigenvalues",
             text="Write x as a sum of parts, one in the eigenspace of each eigenvalue (its projection there, "
                  "w_i = prod over j ≠ i of (A - λ_j I)/(λ_i - λ_j) applied to x). Then A^k x = sum of λ_i^k w_i: each "
                  "part is multiplied by its own eigenvalue at every step. Eigenvalues whose part is zero play no role.",
             formula=Math(r"A^{k}\mathbf{x} = \textstyle\sum_i \lambda_i^{k}\,\mathbf{w}_i", "A^k x = sum_i λ_i^k w_i"),
             value=Math(r",\quad ".join(a for a, _ in shown), "; ".join(b for _, b in shown)))


def _iteration_exact(d: Derivation, M, x0, n, scaling, res):
    with d.group("The sequence x, Ax, A²x, ...", text="Multiply by A again and again"
                 + ("" if scaling == "none" else ", scaling each new vector") + "; then explain what happens from the "
                 "eigenvalues."):
        add_step(d, "formula", "The iteration", formula=_iterate_rule(scaling),
                 text=SCALING.options[scaling][0].upper() + SCALING.options[scaling][1:] + ".",
                 value=Math(r"\lambda \approx " + _ESTIMATE[scaling].latex, "λ estimate: " + _ESTIMATE[scaling].text))
        rows, stopped = _iterates_exact(M, x0, n, scaling)
        _trace_table(d, rows, scaling, "A x is the zero vector: it cannot be scaled, so the iteration stops." if stopped else "")
        parts = _parts_exact(M, x0, res.values, res.defective)
        _parts_step(d, parts, True)
        _behaviour_answers(d, _classify(parts, scaling, M.rows, True), True)


def _iteration_numeric(d: Derivation, A, x0, n, scaling, w, Q, keep):
    rows, stopped, overflow = _iterates_numeric(A, x0, n, scaling)
    note = "A x is the zero vector: it cannot be scaled, so the iteration stops." if stopped else ""
    if overflow is not None:
        note = f"Iterate {overflow} overflows float64 (it exceeds 1.8e308), so the table stops before it."
    if rows:
        _trace_table(d, rows, scaling, note, rule=True)
    else:
        d.note("The iterates", note)
    parts = _parts_numeric(A, x0, w, Q, keep)
    if parts is None:
        d.note("How the sequence behaves", "A is not diagonalisable and larger than 4 x 4: the parts of x along its "
                                           "generalised eigenvectors are not computed, so no conclusion is drawn.")
        return
    _parts_step(d, parts, False)
    _behaviour_answers(d, _classify(parts, scaling, A.shape[0], False, float(np.abs(A).max(initial=0.0))), False)


def _finite(p) -> None:
    """The numeric path holds float64: an entry past about 1.8e308 (1e400 typed) has no float value."""
    for name in ("A", "eigenvalues", "vectors", "x0"):
        if p.get(name) is not None:
            with np.errstate(all="ignore"):
                ok = bool(np.all(np.isfinite(np.asarray(as_float(p[name]), dtype=complex))))
            if not ok:
                raise InvalidInput(name, f"An entry of {name} is beyond float64's range (about 1.8e308), which the "
                                         "numeric path needs; scale the problem, or give at most a 4 x 4 matrix for "
                                         "exact working.")


def solve_numeric(p, conv) -> Derivation:
    """float64 NumPy: eigh for a symmetric matrix, eig otherwise; the same answers, summary steps only."""
    _finite(p)
    d = Derivation()
    if p["A"] is None:
        w = as_float(p["eigenvalues"])
        add_step(d, "note", "Numeric path", text=f"The {w.size} given eigenvalues of A, mapped in float64.")
        _spectral(d, p, w, False, numeric=True)
        return d
    A = as_float(p["A"])
    n = A.shape[0]
    w = Q = keep = None
    if _decomposing(p):
        sym_ = bool(np.array_equal(A, A.T))
        w, Q = eig_numeric(A, conv["sign_rule"])
        add_step(d, "note", "Numeric path",
                 text=f"A {n} x {n} {'symmetric ' if sym_ else ''}matrix decomposed in float64 with "
                      f"{'numpy.linalg.eigh' if sym_ else 'numpy.linalg.eig'}; eigenvalues largest first.")
        keep = keep_independent(d, "A", w, Q, A, conv["sign_rule"])
        if np.iscomplexobj(w):
            answers = [make_answer("eigenvalues_real", tuple(w.real)), make_answer("eigenvalues_imag", tuple(w.imag))]
            if n <= EXACT_MAX:  # a real matrix's characteristic polynomial is real, complex eigenvalues or not
                answers.append(make_answer("characteristic_polynomial", tuple(np.poly(A).real), tolerance=tolerance(rel=1e-9)))
            d.conclude("Eigenvalues (some complex)", text="A has complex eigenvalues; complex eigenvectors are not given as answers.",
                       answers=tuple(answers))
            _spectral(d, p, w, True, numeric=True)
        else:
            answers = [make_answer("eigenvalues", tuple(w), tolerance=tolerance(rel=1e-9))]
            if n * n <= MAX_ANSWER_ENTRIES:
                answers.append(make_answer("eigenvectors", [list(r) for r in Q[:, keep]], tolerance=tolerance("columns")))
            if n <= EXACT_MAX:
                answers.append(make_answer("characteristic_polynomial", tuple(np.poly(w).real), tolerance=tolerance(rel=1e-9)))
            d.conclude("Eigen-decomposition", text=f"Eigenvector signs: {SIGN.options[conv['sign_rule']]}.", answers=answers)
            _spectral(d, p, w, False, numeric=True)
    if p["vectors"] is not None:
        _vectors_numeric(d, A, as_float(p["vectors"]).reshape(-1, n))
    if p["x0"] is not None:
        _iteration_numeric(d, A, as_float(p["x0"]), p["iterations"], conv["power_scaling"], np.asarray(w), Q, keep)
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
