"""Backpropagation in a feed-forward network: dL/dh_(i-1) = W_i^T dL/da_i, dL/da_i = dL/dh_i * g'(a_i), dL/dW_i = dL/da_i h_(i-1)^T.

Exam question: "A fully connected network has these weight matrices, biases and activations. For the
input x with target y, compute the forward pass, the gradient of the loss with respect to every weight
and bias, one gradient-descent update with learning rate eta and the new loss." (notes 000, week 3:
a_i = W_i h_(i-1) + b_i, h_i = g(a_i), softmax output with cross-entropy, so dL/da_L = -(e_l - y_hat);
the backward formulas above and W_i <- W_i - eta dL/dW_i.) It also counts the parameters of each layer
(notes 001's 3-4-2 network: 20 weights, 6 biases, 26 parameters).

The network is typed one layer at a time: `W1`, `b1`, `act1` for layer 1, `W2`, `b2`, `act2` for layer
2, and so on up to 4 layers; the last W given is the output layer. A bias left empty is zero.
Activations: sigmoid, tanh, ReLU (derivative 0 at 0, as torch), leaky ReLU (slope `leaky_slope`,
derivative = slope at 0, as torch), linear, and softmax (output layer only). Losses: squared error
(1/2 sum_j (h_Lj - y_j)^2 by default) or cross-entropy (-sum_j y_j ln h_Lj after a softmax, the binary
form -sum_j [y_j ln h_Lj + (1 - y_j) ln(1 - h_Lj)] after a sigmoid). Several examples (rows of x) are a
batch: the loss is the mean over them (notes 000's (1/N) sum_i) unless the convention says sum.

Conventions: the weight layout (W_i is n_i x n_(i-1) and a_i = W_i h_(i-1) + b_i, as the notes'
detailed formulas; or n_(i-1) x n_i and a_i = W_i^T h_(i-1) + b_i, the transposed layout notes 000
warn about), the scaling of the squared error, and the batch reduction.
"""
from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.numbers import Precision
from solver.params import Choice, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.steps import Math, Step
from solver.symbolic import Derivation, make_answer

from ._nets import (ACTIVATION_ALIASES, ACTIVATIONS, act_exact, act_grad_exact, act_grad_np, act_np, col_tex, mat_tex,
                    mat_txt, mp_apply, num_tex, num_txt, outer, row_tex, tidy, transpose, vec_txt, written)

TITLE = "Feed-forward network: forward pass, backpropagation and one update"
TOPIC = "neurons"
KEYWORDS = ("feed-forward", "feedforward", "mlp", "multilayer perceptron", "backpropagation", "backprop", "forward pass",
            "gradient", "softmax", "cross-entropy", "hidden layer", "weights", "parameters", "hidden units",
            "output layer", "network")

MAX_LAYERS = 4
EXACT_EXAMPLES = 4       # batches up to this size take the exact path
EXACT_PARAMS = 400       # and networks up to this many parameters

# ---- the rules, written once (LaTeX, text) ----------------------------------------------------------------
G_TEX = {"sigmoid": (r"\sigma", "sigmoid"), "tanh": (r"\tanh", "tanh"), "relu": (r"\operatorname{ReLU}", "relu"),
         "leaky_relu": (r"\operatorname{LeakyReLU}", "leaky_relu"), "linear": ("", ""),
         "softmax": (r"\operatorname{softmax}", "softmax")}
G_PRIME = {  # g'(a_i) in terms of a_i and h_i
    "sigmoid": (r"h_{%(k)s} \odot (1 - h_{%(k)s})", "h%(k)s * (1 - h%(k)s)"),
    "tanh": (r"1 - h_{%(k)s} \odot h_{%(k)s}", "1 - h%(k)s * h%(k)s"),
    "relu": (r"\mathbf{1}[a_{%(k)s} > 0]", "1[a%(k)s > 0]"),
    "leaky_relu": (r"\mathbf{1}[a_{%(k)s} > 0] + %(s)s\,\mathbf{1}[a_{%(k)s} \le 0]", "1[a%(k)s > 0] + %(s)s 1[a%(k)s <= 0]"),
    "linear": ("1", "1"),
}
LOSS_TEX = {  # %(L)s is the output layer's number
    "half": (r"\frac{1}{2} \sum_{j} (h_{%(L)s,j} - y_{j})^{2}", "1/2 sum_j (h%(L)s_j - y_j)^2"),
    "sum": (r"\sum_{j} (h_{%(L)s,j} - y_{j})^{2}", "sum_j (h%(L)s_j - y_j)^2"),
    "mean": (r"\frac{1}{k} \sum_{j} (h_{%(L)s,j} - y_{j})^{2}", "(1/k) sum_j (h%(L)s_j - y_j)^2"),
    "ce_softmax": (r"-\sum_{j} y_{j} \ln h_{%(L)s,j}", "-sum_j y_j ln h%(L)s_j"),
    "ce_sigmoid": (r"-\sum_{j} \left[y_{j} \ln h_{%(L)s,j} + (1 - y_{j}) \ln(1 - h_{%(L)s,j})\right]",
                   "-sum_j [y_j ln h%(L)s_j + (1 - y_j) ln(1 - h%(L)s_j)]"),
}
DLDH_TEX = {
    "half": (r"h_{%(L)s} - y", "h%(L)s - y"), "sum": (r"2 (h_{%(L)s} - y)", "2 (h%(L)s - y)"),
    "mean": (r"\frac{2}{k} (h_{%(L)s} - y)", "(2/k) (h%(L)s - y)"),
    "ce_softmax": (r"-y \oslash h_{%(L)s}", "-y / h%(L)s"),
    "ce_sigmoid": (r"-y \oslash h_{%(L)s} + (1 - y) \oslash (1 - h_{%(L)s})", "-y / h%(L)s + (1 - y) / (1 - h%(L)s)"),
}


def _tmpl(pair, L) -> Math:
    return Math(pair[0] % {"L": L}, pair[1] % {"L": L})


def _formula_step(d: Derivation, title: str, lhs: Math, rhs: Math, text: str = "") -> None:
    d.add(Step("formula", title, text=text, formula=Math(f"{lhs.latex} = {rhs.latex}", f"{lhs.text} = {rhs.text}")))

LAYOUT = Convention(
    "weight_layout", "Shape of the weight matrices",
    {"out_in": "W_i has one row per unit of layer i (n_i x n_(i-1)): a_i = W_i h_(i-1) + b_i and dL/dW_i = dL/da_i h_(i-1)^T "
               "(notes 000's formulas, torch's nn.Linear)",
     "in_out": "W_i has one row per input (n_(i-1) x n_i): a_i = W_i^T h_(i-1) + b_i and dL/dW_i = h_(i-1) (dL/da_i)^T "
               "(the transposed layout notes 000 warn about)"},
    default="out_in", why_default="notes 000's backpropagation formulas use a_i = W_i h_(i-1) + b_i with W_3 of shape 2 x 3",
    aliases={"out x in": "out_in", "outxin": "out_in", "in x out": "in_out", "inxout": "in_out"},
    cues={"in_out": ("in x out", "W^T h", "one row per input"), "out_in": ("W h + b", "Wh + b", "one row per unit")},
)
SQUARED = Convention(
    "squared_error", "Scaling of the squared error",
    {"half": "squared error 1/2 sum_j (h_j - y_j)^2, so dL/dh_L = h_L - y (notes 000 and 001)",
     "sum": "squared error sum_j (h_j - y_j)^2, so dL/dh_L = 2 (h_L - y) (notes 000's objective)",
     "mean": "squared error (1/k) sum_j (h_j - y_j)^2 over the k outputs, so dL/dh_L = (2/k)(h_L - y) (torch's MSELoss)"},
    default="half", why_default="the notes' sigmoid-neuron and MSE derivations use the 1/2, which makes dL/dh_L = h_L - y",
    cues={"half": ("1/2 (h - y)^2", "0.5 (h - y)^2", "1/2 sum"), "mean": ("mseloss", "mean over the outputs")},
)
REDUCTION = Convention(
    "reduction", "Loss of a batch",
    {"mean": "the loss of a batch is the mean of the examples' losses (notes 000: (1/N) sum_i; torch's default)",
     "sum": "the loss of a batch is the sum of the examples' losses"},
    default="mean", why_default="notes 000 write the objective as (1/N) sum_i; a single example is the same either way",
    cues={"sum": ("sum of the losses", "summed over the batch", "summed over the examples"),
          "mean": ("mean over the batch", "averaged over the batch", "average loss")},
)
CONVENTIONS = (LAYOUT, SQUARED, REDUCTION)

_ACT = Choice(ACTIVATIONS, aliases=ACTIVATION_ALIASES)
_NUM = 10 ** 6


def _layer_params(k: int) -> tuple[Param, ...]:
    first = k == 1
    return (
        Param(f"W{k}", Matrix(max_rows=1000, max_cols=1000, lo=-_NUM, hi=_NUM), required=first, label=f"Weights W{k}",
              help=(f"layer {k}'s weight matrix, one row per unit of layer {k} (the default layout), e.g. "
                    "0.2 -0.1 0.4; 0.5 0.3 -0.2" if first else f"layer {k}'s weight matrix; leave empty for a network of "
                    f"{k - 1} layer{'s' if k > 2 else ''}"),
              aliases=(f"W{k}", f"W_{k}", f"W^{k}", f"w{k}") + (("hidden weights", "first-layer weights") if first else ())),
        Param(f"b{k}", Vector(max_len=1000, lo=-_NUM, hi=_NUM), label=f"Biases b{k}",
              help=f"one bias per unit of layer {k}; empty means zeros",
              aliases=(f"b{k}", f"b_{k}", f"b^{k}") + (("hidden biases",) if first else ())),
        Param(f"act{k}", _ACT, default="sigmoid", label=f"Activation g{k}",
              help="sigmoid, tanh, relu, leaky_relu, linear, or softmax (output layer only)",
              aliases=(f"g{k}", f"g_{k}", f"act{k}", f"activation g{k}", f"layer {k} activation")),
    )


PARAMS = (
    Param("x", Matrix(max_rows=100_000, max_cols=1000, lo=-_NUM, hi=_NUM), required=True, label="Input x (h0)",
          help="one example per row, e.g. 1 0.5 -1 for a single input vector; several rows are a batch",
          aliases=("x", "input", "inputs", "h_0", "h0", "input vector")),
    Param("y", Matrix(max_rows=100_000, max_cols=1000, lo=-_NUM, hi=_NUM), required=True, label="Target y",
          help="one row per example, one entry per output unit (one-hot for softmax with cross-entropy, e.g. 0 1)",
          aliases=("y", "target", "targets", "label", "true output", "one-hot target")),
    *[q for k in range(1, MAX_LAYERS + 1) for q in _layer_params(k)],
    Param("loss", Choice({"mse": "squared error (scaling set by the squared_error convention)",
                          "ce": "cross-entropy (after a softmax or sigmoid output layer)"},
                         aliases={"squared": "mse", "squared_error": "mse", "cross_entropy": "ce", "cross-entropy": "ce",
                                  "nll": "ce", "bce": "ce"}),
          default="mse", label="Loss",
          cues={"ce": ("cross-entropy", "cross entropy", "log loss", "negative log-likelihood"),
                "mse": ("squared error", "squared-error", "mse", "mean squared error", "mean square error")}),
    Param("eta", Real(0, _NUM, closed="right"), default="0.1", label="Learning rate eta",
          aliases=("learning rate", "learning-rate", "step size", "eta", "η", "lr", "alpha", "α")),
    Param("leaky_slope", Real(0, 1), default="0.01", label="Leaky ReLU slope",
          help="slope of leaky ReLU for a <= 0 (0.01 in notes 002 and 004; notes 000 use 0.1)",
          aliases=("leaky slope", "negative slope", "leaky relu slope")),
)

EXAMPLE = Example(
    params={"x": "1 0.5 -1", "y": "0 1",
            "W1": "0.2 -0.1 0.4; 0.5 0.3 -0.2; -0.3 0.8 0.1; 0.1 0.2 0.3", "b1": "0.1 -0.1 0.2 0", "act1": "sigmoid",
            "W2": "0.3 -0.2 0.5 0.1; -0.4 0.6 0.2 -0.3", "b2": "0.05 -0.05", "act2": "softmax",
            "loss": "ce", "eta": "0.5"},
    source="notes 000, week 3 (sigmoid hidden layer, softmax output, cross-entropy: dL/da_L = y_hat - e_l); the 3-4-2 "
           "shape of notes 001's parameter count (WE-param-count-2: 20 weights, 6 biases, 26 parameters)",
)


# ---- the network ------------------------------------------------------------------------------------------
def _shape(M) -> tuple[int, int]:
    return M.shape if isinstance(M, np.ndarray) else (len(M), len(M[0]))


def _n_layers(p) -> int:
    given = [k for k in range(1, MAX_LAYERS + 1) if p.get(f"W{k}") is not None]
    return max(given) if given else 0


def validate(p: dict[str, Any]) -> None:
    L = _n_layers(p)
    for k in range(1, L):
        if p[f"W{k}"] is None:
            raise InvalidInput(f"W{k}", f"The 'W{k}' parameter of feedforward is required: W{L} is given, so layers 1 to "
                                        f"{L} all need their weights.")
    for k in range(L + 1, MAX_LAYERS + 1):
        if p[f"b{k}"] is not None:
            raise InvalidInput(f"b{k}", f"The 'b{k}' parameter of feedforward must be empty: there is no W{k}, so the "
                                        f"network has {L} layer{'s' if L > 1 else ''}.")
    for k in range(1, L):
        if p[f"act{k}"] == "softmax":
            raise InvalidInput(f"act{k}", f"The 'act{k}' parameter of feedforward must not be 'softmax': softmax is for "
                                          f"the output layer (layer {L}) only. Got 'softmax' instead.")
    if p["loss"] == "ce":
        if p[f"act{L}"] not in ("softmax", "sigmoid"):
            raise InvalidInput("loss", f"The 'loss' parameter of feedforward must be 'mse' unless the output layer is "
                                       f"softmax or sigmoid: cross-entropy needs probabilities. Got 'ce' with act{L} = "
                                       f"{p[f'act{L}']!r} instead.")
        Y = as_float(p["y"])
        if np.any(Y < 0) or np.any(Y > 1):
            raise InvalidInput("y", "The 'y' parameter of feedforward must hold targets in [0, 1] for the cross-entropy loss "
                                    "(one-hot rows for a softmax output).")


class Net:
    """The network in the internal layout (every W as n_i x n_(i-1)), with the data as rows."""

    def __init__(self, p, conv, exact: bool):
        """Read the network in the chosen weight layout; when the shapes fit only the other layout, use that one
        (and say so: `self.switched`)."""
        self.switched = False
        try:
            self._build(p, conv, conv["weight_layout"], exact)
        except InvalidInput as first:
            other = "in_out" if conv["weight_layout"] == "out_in" else "out_in"
            try:
                self._build(p, conv, other, exact)
            except InvalidInput:
                raise first from None
            self.switched = True

    def _build(self, p, conv, layout: str, exact: bool):
        self.L = L = _n_layers(p)
        self.layout = layout
        self.acts = [p[f"act{k}"] for k in range(1, L + 1)]
        conv_ = as_exact if exact else as_float
        typed = [conv_(p[f"W{k}"]) for k in range(1, L + 1)]
        if self.layout == "in_out":
            Ws = [transpose(W) if exact else W.T for W in typed]
        else:
            Ws = typed
        sizes = []
        for k, W in enumerate(Ws, start=1):
            r, c = _shape(W)
            if k == 1:
                sizes.extend([c, r])
            else:
                if c != sizes[-1]:
                    rows_or_cols = "columns" if self.layout == "out_in" else "rows"
                    raise InvalidInput(f"W{k}", f"The 'W{k}' parameter of feedforward must have {sizes[-1]} {rows_or_cols} "
                                                f"(one per unit of layer {k - 1}, under the {self.layout} weight layout). "
                                                f"Got {c} instead.")
                sizes.append(r)
        self.sizes = sizes
        bs = []
        for k in range(1, L + 1):
            b = p[f"b{k}"]
            if b is None:
                b = tuple(sp.Integer(0) for _ in range(sizes[k])) if exact else np.zeros(sizes[k])
            else:
                b = tuple(as_exact(b)) if exact else as_float(b)
                if len(b) != sizes[k]:
                    raise InvalidInput(f"b{k}", f"The 'b{k}' parameter of feedforward must have {sizes[k]} entries (one per "
                                                f"unit of layer {k}). Got {len(b)} instead.")
            bs.append(b)
        self.Ws, self.bs = Ws, bs
        self.typed = typed
        X, self.x_transposed = self._rows(conv_(p["x"]), sizes[0], "x", exact)
        Y, self.y_transposed = self._rows(conv_(p["y"]), sizes[-1], "y", exact)
        if _shape(Y)[0] != _shape(X)[0]:
            raise InvalidInput("y", f"The 'y' parameter of feedforward must have one row per example of x "
                                    f"({_shape(X)[0]}). Got {_shape(Y)[0]} rows instead.")
        self.X, self.Y = X, Y
        self.N = _shape(X)[0]
        self.slope = p["leaky_slope"] if exact else float(p["leaky_slope"])
        self.eta = p["eta"] if exact else float(p["eta"])
        self.loss = p["loss"]
        self.key = (("ce_softmax" if self.acts[-1] == "softmax" else "ce_sigmoid") if self.loss == "ce"
                    else conv["squared_error"])
        self.mean = conv["reduction"] == "mean"

    @staticmethod
    def _rows(M, n, name, exact):
        r, c = _shape(M)
        if c == n:
            return M, False
        if c == 1 and r == n:  # one example typed as a column, as the notes write h_0
            return (transpose(M) if exact else M.T), True
        what = "input" if name == "x" else "output"
        raise InvalidInput(name, f"The '{name}' parameter of feedforward must have {n} entries per example (one per "
                                 f"{what} unit of the network). Got {c} instead.")

    def counts(self):
        per = [(self.sizes[k] * self.sizes[k - 1], self.sizes[k]) for k in range(1, self.L + 1)]
        return per


def use_numeric(p) -> bool:
    keys = ["x", "y"] + [f"{a}{k}" for k in range(1, MAX_LAYERS + 1) for a in ("W", "b")]
    if any(isinstance(p.get(k), np.ndarray) for k in keys):
        return True
    rows, cols = _shape(p["x"])
    n_ex = 1 if cols == 1 and p.get("W1") is not None and rows in _shape(p["W1"]) else rows  # a column is one example
    params = sum(_shape(p[f"W{k}"])[0] * (_shape(p[f"W{k}"])[1] + 1) for k in range(1, _n_layers(p) + 1))
    return n_ex > EXACT_EXAMPLES or params > EXACT_PARAMS


def _head(M, n: int = 8):
    """The first n rows (entries) as exact numbers, without converting the rest of a big array."""
    return as_exact(M[:n])


def statement(p) -> str:
    L = _n_layers(p)
    X = _head(p["x"])
    parts = []
    for k in range(1, L + 1):
        W, b = p[f"W{k}"], p[f"b{k}"]
        big = _shape(W)[0] * _shape(W)[1] > 64
        wt = f"a {_shape(W)[0]} x {_shape(W)[1]} matrix" if big else mat_txt(as_exact(W))
        bt = "zeros" if b is None else (f"a vector of {len(b)}" if len(b) > 8 else vec_txt(as_exact(b)))
        parts.append(f"W{k} = {wt}, b{k} = {bt}, activation {p[f'act{k}']}")
    loss = "the cross-entropy loss" if p["loss"] == "ce" else "the squared-error loss"
    n = _shape(p["x"])[0]
    data = (f"the input x = {vec_txt(X[0])} with target y = {vec_txt(_head(p['y'])[0])}" if n == 1
            else f"a batch of {n} examples (the rows of x = {mat_txt(X[:6]) if _shape(p['x'])[1] <= 8 else '...'}"
                 f"{' ...' if n > 6 else ''})")
    return (f"A fully connected network with {L} layer{'s' if L > 1 else ''} has " + "; ".join(parts) + ". "
            f"For {data} and {loss}, compute the forward pass (a_i and h_i for every layer), the gradients of the loss "
            f"with respect to every weight and bias by backpropagation, one gradient-descent update with learning rate "
            f"eta = {num_txt(p['eta'])}, and the new loss. How many parameters does each layer have?")


# ---- exact arithmetic pieces --------------------------------------------------------------------------------
def _forward(net: Net, Ws, bs, x):
    As, Hs = [], [tuple(x)]
    for W, b, g in zip(Ws, bs, net.acts):
        a = tuple(tidy(sum((w_ * h for w_, h in zip(row, Hs[-1])), sp.Integer(0)) + bj) for row, bj in zip(W, b))
        As.append(a)
        Hs.append(act_exact(g, a, net.slope))
    return As, Hs


def _log(v):
    return mp_apply(mpmath.log, v)


def _loss(net: Net, a_L, h, y):
    key = net.key
    if key == "ce_softmax":
        return tidy(-sum((yj * _log(hj) for yj, hj in zip(y, h) if yj != 0), sp.Integer(0)))
    if key == "ce_sigmoid":
        comp = act_exact("sigmoid", tuple(-v for v in a_L), net.slope)  # 1 - h to full precision
        return tidy(-sum(((yj * _log(hj) if yj != 0 else 0) + ((1 - yj) * _log(cj) if yj != 1 else 0)
                          for yj, hj, cj in zip(y, h, comp)), sp.Integer(0)))
    sq = sum(((hj - yj) ** 2 for hj, yj in zip(h, y)), sp.Integer(0))
    return tidy(sq / 2 if key == "half" else sq if key == "sum" else sq / len(h))


def _dl_dh(net: Net, a_L, h, y):
    key = net.key
    if key == "ce_softmax":
        return tuple(tidy(-yj / hj) if yj != 0 else sp.Integer(0) for yj, hj in zip(y, h))
    if key == "ce_sigmoid":
        comp = act_exact("sigmoid", tuple(-v for v in a_L), net.slope)
        return tuple(tidy((-yj / hj if yj != 0 else 0) + ((1 - yj) / cj if yj != 1 else 0)) for yj, hj, cj in zip(y, h, comp))
    k = {"half": 1, "sum": 2, "mean": sp.Rational(2, len(h))}[key]
    return tuple(tidy(k * (hj - yj)) for hj, yj in zip(h, y))


def _shortcut(net: Net, y) -> bool:
    """dL/da_L = h_L - y: softmax with cross-entropy on a target summing to 1, or sigmoid with cross-entropy."""
    return net.key == "ce_sigmoid" or (net.key == "ce_softmax" and sum(y, sp.Integer(0)) == 1)


def _dl_da_out(net: Net, a_L, h, y, dh):
    if _shortcut(net, y):
        return tuple(tidy(hj - yj) for hj, yj in zip(h, y))
    if net.acts[-1] == "softmax":  # Jacobian-vector product of the softmax: h * (dh - h.dh)
        s = tidy(sum((hj * gj for hj, gj in zip(h, dh)), sp.Integer(0)))
        return tuple(tidy(hj * (gj - s)) for hj, gj in zip(h, dh))
    gp = act_grad_exact(net.acts[-1], a_L, h, net.slope)
    return tuple(tidy(g * q) for g, q in zip(dh, gp))


def _backward(net: Net, Ws, As, Hs, y):
    """Per-layer (dL/dh_k, g'(a_k), dL/da_k, dL/dW_k, dL/db_k) for k = L..1, in the internal layout."""
    L = net.L
    out = {}
    dh = _dl_dh(net, As[-1], Hs[-1], y)
    da = _dl_da_out(net, As[-1], Hs[-1], y, dh)
    out[L] = {"dh": dh, "da": da, "gp": None}
    for k in range(L, 0, -1):
        rec = out[k]
        rec["dW"] = outer(rec["da"], Hs[k - 1])
        rec["db"] = rec["da"]
        if k > 1:
            W = Ws[k - 1]
            dh_prev = tuple(tidy(sum((W[i][j] * rec["da"][i] for i in range(len(W))), sp.Integer(0)))
                            for j in range(len(W[0])))
            gp = act_grad_exact(net.acts[k - 2], As[k - 2], Hs[k - 1], net.slope)
            out[k - 1] = {"dh": dh_prev, "gp": gp, "da": tuple(tidy(u * v) for u, v in zip(dh_prev, gp))}
    return out


# ---- display pieces -----------------------------------------------------------------------------------------
def _m(tex: str, txt: str) -> Math:
    return Math(tex, txt)


def _sym(name: str, k) -> Math:
    return Math(f"{name}_{{{k}}}", f"{name}{k}")


def _d(name: str, k) -> Math:
    return Math(r"\frac{\partial L}{\partial %s_{%s}}" % (name, k), f"dL/d{name}{k}")


def _had(u, v) -> Math:
    return Math(col_tex(u) + r" \odot " + col_tex(v), vec_txt(u) + " * " + vec_txt(v))


def _g_apply(g: str, a) -> Math:
    if g == "linear":
        return Math(col_tex(a), vec_txt(a))
    tex, txt = G_TEX[g]
    return Math(r"%s %s" % (tex, col_tex(a)), f"{txt}{vec_txt(a)}")  # the vector's own parentheses suffice


def _g_formula(g: str, k) -> Math:
    if g == "linear":
        return Math(f"a_{{{k}}}", f"a{k}")
    tex, txt = G_TEX[g]
    return Math(r"%s(a_{%s})" % (tex, k), f"{txt}(a{k})")


def _gp_sub(g: str, a, h, slope) -> Math:
    if g == "sigmoid":
        return Math(col_tex(h) + r" \odot \left(1 - " + col_tex(h) + r"\right)", f"{vec_txt(h)} * (1 - {vec_txt(h)})")
    if g == "tanh":
        return Math("1 - " + col_tex(h) + r" \odot " + col_tex(h), f"1 - {vec_txt(h)} * {vec_txt(h)}")
    if g in ("relu", "leaky_relu"):
        return Math(r"\mathbf{1}\left[" + col_tex(a) + r" > 0\right]" + (r" \text{ (else %s)}" % num_tex(slope) if g == "leaky_relu" else ""),
                    f"1[{vec_txt(a)} > 0]" + (f" (else {num_txt(slope)})" if g == "leaky_relu" else ""))
    return Math("1", "1")


def _loss_sub(net: Net, h, y) -> Math:
    key = net.key
    if key in ("half", "sum", "mean"):
        terms_t = " + ".join(f"({num_txt(hj)} - {num_txt(yj, paren=True)})^2" for hj, yj in zip(h, y))
        terms_l = " + ".join(r"\left(%s - %s\right)^{2}" % (num_tex(hj), num_tex(yj, paren=True)) for hj, yj in zip(h, y))
        pre = {"half": (r"\frac{1}{2}", "1/2"), "sum": ("", ""), "mean": (r"\frac{1}{%d}" % len(h), f"1/{len(h)}")}[key]
        if pre[0]:
            return Math(r"%s\left(%s\right)" % (pre[0], terms_l), f"{pre[1]} ({terms_t})")
        return Math(terms_l, terms_t)
    if key == "ce_softmax":
        return Math(r"-\left(%s\right)" % " + ".join(r"%s \cdot \ln %s" % (num_tex(yj), num_tex(hj)) for yj, hj in zip(y, h)),
                    "-(" + " + ".join(f"{num_txt(yj)} ln {num_txt(hj)}" for yj, hj in zip(y, h)) + ")")
    return Math(r"-\left(%s\right)" % " + ".join(r"%s \cdot \ln %s + (1 - %s) \cdot \ln(1 - %s)" % (num_tex(yj), num_tex(hj), num_tex(yj),
                                                                                        num_tex(hj)) for yj, hj in zip(y, h)),
                "-(" + " + ".join(f"{num_txt(yj)} ln {num_txt(hj)} + (1 - {num_txt(yj)}) ln(1 - {num_txt(hj)})"
                                  for yj, hj in zip(y, h)) + ")")


def _dh_sub(net: Net, h, y) -> Math:
    key = net.key
    if key in ("half", "sum", "mean"):
        pre = {"half": ("", ""), "sum": ("2 ", "2 "), "mean": (r"\frac{2}{%d} " % len(h), f"(2/{len(h)}) ")}[key]
        return Math(pre[0] + r"\left(%s - %s\right)" % (col_tex(h), col_tex(y)), pre[1] + f"({vec_txt(h)} - {vec_txt(y)})")
    if key == "ce_softmax":
        return Math("-" + col_tex(y) + r" \oslash " + col_tex(h), f"-{vec_txt(y)} / {vec_txt(h)}")
    return Math("-" + col_tex(y) + r" \oslash " + col_tex(h) + r" + \left(1 - " + col_tex(y) + r"\right) \oslash \left(1 - "
                + col_tex(h) + r"\right)", f"-{vec_txt(y)} / {vec_txt(h)} + (1 - {vec_txt(y)}) / (1 - {vec_txt(h)})")


def _typed(net: Net, M):
    """An internal-layout matrix (n_i x n_(i-1)) in the layout the user typed."""
    return transpose(M) if net.layout == "in_out" else M


# ---- solve (exact) -------------------------------------------------------------------------------------------
def _counts_steps(d: Derivation, net: Net):
    per = net.counts()
    rows = []
    for k, (nw, nb) in enumerate(per, start=1):
        rows.append((str(k), str(net.sizes[k - 1]), str(net.sizes[k]), net.acts[k - 1], f"{net.sizes[k]} x {net.sizes[k - 1]} = {nw}",
                     str(nb), str(nw + nb)))
    tw, tb = sum(c[0] for c in per), sum(c[1] for c in per)
    rows.append(("total", "", str(sum(net.sizes[1:])), "", str(tw), str(tb), str(tw + tb)))
    cols = [Math(r"\text{layer } i", "layer"), Math(r"n_{i-1}", "inputs"), Math(r"n_{i}", "units"), Math(r"g_{i}", "activation"),
            Math(r"\text{weights } n_{i} n_{i-1}", "weights"), Math(r"\text{biases } n_{i}", "biases"),
            Math(r"\text{parameters}", "parameters")]
    d.table("Parameters per layer", cols, rows,
            text="Layer i connects each of its n_i units to the n_(i-1) units below (n_i n_(i-1) weights) and gives each "
                 "unit a bias (n_i biases).",
            answer=None)
    d.conclude(f"{tw} weights, {tb} biases, {tw + tb} parameters",
               text=f"{net.L} layer{'s' if net.L > 1 else ''} of weights and {sum(net.sizes[1:])} neurons (the input layer "
                    "has no parameters).",
               answers=(make_answer("layers", sp.Integer(net.L)), make_answer("neurons", sp.Integer(sum(net.sizes[1:]))),
                        make_answer("weights", sp.Integer(tw)), make_answer("biases", sp.Integer(tb)),
                        make_answer("params", sp.Integer(tw + tb)),
                        make_answer("params_per_layer", [sp.Integer(a + b) for a, b in per])))


def _forward_steps(d: Derivation, net: Net, As, Hs, ans: bool):
    for k in range(1, net.L + 1):
        W, b, g = net.typed[k - 1], net.bs[k - 1], net.acts[k - 1]
        if net.layout == "out_in":
            form = _m(r"W_{%d} h_{%d} + b_{%d}" % (k, k - 1, k), f"W{k} h{k - 1} + b{k}")
            sub = _m(f"{mat_tex(W)} {col_tex(Hs[k - 1])} + {col_tex(b)}", f"{mat_txt(W)} {vec_txt(Hs[k - 1])} + {vec_txt(b)}")
        else:
            form = _m(r"W_{%d}^{\top} h_{%d} + b_{%d}" % (k, k - 1, k), f"W{k}^T h{k - 1} + b{k}")
            sub = _m(f"{mat_tex(W)}^{{\\top}} {col_tex(Hs[k - 1])} + {col_tex(b)}",
                     f"{mat_txt(W)}^T {vec_txt(Hs[k - 1])} + {vec_txt(b)}")
        written(d, f"Layer {k}: pre-activation", _sym("a", k), form, sub, As[k - 1], answer=f"a{k}" if ans else None,
                text="Input h0 is x." if k == 1 else "")
        written(d, f"Layer {k}: activation ({g.replace('_', ' ')})", _sym("h", k), _g_formula(g, k), _g_apply(g, As[k - 1]),
                Hs[k], answer=f"h{k}" if ans else None,
                text=("softmax(a)_j = e^(a_j) / sum_m e^(a_m)." if g == "softmax" else ""))


def _backward_steps(d: Derivation, net: Net, As, Hs, y, back, ans: bool):
    L = net.L
    dh_form = _tmpl(DLDH_TEX[net.key], L)
    written(d, "Output: dL/dh_L", _d("h", L), dh_form, _dh_sub(net, Hs[-1], y), back[L]["dh"],
            text="Differentiate the loss with respect to the network's output.")
    rec = back[L]
    g = net.acts[-1]
    if _shortcut(net, y):
        why = ("softmax with cross-entropy: the softmax Jacobian times -y/h_L is h_L - y when the target sums to 1 "
               "(notes 000: grad_(a_L) L = -(e_l - y_hat))" if g == "softmax"
               else "sigmoid with cross-entropy: (-y/h + (1 - y)/(1 - h)) h (1 - h) = h - y")
        written(d, "Output: dL/da_L", _d("a", L), Math(r"h_{%d} - y" % L, f"h{L} - y"),
                Math(f"{col_tex(Hs[-1])} - {col_tex(y)}", f"{vec_txt(Hs[-1])} - {vec_txt(y)}"), rec["da"], text=why[0].upper() + why[1:] + ".")
    elif g == "softmax":
        written(d, "Output: dL/da_L (softmax Jacobian)", _d("a", L),
                Math(r"h_{%d} \odot \left(\frac{\partial L}{\partial h_{%d}} - h_{%d}^{\top} \frac{\partial L}{\partial h_{%d}}\right)" % (L, L, L, L),
                     f"h{L} * (dL/dh{L} - h{L}.dL/dh{L})"),
                Math(col_tex(Hs[-1]) + r" \odot \left(" + col_tex(rec["dh"]) + " - " + row_tex(Hs[-1]) + col_tex(rec["dh"]) + r"\right)",
                     f"{vec_txt(Hs[-1])} * ({vec_txt(rec['dh'])} - {vec_txt(Hs[-1])}.{vec_txt(rec['dh'])})"),
                rec["da"], text="The softmax's Jacobian is diag(h) - h h^T, so J^T dL/dh = h * (dL/dh - h.dL/dh).")
    else:
        _da_steps(d, net, L, As, Hs, rec)
    for k in range(L, 0, -1):
        rec = back[k]
        if k < L:
            W = net.typed[k]
            if net.layout == "out_in":
                form = Math(r"W_{%d}^{\top} \frac{\partial L}{\partial a_{%d}}" % (k + 1, k + 1), f"W{k + 1}^T dL/da{k + 1}")
                sub = Math(mat_tex(W) + r"^{\top} " + col_tex(back[k + 1]["da"]), f"{mat_txt(W)}^T {vec_txt(back[k + 1]['da'])}")
            else:
                form = Math(r"W_{%d} \frac{\partial L}{\partial a_{%d}}" % (k + 1, k + 1), f"W{k + 1} dL/da{k + 1}")
                sub = Math(mat_tex(W) + " " + col_tex(back[k + 1]["da"]), f"{mat_txt(W)} {vec_txt(back[k + 1]['da'])}")
            written(d, f"Layer {k}: dL/dh_{k}", _d("h", k), form, sub, rec["dh"],
                    text="Back through the weights of the layer above." if k == L - 1 else "")
            _da_steps(d, net, k, As, Hs, rec)
        dW = _typed(net, rec["dW"])
        if net.layout == "out_in":
            form = Math(r"\frac{\partial L}{\partial a_{%d}} h_{%d}^{\top}" % (k, k - 1), f"dL/da{k} h{k - 1}^T")
            sub = Math(col_tex(rec["da"]) + " " + row_tex(Hs[k - 1]), f"{vec_txt(rec['da'])} {vec_txt(Hs[k - 1])}^T")
        else:
            form = Math(r"h_{%d} \frac{\partial L}{\partial a_{%d}}^{\top}" % (k - 1, k), f"h{k - 1} (dL/da{k})^T")
            sub = Math(col_tex(Hs[k - 1]) + " " + row_tex(rec["da"]), f"{vec_txt(Hs[k - 1])} {vec_txt(rec['da'])}^T")
        written(d, f"Layer {k}: dL/dW_{k}", _d("W", k), form, sub, dW, answer=f"grad_W{k}" if ans else None)
        written(d, f"Layer {k}: dL/db_{k}", _d("b", k), Math(r"\frac{\partial L}{\partial a_{%d}}" % k, f"dL/da{k}"),
                Math(col_tex(rec["da"]), vec_txt(rec["da"])), rec["db"], answer=f"grad_b{k}" if ans else None)


def _da_steps(d, net: Net, k, As, Hs, rec):
    g = net.acts[k - 1]
    gp = rec["gp"] if rec["gp"] is not None else act_grad_exact(g, As[k - 1], Hs[k], net.slope)
    tex, txt = G_PRIME[g]
    s = num_txt(net.slope)
    written(d, f"Layer {k}: g'(a_{k}) ({g.replace('_', ' ')})", Math(r"g'(a_{%d})" % k, f"g'(a{k})"),
            Math(tex % {"k": k, "s": num_tex(net.slope)}, txt % {"k": k, "s": s}), _gp_sub(g, As[k - 1], Hs[k], net.slope), gp)
    written(d, f"Layer {k}: dL/da_{k}", _d("a", k),
            Math(r"\frac{\partial L}{\partial h_{%d}} \odot g'(a_{%d})" % (k, k), f"dL/dh{k} * g'(a{k})"), _had(rec["dh"], gp), rec["da"])


def _avg_step(d, net: Net, title, lhs: Math, parts, total, answer):
    N = len(parts)
    fmt_l = (lambda v: mat_tex(v)) if isinstance(parts[0][0], tuple) else (lambda v: col_tex(v))
    fmt_t = (lambda v: mat_txt(v)) if isinstance(parts[0][0], tuple) else (lambda v: vec_txt(v))
    pre_l, pre_t = (r"\frac{1}{%d}\left(" % N, f"(1/{N}) (") if net.mean else ("", "")
    post_l, post_t = (r"\right)", ")") if net.mean else ("", "")
    form = Math((r"\frac{1}{N}" if net.mean else "") + r"\sum_{n} " + lhs.latex + r"^{(n)}",
                ("(1/N) " if net.mean else "") + f"sum_n {lhs.text}^(n)")
    sub = Math(pre_l + " + ".join(fmt_l(v) for v in parts) + post_l, pre_t + " + ".join(fmt_t(v) for v in parts) + post_t)
    written(d, title, lhs, form, sub, total, answer=answer)


def _reduce(values, mean):
    tot = sum(values, sp.Integer(0))
    return tidy(tot / len(values)) if mean else tidy(tot)


def _reduce_arrays(arrs, mean):
    if isinstance(arrs[0][0], tuple):
        return tuple(tuple(_reduce([a[i][j] for a in arrs], mean) for j in range(len(arrs[0][0]))) for i in range(len(arrs[0])))
    return tuple(_reduce([a[i] for a in arrs], mean) for i in range(len(arrs[0])))


def solve(p, conv) -> Derivation:
    net = Net(p, conv, exact=True)
    d = Derivation()
    L, N = net.L, net.N
    arch = " - ".join(str(s) for s in net.sizes)
    d.given("Network", text=f"{arch} network: " + "; ".join(
        f"layer {k}: {net.sizes[k]} {net.acts[k - 1].replace('_', ' ')} unit{'s' if net.sizes[k] > 1 else ''}"
        for k in range(1, L + 1)) + ".")
    for k in range(1, L + 1):
        d.given(f"Layer {k} parameters", text=f"W{k} = {mat_txt(net.typed[k - 1])}, b{k} = {vec_txt(net.bs[k - 1])}"
                + (" (zeros: none given)" if p[f"b{k}"] is None else ""))
    if net.switched:
        other = "in_out" if net.layout == "out_in" else "out_in"
        d.note("Weight layout read from the shapes",
               f"The matrices' shapes fit only the {net.layout} layout (W_i of shape "
               f"{'n_i x n_(i-1)' if net.layout == 'out_in' else 'n_(i-1) x n_i'}), not the {other} layout the convention "
               f"asks for, so they are read in the {net.layout} layout.")
    if net.x_transposed or net.y_transposed:
        d.note("Column vectors", "x and y were typed as columns (one entry per row), as the notes write h_0; they are one "
                                 "example.")
    _counts_steps(d, net)
    if net.layout == "out_in":
        _formula_step(d, "Forward pass", Math("a_i", "a_i"), Math(r"W_{i} h_{i-1} + b_{i}, \quad h_{i} = g_{i}(a_{i})", "W_i h_(i-1) + b_i,  h_i = g_i(a_i)"),
                  text="Layer by layer from h_0 = x; W_i has one row per unit of layer i.")
    else:
        _formula_step(d, "Forward pass", Math("a_i", "a_i"), Math(r"W_{i}^{\top} h_{i-1} + b_{i}, \quad h_{i} = g_{i}(a_{i})",
                                                           "W_i^T h_(i-1) + b_i,  h_i = g_i(a_i)"),
                  text="Layer by layer from h_0 = x; W_i has one row per input of layer i (the in x out layout).")
    _formula_step(d, "Loss", Math("L", "L"), _tmpl(LOSS_TEX[net.key], L),
              text=(f"The loss of the batch is the {'mean' if net.mean else 'sum'} over its {N} examples." if N > 1 else ""))
    _formula_step(d, "Backward pass", Math(r"\frac{\partial L}{\partial h_{i-1}}", "dL/dh_(i-1)"),
              Math(r"W_{i}^{\top} \frac{\partial L}{\partial a_{i}}, \quad \frac{\partial L}{\partial a_{i}} = "
                   r"\frac{\partial L}{\partial h_{i}} \odot g_{i}'(a_{i}), \quad \frac{\partial L}{\partial W_{i}} = "
                   r"\frac{\partial L}{\partial a_{i}} h_{i-1}^{\top}, \quad \frac{\partial L}{\partial b_{i}} = \frac{\partial L}{\partial a_{i}}",
                   "W_i^T dL/da_i,  dL/da_i = dL/dh_i * g_i'(a_i),  dL/dW_i = dL/da_i h_(i-1)^T,  dL/db_i = dL/da_i"),
              text="From the output down (* is the elementwise product)." +
                   (" In the in x out layout W_i^T becomes W_i and dL/dW_i = h_(i-1) (dL/da_i)^T." if net.layout == "in_out" else ""))

    one = N == 1
    fwd, losses, backs = [], [], []
    for n in range(N):
        x, y = net.X[n], net.Y[n]
        As, Hs = _forward(net, net.Ws, net.bs, x)
        lv = _loss(net, As[-1], Hs[-1], y)
        back = _backward(net, net.Ws, As, Hs, y)
        fwd.append((As, Hs))
        losses.append(lv)
        backs.append(back)
        label = "" if one else f" (example {n + 1})"
        with d.group(f"Forward pass{label}", text="" if one else f"x = {vec_txt(x)}, y = {vec_txt(y)}"):
            _forward_steps(d, net, As, Hs, one)
            written(d, "Loss", Math("L", "L") if one else Math(r"L^{(%d)}" % (n + 1), f"L^({n + 1})"), _tmpl(LOSS_TEX[net.key], L),
                    _loss_sub(net, Hs[-1], y), lv, answer="loss" if one else None,
                    precision=Precision(sig=4) if one else None)
        with d.group(f"Backward pass{label}"):
            _backward_steps(d, net, As, Hs, y, back, one)
    if not one:
        with d.group(f"The batch: {'mean' if net.mean else 'sum'} over the {N} examples"):
            for k in range(1, L + 1):
                d.conclude(f"Layer {k} over the batch", answers=(
                    make_answer(f"a{k}", tuple(f[0][k - 1] for f in fwd)), make_answer(f"h{k}", tuple(f[1][k] for f in fwd))))
            total = _reduce(losses, net.mean)
            written(d, "Loss of the batch", Math("L", "L"),
                    Math((r"\frac{1}{N}" if net.mean else "") + r"\sum_{n} L^{(n)}", ("(1/N) " if net.mean else "") + "sum_n L^(n)"),
                    Math(((r"\frac{1}{%d}" % N) if net.mean else "") + r"\left(" + " + ".join(num_tex(v) for v in losses) + r"\right)",
                         (f"(1/{N}) " if net.mean else "") + "(" + " + ".join(num_txt(v) for v in losses) + ")"),
                    total, answer="loss", precision=Precision(sig=4))
            grads = []
            for k in range(L, 0, -1):
                gW = _reduce_arrays([b[k]["dW"] for b in backs], net.mean)
                gb = _reduce_arrays([b[k]["db"] for b in backs], net.mean)
                _avg_step(d, net, f"dL/dW_{k} over the batch", _d("W", k), [_typed(net, b[k]["dW"]) for b in backs],
                          _typed(net, gW), f"grad_W{k}")
                _avg_step(d, net, f"dL/db_{k} over the batch", _d("b", k), [b[k]["db"] for b in backs], gb, f"grad_b{k}")
                grads.append((k, gW, gb))
        grads = {k: (gW, gb) for k, gW, gb in grads}
    else:
        total = losses[0]
        grads = {k: (backs[0][k]["dW"], backs[0][k]["db"]) for k in range(1, L + 1)}

    newW, newb = [], []
    lr = net.eta
    with d.group("Gradient-descent update", kind="update",
                 text=f"Every weight and bias moves against its gradient: W_i <- W_i - eta dL/dW_i, b_i <- b_i - eta dL/db_i, "
                      f"eta = {num_txt(lr)}."):
        for k in range(1, L + 1):
            gW, gb = grads[k]
            W, b = net.Ws[k - 1], net.bs[k - 1]
            W2 = tuple(tuple(tidy(w_ - lr * g) for w_, g in zip(r, gr)) for r, gr in zip(W, gW))
            b2 = tuple(tidy(v - lr * g) for v, g in zip(b, gb))
            newW.append(W2)
            newb.append(b2)
            written(d, f"Update W{k}", Math(r"W_{%d}^{\text{new}}" % k, f"W{k}_new"),
                    Math(r"W_{%d} - \eta \frac{\partial L}{\partial W_{%d}}" % (k, k), f"W{k} - eta dL/dW{k}"),
                    Math(f"{mat_tex(_typed(net, W))} - {num_tex(lr)} {mat_tex(_typed(net, gW))}",
                         f"{mat_txt(_typed(net, W))} - {num_txt(lr)} {mat_txt(_typed(net, gW))}"),
                    _typed(net, W2), answer=f"W{k}_new", kind="update")
            written(d, f"Update b{k}", Math(r"b_{%d}^{\text{new}}" % k, f"b{k}_new"),
                    Math(r"b_{%d} - \eta \frac{\partial L}{\partial b_{%d}}" % (k, k), f"b{k} - eta dL/db{k}"),
                    Math(f"{col_tex(b)} - {num_tex(lr)} {col_tex(gb)}", f"{vec_txt(b)} - {num_txt(lr)} {vec_txt(gb)}"),
                    b2, answer=f"b{k}_new", kind="update")

    new_losses, outs = [], []
    with d.group("The new loss", text="The forward pass again with the updated weights and biases."):
        for n in range(N):
            As, Hs = _forward(net, newW, newb, net.X[n])
            lv = _loss(net, As[-1], Hs[-1], net.Y[n])
            new_losses.append(lv)
            outs.append(Hs[-1])
            label = "" if one else f" (example {n + 1})"
            chain = ", ".join(f"a{k} = {vec_txt(As[k - 1])}, h{k} = {vec_txt(Hs[k])}" for k in range(1, L + 1))
            written(d, f"Forward pass{label}", _sym("h", L), Math(r"g_{%d}(a_{%d})" % (L, L), f"g{L}(a{L})"),
                    _g_apply(net.acts[-1], As[-1]), Hs[-1], text=chain + ".")
            written(d, f"New loss{label}", Math("L", "L") if one else Math(r"L^{(%d)}" % (n + 1), f"L^({n + 1})"),
                    _tmpl(LOSS_TEX[net.key], L), _loss_sub(net, Hs[-1], net.Y[n]), lv)
        new_total = _reduce(new_losses, net.mean) if not one else new_losses[0]
    d.conclude("The loss after one update", text=f"The loss went from {num_txt(total)} to {num_txt(new_total)}"
               + (" (it decreased)." if new_total < total else " (it did not decrease: the learning rate may be too large)."),
               answers=(make_answer("y_hat_new", outs[0] if one else tuple(outs)),
                        make_answer("new_loss", new_total, precision=Precision(sig=4))),
               value=Math(f"L^{{\\text{{new}}}} = {num_tex(new_total)}", f"new loss = {num_txt(new_total)}"))
    return d


# ---- solve_numeric ---------------------------------------------------------------------------------------------
def _np_forward(net: Net, Ws, bs):
    As, Hs = [], [net.X]
    for W, b, g in zip(Ws, bs, net.acts):
        A = Hs[-1] @ W.T + b
        As.append(A)
        Hs.append(act_np(g, A, net.slope))
    return As, Hs


def _np_loss(net: Net, A_L, H, Y):
    key = net.key
    if key == "ce_softmax":
        shift = A_L - A_L.max(axis=1, keepdims=True)
        logp = shift - np.log(np.exp(shift).sum(axis=1, keepdims=True))
        per = -(Y * logp).sum(axis=1)
    elif key == "ce_sigmoid":
        # ln sigma(a) = -log1p(e^-a), computed without overflow
        log_s = -np.logaddexp(0.0, -A_L)
        log_c = -np.logaddexp(0.0, A_L)
        per = -(Y * log_s + (1 - Y) * log_c).sum(axis=1)
    else:
        sq = ((H - Y) ** 2).sum(axis=1)
        per = sq / 2 if key == "half" else sq if key == "sum" else sq / H.shape[1]
    return per.mean() if net.mean else per.sum()


def _np_grads(net: Net, Ws, As, Hs):
    Y, H, A = net.Y, Hs[-1], As[-1]
    scale = 1.0 / net.N if net.mean else 1.0
    key = net.key
    if key == "ce_sigmoid":
        dA = H - Y
    elif key == "ce_softmax":
        dA = H * Y.sum(axis=1, keepdims=True) - Y
    else:
        k = {"half": 1.0, "sum": 2.0, "mean": 2.0 / H.shape[1]}[key]
        dH = k * (H - Y)
        if net.acts[-1] == "softmax":
            dA = H * (dH - (H * dH).sum(axis=1, keepdims=True))
        else:
            dA = dH * act_grad_np(net.acts[-1], A, H, net.slope)
    dA = dA * scale
    gW, gb = {}, {}
    for k in range(net.L, 0, -1):
        gW[k] = dA.T @ Hs[k - 1]
        gb[k] = dA.sum(axis=0)
        if k > 1:
            dH = dA @ Ws[k - 1]
            dA = dH * act_grad_np(net.acts[k - 2], As[k - 2], Hs[k - 1], net.slope)
    return gW, gb


def solve_numeric(p, conv) -> Derivation:
    net = Net(p, conv, exact=False)
    d = Derivation()
    L, N = net.L, net.N
    As, Hs = _np_forward(net, net.Ws, net.bs)
    loss = _np_loss(net, As[-1], Hs[-1], net.Y)
    gW, gb = _np_grads(net, net.Ws, As, Hs)
    newW = [net.Ws[k - 1] - net.eta * gW[k] for k in range(1, L + 1)]
    newb = [net.bs[k - 1] - net.eta * gb[k] for k in range(1, L + 1)]
    As2, Hs2 = _np_forward(net, newW, newb)
    new_loss = _np_loss(net, As2[-1], Hs2[-1], net.Y)
    per = net.counts()
    tw, tb = sum(c[0] for c in per), sum(c[1] for c in per)
    d.note("Numeric path", f"A {' - '.join(str(s) for s in net.sizes)} network on a batch of {N} example{'s' if N > 1 else ''}, "
                           "computed in float64 NumPy with the batch as the rows of matrices (A_i = H_(i-1) W_i^T + b_i); "
                           "the per-entry steps are not shown.")
    if net.switched:
        d.note("Weight layout read from the shapes", f"The matrices' shapes fit only the {net.layout} layout, so they are "
                                                     f"read in it.")
    d.conclude(f"{tw} weights, {tb} biases, {tw + tb} parameters",
               answers=(make_answer("layers", sp.Integer(L)), make_answer("neurons", sp.Integer(sum(net.sizes[1:]))),
                        make_answer("weights", sp.Integer(tw)), make_answer("biases", sp.Integer(tb)),
                        make_answer("params", sp.Integer(tw + tb)),
                        make_answer("params_per_layer", [sp.Integer(a + b) for a, b in per])))

    def shape(M):  # one example: a vector, as the exact path gives
        return tuple(M[0]) if N == 1 else _rows_tuple(M)

    small = N * max(net.sizes) <= 5000
    fw = []
    for k in range(1, L + 1):
        if small:
            fw += [make_answer(f"a{k}", shape(As[k - 1])), make_answer(f"h{k}", shape(Hs[k]))]
    d.conclude("Forward pass", answers=tuple(fw) + (make_answer("loss", float(loss), precision=Precision(sig=4)),))
    lay = (lambda M: M.T) if net.layout == "in_out" else (lambda M: M)
    grads = []
    for k in range(1, L + 1):
        grads += [make_answer(f"grad_W{k}", _rows_tuple(lay(gW[k]))), make_answer(f"grad_b{k}", tuple(gb[k])),
                  make_answer(f"W{k}_new", _rows_tuple(lay(newW[k - 1]))), make_answer(f"b{k}_new", tuple(newb[k - 1]))]
    d.conclude("Backward pass and update", answers=tuple(grads))
    d.conclude("The loss after one update",
               answers=((make_answer("y_hat_new", shape(Hs2[-1])),) if small else ()) +
                       (make_answer("new_loss", float(new_loss), precision=Precision(sig=4)),))
    return d


def _rows_tuple(M):
    return tuple(tuple(float(v) for v in r) for r in M)


# ---- generate ---------------------------------------------------------------------------------------------------
def generate(rng: np.random.Generator) -> dict:
    """1 to 3 layers of 1 to 3 units, one-decimal weights, one or two examples; MSE or cross-entropy."""
    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
    while True:
        L = int(rng.integers(1, 4))
        loss = str(rng.choice(["mse", "ce"]))
        out_act = str(rng.choice(["softmax", "sigmoid"])) if loss == "ce" else str(rng.choice(["linear", "sigmoid", "tanh"]))
        sizes = [int(rng.integers(1, 4)) for _ in range(L + 1)]
        if out_act == "softmax":
            sizes[-1] = max(sizes[-1], 2)
        acts = [str(rng.choice(hidden)) for _ in range(L - 1)] + [out_act]
        N = int(rng.integers(1, 3))
        # one decimal; "+ 0.0" turns the -0.0 that rounding leaves into 0.0 (a statement must not print "-0")
        X = np.round(rng.uniform(-1, 1, size=(N, sizes[0])), 1) + 0.0
        Ws = [np.round(rng.uniform(-1, 1, size=(sizes[k + 1], sizes[k])), 1) + 0.0 for k in range(L)]
        bs = [np.round(rng.uniform(-0.5, 0.5, size=sizes[k + 1]), 1) + 0.0 for k in range(L)]
        # well posed and worth asking: every unit and every example sees a non-zero input (no all-zero weight row
        # that cuts a unit off from the layer below, no all-zero example)
        if any(not row.any() for W in Ws for row in W) or any(not r.any() for r in X):
            continue
        if out_act == "softmax":
            Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=N)]
        elif loss == "ce" or out_act == "sigmoid":
            Y = rng.integers(0, 2, size=(N, sizes[-1])).astype(float)
        else:
            Y = np.round(rng.uniform(-1, 1, size=(N, sizes[-1])), 1) + 0.0
        # well posed: no ReLU or leaky ReLU unit exactly at its kink (a = 0), where the derivative is a convention
        H, kink = X, False
        for k in range(L):
            A = H @ Ws[k].T + bs[k]
            if acts[k] in ("relu", "leaky_relu") and np.any(np.abs(A) < 1e-9):
                kink = True
            H = act_np(acts[k], A, 0.01)
        if kink:
            continue
        out: dict[str, Any] = {"x": X.tolist(), "y": Y.tolist(), "loss": loss, "eta": float(rng.choice([0.1, 0.5, 1.0]))}
        for k in range(L):
            out[f"W{k + 1}"] = Ws[k].tolist()
            out[f"b{k + 1}"] = bs[k].tolist()
            out[f"act{k + 1}"] = acts[k]
        return out
