"""binary_cross_entropy: the positive weight (torch's pos_weight) and torch's clamp of the log at -100 (issue 15).

Oracles: torch 2.13.0 values recorded below with the call that produced them (float64 tensors), a live-torch
variant that skips cleanly without torch, and closed forms written in the tests.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from solver import registry
from solver.params import InvalidInput

PATHS = ("exact", "numeric")
FAM = registry.get("binary_cross_entropy")

# F.binary_cross_entropy_with_logits(z, y, pos_weight=torch.tensor([3.0]), reduction="none"); grad_z by autograd
# of the sum
LOGITS_W3 = {"y": [1.0, 0.0, 0.3, 1.0], "z": [1.2, -0.5, 3.0, -200.0], "w": 3.0,
             "losses": [0.7898474020140938, 0.4740769841801067, 2.177739762517987, 600.0],
             "grad_z": [-0.6944256495029473, 0.3775406687981454, 0.6241186029158934, -3.0]}
# the same on probabilities: F.binary_cross_entropy_with_logits(torch.logit(p), y, pos_weight=...), grad_p by
# autograd through torch.logit (torch has pos_weight on logits only; the loss of p = sigmoid(z) is the same)
PROBS_W3 = {"y": [1.0, 0.0, 0.3, 1.0], "p": [0.8, 0.1, 0.6, 0.25], "w": 3.0,
            "losses": [0.6694306539426291, 0.10536051565782634, 1.1011465737013002, 4.158883083359672],
            "grad_p": [-3.7499999999999982, 1.1111111111111112, 0.24999999999999978, -12.0]}
PROBS_W05 = {"y": [1.0, 0.0], "p": [0.8, 0.1], "w": 0.5,
             "losses": [0.11157177565710485, 0.10536051565782634], "grad_p": [-0.625, 1.1111111111111112]}
# F.binary_cross_entropy(p, y, reduction="none") (the log clamped at -100); grad_p by autograd of the sum: torch's
# (p - y)/max(p (1 - p), 1e-12) with 1e-12 in single precision
CLAMPED = {"y": [1.0, 0.0, 1.0, 1.0, 1.0, 0.3, 0.0], "p": [0.0, 1.0, 1e-50, 0.8, 1e-13, 0.3, 0.0],
           "losses": [100.0, 100.0, 100.0, 0.2231435513142097, 29.933606208922594, 0.6108643020548934, 0.0],
           "grad_p": [-1000000003995.8029, 1000000003995.8029, -1000000003995.8029, -1.25, -1000000003995.7028, 0.0,
                      0.0]}


def A(sol, name):
    return sol.answers[name].numeric_value()


def texts(sol) -> str:
    return "\n".join(" ".join(filter(None, [s.title, s.text, s.value.text if s.value else ""])) for s in sol.walk())


@pytest.mark.parametrize("path", PATHS)
def test_pos_weight_on_logits_matches_torch_bce_with_logits(path):
    c = LOGITS_W3
    sol = FAM.solve({"y": c["y"], "logits": c["z"], "pos_weight": c["w"]}, path=path)
    assert A(sol, "losses") == pytest.approx(c["losses"], rel=1e-13)
    assert A(sol, "grad_z") == pytest.approx(c["grad_z"], rel=1e-13)
    assert A(sol, "bce") == pytest.approx(np.mean(c["losses"]), rel=1e-13)


@pytest.mark.parametrize("c", [PROBS_W3, PROBS_W05], ids=["w3", "w0.5"])
@pytest.mark.parametrize("path", PATHS)
def test_pos_weight_on_probabilities_matches_torch_through_the_logit(path, c):
    sol = FAM.solve({"y": c["y"], "p": c["p"], "pos_weight": c["w"]}, path=path)
    assert A(sol, "losses") == pytest.approx(c["losses"], rel=1e-12)
    assert A(sol, "grad_p") == pytest.approx(c["grad_p"], rel=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_pos_weight_closed_form(path):
    """w = 2, y = 1, p = 0.5: L = -2 ln 0.5 = 2 ln 2 and dL/dp = -2/0.5 = -4; y = 0.5: L = -(ln 0.5 + 0.5 ln 0.5),
    dL/dp = 0.5/0.5 - 1/0.5 = -1; from the logit z = 0 (p = 1/2), dL/dz = (1 - y + w y) p - w y: -1 and -0.25."""
    sol = FAM.solve({"y": "1 0.5", "p": "0.5", "pos_weight": "2"}, path=path)
    assert A(sol, "losses") == pytest.approx([2 * math.log(2), 1.5 * math.log(2)], rel=1e-14)
    assert A(sol, "grad_p") == pytest.approx([-4, -1], rel=1e-14)
    sol = FAM.solve({"y": "1 0.5", "logits": "0", "pos_weight": "2"}, path=path)
    assert A(sol, "losses") == pytest.approx([2 * math.log(2), 1.5 * math.log(2)], rel=1e-14)
    assert A(sol, "grad_z") == pytest.approx([-1, -0.25], rel=1e-14)


@pytest.mark.parametrize("path", PATHS)
def test_pos_weight_one_gives_the_unweighted_answers(path):
    plain = FAM.solve({"y": "1 0 0.3", "p": "0.8 0.3 0.6"}, path=path)
    weighted = FAM.solve({"y": "1 0 0.3", "p": "0.8 0.3 0.6", "pos_weight": "1"}, path=path)
    for name in ("losses", "total", "bce", "grad_p"):
        assert A(weighted, name) == pytest.approx(A(plain, name), rel=1e-15)


@pytest.mark.parametrize("path", PATHS)
def test_log_clamp_torch_matches_torch_binary_cross_entropy(path):
    c = CLAMPED
    sol = FAM.solve({"y": c["y"], "p": c["p"]}, {"log_clamp": "torch"}, path=path)
    assert A(sol, "losses") == pytest.approx(c["losses"], rel=1e-13)
    assert A(sol, "grad_p") == pytest.approx(c["grad_p"], rel=1e-13)
    assert A(sol, "bce") == pytest.approx(np.mean(c["losses"]), rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_log_clamp_torch_in_bits_is_torch_over_ln2(path):
    sol = FAM.solve({"y": "1 0.3", "p": "0 0.3", "base": "2"}, {"log_clamp": "torch"}, path=path)
    assert A(sol, "losses") == pytest.approx([100 / math.log(2), 0.6108643020548934 / math.log(2)], rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_log_clamp_with_pos_weight_closed_form(path):
    """y = 1, p = 0, w = 3: -(3 * max(ln 0, -100)) = 300; y = 0.5, p = 1: -(0.5*3 ln 1 + 0.5 max(ln 0, -100)) = 50;
    the derivative ((1 - y + w y) p - w y)/max(p (1 - p), eps) = -3/eps and (2 - 1.5)/eps with eps = float32(1e-12)."""
    eps = float(np.float32(1e-12))
    sol = FAM.solve({"y": "1 0.5", "p": "0 1", "pos_weight": "3"}, {"log_clamp": "torch"}, path=path)
    assert A(sol, "losses") == pytest.approx([300, 50], rel=1e-15)
    assert A(sol, "grad_p") == pytest.approx([-3 / eps, 0.5 / eps], rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_log_clamp_none_keeps_the_infinite_loss(path):
    sol = FAM.solve({"y": "1", "p": "0"}, path=path)
    assert A(sol, "losses") == [math.inf]
    assert "log_clamp = torch" in texts(sol) or path == "numeric"


def test_log_clamp_is_named_in_the_solution_and_on_the_paper():
    sol = FAM.solve({"y": "1", "p": "0"}, {"log_clamp": "torch"})
    assert any(c.name == "log_clamp" and c.choice == "torch" for c in sol.conventions)
    conv = dict((c.name, c) for c in FAM.conventions)["log_clamp"]
    assert "−100" in conv.paper["torch"] and "−∞" in conv.paper["none"]
    assert "clamp" in texts(sol)


@pytest.mark.parametrize("path", PATHS)
def test_log_clamp_changes_nothing_from_logits(path):
    c = LOGITS_W3
    sol = FAM.solve({"y": c["y"], "logits": c["z"], "pos_weight": c["w"]}, {"log_clamp": "torch"}, path=path)
    assert A(sol, "losses") == pytest.approx(c["losses"], rel=1e-13)
    if path == "exact":
        assert "changes nothing here" in texts(sol)


def test_negative_pos_weight_is_a_clear_message():
    with pytest.raises(InvalidInput) as e:
        FAM.solve({"y": "1", "p": "0.5", "pos_weight": "-1"})
    assert e.value.field == "pos_weight" and "pos_weight" in str(e.value)


def test_live_torch_pos_weight_and_clamp():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    y, p, w = [1.0, 0.0, 0.3, 1.0, 0.0], [0.7, 0.2, 0.45, 1e-60, 1.0], 2.5
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    pt = t(p).requires_grad_(True)
    F.binary_cross_entropy(pt, t(y), reduction="none").sum().backward()
    want_l = F.binary_cross_entropy(t(p), t(y), reduction="none").tolist()
    for path in PATHS:
        sol = FAM.solve({"y": y, "p": p}, {"log_clamp": "torch"}, path=path)
        assert A(sol, "losses") == pytest.approx(want_l, rel=1e-12)
        assert A(sol, "grad_p") == pytest.approx(pt.grad.tolist(), rel=1e-12)
    z = t([0.4, -1.3, 2.0, -30.0]).requires_grad_(True)
    yz = t(y[:4])
    loss = F.binary_cross_entropy_with_logits(z, yz, pos_weight=t([w]), reduction="none")
    loss.sum().backward()
    for path in PATHS:
        sol = FAM.solve({"y": y[:4], "logits": [0.4, -1.3, 2.0, -30.0], "pos_weight": w}, path=path)
        assert A(sol, "losses") == pytest.approx(loss.tolist(), rel=1e-12)
        assert A(sol, "grad_z") == pytest.approx(z.grad.tolist(), rel=1e-12)
