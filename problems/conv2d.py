"""2-D convolution values: y[i, j] = sum_m sum_n x̃[S(i-1) + D(m-1) + 1, S(j-1) + D(n-1) + 1] k[m, n] + b over the padded input x̃.

Exam questions: "Convolve this 5 x 5 image with this 3 x 3 kernel (stride 1, no padding): what is the
output feature map?"; "with padding 1 and stride 2?"; "what is the padded input?"; "what is the output size?"
((W - F + 2P)/S + 1); a multi-channel input (channels as a list of matrices, summed over) and several filters
(output channels), with a bias per filter; dilated kernels; 'same' and 'valid' padding.

The answer is worked as a student does by hand: the padded input, the output size, a few output entries
written out as the sum of products they are, and every entry in a table (addressable as output@i=1,j=2, rows
and columns numbered from 1; output@c=2,i=1,j=1 for the second filter). When the stride does not fit,
(W - F + 2P)/S is floored as every framework does, and the last rows or columns are not used.

Convention: what the operation computes. Cross-correlation slides the kernel as given (what every
deep-learning framework calls convolution: torch.nn.functional.conv2d, TensorFlow, Keras); convolution in
the signal-processing sense flips the kernel in both directions first (rotates it by 180 degrees).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from problems import _grid as G
from problems._written import total, written
from solver import format as F
from solver.conventions import Convention
from solver.params import InvalidInput, Param, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.symbolic import Derivation, checkpoint, make_answer, sym

TITLE = "2-D convolution: output values, padding and output size"
TOPIC = "layers"
KEYWORDS = ("conv2d", "convolution", "convolve", "convolved", "cross-correlation", "cross correlation", "kernel",
            "feature map", "output feature map", "convolution output", "sum of products", "padded input",
            "zero padding", "flipped kernel", "convolution operation", "filter", "image")

# ---- the rule, written once ----------------------------------------------------------------------
x_s, k_s, b_s, y_s = sym("x"), sym("k"), sym("b"), sym("y")
kf_s = sym("kf", r"\tilde{k}")
i_, j_, m_, n_, c_, o_ = sym("i"), sym("j"), sym("m"), sym("n"), sym("c"), sym("o")
XP = sp.IndexedBase(sym("xp", r"\tilde{x}"))
KB = sp.IndexedBase(k_s)
KF = sp.IndexedBase(kf_s)
YB = sp.IndexedBase(y_s)
BB = sp.IndexedBase(b_s)


@lru_cache(maxsize=1024)
def rule(fh: int, fw: int, sh: int, sw: int, dh: int, dw: int, channels: int, filters: bool, bias: bool,
         flipped: bool, at: tuple[int, int, int] | None = None) -> sp.Expr:
    """The output entry y[i, j] (y[o, i, j] with several filters) for this geometry: the sum over the window of
    padded input times kernel (the flipped kernel for a convolution), plus the bias; `at` = (o, i, j) writes it
    for that entry."""
    o, i, j = (o_, i_, j_) if at is None else at
    kb = KF if flipped else KB
    kidx = ((o,) if filters else ()) + ((c_,) if channels > 1 else ()) + (m_, n_)
    xidx = ((c_,) if channels > 1 else ()) + (_index(i, sh, m_, dh), _index(j, sw, n_, dw))
    limits = [(n_, 1, fw), (m_, 1, fh)] + ([(c_, 1, channels)] if channels > 1 else [])
    body = G.Sums(sp.Mul(XP[xidx], kb[kidx], evaluate=False), *limits)
    if bias:
        body = total(body, BB[o] if filters else b_s)
    return body


def _index(i, s: int, m, d: int) -> sp.Expr:
    """The padded-input row (or column) of tap m of output i, as written: S(i - 1) + D(m - 1) + 1, i.e. i + m - 1."""
    tap = m if d == 1 else sp.Mul(d, m, evaluate=False)
    if isinstance(i, int):  # one entry: the row is a number plus the tap
        const = s * i + 1 - s - d
        return sp.Add(tap, sp.Integer(const), evaluate=False) if const else tap
    terms = [i if s == 1 else sp.Mul(s, i, evaluate=False), tap]
    if 1 - s - d:
        terms.append(sp.Integer(1 - s - d))
    return sp.Add(*terms, evaluate=False)


def lhs(filters: bool, i=i_, j=j_, o=o_):
    return YB[o, i, j] if filters else YB[i, j]


with sp.evaluate(False):
    FLIP = KB[sym("F_h", "F_{h}") + 1 - m_, sym("F_w", "F_{w}") + 1 - n_]


def _products_plus(pairs, extra):
    return sp.Add(*[sp.Mul(a, b) for a, b in pairs], *(() if extra is None else (extra,)))


def written_sum(pairs: tuple, extra=None) -> sp.Expr:
    """a_1 b_1 + a_2 b_2 + ... (+ extra), as written (one flat sum)."""
    return written(_products_plus, pairs, extra)


@lru_cache(maxsize=20_000)
def esym(name: str, latex: str, idx: tuple[int, ...]) -> sp.Symbol:
    """The symbol of one entry (x̃ at (2, 3)), for writing a sum out with the numbers substituted."""
    return sym(f"{name}_{'_'.join(map(str, idx))}", r"%s_{%s}" % (latex, ",".join(map(str, idx))))


OPERATION = Convention(
    "operation", "Cross-correlation or convolution",
    {"cross_correlation": "cross-correlation: the kernel slides over the input as given, y = sum x̃ k (what deep-learning "
                          "frameworks call convolution)",
     "convolution": "convolution in the signal-processing sense: the kernel is flipped in both directions (rotated by "
                    "180 degrees) before it slides"},
    default="cross_correlation",
    why_default="what every deep-learning framework computes under the name convolution (torch, TensorFlow, Keras)",
    aliases={"correlation": "cross_correlation", "cross-correlation": "cross_correlation", "xcorr": "cross_correlation",
             "torch": "cross_correlation", "flipped": "convolution", "true_convolution": "convolution",
             "flip": "convolution"},
    sources={"cross_correlation": "PyTorch's torch.nn.functional.conv2d; TensorFlow's tf.nn.conv2d; Keras's Conv2D; "
                                  "Goodfellow et al., Deep Learning, section 9.1; Zhang et al., Dive into Deep Learning, "
                                  "section 7.2",
             "convolution": "the signal-processing definition (scipy.signal.convolve2d); Goodfellow et al., Deep "
                            "Learning, section 9.1"},
    paper={"cross_correlation": "Compute the cross-correlation, as deep-learning frameworks do: slide the kernel over the "
                                "input without flipping it.",
           "convolution": "Compute the convolution in the signal-processing sense: flip the kernel in both directions "
                          "(rotate it by 180°) before sliding it over the input."},
    cues={"cross_correlation": ("cross-correlation", "cross correlation", "without flipping", "do not flip the kernel",
                                "not flipped", "as in pytorch"),
          "convolution": ("flip the kernel", "flipped kernel", "kernel flipped", "true convolution",
                          "rotate the kernel by 180", "rotated by 180", "signal processing convolution",
                          "mathematical convolution")})
CONVENTIONS = (OPERATION,)

PARAMS = (
    Param("x", G.Tensor(max_depth=3), required=True, label="Input x",
          help="the input: a matrix (one row per line or rows separated by ;), or one matrix per channel separated by |",
          aliases=("x", "X", "input", "image", "input image", "input matrix", "feature map", "input feature map",
                   "I", "A", "input volume")),
    Param("kernel", G.Tensor(max_depth=4), required=True, label="Kernel k",
          help="a matrix; with several input channels one matrix per channel separated by |; several filters (output "
               "channels) separated by || (with a one-channel input, | also separates filters)",
          aliases=("kernel", "k", "K", "filter", "filters", "w", "W", "weights", "kernel matrix", "convolution kernel",
                   "filter weights", "mask")),
    Param("stride", Vector(min_len=1, max_len=2, lo=1, hi=10_000, integer=True), default="1", label="Stride S",
          help="a number, or a pair (rows, columns)",
          aliases=("stride", "S", "strides", "step")),
    Param("padding", G.Padding(), default="0", label="Padding P",
          help="zeros added around the input: a number (each side), a pair (rows, columns), four numbers "
               "(top, bottom, left, right), 'same' or 'valid'",
          aliases=("padding", "pad", "P", "zero padding", "zero-padding", "padded with"),
          cues={"same": ("same padding", "'same' padding", "padding='same'", "keeps the size", "same size output"),
                "0": ("no padding", "without padding", "valid padding", "no zero padding", "unpadded",
                      "padding='valid'")}),
    Param("dilation", Vector(min_len=1, max_len=2, lo=1, hi=1000, integer=True), default="1", label="Dilation D",
          help="spacing of the kernel taps (1 = ordinary); a number or a pair (rows, columns)",
          aliases=("dilation", "D", "dilation rate", "dilated by")),
    Param("bias", Vector(max_len=10_000), label="Bias b", help="optional: one number per filter (output channel)",
          aliases=("bias", "b", "biases", "bias term")),
)

EXAMPLE = Example(
    params={"x": "0 1 2; 3 4 5; 6 7 8", "kernel": "0 1; 2 3"},
    source="Zhang, Lipton, Li and Smola, Dive into Deep Learning, section 7.2 (the cross-correlation of a 3 x 3 input "
           "with a 2 x 2 kernel)",
)

#: the exact path writes at most this many output entries out in full (the rest are in the table)
WRITTEN_OUT = 4
#: a table cell shows the products of windows up to this size (larger ones name their count)
MAX_PRODUCTS_SHOWN = 18


# ---- the layer's shape -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Layer:
    C: int           # input channels
    H: int
    W: int
    K: int           # filters (output channels)
    fh: int
    fw: int
    rows: G.Axis
    cols: G.Axis
    x_matrix: bool   # x given as one matrix
    kernel_split: str  # how the kernel's matrices were read: "one", "channels", "filters", "both"

    @property
    def padded(self) -> bool:
        return any((self.rows.p1, self.rows.p2, self.cols.p1, self.cols.p2))

    @property
    def macs(self) -> int:
        return self.K * self.rows.out * self.cols.out * self.C * self.fh * self.fw

    @property
    def out_shape(self) -> tuple[int, ...]:
        core = (self.rows.out, self.cols.out)
        return core if self.K == 1 else (self.K, *core)


def _layer(p) -> Layer:
    xs, ks = G.shape_of(p["x"]), G.shape_of(p["kernel"])
    C, H, W = (1, *xs) if len(xs) == 2 else xs
    kd = len(ks)
    if kd == 2:
        if C > 1:
            raise InvalidInput("kernel", f"The 'kernel' parameter of conv2d is one matrix, but 'x' has {C} channels: give "
                                         f"one kernel matrix per input channel, separated by |.")
        K, Ck, fh, fw, split = 1, 1, ks[0], ks[1], "one"
    elif kd == 3:
        n, fh, fw = ks
        if C == 1:
            K, Ck, split = n, 1, ("filters" if n > 1 else "one")
        elif n == C:
            K, Ck, split = 1, C, "channels"
        else:
            raise InvalidInput("kernel", f"The 'kernel' parameter of conv2d has {n} matrices, but 'x' has {C} channels: "
                                         f"give one kernel matrix per input channel (separated by |), and separate "
                                         f"several filters by ||.")
    else:
        K, Ck, fh, fw = ks
        split = "both"
        if Ck != C:
            raise InvalidInput("kernel", f"The 'kernel' parameter of conv2d has {Ck} channel{'s' if Ck > 1 else ''} per "
                                         f"filter, but 'x' has {C}: each filter needs one matrix per input channel.")
    if p["bias"] is not None and len(p["bias"]) != K:
        raise InvalidInput("bias", f"The 'bias' parameter of conv2d must have one number per filter ({K}). Got "
                                   f"{len(p['bias'])} instead.")
    (sh, sw), (dh, dw) = G.pair(p["stride"]), G.pair(p["dilation"])
    pad = p["padding"]
    pr = "same" if pad == "same" else (pad[0], pad[1])
    pc = "same" if pad == "same" else (pad[2], pad[3])
    for n_in, f, dil, pp, what in ((H, fh, dh, pr, "rows"), (W, fw, dw, pc, "columns")):
        feff = dil * (f - 1) + 1
        room = n_in + (0 if pp == "same" else pp[0] + pp[1])
        if pp != "same" and feff > room:
            dil_words = f" ({feff} with dilation {dil})" if dil != 1 else ""
            raise InvalidInput("kernel", f"The 'kernel' parameter of conv2d is larger than the padded input: it spans "
                                         f"{f}{dil_words} {what}, but the input has {n_in} {what} and {room} with "
                                         f"padding. Use a smaller kernel or more padding.")
    rows = G.axis(H, fh, sh, dh, pr)
    cols = G.axis(W, fw, sw, dw, pc)
    lay = Layer(C, H, W, K, fh, fw, rows, cols, len(xs) == 2, split)
    G.check_work("conv2d", C, rows, cols, lay.macs)
    return lay


def validate(p: dict[str, Any]) -> None:
    _layer(p)


def use_numeric(p) -> bool:
    if any(isinstance(p[k], np.ndarray) for k in ("x", "kernel", "bias", "stride", "dilation")):
        return True
    lay = _layer(p)
    return lay.K * lay.rows.out * lay.cols.out > 100 or lay.macs > 2500 or lay.C * lay.rows.padded * lay.cols.padded > 900


def _filters(kernel, lay: Layer) -> list[list]:
    """The kernel as K filters of C matrices."""
    if lay.kernel_split == "one":
        return [[kernel]] if G.depth(kernel) == 2 else [[kernel[0]]]
    if lay.kernel_split == "filters":
        return [[k] for k in kernel]
    if lay.kernel_split == "channels":
        return [list(kernel)]
    return [list(f) for f in kernel]


def _channels(x, lay: Layer) -> list:
    return [x] if lay.x_matrix else list(x)


def _flip(mat):
    return tuple(tuple(reversed(r)) for r in reversed(mat))


def _pad_text(p, lay: Layer) -> str:
    pad = p["padding"]
    if pad == "same":
        return "'same' padding"
    t, b, l, r = pad
    if t == b == l == r:
        return f"padding {t}"
    if t == b and l == r:
        return f"padding {t} (rows) and {l} (columns)"
    return f"padding {t}, {b}, {l}, {r} (top, bottom, left, right)"


def statement(p) -> Rich:
    lay = _layer(p)
    xs, ks = _channels(as_exact_nd(p["x"]), lay), _filters(as_exact_nd(p["kernel"]), lay)
    parts: list[Any] = ["Convolve the input "]
    if lay.C == 1:
        parts.append(Eq(x_s, xs[0]))
    else:
        parts += [f"with {lay.C} channels "] + _listing([Eq(sym(f"x_{c + 1}"), xs[c]) for c in range(lay.C)])
    if lay.K == 1 and lay.C == 1:
        parts += [" with the kernel ", Eq(k_s, ks[0][0])]
    elif lay.K == 1:
        parts += [" with the kernel ", *_listing([Eq(sym(f"k_{c + 1}"), ks[0][c]) for c in range(lay.C)]),
                  " (one matrix per channel)"]
    else:
        parts += [f" with {lay.K} filters "]
        items = []
        for o in range(lay.K):
            for c in range(lay.C):
                name = f"k_{o + 1}" if lay.C == 1 else f"k_{o + 1},{c + 1}"
                items.append(Eq(sym(name, "k_{%d%s}" % (o + 1, f",{c + 1}" if lay.C > 1 else "")), ks[o][c]))
        parts += _listing(items)
        if lay.C > 1:
            parts.append(" (filter, channel)")
    (sh, sw), (dh, dw) = G.pair(p["stride"]), G.pair(p["dilation"])
    parts += [", stride ", G.pair_text((sh, sw), ", ") if sh == sw else f"({sh}, {sw})", " and ", _pad_text(p, lay)]
    if (dh, dw) != (1, 1):
        parts += [", dilation ", str(dh) if dh == dw else f"({dh}, {dw})"]
    if p["bias"] is not None:
        bias = as_exact(p["bias"])
        parts += [" and bias ", Eq(b_s, bias[0] if len(bias) == 1 else bias)]
    ask = "Give the output feature map and its size."
    if lay.padded:
        ask = "Give the padded input, the output feature map and its size."
    parts += [". ", ask]
    return Rich(*parts)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _listing(items: list) -> list:
    out: list[Any] = []
    for k, it in enumerate(items):
        if k:
            out.append(" and " if k == len(items) - 1 else ", ")
        out.append(it)
    return out


def as_exact_nd(v):
    return G.exact_nd(v)


# ---- exact path -------------------------------------------------------------------------------------

def _padded(mat, rows: G.Axis, cols: G.Axis):
    zero = sp.Integer(0)
    width = cols.padded
    body = [(zero,) * cols.p1 + tuple(r) + (zero,) * cols.p2 for r in mat]
    return tuple([(zero,) * width] * rows.p1 + body + [(zero,) * width] * rows.p2)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _products_text(pairs, bias) -> str:
    if len(pairs) > MAX_PRODUCTS_SHOWN:
        text = f"({len(pairs)} products)"
    else:
        text = " + ".join(f"{F.text(a, paren=True)}*{F.text(b, paren=True)}" for a, b in pairs)
    if bias is not None:
        text += f" + {F.text(bias, paren=True)}"
    return text


def solve(p, conv) -> Derivation:
    d = Derivation()
    lay = _layer(p)
    rows, cols = lay.rows, lay.cols
    flipped = conv["operation"] == "convolution"
    xs = _channels(G.exact_nd(p["x"]), lay)
    ks = _filters(G.exact_nd(p["kernel"]), lay)
    bias = as_exact(p["bias"]) if p["bias"] is not None else None
    multi_k = lay.K > 1

    # -- the data
    if lay.C == 1:
        d.given("Input", xs[0], lhs=x_s)
    else:
        for c in range(lay.C):
            d.given(f"Input, channel {c + 1}", xs[c], lhs=sym(f"x_{c + 1}", "x_{%d}" % (c + 1)))
    for o in range(lay.K):
        for c in range(lay.C):
            name = ("Kernel" + (f" of filter {o + 1}" if multi_k else "") + (f", channel {c + 1}" if lay.C > 1 else ""))
            sub = ",".join(str(v) for v in ((o + 1,) if multi_k else ()) + ((c + 1,) if lay.C > 1 else ()))
            d.given(name, ks[o][c], lhs=sym(f"k_{sub}", "k_{%s}" % sub) if sub else k_s)
    if bias is not None:
        d.given("Bias" + (" (one per filter)" if multi_k else ""), bias if multi_k else bias[0], lhs=b_s)
    if flipped:
        d.formula("Convolution flips the kernel", KF[m_, n_], FLIP,
                  text="In the signal-processing sense, convolution reverses the kernel in both directions (a rotation "
                       "by 180°); it then slides over the input like a cross-correlation.")
        ks = [[_flip(k) for k in f] for f in ks]
        for o in range(lay.K):
            for c in range(lay.C):
                name = "Flipped kernel" + (f" of filter {o + 1}" if multi_k else "") + (f", channel {c + 1}" if lay.C > 1 else "")
                d.given(name, ks[o][c], lhs=kf_s)
    else:
        d.note("Cross-correlation", "The kernel slides over the input as given, without flipping (what deep-learning "
                                    "frameworks compute under the name convolution).")

    # -- padding
    if p["padding"] == "same":
        _same_steps(d, lay)
    if lay.padded:
        padded = [_padded(xc, rows, cols) for xc in xs]
        sides = (f"{_count(rows.p1, 'row')} of zeros above, {rows.p2} below, {_count(cols.p1, 'column')} on the left "
                 f"and {cols.p2} on the right" if len({rows.p1, rows.p2, cols.p1, cols.p2}) > 1 else
                 f"{rows.p1} {'row and column' if rows.p1 == 1 else 'rows and columns'} of zeros on every side")
        val = padded[0] if lay.x_matrix else padded
        d.answer_step("Padded input", make_answer("padded_input", val), kind="compute",
                      text=f"Zero padding adds {sides}: {F.shape((rows.padded, cols.padded))}" +
                           (" per channel." if lay.C > 1 else "."))
        edges = [edge for ax, first, last in ((rows, "top", "bottom"), (cols, "left", "right"))
                 for edge, empty in ((first, ax.p1 >= ax.f_eff), (last, (ax.out - 1) * ax.s >= ax.p1 + ax.n)) if empty]
        if edges:
            d.note("Padding wider than the kernel",
                   f"The windows at the {_and(edges)} edge{'s' if len(edges) > 1 else ''} cover padding only: "
                   f"those outputs are 0" + (" plus the bias." if bias is not None else "."))
    else:
        padded = list(xs)
    checkpoint()

    # -- output size
    for ax, name in ((rows, "H"), (cols, "W")):
        if ax.d != 1:
            d.compute(f"Effective kernel size ({'rows' if name == 'H' else 'columns'}): dilation spreads the taps",
                      sym(f"F_eff_{name}", r"F_{\mathrm{eff}}"), G.F_EFFECTIVE, {G.D_: ax.d, G.F_: ax.f})
    same_axes = (rows.n, rows.f_eff, rows.s, rows.p1, rows.p2) == (cols.n, cols.f_eff, cols.s, cols.p1, cols.p2)
    G.out_step(d, "Output height" + (" and width" if same_axes else ""), "H", rows,
               text="The window moves from one edge of the padded input to the other in steps of S: "
                    "(W - F + 2P)/S + 1 positions" + (" (F is the dilated size)." if rows.d != 1 or cols.d != 1 else "."))
    if not same_axes:
        G.out_step(d, "Output width", "W", cols)
    for ax, what in ((rows, "rows"), (cols, "columns")):
        if not ax.fits and (what == "rows" or not same_axes):
            d.note(f"The stride does not fit the {what}",
                   f"(N - F + 2P)/S = {ax.span}/{ax.s} is not an integer: the size is rounded down, as torch and every "
                   f"framework do, and the last {ax.span % ax.s} padded {what} are not used.")
    shape = lay.out_shape
    d.conclude("Output size", text=f"The output is {F.shape(shape)}" + (f" ({lay.K} filters)." if multi_k else "."),
               answers=(G.shape_answer(shape),))

    # -- the entries
    general = rule(lay.fh, lay.fw, rows.s, cols.s, rows.d, cols.d, lay.C, multi_k, bias is not None, flipped)
    d.formula("Each output entry", lhs(multi_k), general,
              text="Each output entry is the sum of the products of the kernel with the window of the padded input "
                   "under it" + (", over every channel" if lay.C > 1 else "") + (", plus the bias" if bias is not None else "")
                   + ". Rows and columns are numbered from 1.")
    xname, kname = ("xp", r"\tilde{x}"), (("kf", r"\tilde{k}") if flipped else ("k", "k"))
    out = [[[None] * cols.out for _ in range(rows.out)] for _ in range(lay.K)]
    table = []
    written = 0
    for o in range(lay.K):
        for i in range(rows.out):
            for j in range(cols.out):
                checkpoint()
                pairs, syms, values = [], [], {}
                for c in range(lay.C):
                    for mi, r in enumerate(rows.taps(i)):
                        for ni, q in enumerate(cols.taps(j)):
                            a, kv = padded[c][r][q], ks[o][c][mi][ni]
                            pairs.append((a, kv))
                            if written < WRITTEN_OUT:
                                xi = ((c + 1,) if lay.C > 1 else ()) + (r + 1, q + 1)
                                ki = ((o + 1,) if multi_k else ()) + ((c + 1,) if lay.C > 1 else ()) + (mi + 1, ni + 1)
                                xsym, ksym = esym(*xname, xi), esym(*kname, ki)
                                syms.append((xsym, ksym))
                                values[xsym], values[ksym] = a, kv
                bv = bias[o] if bias is not None else None
                if written < WRITTEN_OUT:
                    bsym = None
                    if bv is not None:
                        bsym = esym("b", "b", (o + 1,)) if multi_k else b_s
                        values[bsym] = bv
                    inst = written_sum(tuple(syms), bsym)
                    at = rule(lay.fh, lay.fw, rows.s, cols.s, rows.d, cols.d, lay.C, multi_k, bias is not None, flipped,
                              (o + 1, i + 1, j + 1))
                    title = f"Output entry ({i + 1}, {j + 1})" + (f" of filter {o + 1}" if multi_k else "")
                    v = d.compute(title, lhs(multi_k, i + 1, j + 1, o + 1), at, values, instance=inst)
                    written += 1
                else:
                    v = sum((a * b for a, b in pairs), sp.Integer(0)) + (bv if bv is not None else 0)
                out[o][i][j] = v
                row = ((o + 1,) if multi_k else ()) + (i + 1, j + 1, _products_text(pairs, bv), v)
                table.append(row)
    keys = (("c",) if multi_k else ()) + ("i", "j", "products", "output")
    cols_shown = (["filter"] if multi_k else []) + ["i", "j", "sum of products", "y"]
    d.table("Every output entry", cols_shown, table, keys=keys, index=keys[:-2],
            text="Address an entry as output@i=1,j=2" + (" (with c= the filter)" if multi_k else "") + ".")
    value = out[0] if lay.K == 1 else out
    d.conclude("Output feature map", answers=(make_answer("output", value),),
               text=f"The {F.shape(shape)} output" + (" (one matrix per filter)." if multi_k else "."))
    return d


def _same_steps(d: Derivation, lay: Layer) -> None:
    for ax, what, before, after in ((lay.rows, "rows", "above", "below"), (lay.cols, "columns", "on the left",
                                                                           "on the right")):
        if what == "columns" and (ax.n, ax.f_eff, ax.s) == (lay.rows.n, lay.rows.f_eff, lay.rows.s):
            break
        d.compute(f"'same' padding: total padding of the {what}", sym(f"P_total_{what}", r"P_{\mathrm{total}}"),
                  G.SAME_TOTAL, {G.N_: ax.n, G.S_: ax.s, G.F_: ax.f_eff},
                  text=f"Enough zeros for ceil(N/S) = {-(-ax.n // ax.s)} outputs; half {before} (rounded down) and the "
                       f"rest {after}, as torch and TensorFlow do.")
    d.note("'same' padding", f"Rows: {lay.rows.p1} above and {lay.rows.p2} below; columns: {lay.cols.p1} on the left and "
                             f"{lay.cols.p2} on the right.")


# ---- numeric path -----------------------------------------------------------------------------------

def _numeric(p, conv, lay: Layer):
    x = G.float_nd(p["x"], "x")
    x = x[None] if x.ndim == 2 else x
    k = G.float_nd(p["kernel"], "kernel")
    if lay.kernel_split == "one":
        k = k.reshape(1, 1, lay.fh, lay.fw)
    elif lay.kernel_split == "filters":
        k = k[:, None]
    elif lay.kernel_split == "channels":
        k = k[None]
    if conv["operation"] == "convolution":
        k = k[..., ::-1, ::-1]
    r, c = lay.rows, lay.cols
    xp = np.pad(x, ((0, 0), (r.p1, r.p2), (c.p1, c.p2)))
    win = G.windows(xp, r, c)                          # (C, H_out, W_out, fh, fw)
    out = np.einsum("chwmn,kcmn->khw", win, k)
    if p["bias"] is not None:
        out = out + as_float(p["bias"])[:, None, None]
    return xp, out


def solve_numeric(p, conv) -> Derivation:
    """The same sums vectorised: the windows of the padded input as a strided view, contracted with the kernel."""
    d = Derivation()
    lay = _layer(p)
    xp, out = _numeric(p, conv, lay)
    d.note("Numeric path", f"float64 arithmetic: {lay.macs:,} multiply-adds as one tensor contraction over the windows "
                           "of the padded input.")
    ans = [G.shape_answer(lay.out_shape)]
    if lay.padded:
        ans.append(make_answer("padded_input", xp[0] if lay.x_matrix else xp))
    ans.append(make_answer("output", out[0] if lay.K == 1 else out))
    d.conclude("Output feature map", text=f"The output is {F.shape(lay.out_shape)}.", answers=tuple(ans))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A small integer image and kernel; the kernel always fits the padded input and the output is at least 2 x 2
    (resampled until it is), so the instance is well posed under every convention."""
    while True:
        n = int(rng.integers(3, 7))
        f = int(rng.integers(2, 4))
        pad = int(rng.choice([0, 0, 1]))
        s = int(rng.choice([1, 1, 2]))
        if (n + 2 * pad - f) // s + 1 >= 2:
            break
    x = rng.integers(-3, 6, size=(n, n)).tolist()
    k = rng.integers(-2, 3, size=(f, f)).tolist()
    out: dict[str, Any] = {"x": "; ".join(" ".join(map(str, r)) for r in x),
                           "kernel": "; ".join(" ".join(map(str, r)) for r in k), "stride": s, "padding": pad}
    if rng.random() < 0.3:
        out["bias"] = [int(rng.integers(-2, 3))]
    return out
