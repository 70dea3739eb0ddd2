"""Review pass over the optimizer families: regressions named after what broke, and typical exam questions
against independent NumPy re-statements of the published update rules.

Oracles: NumPy (the rules of notes 000 eqs. 13-21 and torch.optim's documented forms, written out here
independently of problems/), the analytic gradient of L = x^2 + 4 y^2 (2x, 8y), and the worked examples of
shared/worked-examples.md named by id (WE-nag-1, WE-adam-1).
"""
from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from problems import _optim as O
from problems._optim.plot import _segments
from solver import registry
from solver.cli import main as cli_main


def solve(family, params, conv=None, **kw):
    return registry.get(family).solve(params, conv or {}, **kw)


def steps(sol):
    return [s for top in sol.steps for s in top.walk()]


def all_text(sol) -> str:
    out = []
    for s in steps(sol):
        out += [s.title, s.text]
        out += [m.text for m in (s.formula, s.substituted, s.value) if m is not None]
    return "\n".join(out)


def all_latex(sol) -> str:
    return "\n".join(m.latex for s in steps(sol) for m in (s.formula, s.substituted, s.value) if m is not None)


# ---- independent reference: every family on L = x^2 + 4 y^2 (gradient (2x, 8y)) ----------------------------
def reference(family, w, steps_, conv, **h):
    """The published rules, step by step in float64 (t counted from 1)."""
    grad = lambda p: np.array([2 * p[0], 8 * p[1]])  # noqa: E731
    w = np.array(w, float)
    n = len(w)
    m, v, u = np.zeros(n), np.zeros(n), np.zeros(n)
    inside = conv.get("eps_placement", "inside") == "inside"
    lr, eps = h.get("lr"), h.get("eps", 0.0)
    for t in range(1, steps_ + 1):
        if family == "nag":                      # notes 000 eq. (14): look-ahead w - beta u, no eta
            g = grad(w - h["beta"] * u)
        else:
            g = grad(w)
        if family == "sgd":
            w = w - lr * g
        elif family in ("momentum", "nag"):      # notes 000 eq. (13): u = beta u + g, w -= eta u
            u = h["beta"] * u + g
            w = w - lr * u
        elif family in ("adagrad", "rmsprop"):   # eqs. (15), (16)
            v = v + g * g if family == "adagrad" else h["beta"] * v + (1 - h["beta"]) * g * g
            w = w - lr / (np.sqrt(v + eps) if inside else np.sqrt(v) + eps) * g
        elif family == "adadelta":               # eq. (17)
            v = h["beta"] * v + (1 - h["beta"]) * g * g
            dw = -np.sqrt(u + eps) / np.sqrt(v + eps) * g
            w = w + dw
            u = h["beta"] * u + (1 - h["beta"]) * dw * dw
        else:                                    # Adam (18), AdaMax (19), NAdam (21)
            b1, b2 = h["beta1"], h["beta2"]
            m = b1 * m + (1 - b1) * g
            if family == "adamax":
                v = np.maximum(b2 * v, np.abs(g))
                w = w - lr / (v + eps) * m / (1 - b1 ** t)
                continue
            v = b2 * v + (1 - b2) * g * g
            mh, vh = m / (1 - b1 ** t), v / (1 - b2 ** t)
            if family == "nadam":
                mh = b1 * mh + (1 - b1) * g / (1 - b1 ** t)
            w = w - lr / (np.sqrt(vh + eps) if inside else np.sqrt(vh) + eps) * mh
    return w


BOWL = {"loss": "x**2 + 4*y**2", "w0": "[1.5, -2]", "steps": "3"}
EXAM = [
    ("sgd", {"lr": "0.1"}, {}),
    ("momentum", {"lr": "0.1", "beta": "0.9"}, {}),
    ("nag", {"lr": "0.1", "beta": "0.9"}, {}),
    ("adagrad", {"lr": "0.5", "eps": "0.1"}, {"eps_placement": "inside"}),
    ("adagrad", {"lr": "0.5", "eps": "0.1"}, {"eps_placement": "outside"}),
    ("rmsprop", {"lr": "0.1", "beta": "0.9", "eps": "0.1"}, {"eps_placement": "inside"}),
    ("rmsprop", {"lr": "0.1", "beta": "0.9", "eps": "0.1"}, {"eps_placement": "outside"}),
    ("adadelta", {"beta": "0.9", "eps": "0.01"}, {}),
    ("adam", {"lr": "0.1", "beta1": "0.9", "beta2": "0.999", "eps": "0.1"}, {"eps_placement": "inside"}),
    ("adam", {"lr": "0.1", "beta1": "0.9", "beta2": "0.999", "eps": "0.1"}, {"eps_placement": "outside"}),
    ("adamax", {"lr": "0.1", "beta1": "0.9", "beta2": "0.999", "eps": "0.1"}, {}),
    ("nadam", {"lr": "0.1", "beta1": "0.9", "beta2": "0.999", "eps": "0.1"}, {"eps_placement": "outside"}),
]


@pytest.mark.parametrize("family,hyper,conv", EXAM, ids=[f"{f}-{c.get('eps_placement', '')}" for f, _, c in EXAM])
def test_two_parameter_bowl_three_steps_against_numpy(family, hyper, conv):
    """The exam question 'three steps on L = x^2 + 4 y^2 from (1.5, -2)', both paths, against the rules in NumPy
    (eps = 0.1 so that the eps placement shows in the answer)."""
    want = reference(family, [1.5, -2], 3, conv, **{k: float(v) for k, v in hyper.items()})
    for path in ("exact", "numeric"):
        sol = solve(family, {**BOWL, **hyper}, conv, path=path)
        assert sol.status == "solved"
        np.testing.assert_allclose(sol.answers["w"].value, want, rtol=1e-12)
        assert sol.answers["loss"].value == pytest.approx(want[0] ** 2 + 4 * want[1] ** 2, rel=1e-12)


def test_eps_placement_is_visible_with_a_large_eps():
    """The two placements of eps = 0.1 give different RMSProp and AdaGrad answers (a convention that matters)."""
    for family in ("rmsprop", "adagrad"):
        a = solve(family, {**BOWL, "lr": "0.1", "eps": "0.1"}, {"eps_placement": "inside"}).answers["w"].value
        b = solve(family, {**BOWL, "lr": "0.1", "eps": "0.1"}, {"eps_placement": "outside"}).answers["w"].value
        assert abs(a[0] - b[0]) > 1e-3


# ---- the notes' indices (WE-nag-1): ours count from t = 1, theirs from t = 0 ---------------------------------
NAG_EXAM = {"x": "0.5", "y": "1", "beta": "0.9", "lr": "0.1", "u0": "0.8", "w0": "w=2.5, b=0", "t0": "9"}


def test_nag_solution_maps_its_indices_to_the_notes_WE_nag_1():
    """Regression: the notes' u_8, w_9, b_9 appeared as u_9 and w_10 with no word on why; the solution now says how
    its steps count and names the notes' indices."""
    sol = solve("nag", NAG_EXAM)
    start = next(s for s in steps(sol) if s.title.startswith("Start parameters"))
    hist = next(s for s in steps(sol) if s.title.startswith("History u before"))
    assert start.value.text == "w_10 = (2.5, 0)" and hist.value.text == "u_9 = (0.8, 0.8)"
    numbering = next(s for s in steps(sol) if s.title == "How the steps are numbered").text
    assert "w_10 and the history u_9" in numbering and "w_9 and u_8" in numbering
    notes = next(s for s in steps(sol) if s.title == "How the course notes number this problem").text
    assert "u_8 = 0.8" in notes and "w_9 = 2.5" in notes and "u_10 and w_11" in notes
    assert "counting steps from t = 1" in sol.statement
    assert [s.title for s in sol.steps if s.title.startswith("Step t")] == ["Step t = 10"]


def test_numbering_note_for_a_method_without_history():
    """Regression: SGD (no history) with t0 > 0 raised IndexError while naming its histories (found by test_fuzz)."""
    sol = solve("sgd", {"grads": "[1]", "lr": "0.1", "t0": "4"})
    text = next(s.text for s in steps(sol) if s.title == "How the steps are numbered")
    assert "the current parameters are w_5, and the next step is t = 5, which computes w_6" in text
    big = solve("sgd", {"x": "0", "y": "1", "w0": "w=2, b=1", "lr": "10", "t0": "1000000000"})
    assert big.status == "solved"


def test_a_long_variable_name_is_refused_with_a_short_message():
    """Regression: a 10 MB 'vars' value came back inside a 10 MB error message."""
    from solver.params import InvalidInput
    with pytest.raises(InvalidInput) as e:
        solve("sgd", {"loss": "x**2", "vars": "x" * 1_000_000})
    assert e.value.field == "vars" and len(e.value.message) < 300


def test_no_numbering_note_without_steps_already_taken():
    sol = solve("momentum", {"grads": "[1, 2]", "lr": "0.1"})
    assert not any(s.title == "How the steps are numbered" for s in steps(sol))
    assert "counting steps" not in sol.statement


def test_nag_slip_note_names_the_quantity_it_gives_WE_nag_1():
    """Regression: 'taken literally, 1/(1 + e^(0.17)) would give -0.0673' read as if y_hat were -0.0673."""
    text = next(s.text for s in steps(solve("nag", NAG_EXAM)) if s.title == "Where the course notes slipped")
    assert "would give dL/dw = -0.0673" in text


def test_compare_table_header_has_no_underscore_inside_text():
    """Regression: the web page showed 'nag\\_form' literally (latex2mathml copies \\text{...} verbatim)."""
    sol = registry.get("nag").solve_example()
    table = next(s.table for s in steps(sol) if s.table is not None and "every convention" in s.title)
    assert not re.search(r"\\text\{[^}]*\\_", table.columns[0].latex)


# ---- how numbers and symbols read -----------------------------------------------------------------------------
def test_small_eps_is_substituted_as_a_power_of_ten():
    """Regression: eps = 1e-8 was substituted as 0.00000001 (and 1e-10 as 0.0000000001)."""
    sol = solve("rmsprop", {"grads": "[1]", "beta": "0.9", "lr": "0.6"})
    rate = next(s for s in steps(sol) if s.title == "Effective learning rate" and s.substituted is not None)
    assert rate.substituted.text == "eta_eff = 0.6/(sqrt(0.1 + 1e-8))"
    assert r"10^{-8}" in rate.substituted.latex and "0.00000001" not in all_text(sol) + all_latex(sol)
    ada = solve("adagrad", {"grads": "[0.5]", "v0": "1", "lr": "0.6", "eps": "2.5e-7"})
    assert "2.5e-7" in all_text(ada) and r"2.5 \times 10^{-7}" in all_latex(ada)


def test_tiny_hyper_only_rewrites_short_small_decimals():
    import sympy as sp
    assert O.tiny_hyper(sp.Rational(1, 10 ** 8)) == (r"1 \times 10^{-8}", "1e-8")
    assert O.tiny_hyper(sp.Rational(1, 3 * 10 ** 8)) is None       # not a short decimal: printed as usual
    assert O.tiny_hyper(sp.Rational(1, 1000)) is None               # not small
    assert O.tiny_hyper(sp.Float(1e-8)) is None and O.tiny_hyper(0) is None


def test_plain_text_indices_are_parenthesised():
    """Regression: 'u_t-1' and 'w_t+1' in the terminal read as u_t minus 1 and w_t plus 1."""
    for family in ("momentum", "adam", "nadam"):
        text = all_text(registry.get(family).solve_example({"nadam_form": "torch"} if family == "nadam" else None))
        assert not re.search(r"_t[-+]1", text), family
        assert "_(t-1)" in text


def test_last_gradient_step_shows_the_working_value_with_its_name():
    """Regression: on the last step the collected gradient showed only the rounded answer '(0, -0.0529)', on the
    other steps 'g_t = (...)' in full; now every step shows g_t to working precision (the answer stays rounded)."""
    sol = registry.get("adadelta").solve_example()
    grads = [s for s in steps(sol) if s.title.startswith("Gradient g_t")]
    assert len(grads) == 2 and all(s.value.text.startswith("g_t = (") for s in grads)
    assert grads[-1].value.text == "g_t = (-0.0191545, -0.0383091)"
    assert grads[-1].answers[0].display == "(-0.0192, -0.0383)"


def test_rounded_results_use_approx_in_latex():
    """Regression: 'w_2 = (2, 1.52877)' and 'L = 0.0158729' were written with '=' although rounded."""
    sol = registry.get("sgd").solve_example()
    concl = next(s for s in steps(sol) if s.kind == "conclude")
    loss = next(s for s in steps(sol) if s.title == "Loss before and after")
    assert r"\approx" in concl.value.latex and r"\approx" in loss.value.latex
    assert concl.text.startswith("In the order (w, b).")
    exact = next(s for s in steps(registry.get("momentum").solve_example()) if s.kind == "conclude")
    assert exact.value.latex == "w_{5} = -1.3875"      # exact: '='


def test_a_fraction_shown_as_a_decimal_is_marked_approx_WE_adam_1():
    """Regression: v_hat_2 = 999/1999 was written 'v_hat = 0.49975' with '=' (it is 0.4997498749...); 9/19, shown as
    a fraction, keeps '='."""
    sol = solve("adam", {"grads": "[1, 0]", "beta2": "0.999", "lr": "1"})
    v_hat = [s for s in steps(sol) if s.title.startswith("Bias-corrected v")][-1]
    m_hat = [s for s in steps(sol) if s.title.startswith("Bias-corrected m")][-1]
    assert v_hat.value.latex == r"\hat{v}_{t} \approx 0.49975"
    assert m_hat.value.latex == r"\hat{m}_{t} = \frac{9}{19}"


def test_rmsprop_names_its_learning_rate_as_its_formula_does():
    """Regression: the statement said eta0 while the formula and substitution use eta."""
    sol = solve("rmsprop", {"grads": "[1]", "beta": "0.9", "lr": "0.6"})
    assert "η = 0.6" in sol.statement and "eta0" not in sol.statement and "η₀" not in sol.statement
    hyper = next(s for s in steps(sol) if s.title == "Hyperparameters")
    assert hyper.text.startswith("eta = 0.6")


def test_adagrad_decay_formula_names_eta0():
    sol = solve("adagrad", {"grads": "[1, 2]", "lr": "0.5", "lr_decay": "0.1"})
    decay = [s for s in steps(sol) if s.title == "Decayed base rate"][-1]
    assert decay.formula.text == "eta_t = eta0/(1 + (t - 1)*lr_decay)"
    assert decay.substituted.text == "eta_t = 0.5/(1 + (2 - 1)*0.1)"


def test_nadam_notes_form_says_how_m_hat_t_plus_1_is_read():
    text = next(s.text for s in steps(registry.get("nadam").solve_example()) if s.title.startswith("Look-ahead momentum ("))
    assert "m_hat_{t+1}" in text and "next step's gradient" in text and "dozat" in text


def test_several_parameters_say_the_rules_act_elementwise():
    sol = solve("rmsprop", {**BOWL, "lr": "0.1"})
    start = next(s for s in steps(sol) if s.title.startswith("Start parameters"))
    assert "elementwise" in start.text and "(x, y)" in start.text


# ---- robustness (found by tests/test_fuzz.py) --------------------------------------------------------------------
@pytest.mark.parametrize("family,field", [("adagrad", "v0"), ("rmsprop", "v0"), ("adadelta", "v0"), ("adadelta", "u0"),
                                          ("adam", "v0"), ("adamax", "v0"), ("nadam", "v0")])
def test_a_negative_squared_history_is_refused(family, field):
    """Regression: v0 = -1 made sqrt(v + eps) complex and the solve crashed with TypeError; v (and AdaDelta's u)
    accumulate squares, so a negative value is invalid input naming the field."""
    from solver.params import InvalidInput
    with pytest.raises(InvalidInput) as e:
        solve(family, {"grads": "[[1, 1]]", field: "[0.5, -1]", "w0": "[0, 0]"})
    assert e.value.field == field and "Got -1 instead" in e.value.message


def test_momentum_history_may_be_negative():
    assert solve("momentum", {"grads": "[1]", "u0": "-1"}).status == "solved"


def test_adam_remark_needs_the_examples_shape_WE_adam_1():
    """Regression: grads [1, 0] for two parameters (one step) or with steps = 1 raised IndexError in the WE-adam-1
    remark, which reads the second step of a one-parameter run."""
    for p in ({"grads": "[1, 0]", "w0": "[1, 1]"}, {"grads": "[1, 0]", "steps": "1"}):
        sol = solve("adam", {**p, "beta2": "0.999", "lr": "1"})
        assert sol.status == "solved" and not any(s.title == "Where the course notes slipped" for s in steps(sol))


def test_numeric_overflow_is_not_a_warning():
    """Regression: float64 overflow in the numeric summary (the loss, the norm) and in NAG's comparison table raised
    RuntimeWarning, an error under filterwarnings=error."""
    sol = solve("nag", {**NAG_EXAM, "u0": np.array([1e308, 1e308]), "compare_forms": "true"})
    assert sol.status == "solved" and sol.path == "numeric"
    big = solve("sgd", {"x": "1e308", "y": "1", "w0": "w=2.5, b=0"}, path="numeric")
    assert big.status == "solved"


# ---- the plot ---------------------------------------------------------------------------------------------------
def test_trajectory_svg_labels_axes_ranges_and_step_numbers():
    """Regression: the plot had one cryptic range line ('-0.29 .. 1.86 by ...') and unnumbered points."""
    sol = solve("adam", {**BOWL, "lr": "0.5"})
    root = ET.fromstring(sol.extras["svg"])
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert {"1", "2", "3", "x", "y"} <= set(texts)
    assert any("black dot: start" in t for t in texts) and any(t.startswith("L = x**2") for t in texts)
    pts = [tuple(map(float, p.split(","))) for p in root.find(f"{ns}polyline").get("points").split()]
    w = [[1.5, -2]] + [r["w"] for r in sol.answers["trace"].value]
    # one scale on both axes (the spans are within a factor 4): screen distances are proportional to true ones
    d_true = [np.hypot(w[k + 1][0] - w[k][0], w[k + 1][1] - w[k][1]) for k in range(3)]
    d_screen = [np.hypot(pts[k + 1][0] - pts[k][0], pts[k + 1][1] - pts[k][1]) for k in range(3)]
    np.testing.assert_allclose(np.array(d_screen) / np.array(d_true), d_screen[0] / d_true[0], rtol=0.02)


def test_contour_segments_match_a_direct_crossing_count():
    """The vectorised marching squares: on a grid with no saddle cells every crossed cell gives one segment, so the
    number of segments equals the number of cells whose corners straddle the level (counted here directly)."""
    xs = ys = np.linspace(-2, 2, 41)
    X, Y = np.meshgrid(xs, ys)
    F = X ** 2 + 4 * Y ** 2
    for level in (0.5, 1.0, 3.0):
        above = F > level
        corners = [above[:-1, :-1], above[:-1, 1:], above[1:, 1:], above[1:, :-1]]
        k = sum(c.astype(int) for c in corners)
        assert len(_segments(F, xs, ys, level)) == int(np.sum((k > 0) & (k < 4)))


# ---- shared code and speed ----------------------------------------------------------------------------------------
def test_families_share_one_definition_of_the_common_rules():
    from problems import adagrad, adam, adamax, momentum, nadam, nag, rmsprop
    assert momentum.U_NOTES is nag.U_NOTES is O.U_PLAIN
    assert momentum.UPDATE_VELOCITY is nag.UPDATE_SUTSKEVER is O.UPDATE_ETA_INSIDE
    assert adam.M_RULE is adamax.M_RULE is nadam.M_RULE is O.ADAM_M_RULE
    assert adam.RATE is nadam.RATE is O.ADAM_RATE
    assert adagrad.UPDATE is rmsprop.UPDATE is O.UPDATE_ADAPTIVE


@pytest.mark.parametrize("family", ["sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamax",
                                    "nadam"])
def test_worked_example_solves_quickly_when_warm(family):
    """A guard against per-call formula building or simplify() creeping back: the warm worked example is well under
    0.25 s (it takes under 25 ms here; the bound is generous for a loaded machine)."""
    fam = registry.get(family)
    fam.solve_example()
    best = min(_timed(fam.solve_example) for _ in range(3))
    assert best < 0.25


def _timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


@pytest.mark.parametrize("family", ["sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamax",
                                    "nadam"])
def test_cli_example_in_markdown_and_bad_value(family, capsys):
    assert cli_main(["solve", family, "--example", "-f", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "## Solution" in out and "$$" in out and "0.00000001" not in out
    assert cli_main(["solve", family, "-p", "lr=oops"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'lr'" in err
