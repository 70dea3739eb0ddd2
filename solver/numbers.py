"""Exam arithmetic: exact-to-decimal display, significant figures, decimal places, tolerances.

Rounding is the exam kind, half away from zero (0.125 to 2 dp is 0.13), not Python's round-half-even.
Numbers arrive as SymPy numbers (exact Rational, high-precision Float), Python numbers or NumPy
scalars; they are converted through `decimal.Decimal` so no binary noise reaches a display.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any, Iterable

import sympy as sp

#: Digits carried by the high-precision (non-rational) path of the step builder.
WORKING_DIGITS = 40


@dataclass(frozen=True)
class Precision:
    """How an answer is shown: `sig` significant figures or `dp` decimal places (exactly one)."""

    sig: int | None = None
    dp: int | None = None

    def __post_init__(self):
        if (self.sig is None) == (self.dp is None):
            raise ValueError("Precision takes exactly one of sig, dp")

    def describe(self) -> str:
        if self.sig is not None:
            return f"{self.sig} significant figures"
        return f"{self.dp} decimal places"


#: Default for answers that do not choose: 4 decimal places, as the course notes' exams use.
DEFAULT_PRECISION = Precision(dp=4)

#: The precision a request may ask for: 0 to MAX_DP decimal places, 1 to MAX_SIG significant figures
#: (float64 holds about 15 significant digits; the numeric path could not honour more).
MAX_DP = 12
MAX_SIG = 15

_PRECISION_TEXT = re.compile(
    r"^\s*(?:(?P<kind1>dp|sf|sig|s\.?f\.?)\s*[=:]?\s*(?P<n1>\d{1,3})"
    r"|(?P<n2>\d{1,3})\s*(?P<kind2>dp|d\.?p\.?|decimal\s+places?|sf|s\.?f\.?|sig(?:\s*figs?)?"
    r"|significant\s+(?:figures?|digits?)))\s*$", re.IGNORECASE)


def precision_from(value: Any, field: str = "precision") -> Precision | None:
    """The precision a user asked for, read in one place for the command line, the web form, the API and
    exam files: None, "" or {} (the default: 4 decimal places), a Precision, a mapping {"dp": 5} or
    {"sig": 4} (also "sf"), or text such as "5dp", "5 decimal places", "4 sf", "sig=4". Raises
    InvalidInput naming `field` otherwise."""
    from .params import InvalidInput

    usage = (f"Give the precision as decimal places or significant figures, e.g. {{\"dp\": 5}} or "
             f"{{\"sig\": 4}} (text: '5 dp' or '4 sf'): 0 to {MAX_DP} decimal places or 1 to {MAX_SIG} "
             "significant figures.")
    if value is None or isinstance(value, Precision):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        m = _PRECISION_TEXT.match(value[:80])
        if not m:
            raise InvalidInput(field, f"'{value[:40]}' is not a precision. {usage}")
        kind = (m.group("kind1") or m.group("kind2")).lower()
        value = {"dp" if kind.startswith("d") else "sig": int(m.group("n1") or m.group("n2"))}
    if not isinstance(value, dict):
        raise InvalidInput(field, f"The precision must be an object or text. {usage}")
    if not value:
        return None
    keys = {"sf": "sig"}
    given = {keys.get(str(k).lower(), str(k).lower()): v for k, v in value.items()}
    if len(given) != 1 or next(iter(given)) not in ("dp", "sig"):
        raise InvalidInput(field, f"The precision takes exactly one of 'dp' and 'sig'. {usage}")
    kind, n = next(iter(given.items()))
    if isinstance(n, str) and n.strip().isdigit() and len(n.strip()) <= 3:
        n = int(n.strip())
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput(field, f"The number of {'decimal places' if kind == 'dp' else 'significant figures'} "
                                  f"must be a whole number. {usage}")
    low, high = (0, MAX_DP) if kind == "dp" else (1, MAX_SIG)
    if not low <= n <= high:
        what = "decimal places" if kind == "dp" else "significant figures"
        raise InvalidInput(field, f"{n} {what} is out of range: from {low} to {high} {what}.")
    return Precision(dp=n) if kind == "dp" else Precision(sig=n)


def precision_text(precision: Precision | None) -> str:
    """'5dp' / '4sf' (as a URL or a form carries it); '' for the default."""
    if precision is None:
        return ""
    return f"{precision.dp}dp" if precision.dp is not None else f"{precision.sig}sf"


def _finite_float(v) -> bool:
    """True when `v` is a finite float; an exact integer past float range (10**400) is not (no OverflowError)."""
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


@dataclass(frozen=True)
class Tolerance:
    """An accepted answer x satisfies |x - value| <= bound(value), per entry for arrays, where
    bound(w) = max(abs + rel * |w|, half a unit in the last required digit of w).

    The last required digit comes from the precision the question asks (`tolerance_for`): `dp` decimal
    places (half a unit: 0.00005 at 4 dp) and/or `sig` significant figures (half a unit in the sig-th
    figure of w: 5 for 855036.7 at 5 figures). Answers to `dp` places also get `sig = dp + 1` figures, so
    a large value is not held to more digits than an exam asks for (855037 is right for 855036.7371 to
    4 dp; 855100 is not), while a value below 1 keeps its absolute half unit (absolute near zero).

    `up_to_sign`: which sign flips are also accepted (eigenvectors, components, singular vectors):
      False      no flip;
      True       the whole answer may be negated (a vector defined up to sign);
      "columns"  each column of a matrix answer may be negated on its own (eigenvectors as columns);
      "rows"     each row of a matrix answer may be negated on its own (components as rows).
    A vector under "columns" or "rows" is one column (row): the whole vector may be negated.
    `sign_group`: answers whose tolerances share a non-empty group name must flip *together*, which
    `accepts_together` checks: column j of U with row j of Vt ("svd"), column j of the scores with
    row j of the components ("pca"). Index j is the column ("columns") or row ("rows") number; a
    whole-answer flip (True) is index 0. `accepts` alone checks one answer, each index free.
    JSON: {"abs", "rel", "up_to_sign"} as before (a bool or the string "columns"/"rows"), plus
    "sign_group" only when it is set, so older solutions read back unchanged.
    """

    abs: float = 0.0
    rel: float = 0.0
    up_to_sign: bool | str = False
    sign_group: str = ""
    dp: int | None = None
    sig: int | None = None

    def __post_init__(self):
        if self.up_to_sign not in (False, True, "columns", "rows"):
            raise ValueError(f"up_to_sign must be False, True, 'columns' or 'rows'; got {self.up_to_sign!r}")

    def to_json(self) -> dict:
        d = {"abs": self.abs, "rel": self.rel, "up_to_sign": self.up_to_sign}
        if self.sign_group:
            d["sign_group"] = self.sign_group
        if self.dp is not None:
            d["dp"] = self.dp
        if self.sig is not None:
            d["sig"] = self.sig
        return d

    @classmethod
    def from_json(cls, data: dict | None) -> "Tolerance | None":
        if data is None:
            return None
        sign = data.get("up_to_sign", False)
        sign = sign if sign in ("columns", "rows") else bool(sign)
        dp, sig = data.get("dp"), data.get("sig")
        def number(v):  # kept as given (0 stays 0): a solution read back from JSON writes the same JSON
            return v if isinstance(v, (int, float)) and not isinstance(v, bool) else float(v)

        return cls(number(data.get("abs", 0.0)), number(data.get("rel", 0.0)), sign, str(data.get("sign_group", "") or ""),
                   None if dp is None else int(dp), None if sig is None else int(sig))

    def bound(self, want: float) -> float:
        """How far from `want` (one entry) an accepted answer may be."""
        w = abs(float(want))
        b = self.abs + self.rel * w
        if self.dp is not None:
            b = max(b, 0.5 * 10.0 ** (-self.dp))
        if self.sig is not None and w > 0 and math.isfinite(w):
            b = max(b, 0.5 * 10.0 ** (math.floor(math.log10(w)) - self.sig + 1))
        return b

    @property
    def exact(self) -> bool:
        return not (self.abs or self.rel or self.dp is not None or self.sig is not None)

    def describe(self, want: Any = None) -> str:
        """In a grader's words: '±0.00005 (4 decimal places)', '±5 (5 significant figures)', 'exact';
        with `want` (a number) the bound for that value, else the rule."""
        def amount(x: float) -> str:  # positional, never 5e-05: ±0.00005
            return "±" + _positional(x)

        if self.exact:
            return "exact"
        scalar = want is not None and not isinstance(want, (list, tuple, bool)) and _finite_float(want)
        if self.dp is not None or self.sig is not None:
            if scalar:
                w = float(want)
                b = self.bound(w)
                by_sig = self.sig is not None and w != 0 and b > (0.5 * 10.0 ** -self.dp if self.dp is not None else 0)
                words = (f"{self.sig} significant figures" if by_sig or self.dp is None else f"{self.dp} decimal places")
                return f"{amount(b)} ({words})"
            if self.dp is not None:
                half = amount(0.5 * 10.0 ** -self.dp)
                return f"{half} ({self.dp} decimal places; {self.sig} significant figures for values of 10 or more)" \
                    if self.sig is not None else f"{half} ({self.dp} decimal places)"
            return f"half a unit in the {_ordinal(self.sig)} significant figure ({self.sig} significant figures)"
        parts = []
        if self.abs:
            parts.append(amount(self.abs))
        if self.rel:
            parts.append("±" + _positional(self.rel * 100) + "% of the value")
        return " or ".join(parts)


    def accepts(self, got: Any, want: Any) -> bool:
        """True when `got` (number or nested list) is within tolerance of `want` (same shape)."""
        if self.up_to_sign and isinstance(want, list):
            choices = self.sign_choices(got, want)
            return choices is not None and all(choices)
        return _close(got, want, self)

    def sign_choices(self, got: Any, want: Any) -> list[set[int]] | None:
        """For each flippable index (see the class docstring), the signs (+1, -1) under which `got`
        matches `want` there; None when the shapes differ. Without up_to_sign: one index, {+1} or {}."""
        if not self.up_to_sign or not isinstance(want, list):
            return [{1} if _close(got, want, self) else set()]
        if not isinstance(got, list) or len(got) != len(want):
            return None
        axis = self.up_to_sign
        if axis is True or not want or not isinstance(want[0], list):
            return [{s for s in (1, -1) if _close(got if s == 1 else _negate(got), want, self)}]
        if any(not isinstance(r, list) or len(r) != len(w) for r, w in zip(got, want)):
            return None
        if axis == "rows":
            return [{s for s in (1, -1) if _close(g if s == 1 else _negate(g), w, self)} for g, w in zip(got, want)]
        ncol = len(want[0])
        cols = lambda m, j: [r[j] for r in m]  # noqa: E731
        return [{s for s in (1, -1) if _close(cols(got, j) if s == 1 else _negate(cols(got, j)), cols(want, j), self)}
                for j in range(ncol)]


def _positional(x: float) -> str:
    """A float's shortest decimal written out without an exponent (5e-05 -> 0.00005)."""
    s = format(Decimal(repr(float(x))), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def accepts_together(items: Iterable[tuple["Tolerance | None", Any, Any]]) -> bool:
    """True when every (tolerance, got, want) is accepted and answers sharing a sign_group use one
    common choice of signs (index j flips in all of them or in none). None tolerances mean exact."""
    groups: dict[str, dict[int, set[int]]] = {}
    for tol, got, want in items:
        tol = tol or Tolerance()
        choices = tol.sign_choices(got, want)
        if choices is None or not all(choices):
            return False
        if tol.sign_group:
            shared = groups.setdefault(tol.sign_group, {})
            for j, c in enumerate(choices):
                shared[j] = shared.get(j, {1, -1}) & c
                if not shared[j]:
                    return False
    return True


def _negate(x):
    if isinstance(x, list):
        return [_negate(v) for v in x]
    return -x


def _close(got, want, tol: Tolerance) -> bool:
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return False
        return all(_close(g, w, tol) for g, w in zip(got, want))
    if isinstance(got, list):
        return False
    if isinstance(want, bool) or isinstance(got, bool):
        return bool(got) == bool(want)
    g, w = float(got), float(want)
    if math.isinf(w) or math.isinf(g):
        return g == w
    # binary noise (0.1 + 0.2 against 0.3) is forgiven relative to the value, and absolutely only at zero
    return abs(g - w) <= tol.bound(w) + (1e-15 * abs(w) if w else 1e-15)


def tolerance_for(precision: Precision, value: Any = None) -> Tolerance:
    """The one tolerance model: half a unit in the last digit the question asks for (Tolerance.bound).

    `dp` decimal places: +-0.5e-dp, and for values of 10 or more half a unit in the (dp + 1)-th
    significant figure (relative for large values, absolute near zero); `sig` significant figures: half
    a unit in the sig-th figure of the value. An answer printed to the stated precision is always
    accepted; one off by a unit in the last required digit never is (tests/test_tolerance.py)."""
    if precision.dp is not None:
        return Tolerance(dp=precision.dp, sig=precision.dp + 1)
    return Tolerance(sig=precision.sig)


def to_decimal(x: Any) -> Decimal:
    """Exact or high-precision conversion of a number to Decimal (no binary float noise for Rationals)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        return Decimal(int(x))
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, Fraction):
        with localcontext() as ctx:
            ctx.prec = WORKING_DIGITS
            return Decimal(x.numerator) / Decimal(x.denominator)
    if isinstance(x, sp.Basic):
        if x.is_Integer:
            return Decimal(int(x))
        if x.is_Rational:
            with localcontext() as ctx:
                ctx.prec = WORKING_DIGITS
                return Decimal(int(x.p)) / Decimal(int(x.q))
        v = sp.N(x, WORKING_DIGITS)
        if not v.is_Float and not v.is_Integer:
            raise TypeError(f"not a real number: {x}")
        if v.is_Float and huge_exponent(v):
            # past Decimal's range; and printing it would take mpmath time growing with the digits of the
            # exponent itself (issue 20: minutes for exp(-10**217006)); callers show it in scientific form
            raise InvalidOperation("exponent beyond the range of Decimal")
        return Decimal(str(v))
    # float / numpy scalar: the shortest repr is what the user would read
    return Decimal(repr(float(x)))


#: Binary exponents past this (decimal exponents past about 10**18, Decimal's own limit) are shown as
#: 10^(...) without a mantissa (solver.format), in time that does not grow with the exponent.
MAX_DECIMAL_BITS = 1 << 60


def huge_exponent(v: Any) -> bool:
    """True for a SymPy Float whose binary exponent is beyond MAX_DECIMAL_BITS."""
    mpf = getattr(v, "_mpf_", None)
    if mpf is None:
        return False
    _, man, exp, bc = mpf
    return bool(man) and abs(exp + bc) > MAX_DECIMAL_BITS


def is_finite(x: Any) -> bool:
    if isinstance(x, sp.Basic):
        return bool(x.is_finite)
    return math.isfinite(float(x))


def round_decimal(d: Decimal, precision: Precision) -> Decimal:
    """Half-away-from-zero rounding to decimal places or significant figures."""
    with localcontext() as ctx:
        # quantize needs every digit of the result within the context's precision (28 by default):
        # 1e308 to 4 dp has 313 (issue 9: decimal.InvalidOperation on large values)
        ctx.prec = max(ctx.prec, WORKING_DIGITS, (precision.sig or 0) + 3,
                       (d.adjusted() + precision.dp + 3) if precision.dp is not None else 0)
        ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN  # 4.2e-868588964 (a value SymPy's Floats reach) is out of the default range
        if precision.dp is not None:
            return d.quantize(Decimal(1).scaleb(-precision.dp), rounding=ROUND_HALF_UP)
        if d == 0:
            return d.quantize(Decimal(1).scaleb(-(precision.sig - 1)))
        exp = d.adjusted() - (precision.sig - 1)
        r = d.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP)
        if r.adjusted() > d.adjusted():  # 9.99 -> 10.0 gained a digit
            r = r.quantize(Decimal(1).scaleb(exp + 1), rounding=ROUND_HALF_UP)
        return r


def terminating(r: sp.Rational, max_digits: int = 12) -> str | None:
    """The exact decimal of a Rational when it terminates within `max_digits` places (1/8 -> 0.125)."""
    q = int(r.q)
    twos = fives = 0
    while q % 2 == 0:
        q //= 2
        twos += 1
    while q % 5 == 0:
        q //= 5
        fives += 1
    if q != 1:
        return None
    places = max(twos, fives)
    if places > max_digits:
        return None
    if not places:
        return str(int(r.p))
    with localcontext() as ctx:  # every digit of a long numerator (default precision: 28 digits)
        ctx.prec = max(ctx.prec, len(str(abs(int(r.p)))) + places + 3)
        d = Decimal(int(r.p)) / Decimal(int(r.q))
        return format(d.quantize(Decimal(1).scaleb(-places)), "f")


def to_json_number(x: Any):
    """A JSON number for x: int when integral and exact, float otherwise; infinities as the strings 'inf'/'-inf'."""
    if isinstance(x, bool):
        return x
    if isinstance(x, sp.Basic):
        if x.is_Integer:
            return int(x)
        if x == sp.oo:
            return "inf"
        if x == -sp.oo:
            return "-inf"
        if x is sp.nan:
            return "nan"
        x = float(x)  # a finite SymPy number beyond float64's range becomes inf: the strings below
    if isinstance(x, int):
        return x
    v = float(x)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if math.isnan(v):
        return "nan"
    return v


def from_json_number(x: Any) -> float | int | bool:
    if x == "inf":
        return math.inf
    if x == "-inf":
        return -math.inf
    if x == "nan":
        return math.nan
    return x


def exact(x: Any) -> sp.Rational:
    """An exact Rational from a user-level number: the float 0.1 becomes 1/10 (its shortest repr), not 3602879701896397/2**55."""
    if isinstance(x, sp.Basic):
        if x.is_Rational:
            return x
        if x.is_Float:
            return sp.Rational(str(x))
        raise TypeError(f"not a number: {x}")
    if isinstance(x, bool):
        return sp.Integer(int(x))
    if isinstance(x, int):
        return sp.Integer(x)
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    v = float(x)
    if not math.isfinite(v):
        raise ValueError("not a finite number")
    return sp.Rational(repr(v))
