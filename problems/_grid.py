"""Shared helpers of the sliding-window families (conv2d, pool2d): stacks of matrices as input, the padding a
question states, and the geometry of a window sliding over a padded input.

Input forms of a `Tensor` parameter (nothing is evaluated; each matrix goes through solver.parse):

    1 2; 3 4                               one matrix (one channel)
    1 2; 3 4 | 5 6; 7 8                    channels, separated by '|'
    [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]   the same with nested brackets
    a | b || c | d                         (a kernel) filters separated by '||', each a stack of channels
    [[[[...]]]]                            the same with nested brackets: filters, channels, rows, columns

Parsed: nested tuples of exact Rationals, as deep as the user gave them (2: a matrix, 3: channels, 4: filters
of channels), or a read-only float64 NumPy array with that many dimensions (the Python API's arrays).

Geometry along one axis (`Axis`): an input of n cells, a window of f taps spaced d apart (dilation; it covers
F_eff = d (f - 1) + 1 cells), stride s, p1 cells of padding before and p2 after. The output has
floor((n + p1 + p2 - F_eff)/s) + 1 cells, which is (W - F + 2P)/S + 1 for symmetric padding; in ceil mode
(pooling) the division rounds up, except that a window may not start in the padding after the input (torch's
rule). 'same' padding gives ceil(n/s) outputs: the total padding is (ceil(n/s) - 1) s + F_eff - n, the
smaller half before the input and the larger after (torch and TensorFlow).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from problems._written import Sigma
from solver import format as F
from solver import parse as P
from solver.numbers import Tolerance, exact, to_json_number
from solver.params import InvalidInput, Matrix, Spec, SpecError, Vector
from solver.symbolic import make_answer, sym

#: The most numbers one Tensor parameter holds (all channels and filters together).
MAX_ENTRIES = 1_000_000
#: The largest padding on one side.
MAX_PAD = 10_000
#: Bounded work of one solve: the values of the padded input, and the window cells visited (multiply-adds).
MAX_PADDED = 4_000_000
MAX_WORK = 20_000_000
#: Sizes and positions are integers: exact answers.
INT_TOL = Tolerance(abs=0)

_OPEN, _CLOSE = "[({", "])}"
_DEPTH_WORDS = {2: "a matrix", 3: "a list of matrices (channels)", 4: "a list of filters, each a list of matrices"}


def depth(v: Any) -> int:
    """2 for a matrix, 3 for channels, 4 for filters of channels (a parsed Tensor value)."""
    if isinstance(v, np.ndarray):
        return v.ndim
    k = 0
    while isinstance(v, tuple):
        k += 1
        v = v[0]
    return k


def _bracket_depth(text: str) -> int:
    deepest = level = 0
    for ch in text:
        if ch in _OPEN:
            level += 1
            deepest = max(deepest, level)
        elif ch in _CLOSE:
            level -= 1
    return deepest


@dataclass(frozen=True)
class Tensor(Spec):
    """A matrix, or a stack of matrices (channels), or (max_depth 4) a list of such stacks (filters)."""

    max_depth: int = 3
    max_entries: int = MAX_ENTRIES
    kind = "matrix"

    # -- parsing ------------------------------------------------------------------------------------
    def parse(self, raw):
        if isinstance(raw, str):
            return self._check(self._text(raw))
        if isinstance(raw, np.ndarray):
            return self._array(raw)
        if isinstance(raw, (list, tuple)):
            return self._check(self._nested(raw, 0))
        return self._matrix(raw)

    def _matrix(self, raw, where: str = ""):
        try:
            return Matrix().parse(raw)
        except SpecError as e:
            if not where:
                raise
            raise SpecError(f"{where}: {e}") from None

    def _text(self, text: str):
        if len(text) > P.MAX_ARRAY_TEXT:
            raise SpecError(f"is too long ({len(text):,} characters; at most {P.MAX_ARRAY_TEXT:,})")
        t = text.strip()
        if "|" in t:
            if "||" in t and self.max_depth < 4:
                raise SpecError("takes channels separated by '|'; '||' (between filters) is for a kernel")
            groups = t.split("||") if self.max_depth >= 4 else [t]
            stacks = []
            for gi, g in enumerate(groups, start=1):
                parts = g.split("|")
                if any(not part.strip() for part in parts):
                    raise SpecError("has an empty channel between two '|'")
                name = f"filter {gi}, channel" if len(groups) > 1 else "channel"
                stacks.append(tuple(self._matrix(part, f"{name} {ci}") for ci, part in enumerate(parts, start=1)))
            return tuple(stacks) if "||" in t else stacks[0]
        d = _bracket_depth(t)
        if d <= 2:
            return self._matrix(t)
        if d > self.max_depth:
            raise SpecError(f"nests brackets {d} deep; it takes {_DEPTH_WORDS[self.max_depth]} at most")
        return self._groups(t, d)

    def _groups(self, t: str, d: int):
        """The bracket groups inside the outer pair of `t`, each parsed as an array one level shallower."""
        t = t.strip()
        if not t or t[0] not in _OPEN or t[-1] not in _CLOSE:
            raise SpecError("cannot mix numbers and bracketed matrices")
        inner = t[1:-1]
        out, level, start = [], 0, -1
        for k, ch in enumerate(inner):
            if ch in _OPEN:
                if level == 0:
                    start = k
                level += 1
            elif ch in _CLOSE:
                level -= 1
                if level < 0:
                    raise SpecError("has unbalanced brackets")
                if level == 0:
                    out.append(inner[start:k + 1])
            elif level == 0 and not (ch.isspace() or ch in ",;"):
                raise SpecError("cannot mix numbers and bracketed matrices")
        if level != 0:
            raise SpecError("has unbalanced brackets")
        if not out:
            raise SpecError("expected at least one matrix")
        parsed = []
        for k, g in enumerate(out, start=1):
            gd = _bracket_depth(g)
            if gd != d - 1:
                raise SpecError("mixes matrices and lists of matrices")
            parsed.append(self._matrix(g, f"matrix {k}") if d - 1 == 2 else self._groups(g, d - 1))
        return tuple(parsed)

    def _nested(self, raw, level: int):
        d, v = 0, raw
        while isinstance(v, (list, tuple)) and v and d <= self.max_depth:
            d += 1
            v = v[0]
        if d <= 2:
            return self._matrix(list(raw) if isinstance(raw, tuple) else raw)
        if d > self.max_depth:
            raise SpecError(f"nests lists {d} deep; it takes {_DEPTH_WORDS[self.max_depth]} at most")
        out = []
        for k, item in enumerate(raw, start=1):
            if not isinstance(item, (list, tuple)) or not item or not isinstance(item[0], (list, tuple)):
                raise SpecError("mixes numbers and matrices")
            sub = self._nested(item, level + 1)
            if depth(sub) != d - 1:
                raise SpecError("mixes matrices and lists of matrices")
            out.append(sub)
        return tuple(out)

    def _array(self, raw: np.ndarray):
        if raw.ndim <= 2:
            return Matrix().parse(raw)
        if raw.ndim > self.max_depth:
            raise SpecError(f"is an array with {raw.ndim} dimensions; it takes {_DEPTH_WORDS[self.max_depth]} at most")
        if raw.dtype.kind not in "biuf":
            raise SpecError(f"expected an array of numbers, got dtype {raw.dtype}")
        if raw.size == 0 or min(raw.shape) == 0:
            raise SpecError(f"expected at least one number in every matrix, got shape {raw.shape}")
        if raw.size > self.max_entries:
            raise SpecError(f"has {raw.size:,} numbers; at most {self.max_entries:,} are allowed")
        a = np.array(raw, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            raise SpecError("entries must be finite numbers; got NaN or infinity")
        a.setflags(write=False)
        return a

    def _check(self, v):
        d = depth(v)
        if d <= 2:
            return v
        mats = list(_matrices(v))
        shape = (len(mats[0]), len(mats[0][0]))
        for k, m in enumerate(mats[1:], start=2):
            if (len(m), len(m[0])) != shape:
                raise SpecError(f"has matrices of different sizes: matrix {k} is {len(m)} x {len(m[0])} but matrix 1 "
                                f"is {shape[0]} x {shape[1]}")
        if d == 4 and len({len(f) for f in v}) > 1:
            raise SpecError("has filters with different numbers of channels")
        n = len(mats) * shape[0] * shape[1]
        if n > self.max_entries:
            raise SpecError(f"has {n:,} numbers; at most {self.max_entries:,} are allowed")
        return v

    # -- output -------------------------------------------------------------------------------------
    def describe(self):
        more = " or one matrix per channel separated by | (1 2; 3 4 | 5 6; 7 8)"
        if self.max_depth >= 4:
            more += ", several filters separated by ||"
        return f"a matrix such as 1 2; 3 4,{more}, or nested brackets"

    def to_json(self, value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        return _map(value, to_json_number)

    def to_text(self, value):
        if isinstance(value, np.ndarray):
            value = value.tolist()
        return _brackets(value)

    def schema(self):
        return {"type": "matrix", "accepts": self.describe(), "rows": None, "cols": None, "square": False}


def _matrices(v):
    if depth(v) == 2:
        yield v
    else:
        for item in v:
            yield from _matrices(item)


def _map(v, fn):
    if isinstance(v, (tuple, list)):
        return [_map(x, fn) for x in v]
    return fn(v)


def _brackets(v) -> str:
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_brackets(x) for x in v) + "]"
    return F.text(v, 12, exact="decimal")


@dataclass(frozen=True)
class Padding(Spec):
    """Zero padding: one number (every side), a pair (rows, columns: top and bottom, left and right), four numbers
    (top, bottom, left, right), 'valid' (none) or 'same' (as much as keeps the size at stride 1). Parsed: 'same'
    or a tuple (top, bottom, left, right) of ints."""

    kind = "text"

    def parse(self, raw):
        if isinstance(raw, str) and raw.strip().lower() in ("same", "valid"):
            return "same" if raw.strip().lower() == "same" else (0, 0, 0, 0)
        v = Vector(min_len=1, max_len=4, lo=0, hi=MAX_PAD, integer=True).parse(raw)
        ints = [int(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
        if isinstance(v, np.ndarray) and any(float(x) != int(x) for x in v.tolist()):
            raise SpecError("entries must be integers")
        if len(ints) == 1:
            return (ints[0],) * 4
        if len(ints) == 2:
            return (ints[0], ints[0], ints[1], ints[1])
        if len(ints) == 4:
            return tuple(ints)
        raise SpecError(f"must be {self.describe()}. Got {len(ints)} numbers instead.")

    def describe(self):
        return ("one number (every side), a pair (rows, columns), four numbers (top, bottom, left, right), "
                "'same' or 'valid'")

    def to_json(self, value):
        return value if value == "same" else list(value)

    def to_text(self, value):
        if value == "same":
            return "same"
        t, b, l, r = value
        if t == b == l == r:
            return str(t)
        if t == b and l == r:
            return f"[{t}, {l}]"
        return f"[{t}, {b}, {l}, {r}]"

    def schema(self):
        return {"type": "text", "accepts": self.describe()}


_BY = __import__("re").compile(r"^\s*\(?\s*(\d+)\s*(?:x|×|\*|by)\s*(\d+)\s*\)?\s*$", __import__("re").I)


@dataclass(frozen=True)
class Pair(Vector):
    """A number or a pair (rows, columns) of integers, also written as exams do: '3 x 3', '2×2', '2 by 3'."""

    min_len: int = 1
    max_len: int | None = 2
    integer: bool = True

    def parse(self, raw):
        if isinstance(raw, str):
            m = _BY.match(raw)
            if m:
                raw = f"{m.group(1)} {m.group(2)}"
        v = super().parse(raw)
        if isinstance(v, tuple) and len(v) == 2 and v[0] == v[1]:
            return v[:1]  # 2 x 2 is the square window 2
        return v

    def describe(self):
        return "a number, or a pair (rows, columns) such as 2 3 or 2 x 3"


def pair(v) -> tuple[int, int]:
    """A parsed 'number or pair (rows, columns)' Vector as (rows, columns)."""
    vals = [int(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
    return (vals[0], vals[0]) if len(vals) == 1 else (vals[0], vals[1])


def pair_text(v: tuple[int, int], sep: str = " x ") -> str:
    return str(v[0]) if v[0] == v[1] else f"{v[0]}{sep}{v[1]}"


# ---- geometry --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Axis:
    """One axis of a sliding window (see the module docstring)."""

    n: int
    f: int
    s: int
    d: int
    p1: int
    p2: int
    out: int
    ceil: bool = False

    @property
    def f_eff(self) -> int:
        return self.d * (self.f - 1) + 1

    @property
    def span(self) -> int:
        return self.n + self.p1 + self.p2 - self.f_eff

    @property
    def fits(self) -> bool:
        return self.span % self.s == 0

    @property
    def padded(self) -> int:
        return self.n + self.p1 + self.p2

    @property
    def overhang(self) -> int:
        """Cells past the padded input that the last window reaches (ceil mode only)."""
        return max(0, (self.out - 1) * self.s + self.f_eff - self.padded)

    def taps(self, i: int) -> list[int]:
        """Positions in the padded input (0-based) of the taps of output i (0-based)."""
        return [i * self.s + m * self.d for m in range(self.f)]


def check_work(family: str, channels: int, rows: "Axis", cols: "Axis", work: int) -> None:
    """InvalidInput naming the field when the padded input or the window cells of one solve are too many."""
    n = channels * rows.padded * cols.padded
    if n > MAX_PADDED:
        raise InvalidInput("padding", f"The 'padding' parameter of {family} makes a padded input of {n:,} values; at "
                                      f"most {MAX_PADDED:,} are worked.")
    if work > MAX_WORK:
        raise InvalidInput("x", f"The 'x' parameter of {family} gives {work:,} window cells to combine (multiply-adds "
                                f"or comparisons); at most {MAX_WORK:,} are worked here.")


def shape_answer(shape: tuple[int, ...]):
    """The answer `out_shape`: the output's size, exact."""
    return make_answer("out_shape", [sp.Integer(v) for v in shape], tolerance=INT_TOL)


def same_padding(n: int, f_eff: int, s: int) -> tuple[int, int]:
    out = -(-n // s)
    total = max((out - 1) * s + f_eff - n, 0)
    return total // 2, total - total // 2


def axis(n: int, f: int, s: int, d: int, pad: tuple[int, int] | str, ceil: bool = False) -> Axis:
    """The geometry of one axis; the caller has checked that the window fits in the padded input."""
    f_eff = d * (f - 1) + 1
    p1, p2 = same_padding(n, f_eff, s) if pad == "same" else pad
    span = n + p1 + p2 - f_eff
    if ceil:
        out = -(-span // s) + 1
        if (out - 1) * s >= n + p1:  # the last window would start in the padding after the input
            out -= 1
    else:
        out = span // s + 1
    return Axis(n, f, s, d, p1, p2, out, ceil)


# ---- the output-size rule, written once --------------------------------------------------------------

N_, F_, P_, P1_, P2_, S_, D_ = (sym("N"), sym("F"), sym("P"), sym("P_1", "P_{1}"), sym("P_2", "P_{2}"), sym("S"),
                                sym("D"))


@lru_cache(maxsize=None)
def size_symbols(letter: str) -> tuple[sp.Symbol, sp.Symbol]:
    """(input size, output size) symbols for the rows (H) or the columns (W)."""
    return sym(letter), sym(f"{letter}_out", r"%s_{\mathrm{out}}" % letter)


@lru_cache(maxsize=None)
def out_rule(letter: str, rounding: str, symmetric: bool) -> sp.Expr:
    """H_out or W_out: (N - F + 2P)/S + 1 (P_1 + P_2 for unequal padding), exact, floored or ceiled."""
    n, _ = size_symbols(letter)
    with sp.evaluate(False):
        pad = 2 * P_ if symmetric else sp.Add(P1_, P2_)
        q = sp.Add(n, -F_, pad) / S_
        if rounding == "floor":
            q = sp.floor(q)
        elif rounding == "ceil":
            q = sp.ceiling(q)
        return q + 1


with sp.evaluate(False):
    F_EFFECTIVE = D_ * (F_ - 1) + 1
    SAME_TOTAL = (sp.ceiling(N_ / S_) - 1) * S_ + F_ - N_


def out_step(d, title: str, letter: str, ax: Axis, *, text: str = "") -> int:
    """The step computing one output size (Derivation.compute) with the rounding the geometry used."""
    n, out_s = size_symbols(letter)
    symmetric = ax.p1 == ax.p2
    rounding = "exact" if ax.fits else ("ceil" if ax.ceil else "floor")
    values = {n: ax.n, F_: ax.f_eff, S_: ax.s}
    values.update({P_: ax.p1} if symmetric else {P1_: ax.p1, P2_: ax.p2})
    shown = out_rule(letter, rounding, symmetric)
    return int(d.compute(title, out_s, shown, values, text=text))


class Sums(Sigma):
    """A sum over several indices, printed `sum_m sum_n f` in plain text (SymPy merges nested sums into one Sum)."""

    def _sympystr(self, printer):
        heads = " ".join("sum_%s" % printer._print(lim[0]) for lim in reversed(self.limits))
        return "%s %s" % (heads, printer.parenthesize(self.function, 45))

    def _latex(self, printer, exp=None):
        heads = " ".join(r"\sum_{%s=%s}^{%s}" % tuple(printer._print(v) for v in lim) for lim in reversed(self.limits))
        tex = "%s %s" % (heads, printer.parenthesize(self.function, 45))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


def exact_nd(v):
    """A parsed Tensor value as nested tuples of exact Rationals (a NumPy array's floats as their shortest decimals)."""
    if isinstance(v, np.ndarray):
        return _tuples(v.tolist())
    return v


def _tuples(v):
    if isinstance(v, list):
        return tuple(_tuples(x) for x in v)
    return exact(float(v))


def float_nd(v, name: str = "") -> np.ndarray:
    """A parsed Tensor value as a float64 array (Rationals divided as Python ints: correctly rounded). An entry
    beyond float64's range is an InvalidInput naming the field `name` (the numeric path cannot hold it)."""
    if isinstance(v, np.ndarray):
        return v.astype(np.float64, copy=False)
    flat = []

    def walk(x):
        if isinstance(x, tuple):
            for y in x:
                walk(y)
        else:
            flat.append(int(x.p) / int(x.q) if isinstance(x, sp.Rational) else float(x))

    try:
        walk(v)
    except OverflowError:
        raise InvalidInput(name or "params", f"An entry of {name or 'the input'} is beyond float64's range (about "
                                             "1.8e308), which the numeric path needs; scale the problem, or solve a "
                                             "smaller one on the exact path.") from None
    shape = []
    x = v
    while isinstance(x, tuple):
        shape.append(len(x))
        x = x[0]
    return np.array(flat, dtype=np.float64).reshape(shape)


def shape_of(v) -> tuple[int, ...]:
    if isinstance(v, np.ndarray):
        return tuple(v.shape)
    shape = []
    while isinstance(v, tuple):
        shape.append(len(v))
        v = v[0]
    return tuple(shape)


def windows(a: np.ndarray, rows: Axis, cols: Axis) -> np.ndarray:
    """(..., H_out, W_out, f_h, f_w) view of the taps of every output over a padded (..., H_p, W_p) array."""
    from numpy.lib.stride_tricks import sliding_window_view

    v = sliding_window_view(a, (rows.f_eff, cols.f_eff), axis=(-2, -1))
    v = v[..., ::rows.s, ::cols.s, ::rows.d, ::cols.d]
    return v[..., :rows.out, :cols.out, :, :]
