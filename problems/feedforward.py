"""Backpropagation in a feed-forward network: dL/dh_(i-1) = W_i^T dL/da_i, dL/da_i = dL/dh_i * g'(a_i), dL/dW_i = dL/da_i h_(i-1)^T.

Exam question: "A fully connected network has these weight matrices, biases and activations. For the
input x with target y, compute the forward pass, the gradient of the loss with respect to every weight
and bias, one gradient-descent update with learning rate eta and the new loss." (the course notes, week 3:
a_i = W_i h_(i-1) + b_i, h_i = g(a_i), softmax output with cross-entropy, so dL/da_L = -(e_l - y_hat);
the backward formulas above and W_i <- W_i - eta dL/dW_i.) It also counts the parameters of each layer
(the handwritten notes' 3-4-2 network: 20 weights, 6 biases, 26 parameters).

The network is a list of layers of any depth, `layers`, one per line as `W = ... | b = ... | act = ...`
(or a JSON list of {"W", "b", "act"} objects); the last layer is the output layer. A bias left out is
zero. (The older spelling `W1`, `b1`, `act1`, `W2`, ... is still accepted.)
Activations: sigmoid, tanh, ReLU (derivative 0 at 0, as torch), leaky ReLU (slope `leaky_slope`,
derivative = slope at 0, as torch), linear, and softmax (output layer only). Losses: squared error
(1/2 sum_j (h_Lj - y_j)^2 by default) or cross-entropy (-sum_j y_j ln h_Lj after a softmax, the binary
form -sum_j [y_j ln h_Lj + (1 - y_j) ln(1 - h_Lj)] after a sigmoid). Several examples (rows of x) are a
batch: the loss is the mean over them (the course notes' (1/N) sum_i) unless the convention says sum.

Conventions: the weight layout (W_i is n_i x n_(i-1) and a_i = W_i h_(i-1) + b_i, as the notes'
detailed formulas; or n_(i-1) x n_i and a_i = W_i^T h_(i-1) + b_i, the transposed layout the course notes
warn about), the scaling of the squared error, and the batch reduction.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import mpmath
import numpy as np
import sympy as sp

from solver import format as F
from solver.conventions import Convention
from solver.params import Choice, Group, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float, name_given
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, make_answer

from ._nets import (ACTIVATION_ALIASES, ACTIVATIONS, act_exact, act_grad_exact, act_grad_np, act_np, column,
                    matrix_step, mp_apply, rows, shown_table, tex, tidy, tidy_matrix, txt)

TITLE = "Feed-forward network: forward pass, backpropagation and one update"
TOPIC = "neurons"
KEYWORDS = ("feed-forward", "feedforward", "mlp", "multilayer perceptron", "backpropagation", "backprop", "forward pass",
            "gradient", "softmax", "cross-entropy", "hidden layer", "weights", "parameters", "hidden units",
            "output layer", "network")

MAX_LAYERS = 50
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
               "(the course notes' formulas, torch's nn.Linear)",
     "in_out": "W_i has one row per input (n_(i-1) x n_i): a_i = W_i^T h_(i-1) + b_i and dL/dW_i = h_(i-1) (dL/da_i)^T "
               "(the transposed layout the course notes warn about)"},
    default="out_in", why_default="the course notes' backpropagation formulas use a_i = W_i h_(i-1) + b_i with W_3 of shape 2 x 3",
    sources={"out_in": "the course notes, week 3 (a_i = W_i h_(i−1) + b_i); PyTorch's torch.nn.Linear (weight of shape "
                       "out_features × in_features)",
             "in_out": "Keras' Dense layer (kernel of shape input_dim × units); the transposed layout the course notes "
                       "warn about"},
    paper={"out_in": "W_i has one row per unit of layer i: a_i = W_i h_(i−1) + b_i.",
           "in_out": "W_i has one row per input of layer i: a_i = W_iᵀ h_(i−1) + b_i."},
    aliases={"out x in": "out_in", "outxin": "out_in", "in x out": "in_out", "inxout": "in_out"},
    cues={"in_out": ("in x out", "W^T h", "one row per input"), "out_in": ("W h + b", "Wh + b", "one row per unit")})
SQUARED = Convention(
    "squared_error", "Scaling of the squared error",
    {"half": "squared error 1/2 sum_j (h_j - y_j)^2, so dL/dh_L = h_L - y (the course notes and the handwritten notes)",
     "sum": "squared error sum_j (h_j - y_j)^2, so dL/dh_L = 2 (h_L - y) (the course notes' objective)",
     "mean": "squared error (1/k) sum_j (h_j - y_j)^2 over the k outputs, so dL/dh_L = (2/k)(h_L - y) (torch's MSELoss)"},
    default="half", why_default="the notes' sigmoid-neuron and MSE derivations use the 1/2, which makes dL/dh_L = h_L - y",
    sources={"half": "the course notes, week 3 (½ Σ (ŷ − y)²); Bishop, Pattern Recognition and Machine Learning, §5.2",
             "sum": "the course notes' objective Σ (ŷ − y)²; PyTorch's torch.nn.MSELoss(reduction='sum')",
             "mean": "PyTorch's torch.nn.MSELoss (the mean over the outputs, the default)"},
    paper={"half": "Use the squared error ½ Σⱼ (h_Lj − yⱼ)², so ∂L/∂h_L = h_L − y.",
           "sum": "Use the squared error Σⱼ (h_Lj − yⱼ)² without a factor ½, so ∂L/∂h_L = 2 (h_L − y).",
           "mean": "Use the mean squared error over the k outputs, (1/k) Σⱼ (h_Lj − yⱼ)²."},
    cues={"half": ("1/2 (h - y)^2", "0.5 (h - y)^2", "1/2 sum"), "mean": ("mseloss", "mean over the outputs")})
REDUCTION = Convention(
    "reduction", "Loss of a batch",
    {"mean": "the loss of a batch is the mean of the examples' losses (the course notes: (1/N) sum_i; torch's default)",
     "sum": "the loss of a batch is the sum of the examples' losses"},
    default="mean", why_default="the course notes write the objective as (1/N) sum_i; a single example is the same either way",
    sources={"mean": "the course notes, week 3 ((1/N) Σᵢ); PyTorch's loss functions (reduction='mean', the default)",
             "sum": "PyTorch's loss functions with reduction='sum'"},
    paper={"mean": "The loss of a batch is the mean of its examples' losses.",
           "sum": "The loss of a batch is the sum of its examples' losses."},
    cues={"sum": ("sum of the losses", "summed over the batch", "summed over the examples"),
          "mean": ("mean over the batch", "averaged over the batch", "average loss")})
UPDATED = Convention(
    "update", "What the gradient-descent step updates",
    {"all": "every weight and every bias moves against its gradient: W_i <- W_i - eta dL/dW_i, b_i <- b_i - eta dL/db_i",
     "weights_only": "only the weights move (W_i <- W_i - eta dL/dW_i); the biases stay as given"},
    default="all", why_default="the course notes update every parameter, biases included",
    aliases={"weights": "weights_only", "both": "all", "everything": "all"},
    sources={"all": "the course notes, week 3 (W_i and b_i both updated); PyTorch's torch.optim.SGD over "
                    "model.parameters()",
             "weights_only": "exam questions that fix the biases (\"update the weights only\"); PyTorch with "
                             "requires_grad=False on the biases"},
    paper={"all": "Update every weight and every bias: W ← W − η ∂L/∂W and b ← b − η ∂L/∂b.",
           "weights_only": "Update the weights only: W ← W − η ∂L/∂W; the biases keep their given values."},
    cues={"weights_only": ("weights only", "only the weights", "biases fixed", "biases are fixed", "keep the biases",
                           "bias is fixed", "biases are not updated", "do not update the bias",
                           "do not update the biases", "without updating the bias"),
          "all": ("weights and biases", "update all the parameters", "and the biases")})
CONVENTIONS = (LAYOUT, SQUARED, REDUCTION, UPDATED)

_ACT = Choice(ACTIVATIONS, aliases=ACTIVATION_ALIASES)
_NUM = 10 ** 6


LAYER = (
    Param("W", Matrix(max_rows=1000, max_cols=1000, lo=-_NUM, hi=_NUM), required=True, label="Weights W",
          help="the layer's weight matrix, one row per unit of the layer (the default layout), e.g. 0.2 -0.1 0.4; 0.5 0.3 -0.2"),
    Param("b", Vector(max_len=1000, lo=-_NUM, hi=_NUM), label="Biases b", help="one bias per unit of the layer; empty means zeros"),
    Param("act", _ACT, default="sigmoid", label="Activation g",
          help="sigmoid, tanh, relu, leaky_relu, linear, or softmax (output layer only)"),
)


PARAMS = (
    Param("x", Matrix(max_rows=100_000, max_cols=1000, lo=-_NUM, hi=_NUM), required=True, label="Input x (h0)",
          help="one example per row, e.g. 1 0.5 -1 for a single input vector; several rows are a batch",
          aliases=("x", "input", "inputs", "h_0", "h0", "input vector")),
    Param("y", Matrix(max_rows=100_000, max_cols=1000, lo=-_NUM, hi=_NUM), label="Target y",
          help="one row per example, one entry per output unit (one-hot for softmax with cross-entropy, e.g. 0 1); "
               "leave empty for the forward pass only (the output, no loss, gradients or update)",
          aliases=("y", "target", "targets", "label", "true output", "one-hot target")),
    Param("layers", Group(LAYER, item="layer", max_items=MAX_LAYERS), required=True, label="Layers",
          help="the network from the input up, one layer per line: W = the weights | b = the biases | act = the "
               "activation; the last layer is the output layer",
          aliases=("layers", "network", "the network", "weight matrices", "weights and biases")),
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
          help="slope of leaky ReLU for a <= 0 (0.01 in the introductory slides and the optimization notes; the course notes use 0.1)",
          aliases=("leaky slope", "negative slope", "leaky relu slope")),
)

EXAMPLE = Example(
    params={"x": "1 0.5 -1", "y": "0 1",
            "layers": "W = 0.2 -0.1 0.4; 0.5 0.3 -0.2; -0.3 0.8 0.1; 0.1 0.2 0.3 | b = 0.1 -0.1 0.2 0 | act = sigmoid\n"
                      "W = 0.3 -0.2 0.5 0.1; -0.4 0.6 0.2 -0.3 | b = 0.05 -0.05 | act = softmax",
            "loss": "ce", "eta": "0.5"},
    source="the course notes, week 3 (sigmoid hidden layer, softmax output, cross-entropy: dL/da_L = y_hat - e_l); the 3-4-2 "
           "shape of the handwritten notes' parameter count (20 weights, 6 biases, 26 parameters)",
)


# ---- the network ------------------------------------------------------------------------------------------
def _shape(M) -> tuple[int, int]:
    return M.shape if isinstance(M, np.ndarray) else (len(M), len(M[0]))


_OLD_NAME = re.compile(r"^(W|b|act)([1-9][0-9]?)$")


def translate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The older spelling W1, b1, act1, W2, ... (one parameter per slot) as the `layers` parameter."""
    old = {k: v for k, v in raw.items() if isinstance(k, str) and _OLD_NAME.match(k)}
    if not old:
        return dict(raw)
    if name_given(raw, "layers"):
        first = sorted(old)[0]
        raise InvalidInput(first, f"The '{first}' parameter of feedforward must be left out when 'layers' is given: "
                                  "give the network either as layers or as W1, b1, act1, W2, ... (not both).")
    given = {k for k in old if name_given(old, k)}
    L = max((int(_OLD_NAME.match(k).group(2)) for k in given if k.startswith("W")), default=0)
    if L == 0:
        raise InvalidInput("W1", "The 'W1' parameter of feedforward is required: the weights of layer 1.")
    for k in range(1, L):
        if f"W{k}" not in given:
            raise InvalidInput(f"W{k}", f"The 'W{k}' parameter of feedforward is required: W{L} is given, so layers 1 to "
                                        f"{L} all need their weights.")
    for name in sorted(given):
        kind, k = _OLD_NAME.match(name).groups()
        if int(k) > L:
            raise InvalidInput(name, f"The '{name}' parameter of feedforward must be empty: there is no W{k}, so the "
                                     f"network has {L} layer{'s' if L > 1 else ''}.")
    layers = [{"W": old[f"W{k}"], "b": old.get(f"b{k}"), "act": old.get(f"act{k}")} for k in range(1, L + 1)]
    out = {k: v for k, v in raw.items() if k not in old}
    out["layers"] = [{f: v for f, v in layer.items() if v is not None} for layer in layers]
    return out


def validate(p: dict[str, Any]) -> None:
    layers = p["layers"]
    L = len(layers)
    for k, layer in enumerate(layers[:-1], start=1):
        if layer["act"] == "softmax":
            raise InvalidInput("layers", f"The 'layers' parameter of feedforward must not give layer {k} the activation "
                                         f"'softmax': softmax is for the output layer (layer {L}) only.")
    if p["loss"] == "ce":
        if layers[-1]["act"] not in ("softmax", "sigmoid"):
            raise InvalidInput("loss", f"The 'loss' parameter of feedforward must be 'mse' unless the output layer is "
                                       f"softmax or sigmoid: cross-entropy needs probabilities. Got 'ce' with layer {L}'s "
                                       f"activation {layers[-1]['act']!r} instead.")
        Y = as_float(p["y"]) if p["y"] is not None else np.zeros(0)
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
        """Exact: SymPy immutable matrices (W_i as n_i x n_(i-1), b_i and every example as columns). Numeric: float64
        arrays, the examples as the rows of X and Y."""
        layers = p["layers"]
        self.L = len(layers)
        self.layout = layout
        self.acts = [layer["act"] for layer in layers]
        self.given_b = [layer["b"] is not None for layer in layers]
        typed = [sp.ImmutableMatrix(as_exact(layer["W"])) if exact else as_float(layer["W"]) for layer in layers]
        Ws = [W.T for W in typed] if layout == "in_out" else typed
        sizes = []
        for k, W in enumerate(Ws, start=1):
            r, c = W.shape
            if k == 1:
                sizes.extend([c, r])
            elif c != sizes[-1]:
                rows_or_cols = "columns" if layout == "out_in" else "rows"
                raise InvalidInput("layers", f"The 'layers' parameter of feedforward must give layer {k} a W with "
                                             f"{sizes[-1]} {rows_or_cols} (one per unit of layer {k - 1}, under the "
                                             f"{layout} weight layout). Got {c} instead.")
            else:
                sizes.append(r)
        self.sizes = sizes
        bs = []
        for k, layer in enumerate(layers, start=1):
            b = layer["b"]
            if b is not None and len(b) != sizes[k]:
                raise InvalidInput("layers", f"The 'layers' parameter of feedforward must give layer {k} a b with "
                                             f"{sizes[k]} entries (one per unit of layer {k}). Got {len(b)} instead.")
            if exact:
                bs.append(sp.zeros(sizes[k], 1).as_immutable() if b is None else column(as_exact(b)))
            else:
                bs.append(np.zeros(sizes[k]) if b is None else as_float(b))
        self.Ws, self.bs = Ws, bs
        self.typed = typed
        to = as_exact if exact else as_float
        X, self.x_transposed = self._rows(to(p["x"]), sizes[0], "x")
        self.has_y = p["y"] is not None
        if self.has_y:
            Y, self.y_transposed = self._rows(to(p["y"]), sizes[-1], "y")
        else:  # the forward pass only: no target, no loss
            Y, self.y_transposed = [[0] * sizes[-1] for _ in range(len(X))], False
            Y = np.zeros((len(X), sizes[-1])) if not exact else tuple(tuple(sp.Integer(0) for _ in r) for r in Y)
        if len(Y) != len(X):
            raise InvalidInput("y", f"The 'y' parameter of feedforward must have one row per example of x "
                                    f"({len(X)}). Got {len(Y)} rows instead.")
        if exact:
            X, Y = [column(r) for r in X], [column(r) for r in Y]
        self.X, self.Y = X, Y
        self.N = len(X)
        self.slope = p["leaky_slope"] if exact else float(p["leaky_slope"])
        self.eta = p["eta"] if exact else float(p["eta"])
        self.loss = p["loss"]
        self.key = (("ce_softmax" if self.acts[-1] == "softmax" else "ce_sigmoid") if self.loss == "ce"
                    else conv["squared_error"])
        self.mean = conv["reduction"] == "mean"
        self.fixed_b = conv["update"] == "weights_only"

    @staticmethod
    def _rows(M, n, name):
        """The examples as rows (a tuple of rows, or an array); one example typed as a column is read as one row."""
        r, c = _shape(M)
        if c == n:
            return M, False
        if c == 1 and r == n:  # one example typed as a column, as the notes write h_0
            return (M.T if isinstance(M, np.ndarray) else (tuple(v[0] for v in M),)), True
        what = "input" if name == "x" else "output"
        raise InvalidInput(name, f"The '{name}' parameter of feedforward must have {n} entries per example (one per "
                                 f"{what} unit of the network). Got {c} instead.")

    def counts(self):
        per = [(self.sizes[k] * self.sizes[k - 1], self.sizes[k]) for k in range(1, self.L + 1)]
        return per


def use_numeric(p) -> bool:
    layers = p["layers"]
    arrays = [p["x"], p["y"]] + [v for layer in layers for v in (layer["W"], layer["b"])]
    if any(isinstance(v, np.ndarray) for v in arrays):
        return True
    rows, cols = _shape(p["x"])
    n_ex = 1 if cols == 1 and rows in _shape(layers[0]["W"]) else rows  # a column is one example
    params = sum(_shape(layer["W"])[0] * (_shape(layer["W"])[1] + 1) for layer in layers)
    return n_ex > EXACT_EXAMPLES or params > EXACT_PARAMS


def _head(M, n: int = 8):
    """The first n rows (entries) as exact numbers, without converting the rest of a big array."""
    return as_exact(M[:n])


def _m_sym(name: str, k: int) -> Math:
    return Math(f"{name}_{{{k}}}", f"{name}{k}")


def statement(p) -> Rich:
    layers = p["layers"]
    L = len(layers)
    X = _head(p["x"])
    out: list = [f"A fully connected network with {L} layer{'s' if L > 1 else ''} has "]
    for k, layer in enumerate(layers, start=1):
        W, b = layer["W"], layer["b"]
        big = _shape(W)[0] * _shape(W)[1] > 64
        wt = Math(r"W_{%d} \in \mathbb{R}^{%d \times %d}" % (k, *_shape(W)), f"W{k}, a {F.shape(_shape(W))} matrix") \
            if big else Eq(_m_sym("W", k), sp.ImmutableMatrix(as_exact(W)))
        bt = ("zero biases" if b is None else f"b{k}, a vector of {len(b)}" if len(b) > 8 else
              Eq(_m_sym("b", k), tuple(as_exact(b))))
        out += ["; " if k > 1 else "", wt, ", ", bt, f", activation {layer['act']}"]
    n = _shape(p["x"])[0]
    xs = (Eq(Math("x", "x"), tuple(X[0])) if n == 1 else
          Eq(Math("x", "x"), sp.ImmutableMatrix(X[:6])) if _shape(p["x"])[1] <= 8 else "x")
    if p["y"] is None:
        data = ["the input ", xs] if n == 1 else [f"a batch of {n} inputs (the rows of ", xs, " …)" if n > 6 else ")"]
        return Rich(*out, ". For ", *data, ", compute the forward pass (", Math(r"a_{i}", "aᵢ"), " and ",
                    Math(r"h_{i}", "hᵢ"), " for every layer): what is the network's output? How many parameters does "
                    "each layer have?")
    loss = "the cross-entropy loss" if p["loss"] == "ce" else "the squared-error loss"
    Y = _head(p["y"])
    ys = Eq(Math("y", "y"), sp.ImmutableMatrix(Y[:6])) if _shape(p["y"])[1] <= 8 else "y"
    data = (["the input ", xs, " with target ", Eq(Math("y", "y"), tuple(Y[0]))] if n == 1
            else [f"a batch of {n} examples (the rows of ", xs, ", with the targets in the rows of ", ys,
                  " …)" if n > 6 else ")"])
    return Rich(*out, ". For ", *data, f" and {loss}, compute the forward pass (", Math(r"a_{i}", "aᵢ"), " and ",
                Math(r"h_{i}", "hᵢ"), " for every layer), the gradients of the loss with respect to every weight and bias "
                "by backpropagation, one gradient-descent update with learning rate ", Eq(Math(r"\eta", "η"), p["eta"]),
                ", and the new loss. How many parameters does each layer have?")


# ---- exact arithmetic pieces (SymPy immutable matrices; every vector a column) ------------------------------------
def _forward(net: Net, Ws, bs, x):
    As, Hs = [], [x]
    for W, b, g in zip(Ws, bs, net.acts):
        a = tidy_matrix(W * Hs[-1] + b)
        As.append(a)
        Hs.append(column(act_exact(g, list(a), net.slope)))
    return As, Hs


def _log(v):
    return mp_apply(mpmath.log, v)


def _loss(net: Net, a_L, h, y):
    key = net.key
    if key == "ce_softmax":
        return tidy(-sum((yj * _log(hj) for yj, hj in zip(y, h) if yj != 0), sp.Integer(0)))
    if key == "ce_sigmoid":
        comp = act_exact("sigmoid", [-v for v in a_L], net.slope)  # 1 - h to full precision
        return tidy(-sum(((yj * _log(hj) if yj != 0 else 0) + ((1 - yj) * _log(cj) if yj != 1 else 0)
                          for yj, hj, cj in zip(y, h, comp)), sp.Integer(0)))
    e = h - y
    sq = (e.T * e)[0]
    return tidy(sq / 2 if key == "half" else sq if key == "sum" else sq / len(h))


def _dl_dh(net: Net, a_L, h, y):
    key = net.key
    if key == "ce_softmax":
        return column(tidy(-yj / hj) if yj != 0 else sp.Integer(0) for yj, hj in zip(y, h))
    if key == "ce_sigmoid":
        comp = act_exact("sigmoid", [-v for v in a_L], net.slope)
        return column(tidy((-yj / hj if yj != 0 else 0) + ((1 - yj) / cj if yj != 1 else 0)) for yj, hj, cj in zip(y, h, comp))
    k = {"half": 1, "sum": 2, "mean": sp.Rational(2, len(h))}[key]
    return tidy_matrix(k * (h - y))


def _shortcut(net: Net, y) -> bool:
    """dL/da_L = h_L - y: softmax with cross-entropy on a target summing to 1, or sigmoid with cross-entropy."""
    return net.key == "ce_sigmoid" or (net.key == "ce_softmax" and sum(y, sp.Integer(0)) == 1)


def _dl_da_out(net: Net, a_L, h, y, dh):
    if _shortcut(net, y):
        return tidy_matrix(h - y)
    if net.acts[-1] == "softmax":  # Jacobian-vector product of the softmax: h * (dh - h.dh)
        s = tidy((h.T * dh)[0])
        return tidy_matrix(h.multiply_elementwise(dh - s * sp.ones(*h.shape)))
    gp = column(act_grad_exact(net.acts[-1], list(a_L), list(h), net.slope))
    return tidy_matrix(dh.multiply_elementwise(gp))


def _backward(net: Net, Ws, As, Hs, y):
    """Per-layer (dL/dh_k, g'(a_k), dL/da_k, dL/dW_k, dL/db_k) for k = L..1, in the internal layout."""
    L = net.L
    out = {}
    dh = _dl_dh(net, As[-1], Hs[-1], y)
    da = _dl_da_out(net, As[-1], Hs[-1], y, dh)
    out[L] = {"dh": dh, "da": da, "gp": None}
    for k in range(L, 0, -1):
        rec = out[k]
        rec["dW"] = tidy_matrix(rec["da"] * Hs[k - 1].T)
        rec["db"] = rec["da"]
        if k > 1:
            dh_prev = tidy_matrix(Ws[k - 1].T * rec["da"])
            gp = column(act_grad_exact(net.acts[k - 2], list(As[k - 2]), list(Hs[k - 1]), net.slope))
            out[k - 1] = {"dh": dh_prev, "gp": gp, "da": tidy_matrix(dh_prev.multiply_elementwise(gp))}
    return out


# ---- display pieces -----------------------------------------------------------------------------------------
def _m(tex: str, txt: str) -> Math:
    return Math(tex, txt)


def _sym(name: str, k) -> Math:
    return Math(f"{name}_{{{k}}}", f"{name}{k}")


def _d(name: str, k) -> Math:
    return Math(r"\frac{\partial L}{\partial %s_{%s}}" % (name, k), f"dL/d{name}{k}")


def _had(u, v) -> Math:
    return Math(tex(u) + r" \odot " + tex(v), txt(u) + " * " + txt(v))


def _g_apply(g: str, a) -> Math:
    if g == "linear":
        return Math(tex(a), txt(a))
    gl, gt = G_TEX[g]
    return Math(r"%s %s" % (gl, tex(a)), f"{gt}{txt(a)}")  # the vector's own parentheses suffice


def _g_formula(g: str, k) -> Math:
    if g == "linear":
        return Math(f"a_{{{k}}}", f"a{k}")
    gl, gt = G_TEX[g]
    return Math(r"%s(a_{%s})" % (gl, k), f"{gt}(a{k})")


def _gp_sub(g: str, a, h, slope) -> Math:
    if g == "sigmoid":
        return Math(tex(h) + r" \odot \left(1 - " + tex(h) + r"\right)", f"{txt(h)} * (1 - {txt(h)})")
    if g == "tanh":
        return Math("1 - " + tex(h) + r" \odot " + tex(h), f"1 - {txt(h)} * {txt(h)}")
    if g in ("relu", "leaky_relu"):
        return Math(r"\mathbf{1}\left[" + tex(a) + r" > 0\right]" + (r" \text{ (else %s)}" % F.latex(slope) if g == "leaky_relu" else ""),
                    f"1[{txt(a)} > 0]" + (f" (else {F.text(slope)})" if g == "leaky_relu" else ""))
    return Math("1", "1")


def _loss_sub(net: Net, h, y) -> Math:
    key = net.key
    if key in ("half", "sum", "mean"):
        terms_t = " + ".join(f"({F.text(hj)} - {F.text(yj, paren=True)})^2" for hj, yj in zip(h, y))
        terms_l = " + ".join(r"\left(%s - %s\right)^{2}" % (F.latex(hj), F.latex(yj, paren=True)) for hj, yj in zip(h, y))
        pre = {"half": (r"\frac{1}{2}", "1/2"), "sum": ("", ""), "mean": (r"\frac{1}{%d}" % len(h), f"1/{len(h)}")}[key]
        if pre[0]:
            return Math(r"%s\left(%s\right)" % (pre[0], terms_l), f"{pre[1]} ({terms_t})")
        return Math(terms_l, terms_t)
    if key == "ce_softmax":
        return Math(r"-\left(%s\right)" % " + ".join(r"%s \cdot \ln %s" % (F.latex(yj), F.latex(hj)) for yj, hj in zip(y, h)),
                    "-(" + " + ".join(f"{F.text(yj)} ln {F.text(hj)}" for yj, hj in zip(y, h)) + ")")
    return Math(r"-\left(%s\right)" % " + ".join(r"%s \cdot \ln %s + (1 - %s) \cdot \ln(1 - %s)" % (F.latex(yj), F.latex(hj), F.latex(yj),
                                                                                        F.latex(hj)) for yj, hj in zip(y, h)),
                "-(" + " + ".join(f"{F.text(yj)} ln {F.text(hj)} + (1 - {F.text(yj)}) ln(1 - {F.text(hj)})"
                                  for yj, hj in zip(y, h)) + ")")


def _dh_sub(net: Net, h, y) -> Math:
    key = net.key
    if key in ("half", "sum", "mean"):
        pre = {"half": ("", ""), "sum": ("2 ", "2 "), "mean": (r"\frac{2}{%d} " % len(h), f"(2/{len(h)}) ")}[key]
        return Math(pre[0] + r"\left(%s - %s\right)" % (tex(h), tex(y)), pre[1] + f"({txt(h)} - {txt(y)})")
    if key == "ce_softmax":
        return Math("-" + tex(y) + r" \oslash " + tex(h), f"-{txt(y)} / {txt(h)}")
    return Math("-" + tex(y) + r" \oslash " + tex(h) + r" + \left(1 - " + tex(y) + r"\right) \oslash \left(1 - "
                + tex(h) + r"\right)", f"-{txt(y)} / {txt(h)} + (1 - {txt(y)}) / (1 - {txt(h)})")


def _typed(net: Net, M):
    """An internal-layout matrix (n_i x n_(i-1)) in the layout the user typed."""
    return rows(M.T if net.layout == "in_out" else M)


# ---- solve (exact) -------------------------------------------------------------------------------------------
def _counts_steps(d: Derivation, net: Net):
    per = net.counts()
    rows, vals = [], []
    for k, (nw, nb) in enumerate(per, start=1):
        rows.append((str(k), str(net.sizes[k - 1]), str(net.sizes[k]), net.acts[k - 1], f"{net.sizes[k]} x {net.sizes[k - 1]} = {nw}",
                     str(nb), str(nw + nb)))
        vals.append((k, net.sizes[k - 1], net.sizes[k], net.acts[k - 1], nw, nb, nw + nb))
    tw, tb = sum(c[0] for c in per), sum(c[1] for c in per)
    rows.append(("total", "", str(sum(net.sizes[1:])), "", str(tw), str(tb), str(tw + tb)))
    vals.append(("total", None, sum(net.sizes[1:]), None, tw, tb, tw + tb))
    cols = [Math(r"\text{layer } i", "layer"), Math(r"n_{i-1}", "inputs"), Math(r"n_{i}", "units"), Math(r"g_{i}", "activation"),
            Math(r"\text{weights } n_{i} n_{i-1}", "weights"), Math(r"\text{biases } n_{i}", "biases"),
            Math(r"\text{parameters}", "parameters")]
    shown_table(d, "Parameters per layer", cols, rows, vals,
                keys=("layer", "inputs", "units", "activation", "weights", "biases", "params"), index=("layer",),
                text="Layer i connects each of its n_i units to the n_(i-1) units below (n_i n_(i-1) weights) and gives "
                     "each unit a bias (n_i biases). Every entry is an answer: weights@layer=1, params@layer=total.")
    d.conclude(f"{tw} weights, {tb} biases, {tw + tb} parameters",
               text=f"{net.L} layer{'s' if net.L > 1 else ''} of weights and {sum(net.sizes[1:])} neurons (the input layer "
                    "has no parameters).",
               answers=(make_answer("layers", sp.Integer(net.L)), make_answer("neurons", sp.Integer(sum(net.sizes[1:]))),
                        make_answer("weights", sp.Integer(tw)), make_answer("biases", sp.Integer(tb)),
                        make_answer("params", sp.Integer(tw + tb)),
                        make_answer("params_per_layer", [sp.Integer(a + b) for a, b in per])))


def _forward_steps(d: Derivation, net: Net, As, Hs, ans: bool):
    for k in range(1, net.L + 1):
        W, b, g = rows(net.typed[k - 1]), net.bs[k - 1], net.acts[k - 1]
        if net.layout == "out_in":
            form = _m(r"W_{%d} h_{%d} + b_{%d}" % (k, k - 1, k), f"W{k} h{k - 1} + b{k}")
            sub = _m(f"{tex(W)} {tex(Hs[k - 1])} + {tex(b)}", f"{txt(W)} {txt(Hs[k - 1])} + {txt(b)}")
        else:
            form = _m(r"W_{%d}^{\top} h_{%d} + b_{%d}" % (k, k - 1, k), f"W{k}^T h{k - 1} + b{k}")
            sub = _m(f"{tex(W)}^{{\\top}} {tex(Hs[k - 1])} + {tex(b)}",
                     f"{txt(W)}^T {txt(Hs[k - 1])} + {txt(b)}")
        matrix_step(d, f"Layer {k}: pre-activation", _sym("a", k), form, sub, As[k - 1], answer=f"a{k}" if ans else None,
                text="Input h0 is x." if k == 1 else "")
        matrix_step(d, f"Layer {k}: activation ({g.replace('_', ' ')})", _sym("h", k), _g_formula(g, k), _g_apply(g, As[k - 1]),
                Hs[k], answer=f"h{k}" if ans else None,
                text=("softmax(a)_j = e^(a_j) / sum_m e^(a_m)." if g == "softmax" else ""))


def _backward_steps(d: Derivation, net: Net, As, Hs, y, back, ans: bool):
    L = net.L
    dh_form = _tmpl(DLDH_TEX[net.key], L)
    matrix_step(d, "Output: dL/dh_L", _d("h", L), dh_form, _dh_sub(net, Hs[-1], y), back[L]["dh"],
            text="Differentiate the loss with respect to the network's output.")
    rec = back[L]
    g = net.acts[-1]
    if _shortcut(net, y):
        why = ("softmax with cross-entropy: the softmax Jacobian times -y/h_L is h_L - y when the target sums to 1 "
               "(the course notes: grad_(a_L) L = -(e_l - y_hat))" if g == "softmax"
               else "sigmoid with cross-entropy: (-y/h + (1 - y)/(1 - h)) h (1 - h) = h - y")
        matrix_step(d, "Output: dL/da_L", _d("a", L), Math(r"h_{%d} - y" % L, f"h{L} - y"),
                Math(f"{tex(Hs[-1])} - {tex(y)}", f"{txt(Hs[-1])} - {txt(y)}"), rec["da"], text=why[0].upper() + why[1:] + ".")
    elif g == "softmax":
        matrix_step(d, "Output: dL/da_L (softmax Jacobian)", _d("a", L),
                Math(r"h_{%d} \odot \left(\frac{\partial L}{\partial h_{%d}} - h_{%d}^{\top} \frac{\partial L}{\partial h_{%d}}\right)" % (L, L, L, L),
                     f"h{L} * (dL/dh{L} - h{L}.dL/dh{L})"),
                Math(tex(Hs[-1]) + r" \odot \left(" + tex(rec["dh"]) + " - " + tex(Hs[-1], layout="rowvec") + tex(rec["dh"]) + r"\right)",
                     f"{txt(Hs[-1])} * ({txt(rec['dh'])} - {txt(Hs[-1])}.{txt(rec['dh'])})"),
                rec["da"], text="The softmax's Jacobian is diag(h) - h h^T, so J^T dL/dh = h * (dL/dh - h.dL/dh).")
    else:
        _da_steps(d, net, L, As, Hs, rec)
    for k in range(L, 0, -1):
        rec = back[k]
        if k < L:
            W = rows(net.typed[k])
            if net.layout == "out_in":
                form = Math(r"W_{%d}^{\top} \frac{\partial L}{\partial a_{%d}}" % (k + 1, k + 1), f"W{k + 1}^T dL/da{k + 1}")
                sub = Math(tex(W) + r"^{\top} " + tex(back[k + 1]["da"]), f"{txt(W)}^T {txt(back[k + 1]['da'])}")
            else:
                form = Math(r"W_{%d} \frac{\partial L}{\partial a_{%d}}" % (k + 1, k + 1), f"W{k + 1} dL/da{k + 1}")
                sub = Math(tex(W) + " " + tex(back[k + 1]["da"]), f"{txt(W)} {txt(back[k + 1]['da'])}")
            matrix_step(d, f"Layer {k}: dL/dh_{k}", _d("h", k), form, sub, rec["dh"],
                    text="Back through the weights of the layer above." if k == L - 1 else "")
            _da_steps(d, net, k, As, Hs, rec)
        dW = _typed(net, rec["dW"])
        if net.layout == "out_in":
            form = Math(r"\frac{\partial L}{\partial a_{%d}} h_{%d}^{\top}" % (k, k - 1), f"dL/da{k} h{k - 1}^T")
            sub = Math(tex(rec["da"]) + " " + tex(Hs[k - 1], layout="rowvec"), f"{txt(rec['da'])} {txt(Hs[k - 1])}^T")
        else:
            form = Math(r"h_{%d} \frac{\partial L}{\partial a_{%d}}^{\top}" % (k - 1, k), f"h{k - 1} (dL/da{k})^T")
            sub = Math(tex(Hs[k - 1]) + " " + tex(rec["da"], layout="rowvec"), f"{txt(Hs[k - 1])} {txt(rec['da'])}^T")
        matrix_step(d, f"Layer {k}: dL/dW_{k}", _d("W", k), form, sub, dW, answer=f"grad_W{k}" if ans else None)
        matrix_step(d, f"Layer {k}: dL/db_{k}", _d("b", k), Math(r"\frac{\partial L}{\partial a_{%d}}" % k, f"dL/da{k}"),
                Math(tex(rec["da"]), txt(rec["da"])), rec["db"], answer=f"grad_b{k}" if ans else None)


def _da_steps(d, net: Net, k, As, Hs, rec):
    g = net.acts[k - 1]
    gp = rec["gp"] if rec["gp"] is not None else column(act_grad_exact(g, list(As[k - 1]), list(Hs[k]), net.slope))
    gl, gt = G_PRIME[g]
    s = F.text(net.slope)
    matrix_step(d, f"Layer {k}: g'(a_{k}) ({g.replace('_', ' ')})", Math(r"g'(a_{%d})" % k, f"g'(a{k})"),
            Math(gl % {"k": k, "s": F.latex(net.slope)}, gt % {"k": k, "s": s}), _gp_sub(g, As[k - 1], Hs[k], net.slope), gp)
    matrix_step(d, f"Layer {k}: dL/da_{k}", _d("a", k),
            Math(r"\frac{\partial L}{\partial h_{%d}} \odot g'(a_{%d})" % (k, k), f"dL/dh{k} * g'(a{k})"), _had(rec["dh"], gp), rec["da"])


def _avg_step(d, net: Net, title, lhs: Math, parts, total, answer):
    N = len(parts)
    fmt_l, fmt_t = tex, txt
    pre_l, pre_t = (r"\frac{1}{%d}\left(" % N, f"(1/{N}) (") if net.mean else ("", "")
    post_l, post_t = (r"\right)", ")") if net.mean else ("", "")
    form = Math((r"\frac{1}{N}" if net.mean else "") + r"\sum_{n} " + lhs.latex + r"^{(n)}",
                ("(1/N) " if net.mean else "") + f"sum_n {lhs.text}^(n)")
    sub = Math(pre_l + " + ".join(fmt_l(v) for v in parts) + post_l, pre_t + " + ".join(fmt_t(v) for v in parts) + post_t)
    matrix_step(d, title, lhs, form, sub, total, answer=answer)


def _reduce(values, mean):
    tot = sum(values, sp.Integer(0))
    return tidy(tot / len(values)) if mean else tidy(tot)


def _reduce_arrays(arrs, mean):
    tot = sum(arrs[1:], arrs[0])
    return tidy_matrix(tot / len(arrs) if mean else tot)


def solve(p, conv) -> Derivation:
    net = Net(p, conv, exact=True)
    d = Derivation()
    L, N = net.L, net.N
    arch = " - ".join(str(s) for s in net.sizes)
    d.given("Network", text=f"{arch} network: " + "; ".join(
        f"layer {k}: {net.sizes[k]} {net.acts[k - 1].replace('_', ' ')} unit{'s' if net.sizes[k] > 1 else ''}"
        for k in range(1, L + 1)) + ".")
    for k in range(1, L + 1):
        d.given(f"Layer {k} parameters", text=f"W{k} = {txt(rows(net.typed[k - 1]))}, b{k} = {txt(net.bs[k - 1])}"
                + ("" if net.given_b[k - 1] else " (zeros: none given)"))
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
    if not net.has_y:
        return _forward_only(d, net)
    _forward_formula(d, net)
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
        with d.group(f"Forward pass{label}", text="" if one else f"x = {txt(x)}, y = {txt(y)}"):
            _forward_steps(d, net, As, Hs, one)
            matrix_step(d, "Loss", Math("L", "L") if one else Math(r"L^{(%d)}" % (n + 1), f"L^({n + 1})"), _tmpl(LOSS_TEX[net.key], L),
                    _loss_sub(net, Hs[-1], y), lv, answer="loss" if one else None)
        with d.group(f"Backward pass{label}"):
            _backward_steps(d, net, As, Hs, y, back, one)
    if not one:
        with d.group(f"The batch: {'mean' if net.mean else 'sum'} over the {N} examples"):
            for k in range(1, L + 1):
                d.conclude(f"Layer {k} over the batch", answers=(
                    make_answer(f"a{k}", [tuple(f[0][k - 1]) for f in fwd]),
                    make_answer(f"h{k}", [tuple(f[1][k]) for f in fwd])))
            total = _reduce(losses, net.mean)
            matrix_step(d, "Loss of the batch", Math("L", "L"),
                    Math((r"\frac{1}{N}" if net.mean else "") + r"\sum_{n} L^{(n)}", ("(1/N) " if net.mean else "") + "sum_n L^(n)"),
                    Math(((r"\frac{1}{%d}" % N) if net.mean else "") + r"\left(" + " + ".join(F.latex(v) for v in losses) + r"\right)",
                         (f"(1/{N}) " if net.mean else "") + "(" + " + ".join(F.text(v) for v in losses) + ")"),
                    total, answer="loss")
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
    what = ("Only the weights move against their gradient, W_i <- W_i - eta dL/dW_i; the biases stay as given "
            "(the update convention)" if net.fixed_b else
            "Every weight and bias moves against its gradient: W_i <- W_i - eta dL/dW_i, b_i <- b_i - eta dL/db_i")
    with d.group("Gradient-descent update", kind="update", text=f"{what}, eta = {F.text(lr)}."):
        for k in range(1, L + 1):
            gW, gb = grads[k]
            W, b = net.Ws[k - 1], net.bs[k - 1]
            W2 = tidy_matrix(W - lr * gW)
            b2 = b if net.fixed_b else tidy_matrix(b - lr * gb)
            newW.append(W2)
            newb.append(b2)
            matrix_step(d, f"Update W{k}", Math(r"W_{%d}^{\text{new}}" % k, f"W{k}_new"),
                    Math(r"W_{%d} - \eta \frac{\partial L}{\partial W_{%d}}" % (k, k), f"W{k} - eta dL/dW{k}"),
                    Math(f"{tex(_typed(net, W))} - {F.latex(lr)} {tex(_typed(net, gW))}",
                         f"{txt(_typed(net, W))} - {F.text(lr)} {txt(_typed(net, gW))}"),
                    _typed(net, W2), answer=f"W{k}_new", kind="update")
            if net.fixed_b:
                matrix_step(d, f"b{k} stays", Math(r"b_{%d}^{\text{new}}" % k, f"b{k}_new"),
                            Math(r"b_{%d}" % k, f"b{k}"), Math(tex(b), txt(b)), b2, answer=f"b{k}_new", kind="update",
                            text="The biases are not updated.")
            else:
                matrix_step(d, f"Update b{k}", Math(r"b_{%d}^{\text{new}}" % k, f"b{k}_new"),
                        Math(r"b_{%d} - \eta \frac{\partial L}{\partial b_{%d}}" % (k, k), f"b{k} - eta dL/db{k}"),
                        Math(f"{tex(b)} - {F.latex(lr)} {tex(gb)}", f"{txt(b)} - {F.text(lr)} {txt(gb)}"),
                        b2, answer=f"b{k}_new", kind="update")

    new_losses, outs = [], []
    with d.group("The new loss", text="The forward pass again with the updated weights and biases."):
        for n in range(N):
            As, Hs = _forward(net, newW, newb, net.X[n])
            lv = _loss(net, As[-1], Hs[-1], net.Y[n])
            new_losses.append(lv)
            outs.append(Hs[-1])
            label = "" if one else f" (example {n + 1})"
            chain = ", ".join(f"a{k} = {txt(As[k - 1])}, h{k} = {txt(Hs[k])}" for k in range(1, L + 1))
            matrix_step(d, f"Forward pass{label}", _sym("h", L), Math(r"g_{%d}(a_{%d})" % (L, L), f"g{L}(a{L})"),
                    _g_apply(net.acts[-1], As[-1]), Hs[-1], text=chain + ".")
            matrix_step(d, f"New loss{label}", Math("L", "L") if one else Math(r"L^{(%d)}" % (n + 1), f"L^({n + 1})"),
                    _tmpl(LOSS_TEX[net.key], L), _loss_sub(net, Hs[-1], net.Y[n]), lv)
        new_total = _reduce(new_losses, net.mean) if not one else new_losses[0]
    d.conclude("The loss after one update", text=f"The loss went from {F.text(total)} to {F.text(new_total)}"
               + (" (it decreased)." if new_total < total else " (it did not decrease: the learning rate may be too large)."),
               answers=(make_answer("y_hat_new", tuple(outs[0]) if one else [tuple(h) for h in outs]),
                        make_answer("new_loss", new_total)),
               value=Math(f"L^{{\\text{{new}}}} = {F.latex(new_total)}", f"new loss = {F.text(new_total)}"))
    return d


def _forward_formula(d: Derivation, net: Net) -> None:
    if net.layout == "out_in":
        _formula_step(d, "Forward pass", Math("a_i", "a_i"), Math(r"W_{i} h_{i-1} + b_{i}, \quad h_{i} = g_{i}(a_{i})", "W_i h_(i-1) + b_i,  h_i = g_i(a_i)"),
                  text="Layer by layer from h_0 = x; W_i has one row per unit of layer i.")
    else:
        _formula_step(d, "Forward pass", Math("a_i", "a_i"), Math(r"W_{i}^{\top} h_{i-1} + b_{i}, \quad h_{i} = g_{i}(a_{i})",
                                                           "W_i^T h_(i-1) + b_i,  h_i = g_i(a_i)"),
                  text="Layer by layer from h_0 = x; W_i has one row per input of layer i (the in x out layout).")


def _forward_only(d: Derivation, net: Net) -> Derivation:
    """No target: the forward pass and the output (no loss, no gradients, no update)."""
    L, N = net.L, net.N
    _forward_formula(d, net)
    one = N == 1
    fwd = []
    for n in range(N):
        As, Hs = _forward(net, net.Ws, net.bs, net.X[n])
        fwd.append((As, Hs))
        label = "" if one else f" (example {n + 1})"
        with d.group(f"Forward pass{label}", text="" if one else f"x = {txt(net.X[n])}"):
            _forward_steps(d, net, As, Hs, one)
    if not one:
        d.conclude("Every layer over the batch", answers=tuple(
            make_answer(f"{v}{k}", [tuple(f[0 if v == "a" else 1][k - 1 if v == "a" else k]) for f in fwd])
            for k in range(1, L + 1) for v in ("a", "h")))
    out = tuple(fwd[0][1][-1]) if one else [tuple(f[1][-1]) for f in fwd]
    d.conclude("The network's output", text=f"The output is h{L}, the activation of the output layer (no target is "
                                           "given, so there is no loss to compute).",
               answers=(make_answer("output", out),),
               value=Math(f"h_{{{L}}} = {tex(fwd[0][1][-1])}" if one else r"\text{see the rows above}",
                          f"h{L} = {txt(fwd[0][1][-1])}" if one else "see the rows above"))
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
    if not net.has_y:
        return _np_forward_only(d, net, As, Hs)
    loss = _np_loss(net, As[-1], Hs[-1], net.Y)
    gW, gb = _np_grads(net, net.Ws, As, Hs)
    newW = [net.Ws[k - 1] - net.eta * gW[k] for k in range(1, L + 1)]
    newb = [net.bs[k - 1] if net.fixed_b else net.bs[k - 1] - net.eta * gb[k] for k in range(1, L + 1)]
    As2, Hs2 = _np_forward(net, newW, newb)
    new_loss = _np_loss(net, As2[-1], Hs2[-1], net.Y)
    d.note("Numeric path", f"A {' - '.join(str(s) for s in net.sizes)} network on a batch of {N} example{'s' if N > 1 else ''}, "
                           "computed in float64 NumPy with the batch as the rows of matrices (A_i = H_(i-1) W_i^T + b_i); "
                           "the per-entry steps are not shown.")
    if net.switched:
        d.note("Weight layout read from the shapes", f"The matrices' shapes fit only the {net.layout} layout, so they are "
                                                     f"read in it.")
    _np_counts(d, net)

    def shape(M):  # one example: a vector, as the exact path gives
        return tuple(M[0]) if N == 1 else _rows_tuple(M)

    small = N * max(net.sizes) <= 5000
    fw = []
    for k in range(1, L + 1):
        if small:
            fw += [make_answer(f"a{k}", shape(As[k - 1])), make_answer(f"h{k}", shape(Hs[k]))]
    d.conclude("Forward pass", answers=tuple(fw) + (make_answer("loss", float(loss)),))
    lay = (lambda M: M.T) if net.layout == "in_out" else (lambda M: M)
    grads = []
    for k in range(1, L + 1):
        grads += [make_answer(f"grad_W{k}", _rows_tuple(lay(gW[k]))), make_answer(f"grad_b{k}", tuple(gb[k])),
                  make_answer(f"W{k}_new", _rows_tuple(lay(newW[k - 1]))), make_answer(f"b{k}_new", tuple(newb[k - 1]))]
    d.conclude("Backward pass and update", answers=tuple(grads))
    d.conclude("The loss after one update",
               answers=((make_answer("y_hat_new", shape(Hs2[-1])),) if small else ()) +
                       (make_answer("new_loss", float(new_loss)),))
    return d


def _np_counts(d: Derivation, net: Net) -> None:
    per = net.counts()
    tw, tb = sum(c[0] for c in per), sum(c[1] for c in per)
    d.conclude(f"{tw} weights, {tb} biases, {tw + tb} parameters",
               answers=(make_answer("layers", sp.Integer(net.L)), make_answer("neurons", sp.Integer(sum(net.sizes[1:]))),
                        make_answer("weights", sp.Integer(tw)), make_answer("biases", sp.Integer(tb)),
                        make_answer("params", sp.Integer(tw + tb)),
                        make_answer("params_per_layer", [sp.Integer(a + b) for a, b in per])))


def _np_forward_only(d: Derivation, net: Net, As, Hs) -> Derivation:
    N = net.N
    d.note("Numeric path", f"A {' - '.join(str(s) for s in net.sizes)} network on {N} input{'s' if N > 1 else ''}, "
                           "computed in float64 NumPy with the inputs as the rows of matrices (A_i = H_(i-1) W_i^T + b_i); "
                           "the forward pass only (no target is given), the per-entry steps are not shown.")
    _np_counts(d, net)

    def shape(M):  # one example: a vector, as the exact path gives
        return tuple(float(v) for v in M[0]) if N == 1 else _rows_tuple(M)

    if N * max(net.sizes) <= 5000:
        d.conclude("Forward pass", answers=tuple(make_answer(f"{v}{k}", shape(As[k - 1] if v == "a" else Hs[k]))
                                                 for k in range(1, net.L + 1) for v in ("a", "h")))
    d.conclude("The network's output", answers=(make_answer("output", shape(Hs[-1])),))
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
        out["layers"] = [{"W": Ws[k].tolist(), "b": bs[k].tolist(), "act": acts[k]} for k in range(L)]
        return out
