"""Generate PyTorch oracle fixtures for the layer families (conv_shape, batch_norm, dropout, init,
grad_clip, regularization, activation).

Run from the repository root:

    python tests/oracles/gen_torch_layers.py

Writes tests/fixtures/torch_layers.json. Requires torch 2.13.0 (CPU); everything is float64 and
deterministic: inputs are fixed numbers or drawn from a seeded NumPy generator, and only numbers that
do not depend on torch's random state are recorded (shapes, parameter counts, bounds, outputs of
deterministic functions, gradients). See tests/oracles/README.md for the schema.

Schema of the JSON (all numbers float64 unless said): generator, torch_version, dtype, notes (the torch facts
below, in words), and one section per family:
- conv: layers (kind, input [W, H, D], filters, size, stride, pad, dilation -> output [W, H, D], params, fits),
  alexnet (input, text in the conv_shape layer format, per-layer output and params, total_params) and
  receptive_field (a stack of [kind, size, stride, pad, dilation] -> width measured with autograd).
- batch_norm: inputs (X one example per row, gamma, beta, eps, momentum, running_mean_in, running_var_in,
  dY, x_test) -> y, running_mean, running_var, dX, dgamma, dbeta, y_test (eval mode after the update).
- dropout: p_drop -> train_scale (the value of kept entries of F.dropout(ones)), test_scale.
- dropout_backward: p_drop, h (a matrix), grad_output -> mask (where torch's F.dropout kept an entry, read from
  F.dropout(ones) under the same seed), output (F.dropout(h), same seed: the same mask) and grad_input (autograd).
- init: shapes (torch weight shape -> fan_in, fan_out, xavier bounds/stds per gain, kaiming std/bound per mode)
  and gains (torch.nn.init.calculate_gain).
- grad_clip: g, clip_value, max_norm, norm_type -> by_value, by_norm, total_norm.
- grad_clip_rows: G (a matrix), clip_value, max_norm -> by_value, by_norm, total_norm per row (clip_grad_value_ and
  clip_grad_norm_ on each row as its own parameter).
- regularization: sgd_weight_decay (one SGD step), renorm (torch.renorm rows, p = 2), label_smoothing
  (F.cross_entropy with label_smoothing; target is 0-based).
- activation: key, function, params, x -> value and autograd derivative (the step function has no torch
  gradient: 0 is recorded).

Facts about torch that this script checks and records (each is asserted below):
- BatchNorm1d in training mode normalises with the biased batch variance (1/m), puts eps inside the
  square root, and updates running_mean = (1 - momentum) running_mean + momentum * batch_mean and
  running_var = (1 - momentum) running_var + momentum * batch_var * m / (m - 1) (unbiased).
- Conv2d / MaxPool2d floor (W - F + 2P) / S + 1 when the stride does not fit.
- clip_grad_norm_ scales by max_norm / (total_norm + 1e-6) when that is below 1.
- F.dropout in training keeps entries with probability 1 - p and scales them by 1 / (1 - p).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

EXPECTED_TORCH = "2.13.0"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "torch_layers.json"


def fl(t):
    return t.detach().tolist() if isinstance(t, torch.Tensor) else t


# ---------------------------------------------------------------------------------------------
# conv_shape
# ---------------------------------------------------------------------------------------------

CONV_CASES = [
    # (kind, in (D, H, W), filters, size, stride, pad, dilation)
    ("conv", (3, 32, 32), 100, 4, 1, 0, 1),    # WE-cnn-shapes-2
    ("conv", (1, 32, 32), 6, 5, 1, 0, 1),      # WE-cnn-shapes-5 (LeNet C1)
    ("conv", (3, 32, 32), 10, 3, 1, 1, 1),     # WE-cnn-shapes-3 (same padding)
    ("conv", (1, 7, 7), 1, 3, 3, 0, 1),        # WE-cnn-shapes-4: stride 3 does not fit, torch floors
    ("conv", (1, 7, 7), 1, 3, 2, 0, 1),
    ("conv", (1, 7, 7), 1, 3, 4, 0, 1),
    ("conv", (3, 227, 227), 96, 11, 4, 0, 1),  # AlexNet conv1
    ("conv", (3, 224, 224), 96, 11, 4, 2, 1),  # torchvision's padding: 224 does not fit exactly
    ("conv", (4, 20, 20), 8, 3, 2, 1, 2),      # dilation 2
    ("conv", (2, 15, 15), 5, 4, 3, 2, 3),
    ("pool", (96, 55, 55), 0, 3, 2, 0, 1),
    ("pool", (16, 28, 28), 0, 2, 2, 0, 1),
    ("pool", (8, 9, 9), 0, 2, 2, 0, 1),        # does not fit: floor
    ("pool", (8, 10, 10), 0, 3, 2, 1, 1),
]

ALEXNET = """conv 96 11 s4 p0
pool 3 s2
conv 256 5 s1 p2
pool 3 s2
conv 384 3 s1 p1
conv 384 3 s1 p1
conv 256 3 s1 p1
pool 3 s2
fc 4096
fc 4096
fc 1000"""

RF_STACKS = [
    # stacks of (kind, size, stride, pad, dilation); receptive field measured with autograd
    [("conv", 3, 1, 1, 1), ("conv", 3, 1, 1, 1)],
    [("conv", 3, 1, 1, 1), ("conv", 3, 1, 1, 1), ("conv", 3, 1, 1, 1)],
    [("conv", 5, 1, 0, 1), ("pool", 2, 2, 0, 1), ("conv", 5, 1, 0, 1), ("pool", 2, 2, 0, 1)],
    [("conv", 11, 4, 0, 1), ("pool", 3, 2, 0, 1), ("conv", 5, 1, 2, 1)],
    [("conv", 3, 1, 0, 2), ("conv", 3, 2, 0, 1), ("conv", 3, 1, 0, 1)],
]


def build(kind, d_in, filters, size, stride, pad, dil):
    if kind == "conv":
        return nn.Conv2d(d_in, filters, size, stride=stride, padding=pad, dilation=dil)
    return nn.MaxPool2d(size, stride=stride, padding=pad, dilation=dil)


def conv_fixtures():
    cases = []
    for kind, shape, filters, size, stride, pad, dil in CONV_CASES:
        layer = build(kind, shape[0], filters, size, stride, pad, dil)
        out = layer(torch.zeros(1, *shape))
        cases.append({"kind": kind, "input": [shape[2], shape[1], shape[0]], "filters": filters, "size": size,
                      "stride": stride, "pad": pad, "dilation": dil,
                      "output": [out.shape[3], out.shape[2], out.shape[1]],
                      "params": sum(p.numel() for p in layer.parameters()),
                      "fits": (shape[1] + 2 * pad - dil * (size - 1) - 1) % stride == 0})
    assert cases[3]["output"] == [2, 2, 1] and not cases[3]["fits"]  # 7x7, F=3, S=3: torch floors 2.33 to 2

    # AlexNet from the text format, built with torch layers
    layers, d, shapes = [], 3, []
    x = torch.zeros(1, 3, 227, 227)
    for line in ALEXNET.splitlines():
        parts = line.split()
        if parts[0] == "conv":
            k, f = int(parts[1]), int(parts[2])
            s = int(parts[3][1:]); p = int(parts[4][1:])
            layer = nn.Conv2d(d, k, f, stride=s, padding=p)
            d = k
        elif parts[0] == "pool":
            layer = nn.MaxPool2d(int(parts[1]), stride=int(parts[2][1:]))
        else:
            x = x.flatten(1)
            layer = nn.Linear(x.shape[1], int(parts[1]))
        x = layer(x)
        shapes.append({"layer": line, "output": list(x.shape[1:])[::-1] if x.dim() == 4 else [int(x.shape[1])],
                       "params": sum(p.numel() for p in layer.parameters())})
        layers.append(layer)
    total = sum(s["params"] for s in shapes)
    assert total == 62378344, total  # AlexNet (single tower) parameter count

    rfs = []
    for stack in RF_STACKS:
        n = 101
        x = torch.zeros(1, 1, n, n, requires_grad=True)
        y = x
        for kind, size, stride, pad, dil in stack:
            if kind == "conv":
                conv = nn.Conv2d(1, 1, size, stride=stride, padding=pad, dilation=dil, bias=False)
                with torch.no_grad():
                    conv.weight.fill_(1.0)
                y = conv(y)
            else:  # average pooling spreads the gradient over the whole window (max would pick one input)
                y = F.avg_pool2d(y, size, stride=stride, padding=pad)
        c = y.shape[-1] // 2
        y[0, 0, c, c].backward()
        row = (x.grad[0, 0].abs().sum(dim=0) > 0).nonzero().flatten()
        rfs.append({"stack": [list(s) for s in stack], "receptive_field": int(row.max() - row.min() + 1)})
    return {"layers": cases, "alexnet": {"input": [227, 227, 3], "text": ALEXNET, "layers": shapes, "total_params": total},
            "receptive_field": rfs}


# ---------------------------------------------------------------------------------------------
# batch_norm
# ---------------------------------------------------------------------------------------------

def bn_case(X, gamma, beta, eps, momentum, rm, rv, dY, x_test):
    X = torch.tensor(X, requires_grad=True)
    g = torch.tensor(gamma, requires_grad=True)
    b = torch.tensor(beta, requires_grad=True)
    rm_t, rv_t = torch.tensor(rm), torch.tensor(rv)
    y = F.batch_norm(X, rm_t, rv_t, g, b, training=True, momentum=momentum, eps=eps)
    dX, dg, db = torch.autograd.grad(y, (X, g, b), torch.tensor(dY))
    y_test = F.batch_norm(torch.tensor(x_test), rm_t, rv_t, g.detach(), b.detach(), training=False, eps=eps)
    # the running-average convention, checked against the batch statistics
    Xd = X.detach()
    m = Xd.shape[0]
    mu, var = Xd.mean(0), Xd.var(0, unbiased=False)
    assert torch.allclose(rm_t, (1 - momentum) * torch.tensor(rm) + momentum * mu, rtol=1e-14, atol=1e-15)
    assert torch.allclose(rv_t, (1 - momentum) * torch.tensor(rv) + momentum * var * m / (m - 1), rtol=1e-14, atol=1e-15)
    xhat = (Xd - mu) / torch.sqrt(var + eps)
    assert torch.allclose(y, g.detach() * xhat + b.detach(), rtol=1e-13, atol=1e-14)
    return {"X": fl(Xd), "gamma": gamma, "beta": beta, "eps": eps, "momentum": momentum, "running_mean_in": rm,
            "running_var_in": rv, "dY": dY, "x_test": x_test, "y": fl(y), "running_mean": fl(rm_t),
            "running_var": fl(rv_t), "dX": fl(dX), "dgamma": fl(dg), "dbeta": fl(db), "y_test": fl(y_test)}


def bn_fixtures():
    rng = np.random.default_rng(7)
    cases = [bn_case([[1.0, 2.0], [3.0, -1.0], [0.5, 4.0], [-2.0, 1.0]], [1.5, 0.5], [0.1, -0.2], 1e-5, 0.1,
                     [0.0, 0.0], [1.0, 1.0], [[0.1, -0.3], [0.2, 0.4], [-0.5, 0.1], [0.3, 0.2]], [[1.0, 1.0], [0.0, 2.0]])]
    for m, n, eps, mom in ((3, 1, 1e-5, 0.1), (8, 3, 1e-3, 0.2), (64, 4, 1e-5, 0.1), (5, 2, 0.1, 0.5)):
        X = np.round(rng.normal(size=(m, n)) * 2 + 0.5, 3).tolist()
        gamma = np.round(rng.uniform(0.5, 2, size=n), 2).tolist()
        beta = np.round(rng.normal(size=n), 2).tolist()
        rm = np.round(rng.normal(size=n), 2).tolist()
        rv = np.round(rng.uniform(0.5, 2, size=n), 2).tolist()
        dY = np.round(rng.normal(size=(m, n)), 3).tolist()
        xt = np.round(rng.normal(size=(2, n)), 3).tolist()
        cases.append(bn_case(X, gamma, beta, eps, mom, rm, rv, dY, xt))
    return cases


# ---------------------------------------------------------------------------------------------
# dropout
# ---------------------------------------------------------------------------------------------

def dropout_fixtures():
    out = []
    for p in (0.5, 0.2, 0.8):
        torch.manual_seed(0)
        y = F.dropout(torch.ones(10000), p=p, training=True)
        kept = y[y != 0]
        scale = float(kept[0])
        assert torch.all(kept == scale) and math.isclose(scale, 1 / (1 - p), rel_tol=1e-15)
        assert torch.equal(F.dropout(torch.ones(5), p=p, training=False), torch.ones(5))  # identity at test time
        out.append({"p_drop": p, "train_scale": scale, "test_scale": 1.0})
    return out


def dropout_backward_fixtures():
    out = []
    cases = [(0.5, [[0.5, 1.2, -0.3, 2.0], [1.0, -2.0, 0.7, 0.1]], [[1.0, -1.0, 0.5, 2.0], [0.3, 0.2, -0.4, 1.5]]),
             (0.2, [[2.0, 4.0, 6.0, 8.0, 1.0]], [[1.0, 1.0, 1.0, 1.0, -1.0]])]
    for seed, (p, h, g) in enumerate(cases):
        torch.manual_seed(seed)
        mask = (F.dropout(torch.ones(len(h), len(h[0])), p=p, training=True) != 0).double()
        torch.manual_seed(seed)
        ht = torch.tensor(h, requires_grad=True)
        y = F.dropout(ht, p=p, training=True)
        y.backward(torch.tensor(g))
        assert torch.allclose(y, ht.detach() * mask / (1 - p), rtol=1e-15, atol=0)  # the same mask
        out.append({"p_drop": p, "h": h, "grad_output": g, "mask": fl(mask), "output": fl(y),
                    "grad_input": fl(ht.grad)})
    return out


# ---------------------------------------------------------------------------------------------
# init
# ---------------------------------------------------------------------------------------------

INIT_SHAPES = [[3, 4], [256, 784], [10, 256], [1000, 4096], [64, 3, 3, 3], [128, 64, 5, 5], [500, 3072]]


def init_fixtures():
    from torch.nn.init import _calculate_fan_in_and_fan_out, calculate_gain

    out = []
    for shape in INIT_SHAPES:
        t = torch.empty(*shape)
        fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
        row = {"shape": shape, "fan_in": fan_in, "fan_out": fan_out}
        for gain_name in ("linear", "sigmoid", "tanh", "relu"):
            g = calculate_gain(gain_name)
            row[f"xavier_uniform_bound_{gain_name}"] = g * math.sqrt(6.0 / (fan_in + fan_out))
            row[f"xavier_normal_std_{gain_name}"] = g * math.sqrt(2.0 / (fan_in + fan_out))
        for mode in ("fan_in", "fan_out"):
            fan = fan_in if mode == "fan_in" else fan_out
            g = calculate_gain("relu")
            row[f"kaiming_normal_std_{mode}"] = g / math.sqrt(fan)
            row[f"kaiming_uniform_bound_{mode}"] = g * math.sqrt(3.0 / fan)
        # torch's own draws stay within the bound it computes (a check of the formula, not a fixture)
        torch.manual_seed(1)
        w = nn.init.xavier_uniform_(torch.empty(*shape))
        assert float(w.abs().max()) <= row["xavier_uniform_bound_linear"]
        w = nn.init.kaiming_uniform_(torch.empty(*shape), nonlinearity="relu")
        assert float(w.abs().max()) <= row["kaiming_uniform_bound_fan_in"]
        out.append(row)
    gains = {n: calculate_gain(n) for n in ("linear", "sigmoid", "tanh", "relu", "selu")}
    gains["leaky_relu_0.01"] = calculate_gain("leaky_relu", 0.01)
    return {"shapes": out, "gains": gains}


# ---------------------------------------------------------------------------------------------
# grad_clip
# ---------------------------------------------------------------------------------------------

CLIP_CASES = [
    ([0.9, 100.0], 1.0, 1.0, 2.0),    # WE-clipping-1
    ([3.0, -4.0], 1.0, 2.0, 2.0),
    ([0.3, -0.2, 0.1], 1.0, 5.0, 2.0),  # norm below the threshold: unchanged
    ([2.0, -7.5, 0.5, 3.0], 0.5, 3.0, 1.0),
    ([2.0, -7.5, 0.5, 3.0], 2.0, 3.0, "inf"),
]


def clip_fixtures():
    out = []
    for g, clip_value, max_norm, norm_type in CLIP_CASES:
        p = torch.zeros(len(g), requires_grad=True)
        p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_value_([p], clip_value)
        by_value = fl(p.grad)
        p.grad = torch.tensor(g)
        nt = float("inf") if norm_type == "inf" else norm_type
        total = torch.nn.utils.clip_grad_norm_([p], max_norm, norm_type=nt)
        out.append({"g": g, "clip_value": clip_value, "max_norm": max_norm, "norm_type": norm_type,
                    "by_value": by_value, "by_norm": fl(p.grad), "total_norm": float(total)})
        scale = min(1.0, max_norm / (float(total) + 1e-6))
        assert np.allclose(out[-1]["by_norm"], np.array(g) * scale, rtol=1e-15, atol=0)
    return out


def clip_rows_fixtures():
    out = []
    for G, clip_value, max_norm in [([[0.9, 100.0], [3.0, -4.0], [0.3, 0.4]], 1.0, 1.0),
                                    ([[2.0, -7.5, 0.5], [0.1, 0.2, -0.2]], 0.5, 3.0)]:
        by_value, by_norm, totals = [], [], []
        for row in G:
            p = torch.zeros(len(row), requires_grad=True)
            p.grad = torch.tensor(row)
            torch.nn.utils.clip_grad_value_([p], clip_value)
            by_value.append(fl(p.grad))
            p.grad = torch.tensor(row)
            totals.append(float(torch.nn.utils.clip_grad_norm_([p], max_norm)))
            by_norm.append(fl(p.grad))
        out.append({"g": G, "clip_value": clip_value, "max_norm": max_norm, "by_value": by_value, "by_norm": by_norm,
                    "total_norm": totals})
    return out


# ---------------------------------------------------------------------------------------------
# regularization
# ---------------------------------------------------------------------------------------------

def reg_fixtures():
    sgd = []
    for w, g, lr, wd in (([0.5, -1.2, 2.0], [0.1, 0.3, -0.2], 0.1, 0.01), ([1.0, -1.0], [0.0, 0.0], 0.5, 0.1),
                         ([3.0, 0.0, -0.25, 1.5], [1.0, -2.0, 0.5, 0.0], 0.05, 0.2)):
        p = torch.tensor(w, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr, weight_decay=wd)
        p.grad = torch.tensor(g)
        opt.step()
        sgd.append({"w": w, "grad": g, "lr": lr, "weight_decay": wd, "w_new": fl(p)})
    renorm = []
    for W, maxnorm in (([[3.0, 4.0], [0.3, 0.4]], 1.0), ([[1.0, 2.0, 2.0]], 2.0), ([[0.1, 0.2, 0.2]], 2.0)):
        renorm.append({"W": W, "max_norm": maxnorm, "W_new": fl(torch.renorm(torch.tensor(W), 2, 0, maxnorm))})
    smooth = []
    for K, eps, target in ((10, 0.1, 3), (3, 0.2, 0), (5, 0.05, 4)):
        logits = torch.tensor(np.linspace(-1.0, 1.5, K))
        loss = F.cross_entropy(logits[None], torch.tensor([target]), label_smoothing=eps)
        smooth.append({"K": K, "eps": eps, "target": target, "logits": fl(logits), "loss": float(loss)})
    return {"sgd_weight_decay": sgd, "renorm": renorm, "label_smoothing": smooth}


# ---------------------------------------------------------------------------------------------
# activation
# ---------------------------------------------------------------------------------------------

POINTS = [-200.0, -6.0, -3.0, -2.27, -1.0, -0.572, -0.4, -0.1, 0.0, 0.1, 0.7, 1.0, 2.0, 3.0, 5.0, 6.0, 7.5, 15.0]
MAXOUT = [[0.5, 0.0], [-0.5, 0.0], [1.0, 0.0], [-1.0, -0.2]]  # WE-activation-1


def maxout(x):
    W = torch.tensor([p[0] for p in MAXOUT])
    B = torch.tensor([p[1] for p in MAXOUT])
    return (x[:, None] * W + B).max(dim=1).values


ACTS = {
    "sigmoid": ({}, torch.sigmoid),
    "tanh": ({}, torch.tanh),
    "relu": ({}, F.relu),
    "relu6": ({}, F.relu6),
    "leaky_relu": ({"alpha": 0.01}, lambda x: F.leaky_relu(x, 0.01)),
    "leaky_relu@0.1": ({"alpha": 0.1}, lambda x: F.leaky_relu(x, 0.1)),
    "prelu": ({"alpha": 0.25}, lambda x: F.prelu(x, torch.tensor([0.25]))),
    "elu": ({"alpha": 1.0}, lambda x: F.elu(x, 1.0)),
    "elu@0.5": ({"alpha": 0.5}, lambda x: F.elu(x, 0.5)),
    "selu": ({}, F.selu),
    "gelu": ({}, lambda x: F.gelu(x, approximate="none")),
    "gelu_tanh": ({}, lambda x: F.gelu(x, approximate="tanh")),
    "gelu_sigmoid": ({}, lambda x: x * torch.sigmoid(1.702 * x)),
    "swish": ({"beta": 1.0}, F.silu),
    "swish@1.702": ({"beta": 1.702}, lambda x: x * torch.sigmoid(1.702 * x)),
    "softplus": ({}, lambda x: F.softplus(x, beta=1.0, threshold=1000.0)),  # no linear cut-off
    "maxout": ({"pieces": MAXOUT}, maxout),
}


def act_fixtures():
    out = []
    for key, (params, fn) in ACTS.items():
        x = torch.tensor(POINTS, requires_grad=True)
        y = fn(x)
        (dy,) = torch.autograd.grad(y.sum(), x)
        out.append({"key": key, "function": key.split("@")[0], "params": params, "x": POINTS,
                    "value": fl(y), "derivative": fl(dy)})
    step = torch.heaviside(torch.tensor(POINTS), torch.tensor(0.0))
    out.append({"key": "step", "function": "step", "params": {}, "x": POINTS, "value": fl(step),
                "derivative": [0.0] * len(POINTS)})
    return out


def main():
    assert torch.__version__.split("+")[0] == EXPECTED_TORCH, torch.__version__
    data = {
        "generator": "tests/oracles/gen_torch_layers.py",
        "torch_version": torch.__version__.split("+")[0],
        "dtype": "float64",
        "notes": [
            "BatchNorm: biased batch variance (1/m) in the normalisation, eps inside the square root; "
            "running = (1 - momentum) running + momentum batch, with the unbiased (m/(m-1)) batch variance for running_var.",
            "Conv2d/MaxPool2d floor (W - F + 2P)/S + 1 when the stride does not fit.",
            "clip_grad_norm_ multiplies by max_norm / (total_norm + 1e-6) when that is below 1.",
            "F.dropout(p) keeps with probability 1 - p and scales kept entries by 1/(1 - p); identity at test time.",
            "Autograd at kinks: relu'(0) = 0, relu6'(0) = relu6'(6) = 0, leaky/prelu'(0) = slope, elu'(0) = alpha.",
        ],
        "conv": conv_fixtures(),
        "batch_norm": bn_fixtures(),
        "dropout": dropout_fixtures(),
        "dropout_backward": dropout_backward_fixtures(),
        "init": init_fixtures(),
        "grad_clip": clip_fixtures(),
        "grad_clip_rows": clip_rows_fixtures(),
        "regularization": reg_fixtures(),
        "activation": act_fixtures(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
