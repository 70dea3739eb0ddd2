"""What the exact path can compute: `Undefined` (a step with no finite value) and the size guard on a loss.

A typed loss can outgrow any computer: exp(exp(exp(exp(exp(x))))) at x = 0 needs e raised to 3.8 million, a
number of 1.6 million digits, and the step after it e raised to that. SymPy would evaluate it in arbitrary
precision (mpmath) for hours without a point where it can be stopped. `too_large` estimates every
exponential and power of an expression at a point in 53-bit floating point with an unbounded exponent (cheap)
and names the first one whose result would pass e^LOG_LIMIT, so the exact path can say so instead of trying.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mpmath
import sympy as sp

from solver import format as F
from solver.functions import relu, sigmoid
from solver.symbolic import text

#: The largest natural logarithm of a magnitude the exact path computes: e^100000 has 43,430 digits.
LOG_LIMIT = 100_000


class Undefined(Exception):
    """A step produced a division by zero, an infinite value or one too large to compute; `why` says which, in
    the user's words (empty: the usual zero denominator)."""

    def __init__(self, step: str, why: str = ""):
        super().__init__(step)
        self.why = why


class _Huge(Exception):
    def __init__(self, node: sp.Basic, log_size):
        self.node, self.log_size = node, log_size   # the natural log of the value's size (negative: tiny)


_UNARY = {sp.log: mpmath.log, sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan, sp.tanh: mpmath.tanh,
          sp.Abs: abs, sp.atan: mpmath.atan, sp.asin: mpmath.asin, sp.acos: mpmath.acos}
_GROWING = {sp.exp: mpmath.exp, sp.sinh: mpmath.sinh, sp.cosh: mpmath.cosh}   # e^|a| in size


def _mp(v: Any):
    if isinstance(v, sp.Basic):
        return v._to_mpmath(53) if v.is_Number else None
    return mpmath.mpf(v)


def _estimate(e: sp.Basic, values: Mapping[sp.Symbol, Any]):
    """e at values in 53-bit floats (None where unknown), raising _Huge past e^LOG_LIMIT."""
    if e in values:
        return _mp(values[e])
    if e.is_Number:
        return _mp(e)
    args = [_estimate(a, values) for a in e.args]
    if any(a is None for a in args):
        return None
    f = e.func
    if f is sp.Add:
        return mpmath.fsum(args)
    if f is sp.Mul:
        return mpmath.fprod(args)
    if f in _GROWING:
        (a,) = args
        if abs(mpmath.re(a)) > LOG_LIMIT:
            raise _Huge(e, mpmath.re(a) if f is sp.exp else abs(mpmath.re(a)))
        return _GROWING[f](a)
    if f is sp.Pow:
        base, ex = args
        if base == 0:
            return None
        size = mpmath.re(ex * mpmath.log(base))
        if abs(size) > LOG_LIMIT:
            raise _Huge(e, size)
        return mpmath.power(base, ex)
    if f in _UNARY:
        return _UNARY[f](args[0])
    if f is sigmoid:
        a = mpmath.re(args[0])
        return 1 / (1 + mpmath.exp(-a)) if a > -LOG_LIMIT else mpmath.mpf(0)
    if f is relu:
        return max(mpmath.re(args[0]), 0)
    if f in (sp.Max, sp.Min):
        real = [mpmath.re(a) for a in args]
        return max(real) if f is sp.Max else min(real)
    return None


def too_large(expr: sp.Expr, values: Mapping[sp.Symbol, Any]) -> str | None:
    """None when `expr` at `values` stays within e^LOG_LIMIT everywhere; else what outgrows it, in words."""
    try:
        with mpmath.workprec(53):
            _estimate(expr, values)
    except _Huge as h:
        power = F.text(sp.Float(h.log_size / mpmath.log(10), 15), 3)
        what = text(h.node)
        what = what if len(what) <= 60 else ("an exponential" if h.node.func in _GROWING else "a power") + " in it"
        size = "a number of that many digits" if h.log_size > 0 else "a number with that many zeros after the point"
        return (f"{what} would be about 10^{power}, {size} (exact working stops at 10^43429 and 10^-43429, "
                f"e^{LOG_LIMIT} and e^-{LOG_LIMIT})")
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):   # no estimate: let the evaluation decide
        return None
    return None


__all__ = ["LOG_LIMIT", "Undefined", "too_large"]
