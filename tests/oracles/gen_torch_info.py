"""Generate PyTorch oracle fixtures for the information-theory families (cross-entropy, BCE, softmax, KL).

Run from the repository root:

    python tests/oracles/gen_torch_info.py

Writes tests/fixtures/torch_info.json. Requires torch 2.13.0 (CPU); everything is float64 and
deterministic (fixed inputs, no random numbers). The tests read only the JSON, so torch is not needed
to run them (tests/test_information.py also runs the same calls live when torch is importable).

Schema: {"generator", "torch_version", "dtype", "cases": {name: case}} where a case is one of
- "cross_entropy": F.cross_entropy(logits, target, label_smoothing=eps, reduction="none"); `target`
  is a list of class indices (0-based) or a list of probability rows (soft targets); `losses`.
- "bce": F.binary_cross_entropy(p, y, reduction="none"); `losses` and `grad_p` (autograd of the summed
  per-sample losses, i.e. each sample's own derivative).
- "bce_logits": F.binary_cross_entropy_with_logits(z, y, reduction="none"); `losses`, `grad_z`.
- "softmax": softmax(z / T) and its Jacobian (torch.autograd.functional.jacobian) w.r.t. z.
- "kl": F.kl_div(log q, p, reduction="sum") = KL(p || q), natural log.
- "ce_index": F.cross_entropy(logits, target, weight=w) for 0-based class indices: `losses` (reduction="none"),
  `mean` (reduction="mean": torch's weighted mean when w is given) and `q` = softmax(logits).
- "ce_probs": F.nll_loss(log q, target, reduction="none") for probability rows q (one row broadcast when
  `q` has a single row) and 0-based class indices.
- "kl_gauss": torch.distributions.kl_divergence(Normal(mu_p, sigma_p), Normal(mu_q, sigma_q)) summed over the
  dimensions (diagonal Gaussians), both directions.
- "gauss_entropy": Normal(mu, sigma).entropy() summed over the dimensions.
- "log_softmax": F.log_softmax(z) and torch.logsumexp(z).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

EXPECTED_TORCH = "2.13.0"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "torch_info.json"


def t(x):
    return torch.tensor(x, dtype=torch.float64)


def ce_case(logits, target, eps):
    tgt = torch.tensor(target) if isinstance(target[0], int) else t(target)
    losses = F.cross_entropy(t(logits), tgt, label_smoothing=eps, reduction="none")
    return {"kind": "cross_entropy", "logits": logits, "target": target, "label_smoothing": eps,
            "losses": losses.tolist()}


def bce_case(y, p):
    pt = t(p).requires_grad_(True)
    losses = F.binary_cross_entropy(pt, t(y), reduction="none")
    losses.sum().backward()
    return {"kind": "bce", "y": y, "p": p, "losses": losses.detach().tolist(), "grad_p": pt.grad.tolist()}


def bce_logits_case(y, z):
    zt = t(z).requires_grad_(True)
    losses = F.binary_cross_entropy_with_logits(zt, t(y), reduction="none")
    losses.sum().backward()
    return {"kind": "bce_logits", "y": y, "z": z, "losses": losses.detach().tolist(), "grad_z": zt.grad.tolist()}


def softmax_case(z, T):
    f = lambda v: torch.softmax(v / T, dim=0)  # noqa: E731
    J = torch.autograd.functional.jacobian(f, t(z))
    return {"kind": "softmax", "z": z, "temperature": T, "p": f(t(z)).tolist(), "jacobian": J.tolist()}


def kl_case(p, q):
    return {"kind": "kl", "p": p, "q": q, "kl": float(F.kl_div(torch.log(t(q)), t(p), reduction="sum"))}


def ce_index_case(logits, target, weight=None):
    w = None if weight is None else t(weight)
    z, tgt = t(logits), torch.tensor(target)
    return {"kind": "ce_index", "logits": logits, "target": target, "weight": weight,
            "losses": F.cross_entropy(z, tgt, weight=w, reduction="none").tolist(),
            "mean": float(F.cross_entropy(z, tgt, weight=w, reduction="mean")),
            "q": torch.softmax(z, dim=1).tolist()}


def ce_probs_case(q, target):
    lq = torch.log(t(q)).expand(len(target), len(q[0]))
    return {"kind": "ce_probs", "q": q, "target": target,
            "losses": F.nll_loss(lq, torch.tensor(target), reduction="none").tolist()}


def kl_gauss_case(mu_p, sigma_p, mu_q, sigma_q):
    from torch.distributions import Normal, kl_divergence
    p, q = Normal(t(mu_p), t(sigma_p)), Normal(t(mu_q), t(sigma_q))
    return {"kind": "kl_gauss", "mu_p": mu_p, "sigma_p": sigma_p, "mu_q": mu_q, "sigma_q": sigma_q,
            "kl": float(kl_divergence(p, q).sum()), "kl_reverse": float(kl_divergence(q, p).sum())}


def gauss_entropy_case(mu, sigma):
    from torch.distributions import Normal
    return {"kind": "gauss_entropy", "mu": mu, "sigma": sigma, "entropy": float(Normal(t(mu), t(sigma)).entropy().sum())}


def log_softmax_case(z):
    return {"kind": "log_softmax", "z": z, "log_softmax": F.log_softmax(t(z), dim=-1).tolist(),
            "logsumexp": float(torch.logsumexp(t(z), dim=-1))}


def main() -> None:
    if torch.__version__.split("+")[0] != EXPECTED_TORCH:
        raise SystemExit(f"torch {EXPECTED_TORCH} expected, found {torch.__version__}")
    notes_logits = [1.4, -1.1, 0.68]
    ten = [0.3, -1.2, 2.5, 0.0, 1.1, -0.4, 0.9, -2.0, 0.2, 0.7]
    cases = {
        "ce-notes004-logits-class0": ce_case([notes_logits], [0], 0.0),
        "ce-two-samples-smoothing0.1": ce_case([notes_logits, [0.5, 2.0, -1.0]], [0, 2], 0.1),
        "ce-ten-classes-smoothing0.1": ce_case([ten], [2], 0.1),
        "ce-soft-targets": ce_case([notes_logits, [0.5, 2.0, -1.0]], [[0.2, 0.5, 0.3], [0.0, 0.25, 0.75]], 0.0),
        "bce-notes004-we-bce-3": bce_case([1.0, 0.3], [0.8, 0.6]),
        "bce-mixed": bce_case([1.0, 0.0, 0.0, 1.0], [0.35, 0.2, 0.9, 0.99]),
        "bce-logits": bce_logits_case([1.0, 0.0, 1.0, 0.3], [0.4, -1.5, 3.0, 0.0]),
        "softmax-notes004": softmax_case(notes_logits, 1.0),
        "softmax-temperature2": softmax_case([2.0, 1.0, 0.1, -1.0], 2.0),
        "softmax-temperature0.5": softmax_case([0.5, -0.5, 1.5], 0.5),
        "kl-we-cross-entropy-2": kl_case([0.2, 0.5, 0.3], [0.1, 0.6, 0.3]),
        "kl-we-kl-1": kl_case([1.0, 0.0], [0.7, 0.3]),
        "ce-index-three-samples": ce_index_case([notes_logits, [0.5, 2.0, -1.0], [0.0, 0.0, 3.0]], [0, 2, 1]),
        "ce-index-weighted": ce_index_case([notes_logits, [0.5, 2.0, -1.0], [0.0, 0.0, 3.0]], [0, 2, 1],
                                           [0.5, 2.0, 1.0]),
        "ce-probs-one-row-broadcast": ce_probs_case([[0.7, 0.2, 0.1]], [0, 1, 2, 0]),
        "kl-gauss-1d": kl_gauss_case([0.0], [1.0], [1.0], [2.0]),
        "kl-gauss-diagonal": kl_gauss_case([0.5, -1.0], [0.8, 1.5], [0.0, 0.3], [1.2, 0.6]),
        "gauss-entropy-1d": gauss_entropy_case([0.0], [2.0]),
        "gauss-entropy-diagonal": gauss_entropy_case([0.0, 1.0], [0.1, 3.0]),
        "log-softmax-notes004": log_softmax_case(notes_logits),
        "log-softmax-large": log_softmax_case([1000.0, 999.0, 990.0]),
    }
    # self-checks before writing: notes 004's softmax and WE-bce-3's derivatives
    assert abs(cases["softmax-notes004"]["p"][0] - 0.637415) < 1e-6
    assert [round(g, 12) for g in cases["bce-notes004-we-bce-3"]["grad_p"]] == [-1.25, 1.25]
    data = {"generator": "tests/oracles/gen_torch_info.py", "torch_version": torch.__version__, "dtype": "float64",
            "cases": cases}
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
