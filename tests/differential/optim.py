"""Independent references for the optimizer families, the moving average and the learning-rate schedules.

The optimizers are re-implemented here step by step in float64 from torch.optim's documented algorithms
(torch 2.13 "Algorithm" boxes) and notes 000's forms, as shared/conventions.md records them; the gradient
of a typed loss comes from SymPy's derivative of the same text, the sigmoid neuron's from its closed form
(with the cross-entropy written as softplus(z) - y z, which stays exact for logits past 100).
tests/test_differential.py checks these references against the committed torch fixtures too.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any, Mapping

import numpy as np
import sympy as sp
from scipy.special import expit

from .core import ACCEPT, STATUS, Approx, Invalid, Ref, Skip, array, boolean, get, named, num, vector

# ---- torch's (and the notes') defaults, per family -------------------------------------------------------
DEFAULTS = {
    "sgd": {"lr": 1e-3},
    "momentum": {"lr": 1e-2, "beta": 0.9, "dampening": 0.0},
    "nag": {"lr": 1e-2, "beta": 0.9},
    "adagrad": {"lr": 1e-2, "eps": 1e-10, "lr_decay": 0.0},
    "rmsprop": {"lr": 1e-2, "beta": 0.99, "eps": 1e-8},
    "adadelta": {"lr": 1.0, "beta": 0.9, "eps": 1e-6},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adamax": {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "nadam": {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum_decay": 4e-3},
}
HISTORIES = {"momentum": ("u0",), "nag": ("u0",), "adagrad": ("v0",), "rmsprop": ("v0",), "adadelta": ("v0", "u0"),
             "adam": ("m0", "v0"), "adamax": ("m0", "v0"), "nadam": ("m0", "v0")}

_FUNCS = {"exp", "log", "ln", "log2", "log10", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "abs", "relu", "sinh", "cosh",
          "max", "min", "pi", "e"}
_SIG = sp.Lambda(sp.Symbol("z"), 1 / (1 + sp.exp(-sp.Symbol("z"))))


class Source:
    """The gradient source of an optimizer instance: grad(point, i) and loss(point) (None for given gradients)."""

    def __init__(self, p: Mapping[str, Any], family: str, shared: str = "all"):
        kind = p.get("source") or "auto"
        given = [k for k, present in (("grads", p.get("grads") is not None), ("loss", p.get("loss") is not None),
                                      ("neuron", p.get("x") is not None or p.get("y") is not None)) if present]
        if kind == "auto":
            if len(given) != 1:
                raise Invalid("say which gradient source to use")
            kind = given[0]
        self.kind = kind
        w0_raw = p.get("w0")
        w0_named = named(w0_raw)
        w0 = None if w0_raw is None else (list(w0_named.values()) if w0_named else vector(w0_raw))
        names = list(w0_named) if w0_named else None
        if kind == "grads":
            raw = array(p["grads"]) if not isinstance(p["grads"], (int, float)) else [num(p["grads"])]
            if raw and isinstance(raw[0], list):
                rows = raw
            elif w0 is not None and len(w0) > 1:
                if len(raw) != len(w0):
                    raise Invalid("grads must match w0")
                rows = [raw]
            else:
                rows = [[g] for g in raw]
            self.rows = [list(map(float, r)) for r in rows]
            n = len(self.rows[0])
            steps = int(num(p["steps"])) if p.get("steps") is not None else len(self.rows)
            if len(self.rows) > 1 and steps > len(self.rows):
                raise Invalid("more steps than gradient rows")
            if w0 is not None and len(w0) not in (1, n):
                raise Invalid("w0 must match grads")
        elif kind == "loss":
            text = str(p["loss"])
            found = []
            for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text):
                if m.group(0) not in _FUNCS and m.group(0) not in found:
                    found.append(m.group(0))
            order = list(p["vars"]) if isinstance(p.get("vars"), (list, tuple)) else (
                re.split(r"[\s,;]+", str(p["vars"]).strip()) if p.get("vars") is not None else found)
            syms = {v: sp.Symbol(v, real=True) for v in order}
            expr = sp.sympify(text.replace("^", "**"), locals={**syms, "sigmoid": _SIG, "ln": sp.log})
            self.separable = False
            if names is not None:
                w0 = [w0_named[v] for v in order]
                n = len(order)
            elif len(order) == 1 and w0 is not None and len(w0) > 1:
                self.separable, n = True, len(w0)
            else:
                n = len(order)
                if w0 is not None and len(w0) != n:
                    raise Invalid("w0 must have one entry per loss variable")
            sy = [syms[v] for v in order]
            self.f = sp.lambdify(sy, expr, "numpy")
            self.df = [sp.lambdify(sy, sp.diff(expr, s), "numpy") for s in sy]
            steps = int(num(p["steps"])) if p.get("steps") is not None else 1
        else:
            self.x, self.y = vector(p["x"]), vector(p["y"])
            if len(self.x) != len(self.y):
                raise Invalid("x and y differ in length")
            self.neuron_loss = p.get("neuron_loss") or "mse"
            if self.neuron_loss == "ce" and any(v < 0 or v > 1 for v in self.y):
                raise Invalid("cross-entropy targets must lie in [0, 1]")
            if names is not None:
                if set(names) != {"w", "b"}:
                    raise Invalid("the neuron's parameters are w and b")
                w0 = [w0_named["w"], w0_named["b"]]
            elif w0 is not None and len(w0) != 2:
                raise Invalid("the neuron has two parameters")
            n = 2
            steps = int(num(p["steps"])) if p.get("steps") is not None else 1
        self.n, self.steps = n, steps
        self.w0 = np.zeros(n) if w0 is None else np.array(w0 * n if len(w0) == 1 and n > 1 else w0, dtype=float)
        self.names = names
        self.shared = shared

    def grad(self, point: np.ndarray, i: int) -> np.ndarray:
        if self.kind == "grads":
            r = self.rows[i if len(self.rows) > 1 else 0]
            return np.array(r * self.n if len(r) == 1 and self.n > 1 else r, dtype=float)
        if self.kind == "loss":
            with np.errstate(all="ignore"):
                if self.separable:
                    return np.array([float(self.df[0](v)) for v in point])
                return np.array([float(d(*point)) for d in self.df])
        w, b = point
        x, y = np.array(self.x), np.array(self.y)
        z = w * x + b
        yh = expit(z)
        # y_hat - y and 1 - y_hat without cancellation: a saturated unit keeps its tiny gradient
        diff = np.where(y == 1, -expit(-z), np.where(y == 0, yh, yh - y))
        dz = diff * yh * expit(-z) if self.neuron_loss == "mse" else diff
        return np.array([np.sum(dz * x), np.sum(dz)])

    def loss(self, point: np.ndarray):
        if self.kind == "grads":
            return None
        if self.kind == "loss":
            with np.errstate(all="ignore"):
                if self.separable:
                    return float(sum(float(self.f(v)) for v in point))
                return float(self.f(*point))
        w, b = point
        x, y = np.array(self.x), np.array(self.y)
        z = w * x + b
        if self.neuron_loss == "mse":
            return float(np.sum(0.5 * (expit(z) - y) ** 2))
        return float(np.sum(np.logaddexp(0.0, z) - y * z))   # -(y log s + (1-y) log(1-s)) = softplus(z) - y z

    def history(self, p, name: str) -> tuple[np.ndarray, bool]:
        raw = p.get(name)
        if raw is None:
            return np.zeros(self.n), False
        nv = named(raw)
        if nv is not None:
            raise Skip("named histories are not drawn")
        v = vector(raw)
        if len(v) == 1 and self.n > 1:
            v = v + [0.0] * (self.n - 1) if self.shared == "first" else v * self.n
        if len(v) != self.n:
            raise Invalid(f"{name} must have one entry per parameter")
        return np.array(v, dtype=float), True


def _hyper(p, family: str) -> dict[str, float]:
    h = dict(DEFAULTS[family])
    for k in list(h) + ["weight_decay"]:
        if p.get(k) is not None:
            h[k] = num(p[k])
    h.setdefault("weight_decay", 0.0)
    return h


def optimizer_expected(family: str):
    """The reference of one optimizer family: the last step's quantities, the trace, w and the loss."""

    def expected(p: Mapping[str, Any], conv: Mapping[str, str]) -> dict:
        shared = "first" if conv.get("lookahead_target") == "w-only" else "all"
        src = Source(p, family, shared)
        h = _hyper(p, family)
        t0 = int(num(p["t0"])) if p.get("t0") is not None else 0
        hist = {k: src.history(p, k) for k in HISTORIES.get(family, ())}
        for k in ("v0",) + (("u0",) if family == "adadelta" else ()):
            if k in hist and np.any(hist[k][0] < 0):
                raise Invalid(f"{k} must be at least 0")
        state = {k[0]: v.copy() for k, (v, _) in hist.items()}
        u_given = hist.get("u0", (None, False))[1]
        if family == "adam" and p.get("amsgrad") is not None and boolean(p["amsgrad"]):
            state["v_max"] = state["v"].copy()
        if family == "nadam":
            psi, b1 = h["momentum_decay"], h["beta1"]
            state["prod"] = math.prod(b1 * (1 - 0.5 * 0.96 ** (i * psi)) for i in range(1, t0 + 1))
        w = src.w0.copy()
        rows, last = [], {}
        z_scale = 0.0  # the neuron's largest |w x| + |b| on the way: float64 rounds z = w x + b to ulps of it
        with np.errstate(all="ignore"):
            for i in range(src.steps):
                t = t0 + i + 1
                before = w
                if src.kind == "neuron" and np.all(np.isfinite(w)):
                    z_scale = max(z_scale, float(np.max(np.abs(w[0] * np.asarray(src.x, dtype=float)))) + abs(float(w[1])))
                row, w = STEP[family](src, h, conv, state, w, i, t, u_given, p)
                rows.append(row)
                step = w - before                         # the step w_{t+1} - w_t (the last one is an answer)
                last = row
        out: dict[str, Any] = {}
        finite = all(np.all(np.isfinite(np.asarray(v, dtype=float))) for r in rows for v in r.values()) and np.all(np.isfinite(w))
        if not finite:
            return {STATUS: "undefined"}
        shape = (lambda v: float(v[0]) if src.n == 1 else [float(x) for x in v])
        for k, v in last.items():
            if k == "g" and src.kind == "grads":
                continue
            out[NAMES.get((family, k), k)] = shape(np.atleast_1d(v))
        out["w"] = shape(w)
        if rows:
            out["delta_w"] = shape(step)
        loss = src.loss(w)
        if loss is not None and math.isfinite(loss):
            out["loss"] = loss
        if src.kind == "neuron" and np.all(np.isfinite(w)):  # the loss at the last w
            z_scale = max(z_scale, float(np.max(np.abs(w[0] * np.asarray(src.x, dtype=float)))) + abs(float(w[1])))
        # a saturated neuron's gradient is ~e^-|z|: an absolute rounding of z (ulps of z_scale) is a relative error
        # of the gradient, carried into every later quantity; past the default tolerance, allow it (both paths and
        # the reference are float64 or rounded to it there)
        cond = 4 * np.finfo(float).eps * z_scale
        if cond > 1e-9:
            out = {k: Approx(v, rtol=1e-8 + cond) for k, v in out.items()}
        out["trace"] = [{k: [float(x) for x in np.atleast_1d(v)] for k, v in r.items()} for r in rows]
        out[STATUS] = "solved"
        return out

    return expected


NAMES = {("nag", "g"): "grad_lookahead"}


def _g(src, h, point, i, conv=None):
    g = src.grad(point, i)
    if conv is not None and conv.get("weight_decay_form") == "decoupled":
        return g                                   # AdamW: the moments see the plain gradient
    return g + h["weight_decay"] * point if h["weight_decay"] else g


def _decoupled(h, conv, w):
    """Decoupled weight decay (torch.optim.AdamW, NAdam(decoupled_weight_decay=True)): w *= 1 - lr wd before the
    step, after the gradient was taken at w."""
    if conv.get("weight_decay_form") == "decoupled" and h["weight_decay"]:
        return w * (1 - h["lr"] * h["weight_decay"])
    return w


def _sgd(src, h, conv, st, w, i, t, u_given, p):
    g = _g(src, h, w, i)
    w = w - h["lr"] * g
    return {"g": g, "w": w}, w


def _momentum(src, h, conv, st, w, i, t, u_given, p):
    g = _g(src, h, w, i)
    lr, beta, d = h["lr"], h["beta"], h["dampening"]
    vel = conv.get("momentum_form") == "velocity"
    scale = lr if vel else 1.0
    if conv.get("momentum_form") == "average":     # Andrew Ng's V = beta V + (1 - beta) g, from V = 0; no dampening
        u = beta * st["u"] + (1 - beta) * g
        st["u"] = u
        w = w - lr * u
        return {"g": g, "u": u, "w": w}, w
    if beta == 0:                                  # torch skips the momentum branch (and its dampening) at 0
        u = scale * g
    elif i == 0 and not u_given and t == 1:        # torch's first step: the buffer starts at g
        u = scale * g
    else:
        u = beta * st["u"] + scale * (1 - d) * g
    st["u"] = u
    w = w - u if vel else w - lr * u
    return {"g": g, "u": u, "w": w}, w


def _nag(src, h, conv, st, w, i, t, u_given, p):
    lr, beta = h["lr"], h["beta"]
    form = conv.get("nag_form", "notes")
    if form == "torch":                            # theta is the look-ahead point; b = mu b + g; theta -= lr (g + mu b)
        g = _g(src, h, w, i)
        u = beta * st["u"] + g
        st["u"] = u
        w_new = w - lr * (g + beta * u)
        return {"lookahead": w.copy(), "g": g, "u": u, "w": w_new}, w_new
    look = w - (lr * beta if form == "scaled" else beta) * st["u"]
    g = _g(src, h, look, i)
    if form == "sutskever":
        u = beta * st["u"] + lr * g
        w_new = w - u
    else:
        u = beta * st["u"] + g
        w_new = w - lr * u
    st["u"] = u
    return {"lookahead": look, "g": g, "u": u, "w": w_new}, w_new


def _rate(lr, v, eps, inside: bool):
    return lr / np.sqrt(v + eps) if inside else lr / (np.sqrt(v) + eps)


def _adagrad(src, h, conv, st, w, i, t, u_given, p):
    g = _g(src, h, w, i)
    v = st["v"] + g * g
    st["v"] = v
    eta_t = h["lr"] / (1 + (t - 1) * h["lr_decay"])
    eta = _rate(eta_t, v, h["eps"], conv.get("eps_placement", "inside") == "inside")
    w = w - eta * g
    row = {"g": g, "v": v, "eta_eff": eta, "w": w}
    if h["lr_decay"]:
        row["eta_t"] = np.array([eta_t])
    return row, w


def _rmsprop(src, h, conv, st, w, i, t, u_given, p):
    """torch.optim.RMSprop: square_avg, then (centered) grad_avg and the variance sqrt(v - g_bar^2), then (momentum)
    buf = mu buf + g / denominator, w -= lr buf; the buffers start at 0."""
    g = _g(src, h, w, i)
    beta = h["beta"]
    v = beta * st["v"] + (1 - beta) * g * g
    st["v"] = v
    row = {"g": g, "v": v}
    var = v
    if p.get("centered") is not None and boolean(p["centered"]):
        ga = beta * st.get("g_avg", np.zeros_like(g)) + (1 - beta) * g
        st["g_avg"] = ga
        row["g_avg"] = ga
        var = v - ga * ga
    inside = conv.get("eps_placement", "inside") == "inside"
    denom = np.sqrt(var + h["eps"]) if inside else np.sqrt(var) + h["eps"]
    eta = h["lr"] / denom
    row["eta_eff"] = eta
    mu = num(p["momentum"]) if p.get("momentum") is not None else 0.0
    if mu:
        b = mu * st.get("b", np.zeros_like(g)) + g / denom
        st["b"] = b
        row["b"] = b
        w = w - h["lr"] * b
    else:
        w = w - eta * g
    row["w"] = w
    return row, w


def _adadelta(src, h, conv, st, w, i, t, u_given, p):
    g = _g(src, h, w, i)
    beta, eps = h["beta"], h["eps"]
    v = beta * st["v"] + (1 - beta) * g * g
    eta = np.sqrt(st["u"] + eps) / np.sqrt(v + eps)
    dw = -eta * g
    u = beta * st["u"] + (1 - beta) * dw * dw
    st["v"], st["u"] = v, u
    w = w + h["lr"] * dw
    return {"g": g, "v": v, "eta_eff": eta, "dw": dw, "u": u, "w": w}, w


def _adam(src, h, conv, st, w, i, t, u_given, p):
    g = _g(src, h, w, i, conv)
    w = _decoupled(h, conv, w)
    b1, b2 = h["beta1"], h["beta2"]
    m = b1 * st["m"] + (1 - b1) * g
    v = b2 * st["v"] + (1 - b2) * g * g
    st["m"], st["v"] = m, v
    row = {"g": g, "m": m, "v": v}
    vv = v
    if "v_max" in st:
        vv = st["v_max"] = np.maximum(st["v_max"], v)
        row["v_max"] = vv
    if conv.get("eps_placement") == "keras":
        # Kingma & Ba 2015, section 2 (the efficient form) as tf.keras.optimizers.Adam: alpha_t = alpha
        # sqrt(1 - beta2^t) / (1 - beta1^t), w -= alpha_t m / (sqrt(v) + epsilon hat), epsilon hat = eps
        on = conv.get("bias_correction", "on") == "on"
        eta_t = h["lr"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) if on else h["lr"]
        w = w - eta_t * m / (np.sqrt(vv) + h["eps"])
        if on:
            row["eta_t"] = np.array([eta_t])
        row["w"] = w
        return row, w
    if conv.get("bias_correction", "on") == "on":
        m_hat, v_hat = m / (1 - b1 ** t), vv / (1 - b2 ** t)
        row.update(m_hat=m_hat, v_hat=v_hat)
    else:
        m_hat, v_hat = m, vv
    eta = _rate(h["lr"], v_hat, h["eps"], conv.get("eps_placement", "inside") == "inside")
    w = w - eta * m_hat
    row.update(eta_eff=eta, w=w)
    return row, w


def _adamax(src, h, conv, st, w, i, t, u_given, p):
    g = _g(src, h, w, i)
    b1, b2, eps = h["beta1"], h["beta2"], h["eps"]
    m = b1 * st["m"] + (1 - b1) * g
    torch_form = conv.get("adamax_eps", "denominator") == "max"
    v = np.maximum(b2 * st["v"], np.abs(g) + (eps if torch_form else 0.0))
    st["m"], st["v"] = m, v
    row = {"g": g, "m": m, "v": v}
    m_hat = m
    if conv.get("bias_correction", "on") == "on":
        m_hat = m / (1 - b1 ** t)
        row["m_hat"] = m_hat
    eta = h["lr"] / v if torch_form else h["lr"] / (v + eps)
    w = w - eta * m_hat
    row.update(eta_eff=eta, w=w)
    return row, w


def _nadam(src, h, conv, st, w, i, t, u_given, p):
    g = _g(src, h, w, i, conv)
    w = _decoupled(h, conv, w)
    b1, b2, psi = h["beta1"], h["beta2"], h["momentum_decay"]
    m = b1 * st["m"] + (1 - b1) * g
    v = b2 * st["v"] + (1 - b2) * g * g
    st["m"], st["v"] = m, v
    row = {"g": g, "m": m, "v": v}
    form = conv.get("nadam_form", "notes")
    if form == "torch":
        mu, mu_next = b1 * (1 - 0.5 * 0.96 ** (t * psi)), b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        st["prod"] *= mu
        prod = st["prod"]
        m_bar = (1 - mu) / (1 - prod) * g + mu_next / (1 - prod * mu_next) * m
        row["mu"] = np.array([mu])
    elif form == "dozat":
        m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1 ** t)
    else:
        m_hat = m / (1 - b1 ** t)
        row["m_hat"] = m_hat
        m_bar = b1 * m_hat + (1 - b1) * g / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    eta = _rate(h["lr"], v_hat, h["eps"], conv.get("eps_placement", "inside") == "inside")
    w = w - eta * m_bar
    row.update(m_bar=m_bar, v_hat=v_hat, eta_eff=eta, w=w)
    return row, w


STEP = {"sgd": _sgd, "momentum": _momentum, "nag": _nag, "adagrad": _adagrad, "rmsprop": _rmsprop,
        "adadelta": _adadelta, "adam": _adam, "adamax": _adamax, "nadam": _nadam}


# ---- instances -------------------------------------------------------------------------------------------
LOSSES = ("x**2 + 4*y**2", "(x - 1)**2 + 10*(y - x**2)**2", "w**4 - 3*w**2 + w", "(sigmoid(0.5*w) - 1)**2",
          "exp(x) + y**2 - x*y", "log(1 + x**2) + tanh(y)", "w**2", "0.5*w**2", "x*y")
HYPER = {
    "lr": (0.1, 0.01, 1.0, 0.5, 1e-3, 2.0),
    "beta": (0.0, 0.5, 0.9, 0.99),
    "beta1": (0.0, 0.8, 0.9),
    "beta2": (0.9, 0.99, 0.999),
    "eps": (1e-8, 0.0, 0.1, 1e-6),
    "dampening": (0.0, 0.0, 0.5),
    "lr_decay": (0.0, 0.0, 0.1),
    "momentum_decay": (4e-3, 0.0, 0.1),
}


def _halves(rng, n):
    return [float(v) for v in rng.choice(np.arange(-8, 9) / 4, size=n)]


def draw_source(rng: np.random.Generator) -> dict:
    kind = rng.choice(["grads", "loss", "neuron", "neuron"])
    if kind == "grads":
        n, steps = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        rows = [_halves(rng, n) for _ in range(steps)]
        out = {"grads": rows if n > 1 else [r[0] for r in rows]}
        if rng.random() < 0.7:
            out["w0"] = _halves(rng, n) if n > 1 else _halves(rng, 1)[0]
        return out
    if kind == "loss":
        loss = str(rng.choice(LOSSES))
        nvars = len({m for m in re.findall(r"[a-z]+", loss) if m not in _FUNCS})
        if nvars == 1 and rng.random() < 0.4:
            return {"loss": loss, "w0": _halves(rng, int(rng.integers(2, 5))), "steps": int(rng.integers(1, 4))}
        return {"loss": loss, "w0": _halves(rng, nvars) if nvars > 1 else _halves(rng, 1)[0],
                "steps": int(rng.integers(1, 4))}
    k = int(rng.integers(1, 4))
    loss = str(rng.choice(["mse", "ce"]))
    x = [float(v) for v in rng.choice([0.5, 1.0, 2.0, -1.0, 0.0, 3.0], size=k)]
    y = [float(v) for v in rng.choice([0.0, 1.0, 0.3], size=k)]
    w, b = (float(v) for v in rng.choice([-2.0, -1.0, 0.0, 0.5, 2.5, 40.0, -60.0], size=2))
    out = {"x": x, "y": y, "neuron_loss": loss, "steps": int(rng.integers(1, 4))}
    out["w0"] = f"w={w}, b={b}" if rng.random() < 0.5 else [w, b]
    return out


def optimizer_draw(family: str):
    def draw(rng: np.random.Generator) -> dict:
        inst = draw_source(rng)
        for k in DEFAULTS[family]:
            if k in HYPER and rng.random() < 0.8:
                inst[k] = float(rng.choice(HYPER[k]))
        if rng.random() < 0.2:
            inst["weight_decay"] = float(rng.choice([0.1, 0.01]))
        if rng.random() < 0.25:
            inst["t0"] = int(rng.choice([1, 3, 9]))
        n = len(inst["grads"][0]) if "grads" in inst and isinstance(inst["grads"][0], list) else None
        for hname in HISTORIES.get(family, ()):
            if rng.random() < 0.3:
                inst[hname] = float(rng.choice([0.5, 0.8, -0.5] if hname in ("u0", "m0") else [0.5, 1.0, 0.01]))
                if n and n > 1 and rng.random() < 0.5:
                    inst[hname] = [abs(x) if hname == "v0" else x for x in _halves(rng, n)]
        if family == "adam" and rng.random() < 0.3:
            inst["amsgrad"] = True
        return inst

    return draw


def optimizer_edges(family: str) -> tuple:
    big = [({"x": [1.0], "y": [0.0], "w0": [95.0, 0.0], "lr": 0.1, "neuron_loss": "ce"}),
           ({"x": [1.0], "y": [0.0], "w0": [92.0, 0.0], "lr": 1e-300, "neuron_loss": "ce"}),
           ({"x": [1.0, -1.0], "y": [1.0, 0.0], "w0": "w=120, b=5", "neuron_loss": "ce", "steps": 2}),
           ({"x": [2.0], "y": [1.0], "w0": "w=-60, b=-3", "neuron_loss": "mse", "lr": 0.5})]
    return (
        *big,
        {"grads": [0.0, 0.0], "w0": 1.0},                                     # zero gradients
        *([{"grads": [[0.0, 0.0]], "w0": [0.0, 0.0], "eps": 0.0, "steps": 2}]   # a zero denominator when eps = 0
          if "eps" in DEFAULTS[family] else []),
        {"grads": [0.30000000000000004, 0.1], "w0": 0.30000000000000004},   # 17 significant digits
        {"grads": [[1e12, -1e-8], [1e6, 1e-8]], "w0": [1e6, -1e-8]},        # magnitudes 1e-8 .. 1e12
        {"grads": [[1.0, 1.0], [1.0, 1.0]], "w0": [0.5, 0.5]},               # exact ties
        {"grads": [0.5], "steps": 3},                                         # one row, repeated
        {"loss": "0.5*w**2", "w0": [1.28, 0.11], "steps": 1},                 # issue 13 item 6's instance
        {"loss": "w**2", "w0": [1.0, -2.0, 0.30000000000000004], "steps": 2, "weight_decay": 0.1},
    )


def _step_tol(p):
    """delta_w = w_{t+1} - w_t loses float64's digits to cancellation when the step is tiny beside w: allow the
    rounding of w itself (a few ulps of the largest |w|)."""
    try:
        scale = max([1.0] + [abs(float(x)) for x in np.ravel(array(p["w0"]))]) if p.get("w0") is not None else 1.0
    except Exception:  # noqa: BLE001 - a named w0 = (w, b) or a text form: the default scale
        scale = 1.0
    return 1e-8, 1e-14 * scale


def optimizer_ref(family: str) -> Ref:
    return Ref(expected=optimizer_expected(family), draw=optimizer_draw(family), edges=optimizer_edges(family),
               source="torch.optim's documented algorithm (and notes 000's forms), float64, written out in the test",
               tol={"delta_w": _step_tol},
               rtol=1e-8)      # a few float64 steps of the reference may amplify rounding (lr / v with a tiny v)


# ---- the exponentially weighted average ------------------------------------------------------------------
def ewa_expected(p, conv) -> dict:
    theta = vector(p["theta"])
    beta = get(p, "beta", 0.9)
    v = get(p, "v0", 0.0)
    t0 = int(get(p, "t0", 0))
    if not 0 <= beta < 1:
        raise Invalid("beta in [0, 1)")
    vs, vh = [], []
    for i, th in enumerate(theta):
        v = beta * v + (1 - beta) * th
        vs.append(v)
        vh.append(v / (1 - beta ** (t0 + i + 1)))
    n = len(theta)
    out = {"v": vs, "weights": [(1 - beta) * beta ** (n - k) for k in range(1, n + 1)], "window": 1 / (1 - beta)}
    if conv.get("bias_correction", "on") == "on":
        out["v_hat"] = vh
    return out


def ewa_draw(rng) -> dict:
    n = int(rng.integers(1, 9))
    out = {"theta": _halves(rng, n), "beta": float(rng.choice([0.0, 0.5, 0.9, 0.99, 0.999]))}
    if rng.random() < 0.3:
        out["v0"], out["t0"] = float(rng.choice([0.0, 1.0, -0.5])), int(rng.integers(0, 20))
    return out


EWA = Ref(expected=ewa_expected, draw=ewa_draw, source="the recurrence v_t = beta v_(t-1) + (1 - beta) theta_t, written out",
          edges=({"theta": [1.0] * 10, "beta": 0.9}, {"theta": [0.30000000000000004], "beta": 0.999},
                 {"theta": [1e12, -1e12, 1e-8], "beta": 0.5}, {"theta": [0.0, 0.0, 0.0], "beta": 0.0},
                 {"theta": [2.0, 2.0], "beta": 0.9, "v0": 2.0, "t0": 1000}))


# ---- learning-rate schedules (torch.optim.lr_scheduler's closed forms) ------------------------------------
def _decay(p, conv, c: float) -> float:
    sched = p.get("schedule") or "step"
    e0, g, k = get(p, "eta0", 0.1), get(p, "gamma", 0.5), get(p, "k", 0.01)
    T, emin, pw = get(p, "T", 10.0), get(p, "eta_min", 0.0), get(p, "power", 1.0)
    s = get(p, "step_size", 5.0)
    if sched == "constant":
        return e0
    if sched == "step":
        return e0 * g ** math.floor(c / s)
    if sched == "exponential":
        return e0 * math.exp(-k * c)
    if sched == "exponential_gamma":
        return e0 * g ** c
    if sched == "multistep":     # torch.optim.lr_scheduler.MultiStepLR: gamma once for each milestone reached
        return e0 * g ** sum(1 for m in vector(p["milestones"]) if m <= c)
    if sched == "inverse_time":
        return e0 / (1 + k * c)
    if sched == "cosine":
        if c > T and conv.get("cosine_after_T", "hold") == "hold":
            return emin
        return emin + (e0 - emin) * (1 + math.cos(math.pi * math.fmod(c, 2 * T) / T)) / 2   # period 2T, fmod exact
    if sched == "cosine_restarts":
        mult = int(get(p, "T_mult", 1.0))
        if mult == 1:
            start, length = math.floor(c / T) * T, T
        else:
            start, length = 0.0, T
            while c >= start + length:
                start += length
                length *= mult
        return emin + (e0 - emin) * (1 + math.cos(math.pi * (c - start) / length)) / 2
    if sched == "polynomial":
        return emin + (e0 - emin) * (1 - min(c, T) / T) ** pw
    raise Invalid(f"unknown schedule {sched}")


def _lr_domain(p) -> None:
    """torch's own argument checks (and integer step counts): outside them there is no schedule."""
    def whole(name, lo, default):
        v = get(p, name, default)
        if v != int(v) or v < lo:
            raise Invalid(f"{name} must be an integer >= {lo}")
    for name, lo, default in (("T", 1, 10.0), ("T_mult", 1, 1.0), ("step_size", 1, 5.0), ("warmup_steps", 0, 0.0)):
        whole(name, lo, default)
    for name in ("n_samples", "batch_size"):
        if p.get(name) is not None:
            whole(name, 1, 1.0)
    g, k, pw = get(p, "gamma", 0.5), get(p, "k", 0.01), get(p, "power", 1.0)
    if not (get(p, "eta0", 0.1) > 0 and 0 < g <= 1 and k >= 0 and pw > 0 and get(p, "eta_min", 0.0) >= 0
            and 0 <= get(p, "warmup_start", 0.0) <= 1 and min(vector(p["at"])) >= 0):
        raise Invalid("a hyperparameter outside its range")


def _inverse_sqrt(p, t: float) -> float:
    """Vaswani et al. 2017 with d_model: scale d_model^-0.5 min(t^-0.5, t T_w^-1.5); without it fairseq's
    inverse_sqrt: a linear warm-up from warmup_start x eta0 to eta0 over T_w steps, then eta0 sqrt(T_w / t)."""
    Tw = int(get(p, "warmup_steps", 0.0))
    if p.get("d_model") is not None:
        d, c = get(p, "d_model"), get(p, "scale", 1.0)
        if d != int(d) or d < 1 or not c > 0 or Tw < 1 or get(p, "warmup_start", 0.0) != 0:
            raise Invalid("Noam needs an integer d_model >= 1, scale > 0, T_w >= 1 and a warm-up from 0")
        return 0.0 if t == 0 else c * d ** -0.5 * min(t ** -0.5, t * Tw ** -1.5)
    e0, sw = get(p, "eta0", 0.1), get(p, "warmup_start", 0.0)
    if t < Tw:
        return e0 * sw + t * (e0 - e0 * sw) / Tw
    if t == 0:
        raise Invalid("eta0 / sqrt(t) at t = 0")
    return e0 * math.sqrt(Tw / t) if Tw else e0 / math.sqrt(t)


def _one_cycle(p, t: float) -> float:
    """torch.optim.lr_scheduler.OneCycleLR.get_lr at step t, as torch writes it (float phase ends)."""
    T = get(p, "total_steps")
    pct, top = get(p, "pct_start", 0.3), get(p, "eta0", 0.1)
    div, fdiv = get(p, "div_factor", 25.0), get(p, "final_div_factor", 1e4)
    three = str(p.get("three_phase", False)).lower() in ("true", "1")
    if T is None or T != int(T) or T < 1 or not 0 <= pct <= 1 or not div > 0 or not fdiv > 0:
        raise Invalid("OneCycleLR's argument checks")
    if get(p, "warmup_steps", 0.0):
        raise Invalid("one_cycle has its own warm-up")
    if pct * T - 1 <= 0:
        raise Invalid("the rising phase ends at step 0 or before (torch divides by zero at step 0)")
    if three and 2 * pct * T - 2 >= T - 1:
        raise Invalid("no third phase")
    if t > T - 1:
        raise Invalid("past the cycle")
    init = top / div
    lo = init / fdiv
    phases = ([(pct * T - 1, init, top), (2 * pct * T - 2, top, init), (T - 1, init, lo)] if three
              else [(pct * T - 1, init, top), (T - 1, top, lo)])
    start = 0.0
    for i, (end, a, b) in enumerate(phases):
        if t <= end or i == len(phases) - 1:
            x = (t - start) / (end - start)
            if p.get("anneal_strategy", "cos") == "cos":
                return b + (a - b) / 2.0 * (math.cos(math.pi * x) + 1)
            return (b - a) * x + a
        start = end
    raise AssertionError


def _exact(x) -> Fraction:
    return Fraction(repr(x) if isinstance(x, float) else str(x))


def plateau_expected(p) -> dict:
    """torch.optim.lr_scheduler.ReduceLROnPlateau: step(loss) once per epoch, in float64 as torch runs it. Where a
    loss is within rounding of the bound and the decimals as typed decide otherwise, float64 rounding would decide
    torch's answer: Skip (the family compares the decimals as typed)."""
    if p.get("losses") in (None, "", []):
        raise Invalid("losses are required")
    losses = vector(p["losses"])
    mode, tmode = p.get("mode") or "min", p.get("threshold_mode") or "rel"
    f = get(p, "factor", get(p, "gamma", 0.1))            # a gamma given alone is the factor
    patience, cooldown = get(p, "patience", 10.0), get(p, "cooldown", 0.0)
    thr, lo, e0 = get(p, "threshold", 1e-4), get(p, "eta_min", 0.0), get(p, "eta0", 0.1)
    if mode not in ("min", "max") or tmode not in ("rel", "abs") or not 0 <= f < 1 or not e0 > 0 or lo < 0 or thr < 0:
        raise Invalid("ReduceLROnPlateau's argument checks")
    if tmode == "rel" and thr >= 1:
        raise Invalid("a relative threshold of 1 or more: torch never counts an improvement")
    for v in (patience, cooldown):
        if v != int(v) or v < 0:
            raise Invalid("patience and cooldown are whole numbers >= 0")
    if get(p, "warmup_steps", 0.0) or p.get("n_samples") is not None or p.get("batch_size") is not None \
            or (p.get("at_unit") or "t") != "t":
        raise Invalid("stepped once per epoch with its loss")
    n = len(losses)
    at = vector(p["at"]) if p.get("at") not in (None, "", []) else list(range(1, n + 1))
    if any(a != int(a) or not 0 <= a <= n for a in at):
        raise Invalid("at: whole epochs 0..n")
    best = math.inf if mode == "min" else -math.inf
    bad = cd = 0
    lr, lrs = e0, [e0]
    for a in losses:
        bound = {("min", "rel"): lambda: best * (1.0 - thr), ("min", "abs"): lambda: best - thr,
                 ("max", "rel"): lambda: best * (thr + 1.0), ("max", "abs"): lambda: best + thr}[(mode, tmode)]()
        better = a < bound if mode == "min" else a > bound
        if math.isfinite(bound) and abs(a - bound) <= 1e-12 * max(1.0, abs(a), abs(bound)):
            xb = {("min", "rel"): lambda b: b * (1 - _exact(thr)), ("min", "abs"): lambda b: b - _exact(thr),
                  ("max", "rel"): lambda b: b * (1 + _exact(thr)), ("max", "abs"): lambda b: b + _exact(thr)}
            exact_bound = xb[(mode, tmode)](_exact(best))
            if better != (_exact(a) < exact_bound if mode == "min" else _exact(a) > exact_bound):
                raise Skip("float64 rounding decides a tie at the threshold")
        if better:
            best, bad = a, 0
        else:
            bad += 1
        if cd > 0:
            cd -= 1
            bad = 0
        if bad > patience:
            new = max(lr * f, lo)
            if lr - new > 1e-8:
                lr = new
            cd, bad = int(cooldown), 0
        lrs.append(lr)
    return {"lr": [lrs[int(a)] for a in at], "final_lr": lrs[-1]}


def lr_expected(p, conv) -> dict:
    if p.get("schedule") == "reduce_on_plateau":
        return plateau_expected(p)
    _lr_domain(p)
    Tw = int(get(p, "warmup_steps", 0.0))
    sw = get(p, "warmup_start", 0.0)
    e0 = get(p, "eta0", 0.1)
    ats = vector(p["at"])
    N, B = get(p, "n_samples"), get(p, "batch_size")
    unit = p.get("at_unit") or "t"
    out: dict[str, Any] = {}
    U = None
    if N is not None and B is not None:
        U = math.ceil(N / B) if conv.get("last_batch", "keep") == "keep" else math.floor(N / B)
        out["updates_per_epoch"] = U
        if B > N:
            out[ACCEPT] = True      # torch's DataLoader gives one (partial) batch per epoch
    if (p.get("schedule") in ("cosine", "cosine_restarts", "polynomial")) and get(p, "eta_min", 0.0) > e0:
        out[ACCEPT] = True          # torch allows eta_min > eta0 (the rate then rises)
    lrs = []
    for a in ats:
        if unit == "epoch":
            if U is None:
                raise Invalid("epochs need n_samples and batch_size")
            t = a * U
        elif unit == "update":
            if U is None:
                raise Invalid("updates need n_samples and batch_size")
            if U == 0:
                raise Skip("no update per epoch")
            t = math.floor(a / U)
        else:
            t = a
        if p.get("schedule") == "inverse_sqrt":     # its own warm-up, on the global step
            lrs.append(_inverse_sqrt(p, t))
        elif p.get("schedule") == "one_cycle":
            lrs.append(_one_cycle(p, t))
        elif Tw and t < Tw:
            if conv.get("after_warmup", "sequential") == "sequential":
                lrs.append(e0 * (sw + (1 - sw) * t / Tw))
            else:
                lrs.append((sw + (1 - sw) * t / Tw) * _decay(p, conv, t))
        elif Tw and (p.get("schedule") or "step") == "constant":
            lrs.append(e0)
        elif Tw and conv.get("after_warmup", "sequential") == "sequential":
            lrs.append(_decay(p, conv, t - Tw))
        else:
            lrs.append(_decay(p, conv, t))
    out["lr"] = lrs
    return out


def lr_draw(rng) -> dict:
    sched = str(rng.choice(["constant", "step", "exponential", "exponential_gamma", "inverse_time", "cosine",
                            "cosine_restarts", "polynomial", "multistep", "inverse_sqrt", "one_cycle",
                            "reduce_on_plateau"]))
    out: dict[str, Any] = {"schedule": sched, "eta0": float(rng.choice([0.1, 1.0, 0.01, 0.5])),
                           "at": sorted(int(v) for v in rng.integers(0, 40, size=int(rng.integers(1, 6))))}
    if sched in ("step", "exponential_gamma", "multistep"):
        out["gamma"] = float(rng.choice([0.5, 0.1, 0.9, 1.0]))
    if sched == "step":
        out["step_size"] = int(rng.integers(1, 8))
    if sched == "multistep":
        out["milestones"] = sorted(int(v) for v in rng.choice(np.arange(0, 30), size=int(rng.integers(1, 4)), replace=False))
    if sched in ("exponential", "inverse_time"):
        out["k"] = float(rng.choice([0.01, 0.1, 0.0, 1.0]))
    if sched in ("cosine", "cosine_restarts", "polynomial"):
        out["T"] = int(rng.integers(1, 20))
        out["eta_min"] = float(rng.choice([0.0, 0.001, 0.05]))
    if sched == "cosine_restarts":
        out["T_mult"] = int(rng.choice([1, 1, 2, 3]))
    if sched == "polynomial":
        out["power"] = float(rng.choice([1.0, 2.0, 0.5]))
    if rng.random() < 0.4 or sched == "inverse_sqrt":
        out["warmup_steps"] = int(rng.integers(0 if sched == "inverse_sqrt" else 1, 6))
        out["warmup_start"] = float(rng.choice([0.0, 0.1, 0.25]))
    if sched == "inverse_sqrt" and rng.random() < 0.5:
        out["d_model"] = int(rng.choice([1, 64, 512, 1000]))
        out["scale"] = float(rng.choice([1.0, 2.0, 0.5]))
        out["warmup_steps"], out["warmup_start"] = max(out["warmup_steps"], 1), 0.0
    if sched == "reduce_on_plateau":     # dyadic losses: ties at the threshold are ties in float64 too
        loss, losses = 1.0, []
        for _ in range(int(rng.integers(1, 16))):
            loss += float(rng.choice([-0.25, -0.125, 0.0, 0.0, 0.0, 0.125]))
            losses.append(loss)
        out = {"schedule": sched, "eta0": out["eta0"], "losses": losses, "patience": int(rng.integers(0, 4)),
               "factor": float(rng.choice([0.5, 0.1, 0.25, 0.0])), "cooldown": int(rng.choice([0, 0, 1, 2])),
               "threshold": float(rng.choice([1e-4, 0.0, 0.125, 0.5])), "threshold_mode": str(rng.choice(["rel", "abs"])),
               "mode": str(rng.choice(["min", "max"])), "eta_min": float(rng.choice([0.0, 0.001, 0.05]))}
        if rng.random() < 0.3:
            out["at"] = sorted(int(v) for v in rng.integers(0, len(losses) + 1, size=int(rng.integers(1, 4))))
        return out
    if sched == "one_cycle":
        T = int(rng.choice([2, 5, 10, 17, 100]))
        out.update(total_steps=T, pct_start=float(rng.choice([0.3, 0.25, 0.5, 0.29, 1.0])),
                   anneal_strategy=str(rng.choice(["cos", "linear"])), three_phase=bool(rng.random() < 0.4),
                   div_factor=float(rng.choice([25.0, 10.0, 1.0])), final_div_factor=float(rng.choice([1e4, 100.0, 1.0])))
        out["at"] = sorted(int(v) for v in rng.integers(0, T, size=int(rng.integers(1, 6))))
        return out
    if sched == "inverse_sqrt" and not out["warmup_steps"]:
        out["at"] = [a for a in out["at"] if a > 0] or [1]
    if rng.random() < 0.4:
        out["n_samples"] = int(rng.integers(1, 3000))
        out["batch_size"] = int(rng.choice([1, 16, 32, 64, 100]))
        if out["batch_size"] > out["n_samples"]:
            out["batch_size"] = out["n_samples"]
        out["at_unit"] = str(rng.choice(["t", "epoch", "update"]))
        if out["at_unit"] == "update":
            out["at"] = [int(a) * 37 for a in out["at"]]
    return out


LR = Ref(expected=lr_expected, draw=lr_draw, source="torch.optim.lr_scheduler's closed forms (StepLR, ExponentialLR, "
         "CosineAnnealingLR, CosineAnnealingWarmRestarts, PolynomialLR, LinearLR with SequentialLR/ChainedScheduler); "
         "Vaswani et al. 2017's and fairseq's inverse square root; OneCycleLR's get_lr; ReduceLROnPlateau's step",
         edges=({"schedule": "step", "eta0": 0.1, "gamma": 0.5, "step_size": 5, "at": [0, 4, 5, 10, 0.30000000000000004]},
                {"schedule": "cosine", "eta0": 0.1, "eta_min": 0.2, "T": 10, "at": [0, 5, 10, 15]},
                {"schedule": "constant", "eta0": 0.1, "at": [0, 1, 2], "n_samples": 10, "batch_size": 64},
                {"schedule": "cosine_restarts", "eta0": 1.0, "T": 3, "T_mult": 2, "at": [0, 2, 3, 8, 9, 21, 22]},
                {"schedule": "polynomial", "eta0": 1e-8, "T": 4, "power": 2.0, "at": [0, 1, 4, 6]},
                {"schedule": "exponential", "eta0": 1e6, "k": 1e-8, "at": [1e6, 0]},
                {"schedule": "inverse_sqrt", "d_model": 512, "warmup_steps": 4000, "at": [0, 1, 3999, 4000, 4001, 1e6]},
                {"schedule": "inverse_sqrt", "eta0": 0.001, "warmup_steps": 10, "warmup_start": 0.1, "at": [0, 9, 10, 40]},
                {"schedule": "inverse_sqrt", "eta0": 0.5, "at": [1, 4, 0.25]},
                {"schedule": "one_cycle", "eta0": 0.01, "total_steps": 100, "pct_start": 0.29, "at": [0, 27, 28, 29, 99]},
                {"schedule": "reduce_on_plateau", "eta0": 0.5, "losses": [1.0, 0.75, 0.5, 0.5, 0.25, 0.25, 0.25, 0.0],
                 "threshold_mode": "abs", "threshold": 0.25, "patience": 1, "cooldown": 2, "factor": 0.5},
                {"schedule": "reduce_on_plateau", "eta0": 1.5e-8, "losses": [1.0, 1.0, 1.0, 1.0], "patience": 0},
                {"schedule": "reduce_on_plateau", "eta0": 0.1, "losses": [0.3, 0.27, 0.27, 0.2], "threshold": 0.1,
                 "patience": 0, "factor": 0.5, "at": [0, 2, 4]},
                {"schedule": "one_cycle", "eta0": 1.0, "total_steps": 20, "pct_start": 0.25, "three_phase": True,
                 "anneal_strategy": "linear", "at": [0, 4, 8, 9, 19, 20]},
                {"schedule": "inverse_time", "eta0": 0.5, "k": 0.1, "warmup_steps": 4, "warmup_start": 0.25,
                 "at": [0, 2, 4, 8], "n_samples": 1000, "batch_size": 32, "at_unit": "epoch"}))


REFERENCES = {name: optimizer_ref(name) for name in DEFAULTS}
REFERENCES["ewa"] = EWA
REFERENCES["lr_schedule"] = LR
