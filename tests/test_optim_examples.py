"""Optimizer families: the course notes' worked examples, independent formulas, input handling and the plot.

Oracles: the recomputed worked examples of shared/worked-examples.md (named by id), SymPy (derivatives,
unrolled sums), closed forms, and short NumPy re-statements of the published update rules.
"""
from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sympy as sp

from problems import _optim as O
from problems._optim.plot import _segments
from solver import registry
from solver.params import InvalidInput


def solve(family, params, conv=None, **kw):
    return registry.get(family).solve(params, conv or {}, **kw)


def val(sol, name):
    v = sol.answers[name].value
    return v


# ---- WE-nag-1 (notes 000, week 4 problem 5) ---------------------------------------------------------------
NAG_EXAM = {"x": "0.5", "y": "1", "beta": "0.9", "lr": "0.1", "u0": "0.8", "w0": "w=2.5, b=0", "t0": "9"}


def _sigma(z):
    return 1 / (1 + sp.exp(-z))


def _neuron_grad(w, b, x=sp.Rational(1, 2), y=1):
    yh = _sigma(w * x + b)
    dz = (yh - y) * yh * (1 - yh)
    return float(dz * x), float(dz)


def test_nag_notes_exam_WE_nag_1():
    """Look-ahead (1.78, -0.72) and gradient -0.0568 for w under the notes' convention (WE-nag-1 recomputed)."""
    sol = solve("nag", NAG_EXAM)
    assert val(sol, "lookahead") == [1.78, -0.72]
    gw, gb = val(sol, "grad_lookahead")
    assert gw == pytest.approx(-0.05678896802, rel=1e-9) and gb == pytest.approx(-0.113577936, rel=1e-8)
    assert sol.answers["grad_lookahead"].display == "(-0.0568, -0.1136)"
    assert val(sol, "u")[0] == pytest.approx(0.663211032, rel=1e-9)
    assert val(sol, "w")[0] == pytest.approx(2.433678897, rel=1e-9)
    # independent: sympy's sigmoid at the look-ahead point
    assert (gw, gb) == pytest.approx(_neuron_grad(sp.Rational(178, 100), sp.Rational(-72, 100)), rel=1e-12)
    notes = " ".join(s.title + " " + s.text for s in sol.walk() if s.kind == "note")
    assert "the course notes, week 4" in notes and "0.52" in notes and "-0.0599" in notes and "-0.0568" in notes


def test_nag_other_forms_WE_nag_1_cases_B_and_D():
    """WE-nag-1 case B (b has no history): -0.0300374246; case D (w - eta beta u): -0.02218856468."""
    b = solve("nag", NAG_EXAM, {"lookahead_target": "w-only"})
    assert val(b, "lookahead") == [1.78, 0]
    assert val(b, "grad_lookahead")[0] == pytest.approx(-0.0300374246, rel=1e-9)
    d = solve("nag", NAG_EXAM, {"nag_form": "scaled"})
    assert val(d, "lookahead") == pytest.approx([2.428, -0.072], abs=1e-15)
    assert val(d, "grad_lookahead")[0] == pytest.approx(-0.02218856468, rel=1e-9)


def test_nag_compare_forms_table_lists_every_form():
    sol = registry.get("nag").solve_example()
    table = [s for s in sol.walk() if s.table is not None and "every convention" in s.title]
    assert len(table) == 1
    rows = {r[0].split("  ")[0]: r for r in table[0].table.rows}
    assert set(rows) == {"notes, all", "notes, w-only", "sutskever, all", "scaled, all", "torch, all"}
    assert "-0.0300374" in rows["notes, w-only"][2] and "-0.0221886" in rows["scaled, all"][2]
    # torch reads the given point as its stored (look-ahead) point: the gradient at (2.5, 0)
    assert rows["torch, all"][1] == "(2.5, 0)"
    gw = _neuron_grad(sp.Rational(5, 2), 0)[0]
    assert rows["torch, all"][2].startswith(f"({gw:.6g}"[:8])


def test_nag_sutskever_equals_scaled_weights():
    """Sutskever's eta-inside history and the eta-scaled look-ahead are the same algorithm: same weights, u scaled."""
    p = {"loss": "x**2 + 4*y**2", "w0": "[1.5, -2]", "lr": "0.1", "beta": "0.9", "steps": "4", "u0": "[0.5, -1]"}
    a = solve("nag", {**p, "u0": "[0.05, -0.1]"}, {"nag_form": "sutskever"}, path="numeric")
    b = solve("nag", p, {"nag_form": "scaled"}, path="numeric")
    np.testing.assert_allclose(val(a, "w"), val(b, "w"), rtol=1e-13)
    np.testing.assert_allclose(val(a, "u"), 0.1 * np.array(val(b, "u")), rtol=1e-13)


# ---- WE-adam-1, WE-adamax-1, WE-rmsprop-1 (notes 000, week 5) ----------------------------------------------
def test_adam_bias_correction_WE_adam_1():
    """v_hat_1 = 0.000999 / (1 - 0.999^2) = 0.4997498749; eta = 1/sqrt(v_hat) = 1.414567425 (eps ignored)."""
    sol = solve("adam", {"grads": "[1, 0]", "beta2": "0.999", "lr": "1", "eps": "0"})
    rows = val(sol, "trace")
    assert rows[0]["v"] == [0.001] and rows[0]["v_hat"] == [1.0]
    assert rows[1]["v"] == [pytest.approx(0.000999, rel=1e-15)]
    assert val(sol, "v_hat") == pytest.approx(0.4997498749, rel=1e-10)
    assert val(sol, "eta_eff") == pytest.approx(1.414567425, rel=1e-9)
    assert sol.answers["v_hat"].display == "0.4997" and sol.answers["eta_eff"].display == "1.4146"


def test_cli_reproduces_notes_adam_example_WE_adam_1():
    """`stepwise solve adam -p grads="[1, 0]" -p beta2=0.999 -p lr=1` prints v_hat = 0.4997 and eta = 1.4146."""
    out = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "adam", "-p", "grads=[1, 0]", "-p", "beta2=0.999",
                          "-p", "lr=1"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "v_hat = 0.4997" in out.stdout and "eta_eff = 1.4146" in out.stdout
    assert "the course notes, week 5 (Adam" in out.stdout


def test_adamax_rates_WE_adamax_1():
    """Gradients 1, 0, 1 with beta2 = 0.999: v = 1, 0.999, 1 and rates 1, 1.001001001, 1; the slip is remarked."""
    sol = solve("adamax", {"grads": "[1, 0, 1]", "beta2": "0.999", "lr": "1", "eps": "0"})
    rows = val(sol, "trace")
    assert [r["v"][0] for r in rows] == [1.0, 0.999, 1.0]
    assert [r["eta_eff"][0] for r in rows] == pytest.approx([1.0, 1.001001001, 1.0], rel=1e-9)
    notes = " ".join(s.title + " " + s.text for s in solve("adamax", {"grads": "[1, 0, 1]", "beta2": "0.999", "lr": "1"}).walk())
    assert "0.998001" in notes and "the course notes, week 5 (AdaMax" in notes


@pytest.mark.parametrize("family,params,want", [
    ("adagrad", {"grads": "[0.5]", "v0": "1", "lr": "0.6"}, 0.6 / math.sqrt(1.25 + 1e-10)),     # steep region
    ("rmsprop", {"grads": "[1]", "beta": "0.9", "lr": "0.6"}, 0.6 / math.sqrt(0.1 + 1e-8)),     # flat region
])
def test_effective_rate_divides_by_sqrt_v_WE_rmsprop_1(family, params, want):
    """WE-rmsprop-1: by the notes' own eqs. (15)-(16) the rate is eta0 / sqrt(v_t + eps), not eta0 / v_t."""
    sol = solve(family, params)
    assert val(sol, "eta_eff") == pytest.approx(want, rel=1e-12)
    assert any(s.title == "An ambiguity in the course notes" and "which one is better" in s.text for s in sol.walk())


# ---- WE-momentum-1, WE-sigmoid-neuron-gd-1 ----------------------------------------------------------------
def test_momentum_velocity_unrolled_WE_momentum_1():
    """v <- alpha v - eps g from 0 gives v_4 = -eps (alpha^3 g1 + alpha^2 g2 + alpha g3 + g4) (SymPy); u = -v."""
    a, e = sp.Rational(1, 2), sp.Rational(1, 10)
    g = [1, 2, 3, 4]
    v = 0
    for gi in g:
        v = a * v - e * gi
    assert v == -e * (a ** 3 * g[0] + a ** 2 * g[1] + a * g[2] + g[3])
    sol = registry.get("momentum").solve_example()
    assert val(sol, "u") == float(-v)
    assert any(s.kind == "note" and "the handwritten course notes" in s.text for s in sol.walk())
    # the notes' form (eta outside) gives the same weights
    notes = solve("momentum", {"grads": "[1, 2, 3, 4]", "lr": "0.1", "beta": "0.5"})
    assert val(notes, "w") == pytest.approx(val(sol, "w"), rel=1e-15)


def test_sgd_sigmoid_neuron_WE_sigmoid_neuron_gd_1():
    """x = 0, y = 1, w = 2, b = 1, eta = 10: b_1 = 1.528770928, w_1 = 2, new loss 0.01587291318."""
    sol = registry.get("sgd").solve_example()
    w, b = val(sol, "w")
    assert w == 2 and b == pytest.approx(1.528770928, rel=1e-9)
    assert val(sol, "loss") == pytest.approx(0.01587291318, rel=1e-9)


@pytest.mark.parametrize("kind", ["mse", "ce"])
def test_neuron_gradient_formulas_are_the_derivatives(kind):
    """The shown dL/dw, dL/db equal SymPy's derivatives of the loss of sigma(w x + b)."""
    w, b, x, y = sp.symbols("w b x y", real=True)
    yh = _sigma(w * x + b)
    loss = sp.Rational(1, 2) * (yh - y) ** 2 if kind == "mse" else -(y * sp.log(yh) + (1 - y) * sp.log(1 - yh))
    rule_w = O.NEURON_DW[kind].xreplace({O.YHAT: yh, O.NX: x, O.NY: y})
    rule_b = O.NEURON_DZ[kind].xreplace({O.YHAT: yh, O.NX: x, O.NY: y})
    for got, want in ((rule_w, sp.diff(loss, w)), (rule_b, sp.diff(loss, b))):
        for pt in ({w: 0.3, b: -1.2, x: 0.7, y: 1}, {w: -2, b: 0.5, x: -1.5, y: 0}):
            assert float(got.subs(pt)) == pytest.approx(float(want.subs(pt)), rel=1e-12)


# ---- the adaptive methods against their published rules (NumPy) ---------------------------------------------
G3 = np.array([[1.0, -2.0], [0.0, 0.3], [2.0, 2.0]])


def _adam_ref(grads, lr, b1, b2, eps, inside, bias=True, m=0.0, v=0.0, t0=0, w=None):
    w = np.zeros(grads.shape[1]) if w is None else np.array(w, float)
    m, v = np.full_like(w, m), np.full_like(w, v)
    for k, g in enumerate(grads):
        t = t0 + k + 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = (m / (1 - b1 ** t), v / (1 - b2 ** t)) if bias else (m, v)
        w = w - lr * mh / (np.sqrt(vh + eps) if inside else np.sqrt(vh) + eps)
    return w, m, v


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("conv", [{"eps_placement": "inside"}, {"eps_placement": "outside"},
                                  {"eps_placement": "inside", "bias_correction": "off"}])
def test_adam_conventions_against_published_rule(path, conv):
    """eps = 0.1 makes the placement visible (about 4 %); with history m0, v0 and t0 = 9 the bias uses t = 10."""
    p = {"grads": G3.tolist(), "lr": "0.1", "eps": "0.1", "m0": "0.2", "v0": "0.5", "t0": "9", "w0": "[1, -1]"}
    sol = solve("adam", p, conv, path=path)
    want, m, v = _adam_ref(G3, 0.1, 0.9, 0.999, 0.1, conv["eps_placement"] == "inside",
                           conv.get("bias_correction", "on") == "on", 0.2, 0.5, 9, [1, -1])
    np.testing.assert_allclose(val(sol, "w"), want, rtol=1e-12)
    np.testing.assert_allclose(val(sol, "m"), m, rtol=1e-12)


def test_adam_eps_placement_changes_the_answer():
    p = {"grads": G3.tolist(), "lr": "0.1", "eps": "0.1"}
    a = val(solve("adam", p, {"eps_placement": "inside"}), "w")
    b = val(solve("adam", p, {"eps_placement": "outside"}), "w")
    assert abs(a[0] - b[0]) > 1e-3


@pytest.mark.parametrize("form", ["notes", "dozat"])
def test_nadam_forms_against_published_rules(form):
    """Notes 000 eq. (21) and Dozat's constant-momentum NAdam, restated in NumPy."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for k, g in enumerate(G3):
        t = k + 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vh = v / (1 - b2 ** t)
        first = b1 * m / (1 - b1 ** t) if form == "notes" else b1 * m / (1 - b1 ** (t + 1))
        w = w - lr / np.sqrt(vh + eps) * (first + (1 - b1) * g / (1 - b1 ** t))
    for path in ("exact", "numeric"):
        sol = solve("nadam", {"grads": G3.tolist(), "lr": "0.1"}, {"nadam_form": form}, path=path)
        np.testing.assert_allclose(val(sol, "w"), w, rtol=1e-12)


def test_adadelta_notes_rule():
    """Notes 000 eq. (17), restated in NumPy (lr = 1: w += dw)."""
    rho, eps = 0.9, 1e-6
    w, v, u = np.array([0.5, -1.0]), np.zeros(2), np.zeros(2)
    for g in G3:
        v = rho * v + (1 - rho) * g * g
        dw = -np.sqrt(u + eps) / np.sqrt(v + eps) * g
        w = w + dw
        u = rho * u + (1 - rho) * dw * dw
    sol = solve("adadelta", {"grads": G3.tolist(), "w0": "[0.5, -1]"})
    np.testing.assert_allclose(val(sol, "w"), w, rtol=1e-12)
    np.testing.assert_allclose(val(sol, "u"), u, rtol=1e-12)


def test_adamax_notes_eps_in_denominator():
    lr, b1, b2, eps = 0.5, 0.9, 0.99, 0.1
    w, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for k, g in enumerate(G3):
        m = b1 * m + (1 - b1) * g
        v = np.maximum(b2 * v, np.abs(g))
        w = w - lr / (v + eps) * m / (1 - b1 ** (k + 1))
    for path in ("exact", "numeric"):
        sol = solve("adamax", {"grads": G3.tolist(), "lr": lr, "beta2": b2, "eps": eps}, path=path)
        np.testing.assert_allclose(val(sol, "w"), w, rtol=1e-12)


# ---- the vectorised path on large inputs ---------------------------------------------------------------------
def test_numeric_sgd_separable_quadratic_million_parameters():
    """L = sum w_i^2 applied to 10^6 parameters: each step multiplies w by (1 - 2 lr) (closed form)."""
    w0 = np.linspace(-1, 1, 1_000_000)
    sol = solve("sgd", {"loss": "w**2", "w0": w0, "lr": 0.1, "steps": 5})
    assert sol.path == "numeric" and sol.status == "solved"
    assert sol.answers["loss"].value == pytest.approx(float(np.sum((w0 * 0.8 ** 5) ** 2)), rel=1e-12)
    assert "First entries: (-0.32768, " in [s for s in sol.walk() if s.kind == "conclude"][0].text


def test_numeric_adam_constant_gradient_closed_form():
    """A constant gradient g: m_hat = g and v_hat = g^2 every step, so each step moves by lr g / (|g| + eps)."""
    n, steps, lr, eps = 300_000, 4, 0.01, 1e-8
    g = np.linspace(-2, 2, n)
    fam = registry.get("adam")
    p = fam.validate({"grads": g, "w0": np.zeros(n), "lr": lr, "steps": steps})
    c = O.run_numeric(p, fam.resolve_conventions({"eps_placement": "outside"}), fam.module.METHOD)
    np.testing.assert_allclose(c.w, -steps * lr * g / (np.abs(g) + eps), rtol=1e-12, atol=1e-15)


# ---- input handling ----------------------------------------------------------------------------------------
def test_named_start_values_are_parsed_without_eval():
    spec = O.StartValues()
    v = spec.parse("w=2.5, b=0")
    assert v.names == ("w", "b") and tuple(v) == (sp.Rational(5, 2), 0)
    assert spec.to_text(v) == "w=2.5, b=0"
    for bad in ("w=oops", "w=1, w=2", "__import__('os')=1", "w=1; b"):
        with pytest.raises(Exception) as e:
            spec.parse(bad)
        assert type(e.value).__name__ == "SpecError"


def test_start_values_accept_plain_numbers():
    """Regression: a float history (u0=-0.5 from generate) was refused as 'expected a list of numbers'."""
    assert O.StartValues().parse(-0.5) == (sp.Rational(-1, 2),)
    assert O.StartValues().parse("0.8") == (sp.Rational(4, 5),)


def test_named_values_are_matched_by_name():
    a = solve("nag", {**NAG_EXAM, "w0": "b=0, w=2.5"})
    assert val(a, "lookahead") == [1.78, -0.72]
    loss = solve("momentum", {"loss": "x**2 + 4*y**2", "w0": "y=-2, x=1.5", "lr": "0.1"})
    assert val(loss, "g") == [3.0, -16.0]


@pytest.mark.parametrize("family,params,field", [
    ("nag", {**NAG_EXAM, "w0": "w=2.5, c=0"}, "w0"),
    ("nag", {**NAG_EXAM, "w0": "[1, 2, 3]"}, "w0"),
    ("adam", {"grads": "[[1, 2], [3, 4]]", "w0": "[1, 2, 3]"}, "w0"),
    ("adam", {"grads": "[[1, 2], [3, 4]]", "steps": "5"}, "steps"),
    ("adam", {"grads": "[1, 2, 3]", "w0": "[1, 2]"}, "grads"),
    ("adam", {"loss": "x**2 + y**2", "vars": "x"}, "vars"),
    ("adam", {"x": "1, 2", "y": "1"}, "y"),
    ("adam", {}, "grads"),
    ("adam", {"grads": "[1]", "loss": "x**2"}, "source"),
    ("adam", {"grads": "[1]", "m0": "[1, 2, 3]"}, "m0"),
    ("sgd", {"x": "1", "y": "2", "neuron_loss": "ce"}, "y"),
])
def test_inconsistent_inputs_name_the_field(family, params, field):
    with pytest.raises(InvalidInput) as e:
        solve(family, params)
    assert e.value.field == field and f"'{field}'" in e.value.message


@pytest.mark.parametrize("param", ["lr", "w0", "grads", "beta", "u0", "x"])
def test_cli_bad_value_exits_2_naming_the_parameter(param, capsys):
    from solver.cli import main
    assert main(["solve", "nag", "-p", f"{param}=oops"]) == 2
    msg = capsys.readouterr().err.strip()
    assert len(msg.splitlines()) == 1 and f"'{param}'" in msg


def test_one_row_of_gradients_repeats_and_a_flat_list_is_one_step_for_several_parameters():
    a = solve("sgd", {"grads": "[[1, -2]]", "steps": "3", "lr": "0.5"})
    assert val(a, "w") == [-1.5, 3.0]
    b = solve("sgd", {"grads": "[1, -2]", "w0": "[0, 0]", "lr": "0.5"})
    assert val(b, "w") == [-0.5, 1.0]
    c = solve("sgd", {"grads": "[1, -2]", "lr": "0.5"})   # one parameter, two steps
    assert val(c, "w") == 0.5


def test_zero_denominator_is_a_status_not_an_exception():
    sol = solve("adamax", {"grads": "[0]", "eps": "0"})
    assert sol.status == "undefined"
    assert any(s.title == "Undefined" for s in sol.walk())
    num = solve("adamax", {"grads": "[0]", "eps": "0"}, path="numeric")
    assert num.status == "undefined"


def test_scalar_quantities_stay_scalar_in_the_trace():
    """Regression: NAdam's mu_t was recorded per parameter because unused vector values counted as inputs."""
    sol = solve("nadam", {"grads": G3.tolist()}, {"nadam_form": "torch"})
    assert all(isinstance(r["mu"], float) for r in val(sol, "trace"))


def test_moving_average_is_shared_and_its_in_place_form_agrees():
    from problems import adam, adadelta, momentum, rmsprop
    assert adam.M_RULE == O.moving_average(O.M_PREV, O.G, O.BETA1)
    assert momentum.U_NOTES == O.moving_average(O.U_PREV, O.G, O.BETA, gain=1)
    for decay, gain in ((0.9, 0.1), (0.9, 1.0), (1.0, 1.0)):
        rng = np.random.default_rng(0)
        buf, new = rng.standard_normal(5), rng.standard_normal(5)
        want = decay * buf + gain * new
        O.moving_average_(buf, new, decay, gain, np.empty(5))
        np.testing.assert_allclose(buf, want, rtol=1e-15)
    assert rmsprop.V_RULE.has(O.BETA) and adadelta.U_RULE.has(O.BETA)


# ---- the plot -------------------------------------------------------------------------------------------------
def test_trajectory_svg_is_well_formed_xml():
    sol = solve("momentum", {"loss": "x**2 + 4*y**2", "w0": "[1.5, -2]", "lr": "0.1", "steps": "6"})
    svg = sol.extras["svg"]
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg"
    assert len(root.findall(f"{ns}path")) >= 5           # contour levels
    line = root.find(f"{ns}polyline")
    assert len(line.get("points").split()) == 7          # start + 6 steps
    num = solve("momentum", {"loss": "x**2 + 4*y**2", "w0": "[1.5, -2]", "lr": "0.1", "steps": "6"}, path="numeric")
    ET.fromstring(num.extras["svg"])
    assert "svg" not in solve("sgd", {"grads": "[1, 2]"}).extras  # no loss, no plot


def test_contours_follow_the_loss():
    """Marching squares on x^2 + y^2: every contour vertex lies on its level circle (up to the grid's linear error)."""
    xs = ys = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, ys)
    segs = _segments(X ** 2 + Y ** 2, xs, ys, 1.0)
    pts = np.array([(a, b) for x1, y1, x2, y2 in segs for a, b in ((x1, y1), (x2, y2))])
    assert len(segs) > 20
    np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), 1.0, atol=2e-3)
