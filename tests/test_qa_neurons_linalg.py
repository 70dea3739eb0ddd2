"""Review-and-fix pass over perceptron, mp_neuron, linear_separability, param_count, linear_regression, mle,
sigmoid_neuron, feedforward, comp_graph, eigen, pca and svd: regression tests named after what broke.

Oracles: the worked examples of ../shared/worked-examples.md (by id), numpy (lstsq, inv, cov, eig, svd),
scipy.stats.norm, an explicit construction of notes 000's tower network counted edge by edge here, and plain
geometry written here for the SVG helper. Nothing is compared with an earlier output of the solver.
"""
from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import solver
from solver import registry

stats = pytest.importorskip("scipy.stats")

SVG = "{http://www.w3.org/2000/svg}"


def _walk(steps):
    for s in steps:
        yield s
        yield from _walk(s.children)


def _texts(sol) -> list[str]:
    """Every plain-text line of a solution: titles, prose, formula, substitution and value."""
    out = [sol.statement]
    for s in _walk(sol.steps):
        out += [s.title, s.text] + [m.text for m in (s.formula, s.substituted, s.value) if m is not None]
    return out


def _step(sol, title: str):
    return next(s for s in _walk(sol.steps) if s.title == title)


# ---- perceptron ---------------------------------------------------------------------------------------------
NOTES_PERCEPTRON = dict(X="(-1,2), (0,-1), (2,1)", y="0 1 0", bias=False, classify="(-2,0)")


def test_perceptron_svg_of_the_points_and_boundary_parses_as_xml():
    """WE-perceptron-6: w = (-1, -3), no bias; the plot has the 3 points, the line -x1 - 3 x2 = 0 and the query."""
    sol = solver.solve("perceptron", **NOTES_PERCEPTRON)
    root = ET.fromstring(sol.extras["svg"])
    assert root.tag == SVG + "svg"
    assert sol.extras["svg_title"]
    circles = root.findall(f"{SVG}circle")
    squares = [r for r in root.findall(f"{SVG}rect") if r.get("fill") != "white"]
    # class 1: (0, -1) as a filled circle; class 0: (-1, 2), (2, 1) as squares; the query (-2, 0) as a hollow circle
    assert sum(c.get("fill") != "none" and float(c.get("r")) > 4 for c in circles) == 1
    assert sum(c.get("fill") == "none" for c in circles) == 1
    assert len(squares) >= 2
    assert "-x1 - 3 x2 = 0" in sol.extras["svg"]
    assert root.find(f"{SVG}polygon") is not None  # the side where w.x >= 0


def test_perceptron_boundary_line_lies_on_w_dot_x_zero():
    """The drawn boundary's end points satisfy w0 + w1 x1 + w2 x2 = 0 for the final weights (checked in data units
    by inverting the plot's pixel mapping)."""
    from problems._svg import Plot2D

    fam = registry.get("perceptron")
    for seed in range(5):
        sol = fam.solve(fam.generate(seed))
        w = np.array(sol.answers["w"].value, dtype=float)
        X = np.array(sol.params["X"], dtype=float)
        Q = np.array(sol.params["classify"], dtype=float)
        plot = Plot2D(np.vstack([X, Q]))  # the same view as the family's (bias: the points and the queries)
        root = ET.fromstring(sol.extras["svg"])
        line = next(ln for ln in root.findall(f"{SVG}line") if ln.get("stroke") == "black")
        inner = plot.size - 2 * plot.margin
        for xa, ya in (("x1", "y1"), ("x2", "y2")):
            px, py = float(line.get(xa)), float(line.get(ya))
            x = plot.lo[0] + (px - plot.margin) / inner * plot.span
            y = plot.lo[1] + (plot.size - plot.margin - py) / inner * plot.span
            assert abs(w[0] + w[1] * x + w[2] * y) < 1e-2 * (1 + np.abs(w).sum()) * plot.span


def test_perceptron_svg_on_the_numeric_path_and_none_for_3d_points():
    num = solver.solve("perceptron", path="numeric", **NOTES_PERCEPTRON)
    ET.fromstring(num.extras["svg"])
    three = solver.solve("perceptron", X="(1,0,1), (0,1,1), (1,1,0)", y="1 0 0")
    assert "svg" not in three.extras


def test_perceptron_prediction_formula_text_is_not_a_piecewise():
    """The text line printed 'y_hat = Piecewise((1, w.x >= 0), (0, True))'."""
    sol = solver.solve("perceptron", **NOTES_PERCEPTRON)
    pred = _step(sol, "Prediction").formula
    assert pred.text == "y_hat = 1 if w.x >= 0, else 0"
    assert "Piecewise" not in pred.text and "cases" in pred.latex
    gt = solver.solve("perceptron", conventions={"firing_rule": ">"}, **NOTES_PERCEPTRON)
    assert _step(gt, "Prediction").formula.text == "y_hat = 1 if w.x > 0, else 0"


def test_perceptron_update_formula_text_has_no_extra_parentheses():
    """'w = w + (lr*(y - y_hat))*x' read as if lr (y - y_hat) were a separate factor group."""
    sol = solver.solve("perceptron", **NOTES_PERCEPTRON)
    assert _step(sol, "Update on a mistake").formula.text == "w = w + lr*(y - y_hat)*x"
    first = next(s for s in _walk(sol.steps) if s.kind == "update")
    assert first.substituted.text == "w = (0, 0) + 1*(0 - 1)*(-1, 2)"


def test_perceptron_trace_header_says_x_starts_with_the_bias_input():
    fam = registry.get("perceptron")
    sol = fam.solve(fam.generate(1))
    table = _step(sol, "Training trace").table
    assert table.columns[2].text == "x = (1, x1, ...)"


# ---- mp_neuron, param_count ---------------------------------------------------------------------------------
def test_mp_neuron_statement_with_one_inhibitory_input_is_singular():
    sol = solver.solve("mp_neuron", function="AND", n=3, inhibitory="3")
    assert "Input x₃ is inhibitory." in sol.statement
    two = solver.solve("mp_neuron", function="AND", n=3, inhibitory="2 3")
    assert "Inputs x₂ and x₃ are inhibitory." in two.statement


def test_param_count_statement_reads_one_hidden_layer():
    """WE-param-count-2: 'hidden layers of 4 neurons, and 2 output neurons' for a 3-4-2 network."""
    sol = solver.solve("param_count", layers="3 4 2")
    assert "3 inputs, one hidden layer of 4 neurons and 2 output neurons" in sol.statement
    assert sol.answers["parameters"].value == 26 and sol.answers["weights"].value == 20  # WE-param-count-2
    deep = solver.solve("param_count", layers="10 8 6 4 2", bias=False)
    assert "three hidden layers of 8, 6 and 4 neurons" in deep.statement and "no biases" in deep.statement


def _tower_network(n: int, d: int) -> tuple[int, int, int]:
    """Notes 000's construction built node by node: (neurons, weights, biases), one bias per neuron."""
    edges, neurons = 0, 0
    for _ in range(n):
        if d == 1:
            neurons += 2          # two steps
            edges += 2 * 1        # each sees the one input
            edges += 2            # both feed the output
        else:
            neurons += 2 * d + 1  # 2d walls and a threshold neuron
            edges += 2 * d * d    # each wall sees the d inputs
            edges += 2 * d        # the threshold neuron sees the walls
            edges += 1            # the threshold neuron feeds the output
    neurons += 1                  # the output
    return neurons, edges, neurons


@pytest.mark.parametrize("n,d", [(4, 1), (1, 1), (3, 2), (2, 3)])
def test_param_count_towers_weights_and_biases_are_worked_steps(n, d):
    """The tower counts were one bare line 'weights = 16, biases = 9, P = 25'; now each is formula -> substitution
    -> value, and the counts match the construction built here (WE-param-count-1: 2n + 1 and 5n + 1 neurons)."""
    sol = solver.solve("param_count", structure="towers", towers=n, tower_dim=d)
    neurons, weights, biases = _tower_network(n, d)
    a = {k: v.value for k, v in sol.answers.items()}
    assert (a["neurons"], a["weights"], a["biases"], a["parameters"]) == (neurons, weights, biases, weights + biases)
    assert a["neurons"] == (2 * n + 1 if d == 1 else 5 * n + 1 if d == 2 else a["neurons"])
    for title in ("Hidden neurons", "Weights", "Biases", "Parameters", "Connections"):
        st = _step(sol, title)
        assert st.formula is not None and st.substituted is not None and st.value is not None, title


def test_param_count_generator_gives_exam_sized_networks():
    fam = registry.get("param_count")
    for seed in range(60):
        raw = fam.generate(seed)
        if raw["structure"] == "mlp":
            L = raw["layers"]
            small = all(v <= 8 for v in L)
            typical = L[0] in (4, 10, 64, 784, 3072) and all(v in (16, 32, 64, 100, 128, 256, 500) for v in L[1:-1])
            assert small or typical, L
            assert min(L[1:-1], default=2) >= 2  # no 1-unit bottleneck inside
        else:
            assert 1 <= raw["towers"] <= 10


# ---- linear_regression --------------------------------------------------------------------------------------
def test_linear_regression_fitted_model_never_prints_plus_minus():
    """'y_hat = -2.59869 + 1.7178*x1 + -1.71998*x2'."""
    sol = solver.solve("linear_regression", X="(3,5), (-5,-4), (4,5), (-3,-2), (4,-1)", y="-6 -3 -4 -6 6")
    line = _step(sol, "Least-squares parameters").text
    assert "+ -" not in line and re.search(r"y_hat = -2\.59869 \+ 1\.7178\*x1 - 1\.71998\*x2", line), line
    th, *_ = np.linalg.lstsq(np.c_[np.ones(5), [[3, 5], [-5, -4], [4, 5], [-3, -2], [4, -1]]],
                             np.array([-6, -3, -4, -6, 6.0]), rcond=None)
    np.testing.assert_allclose(sol.answers["theta"].value, th, atol=1e-12)


def test_linear_regression_prose_calls_the_design_matrix_x_as_its_formulas_do():
    """The text lines printed 'X' while the prose and titles said 'X_hat' for the same matrix."""
    sol = solver.solve("linear_regression", X="2 3 5 7 9", y="-0.5 0 1 2 3")  # WE-regression-5
    assert not any("X_hat" in t for t in _texts(sol))
    assert sol.answers["theta"].value == [-1.5, 0.5]


def test_linear_regression_residual_table_is_in_decimals():
    """The table mixed '-5084/841' with '-4.30777'."""
    sol = solver.solve("linear_regression", X="(3,5), (-5,-4), (4,5), (-3,-2), (4,-1)", y="-6 -3 -4 -6 6")
    rows = _step(sol, "Fitted values and residuals").table.rows
    assert not any("/" in cell for row in rows for cell in row)
    assert rows[0][2] == "-6.04518"  # -5084/841


def test_linear_regression_inverse_is_the_adjugate_over_the_determinant():
    """The 3 x 3 inverse printed a mix of fractions (173/841) and decimals; now adj / det with integers, checked with
    numpy.linalg.inv."""
    X = np.array([[3, 5], [-5, -4], [4, 5], [-3, -2], [4, -1]])
    sol = solver.solve("linear_regression", X="(3,5), (-5,-4), (4,5), (-3,-2), (4,-1)", y="-6 -3 -4 -6 6")
    Xh = np.c_[np.ones(5), X]
    G = Xh.T @ Xh
    det = round(np.linalg.det(G))
    adj = np.rint(np.linalg.inv(G) * det).astype(int)
    val = _step(sol, "Inverse").value.text
    assert val.startswith(f"(X^T X)^-1 = (1/{det}) ")
    assert str([int(v) for v in adj[0]]).replace(" ", "") in val.replace(" ", "")  # matrices print as [[...], [...]]
    det2 = _step(sol := solver.solve("linear_regression", X="2 3 5 7 9", y="-0.5 0 1 2 3"), "Is X^T X invertible?")
    assert det2.substituted.text == "det(X^T X) = 5*168 - 26*26" and det2.value.text.endswith("= 164")


def test_linear_regression_generator_has_integer_least_squares_parameters():
    """Exam data: y = X w + e with X^T e = 0, so numpy's lstsq gives integers and the SSE is an integer."""
    fam = registry.get("linear_regression")
    for seed in range(25):
        raw = fam.generate(seed)
        X = np.array(raw["X"], dtype=float)
        Xh = np.c_[np.ones(len(X)), X]
        y = np.array(raw["y"], dtype=float)
        th, *_ = np.linalg.lstsq(Xh, y, rcond=None)
        np.testing.assert_allclose(th, np.round(th), atol=1e-9)
        assert np.all(np.round(th[1:]) != 0)
        sse = ((y - Xh @ th) ** 2).sum()
        assert abs(sse - round(sse)) < 1e-9


# ---- mle ----------------------------------------------------------------------------------------------------
GAUSS = [9, -10, -7, 7, 9, -5, -4]


def test_mle_gaussian_text_parenthesises_substituted_fractions():
    """The text read 'd2l/dmu2 = (-7)/2806/49' (= -7/(2806*49)) and 'sigma2**2' as '2806/49**2'; the values are
    -N/sigma^2 and -N/(2 sigma^4) at the MLE, checked with scipy.stats.norm.fit."""
    sol = solver.solve("mle", distribution="gaussian", data=GAUSS)
    mu, sd = stats.norm.fit(GAUSS)
    assert _step(sol, "In mu").substituted.text == "d2l/dmu2 = (-7)/(2806/49)"
    assert "(2806/49)**2" in _step(sol, "In sigma^2").substituted.text
    assert _step(sol, "Standard deviation").substituted.text == "sigma_hat = sqrt(2806/49)"
    assert float(_step(sol, "In mu").value.text.split("= ")[-1]) == pytest.approx(-7 / sd ** 2, rel=1e-5)
    np.testing.assert_allclose([sol.answers["mu_hat"].value, sol.answers["sigma_hat"].value], [mu, sd], rtol=1e-12)
    assert sol.answers["log_likelihood_max"].value == pytest.approx(stats.norm.logpdf(GAUSS, mu, sd).sum(), rel=1e-12)


def test_mle_gaussian_sum_and_squared_deviations_are_written_out():
    """Q = 2806/7 appeared with no substitution; now sum x_i^2 - N mu^2 = 401 - 1/7 (a fractional mean)."""
    sol = solver.solve("mle", distribution="gaussian", data=GAUSS)
    q = _step(sol, "Sum of squared deviations at mu_hat")
    assert "401 - 1/7" in q.substituted.text and q.value.text == "Q = 2806/7"
    assert _step(sol, "Sum of the values").substituted.text == "sum(x_i) = 9 + (-10) + (-7) + 7 + 9 + (-5) + (-4)"
    whole = solver.solve("mle", distribution="gaussian", data="2 4 4 4 5 5 7 9")
    assert _step(whole, "Sum of squared deviations at mu_hat").substituted.text.startswith("Q = (2 - 5)^2 + (4 - 5)^2")
    assert whole.answers["sigma_hat"].value == 2


def test_mle_gaussian_unbiased_convention_variance_is_a_worked_step():
    sol = solver.solve("mle", conventions={"ddof": "n-1"}, distribution="gaussian", data="2 4 4 4 5 5 7 9")
    st = _step(sol, "Variance estimate (convention: divide by N - 1)")
    assert st.substituted is not None
    assert sol.answers["var_hat"].value == pytest.approx(np.var([2, 4, 4, 4, 5, 5, 7, 9], ddof=1), rel=1e-12)


def test_mle_generator_gaussian_samples_have_an_integer_mean():
    fam = registry.get("mle")
    seen = 0
    for seed in range(40):
        raw = fam.generate(seed)
        if raw["distribution"] == "gaussian":
            seen += 1
            x = np.array(raw["data"], dtype=float)
            assert x.mean() == round(x.mean()) and round(np.var(x) * 100, 6) == round(np.var(x) * 100)
    assert seen


# ---- sigmoid_neuron, feedforward, comp_graph ------------------------------------------------------------------
def test_sigmoid_neuron_loss_title_is_lower_case_after_the_colon():
    sol = solver.solve("sigmoid_neuron", x="0", y="1", w="2", b="1", eta="10")  # WE-sigmoid-neuron-gd-1
    assert any(s.title == "Loss: squared error with 1/2" for s in sol.steps)
    assert sol.answers["new_loss"].value == pytest.approx(0.01587, abs=5e-6)


def test_feedforward_generator_never_prints_negative_zero():
    """np.round left -0.0 in weights, biases and targets ('b2 = (-0)')."""
    fam = registry.get("feedforward")
    for seed in range(150):
        raw = fam.generate(seed)
        assert "-0.0" not in json.dumps(raw)
        assert raw["layers"]
        for layer in raw["layers"]:
            assert all(any(v != 0 for v in row) for row in layer["W"])


def test_comp_graph_forward_steps_write_gates_as_the_graph_table_does():
    """The table said 'n4 = n3 + w2' and the forward step 'n4 = w2 + n3' (SymPy re-sorted the operands)."""
    sol = solver.solve("comp_graph", expr="1/(1 + exp(-(w0*x0 + w1*x1 + w2)))",
                       values="w0=0.3, x0=-1.2, w1=0.8, x1=0.5, w2=-0.1")  # WE-backprop-graph-1
    table = {r[0]: r[3] for r in _step(sol, "The computational graph").table.rows if r[3]}
    forward = {s.title.split(":")[0]: s.formula.text for s in _step(sol, "Forward pass").children}
    assert table == forward
    assert table["n4"] == "n4 = n3 + w2"
    assert sol.answers["grad_w0"].value == pytest.approx(-0.29973016, abs=1e-8)  # WE-backprop-graph-1


def test_comp_graph_local_derivative_of_a_power_is_simplified():
    sol = solver.solve("comp_graph", expr="x**3 + 2*x", values="x=0.5")
    locs = [s.formula.text for s in _step(sol, "Local gradients").children]
    assert "dn1/dx = 3*x**2" in locs and not any("- 1)" in t for t in locs)
    assert sol.answers["grad_x"].value == pytest.approx(3 * 0.25 + 2, abs=1e-12)


def test_comp_graph_generator_has_no_gate_of_constants_only():
    """'b - exp(w) / sigmoid(3)', '2 * x * sin(w) * 2 * exp(1)', 'log(1 + 3**3**2)' put constant-only gates in the graph."""
    fam = registry.get("comp_graph")
    for seed in range(40):
        expr = fam.generate(seed)["expr"]
        assert not re.search(r"\b(exp|sin|cos|tanh|sigmoid|log)\(\d+\)", expr), expr
        assert not re.search(r"\d\*\*\d+\*\*", expr) and not re.search(r"(?<![\w.])\d+ [*/+-] \d+(?![\w.])", expr), expr


def test_repeated_solves_reuse_the_memoised_derivative_and_displays():
    """Performance: the symbolic check differentiates a typed expression once, the linear-algebra exact values are
    simplified once (the example on a warm server was over 50 ms); displays are memoised in solver.format."""
    import problems._linalg as L
    import problems.comp_graph as cg

    ex = dict(expr="1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", values="w0=0.3, x0=-1.2, w1=0.8, x1=0.5, w2=-0.1")
    solver.solve("comp_graph", **ex)
    hits = cg._derivative.cache_info().hits
    solver.solve("comp_graph", **ex)
    assert cg._derivative.cache_info().hits >= hits + 5
    solver.solve("pca", X="4 8 13 7; 11 4 5 14", layout="features-rows")
    before = L.tame.cache_info().hits
    solver.solve("pca", X="4 8 13 7; 11 4 5 14", layout="features-rows")
    assert L.tame.cache_info().hits > before


# ---- eigen, pca, svd --------------------------------------------------------------------------------------------
def test_pca_generator_gives_two_features_and_half_integer_covariance():
    """3-feature instances had a cubic with no rational root (eigenvalues only numerically); now 2 features and a
    covariance of halves (numpy.cov)."""
    fam = registry.get("pca")
    for seed in range(15):
        raw = fam.generate(seed)
        X = np.array(raw["X"], dtype=float)
        assert X.shape[1] == 2
        C = np.cov(X.T)
        np.testing.assert_allclose(2 * C, np.round(2 * C), atol=1e-9)


def test_eigen_generator_3x3_matrices_have_an_integer_eigenvalue():
    fam = registry.get("eigen")
    n3 = 0
    for seed in range(60):
        A = np.array(fam.generate(seed)["A"], dtype=float)
        w = np.linalg.eigvals(A)
        assert np.all(np.abs(w.imag) < 1e-9)
        if A.shape == (3, 3):
            n3 += 1
            assert np.any(np.abs(w.real - np.round(w.real)) < 1e-7)
    assert n3


def test_svd_generator_gram_matrix_is_2x2():
    fam = registry.get("svd")
    for seed in range(30):
        A = np.array(fam.generate(seed)["A"], dtype=float)
        assert min(A.shape) == 2 and max(A.shape) <= 3
        s = np.linalg.svd(A, compute_uv=False)
        assert s.min() > 0.3


def test_pca_svg_still_parses_after_moving_to_the_shared_helper():
    sol = solver.solve("pca", X="4 8 13 7; 11 4 5 14", layout="features-rows")  # WE-pca-1
    root = ET.fromstring(sol.extras["svg"])
    assert len([c for c in root.findall(f"{SVG}circle") if c.get("fill") == "black"]) == 4
    np.testing.assert_allclose(sol.answers["cov"].value, np.cov(np.array([[4, 8, 13, 7], [11, 4, 5, 14]])), atol=1e-12)


# ---- the SVG helper ----------------------------------------------------------------------------------------------
def test_svg_helper_clips_lines_and_half_planes_to_the_view():
    from problems._svg import Plot2D

    plot = Plot2D([[0, 0], [10, 10]], pad=0)
    assert plot.box == (0.0, 0.0, 10.0, 10.0)
    seg = plot.clip_line(1, -1, 0)  # y = x: the diagonal
    assert sorted(seg) == [(0.0, 0.0), (10.0, 10.0)]
    assert plot.clip_line(1, 0, -20) is None and plot.clip_line(0, 0, 1) is None
    half = plot.half_plane(1, 0, -5)  # x >= 5: the right half, area 50
    xs, ys = np.array(half).T
    area = 0.5 * abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1)))
    assert area == pytest.approx(50) and min(xs) == pytest.approx(5)
    plot.text((1, 1), "a < b & c")
    assert "a &lt; b &amp; c" in plot.svg()
    ET.fromstring(plot.svg())
    assert math.isclose(plot.tx((0, 0))[0], plot.margin)


# ---- wording found on the second pass -------------------------------------------------------------------------
def test_linear_separability_statement_of_a_truth_table_does_not_say_the_function_twice():
    """'the 2-input boolean function the function with truth table (0, 1, 1, 0)' (XOR: WE-perceptron-7)."""
    sol = solver.solve("linear_separability", function="0 1 1 0")
    assert "the 2-input boolean function with truth table (0, 1, 1, 0)" in sol.statement
    assert sol.answers["separable"].value is False
    assert _step(sol, "The function").text.startswith("The function with truth table")


def test_feedforward_value_lines_never_read_equals_approx():
    """The web page showed 'L = ≈ 0.298806' (LaTeX 'L = \\approx ...'); and 'softmax((0.37, 0.14))' in the text."""
    sol = solver.solve("feedforward", x="1 0.5 -1", y="0 1", W1="0.2 -0.1 0.4; 0.5 0.3 -0.2; -0.3 0.8 0.1; 0.1 0.2 0.3",
                       b1="0.1 -0.1 0.2 0", act1="sigmoid", W2="0.3 -0.2 0.5 0.1; -0.4 0.6 0.2 -0.3", b2="0.05 -0.05",
                       act2="softmax", loss="ce", eta="0.5")
    for s in _walk(sol.steps):
        if s.value is not None:
            assert "= \\approx" not in s.value.latex, s.title
        for m in (s.substituted, s.value):
            if m is not None:
                assert "((" not in m.text.replace("-((", ""), (s.title, m.text)
    # the loss: cross-entropy of torch-free softmax, computed here with numpy
    W1 = np.array([[0.2, -0.1, 0.4], [0.5, 0.3, -0.2], [-0.3, 0.8, 0.1], [0.1, 0.2, 0.3]])
    W2 = np.array([[0.3, -0.2, 0.5, 0.1], [-0.4, 0.6, 0.2, -0.3]])
    h1 = 1 / (1 + np.exp(-(W1 @ [1, 0.5, -1] + [0.1, -0.1, 0.2, 0])))
    a2 = W2 @ h1 + [0.05, -0.05]
    assert sol.answers["loss"].value == pytest.approx(-np.log(np.exp(a2[1]) / np.exp(a2).sum()), rel=1e-12)


# ---- hostile input (tests/test_fuzz.py's classics): InvalidInput naming the field, never a traceback --------------
def _invalid(family: str, **params) -> str:
    with pytest.raises(solver.InvalidInput) as e:
        solver.solve(family, **params)
    return e.value.field


def test_truth_table_of_ten_megabytes_is_refused_at_once():
    """A 10 MB '1 1 1 ...' took 2.5 s of CPU in mp_neuron and linear_separability before failing."""
    import time

    start = time.thread_time()
    assert _invalid("mp_neuron", function="1 " * 5_000_000) == "function"
    assert _invalid("linear_separability", function=[1] * (2 ** 17)) == "function"
    assert time.thread_time() - start < 1.0


def test_truth_table_holding_infinity_is_invalid_input():
    """[inf, 1] raised OverflowError (int(inf)) in problems/_boolean.py."""
    assert _invalid("mp_neuron", function=[math.inf, 1]) == "function"
    assert _invalid("linear_separability", function=[math.nan, 1, 0, 1]) == "function"


def test_mle_bernoulli_message_for_a_value_too_large_for_a_float():
    """'1e400' made the error message itself raise OverflowError (float(10**400))."""
    assert _invalid("mle", distribution="bernoulli", data="1e400") == "data"


def test_param_count_layer_sizes_are_bounded():
    """Layer sizes of 1e308 overflowed int64 on the numeric path."""
    assert _invalid("param_count", layers=np.array([1e308, 1e308])) == "layers"
    ok = solver.solve("param_count", layers=np.array([10 ** 9, 10 ** 9]))
    assert ok.answers["parameters"].value == 10 ** 18 + 10 ** 9  # Python integers: exact


def test_perceptron_entries_and_learning_rate_are_bounded():
    """w0 = (1e308, 1e308) overflowed to inf on the numeric path; the plot's arithmetic overflowed on 1e50."""
    assert _invalid("perceptron", X=np.array([[1.0, 2.0], [0.0, -1.0]]), y=[0, 1], bias=False,
                    w0=np.array([1e308, 1e308])) == "w0"
    assert _invalid("perceptron", X="(1,2), (0,-1)", y="0 1", bias=False, classify="(1e50, 1)") == "classify"
    assert _invalid("perceptron", X="(1,2), (0,-1)", y="0 1", lr="1e9") == "lr"


def test_pca_entries_are_bounded():
    """A sample of 1e50 beside samples of 2 and 4 gave a 'reconstruction' of -1073741824 (40 digits cannot hold both)."""
    assert _invalid("pca", X="[[1e50, 1], [2, 3], [4, 7]]") == "X"
    assert _invalid("pca", X=np.array([[1e308, 1.0], [2.0, 3.0], [4.0, 7.0]])) == "X"
