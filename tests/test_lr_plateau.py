"""Issue 15: lr_schedule's reduce-on-plateau schedule (torch.optim.lr_scheduler.ReduceLROnPlateau).

Oracle: torch 2.13's ReduceLROnPlateau on SGD([p], lr=eta0), `scheduler.step(loss)` once per epoch and
`get_last_lr()` after it, recorded below as (eta0, losses, ReduceLROnPlateau kwargs, rates after epochs 1..n). The
losses are dyadic (exact in binary), so the ties at the threshold are ties for torch's float64 too: a loss equal to
the bound is not an improvement.
"""
from __future__ import annotations

import pytest

import solver
from solver.params import InvalidInput

TORCH = {
    "abs-threshold-cooldown": (0.1, [1.0, 0.9, 0.9, 0.9, 0.9, 0.85, 0.85],
                               {"patience": 2, "factor": 0.5, "cooldown": 1, "threshold_mode": "abs", "threshold": 0.05},
                               [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05]),
    # 0.99995 is within the default relative threshold 1e-4 of 1.0: not an improvement; min_lr holds the rate at 0.001
    "default-threshold-min-lr": (0.1, [1.0, 0.99995, 0.99, 0.99, 0.98, 0.98, 0.98, 0.98, 0.98, 0.98],
                                 {"patience": 0, "factor": 0.1, "min_lr": 0.001},
                                 [0.1, 0.010000000000000002, 0.010000000000000002] + [0.0010000000000000002] * 7),
    # mode max, relative threshold 0.5: 0.75 ties best x 1.5 (no improvement), 1.6875 ties 1.125 x 1.5
    "max-rel-ties": (1.0, [0.5, 0.75, 0.5, 1.125, 1.125, 1.6875, 1.0, 1.0],
                     {"mode": "max", "threshold": 0.5, "patience": 1, "factor": 0.5},
                     [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125]),
    # absolute threshold 0.25: 0.75 and 0.25 tie best - 0.25; a cooldown of 2 epochs after the cut at epoch 5
    "min-abs-ties-cooldown": (0.5, [1.0, 0.75, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.0, 0.0],
                              {"threshold_mode": "abs", "threshold": 0.25, "patience": 1, "cooldown": 2, "factor": 0.5},
                              [0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]),
    # relative threshold 0.5: 0.5 ties 1.0 x 0.5; patience 0 cuts at every bad epoch
    "min-rel-tie-patience-0": (0.1, [1.0, 0.5, 0.5, 0.25, 0.125], {"threshold": 0.5, "patience": 0, "factor": 0.5},
                               [0.1, 0.05, 0.025, 0.025, 0.0125]),
    # torch's eps = 1e-8: the second cut (1.5e-9 -> 1.5e-10) changes the rate by less than eps, so it is skipped
    "eps": (1.5e-8, [1.0, 1.0, 1.0, 1.0], {"patience": 0, "factor": 0.1}, [1.5e-08, 1.5e-09, 1.5e-09, 1.5e-09]),
    # min_lr above the rate: max(0.01 x 0.1, 0.05) would raise it; torch only lowers by more than eps, so it stays
    "min-lr-above-the-rate": (0.01, [1.0, 1.0, 1.0], {"patience": 0, "min_lr": 0.05}, [0.01, 0.01, 0.01]),
    # torch's defaults: patience 10, factor 0.1
    "defaults": (0.01, [2.0, 3.0] + [1.0] * 12, {}, [0.01] * 13 + [0.001]),
}
NAMES = {"min_lr": "eta_min"}


def _solve(case, path, **extra):
    eta0, losses, kw, _ = TORCH[case]
    params = {NAMES.get(k, k): str(v) for k, v in kw.items()}
    return solver.solve("lr_schedule", schedule="reduce_on_plateau", eta0=repr(eta0),
                        losses=" ".join(map(repr, losses)), path=path, **params, **extra)


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("case", sorted(TORCH))
def test_reduce_on_plateau_against_torch(case, path):
    want = TORCH[case][3]
    sol = _solve(case, path)
    assert sol.answers["lr"].value == pytest.approx(want, rel=1e-12)
    assert sol.answers["final_lr"].value == pytest.approx(want[-1], rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_reduce_on_plateau_at_picks_epochs(path):
    """at = 0 is the rate before the first epoch (eta0); at = e the rate after epoch e."""
    sol = _solve("max-rel-ties", path, at="0 3 8")
    assert sol.answers["lr"].value == pytest.approx([1.0, 0.5, 0.125], rel=1e-12)


def test_reduce_on_plateau_trace_is_addressable_and_says_why():
    sol = _solve("min-abs-ties-cooldown", "exact")
    addresses = sol.addresses()
    for key in ("loss", "improved", "best", "bad_epochs", "cooldown", "lr"):
        assert f"{key}@epoch=5" in addresses
    assert sol.answer("lr@epoch=5").value == pytest.approx(0.25)
    assert sol.answer("bad_epochs@epoch=4").value == 1 and sol.answer("cooldown@epoch=5").value == 2
    assert sol.answer("improved@epoch=2").value is False     # 0.75 ties the bound 1.0 - 0.25
    cut = next(s for s in sol.steps if s.title.startswith("Epoch 5"))
    assert "does not beat the bound 0.25" in cut.text and "best so far, 0.5 (epoch 3)" in cut.text
    assert "more than patience = 1" in cut.text and "cooldown" in cut.text


def test_reduce_on_plateau_skipped_cut_is_explained():
    sol = _solve("eps", "exact")
    assert any(s.title == "Epoch 3: the rate stays" for s in sol.steps)


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("kw, field", [
    ({}, "losses"),
    ({"losses": "1 2", "patience": "-1"}, "patience"),
    ({"losses": "1 2", "factor": "1"}, "factor"),
    ({"losses": "1 2", "factor": "1.5"}, "factor"),
    ({"losses": "", "patience": "1"}, "losses"),
    ({"losses": "1 2", "cooldown": "-2"}, "cooldown"),
    ({"losses": "1 2", "threshold": "-0.1"}, "threshold"),
    ({"losses": "1 2", "threshold": "1"}, "threshold"),          # relative: best x 0 is no bound
    ({"losses": "1 2", "threshold_mode": "percent"}, "threshold_mode"),
    ({"losses": "1 2", "mode": "lowest"}, "mode"),
    ({"losses": "1 2", "at": "3"}, "at"),
    ({"losses": "1 2", "at": "1.5"}, "at"),
    ({"losses": "1 2", "warmup_steps": "2"}, "warmup_steps"),
])
def test_reduce_on_plateau_bad_input_names_the_field(kw, field, path):
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="reduce_on_plateau", path=path, **kw)
    assert e.value.field == field


def test_other_schedules_still_need_at():
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="step")
    assert e.value.field == "at"


def test_reduce_on_plateau_is_read_from_a_question():
    from solver.reading import read

    r = read("ReduceLROnPlateau starts at a learning rate of 0.1 with patience 2 and factor 0.5. The validation losses "
             "are 1.0, 0.9, 0.9, 0.9, 0.9, 0.85. What is the learning rate after the last epoch?")
    assert r.family == "lr_schedule" and r.fields["schedule"].value == "reduce_on_plateau"
    assert r.fields["patience"].value == "2"
    # "factor 0.5" is read as gamma, the other schedules' word for it, and taken as the factor
    sol = solver.solve("lr_schedule", **r.params)
    assert sol.params["factor"] == 0.5
    assert sol.answers["final_lr"].value == pytest.approx(0.05, rel=1e-12)     # bad epochs 3, 4, 5 > 2: one cut


def test_gamma_is_the_factor_of_reduce_on_plateau_only_when_no_factor_is_given():
    kw = dict(schedule="reduce_on_plateau", losses="1 1 1", patience="0")
    assert solver.solve("lr_schedule", gamma="0.5", **kw).answers["final_lr"].value == pytest.approx(0.025)
    assert solver.solve("lr_schedule", gamma="0.5", factor="0.1", **kw).answers["final_lr"].value == pytest.approx(0.001)
