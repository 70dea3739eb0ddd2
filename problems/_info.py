"""Shared helpers of the information-theory families: log bases, probability rows, sums of terms, softmax.

Used by entropy, cross_entropy, kl_divergence, binary_cross_entropy and softmax. It holds
- the `base` parameter (e, 2 or 10) and its units (nats, bits, hartleys), the logarithm written as the
  notes write it (\\ln for base e; \\log_{2} and \\log_{10} through solver.functions.logb), and the step
  that gives a value in the other two units;
- the checks on probability rows (no negative entry; each row sums to 1 within 1e-9, or is rescaled
  when the user passes normalize=true), with messages naming the field and the row;
- the worked sums (entropy, KL divergence, cross-entropy of one row) shared by the families;
- the exact softmax, shifted by the row maximum, shared by softmax and cross-entropy from logits, with
  1 - p_i computed from the other classes so that a p_i close to 1 keeps its precision (its exponentials and
  logarithms evaluated with mpmath at 60 digits and kept as 40-digit Floats: the values of the exact SymPy
  expressions, without SymPy's evalf cost);
- `written`: instance formulas (p_3 log(p_3 / q_3)) built under evaluate(False) once and cached, since
  entering evaluate(False) clears SymPy's cache (see the comment above `written`);
- the float64 NumPy versions of the same rules for the numeric paths (NumPy only, no scipy);
- generators of distributions that sum exactly to 1 (2-decimal probabilities).
Rules that are not choices: 0 log 0 = 0 (the limit of p log p as p -> 0), and p log(p / 0) = inf for
p > 0 (a code built for q cannot encode an outcome that q calls impossible); an infinite value is an
answer (scipy and torch return inf too), not an error.
"""
from __future__ import annotations

import dataclasses
from contextlib import nullcontext
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import sympy as sp

from solver.functions import logb
from solver.numbers import WORKING_DIGITS, Precision, Tolerance, format_number
from solver.params import Bool, Choice, InvalidInput, Param, as_exact, as_float
from solver.steps import Answer, Math, Step
from solver.symbolic import Derivation, evaluate, finish, latex, make_answer, number_latex, number_text, sym, text

# ---- logarithms and units ----------------------------------------------------------------------------


class ln(sp.Function):
    """Natural logarithm printed ln(x) / \\ln(x) as the notes write it; evaluates as SymPy's log."""

    @classmethod
    def eval(cls, x):
        if x == 1:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        return 1 / self.args[0]

    def _eval_rewrite_as_log(self, x, **kwargs):
        return sp.log(x)

    def _eval_evalf(self, prec):
        return sp.log(self.args[0])._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        tex = r"\ln\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        return "ln(%s)" % printer._print(self.args[0])


class Sigma(sp.Sum):
    """A sum over one index, printed `sum_i (...)` in plain text (SymPy's Sum prints as code there)."""

    def _sympystr(self, printer):
        (i, _a, _b), = self.limits
        return "sum_%s %s" % (printer._print(i), printer.parenthesize(self.function, 45))


BASES = ("e", "2", "10")
UNIT = {"e": "nats", "2": "bits", "10": "hartleys"}
BASE_WORDS = {"e": "natural logarithm", "2": "logarithm base 2", "10": "logarithm base 10"}


def LOG(x, base: str):
    """log_b(x) as the notes write it: ln(x), log_2(x) or log_10(x)."""
    if base == "e":
        return ln(x)
    return logb(x, sp.Integer(int(base)))


def ln_base(base: str) -> sp.Expr:
    """ln(b): one unit of base b in nats (1 for e)."""
    return sp.Integer(1) if base == "e" else sp.log(int(base))


def np_ln_base(base: str) -> float:
    return 1.0 if base == "e" else float(np.log(float(base)))


BASE_PARAM = Param(
    "base", Choice({"e": "natural logarithm: values in nats", "2": "logarithm base 2: values in bits",
                    "10": "logarithm base 10: values in hartleys (bans)"},
                   aliases={"ln": "e", "nat": "e", "nats": "e", "log2": "2", "bit": "2", "bits": "2",
                            "log10": "10", "hartley": "10", "hartleys": "10", "ban": "10", "bans": "10"}),
    default="e", label="Logarithm base",
    help="e (nats; the default, as in scipy, torch and notes 004's cross-entropy), 2 (bits) or 10 (hartleys)",
    cues={"2": ("bits", "in bits", "log base 2", "base 2", "base-2", "log_2", "log2", "binary logarithm"),
          "e": ("nats", "in nats", "natural log", "natural logarithm", "ln", "base e", "natural-log"),
          "10": ("hartleys", "bans", "log base 10", "base 10", "log_10", "log10", "decimal logarithm")},
)
NORMALIZE_PARAM = Param(
    "normalize", Bool(), default="false", label="Rescale rows to sum to 1",
    help="divide each probability row by its sum (otherwise a row that does not sum to 1 is rejected)",
    cues={"true": ("normalise the counts", "normalize the counts", "rescale to sum to 1", "normalised", "counts")},
)

#: Exam display: 4 decimal places, accepting half a unit in the last place.
DP4 = Precision(dp=4)
TOL4 = Tolerance(abs=5e-5)
#: Answers that can be tiny (1 - p of a saturated softmax is 7.552e-42): 4 significant figures.
SIG4 = Precision(sig=4)
TOL_REL = Tolerance(rel=5e-4)

#: Hand-sized limits of the exact path: per-term steps for at most MAX_TERM_STEPS outcomes, worked
#: groups for the first MAX_DETAIL_ROWS rows (every row is in the summary table).
MAX_TERM_STEPS = 6
#: Sums written out term by term for at most this many terms (the value alone above it).
MAX_SUM_TERMS = 12
MAX_DETAIL_ROWS = 10
#: Above this many entries in all, `auto` takes the numeric path.
MAX_EXACT_ENTRIES = 400


#: Vector answers with more entries than this (numeric path, large batches) are displayed abridged.
BIG_ANSWER = 200


def answer(name: str, value: Any, base: str | None = None, *, precision: Precision = DP4,
           tolerance: Tolerance = TOL4, unit: str | None = None):
    """An answer with its unit; a NumPy array is a vector/matrix answer (abridged display when large)."""
    unit = unit if unit is not None else (UNIT[base] if base else "")
    if isinstance(value, np.ndarray):
        if value.size > BIG_ANSWER:
            return _big_answer(name, value, precision, tolerance, unit)
        value = _nested_tuple(value)
    return make_answer(name, value, precision=precision, tolerance=tolerance, unit=unit)


def _nested_tuple(a: np.ndarray):
    return tuple(_nested_tuple(x) for x in a) if a.ndim > 1 else tuple(float(x) for x in a)


def _big_answer(name, a: np.ndarray, precision, tolerance, unit) -> Answer:
    """A large array answer: the full data as JSON, the display abridged to its first entries (formatting every
    one of 10^5 numbers for display would dominate the numeric path)."""
    data = a.tolist()
    if not np.isfinite(a).all():
        data = _json_inf(data)
    first = a[:3] if a.ndim > 1 else a[:6]
    shown = make_answer(name, _nested_tuple(first), precision=precision, tolerance=tolerance, unit=unit)
    more = f" ... ({' x '.join(map(str, a.shape))} values)"
    disp = shown.display[:-1] + more + shown.display[-1]
    return Answer(name, data, disp, shown.latex + r"\ \ldots\ (	ext{%s values})" % " x ".join(map(str, a.shape)),
                  tolerance, unit)


def _json_inf(x):
    if isinstance(x, list):
        return [_json_inf(v) for v in x]
    if x == np.inf:
        return "inf"
    if x == -np.inf:
        return "-inf"
    return x


def attach(d: Derivation, *answers) -> None:
    """Attach answers to the step just added (Derivation.compute has no unit argument)."""
    steps = d._stack[-1]
    steps[-1] = dataclasses.replace(steps[-1], answers=steps[-1].answers + tuple(answers))


def exact_value(v):
    """A 40-digit Float (or the exact Rational / oo) for an exact SymPy expression."""
    return finish(sp.sympify(v)) if not isinstance(v, sp.Basic) else finish(v)


# ---- symbols ---------------------------------------------------------------------------------------------

i_, K_, m_ = sym("i"), sym("K"), sym("m")
p_i, q_i, s_i, t_i, z_i = (sym("p_i", "p_{i}"), sym("q_i", "q_{i}"), sym("s_i", "s_{i}"), sym("t_i", "t_{i}"),
                           sym("z_i", "z_{i}"))


@lru_cache(maxsize=None)
def isym(name: str, i: int, latex_name: str | None = None) -> sp.Symbol:
    """The i-th symbol of a family: isym("p", 2) is p_2 (LaTeX p_{2})."""
    return sym(f"{name}_{i}", f"{latex_name or name}_{{{i}}}")


@lru_cache(maxsize=None)
def qsym(text_name: str, latex_name: str) -> sp.Symbol:
    """A named quantity such as H(p) or KL(p||q) (plain-text and LaTeX spellings)."""
    return sym(text_name, latex_name)


# ---- formulas kept as written, built once ----------------------------------------------------------------
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


def replaced(expr: sp.Expr, mapping: dict) -> sp.Expr:
    """expr.xreplace(mapping) kept as written (cached: see `written`)."""
    return written(_xreplace, expr, tuple(mapping.items()))


def instance(expr: sp.Expr, index: int, names: Sequence[tuple[sp.Symbol, str]]) -> sp.Expr:
    """The general formula with each symbol x_i replaced by x_<index>, kept as written."""
    return replaced(expr, {s: isym(n, index) for s, n in names})


def formula_step(d: Derivation, title: str, lhs: Any, rhs: Any, *, text_rhs: str | None = None, text_: str = ""):
    """A formula step (LaTeX from SymPy; the plain text may be written by hand). `rhs` may be a tuple of
    equal forms, printed as a chain lhs = a = b."""
    forms = rhs if isinstance(rhs, tuple) else (rhs,)
    f = Math(f"{latex(lhs)} = " + " = ".join(latex(r) for r in forms),
             f"{text(lhs)} = {text_rhs if text_rhs is not None else ' = '.join(text(r) for r in forms)}")
    return d.add(Step("formula", title, text=text_, formula=f))


def vec_text(v) -> str:
    return number_text(tuple(v))


def listing(ks: Sequence[int]) -> str:
    ks = list(ks)
    if len(ks) <= 6:
        return ", ".join(map(str, ks))
    return ", ".join(map(str, ks[:5])) + f", ... ({len(ks)} in all)"


# ---- probability rows ---------------------------------------------------------------------------------

SUM_TOL = 1e-9


def rows_of(value) -> tuple[tuple, ...]:
    """A parsed Matrix (tuple of rows, or a float array from the API) as exact rows of Rationals."""
    if isinstance(value, np.ndarray):
        return as_exact(value if value.ndim == 2 else value.reshape(1, -1))
    return value


def head_rows(value, n: int = 6) -> tuple[tuple[tuple, ...], int]:
    """The first n rows, exact (for statements), and the number of rows; cheap on a large array."""
    if isinstance(value, np.ndarray):
        a = value if value.ndim == 2 else value.reshape(1, -1)
        return as_exact(a[:n]), a.shape[0]
    return value[:n], len(value)


def shape_of(M) -> tuple[int, int]:
    if isinstance(M, np.ndarray):
        return M.shape if M.ndim == 2 else (1, M.shape[0])
    if M and isinstance(M[0], tuple):
        return len(M), len(M[0])
    return 1, len(M)


def size_of(*values) -> int:
    n = 0
    for v in values:
        if v is None:
            continue
        r, c = shape_of(v)
        n += r * c
    return n


def any_array(*values) -> bool:
    return any(isinstance(v, np.ndarray) for v in values)


def _row_name(field: str, r: int, n: int) -> str:
    return f"row {r + 1} of '{field}'" if n > 1 else f"'{field}'"


def check_prob_rows(value, field: str, family: str, normalize: bool) -> None:
    """Reject negative entries and all-zero rows, and (unless normalize) rows whose sum is not 1 within 1e-9."""
    where = f"The '{field}' parameter of {family}"
    if isinstance(value, np.ndarray):
        a = value if value.ndim == 2 else value.reshape(1, -1)
        neg = np.argwhere(a < 0)
        if neg.size:
            r, c = (int(x) for x in neg[0])
            raise InvalidInput(field, f"{where} must hold probabilities, with no negative entries: entry {c + 1} of "
                                      f"{_row_name(field, r, a.shape[0])} is {format_number(a[r, c], Precision(sig=6), strip=True)}.")
        sums = a.sum(axis=1)
        zero = np.flatnonzero(sums == 0)
        if zero.size:
            raise InvalidInput(field, f"{where} must hold probability rows: {_row_name(field, int(zero[0]), a.shape[0])} "
                                      "is all zeros, so it is not a distribution and cannot be rescaled.")
        bad = np.flatnonzero(np.abs(sums - 1) > SUM_TOL)
        if bad.size and not normalize:
            r = int(bad[0])
            raise InvalidInput(field, _sum_message(where, field, r, a.shape[0],
                                                   format_number(sums[r], Precision(sig=10), strip=True)))
        return
    for r, row in enumerate(value):
        for c, v in enumerate(row):
            if v < 0:
                raise InvalidInput(field, f"{where} must hold probabilities, with no negative entries: entry {c + 1} of "
                                          f"{_row_name(field, r, len(value))} is {number_text(v)}.")
        s = sum(row, sp.Integer(0))
        if s == 0:
            raise InvalidInput(field, f"{where} must hold probability rows: {_row_name(field, r, len(value))} is all "
                                      "zeros, so it is not a distribution and cannot be rescaled.")
        if not normalize and abs(s - 1) > sp.Rational(1, 10**9):
            raise InvalidInput(field, _sum_message(where, field, r, len(value), number_text(s, 10)))


def _sum_message(where: str, field: str, r: int, n: int, s: str) -> str:
    return (f"{where} must hold probabilities that sum to 1: {_row_name(field, r, n)} sums to {s}, not 1; "
            f"pass normalize=true to rescale it.")


def prepare_rows(d: Derivation, value, name: str, normalize: bool) -> tuple[tuple, ...]:
    """Exact probability rows; rescaled, with a step saying so, when normalize is on and a sum is not 1."""
    rows = rows_of(value)
    sums = [sum(r, sp.Integer(0)) for r in rows]
    off = [(k, s) for k, s in enumerate(sums) if s != 1]
    if normalize and off:
        out = tuple(tuple(v / s for v in r) for r, s in zip(rows, sums))
        listed = "; ".join(f"row {k + 1} sums to {number_text(s)}" for k, s in off[:6])
        more = "" if len(off) <= 6 else f" (and {len(off) - 6} more rows)"
        shown = "; ".join(vec_text(r) for r in out[:MAX_DETAIL_ROWS]) + (" ..." if len(out) > MAX_DETAIL_ROWS else "")
        d.note(f"Rescale {name} to sum to 1",
               f"normalize=true: each row of {name} is divided by its sum so that it is a probability distribution "
               f"({listed}{more}). Rescaled: {name} = {shown}.")
        return out
    if off:
        d.note(f"Row sums of {name}", "; ".join(f"row {k + 1} sums to {number_text(s, 12)}" for k, s in off[:5])
               + f": within {SUM_TOL:g} of 1, so {name} is used as given.")
    return rows


def float_rows(value, normalize: bool = False) -> np.ndarray:
    a = as_float(value)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if normalize:
        a = a / a.sum(axis=1, keepdims=True)
    return a


def is_one_hot(row) -> bool:
    return all(v == 0 or v == 1 for v in row) and sum(1 for v in row if v == 1) == 1


# ---- the formulas, written once per base ---------------------------------------------------------------

with sp.evaluate(False):
    SURPRISE = {b: LOG(1 / p_i, b) for b in BASES}                              # s_i = log(1/p_i)
    KL_TERM = {b: p_i * LOG(p_i / q_i, b) for b in BASES}                       # t_i = p_i log(p_i / q_i)
    CE_TERM = {b: -(p_i * LOG(q_i, b)) for b in BASES}                          # t_i = -p_i log q_i
# (sums built with evaluation on: Sum under evaluate(False) prints a spurious factor 1)
ENTROPY_DEF = {b: -Sigma(p_i * LOG(p_i, b), (i_, 1, K_)) for b in BASES}         # H(p) = -sum p_i log p_i
KL_DEF = {b: Sigma(p_i * LOG(p_i / q_i, b), (i_, 1, K_)) for b in BASES}        # KL = sum p_i log(p_i / q_i)
CE_DEF = {b: -Sigma(p_i * LOG(q_i, b), (i_, 1, K_)) for b in BASES}             # H(p, q) = -sum p_i log q_i

ENTROPY_DEF_S = {b: Sigma(p_i * LOG(1 / p_i, b), (i_, 1, K_)) for b in BASES}   # = sum p_i log(1/p_i)
ENTROPY_TEXT = {b: f"-sum_i p_i {text(LOG(p_i, b))} = sum_i p_i {text(LOG(1 / p_i, b))}" for b in BASES}

_X = {b: qsym(f"X_{UNIT[b]}", r"X_{\text{%s}}" % UNIT[b]) for b in BASES}
with sp.evaluate(False):
    CONVERT = {  # X_c = X_b log_c(b)
        ("2", "e"): _X["2"] * ln(2), ("10", "e"): _X["10"] * ln(10),
        ("e", "2"): _X["e"] / ln(2), ("e", "10"): _X["e"] / ln(10),
        ("2", "10"): _X["2"] * logb(2, 10), ("10", "2"): _X["10"] * logb(10, 2),
    }


def is_inf(v) -> bool:
    if isinstance(v, sp.Basic):
        return v in (sp.oo, sp.zoo)
    return bool(np.isinf(v))


def convert_units(d: Derivation, value, base: str, name: str, latex_name: str) -> dict[str, Any]:
    """Steps giving `value` (in base `base`) in the other two units; returns {base: value} for all three."""
    out = {base: value}
    if is_inf(value):
        d.note("The other units", f"{name} is infinite in every base.")
        return out
    src = qsym(f"{name}[{UNIT[base]}]", r"%s_{\text{%s}}" % (latex_name, UNIT[base]))
    with d.group("The same value in the other units",
                 text="Changing the base of the logarithm only rescales: log_c(x) = log_b(x) log_c(b). "
                      "1 bit = ln 2 = 0.693147 nats; 1 hartley = ln 10 = 2.302585 nats = log2(10) = 3.321928 bits."):
        for c in BASES:
            if c == base:
                continue
            lhs = qsym(f"{name}[{UNIT[c]}]", r"%s_{\text{%s}}" % (latex_name, UNIT[c]))
            expr = CONVERT[(base, c)].xreplace({_X[base]: src})
            out[c] = d.compute(f"In {UNIT[c]}", lhs, expr, {src: value})
    return out


# ---- the sums, step by step (exact path) --------------------------------------------------------------

def _sum_of(d: Derivation, title: str, lhs, parts: list[tuple[sp.Expr, dict]], *, infinite: bool, text_: str):
    """lhs = part_1 + part_2 + ... with the values substituted; the value is oo when a term is infinite."""
    vals: dict = {}
    for _, v in parts:
        vals.update(v)
    exprs = [e for e, _ in parts]
    expr = written(_add, *exprs) if exprs else sp.Integer(0)
    if len(parts) == 1 and isinstance(expr, sp.Symbol):
        (e, v), = parts
        value = sp.oo if infinite else evaluate(e, v)
        one = "Only one term is non-zero, so the sum is that term." if not infinite else ""
        return d.add(Step("compute", title, text=" ".join(x for x in (text_, one) if x),
                          formula=Math(f"{latex(lhs)} = {latex(expr)}", f"{text(lhs)} = {text(expr)}"),
                          value=Math(f"{latex(lhs)} = {number_latex(value)}", f"{text(lhs)} = {number_text(value)}"))), value
    if len(parts) > MAX_SUM_TERMS:
        value = sp.oo if infinite else finish(sum((evaluate(e, v) for e, v in parts), sp.Integer(0)))
        return d.add(Step("compute", title, text=text_ + f" ({len(parts)} terms, listed in the table above.)",
                          value=Math(f"{latex(lhs)} = {number_latex(value)}", f"{text(lhs)} = {number_text(value)}"))), value
    value = d.compute(title, lhs, expr, vals, value=sp.oo if infinite else None, text=text_)
    return d._stack[-1][-1], value


def entropy_row(d: Derivation, row, base: str, *, lhs=None, answer_name: str | None = None, steps: bool = True,
                surprise_answer: str | None = None):
    """H(p) of one exact row: the surprise of each outcome, then the probability-weighted sum. `surprise_answer`
    names an answer holding every outcome's surprise (infinite for p_i = 0), attached to the surprise step."""
    lhs = lhs if lhs is not None else qsym("H(p)", "H(p)")
    zeros = [k for k, v in enumerate(row, 1) if v == 0]
    live = [(k, v) for k, v in enumerate(row, 1) if v != 0]
    show = steps and len(live) <= MAX_TERM_STEPS
    surprises: dict[int, Any] = {}
    with (d.group("The surprise of each outcome",
                  text=f"The surprise of an outcome of probability p_i is s_i = {text(SURPRISE[base])} = "
                       f"-{text(LOG(p_i, base))}: 0 for a certain outcome, large for a rare one.")
          if show else nullcontext()):
        for k, v in live:
            expr = instance(SURPRISE[base], k, [(p_i, "p")])
            surprises[k] = (d.compute(f"Outcome {k}", isym("s", k), expr, {isym("p", k): v}) if show
                            else evaluate(expr, {isym("p", k): v}))
    all_surprises = tuple(surprises.get(k, sp.oo) for k in range(1, len(row) + 1))
    if show and surprise_answer:
        attach(d, answer(surprise_answer, all_surprises, base))
    if zeros:
        d.note("Outcomes with probability 0",
               f"Outcome{'s' if len(zeros) > 1 else ''} {listing(zeros)} ha{'ve' if len(zeros) > 1 else 's'} p_i = 0: "
               "its surprise log(1/0) is infinite, but it never happens, and its contribution p_i log(1/p_i) is "
               "0 log 0 = 0 (the limit of p log p as p -> 0).")
    if not show:
        d.table("The surprise of each outcome",
                ["i", Math("p_{i}", "p_i"), Math("s_{i} = " + latex(SURPRISE[base]), "s_i = " + text(SURPRISE[base])),
                 Math("p_{i} s_{i}", "p_i s_i")],
                [(str(k), v, surprises.get(k, sp.oo), (v * surprises[k] if v != 0 else sp.Integer(0)))
                 for k, v in enumerate(row, 1)])
        if surprise_answer:
            attach(d, answer(surprise_answer, all_surprises, base))
    parts = [(written(_mul, isym("p", k), isym("s", k)), {isym("p", k): v, isym("s", k): surprises[k]}) for k, v in live]
    step, value = _sum_of(d, "Entropy: the probability-weighted surprise", lhs, parts, infinite=False,
                          text_=f"H(p) = sum_i p_i s_i, in {UNIT[base]}"
                                + (" (the outcomes with p_i = 0 add nothing)." if zeros else "."))
    if answer_name:
        attach(d, answer(answer_name, value, base))
    return value


def kl_row(d: Derivation, p, q, base: str, *, names=("p", "q"), lhs=None, answer_name: str | None = None,
           steps: bool = True, title: str | None = None):
    """KL(p || q) of one exact row: each term p_i log(p_i / q_i), then the sum (oo when q_i = 0 < p_i)."""
    a, b = names
    lhs = lhs if lhs is not None else kl_symbol(a, b)
    zeros = [k for k, v in enumerate(p, 1) if v == 0]
    live = [(k, v, w) for k, (v, w) in enumerate(zip(p, q), 1) if v != 0]
    infinite = [k for k, v, w in live if w == 0]
    show = steps and len(live) <= MAX_TERM_STEPS
    terms: dict[int, Any] = {}
    gen = instance_names(a, b)
    with (d.group(title or f"The terms {a}_i log({a}_i / {b}_i)") if show else nullcontext()):
        for k, v, w in live:
            expr = instance(KL_TERM[base], k, gen)
            vals = {isym(a, k): v, isym(b, k): w}
            if w == 0:
                terms[k] = sp.oo
                if show:
                    d.compute(f"Term {k}: {b}_{k} = 0 but {a}_{k} > 0", isym("t", k), expr, vals, value=sp.oo,
                              text=f"{a}_{k} log({a}_{k} / 0) is infinite: {b} gives probability 0 to an outcome that "
                                   f"{a} says happens with probability {number_text(v)}.")
                continue
            terms[k] = d.compute(f"Term {k}", isym("t", k), expr, vals) if show else evaluate(expr, vals)
    if zeros:
        d.note(f"Terms with {a}_i = 0", f"Outcome{'s' if len(zeros) > 1 else ''} {listing(zeros)}: {a}_i = 0, so the "
               f"term is 0 log(0 / {b}_i) = 0 (0 log 0 = 0, even when {b}_i = 0).")
    if not show:
        d.table(title or f"The terms {a}_i log({a}_i / {b}_i)", ["i", Math(f"{a}_{{i}}", f"{a}_i"), Math(f"{b}_{{i}}", f"{b}_i"),
                                                                  Math("t_{i}", "t_i")],
                [(str(k), v, w, terms.get(k, sp.Integer(0))) for k, (v, w) in enumerate(zip(p, q), 1)])
    parts = [(isym("t", k), {isym("t", k): terms[k]}) for k, _, _ in live]
    txt = (f"Some {b}_i = 0 where {a}_i > 0 (outcome {listing(infinite)}), so the divergence is infinite."
           if infinite else f"Add the terms, in {UNIT[base]}.")
    _, value = _sum_of(d, f"KL({a} || {b})", lhs, parts, infinite=bool(infinite), text_=txt)
    if answer_name:
        attach(d, answer(answer_name, value, base))
    return value


def ce_row(d: Derivation, p, q, base: str, *, lhs=None, answer_name: str | None = None, steps: bool = True,
           logq: Sequence | None = None):
    """H(p, q) of one exact row: each term -p_i log q_i, then the sum (oo when q_i = 0 < p_i).

    `logq`: exact ln q_i (from a log-softmax) used for the values, so a q_i near 0 or 1 keeps its precision.
    """
    lhs = lhs if lhs is not None else qsym("H(p,q)", "H(p, q)")
    zeros = [k for k, v in enumerate(p, 1) if v == 0]
    live = [(k, v, w) for k, (v, w) in enumerate(zip(p, q), 1) if v != 0]
    infinite = [k for k, v, w in live if w == 0]
    show = steps and len(live) <= MAX_TERM_STEPS
    terms: dict[int, Any] = {}
    with (d.group("The terms -p_i log q_i") if show else nullcontext()):
        for k, v, w in live:
            expr = instance(CE_TERM[base], k, [(p_i, "p"), (q_i, "q")])
            vals = {isym("p", k): v, isym("q", k): w}
            if w == 0:
                terms[k] = sp.oo
                if show:
                    d.compute(f"Term {k}: q_{k} = 0 but p_{k} > 0", isym("t", k), expr, vals, value=sp.oo,
                              text=f"-p_{k} log 0 is infinite: the prediction q gives probability 0 to an outcome that "
                                   f"happens with probability {number_text(v)}.")
                continue
            value = None
            if logq is not None:
                value = finish(-v * logq[k - 1] / ln_base(base))
            terms[k] = (d.compute(f"Term {k}", isym("t", k), expr, vals, value=value) if show
                        else (value if value is not None else evaluate(expr, vals)))
    if zeros:
        d.note("Terms with p_i = 0", f"Outcome{'s' if len(zeros) > 1 else ''} {listing(zeros)}: p_i = 0, so the term "
               "-p_i log q_i is 0 (0 log 0 = 0 when q_i = 0 too); only the outcomes with p_i > 0 count.")
    if not show:
        d.table("The terms -p_i log q_i", ["i", Math("p_{i}", "p_i"), Math("q_{i}", "q_i"), Math("t_{i}", "t_i")],
                [(str(k), v, w, terms.get(k, sp.Integer(0))) for k, (v, w) in enumerate(zip(p, q), 1)])
    parts = [(isym("t", k), {isym("t", k): terms[k]}) for k, _, _ in live]
    txt = (f"q_i = 0 where p_i > 0 (outcome {listing(infinite)}), so the cross-entropy is infinite."
           if infinite else f"Add the terms, in {UNIT[base]}.")
    _, value = _sum_of(d, "Cross-entropy", lhs, parts, infinite=bool(infinite), text_=txt)
    if answer_name:
        attach(d, answer(answer_name, value, base))
    return value


def instance_names(a: str, b: str):
    return [(p_i, a), (q_i, b)]


@lru_cache(maxsize=None)
def kl_symbol(a: str, b: str) -> sp.Symbol:
    return qsym(f"KL({a}||{b})", r"D_{\mathrm{KL}}(%s \parallel %s)" % (a, b))


# ---- the same values without steps (rows beyond the worked ones) --------------------------------------

def entropy_value(row, base: str):
    return exact_value(-sp.Add(*(v * sp.log(v) for v in row if v != 0)) / ln_base(base))


def kl_value(p, q, base: str):
    if any(v != 0 and w == 0 for v, w in zip(p, q)):
        return sp.oo
    return exact_value(sp.Add(*(v * sp.log(v / w) for v, w in zip(p, q) if v != 0)) / ln_base(base))


def ce_value(p, q, base: str, logq: Sequence | None = None):
    if logq is None and any(v != 0 and w == 0 for v, w in zip(p, q)):
        return sp.oo
    logs = logq if logq is not None else [sp.log(w) if w != 0 else sp.Integer(0) for w in q]
    return exact_value(-sp.Add(*(v * lg for v, lg in zip(p, logs) if v != 0)) / ln_base(base))


# ---- softmax, exact -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SoftmaxRow:
    """The exact pieces of one softmax row: scaled scores u, max m, exps e_i = exp(u_i - m), sum S, and
    p_i = e_i / S, 1 - p_i = (sum_{j != i} e_j) / S, ln p_i = u_i - m - ln S (all exact expressions)."""

    u: tuple
    m: Any
    shifted: tuple
    e: tuple
    S: Any
    p: tuple
    comp: tuple
    logp: tuple


#: Working precision (decimal digits) of the mpmath evaluation of exponentials and logarithms: well above
#: the 40 digits (WORKING_DIGITS) the steps carry, so the rounded Floats are those of the exact expressions.
MP_DPS = 60


def _mpf(x):
    """An exact SymPy number (Rational, or Float) as an mpmath mpf at the current precision."""
    import mpmath

    if isinstance(x, sp.Rational) or isinstance(x, int):
        x = sp.Rational(x)
        return mpmath.mpf(int(x.p)) / int(x.q)
    return mpmath.mpf(sp.Float(x, MP_DPS)._mpf_)


def _to_float(x) -> sp.Float:
    return sp.Float(x, WORKING_DIGITS)


def exp_values(xs: Sequence) -> tuple[tuple, Any]:
    """(exp(x) for x in xs, their sum) as 40-digit Floats, computed with mpmath; exp(0) stays the exact 1 (and a
    sum of exact 1s the exact integer). The same values as evaluating SymPy's exp(x) and Add, without its cost."""
    import mpmath

    with mpmath.workdps(MP_DPS):
        es = [mpmath.exp(_mpf(x)) for x in xs]
        total = mpmath.fsum(es)
    vals = tuple(sp.Integer(1) if x == 0 else _to_float(e) for x, e in zip(xs, es))
    S = sp.Integer(len(xs)) if all(x == 0 for x in xs) else _to_float(total)
    return vals, S


def softmax_exact(z: Sequence, T=1) -> SoftmaxRow:
    """The pieces of one softmax row. u, m and the shifted scores are exact; the exponentials and what follows
    from them are 40-digit Floats computed with mpmath at MP_DPS digits (exact Rationals when every score is
    the same, so that p = 1/K exactly), which is what evaluating the exact SymPy expressions would give."""
    import mpmath

    u = tuple(sp.Rational(v) / T for v in z) if T != 1 else tuple(z)
    m = max(u)
    shifted = tuple(v - m for v in u)
    K = len(shifted)
    if all(s == 0 for s in shifted):  # every score equal: p = 1/K exactly
        one = sp.Integer(1)
        return SoftmaxRow(u, m, shifted, (one,) * K, sp.Integer(K), (sp.Rational(1, K),) * K,
                          (sp.Rational(K - 1, K),) * K, (-sp.log(K),) * K)
    with mpmath.workdps(MP_DPS):
        es = [mpmath.exp(_mpf(s)) for s in shifted]
        S = mpmath.fsum(es)
        p = [x / S for x in es]
        comp = [mpmath.fsum(es[j] for j in range(K) if j != k) / S for k in range(K)]
        logS = mpmath.log(S)
        logp = [_mpf(s) - logS for s in shifted]
    e = tuple(sp.Integer(1) if s == 0 else _to_float(x) for s, x in zip(shifted, es))
    return SoftmaxRow(u, m, shifted, e, _to_float(S), tuple(map(_to_float, p)), tuple(map(_to_float, comp)),
                      tuple(map(_to_float, logp)))


class vmax(sp.Function):
    """max(a, b, ...) printed as written (SymPy's Max sorts its arguments); evaluated by the caller."""

    def _latex(self, printer, exp=None):
        return r"\max\left(%s\right)" % ", ".join(printer._print(a) for a in self.args)

    def _sympystr(self, printer):
        return "max(%s)" % ", ".join(printer._print(a) for a in self.args)


#: Per-element exponential steps for at most this many classes (a vector step above it).
MAX_EXP_STEPS = 4


def softmax_steps(d: Derivation, z: Sequence, T=1, *, qname: str = "p", why: bool = True) -> SoftmaxRow:
    """Worked softmax of one row: (divide by T), subtract the max (and why), exponentials, sum, normalise."""
    r = softmax_exact(z, T)
    K = len(z)
    zv = qsym("z", r"\mathbf{z}")
    letter = "z"
    if T != 1:
        uv, Tsym = qsym("u", r"\mathbf{u}"), qsym("T", "T")
        expr = written(_div, zv, Tsym)
        d.compute("Divide the scores by the temperature", uv, expr, {zv: tuple(z), Tsym: T}, value=r.u,
                  text="u = z / T: a temperature T > 1 flattens the distribution, T < 1 sharpens it.")
        zv, letter = uv, "u"
    if why:
        d.note("Subtract the maximum first (numerical stability)",
               "softmax(z - c) = softmax(z) for any constant c: the factor e^(-c) cancels between the numerator and "
               "the sum. Taking c = m = max_j z_j makes every exponent <= 0, so exp cannot overflow (float64 overflows "
               "above e^709.78, float32 above e^88.72), and the largest term is exactly e^0 = 1, so the sum is at "
               "least 1 and cannot underflow to 0. The result is unchanged.")
    zsyms = [isym(letter, k) for k in range(1, K + 1)]
    mx = written(vmax, *zsyms) if K <= MAX_SUM_TERMS else written(vmax, zv)
    d.compute("The largest score", m_, mx, dict(zip(zsyms, r.u)) if K <= MAX_SUM_TERMS else {zv: r.u}, value=r.m)
    shift = qsym("s", r"\mathbf{s}")
    expr = written(_sub, zv, m_)
    d.compute("Shifted scores", shift, expr, {zv: r.u, m_: r.m}, value=r.shifted,
              text=f"s_i = {letter}_i - m: the largest becomes 0, every other one is negative.")
    evals = tuple(exact_value(x) for x in r.e)
    if K <= MAX_EXP_STEPS:
        with d.group("Exponentials of the shifted scores"):
            for k in range(1, K + 1):
                zk = zsyms[k - 1]
                expr = written(_exp_sub, zk, m_)
                d.compute(f"e_{k}", isym("e", k), expr, {zk: r.u[k - 1], m_: r.m}, value=evals[k - 1])
    else:
        expr = written(_exp, shift)
        d.compute("Exponentials of the shifted scores", qsym("e", r"\mathbf{e}"), expr, {shift: r.shifted}, value=evals)
    esyms = [isym("e", k) for k in range(1, K + 1)]
    Ssym = qsym("S", "S")
    S = exact_value(r.S)
    if K <= MAX_SUM_TERMS:
        S_expr = written(_add, *esyms)
        d.compute("Their sum", Ssym, S_expr, dict(zip(esyms, evals)), value=S)
    else:
        d.add(Step("compute", "Their sum", text=f"The sum of the {K} exponentials.",
                   value=Math(f"S = {number_latex(S)}", f"S = {number_text(S)}")))
    ev, pv = qsym("e", r"\mathbf{e}"), qsym(qname, r"\mathbf{%s}" % qname)
    expr = written(_div, ev, Ssym)
    d.compute("Normalise: divide each by the sum", pv, expr, {ev: evals, Ssym: S},
              value=tuple(exact_value(x) for x in r.p), text=f"{qname}_i = e_i / S: positive, and they sum to 1.")
    return r


def softmax_values(z: Sequence, T=1, jacobian: bool = False):
    """(p, 1 - p, J or None) of one row as 40-digit Floats, without steps: mpmath at 60 digits (fast), with
    1 - p_i summed from the other classes as in the worked rows."""
    import mpmath

    with mpmath.workdps(60):
        mp = lambda r: mpmath.mpf(int(sp.Rational(r).p)) / int(sp.Rational(r).q)  # noqa: E731
        Tm = mp(T)
        u = [mp(v) / Tm for v in z]
        m = max(u)
        e = [mpmath.exp(x - m) for x in u]
        S = mpmath.fsum(e)
        pr = [x / S for x in e]
        comp = [mpmath.fsum(e[j] for j in range(len(e)) if j != k) / S for k in range(len(e))]
        J = None
        if jacobian:
            J = [[(pr[i] * comp[i] if i == j else -pr[i] * pr[j]) / Tm for j in range(len(e))] for i in range(len(e))]
        to = lambda x: sp.Float(mpmath.nstr(x, 45, strip_zeros=False), 40)  # noqa: E731
        return (tuple(map(to, pr)), tuple(map(to, comp)),
                None if J is None else tuple(tuple(map(to, row)) for row in J))


# ---- NumPy (numeric paths) ----------------------------------------------------------------------------

def np_xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x ln y elementwise with 0 ln y = 0 (also for y = 0); x ln 0 = -inf for x > 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(np.where(x > 0, y, 1.0))
    return np.where(x > 0, out, 0.0)


def entropy_np(P: np.ndarray, base: str) -> np.ndarray:
    return -np_xlogy(P, P).sum(axis=1) / np_ln_base(base)


def kl_np(P: np.ndarray, Q: np.ndarray, base: str) -> np.ndarray:
    """sum p ln(p/q) per row: 0 where p = 0, inf where q = 0 < p."""
    t = np_xlogy(P, P) - np_xlogy(P, Q)
    with np.errstate(invalid="ignore"):
        t = np.where(P > 0, t, 0.0)
    return t.sum(axis=1) / np_ln_base(base)


def ce_np(P: np.ndarray, Q: np.ndarray, base: str) -> np.ndarray:
    return -np_xlogy(P, Q).sum(axis=1) / np_ln_base(base)


def softmax_np(Z: np.ndarray, T: float = 1.0):
    """(p, 1 - p, log p) per row in float64; 1 - p of the row maximum is summed from the other classes."""
    U = Z / T
    s = U - U.max(axis=1, keepdims=True)
    e = np.exp(s)
    S = e.sum(axis=1, keepdims=True)
    p = e / S
    rows = np.arange(U.shape[0])
    top = np.argmax(U, axis=1)
    others = e.copy()
    others[rows, top] = 0.0
    comp = (S - e) / S
    comp[rows, top] = others.sum(axis=1) / S[:, 0]
    logp = s - np.log(S)
    return p, comp, logp


# ---- generators -----------------------------------------------------------------------------------------

def random_distribution(rng: np.random.Generator, k: int, *, min_part: int = 1) -> list[float]:
    """k probabilities with 2 decimals summing to exactly 1 (as exact decimals): a composition of 100."""
    # well-posed: every part >= min_part hundredths, so the row is a distribution (positive when min_part >= 1)
    while True:
        cuts = np.sort(rng.choice(np.arange(1, 100), size=k - 1, replace=False)) if k > 1 else np.array([], dtype=int)
        parts = np.diff(np.concatenate([[0], cuts, [100]]))
        if parts.min() >= min_part:
            return [round(int(c) / 100, 2) for c in parts]


def random_one_hot(rng: np.random.Generator, k: int) -> list[int]:
    row = [0] * k
    row[int(rng.integers(0, k))] = 1
    return row
