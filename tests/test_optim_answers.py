"""Issue 14 for the optimizer families and ewa: every trace value is an answer by address, inputs as exams give
them (the gradient as expressions, the current step t, ewa's alpha), and a run that diverges says so.

Oracles: closed forms written here (gradient descent on a quadratic contracts each coordinate by 1 - 2 eta c;
an exponentially weighted average unrolled), and the torch.optim fixture (tests/fixtures/torch_optim.json, made
by tests/oracles/gen_torch_optim.py with torch 2.13.0).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver import registry
from solver.params import InvalidInput

OPTIMIZERS = ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "nadam")
TORCH = {c["id"]: c for c in json.loads((Path(__file__).parent / "fixtures" / "torch_optim.json").read_text())["cases"]}


def _variants(name):
    """The worked example, and a loss-driven run (so that the loss column is there too)."""
    yield registry.get(name).solve_example()
    yield registry.get(name).solve({"loss": "x**2 + 4*y**2", "w0": "x=1.5, y=-2", "lr": "0.1", "steps": "3"},
                                   path="exact")


@pytest.mark.parametrize("name", OPTIMIZERS + ("ewa",))
def test_every_trace_column_is_addressable_and_resolves(name):
    sols = list(_variants(name)) if name != "ewa" else [registry.get(name).solve_example()]
    for sol in sols:
        tables = [s.table for s in _walk(sol.steps) if s.table is not None and s.table.keys]
        assert tables, f"{name}: no addressable trace table"
        addresses = sol.addresses()
        for table in tables:
            assert table.index == ("t",)
            for row in table.values:
                t = row[table.keys.index("t")]
                for key in table.keys:
                    if key == "t":
                        continue
                    a = f"{key}@t={t}"
                    assert a in addresses, (name, a)
                    got = sol.answer(a).value
                    want = row[table.keys.index(key)]
                    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                                               rtol=1e-12, err_msg=f"{name}: {a}")


def _walk(steps):
    for s in steps:
        yield s
        yield from _walk(getattr(s, "children", ()) or ())


def test_sgd_loss_and_step_at_each_t_match_the_closed_form():
    """L = x² + 4y², gradient descent: x_t = (1 − 2η)ᵗ x₀, y_t = (1 − 8η)ᵗ y₀ (a closed form, not our output)."""
    eta, x0, y0 = 0.1, 1.5, -2.0
    sol = registry.get("sgd").solve({"loss": "x**2 + 4*y**2", "w0": "x=1.5, y=-2", "lr": "0.1", "steps": "4"})
    for t in range(1, 5):
        x, y = x0 * (1 - 2 * eta) ** t, y0 * (1 - 8 * eta) ** t
        xp, yp = x0 * (1 - 2 * eta) ** (t - 1), y0 * (1 - 8 * eta) ** (t - 1)
        assert sol.answer(f"loss@t={t}").value == pytest.approx(x * x + 4 * y * y, rel=1e-12)
        np.testing.assert_allclose(sol.answer(f"delta_w@t={t}").value, [x - xp, y - yp], rtol=1e-12)
        np.testing.assert_allclose(sol.answer(f"w@t={t}").value, [x, y], rtol=1e-12)
    # the plain answers are the last step's
    np.testing.assert_allclose(sol.answers["delta_w"].value, sol.answer("delta_w@t=4").value)
    assert sol.answers["loss"].value == sol.answer("loss@t=4").value


@pytest.mark.parametrize("case_id", ["adam-grads-lr0.1-weightdecay0.1", "momentum-grads-lr0.1-momentum0.9",
                                     "rmsprop-grads-lr0.1-alpha0.9", "adamw-grads-lr0.1-weightdecay0.1"])
def test_delta_w_at_each_step_matches_torch(case_id):
    """delta_w@t = w_(t+1) − w_t from torch.optim's trajectory (the fixture)."""
    from tests.test_optimizers import family_of, torch_matching

    case = TORCH[case_id]
    p, conv = torch_matching(case)
    sol = registry.get(family_of(case)).solve(p, conv, path="exact")
    before = case["w0"]
    for t, after in enumerate(case["trajectory"], start=1):
        np.testing.assert_allclose(sol.answer(f"delta_w@t={t}").value, np.subtract(after, before), rtol=1e-11,
                                   atol=1e-14)
        before = after
    numeric = registry.get(family_of(case)).solve(p, conv, path="numeric")
    last = np.subtract(case["trajectory"][-1], case["trajectory"][-2])
    np.testing.assert_allclose(numeric.answers["delta_w"].value, last, rtol=1e-11, atol=1e-14)


# ---- the gradient given as expressions ---------------------------------------------------------------------
@pytest.mark.parametrize("family,case_id", [("sgd", "sgd-quad-lr0.1"), ("adam", "adam-quad-lr0.1"),
                                            ("momentum", "momentum-quad-lr0.1-momentum0.9")])
def test_gradient_expressions_drive_the_steps_as_torch_does(family, case_id):
    """gradient="2*x, 8*y" is the gradient of x² + 4y²: the same steps as torch.optim on that loss."""
    from tests.test_optimizers import torch_matching

    case = TORCH[case_id]
    p, conv = torch_matching(case)
    p = {k: v for k, v in p.items() if k not in ("loss", "vars")}
    p["gradient"] = "2*x, 8*y"
    for path in ("exact", "numeric"):
        sol = registry.get(family).solve(p, conv, path=path)
        assert sol.status == "solved"
        np.testing.assert_allclose(np.asarray(sol.answers["w"].value, dtype=float), case["trajectory"][-1],
                                   rtol=1e-12)
    sol = registry.get(family).solve(p, conv, path="exact")
    for t, row in enumerate(case["trajectory"], start=1):
        np.testing.assert_allclose(np.asarray(sol.answer(f"w@t={t}").value, dtype=float), row, rtol=1e-12)
    assert "loss" not in sol.answers   # no loss was given, so none is invented


def test_gradient_with_a_loss_reports_the_loss_values():
    sol = registry.get("sgd").solve({"gradient": "2*x, 8*y", "loss": "x**2 + 4*y**2", "w0": "x=1.5, y=-2",
                                     "lr": "0.1", "steps": "2"})
    x, y = 1.5 * 0.8 ** 2, -2 * 0.2 ** 2
    assert sol.answer("loss@t=2").value == pytest.approx(x * x + 4 * y * y, rel=1e-12)


def test_one_gradient_expression_applies_to_every_entry():
    """gradient = "2*w" with w0 = (1, -2, 4): each entry shrinks by 1 − 2η."""
    sol = registry.get("sgd").solve({"gradient": "2*w", "w0": "1, -2, 4", "lr": "0.25", "steps": "2"})
    np.testing.assert_allclose(sol.answers["w"].value, np.array([1, -2, 4]) * 0.5 ** 2)


@pytest.mark.parametrize("params,field", [
    ({"gradient": "2*x, 8*y, 3", "w0": "1, 2"}, "gradient"),
    ({"gradient": "2*x +", "w0": "1"}, "gradient"),
    ({"gradient": "__import__('os')", "w0": "1"}, "gradient"),
    ({"gradient": "2*x, 8*y", "w0": "x=1, z=2"}, "w0"),
])
def test_bad_gradient_input_names_the_field(params, field):
    with pytest.raises(InvalidInput) as e:
        registry.get("sgd").solve({**params, "lr": "0.1"})
    assert e.value.field == field


# ---- the current step t --------------------------------------------------------------------------------------
def test_current_step_t_continues_the_bias_correction_as_t0_does():
    """Adam at t = 3 with m₂, v₂ given: m̂ = m₃ / (1 − β₁³), v̂ = v₃ / (1 − β₂³) (Kingma & Ba 2015, closed form)."""
    b1, b2, m0, v0, g, lr = 0.9, 0.999, 0.5, 0.04, 0.3, 0.1
    base = {"grads": "[0.3]", "m0": "0.5", "v0": "0.04", "lr": "0.1", "w0": "1"}
    sol = registry.get("adam").solve({**base, "t": "3"}, {"eps_placement": "outside"})
    same = registry.get("adam").solve({**base, "t0": "2"}, {"eps_placement": "outside"})
    m, v = b1 * m0 + (1 - b1) * g, b2 * v0 + (1 - b2) * g * g
    mh, vh = m / (1 - b1 ** 3), v / (1 - b2 ** 3)
    assert sol.answer("m_hat@t=3").value == pytest.approx(mh, rel=1e-12)
    assert sol.answer("v_hat@t=3").value == pytest.approx(vh, rel=1e-12)
    assert sol.answers["w"].value == pytest.approx(1 - lr * mh / (np.sqrt(vh) + 1e-8), rel=1e-12)
    assert sol.answers["w"].value == same.answers["w"].value
    hyper = next(s for s in _walk(sol.steps) if s.title == "Hyperparameters").text
    assert "the current step t = 3 was given" in hyper and "t0 = 2" in hyper
    assert "the current step" not in next(s for s in _walk(same.steps) if s.title == "Hyperparameters").text


def test_current_step_and_t0_must_agree():
    with pytest.raises(InvalidInput) as e:
        registry.get("adam").solve({"grads": "[1]", "t": "3", "t0": "1"})
    assert e.value.field == "t"
    assert registry.get("adam").solve({"grads": "[1]", "t": "3", "t0": "2"}).status == "solved"


def test_the_help_says_what_t_and_t0_count():
    fam = registry.get("adam")
    assert "t = 1" in fam.param("t").help and "t0" in fam.param("t").help
    assert "t = t0 + 1" in fam.param("t0").help


# ---- ewa's alpha ---------------------------------------------------------------------------------------------
def test_ewa_alpha_is_the_weight_of_the_new_value():
    """v_t = (1 − α) v_(t−1) + α θ_t, unrolled by hand for θ = (1, 2, 3), α = 0.1."""
    sol = registry.get("ewa").solve({"theta": "1, 2, 3", "alpha": "0.1"})
    v1 = 0.1 * 1
    v2 = 0.9 * v1 + 0.1 * 2
    v3 = 0.9 * v2 + 0.1 * 3
    np.testing.assert_allclose(sol.answers["v"].value, [v1, v2, v3], rtol=1e-12)
    assert sol.answer("v@t=2").value == pytest.approx(v2, rel=1e-12)
    assert sol.answer("v_hat@t=3").value == pytest.approx(v3 / (1 - 0.9 ** 3), rel=1e-12)
    assert "α = 0.1" in sol.statement and "β = 1 - α = 0.9" in sol.statement


def test_ewa_alpha_and_beta_that_disagree_name_alpha():
    with pytest.raises(InvalidInput) as e:
        registry.get("ewa").solve({"theta": "1, 2", "alpha": "0.2", "beta": "0.9"})
    assert e.value.field == "alpha"


# ---- divergence ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_a_diverging_run_warns_first(path):
    """x², η = 1.5: x_t = (1 − 2η)ᵗ x₀ = (−2)ᵗ, so the loss grows by 4¹⁰ ≈ 10⁶ in ten steps."""
    sol = registry.get("sgd").solve({"loss": "x**2", "w0": "1", "lr": "1.5", "steps": "10"}, path=path)
    assert sol.answers["w"].value == pytest.approx((-2.0) ** 10)
    assert sol.extras["warning"]["kind"] == "diverged"
    assert sol.steps[0].title == "Warning: the run diverges"
    assert "learning rate" in sol.extras["warning"]["message"]


def test_a_converging_run_has_no_warning():
    sol = registry.get("sgd").solve({"loss": "x**2", "w0": "1", "lr": "0.1", "steps": "10"})
    assert "warning" not in sol.extras


def test_an_overflowing_run_warns():
    sol = registry.get("sgd").solve({"loss": "x**4", "w0": "10", "lr": "1", "steps": "10"}, path="numeric")
    assert sol.extras["warning"]["kind"] == "diverged" and "overflow" in sol.extras["warning"]["message"]


# ---- momentum as an exponential average ----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_momentum_average_form_is_an_exponential_average_of_the_gradients(path):
    """V_t = β V_(t−1) + (1 − β) g_t, w ← w − η V_t (Andrew Ng's course), unrolled by hand: g = 1, 2, 3, 4,
    β = 0.5, η = 0.1 gives V = 0.5, 1.25, 2.125, 3.0625 and w₄ = −0.1 · 6.9375."""
    sol = registry.get("momentum").solve({"grads": "[1, 2, 3, 4]", "lr": "0.1", "beta": "0.5"},
                                         {"momentum_form": "average"}, path=path)
    assert float(sol.answers["u"].value) == pytest.approx(3.0625, rel=1e-12)
    assert float(sol.answers["w"].value) == pytest.approx(-0.69375, rel=1e-12)
    if path == "exact":
        assert [float(sol.answer(f"u@t={t}").value) for t in range(1, 5)] == pytest.approx([0.5, 1.25, 2.125, 3.0625])
        unrolled = next(s for s in _walk(sol.steps) if s.title == "The history unrolled")
        assert float(unrolled.value.text.split("=")[-1]) == pytest.approx(3.0625)


def test_momentum_average_form_is_read_from_the_question():
    from solver.reading import read

    r = read("Momentum with v = beta v + (1 - beta) g, beta = 0.9, learning rate 0.1, gradients 1, 2. "
             "Find w after two steps starting from w = 0.")
    assert r.family == "momentum" and r.conventions["momentum_form"].value == "average"


# ---- conventions in words --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", OPTIMIZERS + ("ewa", "lr_schedule"))
def test_every_optimizer_convention_says_who_uses_each_choice_and_how_a_paper_states_it(name):
    for conv in registry.get(name).conventions:
        assert set(conv.sources) == set(conv.options), (name, conv.name)
        assert set(conv.paper) == set(conv.options), (name, conv.name)
        for text in (*conv.sources.values(), *conv.paper.values()):
            assert "WE-" not in text and "notes 000" not in text, (name, conv.name, text)


# ---- text that follows the conventions -------------------------------------------------------------------------
@pytest.mark.parametrize("name,conv", [("adam", {"bias_correction": "off"}), ("adamax", {"bias_correction": "off"}),
                                       ("ewa", {"bias_correction": "off"}),
                                       ("adam", {"bias_correction": "off", "eps_placement": "keras"})])
def test_no_bias_corrected_values_are_asked_without_bias_correction(name, conv):
    """Regression: the statement asked for "the bias-corrected m̂ and v̂" with the correction off."""
    sol = registry.get(name).solve_example(conv)
    assert "bias-corrected" not in sol.statement and "m̂" not in sol.statement and "v̂" not in sol.statement
    assert "m_hat" not in sol.answers and "v_hat" not in sol.answers
    if conv.get("eps_placement") == "keras":
        assert "step size" not in sol.statement   # eta_t = eta: nothing to ask


def test_statements_are_rich_maths_not_ascii():
    for name in OPTIMIZERS + ("ewa",):
        text = registry.get(name).solve_example().statement
        for ascii_maths in ("beta1", "m_hat", "v_hat", "x^2", "**", "theta_t", "eta ="):
            assert ascii_maths not in text, (name, ascii_maths, text)


# ---- Keras's epsilon hat (issue 15) ---------------------------------------------------------------------------
def _keras_adam(grads, w0, lr, b1, b2, eps, amsgrad=False):
    """tf.keras.optimizers.Adam as its documentation writes it (Kingma & Ba 2015, section 2's efficient version):
    lr_t = lr √(1 − β₂ᵗ) / (1 − β₁ᵗ), w ← w − lr_t m / (√v + ε̂); with amsgrad, v̂ = max(v̂, v) in the root."""
    w, m, v, vmax = np.array(w0, float), 0.0, 0.0, 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        g = np.asarray(g, float)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - lr_t * m / (np.sqrt(vmax if amsgrad else v) + eps)
        out.append(w.copy())
    return out


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_adam_keras_epsilon_hat_matches_tensorflows_formula(path, amsgrad):
    grads = [[1.0, -2.0], [0.1, 0.0], [0.2, -0.1], [-0.5, 0.3]]
    want = _keras_adam(grads, [1.0, -1.0], 0.1, 0.8, 0.99, 0.1, amsgrad)
    p = {"grads": str(grads), "w0": "1, -1", "lr": "0.1", "beta1": "0.8", "beta2": "0.99", "eps": "0.1",
         "amsgrad": str(amsgrad).lower()}
    sol = registry.get("adam").solve(p, {"eps_placement": "keras"}, path=path)
    np.testing.assert_allclose(np.asarray(sol.answers["w"].value, dtype=float), want[-1], rtol=1e-12)
    if path == "exact":
        for t, w in enumerate(want, start=1):
            np.testing.assert_allclose(np.asarray(sol.answer(f"w@t={t}").value, dtype=float), w, rtol=1e-12)
        assert sol.answer("eta_t@t=2").value == pytest.approx(0.1 * np.sqrt(1 - 0.99 ** 2) / (1 - 0.8 ** 2))
    # with eps = 0.1 the three placements give three different answers
    other = registry.get("adam").solve(p, {"eps_placement": "outside"}, path=path)
    assert not np.allclose(np.asarray(other.answers["w"].value, dtype=float), want[-1], rtol=1e-6)


def test_a_gradient_that_is_not_the_losss_derivative_is_flagged():
    """Given both, the steps follow the gradient; a mismatch with the loss's derivative is said, not hidden."""
    good = registry.get("sgd").solve({"gradient": "2*x, 8*y", "loss": "x**2 + 4*y**2", "w0": "1, 1", "lr": "0.1"})
    bad = registry.get("sgd").solve({"gradient": "2*x, 9*y", "loss": "x**2 + 4*y**2", "w0": "1, 1", "lr": "0.1"})
    title = "The given gradient is not the loss's derivative"
    assert title not in [s.title for s in _walk(good.steps)]
    note = next(s for s in _walk(bad.steps) if s.title == title)
    assert "dL/dy" in note.text and "dL/dx" not in note.text
    np.testing.assert_allclose(bad.answers["w"].value, [1 - 0.2, 1 - 0.9])


def test_divergence_warning_prints_huge_losses_in_scientific_notation():
    """Regression: the warning printed the loss 4¹⁰ · 5⁶... as the 14-digit integer 95367431640625."""
    sol = registry.get("sgd").solve({"loss": "x**2", "w0": "1", "lr": "3", "steps": "10"})
    msg = sol.extras["warning"]["message"]
    assert "95367431640625" not in msg and "9.537e13" in msg   # (1 − 2·3)²⁰ = 5²⁰ = 9.5367e13


def test_the_statement_states_the_weight_decay_and_its_form():
    """Regression: a problem with weight decay was stated without it (the answers depended on an unstated λ)."""
    adamw = registry.get("adam").solve({"grads": "[1]", "weight_decay": "0.1"}, {"weight_decay_form": "decoupled"})
    assert "weight decay λ = 0.1 decoupled" in adamw.statement
    l2 = registry.get("sgd").solve({"grads": "[1]", "weight_decay": "0.1"})
    assert "weight decay λ = 0.1 added to the gradient" in l2.statement
    assert "weight decay" not in registry.get("sgd").solve({"grads": "[1]"}).statement


def test_the_numeric_path_says_which_step_it_started_at():
    sol = registry.get("adam").solve({"grads": "[0.3]", "m0": "0.5", "v0": "0.04", "t": "3"}, path="numeric")
    note = next(s for s in sol.steps if s.title == "Numeric path").text
    assert "The current step t = 3 was given" in note and "t0 = 2" in note


# ---- addresses through the JSON API ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", OPTIMIZERS + ("ewa",))
def test_every_trace_address_is_checkable_through_the_api(name):
    """A user's key built from the trace (`loss@t=3`) is checked like any answer: the value itself is correct."""
    from web import create_app

    client = create_app({"TESTING": True}).test_client()
    fam = registry.get(name)
    sol = fam.solve_example()
    typed = {a: sol.answer(a).value for a in sol.addresses() if "@" in a}
    assert typed
    r = client.post("/api/check", json={"family": name, "params": dict(fam.example.params),
                                        "conventions": dict(fam.example.conventions), "answers": typed})
    assert r.status_code == 200, r.json
    verdicts = r.json["verdicts"]
    assert {a: v["verdict"] for a, v in verdicts.items()} == {a: "correct" for a in typed}


def test_a_wrong_value_or_a_missing_row_by_address_through_the_api():
    from web import create_app

    client = create_app({"TESTING": True}).test_client()
    params = {"loss": "x**2 + 4*y**2", "w0": "x=1.5, y=-2", "lr": "0.1", "steps": "3"}
    r = client.post("/api/check", json={"family": "sgd", "params": params, "answers": {"loss@t=2": 99}})
    assert r.status_code == 200 and r.json["verdicts"]["loss@t=2"]["verdict"] == "wrong"
    r = client.post("/api/check", json={"family": "sgd", "params": params, "answers": {"loss@t=9": 1}})
    assert r.status_code == 400 and r.json["error"]["field"] == "answers.loss@t=9"
    assert "No row of the trace matches" in r.json["error"]["message"]
