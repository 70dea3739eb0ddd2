"""Independent references for the information-theory families: scipy.stats.entropy, scipy.special.rel_entr,
xlogy, log_softmax and expit, and the textbook derivatives written out (dL/dp = (1 - y)/(1 - p) - y/p,
dL/dz = p - y, dp_i/dz_j = p_i (delta_ij - p_j) / T)."""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.special import expit, log_softmax, logsumexp, rel_entr, softmax, xlogy

from .core import Approx, Invalid, Ref, boolean, get, matrix, num, vector

LN = {"e": 1.0, "2": math.log(2.0), "10": math.log(10.0)}
MAX_PRINTED_DECIMALS = 12


def _base(p) -> float:
    """ln b for the logarithm base b: e, 2, 10 by name, or any number b > 1."""
    b = str(p.get("base") or "e").strip().lower()
    aliases = {"ln": "e", "nat": "e", "nats": "e", "log2": "2", "bits": "2", "bit": "2", "log10": "10",
               "hartley": "10", "hartleys": "10", "ban": "10", "bans": "10"}
    b = aliases.get(b, b)
    if b in LN:
        return LN[b]
    try:
        v = num(b)
    except Invalid:
        raise Invalid(f"base {b}") from None
    if not v > 1 or not math.isfinite(v):
        raise Invalid(f"base {b} (a base greater than 1)")
    return math.log(v)


def _slack(a: np.ndarray) -> np.ndarray:
    """How far a row sum may be from 1 when its K entries are rounded to d printed decimals: K/2 10^-d (d the fewest
    decimals, up to 12, that reproduce the row; 0 for rows printed without decimals)."""
    out = np.zeros(a.shape[0])
    for r, row in enumerate(a):
        for d in range(MAX_PRINTED_DECIMALS + 1):
            if np.all(np.abs(np.round(row, d) - row) <= 1e-12):
                out[r] = len(row) / 2 * 10.0 ** -d if d >= 1 else 0.0
                break
    return out


def _prob_rows(v, normalize: bool) -> np.ndarray:
    a = np.array(matrix(v), dtype=float)
    if np.any(a < 0):
        raise Invalid("negative probability")
    s = a.sum(axis=1, keepdims=True)
    if np.any(s == 0):
        raise Invalid("an all-zero row")
    if normalize:
        return a / s
    off = np.abs(s[:, 0] - 1)
    if np.any((off > 1e-9) & ~(off < _slack(a))):
        raise Invalid("a row does not sum to 1 (nor within the rounding of its printed digits)")
    return a                                          # a rounded row (0.33 0.33 0.33) is used as written


def _broadcast(P: np.ndarray, Q: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """One row of either stands for every row of the other."""
    if P.shape[1] != Q.shape[1] or (len(P) != len(Q) and 1 not in (len(P), len(Q))):
        raise Invalid(f"{what} differ in shape")
    n = max(len(P), len(Q))
    return np.broadcast_to(P, (n, P.shape[1])), np.broadcast_to(Q, (n, Q.shape[1]))


def _one_or_list(values, single: bool):
    return values[0] if single else list(values)


# ---- entropy ------------------------------------------------------------------------------------------
def _positive(v, what) -> np.ndarray:
    a = np.array(vector(v), dtype=float)
    if np.any(~(a > 0)) or np.any(~np.isfinite(a)):
        raise Invalid(f"{what} > 0")
    return a


def entropy_expected(p, conv) -> dict:
    if p.get("sigma") is not None:
        s = _positive(p["sigma"], "sigma")
        if p.get("mu") is not None and len(vector(p["mu"])) != len(s):
            raise Invalid("one mean per standard deviation")
        # a Gaussian with diagonal covariance: h = sum_i 1/2 ln(2 pi e sigma_i^2)
        return {"entropy": float(np.sum(0.5 * np.log(2 * np.pi * np.e) + np.log(s)) / _base(p))}
    P = _prob_rows(p["p"], boolean(p.get("normalize", False)))
    ln = _base(p)
    h = [float(-np.sum(xlogy(r, r)) / ln) for r in P]   # -sum p log p, 0 log 0 = 0 (a rounded row as written)
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
    if rng.random() < 0.2:
        d = int(rng.integers(1, 4))
        return {"sigma": [float(v) for v in rng.choice([0.1, 1.0, 2.0, 3.0, 1e-8, 1e6], size=d)],
                "mu": [float(v) for v in rng.choice([0.0, 1.0, -2.5], size=d)], "base": str(rng.choice(["e", "2", "3"]))}
    if rng.random() < 0.2:                             # rounded rows, used as written
        rows = [[0.33, 0.33, 0.33], [0.17, 0.17, 0.67], [0.33, 0.67]][:n]
        return {"p": rows if n > 1 else rows[0], "base": str(rng.choice(["e", "2", "1.5"]))}
    return {"p": rows if n > 1 else rows[0], "base": str(rng.choice(["e", "2", "10", "3", "1.5"]))}


ENTROPY = Ref(expected=entropy_expected, draw=entropy_draw, source="-sum xlogy(p, p) (scipy.special), -log p for the surprise, 1/2 ln(2 pi e sigma^2) for a Gaussian",
              edges=({"p": [1.0]}, {"p": [0.5, 0.5, 0.0], "base": "2"}, {"p": [0.30000000000000004, 0.7]},
                     {"p": [1e-8, 1 - 1e-8]}, {"p": [3.0, 1.0], "normalize": True},
                     {"p": [[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]], "base": "10"},
                     {"p": [1e12, 1.0, 1e-8], "normalize": True}, {"p": [0.33, 0.33, 0.33], "base": "3"},
                     {"sigma": [2.0], "mu": [0.0]}, {"sigma": [0.1, 3.0], "mu": [0.0, 1.0], "base": "2"}))


# ---- KL divergence -----------------------------------------------------------------------------------------
def kl_expected(p, conv) -> dict:
    ln = _base(p)
    if p.get("sigma_p") is not None or p.get("sigma_q") is not None:
        sp_, sq = _positive(p["sigma_p"], "sigma_p"), _positive(p["sigma_q"], "sigma_q")
        mp, mq = (np.array(vector(p[k]), dtype=float) if p.get(k) is not None else np.zeros(len(sp_))
                  for k in ("mu_p", "mu_q"))
        if not len(sp_) == len(sq) == len(mp) == len(mq):
            raise Invalid("one mean and one standard deviation per dimension")

        def gauss(m1, s1, m2, s2):   # KL(N(m1, s1^2) || N(m2, s2^2)) = ln(s2/s1) + (s1^2 + (m1 - m2)^2)/(2 s2^2) - 1/2
            return float(np.sum(np.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5) / ln)
        return {"kl": Approx(gauss(mp, sp_, mq, sq), atol=1e-12), "kl_reverse": Approx(gauss(mq, sq, mp, sp_), atol=1e-12)}
    norm = boolean(p.get("normalize", False))
    P, Q = _broadcast(_prob_rows(p["p"], norm), _prob_rows(p["q"], norm), "p and q")
    with np.errstate(divide="ignore"):
        fw = [float(np.sum(rel_entr(a, b)) / ln) for a, b in zip(P, Q)]
        rv = [float(np.sum(rel_entr(b, a)) / ln) for a, b in zip(P, Q)]
    if len(P) == 1:
        return {"kl": fw[0], "kl_reverse": rv[0]}
    return {"kl": fw, "kl_reverse": rv, "mean": float(np.mean(fw)), "mean_reverse": float(np.mean(rv))}


def kl_draw(rng) -> dict:
    n, k = int(rng.integers(1, 4)), int(rng.integers(1, 6))
    P, Q = [_dist(rng, k) for _ in range(n)], [_dist(rng, k) for _ in range(n)]
    if rng.random() < 0.2:
        d = int(rng.integers(1, 4))
        pick = lambda vals: [float(v) for v in rng.choice(vals, size=d)]  # noqa: E731
        return {"mu_p": pick([0.0, 0.5, -1.0, 1e6]), "sigma_p": pick([0.8, 1.0, 1.5, 1e-8]),
                "mu_q": pick([0.0, 0.3, 1.0]), "sigma_q": pick([1.2, 0.6, 2.0]), "base": str(rng.choice(["e", "2", "5"]))}
    if n > 1 and rng.random() < 0.3:
        Q = Q[:1]                                    # one q row for every p row
    return {"p": P if n > 1 else P[0], "q": Q if len(Q) > 1 else Q[0], "base": str(rng.choice(["e", "2", "10", "2.5"]))}


KL = Ref(expected=kl_expected, draw=kl_draw, source="scipy.special.rel_entr summed (sum p log(p/q), inf where q = 0 < p)",
         edges=({"p": [1.0, 0.0], "q": [0.7, 0.3]}, {"p": [0.5, 0.5], "q": [0.5, 0.5]},
                {"p": [0.30000000000000004, 0.7], "q": [0.7, 0.30000000000000004]},
                {"p": [1e-8, 1 - 1e-8], "q": [0.5, 0.5], "base": "2"}, {"p": [1.0], "q": [1.0]},
                {"p": [[0.2, 0.8], [1.0, 0.0]], "q": [[0.5, 0.5], [0.0, 1.0]]},
                {"p": [[0.2, 0.8], [0.5, 0.5]], "q": [0.5, 0.5]}, {"p": [0.33, 0.33, 0.33], "q": [0.2, 0.3, 0.5]},
                {"mu_p": [0.0], "sigma_p": [1.0], "mu_q": [1.0], "sigma_q": [2.0]},
                {"mu_p": [0.5, -1.0], "sigma_p": [0.8, 1.5], "mu_q": [0.0, 0.3], "sigma_q": [1.2, 0.6], "base": "2"}))


# ---- cross-entropy -----------------------------------------------------------------------------------------
def _targets(p, conv, K: int) -> np.ndarray:
    """One-hot rows from class indices (counted from 1 or from 0, the class_index convention), or the rows of p."""
    if p.get("target") is None:
        return _prob_rows(p["p"], boolean(p.get("normalize", False)))
    off = 1 if conv.get("class_index", "from_1") == "from_1" else 0
    t = vector(p["target"])
    if any(not float(v).is_integer() or not 0 <= int(v) - off < K for v in t):
        raise Invalid(f"a class from {off} to {K - 1 + off}")
    return np.eye(K)[[int(v) - off for v in t]]


def cross_entropy_expected(p, conv) -> dict:
    ln = _base(p)
    if p.get("q_true") is not None:
        q = np.array(vector(p["q_true"]), dtype=float)
        if np.any((q < 0) | (q > 1)):
            raise Invalid("q_true in [0, 1]")
        with np.errstate(divide="ignore"):
            ce = list(-np.log(q) / ln)
        if len(ce) == 1:
            return {"cross_entropy": ce[0]}
        return {"cross_entropy": ce, "total": float(np.sum(ce)), "mean": float(np.mean(ce))}
    norm = boolean(p.get("normalize", False))
    logits = p.get("logits") is not None
    if logits:
        Z = np.array(matrix(p["logits"]), dtype=float)
        Qp, logq = softmax(Z, axis=1), log_softmax(Z, axis=1)
    else:
        Qp = _prob_rows(p["q"], norm)
        with np.errstate(divide="ignore"):
            logq = np.log(Qp)
    K = Qp.shape[1]
    P = _targets(p, conv, K)
    hard = P
    eps = get(p, "label_smoothing", 0.0)
    out: dict[str, Any] = {}
    if eps:
        if conv.get("smoothing_form", "eps/(K-1)") == "eps/(K-1)":
            if not all(sorted(r) == [0.0] * (K - 1) + [1.0] for r in P.tolist()):
                raise Invalid("eps/(K-1) smoothing needs one-hot targets")
            P = P * (1 - eps) + (1 - P) * eps / (K - 1)
        else:
            P = P * (1 - eps) + eps / K
    P, logq = _broadcast(P, logq, "targets and predictions")
    hard, Qp = _broadcast(hard, Qp, "targets and predictions")
    single = len(P) == 1
    if eps:
        out["p_smoothed"] = _one_or_list([list(r) for r in P], single)
    if logits:
        out["q"] = _one_or_list([list(r) for r in Qp], single)
    W = None
    if p.get("weights") is not None:
        W = np.array(vector(p["weights"]), dtype=float)
        if len(W) != K or np.any(W < 0):
            raise Invalid("one weight >= 0 per class")
    T = P if W is None else P * W                       # the weighted target w_c p_c
    H = []
    for t, lq, q in zip(T, logq, Qp):
        H.append(float("inf") if np.any((t > 0) & (q == 0) & (not logits)) else
                 float(-np.sum(np.where(t > 0, t * np.where(t > 0, lq, 0.0), 0.0)) / ln))
    out["cross_entropy"] = _one_or_list(H, single)
    if logits:  # the chain rule through log-softmax: d(-sum_i t_i log q_i)/dz = -J^T t, J_ij = delta_ij - q_j, over ln b
        G = [list(-(np.eye(K) - q[None, :]).T @ t / ln) for t, q in zip(T, Qp)]
        out["grad_logits"] = _one_or_list(G, single)
    if single and W is None:
        hp = float(-np.sum(xlogy(P[0], P[0])) / ln)
        out["entropy_p"] = hp
        out["kl"] = Approx(H[0] - hp, atol=1e-12 * max(1.0, abs(H[0]))) if math.isfinite(H[0]) else H[0]
        return out
    total = float(np.sum(H))
    out["total"] = total
    if W is not None and conv.get("weighted_mean", "weight_sum") == "weight_sum":
        wsum = float(np.sum(hard * W))                  # sum_n w_{y_n} (sum_c w_c p_nc for a soft target)
        if wsum == 0:
            raise Invalid("every true class weighs 0: the weighted mean is 0/0")
        out["weight_sum"], out["mean"] = wsum, total / wsum
    else:
        out["mean"] = float(np.mean(H))
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
    if mode != "soft" and rng.random() < 0.4:          # class indices instead of one-hot rows (either counting)
        out["target"] = [int(np.argmax(r)) + int(rng.integers(0, 2)) for r in P]
        del out["p"]
    if rng.random() < 0.3:
        out["weights"] = [float(v) for v in rng.choice([0.5, 1.0, 2.0, 0.0], size=k)]
    for key in ("q", "logits"):
        if key in out and n > 1 and rng.random() < 0.3:
            out[key] = out[key][:1]                      # one prediction row for every sample
    return out


CROSS_ENTROPY = Ref(expected=cross_entropy_expected, draw=cross_entropy_draw,
                    source="-sum p log q with scipy's xlogy and log_softmax; H(p) = -sum xlogy(p, p); class indices as rows of the identity; class weights w_c p_c",
                    edges=({"q_true": [0.57, 0.58, 0.52]}, {"p": [1.0, 0.0], "q": [0.7, 0.3]},
                           {"p": [0.0, 1.0], "q": [1.0, 0.0]},
                           {"p": [1.0, 0.0, 0.0], "logits": [100.0, -100.0, 0.30000000000000004], "label_smoothing": 0.1},
                           {"p": [[1.0, 0.0], [0.0, 1.0]], "logits": [[1e6, -1e6], [1e-8, 0.0]]},
                           {"p": [0.3, 0.7], "q": [0.3, 0.7], "label_smoothing": 0.2},
                           {"p": [1.0], "q": [1.0]}, {"q_true": [1.0, 1e-8]},
                           ({"logits": [[1.4, -1.1, 0.68], [0.5, 2.0, -1.0], [0.0, 0.0, 3.0]], "target": [0, 2, 1],
                             "weights": [0.5, 2.0, 1.0]}, {"class_index": "from_0"}),
                           ({"logits": [[1.4, -1.1, 0.68]], "target": [1, 3, 2], "weights": [0.5, 2.0, 1.0]},
                            {"weighted_mean": "n"}),
                           {"q": [[0.7, 0.2, 0.1]], "target": [1, 2, 3, 1], "base": "3"},
                           {"q": [0.33, 0.33, 0.33], "p": [1.0, 0.0, 0.0]},
                           {"p": [[0.2, 0.8], [1.0, 0.0]], "q": [0.5, 0.5], "weights": [2.0, 1.0], "base": "2"}))


# ---- binary cross-entropy ---------------------------------------------------------------------------------
TORCH_BCE_EPS = float(np.float32(1e-12))     # torch's floor of p (1 - p) in its BCE derivative (single precision)


def bce_expected(p, conv) -> dict:
    y = np.array(vector(p["y"]), dtype=float)
    ln = _base(p)
    w = 1.0 if p.get("pos_weight") is None else num(p["pos_weight"])
    if not w >= 0:
        raise Invalid("a negative positive weight")
    if np.any((y < 0) | (y > 1)):
        raise Invalid("targets in [0, 1]")
    if p.get("logits") is not None:
        z = np.array(vector(p["logits"]), dtype=float)
        if len(z) != len(y) and 1 not in (len(z), len(y)):
            raise Invalid("one logit per target")
        y, z = np.broadcast_arrays(y, z)                 # one logit (or one target) for every sample
        # torch's BCEWithLogitsLoss(pos_weight=w): (1 - y) z + (1 + (w - 1) y) softplus(-z); no clamp
        losses = ((1 - y) * z + (1 + (w - 1) * y) * np.logaddexp(0.0, -z)) / ln
        grads = {"grad_z": list(((1 - y + w * y) * expit(z) - w * y) / ln)}
    else:
        q = np.array(vector(p["p"]), dtype=float)
        if (len(q) != len(y) and 1 not in (len(q), len(y))) or np.any((q < 0) | (q > 1)):
            raise Invalid("one probability in [0, 1] per target")
        y, q = np.broadcast_arrays(y, q)                 # one prediction (or one target) for every sample
        with np.errstate(divide="ignore", invalid="ignore"):
            if conv.get("log_clamp", "none") == "torch":  # F.binary_cross_entropy: each ln clamped at -100
                ln_p, ln_q = np.maximum(np.log(q), -100.0), np.maximum(np.log1p(-q), -100.0)
                losses = -(np.where(w * y == 0, 0.0, w * y * ln_p) + np.where(y == 1, 0.0, (1 - y) * ln_q)) / ln
                qc = np.array([float(1 - Fraction(repr(float(v)))) for v in q])   # 1 - p of the decimal as typed
                grads = {"grad_p": list(((1 - y) * q - w * y * qc) / np.maximum(q * qc, TORCH_BCE_EPS) / ln)}
            else:
                losses = -(xlogy(w * y, q) + xlogy(1 - y, 1 - q)) / ln
                t1 = np.where(y == 1, 0.0, (1 - y) / (1 - q))
                t2 = np.where(w * y == 0, 0.0, w * y / q)
                grads = {"grad_p": list((t1 - t2) / ln)}
    return {"losses": list(losses), "total": float(np.sum(losses)), "bce": float(np.mean(losses)), **grads}


def bce_draw(rng) -> dict:
    n = int(rng.integers(1, 6))
    y = [float(v) for v in rng.choice([0.0, 1.0, 0.3, 0.5], size=n)]
    m = 1 if rng.random() < 0.25 else n                  # sometimes one prediction for every sample
    base = str(rng.choice(["e", "2", "10", "5"]))
    weight = {"pos_weight": float(rng.choice([0.0, 0.5, 2.0, 3.0, 10.0]))} if rng.random() < 0.4 else {}
    if rng.random() < 0.5:
        return {"y": y, "p": [float(v) for v in rng.choice([0.5, 0.8, 0.01, 0.999, 0.0, 1.0, 0.3, 1e-50], size=m)],
                "base": base, **weight}
    return {"y": y, "logits": [float(v) for v in rng.choice([0.0, 2.5, -3.0, 40.0, -120.0, 800.0], size=m)], "base": base,
            **weight}


BCE = Ref(expected=bce_expected, draw=bce_draw, source="-(xlogy(w y, p) + xlogy(1 - y, 1 - p)); torch's (1 - y) z + "
          "(1 + (w - 1) y) softplus(-z) for logits; the derivatives (1 - y)/(1 - p) - w y/p and (1 - y + w y) sigmoid(z) "
          "- w y; torch's clamp max(ln, -100) and (p - y)/max(p (1 - p), 1e-12)",
          edges=({"y": [1.0, 0.3], "p": [0.8, 0.6]}, {"y": [1.0], "p": [0.999999999999]},
                 {"y": [0.0, 1.0], "p": [1e-8, 1.0]}, {"y": [1.0, 0.0], "p": [0.0, 1.0]},
                 {"y": [1.0, 0.0, 0.5], "logits": [150.0, 150.0, -1e6]}, {"y": [0.30000000000000004], "p": [0.5]},
                 {"y": [1.0], "logits": [1e-8]}, {"y": [1.0, 0.0, 1.0], "p": [0.8]},
                 {"y": [1.0], "p": [0.8, 0.3], "base": "5"}, {"y": [0.0, 1.0], "logits": [2.0]},
                 {"y": [1.0, 0.0, 0.3], "p": [0.8, 0.1, 0.6], "pos_weight": 3.0},
                 {"y": [1.0, 0.0, 0.3, 1.0], "logits": [1.2, -0.5, 3.0, -200.0], "pos_weight": 3.0},
                 ({"y": [1.0, 0.0, 1.0, 1.0, 0.3, 0.0], "p": [0.0, 1.0, 1e-50, 1e-13, 0.3, 0.0]}, {"log_clamp": "torch"}),
                 ({"y": [1.0, 0.5], "p": [0.0, 1.0], "pos_weight": 3.0, "base": "2"}, {"log_clamp": "torch"}),
                 ({"y": [1.0, 0.0], "logits": [-1e6, 150.0], "pos_weight": 0.5}, {"log_clamp": "torch"})))


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
    if boolean(p.get("log", False)):
        # log-softmax and log-sum-exp of z/T: lse = m + log sum exp(z/T - m), log p = z/T - lse
        lse = [float(logsumexp(r)) for r in Z / T]
        lsm = log_softmax(Z / T, axis=1)
        out["logsumexp"] = lse[0] if single else lse
        out["log_softmax"] = list(lsm[0]) if single else [list(r) for r in lsm]
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
    if rng.random() < 0.4:
        out["log"] = True
    return out


SOFTMAX = Ref(expected=softmax_expected, draw=softmax_draw, source="scipy.special.softmax and log-sum-exp; "
              "the Jacobian (diag(p) - p p^T) / T written out",
              edges=({"logits": [100.0, 5.0, 4.0]}, {"logits": [0.0, 0.0, 0.0], "jacobian": True}, {"logits": [7.0]},
                     {"logits": [1e6, -1e6], "jacobian": True}, {"logits": [[0.30000000000000004, 0.1], [1e-8, 0.0]]},
                     {"logits": [1.0, 2.0], "temperature": 1e-8}, {"logits": [1e12, 1e12 - 1.0], "jacobian": True},
                     {"logits": [1.4, -1.1, 0.68], "log": True}, {"logits": [1000.0, 999.0, 990.0], "log": True},
                     {"logits": [[1.4, -1.1, 0.68], [1.0, 2.0, 3.0]], "log": True, "temperature": 2.0}),
              tol={"one_minus_p": (1e-9, 0.0)})


REFERENCES = {"entropy": ENTROPY, "kl_divergence": KL, "cross_entropy": CROSS_ENTROPY, "binary_cross_entropy": BCE,
              "softmax": SOFTMAX}
