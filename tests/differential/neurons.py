"""Independent references for the neurons-and-perceptrons families.

comp_graph: the expression re-parsed here and differentiated in forward mode (dual numbers in 40-digit
mpmath), with torch's values at kinks (relu'(0) = |x|'(0) = 0, max/min ties split half and half); the
number of paths from an input to the output is the number of times the input occurs in the expression as
written (merging a repeated subexpression into one node keeps the count).
feedforward: the forward pass and textbook backpropagation in NumPy (softmax Jacobian written out).
linear_regression: numpy.linalg.lstsq and the gradient X^T (X theta - y) scaled by the loss.
linear_separability: scipy.optimize.linprog for separability and the smallest sum |w_j|; OEIS A000609
for the number of separable functions. mp_neuron, param_count, perceptron (in exact fractions) and
sigmoid_neuron: the textbook definitions written out.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
from scipy.optimize import linprog
from scipy.special import expit, log_softmax

from .core import STATUS, Approx, Invalid, Property, Ref, Skip, boolean, get, matrix, named, vector

# ---- comp_graph: a small parser and forward-mode derivatives ------------------------------------------------
_TOK = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/^(),]))")
FUNCS = {"exp", "log", "ln", "log2", "log10", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sigmoid", "relu", "abs",
         "max", "min"}
CONSTS = {"pi": mpmath.pi, "e": mpmath.e}


def _tokens(text: str):
    text = text.replace("\u2212", "-")
    pos, out = 0, []
    while pos < len(text):
        m = _TOK.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise Invalid(f"cannot read {text[pos:pos + 10]!r}")
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


class _Parser:
    """expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*; unary := '-' unary | power;
    power := atom (('**'|'^') unary)?; atom := number | name | name '(' args ')' | '(' expr ')'."""

    def __init__(self, text):
        self.t, self.i = _tokens(text), 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self, v=None):
        tok = self.peek()
        if v is not None and tok[1] != v:
            raise Invalid(f"expected {v}")
        self.i += 1
        return tok

    def parse(self):
        e = self.expr()
        if self.i != len(self.t):
            raise Invalid("trailing text")
        return e

    def expr(self):
        e = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            e = (op, e, self.term())
        return e

    def term(self):
        e = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            e = (op, e, self.unary())
        return e

    def unary(self):
        if self.peek()[1] == "-":
            self.take()
            return ("neg", self.unary())
        if self.peek()[1] == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self):
        a = self.atom()
        if self.peek()[1] in ("**", "^"):
            self.take()
            return ("pow", a, self.unary())
        return a

    def atom(self):
        kind, v = self.take()
        if kind == "num":
            return ("num", mpmath.mpf(v))
        if kind == "name":
            if self.peek()[1] == "(":
                self.take("(")
                args = [self.expr()]
                while self.peek()[1] == ",":
                    self.take()
                    args.append(self.expr())
                self.take(")")
                return ("call", v, args)
            if v in CONSTS:
                return ("num", CONSTS[v])
            return ("var", v)
        if v == "(":
            e = self.expr()
            self.take(")")
            return e
        raise Invalid(f"unexpected {v!r}")


def _ev(node, env):
    """(value, {variable: derivative}) in mpmath, forward mode."""
    kind = node[0]
    if kind == "num":
        return node[1], {}
    if kind == "var":
        if node[1] not in env:
            raise Invalid(f"no value for {node[1]}")
        return env[node[1]], {node[1]: mpmath.mpf(1)}

    def comb(*terms):
        out: dict = {}
        for c, d in terms:
            for k, v in d.items():
                out[k] = out.get(k, 0) + c * v
        return out

    if kind == "neg":
        v, d = _ev(node[1], env)
        return -v, comb((-1, d))
    if kind in ("+", "-", "*", "/"):
        a, da = _ev(node[1], env)
        b, db = _ev(node[2], env)
        if kind == "+":
            return a + b, comb((1, da), (1, db))
        if kind == "-":
            return a - b, comb((1, da), (-1, db))
        if kind == "*":
            return a * b, comb((b, da), (a, db))
        if b == 0:
            raise Skip("division by zero")
        return a / b, comb((1 / b, da), (-a / b ** 2, db))
    if kind == "pow":
        a, da = _ev(node[1], env)
        b, db = _ev(node[2], env)
        v = a ** b
        if isinstance(v, mpmath.mpc):
            raise Skip("a complex power")
        terms = []
        if da:
            terms.append((b * a ** (b - 1), da))
        if db:
            if a <= 0:
                raise Skip("a variable exponent of a non-positive base")
            terms.append((v * mpmath.log(a), db))
        return v, comb(*terms)
    name, args = node[1], [_ev(x, env) for x in node[2]]
    (a, da) = args[0]
    if name in ("max", "min"):
        if len(args) < 2:
            raise Invalid("max and min take two arguments or more")
        for (b, db) in args[1:]:                                   # a chain of two-input gates, left to right
            if a == b:
                a, da = a, comb((0.5, da), (0.5, db))              # torch splits a tie half and half
            elif (a < b) == (name == "max"):
                a, da = b, db
        return a, da
    if name in ("log", "ln") and len(args) == 2:                   # log(a, base)
        (b, db) = args[1]
        if a <= 0 or b <= 0 or b == 1:
            raise Skip("log outside its domain")
        la, lb = mpmath.log(a), mpmath.log(b)
        return la / lb, comb((1 / (a * lb), da), (-la / (b * lb * lb), db))
    if len(args) != 1:
        raise Invalid(f"{name} takes one argument")
    if name == "exp":
        v = mpmath.exp(a)
        return v, comb((v, da))
    if name in ("log", "ln", "log2", "log10"):
        if a <= 0:
            raise Skip("log of a non-positive number")
        lb = {"log2": mpmath.log(2), "log10": mpmath.log(10)}.get(name, mpmath.mpf(1))
        return mpmath.log(a) / lb, comb((1 / (a * lb), da))
    if name == "sqrt":
        if a <= 0:
            raise Skip("sqrt at or below 0")
        v = mpmath.sqrt(a)
        return v, comb((1 / (2 * v), da))
    if name == "sin":
        return mpmath.sin(a), comb((mpmath.cos(a), da))
    if name == "cos":
        return mpmath.cos(a), comb((-mpmath.sin(a), da))
    if name == "tan":
        c = mpmath.cos(a)
        return mpmath.tan(a), comb((1 / (c * c), da))
    if name == "sinh":
        return mpmath.sinh(a), comb((mpmath.cosh(a), da))
    if name == "cosh":
        return mpmath.cosh(a), comb((mpmath.sinh(a), da))
    if name == "tanh":
        v = mpmath.tanh(a)
        return v, comb((1 - v * v, da))
    if name == "sigmoid":
        v = 1 / (1 + mpmath.exp(-a))
        return v, comb((v * (1 - v), da))
    if name == "relu":
        return (a if a > 0 else mpmath.mpf(0)), comb(((1 if a > 0 else 0), da))
    if name == "abs":
        return abs(a), comb((mpmath.sign(a), da))
    raise Invalid(f"unknown function {name}")


def _occurrences(node, name) -> int:
    if node[0] == "var":
        return int(node[1] == name)
    if node[0] == "num":
        return 0
    kids = node[2] if node[0] == "call" else node[1:]
    return sum(_occurrences(k, name) for k in kids)


def comp_graph_expected(p, conv) -> dict:
    tree = _Parser(str(p["expr"])).parse()
    vals = named(p["values"]) if p.get("values") is not None else {}
    if vals is None:
        raise Invalid("values as name=value pairs")
    with mpmath.workdps(40):
        env = {k: mpmath.mpf(repr(float(v))) if not isinstance(v, str) else mpmath.mpf(v) for k, v in vals.items()}
        v, d = _ev(tree, env)
        out: dict[str, Any] = {"output": float(v)}
        for k in vals:
            g = float(d.get(k, 0))
            out[f"grad_{k}"] = Approx(g, atol=1e-12 * max(1.0, abs(float(v))))
            out[f"paths_{k}"] = _occurrences(tree, k)
    return out


GRAPH_EXPRS = ("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "cos(w**2) + sin(w**2)", "x*y + max(x, y)", "relu(w*x + b)",
               "abs(x - y) * x", "sigmoid(a) * tanh(b) + a", "log(1 + exp(x)) - x*y", "sqrt(x*x + y*y)",
               "min(x, 2*y) + (x - y)^2", "x/y + y/x", "exp(-x) * x**3", "(a + b)*(a - b)")


def comp_graph_draw(rng) -> dict:
    expr = str(rng.choice(GRAPH_EXPRS))
    names = []
    for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", expr):
        if m.group(0) not in FUNCS and m.group(0) not in CONSTS and m.group(0) not in names:
            names.append(m.group(0))
    vals = [float(v) for v in rng.choice([-1.5, 0.0, 0.5, 1.0, 2.0, -0.3, 0.30000000000000004], size=len(names))]
    if rng.random() < 0.2 and len(names) > 1:
        vals[1] = vals[0]                                            # a tie (max/min, |x - y|)
    return {"expr": expr, "values": ", ".join(f"{k}={v!r}" for k, v in zip(names, vals))}


COMP_GRAPH = Ref(expected=comp_graph_expected, draw=comp_graph_draw,
                 source="forward-mode derivatives (dual numbers, mpmath at 40 digits) over the expression re-parsed here",
                 edges=({"expr": "max(x, y)", "values": "x=1, y=1"}, {"expr": "relu(x) + abs(y)", "values": "x=0, y=0"},
                        {"expr": "x*x*x", "values": "x=0.30000000000000004"},
                        {"expr": "sigmoid(x)", "values": "x=100"}, {"expr": "exp(x) * y", "values": "x=20, y=1e-8"},
                        {"expr": "x + y", "values": "x=1e12, y=-1e12"}))


# ---- feedforward ------------------------------------------------------------------------------------------
ACTS = {"logistic": "sigmoid", "identity": "linear", "none": "linear", "leaky": "leaky_relu", "lrelu": "leaky_relu",
        "leakyrelu": "leaky_relu", "leaky relu": "leaky_relu"}


def _g(act, A, slope):
    if act == "sigmoid":
        return expit(A)
    if act == "tanh":
        return np.tanh(A)
    if act == "relu":
        return np.where(A > 0, A, 0.0)
    if act == "leaky_relu":
        return np.where(A > 0, A, slope * A)
    if act == "linear":
        return A
    if act == "softmax":
        Z = A - A.max(axis=1, keepdims=True)
        E = np.exp(Z)
        return E / E.sum(axis=1, keepdims=True)
    raise Invalid(act)


def _dg(act, A, H, slope):
    if act == "sigmoid":
        return H * (1 - H)
    if act == "tanh":
        return 1 - H * H
    if act == "relu":
        return (A > 0).astype(float)                    # relu'(0) = 0, as torch
    if act == "leaky_relu":
        return np.where(A > 0, 1.0, slope)
    return np.ones_like(A)


def _ff_loss(H, A, Y, loss, out_act, sq, red):
    """The loss (mean or sum over the examples), dL/dH for the squared error, and the batch scale. The
    cross-entropy is computed from the output pre-activations A (log-softmax, softplus), never from a
    rounded 0 or 1."""
    N = H.shape[0]
    dH = None
    if loss == "mse":
        r = H - Y
        per = {"half": 0.5 * (r * r).sum(axis=1), "sum": (r * r).sum(axis=1), "mean": (r * r).mean(axis=1)}[sq]
        dH = {"half": r, "sum": 2 * r, "mean": 2 * r / H.shape[1]}[sq]
    elif out_act == "softmax":
        per = -(Y * log_softmax(A, axis=1)).sum(axis=1)
    else:
        per = (np.logaddexp(0.0, A) - Y * A).sum(axis=1)          # -(y log s + (1 - y) log(1 - s)), s = sigmoid(a)
    L = per.mean() if red == "mean" else per.sum()
    scale = 1 / N if red == "mean" else 1.0
    return float(L), dH, scale


def _layer_keys(p) -> dict:
    """The network as W1, b1, act1, W2, ... whether given so or as `layers` (a list of {"W", "b", "act"} or the
    text form "W = 0.2 -0.1; 0.5 0.3 | b = 0.1 -0.1 | act = sigmoid", one layer per line)."""
    layers = p.get("layers")
    if layers is None:
        return p
    if isinstance(layers, str):
        parsed = []
        for line in layers.splitlines():
            if line.strip():
                parts = (part.split("=", 1) for part in line.split("|"))
                parsed.append({k.strip(): v.strip() for k, v in parts})
        layers = parsed
    out = {k: v for k, v in p.items() if k != "layers"}
    for k, lay in enumerate(layers, 1):
        for key in ("W", "b", "act"):
            if lay.get(key) is not None:
                out[f"{key}{k}"] = lay[key]
    return out


def feedforward_expected(p, conv) -> dict:
    p = _layer_keys(p)
    X = np.array(matrix(p["x"]), dtype=float)
    forward_only = p.get("y") is None                  # no target: the forward pass and the output only
    Y = np.array(matrix(p["y"]), dtype=float) if not forward_only else None
    single = X.shape[0] == 1 and not (isinstance(p["x"], list) and p["x"] and isinstance(p["x"][0], list)) \
        and not (isinstance(p["x"], str) and (";" in p["x"] or "[[" in p["x"]))
    layout = conv.get("weight_layout", "out_in")
    loss = str(p.get("loss") or "mse")
    loss = {"squared": "mse", "squared_error": "mse", "cross_entropy": "ce", "cross-entropy": "ce", "nll": "ce",
            "bce": "ce"}.get(loss, loss)
    eta, slope = get(p, "eta", 0.1), get(p, "leaky_slope", 0.01)
    sq, red = conv.get("squared_error", "half"), conv.get("reduction", "mean")
    typed, acts = [], []
    k = 1
    while p.get(f"W{k}") is not None:
        typed.append(np.array(matrix(p[f"W{k}"]), dtype=float))
        act = str(p.get(f"act{k}") or "sigmoid").lower()
        acts.append(ACTS.get(act, act))
        k += 1
    L = len(typed)
    if L == 0:
        raise Invalid("no layers")

    def build(lay):
        """(weights as n_i x n_(i-1), biases, X, single) under a layout, or None when the shapes do not fit."""
        Ws = [W.T if lay == "in_out" else W for W in typed]
        sizes = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
        if any(W.shape[1] != sizes[i] for i, W in enumerate(Ws)):
            return None
        bs = []
        for i in range(L):
            b = p.get(f"b{i + 1}")
            bs.append(np.array(vector(b), dtype=float) if b is not None else np.zeros(sizes[i + 1]))
            if len(bs[-1]) != sizes[i + 1]:
                return None
        X1, one = X, single
        if X.shape[1] != sizes[0]:
            if X.shape[1] == 1 and X.shape[0] == sizes[0]:
                X1, one = X.T, True                        # one example typed as a column
            else:
                return None
        return Ws, bs, X1, one, sizes

    built = build(layout)
    if built is None:
        layout = "in_out" if layout == "out_in" else "out_in"   # the family reads the other layout when only it fits
        built = build(layout)
    if built is None:
        raise Invalid("layer shapes")
    Ws, bs, X, single, sizes = built
    if any(a == "softmax" for a in acts[:-1]):
        raise Invalid("softmax only at the output")

    def forward(Ws, bs):
        As, Hs = [], [X]
        for W, b, act in zip(Ws, bs, acts):
            A = Hs[-1] @ W.T + b
            As.append(A)
            Hs.append(_g(act, A, slope))
        return As, Hs

    def shape(M):
        return list(M[0]) if single else M.tolist()

    weights = [W.size for W in Ws]
    out: dict[str, Any] = {"layers": L, "neurons": sum(sizes[1:]), "weights": sum(weights), "biases": sum(sizes[1:]),
                           "params": sum(weights) + sum(sizes[1:]),
                           "params_per_layer": [w + s for w, s in zip(weights, sizes[1:])]}
    As, Hs = forward(Ws, bs)
    for i in range(L):
        out[f"a{i + 1}"] = shape(As[i])
        out[f"h{i + 1}"] = shape(Hs[i + 1])
    if forward_only:
        out["output"] = shape(Hs[-1])
        return out
    if Y.shape[1] != sizes[-1] and Y.shape[1] == 1 and Y.shape[0] == sizes[-1]:
        Y = Y.T
    if Y.shape != (X.shape[0], sizes[-1]):
        raise Invalid("y has one row per example, one entry per output unit")
    if loss == "ce" and (acts[-1] not in ("softmax", "sigmoid") or np.any((Y < 0) | (Y > 1))):
        raise Invalid("cross-entropy after softmax or sigmoid, targets in [0, 1]")
    lossv, dH, scale = _ff_loss(Hs[-1], As[-1], Y, loss, acts[-1], sq, red)
    # dL/dA of the output layer
    H, A = Hs[-1], As[-1]
    if loss == "ce" and acts[-1] == "softmax":
        dA = H * Y.sum(axis=1, keepdims=True) - Y
    elif loss == "ce":
        dA = H - Y
    elif acts[-1] == "softmax":
        dA = H * (dH - (dH * H).sum(axis=1, keepdims=True))           # J^T dH with J = diag(h) - h h^T
    else:
        dA = dH * _dg(acts[-1], A, H, slope)
    dA = dA * scale
    gW, gb = [None] * L, [None] * L
    for i in range(L - 1, -1, -1):
        gW[i] = dA.T @ Hs[i]
        gb[i] = dA.sum(axis=0)
        if i:
            dA = (dA @ Ws[i]) * _dg(acts[i - 1], As[i - 1], Hs[i], slope)
    newW = [W - eta * g for W, g in zip(Ws, gW)]
    # the update convention: every parameter, or the weights only (the biases stay as given)
    newb = list(bs) if conv.get("update") == "weights_only" else [b - eta * g for b, g in zip(bs, gb)]
    An, Hn = forward(newW, newb)
    new_loss, _, _ = _ff_loss(Hn[-1], An[-1], Y, loss, acts[-1], sq, red)

    def lay(M):
        return (M.T if layout == "in_out" else M).tolist()

    out.update({"loss": lossv, "y_hat_new": shape(Hn[-1]), "new_loss": new_loss})
    for i in range(L):
        out[f"grad_W{i + 1}"] = lay(gW[i])
        out[f"grad_b{i + 1}"] = list(gb[i])
        out[f"W{i + 1}_new"] = lay(newW[i])
        out[f"b{i + 1}_new"] = list(newb[i])
    return out


def feedforward_draw(rng) -> dict:
    L = int(rng.integers(1, 4))
    loss = str(rng.choice(["mse", "ce"]))
    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
    out_act = str(rng.choice(["softmax", "sigmoid"])) if loss == "ce" else str(rng.choice(hidden + ["softmax"]))
    sizes = [int(rng.integers(1, 4)) for _ in range(L + 1)]
    N = int(rng.integers(1, 4))
    inst: dict[str, Any] = {"x": (rng.integers(-10, 11, size=(N, sizes[0])) / 10).tolist(), "loss": loss,
                            "eta": float(rng.choice([0.1, 0.5, 1.0]))}
    if out_act == "softmax" or (loss == "ce" and rng.random() < 0.5):
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=N)]
    elif loss == "ce":
        Y = rng.integers(0, 2, size=(N, sizes[-1])).astype(float)
    else:
        Y = rng.integers(-10, 11, size=(N, sizes[-1])) / 10
    inst["y"] = Y.tolist()
    for k in range(L):
        inst[f"W{k + 1}"] = (rng.integers(-10, 11, size=(sizes[k + 1], sizes[k])) / 10).tolist()
        if rng.random() < 0.8:
            inst[f"b{k + 1}"] = (rng.integers(-5, 6, size=sizes[k + 1]) / 10).tolist()
        inst[f"act{k + 1}"] = out_act if k == L - 1 else str(rng.choice(hidden))
    if rng.random() < 0.2:
        inst["leaky_slope"] = float(rng.choice([0.1, 0.2]))
    return inst


FEEDFORWARD = Ref(expected=feedforward_expected, draw=feedforward_draw,
                  source="the forward pass and textbook backpropagation in NumPy (softmax's Jacobian written out)",
                  edges=({"x": [[0.0, 0.0]], "y": [[1.0]], "W1": [[0.0, 0.0]], "act1": "relu", "loss": "mse"},
                         {"x": [1.0, 2.0], "y": [0.0, 1.0], "W1": [[100.0, 0.0], [0.0, -100.0]], "act1": "softmax",
                          "loss": "ce", "eta": 1.0},
                         {"x": [[0.30000000000000004], [1e-8]], "y": [[1.0], [0.0]], "W1": [[1e6]], "act1": "sigmoid",
                          "loss": "ce"},
                         {"x": [1.0], "y": [2.0], "W1": [[1.0], [1.0]], "act1": "leaky_relu", "b1": [-1.0, 0.0],
                          "W2": [[1.0, 1.0]], "act2": "linear"},
                         {"x": "1 0.5", "layers": "W = 0.2 -0.1; 0.5 0.3 | b = 0.1 -0.1 | act = tanh\n"
                                                  "W = 0.3 -0.2 | act = sigmoid"},                    # forward only
                         ({"x": [[1.0, 0.5], [0.0, -1.0]], "y": [[1.0], [0.0]], "W1": [[0.2, -0.1]], "b1": [0.3],
                           "act1": "sigmoid", "eta": 0.5}, {"update": "weights_only"})))


# ---- linear regression --------------------------------------------------------------------------------------
def linear_regression_expected(p, conv) -> dict:
    X = np.array(matrix(p["X"]), dtype=float)
    y = np.array(vector(p["y"]), dtype=float)
    if X.shape[0] == 1 and X.shape[1] == len(y) and len(y) > 1:
        X = X.T                                           # '2 3 5 7 9': one feature, one value per point
    N = X.shape[0]
    if len(y) != N:
        raise Invalid("one target per row")
    icpt = boolean(p.get("intercept", True))
    first = conv.get("intercept_position", "first") == "first"
    Xh = X
    if icpt:
        ones = np.ones((N, 1))
        Xh = np.hstack([ones, X]) if first else np.hstack([X, ones])
    lossk = conv.get("loss", "half-sse")
    c = {"half-sse": 1.0, "sse": 2.0, "mse": 2.0 / N}[lossk]

    def loss(th):
        r = Xh @ th - y
        return {"half-sse": 0.5, "sse": 1.0, "mse": 1.0 / N}[lossk] * float(r @ r)

    method = p.get("method") or "normal"
    sc = max(1.0, float(np.abs(Xh).max()), float(np.abs(y).max()))
    out: dict[str, Any] = {}
    if method == "normal":
        if np.linalg.matrix_rank(Xh) < Xh.shape[1]:
            return {STATUS: "undefined"}
        th, *_ = np.linalg.lstsq(Xh, y, rcond=None)
        r = y - Xh @ th
        cond = np.linalg.cond(Xh)
        out["theta"] = Approx(list(th), rtol=1e-9 * max(1.0, cond), atol=1e-12 * sc * cond)
        out["sse"] = Approx(float(r @ r), atol=1e-9 * sc * sc * max(1.0, cond))
        if p.get("level") is not None and X.shape[1] == 1 and icpt:
            a, b = (th[1], th[0]) if first else (th[0], th[1])
            if a != 0:
                out["x_at_level"] = Approx((get(p, "level") - b) / a, rtol=1e-9 * max(1.0, cond))
        return out
    th = np.array(vector(p["theta"]), dtype=float) if p.get("theta") is not None else np.zeros(Xh.shape[1])
    if len(th) != Xh.shape[1]:
        raise Invalid("theta has one entry per column of the design matrix")
    grad = c * Xh.T @ (Xh @ th - y)
    if method == "evaluate":
        pred = Xh @ th
        return {"loss": loss(th), "gradient": list(grad), "predictions": list(pred), "residuals": list(y - pred),
                "squared_errors": list((y - pred) ** 2)}
    out["loss_initial"] = loss(th)
    out["gradient"] = list(grad)
    lr = get(p, "lr", 0.01)
    trace = []
    for e in range(int(get(p, "epochs", 1.0))):
        g = c * Xh.T @ (Xh @ th - y)
        before, lv = list(th), loss(th)
        th = th - lr * g
        trace.append({"epoch": e + 1, "theta_before": before, "loss": lv, "gradient": list(g), "theta_after": list(th)})
    out["theta"] = list(th)
    out["trace"] = trace
    out["loss_final"] = loss(th)
    return out


def linear_regression_draw(rng) -> dict:
    N, d = int(rng.integers(2, 7)), int(rng.integers(1, 3))
    X = rng.integers(-5, 10, size=(N, d)).astype(float)
    y = (X @ rng.integers(-3, 4, size=d) + rng.integers(-2, 3, size=N)).astype(float)
    out: dict[str, Any] = {"X": X.tolist(), "y": y.tolist()}
    m = str(rng.choice(["normal", "gd", "evaluate"]))
    out["method"] = m
    if m != "normal":
        out["theta"] = [float(v) for v in rng.choice([0.0, 0.5, -1.0], size=d + 1)]
        out["lr"] = float(rng.choice([0.01, 0.001]))
        out["epochs"] = int(rng.integers(1, 4))
    elif d == 1 and rng.random() < 0.4:
        out["level"] = float(rng.choice([0.5, 2.0]))
    if rng.random() < 0.2:
        out["intercept"] = False
        if "theta" in out:
            out["theta"] = out["theta"][:d]
    return out


LINEAR_REGRESSION = Ref(expected=linear_regression_expected, draw=linear_regression_draw,
                        source="numpy.linalg.lstsq; the gradient c X^T (X theta - y) with c = 1, 2 or 2/N by the loss",
                        edges=({"X": [[1, 2], [2, 4], [3, 6]], "y": [1, 2, 2]}, {"X": [[1], [2], [3]], "y": [1, 2, 2], "level": 1.5},
                               {"X": [[1e6], [2e6], [3e6]], "y": [1, 2, 3.30000000000000004]}, {"X": [[1]], "y": [5]},
                               {"X": [[0.30000000000000004], [0.1]], "y": [1, 0], "method": "gd", "lr": 0.1, "epochs": 3}))


# ---- linear separability ---------------------------------------------------------------------------------
A000609 = {0: 2, 1: 4, 2: 14, 3: 104, 4: 1882, 5: 94572, 6: 15028134, 7: 8378070864, 8: 17561539552946,
           9: 144130531453121108}
NAMES = {"MAJ": "MAJORITY", "PARITY": "XOR", "!XOR": "XNOR", "NXOR": "XNOR", "EQUIV": "XNOR"}


def truth_table(fn, n: int | None) -> tuple[int, list[int]]:
    """(n, outputs over the 2^n rows, x1 the most significant bit) for a name, a table or a sum(x) rule."""
    if isinstance(fn, (list, tuple)):
        bits = [int(v) for v in fn]
        return len(bits).bit_length() - 1, bits
    text = str(fn).strip()
    up = NAMES.get(text.upper(), text.upper())
    if re.fullmatch(r"[01](?:[\s,]+[01])*", text):
        bits = [int(v) for v in re.split(r"[\s,]+", text)]
        if len(bits) & (len(bits) - 1):
            raise Invalid("a truth table has 2^n entries")
        return len(bits).bit_length() - 1, bits
    m = re.fullmatch(r"sum\(x\)\s*(>=|<=|>|<|==|!=)\s*(-?\d+)", text)
    if up in ("AND", "OR", "NAND", "NOR", "XOR", "XNOR", "MAJORITY"):
        n = n or 2
    elif m:
        if n is None:
            raise Invalid("sum(x) needs n")
    else:
        raise Skip("a rule this reference does not parse")
    rows = [[(r >> (n - 1 - j)) & 1 for j in range(n)] for r in range(2 ** n)]
    out = []
    for row in rows:
        s = sum(row)
        if m:
            k = int(m.group(2))
            v = {">=": s >= k, "<=": s <= k, ">": s > k, "<": s < k, "==": s == k, "!=": s != k}[m.group(1)]
        else:
            v = {"AND": s == n, "OR": s >= 1, "NAND": s < n, "NOR": s == 0, "XOR": s % 2 == 1, "XNOR": s % 2 == 0,
                 "MAJORITY": 2 * s > n}[up]
        out.append(int(v))
    return n, out


def _rows(n):
    return [[(r >> (n - 1 - j)) & 1 for j in range(n)] for r in range(2 ** n)]


def separability_expected(p, conv) -> dict:
    out: dict[str, Any] = {}
    bias = boolean(p.get("bias", True))
    if p.get("function") is not None:
        n0 = int(get(p, "n")) if p.get("n") is not None else None
        n, y = truth_table(p["function"], n0)
        if n0 is not None and n0 != n:
            raise Invalid("n differs from the table")
        X = np.array(_rows(n), dtype=float)
        out["functions_count"] = 2 ** (2 ** n)
        if n in A000609:
            out["separable_count"] = A000609[n]
    else:
        X = np.array(matrix(p["X"]), dtype=float)
        y = [int(v) for v in vector(p["y"])]
        if len(y) != len(X) or any(v not in (0, 1) for v in y):
            raise Invalid("0/1 labels, one per point")
    out["inequalities"] = [{"x": list(r), "class": int(t)} for r, t in zip(X.tolist(), y)]
    Xh = np.hstack([np.ones((len(X), 1)), X]) if bias else X
    s = np.array([1.0 if v == 1 else -1.0 for v in y])
    rule = conv.get("firing_rule", ">=")
    if p.get("w") is not None:
        w = np.array(vector(p["w"]), dtype=float)
        if len(w) != Xh.shape[1]:
            raise Invalid("one weight per input (and the bias)")
        scores = Xh @ w
        if rule == "strict":
            wrong = [(sc <= 0) if t == 1 else (sc >= 0) for sc, t in zip(scores, y)]
        else:
            fire = scores >= 0 if rule == ">=" else scores > 0
            wrong = [int(f) != t for f, t in zip(fire, y)]
        out.update(scores=list(scores), errors=int(sum(wrong)), all_satisfied=not any(wrong))
    # separable iff some w has s_i (w . x_i) >= 1: minimise sum |w_j| = sum (u_j + v_j), w = u - v
    d = Xh.shape[1]
    A = -(s[:, None] * Xh)
    res = linprog(np.ones(2 * d), A_ub=np.hstack([A, -A]), b_ub=-np.ones(len(s)), bounds=[(0, None)] * (2 * d), method="highs")
    sep = res.status == 0
    out["separable"] = bool(sep)
    if sep:
        out["max_errors"] = len(y)
        best = float(res.fun)
        out["separating_w"] = Property(_separating_check(Xh, s, best), f"s_i (w . x_i) >= 1 for every point, w a multiple "
                                                                       f"of a smallest sum |w_j| = {best:.10g} (scipy's linprog)")
    else:
        out["certificate"] = Property(_farkas_check(Xh, s), "lambda >= 0, not all 0, with sum_i lambda_i s_i x_i = 0")
    return out


def _separating_check(Xh, s, best):
    def check(w, answers):
        w = np.array(w, dtype=float)
        margin = (s * (Xh @ w)).min()
        if margin < 1 - 1e-9:
            return f"min s_i (w . x_i) = {margin:.6g} < 1"
        # the exact path scales the optimum to small integers (AND: (-3, 2, 2)): w / sum |w_j| * best must
        # still separate with margin 1, i.e. w is a positive multiple of a smallest-sum |w_j| solution
        l1 = np.abs(w).sum()
        if (s * (Xh @ (w * best / l1))).min() < 1 - 1e-9:
            return f"sum |w_j| = {l1:.10g} is not a multiple of a smallest solution (smallest sum |w_j| = {best:.10g})"
        return None

    return check


def _farkas_check(Xh, s):
    def check(lam, answers):
        lam = np.array(lam, dtype=float)
        if lam.shape != s.shape or np.any(lam < 0) or not np.any(lam > 0):
            return "lambda must be >= 0 and not all 0, one per point"
        r = np.abs((lam * s) @ Xh).max()
        return None if r <= 1e-9 * max(1.0, lam.max()) else f"|sum lambda_i s_i x_i| = {r:.3g}"

    return check


def separability_draw(rng) -> dict:
    if rng.random() < 0.5:
        n = int(rng.integers(1, 5))
        fn = str(rng.choice(["AND", "OR", "NAND", "NOR", "XOR", "XNOR", "majority", "table", f"sum(x) >= {int(rng.integers(0, n + 1))}"]))
        if fn == "table":
            fn = " ".join(str(int(v)) for v in rng.integers(0, 2, size=2 ** n))
        out: dict[str, Any] = {"function": fn, "n": n}
        if rng.random() < 0.6:
            out["w"] = [float(v) for v in rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5], size=n + 1)]
        return out
    k = int(rng.integers(1, 8))
    out = {"X": rng.integers(-3, 4, size=(k, 2)).tolist(), "y": [int(v) for v in rng.integers(0, 2, size=k)]}
    if rng.random() < 0.3:
        out["bias"] = False
    if rng.random() < 0.4:
        out["w"] = [float(v) for v in rng.choice([-1.0, 0.0, 1.0, 0.5], size=3 if out.get("bias", True) else 2)]
    return out


LINEAR_SEPARABILITY = Ref(expected=separability_expected, draw=separability_draw, exact_only=("separating_w", "certificate"),
                          source="scipy.optimize.linprog (HiGHS) for the smallest-L1 separating w; Farkas's lemma "
                                 "checked on the certificate; OEIS A000609 for the count of separable functions",
                          edges=({"function": "XOR"}, {"function": "NAND", "w": [1, -0.5, -0.7]},
                                 {"function": "AND", "n": 4}, {"X": [[0, 0], [1, 1]], "y": [1, 1], "bias": False},
                                 {"X": [[0, 0], [0, 0]], "y": [1, 0]}, {"function": "0 0 0 0", "w": [0, 0, 0]}))


# ---- McCulloch-Pitts neuron ----------------------------------------------------------------------------------
def mp_expected(p, conv) -> dict:
    n0 = int(get(p, "n")) if p.get("n") is not None else None
    Q = [[int(v) if v in (0, 1) else -1 for v in r] for r in matrix(p["x"])] if p.get("x") is not None else None
    if Q is not None and (any(v not in (0, 1) for r in Q for v in r) or len({len(r) for r in Q}) != 1):
        raise Invalid("inputs x are rows of 0/1")
    if p.get("function") is None:
        if n0 is None:
            n0 = len(Q[0]) if Q is not None else (len(matrix(p["pairs"])[0]) - 1 if p.get("pairs") is not None else None)
        if n0 is None or p.get("theta") is None:
            raise Invalid("a function, or a neuron (theta) and inputs to evaluate")
        n, f = n0, None
    else:
        n, f = truth_table(p["function"], n0)
    if Q is not None and (len(Q[0]) != n or p.get("theta") is None):
        raise Invalid("inputs x have n entries and need theta")
    rows = _rows(n)
    inh = [int(v) - 1 for v in vector(p["inhibitory"])] if p.get("inhibitory") is not None else []
    if any(not 0 <= i < n for i in inh):
        raise Invalid("inhibitory inputs among 1..n")
    exc = [j for j in range(n) if j not in inh]
    gt = conv.get("firing_rule", ">=") == ">"

    def neuron(row, th):
        if any(row[i] for i in inh):
            return 0
        g = sum(row[j] for j in exc)
        return int(g > th if gt else g >= th)

    def consistent(th):
        pairs = matrix(p["pairs"])
        if any(len(r) != n + 1 for r in pairs):
            raise Invalid("pairs: n inputs and the output")
        return [neuron([int(v) for v in r[:n]], th) == int(r[n]) for r in pairs]

    if f is None:                                  # no function: the neuron evaluated on the inputs (or all 2^n)
        th = get(p, "theta")
        out: dict[str, Any] = {}
        if Q is not None or p.get("pairs") is None:
            outs = [neuron(r, th) for r in (Q if Q is not None else rows)]
            out.update(outputs=outs, fires=sum(outs))
        if p.get("pairs") is not None:
            out["consistent"] = consistent(th)
        return out

    lo = int(get(p, "theta_min", 0.0))
    hi = int(get(p, "theta_max")) if p.get("theta_max") is not None else len(exc) + 1
    out: dict[str, Any] = {"truth_table": [{"x": row, "sum": sum(row[j] for j in exc), "inhibited": any(row[i] for i in inh),
                                            "f": t} for row, t in zip(rows, f)]}
    if hi >= lo:
        out["ncc"] = [sum(neuron(r, th) == t for r, t in zip(rows, f)) for th in range(lo, hi + 1)]
    # g is an integer in 0..m: theta = 0..m+1 (>=) or -1..m (>) are every distinct neuron
    cand = range(-1, len(exc) + 1) if gt else range(0, len(exc) + 2)
    ok = [th for th in cand if all(neuron(r, th) == t for r, t in zip(rows, f))]
    out["implementable"] = bool(ok)
    out["thetas"] = ok
    if p.get("theta") is not None:
        th = get(p, "theta")
        outs = [neuron(r, th) for r in rows]
        out["outputs"] = outs
        out["errors"] = sum(o != t for o, t in zip(outs, f))
        if p.get("pairs") is not None:
            out["consistent"] = consistent(th)
        if Q is not None:                          # the given inputs, next to the truth table's outputs
            out["x_outputs"] = [neuron(r, th) for r in Q]
            out["fires"] = sum(out["x_outputs"])
    return out


def mp_draw(rng) -> dict:
    n = int(rng.integers(1, 5))
    fn = str(rng.choice(["AND", "OR", "NAND", "NOR", "XOR", "majority", "table", f"sum(x) >= {int(rng.integers(0, n + 2))}"]))
    if fn == "table":
        fn = " ".join(str(int(v)) for v in rng.integers(0, 2, size=2 ** n))
    out: dict[str, Any] = {"function": fn, "n": n, "theta_min": int(rng.integers(-2, 2)), "theta_max": int(rng.integers(1, n + 3)),
                           "theta": float(rng.choice([0.0, 1.0, 1.5, 2.0, float(n), -1.0]))}
    if rng.random() < 0.3:
        out["inhibitory"] = [int(rng.integers(1, n + 1))]
    if rng.random() < 0.5:
        out["pairs"] = rng.integers(0, 2, size=(2, n + 1)).tolist()
    if rng.random() < 0.4:
        out["x"] = rng.integers(0, 2, size=(int(rng.integers(1, 4)), n)).tolist()
        if rng.random() < 0.5:
            del out["function"], out["theta_min"], out["theta_max"]          # the neuron alone
    return out


MP_NEURON = Ref(expected=mp_expected, draw=mp_draw, source="the McCulloch-Pitts rule (absolute inhibition, g(x) >= theta "
                "or > theta) evaluated on every row of the truth table",
                edges=({"function": "OR", "n": 3, "theta_min": 0, "theta_max": 5}, {"function": "XOR", "n": 2, "theta": 1},
                       {"function": "AND", "n": 1, "theta_min": -3, "theta_max": 3, "theta": 0.30000000000000004},
                       {"function": "NOR", "n": 2, "inhibitory": [1, 2], "theta_min": 0, "theta_max": 2},
                       {"x": "1 0 1; 0 0 0; 1 1 1", "theta": 2},                          # the neuron on given inputs
                       ({"x": [[1, 0], [1, 1], [0, 1]], "theta": 1, "inhibitory": [2]}, {"firing_rule": ">"}),
                       {"n": 2, "theta": 1.5},                                              # every input
                       {"n": 2, "theta": 0, "pairs": [[0, 0, 1], [1, 1, 0]]},
                       {"function": "OR", "n": 3, "theta": 1, "x": "1 0 0; 0 0 0"}))


# ---- parameter counts ---------------------------------------------------------------------------------------
def param_count_expected(p, conv) -> dict:
    structure = p.get("structure") or "mlp"
    nbytes = int(get(p, "bytes", 4.0))
    out: dict[str, Any] = {}
    if structure == "mlp":
        sizes = [int(v) for v in vector(p["layers"] if p.get("layers") is not None else [3, 4, 2])]
        bias = boolean(p.get("bias", True))
        wpl = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
        neurons = sum(sizes[1:])
        W, B = sum(wpl), (neurons if bias else 0)
        out.update(weights_per_layer=wpl, layers=len(wpl), neurons=neurons, weights=W, biases=B)
    elif structure == "towers":
        n, d = int(get(p, "towers", 1.0)), int(get(p, "tower_dim", 1.0))
        if d == 1:
            hidden, W = 2 * n, 2 * n + 2 * n
        else:
            hidden, W = (2 * d + 1) * n, n * (2 * d * d + 2 * d) + n
        B = hidden + 1
        out.update(hidden_neurons=hidden, neurons=hidden + 1, weights=W, biases=B)
    else:
        if p.get("count") is None:
            raise Invalid("a count")
        P = int(get(p, "count"))
        out["memory_bytes"] = P * nbytes
        W = B = None
    if structure != "count":
        P = W + B
        out["parameters"] = P
        out["connections"] = W + B if conv.get("connections", "edges") == "with-bias" else W
        out["memory_bytes"] = P * nbytes
    if boolean(p.get("hessian", False)):
        out.update(hessian_entries=P * P, hessian_bytes=P * P * nbytes, hessian_tb=P * P * nbytes / 1e12,
                   hessian_tib=P * P * nbytes / 2 ** 40)
    return out


def param_count_draw(rng) -> dict:
    s = str(rng.choice(["mlp", "mlp", "towers", "count"]))
    out: dict[str, Any] = {"structure": s}
    if s == "mlp":
        out["layers"] = [int(v) for v in rng.choice([1, 2, 3, 4, 10, 784, 10 ** 6], size=int(rng.integers(2, 5)))]
        out["bias"] = bool(rng.random() < 0.7)
    elif s == "towers":
        out["towers"], out["tower_dim"] = int(rng.integers(1, 20)), int(rng.integers(1, 4))
    else:
        out["count"] = int(rng.choice([1, 1000, 10 ** 6, 10 ** 9]))
    out["hessian"] = bool(rng.random() < 0.4)
    if rng.random() < 0.3:
        out["bytes"] = int(rng.choice([1, 2, 8]))
    return out


PARAM_COUNT = Ref(expected=param_count_expected, draw=param_count_draw,
                  source="n_in n_out weights and n_out biases per layer; notes 000's tower construction counted out",
                  edges=({"structure": "mlp", "layers": [3, 4, 2]}, {"structure": "towers", "towers": 3, "tower_dim": 2},
                         {"structure": "towers", "towers": 2, "tower_dim": 1},
                         {"structure": "count", "count": 10 ** 6, "hessian": True},
                         {"structure": "mlp", "layers": [10 ** 6, 10 ** 6], "hessian": True}))


# ---- perceptron ------------------------------------------------------------------------------------------------
def perceptron_expected(p, conv) -> dict:
    def fr(v):
        return Fraction(repr(float(v)))

    first = conv.get("bias_position", "first") == "first"

    def aug(r, bias):                                       # the constant input 1 first or last
        return ([Fraction(1)] + r if first else r + [Fraction(1)]) if bias else r

    fires_ge = conv.get("firing_rule", ">=") == ">="
    bias = boolean(p.get("bias", True))
    Q = [[fr(v) for v in r] for r in matrix(p["classify"])] if p.get("classify") is not None else None
    out: dict[str, Any] = {}
    if p.get("X") is None:                                  # no training: classify with the given weights
        if p.get("w0") is None or Q is None or p.get("y") is not None:
            raise Invalid("training points X with labels y, or weights w0 and points to classify")
        w = [fr(v) for v in vector(p["w0"])]
        if len(w) == len(Q[0]):
            bias = False                                    # one weight per input: there is no bias
        d = len(Q[0]) + (1 if bias else 0)
        if len(w) != d:
            raise Invalid("w0 has one entry per input (and the bias)")
    else:
        X = [aug([fr(v) for v in r], bias) for r in matrix(p["X"])]
        labels = [float(v) for v in vector(p["y"])] if p.get("y") is not None else None
        if labels is None or len(labels) != len(X) or not (set(labels) <= {0.0, 1.0} or set(labels) <= {-1.0, 1.0}):
            raise Invalid("0/1 (or -1/+1) labels, one per point")
        y = [1 if v == 1 else 0 for v in labels]
        d = len(X[0])
        w = [fr(v) for v in vector(p["w0"])] if p.get("w0") is not None else [Fraction(0)] * d
        if len(w) != d:
            raise Invalid("w0 has one entry per input (and the bias)")
        lr = Fraction(repr(get(p, "lr", 1.0)))
        max_epochs = int(get(p, "max_epochs", 100.0))
        sk = conv.get("update_rule", "classic") == "sklearn"
        updates, epochs, converged = 0, 0, False
        trace = []
        while epochs < max_epochs:
            epochs += 1
            mistakes = 0
            for k, (xi, yi) in enumerate(zip(X, y), start=1):
                s = sum(a * b for a, b in zip(w, xi))
                before = w
                if sk:
                    t = 1 if yi == 1 else -1
                    if t * s <= 0:
                        w = [a + lr * t * b for a, b in zip(w, xi)]
                        mistakes += 1
                else:
                    yh = int(s >= 0 if fires_ge else s > 0)
                    if yh != yi:
                        w = [a + lr * (yi - yh) * b for a, b in zip(w, xi)]
                        mistakes += 1
                trace.append({"epoch": epochs, "point": k, "w_before": [float(v) for v in before], "score": float(s),
                              "update": w is not before, "w_after": [float(v) for v in w]})
            updates += mistakes
            if mistakes == 0:
                converged = True
                break
        out.update({"w": [float(v) for v in w], "epochs": epochs, "updates": updates, "converged": converged,
                    "trace": trace})
    if Q is not None:
        preds, scores = [], []
        for r in Q:
            xr = aug(r, bias)
            if len(xr) != d:
                raise Invalid("classify points have the inputs' length")
            s = sum(a * b for a, b in zip(w, xr))
            scores.append(float(s))                         # the net input w.x, exact then rounded once
            preds.append(int(s >= 0 if fires_ge else s > 0))   # predictions follow the firing_rule convention
        out["predictions"], out["scores"] = preds, scores
    return out


def perceptron_draw(rng) -> dict:
    k, d = int(rng.integers(1, 7)), int(rng.integers(1, 4))
    out: dict[str, Any] = {"X": rng.integers(-4, 5, size=(k, d)).tolist(), "y": [int(v) for v in rng.integers(0, 2, size=k)],
                           "classify": rng.integers(-3, 4, size=(1, d)).tolist()}
    if rng.random() < 0.4:
        out["lr"] = float(rng.choice([0.1, 0.5, 0.30000000000000004]))
    if rng.random() < 0.3:
        out["bias"] = False
    if rng.random() < 0.3:
        out["w0"] = [float(v) for v in rng.choice([0.0, 1.0, -0.5], size=d + (0 if out.get("bias") is False else 1))]
    if rng.random() < 0.3:
        out["max_epochs"] = int(rng.choice([1, 3, 20]))
    if rng.random() < 0.2:
        out["y"] = [2 * v - 1 for v in out["y"]]                 # labels -1/+1
    if rng.random() < 0.2:                                      # no training: classify with given weights
        nb = int(rng.random() < 0.5)
        out = {"w0": [float(v) for v in rng.integers(-3, 4, size=d + nb) / 2],
               "classify": rng.integers(-3, 4, size=(int(rng.integers(1, 4)), d)).tolist()}
    return out


PERCEPTRON = Ref(expected=perceptron_expected, draw=perceptron_draw,
                 source="the perceptron rule run in exact fractions (notes 000's rule; scikit-learn's y (w.x) <= 0 update)",
                 edges=({"X": [[4, 1, 0], [-2, -1, 1], [-4, -4, -2], [3, 3, -4], [1, -4, 0], [0, 2, 4]],
                         "y": [0, 0, 0, 1, 0, 0], "lr": 0.1},
                        {"X": [[0, 0]], "y": [1]}, {"X": [[1, 1], [1, 1]], "y": [1, 0], "max_epochs": 5},
                        {"X": [[1e12, -1e12], [1e-8, 0.30000000000000004]], "y": [1, 0], "bias": False},
                        ({"X": "(-1,2), (0,-1), (2,1)", "y": "-1 1 -1", "classify": "(-2,0), (1, 1)"},
                         {"bias_position": "last", "update_rule": "sklearn"}),
                        ({"X": [[1, 2], [2, 0]], "y": [1, 0], "classify": [[0, 0]], "lr": 0.5},
                         {"bias_position": "last"}),
                        {"w0": "1 -0.5 -0.7", "classify": "(1, 1), (0, 0), (2, 2)"},              # classify only
                        ({"w0": [0.5, -1.0, 0.0], "classify": [[1.0, 0.5], [0.0, 0.0]]}, {"bias_position": "last",
                                                                                         "firing_rule": ">"}),
                        {"w0": [2.0, -1.0], "classify": [[1, 2], [0.30000000000000004, 0.6]]}))   # no bias: w.x = 0


# ---- sigmoid neuron ------------------------------------------------------------------------------------------------
def sigmoid_neuron_expected(p, conv) -> dict:
    X = np.array(matrix(p["x"]), dtype=float)
    w = np.array(vector(p["w"]), dtype=float)
    if p.get("y") is None:                               # no target: the forward pass only (z and the output)
        if X.shape[1] != len(w) and X.shape[0] == 1 and len(w) == 1:
            X = X.T                                      # '0 1 2' with one weight: one input per point
        if X.shape[1] != len(w):
            raise Invalid("shapes")
        z = X @ w + get(p, "b", 0.0)
        one = len(z) == 1
        return {"z": float(z[0]) if one else list(z), "y_hat": float(expit(z[0])) if one else list(expit(z))}
    y = np.array(vector(p["y"]), dtype=float)
    if X.shape[0] != len(y) and X.shape[0] == 1 and X.shape[1] == len(y):
        X = X.T                                          # '0 1 2': one input per point
    if X.shape[1] != len(w) or X.shape[0] != len(y):
        raise Invalid("shapes")
    b, eta, steps = get(p, "b", 0.0), get(p, "eta", 1.0), int(get(p, "steps", 1.0))
    loss = str(p.get("loss") or "mse")
    loss = {"squared": "mse", "se": "mse", "squared_error": "mse", "bce": "ce", "cross_entropy": "ce",
            "cross-entropy": "ce", "log": "ce"}.get(loss, loss)
    if loss == "ce" and np.any((y < 0) | (y > 1)):
        raise Invalid("targets in [0, 1]")
    half = conv.get("squared_error", "half") == "half"
    mean = conv.get("reduction", "sum") == "mean"
    N = len(y)

    def L(w, b):
        z = X @ w + b
        if loss == "mse":
            per = (0.5 if half else 1.0) * (expit(z) - y) ** 2
        else:
            per = np.logaddexp(0.0, z) - y * z
        return float(per.mean() if mean else per.sum())

    def grads(w, b):
        z = X @ w + b
        yh = expit(z)
        diff = np.where(y == 1, -expit(-z), np.where(y == 0, yh, yh - y))    # y_hat - y without cancellation
        dz = diff * yh * expit(-z) * (1 if half else 2) if loss == "mse" else diff
        if mean:
            dz = dz / N
        return X.T @ dz, float(dz.sum())

    z0 = X @ w + b
    g0 = grads(w, b)
    loss0 = L(w, b)
    for _ in range(steps):
        gw, gb = grads(w, b)
        w, b = w - eta * gw, b - eta * gb
    one = len(y) == 1
    sc = (lambda v: float(v[0]) if len(v) == 1 else list(v))
    out = {"z": sc(z0) if one else list(z0), "y_hat": sc(expit(z0)) if one else list(expit(z0)), "loss": loss0,
           "grad_w": sc(g0[0]), "grad_b": g0[1], "w": sc(w), "b": float(b), "new_loss": L(w, b)}
    yn = expit(X @ w + b)
    out["y_hat_new"] = sc(yn) if one else list(yn)
    return out


def sigmoid_neuron_draw(rng) -> dict:
    N, d = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    loss = str(rng.choice(["mse", "ce"]))
    if rng.random() < 0.15:                              # the forward pass only
        return {"x": (rng.integers(-6, 7, size=(N, d)) / 2).tolist(), "b": float(rng.choice([0.0, 0.5, -1.0])),
                "w": [float(v) for v in rng.choice([-1.0, 0.0, 2.0, 0.5, 40.0], size=d)]}
    return {"x": (rng.integers(-6, 7, size=(N, d)) / 2).tolist(), "y": [float(v) for v in rng.choice([0.0, 1.0, 0.2], size=N)],
            "w": [float(v) for v in rng.choice([-1.0, 0.0, 2.0, 0.5, 40.0], size=d)], "b": float(rng.choice([0.0, 0.5, -1.0])),
            "eta": float(rng.choice([0.1, 1.0, 10.0])), "steps": int(rng.integers(0, 4)), "loss": loss}


SIGMOID_NEURON = Ref(expected=sigmoid_neuron_expected, draw=sigmoid_neuron_draw,
                     source="y_hat = expit(w.x + b), the chain rule dL/dz = (y_hat - y) y_hat (1 - y_hat) (times 2 without "
                            "the 1/2) or y_hat - y, and the cross-entropy as softplus(z) - y z",
                     edges=({"x": "0", "y": "1", "w": "2", "b": "1", "eta": "10", "steps": "1"},
                            {"x": [[1.0]], "y": [0], "w": [120.0], "b": 0.0, "loss": "ce"},
                            {"x": [[0.30000000000000004, 1e-8]], "y": [1], "w": [1e6, -1e6], "steps": 2},
                            {"x": [[1.0], [2.0]], "y": [1, 0], "w": [0.5], "b": 0.1, "steps": 0},
                            {"x": "1 2; 0 1", "w": "0.5 -1", "b": "0.2"},               # forward only: no target
                            {"x": "0 1 2", "w": "2"}, {"x": [[800.0]], "w": [1.0], "b": -1e-8}))


REFERENCES = {"comp_graph": COMP_GRAPH, "feedforward": FEEDFORWARD, "linear_regression": LINEAR_REGRESSION,
              "linear_separability": LINEAR_SEPARABILITY, "mp_neuron": MP_NEURON, "param_count": PARAM_COUNT,
              "perceptron": PERCEPTRON, "sigmoid_neuron": SIGMOID_NEURON}
