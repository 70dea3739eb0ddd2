"""Independent references for the layers-and-training families: activation functions (scipy.special's
expit, ndtr and the textbook derivatives), batch normalisation (torch.nn.BatchNorm1d's documented forward,
running averages and the textbook backward pass), convolution shapes, dropout, ensembles, gradient clipping
(torch.nn.utils.clip_grad_norm_ and Kahan's stable angle), initialisation (torch.nn.init's fans),
maximum likelihood (scipy.stats) and regularisation, each written out here."""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.special import expit, ndtr
from scipy.stats import norm as normal

from .core import STATUS, Approx, Invalid, Ref, Skip, get, matrix, num, vector

# ---- activation --------------------------------------------------------------------------------------------
SELU_L, SELU_A = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
ALPHA = {"leaky_relu": 0.01, "prelu": 0.25, "elu": 1.0}
ALIASES = {"logistic": "sigmoid", "silu": "swish", "leaky": "leaky_relu", "lrelu": "leaky_relu", "leakyrelu": "leaky_relu",
           "parametric_relu": "prelu", "gelu_exact": "gelu", "gelu_erf": "gelu", "heaviside": "step",
           "gelu_approx": "gelu_tanh", "relu_6": "relu6"}


def _act(fn: str, x: float, alpha: float, beta: float, kink: str) -> tuple[float, float]:
    """f(x) and f'(x); at a kink: torch's autograd value, or the left or right derivative."""
    side = {"torch": None, "left": -1, "right": 1}[kink]
    if fn == "sigmoid":
        return float(expit(x)), float(expit(x) * expit(-x))
    if fn == "tanh":
        return math.tanh(x), (1 / math.cosh(x)) ** 2 if abs(x) < 700 else 0.0
    if fn in ("relu", "leaky_relu", "prelu"):
        a = 0.0 if fn == "relu" else alpha
        f = x if x > 0 else a * x
        if x == 0:
            return 0.0, {None: a, -1: a, 1: 1.0}[side]        # torch: relu'(0) = 0, leaky'(0) = alpha
        return f, 1.0 if x > 0 else a
    if fn == "relu6":
        f = min(max(0.0, x), 6.0)
        if x == 0:
            return 0.0, {None: 0.0, -1: 0.0, 1: 1.0}[side]
        if x == 6:
            return 6.0, {None: 0.0, -1: 1.0, 1: 0.0}[side]
        return f, 1.0 if 0 < x < 6 else 0.0
    if fn in ("elu", "selu"):
        lam, a = (SELU_L, SELU_A) if fn == "selu" else (1.0, alpha)
        f = lam * (x if x > 0 else a * math.expm1(x))
        if x == 0:
            return 0.0, lam * {None: a, -1: a, 1: 1.0}[side]
        return f, lam * (1.0 if x > 0 else a * math.exp(x))
    if fn == "gelu":
        return float(x * ndtr(x)), float(ndtr(x) + x * normal.pdf(x))
    if fn == "gelu_tanh":
        c = math.sqrt(2 / math.pi)
        u = c * (x + 0.044715 * x ** 3)
        s, sm = float(expit(2 * u)), float(expit(-2 * u))       # (1 + tanh u)/2 and (1 - tanh u)/2, no cancellation
        return x * s, s + x * 4 * s * sm * c * (1 + 3 * 0.044715 * x * x) / 2
    if fn in ("gelu_sigmoid", "swish"):
        k = 1.702 if fn == "gelu_sigmoid" else beta
        s, sm = float(expit(k * x)), float(expit(-k * x))
        return x * s, s + k * x * s * sm
    if fn == "softplus":
        return float(np.logaddexp(0.0, x)), float(expit(x))
    if fn == "hard_swish":   # Howard et al. 2019 / torch.nn.Hardswish; torch's backward: 0 at -3, 1 at 3
        f = 0.0 if x <= -3 else x if x >= 3 else x * (x + 3) / 6
        mid = (2 * x + 3) / 6
        if x == -3:
            return f, {None: 0.0, -1: 0.0, 1: mid}[side]
        if x == 3:
            return f, {None: 1.0, -1: mid, 1: 1.0}[side]
        return f, 0.0 if x < -3 else 1.0 if x > 3 else mid
    if fn == "mish":   # Misra 2019 (torch.nn.Mish): x tanh(softplus(x)); its derivative by the product and chain rules
        t = math.tanh(float(np.logaddexp(0.0, x)))
        return x * t, t + x * (1 - t * t) * float(expit(x))
    if fn == "step":
        return (1.0 if x > 0 else 0.0), 0.0
    raise Invalid(f"function {fn}")


def activation_expected(p, conv) -> dict:
    fn = str(p.get("function") or "sigmoid").lower()
    fn = ALIASES.get(fn, fn)
    xs = vector(p["x"]) if p.get("x") is not None else [0.0, 3.0, 5.0]
    kink = conv.get("kink", "torch")
    if fn == "maxout":
        pieces = matrix(p["pieces"]) if p.get("pieces") is not None else [[0.5, 0], [-0.5, 0], [1, 0], [-1, -0.2]]
        P = [(Fraction(repr(w)), Fraction(repr(b))) for w, b in pieces]
        vals, ders = [], []
        for xv in xs:
            xf = Fraction(repr(xv))
            scores = [w * xf + b for w, b in P]
            m = max(scores)
            tied = [w for (w, _), s in zip(P, scores) if s == m]
            slope = {"torch": tied[0], "left": min(tied), "right": max(tied)}[kink]
            vals.append(float(m))
            ders.append(float(slope))
        return {"values": vals, "derivatives": ders}
    alpha = get(p, "alpha", ALPHA.get(fn, 0.0))
    beta = get(p, "beta", 1.0)
    pairs = [_act(fn, xv, alpha, beta, kink) for xv in xs]
    out = {"values": [f for f, _ in pairs], "derivatives": [d for _, d in pairs]}
    if fn == "tanh":
        out["via_sigmoid"] = out["values"]             # the check tanh(x) = 2 sigma(2x) - 1
    return out


def activation_draw(rng) -> dict:
    fn = str(rng.choice(["sigmoid", "tanh", "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "gelu", "gelu_tanh",
                         "gelu_sigmoid", "swish", "softplus", "mish", "hard_swish", "maxout", "step"]))
    xs = [float(v) for v in rng.choice([0.0, 6.0, -1.5, 2.0, 30.0, -40.0, 0.30000000000000004, 1e-8, 700.0, -800.0],
                                       size=int(rng.integers(1, 6)))]
    out: dict[str, Any] = {"function": fn, "x": xs}
    if fn in ALPHA and rng.random() < 0.5:
        out["alpha"] = float(rng.choice([0.1, 0.2, 1.5]))
    if fn == "swish" and rng.random() < 0.5:
        out["beta"] = float(rng.choice([0.5, 2.0, 1.702]))
    if fn == "maxout" and rng.random() < 0.6:
        out["pieces"] = [[float(w), float(b)] for w, b in rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0], size=(int(rng.integers(1, 4)), 2))]
    return out


ACTIVATION = Ref(expected=activation_expected, draw=activation_draw,
                 source="scipy.special (expit, ndtr) and the textbook derivatives, with torch's value at each kink",
                 edges=({"function": "relu", "x": [0.0, -0.0, 1e-8]}, {"function": "relu6", "x": [0.0, 6.0, 5.999999999999999]},
                        {"function": "leaky_relu", "x": [0.0], "alpha": 0.1}, {"function": "elu", "x": [0.0, -1e6]},
                        {"function": "selu", "x": [0.0]}, {"function": "maxout", "x": [0.0, -0.1, 0.30000000000000004]},
                        {"function": "sigmoid", "x": [1e6, -1e6, 36.0]}, {"function": "tanh", "x": [20.0, 0.30000000000000004]},
                        {"function": "gelu_tanh", "x": [-10.0, 10.0]}, {"function": "step", "x": [0.0, 1e-8]},
                        {"function": "softplus", "x": [800.0, -800.0]}))


# ---- batch normalisation --------------------------------------------------------------------------------
def batch_norm_expected(p, conv) -> dict:
    X = np.array(matrix(p["X"]), dtype=float)
    m, d = X.shape
    if m < 2:
        raise Invalid("a batch of at least 2")
    g = np.array(vector(p["gamma"])) if p.get("gamma") is not None else np.ones(d)
    bt = np.array(vector(p["beta"])) if p.get("beta") is not None else np.zeros(d)
    eps, mom = get(p, "eps", 1e-5), get(p, "momentum", 0.1)
    rm = np.array(vector(p["running_mean"])) if p.get("running_mean") is not None else np.zeros(d)
    rv = np.array(vector(p["running_var"])) if p.get("running_var") is not None else np.ones(d)
    if any(len(v) != d for v in (g, bt, rm, rv)):
        raise Invalid("one entry per feature")
    mu = X.mean(axis=0)
    var = X.var(axis=0)                                     # biased (1/m), as the normalisation uses
    if eps == 0 and np.any(var == 0):
        raise Invalid("eps = 0 with a constant feature")
    xh = (X - mu) / np.sqrt(var + eps)
    Y = g * xh + bt
    sc = max(1.0, float(np.abs(X).max()))
    batch_var = var * m / (m - 1) if conv.get("running_var", "unbiased") == "unbiased" else var
    if conv.get("momentum_form", "torch") == "torch":
        rm2, rv2 = (1 - mom) * rm + mom * mu, (1 - mom) * rv + mom * batch_var
    else:
        rm2, rv2 = mom * rm + (1 - mom) * mu, mom * rv + (1 - mom) * batch_var
    out: dict[str, Any] = {"mean": Approx(list(mu), atol=1e-12 * sc), "var": Approx(list(var), atol=1e-12 * sc * sc),
                           "x_hat": Approx(xh.tolist(), atol=1e-9), "y": Approx(Y.tolist(), atol=1e-9 * max(1, np.abs(g).max())),
                           "y_mean": Approx(list(Y.mean(axis=0)), atol=1e-9 * max(1, np.abs(g).max())),
                           "y_var": Approx(list(g * g * var / (var + eps)), atol=1e-12 * max(1, np.abs(g).max()) ** 2),
                           "running_mean": Approx(list(rm2), atol=1e-12 * sc), "running_var": Approx(list(rv2), atol=1e-12 * sc * sc)}
    if p.get("dY") is not None:
        dY = np.array(matrix(p["dY"]), dtype=float)
        if dY.shape != X.shape:
            raise Invalid("dY has X's shape")
        dbeta = dY.sum(axis=0)
        dgamma = (dY * xh).sum(axis=0)
        dX = g / (m * np.sqrt(var + eps)) * (m * dY - dbeta - xh * dgamma)
        gs = max(1.0, float(np.abs(dY).max()))
        out.update(dbeta=Approx(list(dbeta), atol=1e-12 * gs * m), dgamma=Approx(list(dgamma), atol=1e-9 * gs * m),
                   dX=Approx(dX.tolist(), atol=1e-9 * gs * max(1, np.abs(g).max()) / math.sqrt(min(var.min() + eps, 1) or 1e-300)))
    if p.get("x_test") is not None:
        Xt = np.array(matrix(p["x_test"]), dtype=float)
        if Xt.shape[1] != d:
            raise Invalid("x_test has d columns")
        out["y_test"] = Approx((g * (Xt - rm2) / np.sqrt(rv2 + eps) + bt).tolist(), atol=1e-9 * max(1, np.abs(g).max()))
    return out


def batch_norm_draw(rng) -> dict:
    m, d = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    X = (rng.integers(-30, 31, size=(m, d)) / 10).tolist()
    out: dict[str, Any] = {"X": X}
    if rng.random() < 0.7:
        out["gamma"] = [float(v) for v in rng.choice([0.5, 1.0, 2.0, -1.0], size=d)]
        out["beta"] = [float(v) for v in rng.choice([0.0, 0.1, -0.5], size=d)]
    if rng.random() < 0.6:
        out["dY"] = (rng.integers(-10, 11, size=(m, d)) / 10).tolist()
    if rng.random() < 0.4:
        out["x_test"] = (rng.integers(-20, 21, size=(1, d)) / 10).tolist()
    if rng.random() < 0.3:
        out["eps"] = float(rng.choice([0.0, 1e-3, 0.1]))
    if rng.random() < 0.3:
        out["momentum"] = float(rng.choice([0.0, 0.5, 0.99, 1.0]))
        out["running_mean"] = [float(v) for v in rng.choice([0.0, 1.0, -2.0], size=d)]
        out["running_var"] = [float(v) for v in rng.choice([1.0, 0.5, 4.0], size=d)]
    return out


BATCH_NORM = Ref(expected=batch_norm_expected, draw=batch_norm_draw,
                 source="torch.nn.BatchNorm1d's documented forward and running averages (Keras's form too); the "
                        "backward pass dx = gamma/(m sqrt(var + eps)) (m dy - sum dy - x_hat sum dy x_hat)",
                 edges=({"X": [[1, 1], [1, 2]], "dY": [[1, 0], [0, 1]]}, {"X": [[0.30000000000000004, 1], [0.1, 1]], "eps": 0.1},
                        {"X": [[1e6, 1e-8], [-1e6, 2e-8], [0, 0]], "dY": [[1, 1], [0, 0], [-1, 1]], "x_test": [[0, 0]]},
                        {"X": [[2, 3], [2, 3]], "eps": 1e-5}, {"X": [[1], [2]], "momentum": 1.0, "x_test": [[1.5]]}))


# ---- convolution shapes ----------------------------------------------------------------------------------
def _divisors(g: int) -> list[int]:
    """The divisors of g by trial division up to sqrt(g) ('same' padding makes spans (W - 1) S of 10^11)."""
    if g == 0:
        return [1]
    small = [s for s in range(1, math.isqrt(g) + 1) if g % s == 0]
    return sorted(set(small) | {g // s for s in small})


def _pool_ceil(n: int, Fe: int, P: int, S: int) -> int:
    """torch's MaxPool2d output size with ceil_mode=True (its documented formula): ceil((n + 2P - F_eff)/S) + 1, less
    one when the last window would start at or past n + P (in the right padding)."""
    out = -(-(n + 2 * P - Fe) // S) + 1
    return out - 1 if (out - 1) * S >= n + P else out


def _same_total(n: int, Fe: int, S: int) -> int:
    """The total padding that makes (n - F_eff + T)/S + 1 = n."""
    return (n - 1) * S - n + Fe


def _network(p, conv, W: int, H: int, D: int) -> dict:
    """A network 'conv K F [sS] [pP|psame] [dD] [gG]; dwconv K F ...; pool F [sS] [pP]; zeropad P | L R T B; fc N'
    layer by layer (pool stride defaults to F, as torch's MaxPool2d), with the receptive field
    r = 1 + sum (F_eff - 1) * (product of the earlier strides)."""
    nbytes = int(get(p, "bytes", 4.0))
    shape: tuple = (W, H, D)
    params, acts, rf, jump, spatial = [], 0, 1, 1, False
    for i, text in enumerate((t.strip() for t in re.split(r"[;\n]", str(p["layers"])) if t.strip()), start=1):
        tok = text.lower().split()
        kind, opts, nums, same = tok[0], {}, [], False
        for t in tok[1:]:
            if t in ("psame", "same", "p=same", "padding=same", "pad=same"):
                same = True
            elif t[0] in "spdg" and t[1:].isdigit():
                opts[t[0]] = int(t[1:])
            elif t.isdigit():
                nums.append(int(t))
            else:
                raise Skip(f"a layer this reference does not read: {text!r}")
        if kind in ("zeropad", "pad", "zeropad2d"):
            if len(shape) != 3:
                return {STATUS: "undefined", "fits": False, "failed_layer": i}
            left, right, top, bottom = nums * 4 if len(nums) == 1 else nums   # torch's ZeroPad2d order
            shape = (shape[0] + left + right, shape[1] + top + bottom, shape[2])
            params.append(0)
        elif kind in ("conv", "pool", "dwconv"):
            if len(shape) != 3:                            # a spatial layer after a flat one: no output shape
                return {STATUS: "undefined", "fits": False, "failed_layer": i}
            K, F = (nums[0], nums[1]) if kind != "pool" else (None, nums[0])
            S, P, Dl = opts.get("s", 1 if kind != "pool" else F), opts.get("p", 0), opts.get("d", 1)
            g = shape[2] if kind == "dwconv" else opts.get("g", 1)
            if kind != "pool" and (shape[2] % g or K % g):   # torch: in_channels and out_channels divisible by groups
                return {STATUS: "undefined", "fits": False, "failed_layer": i}
            Fe = Dl * (F - 1) + 1
            if same:
                T = (_same_total(shape[0], Fe, S), _same_total(shape[1], Fe, S))
                spans = (shape[0] - Fe + T[0], shape[1] - Fe + T[1])
            else:
                spans = (shape[0] - Fe + 2 * P, shape[1] - Fe + 2 * P)
            mode = conv.get("stride_fit", "reject")
            if min(spans) < 0 or (any(sp_ % S for sp_ in spans) and mode == "reject"):
                return {STATUS: "undefined", "fits": False, "failed_layer": i}
            depth = K if kind != "pool" else shape[2]
            params.append(F * F * (shape[2] // g) * K + K if kind != "pool" else 0)
            if kind == "pool" and mode == "ceil" and any(sp_ % S for sp_ in spans):
                shape = (_pool_ceil(shape[0], Fe, P, S), _pool_ceil(shape[1], Fe, P, S), depth)
            else:
                shape = (spans[0] // S + 1, spans[1] // S + 1, depth)
            rf += (Fe - 1) * jump
            jump *= S
            spatial = True
        elif kind == "fc":
            n_in = math.prod(shape)
            params.append(n_in * nums[0] + nums[0])
            shape = (nums[0],)
        elif kind == "flatten":
            shape = (math.prod(shape),)
            params.append(0)
        else:
            raise Skip(f"a layer kind this reference does not know: {kind}")
        acts += math.prod(shape)
    out = {"out_shape": list(shape), "params_per_layer": params, "total_params": sum(params), "total_activations": acts,
           "activation_bytes": acts * nbytes, "param_bytes": sum(params) * nbytes}
    if spatial:
        out["receptive_field"] = rf
    return out


def conv_expected(p, conv) -> dict:
    inp = [int(v) for v in vector(p["input"] if p.get("input") is not None else [32, 32, 3])]
    W, H, D = (inp + [inp[0]] * (2 - len(inp)) + [1])[:3] if len(inp) < 3 else inp
    if len(inp) == 1:
        H = W
    if p.get("layers") is not None:
        return _network(p, conv, W, H, D)
    kind = p.get("kind") or "conv"
    if p.get("size") is None:                      # no filter: only a fully connected layer on the flattened input
        if p.get("fc_units") is None:
            raise Invalid("a filter size (or layers, or fc_units)")
        N = int(get(p, "fc_units"))
        return {"fc_params": W * H * D * N + N}
    depthwise = str(p.get("groups", "1")).strip().lower() == "depthwise"
    g = D if depthwise else int(get(p, "groups", 1.0))
    K = int(get(p, "filters", float(D if depthwise else 1)))
    F, S = int(get(p, "size")), int(get(p, "stride", 1.0))
    same = str(p.get("pad", "0")).strip().lower() == "same"
    P, Dl = 0 if same else int(get(p, "pad", 0.0)), int(get(p, "dilation", 1.0))
    nbytes = int(get(p, "bytes", 4.0))
    if g != 1 and (kind != "conv" or D % g or K % g):   # torch: in_channels and out_channels divisible by groups
        raise Invalid("groups that do not divide the channels (or groups on a pooling layer)")
    Fe = Dl * (F - 1) + 1
    out: dict[str, Any] = {}
    if same:                                       # (W - F_eff + T)/S + 1 = W solved for the total padding T
        T = (_same_total(W, Fe, S), _same_total(H, Fe, S))
        out["same_pad"] = T[0] / 2
        if H != W and S != 1:
            out["same_pad_height"] = T[1] / 2
        if T[0] % 2 or T[1] % 2:                   # torch / TensorFlow: the extra zero after the input
            out.update(pad_left=T[0] // 2, pad_right=T[0] - T[0] // 2, pad_top=T[1] // 2, pad_bottom=T[1] - T[1] // 2)
    else:
        T = (2 * P, 2 * P)
    spans = (W - Fe + T[0], H - Fe + T[1])
    if min(spans) < 0:
        raise Invalid("the filter is larger than the padded input")
    fits = all(s % S == 0 for s in spans)
    out.update({"fits": fits, "valid_strides": _divisors(math.gcd(*spans)),
                "padded_width": W + T[0], "padded_height": H + T[1]})
    mode = conv.get("stride_fit", "reject")
    if not fits and mode == "reject":
        out[STATUS] = "undefined"
        return out
    if kind == "pool" and mode == "ceil" and not fits:
        ow, oh = _pool_ceil(W, Fe, P, S), _pool_ceil(H, Fe, P, S)
    else:
        ow, oh = spans[0] // S + 1, spans[1] // S + 1
    od = K if kind == "conv" else D
    vals = ow * oh * od
    out.update(out_width=ow, out_height=oh, out_depth=od, out_shape=[ow, oh, od], output_values=vals,
               activation_bytes=vals * nbytes)
    if kind == "conv":
        w = F * F * (D // g) * K                   # torch's weight K x D/G x F x F
        out.update(weights=w, biases=K, params=w + K, connections=vals * (F * F * (D // g) + 1))
    else:
        out["params"] = 0
    if p.get("fc_units") is not None:
        N = int(get(p, "fc_units"))
        out["fc_params"] = W * H * D * N + N
        if kind == "conv":
            out["param_ratio"] = out["fc_params"] / out["params"]
    return out


def conv_draw(rng) -> dict:
    Wd = int(rng.choice([5, 7, 28, 32, 224, 227]))
    if rng.random() < 0.3:
        layers = []
        for _ in range(int(rng.integers(1, 5))):
            kind = str(rng.choice(["conv", "conv", "pool", "fc", "zeropad"]))
            if kind == "conv":
                pad = "psame" if rng.random() < 0.2 else f"p{int(rng.choice([0, 1, 2]))}"
                word = "dwconv" if rng.random() < 0.15 else "conv"
                groups = f" g{int(rng.choice([2, 4]))}" if word == "conv" and rng.random() < 0.15 else ""
                layers.append(f"{word} {int(rng.choice([4, 16, 96]))} {int(rng.choice([1, 2, 3, 5]))} "
                              f"s{int(rng.choice([1, 2]))} {pad}" + (" d2" if rng.random() < 0.2 else "") + groups)
            elif kind == "zeropad":
                layers.append("zeropad " + " ".join(str(int(v)) for v in rng.integers(0, 3, size=int(rng.choice([1, 4])))))
            elif kind == "pool":
                layers.append(f"pool {int(rng.choice([2, 3]))}" + (f" s{int(rng.choice([1, 2]))}" if rng.random() < 0.5 else ""))
            else:
                layers.append(f"fc {int(rng.choice([10, 100]))}")
        return {"input": [Wd, Wd, int(rng.choice([1, 3]))], "layers": "; ".join(layers)}
    if rng.random() < 0.1:
        return {"input": [Wd, Wd, int(rng.choice([1, 3]))], "fc_units": int(rng.choice([10, 500]))}
    out: dict[str, Any] = {"input": [Wd, Wd, int(rng.choice([1, 3, 16]))] if rng.random() < 0.7 else [Wd, int(rng.integers(3, 40))],
                           "kind": str(rng.choice(["conv", "pool"])), "size": int(rng.choice([1, 2, 3, 5, 11])),
                           "stride": int(rng.choice([1, 2, 3, 4])), "pad": int(rng.choice([0, 0, 1, 2]))}
    if rng.random() < 0.15:
        out["pad"] = "same"
    if out["kind"] == "conv":
        out["filters"] = int(rng.choice([1, 6, 64, 96]))
        if rng.random() < 0.2:
            out["groups"] = str(rng.choice(["2", "3", "depthwise"]))
            if rng.random() < 0.5:
                del out["filters"]
        if rng.random() < 0.3:
            out["dilation"] = int(rng.choice([1, 2]))
        if rng.random() < 0.3:
            out["fc_units"] = int(rng.choice([10, 500]))
    if rng.random() < 0.2:
        out["bytes"] = int(rng.choice([1, 2, 8]))
    return out


CONV_SHAPE = Ref(expected=conv_expected, draw=conv_draw,
                 source="W_out = (W - F_eff + 2P)/S + 1 with F_eff = D(F - 1) + 1 (torch.nn.Conv2d's shape formula), counted out",
                 edges=({"input": [7, 7, 3], "size": 3, "stride": 3}, {"input": [7], "size": 3, "dilation": 2, "pad": 1},
                        {"input": [3, 3, 1], "size": 3, "kind": "pool"}, {"input": [32, 32, 3], "filters": 100, "size": 4,
                                                                           "fc_units": 500},
                        {"input": [227, 227, 3], "filters": 96, "size": 11, "stride": 4}, {"input": [1], "size": 1},
                        {"input": [227, 227, 3], "layers": "conv 96 11 s4 p0; pool 3 s2; conv 256 5 s1 p2; fc 10"},
                        {"input": [8, 8, 2], "layers": "conv 4 3 s2"}, {"input": [8, 8, 2], "layers": "fc 5; fc 2"},
                        {"input": [28, 20, 3], "filters": 8, "size": 5, "pad": 2}, {"input": [32, 32, 3], "fc_units": 10},
                        {"input": [7, 7, 1]}, {"input": [7, 7, 3], "fc_units": 10},
                        {"input": [32, 32, 3], "filters": 64, "size": 4, "pad": "same"},
                        {"input": [28, 20, 3], "filters": 8, "size": 3, "stride": 2, "pad": "same"},
                        {"input": [7, 7, 1], "size": 3, "dilation": 2, "pad": "same"},
                        {"input": [13, 13, 64], "filters": 128, "size": 3, "groups": "4"},
                        {"input": [13, 13, 64], "size": 3, "pad": 1, "groups": "depthwise"},
                        {"input": [13, 13, 6], "filters": 8, "size": 3, "groups": "4"},
                        ({"input": [6, 6, 1], "kind": "pool", "size": 3, "stride": 2, "pad": 1}, {"stride_fit": "ceil"}),
                        ({"input": [5, 5, 1], "kind": "pool", "size": 2, "stride": 2, "pad": 1}, {"stride_fit": "ceil"}),
                        ({"input": [7, 9, 2], "kind": "pool", "size": 2, "stride": 3, "pad": 1}, {"stride_fit": "ceil"}),
                        ({"input": [7, 7, 3], "filters": 4, "size": 2, "stride": 2}, {"stride_fit": "ceil"}),
                        ({"input": [15, 15, 3], "layers": "conv 32 3 psame; dwconv 32 3 same; conv 64 1 g4; zeropad 0 1 0 1; "
                                                          "pool 3 s2; conv 64 4 padding=same; flatten; fc 10"},
                         {"stride_fit": "ceil"}),
                        {"input": [8, 8, 6], "layers": "conv 8 3 g4"}, {"input": [8, 8, 2], "layers": "fc 4; zeropad 1"}))


# ---- dropout ------------------------------------------------------------------------------------------------
def dropout_expected(p, conv) -> dict:
    pv = get(p, "p", 0.8)
    keep = pv if conv.get("p_meaning", "keep") == "keep" else 1 - pv
    out: dict[str, Any] = {"keep_prob": keep, "drop_prob": 1 - keep}
    if keep == 0:
        out[STATUS] = "undefined"
        return out
    out["weight_keep_prob"] = keep * keep
    out["expected_updates"] = get(p, "iterations", 1000.0) * keep * keep
    if p.get("units") is not None:
        out["masks"] = 2 ** int(get(p, "units"))
        out["expected_kept"] = int(get(p, "units")) * keep   # the mean of a Binomial(q, p_keep)
    inverted = conv.get("scaling", "inverted") == "inverted"
    out["train_scale"], out["test_scale"] = (1 / keep, 1.0) if inverted else (1.0, keep)
    mask = None
    if p.get("mask") is not None:
        mask = np.array(matrix(p["mask"]), dtype=float)
        if np.any((mask != 0) & (mask != 1)):
            raise Invalid("a 0/1 mask")

    def shaped(a: np.ndarray, v):                      # a vector stays a vector, a matrix a list of rows
        return a.tolist() if isinstance(matrix(v)[0], list) and len(matrix(v)) > 1 else list(a.reshape(-1))
    if p.get("h") is not None:
        h = np.array(matrix(p["h"]), dtype=float)
        out["test_output"] = shaped(h * out["test_scale"], p["h"])
        if mask is not None:
            if mask.shape != h.shape:
                raise Invalid("a mask entry per activation")
            out["train_output"] = shaped(h * mask * out["train_scale"], p["h"])
    if p.get("grad_output") is not None:
        # backward: y = h m s, so dL/dh = dL/dy m s (s = 1/keep for inverted dropout, 1 for standard)
        gy = np.array(matrix(p["grad_output"]), dtype=float)
        if mask is None or mask.shape != gy.shape or (p.get("h") is not None and h.shape != gy.shape):
            raise Invalid("the backward pass needs a mask of the gradient's shape")
        out["grad_input"] = shaped(gy * mask * out["train_scale"], p["grad_output"])
    return out


def dropout_draw(rng) -> dict:
    q = int(rng.integers(1, 8))
    out: dict[str, Any] = {"p": float(rng.choice([0.5, 0.8, 0.9, 1.0, 0.0, 0.30000000000000004])),
                           "iterations": int(rng.choice([1, 100, 1000, 10 ** 12]))}
    if rng.random() < 0.7:
        out["units"] = q
        out["h"] = (rng.integers(-20, 21, size=q) / 10).tolist()
        if rng.random() < 0.8:
            out["mask"] = [int(v) for v in rng.integers(0, 2, size=q)]
        if rng.random() < 0.3:                       # a matrix: one row per sample
            r = int(rng.integers(2, 4))
            out["h"] = (rng.integers(-20, 21, size=(r, q)) / 10).tolist()
            out["mask"] = rng.integers(0, 2, size=(r, q)).tolist()
        if "mask" in out and rng.random() < 0.4:      # the backward pass
            out["grad_output"] = (rng.integers(-10, 11, size=np.shape(out["mask"])) / 10).tolist()
            if rng.random() < 0.3:
                del out["h"]
    return out


DROPOUT = Ref(expected=dropout_expected, draw=dropout_draw, source="keep^2 per weight, 2^q masks, scaling 1/keep "
              "(inverted dropout, torch.nn.Dropout) or keep at test time (standard dropout), written out",
              edges=({"p": 0.8, "iterations": 1000, "units": 4, "h": [0.5, 1.2, -0.3, 2.0], "mask": [1, 0, 1, 1]},
                     {"p": 1.0, "h": [1.0], "mask": [1]}, {"p": 0.0}, {"p": 0.30000000000000004, "iterations": 10 ** 12},
                     {"p": 0.8, "h": [[1.0, 2.0], [3.0, 4.0]], "mask": [[1, 0], [0, 1]], "grad_output": [[0.5, 1.0], [1.0, 2.0]]},
                     ({"p": 0.5, "grad_output": [0.1, -0.2, 0.30000000000000004], "mask": [1, 1, 0]}, {"scaling": "standard"})))


# ---- ensembles ----------------------------------------------------------------------------------------------
def ensemble_expected(p, conv) -> dict:
    k, V, C, n = int(get(p, "k", 5.0)), get(p, "V", 1.0), get(p, "C", 0.3), int(get(p, "n", 1000.0))
    if conv.get("c_is", "covariance") == "correlation":
        C = C * V
    if k < 1 or n < 1 or V < 0:
        raise Invalid("k, n >= 1 and V >= 0")
    mse = V / k + (k - 1) * C / k
    left = math.exp(n * math.log1p(-1 / n)) if n > 1 else 0.0
    # the k x k covariance matrix (V on the diagonal, C elsewhere) is positive semi-definite iff
    # V - C >= 0 and V + (k - 1) C >= 0 (its eigenvalues); a correlation lies in [-1, 1]
    rho_bad = conv.get("c_is", "covariance") == "correlation" and abs(get(p, "C", 0.3)) > 1
    if k > 1 and (V - C < 0 or V + (k - 1) * C < 0) or rho_bad:
        return {STATUS: "undefined", "valid": False}
    out = {"mse": Approx(mse, atol=1e-12 * max(abs(V), abs(C), 1)), "mse_independent": V / k, "mse_correlated": V,
           "left_out": left, "distinct_fraction": Approx(1 - left, atol=1e-15), "limit": math.exp(-1)}
    if V != 0:
        out["ratio"] = Approx(mse / V, atol=1e-12)
    return out


def ensemble_draw(rng) -> dict:
    V = float(rng.choice([1.0, 2.0, 0.5, 1e6]))
    return {"k": int(rng.choice([1, 2, 5, 10, 10 ** 9])), "V": V, "C": float(rng.choice([0.0, 0.3, 0.5, 1.0, -0.1])) * V,
            "n": int(rng.choice([1, 2, 10, 1000, 10 ** 12]))}


ENSEMBLE = Ref(expected=ensemble_expected, draw=ensemble_draw,
               source="E[(mean error)^2] = V/k + (k - 1) C/k and (1 - 1/n)^n, written out",
               edges=({"k": 1, "V": 0, "C": 0, "n": 1}, {"k": 5, "V": 1, "C": 1, "n": 10 ** 12},
                      {"k": 3, "V": 2, "C": 0.30000000000000004, "n": 2}))


# ---- gradient clipping -----------------------------------------------------------------------------------------
def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """The angle between a and b in degrees (Kahan: 2 atan2(|a/|a| - b/|b||, |a/|a| + b/|b||), exact at 0)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    u, v = a / na, b / nb
    return math.degrees(2 * math.atan2(np.linalg.norm(u - v), np.linalg.norm(u + v)))


def _clip_row(g: np.ndarray, c: float, mx: float, order, torch_scale: bool) -> dict:
    by_value = np.clip(g, -c, c)
    sc = max(1.0, float(np.abs(g).max()))
    norm = float(np.linalg.norm(g / sc, order) * sc)
    if torch_scale:
        scale = min(1.0, mx / (norm + 1e-6))                  # torch.nn.utils.clip_grad_norm_
    else:
        scale = min(1.0, mx / norm) if norm > 0 else 1.0
    by_norm = g * scale
    return {"by_value": list(by_value), "angle_change_value": Approx(_angle(g, by_value), atol=1e-9),
            "norm": norm, "scale": scale, "by_norm": list(by_norm),
            "norm_after": float(np.linalg.norm(by_norm / sc, order) * sc)}


def grad_clip_expected(p, conv) -> dict:
    G = np.array(matrix(p["g"]), dtype=float)
    c, mx = get(p, "clip_value", 1.0), get(p, "max_norm", 1.0)
    nt = str(p.get("norm_type") or "2")
    nt = {"l2": "2", "l1": "1", "max": "inf", "infinity": "inf"}.get(nt, nt)
    order = {"2": 2, "1": 1, "inf": np.inf}[nt]
    torch_scale = conv.get("norm_scale", "exact") == "torch"
    rows = [_clip_row(g, c, mx, order, torch_scale) for g in G]   # a matrix: each row its own gradient
    if len(rows) > 1:
        return {k: [r[k] for r in rows] for k in rows[0]}
    out = rows[0]
    g = G[0]
    # the angle from the first axis: defined only for a nonzero vector (the zero vector has no direction)
    if len(g) == 2 and np.any(g != 0):
        by_value = np.clip(g, -c, c)
        out["angle_axis_before"] = math.degrees(math.atan2(g[1], g[0]))
        out["angle_axis_after"] = math.degrees(math.atan2(by_value[1], by_value[0]))
    return out


def grad_clip_draw(rng) -> dict:
    n = int(rng.integers(1, 5))
    vals = [0.9, 100.0, -3.0, 5.0, 0.0, -0.5, 1e6, 1e-8]
    g = [float(v) for v in rng.choice(vals, size=n)]
    if rng.random() < 0.3:                           # a matrix: one gradient per row, clipped row by row
        g = [[float(v) for v in rng.choice(vals, size=n)] for _ in range(int(rng.integers(2, 4)))]
    return {"g": g,
            "clip_value": float(rng.choice([1.0, 2.0, 0.5])), "max_norm": float(rng.choice([1.0, 5.0, 0.1])),
            "norm_type": str(rng.choice(["2", "1", "inf"]))}


GRAD_CLIP = Ref(expected=grad_clip_expected, draw=grad_clip_draw,
                source="numpy.clip, numpy.linalg.norm, torch's clip_grad_norm_ scale c/(||g|| + 1e-6), Kahan's angle formula",
                edges=({"g": [5, 5], "clip_value": 2}, {"g": [0.9, 100]}, {"g": [0, 0]}, {"g": [1e-8, 0.30000000000000004]},
                       {"g": [1e12, -1e12, 1], "max_norm": 1, "norm_type": "1"}, {"g": [3, 4], "norm_type": "inf"},
                       {"g": [7.0]}, {"g": [[0.9, 100.0], [3.0, -4.0]], "max_norm": 5, "clip_value": 2},
                       {"g": [[0.0, 0.0], [1e-8, 1e12]], "norm_type": "inf"}))


# ---- initialisation --------------------------------------------------------------------------------------------
def init_expected(p, conv) -> dict:
    sizes = [int(v) for v in vector(p["layers"] if p.get("layers") is not None else [4, 3])]
    k = int(get(p, "kernel", 1.0))
    gain = get(p, "gain", 1.0)
    fi = np.array(sizes[:-1], dtype=float) * k * k
    fo = np.array(sizes[1:], dtype=float) * k * k
    xav = gain ** 2 * 2 / (fi + fo)
    fan = fi if conv.get("he_mode", "fan_in") == "fan_in" else fo
    slope = get(p, "negative_slope", 0.0)
    he = 2 / (1 + slope ** 2) / fan            # torch.nn.init.calculate_gain("leaky_relu", a)^2 / fan
    torch_bound = 1 / np.sqrt(fi)              # nn.Linear / nn.Conv2d: kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(fan_in), ...)
    return {"var_fan_in": list(1 / fi), "var_fan_out": list(1 / fo), "var_xavier": list(xav), "std_xavier": list(np.sqrt(xav)),
            "bound_xavier": list(np.sqrt(3 * xav)), "var_he": list(he), "std_he": list(np.sqrt(he)), "bound_he": list(np.sqrt(3 * he)),
            "var_torch_default": list(torch_bound ** 2 / 3), "bound_torch_default": list(torch_bound)}


def init_draw(rng) -> dict:
    out: dict[str, Any] = {"layers": [int(v) for v in rng.choice([1, 3, 4, 64, 784, 10 ** 6], size=int(rng.integers(2, 5)))]}
    if rng.random() < 0.4:
        out["kernel"] = int(rng.choice([1, 3, 5]))
    if rng.random() < 0.4:
        out["gain"] = float(rng.choice([1.0, 5 / 3, math.sqrt(2)]))
    if rng.random() < 0.4:
        out["negative_slope"] = float(rng.choice([0.01, 0.2, math.sqrt(5)]))
    return out


INIT = Ref(expected=init_expected, draw=init_draw, source="torch.nn.init's fans (channels times k^2), Glorot and He "
           "variances, std = sqrt(Var), bound = sqrt(3 Var), written out",
           edges=({"layers": [4, 3]}, {"layers": [1, 1]}, {"layers": [10 ** 7, 1], "gain": 100}))


# ---- maximum likelihood ----------------------------------------------------------------------------------------
def _outcomes(v) -> list[float]:
    if isinstance(v, str) and any(ch in v.upper() for ch in "HT"):
        return [1.0 if ch == "H" else 0.0 for ch in v.upper() if ch in "HT"]
    return vector(v)


def mle_expected(p, conv) -> dict:
    dist = str(p.get("distribution") or "bernoulli")
    dist = {"coin": "bernoulli", "normal": "gaussian"}.get(dist, dist)
    if p.get("data") is None:  # a coin as counts: k heads of N tosses, the same as any sequence with those counts
        if p.get("trials") is None or p.get("heads") is None or dist != "bernoulli":
            raise Invalid("the data, or a coin's counts")
        N, k = int(num(p["trials"])), int(num(p["heads"]))
        if not 0 <= k <= N or N < 1:
            raise Invalid("0 <= heads <= trials")
        x = np.array([1.0] * k + [0.0] * (N - k))
    else:
        x = np.array(_outcomes(p["data"]), dtype=float)
    N = len(x)
    lb = {"e": 1.0, "2": math.log(2), "10": math.log(10)}[conv.get("log_base", "e")]
    if dist == "bernoulli":
        if np.any((x != 0) & (x != 1)):
            raise Invalid("outcomes 0/1")
        k = float(x.sum())
        th = k / N
        out: dict[str, Any] = {"theta_hat": th}
        lik = th ** k * (1 - th) ** (N - k)
        out["likelihood_max"] = lik
        out["log_likelihood_max"] = Approx(float((k * np.log(th) if k else 0.0) + ((N - k) * np.log1p(-th) if N - k else 0.0)) / lb,
                                           atol=1e-12)
        if 0 < k < N:
            out["second_derivative"] = -k / th ** 2 - (N - k) / (1 - th) ** 2
        if p.get("candidates") is not None:
            cands = vector(p["candidates"])
            liks = [c ** k * (1 - c) ** (N - k) for c in cands]
            out["candidate_likelihoods"] = liks
            out["best_candidate"] = cands[int(np.argmax(liks))]
        return out
    mu = float(x.mean())
    var_mle = float(np.mean((x - mu) ** 2))
    if var_mle == 0:
        return {STATUS: "undefined", "mu_hat": mu}
    ddof = 0 if conv.get("ddof", "n") == "n" else 1
    var = float(np.sum((x - mu) ** 2) / (N - ddof))
    ll = float(np.sum(normal.logpdf(x, mu, math.sqrt(var_mle)))) / lb     # the maximum: at the 1/N variance
    return {"mu_hat": Approx(mu, atol=1e-12 * max(1, np.abs(x).max())), "var_hat": var, "sigma_hat": math.sqrt(var),
            "log_likelihood_max": ll}


def mle_draw(rng) -> dict:
    if rng.random() < 0.15:  # a coin as counts
        n = int(rng.integers(1, 40))
        return {"trials": n, "heads": int(rng.integers(0, n + 1))}
    if rng.random() < 0.5:
        n = int(rng.integers(1, 12))
        out: dict[str, Any] = {"distribution": "bernoulli", "data": " ".join(rng.choice(["H", "T"], size=n))}
        if rng.random() < 0.5:
            out["candidates"] = [float(v) for v in rng.choice([0.0, 0.25, 0.5, 0.75, 1.0, 0.30000000000000004], size=3)]
        return out
    return {"distribution": "gaussian", "data": [float(v) for v in rng.choice([-3.0, 0.0, 1.5, 2.0, 7.0, 1e6], size=int(rng.integers(2, 7)))]}


MLE = Ref(expected=mle_expected, draw=mle_draw, source="theta_hat = k/N and scipy.stats.norm.logpdf at the mean and "
          "the 1/N (or 1/(N - 1)) variance; the Bernoulli log-likelihood and its second derivative written out",
          edges=({"distribution": "bernoulli", "data": "H H H"}, {"distribution": "bernoulli", "data": [0]},
                 {"distribution": "gaussian", "data": [2, 2]}, {"distribution": "gaussian", "data": [1e6, 1e6 + 1]},
                 {"distribution": "bernoulli", "data": [1, 0, 1], "candidates": [0.5, 0.5, 1]},
                 {"distribution": "gaussian", "data": [0.30000000000000004, 0.1]}))


# ---- regularisation ---------------------------------------------------------------------------------------------
def regularization_expected(p, conv) -> dict:
    lr, alpha = get(p, "lr", 0.1), get(p, "alpha", 0.01)
    full = conv.get("l2_form", "half") == "full"
    c = 2 * alpha if full else alpha                   # d/dw of alpha ||w||^2 is 2 alpha w; of alpha/2 ||w||^2, alpha w
    out: dict[str, Any] = {}
    if p.get("w") is not None:
        w = np.array(vector(p["w"]))
        grad = np.array(vector(p["grad"])) if p.get("grad") is not None else np.zeros_like(w)
        if len(grad) != len(w):
            raise Invalid("grad has w's length")
        out["decay_factor"] = 1 - lr * c
        out["w_l2"] = list(w - lr * (grad + c * w))
        out["w_l1"] = list(w - lr * (grad + alpha * np.sign(w)))
        if p.get("max_norm") is not None:
            g = get(p, "max_norm")
            nw = float(np.linalg.norm(w))
            out["norm_w"] = nw
            out["w_maxnorm"] = list(w * (g / nw) if nw > g else w)
    if p.get("eigenvalues") is not None:
        lam = np.array(vector(p["eigenvalues"]))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["shrinkage"] = list(lam / (lam + c))
    if p.get("classes") is not None:
        K, eps, t = int(get(p, "classes")), get(p, "smoothing", 0.1), int(get(p, "target", 1.0))
        if not 1 <= t <= K:
            raise Invalid("target in 1..K")
        if conv.get("label_smoothing", "k-1") == "k-1":
            tv = [eps / (K - 1)] * K
            tv[t - 1] = 1 - eps
        else:
            tv = [eps / K] * K
            tv[t - 1] = 1 - eps + eps / K
        out["targets"] = tv
    return out


def regularization_draw(rng) -> dict:
    n = int(rng.integers(1, 5))
    out: dict[str, Any] = {"w": (rng.integers(-20, 21, size=n) / 10).tolist(), "grad": (rng.integers(-10, 11, size=n) / 10).tolist(),
                           "lr": float(rng.choice([0.1, 0.01, 1.0])), "alpha": float(rng.choice([0.01, 0.1, 1.0, 0.0]))}
    if rng.random() < 0.5:
        out["eigenvalues"] = [float(v) for v in rng.choice([1.0, 0.01, 100.0, 0.0], size=int(rng.integers(1, 4)))]
    if rng.random() < 0.5:
        out["max_norm"] = float(rng.choice([1.0, 2.0, 0.5]))
    if rng.random() < 0.5:
        K = int(rng.integers(2, 11))
        out.update(classes=K, smoothing=float(rng.choice([0.1, 0.2, 0.0])), target=int(rng.integers(1, K + 1)))
    return out


REGULARIZATION = Ref(expected=regularization_expected, draw=regularization_draw,
                     source="gradient steps with alpha w (alpha/2 ||w||^2) or 2 alpha w (alpha ||w||^2), sign(w) for L1, "
                            "lambda/(lambda + alpha) (lambda + 2 alpha for the full form), max-norm and label smoothing, written out",
                     edges=({"w": [1.0], "alpha": 1.0, "eigenvalues": [1.0]}, {"w": [0.0, -1.0], "grad": [0.0, 0.0]},
                            {"w": [0.30000000000000004], "grad": [0.1], "max_norm": 0.30000000000000004},
                            {"w": [1e12, -1e-8], "grad": [1.0, 1.0], "alpha": 1e-8, "eigenvalues": [0.0, 1e12]},
                            {"w": [3.0, 4.0], "max_norm": 5.0, "classes": 2, "smoothing": 0.5, "target": 2}))


REFERENCES = {"activation": ACTIVATION, "batch_norm": BATCH_NORM, "conv_shape": CONV_SHAPE, "dropout": DROPOUT,
              "ensemble": ENSEMBLE, "grad_clip": GRAD_CLIP, "init": INIT, "mle": MLE, "regularization": REGULARIZATION}
