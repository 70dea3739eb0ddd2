"""Shared linear algebra for the eigen, pca and svd families: one eigen-decomposition written out by hand.

`eigen_steps(d, A, ...)` adds the steps a person writes for the eigenvalues and eigenvectors of a small
square matrix, in this order:
  1. A - λI;
  2. det(A - λI) expanded (the cofactor expansion written out for 2 x 2 and 3 x 3) = the characteristic
     polynomial;
  3. its roots, exactly: the quadratic formula, the rational-root test and factoring for cubics and
     quartics; integers, fractions and surds such as (37 ± √565)/2 stay exact, and every root is also
     given as a decimal. A cubic or quartic factor without rational roots is solved numerically to
     40 significant digits (its radical form is no use by hand), and said;
  4. for each eigenvalue, an eigenvector from the null space of A - λI (for a simple eigenvalue the
     rows of A - λI span an (n-1)-dimensional space: v = (-b, a - λ) from one row of a 2 x 2, the
     cross product of two rows of a 3 x 3, the cofactors of a row of a 4 x 4; for a repeated
     eigenvalue the reduced row echelon form and its free variables), normalised;
     symmetric matrices get orthonormal eigenvectors (Gram-Schmidt inside a repeated eigenspace);
  5. the checks trace = sum and det = product of the eigenvalues.
Repeated, complex and missing (defective) eigenvectors are handled and said. The exact path is used
up to 4 x 4 (EXACT_MAX); a larger matrix is decomposed numerically (mpmath, 40 digits) with a step
saying so. Values that are not rational and whose exact form is long become 40-digit Floats.

Representation: the exact path works on SymPy immutable matrices (`matrix`) of exact numbers, vectors
are tuples of their entries; the numeric path on float64 NumPy arrays. Every number shown goes through
the formatting layer (solver.format); answers follow the request's precision (`tolerance`).

The NumPy helpers (`sign_fix_np`, `eig_numeric`, `rref_nullspace_np`, `gram_schmidt_np`) are the same
rules in float64 for the families' numeric paths; `independent_columns` is the one rule, on both paths,
for how many eigenvectors a numerically decomposed (possibly defective) matrix has.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any, Sequence

import mpmath
import numpy as np
import sympy as sp

from solver import format as F
from solver.numbers import WORKING_DIGITS, Tolerance, tolerance_for
from solver.steps import Answer, Math, Step
from solver.symbolic import Derivation, make_answer, sym

#: Largest matrix decomposed symbolically (characteristic polynomial and exact roots).
EXACT_MAX = 4

#: Answers with more entries than this are left out of a numeric solution (a note says so).
MAX_ANSWER_ENTRIES = 20_000

LAM = sym("λ", r"\lambda")
_ZERO_TOL = sp.Float("1e-30")

#: Where the course notes work the PCA example whose covariance matrix the eigen and pca families share.
NOTES_PCA_WHERE = "the course notes' end-term assignment, question 2 (dimensionality reduction with PCA)"

#: The slip in that example's characteristic polynomial (an Erratum's texts; each family adds its instance).
POLY_SLIP = dict(
    where=NOTES_PCA_WHERE,
    wrote="the characteristic polynomial of C = [[14, -11], [-11, 23]] as λ^2 - 37λ + 20 = 0",
    right="the constant term is det C = 14 * 23 - (-11)(-11) = 322 - 121 = 201, so it is λ^2 - 37λ + 201 = 0",
    why="the roots the notes then give, (37 ± √565)/2, follow only from 201, since 37^2 - 4 * 201 = 565",
    title="Slip in the course notes",
)


def tolerance(up_to_sign: bool | str = False, group: str = "", rel: float = 0.0) -> Tolerance:
    """The request's answer tolerance (half a unit in the last place shown), with the sign flips an answer
    allows (`up_to_sign`, `group`: solver.numbers.Tolerance) and at least `rel` relative slack."""
    t = tolerance_for(F.answer_precision())
    return dataclasses.replace(t, rel=max(t.rel, rel), up_to_sign=up_to_sign, sign_group=group)


# ---- exact values: keep them exact while they are short, else 40-digit Floats -------------------


#: Memoise a pure function of SymPy numbers (the same eigenvalue or vector entry is tested and evaluated many
#: times in one solution, and again in every solution of the same matrix). SymPy numbers are immutable and
#: hashable; `typed` keeps 1 (Integer), 1.0 (Float) and 1 (int) apart.
_memo = functools.lru_cache(maxsize=8192, typed=True)


@_memo
def is_zero(x) -> bool:
    """Exact zero test for rationals; for surds and Floats, |x| < 1e-30 at 50 digits."""
    x = sp.sympify(x)
    if x.is_Rational:
        return x == 0
    return bool(abs(sp.N(x, 50)) < _ZERO_TOL)


is_real = _memo(F.is_real)


@_memo
def tame(x, max_len: int = 48):
    """x as a short exact SymPy number (rational, surd) when possible, else a 40-digit Float (or complex)."""
    x = sp.sympify(x)
    if x.is_Rational:
        return x
    if x.has(sp.Float):
        return _as_float(x)
    x = sp.expand(x)
    if x.is_Rational:
        return x
    if len(sp.sstr(x)) > max_len and x.has(sp.Pow):
        try:
            x = sp.expand(sp.radsimp(x))
        except Exception:  # pragma: no cover - radsimp gives up on some nested radicals
            pass
    if x.is_Rational:
        return x
    if len(sp.sstr(x)) > max_len:
        return _as_float(x)
    return x


@_memo
def _as_float(x):
    v = sp.N(x, WORKING_DIGITS)
    re_v, im_v = v.as_real_imag()
    if abs(im_v) < _ZERO_TOL:
        return sp.Float(re_v, WORKING_DIGITS) if not re_v.is_Rational else re_v
    return sp.Float(re_v, WORKING_DIGITS) + sp.I * sp.Float(im_v, WORKING_DIGITS)


@_memo
def fl(x) -> float:
    return float(sp.N(x, 20))


def matrix(rows) -> sp.ImmutableMatrix:
    """Rows of exact numbers (or a SymPy matrix) as a SymPy immutable matrix."""
    if isinstance(rows, sp.MatrixBase):
        return sp.ImmutableMatrix(rows)
    return sp.ImmutableMatrix([[sp.sympify(x) for x in r] for r in rows])


def tamed(M: sp.MatrixBase) -> sp.ImmutableMatrix:
    """Every entry of M tamed (short exact forms stay, long ones become 40-digit Floats)."""
    return sp.ImmutableMatrix(M.applyfunc(tame))


def has_exact_form(v) -> bool:
    """True when every entry of the vector v prints in an exact form (integer, fraction, surd)."""
    return all(F.exact_text(x) is not None for x in v)


def factor_text(x, exact: str = "surd") -> str:
    """A factor in a written product, always bracketed so (4)(4) never reads as 44 (`exact`: solver.format's modes;
    by default its exact form when it has one)."""
    return f"({F.text(x, exact=exact)})"


def factor_latex(x, exact: str = "surd") -> str:
    return r"\left(%s\right)" % F.latex(x, exact=exact)


def vector_exact_latex(v) -> str:
    """A vector in its exact form, followed by '≈ decimals' when that form holds a surd or long fraction."""
    exact = F.latex(v, exact="surd")
    return exact if all(sp.sympify(x).is_Rational for x in v) or not has_exact_form(v) else exact + r" \approx " + F.latex(v)


def vector_exact_text(v) -> str:
    exact = F.text(v, exact="surd")
    return exact if all(sp.sympify(x).is_Rational for x in v) or not has_exact_form(v) else exact + " ≈ " + F.text(v)


def add_step(d: Derivation, kind: str, title: str, *, text: str = "", formula: Math | None = None,
             substituted: Math | None = None, value: Math | None = None, answers: Sequence[Answer] = ()) -> Step:
    return d.add(Step(kind, title, text=text, formula=formula, substituted=substituted, value=value,
                      answers=tuple(a for a in answers if a is not None)))


# ---- sign rules -----------------------------------------------------------------------------------

SIGN_TEXT = {
    "first-positive": "its first non-zero component is made positive",
    "largest-loading": "its largest-magnitude component is made positive (the first one on a tie)",
    "largest-score": "its largest-magnitude score is made positive (the first one on a tie)",
}


def sign_index(v, rule: str) -> int | None:
    """The index whose sign the rule makes positive ("first-positive" or "largest-loading"), None if v = 0."""
    vals = [abs(fl(x)) for x in v]
    if rule == "first-positive":
        for i, x in enumerate(v):
            if not is_zero(x):
                return i
        return None
    top = max(vals) if vals else 0.0
    if top == 0:
        return None
    for i, a in enumerate(vals):
        if a >= top * (1 - 1e-12):
            return i
    return None  # pragma: no cover


def needs_flip(v, rule: str) -> bool:
    """True when the rule makes the exact vector v negated (the component it looks at is negative)."""
    j = sign_index(v, rule)
    return j is not None and fl(v[j]) < 0


def negated(v) -> tuple:
    return tuple(tame(-x) for x in v)


def sign_fix_np(vectors: np.ndarray, rule: str, scores: np.ndarray | None = None) -> np.ndarray:
    """+1/-1 per row of `vectors` (k x d) by the rule; "largest-score" reads the columns of `scores` (N x k).
    Many rows at once (a loop over 200 singular vectors cost more than their SVD), 64 at a time (the temporaries
    stay small when the rows are long)."""
    M = np.asarray(vectors if rule != "largest-score" else scores.T)
    k = M.shape[0]
    out = np.ones(k)
    if M.shape[1] == 0:
        return out
    for i in range(0, k, 64):
        rows = M[i:i + 64]
        a = np.abs(rows)
        top = a.max(axis=1)
        if rule == "first-positive":  # the first entry above 1e-12 of the row's size (at least 1e-12)
            hit = a > (1e-12 * np.fmax(1.0, top))[:, None]
        else:                         # the first entry of the largest size
            hit = a >= (top * (1 - 1e-12))[:, None]
            hit &= (top > 0)[:, None]
        picked = rows[np.arange(rows.shape[0]), hit.argmax(axis=1)]
        out[i:i + 64][hit.any(axis=1) & (picked < 0)] = -1.0
    return out


# ---- the eigen-decomposition --------------------------------------------------------------------


@dataclass
class EigenResult:
    """Eigenvalues with multiplicity, largest first (complex ones last, by real part), and a unit
    eigenvector per eigenvalue (None where a defective matrix has fewer eigenvectors)."""

    values: list
    vectors: list
    symmetric: bool
    poly: Any = None
    complex: bool = False
    repeated: bool = False
    defective: bool = False
    closed_form: bool = True
    numeric: bool = False


def name_latex(name: str) -> str:
    """A matrix name in LaTeX: "A^T A" -> A^{\top}A."""
    return name.replace("^T ", r"^{\top}").replace("^T", r"^{\top}")


@_memo
def _sort_key(x):
    v = sp.N(x, 30)
    re_v, im_v = v.as_real_imag()
    return (0 if abs(im_v) < _ZERO_TOL else 1, -float(re_v), -float(im_v))


def _diag_text(a) -> str:
    return "(-λ)" if a == 0 else f"({F.text(a, exact='surd')} - λ)"


def _diag_latex(a) -> str:
    return r"(-\lambda)" if a == 0 else f"({F.latex(a, exact='surd')} - \\lambda)"


def _shifted(M: sp.MatrixBase) -> tuple[str, str]:
    """M - λI written out (LaTeX, text): λ subtracted on the diagonal, the other entries as they are."""
    n = M.rows
    lat = [[(f"{F.latex(M[i, i], exact='surd')} - \\lambda" if M[i, i] != 0 else r"-\lambda") if i == j
            else F.latex(M[i, j], exact="surd") for j in range(n)] for i in range(n)]
    txt = [[(f"{F.text(M[i, i], exact='surd')} - λ" if M[i, i] != 0 else "-λ") if i == j
            else F.text(M[i, j], exact="surd") for j in range(n)] for i in range(n)]
    return (r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(" & ".join(r) for r in lat),
            "[" + ", ".join("[" + ", ".join(r) + "]" for r in txt) + "]")


@_memo
def _lx(e) -> str:
    """LaTeX of a polynomial in λ, highest power first."""
    return sp.latex(e, symbol_names={LAM: r"\lambda"}, order="lex")


@_memo
def _poly_math(p) -> tuple[str, str]:
    e = sp.Poly(p, LAM).as_expr()
    return _lx(e), sp.sstr(e).replace("**", "^")


def _det_written(M: sp.MatrixBase, name: str) -> tuple[Math, Math] | None:
    """General and substituted cofactor expansion of det(M - λI) for 2 x 2 and 3 x 3."""
    n = M.rows
    P, L = factor_text, factor_latex
    nl = name_latex(name)
    if n == 2:
        (a, b), (c, e) = M.tolist()
        gen = Math(r"\det(%s - \lambda I) = (a_{11} - \lambda)(a_{22} - \lambda) - a_{12}\,a_{21}" % nl,
                   f"det({name} - λI) = (a11 - λ)(a22 - λ) - a12 a21")
        sub = Math(f"\\det({nl} - \\lambda I) = {_diag_latex(a)}{_diag_latex(e)} - {L(b)}{L(c)}",
                   f"det({name} - λI) = {_diag_text(a)}{_diag_text(e)} - {P(b)}{P(c)}")
        return gen, sub
    if n == 3:
        (a, b, c), (d_, e, f), (g, h, i) = M.tolist()
        gen = Math(r"\det(%s - \lambda I) = (a_{11} - \lambda)\left[(a_{22} - \lambda)(a_{33} - \lambda) - a_{23}a_{32}\right]"
                   r" - a_{12}\left[a_{21}(a_{33} - \lambda) - a_{23}a_{31}\right] + a_{13}\left[a_{21}a_{32} - (a_{22} - \lambda)a_{31}\right]" % nl,
                   f"det({name} - λI) = (a11 - λ)[(a22 - λ)(a33 - λ) - a23 a32] - a12[a21(a33 - λ) - a23 a31]"
                   " + a13[a21 a32 - (a22 - λ) a31]")
        sub = Math(f"\\det({nl} - \\lambda I) = {_diag_latex(a)}\\left[{_diag_latex(e)}{_diag_latex(i)} - {L(f)}{L(h)}\\right]"
                   f" - {L(b)}\\left[{L(d_)}{_diag_latex(i)} - {L(f)}{L(g)}\\right]"
                   f" + {L(c)}\\left[{L(d_)}{L(h)} - {_diag_latex(e)}{L(g)}\\right]",
                   f"det({name} - λI) = {_diag_text(a)}[{_diag_text(e)}{_diag_text(i)} - {P(f)}{P(h)}]"
                   f" - {P(b)}[{P(d_)}{_diag_text(i)} - {P(f)}{P(g)}]"
                   f" + {P(c)}[{P(d_)}{P(h)} - {_diag_text(e)}{P(g)}]")
        return gen, sub
    return None


@_memo
def _quadratic_roots(s, p):
    """Roots of λ^2 - s λ + p (s, p rational), largest first: [(value, multiplicity)]."""
    disc = s * s - 4 * p
    if disc == 0:
        return [(s / 2, 2)]
    r = sp.sqrt(disc)
    return [((s + r) / 2, 1), ((s - r) / 2, 1)] if disc > 0 else [(s / 2 + r / 2, 1), (s / 2 - r / 2, 1)]


def _quadratic_step(d: Derivation, s, p, title: str, what: str):
    disc = s * s - 4 * p
    roots = _quadratic_roots(s, p)
    root = sp.sqrt(disc) if disc >= 0 and sp.sqrt(disc).is_Rational else None
    r_t = F.text(root, exact="surd") if root is not None else f"sqrt({F.text(disc, exact='surd')})"
    r_l = F.latex(root, exact="surd") if root is not None else r"\sqrt{%s}" % F.latex(disc, exact="surd")
    s_t, s_l = F.text(s, exact="surd"), F.latex(s, exact="surd")
    formula = Math(r"\lambda = \frac{s \pm \sqrt{s^2 - 4p}}{2}", "λ = (s ± sqrt(s^2 - 4p))/2")
    sub = Math(r"\lambda = \frac{%s \pm \sqrt{%s^2 - 4 \cdot %s}}{2} = \frac{%s \pm %s}{2}" % (
        s_l, F.latex(s, exact="surd", paren=True), F.latex(p, exact="surd", paren=True), s_l, r_l),
        f"λ = ({s_t} ± sqrt({F.text(s, exact='surd', paren=True)}^2 - 4*{F.text(p, exact='surd', paren=True)}))/2 "
        f"= ({s_t} ± {r_t})/2")
    if disc == 0:
        v = roots[0][0]
        val = Math(r"\lambda = %s \text{ (twice)}" % F.latex(v, exact="both"), f"λ = {F.text(v, exact='both')} (twice)")
        note = " The discriminant is 0: one repeated root."
    else:
        val = Math(r",\quad ".join(r"\lambda = %s" % F.latex(v, exact="both") for v, _ in roots),
                   ", ".join(f"λ = {F.text(v, exact='both')}" for v, _ in roots))
        note = " The discriminant is negative: a pair of complex conjugate roots." if disc < 0 else ""
    add_step(d, "compute", title, text=f"{what} has the form λ^2 - sλ + p with s = {s_t} and p = {F.text(p, exact='surd')}; "
             f"the discriminant is s^2 - 4p = {F.text(disc, exact='surd')}.{note}", formula=formula, substituted=sub, value=val)
    return roots


def _nroots(f):
    """Numeric roots of an irreducible polynomial (SymPy expr in LAM) at 40 digits: [(value, 1)].

    The polynomial is first rescaled, λ = s μ with s a power of two near the size of its roots, so that mpmath's
    root finder meets roots of order 1 (with roots of order 1e14, as A^T A of a matrix of millions has, it did not
    converge)."""
    P = sp.Poly(f, LAM)
    coeffs = P.all_coeffs()
    lead = coeffs[0]
    sizes = [abs(fl(c / lead)) ** (1.0 / i) for i, c in enumerate(coeffs[1:], 1) if c != 0]
    bound = max(sizes, default=1.0)
    s = sp.Integer(2) ** int(round(math.log2(bound))) if bound > 0 else sp.Integer(1)
    g = sp.Poly([c / (lead * s ** i) for i, c in enumerate(coeffs)], LAM)  # g(μ) = f(s μ) / (lead s^deg)
    return [(_as_float(s * r), 1) for r in g.nroots(n=WORKING_DIGITS + 5, maxsteps=200)]


def _factored(factors, lead: str = "") -> Math:
    fac_l = " ".join(r"\left(%s\right)" % _lx(f) + ("^{%d}" % m if m > 1 else "") for f, m in factors)
    fac_t = "".join(f"({sp.sstr(f)})" + (f"^{m}" if m > 1 else "") for f, m in factors).replace("**", "^")
    return Math(f"{lead}{fac_l} = 0", f"{lead}{fac_t} = 0")


def _roots_steps(d: Derivation, poly_monic, name: str, n: int):
    """The roots of the monic characteristic polynomial with steps; [(value, multiplicity)], closed form?"""
    if n == 1:
        (c0,) = sp.Poly(poly_monic, LAM).all_coeffs()[1:]
        return [(-c0, 1)], True
    if n == 2:
        _, c1, c0 = sp.Poly(poly_monic, LAM).all_coeffs()
        return _quadratic_step(d, -c1, c0, "Solve the characteristic equation",
                               f"det({name} - λI) = λ^2 - (tr {name})λ + det {name}"), True
    content, factors = sp.factor_list(poly_monic, LAM)
    roots, closed = [], True
    linear = [(f, m) for f, m in factors if sp.degree(f, LAM) == 1]
    if linear:
        found = []
        for f, m in linear:
            a, b = sp.Poly(f, LAM).all_coeffs()
            found.append((-b / a, m))
        tried = ", ".join(f"λ = {F.text(r, exact='surd')}" for r, _ in found)
        rest = ("so the polynomial factors completely:" if len(linear) == len(factors) else
                "dividing the polynomial by the matching linear factors leaves the rest:")
        add_step(d, "compute", "Factor the characteristic polynomial",
                 text=f"Rational root test: a rational root p/q has p dividing the constant term and q the leading coefficient. "
                      f"Trying these gives {tried}; {rest}",
                 value=_factored(factors, "" if content == 1 else F.text(content, exact="surd")))
        roots += found
    elif len(factors) > 1 or factors[0][1] > 1:
        add_step(d, "compute", "Factor the characteristic polynomial",
                 text="The polynomial has no rational root but splits into quadratic factors:", value=_factored(factors))
    for f, m in factors:
        deg = sp.degree(f, LAM)
        if deg == 1:
            continue
        if deg == 2:
            a2, a1, a0 = sp.Poly(f, LAM).all_coeffs()
            qr = _quadratic_step(d, -a1 / a2, a0 / a2, f"Roots of the factor {sp.sstr(f).replace('**', '^')}",
                                 f"The factor {sp.sstr(f).replace('**', '^')}"
                                 + (f" (divided by {F.text(a2, exact='surd')})" if a2 != 1 else ""))
            roots += [(v, mm * m) for v, mm in qr]
            continue
        closed = False
        nr = _nroots(f)
        whole = len(factors) == 1 and m == 1
        add_step(d, "compute", "Roots of the characteristic polynomial (numerically)" if whole else
                 f"Roots of the factor {sp.sstr(f).replace('**', '^')} (numerically)",
                 text=f"This degree-{deg} {'polynomial' if whole else 'factor'} has no rational root, so its roots have no useful closed form by hand "
                      "(Cardano's formula for a cubic, Ferrari's for a quartic); they are found numerically to 40 significant digits.",
                 value=Math(r",\quad ".join(r"\lambda \approx %s" % F.latex(v) for v, _ in nr),
                            ", ".join(f"λ ≈ {F.text(v)}" for v, _ in nr)))
        roots += [(v, m) for v, _ in nr]
    return roots, closed


def _simple_null_vector(M: sp.MatrixBase):
    """(v, explanation) for a rank n-1 matrix (n <= 4): one row of a 2 x 2, a cross product, cofactors."""
    n = M.rows
    M = M.applyfunc(sp.expand)
    if n == 1:
        return (sp.Integer(1),), "Any non-zero number spans the null space of a 1 x 1 zero matrix."
    if n == 2:
        for i in range(2):
            a, b = M.row(i)
            if not (is_zero(a) and is_zero(b)):
                return (tame(-b), tame(a)), (
                    f"det = 0, so the two rows are multiples of each other and one equation remains, row {i + 1}: "
                    f"{factor_text(a)} v1 + {factor_text(b)} v2 = 0. It is solved by v = (-b, a) with a, b the entries "
                    "of that row.")
    if n == 3:
        for i, j in ((0, 1), (0, 2), (1, 2)):
            v = tuple(tame(x) for x in M.row(i).cross(M.row(j)))
            if not all(is_zero(x) for x in v):
                return v, (f"v must be orthogonal to every row of the matrix; rows {i + 1} and {j + 1} are independent, "
                           f"so v = r{i + 1} x r{j + 1} (their cross product).")
    for i in range(n - 1, -1, -1):
        v = tuple(tame(M.cofactor(i, j, method="berkowitz")) for j in range(n))
        if not all(is_zero(x) for x in v):
            return v, (f"v = the cofactors of row {i + 1}: by Laplace expansion they are orthogonal to the other rows, "
                       f"which span the {n - 1}-dimensional row space.")
    return None, ""  # pragma: no cover - rank n-1 guarantees a non-zero cofactor row


def _norm_steps(d: Derivation, v, label: str, *, complex_: bool = False):
    """Normalise v with a step; returns the unit vector (exact when the norm has an exact form)."""
    sq = sp.expand(sum((x * sp.conjugate(x) if complex_ else x * x) for x in v))
    sq = tame(sq) if not complex_ else tame(sp.re(sq))
    norm = tame(sp.sqrt(sq)) if sq.is_Rational else _as_float(sp.sqrt(sp.N(sq, WORKING_DIGITS + 5)))
    unit = tuple(tame(x / norm) for x in v)
    if complex_:
        i = next(i for i, x in enumerate(unit) if not is_zero(x))
        phase = sp.N(unit[i] / sp.Abs(unit[i]), WORKING_DIGITS)
        unit = tuple(_as_float(x / phase) for x in unit)
    mode = "surd" if has_exact_form(v) else "short"
    terms_t = " + ".join(f"|{F.text(x)}|^2" if complex_ else f"{F.text(x, exact=mode, paren=True)}^2" for x in v)
    terms_l = " + ".join(r"\left|%s\right|^2" % F.latex(x) if complex_ else f"{F.latex(x, exact=mode, paren=True)}^2"
                         for x in v)
    if F.exact_text(norm) is not None and has_exact_form(v):
        nt = F.text(norm, exact="surd")
        scaled_t = f"{F.text(v, exact='surd')}/" + (f"({nt})" if any(ch in nt for ch in "*/ ") else nt)
        scaled_l = r"\frac{1}{%s}%s" % (F.latex(norm, exact="surd"), F.latex(v, exact="surd"))
    else:
        scaled_t, scaled_l = f"{F.text(v)}/{F.text(norm)}", r"%s / %s" % (F.latex(v), F.latex(norm))
    exact_unit = has_exact_form(unit) and not norm.is_Rational and F.is_exact(norm)
    add_step(d, "compute", f"Normalise {label}",
             text="A complex eigenvector is fixed only up to a complex factor; it is scaled so its first non-zero "
                  "component is real and positive." if complex_ else "",
             formula=Math(r"\|v\| = \sqrt{\textstyle\sum_j |v_j|^2},\quad e = v / \|v\|", "||v|| = sqrt(sum |v_j|^2), e = v/||v||"),
             substituted=Math(r"\|v\| = \sqrt{%s} = %s" % (terms_l, F.latex(norm, exact="both")),
                              f"||v|| = sqrt({terms_t}) = {F.text(norm, exact='both')}"),
             value=Math(r"e = %s = %s" % (scaled_l, vector_exact_latex(unit) if exact_unit else F.latex(unit)),
                        f"e = {scaled_t} = {F.text(unit)}"))
    return unit


def gram_schmidt_steps(d: Derivation, basis, title: str, names: Sequence[str] | None = None, existing=()):
    """Orthonormalise `basis` against `existing` unit vectors and each other, one step per vector."""
    out = [matrix([u]).T for u in existing]
    new = []
    with d.group(title, text="Gram-Schmidt: subtract from each vector its projections on the unit vectors already found, "
                             "then divide by the length of what is left."):
        for k, b in enumerate(basis):
            nm = names[k] if names else f"w{k + 1}"
            bv = matrix([b]).T
            w = bv
            terms_t, terms_l = [], []
            for u in out:
                c = tame(bv.dot(u))
                if is_zero(c):
                    continue
                w = tamed(w - c * u)
                terms_t.append(f" - ({F.text(c)}) {F.text(u)}")
                terms_l.append(r" - \left(%s\right) %s" % (F.latex(c), F.latex(u)))
            if all(is_zero(x) for x in w):
                add_step(d, "note", f"{nm} is dependent",
                         text=f"{F.text(b, exact='surd')} lies in the span of the vectors already found; skipped.")
                continue
            if terms_t:
                add_step(d, "compute", f"Remove the projections from {F.text(b, exact='surd')}",
                         formula=Math(r"w = b - \sum_i (b \cdot u_i)\, u_i", "w = b - sum_i (b.u_i) u_i"),
                         substituted=Math("w = %s%s" % (F.latex(b, exact="surd"), "".join(terms_l)),
                                          "w = " + F.text(b, exact="surd") + "".join(terms_t)),
                         value=F.equals("w", tuple(w)))
            u = _norm_steps(d, tuple(w), nm)
            out.append(matrix([u]).T)
            new.append(u)
    return new


def nullspace_exact(M: sp.MatrixBase):
    """Exact null-space basis (the free-variable basis of the RREF) and the RREF itself."""
    iszero = (lambda x: is_zero(x)) if any(not sp.sympify(x).is_Rational for x in M) else None
    kw = {"iszerofunc": iszero} if iszero else {}
    R, piv = M.rref(**kw)
    basis = [tuple(tame(x) for x in b) for b in M.nullspace(**kw)]
    return R, piv, basis


def defective_text(name: str, label: str, value, mult: int, geo: int) -> str:
    """What a step says when an eigenvalue has fewer independent eigenvectors than its multiplicity."""
    return (f"{label} = {F.text(value, exact='both')} has algebraic multiplicity {mult} but only {geo} independent "
            f"eigenvector{'s' if geo != 1 else ''} (geometric multiplicity {geo}): {name} is defective, so it has no "
            "basis of eigenvectors. Only the eigenvectors that exist are listed.")


def _values_math(values, labels=None, sep=r",\quad ") -> Math:
    labels = labels or [f"λ{i + 1}" for i in range(len(values))]
    return Math(sep.join(f"\\lambda_{{{i + 1}}} = {F.latex(v, exact='both')}" for i, v in enumerate(values)),
                ", ".join(f"{labels[i]} = {F.text(v, exact='both')}" for i, v in enumerate(values)))


def eigen_steps(d: Derivation, A, *, name: str = "A", sign_rule: str | None = None,
                values_answer: str | None = None, vectors_answer: str | None = None,
                poly_answer: str | None = None, checks: bool = True) -> EigenResult:
    """The eigen-decomposition of the square matrix A (rows of exact numbers, or a SymPy matrix), written as a
    person would.

    sign_rule: None (leave eigenvectors as the null-space construction gives them), "first-positive" or
    "largest-loading". *_answer: answer names to attach (None: no answer); answers follow the request's precision.
    """
    M = matrix(A)
    n = M.rows
    nl = name_latex(name)
    symmetric = M == M.T
    if n > EXACT_MAX:
        return _eigen_numeric_steps(d, M, name, sign_rule, values_answer, vectors_answer, symmetric)

    # 1. A - λI
    shifted_l, shifted_t = _shifted(M)
    add_step(d, "formula", f"Subtract λ from the diagonal: {name} - λI",
             text=f"λ is an eigenvalue exactly when {name} - λI is singular, i.e. det({name} - λI) = 0 (the characteristic equation).",
             formula=Math(r"%s - \lambda I = %s" % (nl, shifted_l), f"{name} - λI = {shifted_t}"))
    # 2. characteristic polynomial
    p_lam = sp.expand((M - LAM * sp.eye(n)).det(method="berkowitz"))
    monic = sp.expand(p_lam * (-1) ** n)
    pl, pt = _poly_math(p_lam)
    ml, mt = _poly_math(monic)
    written = _det_written(M, name)
    coeffs = sp.Poly(monic, LAM).all_coeffs()
    poly_ans = make_answer(poly_answer, list(coeffs), tolerance=tolerance()) if poly_answer else None
    tail_l = "" if n % 2 == 0 else r" \;\Longleftrightarrow\; %s = 0" % ml
    tail_t = "" if n % 2 == 0 else f"  <=>  {mt} = 0"
    if written:
        gen, sub = written
        mid_l = mid_t = ""
        if n == 3:
            (a, b, c), (d_, e, f), (g, h, i) = M.tolist()
            minors = [sp.expand((e - LAM) * (i - LAM) - f * h), sp.expand(d_ * (i - LAM) - f * g), sp.expand(d_ * h - (e - LAM) * g)]
            ml_ = [_poly_math(m) if m.has(LAM) else (F.latex(m, exact="surd"), F.text(m, exact="surd")) for m in minors]
            mid_l = (f"{_diag_latex(a)}\\left({ml_[0][0]}\\right) - {factor_latex(b)}\\left({ml_[1][0]}\\right)"
                     f" + {factor_latex(c)}\\left({ml_[2][0]}\\right) = ")
            mid_t = f"{_diag_text(a)}({ml_[0][1]}) - {factor_text(b)}({ml_[1][1]}) + {factor_text(c)}({ml_[2][1]}) = "
        add_step(d, "compute", "Characteristic polynomial",
                 text=("Expand the determinant " + ("(ad - bc for a 2 x 2)." if n == 2 else "along the first row (cofactor expansion).")),
                 formula=gen, substituted=sub,
                 value=Math(r"\det(%s - \lambda I) = %s%s = 0%s" % (nl, mid_l, pl, tail_l), f"det({name} - λI) = {mid_t}{pt} = 0{tail_t}"),
                 answers=(poly_ans,))
    else:
        add_step(d, "compute", "Characteristic polynomial",
                 text=f"Expanding the {n} x {n} determinant along the first row (four 3 x 3 minors, each expanded as above) gives:",
                 value=Math(r"\det(%s - \lambda I) = %s = 0" % (nl, pl), f"det({name} - λI) = {pt} = 0"), answers=(poly_ans,))

    # 3. roots
    roots, closed = _roots_steps(d, monic, name, n)
    roots.sort(key=lambda rm: _sort_key(rm[0]))
    values = [v for v, m in roots for _ in range(m)]
    cplx = any(not is_real(v) for v in values)
    repeated = any(m > 1 for _, m in roots)
    res = EigenResult(values=values, vectors=[], symmetric=symmetric, poly=monic, complex=cplx, repeated=repeated,
                      closed_form=closed)
    lab = [f"λ{i + 1}" for i in range(n)]
    if cplx:
        re_parts = [tame(sp.re(sp.expand_complex(v))) if F.is_exact(v) else _as_float(sp.re(v)) for v in values]
        im_parts = [tame(sp.im(sp.expand_complex(v))) if F.is_exact(v) else _as_float(sp.im(v)) for v in values]
        ans = ()
        if values_answer:
            ans = (make_answer(values_answer + "_real", re_parts), make_answer(values_answer + "_imag", im_parts))
        add_step(d, "conclude", "Eigenvalues (complex)",
                 text=f"{name} has complex eigenvalues, in conjugate pairs (a real matrix has a real characteristic polynomial). "
                      "Their eigenvectors are complex too: no real direction is only stretched by " + name + "; it rotates as well.",
                 value=_values_math(values, lab), answers=ans)
    else:
        exact_l = F.latex(values, exact="surd") if has_exact_form(values) else None
        ans = (make_answer(values_answer, values, exact_latex=exact_l),) if values_answer else ()
        add_step(d, "conclude", "Eigenvalues, largest first",
                 text=("Repeated eigenvalues are listed once per multiplicity. " if repeated else ""),
                 value=_values_math(values, lab), answers=ans)

    # 4. eigenvectors
    vectors: list = []
    pos = 0
    for val, mult in roots:
        idx = list(range(pos, pos + mult))
        pos += mult
        names_ = ", ".join(lab[i] for i in idx)
        Mv = tamed(M - val * sp.eye(n))
        with d.group(f"Eigenvector{'s' if mult > 1 else ''} for {names_} = {F.text(val, exact='both')}"):
            add_step(d, "compute", f"{name} - {lab[idx[0]]} I",
                     formula=Math(r"(%s - \lambda I)\,v = 0" % nl, f"({name} - λI) v = 0"),
                     value=Math(r"%s - \lambda_{%d} I = %s" % (nl, idx[0] + 1, F.latex(Mv.tolist(), exact="surd")),
                                f"{name} - {lab[idx[0]]} I = {F.text(Mv.tolist(), exact='surd')}"))
            if mult == 1:
                v, why = _simple_null_vector(Mv)
                add_step(d, "compute", f"Solve for v ({names_} is a simple root: the null space is a line)", text=why,
                         value=Math("v = " + vector_exact_latex(v), "v = " + vector_exact_text(v)))
                unit = _norm_steps(d, v, f"v to a unit eigenvector e{idx[0] + 1}", complex_=not is_real(val))
                vectors.append(unit)
                continue
            R, piv, basis = nullspace_exact(Mv)
            rank = len(piv)
            add_step(d, "compute", "Row reduce to find the null space",
                     text=f"{lab[idx[0]]} is a root of multiplicity {mult}. The reduced row echelon form has rank {rank}, so the "
                          f"null space has dimension {n - rank}; each free variable set to 1 (the others 0) gives a basis vector.",
                     value=Math(r"\operatorname{rref} = %s,\quad %s" % (F.latex(R.tolist(), exact="surd"),
                                                                       r",\ ".join(F.latex(b, exact="surd") for b in basis)),
                                f"rref = {F.text(R.tolist(), exact='surd')}; basis: "
                                + ", ".join(F.text(b, exact="surd") for b in basis)))
            if len(basis) < mult:
                res.defective = True
                d.note(f"{name} is not diagonalisable", defective_text(name, lab[idx[0]], val, mult, len(basis)))
            if symmetric and len(basis) > 1:
                units = gram_schmidt_steps(d, basis, "Orthonormalise the eigenspace (Gram-Schmidt)",
                                            names=[f"e{i + 1}" for i in idx])
            else:
                units = [_norm_steps(d, b, f"basis vector {k + 1} to e{idx[k] + 1}", complex_=not is_real(val))
                         for k, b in enumerate(basis)]
                if len(basis) > 1:
                    d.note("Any basis of the eigenspace will do",
                           "Every non-zero vector of this eigenspace is an eigenvector, so the basis is not unique (a grader accepts any basis).")
            vectors += units + [None] * (mult - len(units))
    res.vectors = vectors
    if repeated and not res.defective:
        d.note("Repeated eigenvalue", "A repeated eigenvalue has an eigenspace of dimension equal to its multiplicity here, so "
               f"{name} is still diagonalisable; its eigenvectors in that eigenspace are not unique.")

    # sign rule and the eigenvector matrix
    if not cplx and sign_rule:
        flips = []
        for i, v in enumerate(vectors):
            if v is not None and needs_flip(v, sign_rule):
                vectors[i] = negated(v)
                flips.append(f"e{i + 1}")
        res.vectors = vectors
        add_step(d, "note", "Sign of the eigenvectors",
                 text=f"An eigenvector is defined up to sign; each is chosen so that {SIGN_TEXT[sign_rule]}. "
                      + (f"Negated: {', '.join(flips)}." if flips else "No vector needed negating."))
    if symmetric and not cplx:
        d.note("Symmetric matrix", f"{name} is symmetric, so its eigenvalues are real and its unit eigenvectors are orthonormal: "
               f"{name} = Q D Q^T with Q = (" + " ".join(f"e{i + 1}" for i in range(n)) + ") and D the diagonal matrix of the eigenvalues.")
    if not cplx:
        present = [v for v in res.vectors if v is not None]
        cols = [[v[i] for v in present] for i in range(n)]
        ans = (make_answer(vectors_answer, cols, tolerance=tolerance("columns")),) if vectors_answer else ()
        add_step(d, "conclude", "Unit eigenvectors (as columns, in eigenvalue order)", value=F.equals("Q", cols), answers=ans)
    else:
        add_step(d, "conclude", "Unit eigenvectors (complex)",
                 text="Complex eigenvectors are shown but not given as answers (they are fixed only up to a complex factor).",
                 value=Math(r",\quad ".join(f"e_{{{i + 1}}} = {F.latex(v)}" for i, v in enumerate(res.vectors) if v is not None),
                            ", ".join(f"e{i + 1} = {F.text(v)}" for i, v in enumerate(res.vectors) if v is not None)))

    # 5. checks
    if checks:
        _checks(d, M, values, name)
    return res


def _checks(d: Derivation, M: sp.MatrixBase, values, name: str):
    n = M.rows
    tr = M.trace()
    det = M.det(method="berkowitz")
    s = tame(sp.expand(sum(values, sp.Integer(0))))
    prod = sp.Integer(1)
    for v in values:
        prod = prod * v
    prod = tame(sp.expand(prod))
    nl = name_latex(name)
    ok_t = is_zero(s - tr)
    ok_d = is_zero(prod - det)
    add_step(d, "compare", "Check: trace = sum of the eigenvalues",
             text="agrees" if ok_t else "DISAGREES: an arithmetic slip above",
             formula=Math(r"\operatorname{tr} %s = \sum_i \lambda_i" % nl, f"tr {name} = sum of λi"),
             substituted=Math(" + ".join(F.latex(M[i, i], exact="surd", paren=True) for i in range(n)) + " = "
                              + " + ".join(F.latex(v, paren=True) for v in values),
                              " + ".join(F.text(M[i, i], exact="surd", paren=True) for i in range(n)) + " = "
                              + " + ".join(F.text(v, paren=True) for v in values)),
             value=Math(r"%s = %s" % (F.latex(tr, exact="surd"), F.latex(s, exact="both")),
                        f"{F.text(tr, exact='surd')} = {F.text(s, exact='both')}"))
    add_step(d, "compare", "Check: determinant = product of the eigenvalues",
             text="agrees" if ok_d else "DISAGREES: an arithmetic slip above",
             formula=Math(r"\det %s = \prod_i \lambda_i" % nl, f"det {name} = product of λi"),
             substituted=Math(r"\det %s = %s = %s" % (nl, F.latex(det, exact="surd"), r" \cdot ".join(
                 r"\left(%s\right)" % F.latex(v) for v in values)),
                 f"det {name} = {F.text(det, exact='surd')} = " + " * ".join(f"({F.text(v)})" for v in values)),
             value=Math(r"%s = %s" % (F.latex(det, exact="surd"), F.latex(prod, exact="both")),
                        f"{F.text(det, exact='surd')} = {F.text(prod, exact='both')}"))


def _eigen_numeric_steps(d, M, name, sign_rule, values_answer, vectors_answer, symmetric) -> EigenResult:
    """n > EXACT_MAX: mpmath at 45 digits, with a step saying so."""
    n = M.rows
    d.note("Numeric eigen-decomposition",
           f"Exact symbolic eigen-decomposition is done up to {EXACT_MAX} x {EXACT_MAX} (a quartic is the last "
           f"characteristic polynomial solvable by hand); this {n} x {n} matrix is decomposed numerically "
           "(mpmath, 40 significant digits).")
    with mpmath.workdps(WORKING_DIGITS + 5):
        Am = mpmath.matrix([[mpmath.mpf(str(sp.N(M[i, j], WORKING_DIGITS + 10))) for j in range(n)] for i in range(n)])
        if symmetric:
            E, Q = mpmath.eigsy(Am)
            vals = [sp.Float(str(E[i]), WORKING_DIGITS) for i in range(n)]
            vecs = [tuple(sp.Float(str(Q[r, i]), WORKING_DIGITS) for r in range(n)) for i in range(n)]
        else:
            E, ER = mpmath.eig(Am)
            vals, vecs = [], []
            for i in range(n):
                re_, im_ = (sp.Float(str(part(E[i])), WORKING_DIGITS) for part in (mpmath.re, mpmath.im))
                vals.append(_as_float(re_ + sp.I * im_))
                col = [mpmath.mpc(ER[r, i]) for r in range(n)]
                nrm = mpmath.sqrt(sum(abs(c) ** 2 for c in col))
                j = next(k for k, c in enumerate(col) if abs(c) > mpmath.mpf(10) ** (-30))
                ph = col[j] / abs(col[j])
                vecs.append(tuple(_as_float(sp.Float(str(mpmath.re(c / ph / nrm)), WORKING_DIGITS)
                                            + sp.I * sp.Float(str(mpmath.im(c / ph / nrm)), WORKING_DIGITS)) for c in col))
    chop = lambda x: sp.Integer(0) if abs(sp.N(x, 50)) < _ZERO_TOL else x  # noqa: E731 - rounding noise of 1e-46
    vals = [chop(v) for v in vals]
    vecs = [tuple(chop(x) for x in v) for v in vecs]
    order = sorted(range(n), key=lambda i: _sort_key(vals[i]))
    vals = [vals[i] for i in order]
    vecs = [vecs[i] for i in order]
    cplx = any(not is_real(v) for v in vals)
    res = EigenResult(values=vals, vectors=vecs, symmetric=symmetric, complex=cplx, closed_form=False, numeric=True)
    keep = keep_independent(d, name, np.array([complex(v) for v in vals]),
                        np.array([[complex(x) for x in v] for v in vecs]).T)
    if len(keep) < n:
        res.defective = True
        res.vectors = vecs = [v if i in keep else None for i, v in enumerate(vecs)]
    if not cplx and sign_rule:
        vecs = res.vectors = [negated(v) if v is not None and needs_flip(v, sign_rule) else v for v in vecs]
    if cplx:
        ans = ()
        if values_answer:
            ans = (make_answer(values_answer + "_real", [sp.re(v) for v in vals]),
                   make_answer(values_answer + "_imag", [sp.im(v) for v in vals]))
        add_step(d, "conclude", "Eigenvalues (some complex)", answers=ans,
                 value=Math(r",\ ".join(F.latex(v) for v in vals), ", ".join(F.text(v) for v in vals)))
        return res
    ans = (make_answer(values_answer, vals),) if values_answer else ()
    add_step(d, "conclude", "Eigenvalues, largest first", answers=ans,
             value=Math(r",\ ".join(F.latex(v) for v in vals), ", ".join(F.text(v) for v in vals)))
    present = [v for v in vecs if v is not None]
    cols = [[v[i] for v in present] for i in range(n)]
    ans = (make_answer(vectors_answer, cols, tolerance=tolerance("columns")),) if vectors_answer else ()
    add_step(d, "conclude", "Unit eigenvectors (as columns)", answers=ans,
             text=f"Sign: {SIGN_TEXT[sign_rule]}." if sign_rule else "", value=F.equals("Q", cols))
    return res


# ---- float64 helpers for the numeric paths ----------------------------------------------------------

#: Eigenvalues closer than this (relative to the largest, at least 1) count as one repeated eigenvalue, and unit
#: eigenvectors whose span has a singular value below it as dependent. A defective eigenvalue of multiplicity m
#: is computed with an error of about eps^(1/m) (1.5e-8 for m = 2), and its computed eigenvectors are that close
#: to parallel: they are one vector, not two.
EIGEN_TOL = 1e-6


def independent_columns(w: np.ndarray, Q: np.ndarray) -> tuple[list[int], list[tuple[int, int, int]]]:
    """The one rule, on both paths, for how many eigenvectors a numerically decomposed matrix has.

    `w` holds the eigenvalues and `Q` unit eigenvectors as columns (as numpy.linalg.eig gives them). Eigenvalues
    within EIGEN_TOL of each other form a group; in each group a column is kept when it is independent of the
    columns kept before it. Returns the kept column indices and, for each group with fewer kept columns than its
    size, (index of its first eigenvalue, algebraic multiplicity, geometric multiplicity, the group's indices)."""
    w = np.asarray(w)
    n = w.size
    scale = max(1.0, float(np.abs(w).max(initial=0.0)))
    seen: set[int] = set()
    keep: list[int] = []
    short: list[tuple[int, int, int]] = []
    for i in range(n):
        if i in seen:
            continue
        with np.errstate(over="ignore", invalid="ignore"):  # eigenvalues near ±1.8e308 differ by more than a float
            group = [j for j in range(i, n) if j not in seen and abs(w[j] - w[i]) <= EIGEN_TOL * scale]
        seen.update(group)
        kept: list[int] = []
        for j in group:
            trial = Q[:, kept + [j]]
            if np.linalg.svd(trial, compute_uv=False)[-1] > EIGEN_TOL:
                kept.append(j)
        keep += kept
        if len(kept) < len(group):
            short.append((i, len(group), len(kept), tuple(group)))
    return sorted(keep), short


def keep_independent(d: Derivation, name: str, w: np.ndarray, Q: np.ndarray, A: np.ndarray | None = None,
                     sign_rule: str | None = None) -> list[int]:
    """independent_columns, with a step for each defective eigenvalue; the kept column indices.

    With `A`, an eigenvalue whose computed eigenvectors span less than its eigenspace null(A − λI) (numpy.linalg.eig
    on a non-normal matrix: a rank-1 4 x 4 matrix has the eigenvalue 0 three times with a 3-dimensional eigenspace,
    but eig may return two equal columns for it) gets an orthonormal basis of null(A − λI) from the SVD instead,
    written into those columns of Q (signs by `sign_rule`), so only a truly defective eigenvalue is reported."""
    keep, short = independent_columns(w, Q)
    if A is not None and short:
        keep, short = _eigenspace_bases(np.asarray(A, dtype=np.float64), w, Q, keep, short, sign_rule)
    for i, mult, geo, _ in short:
        value = w[i].real if abs(w[i].imag) <= EIGEN_TOL * max(1.0, abs(w[i])) else w[i]
        d.note(f"{name} is not diagonalisable",
               defective_text(name, f"λ{i + 1}", sympy_number(value), mult, geo)
               + f" (Numerically: the {mult} computed eigenvectors of this eigenvalue span only {geo} "
                 f"dimension{'s' if geo != 1 else ''}, so the duplicates are left out.)")
    return keep


def _eigenspace_bases(A, w, Q, keep, short, sign_rule):
    n = A.shape[0]
    scale = max(1.0, float(np.linalg.norm(A, 2)))
    still = []
    for i, mult, geo, group in short:
        lam = w[i]
        if np.iscomplexobj(w) and abs(lam.imag) > EIGEN_TOL * scale:
            still.append((i, mult, geo, group))
            continue
        _, sv, Vh = np.linalg.svd(A - lam.real * np.eye(n))
        dim = min(mult, int(np.sum(sv <= EIGEN_TOL * scale)))
        if dim <= geo:
            still.append((i, mult, geo, group))
            continue
        basis = Vh[n - dim:].T                              # orthonormal columns spanning null(A − λI)
        if sign_rule is not None:
            basis = basis * sign_fix_np(basis.T, sign_rule)
        for col, j in enumerate(group[:dim]):
            Q[:, j] = basis[:, col]
        keep = sorted((set(keep) - set(group)) | set(group[:dim]))
        if dim < mult:
            still.append((i, mult, dim, group))
    return keep, still


def sympy_number(z) -> Any:
    """A float64 (or complex) NumPy number as a SymPy number, for the formatting layer."""
    z = complex(z)
    return sp.Float(z.real) if z.imag == 0 else sp.Float(z.real) + sp.I * sp.Float(z.imag)


def eig_numeric(A: np.ndarray, sign_rule: str | None):
    """Eigenvalues (largest first; complex after real, by real part) and unit eigenvectors as columns."""
    A = np.asarray(A, dtype=np.float64)
    if np.array_equal(A, A.T):
        w, Q = np.linalg.eigh(A)
        w, Q = w[::-1], Q[:, ::-1]
    else:
        w, Q = np.linalg.eig(A)
        if np.all(np.abs(w.imag) <= 1e-12 * max(1.0, float(np.abs(w).max()))):
            w, Q = w.real, Q.real
        key = np.lexsort((-w.imag if np.iscomplexobj(w) else np.zeros(len(w)),
                          -w.real, np.abs(np.imag(w)) > 1e-12 * max(1.0, float(np.abs(w).max()))))
        w, Q = w[key], Q[:, key]
        Q = Q / np.linalg.norm(Q, axis=0)
    if sign_rule and not np.iscomplexobj(Q):
        Q = Q * sign_fix_np(Q.T, sign_rule)
    return w, Q


def rref_nullspace_np(M: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """The free-variable null-space basis of M (as rows), with SymPy's pivoting (first non-zero entry)."""
    R = np.array(M, dtype=np.float64)
    rows, cols = R.shape
    scale = max(1.0, float(np.abs(R).max(initial=0.0)))
    piv, r = [], 0
    for c in range(cols):
        if r >= rows:
            break
        nz = np.flatnonzero(np.abs(R[r:, c]) > tol * scale)
        if not nz.size:
            continue
        p = r + int(nz[0])
        R[[r, p]] = R[[p, r]]
        R[r] = R[r] / R[r, c]
        for i in range(rows):
            if i != r and R[i, c] != 0:
                R[i] = R[i] - R[i, c] * R[r]
        piv.append(c)
        r += 1
    free = [c for c in range(cols) if c not in piv]
    basis = []
    for f in free:
        v = np.zeros(cols)
        v[f] = 1.0
        for i, c in enumerate(piv):
            v[c] = -R[i, f]
        basis.append(v)
    return np.array(basis).reshape(len(basis), cols)


def gram_schmidt_np(basis: np.ndarray, existing: np.ndarray | None = None) -> np.ndarray:
    """Orthonormalise the rows of `basis` against `existing` rows and each other (classical GS, twice)."""
    out = [] if existing is None else [e for e in existing]
    new = []
    for b in basis:
        w = b.astype(np.float64).copy()
        for _ in range(2):
            for u in out:
                w = w - (w @ u) * u
        nrm = np.linalg.norm(w)
        if nrm <= 1e-10 * max(1.0, np.linalg.norm(b)):
            continue
        w = w / nrm
        out.append(w)
        new.append(w)
    return np.array(new).reshape(len(new), basis.shape[1] if basis.ndim == 2 else 0)

