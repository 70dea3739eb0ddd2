"""2-D pooling values: y[i, j] = max (or mean) of the window x̃[S(i-1) + m, S(j-1) + n], m = 1..F_h, n = 1..F_w.

Exam questions: "Apply 2 x 2 max pooling with stride 2 to this 4 x 4 feature map: what is the output?";
"average pooling with a 3 x 3 window, stride 1 and padding 1?"; "global average pooling of these channels?";
"where is each maximum (the positions backpropagation sends the gradient to)?". Every channel is pooled on its
own. The working shows the output size ((W - F + 2P)/S + 1), a few entries written out as the max or mean of
their window and every entry in a table (addressable as output@i=1,j=2; argmax@i=1,j=2 for max pooling, the
1-based (row, column) of the maximum in the input, the first in reading order on a tie, as torch's
return_indices).

Conventions: `ceil_mode` (the output size rounded down, torch's default, or up: a last window that hangs over
the padded input, never one that starts in the padding after it) and `count_include_pad` (whether an average
over a window that covers zero padding divides by the whole window, torch's default, or by the input cells
only). Max pooling pads with -infinity: a padding cell is never the maximum. As torch requires, the padding is
at most half the window.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from problems import _grid as G
from problems._written import fmax, mean
from solver import format as F
from solver.conventions import Convention
from solver.params import Choice, InvalidInput, Param
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.symbolic import Derivation, checkpoint, make_answer, sym

TITLE = "2-D pooling: max and average pooling values, argmax and output size"
TOPIC = "layers"
KEYWORDS = ("pool2d", "pooling", "max pooling", "max-pooling", "maxpool", "max pool", "average pooling",
            "avg pooling", "average pool", "mean pooling", "global average pooling", "global max pooling",
            "pooled", "pooling window", "pooling layer output", "downsample", "argmax", "pooled output",
            "feature map", "apply max pooling", "apply average pooling", "perform max pooling",
            "perform average pooling", "padding")

# ---- the rule, written once ----------------------------------------------------------------------
x_s, y_s = sym("x"), sym("y")
i_, j_, m_, n_ = sym("i"), sym("j"), sym("m"), sym("n")
XP = sp.IndexedBase(sym("xp", r"\tilde{x}"))
YB = sp.IndexedBase(y_s)
count_s = sym("N_win", r"N_{\mathrm{win}}")


class WindowMax(sp.Function):
    """max over the window of f(m, n), printed max_{m,n} f (LaTeX \\max_{m,n})."""

    def _latex(self, printer, exp=None):
        return r"\max_{m,n} %s" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "max_(m,n) %s" % printer._print(self.args[0])


def _tap(i, s: int, m):
    terms = [i if s == 1 else sp.Mul(s, i, evaluate=False), m]
    if s != 1:
        terms.append(sp.Integer(-s))
    return sp.Add(*terms, evaluate=False)


@lru_cache(maxsize=64)
def rule(mode: str, sh: int, sw: int, fh: int, fw: int) -> sp.Expr:
    """y[i, j] for max or average pooling at strides (sh, sw) with an fh x fw window."""
    entry = XP[_tap(i_, sh, m_), _tap(j_, sw, n_)]
    if mode == "max":
        return WindowMax(entry)
    window_sum = G.Sums(entry, (n_, 1, fw), (m_, 1, fh))  # built with evaluation on (see problems._written.Sigma)
    return sp.Mul(window_sum, sp.Pow(count_s, -1, evaluate=False), evaluate=False)


MODES = {"max": "max pooling: the largest entry of each window",
         "avg": "average pooling: the mean of each window",
         "global_max": "global max pooling: the largest entry of each channel",
         "global_avg": "global average pooling: the mean of each channel"}

CEIL = Convention(
    "ceil_mode", "Rounding of the output size",
    {"floor": "the output size (W - F + 2P)/S + 1 is rounded down: windows stay inside the padded input",
     "ceil": "the output size is rounded up: a last window may hang over the padded input (but never starts in "
             "the padding after it)"},
    default="floor",
    why_default="torch.nn.MaxPool2d and AvgPool2d default to ceil_mode=False, as Keras's 'valid' pooling",
    aliases={"false": "floor", "true": "ceil", "down": "floor", "up": "ceil"},
    sources={"floor": "PyTorch's torch.nn.MaxPool2d and AvgPool2d (ceil_mode=False); Keras's MaxPooling2D; "
                      "Goodfellow et al., Deep Learning, section 9.3",
             "ceil": "PyTorch's ceil_mode=True; Caffe's pooling layers"},
    paper={"floor": "Round the output size down: every window lies inside the padded input.",
           "ceil": "Round the output size up: keep a last, partial window at the edge (as ceil_mode=True)."},
    cues={"floor": ("ceil_mode=false", "rounded down", "round down", "floor mode"),
          "ceil": ("ceil_mode=true", "ceil mode", "rounded up", "round up", "partial window")})

COUNT_PAD = Convention(
    "count_include_pad", "What an average over padding divides by",
    {"include": "an average divides by the whole window, padding zeros included (clipped to the padded input)",
     "exclude": "an average divides by the number of input cells in the window (padding not counted)"},
    default="include",
    why_default="torch.nn.AvgPool2d's default (count_include_pad=True)",
    aliases={"true": "include", "false": "exclude", "yes": "include", "no": "exclude"},
    sources={"include": "PyTorch's torch.nn.AvgPool2d (count_include_pad=True, the default)",
             "exclude": "PyTorch's count_include_pad=False; TensorFlow's and Keras's 'same' average pooling"},
    paper={"include": "When a window covers padding, divide its sum by the full window size (the padding zeros "
                      "count).",
           "exclude": "When a window covers padding, divide its sum by the number of input cells in it (the padding "
                      "does not count)."},
    cues={"include": ("count_include_pad=true", "padding counts", "including the padding", "zeros count"),
          "exclude": ("count_include_pad=false", "excluding the padding", "padding does not count",
                      "ignore the padding", "only the input cells")})
CONVENTIONS = (CEIL, COUNT_PAD)

PARAMS = (
    Param("x", G.Tensor(max_depth=3), required=True, label="Input x",
          help="the feature map: a matrix (rows separated by ;), or one matrix per channel separated by |",
          aliases=("x", "X", "input", "feature map", "input feature map", "activation map", "image", "matrix", "A",
                   "input volume")),
    Param("mode", Choice(MODES, aliases={"maximum": "max", "average": "avg", "mean": "avg", "gap": "global_avg",
                                         "gmp": "global_max", "global average": "global_avg",
                                         "global max": "global_max", "global_average": "global_avg",
                                         "global_maximum": "global_max"}),
          default="max", label="Pooling",
          help="max, avg (average), global_max or global_avg (the whole channel is one window)",
          aliases=("mode", "pooling", "pool", "type", "pooling type"),
          cues={"max": ("max pooling", "max-pooling", "maxpool", "max pool", "maximum pooling"),
                "avg": ("average pooling", "avg pooling", "mean pooling", "average pool", "avgpool"),
                "global_max": ("global max pooling", "global maximum pooling"),
                "global_avg": ("global average pooling", "global avg pooling", "global mean pooling", "gap")}),
    Param("size", G.Pair(lo=1, hi=10_000), default="2", label="Window size F",
          help="the pooling window: a number (square) or a pair (rows, columns)",
          aliases=("size", "F", "window", "window size", "kernel size", "pool size", "pooling size", "kernel",
                   "filter size", "pool", "pooling", "pooling window", "pooling with a window", "window of size",
                   "max pooling", "average pooling", "avg pooling", "mean pooling")),
    Param("stride", G.Pair(lo=1, hi=10_000), label="Stride S",
          help="a number or a pair (rows, columns); by default the window size (non-overlapping windows), as torch",
          aliases=("stride", "S", "strides", "step")),
    Param("padding", G.Pair(lo=0, hi=5_000), default="0", label="Padding P",
          help="cells added on every side: a number or a pair (rows, columns); at most half the window",
          aliases=("padding", "pad", "P", "zero padding", "padded with"),
          cues={"0": ("no padding", "without padding", "valid")}),
)

EXAMPLE = Example(
    params={"x": "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "mode": "max", "size": "2", "stride": "2"},
    source="the Stanford CS231n course notes, Convolutional Networks (max pooling with 2 x 2 filters and stride 2)",
)

#: the exact path writes at most this many output entries out in full (the rest are in the table)
WRITTEN_OUT = 4
#: a table cell lists the window's entries up to this many (larger windows name their count)
MAX_SHOWN = 16


@dataclass(frozen=True)
class Pool:
    C: int
    H: int
    W: int
    rows: G.Axis
    cols: G.Axis
    x_matrix: bool
    kind: str        # "max" or "avg"
    is_global: bool

    @property
    def padded(self) -> bool:
        return any((self.rows.p1, self.rows.p2, self.cols.p1, self.cols.p2))

    @property
    def out_shape(self) -> tuple[int, ...]:
        core = (self.rows.out, self.cols.out)
        return core if self.x_matrix else (self.C, *core)

    @property
    def work(self) -> int:
        return self.C * self.rows.out * self.cols.out * self.rows.f * self.cols.f


def _pool(p, ceil: bool = False) -> Pool:
    shape = G.shape_of(p["x"])
    C, H, W = (1, *shape) if len(shape) == 2 else shape
    mode = p["mode"]
    is_global = mode.startswith("global")
    kind = "max" if mode.endswith("max") else "avg"
    if is_global:
        fh, fw, (sh, sw), (ph, pw) = H, W, (1, 1), (0, 0)
        ceil = False
    else:
        (fh, fw) = G.pair(p["size"])
        (sh, sw) = G.pair(p["stride"]) if p["stride"] is not None else (fh, fw)
        (ph, pw) = G.pair(p["padding"])
        for pad, f, what in ((ph, fh, "rows"), (pw, fw, "columns")):
            if 2 * pad > f:
                raise InvalidInput("padding", f"The 'padding' parameter of pool2d is {pad} for the {what}, more than half "
                                              f"the window ({f}): a window could then hold padding only. Use at most "
                                              f"{f // 2}, as torch requires.")
        for n, f, pad, what in ((H, fh, ph, "rows"), (W, fw, pw, "columns")):
            if f > n + 2 * pad:
                raise InvalidInput("size", f"The 'size' parameter of pool2d is larger than the padded input: the window "
                                           f"spans {f} {what}, but the input has {n} {what} ({n + 2 * pad} with "
                                           f"padding). Use a smaller window.")
    rows = G.axis(H, fh, sh, 1, (ph, ph), ceil)
    cols = G.axis(W, fw, sw, 1, (pw, pw), ceil)
    pool = Pool(C, H, W, rows, cols, len(shape) == 2, kind, is_global)
    G.check_work("pool2d", C, rows, cols, pool.work)
    return pool


def validate(p: dict[str, Any]) -> None:
    _pool(p)
    _pool(p, ceil=True)


def use_numeric(p) -> bool:
    if any(isinstance(p[k], np.ndarray) for k in ("x", "size", "stride", "padding")):
        return True
    pool = _pool(p)
    return pool.C * pool.rows.out * pool.cols.out > 100 or pool.work > 2500


def _channels(x, pool: Pool) -> list:
    return [x] if pool.x_matrix else list(x)


def statement(p) -> Rich:
    pool = _pool(p)
    xs = _channels(G.exact_nd(p["x"]), pool)
    mode = p["mode"]
    name = {"max": "max pooling", "avg": "average pooling", "global_max": "global max pooling",
            "global_avg": "global average pooling"}[mode]
    parts: list[Any] = []
    if pool.is_global:
        parts.append(f"Apply {name} to the input ")
    else:
        r, c = pool.rows, pool.cols
        parts.append(f"Apply {F.shape((r.f, c.f))} {name} with stride " +
                     (str(r.s) if r.s == c.s else f"({r.s}, {c.s})"))
        if r.p1 or c.p1:
            parts.append(" and padding " + (str(r.p1) if r.p1 == c.p1 else f"({r.p1}, {c.p1})"))
        parts.append(" to the input ")
    if pool.C == 1:
        parts.append(Eq(x_s, xs[0]))
    else:
        parts.append(f"with {pool.C} channels ")
        for c in range(pool.C):
            if c:
                parts.append(" and " if c == pool.C - 1 else ", ")
            parts.append(Eq(sym(f"x_{c + 1}", "x_{%d}" % (c + 1)), xs[c]))
    ask = "Give the pooled output" + (" and the position of each maximum." if pool.kind == "max" else ".")
    parts += [". ", ask]
    return Rich(*parts)


# ---- the windows -------------------------------------------------------------------------------------

def _cells(pool: Pool, i: int, j: int) -> tuple[list[tuple[int, int]], int]:
    """The input cells (0-based row, column) under output (i, j), in reading order, and the window size counted
    by count_include_pad (the taps inside the padded input)."""
    r, c = pool.rows, pool.cols
    rr = [t for t in r.taps(i) if t < r.padded]
    cc = [t for t in c.taps(j) if t < c.padded]
    cells = [(a - r.p1, b - c.p1) for a in rr for b in cc if r.p1 <= a < r.p1 + r.n and c.p1 <= b < c.p1 + c.n]
    return cells, len(rr) * len(cc)


def _out_size_steps(d: Derivation, pool: Pool) -> None:
    rows, cols = pool.rows, pool.cols
    same = (rows.n, rows.f, rows.s, rows.p1) == (cols.n, cols.f, cols.s, cols.p1)
    G.out_step(d, "Output height" + (" and width" if same else ""), "H", rows,
               text="The window moves over the padded input in steps of S: (W - F + 2P)/S + 1 positions" +
                    (", rounded up (ceil mode)." if rows.ceil else "."))
    if not same:
        G.out_step(d, "Output width", "W", cols)
    for ax, what in ((rows, "rows"), (cols, "columns")):
        if not ax.fits and (what == "rows" or not same):
            if ax.ceil:
                d.note(f"The stride does not fit the {what}",
                       f"(N - F + 2P)/S = {ax.span}/{ax.s} is rounded up (ceil mode): the last window hangs over the "
                       f"edge and pools only the cells it covers.")
            else:
                d.note(f"The stride does not fit the {what}",
                       f"(N - F + 2P)/S = {ax.span}/{ax.s} is rounded down, as torch does: the last "
                       f"{ax.span % ax.s} {what} are not pooled.")


def _shape_answer(pool: Pool):
    return G.shape_answer(pool.out_shape)


def solve(p, conv) -> Derivation:
    d = Derivation()
    pool = _pool(p, conv["ceil_mode"] == "ceil")
    rows, cols = pool.rows, pool.cols
    include = conv["count_include_pad"] == "include"
    xs = _channels(G.exact_nd(p["x"]), pool)
    multi = pool.C > 1
    if not multi:
        d.given("Input", xs[0], lhs=x_s)
    else:
        for c in range(pool.C):
            d.given(f"Input, channel {c + 1}", xs[c], lhs=sym(f"x_{c + 1}", "x_{%d}" % (c + 1)))
    if pool.is_global:
        d.note("Global pooling", "The window is the whole channel: one output per channel.")
    if pool.padded:
        if pool.kind == "max":
            d.note("Padding", "Max pooling pads with −∞ (as torch): a padding cell is never the maximum, so each window "
                              "takes the largest of its input cells.")
        else:
            d.note("Padding", f"{rows.p1} row{'s' if rows.p1 != 1 else ''} and {cols.p1} column"
                              f"{'s' if cols.p1 != 1 else ''} of zeros on each side (they add nothing to a sum); " +
                   ("an average divides by the whole window, zeros included (count_include_pad)." if include else
                    "an average divides by the number of input cells in its window (padding not counted)."))
    if multi:
        d.note("Channels", "Each channel is pooled on its own.")
    checkpoint()
    if not pool.is_global:
        _out_size_steps(d, pool)
    d.conclude("Output size", text=f"The output is {F.shape(pool.out_shape)}.", answers=(_shape_answer(pool),))

    general = rule(pool.kind, rows.s, cols.s, rows.f, cols.f)
    d.formula("Each output entry", YB[i_, j_], general,
              text=("Each output entry is the largest entry of its window of the padded input" if pool.kind == "max" else
                    "Each output entry is the sum of its window of the padded input divided by N_win, the number of "
                    "cells counted") + ". Rows and columns are numbered from 1.")
    out = [[[None] * cols.out for _ in range(rows.out)] for _ in range(pool.C)]
    arg = [[[None] * cols.out for _ in range(rows.out)] for _ in range(pool.C)]
    table = []
    written = 0
    for c in range(pool.C):
        for i in range(rows.out):
            for j in range(cols.out):
                checkpoint()
                cells, full = _cells(pool, i, j)
                vals = [xs[c][a][b] for a, b in cells]
                if pool.kind == "max":
                    best = max(range(len(vals)), key=lambda k: (vals[k], -k))
                    v = vals[best]
                    where = (sp.Integer(cells[best][0] + 1), sp.Integer(cells[best][1] + 1))
                    arg[c][i][j] = where
                else:
                    n = full if include else len(cells)
                    v = sum(vals, sp.Integer(0)) / n
                if written < WRITTEN_OUT:
                    syms = tuple(_cell_sym(c, a + rows.p1, b + cols.p1, multi) for a, b in cells)
                    values = dict(zip(syms, vals))
                    if pool.kind == "max":
                        inst = fmax(*syms) if len(syms) > 1 else syms[0]
                    else:
                        inst = mean(sp.Integer(full if include else len(cells)), *syms)
                    title = f"Output entry ({i + 1}, {j + 1})" + (f" of channel {c + 1}" if multi else "")
                    d.compute(title, YB[i + 1, j + 1], _at(general, i + 1, j + 1), values, instance=inst)
                    written += 1
                out[c][i][j] = v
                shown = (", ".join(F.text(a) for a in vals) if len(vals) <= MAX_SHOWN else f"({len(vals)} cells)")
                row = ((c + 1,) if multi else ()) + (i + 1, j + 1, shown)
                if pool.kind == "avg":
                    row += (sp.Integer(full if include else len(cells)),)
                row += (v,)
                if pool.kind == "max":
                    row += (arg[c][i][j],)
                table.append(row)
    keys = (("c",) if multi else ()) + ("i", "j", "window") + (("count",) if pool.kind == "avg" else ()) + \
        ("output",) + (("argmax",) if pool.kind == "max" else ())
    shown_cols = (["channel"] if multi else []) + ["i", "j", "window"] + (["N_win"] if pool.kind == "avg" else []) + \
        ["y"] + (["argmax (row, column)"] if pool.kind == "max" else [])
    d.table("Every output entry", shown_cols, table, keys=keys, index=keys[:3 if multi else 2],
            text="Address an entry as output@i=1,j=2" + (" (with c= the channel)" if multi else "") +
                 ("; argmax@i=1,j=2 is the position of the maximum in the input, the first in reading order on a tie."
                  if pool.kind == "max" else "."))
    answers = [_answer_output(out, pool)]
    if pool.kind == "max":
        answers.append(make_answer("argmax", _shape(arg, pool), tolerance=G.INT_TOL))
    d.conclude("Pooled output", answers=tuple(answers), text=f"The {F.shape(pool.out_shape)} output.")
    return d


def _cell_sym(c: int, r: int, q: int, multi: bool) -> sp.Symbol:
    idx = ((c + 1,) if multi else ()) + (r + 1, q + 1)
    return _esym(idx)


@lru_cache(maxsize=20_000)
def _esym(idx: tuple[int, ...]) -> sp.Symbol:
    return sym(f"xp_{'_'.join(map(str, idx))}", r"\tilde{x}_{%s}" % ",".join(map(str, idx)))


@lru_cache(maxsize=4096)
def _at(general: sp.Expr, i: int, j: int) -> sp.Expr:
    """The general rule written for output (i, j): the window's rows and columns as numbers plus m and n."""
    return general.xreplace({i_: sp.Integer(i), j_: sp.Integer(j)})


def _shape(nested, pool: Pool):
    if pool.is_global:
        flat = [ch[0][0] for ch in nested]
        return flat[0] if pool.x_matrix else flat
    return nested[0] if pool.x_matrix else nested


def _answer_output(out, pool: Pool):
    return make_answer("output", _shape(out, pool))


# ---- numeric path -----------------------------------------------------------------------------------

def _numeric(p, conv, pool: Pool):
    x = G.float_nd(p["x"], "x")
    x = x[None] if x.ndim == 2 else x
    r, c = pool.rows, pool.cols
    extra_r, extra_c = r.overhang, c.overhang
    fill = -np.inf if pool.kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (r.p1, r.p2 + extra_r), (c.p1, c.p2 + extra_c)), constant_values=fill)
    rr = G.Axis(r.n, r.f, r.s, 1, r.p1, r.p2 + extra_r, r.out)
    cc = G.Axis(c.n, c.f, c.s, 1, c.p1, c.p2 + extra_c, c.out)
    win = G.windows(xp, rr, cc)                              # (C, H_out, W_out, fh, fw)
    if pool.kind == "max":
        flat = win.reshape(*win.shape[:3], -1)
        k = np.argmax(flat, axis=-1)                         # first maximum in reading order
        out = np.take_along_axis(flat, k[..., None], -1)[..., 0]
        oi, oj = np.meshgrid(np.arange(r.out), np.arange(c.out), indexing="ij")
        row = oi[None] * r.s + k // c.f - r.p1 + 1
        col = oj[None] * c.s + k % c.f - c.p1 + 1
        return out, np.stack([row, col], axis=-1)
    sums = win.sum(axis=(-2, -1))
    if conv["count_include_pad"] == "include":
        inside = np.zeros(xp.shape[1:])
        inside[:r.padded, :c.padded] = 1.0
    else:
        inside = np.zeros(xp.shape[1:])
        inside[r.p1:r.p1 + r.n, c.p1:c.p1 + c.n] = 1.0
    counts = G.windows(inside, rr, cc).sum(axis=(-2, -1))
    return sums / counts[None], None


def solve_numeric(p, conv) -> Derivation:
    """The same windows vectorised: a strided view of the padded input, reduced by max (argmax) or mean."""
    d = Derivation()
    pool = _pool(p, conv["ceil_mode"] == "ceil")
    out, arg = _numeric(p, conv, pool)
    d.note("Numeric path", f"float64 arithmetic: {pool.work:,} window cells reduced over a strided view of the padded "
                           "input.")
    answers = [_shape_answer(pool), make_answer("output", _shape(out.tolist(), pool))]
    if arg is not None:
        answers.append(make_answer("argmax", _shape(arg.tolist(), pool), tolerance=G.INT_TOL))
    d.conclude("Pooled output", text=f"The output is {F.shape(pool.out_shape)}.", answers=tuple(answers))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A small integer feature map and a window that fits it, padding at most half the window."""
    while True:
        n = int(rng.integers(3, 7))
        f = int(rng.integers(2, 4))
        s = int(rng.choice([1, 2, 2]))
        pad = int(rng.choice([0, 0, 1])) if f >= 2 else 0
        if (n + 2 * pad - f) // s + 1 >= 2:
            break
    x = rng.integers(-3, 10, size=(n, n)).tolist()
    return {"x": "; ".join(" ".join(map(str, r)) for r in x), "mode": str(rng.choice(["max", "max", "avg"])),
            "size": f, "stride": s, "padding": pad}
