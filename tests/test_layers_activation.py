"""activation: values and derivatives against torch fixtures (torch.nn.functional + autograd, float64), the
notes' worked examples (WE-activation-1..9) and SymPy checks of the derivative identities."""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from problems import activation as A
from solver import registry
from solver.functions import sigmoid

FIX = json.loads((Path(__file__).parent / "fixtures" / "torch_layers.json").read_text())["activation"]


def solve(params, conv=None, path="auto"):
    return registry.get("activation").solve(params, conv or {}, path=path)


def val(sol, name):
    return np.array(sol.answers[name].numeric_value(), dtype=float)


def _params(case):
    p = {"function": case["function"], "x": case["x"]}
    if "alpha" in case["params"]:
        p["alpha"] = repr(case["params"]["alpha"])
    if "beta" in case["params"]:
        p["beta"] = repr(case["params"]["beta"])
    if "pieces" in case["params"]:
        p["pieces"] = case["params"]["pieces"]
    return p


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("case", FIX, ids=lambda c: c["key"])
def test_values_and_derivatives_match_torch(case, path):
    """torch's values and autograd derivatives, kinks included (relu'(0) = 0, relu6'(6) = 0, maxout's first piece)."""
    sol = solve(_params(case), {"kink": "torch"}, path=path)
    rtol = 1e-12 if path == "exact" else 1e-11
    np.testing.assert_allclose(val(sol, "values"), case["value"], rtol=rtol, atol=1e-13)
    np.testing.assert_allclose(val(sol, "derivatives"), case["derivative"], rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("name", sorted(A.IDENTITIES))
def test_textbook_identities_equal_sympys_derivative(name):
    diff = (A.DERIVS[name] - A.IDENTITIES[name][0]).rewrite(sp.exp)
    assert sp.simplify(diff) == 0


def test_we_activation_8_swish_identity():
    """WE-activation-8: f = x sigma(x) has f' = f + sigma(x)(1 - f) (sympy, and numerically on [-6, 6])."""
    x = sp.Symbol("x", real=True)
    f = x * sigmoid(x)
    assert sp.simplify((sp.diff(f, x) - (f + sigmoid(x) * (1 - f))).rewrite(sp.exp)) == 0
    grid = np.linspace(-6, 6, 241)
    sol = solve({"function": "swish", "x": grid}, path="numeric")
    fv, dv = val(sol, "values"), val(sol, "derivatives")
    s = 1 / (1 + np.exp(-grid))
    assert np.max(np.abs(dv - (fv + s * (1 - fv)))) < 1e-15


def test_we_activation_1_maxout_envelope():
    """WE-activation-1: maxout over (0.5x, -0.5x, x, -x - 0.2): f(-0.4) = 0.2, f(-1) = 0.8, f(1) = 1; 0.5x never wins."""
    sol = solve({"function": "maxout", "x": "-1 -0.4 1"})
    np.testing.assert_allclose(val(sol, "values"), [0.8, 0.2, 1.0])
    env = next(s.text for s in sol.walk() if s.title == "Envelope")
    assert "x for x >= 0" in env and "-0.5x for -0.4 <= x <= 0" in env and "-x - 0.2 for x <= -0.4" in env
    assert "never the maximum: 0.5x" in env
    relu = solve({"function": "maxout", "x": "-2 3", "pieces": "0 0; 1 0"})
    np.testing.assert_allclose(val(relu, "values"), [0, 3])


def test_we_activation_2_gelu_sigmoid_approximation_error():
    """WE-activation-2: max |x Phi(x) - x sigma(1.702 x)| = 0.02033 near x = -2.27."""
    grid = np.linspace(-6, 6, 24001)
    exact = val(solve({"function": "gelu", "x": grid}, path="numeric"), "max_value")  # summarised: too many to list
    assert exact == pytest.approx(6 * 0.5 * (1 + math.erf(6 / math.sqrt(2))), rel=1e-12)
    small = np.linspace(-4, 0, 4001)
    g = val(solve({"function": "gelu", "x": small}, path="numeric"), "values")
    s = val(solve({"function": "gelu_sigmoid", "x": small}, path="numeric"), "values")
    i = int(np.argmax(np.abs(g - s)))
    assert abs(g - s)[i] == pytest.approx(0.02033, abs=5e-5) and small[i] == pytest.approx(-2.27, abs=0.01)


def test_we_activation_3_saturation_slopes():
    """WE-activation-3: sigma'(3) = 0.04518, sigma'(5) = 0.006648; tanh'(2) = 0.07065, tanh'(3) = 0.009866."""
    np.testing.assert_allclose(val(solve({"function": "sigmoid", "x": "3 5"}), "derivatives"), [0.04517666, 0.00664806],
                               rtol=1e-6)
    np.testing.assert_allclose(val(solve({"function": "tanh", "x": "2 3"}), "derivatives"), [0.07065082, 0.00986604],
                               rtol=1e-6)


def test_we_activation_4_sigmoid_slope_at_zero_is_a_quarter():
    """WE-activation-4: sigma'(0) = 0.25 (notes 001 claim about 1)."""
    sol = solve({"function": "sigmoid", "x": "0"})
    assert val(sol, "derivatives")[0] == 0.25
    assert any("'d sigma/dx ~ 1 at x = 0'" in s.text for s in sol.walk())


def test_we_activation_5_and_9_tanh_is_2_sigma_2x_minus_1():
    """WE-activation-9/5: tanh(1) = 0.761594 = 2 sigma(2) - 1, while the notes' 2 sigma(1) - 1 = 0.462117."""
    sol = solve({"function": "tanh", "x": "1"})
    assert val(sol, "values")[0] == pytest.approx(math.tanh(1), rel=1e-15)
    assert val(sol, "via_sigmoid")[0] == pytest.approx(math.tanh(1), rel=1e-15)
    assert val(sol, "derivatives")[0] == pytest.approx(0.419974, abs=1e-6)
    wrong = next(s for s in sol.walk() if s.title.startswith("Not 2 sigma(x) - 1"))
    assert "0.462117" in wrong.value.text
    remark = " ".join(s.text for s in sol.walk() if s.title == "Where the course notes slipped")
    assert "2 sigma(x) - 1" in remark and "2 sigma(2x) - 1" in remark


def test_we_activation_6_softplus_derivative_is_sigmoid():
    """WE-activation-6: S'(0.7) = sigma(0.7) = 0.66818777."""
    sol = solve({"function": "softplus", "x": "0.7"})
    assert val(sol, "derivatives")[0] == pytest.approx(0.66818777, abs=1e-8)


def test_we_activation_7_sigmoid_of_200():
    """WE-activation-7: 1 - sigma(200) = sigma(-200) = 1.384e-87."""
    sol = solve({"function": "sigmoid", "x": "-200 200"})
    v = val(sol, "values")
    assert v[0] == pytest.approx(1.384e-87, rel=1e-3) and v[1] == 1.0


def test_kink_conventions_left_and_right():
    for side, want in (("left", [0.0, 1.0]), ("right", [1.0, 0.0]), ("torch", [0.0, 0.0])):
        for path in ("exact", "numeric"):
            sol = solve({"function": "relu6", "x": "0 6"}, {"kink": side}, path=path)
            np.testing.assert_array_equal(val(sol, "derivatives"), want)
    sol = solve({"function": "leaky_relu", "x": "0", "alpha": "0.1"}, {"kink": "right"})
    assert val(sol, "derivatives")[0] == 1.0


def test_numeric_path_is_vectorised_and_overflow_free():
    x = np.linspace(-1000, 1000, 2_000_001)
    for fn in ("sigmoid", "softplus", "elu", "selu", "swish", "tanh"):
        sol = solve({"function": fn, "x": x})  # pytest turns overflow warnings into errors
        assert sol.path == "numeric"
        assert np.isfinite(val(sol, "max_value"))


def test_svg_plot_is_well_formed():
    sol = solve({"function": "gelu", "x": "-1 0 1"})
    root = ET.fromstring(sol.extras["svg"])
    assert root.tag.endswith("svg")
    lines = [e for e in root.iter() if e.tag.endswith("polyline")]
    assert len(lines) == 2  # f and f'
    step = solve({"function": "relu", "x": "1", "plot_range": "-2 2"}, path="numeric")
    ET.fromstring(step.extras["svg"])


def test_leaky_relu_default_slope_is_torchs_and_notes_000_slope_is_a_parameter():
    assert val(solve({"function": "leaky_relu", "x": "-1"}), "values")[0] == pytest.approx(-0.01)
    assert val(solve({"function": "leaky_relu", "x": "-1", "alpha": "0.1"}), "values")[0] == pytest.approx(-0.1)
