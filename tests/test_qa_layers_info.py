"""Regression tests from the review pass over the information and layer families (and ewa, lr_schedule).

Each test is named after what broke or read badly; every number is checked against an independent
computation (numpy, scipy, math, SymPy's own exact evaluation) or a worked example of the notes by its id.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import sympy as sp
import sympy.core.parameters as sympy_parameters

from solver import registry
from solver.render import render


def solve(family, params=None, conv=None, path="auto"):
    fam = registry.get(family)
    if params is None:
        return fam.solve_example(conv or {}, path=path)
    return fam.solve(params, conv or {}, path=path)


def text_of(sol) -> str:
    return render(sol, "text")


def values(sol, name):
    return np.array(sol.answers[name].numeric_value(), dtype=float)


def walk(steps):
    for s in steps:
        yield s
        yield from walk(s.children)


def step(sol, title):
    found = [s for s in walk(sol.steps) if s.title == title]
    assert found, f"no step titled {title!r}"
    return found[0]


# ---- performance: no global SymPy cache clearing on a warm solve ----------------------------------------

@pytest.mark.parametrize("family", ["entropy", "cross_entropy", "kl_divergence", "binary_cross_entropy", "softmax",
                                    "batch_norm", "grad_clip", "activation", "ewa"])
def test_warm_example_solve_does_not_clear_the_sympy_cache(family, monkeypatch):
    """`with sp.evaluate(False)` inside solve() cleared SymPy's whole cache on every call (softmax spent more time
    rebuilding it than solving, and slowed every other family in the same server). Formulas that depend on
    the instance are now built once (problems._info.written) or at import."""
    solve(family)  # warm: the instance formulas are built and kept
    solve(family)
    calls = []
    monkeypatch.setattr(sympy_parameters, "clear_cache", lambda: calls.append(1))
    solve(family)
    assert calls == []


def test_written_formulas_are_built_once():
    from problems import _info as I

    a = I.written(I._div, I.p_i, I.q_i)
    assert I.written(I._div, I.p_i, I.q_i) is a
    assert sp.srepr(a) == sp.srepr(sp.Mul(I.p_i, sp.Pow(I.q_i, -1, evaluate=False), evaluate=False))


# ---- softmax: the mpmath values are SymPy's exact ones -------------------------------------------------

@pytest.mark.parametrize("z", [("1.4", "-1.1", "0.68"), ("100", "5", "4"), ("-3", "0.5", "2", "2.5"), ("1000", "-1000", "0.5")])
def test_softmax_exact_row_equals_sympy_exact_evaluation(z):
    """softmax_exact now evaluates with mpmath; it must give the 40-digit values of the exact SymPy expressions
    (WE-softmax-2 and WE-softmax-3 among them: 1 - p_1 = 7.552e-42 for 100, 5, 4)."""
    from problems import _info as I

    zs = tuple(sp.Rational(v) for v in z)
    r = I.softmax_exact(zs)
    m = max(zs)
    e = [sp.exp(v - m) for v in zs]
    S = sp.Add(*e)
    for k in range(len(zs)):
        p_exact = (e[k] / S).evalf(45)
        comp_exact = (sp.Add(*(e[j] for j in range(len(zs)) if j != k)) / S).evalf(45)
        logp_exact = (zs[k] - m - sp.log(S)).evalf(45)
        assert abs(r.p[k] - p_exact) <= sp.Float("1e-38") * abs(p_exact)
        assert abs(r.comp[k] - comp_exact) <= sp.Float("1e-38") * abs(comp_exact)
        assert abs(r.logp[k] - logp_exact) <= sp.Float("1e-38") * max(1, abs(logp_exact))
    assert np.allclose([float(x) for x in r.p], scipy.special.softmax([float(v) for v in zs]), rtol=1e-14, atol=0)


def test_softmax_equal_logits_stay_exact_fractions():
    """All scores equal: p = 1/K exactly (the mpmath path keeps the exact case exact)."""
    sol = solve("softmax", {"logits": "2 2 2"})
    assert sol.answers["p"].display == "(0.3333, 0.3333, 0.3333)"
    assert "1/3" in text_of(sol)
    assert np.allclose(values(sol, "p"), scipy.special.softmax([2.0, 2.0, 2.0]))


# ---- entropy: the question asks for the surprises ----------------------------------------------------------

@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_entropy_answers_the_surprise_it_asks_for(path):
    """The statement asks for the surprise of each outcome; it was worked but not an answer. WE-entropy-1:
    log2(1/0.9) = 0.152003, log2(1/0.1) = 3.32193."""
    sol = solve("entropy", path=path)
    assert np.allclose(values(sol, "surprise"), [0.152003, 3.32193], atol=5e-6)
    assert np.allclose(values(sol, "surprise"), -np.log2([0.9, 0.1]), rtol=1e-12)


def test_entropy_surprise_of_an_impossible_outcome_is_infinite():
    for path in ("exact", "numeric"):
        s = solve("entropy", {"p": "0.5 0.5 0"}, path=path)
        assert np.allclose(values(s, "surprise")[:2], [math.log(2)] * 2, rtol=1e-12)
        assert math.isinf(values(s, "surprise")[2])


# ---- activation -------------------------------------------------------------------------------------------------

def test_activation_table_shows_the_kink_conventions_derivative():
    """With kink=right the table said relu'(0) = 0 (the torch value, computed before the convention was applied)
    while the answer said 1. The right derivative of max(0, x) at 0 is the slope of x, 1."""
    sol = solve("activation", {"function": "relu", "x": "-1 0 2"}, {"kink": "right"})
    assert list(values(sol, "derivatives")) == [0, 1, 1]
    table = step(sol, "Values and derivatives, piece by piece").table
    assert [row[-1] for row in table.rows] == ["0", "1", "1"]
    note = step(sol, "Derivative at a kink")
    assert "the right convention gives f'(0) = 1" in note.text


def test_activation_piecewise_formulas_read_as_cases_not_sympy_code():
    out = text_of(solve("activation", {"function": "selu", "x": "-1 0.5"}))
    assert "Piecewise" not in out and ", True)" not in out
    assert "f(x) = lambda*(x if x > 0; alpha*(exp(x) - 1) otherwise)" in out
    assert "f'(x) = lambda*(1 if x > 0; alpha*exp(x) otherwise)" in out
    latex = render(solve("activation", {"function": "selu", "x": "1"}), "latex")
    assert r"\begin{cases}" in latex and "Cases" not in latex


def test_activation_piecewise_points_are_worked_from_their_piece():
    """Each point of a piecewise function gets formula -> numbers -> value from the piece that holds there
    (before, only a table of values). SELU(-1) = lambda alpha (e^-1 - 1) with the constants of Klambauer et al."""
    lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    sol = solve("activation", {"function": "selu", "x": "-1 0.5"})
    out = text_of(sol)
    assert "At x = -1: the piece for x <= 0" in out and "At x = 0.5: the piece for x > 0" in out
    assert "f(x) = 1.0507*1.67326*(exp(-1) - 1)" in out
    assert "f'(x) = lambda\n" in out  # the constant piece 1 is not written lambda*1
    assert np.allclose(values(sol, "values"), [lam * alpha * (math.exp(-1) - 1), lam * 0.5], rtol=1e-12)
    assert np.allclose(values(sol, "derivatives"), [lam * alpha * math.exp(-1), lam], rtol=1e-12)


def test_activation_otherwise_piece_is_named_by_its_interval():
    table = step(solve("activation", {"function": "relu6", "x": "-1 3 7"}), "Values and derivatives, piece by piece").table
    assert [row[1] for row in table.rows] == ["x <= 0", "0 < x < 6", "x >= 6"]


# ---- sums, norms, min/max print as a student writes them ----------------------------------------------------

@pytest.mark.parametrize("family", ["grad_clip", "regularization", "batch_norm"])
def test_sums_and_norms_do_not_print_as_sympy_code(family):
    out = text_of(solve(family))
    for code in ("Sum(", "Min(", "Max(", "Abs(", "(i, 1, "):
        assert code not in out, code


def test_grad_clip_formulas_read_naturally():
    """WE-clipping-1: g = (0.9, 100) clipped to [-1, 1] turns by 41.47 degrees (48.01 from the first axis)."""
    sol = solve("grad_clip")
    out = text_of(sol)
    assert "g_clip = min(max(g, -c), c)" in out
    assert "norm_g = sqrt(sum_i g_i**2)" in out
    assert "((" not in step(sol, "Direction change (degrees)").formula.text
    assert "g . g_clip = 0.9*0.9 + 100*1 = 100.81" in out and "||g_clip|| = sqrt(0.9^2 + 1^2) = 1.34536" in out
    g, c = np.array([0.9, 100.0]), np.clip([0.9, 100.0], -1, 1)
    theta = math.degrees(math.acos(g @ c / np.linalg.norm(g) / np.linalg.norm(c)))
    assert values(sol, "angle_change_value") == pytest.approx(theta, rel=1e-12)
    assert values(sol, "angle_axis_after") == pytest.approx(48.0128, abs=5e-5)


# ---- batch_norm ----------------------------------------------------------------------------------------------

def test_batch_norm_running_average_latex_keeps_momentum_and_batch_apart():
    """LaTeX ran \\mathrm{momentum} \\mathrm{batch} together into one word, 'momentumbatch'."""
    latex = render(solve("batch_norm"), "latex")
    assert r"\mathrm{momentum} \mathrm{batch}" not in latex
    assert r"\mathrm{momentum} \,\mathrm{batch}" in latex


def test_batch_norm_formulas_name_what_they_use():
    out = text_of(solve("batch_norm"))
    assert "var = (sum_i (x_i - mu)**2)/m" in out  # was (-mu + x_i)**2 and Sum(..., (i, 1, m))
    assert "dL/dx = (gamma/(m*sqrt(var + eps)))*(m*dy - dL/dbeta - x_hat*dL/dgamma)" in out
    assert "y_test = (gamma*(x - running_mean))/sqrt(running_var + eps) + beta" in out
    assert "y_test = (1.5*(1 - 0.0625))/sqrt((127/96) + 0.00001) + 0.1" in out  # one test input: a number, not (1)
    assert "2 features;" in out and "feature(s)" not in out


def test_batch_norm_test_time_output_matches_the_running_statistics():
    """y_test from the running averages after one torch-style update (momentum 0.1, unbiased running variance)."""
    X = np.array([[1, 2], [3, -1], [0.5, 4], [-2, 1]], dtype=float)
    rm = 0.9 * 0 + 0.1 * X.mean(0)
    rv = 0.9 * 1 + 0.1 * X.var(0, ddof=1)
    want = np.array([1.5, 0.5]) * (np.array([1, 1]) - rm) / np.sqrt(rv + 1e-5) + np.array([0.1, -0.2])
    assert np.allclose(values(solve("batch_norm"), "y_test"), [want], rtol=1e-12)


# ---- statements and steps that read badly -----------------------------------------------------------------------

def test_dropout_statement_says_what_p_is():
    assert "probability of keeping a unit, or of dropping it" in solve("dropout").statement


def test_init_statement_of_one_layer_says_this_layer():
    sol = solve("init")
    assert "For this layer" in sol.statement and "For each layer" not in sol.statement
    assert "Var = 2/n_in" in text_of(sol)
    fan_out = text_of(solve("init", conv={"he_mode": "fan_out"}))
    assert "Var = 2/n_out" in fan_out and "Var = 2/3" in fan_out  # He fan_out: 2/3 for 4 -> 3


def test_ensemble_statement_has_no_parenthetical_about_the_convention_midsentence():
    st = solve("ensemble").statement
    assert "(or correlation, see the convention)" not in st
    assert "covariance C = 0.3" in st


def test_ewa_steps_use_their_own_indices():
    """Every step printed v_t = beta*v_(t-1) + ...; each step now names its own v_3, v_2, theta_3. WE-adam-2:
    v_3 = 0.271 for the constant sequence 1 with beta = 0.9 (1 - 0.9^3)."""
    out = text_of(solve("ewa"))
    assert "v_3 = beta*v_2 + (1 - beta)*theta_3" in out
    assert "v_3 = 0.9*0.19 + (1 - 0.9)*1" in out and "v_3 = 0.271" in out
    assert "v_hat_3 = v_3/(1 - beta**3)" in out
    assert out.count("\n17. The averages") + out.count("\n16. The averages") <= 1  # one step of that title


def test_ewa_continued_average_statement_is_consistent():
    """With t0 > 0 the statement said 'continuing from v_2 ...' and then 'compute v_1, ..., v_3'."""
    sol = solve("ewa", {"theta": "1 2 3", "beta": "0.9", "v0": "0.5", "t0": "2"})
    assert "continuing from v₀ = 0.5" in sol.statement and "1 - β^(t₀ + t)" in sol.statement
    v1 = 0.9 * 0.5 + 0.1 * 1
    assert values(sol, "v_hat")[0] == pytest.approx(v1 / (1 - 0.9 ** 3), rel=1e-12)
    assert "v_hat_1 = 0.55/(1 - 0.9**(2 + 1))" in text_of(sol)


def test_regularization_targets_step_shows_the_targets():
    """WE-cross-entropy-1: 0.9 on the true class and 0.1/9 = 0.0111 on each of the other 9."""
    s = step(solve("regularization"), "Targets")
    assert s.value is not None and "0.9000" in s.value.text
    assert "each of the other 9 gets 1/90" in s.text


def test_conv_shape_ratio_and_memory_read_as_decimals():
    """WE-param-count-4 / WE-cnn-shapes-2: 1,536,500 / 4,900 = 313.57; 29 x 29 x 100 values x 4 bytes = 336.4 kB."""
    out = text_of(solve("conv_shape"))
    assert "About 313.6 times" in out
    assert "336,400 bytes = 336.4 kB" in out
    assert 1536500 / 4900 == pytest.approx(313.571, abs=1e-3)


# ---- generators --------------------------------------------------------------------------------------------------

def test_lr_schedule_generator_keeps_rates_exam_sized():
    """A step decay by 0.1 every 2 steps over 30 steps gave learning rates of 1e-16."""
    from solver.params import as_float

    fam = registry.get("lr_schedule")
    for seed in range(150):
        raw = fam.generate(seed)
        eta0 = float(as_float(fam.validate(raw)["eta0"]))
        lr = np.ravel(fam.solve(raw, path="numeric").answers["lr"].numeric_value())
        assert np.all((lr == 0) | (lr >= 5e-4 * eta0)), (seed, raw)


def test_lr_schedule_warmup_from_zero_reads_from_zero():
    sol = solve("lr_schedule", {"schedule": "constant", "eta0": "0.1", "warmup_steps": "4", "warmup_start": "0",
                                "at": "1 4"})
    assert "starting from 0." in sol.statement and "0 x eta0" not in sol.statement
    assert np.allclose(values(sol, "lr"), [0.1 * 1 / 4, 0.1])


def test_lr_schedule_plot_is_strict_json_for_a_rate_beyond_float64():
    """eta0 = 1e400 is a valid exact number, but its plot data held float('inf'), which strict JSON rejects."""
    import json

    sol = solve("lr_schedule", {"schedule": "exponential", "eta0": "1e400", "k": "0.01", "at": "0 10"})
    json.dumps(sol.to_json(), allow_nan=False)
    assert sol.extras["plot"]["lr"][0] is None


def test_conv_shape_layer_line_of_commas_is_invalid_input():
    """Found by fuzzing: layers="," raised IndexError (a 500 on the web) instead of naming the field."""
    from solver.params import InvalidInput
    import solver

    with pytest.raises(InvalidInput) as e:
        solver.solve("conv_shape", layers=",")
    assert e.value.field == "layers"
