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

The NumPy helpers (`sign_fix_np`, `eig_numeric`, `rref_nullspace_np`, `gram_schmidt_np`) are the same
rules in float64 for the families' numeric paths.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Sequence

import mpmath
import numpy as np
import sympy as sp

from solver.numbers import WORKING_DIGITS, short
from solver.steps import Answer, Math, Step
from solver.symbolic import Derivation, number_latex, number_text, sym

#: Notes 003's PCA covariance matrix (WE-pca-1) and the slip in its characteristic polynomial.
NOTES_003_C = ((14, -11), (-11, 23))
NOTES_003_POLY_SLIP = ("Notes 003 (WE-pca-1) write this characteristic polynomial as λ^2 - 37λ + 20 = 0. The constant term is "
                       "det = 14 * 23 - (-11)(-11) = 322 - 121 = 201; their roots (37 ± √565)/2 follow only from 201, since "
                       "37^2 - 4 * 201 = 565.")

#: Largest matrix decomposed symbolically (characteristic polynomial and exact roots).
EXACT_MAX = 4

#: Answers with more entries than this are left out of a numeric solution (a note says so).
MAX_ANSWER_ENTRIES = 20_000

LAM = sym("λ", r"\lambda")
_ZERO_TOL = sp.Float("1e-30")

# ---- exact values: keep them exact while they are short, else 40-digit Floats -------------------


def _memo(fn):
    """Memoise a pure function of SymPy numbers (the same eigenvalue or vector entry is tested, evaluated and
    printed many times in one solution, and again in every solution of the same matrix). SymPy numbers are
    immutable and hashable; `typed` keeps 1 (Integer), 1.0 (Float) and 1 (int) apart. Unhashable arguments
    (never passed today) fall back to an uncached call."""
    cached = functools.lru_cache(maxsize=8192, typed=True)(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kw):
        try:
            hash((args, tuple(kw.items())))
        except TypeError:
            return fn(*args, **kw)
        return cached(*args, **kw)

    wrapper.cache_info = cached.cache_info
    return wrapper


@_memo
def is_zero(x) -> bool:
    """Exact zero test for rationals; for surds and Floats, |x| < 1e-30 at 50 digits."""
    x = sp.sympify(x)
    if x.is_Rational:
        return x == 0
    return bool(abs(sp.N(x, 50)) < _ZERO_TOL)


@_memo
def is_exact(x) -> bool:
    x = sp.sympify(x)
    return not x.has(sp.Float)


@_memo
def is_real(x) -> bool:
    x = sp.sympify(x)
    if x.is_real:
        return True
    if x.is_real is False:
        return False
    return bool(abs(sp.im(sp.N(x, 50))) < _ZERO_TOL)


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


@_memo
def _surd_parts(x):
    """(A, B, r, D) with x = (A + B sqrt(r)) / D, integers, r squarefree > 1; None if x is not of that form."""
    x = sp.sympify(x)
    a, rest = x.as_coeff_Add()
    if rest == 0:
        return None
    b, s = rest.as_coeff_Mul()
    if not (isinstance(s, sp.Pow) and s.exp == sp.Rational(1, 2) and s.base.is_Integer and s.base > 1):
        return None
    if not (a.is_Rational and b.is_Rational):
        return None
    D = sp.ilcm(a.q, b.q)
    return int(a * D), int(b * D), int(s.base), int(D)


@_memo
def etext(x) -> str | None:
    """The exact form of x in plain text ((37 + sqrt(565))/2, 3/2, 2 + 3i) or None for a Float."""
    x = sp.sympify(x)
    if not is_exact(x):
        return None
    if x.is_Rational:
        return number_text(x) if x.is_Integer or x.q < 1000 else None
    if not is_real(x):
        re_x, im_x = x.as_real_imag()
        rt, it = etext(re_x), etext(abs(im_x))
        if rt is None or it is None:
            return None
        sign = "-" if im_x < 0 else "+"
        it = "" if it == "1" else (f"({it})" if any(c in it for c in "+-/") else it) + "*"
        return (f"{rt} {sign} " if re_x != 0 else ("-" if sign == "-" else "")) + f"{it}i"
    parts = _surd_parts(x)
    if parts:
        A, B, r, D = parts
        b = "" if abs(B) == 1 else f"{abs(B)}*"
        core = (f"{A} {'-' if B < 0 else '+'} " if A else ("-" if B < 0 else "")) + f"{b}sqrt({r})"
        return core if D == 1 else (f"({core})/{D}" if A else f"{core}/{D}")
    return sp.sstr(x)


@_memo
def elatex(x) -> str | None:
    x = sp.sympify(x)
    if not is_exact(x):
        return None
    if x.is_Rational:
        return number_latex(x)
    if not is_real(x):
        re_x, im_x = x.as_real_imag()
        rl, il = elatex(re_x), elatex(abs(im_x))
        if rl is None or il is None:
            return None
        sign = "-" if im_x < 0 else "+"
        il = "" if il == "1" else il
        return (f"{rl} {sign} " if re_x != 0 else ("-" if sign == "-" else "")) + f"{il}\\,i"
    parts = _surd_parts(x)
    if parts:
        A, B, r, D = parts
        b = "" if abs(B) == 1 else f"{abs(B)}"
        core = (f"{A} {'-' if B < 0 else '+'} " if A else ("-" if B < 0 else "")) + f"{b}\\sqrt{{{r}}}"
        return core if D == 1 else f"\\frac{{{core}}}{{{D}}}"
    return sp.latex(x)


@_memo
def dtext(x, sig: int = 6) -> str:
    """A decimal (or exact rational) display of a real or complex number."""
    x = sp.sympify(x)
    if x.is_Rational:
        return number_text(x, sig)
    if not is_real(x):
        re_x, im_x = sp.N(x, WORKING_DIGITS).as_real_imag()
        sign = "-" if im_x < 0 else "+"
        im_t = short(abs(im_x), sig)
        return f"{short(re_x, sig)} {sign} {'' if im_t == '1' else im_t}i"
    v = sp.re(sp.N(x, WORKING_DIGITS))
    return short(v, sig)


@_memo
def dlatex(x, sig: int = 6) -> str:
    x = sp.sympify(x)
    if x.is_Rational:
        return number_latex(x, sig)
    if not is_real(x):
        re_x, im_x = sp.N(x, WORKING_DIGITS).as_real_imag()
        sign = "-" if im_x < 0 else "+"
        return f"{short(re_x, sig)} {sign} {short(abs(im_x), sig)}\\,i"
    return number_latex(sp.re(sp.N(x, WORKING_DIGITS)), sig)


@_memo
def _rational_parts(x) -> bool:
    re_x, im_x = sp.sympify(x).as_real_imag()
    return bool(re_x.is_Rational and im_x.is_Rational)


@_memo
def both_text(x, sig: int = 6) -> str:
    """'(37 + sqrt(565))/2 ≈ 30.3849' for a surd, '3/2' for a fraction, '30.3849' for a Float."""
    e = etext(x)
    if e is not None and _rational_parts(x) and not sp.sympify(x).is_Rational:
        return e
    dec = dtext(x, sig)
    if e is None or sp.sympify(x).is_Rational:
        return dec
    return f"{e} ≈ {dec}"


@_memo
def both_latex(x, sig: int = 6) -> str:
    e = elatex(x)
    if e is not None and _rational_parts(x) and not sp.sympify(x).is_Rational:
        return e
    dec = dlatex(x, sig)
    if e is None or sp.sympify(x).is_Rational:
        return dec
    return f"{e} \\approx {dec}"


@_memo
def par_text(x) -> str:
    s = etext(x) or dtext(x)
    return f"({s})" if (s.startswith("-") or " " in s or "/" in s) else s


@_memo
def par_latex(x) -> str:
    s = elatex(x) or dlatex(x)
    return f"\\left({s}\\right)" if (s.startswith("-") or " " in s or "frac" in s) else s


def vec_text(v, exact: bool = False, sig: int = 6) -> str:
    return "(" + ", ".join((etext(x) if exact and etext(x) is not None else dtext(x, sig)) for x in v) + ")"


def vec_latex(v, exact: bool = False, sig: int = 6) -> str:
    return r"\left(" + ", ".join((elatex(x) if exact and elatex(x) is not None else dlatex(x, sig)) for x in v) + r"\right)"


def mat_text(M, exact: bool = True, sig: int = 6) -> str:
    return "[" + ", ".join(vec_text(r, exact, sig).replace("(", "[", 1)[:-1] + "]" for r in M) + "]"


def mat_latex(M, exact: bool = True, sig: int = 6) -> str:
    rows = r" \\ ".join(" & ".join((elatex(x) if exact and elatex(x) is not None else dlatex(x, sig)) for x in r) for r in M)
    return r"\begin{pmatrix} %s \end{pmatrix}" % rows


def vector_exact_ok(v) -> bool:
    return all(etext(x) is not None for x in v)


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


def sign_fix_np(vectors: np.ndarray, rule: str, scores: np.ndarray | None = None) -> np.ndarray:
    """+1/-1 per row of `vectors` (k x d) by the rule; "largest-score" reads the columns of `scores` (N x k)."""
    k = vectors.shape[0]
    out = np.ones(k)
    for j in range(k):
        v = vectors[j] if rule != "largest-score" else scores[:, j]
        a = np.abs(v)
        if rule == "first-positive":
            nz = np.flatnonzero(a > 1e-12 * max(1.0, float(a.max(initial=0.0))))
            i = int(nz[0]) if nz.size else None
        else:
            top = float(a.max(initial=0.0))
            i = int(np.flatnonzero(a >= top * (1 - 1e-12))[0]) if top > 0 else None
        if i is not None and v[i] < 0:
            out[j] = -1.0
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
    notes: list = field(default_factory=list)


def name_latex(name: str) -> str:
    """A matrix name in LaTeX: "A^T A" -> A^{\top}A."""
    return name.replace("^T ", r"^{\top}").replace("^T", r"^{\top}")


@_memo
def _sort_key(x):
    v = sp.N(x, 30)
    re_v, im_v = v.as_real_imag()
    return (0 if abs(im_v) < _ZERO_TOL else 1, -float(re_v), -float(im_v))


def as_matrix(A) -> sp.Matrix:
    return sp.Matrix([[sp.sympify(x) for x in r] for r in A])


def _diag_text(a) -> str:
    if a == 0:
        return "(-λ)"
    return f"({etext(a) or dtext(a)} - λ)"


def _diag_latex(a) -> str:
    if a == 0:
        return r"(-\lambda)"
    return f"({elatex(a) or dlatex(a)} - \\lambda)"


def _shifted_latex(A) -> str:
    n = len(A)
    rows = []
    for i in range(n):
        rows.append(" & ".join((f"{elatex(A[i][j]) or dlatex(A[i][j])} - \\lambda" if A[i][i] != 0 else r"-\lambda")
                               if i == j else (elatex(A[i][j]) or dlatex(A[i][j])) for j in range(n)))
    return r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(rows)


def _shifted_text(A) -> str:
    n = len(A)
    return "[" + ", ".join("[" + ", ".join((f"{etext(A[i][j]) or dtext(A[i][j])} - λ" if A[i][i] != 0 else "-λ")
                                           if i == j else (etext(A[i][j]) or dtext(A[i][j])) for j in range(n)) + "]"
                           for i in range(n)) + "]"


@_memo
def _lx(e) -> str:
    """LaTeX of a polynomial in λ, highest power first."""
    return sp.latex(e, symbol_names={LAM: r"\lambda"}, order="lex")


@_memo
def _poly_math(p) -> tuple[str, str]:
    e = sp.Poly(p, LAM).as_expr()
    return _lx(e), sp.sstr(e).replace("**", "^")


def _pt(x) -> str:
    """A factor in a written product: always in parentheses, so (4)(4) never reads as 44."""
    return f"({etext(x) or dtext(x)})"


def _pl(x) -> str:
    return f"\\left({elatex(x) or dlatex(x)}\\right)"


def _det_written(A, name: str) -> tuple[Math, Math] | None:
    """General and substituted cofactor expansion of det(A - λI) for 2 x 2 and 3 x 3."""
    n = len(A)
    P, L = _pt, _pl
    nl = name_latex(name)
    if n == 2:
        (a, b), (c, e) = A
        gen = Math(r"\det(%s - \lambda I) = (a_{11} - \lambda)(a_{22} - \lambda) - a_{12}\,a_{21}" % nl,
                   f"det({name} - λI) = (a11 - λ)(a22 - λ) - a12 a21")
        sub = Math(f"\\det({nl} - \\lambda I) = {_diag_latex(a)}{_diag_latex(e)} - {L(b)}{L(c)}",
                   f"det({name} - λI) = {_diag_text(a)}{_diag_text(e)} - {P(b)}{P(c)}")
        return gen, sub
    if n == 3:
        (a, b, c), (d_, e, f), (g, h, i) = A
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
    r_t = "sqrt(" + (etext(disc) or "") + ")"
    r_l = r"\sqrt{%s}" % (elatex(disc) or "")
    if disc >= 0 and sp.sqrt(disc).is_Rational:
        r_t, r_l = etext(sp.sqrt(disc)), elatex(sp.sqrt(disc))
    formula = Math(r"\lambda = \frac{s \pm \sqrt{s^2 - 4p}}{2}", "λ = (s ± sqrt(s^2 - 4p))/2")
    sub = Math(r"\lambda = \frac{%s \pm \sqrt{%s^2 - 4 \cdot %s}}{2} = \frac{%s \pm %s}{2}" % (
        elatex(s), par_latex(s), par_latex(p), elatex(s), r_l),
        f"λ = ({etext(s)} ± sqrt({par_text(s)}^2 - 4*{par_text(p)}))/2 = ({etext(s)} ± {r_t})/2")
    if disc == 0:
        val = Math(r"\lambda = %s \text{ (twice)}" % both_latex(roots[0][0]), f"λ = {both_text(roots[0][0])} (twice)")
        note = " The discriminant is 0: one repeated root."
    else:
        val = Math(r",\quad ".join(r"\lambda = %s" % both_latex(v) for v, _ in roots),
                   ", ".join(f"λ = {both_text(v)}" for v, _ in roots))
        note = " The discriminant is negative: a pair of complex conjugate roots." if disc < 0 else ""
    add_step(d, "compute", title, text=f"{what} has the form λ^2 - sλ + p with s = {etext(s)} and p = {etext(p)}; "
             f"the discriminant is s^2 - 4p = {etext(disc)}.{note}", formula=formula, substituted=sub, value=val)
    return roots


def _nroots(f):
    """Numeric roots of an irreducible polynomial (SymPy expr in LAM) at 40 digits: [(value, 1)]."""
    out = []
    for r in sp.Poly(f, LAM).nroots(n=WORKING_DIGITS + 5, maxsteps=200):
        out.append((_as_float(r), 1))
    return out


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
        fac_l = " ".join(r"\left(%s\right)" % _lx(f) + ("^{%d}" % m if m > 1 else "") for f, m in factors)
        fac_t = "".join(f"({sp.sstr(f)})" + (f"^{m}" if m > 1 else "") for f, m in factors).replace("**", "^")
        lead = "" if content == 1 else (etext(content) or "")
        tried = ", ".join(f"λ = {etext(r)}" for r, _ in found)
        rest = ("so the polynomial factors completely:" if len(linear) == len(factors) else
                "dividing the polynomial by the matching linear factors leaves the rest:")
        add_step(d, "compute", "Factor the characteristic polynomial",
                 text=f"Rational root test: a rational root p/q has p dividing the constant term and q the leading coefficient. "
                      f"Trying these gives {tried}; {rest}",
                 value=Math(f"{lead}{fac_l} = 0", f"{lead}{fac_t} = 0"))
        roots += found
    elif len(factors) > 1 or factors[0][1] > 1:
        fac_l = " ".join(r"\left(%s\right)" % _lx(f) + ("^{%d}" % m if m > 1 else "") for f, m in factors)
        fac_t = "".join(f"({sp.sstr(f)})" + (f"^{m}" if m > 1 else "") for f, m in factors).replace("**", "^")
        add_step(d, "compute", "Factor the characteristic polynomial",
                 text="The polynomial has no rational root but splits into quadratic factors:",
                 value=Math(f"{fac_l} = 0", f"{fac_t} = 0"))
    for f, m in factors:
        deg = sp.degree(f, LAM)
        if deg == 1:
            continue
        if deg == 2:
            a2, a1, a0 = sp.Poly(f, LAM).all_coeffs()
            qr = _quadratic_step(d, -a1 / a2, a0 / a2, f"Roots of the factor {sp.sstr(f).replace('**', '^')}",
                                 f"The factor {sp.sstr(f).replace('**', '^')}" + (f" (divided by {a2})" if a2 != 1 else ""))
            roots += [(v, mm * m) for v, mm in qr]
            continue
        closed = False
        nr = _nroots(f)
        whole = len(factors) == 1 and m == 1
        add_step(d, "compute", "Roots of the characteristic polynomial (numerically)" if whole else
                 f"Roots of the factor {sp.sstr(f).replace('**', '^')} (numerically)",
                 text=f"This degree-{deg} {'polynomial' if whole else 'factor'} has no rational root, so its roots have no useful closed form by hand "
                      "(Cardano's formula for a cubic, Ferrari's for a quartic); they are found numerically to 40 significant digits.",
                 value=Math(r",\quad ".join(r"\lambda \approx %s" % dlatex(v, 10) for v, _ in nr),
                            ", ".join(f"λ ≈ {dtext(v, 10)}" for v, _ in nr)))
        roots += [(v, m) for v, _ in nr]
    return roots, closed


def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _simple_null_vector(M: sp.Matrix):
    """(v, explanation) for a rank n-1 matrix (n <= 4): one row of a 2 x 2, a cross product, cofactors."""
    n = M.shape[0]
    rows = [[sp.expand(M[i, j]) for j in range(n)] for i in range(n)]
    if n == 1:
        return (sp.Integer(1),), "Any non-zero number spans the null space of a 1 x 1 zero matrix."
    if n == 2:
        for i in range(2):
            a, b = rows[i]
            if not (is_zero(a) and is_zero(b)):
                v = (tame(-b), tame(a))
                return v, (f"det = 0, so the two rows are multiples of each other and one equation remains, row {i + 1}: "
                           f"({dtext(a)}) v1 + ({dtext(b)}) v2 = 0. It is solved by v = (-b, a) with a, b the entries of that row.")
    if n == 3:
        for i, j in ((0, 1), (0, 2), (1, 2)):
            v = tuple(tame(x) for x in _cross(rows[i], rows[j]))
            if not all(is_zero(x) for x in v):
                return v, (f"v must be orthogonal to every row of the matrix; rows {i + 1} and {j + 1} are independent, "
                           f"so v = r{i + 1} x r{j + 1} (their cross product).")
    for i in range(n - 1, -1, -1):
        v = tuple(tame((-1) ** (i + j) * M.minor_submatrix(i, j).det(method="berkowitz")) for j in range(n))
        if not all(is_zero(x) for x in v):
            return v, (f"v = the cofactors of row {i + 1}: by Laplace expansion they are orthogonal to the other rows, "
                       f"which span the {n - 1}-dimensional row space.")
    return None, ""  # pragma: no cover - rank n-1 guarantees a non-zero cofactor row


def _norm_steps(d: Derivation, v, label: str, *, complex_: bool = False):
    """Normalise v with a step; returns the unit vector (exact when the norm is sqrt of a rational)."""
    sq = sp.expand(sum((x * sp.conjugate(x) if complex_ else x * x) for x in v))
    sq = tame(sq) if not complex_ else tame(sp.re(sq))
    norm = tame(sp.sqrt(sq)) if sq.is_Rational else _as_float(sp.sqrt(sp.N(sq, WORKING_DIGITS + 5)))
    unit = tuple(tame(x / norm) for x in v)
    if complex_:
        i = next(i for i, x in enumerate(unit) if not is_zero(x))
        phase = sp.N(unit[i] / sp.Abs(unit[i]), WORKING_DIGITS)
        unit = tuple(_as_float(x / phase) for x in unit)
    terms_t = " + ".join(f"|{dtext(x)}|^2" if complex_ else f"{par_text(x) if vector_exact_ok(v) else '(' + dtext(x) + ')'}^2"
                         for x in v)
    terms_l = " + ".join(r"\left|%s\right|^2" % dlatex(x) if complex_ else
                         f"{par_latex(x) if vector_exact_ok(v) else '(' + dlatex(x) + ')'}^2" for x in v)
    exact_unit = vector_exact_ok(unit) and norm.is_Rational is False and is_exact(norm)
    if sq.is_Rational and not norm.is_Rational:
        nt = etext(norm)
        scaled_t = f"{vec_text(v, True)}/" + (f"({nt})" if any(ch in nt for ch in "*/ ") else nt)
        scaled_l = r"\frac{1}{%s}%s" % (elatex(norm), vec_latex(v, True))
    elif norm.is_Rational:
        scaled_t = f"{vec_text(v, True)}/{etext(norm)}"
        scaled_l = r"\frac{1}{%s}%s" % (elatex(norm), vec_latex(v, True))
    else:
        scaled_t, scaled_l = f"{vec_text(v)}/{dtext(norm)}", r"%s / %s" % (vec_latex(v), dlatex(norm))
    add_step(d, "compute", f"Normalise {label}",
             text="A complex eigenvector is fixed only up to a complex factor; it is scaled so its first non-zero "
                  "component is real and positive." if complex_ else "",
             formula=Math(r"\|v\| = \sqrt{\textstyle\sum_j |v_j|^2},\quad e = v / \|v\|", "||v|| = sqrt(sum |v_j|^2), e = v/||v||"),
             substituted=Math(r"\|v\| = \sqrt{%s} = %s" % (terms_l, both_latex(norm)), f"||v|| = sqrt({terms_t}) = {both_text(norm)}"),
             value=Math(r"e = %s = %s" % (scaled_l, vec_latex(unit)) if not exact_unit else
                        r"e = %s = %s \approx %s" % (scaled_l, vec_latex(unit, True), vec_latex(unit)),
                        f"e = {scaled_t} = {vec_text(unit)}"))
    return unit


def gram_schmidt_steps(d: Derivation, basis, title: str, names: Sequence[str] | None = None, existing=()):
    """Orthonormalise `basis` against `existing` unit vectors and each other, one step per vector."""
    out = list(existing)
    new = []
    with d.group(title, text="Gram-Schmidt: subtract from each vector its projections on the unit vectors already found, "
                             "then divide by the length of what is left."):
        for k, b in enumerate(basis):
            nm = names[k] if names else f"w{k + 1}"
            w = list(b)
            terms_t, terms_l = [], []
            for u in out:
                c = tame(sum(x * y for x, y in zip(b, u)))
                if is_zero(c):
                    continue
                w = [tame(x - c * y) for x, y in zip(w, u)]
                terms_t.append(f" - ({dtext(c)}) {vec_text(u)}")
                terms_l.append(r" - \left(%s\right) %s" % (dlatex(c), vec_latex(u)))
            if all(is_zero(x) for x in w):
                add_step(d, "note", f"{nm} is dependent", text=f"{vec_text(b, True)} lies in the span of the vectors already found; skipped.")
                continue
            if terms_t:
                add_step(d, "compute", f"Remove the projections from {vec_text(b, True)}",
                         formula=Math(r"w = b - \sum_i (b \cdot u_i)\, u_i", "w = b - sum_i (b.u_i) u_i"),
                         substituted=Math("w = %s%s" % (vec_latex(b, True), "".join(terms_l)), "w = " + vec_text(b, True) + "".join(terms_t)),
                         value=Math("w = %s" % vec_latex(w), "w = " + vec_text(w)))
            u = _norm_steps(d, w, nm)
            out.append(u)
            new.append(u)
    return new


def nullspace_exact(M: sp.Matrix):
    """Exact null-space basis (the free-variable basis of the RREF) and the RREF itself."""
    iszero = (lambda x: is_zero(x)) if any(not sp.sympify(x).is_Rational for x in M) else None
    kw = {"iszerofunc": iszero} if iszero else {}
    R, piv = M.rref(**kw)
    basis = [tuple(tame(x) for x in b) for b in M.nullspace(**kw)]
    return R, piv, basis


def eigen_steps(d: Derivation, A, *, name: str = "A", sign_rule: str | None = None,
                values_answer: str | None = None, vectors_answer: str | None = None,
                poly_answer: str | None = None, precision=None, checks: bool = True,
                notes_slip: str | None = None) -> EigenResult:
    """The eigen-decomposition of the square matrix A (tuple of rows of exact numbers), written as a person would.

    sign_rule: None (leave eigenvectors as the null-space construction gives them), "first-positive" or
    "largest-loading". *_answer: answer names to attach (None: no answer). notes_slip: a remark added
    after the characteristic polynomial (where course notes got it wrong).
    """
    from solver.numbers import DEFAULT_PRECISION, Tolerance, tolerance_for
    from solver.symbolic import make_answer

    precision = precision or DEFAULT_PRECISION
    n = len(A)
    nl = name_latex(name)
    M = as_matrix(A)
    symmetric = M == M.T
    if n > EXACT_MAX:
        return _eigen_numeric_steps(d, A, name, sign_rule, values_answer, vectors_answer, precision, symmetric)

    # 1. A - λI
    add_step(d, "formula", f"Subtract λ from the diagonal: {name} - λI",
             text=f"λ is an eigenvalue exactly when {name} - λI is singular, i.e. det({name} - λI) = 0 (the characteristic equation).",
             formula=Math(r"%s - \lambda I = %s" % (nl, _shifted_latex(A)), f"{name} - λI = {_shifted_text(A)}"))
    # 2. characteristic polynomial
    p_lam = sp.expand((M - LAM * sp.eye(n)).det(method="berkowitz"))
    monic = sp.expand(p_lam * (-1) ** n)
    pl, pt = _poly_math(p_lam)
    ml, mt = _poly_math(monic)
    written = _det_written(A, name)
    coeffs = sp.Poly(monic, LAM).all_coeffs()
    poly_ans = None
    if poly_answer:
        poly_ans = make_answer(poly_answer, list(coeffs), precision=precision, tolerance=tolerance_for(precision))
    tail_l = "" if n % 2 == 0 else r" \;\Longleftrightarrow\; %s = 0" % ml
    tail_t = "" if n % 2 == 0 else f"  <=>  {mt} = 0"
    if written:
        gen, sub = written
        mid_l = mid_t = ""
        if n == 3:
            (a, b, c), (d_, e, f), (g, h, i) = [[sp.sympify(x) for x in r] for r in A]
            minors = [sp.expand((e - LAM) * (i - LAM) - f * h), sp.expand(d_ * (i - LAM) - f * g), sp.expand(d_ * h - (e - LAM) * g)]
            ml_ = [_poly_math(m) if m.has(LAM) else (elatex(m) or dlatex(m), etext(m) or dtext(m)) for m in minors]
            mid_l = (f"{_diag_latex(a)}\\left({ml_[0][0]}\\right) - {_pl(b)}\\left({ml_[1][0]}\\right)"
                     f" + {_pl(c)}\\left({ml_[2][0]}\\right) = ")
            mid_t = f"{_diag_text(a)}({ml_[0][1]}) - {_pt(b)}({ml_[1][1]}) + {_pt(c)}({ml_[2][1]}) = "
        add_step(d, "compute", "Characteristic polynomial",
                 text=("Expand the determinant " + ("(ad - bc for a 2 x 2)." if n == 2 else "along the first row (cofactor expansion).")),
                 formula=gen, substituted=sub,
                 value=Math(r"\det(%s - \lambda I) = %s%s = 0%s" % (nl, mid_l, pl, tail_l), f"det({name} - λI) = {mid_t}{pt} = 0{tail_t}"),
                 answers=(poly_ans,))
    else:
        add_step(d, "compute", "Characteristic polynomial",
                 text=f"Expanding the {n} x {n} determinant along the first row (four 3 x 3 minors, each expanded as above) gives:",
                 value=Math(r"\det(%s - \lambda I) = %s = 0" % (nl, pl), f"det({name} - λI) = {pt} = 0"), answers=(poly_ans,))
    if notes_slip:
        d.note("Slip in the course notes", notes_slip)

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
        re_parts = [tame(sp.re(sp.expand_complex(v))) if is_exact(v) else _as_float(sp.re(v)) for v in values]
        im_parts = [tame(sp.im(sp.expand_complex(v))) if is_exact(v) else _as_float(sp.im(v)) for v in values]
        ans = ()
        if values_answer:
            ans = (make_answer(values_answer + "_real", re_parts, precision=precision),
                   make_answer(values_answer + "_imag", im_parts, precision=precision))
        add_step(d, "conclude", "Eigenvalues (complex)",
                 text=f"{name} has complex eigenvalues, in conjugate pairs (a real matrix has a real characteristic polynomial). "
                      "Their eigenvectors are complex too: no real direction is only stretched by " + name + "; it rotates as well.",
                 value=Math(r",\quad ".join(f"\\lambda_{{{i + 1}}} = {both_latex(v)}" for i, v in enumerate(values)),
                            ", ".join(f"{lab[i]} = {both_text(v)}" for i, v in enumerate(values))), answers=ans)
    else:
        exact_l = None
        if all(elatex(v) is not None for v in values):
            exact_l = r"\left(" + ", ".join(elatex(v) for v in values) + r"\right)"
        ans = (make_answer(values_answer, values, precision=precision, exact_latex=exact_l),) if values_answer else ()
        add_step(d, "conclude", "Eigenvalues, largest first",
                 text=("Repeated eigenvalues are listed once per multiplicity. " if repeated else ""),
                 value=Math(r",\quad ".join(f"\\lambda_{{{i + 1}}} = {both_latex(v)}" for i, v in enumerate(values)),
                            ", ".join(f"{lab[i]} = {both_text(v)}" for i, v in enumerate(values))), answers=ans)

    # 4. eigenvectors
    vectors: list = []
    pos = 0
    for val, mult in roots:
        idx = list(range(pos, pos + mult))
        pos += mult
        names_ = ", ".join(lab[i] for i in idx)
        Mv = as_matrix([[A[i][j] - (val if i == j else 0) for j in range(n)] for i in range(n)])
        Mv = Mv.applyfunc(lambda x: tame(x))
        with d.group(f"Eigenvector{'s' if mult > 1 else ''} for {names_} = {both_text(val)}"):
            add_step(d, "compute", f"{name} - {lab[idx[0]]} I",
                     formula=Math(r"(%s - \lambda I)\,v = 0" % nl, f"({name} - λI) v = 0"),
                     value=Math(r"%s - \lambda_{%d} I = %s" % (nl, idx[0] + 1, mat_latex(Mv.tolist())),
                                f"{name} - {lab[idx[0]]} I = {mat_text(Mv.tolist(), exact=True)}"))
            if mult == 1:
                v, why = _simple_null_vector(Mv)
                approx = vector_exact_ok(v) and not all(sp.sympify(x).is_Rational for x in v)  # surds: add decimals
                add_step(d, "compute", f"Solve for v ({names_} is a simple root: the null space is a line)", text=why,
                         value=Math("v = " + vec_latex(v, True) + ((r" \approx " + vec_latex(v)) if approx else ""),
                                    "v = " + vec_text(v, True) + ((" ≈ " + vec_text(v)) if approx else "")))
                unit = _norm_steps(d, v, f"v to a unit eigenvector e{idx[0] + 1}", complex_=not is_real(val))
                vectors.append(unit)
                continue
            R, piv, basis = nullspace_exact(Mv)
            rank = len(piv)
            add_step(d, "compute", "Row reduce to find the null space",
                     text=f"{lab[idx[0]]} is a root of multiplicity {mult}. The reduced row echelon form has rank {rank}, so the "
                          f"null space has dimension {n - rank}; each free variable set to 1 (the others 0) gives a basis vector.",
                     value=Math(r"\operatorname{rref} = %s,\quad %s" % (mat_latex(R.tolist()), r",\ ".join(vec_latex(b, True) for b in basis)),
                                f"rref = {mat_text(R.tolist())}; basis: " + ", ".join(vec_text(b, True) for b in basis)))
            if len(basis) < mult:
                res.defective = True
                d.note(f"{name} is not diagonalisable",
                       f"{lab[idx[0]]} = {both_text(val)} has algebraic multiplicity {mult} but only {len(basis)} independent "
                       f"eigenvector{'s' if len(basis) > 1 else ''} (geometric multiplicity {len(basis)}): {name} is defective, "
                       f"so it has no basis of eigenvectors. Only the eigenvectors that exist are listed.")
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
            if v is None:
                continue
            j = sign_index(v, sign_rule)
            if j is not None and fl(v[j]) < 0:
                vectors[i] = tuple(tame(-x) for x in v)
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
        ans = ()
        if vectors_answer:
            ans = (make_answer(vectors_answer, cols, precision=precision,
                               tolerance=Tolerance(tolerance_for(precision).abs, 0.0, "columns")),)
        add_step(d, "conclude", "Unit eigenvectors (as columns, in eigenvalue order)",
                 value=Math("Q = %s" % mat_latex(cols, exact=False), "Q = " + mat_text(cols, exact=False)), answers=ans)
    else:
        add_step(d, "conclude", "Unit eigenvectors (complex)",
                 text="Complex eigenvectors are shown but not given as answers (they are fixed only up to a complex factor).",
                 value=Math(r",\quad ".join(f"e_{{{i + 1}}} = {vec_latex(v)}" for i, v in enumerate(res.vectors) if v is not None),
                            ", ".join(f"e{i + 1} = {vec_text(v)}" for i, v in enumerate(res.vectors) if v is not None)))

    # 5. checks
    if checks:
        _checks(d, M, values, name)
    return res


def _checks(d: Derivation, M: sp.Matrix, values, name: str):
    n = M.shape[0]
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
             substituted=Math(" + ".join(par_latex(M[i, i]) for i in range(n)) + " = " + " + ".join(
                 dlatex(v) if is_real(v) else r"\left(%s\right)" % dlatex(v) for v in values),
                 " + ".join(par_text(M[i, i]) for i in range(n)) + " = " + " + ".join(
                     dtext(v) if is_real(v) else f"({dtext(v)})" for v in values)),
             value=Math(r"%s = %s" % (elatex(tr) or dlatex(tr), both_latex(s)), f"{etext(tr)} = {both_text(s)}"))
    add_step(d, "compare", "Check: determinant = product of the eigenvalues",
             text="agrees" if ok_d else "DISAGREES: an arithmetic slip above",
             formula=Math(r"\det %s = \prod_i \lambda_i" % nl, f"det {name} = product of λi"),
             substituted=Math(r"\det %s = %s = %s" % (nl, elatex(det) or dlatex(det), r" \cdot ".join(
                 r"\left(%s\right)" % dlatex(v) for v in values)),
                 f"det {name} = {etext(det)} = " + " * ".join(f"({dtext(v)})" for v in values)),
             value=Math(r"%s = %s" % (elatex(det) or dlatex(det), both_latex(prod)), f"{etext(det)} = {both_text(prod)}"))


def _eigen_numeric_steps(d, A, name, sign_rule, values_answer, vectors_answer, precision, symmetric) -> EigenResult:
    """n > EXACT_MAX: mpmath at 45 digits, with a step saying so."""
    from solver.numbers import Tolerance, tolerance_for
    from solver.symbolic import make_answer

    n = len(A)
    d.note("Numeric eigen-decomposition",
           f"Exact symbolic eigen-decomposition is done up to {EXACT_MAX} x {EXACT_MAX} (a quartic is the last "
           f"characteristic polynomial solvable by hand); this {n} x {n} matrix is decomposed numerically "
           "(mpmath, 40 significant digits).")
    with mpmath.workdps(WORKING_DIGITS + 5):
        Am = mpmath.matrix([[mpmath.mpf(str(sp.N(x, WORKING_DIGITS + 10))) for x in r] for r in A])
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
    if not cplx and sign_rule:
        for i, v in enumerate(vecs):
            j = sign_index(v, sign_rule)
            if j is not None and fl(v[j]) < 0:
                vecs[i] = tuple(-x for x in v)
    res = EigenResult(values=vals, vectors=vecs, symmetric=symmetric, complex=cplx, closed_form=False, numeric=True)
    if cplx:
        ans = ()
        if values_answer:
            ans = (make_answer(values_answer + "_real", [sp.re(v) for v in vals], precision=precision),
                   make_answer(values_answer + "_imag", [sp.im(v) for v in vals], precision=precision))
        add_step(d, "conclude", "Eigenvalues (some complex)", answers=ans,
                 value=Math(r",\ ".join(dlatex(v) for v in vals), ", ".join(dtext(v) for v in vals)))
        return res
    ans = (make_answer(values_answer, vals, precision=precision),) if values_answer else ()
    add_step(d, "conclude", "Eigenvalues, largest first", answers=ans,
             value=Math(r",\ ".join(dlatex(v) for v in vals), ", ".join(dtext(v) for v in vals)))
    cols = [[v[i] for v in vecs] for i in range(n)]
    ans = ()
    if vectors_answer:
        ans = (make_answer(vectors_answer, cols, precision=precision,
                           tolerance=Tolerance(tolerance_for(precision).abs, 0.0, "columns")),)
    add_step(d, "conclude", "Unit eigenvectors (as columns)", answers=ans,
             text=f"Sign: {SIGN_TEXT[sign_rule]}." if sign_rule else "",
             value=Math("Q = " + mat_latex(cols, exact=False), "Q = " + mat_text(cols, exact=False)))
    return res


# ---- float64 helpers for the numeric paths ----------------------------------------------------------


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

