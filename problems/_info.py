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
  logarithms evaluated with mpmath at 60 digits, plus the digits of the largest score, and kept as 40-digit
  Floats: the values of the exact SymPy expressions, without SymPy's evalf cost);
- the answers with their units (`answer`), at the request's precision; answers that can be astronomically
  small (1 - p of a saturated softmax) in significant figures (`tiny_precision`);
- the steps shared by the families: the total and mean of per-sample losses, the mean over rows;
  (instance formulas such as p_3 log(p_3 / q_3) are built by problems/_written.py's `written`, once);
- the float64 NumPy versions of the same rules for the numeric paths (NumPy only, no scipy), the softmax shifted
  before it is divided by the temperature so that neither a tiny T nor a huge exact logit overflows;
- generators of distributions that sum exactly to 1 (2-decimal probabilities).
Rules that are not choices: 0 log 0 = 0 (the limit of p log p as p -> 0), and p log(p / 0) = inf for
p > 0 (a code built for q cannot encode an outcome that q calls impossible); an infinite value is an
answer (scipy and torch return inf too), not an error.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from contextlib import nullcontext
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import sympy as sp

from solver.functions import logb
from solver import format as F
from solver.numbers import WORKING_DIGITS, Precision, terminating
from solver.params import Bool, Choice, InvalidInput, Param, SpecError, _got, _scalar, as_exact, as_float
from solver.steps import Answer, Math, Step
from solver.symbolic import Derivation, evaluate, finish, latex, make_answer, sym, text

from ._written import (Sigma, _add, _div, _exp, _exp_sub, _mean_of, _mul, _sub, fmax, isym, ln, qsym,  # noqa: F401
                       replaced, written)

# ---- logarithms and units ----------------------------------------------------------------------------


#: The bases with a unit of their own; any other base b > 1 is accepted too (values "in log-base-b units").
BASES = ("e", "2", "10")


class PerBase(dict):
    """A table keyed by the base (its canonical text, see LogBase), filled on first use by `build(base)`: the
    formulas of the three named bases are built once, and those of any other base when one is asked for."""

    def __init__(self, build):
        super().__init__()
        self._build = build

    def __missing__(self, base: str):
        value = self[base] = self._build(base)
        return value


def base_number(base: str) -> sp.Expr:
    """The base as a SymPy number: E for "e", else the exact Rational typed."""
    return sp.E if base == "e" else sp.Rational(base)


def _unit(base: str) -> str:
    return {"e": "nats", "2": "bits", "10": "hartleys"}.get(base, f"log-base-{base} units")


def _base_words(base: str) -> str:
    return "natural logarithm" if base == "e" else f"logarithm base {base}"


UNIT = PerBase(_unit)
BASE_WORDS = PerBase(_base_words)


def LOG(x, base: str):
    """log_b(x) as the notes write it: ln(x), log_2(x), log_10(x) or log_b(x)."""
    if base == "e":
        return ln(x)
    return logb(x, base_number(base))


def ln_base(base: str) -> sp.Expr:
    """ln(b): one unit of base b in nats (1 for e)."""
    return sp.Integer(1) if base == "e" else sp.log(base_number(base))


def np_ln_base(base: str) -> float:
    return 1.0 if base == "e" else float(ln_base(base))


def _base_text(x: sp.Rational) -> str:
    """A positive Rational as the text that names its base: an integer or terminating decimal as such (1.5),
    any other fraction as p/q (both parse back to the same Rational)."""
    return terminating(x, 60) or f"{int(x.p)}/{int(x.q)}"


@dataclass(frozen=True)
class LogBase(Choice):
    """The base of the logarithm: e, 2 or 10 by name or unit (nats, bits, hartleys), or any other number greater
    than 1 (exact, as typed). Parsed to its canonical text: "e", "2", "10", "3", "1.5", "1/3"."""

    def parse(self, raw):
        try:
            return super().parse(raw)
        except SpecError:
            pass
        try:
            x = _scalar(raw)
        except SpecError:
            raise SpecError(f"must be {self.describe()}. Got {_got(raw)} instead.") from None
        if x <= 1:
            raise SpecError(f"must be {self.describe()}: a unit of information needs a base above 1 (a base below 1 "
                            f"would make every entropy negative). Got {_base_text(x) if x > 0 else F.text(x)} instead.")
        if x > 10 ** 12:
            raise SpecError(f"must be {self.describe()} up to 1e12. Got {_got(raw)} instead.")
        return _base_text(x)

    def describe(self):
        return "e, 2 or 10 (nats, bits, hartleys) or any other number greater than 1"


BASE_PARAM = Param(
    "base", LogBase({"e": "natural logarithm: values in nats", "2": "logarithm base 2: values in bits",
                     "10": "logarithm base 10: values in hartleys (bans)"},
                    aliases={"ln": "e", "nat": "e", "nats": "e", "log2": "2", "bit": "2", "bits": "2",
                             "log10": "10", "hartley": "10", "hartleys": "10", "ban": "10", "bans": "10"}),
    default="e", label="Logarithm base",
    help="e (nats; the default, as in scipy, torch and the optimization notes' cross-entropy), 2 (bits), 10 "
         "(hartleys), or any other base greater than 1",
    aliases=("log base", "logarithm base", "base of the logarithm", "base"),
    cues={"2": ("bits", "in bits", "log base 2", "base 2", "base-2", "log_2", "log2", "binary logarithm"),
          "e": ("nats", "in nats", "natural log", "natural logarithm", "ln", "base e", "natural-log"),
          "10": ("hartleys", "bans", "log base 10", "base 10", "log_10", "log10", "decimal logarithm")})
NORMALIZE_PARAM = Param(
    "normalize", Bool(), default="false", label="Rescale rows to sum to 1",
    help="divide each probability row by its sum (otherwise a row that does not sum to 1 is rejected)",
    cues={"true": ("normalise the counts", "normalize the counts", "rescale to sum to 1", "normalised", "counts")})

#: Hand-sized limits of the exact path: per-term steps for at most MAX_TERM_STEPS outcomes, worked
#: groups for the first MAX_DETAIL_ROWS rows (every row is in the summary table).
MAX_TERM_STEPS = 6
#: Sums written out term by term for at most this many terms (the value alone above it).
MAX_SUM_TERMS = 12
MAX_DETAIL_ROWS = 10
#: Above this many entries in all, `auto` takes the numeric path.
MAX_EXACT_ENTRIES = 400


def answer(name: str, value: Any, base: str | None = None, *, unit: str | None = None, tiny: bool = False) -> Answer:
    """An answer with its unit (the base's, or `unit`), shown at the request's precision. A NumPy array is a
    vector or matrix answer; a long one is displayed by its first entries (solver.symbolic.make_answer).

    `tiny`: an answer that can be astronomically small (1 - p of a saturated softmax is 7.552e-42) is shown in
    significant figures, as many as the request asks digits (4 by default), so that it never rounds to 0."""
    unit = unit if unit is not None else (UNIT[base] if base else "")
    precision = tiny_precision() if tiny else None
    return make_answer(name, value, precision=precision, unit=unit)


def tiny_precision() -> Precision:
    """Significant figures for answers that can be tiny: the request's figures, or as many as its decimal places."""
    req = F.answer_precision()
    return req if req.sig is not None else Precision(sig=max(1, req.dp))


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


def listing(ks: Sequence[int]) -> str:
    ks = list(ks)
    if len(ks) <= 6:
        return ", ".join(map(str, ks))
    return ", ".join(map(str, ks[:5])) + f", ... ({len(ks)} in all)"


# ---- probability rows ---------------------------------------------------------------------------------

SUM_TOL = 1e-9
SUM_TOL_TEXT = "1e-9"


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


#: Decimal places looked for in a float row (an API array): beyond them a row is taken as exact.
MAX_PRINTED_DECIMALS = 12


def decimals_of(v) -> int | None:
    """The decimal places of an exact number as printed (0.33 -> 2, 1 -> 0), or None when it is not a terminating
    decimal (1/3 typed as a fraction: exact, no rounding in it)."""
    shown = terminating(sp.Rational(v), 60)
    if shown is None:
        return None
    return len(shown.partition(".")[2])


def row_slack(row) -> sp.Rational:
    """How far from 1 the sum of an exact row may be when its entries are rounded to the decimals printed: K entries
    of d decimals are each within half a unit of their d-th place, so the sum is within K/2 10^-d of the true sum
    (0.33 0.33 0.33: 0.015; 0.17 0.17 0.67: 0.015). 0 when the row is printed without decimals or holds an exact
    fraction (1/3), which carry no rounding."""
    ds = [decimals_of(v) for v in row]
    if any(d is None for d in ds) or max(ds) == 0:
        return sp.Integer(0)
    return sp.Rational(len(row), 2 * 10 ** max(ds))


def _float_row_slack(a: np.ndarray) -> np.ndarray:
    """row_slack of each row of a float array: the decimals are the fewest (up to MAX_PRINTED_DECIMALS) that
    reproduce every entry of the row; 0 for rows that need more (taken as exact)."""
    dec = np.full(a.shape[0], -1)
    for d in range(MAX_PRINTED_DECIMALS + 1):
        ok = np.all(np.abs(np.round(a, d) - a) <= 1e-12, axis=1) & (dec < 0)
        dec[ok] = d
    out = np.where(dec >= 1, a.shape[1] / 2 * 10.0 ** (-dec.astype(float)), 0.0)
    return out


def within_rounding(total, slack) -> bool:
    """A row sum counts as 1 when it is within 1e-9 of 1, or strictly within the rounding of its printed digits."""
    off = abs(total - 1)
    return off <= SUM_TOL or off < slack


def _row_name(field: str, r: int, n: int) -> str:
    return f"row {r + 1} of '{field}'" if n > 1 else f"'{field}'"


def check_prob_rows(value, field: str, family: str, normalize: bool) -> None:
    """Reject negative entries, all-zero rows and (unless normalize) entries above 1 and rows whose sum is not 1
    within 1e-9. Entries are compared with 1 before any row is summed, so that a row of huge floats (1e308, 1e308)
    is a clear message instead of an overflowing sum."""
    where = f"The '{field}' parameter of {family}"
    if isinstance(value, np.ndarray):
        a = value if value.ndim == 2 else value.reshape(1, -1)
        neg = np.argwhere(a < 0)
        if neg.size:
            r, c = (int(x) for x in neg[0])
            raise InvalidInput(field, _negative_message(where, field, r, c, a.shape[0], a[r, c]))
        top = a.max(axis=1)
        zero = np.flatnonzero(top == 0)
        if zero.size:
            raise InvalidInput(field, _zero_message(where, field, int(zero[0]), a.shape[0]))
        if normalize:
            return
        big = np.argwhere(a > 1 + SUM_TOL)
        if big.size:
            r, c = (int(x) for x in big[0])
            raise InvalidInput(field, _above_one_message(where, field, r, c, a.shape[0], a[r, c]))
        sums = a.sum(axis=1)  # entries in [0, 1]: no overflow
        off = np.abs(sums - 1)
        bad = np.flatnonzero((off > SUM_TOL) & ~(off < _float_row_slack(a)))
        if bad.size:
            r = int(bad[0])
            raise InvalidInput(field, _sum_message(where, field, r, a.shape[0], F.text(float(sums[r]), 10)))
        return
    for r, row in enumerate(value):
        for c, v in enumerate(row):
            if v < 0:
                raise InvalidInput(field, _negative_message(where, field, r, c, len(value), v))
        if all(v == 0 for v in row):
            raise InvalidInput(field, _zero_message(where, field, r, len(value)))
        if normalize:
            continue
        for c, v in enumerate(row):
            if v > 1 + sp.Rational(1, 10**9):
                raise InvalidInput(field, _above_one_message(where, field, r, c, len(value), v))
        s = sum(row, sp.Integer(0))
        if abs(s - 1) > sp.Rational(1, 10**9) and not abs(s - 1) < row_slack(row):
            raise InvalidInput(field, _sum_message(where, field, r, len(value), F.text(s, 10)))


def check_prediction(values, name: str, family: str, also: str = "") -> None:
    """Exactly one of the probabilities `name` and the raw scores `logits` is given."""
    if values[name] is None and values["logits"] is None:
        raise InvalidInput(name, f"The '{name}' parameter of {family} is required: the predicted probabilities (or give "
                                 f"logits{also}).")
    if values[name] is not None and values["logits"] is not None:
        raise InvalidInput("logits", f"The 'logits' parameter of {family} cannot be combined with {name}: give the "
                                     f"predicted probabilities {name} or the raw scores, not both.")


def _negative_message(where: str, field: str, r: int, c: int, n: int, v) -> str:
    return (f"{where} must hold probabilities, with no negative entries: entry {c + 1} of {_row_name(field, r, n)} "
            f"is {F.text(v)}.")


def _zero_message(where: str, field: str, r: int, n: int) -> str:
    return (f"{where} must hold probability rows: {_row_name(field, r, n)} is all zeros, so it is not a distribution "
            "and cannot be rescaled.")


def _above_one_message(where: str, field: str, r: int, c: int, n: int, v) -> str:
    return (f"{where} must hold probabilities, each at most 1: entry {c + 1} of {_row_name(field, r, n)} is "
            f"{F.text(v)}; pass normalize=true to rescale the row.")


def _sum_message(where: str, field: str, r: int, n: int, s: str) -> str:
    return (f"{where} must hold probabilities that sum to 1: {_row_name(field, r, n)} sums to {s}, not 1, and not "
            f"within the rounding of its printed digits; pass normalize=true to rescale it.")


def prepare_rows(d: Derivation, value, name: str, normalize: bool) -> tuple[tuple, ...]:
    """Exact probability rows; rescaled, with a step saying so, when normalize is on and a sum is not 1."""
    rows = rows_of(value)
    sums = [sum(r, sp.Integer(0)) for r in rows]
    off = [(k, s) for k, s in enumerate(sums) if s != 1]
    if normalize and off:
        out = tuple(tuple(v / s for v in r) for r, s in zip(rows, sums))
        listed = "; ".join(f"row {k + 1} sums to {F.text(s)}" for k, s in off[:6])
        more = "" if len(off) <= 6 else f" (and {len(off) - 6} more rows)"
        shown = "; ".join(F.text(r) for r in out[:MAX_DETAIL_ROWS]) + (" ..." if len(out) > MAX_DETAIL_ROWS else "")
        d.note(f"Rescale {name} to sum to 1",
               f"normalize=true: each row of {name} is divided by its sum so that it is a probability distribution "
               f"({listed}{more}). Rescaled: {name} = {shown}.")
        return out
    if off:
        d.note(f"{name} does not sum to exactly 1", rounding_text(name, rows, off))
    return rows


def rounding_text(name: str, rows, off) -> str:
    """Why rows whose sums are not exactly 1 are used as written: printed with few digits (0.33 0.33 0.33), or
    within 1e-9 of 1."""
    parts = []
    for k, total in off[:5]:
        row = rows[k]
        where = f"row {k + 1} of {name}" if len(rows) > 1 else name
        slack = row_slack(row)
        if abs(total - 1) > SUM_TOL and slack:
            d = max(decimals_of(v) for v in row)
            parts.append(f"{where} = {F.text(row)} sums to {F.text(total, 12)}, not exactly 1: it is printed with "
                         f"{d} decimal{'s' if d > 1 else ''}, and {len(row)} entries each rounded by at most half a unit "
                         f"of their last place can be off by up to {F.text(slack)} in all")
        else:
            parts.append(f"{where} sums to {F.text(total, 12)}, within {SUM_TOL_TEXT} of 1")
    more = f" (and {len(off) - 5} more rows)" if len(off) > 5 else ""
    return ("; ".join(parts) + more + f". So {name} is used as written, without rescaling; every value below is "
            f"computed from these numbers (normalize=true would divide each row by its sum first).")


def check_pair_shapes(value_a, value_b, a: str, b: str, family: str, what: str = "one row per pair") -> None:
    """Two matrices of rows: the same number of columns, and the same number of rows unless one of them has a
    single row (which is then used for every row of the other: one prediction for all samples)."""
    (ra, ca), (rb, cb) = shape_of(value_a), shape_of(value_b)
    if ca != cb or (ra != rb and 1 not in (ra, rb)):
        raise InvalidInput(b, f"The '{b}' parameter of {family} must have the shape of {a} ({ra} x {ca}: one entry per "
                              f"outcome, {what}), or a single row of {ca} entries used for every row. Got {rb} x {cb} "
                              "instead.")


def broadcast(d: Derivation | None, A: tuple, B: tuple, a: str, b: str) -> tuple[tuple, tuple]:
    """Rows of A and B made the same in number: a single row is repeated for every row of the other, with a note."""
    if len(A) == len(B):
        return A, B
    one, many = (a, b) if len(A) == 1 else (b, a)
    n = max(len(A), len(B))
    if d is not None:
        d.note(f"One row of {one} for every row of {many}",
               f"{one} has a single row and {many} has {n}: the same {one} = {F.text((A if len(A) == 1 else B)[0])} is "
               f"used with each row of {many}.")
    return (A * n if len(A) == 1 else A), (B * n if len(B) == 1 else B)


def broadcast_np(P: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = max(P.shape[0], Q.shape[0])
    return np.broadcast_to(P, (n, P.shape[1])), np.broadcast_to(Q, (n, Q.shape[1]))


def note_sums_np(d: Derivation, P: np.ndarray, name: str, normalize: bool) -> None:
    """The numeric path's note for rows used as written that do not sum to exactly 1 (printed with few digits)."""
    if normalize:
        return
    off = np.flatnonzero(np.abs(P.sum(axis=1) - 1) > SUM_TOL)
    if off.size:
        rows = ", ".join(str(int(k) + 1) for k in off[:6]) + (" ..." if off.size > 6 else "")
        d.note(f"{name} does not sum to exactly 1",
               f"Row{'s' if off.size > 1 else ''} {rows} of {name} sum{'' if off.size > 1 else 's'} to 1 only within the "
               f"rounding of {'their' if off.size > 1 else 'its'} printed digits, so {name} is used as written, without "
               "rescaling (normalize=true would divide each row by its sum first).")


def float_rows(value, normalize: bool = False) -> np.ndarray:
    """Rows as float64 (rescaled to sum to 1 when `normalize`: each row is divided by its largest entry first, so
    that a row of huge entries, 1e308 or an exact 1e400, cannot overflow its sum)."""
    if normalize and not isinstance(value, np.ndarray):
        rows = rows_of(value)
        tops = [max(r) for r in rows]
        value = tuple(tuple(v / t for v in r) for r, t in zip(rows, tops))  # exact: entries in [0, 1]
    a = as_float(value)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if normalize:
        a = a / a.max(axis=1, keepdims=True)
        a = a / a.sum(axis=1, keepdims=True)
    return a


def is_one_hot(row) -> bool:
    return all(v == 0 or v == 1 for v in row) and sum(1 for v in row if v == 1) == 1


# ---- the formulas, written once per base ---------------------------------------------------------------

def written_per_base(build):
    """A PerBase table of formulas built under evaluate(False) (kept as written)."""
    def make(base):
        with sp.evaluate(False):
            return build(base)
    return PerBase(make)


SURPRISE = written_per_base(lambda b: LOG(1 / p_i, b))                               # s_i = log(1/p_i)
KL_TERM = written_per_base(lambda b: p_i * LOG(p_i / q_i, b))                        # t_i = p_i log(p_i / q_i)
CE_TERM = written_per_base(lambda b: -(p_i * LOG(q_i, b)))                           # t_i = -p_i log q_i
# (sums built with evaluation on: Sum under evaluate(False) prints a spurious factor 1)
ENTROPY_DEF = PerBase(lambda b: -Sigma(p_i * LOG(p_i, b), (i_, 1, K_)))          # H(p) = -sum p_i log p_i
KL_DEF = PerBase(lambda b: Sigma(p_i * LOG(p_i / q_i, b), (i_, 1, K_)))         # KL = sum p_i log(p_i / q_i)
CE_DEF = PerBase(lambda b: -Sigma(p_i * LOG(q_i, b), (i_, 1, K_)))              # H(p, q) = -sum p_i log q_i

ENTROPY_DEF_S = PerBase(lambda b: Sigma(p_i * LOG(1 / p_i, b), (i_, 1, K_)))    # = sum p_i log(1/p_i)
ENTROPY_TEXT = PerBase(lambda b: f"-sum_i p_i {text(LOG(p_i, b))} = sum_i p_i {text(LOG(1 / p_i, b))}")

_X = PerBase(lambda b: qsym(f"X_{UNIT[b]}", r"X_{\text{%s}}" % UNIT[b]))


def _convert(pair):
    """X_c = X_b log_c(b): the value X_b in base b, in base c (written as the notes write the three named pairs)."""
    b, c = pair
    named = {("2", "e"): lambda: _X["2"] * ln(2), ("10", "e"): lambda: _X["10"] * ln(10),
             ("e", "2"): lambda: _X["e"] / ln(2), ("e", "10"): lambda: _X["e"] / ln(10),
             ("2", "10"): lambda: _X["2"] * logb(2, 10), ("10", "2"): lambda: _X["10"] * logb(10, 2)}
    if pair in named:
        return named[pair]()
    if c == "e":
        return _X[b] * ln(base_number(b))
    return _X[b] * logb(base_number(b), base_number(c))


CONVERT = written_per_base(_convert)  # keyed by (base, other base)


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
                      f"1 bit = ln 2 = {F.text(sp.log(2))} nats; 1 hartley = ln 10 = {F.text(sp.log(10))} nats = "
                      f"log2(10) = {F.text(sp.log(10) / sp.log(2))} bits."):
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
                          value=F.equals(lhs, value))), value
    if len(parts) > MAX_SUM_TERMS:
        value = sp.oo if infinite else finish(sum((evaluate(e, v) for e, v in parts), sp.Integer(0)))
        return d.add(Step("compute", title, text=text_ + f" ({len(parts)} terms, listed in the table above.)",
                          value=F.equals(lhs, value))), value
    value = d.compute(title, lhs, expr, vals, value=sp.oo if infinite else None, text=text_)
    return d._stack[-1][-1], value


def mean_step(d: Derivation, values, title: str, lhs, name: str, base: str, letter: str) -> Any:
    """The mean of the rows' values (named letter_1, letter_2, ...) as a step with its answer; infinite when a value is."""
    n = len(values)
    if any(is_inf(v) for v in values):
        value = sp.oo
        d.add(Step("compute", title, text=f"The average over the {n} rows is infinite: at least one row's value is "
                                          "infinite.", value=F.equals(lhs, sp.oo)))
    elif n <= MAX_SUM_TERMS:
        syms = [isym(letter, k) for k in range(1, n + 1)]
        value = d.compute(title, lhs, written(_mean_of, *syms), dict(zip(syms, values)),
                          text=f"The average over the {n} rows.")
    else:
        value = exact_value(sp.Add(*values) / n)
        d.add(Step("compute", title, text=f"The average over the {n} rows.", value=F.equals(lhs, value)))
    attach(d, answer(name, value, base))
    return value


def total_and_mean(d: Derivation, losses, base: str, *, mean_name: str = "mean", mean_title: str = "Mean loss",
                   mean_text: str = "") -> tuple[Any, Any]:
    """The total of the per-sample losses L_1, L_2, ... and their mean, as steps with the answers "total" and
    `mean_name` (infinite when a loss is)."""
    n = len(losses)
    inf = any(is_inf(v) for v in losses)
    Lt, Lm, N = qsym("total L", r"L_{\text{total}}"), qsym("mean L", r"\overline{L}"), sym("N")
    total = sp.oo if inf else exact_value(sp.Add(*losses))
    if n <= MAX_SUM_TERMS:
        syms = [isym("L", k) for k in range(1, n + 1)]
        d.compute("Total loss", Lt, written(_add, *syms), dict(zip(syms, losses)), value=total,
                  text="Add the per-sample losses (full precision: round only at the end).")
    else:
        d.add(Step("compute", "Total loss", text=f"The sum of the {n} per-sample losses.", value=F.equals(Lt, total)))
    attach(d, answer("total", total, base))
    mean = sp.oo if inf else exact_value(sp.Add(*losses) / n)
    d.compute(mean_title, Lm, written(_div, Lt, N), {Lt: total, N: sp.Integer(n)}, value=mean,
              text=mean_text + (" It is infinite: a loss is infinite." if inf else ""))
    attach(d, answer(mean_name, mean, base))
    return total, mean


def entropy_row(d: Derivation, row, base: str, *, lhs=None, answer_name: str | None = None, steps: bool = True,
                surprise_answer: str | None = None, row_index: int | None = None):
    """H(p) of one exact row: the surprise of each outcome, then the probability-weighted sum. `surprise_answer`
    names an answer holding every outcome's surprise (infinite for p_i = 0), attached to the surprise step.
    `row_index`: the row's number when there are several (its table of terms is then addressed by row and i)."""
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
        term_table(d, "The surprise of each outcome",
                   ["i", Math("p_{i}", "p_i"), Math("s_{i} = " + latex(SURPRISE[base]), "s_i = " + text(SURPRISE[base])),
                    Math("p_{i} s_{i}", "p_i s_i")], ("i", "p", "surprise", "term"),
                   [(k, v, surprises.get(k, sp.oo), (v * surprises[k] if v != 0 else sp.Integer(0)))
                    for k, v in enumerate(row, 1)], row_index)
        if surprise_answer:
            attach(d, answer(surprise_answer, all_surprises, base))
    parts = [(written(_mul, isym("p", k), isym("s", k)), {isym("p", k): v, isym("s", k): surprises[k]}) for k, v in live]
    step, value = _sum_of(d, "Entropy: the probability-weighted surprise", lhs, parts, infinite=False,
                          text_=f"H(p) = sum_i p_i s_i, in {UNIT[base]}"
                                + (" (the outcomes with p_i = 0 add nothing)." if zeros else "."))
    if answer_name:
        attach(d, answer(answer_name, value, base))
    return value


def term_table(d: Derivation, title: str, columns, keys, rows, row_index: int | None):
    """A table of per-outcome terms, addressable by i (term@i=3), and by the row when there are several
    (term@row=2,i=3: a leading column names the row)."""
    if row_index is None:
        return d.table(title, columns, rows, keys=keys, index=("i",))
    return d.table(title, ["row", *columns], [(row_index, *r) for r in rows], keys=("row", *keys), index=("row", "i"))


def _term_row(d: Derivation, p, q, base: str, *, term: dict, names: tuple[str, str], lhs, title: str, sum_title: str,
              zero_text: str, infinite_term: str, infinite_sum: str, answer_name: str | None, steps: bool,
              exact_term=None, row_index: int | None = None, term_key: str = "term"):
    """A row of terms t_i over the outcomes with a_i > 0 (a, b = `names`), then their sum: the shared shape of KL and
    cross-entropy. A term with b_i = 0 < a_i is infinite (`infinite_term` says why), and so is the sum. Terms a_i = 0
    are 0 (`zero_text`). `exact_term(k, a_k)`: the term's value from elsewhere (a log-softmax), or None."""
    a, b = names
    zeros = [k for k, v in enumerate(p, 1) if v == 0]
    live = [(k, v, w) for k, (v, w) in enumerate(zip(p, q), 1) if v != 0]
    infinite = [k for k, v, w in live if w == 0]
    show = steps and len(live) <= MAX_TERM_STEPS
    terms: dict[int, Any] = {}
    with (d.group(title) if show else nullcontext()):
        for k, v, w in live:
            expr = instance(term[base], k, instance_names(a, b))
            vals = {isym(a, k): v, isym(b, k): w}
            if w == 0:
                terms[k] = sp.oo
                if show:
                    d.compute(f"Term {k}: {b}_{k} = 0 but {a}_{k} > 0", isym("t", k), expr, vals, value=sp.oo,
                              text=infinite_term.format(k=k, v=F.text(v)))
                continue
            value = exact_term(k, v) if exact_term is not None else None
            terms[k] = (d.compute(f"Term {k}", isym("t", k), expr, vals, value=value) if show
                        else (value if value is not None else evaluate(expr, vals)))
    if zeros:
        d.note(f"Terms with {a}_i = 0", f"Outcome{'s' if len(zeros) > 1 else ''} {listing(zeros)}: {a}_i = 0, so "
               + zero_text)
    if not show:
        term_table(d, title, ["i", Math(f"{a}_{{i}}", f"{a}_i"), Math(f"{b}_{{i}}", f"{b}_i"), Math("t_{i}", "t_i")],
                   ("i", a, b, term_key), [(k, v, w, terms.get(k, sp.Integer(0))) for k, (v, w) in enumerate(zip(p, q), 1)],
                   row_index)
    parts = [(isym("t", k), {isym("t", k): terms[k]}) for k, _, _ in live]
    txt = infinite_sum.format(listing(infinite)) if infinite else f"Add the terms, in {UNIT[base]}."
    _, value = _sum_of(d, sum_title, lhs, parts, infinite=bool(infinite), text_=txt)
    if answer_name:
        attach(d, answer(answer_name, value, base))
    return value


def kl_row(d: Derivation, p, q, base: str, *, names=("p", "q"), lhs=None, answer_name: str | None = None,
           steps: bool = True, title: str | None = None, row_index: int | None = None):
    """KL(p || q) of one exact row: each term p_i log(p_i / q_i), then the sum (oo when q_i = 0 < p_i)."""
    a, b = names
    return _term_row(d, p, q, base, term=KL_TERM, names=names, lhs=lhs if lhs is not None else kl_symbol(a, b),
                     title=title or f"The terms {a}_i log({a}_i / {b}_i)", sum_title=f"KL({a} || {b})",
                     zero_text=f"the term is 0 log(0 / {b}_i) = 0 (0 log 0 = 0, even when {b}_i = 0).",
                     infinite_term=f"{a}_{{k}} log({a}_{{k}} / 0) is infinite: {b} gives probability 0 to an outcome that "
                                   f"{a} says happens with probability {{v}}.",
                     infinite_sum=f"Some {b}_i = 0 where {a}_i > 0 (outcome {{}}), so the divergence is infinite.",
                     answer_name=answer_name, steps=steps, row_index=row_index,
                     term_key="term" if names == ("p", "q") else "term_reverse")


def ce_row(d: Derivation, p, q, base: str, *, lhs=None, answer_name: str | None = None, steps: bool = True,
           logq: Sequence | None = None, row_index: int | None = None, target_name: str = "p"):
    """H(p, q) of one exact row: each term -p_i log q_i, then the sum (oo when q_i = 0 < p_i).

    `logq`: exact ln q_i (from a log-softmax) used for the values, so a q_i near 0 or 1 keeps its precision.
    `target_name`: the letter of the target row (v for class-weighted targets v_i = w_i p_i).
    """
    a = target_name
    exact_term = None if logq is None else (lambda k, v: finish(-v * logq[k - 1] / ln_base(base)))
    return _term_row(d, p, q, base, term=CE_TERM, names=(a, "q"),
                     lhs=lhs if lhs is not None else qsym("H(p,q)", "H(p, q)"), title=f"The terms -{a}_i log q_i",
                     sum_title="Cross-entropy",
                     zero_text=f"the term -{a}_i log q_i is 0 (0 log 0 = 0 when q_i = 0 too); only the outcomes with "
                               f"{a}_i > 0 count.",
                     infinite_term=f"-{a}_{{k}} log 0 is infinite: the prediction q gives probability 0 to an outcome "
                                   "that happens with probability {v}.",
                     infinite_sum=f"q_i = 0 where {a}_i > 0 (outcome {{}}), so the cross-entropy is infinite.",
                     answer_name=answer_name, steps=steps, exact_term=exact_term, row_index=row_index)


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


def _dps(xs: Sequence) -> int:
    """Digits to evaluate exponentials of `xs` with: MP_DPS, plus the digits of the largest |x|. exp(-10^300)
    needs 10^300 to all of its 301 digits (at 60 digits the exponent itself is rounded by 10^240)."""
    big = max((abs(sp.Rational(x)) for x in xs if isinstance(x, (int, sp.Rational))), default=sp.Integer(0))
    return MP_DPS + len(str(int(big)))


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

    with mpmath.workdps(_dps(xs)):
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
    with mpmath.workdps(_dps(shifted)):
        es = [mpmath.exp(_mpf(s)) for s in shifted]
        S = mpmath.fsum(es)
        p = [x / S for x in es]
        comp = [mpmath.fsum(es[j] for j in range(K) if j != k) / S for k in range(K)]
        logS = mpmath.log(S)
        logp = [_mpf(s) - logS for s in shifted]
    e = tuple(sp.Integer(1) if s == 0 else _to_float(x) for s, x in zip(shifted, es))
    return SoftmaxRow(u, m, shifted, e, _to_float(S), tuple(map(_to_float, p)), tuple(map(_to_float, comp)),
                      tuple(map(_to_float, logp)))


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
    mx = written(fmax, *zsyms) if K <= MAX_SUM_TERMS else written(fmax, zv)
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
                   value=F.equals(Ssym, S)))
    ev, pv = qsym("e", r"\mathbf{e}"), qsym(qname, r"\mathbf{%s}" % qname)
    expr = written(_div, ev, Ssym)
    d.compute("Normalise: divide each by the sum", pv, expr, {ev: evals, Ssym: S},
              value=tuple(exact_value(x) for x in r.p), text=f"{qname}_i = e_i / S: positive, and they sum to 1.")
    return r


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


def scaled_shifts(value, T=1) -> np.ndarray:
    """(z - max z) / T per row in float64: every entry <= 0, the maximum exactly 0, -inf where the true value is
    below float64's range (its exponential is 0 anyway). Shifting before dividing keeps a tiny temperature
    (1e-308, an exact 1e-400) from overflowing z / T, and exact logits beyond float64's range (1e400) are
    shifted exactly before they are rounded."""
    Z = as_float(value)
    Z = Z.reshape(1, -1) if Z.ndim == 1 else Z
    if not np.isfinite(Z).all():  # exact entries beyond float64 (the API's arrays are finite): shift them exactly
        Z = np.array([[_clamped_float(v - max(r)) for v in r] for r in rows_of(value)], dtype=np.float64)
    else:
        with np.errstate(over="ignore"):  # (-1e308) - 1e308 is -inf, whose exponential is the right 0
            Z = Z - Z.max(axis=1, keepdims=True)
    Tf = _clamped_float(T)
    if Tf == 1.0:
        return Z
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.where(Z == 0, 0.0, Z / Tf)  # Tf may underflow to 0 (T = 1e-400): -x/0 = -inf, and 0 stays 0


def _clamped_float(v) -> float:
    """float(v), with values beyond float64's range as +-inf instead of an OverflowError."""
    try:
        return float(v)
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


def softmax_np(value, T=1):
    """(p, 1 - p, log p) per row in float64 from the scaled shifted scores (scaled_shifts); 1 - p of the row
    maximum is summed from the other classes."""
    s = scaled_shifts(value, T)
    e = np.exp(s)
    S = e.sum(axis=1, keepdims=True)  # >= 1: the maximum contributes e^0
    p = e / S
    rows = np.arange(s.shape[0])
    top = np.argmax(s, axis=1)
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
