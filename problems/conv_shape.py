"""Convolution output size: W_out = (W - F + 2P)/S + 1 per dimension; parameters K (F F D + 1).

Exam questions: "A 32 x 32 x 3 input goes through 100 filters of 4 x 4 with stride 1 and no padding:
what is the output volume, how many parameters does the layer have, and how many would a fully
connected layer with 500 units need on the same input?" (the handwritten notes: 29 x 29 x 100 = 84,100 and 4,900
parameters against 1,536,500); "which strides fit a 7 x 7 input?" (1, 2 and 4 for F = 3, not 3);
"how many connections does LeNet's first layer have?" (28 x 28 x 6 outputs x 26 = 122,304); and a whole
network (AlexNet-style) given as a list of layers, with a per-layer table of output shapes, parameters,
activation memory and receptive field.

Rules: with dilation D the filter covers F_eff = D (F - 1) + 1 input pixels; a pooling layer has no
parameters and keeps the depth; a fully connected layer on a W x H x D input has (W H D) N weights and
N biases (one per unit); connections count one per weight and bias used by each output value; the
receptive field grows by (F_eff - 1) times the product of the earlier strides.

'same' padding (pad = same) is solved for P from (W - F + 2P)/S + 1 = W: P = ((W - 1) S - W + F)/2, which is
(F - 1)/2 at stride 1. When 2P is odd there is no integer symmetric padding: torch (padding='same', stride 1 only)
and TensorFlow put the smaller half before the input and the extra zero after it (right, bottom), answered as
pad_left/pad_right/pad_top/pad_bottom. A grouped convolution (groups G, torch's nn.Conv2d(groups=G)) has
K (D/G) F F weights and K biases, and needs D and K divisible by G; depthwise is G = D (then K defaults to D).
A network may hold a padding-only layer, torch's nn.ZeroPad2d ('zeropad P' or 'zeropad L R T B').

Conventions: what to do when the stride does not fit ((W - F + 2P)/S not an integer): reject, as the
handwritten notes do ("stride 3 does not fit 7 x 7"), floor it as torch and Keras ('valid') do, ignoring the last
rows and columns, or ceil: pooling layers round up as torch's ceil_mode=True (the last window must start inside the
input or its left padding, else it is dropped; the same rule as pool2d's), convolutions still round down. Sizes are
W x H x D (width, height, depth); a 1-entry input is a square W x W x 1.
"""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import sympy as sp

from problems import _grid as G
from problems._layers import (DEPTHWISE, FILTER_COUNT, VOLUME, Groups, Layer, LayerList, PadOrSame, count_of,
                             layer_words, read_layers)
from solver.conventions import Convention
from solver import format as F
from solver.errata import Erratum
from solver.numbers import Tolerance
from solver.params import Choice, Int, InvalidInput, Param, Vector
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Cell, Derivation, make_answer, sym

TITLE = "Convolution and pooling shapes, parameters and connections"
TOPIC = "layers"
KEYWORDS = ("cnn", "convolution", "convolutional", "conv layer", "convolutional layer", "output size", "output volume",
            "stride", "padding", "pooling", "receptive field", "parameters", "connections", "lenet", "alexnet",
            "feature map", "dilation", "filters", "filter", "kernel size")

# ---- the rules, written once ---------------------------------------------------------------------
W, H, Fw, P, S, D, K, N, Dil = (sym("W"), sym("H"), sym("F"), sym("P"), sym("S"), sym("D"), sym("K"), sym("N"),
                               sym("dil", r"\delta"))
F_eff, W_out, H_out, n_out = sym("F_eff", r"F_{\mathrm{eff}}"), sym("W_out", r"W_{\mathrm{out}}"), \
    sym("H_out", r"H_{\mathrm{out}}"), sym("n_out", r"n_{\mathrm{out}}")
params_s, conn_s, fc_s, r_s, j_s = sym("params", r"\#\mathrm{params}"), sym("connections", r"\#\mathrm{connections}"), \
    sym("fc_params", r"\#\mathrm{params}_{\mathrm{FC}}"), sym("r"), sym("j")
bytes_s, mem_s = sym("b"), sym("memory", r"\mathrm{memory}")
P1, P2, Gs = sym("P_1", "P_{1}"), sym("P_2", "P_{2}"), sym("G")
W_pad, H_pad = sym("W_pad", r"W_{\mathrm{pad}}"), sym("H_pad", r"H_{\mathrm{pad}}")
with sp.evaluate(False):
    OUT_W = sp.Add(W, -Fw, 2 * P) / S + 1                       # the handwritten notes
    OUT_H = sp.Add(H, -Fw, 2 * P) / S + 1
    OUT_W_FLOOR = sp.floor(sp.Add(W, -Fw, 2 * P) / S) + 1       # torch / Keras 'valid'
    OUT_H_FLOOR = sp.floor(sp.Add(H, -Fw, 2 * P) / S) + 1
    F_EFFECTIVE = Dil * (Fw - 1) + 1
    N_OUT = sp.Mul(W_out, H_out, K)
    CONV_PARAMS = K * (sp.Mul(Fw, Fw, D) + 1)                          # filters x (F F D + 1)
    CONNECTIONS = sp.Mul(W_out, H_out, K) * (sp.Mul(Fw, Fw, D) + 1)
    FC_PARAMS = sp.Add(sp.Mul(W, H, D) * N, N)                  # weights + one bias per unit
    FC_LAYER = sp.Add(sp.Mul(N, K), K)                          # n_in inputs x K units + K biases
    MEMORY = n_out * bytes_s
    PADDED_W = W + 2 * P                                        # the input with P zeros on each side
    PADDED_H = H + 2 * P
    RF = r_s + (F_eff - 1) * j_s                                # receptive field of the next layer
    JUMP = j_s * S
    SAME_P = sp.Add(sp.Mul(W - 1, S), -W, Fw) / 2               # (W - F + 2P)/S + 1 = W solved for P
    SAME_P_H = sp.Add(sp.Mul(H - 1, S), -H, Fw) / 2
    PADDED_W_SIDES = sp.Add(W, P1, P2)                          # P_1 zeros before the input, P_2 after
    PADDED_H_SIDES = sp.Add(H, P1, P2)
    OUT_W_SIDES = sp.Add(W, -Fw, P1, P2) / S + 1
    OUT_H_SIDES = sp.Add(H, -Fw, P1, P2) / S + 1
    OUT_W_CEIL = sp.ceiling(sp.Add(W, -Fw, 2 * P) / S) + 1     # torch's ceil_mode=True (pooling)
    OUT_H_CEIL = sp.ceiling(sp.Add(H, -Fw, 2 * P) / S) + 1
    WEIGHTS_G = sp.Mul(K, Fw, Fw, D / Gs)                       # grouped: each filter sees D/G channels
    CONV_PARAMS_G = K * (sp.Mul(Fw, Fw, D / Gs) + 1)
    CONNECTIONS_G = sp.Mul(W_out, H_out, K) * (sp.Mul(Fw, Fw, D / Gs) + 1)

STRIDE_FIT = Convention(
    "stride_fit", "When the stride does not fit",
    {"reject": "(W - F + 2P)/S must be an integer, else the layer is not valid (the handwritten notes: 'stride 3 does not "
               "fit 7 x 7')",
     "floor": "the output size is floor((W - F + 2P)/S) + 1 and the last rows/columns are ignored (torch, Keras 'valid')",
     "ceil": "a pooling layer's output size is rounded up, ceil((W - F + 2P)/S) + 1, keeping a last partial window that "
             "starts inside the input or its left padding (torch's ceil_mode=True); a convolution's is rounded down"},
    default="reject", why_default="the handwritten notes reject a stride that does not fit",
    aliases={"torch": "floor", "ceil_mode": "ceil", "up": "ceil", "down": "floor"},
    sources={"reject": "the course's handwritten notes ('stride 3 does not fit 7 x 7'); Stanford's CS231n notes "
                       "(the hyperparameters must fit)",
             "floor": "PyTorch's nn.Conv2d and nn.MaxPool2d; Keras's padding='valid' (the output size is floored)",
             "ceil": "PyTorch's nn.MaxPool2d and nn.AvgPool2d with ceil_mode=True; Caffe's pooling layers"},
    paper={"reject": "A stride is valid only when (W − F + 2P)/S is a whole number.",
           "floor": "When (W − F + 2P)/S is not a whole number, round it down (as PyTorch does).",
           "ceil": "When (W − F + 2P)/S is not a whole number, round a pooling layer's output size up (PyTorch's "
                   "ceil_mode=True; the last window must start inside the input or its left padding) and a "
                   "convolution's down."},
    cues={"floor": ("floor", "round down", "as in pytorch", "ceil_mode=false"),
          "reject": ("must fit", "fit exactly", "fits exactly"),
          "ceil": ("ceil mode", "ceil_mode", "ceil_mode=true", "rounded up", "round up", "ceiling mode")})
CONVENTIONS = (STRIDE_FIT,)

PARAMS = (
    Param("input", Vector(min_len=1, max_len=3, lo=1, hi=10 ** 6, integer=True), default="32 32 3", label="Input W H D",
          help="width, height, depth (e.g. 32 32 3); one number W means W x W x 1, two mean W x H x 1",
          aliases=("input", "input volume", "image", "input image", "input size", "input of size", "W", "feature map",
                   "input feature map", "inputs")),
    Param("kind", Choice({"conv": "a convolution layer", "pool": "a pooling layer (max or average; no parameters)"}),
          default="conv", label="Layer kind",
          cues={"pool": ("pooling", "max pool", "max-pool", "max pooling", "average pooling", "pooling layer",
                         "max pooled", "max-pooled", "average pooled", "average-pooled", "pooled")}),
    Param("filters", Int(1, 10 ** 6), label="Filters K",
          help="number of filters (output depth); conv only; 1 when not given (the input depth D for a depthwise "
               "convolution)",
          aliases=("filters", "kernels", "K", "number of filters", "feature maps", "output channels", "filter")),
    Param("size", Int(1, 10 ** 5), label="Filter size F",
          help="the filter (or pooling window) is F x F; without it (and without layers) only the fully connected "
               "layer of fc_units is worked",
          aliases=("size", "filter size", "kernel size", "F", "filters of size", "filter", "kernel", "window",
                   "receptive field", "filter of size")),
    Param("stride", Int(1, 10 ** 5), default="1", label="Stride S",
          aliases=("stride", "S", "strides")),
    Param("pad", PadOrSame(), default="0", label="Padding P",
          help="zeros added on each side, or 'same' (solved for P so that the output keeps the input's size)",
          aliases=("padding", "pad", "P", "zero padding", "zero-padding"),
          cues={"0": ("no padding", "without padding", "valid padding", "no zero padding", "unpadded", "no zero-padding"),
                "same": ("same padding", "'same' padding", "padding='same'", "padding = same", "padding same",
                         "keeps the size", "keep the size", "keeps the spatial size", "same output size",
                         "output the same size", "preserves the spatial size", "preserve the spatial size")}),
    Param("groups", Groups(), default="1", label="Groups G",
          help="grouped convolution: the input channels and the filters are split into G groups, each filter seeing "
               "D/G channels (torch's groups); 'depthwise' for G = D",
          aliases=("groups", "group", "G", "number of groups", "groups of", "conv groups"),
          cues={"depthwise": ("depthwise", "depth-wise", "depthwise convolution", "depthwise separable",
                              "one filter per channel", "one filter per input channel")}),
    Param("dilation", Int(1, 10 ** 4), default="1", label="Dilation", help="spacing of the filter taps (1 = ordinary)",
          aliases=("dilation", "dilation rate")),
    Param("fc_units", Int(1, 10 ** 7), label="Compare with FC units",
          help="optional: parameters of a fully connected layer with this many units on the same input",
          aliases=("fully connected layer with", "fc layer with", "fully connected units")),
    Param("layers", LayerList(), label="Network (one layer per line)",
          help="optional: a whole network, e.g. 'conv 96 11 s4 p0; pool 3 s2; fc 4096'; replaces the single layer",
          aliases=("network", "architecture", "layers")),
    Param("bytes", Int(1, 64), default="4", label="Bytes per value", help="4 for float32, 2 for float16, 8 for float64",
          aliases=("bytes", "bytes per value", "byte")),
)

EXAMPLE = Example(
    params={"input": "32 32 3", "filters": "100", "size": "4", "stride": "1", "pad": "0", "fc_units": "500"},
    source="the handwritten notes, '2 architectures': a convolution and a fully connected layer on a 32 x 32 x 3 image",
)

ALEXNET = "conv 96 11 s4 p0; pool 3 s2; conv 256 5 s1 p2; pool 3 s2; conv 384 3 s1 p1; conv 384 3 s1 p1; " \
          "conv 256 3 s1 p1; pool 3 s2; fc 4096; fc 4096; fc 1000"

_INT_TOL = Tolerance(abs=0)


def _single(dims):
    """The erratum's instance: a single layer (no network) on an input of these W x H x D."""
    return lambda v: v["layers"] is None and _dims(v["input"]) == dims


ERRATA = (
    Erratum(where="the handwritten notes (CNN output sizes)", params={}, also=lambda v: v["layers"] is None
            and v["size"] is not None and _dims(v["input"])[:2] == (7, 7), kind="ambiguity",
            wrote="that strides 1, 2 and 4 fit a 7 x 7 input and stride 3 does not",
            right="that holds for a 3 x 3 filter without padding; for this filter and padding the strides that fit are "
                  "{valid_strides}",
            why="(W - F + 2P)/S must be an integer, so which strides fit depends on F and P as well as on W"),
    Erratum(where="the handwritten notes (LeNet)", params={"kind": "conv", "size": "5", "filters": "6", "stride": "1",
                                                          "pad": "0", "dilation": "1"}, also=_single((32, 32, 1)),
            wrote="LeNet's input as '22 x 32'",
            right="it is 32 x 32: 32 - 5 + 1 = 28 outputs per side (22 - 5 + 1 would be 18); their count of 122,304 "
                  "connections is right"),
    Erratum(where="the handwritten notes ('2 architectures')", params={"fc_units": "500"}, also=_single((32, 32, 3)),
            wrote="the parameters of the 500-unit layer as '3072 x 500 + 1 bias'",
            right="there is one bias per unit: 3072 x 500 + 500 = 1,536,500"),
)


def _dims(inp) -> tuple[int, int, int]:
    v = [int(x) for x in inp]
    if len(v) == 1:
        return v[0], v[0], 1
    if len(v) == 2:
        return v[0], v[1], 1
    return v[0], v[1], v[2]


def read_structure(text: str, conventions: dict) -> dict | None:
    """The question reader's hook (solver.reading): a network of two or more layers described in prose ('a conv layer
    with 16 filters of size 5x5, stride 1, then 2x2 max pooling with stride 2') read as `layers`, which replaces the
    single layer's fields; a single layer's filters counted before their size ('64 3x3 filters'); an input's depth
    stated apart from its width and height."""
    notes: list = []
    found = read_layers(text, notes)
    out = {"fields": {}, "replaces": (), "notes": []}
    if found is not None:
        out = {"fields": {"layers": found},
               "replaces": ("kind", "filters", "size", "stride", "pad", "dilation", "groups", "fc_units"), "notes": notes}
    else:   # one layer: its filters counted before their size ("64 3x3 filters", "two 3x3 filters"), which the
        count = FILTER_COUNT.search(text)   # general reading leaves unread (the size stands between)
        if count:
            out["fields"]["filters"] = (str(count_of(count.group(1))), count.span())
    channels = _CHANNELS.search(text)
    if channels and not VOLUME.search(text):
        area = _AREA.search(text)
        c = channels.group(1) or channels.group(2)
        if area and area.group(1) and area.group(2):
            out["fields"]["input"] = (f"{area.group(1)} {area.group(2)} {c}", (min(area.start(), channels.start()),
                                                                              max(area.end(), channels.end())))
        else:  # the depth alone: the input's other sides are missing, never a W x W x 1 volume of width D
            out["replaces"] = (*out["replaces"], "input")
            out["missing"] = ("input",)
            out["notes"].append(f"The question gives the input's depth ({c} channels) but not its width and height: "
                                "give all three (input = W H D).")
    return out if out["fields"] or out["notes"] else None


#: "32 channels", "32 input channels", "depth 32", "D = 32" ... stated apart from a W x H x D volume
_CHANNELS = re.compile(r"(?<![\w.x×])(\d+)\s+(?:input\s+|colou?r\s+|feature\s+)?channels\b|\b(?:depth|in_channels|"
                       r"input\s+channels)\s*(?:of\s+|=\s*|:\s*)?(\d+)\b", re.I)
_AREA = re.compile(r"(?<![\d.])(\d+)\s*[x×]\s*(\d+)(?![\d.]|\s*[x×])\s+(?:input|image|feature\s+map|pixels|picture)", re.I)


def _fc_only(p) -> bool:
    """Only a fully connected layer was asked for: no filter size, no network."""
    return p["layers"] is None and p["size"] is None


def validate(p: dict[str, Any]) -> None:
    if p["layers"] is not None:
        return
    if p["size"] is None:
        if p["fc_units"] is None:
            raise InvalidInput("size", "The 'size' parameter of conv_shape is required: the filter (or pooling window) "
                                       "size F of the layer (or give layers, a whole network, or fc_units alone for a "
                                       "fully connected layer on the input).")
        return
    w, h, dep = _dims(p["input"])
    if p["groups"] != 1:
        if p["kind"] == "pool":
            raise InvalidInput("groups", "The 'groups' parameter of conv_shape applies to a convolution layer: a pooling "
                                         "layer has no filters to group. Leave it at 1 for pooling.")
        bad = groups_problem(p["groups"], dep, filters_of(p, dep))
        if bad:
            raise InvalidInput(bad[0], f"The '{bad[0]}' parameter of conv_shape {bad[1]}. Got "
                                       f"{filters_of(p, dep) if bad[0] == 'filters' else p['groups']} instead.")
    if p["pad"] == "same":
        return  # 'same' padding is solved so that the filter always fits
    feff = p["dilation"] * (p["size"] - 1) + 1
    if feff > min(w, h) + 2 * p["pad"]:
        raise InvalidInput("size", f"The 'size' parameter of conv_shape must fit in the padded input "
                                   f"({min(w, h)} + 2*{p['pad']} = {min(w, h) + 2 * p['pad']}); the filter covers "
                                   f"{feff} pixels. Got {p['size']} instead.")


def use_numeric(p) -> bool:
    return False  # integer arithmetic: the exact path is always fast


_S, _P, _G = (Math(c, c) for c in "SPG")


def statement(p) -> Rich:
    w, h, d = _dims(p["input"])
    vol = f"{w} × {h} × {d}"
    if _fc_only(p):
        return Rich(f"A {vol} input is flattened and goes through a fully connected layer with {p['fc_units']} "
                    "units. How many parameters does the layer have?")
    if p["layers"] is not None:
        lines = ", then ".join(layer_words(layer) for layer in p["layers"])
        return Rich(f"A network takes a {vol} input through {lines}. Give the output shape, the "
                    f"number of parameters and the activation memory ({p['bytes']} bytes per value) of each layer, "
                    "and the receptive field of the last convolution or pooling layer.")
    dil = Rich(", dilation ", p["dilation"]) if p["dilation"] != 1 else ""
    same = p["pad"] == "same"
    pad = "'same' padding" if same else Rich("padding ", Eq(_P, p["pad"]))
    if p["kind"] == "pool":
        padded = same or p["pad"]
        layer = Rich(f"a pooling layer with a {p['size']} × {p['size']} window{',' if padded else ' and'} stride ",
                     Eq(_S, p["stride"]), *((" and ", pad) if padded else ()))
        q = "What is the output volume?"
    else:
        g = p["groups"]
        grouped = ("a depthwise convolution layer" if g == DEPTHWISE else
                   Rich("a grouped convolution layer (groups ", Eq(_G, g), ")") if g != 1 else "a convolution layer")
        per = d if g == 1 else d // groups_of(g, d)
        k = filters_of(p, d)
        layer = Rich(grouped, f" with {k} filter{'s' if k > 1 else ''} of size {p['size']} × {p['size']} × {per}, "
                     "stride ", Eq(_S, p["stride"]), " and ", pad, dil)
        q = "What is the output volume, how many parameters does the layer have, and how many connections?"
    if same:
        q = Rich("What padding ", _P, " does 'same' need? ", q)
    fc = ""
    if p["fc_units"] is not None:
        fc = f" How many parameters would a fully connected layer with {p['fc_units']} units need on the same input?"
    return Rich(f"A {vol} input goes through ", layer, ". ", q, fc)


# ---- one layer -----------------------------------------------------------------------------------

def valid_strides(n: int, feff: int, pad: int, total: int | None = None) -> list[int]:
    """Strides S with (n - F_eff + 2P)/S an integer (every stride fits when the filter covers the padded input);
    `total` instead of 2P for unequal padding on the two sides."""
    span = n - feff + (2 * pad if total is None else total)
    if span <= 0:
        return [1]
    return [int(s) for s in sp.divisors(span)]   # by factoring: a 'same' span (W - 1) S can be 10^11


def _out(n: int, feff: int, pad: int, stride: int) -> tuple[sp.Rational, int]:
    raw = sp.Rational(n - feff + 2 * pad, stride) + 1
    return raw, (n - feff + 2 * pad) // stride + 1


def same_total(n: int, feff: int, stride: int) -> int:
    """The total padding 2P that keeps the size (W_out = W): (W - 1) S - W + F_eff, never negative."""
    return (n - 1) * stride - n + feff


def same_sides(n: int, feff: int, stride: int) -> tuple[int, int]:
    """'same' padding before and after the input: the smaller half before (left/top), the extra one after, as torch."""
    total = same_total(n, feff, stride)
    return total // 2, total - total // 2


def ceil_out(n: int, feff: int, p1: int, p2: int, stride: int) -> int:
    """A pooling layer's output size in ceil mode (torch's rule, one rule with pool2d's: problems/_grid.py)."""
    return G.axis(n, feff, stride, 1, (p1, p2), ceil=True).out


def groups_of(groups: int, depth: int) -> int:
    """The number of groups G: the input depth for a depthwise convolution."""
    return depth if groups == DEPTHWISE else groups


def groups_problem(groups: int, depth: int, filters: int) -> tuple[str, str] | None:
    """(field, message) when the input depth or the number of filters is not a multiple of the groups: the message
    continues "The 'field' parameter of conv_shape ..." (or stands alone in a network's step)."""
    g = groups_of(groups, depth)
    if depth % g:
        return "groups", (f"must divide the input depth D = {depth}: each of the G groups sees D/G input channels, "
                          f"and {depth}/{g} is not a whole number")
    if filters % g:
        if groups == DEPTHWISE:
            return "filters", (f"(the number of filters) must be a multiple of the input depth D = {depth} for a "
                               f"depthwise convolution (groups = D); one filter per channel is {depth} filters")
        return "filters", (f"(the number of filters) must be a multiple of the groups G = {g}: each group has K/G "
                           f"filters, and {filters}/{g} is not a whole number")
    return None


def filters_of(p, depth: int) -> int:
    """The number of filters K: as given, else 1 (the input depth for a depthwise convolution)."""
    if p["filters"] is not None:
        return p["filters"]
    return depth if p["groups"] == DEPTHWISE else 1


def conv_counts(k: int, f: int, depth: int, g: int) -> tuple[int, int]:
    """(weights, parameters) of a convolution with G groups: K (D/G) F F weights and K biases."""
    weights = k * (depth // g) * f * f
    return weights, weights + k


def solve(p, conv) -> Derivation:
    if p["layers"] is not None:
        return _network(p, conv, steps=True)
    d = Derivation()
    w, h, dep = _dims(p["input"])
    if _fc_only(p):
        d.given("Input volume", text=f"W x H x D = {F.shape((w, h, dep))}")
        _fc_compare(d, w, h, dep, p["fc_units"], None)
        return d
    k, f, s, pad, dil = filters_of(p, dep), p["size"], p["stride"], p["pad"], p["dilation"]
    pool = p["kind"] == "pool"
    same = pad == "same"
    d.given("Input volume", text=f"W x H x D = {F.shape((w, h, dep))}")
    per = dep // groups_of(p["groups"], dep) if not pool else dep
    what = f"{f} x {f} pooling window" if pool else f"{k} filter{'s' if k > 1 else ''} of {f} x {f} x {per}"
    d.given("Layer", text=f"{what}, stride S = {s}, padding " + ("'same'" if same else f"P = {pad}")
                          + (f", dilation {dil}" if dil != 1 else "") + _groups_words(p, dep))
    feff = f
    if same and dil != 1:
        feff = int(d.compute("Effective filter size (dilation spreads the taps)", F_eff, F_EFFECTIVE, {Dil: dil, Fw: f}))
    sides = None
    if same:
        pad, sides = _same_steps(d, w, h, feff, s, dil != 1)
    if sides is None:
        _padded(d, w, h, pad)
    if dil != 1 and not same:
        feff = int(d.compute("Effective filter size (dilation spreads the taps)", F_eff, F_EFFECTIVE, {Dil: dil, Fw: f}))
    if sides is not None:
        wo, ho = _unequal_padding_steps(d, w, h, feff, s, sides)
        fit_ans = (make_answer("fits", True), make_answer("valid_strides", [sp.Integer(v) for v in _strides(w, h, feff, 0, sides)],
                                                          tolerance=_INT_TOL))
        d.conclude("The stride fits", "With 'same' padding the filter ends exactly on the last column for any stride.",
                   answers=fit_ans)
        return _volume_and_params(d, p, w, h, dep, wo, ho)
    d.formula("Output size per dimension", W_out, OUT_W,
              text="The filter slides from one edge of the padded input to the other in steps of S." +
                   (" With dilation, F is the effective size F_eff." if dil != 1 else ""))
    raw_w = d.compute("Output width", W_out, OUT_W, {W: w, Fw: feff, P: pad, S: s})
    raw_h = raw_w
    if h != w:
        raw_h = d.compute("Output height", H_out, OUT_H, {H: h, Fw: feff, P: pad, S: s})
    else:
        d.note("Output height", "The input is square (H = W), so H_out = W_out.")
    fits = bool(raw_w.is_Integer and raw_h.is_Integer)
    strides = _strides(w, h, feff, pad)
    fit_ans = (make_answer("fits", fits), make_answer("valid_strides", [sp.Integer(v) for v in strides],
                                                      tolerance=_INT_TOL))
    listing = ", ".join(map(str, strides))
    if fits:
        d.conclude("The stride fits", f"(W - F + 2P)/S is an integer, so the filter ends exactly on the last column. "
                                      f"Strides that fit this input and filter: {listing}.", answers=fit_ans)
        wo, ho = int(raw_w), int(raw_h)
    else:
        span = w - feff + 2 * pad
        d.conclude("The stride does not fit",
                   f"(W - F + 2P)/S = {span}/{s} is not an integer: the filter would hang over the edge of the input. "
                   f"Strides that fit: {listing}.",
                   answers=fit_ans)
        if conv["stride_fit"] == "reject":
            d.status = "undefined"
            d.note("No valid output size", "Under the notes' rule this layer is not valid. Choose a stride from the list "
                                           "above, or use -c stride_fit=floor to get torch's answer (it floors the size).")
            return d
        if conv["stride_fit"] == "ceil" and pool:
            wo, ho = _ceil_steps(d, w, h, feff, pad, s)
        else:
            if conv["stride_fit"] == "ceil":
                d.note("A convolution rounds down", "Ceil mode is a pooling option (torch's nn.MaxPool2d(ceil_mode=True)); "
                                                    "nn.Conv2d always rounds the output size down.")
            wo = int(d.compute("Output width, floored (torch)", W_out, OUT_W_FLOOR, {W: w, Fw: feff, P: pad, S: s}))
            ho = wo
            if h != w:
                ho = int(d.compute("Output height, floored (torch)", H_out, OUT_H_FLOOR, {H: h, Fw: feff, P: pad, S: s}))
            d.note("Ignored input", f"Flooring drops the last {span % s} padded column(s) the filter cannot reach"
                                    + (" (and likewise rows)." if h == w else "."))
    return _volume_and_params(d, p, w, h, dep, wo, ho)


def _strides(w: int, h: int, feff: int, pad: int, sides=None) -> list[int]:
    """The strides that fit both axes: the divisors of both spans W - F + 2P and H - F + 2P. A span of 0 (the window
    covers the padded axis) takes any stride, so it leaves the other axis's list (it used to cut the list to [1])."""
    (l, r), (t, b) = sides if sides is not None else ((pad, pad), (pad, pad))
    span = math.gcd(max(w - feff + l + r, 0), max(h - feff + t + b, 0))
    return valid_strides(span + 1, 1, 0)


def _groups_words(p, dep: int) -> str:
    if p["kind"] == "pool" or p["groups"] == 1:
        return ""
    if p["groups"] == DEPTHWISE:
        return f", depthwise (groups = D = {dep})"
    return f", groups G = {p['groups']}"


def _same_steps(d: Derivation, w: int, h: int, feff: int, s: int, dilated: bool):
    """'same' padding solved for P (W_out = W). Returns (P, None) for equal integer padding on every side, else
    (None, ((left, right), (top, bottom))), the torch split with the extra zero after the input."""
    pw = d.compute("'same' padding: the output keeps the input's width", P, SAME_P, {W: w, S: s, Fw: feff},
                   answer="same_pad",
                   text="Solve (W - F + 2P)/S + 1 = W for P." + (" F is the effective size F_eff." if dilated else "")
                        + ("" if s == 1 else " torch accepts padding='same' only with stride 1 (it raises an error "
                                             "otherwise); TensorFlow's and Keras's 'same' with stride S give ceil(W/S) "
                                             f"outputs instead ({-(-w // s)} here)."))
    ph = pw
    if h != w and s != 1:
        ph = d.compute("'same' padding for the height", P, SAME_P_H, {H: h, S: s, Fw: feff},
                       answer="same_pad_height")
    if pw.is_Integer and ph.is_Integer and pw == ph:
        return int(pw), None
    sides = (same_sides(w, feff, s), same_sides(h, feff, s))
    odd = [f"{x}P = {F.text(v)}" for x, v in (("", pw), ("height: ", ph)) if not v.is_Integer and (x == "" or ph != pw)]
    if odd:
        (l, r), (t, b) = sides
        d.note("No integer symmetric padding",
               f"2P = (W - 1) S - W + F is odd ({'; '.join(odd)}), so no whole number of zeros on each side keeps the "
               "size. " + ("torch's padding='same' (stride 1 only) and TensorFlow's" if s == 1 else "TensorFlow's 'same'")
               + f" put the smaller half before the input and the extra zero after it, on the right and at the bottom: "
               f"{l} on the left and {r} on the right, {t} at the top and {b} at the bottom.")
        d.conclude("Zeros on each side (torch)", f"left {l}, right {r}, top {t}, bottom {b}",
                   answers=[make_answer(n, sp.Integer(v)) for n, v in (("pad_left", l), ("pad_right", r), ("pad_top", t),
                                                                       ("pad_bottom", b))])
    return None, sides


def _unequal_padding_steps(d: Derivation, w: int, h: int, feff: int, s: int, sides) -> tuple[int, int]:
    (l, r), (t, b) = sides
    d.compute("Padded input width", W_pad, PADDED_W_SIDES, {W: w, P1: l, P2: r}, answer="padded_width",
              text="P_1 zeros before the input and P_2 after it.")
    d.compute("Padded input height", H_pad, PADDED_H_SIDES, {H: h, P1: t, P2: b}, answer="padded_height")
    d.formula("Output size per dimension", W_out, OUT_W_SIDES,
              text="The filter slides from one edge of the padded input to the other in steps of S.")
    wo = int(d.compute("Output width", W_out, OUT_W_SIDES, {W: w, Fw: feff, P1: l, P2: r, S: s}))
    ho = int(d.compute("Output height", H_out, OUT_H_SIDES, {H: h, Fw: feff, P1: t, P2: b, S: s}))
    return wo, ho


def _ceil_steps(d: Derivation, w: int, h: int, feff: int, pad: int, s: int) -> tuple[int, int]:
    """Ceil mode (pooling): the size rounded up, less one when the last window would start in the right padding."""
    outs = []
    for name, lhs, rule, n, sym_n in (("width", W_out, OUT_W_CEIL, w, W), ("height", H_out, OUT_H_CEIL, h, H)):
        if name == "height" and h == w:
            outs.append(outs[0])
            break
        up = int(d.compute(f"Output {name}, rounded up (ceil mode)", lhs, rule, {sym_n: n, Fw: feff, P: pad, S: s}))
        out = ceil_out(n, feff, pad, pad, s)
        if out != up:
            d.note(f"The last window of the {name}",
                   f"It would start at {(up - 1) * s}, in the padding after the input (at or past W + P = {n + pad}); "
                   f"torch drops such a window, so the output {name} is {out}.")
        outs.append(out)
    d.note("Partial window", "Ceil mode keeps a last window that hangs over the edge of the padded input (torch's "
                             "ceil_mode=True), as long as it starts inside the input or its left padding.")
    return outs[0], outs[1]


def _volume_and_params(d: Derivation, p, w: int, h: int, dep: int, wo: int, ho: int) -> Derivation:
    k, f = filters_of(p, dep), p["size"]
    pool = p["kind"] == "pool"
    depth = dep if pool else k
    d.note("Output depth", "Pooling works on each channel separately, so the depth is unchanged: D_out = D."
           if pool else "Each filter gives one feature map, so the depth is the number of filters: D_out = K.")
    d.conclude("Output volume",
               answers=(make_answer("out_width", sp.Integer(wo)), make_answer("out_height", sp.Integer(ho)),
                        make_answer("out_depth", sp.Integer(depth)),
                        make_answer("out_shape", [sp.Integer(wo), sp.Integer(ho), sp.Integer(depth)], tolerance=_INT_TOL)),
               value=Math(F.shape((wo, ho, depth)).replace(" x ", r" \times "), F.shape((wo, ho, depth))))
    nvals = d.compute("Values in the output volume", n_out, N_OUT, {W_out: wo, H_out: ho, K: depth},
                      answer="output_values")
    mem = nvals * p["bytes"]
    d.compute(f"Activation memory at {p['bytes']} bytes per value", mem_s, MEMORY, {n_out: nvals, bytes_s: p["bytes"]},
              answer="activation_bytes", text=f"In bytes: {F.grouped(mem)} bytes = {F.text(sp.Rational(int(mem), 1000))} kB "
                                             f"(1 kB = 1000 bytes) for one input.")
    if pool:
        d.note("Parameters", "A pooling layer takes the max (or average) of each window: it has no parameters.")
        d.conclude("Parameters", answers=(make_answer("params", sp.Integer(0)),))
    else:
        g = groups_of(p["groups"], dep)
        if g == 1:
            d.compute("Weights: each filter has F x F x D weights", sym("weights"), sp.Mul(K, Fw, Fw, D, evaluate=False),
                      {K: k, Fw: f, D: dep}, answer="weights")
        else:
            d.note("Groups", (f"Depthwise: G = D = {dep} groups, so each filter sees a single input channel."
                              if p["groups"] == DEPTHWISE else
                              f"The {dep} input channels are split into G = {g} groups of D/G = {dep // g}, and the {k} "
                              f"filters into G groups of K/G = {k // g}: each filter sees only its group's channels.")
                   + " torch's nn.Conv2d(groups=G) has weights of shape K x D/G x F x F.")
            d.compute("Weights: each filter has F x F x D/G weights", sym("weights"), WEIGHTS_G, {K: k, Fw: f, D: dep, Gs: g},
                      answer="weights")
        d.answer_step("Biases: one per filter", make_answer("biases", sp.Integer(k)), kind="compute")
        params = d.compute("Parameters", params_s, CONV_PARAMS if g == 1 else CONV_PARAMS_G,
                           {K: k, Fw: f, D: dep, **({Gs: g} if g != 1 else {})}, answer="params",
                           text="Every filter has F x F x " + ("D" if g == 1 else "D/G") + " weights and one bias, and "
                                "the filters are shared over all output positions.")
        d.compute("Connections: each output value uses F x F x " + ("D" if g == 1 else "D/G") + " weights and one bias",
                  conn_s, CONNECTIONS if g == 1 else CONNECTIONS_G,
                  {W_out: wo, H_out: ho, K: k, Fw: f, D: dep, **({Gs: g} if g != 1 else {})}, answer="connections")
        if p["fc_units"] is not None:
            _fc_compare(d, w, h, dep, p["fc_units"], params)
    if pool and p["fc_units"] is not None:
        _fc_compare(d, w, h, dep, p["fc_units"], None)
    return d


def _padded(d: Derivation, w: int, h: int, pad: int) -> None:
    """The padded input W + 2P (and H + 2P): P zeros on each side."""
    txt = ("P zeros are added on each side, so the filter slides over W + 2P columns." if pad else
           "No padding: the filter slides over the input itself.")
    d.compute("Padded input width", W_pad, PADDED_W, {W: w, P: pad}, answer="padded_width", text=txt)
    if h != w:
        d.compute("Padded input height", H_pad, PADDED_H, {H: h, P: pad}, answer="padded_height")
    else:
        d.answer_step("Padded input height (square input)", make_answer("padded_height", sp.Integer(h + 2 * pad)),
                      kind="compute")


def _fc_compare(d: Derivation, w: int, h: int, dep: int, units: int, conv_params) -> None:
    with d.group("A fully connected layer on the same input"):
        n_in = w * h * dep
        d.note("Flatten", f"The input is flattened to a vector of W H D = {w}*{h}*{dep} = {n_in} values; each of the "
                          f"{units} units has one weight per input value and its own bias.")
        fcp = d.compute("Fully connected parameters", fc_s, FC_PARAMS, {W: w, H: h, D: dep, N: units}, answer="fc_params")
        if conv_params:
            ratio = sp.Rational(int(fcp), int(conv_params))
            d.compute("How many times more parameters the fully connected layer needs", sym("ratio"),
                      fc_s / params_s, {fc_s: fcp, params_s: conv_params}, answer="param_ratio", value=ratio,
                      # (a rough size in words: four figures)
                      text=f"About {F.text(sp.Float(ratio, 40), 4)} times: the convolution shares each filter over "
                           "every position of the input." if not ratio.is_Integer else
                           "The convolution shares each filter over every position of the input.")


# ---- a network -----------------------------------------------------------------------------------

def _network(p, conv, steps: bool) -> Derivation:
    d = Derivation()
    w, h, dep = _dims(p["input"])
    nbytes = p["bytes"]
    shape: tuple[int, ...] = (w, h, dep)
    r, j = 1, 1
    rows, per_params, per_values = [], [], []
    rf_final = None
    if steps:
        d.given("Input volume", text=f"W x H x D = {F.shape((w, h, dep))}")
        d.formula("Output size per dimension", W_out, OUT_W, text="for conv and pool layers (F is the effective "
                                                                   "size with dilation); pooling keeps the depth")
        d.formula("Parameters of a convolution layer", params_s, CONV_PARAMS)
        d.formula("Receptive field", r_s, RF, text="r grows by (F - 1) times the jump j, the product of the strides "
                                                  "so far (j <- j S); r = j = 1 at the input")
    for i, layer in enumerate(p["layers"], start=1):
        title = f"Layer {i}: {layer.text()}"
        if layer.kind in ("conv", "pool"):
            if len(shape) == 1:
                return _stop(d, steps, i, layer, "a convolution or pooling layer needs a W x H x D input, but the "
                                                 "previous layer is fully connected (a vector).")
            lw, lh, ld = shape
            feff = layer.dilation * (layer.size - 1) + 1
            g = groups_of(layer.groups, ld) if layer.kind == "conv" else 1
            bad = groups_problem(layer.groups, ld, layer.units) if layer.kind == "conv" and layer.groups != 1 else None
            if bad:
                return _stop(d, steps, i, layer, ("G = " + str(groups_of(layer.groups, ld)) if bad[0] == "groups" else
                                                  f"K = {layer.units}") + " " + bad[1] + ".")
            if not layer.same and feff > min(lw, lh) + 2 * layer.pad:
                return _stop(d, steps, i, layer, f"the filter ({feff} pixels) is larger than the padded input "
                                                 f"({lw} x {lh} with padding {layer.pad}).")
            if layer.same:
                sides = (same_sides(lw, feff, layer.stride), same_sides(lh, feff, layer.stride))
                fits, fw, fh = True, lw, lh
            else:
                raw_w, fw = _out(lw, feff, layer.pad, layer.stride)
                raw_h, fh = _out(lh, feff, layer.pad, layer.stride)
                fits = raw_w.is_Integer and raw_h.is_Integer
            if not fits and conv["stride_fit"] == "reject":
                strides = sorted(set(valid_strides(lw, feff, layer.pad)) & set(valid_strides(lh, feff, layer.pad)))
                return _stop(d, steps, i, layer, f"the stride does not fit: ({lw} - {feff} + 2*{layer.pad})/{layer.stride} "
                                                 f"is not an integer. Strides that fit: {', '.join(map(str, strides))} "
                                                 "(or use -c stride_fit=floor).")
            ceil = not fits and conv["stride_fit"] == "ceil" and layer.kind == "pool"
            if ceil:
                fw = ceil_out(lw, feff, layer.pad, layer.pad, layer.stride)
                fh = ceil_out(lh, feff, layer.pad, layer.pad, layer.stride)
            depth = layer.units if layer.kind == "conv" else ld
            params = conv_counts(layer.units, layer.size, ld, g)[1] if layer.kind == "conv" else 0
            if steps:
                with d.group(title):
                    if layer.same:
                        (pl, pr), (pt, pb) = sides
                        d.note("'same' padding", f"P = ((W - 1) S - W + F)/2 keeps the size: {pl} zero(s) on the left and "
                                                 f"{pr} on the right, {pt} at the top and {pb} at the bottom (the extra "
                                                 f"one after the input, as torch); the output is {lw} x {lh}.")
                    else:
                        vals = {W: lw, Fw: feff, P: layer.pad, S: layer.stride}
                        rule_w, rule_h = (OUT_W, OUT_H) if fits else (OUT_W_CEIL, OUT_H_CEIL) if ceil else \
                            (OUT_W_FLOOR, OUT_H_FLOOR)
                        d.compute("Output width", W_out, rule_w, vals, value=sp.Integer(fw))
                        if lh != lw:
                            d.compute("Output height", H_out, rule_h, {H: lh, Fw: feff, P: layer.pad, S: layer.stride},
                                      value=sp.Integer(fh))
                    if layer.kind == "conv" and g == 1:
                        d.compute("Parameters", params_s, CONV_PARAMS, {K: layer.units, Fw: layer.size, D: ld})
                    elif layer.kind == "conv":
                        d.compute(f"Parameters ({'depthwise, ' if layer.groups == DEPTHWISE else ''}G = {g} groups)",
                                  params_s, CONV_PARAMS_G, {K: layer.units, Fw: layer.size, D: ld, Gs: g})
                    else:
                        d.note("Parameters", "Pooling has no parameters and keeps the depth.")
                    d.compute("Receptive field", r_s, RF, {r_s: r, F_eff: feff, j_s: j})
            r, j = r + (feff - 1) * j, j * layer.stride
            rf_final = r
            shape = (fw, fh, depth)
        elif layer.kind == "zeropad":
            if len(shape) == 1:
                return _stop(d, steps, i, layer, "zero padding needs a W x H x D input, but the previous layer is fully "
                                                 "connected (a vector).")
            pl, pr, pt, pb = layer.pads
            shape = (shape[0] + pl + pr, shape[1] + pt + pb, shape[2])
            params = 0
            if steps:
                d.note(title, f"Zero padding only (torch's nn.ZeroPad2d): {pl} and {pr} zeros on the left and right, {pt} "
                              f"and {pb} at the top and bottom; the output is {F.shape(shape)}, with no parameters.")
        elif layer.kind == "fc":
            n_in = int(np.prod(shape))
            params = n_in * layer.units + layer.units
            if steps:
                with d.group(title):
                    d.compute("Parameters (inputs x units + one bias per unit)", params_s, FC_LAYER,
                              {N: n_in, K: layer.units},
                              text=f"the {F.shape(shape)} input is flattened to {n_in} values" if len(shape) > 1 else "")
            shape = (layer.units,)
        elif layer.kind == "bn":
            params = 2 * shape[-1]
            if steps:
                d.note(title, f"Batch normalisation learns gamma and beta per channel: 2 x {shape[-1]} = {params} "
                              "parameters (the running mean and variance are buffers, not parameters).")
        else:
            params = 0
            if layer.kind == "flatten":
                shape = (int(np.prod(shape)),)
        nvals = int(np.prod(shape))
        per_params.append(params)
        per_values.append(nvals)
        rows.append((i, layer.text(), Cell([int(v) for v in shape], F.shape(shape)), Cell(nvals, str(nvals)),
                     Cell(params, F.grouped(params)), Cell(nvals * nbytes, F.grouped(nvals * nbytes)),
                     r if layer.kind in ("conv", "pool", "zeropad") else ("-" if len(shape) == 1 else r)))
    total_p, total_v = sum(per_params), sum(per_values)
    out_shape = [sp.Integer(v) for v in shape]
    answers = (make_answer("out_shape", out_shape, tolerance=_INT_TOL),
               make_answer("params_per_layer", [sp.Integer(v) for v in per_params], tolerance=_INT_TOL),
               make_answer("total_params", sp.Integer(total_p)),
               make_answer("total_activations", sp.Integer(total_v)),
               make_answer("activation_bytes", sp.Integer(total_v * nbytes)),
               make_answer("param_bytes", sp.Integer(total_p * nbytes)))
    if rf_final is not None:
        answers += (make_answer("receptive_field", sp.Integer(rf_final)),)
    d.table("Per-layer summary", ["#", "layer", "output", "values", "params", "memory (bytes)", "receptive field"], rows,
            keys=("layer", "spec", "out_shape", "values", "params", "memory", "receptive_field"), index=("layer",),
            text=f"Activation memory at {nbytes} bytes per value; the receptive field is the input width one output "
                 "value sees (fully connected layers see everything).")
    d.conclude("Totals", text=f"{F.grouped(total_p)} parameters ({F.grouped(total_p * nbytes)} bytes); {F.grouped(total_v)} "
                              f"activations per input ({F.grouped(total_v * nbytes)} bytes); output {F.shape(shape)}.",
               answers=answers)
    return d


def _stop(d: Derivation, steps: bool, i: int, layer: Layer, why: str) -> Derivation:
    d.status = "undefined"
    d.note(f"Layer {i} ({layer.text()}) is not valid", why[0].upper() + why[1:])
    d.conclude("No output shape", answers=(make_answer("fits", False), make_answer("failed_layer", sp.Integer(i))))
    return d


def solve_numeric(p, conv) -> Derivation:
    """The same integer arithmetic without per-step explanations (the answers of `solve`)."""
    if p["layers"] is not None:
        full = _network(p, conv, steps=False)
        return full
    d = Derivation()
    w, h, dep = _dims(p["input"])
    if _fc_only(p):
        fcp = w * h * dep * p["fc_units"] + p["fc_units"]
        d.conclude("Fully connected parameters", answers=(make_answer("fc_params", sp.Integer(fcp)),))
        return d
    k, f, s, pad, dil = filters_of(p, dep), p["size"], p["stride"], p["pad"], p["dilation"]
    feff = dil * (f - 1) + 1
    pool = p["kind"] == "pool"
    same_ans = []
    if pad == "same":
        tw, th = same_total(w, feff, s), same_total(h, feff, s)
        same_ans.append(make_answer("same_pad", sp.Rational(tw, 2)))
        if h != w and s != 1:
            same_ans.append(make_answer("same_pad_height", sp.Rational(th, 2)))
        (l, r), (t, b) = sides = (same_sides(w, feff, s), same_sides(h, feff, s))
        if tw % 2 or th % 2:
            same_ans += [make_answer(n, sp.Integer(v)) for n, v in (("pad_left", l), ("pad_right", r), ("pad_top", t),
                                                                     ("pad_bottom", b))]
        fits, fw, fh, padded = True, w, h, (w + tw, h + th)
        strides = _strides(w, h, feff, 0, sides)
    else:
        raw_w, fw = _out(w, feff, pad, s)
        raw_h, fh = _out(h, feff, pad, s)
        fits = bool(raw_w.is_Integer and raw_h.is_Integer)
        strides = _strides(w, h, feff, pad)
        padded = (w + 2 * pad, h + 2 * pad)
    d.conclude("Stride check", answers=(*same_ans, make_answer("padded_width", sp.Integer(padded[0])),
                                        make_answer("padded_height", sp.Integer(padded[1])),
                                        make_answer("fits", fits), make_answer("valid_strides", [sp.Integer(v) for v in strides],
                                                                              tolerance=_INT_TOL)))
    if not fits and conv["stride_fit"] == "reject":
        d.status = "undefined"
        return d
    if not fits and conv["stride_fit"] == "ceil" and pool:
        fw, fh = ceil_out(w, feff, pad, pad, s), ceil_out(h, feff, pad, pad, s)
    depth = dep if pool else k
    nvals = fw * fh * depth
    ans = [make_answer("out_width", sp.Integer(fw)), make_answer("out_height", sp.Integer(fh)),
           make_answer("out_depth", sp.Integer(depth)),
           make_answer("out_shape", [sp.Integer(fw), sp.Integer(fh), sp.Integer(depth)], tolerance=_INT_TOL),
           make_answer("output_values", sp.Integer(nvals)),
           make_answer("activation_bytes", sp.Integer(nvals * p["bytes"]))]
    g = 1 if pool else groups_of(p["groups"], dep)
    weights, params = (0, 0) if pool else conv_counts(k, f, dep, g)
    ans.append(make_answer("params", sp.Integer(params)))
    if not pool:
        ans += [make_answer("weights", sp.Integer(weights)), make_answer("biases", sp.Integer(k)),
                make_answer("connections", sp.Integer(nvals * (f * f * (dep // g) + 1)))]
    if p["fc_units"] is not None:
        fcp = w * h * dep * p["fc_units"] + p["fc_units"]
        ans.append(make_answer("fc_params", sp.Integer(fcp)))
        if not pool:
            ans.append(make_answer("param_ratio", sp.Rational(fcp, params)))
    d.conclude("Output volume and parameters", text=f"{fw} x {fh} x {depth}; {params} parameters", answers=tuple(ans))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A single conv (or pool) layer whose stride fits: (W - F + 2P) divisible by S and a stride > 1 when possible."""
    while True:
        w = int(rng.integers(5, 65))
        f = int(rng.choice([1, 2, 3, 5, 7]))
        pad = int(rng.integers(0, 3))
        kind = "pool" if rng.random() < 0.25 else "conv"
        if kind == "pool":
            pad = 0
        if f > w + 2 * pad:
            continue
        strides = valid_strides(w, f, pad)
        strides = [s for s in strides if s <= max(1, f)] or [1]
        s = int(rng.choice(strides))
        # resample until the stride fits and the output is at least 2 x 2
        if (w - f + 2 * pad) // s + 1 < 2:
            continue
        depth = int(rng.choice([1, 3, 16, 32]))
        out = {"input": [w, w, depth], "kind": kind, "size": f, "stride": s, "pad": pad}
        if kind == "conv":
            out["filters"] = int(rng.choice([4, 6, 8, 16, 32, 64, 100]))
            if rng.random() < 0.5:
                out["fc_units"] = int(rng.choice([10, 100, 500]))
        return out
