"""Oracle tests for the `ewa` and `lr_schedule` families.

Oracles: the course notes' worked examples (worked-examples.md ids in the test names); plain NumPy /
Python loops written here, independently of problems/ewa.py and problems/lr_schedule.py; and
torch.optim.lr_scheduler through the committed fixture tests/fixtures/torch_schedules.json
(tests/oracles/gen_torch_schedules.py), also live when torch is importable.

Tolerances for torch: rtol 1e-12. The fixture records, per case, torch's chained (recursive) lrs and
its closed form (`_get_closed_form_lr`); their largest relative difference ("drift") is below 1e-14
over every case (asserted below), so comparing with either at rtol 1e-12 is justified. Exact zeros
(cosine at t = T with eta_min = 0) need an atol: 1e-16 * eta0.
"""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from solver import registry
from solver.params import InvalidInput

FIXTURE = Path(__file__).parent / "fixtures" / "torch_schedules.json"
GENERATOR = Path(__file__).parent / "oracles" / "gen_torch_schedules.py"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))
CASES = DATA["cases"]


def ewa():
    return registry.get("ewa")


def sched():
    return registry.get("lr_schedule")


# ---- independent references ------------------------------------------------------------------------------
def ewa_loop(theta, beta, v0=0.0, t0=0):
    """The recursion, one value at a time, in Python floats."""
    v, hats, acc = [], [], float(v0)
    for i, x in enumerate(theta, start=1):
        acc = beta * acc + (1 - beta) * float(x)
        v.append(acc)
        hats.append(acc / (1 - beta ** (t0 + i)))
    return np.array(v), np.array(hats)


def lr_reference(kind, t, eta0, **kw):
    """The schedules' textbook formulas at one (float) t, written out here."""
    if kind == "step":
        return eta0 * kw["gamma"] ** math.floor(t / kw["step_size"])
    if kind == "exponential":
        return eta0 * math.exp(-kw["k"] * t)
    if kind == "inverse_time":
        return eta0 / (1 + kw["k"] * t)
    if kind == "cosine_hold":
        tt = min(t, kw["T"])
        return kw["eta_min"] + (eta0 - kw["eta_min"]) * (1 + math.cos(math.pi * tt / kw["T"])) / 2
    if kind == "sgdr":
        start, length = 0, kw["T"]
        while t >= start + length:
            start, length = start + length, length * kw["T_mult"]
        return kw["eta_min"] + (eta0 - kw["eta_min"]) * (1 + math.cos(math.pi * (t - start) / length)) / 2
    raise ValueError(kind)


def values(sol, name):
    return np.array(sol.answers[name].value, dtype=float)


# ---- ewa: the notes' worked examples ------------------------------------------------------------------------
def test_we_adam_2_constant_gradient_average_and_bias_correction():
    """WE-adam-2 (notes 003): constant gradient 1, beta = 0.9, t = 10: m_10 = 1 - 0.9^10 = 0.651322, m_hat_10 = 1."""
    sol = ewa().solve_example()
    v = values(sol, "v")
    assert v[-1] == pytest.approx(1 - 0.9 ** 10, rel=1e-15)
    assert round(v[-1], 6) == 0.651322
    assert np.all(values(sol, "v_hat") == 1.0)  # exact: every corrected value is 1
    assert sol.answers["window"].value == 10
    # the notes' correction without the exponent gives 6.51322: the solution says so
    slip = [s for s in sol.walk() if s.title == "A slip in the end-term assignment"]
    assert slip and "6.51322" in slip[0].text and "m / (1 - beta)" in slip[0].text


def test_we_adam_1_zero_gradient_second_moment():
    """WE-adam-1 (notes 000): squared gradients 1 then 0, beta2 = 0.999: v = 0.001, 0.000999; v_hat_2 = 0.49975."""
    sol = ewa().solve({"theta": "1, 0", "beta": "0.999"})
    assert values(sol, "v") == pytest.approx([0.001, 0.000999], rel=1e-15)
    hats = values(sol, "v_hat")
    assert hats[0] == 1.0
    assert hats[1] == pytest.approx(0.000999 / (1 - 0.999 ** 2), rel=1e-15)
    assert round(hats[1], 5) == 0.49975
    assert 1 / math.sqrt(hats[1]) == pytest.approx(1.4146, abs=5e-5)  # the notes' effective rate


# ---- ewa: against the loop ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_ewa_matches_the_recursion_both_paths(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 25))
    theta = [round(float(x), 2) for x in rng.normal(size=n) * 3]
    beta = float(rng.choice([0.0, 0.5, 0.8, 0.9, 0.95, 0.999]))
    v0 = float(rng.choice([0.0, 0.5, -2.0]))
    t0 = int(rng.choice([0, 0, 3]))
    want_v, want_hat = ewa_loop(theta, beta, v0, t0)
    weights = np.array([(1 - beta) * beta ** (n - k) for k in range(1, n + 1)])
    for path in ("exact", "numeric"):
        sol = ewa().solve({"theta": theta, "beta": str(beta), "v0": str(v0), "t0": t0}, path=path)
        np.testing.assert_allclose(values(sol, "v"), want_v, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(values(sol, "v_hat"), want_hat, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(values(sol, "weights"), weights, rtol=1e-12, atol=1e-300)
        assert sol.answers["window"].value == pytest.approx(1 / (1 - beta), rel=1e-15)


def test_ewa_weights_sum_to_one_minus_beta_power_and_unroll_the_recursion():
    theta = [2.0, -1.0, 0.5, 4.0, 3.0]
    beta = 0.8
    sol = ewa().solve({"theta": theta, "beta": "0.8", "v0": "1.5"})
    w = values(sol, "weights")
    assert w.sum() == pytest.approx(1 - beta ** 5, rel=1e-14)
    v = values(sol, "v")
    assert beta ** 5 * 1.5 + w @ np.array(theta) == pytest.approx(v[-1], rel=1e-14)
    assert any(s.title == "Bias correction with v_0 != 0" for s in sol.walk())


def test_ewa_without_bias_correction_has_no_v_hat():
    sol = ewa().solve({"theta": "1 2 3", "beta": "0.5"}, {"bias_correction": "off"})
    assert "v_hat" not in sol.answers
    np.testing.assert_allclose(values(sol, "v"), ewa_loop([1, 2, 3], 0.5)[0], rtol=1e-15)


def test_ewa_beta_zero_is_the_sequence_itself():
    sol = ewa().solve({"theta": "3 -1 2", "beta": "0"})
    assert values(sol, "v").tolist() == [3, -1, 2]
    assert sol.answers["window"].value == 1


@pytest.mark.parametrize("beta", [1e-300, 0.001, 0.1, 0.3, 0.49, 0.5, 0.9, 0.999, 0.9999])
def test_ewa_numeric_long_sequence_matches_the_loop(beta):
    """The blocked / truncated closed forms against the sequential loop on 20000 values of mixed scale."""
    rng = np.random.default_rng(7)
    theta = rng.normal(size=20000) * rng.choice([1.0, 1e3], size=20000)
    sol = ewa().solve({"theta": theta, "beta": str(beta), "v0": "0.3"})
    assert sol.path == "numeric"
    want_v, want_hat = ewa_loop(theta, beta, 0.3)
    scale = np.abs(theta).max()
    np.testing.assert_allclose(values(sol, "v"), want_v, rtol=1e-12, atol=1e-14 * scale)
    np.testing.assert_allclose(values(sol, "v_hat"), want_hat, rtol=1e-12, atol=1e-14 * scale / (1 - beta))
    assert "20000 values]" in sol.answers["v"].display  # long vectors are displayed abbreviated


# ---- lr_schedule: the notes' worked examples ----------------------------------------------------------------
def test_we_lr_schedule_1_exponential_decay():
    """WE-lr-schedule-1 (notes 002): 0.1 exp(-0.01 * 10) = 0.0904837418 ~ 0.09."""
    sol = sched().solve_example()
    lr = values(sol, "lr")
    assert lr[0] == 0.1
    assert lr[-1] == pytest.approx(0.1 * math.exp(-0.1), rel=1e-15)
    assert round(lr[-1], 2) == 0.09
    typo = [s for s in sol.walk() if s.title == "A typo in the course notes"]
    assert typo and "introductory slides" in typo[0].text and "1.25893" in typo[0].text  # 0.1^(-0.1)


def test_we_lr_schedule_2_inverse_time_decay():
    """WE-lr-schedule-2 (notes 002): 0.1 / (1 + 0.01 * 10) = 0.0909 ~ 0.091."""
    sol = sched().solve({"schedule": "inverse_time", "eta0": "0.1", "k": "0.01", "at": "10"})
    assert values(sol, "lr")[0] == pytest.approx(1 / 11, rel=1e-15)
    assert round(values(sol, "lr")[0], 3) == 0.091


def test_we_lr_schedule_3_step_decay():
    """WE-lr-schedule-3 (notes 002): x0.5 every 5 epochs from 0.1: alpha_4 = 0.1, alpha_5 = 0.05, alpha_10 = 0.025."""
    sol = sched().solve({"schedule": "step", "eta0": "0.1", "gamma": "0.5", "step_size": "5", "at": "4 5 10"})
    assert values(sol, "lr").tolist() == [0.1, 0.05, 0.025]


# ---- lr_schedule: torch fixtures ----------------------------------------------------------------------------
def test_fixture_drift_justifies_rtol():
    assert DATA["torch_version"].startswith("2.13.0")
    drifts = [c["drift"] for c in CASES if c["drift"] is not None]
    assert drifts and max(drifts) < 1e-14


def _check_against_torch(case, got, result):
    ref = np.array(result["closed"] if result["closed"] is not None else result["chained"])
    atol = 1e-16 * case["eta0"]
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=atol, err_msg=case["id"])
    np.testing.assert_allclose(got, np.array(result["chained"]), rtol=1e-12, atol=atol, err_msg=case["id"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_lr_schedule_matches_torch_fixture(case, path):
    sol = sched().solve({**case["stepwise"], "at": case["t"]}, case["stepwise_conventions"], path=path)
    _check_against_torch(case, values(sol, "lr"), case)


@pytest.mark.parametrize("row", DATA["dataloader"], ids=lambda r: f"N{r['n_samples']}-B{r['batch_size']}")
def test_updates_per_epoch_match_torch_dataloader(row):
    for choice in ("keep", "drop"):
        for path in ("exact", "numeric"):
            sol = sched().solve({"schedule": "constant", "at": "0", "n_samples": row["n_samples"],
                                 "batch_size": row["batch_size"]}, {"last_batch": choice}, path=path)
            assert sol.answers["updates_per_epoch"].value == row[choice], (choice, path)


def _generator():
    spec = importlib.util.spec_from_file_location("gen_torch_schedules", GENERATOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_lr_schedule_matches_torch_live():
    torch = pytest.importorskip("torch")
    gen = _generator()
    torch_default = torch.get_default_dtype()
    try:
        for case in gen.build_cases():
            result = gen.run_case(case)
            sol = sched().solve({**case["stepwise"], "at": result["t"]}, case["stepwise_conventions"], path="numeric")
            _check_against_torch(case, values(sol, "lr"), result)
    finally:
        torch.set_default_dtype(torch_default)


# ---- lr_schedule: conventions and the remaining schedules against the formulas written above ----------------
def test_cosine_holds_at_eta_min_past_T_by_default():
    sol = sched().solve({"schedule": "cosine", "eta0": "0.1", "eta_min": "0.01", "T": "10", "at": "0 5 10 15 40"})
    want = [lr_reference("cosine_hold", t, 0.1, eta_min=0.01, T=10) for t in (0, 5, 10, 15, 40)]
    np.testing.assert_allclose(values(sol, "lr"), want, rtol=1e-14)
    assert values(sol, "lr")[-1] == 0.01


def test_warmup_from_zero_then_exponential():
    """warmup_start = 0 (torch's LinearLR cannot start at 0): eta0 t / T_w, then the schedule from T_w."""
    at = [0, 1, 2, 3, 4, 7, 20]
    sol = sched().solve({"schedule": "exponential", "eta0": "0.5", "k": "0.1", "warmup_steps": "4", "at": at})
    want = [0.5 * t / 4 if t < 4 else lr_reference("exponential", t - 4, 0.5, k=0.1) for t in at]
    np.testing.assert_allclose(values(sol, "lr"), want, rtol=1e-14)


def test_epochs_converted_to_updates_for_a_per_update_schedule():
    """N = 1000, B = 64: U = 16 updates per epoch (ceil); epoch 3 is update 48."""
    p = {"schedule": "sgdr", "eta0": "0.1", "eta_min": "0.001", "T": "5", "T_mult": "2", "at": "0 3 7 20",
         "n_samples": "1000", "batch_size": "64", "at_unit": "epoch"}
    for path in ("exact", "numeric"):
        sol = sched().solve(p, path=path)
        assert sol.answers["updates_per_epoch"].value == 16
        want = [lr_reference("sgdr", 16 * e, 0.1, eta_min=0.001, T=5, T_mult=2) for e in (0, 3, 7, 20)]
        np.testing.assert_allclose(values(sol, "lr"), want, rtol=1e-13)


def test_updates_converted_to_completed_epochs_for_a_per_epoch_schedule():
    p = {"schedule": "step", "eta0": "0.1", "gamma": "0.5", "step_size": "2", "at": "0 99 100 250 399 400",
         "n_samples": "1000", "batch_size": "10", "at_unit": "update"}
    sol = sched().solve(p)
    epochs = [u // 100 for u in (0, 99, 100, 250, 399, 400)]
    np.testing.assert_allclose(values(sol, "lr"), [lr_reference("step", e, 0.1, gamma=0.5, step_size=2) for e in epochs],
                               rtol=1e-15)


def test_sgdr_numeric_cycle_index_at_restart_boundaries():
    """Float log can misplace t exactly at a restart (T_0 = 3, T_mult = 3: restarts at 0, 3, 12, 39, 120, ...)."""
    starts, start, length = [], 0, 3
    while start < 10 ** 9:
        starts.append(start)
        start, length = start + length, length * 3
    at = np.array(sorted(set(starts + [s - 1 for s in starts if s] + [s + 0.5 for s in starts])), dtype=float)
    sol = sched().solve({"schedule": "cosine_restarts", "eta0": "1", "T": "3", "T_mult": "3", "at": at})
    assert sol.path == "numeric"
    want = [lr_reference("sgdr", float(t), 1.0, eta_min=0.0, T=3, T_mult=3) for t in at]
    np.testing.assert_allclose(values(sol, "lr"), want, rtol=1e-9, atol=1e-15)
    assert all(values(sol, "lr")[np.isin(at, starts)] == 1.0)


def test_numeric_path_over_a_million_steps():
    at = np.arange(1_000_000, dtype=float)
    p = {"schedule": "cosine", "eta0": "0.1", "T": "500000", "warmup_steps": "1000", "warmup_start": "0.01", "at": at}
    sol = sched().solve(p)
    assert sol.path == "numeric"
    lr = values(sol, "lr")
    assert lr.shape == (1_000_000,)
    idx = np.random.default_rng(1).choice(at.size, size=40, replace=False)
    idx = np.concatenate([idx, [0, 999, 1000, 1001, 501_000, 999_999]])
    exact = sched().solve({**p, "at": [int(i) for i in idx]}, path="exact")
    np.testing.assert_allclose(lr[idx], values(exact, "lr"), rtol=1e-12, atol=1e-17)


# ---- validation ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, field", [
    ({"at": "1", "batch_size": "32"}, "n_samples"),
    ({"at": "1", "n_samples": "100"}, "batch_size"),
    ({"at": "1", "at_unit": "epoch"}, "n_samples"),
    ({"at": "-1"}, "at"),
])
def test_lr_schedule_cross_field_checks_name_the_parameter(params, field):
    with pytest.raises(InvalidInput) as e:
        sched().solve(params)
    assert e.value.field == field and f"'{field}'" in e.value.message
