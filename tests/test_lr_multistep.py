"""Issue 15: lr_schedule's multistep decay (torch.optim.lr_scheduler.MultiStepLR). Oracles: the rule written here
(eta0 * gamma^(number of milestones <= t)) and torch 2.13's MultiStepLR(milestones=[3, 6], gamma=0.1) from lr = 0.1,
stepped once per t (recorded: 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.001 for t = 0..9)."""
from __future__ import annotations

import pytest

import solver
from solver.params import InvalidInput

TORCH = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.001]


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_multistep_against_torch(path):
    sol = solver.solve("lr_schedule", schedule="multistep", eta0="0.1", gamma="0.1", milestones="3 6",
                       at=" ".join(map(str, range(10))), path=path)
    assert sol.answers["lr"].value == pytest.approx(TORCH, rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_multistep_unsorted_milestones_and_a_warm_up(path):
    """Milestones in any order; with a sequential warm-up of 2 steps the decay's clock is t - 2."""
    sol = solver.solve("lr_schedule", schedule="multistep", eta0="1", gamma="0.5", milestones="5 2",
                       at="0 1 2 3 4 6 7", warmup_steps="2", path=path)
    rule = lambda c: 0.5 ** sum(1 for m in (2, 5) if m <= c)   # noqa: E731
    want = [0.0, 0.5] + [rule(t - 2) for t in (2, 3, 4, 6, 7)]
    assert sol.answers["lr"].value == pytest.approx(want, rel=1e-12)


def test_multistep_needs_its_milestones():
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="multistep", at="1")
    assert e.value.field == "milestones"


def test_multistep_is_read_from_a_question():
    from solver.reading import read

    r = read("A MultiStepLR schedule starts at a learning rate of 0.1 and multiplies it by 0.1 at the milestones 30 "
             "and 80. What is the learning rate at epoch 50?")
    assert r.family == "lr_schedule" and r.fields["schedule"].value == "multistep"
