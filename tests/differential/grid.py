"""Independent references for the sliding-window and loss families: 2-D convolution (scipy.signal's correlate2d
and convolve2d over the zero-padded input, the kernel dilated by inserting zeros, every S-th output kept),
2-D pooling (torch.nn.MaxPool2d / AvgPool2d as their documentation defines them: output size, ceil_mode,
count_include_pad, return_indices' first maximum, counted out window by window) and the regression and
margin losses (their textbook definitions, torch's nn.MSELoss, L1Loss, HuberLoss and the hinge losses)."""
from __future__ import annotations

import json
import math
import re

import numpy as np
from scipy.signal import convolve2d, correlate2d

from .core import Approx, Invalid, Ref, array, get, num, vector

EPS = np.finfo(float).eps


# ---- values as typed ---------------------------------------------------------------------------------------
def _depth(v) -> int:
    k = 0
    while isinstance(v, list):
        k += 1
        v = v[0] if v else None
    return k


def tensor(v) -> list:
    """A matrix, channels ('a | b'), filters of channels ('a | b || c | d') or nested brackets, as nested lists."""
    if isinstance(v, np.ndarray):
        return v.astype(float).tolist()
    if isinstance(v, (list, tuple)):
        a = array(v)
        return a if _depth(a) >= 2 else [a]
    if not isinstance(v, str):
        raise Invalid(f"expected a matrix, got {v!r}")
    t = v.strip()
    if "||" in t:
        return [[_mat(c) for c in f.split("|")] for f in t.split("||")]
    if "|" in t:
        return [_mat(c) for c in t.split("|")]
    if t.startswith(("[", "(")) and max(_levels(t)) > 2:
        try:
            return array(json.loads(t.replace("(", "[").replace(")", "]")))
        except ValueError:
            raise Invalid("unreadable brackets") from None
    return _mat(t)


def _levels(t: str):
    level = 0
    for ch in t:
        level += ch in "[("
        level -= ch in "])"
        yield level


def _mat(text) -> list[list[float]]:
    a = array(text.strip() if isinstance(text, str) else text)
    if not a:
        raise Invalid("an empty matrix")
    m = a if isinstance(a[0], list) else [a]
    if len({len(r) for r in m}) != 1 or not m[0]:
        raise Invalid("a ragged matrix")
    return m


def _ints(v, n_max: int, lo: int) -> list[int]:
    """An integer or a list of integers ('2', '2 3', '2 x 3', [2, 3])."""
    if isinstance(v, str):
        m = re.match(r"^\s*\(?\s*(\d+)\s*(?:x|×|\*|by)\s*(\d+)\s*\)?\s*$", v, re.I)
        if m:
            v = [int(m.group(1)), int(m.group(2))]
    vals = vector(v) if not isinstance(v, (int, float)) else [float(v)]
    if not 1 <= len(vals) <= n_max or any(x != int(x) or x < lo for x in vals):
        raise Invalid(f"expected integers >= {lo}, got {v!r}")
    return [int(x) for x in vals]


def _pair(v, lo: int) -> tuple[int, int]:
    vals = _ints(v, 2, lo)
    return (vals[0], vals[0]) if len(vals) == 1 else (vals[0], vals[1])


def _as_float(v) -> np.ndarray:
    a = np.array(v, dtype=float)
    if not np.all(np.isfinite(a)):
        raise Invalid("not finite")
    return a


# ---- conv2d ------------------------------------------------------------------------------------------------------
def _same(n: int, f_eff: int, s: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding (torch's at stride 1): ceil(n/s) outputs, the smaller half of the padding first."""
    total = max((math.ceil(n / s) - 1) * s + f_eff - n, 0)
    return total // 2, total - total // 2


def _dilate(k: np.ndarray, dh: int, dw: int) -> np.ndarray:
    out = np.zeros((dh * (k.shape[0] - 1) + 1, dw * (k.shape[1] - 1) + 1))
    out[::dh, ::dw] = k
    return out


def conv2d_expected(p, conv) -> dict:
    x = _as_float(tensor(p["x"]))
    k = _as_float(tensor(p["kernel"]))
    if x.ndim not in (2, 3) or k.ndim not in (2, 3, 4):
        raise Invalid("x is a matrix or channels; the kernel a matrix, channels or filters")
    X = x[None] if x.ndim == 2 else x
    C = X.shape[0]
    if k.ndim == 2:
        if C > 1:
            raise Invalid("one kernel matrix for several channels")
        Kf = k[None, None]
    elif k.ndim == 3:
        if C == 1:
            Kf = k[:, None]                       # one-channel input: the matrices are filters
        elif k.shape[0] == C:
            Kf = k[None]                          # one filter, a matrix per channel
        else:
            raise Invalid("kernel matrices do not match the channels")
    else:
        if k.shape[1] != C:
            raise Invalid("channels per filter do not match")
        Kf = k
    K, _, fh, fw = Kf.shape
    bias = np.zeros(K) if p.get("bias") is None else _as_float(vector(p["bias"]))
    if len(bias) != K:
        raise Invalid("one bias per filter")
    sh, sw = _pair(p.get("stride", 1) if p.get("stride") is not None else 1, 1)
    dh, dw = _pair(p.get("dilation", 1) if p.get("dilation") is not None else 1, 1)
    H, W = X.shape[1:]
    fh_eff, fw_eff = dh * (fh - 1) + 1, dw * (fw - 1) + 1
    pad = p.get("padding", 0)
    pad = 0 if pad is None else pad
    if isinstance(pad, str) and pad.strip().lower() == "same":
        (t, b), (l, r) = _same(H, fh_eff, sh), _same(W, fw_eff, sw)
    elif isinstance(pad, str) and pad.strip().lower() == "valid":
        t = b = l = r = 0
    else:
        vals = _ints(pad, 4, 0)
        if len(vals) == 3:
            raise Invalid("padding: 1, 2 or 4 numbers")
        t, b, l, r = vals * 4 if len(vals) == 1 else ([vals[0], vals[0], vals[1], vals[1]] if len(vals) == 2 else vals)
    if fh_eff > H + t + b or fw_eff > W + l + r:
        raise Invalid("the kernel is larger than the padded input")
    Xp = np.pad(X, ((0, 0), (t, b), (l, r)))
    flipped = conv["operation"] == "convolution"
    op = convolve2d if flipped else correlate2d
    Y, scale = [], []
    for o in range(K):
        acc = np.zeros((Xp.shape[1] - fh_eff + 1, Xp.shape[2] - fw_eff + 1))
        mag = np.zeros_like(acc)
        for c in range(C):
            kd = _dilate(Kf[o, c], dh, dw)
            acc += op(Xp[c], kd, mode="valid")
            mag += op(np.abs(Xp[c]), np.abs(kd), mode="valid")
        Y.append((acc + bias[o])[::sh, ::sw])
        scale.append((mag + abs(bias[o]))[::sh, ::sw])
    Y, scale = np.array(Y), np.array(scale)
    Ho, Wo = Y.shape[1:]
    assert (Ho, Wo) == ((H + t + b - fh_eff) // sh + 1, (W + l + r - fw_eff) // sw + 1)
    # each output is a sum of C fh fw products: float64 rounding is bounded by that count times eps times the
    # sum of the products' magnitudes (the exact path is exact)
    atol = float((C * fh * fw + 2) * EPS * scale.max()) if scale.size else 0.0
    out = {"out_shape": [Ho, Wo] if K == 1 else [K, Ho, Wo],
           "output": Approx((Y[0] if K == 1 else Y).tolist(), 1e-9, max(atol, 1e-12))}
    if t or b or l or r:
        out["padded_input"] = (Xp[0] if x.ndim == 2 else Xp).tolist()
    return out


def conv2d_draw(rng) -> dict:
    C, K = int(rng.choice([1, 1, 2, 3])), int(rng.choice([1, 1, 2]))
    H, W = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    fh, fw = int(rng.integers(1, min(H, 3) + 1)), int(rng.integers(1, min(W, 3) + 1))
    x = rng.integers(-5, 6, size=(C, H, W)).astype(float)
    if rng.random() < 0.3:
        x = np.round(rng.normal(size=x.shape), 2)
    k = rng.integers(-3, 4, size=(K, C, fh, fw)).astype(float)
    p: dict = {"x": x[0].tolist() if C == 1 else x.tolist()}
    if K == 1 and C == 1:
        p["kernel"] = k[0, 0].tolist()
    elif K == 1:
        p["kernel"] = " | ".join("; ".join(" ".join(f"{v:g}" for v in r) for r in m) for m in k[0])
    else:
        p["kernel"] = k.tolist() if C > 1 else k[:, 0].tolist()
    if rng.random() < 0.5:
        p["bias"] = rng.integers(-3, 4, size=K).tolist()
    p["stride"] = int(rng.choice([1, 1, 2, 3]))
    pads = [0, 1, 2, "same", "valid", [1, 0], [0, 1, 2, 0]]
    p["padding"] = pads[int(rng.integers(len(pads)))]
    if rng.random() < 0.25 and fh > 1 and H + 2 >= 2 * (fh - 1) + 1 and W + 2 >= 2 * (fw - 1) + 1:
        p["dilation"], p["padding"] = 2, 1
    return p


CONV2D = Ref(expected=conv2d_expected, draw=conv2d_draw,
             source="scipy.signal.correlate2d (cross-correlation) and convolve2d (convolution, the kernel flipped) over "
                    "the zero-padded input, the kernel dilated by inserting zeros, every S-th output kept; TensorFlow's "
                    "'same' padding",
             edges=({"x": "5", "kernel": "-2"},                                               # 1 x 1
                    {"x": "1 2 3; 4 5 6; 7 8 9", "kernel": "1 0; 0 -1", "stride": 2},           # stride does not fit
                    {"x": "1 2 3; 4 5 6; 7 8 9", "kernel": "1 2; 3 4", "padding": 1, "stride": 2, "bias": [0.5]},
                    ({"x": "1 2 3; 4 5 6; 7 8 9", "kernel": "1 2; 3 4"}, {"operation": "convolution"}),
                    {"x": "1 2 3 4 5; 6 7 8 9 10; 1 1 1 1 1; 0 0 0 0 0; 2 2 2 2 2", "kernel": "1 0; 0 1", "dilation": 2},
                    {"x": "1 2 3 4; 5 6 7 8", "kernel": "1 1 1; 1 1 1", "padding": "same", "stride": 2},
                    {"x": "1 2; 3 4 | 5 6; 7 8", "kernel": "1 0; 0 1 | 0 1; 1 0 || 1 1; 1 1 | -1 -1; -1 -1",
                     "bias": [1, -1]},
                    {"x": "0.1 0.2; 0.30000000000000004 1e12", "kernel": "1 1; 1 -1", "padding": [0, 1, 1, 0]},
                    ({"x": "1 2 3; 4 5 6", "kernel": "1 2 | 3 4", "dilation": "1 2", "padding": "valid"},
                     {"operation": "convolution"})))


# ---- pool2d ------------------------------------------------------------------------------------------------------
def _out(n: int, f: int, s: int, pad: int, ceil: bool) -> int:
    """torch.nn.MaxPool2d's documented output size: floor or ceil of (n + 2p - f)/s, plus 1; in ceil mode the last
    window must start inside the input or the left padding."""
    q = (n + 2 * pad - f) / s
    out = (math.ceil(q) if ceil else math.floor(q)) + 1
    if ceil and (out - 1) * s >= n + pad:
        out -= 1
    return out


def pool2d_expected(p, conv) -> dict:
    x = _as_float(tensor(p["x"]))
    if x.ndim not in (2, 3):
        raise Invalid("a matrix or channels")
    X = x[None] if x.ndim == 2 else x
    C, H, W = X.shape
    mode = str(p.get("mode") or "max").strip().lower()
    mode = {"maximum": "max", "average": "avg", "mean": "avg", "gap": "global_avg", "gmp": "global_max"}.get(mode, mode)
    if mode not in ("max", "avg", "global_max", "global_avg"):
        raise Invalid(f"mode {mode!r}")
    is_max = mode.endswith("max")
    if mode.startswith("global"):
        (fh, fw), (sh, sw), (ph, pw), ceil = (H, W), (1, 1), (0, 0), False
    else:
        fh, fw = _pair(p.get("size") if p.get("size") is not None else 2, 1)
        sh, sw = _pair(p["stride"], 1) if p.get("stride") is not None else (fh, fw)
        ph, pw = _pair(p.get("padding") if p.get("padding") is not None else 0, 0)
        ceil = conv["ceil_mode"] == "ceil"
        if 2 * ph > fh or 2 * pw > fw:
            raise Invalid("padding more than half the window (torch refuses it)")
        if fh > H + 2 * ph or fw > W + 2 * pw:
            raise Invalid("the window is larger than the padded input")
    Ho, Wo = _out(H, fh, sh, ph, ceil), _out(W, fw, sw, pw, ceil)
    Y = np.zeros((C, Ho, Wo))
    A = np.zeros((C, Ho, Wo, 2), dtype=int)
    for c in range(C):
        for i in range(Ho):
            for j in range(Wo):
                r0, c0 = i * sh - ph, j * sw - pw            # the window in input coordinates
                r1, c1 = min(r0 + fh, H + ph), min(c0 + fw, W + pw)
                rows, cols = range(max(r0, 0), min(r1, H)), range(max(c0, 0), min(c1, W))
                if is_max:
                    best, at = -math.inf, None
                    for r in rows:                            # reading order: the first maximum stays
                        for q in cols:
                            if X[c, r, q] > best:
                                best, at = X[c, r, q], (r + 1, q + 1)
                    Y[c, i, j], A[c, i, j] = best, at
                else:
                    total = math.fsum(X[c, r, q] for r in rows for q in cols)
                    count = (r1 - r0) * (c1 - c0) if conv.get("count_include_pad", "include") == "include" \
                        else len(rows) * len(cols)
                    Y[c, i, j] = total / count

    def shaped(v):
        if mode.startswith("global"):
            flat = [ch[0][0] for ch in v]
            return flat[0] if x.ndim == 2 else flat
        return v[0] if x.ndim == 2 else v

    out = {"out_shape": [Ho, Wo] if x.ndim == 2 else [C, Ho, Wo], "output": shaped(Y.tolist())}
    if not is_max:
        out["output"] = Approx(out["output"], 1e-9, float(4 * EPS * np.abs(X).max()))
    if is_max:
        out["argmax"] = shaped(A.tolist())
    return out


def pool2d_draw(rng) -> dict:
    C = int(rng.choice([1, 1, 2]))
    H, W = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    x = rng.integers(-3, 4, size=(C, H, W)).astype(float)       # small integers: ties
    if rng.random() < 0.3:
        x = np.round(rng.normal(size=x.shape), 1)
    mode = str(rng.choice(["max", "avg", "max", "avg", "global_max", "global_avg"]))
    p: dict = {"x": x[0].tolist() if C == 1 else " | ".join("; ".join(" ".join(f"{v:g}" for v in r) for r in m) for m in x),
               "mode": mode}
    if not mode.startswith("global"):
        fh, fw = int(rng.integers(1, min(H, 3) + 1)), int(rng.integers(1, min(W, 3) + 1))
        p["size"] = fh if fh == fw else [fh, fw]
        if rng.random() < 0.6:
            p["stride"] = int(rng.choice([1, 2, 3]))
        if rng.random() < 0.4 and min(fh, fw) >= 2:
            p["padding"] = 1
    return p


POOL2D = Ref(expected=pool2d_expected, draw=pool2d_draw,
             source="torch.nn.MaxPool2d and AvgPool2d as documented (output size with ceil_mode, padding with -inf for "
                    "the maximum, count_include_pad, return_indices' first maximum in reading order), window by window",
             edges=({"x": "7", "mode": "max", "size": 1},                                             # 1 x 1
                    {"x": "1 1; 1 1", "mode": "max", "size": 2},                                        # all tied
                    {"x": "3 1 3; 1 3 1; 3 1 3", "mode": "max", "size": 2, "stride": 1},              # ties in windows
                    ({"x": "1 2 3; 4 5 6; 7 8 9", "mode": "avg", "size": 2, "stride": 2, "padding": 1},
                     {"ceil_mode": "ceil", "count_include_pad": "exclude"}),
                    ({"x": "1 2 3; 4 5 6; 7 8 9", "mode": "avg", "size": 2, "stride": 2, "padding": 1},
                     {"ceil_mode": "ceil", "count_include_pad": "include"}),
                    ({"x": "1 2 3 4 5; 6 7 8 9 10", "mode": "max", "size": 2, "stride": 2}, {"ceil_mode": "ceil"}),
                    ({"x": "-1 -2 -3; -4 -5 -6; -7 -8 -9", "mode": "max", "size": 3, "stride": 2, "padding": 1},
                     {"ceil_mode": "ceil"}),
                    {"x": "1 2; 3 4 | -1 -1; -1 -1", "mode": "global_max"},
                    {"x": "0.1 0.2; 0.30000000000000004 1e12", "mode": "global_avg"},
                    {"x": "1 2 3 4; 5 6 7 8; 9 10 11 12", "mode": "avg", "size": "2 x 3", "stride": 1}))


# ---- loss --------------------------------------------------------------------------------------------------------
def loss_expected(p, conv) -> dict:
    y, yh = np.array(vector(p["y"]), dtype=float), np.array(vector(p["y_hat"]), dtype=float)
    if len(y) != len(yh) or not len(y):
        raise Invalid("one prediction per target")
    kind = str(p.get("kind") or "mse").strip().lower()
    kind = {"l2": "mse", "squared": "mse", "l1": "mae", "absolute": "mae", "logcosh": "log_cosh", "log-cosh": "log_cosh",
            "smooth_l1": "huber", "squared hinge": "squared_hinge"}.get(kind, kind)
    delta = get(p, "delta", 1.0)
    if not 0 < delta <= 1e6:
        raise Invalid("delta")
    if kind in ("hinge", "squared_hinge") and not np.all(np.isin(y, (-1.0, 1.0))):
        raise Invalid("labels are -1 and +1")
    n = len(y)
    r = yh - y
    half = conv["squared_error"] == "half"
    if kind == "mse":
        losses, grads = (r * r / 2, r) if half else (r * r, 2 * r)
    elif kind == "rmse":
        losses, grads = r * r, 2 * r                      # the RMSE has no 1/2: sqrt of the mean squared error
    elif kind == "mae":
        losses, grads = np.abs(r), np.sign(r)
    elif kind == "huber":                                  # torch.nn.HuberLoss
        a = np.abs(r)
        losses = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
        grads = np.clip(r, -delta, delta)
    elif kind == "hinge":
        m = 1 - y * yh
        losses, grads = np.maximum(0, m), np.where(m > 0, -y, 0.0)
    elif kind == "squared_hinge":
        m = np.maximum(0, 1 - y * yh)
        losses, grads = m * m, -2 * y * m
    elif kind == "log_cosh":
        a = np.abs(r)
        small = np.log1p(2 * np.sinh(np.minimum(a, 20.0) / 2) ** 2)    # cosh r = 1 + 2 sinh(r/2)^2
        losses, grads = np.where(a < 20.0, small, a + np.log1p(np.exp(-2 * a)) - math.log(2)), np.tanh(r)
    else:
        raise Invalid(f"kind {kind!r}")
    losses = np.where(losses == 0, 0.0, losses)
    if kind == "rmse":
        loss = math.sqrt(math.fsum(losses) / n)
        grad = r / (n * loss) if loss > 0 else np.zeros(n)
    elif conv["reduction"] == "mean":
        loss, grad = math.fsum(losses) / n, grads / n
    else:
        loss, grad = math.fsum(losses), grads
    scale = float(np.abs(losses).max())
    out = {"losses": Approx(losses.tolist(), 1e-9, 1e-12), "loss": Approx(loss, 1e-9, 1e-12 + 4 * EPS * scale),
           "gradient": Approx(grad.tolist(), 1e-9, 1e-12)}
    w, alpha = p.get("weights"), p.get("alpha")
    if (w is None) != (alpha is None):
        raise Invalid("weights and alpha go together")
    if w is not None:
        w, a = np.array(vector(w), dtype=float), num(alpha)
        if not 0 <= a <= 1e6:
            raise Invalid("alpha")
        pen_kind = str(p.get("penalty") or "l2").strip().lower()
        pen_kind = {"ridge": "l2", "lasso": "l1", "2": "l2", "1": "l1"}.get(pen_kind, pen_kind)
        if pen_kind == "l2":
            half_a = conv["l2_scale"] == "half_alpha"
            pen = (a / 2 if half_a else a) * math.fsum(w * w)
            gw = (a if half_a else 2 * a) * w
        else:
            pen, gw = a * math.fsum(np.abs(w)), a * np.sign(w)
        out.update(penalty=Approx(pen, 1e-9, 1e-12), total=Approx(loss + pen, 1e-9, 1e-12 + 4 * EPS * abs(loss)),
                   gradient_w=Approx(gw.tolist(), 1e-9, 1e-12))
    return out


def loss_draw(rng) -> dict:
    kind = str(rng.choice(["mse", "mae", "rmse", "huber", "hinge", "squared_hinge", "log_cosh"]))
    n = int(rng.integers(1, 6))
    if kind in ("hinge", "squared_hinge"):
        y = rng.choice([-1, 1], size=n).tolist()
        yh = np.round(rng.normal(size=n) * 1.5, 1)
        if rng.random() < 0.3:
            yh[0] = y[0]                                    # a margin of exactly 1: the kink
        yh = yh.tolist()
    else:
        y = np.round(rng.normal(size=n) * 3, 2).tolist()
        yh = (np.array(y) + np.round(rng.normal(size=n), 2)).tolist()
        if rng.random() < 0.3:
            yh[0] = y[0]                                    # an exact prediction: the kink of |r|
    p: dict = {"y": y, "y_hat": yh, "kind": kind}
    if kind == "huber":
        p["delta"] = float(rng.choice([0.5, 1.0, 1.35]))
    if rng.random() < 0.4:
        p["weights"] = np.round(rng.uniform(-2, 2, size=int(rng.integers(1, 4))), 1).tolist()
        p["alpha"] = float(rng.choice([0.0, 0.01, 0.1, 0.5]))
        p["penalty"] = str(rng.choice(["l1", "l2"]))
    return p


LOSS = Ref(expected=loss_expected, draw=loss_draw,
           source="the textbook definitions (torch.nn.MSELoss, L1Loss, HuberLoss; the hinge and squared hinge losses; "
                  "log cosh computed as log1p(2 sinh(r/2)^2) or |r| + log1p(exp(-2|r|)) - log 2), their derivatives with 0 at a kink as torch's "
                  "autograd, the RMSE's r/(n L), and the L1 and L2 penalties",
           edges=({"y": [1.0], "y_hat": [1.0], "kind": "rmse"},                                  # zero error: 0/0 -> 0
                  {"y": [2.0], "y_hat": [3.5], "kind": "mse"},                                   # one sample
                  {"y": [0.0, 1.0, 2.0], "y_hat": [1.0, 1.0, 4.0], "kind": "huber", "delta": 1.0},  # |r| = delta, 0
                  {"y": [1, -1, 1], "y_hat": [1.0, -1.0, 0.5], "kind": "hinge"},                 # margins of 1
                  {"y": [1, -1], "y_hat": [1.0, 3.0], "kind": "squared_hinge"},
                  {"y": [0.0, 0.0], "y_hat": [800.0, -1e-8], "kind": "log_cosh"},
                  {"y": [0.1, 0.2], "y_hat": [0.30000000000000004, 0.2], "kind": "mae"},
                  {"y": [1e6, 0.0], "y_hat": [0.0, 1e-8], "kind": "rmse"},
                  {"y": [1, 2], "y_hat": [2, 2], "weights": [0.0, -1.5, 2.0], "alpha": 0.1, "penalty": "l1"},
                  ({"y": [1, 2], "y_hat": [2, 2], "weights": [0.5, -1.5], "alpha": 0.2, "penalty": "l2"},
                   {"l2_scale": "half_alpha", "squared_error": "half", "reduction": "sum"})))


REFERENCES = {"conv2d": CONV2D, "pool2d": POOL2D, "loss": LOSS}
