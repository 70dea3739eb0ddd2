"""The one formatting layer: exact and float values, vectors and matrices as text and LaTeX.

Everything a user reads that holds a number is printed here: the values in a worked step, the numbers
substituted into a formula, trace-table cells, answers, the numbers in a step's sentence, plot labels.
Families hand values to the step builder (solver.symbolic) or call these functions; they never round
or print a number themselves, so one precision rules a whole solution.

Two precisions, from the request (`Style`, a context variable that `Family.solve` sets):
- `answer`: how an answer is shown (and how tolerant its check is): decimal places or significant
  figures (solver.numbers.Precision; default 4 decimal places, as the course notes' exams use);
- `working`: significant figures of intermediate values in the steps (default 6, never fewer than two
  more than the answers show).

Values: Python and NumPy numbers, SymPy numbers (exact Rationals stay exact: 0.1 typed is 1/10 and
prints as 0.1, 1/3 as 1/3), booleans, strings (printed as they are), vectors (tuples, lists, 1-D arrays,
SymPy column or row matrices) and matrices (nested sequences, 2-D arrays, SymPy matrices).

How an exact number prints (`exact=`):
    "short"    terminating decimals (0.125) and small fractions (1/3, \\frac{1}{3}); otherwise decimals;
    "surd"     also surds and exact complex numbers: (37 + sqrt(565))/2, 2 + 3i; otherwise decimals;
    "both"     the exact form and its decimal: (37 + sqrt(565))/2 ≈ 30.3849;
    "decimal"  always decimals.

Rounding is the exam kind, half away from zero, through `decimal.Decimal` (solver.numbers).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import math as _math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Sequence

from .lazynp import np
import sympy as sp

from .numbers import (DEFAULT_PRECISION, WORKING_DIGITS, Precision, huge_exponent, is_finite, round_decimal, terminating,
                      to_decimal)
from .steps import Math

# -- the request's precision ------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """The precision of one request: `answer` for answers, `working` significant figures for steps."""

    answer: Precision = DEFAULT_PRECISION
    working: int = 6
    #: True when the request asked for `answer`; False when it is the default (see `requested`)
    asked: bool = False

    @classmethod
    def for_precision(cls, precision: Precision | None) -> "Style":
        """The style a requested answer precision implies: steps carry two more figures than answers."""
        if precision is None:
            return cls()
        shown = precision.sig if precision.sig is not None else precision.dp
        return cls(precision, max(6, int(shown) + 2), True)


_STYLE: contextvars.ContextVar[Style] = contextvars.ContextVar("stepwise_style", default=Style())


def style() -> Style:
    """The current request's style (the default one outside a request)."""
    return _STYLE.get()


@contextlib.contextmanager
def using(precision: Precision | Style | None) -> Iterator[Style]:
    """Format everything in the block under `precision` (a Precision, a Style, or None for the default)."""
    st = precision if isinstance(precision, Style) else Style.for_precision(precision)
    token = _STYLE.set(st)
    try:
        yield st
    finally:
        _STYLE.reset(token)


def requested() -> Precision | None:
    """The answer precision the request asked for, or None when it asked for none. A family whose answers
    have a precision of their own (learning rates to 5 significant figures) uses it only then:
    `make_answer(name, v, precision=F.requested() or OWN)`."""
    st = _STYLE.get()
    return st.answer if st.asked else None


def answer_precision(precision: Precision | None = None) -> Precision:
    """`precision`, or the request's answer precision when None."""
    return precision if precision is not None else _STYLE.get().answer


def working_sig(sig: int | None = None) -> int:
    """`sig`, or the request's working significant figures when None."""
    return sig if sig is not None else _STYLE.get().working


# -- shapes -----------------------------------------------------------------------------------------

def is_vector(v: Any) -> bool:
    """A sequence of numbers or of rows (tuple, list, NumPy array of ndim >= 1, SymPy matrix)."""
    return isinstance(v, (tuple, list, sp.MatrixBase)) or (isinstance(v, np.ndarray) and v.ndim >= 1)


def is_matrix(v: Any) -> bool:
    """A 2-D value: rows of numbers (a SymPy matrix with more than one row and column counts too)."""
    if isinstance(v, sp.MatrixBase):
        return v.rows > 1 and v.cols > 1 or (v.rows == 0 or v.cols == 0)
    if isinstance(v, np.ndarray):
        return v.ndim >= 2
    return isinstance(v, (tuple, list)) and len(v) > 0 and is_vector(v[0])


def rows_of(v: Any) -> list[list[Any]]:
    """A matrix as a list of rows."""
    if isinstance(v, sp.MatrixBase):
        return [list(v.row(i)) for i in range(v.rows)]
    return [list(r) for r in v]


def entries_of(v: Any) -> list[Any]:
    """A vector's entries (a SymPy column or row matrix gives its entries in order)."""
    if isinstance(v, sp.MatrixBase):
        return list(v)
    return list(v)


def is_negative(v: Any) -> bool:
    """True for a number below zero (vectors, text and non-real values are not)."""
    if is_vector(v) or isinstance(v, (bool, str)) or v is None:
        return False
    try:
        return bool(v < 0)
    except TypeError:
        return False


# -- exact forms (surds, complex numbers) -----------------------------------------------------------

_ZERO_TOL = sp.Float("1e-30")


def _memo(fn):
    """Memoise a formatting of one value: the same numbers are printed many times (in a step, in the next
    substitution, in the answer, and in every solution of the same problem). `typed` keeps 1 and 1.0 apart."""
    cached = functools.lru_cache(maxsize=16384, typed=True)(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kw):
        try:
            return cached(*args, **kw)
        except TypeError:  # unhashable (a list, an array): format it uncached
            return fn(*args, **kw)

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper


def is_exact(x: Any) -> bool:
    """A SymPy number with no Float in it (rationals, surds, exact complex numbers)."""
    return isinstance(x, sp.Basic) and not x.has(sp.Float) and x.is_number


def is_real(x: Any) -> bool:
    x = sp.sympify(x)
    if x.is_real:
        return True
    if x.is_real is False:
        return False
    return bool(abs(sp.im(sp.N(x, 50))) < _ZERO_TOL)


@_memo
def _surd_parts(x):
    """(A, B, r, D) with x = (A + B sqrt(r)) / D, integers, r squarefree > 1; None if x is not of that form."""
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
def exact_text(x: Any) -> str | None:
    """The exact form of a number in plain text ((37 + sqrt(565))/2, 3/2, 2 + 3i), or None when it has
    none worth printing (a Float, a fraction with a large denominator, a non-number)."""
    if not isinstance(x, sp.Basic):
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return str(int(x))
        return None
    if not is_exact(x):
        return None
    if x.is_Rational:
        return _rational_text(x, 12) if x.is_Integer or x.q < 1000 else None
    if not is_real(x):
        re_x, im_x = x.as_real_imag()
        rt, it = exact_text(re_x), exact_text(abs(im_x))
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
def exact_latex(x: Any) -> str | None:
    """The exact form in LaTeX (\\frac{37 + \\sqrt{565}}{2}), or None (see exact_text)."""
    if not isinstance(x, sp.Basic):
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return str(int(x))
        return None
    if not is_exact(x):
        return None
    if x.is_Rational:
        return _rational_latex(x, 12) if x.is_Integer or x.q < 1000 else None
    if not is_real(x):
        re_x, im_x = x.as_real_imag()
        rl, il = exact_latex(re_x), exact_latex(abs(im_x))
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


# -- one number ----------------------------------------------------------------------------------------

def fixed(x: Any, precision: Precision | None = None, *, strip: bool = False) -> str:
    """A number rounded to `precision` (the request's answer precision when None), as an answer shows it:
    trailing zeros kept (0.5000 to 4 dp) unless `strip`; too small for the decimal places, or too many
    digits, in scientific form; infinities as ∞ and -∞, NaN as 'undefined'; booleans as true/false."""
    precision = answer_precision(precision)
    if (type(x) is float or type(x) is np.float64) and _math.isfinite(x):  # the numeric path's floats: their digits
        return _float_fixed(float(x), precision, strip)
    if isinstance(x, bool):
        return "true" if x else "false"
    if not is_finite(x):
        v = float(x) if not isinstance(x, sp.Basic) else (_math.inf if x == sp.oo else -_math.inf if x == -sp.oo else _math.nan)
        return "∞" if v > 0 else "-∞" if v < 0 else "undefined"
    if _huge_exponent(x):  # (printing it through SymPy's str and Decimal costs 0.2 s per number at 1e-4e299)
        return _scientific_mp(x, precision.sig or 4)  # 4 figures, as any number too small for the decimal places
    try:
        d = to_decimal(x)
    except InvalidOperation:  # an exponent beyond Decimal's range (mpmath's has none): 8.2e-108573620475812956...
        return _scientific_mp(x, precision.sig or 10)
    return _fixed_digits(d, precision, strip)


def _float_fixed(x: float, precision: Precision, strip: bool) -> str:
    """`fixed` of a finite float. The rule rounds the float's shortest repr half away from zero (Decimal); C's
    correctly rounded '%e' / '%f' of the float itself give the same digits, about four times faster, except
    where the repr ends in a 5 just past the last kept digit (a tie for the repr, not for the float) or the
    float's spacing nears the last kept digit (subnormals, huge values at decimal places): those, zero and
    results that round to 0 take Decimal. (Checked against Decimal on a million floats in tests/test_format.py.)"""
    r = repr(x)
    sig, dp = precision.sig, precision.dp
    if x == 0.0 or "n" in r:  # (inf, nan: not here; zero: its sign rule)
        return _fixed_digits(Decimal(r), precision, strip)
    if sig is not None and sig <= 15 and abs(x) > 1e-290:  # (subnormals: too few bits for the argument)
        mant, _, ex = r.lstrip("-").partition("e")
        digits = mant.replace(".", "").strip("0")
        if not (len(digits) == sig + 1 and digits[-1] == "5"):
            m, _, e = ("%.*e" % (sig - 1, x)).partition("e")
            E, neg = int(e), m.startswith("-")
            D = m.lstrip("-").replace(".", "")
            if E >= 7 or E < -4:
                s = D[0] + ("." + D[1:] if sig > 1 else "")
                if strip and "." in s:
                    s = s.rstrip("0").rstrip(".")
                return ("-" if neg else "") + s + "e" + str(E)
            if E >= 0:
                s = D[:E + 1].ljust(E + 1, "0") + ("." + D[E + 1:] if len(D) > E + 1 else "")
            else:
                s = "0." + "0" * (-E - 1) + D
            if strip and "." in s:
                s = s.rstrip("0").rstrip(".")
            return ("-" if neg else "") + s
    elif dp is not None and dp <= 12 and abs(x) < 10.0 ** (15 - dp) and "e" not in r:
        decimals = r.partition(".")[2]
        if not (len(decimals) == dp + 1 and decimals[-1] == "5"):
            s = "%.*f" % (dp, x)
            if s.strip("-0."):  # (a result of 0 for a non-zero float: the scientific form below)
                return s.rstrip("0").rstrip(".") if strip and "." in s else s
    return _fixed_digits(Decimal(r), precision, strip)


def fixed_floats(values: list, precision: Precision | None = None) -> list[str]:
    """[fixed(x, precision) for x in values], for the numeric path's arrays (a list from ndarray.tolist()): at
    decimal places, C's '%f' directly wherever the float's correctly rounded digit past the last kept one is not a
    5 (then its shortest repr cannot end in that tie: `_float_fixed`'s rule without its repr, about 2.4 times
    as fast) and the float's spacing is below a tenth of the last kept digit; everything else through `fixed`."""
    precision = answer_precision(precision)
    dp = precision.dp
    if precision.sig is not None or dp is None or dp > 12:
        return [fixed(x, precision) for x in values]
    limit, more, cut = 10.0 ** (14 - dp), "%%.%df" % (dp + 1), -1 if dp else -2
    keep = "%%.%df" % dp
    out = []
    for x in values:
        if type(x) is float and -limit < x < limit:   # (NaN fails both comparisons)
            s = more % x
            last = s[-1]
            if last != "5":   # below 5 the digits kept are these (x < ...d45...); above, C rounds them up
                s = s[:cut] if last < "5" else keep % x
                if s.strip("-0."):  # (0 and results that round to 0: the sign and scientific rules of `fixed`)
                    out.append(s)
                    continue
        out.append(fixed(x, precision))
    return out


def _fixed_digits(d: Decimal, precision: Precision, strip: bool) -> str:
    """`fixed` of a finite number, given as its Decimal."""
    if precision.dp is not None and d.adjusted() >= _MAX_FIXED_DIGITS:
        return _scientific(d, 10)
    r = round_decimal(d, precision)
    if precision.sig is not None and r != 0 and (r.adjusted() >= 7 or r.adjusted() < -4):
        sci = _scientific(r, precision.sig)
        if strip:  # 1.50000e-42 -> 1.5e-42 (working values; answers keep their figures)
            mant, _, ex = sci.partition("e")
            sci = (mant.rstrip("0").rstrip(".") if "." in mant else mant) + "e" + ex
        return sci
    if precision.dp is not None and r == 0 and d != 0:
        # too small for the decimal places: show it in scientific form instead of a misleading 0
        return _scientific(d, 4)
    s = format(r, "f")
    if strip and "." in s:
        s = s.rstrip("0").rstrip(".")
    if s.startswith("-") and not s.strip("-0."):
        s = s[1:]
    return s


#: Beyond this many integer digits a number is shown in scientific form (a float64 has 17 significant
#: digits; 1e308 to 4 dp would print 313 digits, all but 17 noise; a 300-digit integer pushes a table
#: off the screen).
_MAX_FIXED_DIGITS = 21


def _integer(n: int, precision: Precision) -> str:
    if abs(n) < 10 ** _MAX_FIXED_DIGITS:
        return str(n)
    sig = 10 if precision.sig is None else precision.sig
    if n.bit_length() < 10_000:
        return _scientific(Decimal(n), sig)
    return _scientific_mp(sp.Integer(n), sig)  # past Python's int-to-text limit (4300 digits)


def _huge_exponent(x: Any) -> bool:
    """A SymPy Float whose decimal exponent has more than 12 digits (e^(-1e300) from a softmax of scores 1e300
    apart): mpmath's own decimal conversion of it raises 10 to that power, which takes long."""
    if not isinstance(x, sp.Float):
        return False
    _sign, man, exp, bc = x._mpf_
    return bool(man) and abs(exp + bc) > 3 * 10 ** 12


def _scientific_mp(x: Any, sig: int) -> str:
    import mpmath

    f = x if isinstance(x, sp.Float) else sp.Float(x, sig + 2)
    if huge_exponent(f) or _huge_exponent(f):
        # the exponent itself has more than 12 digits: |x| = m * 2**e2, written 10^(log10 |x|) to a few figures,
        # in time independent of e2's size (never a 300-digit exponent on the page)
        sign, _, exp2, bc = f._mpf_
        with mpmath.workprec(64):
            log10 = mpmath.mpf(exp2 + bc) * mpmath.log10(2)
        inner = mpmath.nstr(log10, min(sig, 6), min_fixed=1, max_fixed=0).replace("e+", "e")
        return f"{'-' if sign else ''}10^({inner})"
    mant, _, exp = mpmath.nstr(sp.Float(x, sig + 2)._to_mpmath(sig * 4 + 10), sig, min_fixed=1, max_fixed=0).partition("e")
    return f"{mant}e{int(exp or 0)}"


def _scientific(d: Decimal, sig: int) -> str:
    return f"{d:.{sig - 1}e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")


def _rational_text(r: sp.Rational, sig: int) -> str | None:
    """A Rational exactly, when short: its terminating decimal (0.125) or, in text, p/q for small q."""
    if r.is_Integer:
        return _integer(int(r), Precision(sig=sig))
    t = terminating(r)
    if t is not None and len(t.replace("-", "").replace(".", "").lstrip("0")) <= max(sig, 8):
        return t
    if abs(r.q) < 1000 and abs(r.p) < 10 ** 6:
        return f"{r.p}/{r.q}"
    return None


def _rational_latex(r: sp.Rational, sig: int) -> str | None:
    if r.is_Integer:
        return _sci_latex(_integer(int(r), Precision(sig=sig)))
    t = terminating(r)
    if t is not None and len(t.replace("-", "").replace(".", "").lstrip("0")) <= max(sig, 8):
        return t
    if abs(r.q) < 1000 and abs(r.p) < 10 ** 6:
        return ("-" if r < 0 else "") + r"\frac{%d}{%d}" % (abs(r.p), r.q)
    return None


def _sci_latex(s: str) -> str:
    """'1.5e-7' as 1.5 \\times 10^{-7}; ∞ as \\infty; 'undefined' as text."""
    if s == "undefined":
        return r"\text{undefined}"
    if "∞" in s:
        return s.replace("∞", r"\infty")
    if s.lstrip("-").startswith("10^("):  # beyond Decimal's range: 10^(2.3e1000)
        sign, _, inner = s.partition("10^(")
        return f"{sign}10^{{{_sci_latex(inner[:-1])}}}"
    m = _SCI.fullmatch(s)
    if m:
        return r"%s \times 10^{%d}" % (m.group(1), int(m.group(2)))
    return s


_SCI = re.compile(r"(-?[0-9.]+)e([-+]?[0-9]+)")


@_memo
def _number_text(x: Any, sig: int, mode: str) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return x
    if isinstance(x, sp.Basic) and (x is sp.zoo or x is sp.nan or x in (sp.oo, sp.S.NegativeInfinity)):
        return "undefined" if x is sp.zoo or x is sp.nan else "∞" if x is sp.oo else "-∞"
    if mode != "decimal":
        if isinstance(x, sp.Rational):
            t = _rational_text(x, sig)
            if t is not None:
                return t
        elif mode in ("surd", "both") and isinstance(x, sp.Basic):
            e = exact_text(x)
            if e is not None:
                return e if mode == "surd" or _rational_parts(x) else f"{e} ≈ {_decimal_text(x, sig)}"
    if isinstance(x, (int, np.integer)):
        return _integer(int(x), Precision(sig=sig))
    return _decimal_text(x, sig)


def _decimal_text(x: Any, sig: int) -> str:
    if isinstance(x, sp.Basic) and x.is_number and not x.is_Rational and not x.is_Float and not is_real(x):
        re_x, im_x = sp.N(x, WORKING_DIGITS).as_real_imag()
        sign = "-" if im_x < 0 else "+"
        im_t = fixed(abs(im_x), Precision(sig=sig), strip=True)
        return f"{fixed(re_x, Precision(sig=sig), strip=True)} {sign} {'' if im_t == '1' else im_t}i"
    if isinstance(x, sp.Basic) and x.is_number and not x.is_Float and not x.is_Rational:
        x = sp.re(sp.N(x, WORKING_DIGITS))
    return fixed(x, Precision(sig=sig), strip=True)


@_memo
def _rational_parts(x) -> bool:
    re_x, im_x = sp.sympify(x).as_real_imag()
    return bool(re_x.is_Rational and im_x.is_Rational)


@_memo
def _number_latex(x: Any, sig: int, mode: str) -> str:
    if isinstance(x, bool):
        return r"\text{%s}" % ("true" if x else "false")
    if isinstance(x, str):
        return r"\text{%s}" % x
    if isinstance(x, sp.Basic):
        if x is sp.oo:
            return r"\infty"
        if x is sp.S.NegativeInfinity:
            return r"-\infty"
        if x is sp.zoo or x is sp.nan:
            return r"\text{undefined}"
    if mode != "decimal":
        if isinstance(x, sp.Rational):
            t = _rational_latex(x, sig)
            if t is not None:
                return t
        elif mode in ("surd", "both") and isinstance(x, sp.Basic):
            e = exact_latex(x)
            if e is not None:
                return e if mode == "surd" or _rational_parts(x) else f"{e} \\approx {_decimal_latex(x, sig)}"
    if isinstance(x, (int, np.integer)):
        return _sci_latex(_integer(int(x), Precision(sig=sig)))
    return _decimal_latex(x, sig)


def _decimal_latex(x: Any, sig: int) -> str:
    if _is_complex(x):
        re_x, im_x = sp.N(x, WORKING_DIGITS).as_real_imag()
        sign = "-" if im_x < 0 else "+"
        im_t = fixed(abs(im_x), Precision(sig=sig), strip=True)
        return (f"{_sci_latex(fixed(re_x, Precision(sig=sig), strip=True))} {sign} "
                f"{'' if im_t == '1' else _sci_latex(im_t)}\\,i")
    return _sci_latex(_decimal_text(x, sig))


def _is_complex(x) -> bool:
    return isinstance(x, sp.Basic) and x.is_number and not x.is_Rational and not x.is_Float and not is_real(x)


# -- any value -------------------------------------------------------------------------------------

_MODES = ("short", "surd", "both", "decimal")

#: Bounded rendering (issue 20): a vector of more than MAX_SHOWN_ENTRIES entries shows its first SHOWN_HEAD
#: and last SHOWN_TAIL and says how many there are, "(1, 2, 3, 4, 5, 6, 7, 8, ..., 99, 100; 60000 entries)";
#: a matrix of more than MAX_SHOWN_ROWS rows or columns likewise. The answers' values keep every entry (the
#: solution's JSON and CSV downloads), so a 100,000-entry input renders in the time of twenty numbers.
MAX_SHOWN_ENTRIES = 100
MAX_SHOWN_ROWS = 50
SHOWN_HEAD, SHOWN_TAIL = 8, 2


def _cut(items: list, limit: int) -> tuple[list, list, int]:
    """(head, tail, n): everything in head when len(items) <= limit."""
    n = len(items)
    if n <= limit:
        return items, [], n
    return items[:SHOWN_HEAD], items[-SHOWN_TAIL:], n


def _rows_cut(v: Any) -> tuple[list, list, int, int]:
    """A matrix's rows, each cut to its shown columns: (head rows, tail rows, rows, columns)."""
    if isinstance(v, np.ndarray):
        nr, nc = v.shape[0], (v.shape[1] if v.ndim > 1 else 0)
        rows = v if nr <= MAX_SHOWN_ROWS else np.concatenate([v[:SHOWN_HEAD], v[-SHOWN_TAIL:]])
        rows = [list(r) for r in rows]
    else:
        all_rows = rows_of(v)
        nr, nc = len(all_rows), (len(all_rows[0]) if all_rows else 0)
        rows = all_rows if nr <= MAX_SHOWN_ROWS else all_rows[:SHOWN_HEAD] + all_rows[-SHOWN_TAIL:]
    cut = [_cut(list(r), MAX_SHOWN_ROWS) for r in rows]
    if nr <= MAX_SHOWN_ROWS:
        return cut, [], nr, nc
    return cut[:SHOWN_HEAD], cut[SHOWN_HEAD:], nr, nc


def text(v: Any, sig: int | None = None, *, exact: str = "short", paren: bool = False) -> str:
    """A value in plain text: numbers compact (`sig` significant figures, the request's working figures
    when None), vectors as (a, b), matrices as [[a, b], [c, d]]. `paren` brackets a negative number,
    or a fraction or exact form that would read ambiguously inside a formula: (-2), (1/3)."""
    if exact not in _MODES:
        raise ValueError(f"exact must be one of {_MODES}")
    sig = working_sig(sig)
    if type(v) is float or type(v) is np.float64:  # a float: what _number_text gives it in every `exact` mode
        s = fixed(v, _sig_precision(sig), strip=True)
        return f"({s})" if paren and (is_negative(v) or "/" in s or " " in s) else s
    if is_vector(v):
        if is_matrix(v):
            head, tail, nr, nc = _rows_cut(v)

            def row(r):
                h, t, n = r
                return "[" + ", ".join([text(x, sig, exact=exact) for x in h] + (["..."] if t else []) +
                                       [text(x, sig, exact=exact) for x in t]) + "]"

            body = ", ".join([row(r) for r in head] + (["..."] if tail else []) + [row(r) for r in tail])
            big = nr > MAX_SHOWN_ROWS or nc > MAX_SHOWN_ROWS
            return "[" + body + "]" + (f" ({nr} x {nc})" if big else "")
        head, tail, n = _cut(entries_of(v), MAX_SHOWN_ENTRIES)
        if not tail:
            return "(" + ", ".join(text(x, sig, exact=exact) for x in head) + ")"
        return ("(" + ", ".join([text(x, sig, exact=exact) for x in head] + ["..."] + [text(x, sig, exact=exact) for x in tail])
                + f"; {n} entries)")
    s = _number_text(v, sig, exact)
    if paren and (is_negative(v) or "/" in s or " " in s):
        return f"({s})"
    return s


@functools.lru_cache(maxsize=64)
def _sig_precision(sig: int) -> Precision:
    return Precision(sig=sig)


def latex(v: Any, sig: int | None = None, *, exact: str = "short", paren: bool = False, layout: str = "row") -> str:
    """A value in LaTeX: numbers as `text`, with fractions as \\frac; vectors as a row (a, b) or, with
    layout="column", a column; matrices as pmatrix. `paren` brackets negative numbers and compound forms."""
    if exact not in _MODES:
        raise ValueError(f"exact must be one of {_MODES}")
    sig = working_sig(sig)
    if is_vector(v):
        if is_matrix(v):
            head, tail, nr, nc = _rows_cut(v)

            def row(r):
                h, t, n = r
                return " & ".join([latex(x, sig, exact=exact) for x in h] + ([r"\cdots"] if t else []) +
                                  [latex(x, sig, exact=exact) for x in t])

            width = len(head[0][0]) + (1 + len(head[0][1]) if head and head[0][1] else 0) if head else 1
            rows = [row(r) for r in head] + ([" & ".join([r"\vdots"] * width)] if tail else []) + [row(r) for r in tail]
            body = r" \\ ".join(rows)
            big = nr > MAX_SHOWN_ROWS or nc > MAX_SHOWN_ROWS
            return r"\begin{pmatrix} %s \end{pmatrix}" % body + (r"_{%d \times %d}" % (nr, nc) if big else "")
        head, tail, n = _cut(entries_of(v), MAX_SHOWN_ENTRIES)
        items = [latex(x, sig, exact=exact) for x in head]
        if tail:
            items += [r"\vdots" if layout == "column" else r"\ldots"] + [latex(x, sig, exact=exact) for x in tail]
            note = r"\;(%d\text{ entries})" % n
            if layout in ("column", "rowvec"):
                sep = r" \\ " if layout == "column" else " & "
                return r"\begin{pmatrix} %s \end{pmatrix}" % sep.join(items) + note
            return r"\left(" + ", ".join(items) + r"\right)" + note
        if layout == "column":
            return r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(items)
        if layout == "rowvec":
            return r"\begin{pmatrix} %s \end{pmatrix}" % " & ".join(items)
        return r"\left(" + ", ".join(items) + r"\right)"
    s = _number_latex(v, sig, exact)
    if paren and (is_negative(v) or " " in s.strip() or s.startswith(r"\frac")):
        return r"\left(%s\right)" % s
    return s


def math(v: Any, sig: int | None = None, **kw) -> Math:
    """A value as Math (LaTeX and text)."""
    layout = kw.pop("layout", "row")
    return Math(latex(v, sig, layout=layout, **kw), text(v, sig, **kw))


def is_rounded(v: Any) -> bool:
    """True when the printed digits are a rounding of an exact-path value (a SymPy Float, an irrational, a
    vector of them); the numeric path's float64 values are what they print."""
    if is_vector(v):
        return any(is_rounded(x) for x in (_flat(v)))
    return isinstance(v, sp.Basic) and v.is_number and not v.is_Rational and v not in (sp.oo, -sp.oo, sp.zoo, sp.nan)


def _flat(v):
    for x in (rows_of(v) if is_matrix(v) else entries_of(v)):
        if is_vector(x):
            yield from _flat(x)
        else:
            yield x


def equals(lhs: Any, v: Any, sig: int | None = None, *, exact: str = "short", layout: str = "row") -> Math:
    """'lhs = value', or 'lhs ≈ value' (\\approx in LaTeX) when the shown digits round the value.
    `lhs` is Math, a SymPy expression or text."""
    from .symbolic import latex as expr_latex, text as expr_text

    lt, tt = (lhs.latex, lhs.text) if isinstance(lhs, Math) else (expr_latex(lhs), expr_text(lhs))
    body_l = latex(v, sig, exact=exact, layout=layout)
    rel = r"\approx" if is_rounded(v) and "infty" not in body_l and exact != "both" else "="
    return Math(f"{lt} {rel} {body_l}", f"{tt} = {text(v, sig, exact=exact)}")


def cell(v: Any, sig: int | None = None) -> str:
    """A trace-table cell: text as is, numbers and vectors compact."""
    return v if isinstance(v, str) else text(v, sig)


def tick(v: float) -> str:
    """A plot label: four significant figures at most (2.5, 0.1234, 1.5e+06)."""
    return f"{float(v):.4g}"


def shape(dims: Sequence[int]) -> str:
    """An array shape as people write it: 13 x 13 x 64."""
    return " x ".join(str(int(s)) for s in dims)


def grouped(n: int) -> str:
    """A whole number with thousands separators, as large counts are read: 1,536,500."""
    return f"{int(n):,}"


def joined(values: Sequence[Any], sep: str = ", ", sig: int | None = None, **kw) -> str:
    """Values in text, joined (for a sentence: 'the scores are 1, -2 and 0.5' takes joined(...))."""
    return sep.join(text(x, sig, **kw) for x in values)


__all__ = ["Style", "style", "using", "requested", "answer_precision", "working_sig", "is_vector", "is_matrix", "rows_of",
           "entries_of", "is_negative", "is_exact", "is_real", "exact_text", "exact_latex", "fixed", "text", "latex",
           "math", "is_rounded", "equals", "cell", "tick", "shape", "grouped", "joined"]
