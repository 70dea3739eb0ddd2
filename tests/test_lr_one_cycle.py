"""Issue 15: lr_schedule's one-cycle schedule (torch.optim.lr_scheduler.OneCycleLR; Smith & Topin 2019).

Oracles: torch 2.13's OneCycleLR on SGD(lr=1.0, momentum=0.9), `get_last_lr()` after t calls of step(), recorded
below for t = 0 .. total_steps - 1 with the kwargs beside each list; and the closed form written here from torch's
documentation: phases ending at pct_start T - 1 (and 2 pct_start T - 2 with three phases) and T - 1, a step in the
first phase whose end it does not pass, annealed from the phase's first rate to its last by
end + (start - end)(1 + cos(pi x)) / 2 or start + (end - start) x, x = (t - S) / (E - S).
"""
from __future__ import annotations

import math

import pytest

import solver
from solver.params import InvalidInput

TORCH = {
    # OneCycleLR(opt, max_lr=0.1, total_steps=10)
    "cos10": ({"eta0": "0.1", "total_steps": "10"},
              [0.0040000000000000036, 0.052000000000000005, 0.1, 0.09504846320134738, 0.0811745653949763,
               0.06112620219362893, 0.03887419780637107, 0.0188258346050237, 0.004951936798652629, 4e-07]),
    # OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="linear")
    "lin10": ({"eta0": "0.1", "total_steps": "10", "anneal_strategy": "linear"},
              [0.004, 0.052000000000000005, 0.1, 0.08571434285714286, 0.07142868571428572, 0.05714302857142858,
               0.042857371428571434, 0.028571714285714284, 0.014286057142857148, 3.999999999976245e-07]),
    # OneCycleLR(opt, max_lr=0.1, total_steps=20, pct_start=0.25, three_phase=True, anneal_strategy="linear")
    "three20": ({"eta0": "0.1", "total_steps": "20", "pct_start": "0.25", "three_phase": "true",
                 "anneal_strategy": "linear"},
                [0.004, 0.028, 0.052000000000000005, 0.07600000000000001, 0.1, 0.07600000000000001,
                 0.052000000000000005, 0.027999999999999997, 0.0040000000000000036, 0.0036364, 0.0032728,
                 0.0029092000000000002, 0.0025456000000000003, 0.002182, 0.0018184000000000004, 0.0014548, 0.0010912,
                 0.0007276000000000001, 0.0003640000000000002, 4.0000000000022656e-07]),
    # OneCycleLR(opt, max_lr=1.0, total_steps=20, pct_start=0.25, three_phase=True, div_factor=10, final_div_factor=100)
    "three20cos": ({"eta0": "1", "total_steps": "20", "pct_start": "0.25", "three_phase": "true", "div_factor": "10",
                    "final_div_factor": "100"},
                   [0.09999999999999998, 0.23180194846605362, 0.55, 0.8681980515339464, 1.0, 0.8681980515339464, 0.55,
                    0.23180194846605365, 0.1, 0.09799490219391763, 0.09214204987514348, 0.08291560633029162,
                    0.0710630431435934, 0.05754458449452762, 0.04345541550547239, 0.02993695685640663,
                    0.018084393669708394, 0.008857950124856524, 0.0030050978060823857, 0.001]),
}
# OneCycleLR(opt, max_lr=0.01, total_steps=100, pct_start=0.29): 0.29 * 100 = 28.999999999999996 in float64, so
# torch's first phase ends at 27.999999999999996 and step 28 falls in its second phase at x ~ 0 (the peak either way)
BOUNDARY_T = [0, 14, 27, 28, 29, 50, 98, 99]
BOUNDARY = [0.0003999999999999993, 0.0052000000000000015, 0.009969818607487566, 0.01, 0.009995106152175338,
            0.0078122551892181495, 4.933847824662379e-06, 4e-08]


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("case", sorted(TORCH))
def test_one_cycle_against_torch(case, path):
    kw, want = TORCH[case]
    sol = solver.solve("lr_schedule", schedule="one_cycle", at=" ".join(map(str, range(len(want)))), path=path, **kw)
    assert sol.answers["lr"].value == pytest.approx(want, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_one_cycle_phase_boundary_in_float(path):
    sol = solver.solve("lr_schedule", schedule="one_cycle", eta0="0.01", total_steps="100", pct_start="0.29",
                       at=" ".join(map(str, BOUNDARY_T)), path=path)
    assert sol.answers["lr"].value == pytest.approx(BOUNDARY, rel=1e-9)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_one_cycle_closed_form(path):
    """max_lr 0.5, T = 40, pct_start 0.25 (the rise ends at step 9), div 5, final div 20: cosine phases."""
    top, T, pct, div, fdiv = 0.5, 40, 0.25, 5.0, 20.0
    init, fin, e1 = top / div, top / div / fdiv, pct * T - 1
    cos = lambda a, b, x: b + (a - b) * (1 + math.cos(math.pi * x)) / 2   # noqa: E731
    want = [cos(init, top, t / e1) if t <= e1 else cos(top, fin, (t - e1) / (T - 1 - e1)) for t in range(T)]
    sol = solver.solve("lr_schedule", schedule="one_cycle", eta0="0.5", total_steps="40", pct_start="0.25",
                       div_factor="5", final_div_factor="20", at=" ".join(map(str, range(T))), path=path)
    assert sol.answers["lr"].value == pytest.approx(want, rel=1e-12)
    assert want[0] == pytest.approx(init, rel=1e-15) and want[9] == top and want[-1] == pytest.approx(fin, rel=1e-15)


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("kw, field", [
    ({"at": "1"}, "total_steps"),
    ({"total_steps": "0", "at": "0"}, "total_steps"),
    ({"total_steps": "10", "at": "10"}, "at"),
    ({"total_steps": "10", "pct_start": "0.1", "at": "0"}, "pct_start"),      # the rise would end at step 0
    ({"total_steps": "10", "pct_start": "0.6", "three_phase": "true", "at": "0"}, "pct_start"),
    ({"total_steps": "10", "pct_start": "1.5", "at": "0"}, "pct_start"),
    ({"total_steps": "10", "div_factor": "0", "at": "0"}, "div_factor"),
    ({"total_steps": "10", "warmup_steps": "3", "at": "0"}, "warmup_steps"),
    ({"total_steps": "10", "anneal_strategy": "cubic", "at": "0"}, "anneal_strategy"),
])
def test_one_cycle_bad_input_names_the_field(kw, field, path):
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="one_cycle", path=path, **kw)
    assert e.value.field == field


def test_one_cycle_steps_name_the_phase():
    sol = solver.solve("lr_schedule", schedule="one_cycle", eta0="0.1", total_steps="10", at="1 5")
    titles = " | ".join(st.title for s in sol.steps for st in (s, *s.children))
    assert "Phase 1 (warm-up" in titles and "Phase 2 (annealing" in titles


def test_one_cycle_is_read_from_a_question():
    from solver.reading import read

    r = read("A one-cycle learning-rate policy (OneCycleLR) has max_lr = 0.1 and 100 total steps with pct_start = 0.3. "
             "What is the learning rate at step 30?")
    assert r.family == "lr_schedule" and r.fields["schedule"].value == "one_cycle"
    assert r.fields["eta0"].value == "0.1" and r.fields["total_steps"].value == "100"
