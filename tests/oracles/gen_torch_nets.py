"""Generate PyTorch oracle fixtures for the network families (sigmoid_neuron, feedforward, comp_graph).

Run from the repository root:

    python tests/oracles/gen_torch_nets.py

Writes tests/fixtures/torch_nets.json. Requires torch 2.13.0 (CPU). Everything is float64 and
deterministic: the inputs are fixed numbers or drawn from a seeded NumPy generator and rounded to two
decimals (so Stepwise's exact path reads them exactly), and every recorded number is a loss, an output or
a gradient computed by torch.autograd.

Schema of torch_nets.json: `generator`, `torch_version`, `dtype`, `notes`, and three lists of cases,
each with an `id`:
- `feedforward`: `sizes` (units per layer, input first; from 1 to 6 layers), `acts`, `loss` ("mse" or "ce"), `squared_error`
  ("half", "sum", "mean"), `reduction` ("mean", "sum"), `eta`, `leaky_slope`, `x` and `y` (one row per
  example), `W` (out x in, torch's nn.Linear layout) and `b` per layer; `expected`: `loss`, `a` and `h`
  per layer (rows = examples), `grad_W`, `grad_b`, `new_loss` and `new_out` after one step W -= eta grad.
- `comp_graph`: `expr` (as a user types it; null for `builder: "layered"`, notes 002's 10 layers of 2
  nodes, built in the test), `values`, `output`, `grads` (name -> d output / d name), `paths` when known.
- `sigmoid_neuron`: `x` (rows), `y`, `w`, `b`, `eta`, `steps`, `loss`, `squared_error`, `reduction`;
  `first` (z, y_hat, loss, grad_w, grad_b at the start) and `final` (w, b, y_hat_new, new_loss).

The losses are written out with torch operations, independently of Stepwise:
- squared error per example: `half` 0.5 * sum_j (h_j - y_j)^2, `sum` sum_j (h_j - y_j)^2, `mean` the mean
  over the outputs (checked against F.mse_loss);
- cross-entropy after a softmax: -sum_j y_j log_softmax(a)_j (checked against F.cross_entropy with
  probability targets); after a sigmoid: F.binary_cross_entropy_with_logits summed over the outputs;
- a batch's loss is the mean (or the sum) of its examples' losses.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

EXPECTED_TORCH = "2.13.0"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "torch_nets.json"


def fl(t):
    return t.detach().tolist() if isinstance(t, torch.Tensor) else t


def r2(a):
    return np.round(np.asarray(a, dtype=np.float64), 2)


# ---------------------------------------------------------------------------------------------
# feedforward
# ---------------------------------------------------------------------------------------------

def act(name, a, slope):
    if name == "sigmoid":
        return torch.sigmoid(a)
    if name == "tanh":
        return torch.tanh(a)
    if name == "relu":
        return torch.relu(a)
    if name == "leaky_relu":
        return F.leaky_relu(a, negative_slope=slope)
    if name == "linear":
        return a
    if name == "softmax":
        return torch.softmax(a, dim=1)
    raise ValueError(name)


def per_example_loss(key, a_L, h, y):
    if key == "ce_softmax":
        per = -(y * F.log_softmax(a_L, dim=1)).sum(dim=1)
        assert torch.allclose(per, F.cross_entropy(a_L, y, reduction="none"), rtol=1e-13, atol=1e-14)
        return per
    if key == "ce_sigmoid":
        return F.binary_cross_entropy_with_logits(a_L, y, reduction="none").sum(dim=1)
    sq = ((h - y) ** 2)
    if key == "half":
        return 0.5 * sq.sum(dim=1)
    if key == "sum":
        return sq.sum(dim=1)
    return sq.mean(dim=1)


def net_loss(case, Ws, bs):
    X = torch.tensor(case["x"])
    Y = torch.tensor(case["y"])
    H = X
    As, Hs = [], []
    for W, b, g in zip(Ws, bs, case["acts"]):
        A = H @ W.T + b
        H = act(g, A, case["leaky_slope"])
        As.append(A)
        Hs.append(H)
    key = (("ce_softmax" if case["acts"][-1] == "softmax" else "ce_sigmoid") if case["loss"] == "ce"
           else case["squared_error"])
    per = per_example_loss(key, As[-1], Hs[-1], Y)
    loss = per.mean() if case["reduction"] == "mean" else per.sum()
    if key == "mean" and case["reduction"] == "mean":
        assert torch.allclose(loss, F.mse_loss(Hs[-1], Y), rtol=1e-13)
    return loss, As, Hs


def ff_case(rng, sizes, acts, loss, N, squared_error="half", reduction="mean", eta=0.5, slope=0.01):
    while True:
        X = r2(rng.uniform(-1, 1, size=(N, sizes[0])))
        Ws = [r2(rng.uniform(-1, 1, size=(sizes[k + 1], sizes[k]))) for k in range(len(sizes) - 1)]
        bs = [r2(rng.uniform(-0.5, 0.5, size=sizes[k + 1])) for k in range(len(sizes) - 1)]
        if loss == "ce" and acts[-1] == "softmax":
            Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=N)]
        elif loss == "ce":
            Y = rng.integers(0, 2, size=(N, sizes[-1])).astype(float)
        else:
            Y = r2(rng.uniform(-1, 1, size=(N, sizes[-1])))
        case = {"sizes": sizes, "acts": acts, "loss": loss, "squared_error": squared_error, "reduction": reduction,
                "eta": eta, "leaky_slope": slope, "x": X.tolist(), "y": Y.tolist(),
                "W": [W.tolist() for W in Ws], "b": [b.tolist() for b in bs]}
        tW = [torch.tensor(W, requires_grad=True) for W in Ws]
        tb = [torch.tensor(b, requires_grad=True) for b in bs]
        L, As, Hs = net_loss(case, tW, tb)
        # no ReLU-type unit at its kink, where the derivative is a convention
        if any(g in ("relu", "leaky_relu") and bool((A.abs() < 1e-9).any()) for g, A in zip(acts, As)):
            continue
        L.backward()
        with torch.no_grad():
            nW = [W - eta * W.grad for W in tW]
            nb = [b - eta * b.grad for b in tb]
            L2, _, Hs2 = net_loss(case, nW, nb)
        case["expected"] = {
            "loss": L.item(), "a": [fl(A) for A in As], "h": [fl(H) for H in Hs],
            "grad_W": [fl(W.grad) for W in tW], "grad_b": [fl(b.grad) for b in tb],
            "new_loss": L2.item(), "new_out": fl(Hs2[-1]),
        }
        return case


def feedforward_cases():
    rng = np.random.default_rng(20260601)
    specs = [
        # sizes, activations, loss, batch, squared_error, reduction
        ([3, 4, 2], ["sigmoid", "softmax"], "ce", 1, "half", "mean"),          # the family's example shape
        ([3, 3, 3, 2], ["sigmoid", "sigmoid", "softmax"], "ce", 1, "half", "mean"),  # notes 000's network
        ([3, 3, 3, 2], ["sigmoid", "sigmoid", "softmax"], "ce", 3, "half", "mean"),
        ([2, 3, 1], ["tanh", "sigmoid"], "ce", 1, "half", "mean"),
        ([2, 3, 2], ["relu", "sigmoid"], "ce", 2, "half", "sum"),
        ([2, 2, 1], ["sigmoid", "linear"], "mse", 1, "half", "mean"),
        ([2, 2, 1], ["sigmoid", "linear"], "mse", 1, "sum", "mean"),
        ([3, 2, 2], ["tanh", "linear"], "mse", 4, "mean", "mean"),
        ([3, 2, 2], ["leaky_relu", "tanh"], "mse", 2, "half", "sum"),
        ([1, 1], ["sigmoid"], "mse", 1, "half", "mean"),
        ([4, 3], ["linear"], "mse", 3, "half", "mean"),
        ([2, 4, 3], ["relu", "softmax"], "mse", 1, "half", "mean"),           # softmax with squared error
        ([2, 4, 3], ["leaky_relu", "softmax"], "ce", 2, "half", "mean"),
        ([4, 5, 4, 3, 2], ["tanh", "relu", "sigmoid", "softmax"], "ce", 1, "half", "mean"),
        ([4, 5, 4, 3, 2], ["leaky_relu", "tanh", "linear", "sigmoid"], "mse", 2, "sum", "sum"),
        ([2, 3, 3, 3, 1], ["sigmoid", "sigmoid", "sigmoid", "sigmoid"], "mse", 1, "half", "mean"),
        ([3, 6, 4], ["relu", "softmax"], "ce", 12, "half", "mean"),           # a batch for the numeric path
        ([5, 8, 8, 3], ["tanh", "leaky_relu", "linear"], "mse", 20, "mean", "mean"),
        # networks of any depth (issue 12): five and six layers, every activation, on both paths
        ([3, 4, 3, 4, 3, 2], ["sigmoid", "tanh", "relu", "leaky_relu", "softmax"], "ce", 1, "half", "mean"),
        ([2, 3, 3, 2, 3, 2], ["tanh", "sigmoid", "linear", "tanh", "sigmoid"], "mse", 2, "sum", "sum"),
        ([4, 3, 3, 3, 3, 3, 2], ["leaky_relu", "tanh", "sigmoid", "relu", "tanh", "softmax"], "ce", 3, "half", "mean"),
    ]
    cases = []
    for i, (sizes, acts, loss, N, sq, red) in enumerate(specs):
        c = ff_case(rng, sizes, acts, loss, N, sq, red, eta=float(rng.choice([0.1, 0.5, 1.0])),
                    slope=0.1 if "leaky_relu" in acts and i % 2 else 0.01)
        c["id"] = f"ff-{i:02d}-" + "-".join(str(s) for s in sizes) + "-" + "-".join(acts) + f"-{loss}-N{N}"
        cases.append(c)
    return cases


# ---------------------------------------------------------------------------------------------
# comp_graph
# ---------------------------------------------------------------------------------------------

def T(v):
    return torch.tensor(v, requires_grad=True)


GRAPH_CASES = [
    # id, expression as typed, values, the same function written with torch operations
    ("sigmoid-notes001", "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", {"w0": 0.3, "x0": -1.2, "w1": 0.8, "x1": 0.5, "w2": -0.1},
     lambda v: 1 / (1 + torch.exp(-(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"])))),
    ("sigmoid-cs231n", "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0},
     lambda v: 1 / (1 + torch.exp(-(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"])))),
    ("sigmoid-gate", "sigmoid(w0*x0 + w1*x1 + w2)", {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0},
     lambda v: torch.sigmoid(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"])),
    ("two-paths-notes002", "cos(w**2) + sin(w**2)", {"w": 1.5},
     lambda v: torch.cos(v["w"] ** 2) + torch.sin(v["w"] ** 2)),
    ("one-path-notes002", "cos(w**2)", {"w": 0.7}, lambda v: torch.cos(v["w"] ** 2)),
    ("nested-sigmoid-notes002", "1/(1 + exp(-1/(1 + exp(-w))))", {"w": 0.4},
     lambda v: torch.sigmoid(torch.sigmoid(v["w"]))),
    ("calculus-cos-sin", "cos(x)*sin(x)", {"x": 0.7}, lambda v: torch.cos(v["x"]) * torch.sin(v["x"])),
    ("calculus-product", "(x + 5)*(x - 2)", {"x": 1.3}, lambda v: (v["x"] + 5) * (v["x"] - 2)),
    ("calculus-9x", "9*x", {"x": -2.5}, lambda v: 9 * v["x"]),
    ("calculus-square", "x**2", {"x": 3.0}, lambda v: v["x"] ** 2),
    ("fan-out-product", "x*x*x - 2*x*y + y/x", {"x": 1.7, "y": -0.6},
     lambda v: v["x"] * v["x"] * v["x"] - 2 * v["x"] * v["y"] + v["y"] / v["x"]),
    ("softplus", "log(1 + exp(a*x + b))", {"a": 0.5, "x": -2.0, "b": 0.25},
     lambda v: torch.log(1 + torch.exp(v["a"] * v["x"] + v["b"]))),
    ("norm", "sqrt(x**2 + y**2)", {"x": 3.0, "y": -4.0}, lambda v: torch.sqrt(v["x"] ** 2 + v["y"] ** 2)),
    ("max-min", "max(x, y)*z + min(x, z)", {"x": 0.5, "y": -1.5, "z": 2.0},
     lambda v: torch.maximum(v["x"], v["y"]) * v["z"] + torch.minimum(v["x"], v["z"])),
    ("relu-abs", "relu(w*x + b) + abs(w - b)", {"w": 1.2, "x": 0.5, "b": -0.3},
     lambda v: torch.relu(v["w"] * v["x"] + v["b"]) + torch.abs(v["w"] - v["b"])),
    ("tanh-square", "tanh(w*x + b)**2", {"w": -0.8, "x": 1.5, "b": 0.2},
     lambda v: torch.tanh(v["w"] * v["x"] + v["b"]) ** 2),
    ("powers", "x**y + 2**x - log(x, 2)", {"x": 1.8, "y": 0.7},
     lambda v: v["x"] ** v["y"] + 2 ** v["x"] - torch.log(v["x"]) / math.log(2)),
    ("gaussian", "exp(-(x - m)**2/(2*s**2))/sqrt(2*pi*s**2)", {"x": 0.3, "m": -0.2, "s": 1.3},
     lambda v: torch.exp(-(v["x"] - v["m"]) ** 2 / (2 * v["s"] ** 2)) / torch.sqrt(2 * math.pi * v["s"] ** 2)),
    ("trig-mix", "sin(x*y) + cos(x + y)*exp(-y) - tan(x/3)", {"x": 0.9, "y": 0.4},
     lambda v: torch.sin(v["x"] * v["y"]) + torch.cos(v["x"] + v["y"]) * torch.exp(-v["y"]) - torch.tan(v["x"] / 3)),
    ("hyperbolic", "sinh(x) - cosh(y)/(1 + x**2)", {"x": -0.4, "y": 0.6},
     lambda v: torch.sinh(v["x"]) - torch.cosh(v["y"]) / (1 + v["x"] ** 2)),
    ("bce-of-neuron", "-(y*log(sigmoid(w*x + b)) + (1 - y)*log(1 - sigmoid(w*x + b)))",
     {"w": 0.4, "x": 1.0, "b": 0.0, "y": 1.0},
     lambda v: -(v["y"] * torch.log(torch.sigmoid(v["w"] * v["x"] + v["b"]))
                 + (1 - v["y"]) * torch.log(1 - torch.sigmoid(v["w"] * v["x"] + v["b"])))),
    ("max-tie", "max(x, y) + 2*min(x, y)", {"x": 1.0, "y": 1.0},
     lambda v: torch.maximum(v["x"], v["y"]) + 2 * torch.minimum(v["x"], v["y"])),
    ("kinks-at-zero", "relu(x) + abs(y)", {"x": 0.0, "y": 0.0}, lambda v: torch.relu(v["x"]) + torch.abs(v["y"])),
    ("half-squared-error", "(sigmoid(z) - y)**2/2", {"z": 0.4, "y": 1.0},
     lambda v: (torch.sigmoid(v["z"]) - v["y"]) ** 2 / 2),
]


def layered(w, layers=10):
    """Notes 002's 10 layers of 2 nodes: p_k = tanh(p - q/2), q_k = sigmoid(p + q); 2^10 paths from w."""
    p, q = torch.tanh(w), torch.sigmoid(w)
    for _ in range(layers - 1):
        p, q = torch.tanh(p - q / 2), torch.sigmoid(p + q)
    return p + q


def graph_cases():
    out = []
    for cid, text, values, fn in GRAPH_CASES:
        tv = {k: T(v) for k, v in values.items()}
        y = fn(tv)
        y.backward()
        grads = {k: (t.grad.item() if t.grad is not None else 0.0) for k, t in tv.items()}
        out.append({"id": cid, "expr": text, "values": values, "output": y.item(), "grads": grads})
        check_against_expression(text, values, y.item())
    w = T(0.3)
    y = layered(w)
    y.backward()
    out.append({"id": "layered-10x2-notes002", "expr": None, "builder": "layered", "layers": 10, "values": {"w": 0.3},
                "output": y.item(), "grads": {"w": w.grad.item()}, "paths": {"w": 1024}})
    return out


def check_against_expression(text, values, want):
    """The typed string and the torch lambda are the same function (Stepwise's safe parser, then SymPy)."""
    import sys

    import sympy as sp

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from solver.parse import parse_expr

    syms = {k: sp.Symbol(k, real=True) for k in values}
    e = parse_expr(text, syms)
    got = float(e.xreplace({syms[k]: sp.Float(v, 30) for k, v in values.items()}).evalf(30))
    assert abs(got - want) <= 1e-12 * max(1.0, abs(want)), (text, got, want)


# ---------------------------------------------------------------------------------------------
# sigmoid_neuron
# ---------------------------------------------------------------------------------------------

NEURON_CASES = [
    # id, x rows, y, w, b, eta, steps, loss, squared_error, reduction
    ("notes000-q47", [[0.0]], [1.0], [2.0], 1.0, 10.0, 1, "mse", "half", "sum"),
    ("notes000-gd-1000-epochs", [[0.5], [2.5]], [0.2, 0.9], [-2.0], -2.0, 1.0, 1000, "mse", "half", "sum"),
    ("notes002-insurance", [[22.0, 1.0]], [0.0], [1.0, 1.0], 0.0, 1.0, 0, "mse", "plain", "sum"),
    ("bce-notes001", [[1.0]], [1.0], [0.4], 0.0, 1.0, 1, "ce", "half", "sum"),
    ("two-inputs-ce", [[1.0, 2.0], [-1.0, 0.5]], [1.0, 0.0], [0.5, -1.0], 0.5, 0.5, 2, "ce", "half", "sum"),
    ("three-points-mean", [[0.5], [-1.5], [2.0]], [1.0, 0.0, 1.0], [0.3], -0.2, 2.0, 3, "mse", "plain", "mean"),
    ("vector-mse", [[1.0, -2.0, 0.5]], [0.3], [0.2, 0.1, -0.4], 0.1, 1.5, 5, "mse", "half", "sum"),
]


def neuron_cases():
    out = []
    for cid, X, yv, wv, bv, eta, steps, loss, sq, red in NEURON_CASES:
        Xt, Yt = torch.tensor(X), torch.tensor(yv)
        w = torch.tensor(wv, requires_grad=True)
        b = torch.tensor(bv, requires_grad=True)

        def L():
            z = Xt @ w + b
            yh = torch.sigmoid(z)
            if loss == "ce":
                per = F.binary_cross_entropy_with_logits(z, Yt, reduction="none")
            else:
                per = (yh - Yt) ** 2 * (0.5 if sq == "half" else 1.0)
            return (per.mean() if red == "mean" else per.sum()), z, yh

        l0, z0, yh0 = L()
        l0.backward()
        first = {"z": fl(z0), "y_hat": fl(yh0), "loss": l0.item(), "grad_w": fl(w.grad), "grad_b": b.grad.item()}
        for t in range(steps):
            if t > 0:
                w.grad = None
                b.grad = None
                lt, _, _ = L()
                lt.backward()
            with torch.no_grad():
                w -= eta * w.grad
                b -= eta * b.grad
        with torch.no_grad():
            l1, _, yh1 = L()
        out.append({"id": cid, "x": X, "y": yv, "w": wv, "b": bv, "eta": eta, "steps": steps, "loss": loss,
                    "squared_error": sq, "reduction": red, "first": first,
                    "final": {"w": fl(w), "b": b.item(), "y_hat_new": fl(yh1), "new_loss": l1.item()}})
    return out


def main():
    assert torch.__version__.split("+")[0] == EXPECTED_TORCH, f"torch {EXPECTED_TORCH} expected, got {torch.__version__}"
    neurons = neuron_cases()
    q47 = neurons[0]["final"]["new_loss"]
    assert abs(q47 - 0.01587291318) < 1e-10, q47              # WE-sigmoid-neuron-gd-1
    gd = neurons[1]["final"]
    assert abs(gd["w"][0] - 1.79172) < 1e-5 and abs(gd["b"] + 2.28212) < 1e-5, gd  # WE-sigmoid-neuron-gd-2
    data = {
        "generator": "tests/oracles/gen_torch_nets.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "notes": "feedforward: W as out x in (torch's nn.Linear layout), a = h W^T + b per row; grads from autograd; "
                 "new_loss after one SGD step W -= eta * grad. comp_graph: d output / d input by autograd. "
                 "sigmoid_neuron: full-batch gradient descent on (w, b).",
        "feedforward": feedforward_cases(),
        "comp_graph": graph_cases(),
        "sigmoid_neuron": neurons,
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(data['feedforward'])} networks, {len(data['comp_graph'])} graphs, {len(neurons)} neurons)")


if __name__ == "__main__":
    main()
