"""Independent references for the information-theory families: scipy.stats.entropy, scipy.special.rel_entr,
xlogy, log_softmax and expit, and the textbook derivatives written out (dL/dp = (1 - y)/(1 - p) - y/p,
dL/dz = p - y, dp_i/dz_j = p_i (delta_ij - p_j) / T)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import expit, log_softmax, rel_entr, softmax, xlogy
from scipy.stats import entropy as sp_entropy

from .core import Approx, Invalid, Ref, boolean, get, matrix, vector

LN = {"e": 1.0, "2": math.log(2.0), "10": math.log(10.0)}


def _base(p) -> float:
    b = str(p.get("base") or "e")
    aliases = {"ln": "e", "nat": "e", "nats": "e", "log2": "2", "bits": "2", "bit": "2", "log10": "10"}
    b = aliases.get(b, b)
    if b not in LN:
        raise Invalid(f"base {b}")
    return LN[b]


def _prob_rows(v, normalize: bool) -> np.ndarray:
    a = np.array(matrix(v), dtype=float)
    if np.any(a < 0):
        raise Invalid("negative probability")
    s = a.sum(axis=1, keepdims=True)
    if np.any(s == 0):
        raise Invalid("an all-zero row")
    if normalize:
        return a / s
    if np.any(np.abs(s - 1) > 1e-9):
        raise Invalid("a row does not sum to 1")
    return a


def _one_or_list(values, single: bool):
    return values[0] if single else list(values)


# ---- entropy ------------------------------------------------------------------------------------------
def entropy_expected(p, conv) -> dict:
    P = _prob_rows(p["p"], boolean(p.get("normalize", False)))
    ln = _base(p)
    h = [float(sp_entropy(r) / ln) for r in P]       # scipy normalises, natural log; 0 log 0 = 0
    if len(P) == 1:
        with np.errstate(divide="ignore"):
            return {"entropy": h[0], "surprise": list(-np.log(P[0]) / ln)}
    return {"entropy": h, "mean": float(np.mean(h))}


def _dist(rng, k):
    while True:
        v = rng.integers(0, 10, size=k).astype(float)
        if v.sum() > 0:
            return [float(x) for x in v / v.sum()]


def entropy_draw(rng) -> dict:
    n, k = int(rng.integers(1, 4)), int(rng.integers(1, 6))
    rows = [_dist(rng, k) for _ in range(n)]
    return {"p": rows if n > 1 else rows[0], "base": str(rng.choice(["e", "2", "10"]))}


ENTROPY = Ref(expected=entropy_expected, draw=entropy_draw, source="scipy.stats.entropy (and -log p for the surprise)",
              edges=({"p": [1.0]}, {"p": [0.5, 0.5, 0.0], "base": "2"}, {"p": [0.30000000000000004, 0.7]},
                     {"p": [1e-8, 1 - 1e-8]}, {"p": [3.0, 1.0], "normalize": True},
                     {"p": [[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]], "base": "10"},
                     {"p": [1e12, 1.0, 1e-8], "normalize": True}))


# ---- KL divergence -----------------------------------------------------------------------------------------
def kl_expected(p, conv) -> dict:
    norm = boolean(p.get("normalize", False))
    P, Q = _prob_rows(p["p"], norm), _prob_rows(p["q"], norm)
    if P.shape != Q.shape:
        raise Invalid("p and q differ in shape")
    ln = _base(p)
    with np.errstate(divide="ignore"):
        fw = [float(np.sum(rel_entr(a, b)) / ln) for a, b in zip(P, Q)]
        rv = [float(np.sum(rel_entr(b, a)) / ln) for a, b in zip(P, Q)]
    if len(P) == 1:
        return {"kl": fw[0], "kl_reverse": rv[0]}
    return {"kl": fw, "kl_reverse": rv, "mean": float(np.mean(fw)), "mean_reverse": float(np.mean(rv))}


def kl_draw(rng) -> dict:
    n, k = int(rng.integers(1, 4)), int(rng.integers(1, 6))
    P, Q = [_dist(rng, k) for _ in range(n)], [_dist(rng, k) for _ in range(n)]
    return {"p": P if n > 1 else P[0], "q": Q if n > 1 else Q[0], "base": str(rng.choice(["e", "2", "10"]))}


KL = Ref(expected=kl_expected, draw=kl_draw, source="scipy.special.rel_entr summed (sum p log(p/q), inf where q = 0 < p)",
         edges=({"p": [1.0, 0.0], "q": [0.7, 0.3]}, {"p": [0.5, 0.5], "q": [0.5, 0.5]},
                {"p": [0.30000000000000004, 0.7], "q": [0.7, 0.30000000000000004]},
                {"p": [1e-8, 1 - 1e-8], "q": [0.5, 0.5], "base": "2"}, {"p": [1.0], "q": [1.0]},
                {"p": [[0.2, 0.8], [1.0, 0.0]], "q": [[0.5, 0.5], [0.0, 1.0]]}))


# ---- cross-entropy -----------------------------------------------------------------------------------------
def cross_entropy_expected(p, conv) -> dict:
    ln = _base(p)
    if p.get("q_true") is not None:
        q = np.array(vector(p["q_true"]), dtype=float)
        if np.any((q < 0) | (q > 1)):
            raise Invalid("q_true in [0, 1]")
        with np.errstate(divide="ignore"):
            ce = list(-np.log(q) / ln)
        return {"cross_entropy": _one_or_list(ce, len(ce) == 1), "total": float(np.sum(ce)), "mean": float(np.mean(ce))}
    norm = boolean(p.get("normalize", False))
    P = _prob_rows(p["p"], norm)
    eps = get(p, "label_smoothing", 0.0)
    K = P.shape[1]
    out: dict[str, Any] = {}
    if eps:
        if conv.get("smoothing_form", "eps/(K-1)") == "eps/(K-1)":
            if not all(sorted(r) == [0.0] * (K - 1) + [1.0] for r in P.tolist()):
                raise Invalid("eps/(K-1) smoothing needs one-hot targets")
            P = P * (1 - eps) + (1 - P) * eps / (K - 1)
        else:
            P = P * (1 - eps) + eps / K
        out["p_smoothed"] = _one_or_list([list(r) for r in P], len(P) == 1)
    if p.get("logits") is not None:
        Z = np.array(matrix(p["logits"]), dtype=float)
        if Z.shape != P.shape:
            raise Invalid("logits must have p's shape")
        logq = log_softmax(Z, axis=1)
        H = [float(-np.sum(np.where(a > 0, a * lq, 0.0)) / ln) for a, lq in zip(P, logq)]
    else:
        Q = _prob_rows(p["q"], norm)
        if Q.shape != P.shape:
            raise Invalid("q must have p's shape")
        with np.errstate(divide="ignore", invalid="ignore"):
            H = [float(-np.sum(xlogy(a, b)) / ln) for a, b in zip(P, Q)]
    out["cross_entropy"] = _one_or_list(H, len(H) == 1)
    if len(H) == 1:
        hp = float(sp_entropy(P[0]) / ln)
        out["entropy_p"] = hp
        out["kl"] = Approx(H[0] - hp, atol=1e-12 * max(1.0, abs(H[0]))) if math.isfinite(H[0]) else H[0]
    else:
        out["total"], out["mean"] = float(np.sum(H)), float(np.mean(H))
    return out


def cross_entropy_draw(rng) -> dict:
    mode = rng.choice(["q_true", "q", "logits", "soft"])
    if mode == "q_true":
        return {"q_true": [float(v) for v in rng.choice([0.57, 0.5, 1.0, 0.01, 0.999, 0.3], size=int(rng.integers(1, 5)))]}
    k, n = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    P = []
    for _ in range(n):
        r = [0.0] * k
        r[int(rng.integers(k))] = 1.0
        P.append(r if mode != "soft" else _dist(rng, k))
    out: dict[str, Any] = {"p": P if n > 1 else P[0], "base": str(rng.choice(["e", "2", "10"]))}
    if mode == "logits" or rng.random() < 0.3:
        Z = [[float(v) for v in rng.choice([-3.0, 0.0, 1.5, 2.5, 120.0, -150.0], size=k)] for _ in range(n)]
        out["logits"] = Z if n > 1 else Z[0]
    else:
        Q = [_dist(rng, k) for _ in range(n)]
        out["q"] = Q if n > 1 else Q[0]
    if rng.random() < 0.4:
        out["label_smoothing"] = float(rng.choice([0.1, 0.2, 0.30000000000000004]))
    return out


CROSS_ENTROPY = Ref(expected=cross_entropy_expected, draw=cross_entropy_draw,
                    source="-sum p log q with scipy's xlogy and log_softmax; H(p) by scipy.stats.entropy",
                    edges=({"q_true": [0.57, 0.58, 0.52]}, {"p": [1.0, 0.0], "q": [0.7, 0.3]},
                           {"p": [0.0, 1.0], "q": [1.0, 0.0]},
                           {"p": [1.0, 0.0, 0.0], "logits": [100.0, -100.0, 0.30000000000000004], "label_smoothing": 0.1},
                           {"p": [[1.0, 0.0], [0.0, 1.0]], "logits": [[1e6, -1e6], [1e-8, 0.0]]},
                           {"p": [0.3, 0.7], "q": [0.3, 0.7], "label_smoothing": 0.2},
                           {"p": [1.0], "q": [1.0]}, {"q_true": [1.0, 1e-8]}))


# ---- binary cross-entropy ---------------------------------------------------------------------------------
def bce_expected(p, conv) -> dict:
    y = np.array(vector(p["y"]), dtype=float)
    ln = _base(p)
    if np.any((y < 0) | (y > 1)):
        raise Invalid("targets in [0, 1]")
    if p.get("logits") is not None:
        z = np.array(vector(p["logits"]), dtype=float)
        if len(z) != len(y):
            raise Invalid("one logit per target")
        losses = (np.logaddexp(0.0, z) - y * z) / ln               # softplus(z) - y z
        grads = {"grad_z": list((expit(z) - y) / ln)}
    else:
        q = np.array(vector(p["p"]), dtype=float)
        if len(q) != len(y) or np.any((q < 0) | (q > 1)):
            raise Invalid("one probability in [0, 1] per target")
        with np.errstate(divide="ignore", invalid="ignore"):
            losses = -(xlogy(y, q) + xlogy(1 - y, 1 - q)) / ln
            t1 = np.where(y == 1, 0.0, (1 - y) / (1 - q))
            t2 = np.where(y == 0, 0.0, y / q)
        grads = {"grad_p": list((t1 - t2) / ln)}
    return {"losses": list(losses), "total": float(np.sum(losses)), "bce": float(np.mean(losses)), **grads}


def bce_draw(rng) -> dict:
    n = int(rng.integers(1, 6))
    y = [float(v) for v in rng.choice([0.0, 1.0, 0.3, 0.5], size=n)]
    if rng.random() < 0.5:
        return {"y": y, "p": [float(v) for v in rng.choice([0.5, 0.8, 0.01, 0.999, 0.0, 1.0, 0.3], size=n)],
                "base": str(rng.choice(["e", "2", "10"]))}
    return {"y": y, "logits": [float(v) for v in rng.choice([0.0, 2.5, -3.0, 40.0, -120.0, 800.0], size=n)],
            "base": str(rng.choice(["e", "2", "10"]))}


BCE = Ref(expected=bce_expected, draw=bce_draw, source="-(xlogy(y, p) + xlogy(1 - y, 1 - p)); softplus(z) - y z for "
          "logits; the derivatives (1 - y)/(1 - p) - y/p and sigmoid(z) - y",
          edges=({"y": [1.0, 0.3], "p": [0.8, 0.6]}, {"y": [1.0], "p": [0.999999999999]},
                 {"y": [0.0, 1.0], "p": [1e-8, 1.0]}, {"y": [1.0, 0.0], "p": [0.0, 1.0]},
                 {"y": [1.0, 0.0, 0.5], "logits": [150.0, 150.0, -1e6]}, {"y": [0.30000000000000004], "p": [0.5]},
                 {"y": [1.0], "logits": [1e-8]}))


# ---- softmax ----------------------------------------------------------------------------------------------
def softmax_expected(p, conv) -> dict:
    Z = np.array(matrix(p["logits"]), dtype=float)
    T = get(p, "temperature", 1.0)
    if T <= 0:
        raise Invalid("temperature > 0")
    P = softmax(Z / T, axis=1)
    # 1 - p_i as the other classes' share, sum_{j != i} e_j / sum_j e_j with e = exp(z/T - max): no cancellation
    comp = []
    for r in Z / T:
        e = np.exp(r - r.max())
        comp.append([float(np.delete(e, i).sum() / e.sum()) if len(e) > 1 else 0.0 for i in range(len(e))])
    single = len(P) == 1
    out: dict[str, Any] = {"p": list(P[0]) if single else [list(r) for r in P],
                           "one_minus_p": comp[0] if single else comp}
    if boolean(p.get("jacobian", False)):
        J = [(np.diag(r) - np.outer(r, r)) / T for r in P]
        out["jacobian"] = J[0].tolist() if single else [j.tolist() for j in J]
    return out


def softmax_draw(rng) -> dict:
    n, k = int(rng.integers(1, 4)), int(rng.integers(1, 6))
    Z = [[float(v) for v in rng.choice([-3.0, 0.0, 1.4, 2.5, 100.0, -100.0, 5.0], size=k)] for _ in range(n)]
    out: dict[str, Any] = {"logits": Z if n > 1 else Z[0], "jacobian": bool(rng.random() < 0.5)}
    if rng.random() < 0.4:
        out["temperature"] = float(rng.choice([0.5, 2.0, 0.1, 10.0]))
    return out


SOFTMAX = Ref(expected=softmax_expected, draw=softmax_draw, source="scipy.special.softmax and log-sum-exp; "
              "the Jacobian (diag(p) - p p^T) / T written out",
              edges=({"logits": [100.0, 5.0, 4.0]}, {"logits": [0.0, 0.0, 0.0], "jacobian": True}, {"logits": [7.0]},
                     {"logits": [1e6, -1e6], "jacobian": True}, {"logits": [[0.30000000000000004, 0.1], [1e-8, 0.0]]},
                     {"logits": [1.0, 2.0], "temperature": 1e-8}, {"logits": [1e12, 1e12 - 1.0], "jacobian": True}),
              tol={"one_minus_p": (1e-9, 0.0)})


REFERENCES = {"entropy": ENTROPY, "kl_divergence": KL, "cross_entropy": CROSS_ENTROPY, "binary_cross_entropy": BCE,
              "softmax": SOFTMAX}
