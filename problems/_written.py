"""Formulas as a student writes them, shared by the information-theory and layer families.

SymPy's own classes print for programmers in plain text: Sum(x_i, (i, 1, m)), Min(c, Max(-c, g)) (with the
arguments re-sorted), Abs(g_i), log(x)/log(2). The classes here print "sum_i x_i" (in parentheses inside a
product: (sum_i x_i)/m), "min(max(g, -c), c)", "|g_i|", "max_i |g_i|" and "ln(x)"; their LaTeX is SymPy's or
written out. With numbers for arguments fmin, fmax and absval evaluate as Min, Max and Abs, so the step
builder (Derivation.compute) can evaluate them too.

It also holds the symbols of an instance: `isym("p", 2)` is p_2 (LaTeX p_{2}), `qsym` a named quantity such
as H(p), and `written`: a formula that depends on the instance (p_3 log(p_3 / q_3), x_1 + x_2 + x_3) built
in the order it is written, once per distinct arguments (see the comment above `written`).
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from solver.symbolic import sym

# ---- printed as written ---------------------------------------------------------------------------


class Sigma(sp.Sum):
    """A sum over one index, printed `sum_i f` in plain text, in parentheses inside a product ((sum_i x_i)/m).
    Build it with evaluation on (under evaluate(False) SymPy's Sum prints a spurious factor 1)."""

    precedence = PRECEDENCE["Add"]

    def _sympystr(self, printer):
        (i, _a, _b), = self.limits
        return "sum_%s %s" % (printer._print(i), printer.parenthesize(self.function, 45))


class _Written(sp.Function):
    """A function printed as written, arguments in the given order (SymPy's Min and Max sort theirs)."""

    _name = ""

    def _latex(self, printer, exp=None):
        tex = r"\%s\left(%s\right)" % (self._name, ", ".join(printer._print(a) for a in self.args))
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        return "%s(%s)" % (self._name, ", ".join(printer._print(a) for a in self.args))


class fmin(_Written):
    _name = "min"

    @classmethod
    def eval(cls, *args):
        return sp.Min(*args) if all(a.is_number for a in args) else None


class fmax(_Written):
    _name = "max"

    @classmethod
    def eval(cls, *args):
        return sp.Max(*args) if all(a.is_number for a in args) else None


class _Unary(sp.Function):
    """A one-argument function printed by `_tex` and `_txt` templates (a power as (...)^{n} in LaTeX)."""

    _tex = _txt = "%s"

    def _latex(self, printer, exp=None):
        tex = self._tex % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        return self._txt % printer._print(self.args[0])


class absval(_Unary):
    """|x|, printed |x| in plain text as well as in LaTeX."""

    _tex, _txt = r"\left|%s\right|", "|%s|"

    @classmethod
    def eval(cls, x):
        return abs(x) if x.is_number else None


class ln(_Unary):
    """Natural logarithm printed ln(x) / \\ln(x) as the notes write it; evaluates as SymPy's log."""

    _tex, _txt = r"\ln\left(%s\right)", "ln(%s)"

    @classmethod
    def eval(cls, x):
        return sp.Integer(0) if x == 1 else None

    def fdiff(self, argindex=1):
        return 1 / self.args[0]

    def _eval_rewrite_as_log(self, x, **kwargs):
        return sp.log(x)

    def _eval_evalf(self, prec):
        return sp.log(self.args[0])._eval_evalf(prec)


class maxover(sp.Function):
    """max_i f(i): the largest of the terms, printed max_i |g_i| (LaTeX \\max_{i})."""

    def _latex(self, printer, exp=None):
        f, i = self.args
        return r"\max_{%s} %s" % (printer._print(i), printer._print(f))

    def _sympystr(self, printer):
        f, i = self.args
        return "max_%s %s" % (printer._print(i), printer._print(f))


@lru_cache(maxsize=None)
def norm_formula(kind: str, letter: str) -> sp.Expr:
    """The 2-, 1- or max-norm ("2", "1", "inf") of a vector named `letter`: sqrt(sum_i g_i^2), sum_i |g_i|, max_i |g_i|."""
    i, xi = sym("i"), sym(f"{letter}_i", f"{letter}_{{i}}")
    if kind == "2":
        return sp.sqrt(Sigma(xi ** 2, (i, 1, sym("n"))))
    if kind == "1":
        return Sigma(absval(xi), (i, 1, sym("n")))
    return maxover(absval(xi), i)


# ---- the symbols of an instance ---------------------------------------------------------------------

@lru_cache(maxsize=None)
def isym(name: str, i: int, latex_name: str | None = None) -> sp.Symbol:
    """The i-th symbol of a family: isym("p", 2) is p_2 (LaTeX p_{2})."""
    return sym(f"{name}_{i}", f"{latex_name or name}_{{{i}}}")


@lru_cache(maxsize=None)
def qsym(text_name: str, latex_name: str) -> sp.Symbol:
    """A named quantity such as H(p) or KL(p||q) (plain-text and LaTeX spellings)."""
    return sym(text_name, latex_name)


# ---- formulas kept as written, built once ----------------------------------------------------------
#
# `with sp.evaluate(False)` keeps a formula in the order it is written, but entering and leaving it clears
# SymPy's whole cache (sympy.core.parameters), which costs milliseconds per call and slows every later SymPy
# operation. So a formula that depends on the instance (p_3 log(p_3 / q_3), z_1 - m) is built by `written`
# once per distinct arguments and kept: a warm solve builds none. The builders are module-level functions,
# so that the cache key (builder, arguments) repeats.

@lru_cache(maxsize=8192)
def written(build, *args) -> sp.Expr:
    """build(*args) under sp.evaluate(False), once per distinct arguments (SymPy expressions are immutable)."""
    with sp.evaluate(False):
        return build(*args)


def _xreplace(expr, pairs):
    return expr.xreplace(dict(pairs))


def _add(*terms):
    return sp.Add(*terms) if len(terms) > 1 else terms[0]


def _div(a, b):
    return a / b


def _sub(a, b):
    return a - b


def _exp(a):
    return sp.exp(a)


def _exp_sub(a, b):
    return sp.exp(a - b)


def _mul(a, b):
    return a * b


def _mean_of(*terms):
    return sp.Add(*terms) / sp.Integer(len(terms))


def _sqrt_sum_of_squares(*terms):
    return sp.sqrt(_add(*[t ** 2 for t in terms]))


def _sum_of_abs(*terms):
    return _add(*[absval(t) for t in terms])


def _max_of_abs(*terms):
    return fmax(*[absval(t) for t in terms])


def _sum_over(m, *terms):
    return _add(*terms) / m


def _squares_over(m, mean, *terms):
    return _add(*[(t - mean) ** 2 for t in terms]) / m


def _products(pairs):
    return _add(*[a * b for a, b in pairs])


def replaced(expr: sp.Expr, mapping: dict) -> sp.Expr:
    """expr.xreplace(mapping) kept as written (cached: see `written`)."""
    return written(_xreplace, expr, tuple(mapping.items()))


def entries(name: str, n: int, latex_name: str | None = None) -> tuple[sp.Symbol, ...]:
    """The symbols x_1, ..., x_n of a vector's entries."""
    return tuple(isym(name, k, latex_name) for k in range(1, n + 1))


def norm2(*terms) -> sp.Expr:
    """sqrt(x_1^2 + ... + x_n^2) as written."""
    return written(_sqrt_sum_of_squares, *terms)


def norm1(*terms) -> sp.Expr:
    """|x_1| + ... + |x_n| as written."""
    return written(_sum_of_abs, *terms)


def norm_inf(*terms) -> sp.Expr:
    """max(|x_1|, ..., |x_n|) as written."""
    return written(_max_of_abs, *terms)


def total(*terms) -> sp.Expr:
    """x_1 + ... + x_n as written."""
    return written(_add, *terms)


def mean(m, *terms) -> sp.Expr:
    """(x_1 + ... + x_n)/m as written."""
    return written(_sum_over, m, *terms)


def mean_square_deviation(m, centre, *terms) -> sp.Expr:
    """((x_1 - c)^2 + ... + (x_n - c)^2)/m as written."""
    return written(_squares_over, m, centre, *terms)


def dot(a, b) -> sp.Expr:
    """a_1 b_1 + ... + a_n b_n as written."""
    return written(_products, tuple(zip(a, b)))
