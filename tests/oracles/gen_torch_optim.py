"""Generate PyTorch oracle fixtures for the optimizer families.

Run from the repository root:

    python tests/oracles/gen_torch_optim.py

Writes tests/fixtures/torch_optim.json. Requires torch 2.13.0 (CPU); everything is float64 and
deterministic (no randomness is used). The test-suite reads only the JSON, so torch is not needed
to run the tests. See tests/oracles/README.md for the schema.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch

torch.set_default_dtype(torch.float64)

EXPECTED_TORCH = "2.13.0"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "torch_optim.json"

# ---------------------------------------------------------------------------------------------
# Gradient sources
# ---------------------------------------------------------------------------------------------

# Loss expressions: the string (Python / SymPy syntax in the named variables) and the same loss
# written by hand with torch ops. `v` is the list of scalar tensors, in the order of "vars".
LOSSES = {
    "x**2 + 4*y**2": (["x", "y"], lambda v: v[0] ** 2 + 4 * v[1] ** 2),
    "(x - 1)**2 + 10*(y - x**2)**2": (
        ["x", "y"],
        lambda v: (v[0] - 1) ** 2 + 10 * (v[1] - v[0] ** 2) ** 2,
    ),
    "w**4 - 3*w**2 + w": (["w"], lambda v: v[0] ** 4 - 3 * v[0] ** 2 + v[0]),
    "(sigmoid(0.5*w) - 1)**2": (["w"], lambda v: (torch.sigmoid(0.5 * v[0]) - 1) ** 2),
}
QUAD, ROSEN, QUARTIC, SIGM = list(LOSSES)

# Fixed gradient sequences (one list per step); zero and negative entries on purpose.
G3 = [[1.0, -2.0, 0.5], [0.0, 0.3, -1.0], [2.0, 2.0, 2.0], [-0.5, 0.0, 1.5], [0.25, -1.0, 0.0]]
# Large gradients first, then small ones: v decays, so AMSGrad's running max matters.
G_DECAY = [[3.0, -2.0], [0.1, 0.0], [0.2, -0.1], [0.0, 0.05], [-0.1, 0.1], [0.05, 0.0]]
W0_G3 = [0.5, -1.0, 2.0]
W0_GDECAY = [1.0, -1.0]

# Sigmoid neuron data (parameters [w, b], yhat = sigmoid(w*x + b), loss summed over points).
NX, NY = [0.5, -1.0, 2.0], [1.0, 0.0, 1.0]
W0_NEURON = [0.1, -0.2]


def grads_src(grads):
    return {"kind": "grads", "grads": grads}


def loss_src(expr):
    return {"kind": "loss", "expr": expr, "vars": LOSSES[expr][0]}


def neuron_src(x, y, loss):
    return {"kind": "neuron", "x": x, "y": y, "loss": loss}


def neuron_loss(p, x, y, kind):
    xs = torch.tensor(x, dtype=torch.float64)
    ys = torch.tensor(y, dtype=torch.float64)
    yhat = torch.sigmoid(p[0] * xs + p[1])
    if kind == "mse":
        return (0.5 * (yhat - ys) ** 2).sum()
    if kind == "ce":
        return (-(ys * torch.log(yhat) + (1 - ys) * torch.log(1 - yhat))).sum()
    raise ValueError(kind)


def check_loss_strings():
    """The hand-written lambdas must agree with the expression strings (evaluated with torch)."""
    for expr, (names, fn) in LOSSES.items():
        vals = [torch.tensor(0.37 + 0.21 * i, dtype=torch.float64) for i in range(len(names))]
        ns = {"sigmoid": torch.sigmoid, **dict(zip(names, vals))}
        a = float(eval(expr, {"__builtins__": {}}, ns))  # noqa: S307 - our own constant strings
        b = float(fn(vals))
        assert math.isclose(a, b, rel_tol=1e-15, abs_tol=1e-15), (expr, a, b)


# ---------------------------------------------------------------------------------------------
# Optimizers
# ---------------------------------------------------------------------------------------------

METHOD_CLASS = {
    "sgd": "SGD",
    "momentum": "SGD",
    "nag": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "adamax": "Adamax",
    "nadam": "NAdam",
    "amsgrad": "Adam",
    "adamw": "AdamW",
}


def to_plain(v):
    if isinstance(v, torch.Tensor):
        if v.dim() == 0:
            x = v.item()
            return x
        return [float(t) for t in v.detach().reshape(-1).tolist()]
    if isinstance(v, (int, float)):
        return v
    raise TypeError(type(v))


def state_snapshot(opt, p):
    st = opt.state.get(p, {})
    out = {}
    for k in sorted(st):
        v = st[k]
        if v is None:
            continue
        if k == "step":
            out[k] = int(to_plain(v))
        else:
            out[k] = to_plain(v)
    return out


def run_case(case):
    cls = getattr(torch.optim, case["torch"])
    kwargs = dict(case["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    p = torch.tensor(case["w0"], dtype=torch.float64, requires_grad=True)
    opt = cls([p], **kwargs)
    src = case["source"]
    traj, grads, states = [], [], []
    for t in range(case["steps"]):
        opt.zero_grad(set_to_none=True)
        if src["kind"] == "grads":
            p.grad = torch.tensor(src["grads"][t], dtype=torch.float64)
        elif src["kind"] == "loss":
            fn = LOSSES[src["expr"]][1]
            loss = fn([p[i] for i in range(p.numel())])
            loss.backward()
        elif src["kind"] == "neuron":
            loss = neuron_loss(p, src["x"], src["y"], src["loss"])
            loss.backward()
        else:
            raise ValueError(src["kind"])
        grads.append(to_plain(p.grad.clone()))
        opt.step()
        traj.append(to_plain(p.detach().clone()))
        states.append(state_snapshot(opt, p))
    case["trajectory"] = traj
    case["grads"] = grads
    case["state"] = states
    return case


# ---------------------------------------------------------------------------------------------
# Case table
# ---------------------------------------------------------------------------------------------


def fmt(v):
    return repr(v) if not isinstance(v, (list, tuple)) else "-".join(repr(x) for x in v)


def C(method, src_tag, source, w0, steps, kwargs, slug_extra=None):
    if slug_extra is None:
        slug_extra = "-".join(
            f"{k.replace('_', '')}{fmt(v)}"
            for k, v in kwargs.items()
            if k not in ("nesterov", "amsgrad")
        ) or "defaults"
    return {
        "id": f"{method}-{src_tag}-{slug_extra}",
        "method": method,
        "torch": METHOD_CLASS[method],
        "kwargs": kwargs,
        "source": source,
        "w0": list(w0),
        "steps": steps,
    }


def build_cases():
    g3 = grads_src(G3)
    gd = grads_src(G_DECAY)
    quad, rosen, quartic, sigm = (loss_src(e) for e in (QUAD, ROSEN, QUARTIC, SIGM))
    nmse = neuron_src(NX, NY, "mse")
    nce = neuron_src(NX, NY, "ce")
    W_QUAD, W_ROSEN, W_QUARTIC = [1.5, -2.0], [-0.5, 0.5], [2.0]

    cases = [
        # --- plain SGD ---------------------------------------------------------------------
        C("sgd", "grads", g3, W0_G3, 5, {}),
        C("sgd", "quad", quad, W_QUAD, 5, {"lr": 0.1}),
        C("sgd", "rosen", rosen, W_ROSEN, 6, {"lr": 0.01}),
        C("sgd", "quartic", quartic, W_QUARTIC, 6, {"lr": 0.01}),
        C("sgd", "neuron-mse", nmse, W0_NEURON, 5, {"lr": 1.0}),
        C("sgd", "neuron-ce", nce, W0_NEURON, 5, {"lr": 0.1}),
        C("sgd", "grads", g3, W0_G3, 5, {"lr": 0.1, "weight_decay": 0.1}),
        # --- heavy-ball momentum --------------------------------------------------------------
        C("momentum", "grads", g3, W0_G3, 5, {"lr": 0.1, "momentum": 0.9}),
        C("momentum", "quad", quad, W_QUAD, 6, {"lr": 0.1, "momentum": 0.9}),
        C("momentum", "grads", g3, W0_G3, 5, {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
        C("momentum", "rosen", rosen, W_ROSEN, 6, {"lr": 0.01, "momentum": 0.9, "dampening": 0.5}),
        C("momentum", "neuron-ce", nce, W0_NEURON, 5, {"lr": 1.0, "momentum": 0.9}),
        C("momentum", "grads", g3, W0_G3, 5, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
        C("momentum", "sigmoid", sigm, [2.5], 3, {"lr": 1.0, "momentum": 0.9}),
        # --- Nesterov (torch form) ------------------------------------------------------------
        C("nag", "grads", g3, W0_G3, 5, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        C("nag", "quad", quad, W_QUAD, 6, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        C("nag", "rosen", rosen, W_ROSEN, 6, {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
        C("nag", "quartic", quartic, W_QUARTIC, 6, {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
        C("nag", "neuron-mse", neuron_src([0.5], [1.0], "mse"), [2.5, 0.0], 3,
          {"lr": 1.0, "momentum": 0.9, "nesterov": True}, slug_extra="notes-example"),
        C("nag", "sigmoid", sigm, [2.5], 3, {"lr": 1.0, "momentum": 0.9, "nesterov": True},
          slug_extra="conventions-example"),
        C("nag", "grads", g3, W0_G3, 5,
          {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
        # --- Adagrad --------------------------------------------------------------------------
        C("adagrad", "grads", g3, W0_G3, 5, {}),
        C("adagrad", "quad", quad, W_QUAD, 5, {"lr": 1.0}),
        C("adagrad", "grads", g3, W0_G3, 5, {"lr": 0.1, "eps": 0.1}),
        C("adagrad", "grads", g3, W0_G3, 5, {"lr": 0.1, "initial_accumulator_value": 0.5}),
        C("adagrad", "grads", g3, W0_G3, 5, {"lr": 0.1, "lr_decay": 0.01}),
        C("adagrad", "rosen", rosen, W_ROSEN, 6, {"lr": 0.1}),
        C("adagrad", "neuron-ce", nce, W0_NEURON, 5, {"lr": 1.0, "lr_decay": 0.01}),
        # --- RMSprop --------------------------------------------------------------------------
        C("rmsprop", "grads", g3, W0_G3, 5, {}),
        C("rmsprop", "grads", g3, W0_G3, 5, {"lr": 0.1, "alpha": 0.9}),
        C("rmsprop", "grads", g3, W0_G3, 5, {"lr": 0.1, "eps": 0.01}),
        C("rmsprop", "quad", quad, W_QUAD, 6, {"lr": 0.1, "alpha": 0.9}),
        C("rmsprop", "neuron-mse", nmse, W0_NEURON, 5, {"lr": 0.1}),
        C("rmsprop", "quartic", quartic, W_QUARTIC, 6, {"lr": 0.1, "alpha": 0.9, "eps": 0.01}),
        # --- Adadelta -------------------------------------------------------------------------
        C("adadelta", "grads", g3, W0_G3, 5, {}),
        C("adadelta", "grads", g3, W0_G3, 5, {"lr": 0.5, "rho": 0.95}),
        C("adadelta", "quad", quad, W_QUAD, 6, {}),
        C("adadelta", "neuron-ce", nce, W0_NEURON, 5, {"lr": 0.5, "rho": 0.95}),
        # --- Adam -----------------------------------------------------------------------------
        C("adam", "grads", g3, W0_G3, 5, {}),
        C("adam", "grads", grads_src([[1.0], [0.0]]), [0.0], 2,
          {"lr": 1.0, "betas": [0.9, 0.999], "eps": 1e-8}, slug_extra="notes-example"),
        C("adam", "grads", g3, W0_G3, 5, {"lr": 0.1, "betas": [0.8, 0.99], "eps": 0.1}),
        C("adam", "grads", g3, W0_G3, 5, {"lr": 0.1, "weight_decay": 0.1}),
        C("adam", "quad", quad, W_QUAD, 6, {"lr": 0.1}),
        C("adam", "rosen", rosen, W_ROSEN, 6, {"lr": 0.1, "betas": [0.8, 0.99], "eps": 0.1}),
        C("adam", "neuron-ce", nce, W0_NEURON, 5, {"lr": 0.1}),
        C("adam", "quartic", quartic, W_QUARTIC, 6, {"lr": 0.1}),
        C("adam", "sigmoid", sigm, [2.5], 4, {"lr": 1.0}),
        # --- Adamax ---------------------------------------------------------------------------
        C("adamax", "grads", g3, W0_G3, 5, {}),
        C("adamax", "grads", g3, W0_G3, 5, {"lr": 0.1, "eps": 0.1}),
        C("adamax", "quad", quad, W_QUAD, 6, {"lr": 0.1}),
        C("adamax", "neuron-mse", nmse, W0_NEURON, 5, {"lr": 1.0}),
        # --- NAdam ----------------------------------------------------------------------------
        C("nadam", "grads", g3, W0_G3, 5, {}),
        C("nadam", "grads", g3, W0_G3, 5, {"lr": 0.1, "momentum_decay": 0.004}),
        C("nadam", "grads", g3, W0_G3, 5, {"lr": 0.1, "momentum_decay": 0.0}),
        C("nadam", "quad", quad, W_QUAD, 6, {"lr": 0.1}),
        C("nadam", "neuron-ce", nce, W0_NEURON, 5, {"lr": 0.1, "momentum_decay": 0.0}),
        # --- AMSGrad --------------------------------------------------------------------------
        C("amsgrad", "grads", g3, W0_G3, 5, {"amsgrad": True}),
        C("amsgrad", "gdecay", gd, W0_GDECAY, 6, {"lr": 0.1, "amsgrad": True}),
        C("amsgrad", "rosen", rosen, W_ROSEN, 6, {"lr": 0.1, "amsgrad": True}),
        C("amsgrad", "gdecay", gd, W0_GDECAY, 6,
          {"lr": 0.1, "betas": [0.8, 0.99], "eps": 0.1, "amsgrad": True}),
        # --- decoupled weight decay (AdamW; NAdam's decoupled_weight_decay) ---------------------
        C("adamw", "grads", g3, W0_G3, 5, {}),
        C("adamw", "grads", g3, W0_G3, 5, {"lr": 0.1, "weight_decay": 0.1}),
        C("adamw", "quad", quad, W_QUAD, 6, {"lr": 0.1, "weight_decay": 0.5}),
        C("adamw", "gdecay", gd, W0_GDECAY, 6, {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True},
          slug_extra="amsgrad-lr0.1-wd0.1"),
        C("nadam", "grads", g3, W0_G3, 5, {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True},
          slug_extra="decoupled-lr0.1-wd0.1"),
        # --- RMSprop's centered and momentum variants -------------------------------------------
        C("rmsprop", "grads", g3, W0_G3, 5, {"lr": 0.1, "alpha": 0.9, "centered": True}),
        C("rmsprop", "grads", g3, W0_G3, 5, {"lr": 0.1, "alpha": 0.9, "momentum": 0.5}),
        C("rmsprop", "quad", quad, W_QUAD, 6, {"lr": 0.01, "alpha": 0.9, "momentum": 0.9, "centered": True}),
    ]
    ids = [c["id"] for c in cases]
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, dup
    return cases


# ---------------------------------------------------------------------------------------------
# Self-checks on the harness
# ---------------------------------------------------------------------------------------------


def self_checks(cases):
    by_id = {c["id"]: c for c in cases}

    # conventions.md, "Momentum and Nesterov": torch theta for the one-parameter sigmoid example.
    c = by_id["nag-sigmoid-conventions-example"]
    expected = [2.5732458742, 2.6742064400, 2.7971352353]
    got = [row[0] for row in c["trajectory"]]
    for g, e in zip(got, expected, strict=True):
        assert abs(g - e) < 1e-9, (got, expected)

    # conventions.md: notes 000's zero-gradient Adam example (v_hat_1 = 0.49975).
    c = by_id["adam-grads-notes-example"]
    v2 = c["state"][1]["exp_avg_sq"][0]
    assert math.isclose(v2, 0.000999, rel_tol=1e-12), v2
    assert abs(v2 / (1 - 0.999**2) - 0.49975) < 5e-6  # 4 significant digits in the notes

    for c in cases:
        assert len(c["trajectory"]) == len(c["grads"]) == len(c["state"]) == c["steps"]
        assert 2 <= c["steps"] <= 10
        for row in c["trajectory"]:
            assert all(math.isfinite(x) for x in row), c["id"]


def main():
    assert torch.__version__.split("+")[0] == EXPECTED_TORCH, torch.__version__
    check_loss_strings()
    cases = [run_case(c) for c in build_cases()]
    self_checks(cases)
    doc = {
        "generator": "tests/oracles/gen_torch_optim.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "notes": (
            "trajectory[t] = parameters after step t+1; grads[t] = p.grad given to step t+1 "
            "(before torch adds weight_decay*p); state[t] = optimizer state after step t+1. "
            "Parameters are one float64 vector in the order of source.vars ([w, b] for neuron)."
        ),
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1, allow_nan=False)
    OUT.write_text(text + "\n")
    print(f"wrote {OUT} ({len(cases)} cases, {len(text)} bytes)")


if __name__ == "__main__":
    main()
