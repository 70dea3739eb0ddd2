"""Generate PyTorch oracle fixtures for the value families conv2d, pool2d and loss.

Run from the repository root:

    python tests/oracles/gen_torch_grid.py

Writes tests/fixtures/torch_grid.json. Requires torch 2.13.0 (CPU); float64 throughout and deterministic: the
inputs are fixed or drawn from a seeded NumPy generator, and every recorded number is the output of a
deterministic torch function.

Schema (all numbers float64): generator, torch_version, dtype, and one list of cases per family. Each case has
`params` (raw parameter values as a user gives them: nested lists, numbers, strings), `conventions`, and the torch
results under the answer names of the family:
- conv2d: output (F.conv2d on the padded input; the kernel flipped first for operation=convolution), out_shape,
  padded_input (F.pad) when the padding is not zero.
- pool2d: output (F.max_pool2d / F.avg_pool2d / adaptive pooling to 1 x 1 for global modes), argmax (1-based
  (row, column) in the unpadded input, from return_indices) for max pooling.
- loss: loss, losses (reduction='none'), gradient (autograd of the loss with respect to y_hat).

Facts about torch that this script checks (asserted below):
- F.conv2d computes the cross-correlation; padding='same' at stride 1 puts the smaller half of the padding
  before the input.
- F.avg_pool2d with count_include_pad=True divides by the window size clipped to the padded input (in ceil mode
  a window hanging over the padded input counts only the cells inside it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

EXPECTED_TORCH = "2.13.0"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "torch_grid.json"


def t(a):
    return torch.tensor(a, dtype=torch.float64)


# ---- conv2d ---------------------------------------------------------------------------------------------

def conv_case(x, kernel, stride=1, padding=0, dilation=1, bias=None, operation="cross_correlation"):
    """x: 2-D (one channel) or 3-D (channels) list; kernel: 2-D, 3-D (filters for a one-channel x, else channels
    of one filter) or 4-D (filters, channels); padding: int, [rows, cols], [top, bottom, left, right] or 'same'."""
    xt = t(x)
    xt = xt[None] if xt.ndim == 2 else xt
    C = xt.shape[0]
    kt = t(kernel)
    if kt.ndim == 2:
        kt = kt[None, None]
    elif kt.ndim == 3:
        kt = kt[:, None] if C == 1 else kt[None]
    if operation == "convolution":
        kt = torch.flip(kt, dims=(-2, -1))
    st = tuple(stride) if isinstance(stride, list) else (stride, stride)
    dl = tuple(dilation) if isinstance(dilation, list) else (dilation, dilation)
    if padding == "same":
        assert st == (1, 1)
        out = F.conv2d(xt[None], kt, None if bias is None else t(bias), stride=st, padding="same", dilation=dl)[0]
        # torch's 'same': total d (f - 1), the smaller half first
        pads = []
        for ax, (f, d) in enumerate(zip(kt.shape[-2:], dl)):
            tot = d * (f - 1)
            pads.append((tot // 2, tot - tot // 2))
        (pt, pb), (pl, pr) = pads
    else:
        if isinstance(padding, int):
            pt = pb = pl = pr = padding
        elif len(padding) == 2:
            pt = pb = padding[0]
            pl = pr = padding[1]
        else:
            pt, pb, pl, pr = padding
        out = None
    xp = F.pad(xt, (pl, pr, pt, pb))
    direct = F.conv2d(xp[None], kt, None if bias is None else t(bias), stride=st, dilation=dl)[0]
    if out is not None:
        assert torch.allclose(out, direct, rtol=0, atol=1e-12), "torch 'same' padding is not the smaller half first"
    out = direct
    K = kt.shape[0]
    res = {"output": (out[0] if K == 1 else out).tolist(),
           "out_shape": list(out.shape[1:]) if K == 1 else list(out.shape)}
    if pt or pb or pl or pr:
        res["padded_input"] = (xp[0] if xp.shape[0] == 1 and len(np.shape(x)) == 2 else xp).tolist()
    params = {"x": x, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    if bias is not None:
        params["bias"] = bias
    return {"params": params, "conventions": {"operation": operation}, **res}


def conv_fixtures():
    cases = [
        # Dive into Deep Learning, section 7.2
        conv_case([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]]),
        conv_case([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]], operation="convolution"),
        conv_case([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]], [[1, 0], [0, -1]], stride=2,
                  padding=1),
        conv_case([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]], padding="same"),
        conv_case([[1, 2, 3, 4, 5]] * 5, [[1, -1], [2, 0]], padding=[0, 1, 2, 0], stride=[1, 2]),
        conv_case([[1, 2, 3, 4, 5, 6]] * 6, [[1, 0], [0, 1]], dilation=2, bias=[0.5]),
        conv_case([[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0, 1, 0], [1, 0, 1], [0, 1, 0]]],
                  [[[1, 0], [0, 1]], [[2, 1], [1, 2]]], bias=[1]),
        conv_case([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[[1, 0], [0, 1]], [[0, 1], [1, 0]]], bias=[1, -1]),
        conv_case([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0.5, 0.25], [-1.5, 2]], padding=[1, 0]),
    ]
    rng = np.random.default_rng(20261205)
    for k in range(30):
        C = int(rng.integers(1, 4))
        K = int(rng.integers(1, 3))
        H, W = int(rng.integers(3, 8)), int(rng.integers(3, 8))
        fh, fw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        d = int(rng.choice([1, 1, 2]))
        stride = [int(rng.integers(1, 4)), int(rng.integers(1, 4))] if rng.random() < 0.3 else int(rng.integers(1, 3))
        choice = rng.random()
        if choice < 0.15 and stride == 1:
            padding = "same"
        elif choice < 0.3:
            padding = [int(v) for v in rng.integers(0, 3, size=4)]
        elif choice < 0.45:
            padding = [int(v) for v in rng.integers(0, 3, size=2)]
        else:
            padding = int(rng.integers(0, 3))
        pads = (padding if isinstance(padding, list) and len(padding) == 4 else
                [padding[0], padding[0], padding[1], padding[1]] if isinstance(padding, list) else
                [0] * 4 if padding == "same" else [padding] * 4)
        if d * (fh - 1) + 1 > H + pads[0] + pads[1] or d * (fw - 1) + 1 > W + pads[2] + pads[3]:
            continue
        x = rng.integers(-4, 6, size=(C, H, W)).tolist()
        kern = rng.integers(-2, 3, size=(K, C, fh, fw)).tolist()
        xv = x[0] if C == 1 else x
        kv = (kern[0][0] if K == 1 else [f[0] for f in kern]) if C == 1 else (kern[0] if K == 1 else kern)
        bias = [int(v) for v in rng.integers(-2, 3, size=K)] if rng.random() < 0.4 else None
        op = "convolution" if rng.random() < 0.3 else "cross_correlation"
        cases.append(conv_case(xv, kv, stride, padding, d, bias, op))
    return cases


# ---- pool2d ---------------------------------------------------------------------------------------------

def pool_case(x, mode="max", size=2, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    xt = t(x)
    xt = xt[None] if xt.ndim == 2 else xt
    one = len(np.shape(x)) == 2
    res = {}
    if mode.startswith("global"):
        if mode == "global_max":
            out = F.adaptive_max_pool2d(xt[None], 1)[0]
            assert torch.equal(out, xt.amax(dim=(-2, -1), keepdim=True))
            idx = xt.reshape(xt.shape[0], -1).argmax(dim=-1)  # first maximum (torch.argmax)
            W = xt.shape[-1]
            pos = [[int(k) // W + 1, int(k) % W + 1] for k in idx]
            res["argmax"] = pos[0] if one else pos
        else:
            out = F.adaptive_avg_pool2d(xt[None], 1)[0]
        flat = out[:, 0, 0].tolist()
        res["output"] = flat[0] if one else flat
        res["out_shape"] = [1, 1] if one else [xt.shape[0], 1, 1]
    else:
        k = tuple(size) if isinstance(size, list) else (size, size)
        s = k if stride is None else (tuple(stride) if isinstance(stride, list) else (stride, stride))
        pd = tuple(padding) if isinstance(padding, list) else (padding, padding)
        if mode == "max":
            out, idx = F.max_pool2d(xt[None], k, s, pd, ceil_mode=ceil_mode, return_indices=True)
            out, idx = out[0], idx[0]
            W = xt.shape[-1]
            pos = torch.stack([idx // W + 1, idx % W + 1], dim=-1).tolist()
            res["argmax"] = pos[0] if one else pos
        else:
            out = F.avg_pool2d(xt[None], k, s, pd, ceil_mode=ceil_mode, count_include_pad=count_include_pad)[0]
        res["output"] = (out[0] if one else out).tolist()
        res["out_shape"] = list(out.shape[1:]) if one else list(out.shape)
    params = {"x": x, "mode": mode, "size": size, "padding": padding}
    if stride is not None:
        params["stride"] = stride
    conv = {"ceil_mode": "ceil" if ceil_mode else "floor", "count_include_pad": "include" if count_include_pad else "exclude"}
    return {"params": params, "conventions": conv, **res}


def pool_fixtures():
    ex = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]
    cases = [
        pool_case(ex, "max", 2, 2),   # the CS231n course notes' max pooling example: [[6, 8], [3, 4]]
        pool_case(ex, "avg", 2, 2),
        pool_case(ex, "max", 3, 1, 1),
        pool_case(ex, "avg", 3, 1, 1),
        pool_case(ex, "avg", 3, 1, 1, count_include_pad=False),
        pool_case(ex, "avg", 3, 2, 1, ceil_mode=True),
        pool_case(ex, "avg", 3, 2, 1, ceil_mode=True, count_include_pad=False),
        pool_case([[1, 2, 3, 4, 5]] * 5, "max", 2, 2, ceil_mode=True),
        pool_case([[1, 2, 3, 4, 5]] * 5, "avg", 2, 2, ceil_mode=True),
        pool_case([[1, 2, 3, 4, 5]] * 5, "max", 2, 2),
        pool_case([[3, 3], [3, 1]], "max", 2, 1),  # a tie: the first maximum in reading order
        pool_case(ex, "global_avg"),
        pool_case([ex, [[0, 1, 0, 1]] * 4], "global_max"),
        pool_case([ex, [[0, 1, 0, 1]] * 4], "global_avg"),
        pool_case([ex, [[0, 1, 0, 1]] * 4], "max", [2, 3], [1, 2], [1, 1]),
    ]
    rng = np.random.default_rng(20261206)
    for k in range(30):
        C = int(rng.integers(1, 3))
        H, W = int(rng.integers(2, 8)), int(rng.integers(2, 8))
        fh, fw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        size = [fh, fw] if fh != fw else fh
        stride = [int(rng.integers(1, 4)), int(rng.integers(1, 4))] if rng.random() < 0.3 else (
            None if rng.random() < 0.3 else int(rng.integers(1, 3)))
        padding = [int(rng.integers(0, fh // 2 + 1)), int(rng.integers(0, fw // 2 + 1))]
        padding = padding[0] if padding[0] == padding[1] else padding
        pads = padding if isinstance(padding, list) else [padding, padding]
        if fh > H + 2 * pads[0] or fw > W + 2 * pads[1]:
            continue
        mode = str(rng.choice(["max", "avg", "max", "avg", "global_max", "global_avg"]))
        x = rng.integers(-5, 9, size=(C, H, W)).tolist()
        cases.append(pool_case(x[0] if C == 1 else x, mode, size, stride, padding, bool(rng.random() < 0.4),
                               bool(rng.random() < 0.6)))
    return cases


# ---- loss -----------------------------------------------------------------------------------------------

def _sample_losses(kind, yt, pt, delta, half):
    r = pt - yt
    if kind == "mse" or kind == "rmse":
        return r ** 2 * (0.5 if half and kind == "mse" else 1.0)
    if kind == "mae":
        return F.l1_loss(pt, yt, reduction="none")
    if kind == "huber":
        return F.huber_loss(pt, yt, reduction="none", delta=delta)
    if kind == "hinge":
        return torch.relu(1 - yt * pt)
    if kind == "squared_hinge":
        return torch.relu(1 - yt * pt) ** 2
    if kind == "log_cosh":
        return torch.log(torch.cosh(r))
    raise ValueError(kind)


def loss_case(y, y_hat, kind="mse", delta=1.0, reduction="mean", half=False, weights=None, alpha=None, penalty="l2",
              l2_scale="alpha"):
    yt = t(y)
    pt = t(y_hat).requires_grad_(True)
    losses = _sample_losses(kind, yt, pt, delta, half)
    # torch's own losses where torch has them, to check the hand-written ones above
    if kind == "mse" and not half:
        torch.testing.assert_close(losses, F.mse_loss(pt, yt, reduction="none"), rtol=0, atol=0)
    if kind == "huber" and delta == 1.0:
        torch.testing.assert_close(losses, F.smooth_l1_loss(pt, yt, reduction="none", beta=1.0), rtol=0, atol=0)
    if kind == "rmse":
        loss = torch.sqrt(F.mse_loss(pt, yt))
    elif kind == "mse" and not half:
        loss = F.mse_loss(pt, yt, reduction=reduction)
    elif kind == "mae":
        loss = F.l1_loss(pt, yt, reduction=reduction)
    elif kind == "huber":
        loss = F.huber_loss(pt, yt, reduction=reduction, delta=delta)
    else:
        loss = losses.mean() if reduction == "mean" else losses.sum()
    (grad,) = torch.autograd.grad(loss, pt, retain_graph=True)
    res = {"loss": loss.item(), "losses": losses.detach().tolist(), "gradient": grad.tolist()}
    params = {"y": y, "y_hat": y_hat, "kind": kind}
    if kind == "huber":
        params["delta"] = delta
    if weights is not None:
        wt = t(weights).requires_grad_(True)
        pen = alpha * (wt.abs().sum() if penalty == "l1" else (wt ** 2).sum() * (0.5 if l2_scale == "half_alpha" else 1.0))
        (gw,) = torch.autograd.grad(pen, wt)
        res.update({"penalty": pen.item(), "total": loss.item() + pen.item(), "gradient_w": gw.tolist()})
        params.update({"weights": weights, "alpha": alpha, "penalty": penalty})
    conv = {"reduction": reduction, "squared_error": "half" if half else "plain", "l2_scale": l2_scale}
    return {"params": params, "conventions": conv, **res}


def loss_fixtures():
    cases = [
        loss_case([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]),              # scikit-learn's mean_squared_error example: 0.375
        loss_case([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], "mae"),       # scikit-learn's mean_absolute_error example: 0.5
        loss_case([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], "rmse"),
        loss_case([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], "mse", half=True),
        loss_case([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], "mse", reduction="sum"),
        loss_case([0, 0, 0], [0.5, -2, 3], "huber"),
        loss_case([0, 0, 0], [0.5, -2, 3], "huber", delta=2.0, reduction="sum"),
        loss_case([1, -1, 1, -1], [0.3, -2, 1, 0.5], "hinge"),     # margin exactly 1 on sample 3: gradient 0
        loss_case([1, -1, 1, -1], [0.3, -2, 1, 0.5], "squared_hinge"),
        loss_case([1, 2], [1.5, 0], "log_cosh"),
        loss_case([1, 2], [1, 2.5], "mae"),                         # an exact prediction: gradient 0
        loss_case([1, 2, 3], [1.5, 2, 2], "mse", weights=[0.5, -1, 2], alpha=0.1),
        loss_case([1, 2, 3], [1.5, 2, 2], "mse", weights=[0.5, -1, 2], alpha=0.1, l2_scale="half_alpha"),
        loss_case([1, 2, 3], [1.5, 2, 2], "mae", weights=[0.5, -1, 2], alpha=0.1, penalty="l1"),
    ]
    rng = np.random.default_rng(20261207)
    kinds = ["mse", "mae", "rmse", "huber", "hinge", "squared_hinge", "log_cosh"]
    for k in range(35):
        kind = kinds[k % len(kinds)]
        n = int(rng.integers(1, 7))
        if kind in ("hinge", "squared_hinge"):
            y = [int(v) for v in rng.choice([-1, 1], size=n)]
        else:
            y = [round(float(v), 2) for v in rng.uniform(-4, 4, size=n)]
        y_hat = [round(float(v), 2) for v in rng.uniform(-4, 4, size=n)]
        delta = float(rng.choice([0.5, 1.0, 2.5]))
        weights = [round(float(v), 2) for v in rng.uniform(-2, 2, size=int(rng.integers(1, 4)))] if rng.random() < 0.3 else None
        cases.append(loss_case(y, y_hat, kind, delta, str(rng.choice(["mean", "sum"])), bool(rng.random() < 0.3),
                               weights, None if weights is None else float(rng.choice([0.01, 0.1, 1.0])),
                               str(rng.choice(["l2", "l1"])), str(rng.choice(["alpha", "half_alpha"]))))
    return cases


def main():
    assert torch.__version__.split("+")[0] == EXPECTED_TORCH, torch.__version__
    data = {"generator": "tests/oracles/gen_torch_grid.py", "torch_version": torch.__version__, "dtype": "float64",
            "conv2d": conv_fixtures(), "pool2d": pool_fixtures(),
            "loss": loss_fixtures()}
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(data['conv2d'])} conv2d, {len(data['pool2d'])} pool2d, {len(data['loss'])} loss cases)")


if __name__ == "__main__":
    main()
