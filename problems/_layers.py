"""Shared helpers of the layer families: the layer-list text format, hand-written SVG plots and the numeric paths'
array answers (formulas printed as a student writes them are in problems/_written.py).

The layer-list format (conv_shape): one layer per line (or separated by ';'), words separated by
spaces, nothing evaluated:

    conv K F [sS] [pP] [dD] [gG]
                               K filters of size F x F, stride S (default 1), padding P (default 0, or
                               'psame': the padding that keeps the size), dilation D (default 1), groups G
                               (default 1; grouped convolution); "conv 96 11 s4 p0", "conv 64 3 psame g2"
    dwconv K F [sS] [pP] [dD]  a depthwise convolution: groups = the input depth (also depthwise)
    pool F [sS] [pP]           max pooling F x F, stride S (default F, as torch), padding P
                               (also maxpool, avgpool)
    fc N                       fully connected layer with N units (also linear, dense); the input is
                               flattened first
    zeropad P | zeropad L R T B
                               zero padding only (torch's nn.ZeroPad2d): P on every side, or left, right,
                               top, bottom (also pad, zeropad2d); no parameters
    bn                         batch normalisation: 2 parameters (gamma, beta) per channel
    relu | dropout | flatten   no parameters; the shape is unchanged (flatten makes it a vector)
Blank lines and text after '#' are ignored.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from solver import format as F
from solver.params import Int, Spec, SpecError

from ._svg import escape
from ._written import Sigma, absval, fmax, fmin, maxover  # noqa: F401  (lr_schedule imports fmin from here)

MAX_LAYERS = 200
MAX_NUMBER = 10 ** 7

_KIND_ALIASES = {"conv": "conv", "conv2d": "conv", "pool": "pool", "maxpool": "pool", "avgpool": "pool",
                 "max_pool": "pool", "avg_pool": "pool", "fc": "fc", "linear": "fc", "dense": "fc",
                 "bn": "bn", "batchnorm": "bn", "relu": "relu", "dropout": "dropout", "flatten": "flatten",
                 "dwconv": "conv", "depthwise": "conv", "zeropad": "zeropad", "zeropad2d": "zeropad", "pad": "zeropad"}
_DEPTHWISE = ("dwconv", "depthwise")
_OPTION = re.compile(r"^(s|p|d|g|stride|pad|padding|dilation|groups)=?([0-9]{1,8}|same)$")
#: groups = 0 stands for a depthwise convolution (groups = the input depth, known only in the network)
DEPTHWISE = 0
_INT = re.compile(r"^[0-9]{1,8}$")


@dataclass(frozen=True)
class Layer:
    """One layer of a network: kind ('conv', 'pool', 'fc', 'bn', 'relu', 'dropout', 'flatten') and its sizes."""

    kind: str
    units: int = 0       # filters (conv) or units (fc)
    size: int = 0        # F
    stride: int = 1
    pad: int = 0
    dilation: int = 1
    word: str = ""       # the kind as typed (maxpool, avgpool, ...)
    groups: int = 1      # grouped convolution; DEPTHWISE (0): groups = the input depth
    same: bool = False   # 'same' padding: solved for the output size W_out = W
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)   # zeropad: left, right, top, bottom (torch's ZeroPad2d order)

    def text(self) -> str:
        if self.kind == "conv":
            word = "dwconv" if self.groups == DEPTHWISE else "conv"
            s = f"{word} {self.units} {self.size} s{self.stride} " + ("psame" if self.same else f"p{self.pad}")
            return (s + (f" d{self.dilation}" if self.dilation != 1 else "")
                    + (f" g{self.groups}" if self.groups not in (1, DEPTHWISE) else ""))
        if self.kind == "zeropad":
            left, right, top, bottom = self.pads
            return f"zeropad {left}" if left == right == top == bottom else f"zeropad {left} {right} {top} {bottom}"
        if self.kind == "pool":
            word = self.word if self.word in ("maxpool", "avgpool") else "pool"
            return f"{word} {self.size} s{self.stride}" + (f" p{self.pad}" if self.pad else "")
        if self.kind == "fc":
            return f"fc {self.units}"
        return self.kind


def layer_words(layer: Layer) -> str:
    """One layer as an exam states it: 'a convolution with 16 filters of 5 × 5, stride 1 and no padding', '2 × 2 max
    pooling with stride 2', 'a fully connected layer with 120 units' (read back as the same layer by read_layers)."""
    k = layer.kind
    if k == "conv":
        pad = "'same' padding" if layer.same else "no padding" if not layer.pad else f"padding {layer.pad}"
        extra = (f", dilation {layer.dilation}" if layer.dilation != 1 else "") + \
                (f", in {layer.groups} groups" if layer.groups not in (1, DEPTHWISE) else "")
        what = (f"a depthwise convolution with {layer.units} filters" if layer.groups == DEPTHWISE else
                f"a convolution with {layer.units} filters")
        return f"{what} of {layer.size} × {layer.size}, stride {layer.stride}{extra} and {pad}"
    if k == "pool":
        mode = {"maxpool": "max ", "avgpool": "average "}.get(layer.word, "")
        return (f"{layer.size} × {layer.size} {mode}pooling with stride {layer.stride}"
                + (f" and padding {layer.pad}" if layer.pad else ""))
    if k == "fc":
        return f"a fully connected layer with {layer.units} units"
    if k == "zeropad":
        left, right, top, bottom = layer.pads
        return (f"zero padding of {left} on each side" if left == right == top == bottom else
                f"zero padding of {left} left, {right} right, {top} at the top and {bottom} at the bottom")
    return {"bn": "batch normalisation", "relu": "a ReLU", "dropout": "dropout", "flatten": "flattening"}.get(k, k)


def parse_layers(text: str) -> tuple[Layer, ...]:
    if not isinstance(text, str):
        raise SpecError("expected the layers as text, one per line, e.g. 'conv 96 11 s4 p0; pool 3 s2; fc 4096'")
    if len(text) > 20000:
        raise SpecError(f"the layer list is too long ({len(text)} characters; at most 20000)")
    lines = [ln.split("#", 1)[0].strip() for ln in re.split(r"[\n;]", text)]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise SpecError("expected at least one layer, e.g. 'conv 96 11 s4 p0'")
    if len(lines) > MAX_LAYERS:
        raise SpecError(f"at most {MAX_LAYERS} layers are allowed. Got {len(lines)}")
    return tuple(_parse_line(i + 1, ln) for i, ln in enumerate(lines))


def _bad(lineno: int, line: str, want: str) -> SpecError:
    shown = line if len(line) <= 40 else line[:37] + "..."
    return SpecError(f"layer {lineno} must be written {want}. Got {shown!r} instead.")


_FORMS = {"conv": "'conv K F [sS] [pP] [dD] [gG]' (e.g. 'conv 96 11 s4 p0', 'conv 64 3 psame g2')",
          "pool": "'pool F [sS] [pP]' (e.g. 'pool 3 s2')", "fc": "'fc N' (e.g. 'fc 4096')",
          "zeropad": "'zeropad P' or 'zeropad L R T B' (e.g. 'zeropad 1', 'zeropad 0 1 0 1')"}


def _parse_line(lineno: int, line: str) -> Layer:
    words = line.lower().replace(",", " ").split()
    if not words:  # a line of commas only (found by fuzzing: layers=",")
        raise _bad(lineno, line, "conv, pool, fc, bn, relu, dropout or flatten followed by its sizes")
    kind = _KIND_ALIASES.get(words[0])
    if kind is None:
        return _raise(_bad(lineno, line, "conv, pool, fc, bn, relu, dropout or flatten followed by its sizes"))
    rest = words[1:]
    if kind == "zeropad":
        if len(rest) not in (1, 4) or not all(_INT.match(w) for w in rest):
            raise _bad(lineno, line, _FORMS["zeropad"])
        pads = tuple(int(w) for w in rest) * (4 if len(rest) == 1 else 1)
        if max(pads) > MAX_NUMBER:
            raise SpecError(f"layer {lineno}: sizes must be at most {MAX_NUMBER}. Got {line!r}.")
        return Layer("zeropad", pads=pads, word=words[0])
    if rest and rest[-1] == "same":
        rest = rest[:-1] + ["psame"]
    if kind in ("bn", "relu", "dropout", "flatten"):
        if rest and not (kind == "dropout" and len(rest) == 1 and re.fullmatch(r"[0-9.]+", rest[0])):
            raise _bad(lineno, line, f"'{kind}' alone")
        return Layer(kind, word=words[0])
    positional, opts = [], {}
    for w in rest:
        if _INT.match(w) and not opts:
            positional.append(int(w))
            continue
        m = _OPTION.match(w)
        if not m:
            raise _bad(lineno, line, _FORMS[kind])
        key = {"stride": "s", "pad": "p", "padding": "p", "dilation": "d", "groups": "g"}.get(m.group(1), m.group(1))
        if key in opts:
            raise _bad(lineno, line, _FORMS[kind] + " with each option once")
        if m.group(2) == "same" and key != "p":
            raise _bad(lineno, line, _FORMS[kind])
        opts[key] = m.group(2) if m.group(2) == "same" else int(m.group(2))
    need = {"conv": 2, "pool": 1, "fc": 1}[kind]
    if (len(positional) != need or (kind == "fc" and opts) or (kind != "conv" and ("d" in opts or "g" in opts))
            or (kind != "conv" and opts.get("p") == "same") or (words[0] in _DEPTHWISE and "g" in opts)):
        raise _bad(lineno, line, _FORMS[kind])
    same = opts.get("p") == "same"
    if same:
        opts["p"] = 0
    if any(v > MAX_NUMBER for v in positional + list(opts.values())):
        raise SpecError(f"layer {lineno}: sizes must be at most {MAX_NUMBER}. Got {line!r}.")
    if any(v < 1 for v in positional) or opts.get("s", 1) < 1 or opts.get("d", 1) < 1 or opts.get("g", 1) < 1:
        raise SpecError(f"layer {lineno}: sizes, strides, dilations and groups must be at least 1. Got {line!r}.")
    if kind == "conv":
        groups = DEPTHWISE if words[0] in _DEPTHWISE else opts.get("g", 1)
        return Layer("conv", positional[0], positional[1], opts.get("s", 1), opts.get("p", 0), opts.get("d", 1), words[0],
                     groups=groups, same=same)
    if kind == "pool":
        return Layer("pool", 0, positional[0], opts.get("s", positional[0]), opts.get("p", 0), 1, words[0])
    return Layer("fc", positional[0], word=words[0])


def _raise(e):
    raise e


@dataclass(frozen=True)
class IntOrWord(Spec):
    """A whole number in [lo, hi] or one of a few words: `words` maps each word typed (quotes and case ignored) to
    its parsed value; `shown` gives the word a parsed value is shown back as (other values are shown as numbers)."""

    lo: int
    hi: int
    words: tuple[tuple[str, object], ...]
    shown: tuple[tuple[object, str], ...]
    what: str              # the describe() text
    kind = "text"

    def parse(self, raw):
        if isinstance(raw, str):
            key = raw.strip().strip("'\"").lower()
            for word, value in self.words:
                if key == word:
                    return value
        try:
            return Int(self.lo, self.hi).parse(raw)
        except SpecError:
            raise SpecError(f"must be {self.describe()}. Got {raw!r} instead.") from None

    def describe(self):
        return self.what

    def _word(self, value):
        return next((w for v, w in self.shown if type(v) is type(value) and v == value), None)

    def to_json(self, value):
        return self._word(value) or int(value)

    def to_text(self, value):
        return self._word(value) or str(int(value))

    def schema(self):
        return {"type": "text", "accepts": self.describe()}


def PadOrSame(hi: int = 10 ** 5) -> IntOrWord:
    """Padding P on each side: a whole number, 'valid' (0) or 'same' (solved so that the output keeps the input's
    size). Parsed: an int, or the string 'same'."""
    return IntOrWord(0, hi, (("same", "same"), ("valid", 0)), (("same", "same"),),
                     f"a whole number of zeros on each side (0 to {hi}), 'same' or 'valid'")


def Groups(hi: int = 10 ** 6) -> IntOrWord:
    """The groups of a convolution: a whole number G >= 1, or 'depthwise' (G = the input depth). Parsed: an int, or
    DEPTHWISE (0)."""
    return IntOrWord(1, hi, (("depthwise", DEPTHWISE), ("depth-wise", DEPTHWISE), ("dw", DEPTHWISE),
                             ("depthwise convolution", DEPTHWISE)), ((DEPTHWISE, "depthwise"),),
                     f"a whole number of groups (1 to {hi}) or 'depthwise' (one group per input channel)")


@dataclass(frozen=True)
class LayerList(Spec):
    """A network as text, one layer per line: 'conv 96 11 s4 p0', 'pool 3 s2', 'fc 4096' (see problems/_layers.py)."""

    kind = "text"

    def parse(self, raw):
        if isinstance(raw, tuple) and all(isinstance(x, Layer) for x in raw):
            return raw
        if isinstance(raw, (list, tuple)) and all(isinstance(x, str) for x in raw):
            raw = "\n".join(raw)
        return parse_layers(raw)

    def describe(self):
        return ("a list of layers, one per line or separated by ';': conv K F [sS] [pP] [dD] [gG], dwconv K F, "
                "pool F [sS] [pP], zeropad P, fc N, bn, relu")

    def to_json(self, value):
        return "\n".join(layer.text() for layer in value)

    def to_text(self, value):
        return "; ".join(layer.text() for layer in value)

    def schema(self):
        return {"type": "text", "accepts": self.describe(), "multiline": True}


# ---- SVG --------------------------------------------------------------------------------------------

_COLOURS = ("#1f5fbf", "#c0392b", "#2e8b57", "#8e44ad")


def svg_plot(series: Sequence[tuple[str, Sequence[float], Sequence[float]]], *, title: str = "",
             marks: Sequence[tuple[float, float]] = (), width: int = 480, height: int = 320) -> str:
    """A line plot of named (x, y) series as a standalone SVG document (no external tools).

    Non-finite y values break the line. `marks` are points drawn as dots (the asked points).
    """
    xs = [x for _, sx, _ in series for x in sx]
    ys = [y for _, _, sy in series for y in sy if math.isfinite(y)] + [y for _, y in marks if math.isfinite(y)]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (min(ys), max(ys)) if ys else (-1.0, 1.0)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 1, y1 + 1
    pad_y = 0.06 * (y1 - y0)
    y0, y1 = y0 - pad_y, y1 + pad_y
    left, right, top, bottom = 48, 12, 28, 32
    pw, ph = width - left - right, height - top - bottom

    def px(x):
        return left + (x - x0) / (x1 - x0) * pw

    def py(y):
        return top + (y1 - y) / (y1 - y0) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2:.1f}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    if x0 < 0 < x1:
        out.append(f'<line x1="{px(0):.2f}" y1="{top}" x2="{px(0):.2f}" y2="{top + ph}" stroke="#bbb"/>')
    if y0 < 0 < y1:
        out.append(f'<line x1="{left}" y1="{py(0):.2f}" x2="{left + pw}" y2="{py(0):.2f}" stroke="#bbb"/>')
    for v, anchor in ((x0, "start"), (x1, "end")):
        out.append(f'<text x="{px(v):.1f}" y="{top + ph + 14}" text-anchor="{anchor}">{F.tick(v)}</text>')
    for v in (y0 + pad_y, y1 - pad_y):
        out.append(f'<text x="{left - 4}" y="{py(v) + 4:.1f}" text-anchor="end">{F.tick(v)}</text>')
    for i, (name, sx, sy) in enumerate(series):
        colour = _COLOURS[i % len(_COLOURS)]
        runs, cur = [], []
        for x, y in zip(sx, sy):
            if math.isfinite(y):
                cur.append(f"{px(x):.2f},{py(y):.2f}")
            elif cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        dash = ' stroke-dasharray="5,3"' if i % 2 else ""
        for run in runs:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{" ".join(run)}"/>')
        out.append(f'<text x="{left + 8}" y="{top + 14 + 14 * i}" fill="{colour}">{escape(name)}</text>')
    for x, y in marks:
        if math.isfinite(y) and x0 <= x <= x1:
            out.append(f'<circle cx="{px(x):.2f}" cy="{py(y):.2f}" r="3" fill="{_COLOURS[0]}"/>')
    out.append("</svg>")
    return "\n".join(out)


#: Norms written out entry by entry for vectors of at most this many entries (the formula and value above it).
MAX_WRITTEN_ENTRIES = 8


def exact_norm(v, kind: str = "2"):
    """The 2-, 1- or max-norm of an exact vector (a SymPy matrix's norm), as a WORKING_DIGITS Float or a Rational."""
    import sympy as sp

    from solver.symbolic import finish

    order = {"2": 2, "1": 1, "inf": sp.oo}[kind]
    return finish(sp.ImmutableMatrix(list(v)).norm(order))


def norm_step(d, title: str, lhs, v, kind: str = "2", *, letter: str = "g", answer: str | None = None, text: str = ""):
    """A step for ||v|| (kind "2", "1" or "inf") of a vector named `letter`: the general formula, the norm written
    out with the entries of a short vector substituted, and the value; returns the value."""
    from solver.steps import Step
    from solver.symbolic import equation

    from . import _written as W

    general = W.norm_formula(kind, letter)
    value = exact_norm(v, kind)
    if len(v) <= MAX_WRITTEN_ENTRIES:
        gk = W.entries(letter, len(v))
        written = {"2": W.norm2, "1": W.norm1, "inf": W.norm_inf}[kind](*gk)
        return d.compute(title, lhs, general, dict(zip(gk, v)), value=value, instance=written, answer=answer,
                         text=text)
    from solver.symbolic import make_answer

    d.add(Step("compute", title, text=(text + " " if text else "") + f"Over the {len(v)} entries.",
               formula=equation(lhs, general), value=F.equals(lhs, value),
               answers=(make_answer(answer, value),) if answer else ()))
    return value


#: Longest array a numeric path returns as an answer (its JSON holds every entry; the display shows the first
#: few); longer results are summarised instead (the caller states what it summarises).
LIST_LIMIT = 5000


def array_answers(arrays: dict, precision=None, limit: int | None = LIST_LIMIT) -> list:
    """make_answer(name, array) for each array short enough to list (`limit` entries; None: every array). The
    JSON value holds every entry; the display shows the first few (solver.symbolic.make_answer)."""
    import numpy as np

    from solver.symbolic import make_answer

    out = []
    for name, arr in arrays.items():
        a = np.asarray(arr, dtype=np.float64)
        if limit is None or a.size <= limit:
            out.append(make_answer(name, a, precision=precision))
    return out


# ---- a network described in prose (the question reader's hook, solver.reading) ------------------------------------

#: Where one layer's words end and the next layer's begin: "then", "followed by", ";", "->", and a sentence's end.
_LAYER_SEP = re.compile(r"\s*(?:;|->|→|\.\s+|\b(?:and\s+)?then\b|\bfollowed\s+by\b|\bafter\s+that\b|\band\s+finally\b)\s*",
                        re.I)
_ANCHORS = (("pool", re.compile(r"\b(?:max|average|avg|mean)?[\s-]*pool(?:ing|ed|s)?\b", re.I)),
            ("fc", re.compile(r"\b(?:fully[\s-]connected|dense|FC)\b", re.I)),
            ("conv", re.compile(r"\bconv(?:olution(?:al|s)?|s|\d?d?)?\b|\bfilters?\b|\bkernels?\b", re.I)))
_ASKING = re.compile(r"\s*(?:give|what|how|find|compute|calculate|determine|state|list|show|work\s+out)\b", re.I)
#: a W x H x D volume as written (32x32x3, 32 × 32 × 3)
VOLUME = re.compile(r"\d+\s*[x×]\s*\d+\s*[x×]\s*\d+")
_SQUARE = re.compile(r"(?<![\d.])(\d+)\s*[x×]\s*(\d+)(?![\d.]|\s*[x×])")
_SIZE_WORD = re.compile(r"\b(?:size|kernel(?:\s+size)?|window(?:\s+size)?|filter\s+size|receptive\s+field)\s*"
                        r"(?:of\s+|=\s*|:\s*)?(\d+)\b|\bF\s*=\s*(\d+)\b", re.I)
#: a count as exams write it, digits or a word from two to ten: of layers in a stack (_COUNT), of filters (_MANY)
_WORDS = "two|three|four|five|six|seven|eight|nine|ten"
_COUNT, _MANY = rf"(\d{{1,2}}|{_WORDS})", rf"(\d+|{_WORDS})"
_FILTERS = re.compile(r"(?<![\d.x×])" + _MANY + r"\s+"
                      r"(?:(?:\d+\s*[x×]\s*\d+|convolutional|conv)\s+)?"
                      r"(?:filters|kernels|feature\s+maps|output\s+channels|channels)\b", re.I)
_FILTERS_AFTER = re.compile(r"\b(?:filters|kernels|output\s+channels|out_channels)\s*(?:=|:|of)?\s*(\d+)\b"
                            r"|\bK\s*=\s*(\d+)\b", re.I)
_STRIDE = re.compile(r"\bstrides?[\s-]*(?:of\s+|=\s*|:\s*)?(\d+)\b|\bS\s*=\s*(\d+)\b", re.I)
_PAD_NONE = re.compile(r"\b(?:no|without|zero)\s+(?:zero[\s-])?padding\b|\bvalid\s+padding\b|\bpadding\s*(?:=\s*)?'?valid\b",
                       re.I)
_PAD_SAME = re.compile(r"\bsame['\"’]?\s+padding\b|\bpadding\s*(?:=\s*)?['\"]?same\b", re.I)
_PAD = re.compile(r"\b(?:zero[\s-])?pad(?:ding|ded)?\s*(?:of\s+|=\s*|:\s*|by\s+|with\s+)?(\d+)\b|\b(\d+)\s+"
                  r"(?:pixels?\s+of\s+)?(?:zero[\s-])?padding\b|\bP\s*=\s*(\d+)\b", re.I)
_DILATION = re.compile(r"\bdilation(?:\s+rate)?\s*(?:of\s+|=\s*|:\s*)?(\d+)\b", re.I)
_UNITS = re.compile(r"(?<![\d.])(\d+)\s*(?:hidden\s+)?(?:units|neurons|outputs|nodes|classes)\b|\bFC[\s-]?(\d+)\b"
                    r"|\b(?:fully[\s-]connected|dense)(?:\s+layer)?\s+(?:with|of)\s+(\d+)\b", re.I)


#: "two stacked 3x3 convolutions", "three 3x3 conv layers", "a stack of 2 consecutive 5x5 convolutional layers": one
#: convolution repeated (VGG's question: the receptive field of a stack). Not "two 3x3 filters" (one layer's filters).
_STACK = re.compile(r"\b" + _COUNT + r"\s+(?:stacked\s+|consecutive\s+|"
                    r"successive\s+|sequential\s+|identical\s+)?\d+\s*[x×]\s*\d+\s+conv(?:olutions?|olutional|s|2d)?\b",
                    re.I)


def count_of(word: str) -> int:
    """A count as written (_COUNT): digits, or a number word (the reader's, solver.reading.scan: this runs only while
    a question is read)."""
    from solver.reading.scan import NUMBER_WORDS

    return int(NUMBER_WORDS.get(word.lower()) or word)


#: A single layer's filters counted before them: "64 3x3 filters", "two 3 x 3 kernels", "16 convolutional filters"
#: (not an input's "32 channels": those are its depth).
FILTER_COUNT = re.compile(r"(?<![\d.x×])" + _MANY + r"\s+(?:\d+\s*[x×]\s*\d+\s+)?"
                          r"(?:convolutional\s+|conv\s+)?(?:filters|kernels)\b", re.I)


def read_layers(s: str, notes: list | None = None) -> tuple[str, tuple[int, int]] | None:
    """A network of two or more conv, pool and fc layers described in prose, as the layer-list text ('conv 16 5 s1
    p0; pool 2 s2') and the span of the words it came from; None when the text does not describe one plainly (a
    size or count missing, a non-square window): then the question reader keeps its single-layer reading.

    "A 32x32x3 input goes through a conv layer with 16 filters of size 5x5, stride 1, no padding, then 2x2 max
    pooling with stride 2" reads as 'conv 16 5 s1 p0; pool 2 s2'. Without a stated stride a convolution's is 1 and a
    pooling window's its size (torch's defaults); without padding, none. A stack of one convolution ("two stacked 3x3
    convolutions") is that layer repeated, with one filter each when their number is not given (said in `notes`:
    the output size and the receptive field do not depend on it)."""
    if len(s) > 5000:
        return None
    blank = VOLUME.sub(lambda m: " " * len(m.group(0)), s)  # the input volume (32x32x3) is not a filter size
    pieces, start = [], 0
    for m in list(_LAYER_SEP.finditer(blank)) + [None]:
        end = m.start() if m else len(blank)
        if blank[start:end].strip():
            pieces.append((start, end))
        start = m.end() if m else end
    layers, spans = [], []
    for a, b in pieces:
        seg = blank[a:b]
        if _ASKING.match(seg) and not _STACK.search(seg):
            continue  # "Give the output shape ... of the last convolution or pooling layer": the question, not a layer
        kinds = [(m.start(), kind) for kind, rx in _ANCHORS for m in rx.finditer(seg)]
        if not kinds:
            continue
        found = {kind for _, kind in kinds}
        kind = "pool" if "pool" in found else "fc" if "fc" in found else "conv"
        if len(found - {"conv"}) > 1 or (kind != "conv" and "conv" in found and _FILTERS.search(seg)):
            return None  # two kinds of layer in one stretch of words: not read plainly
        stack = _STACK.search(seg) if kind == "conv" else None
        count = 1
        if stack:  # the count is not a size, stride or number of filters
            word = stack.group(1)
            count = count_of(word)
            seg = seg[:stack.start(1)] + " " * len(word) + seg[stack.end(1):]
        text = _layer_text(kind, seg, filters=1 if stack else None)
        if text is None or count < 1:
            return None
        if stack and notes is not None and not (_FILTERS.search(seg) or _FILTERS_AFTER.search(seg)):
            notes.append(f"The number of filters of the {count} stacked convolutions is not given: one each is assumed "
                         "(it changes their parameters and the output depth, not the output size or the receptive "
                         "field).")
        layers.extend([text] * count)
        spans.append((a + len(seg) - len(seg.lstrip()), b - (len(seg) - len(seg.rstrip()))))
    if len(layers) < 2:
        return None
    return "; ".join(layers), (spans[0][0], spans[-1][1])


def _layer_text(kind: str, seg: str, filters: int | None = None) -> str | None:
    """One layer's text from its words; a convolution without its number of filters takes `filters` (None: not
    read)."""
    if kind == "fc":
        m = _UNITS.search(seg)
        return f"fc {next(g for g in m.groups() if g)}" if m else None
    squares = [(int(x), int(y)) for x, y in _SQUARE.findall(seg)]
    if any(x != y for x, y in squares):
        return None
    sizes = {x for x, _ in squares}
    m = _SIZE_WORD.search(seg)
    if m:
        sizes.add(int(next(g for g in m.groups() if g)))
    if len(sizes) != 1:
        return None
    (f,) = sizes
    m = _STRIDE.search(seg)
    stride = int(next(g for g in m.groups() if g)) if m else (f if kind == "pool" else 1)
    if _PAD_SAME.search(seg):
        pad = "same"
    elif _PAD_NONE.search(seg):
        pad = "0"
    else:
        m = _PAD.search(seg)
        pad = next(g for g in m.groups() if g) if m else "0"
    if kind == "pool":
        mode = "max" if re.search(r"\bmax", seg, re.I) else "avg" if re.search(r"\b(?:average|avg|mean)", seg, re.I) else ""
        return f"{mode}pool {f} s{stride} p{pad}"
    m = _FILTERS.search(seg) or _FILTERS_AFTER.search(seg)
    if m is None and filters is None:
        return None
    k = count_of(next(g for g in m.groups() if g)) if m else filters
    dil = _DILATION.search(seg)
    return f"conv {k} {f} s{stride} p{pad}" + (f" d{dil.group(1)}" if dil else "")
