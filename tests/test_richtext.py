"""Statements as rich text with maths (solver.richtext): Unicode for terminals, LaTeX for papers, MathML on the web."""
from __future__ import annotations

import sympy as sp

import solver
from solver.richtext import Eq, Rich, unicode, unicode_name
from solver.steps import Solution
from solver.symbolic import sym


def test_unicode_names_and_expressions():
    assert unicode_name("beta1") == "β₁"
    assert unicode_name("m_hat") == "m̂"
    assert unicode_name("eta") == "η"
    assert unicode_name("w_0") == "w₀"
    assert unicode_name("lr") == "lr"
    x, y = sp.symbols("x y")
    assert unicode(x ** 2 + 10 * y ** 2) == "x² + 10y²"
    assert unicode(sp.sqrt(sp.Symbol("v_hat")) + sp.Symbol("epsilon")) == "ε + √v̂"  # (SymPy orders the sum)


def test_rich_statement_in_every_spelling():
    x, y = sp.symbols("x y")
    beta1 = sym("beta1", r"\beta_1")
    r = Rich("Minimise ", Eq(sp.Function("f")(x, y), x ** 2 + 10 * y ** 2), " with ", Eq(beta1, sp.Rational(9, 10)), ".")
    assert r.text() == "Minimise f(x, y) = x² + 10y² with β₁ = 0.9."
    assert r.latex() == r"Minimise \(f{\left(x,y \right)} = x^{2} + 10 y^{2}\) with \(\beta_1 = 0.9\)."
    assert r.markdown().count("$") == 4
    assert Rich.from_json(r.to_json()) == r


def test_a_solution_carries_its_rich_statement_through_json():
    sol = solver.family("perceptron").solve_example()
    again = Solution.from_json(sol.to_json())
    assert again.rich_statement == sol.rich_statement and again.statement == sol.statement


def test_an_expression_as_typed_prints_without_the_parsers_unit_factors():
    """Regression: comp_graph's statement printed 1/(1 + e^-z) as "1 \\frac{1}{1 + e^{-z}}" (the parser keeps
    1/u as Mul(1, Pow(u, -1)) unevaluated) and max as Max."""
    from solver import registry

    fam = registry.get("comp_graph")
    st = fam.statement(fam.validate({"expr": "1/(1 + exp(-(w0*x0 + w1*x1))) + max(x0, x1)", "values": "w0=1, x0=2, "
                                     "w1=3, x1=4"}))
    assert isinstance(st, Rich)
    assert r"f = \frac{1}{1 + e^{- (w_{0} x_{0} + w_{1} x_{1})}} + \max\left(x_{0}, x_{1}\right)" in st.latex()
    assert "f = 1/(1 + exp(-(w₀·x₀ + w₁·x₁))) + max(x₀, x₁)" in st.text()
    assert r"\(w_{0} = 1\)" in st.latex()


# ---- every family's statement is rich text with its maths typeset ------------------------------------------------
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from solver import registry  # noqa: E402

#: ASCII maths that a typeset statement spells otherwise (ŷ, θ₁, α = 0.01, ≤, x², √, ‖w‖, ε, f′(x), nᵢₙ): each was in
#: the prose of a statement before it was typeset (linear_regression's y_hat = intercept + theta1*x, regularization's
#: alpha =, ||w|| <= 1 and epsilon =, activation's f'(x), init's 1/n_in, ensemble's c_is=correlation)
ASCII_MATHS = ("_hat", "theta1", "theta0", "alpha =", "beta1", "epsilon =", "<=", "**", "sqrt(", "||w||", "f'(",
               "n_in", "n_out", "=correlation")


def _generated(fam, count: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield fam.validate(fam.module.generate(rng))


@pytest.mark.parametrize("name", registry.names())
def test_every_statement_is_rich_with_no_ascii_maths_in_it(name):
    """A family's statement of its worked example and of generated instances is Rich, and its prose spells no maths in
    ASCII (regression: seven families returned str with y_hat = intercept + theta1*x, alpha =, ||w|| <= 1, f'(x),
    1/n_in and 32 x 32 x 3 in the prose)."""
    fam = registry.get(name)
    instances = [fam.validate(dict(fam.example.params))]
    if getattr(fam.module, "generate", None) is not None:
        instances += list(_generated(fam, 20))
    for p in instances:
        st = fam.statement(p)
        assert isinstance(st, Rich), f"{name}: the statement is a {type(st).__name__}, not Rich: {st}"
        prose = "".join(part for part in st.parts if isinstance(part, str))
        found = [t for t in ASCII_MATHS if t in prose]
        assert not found, f"{name}: {found} in the prose of {st.text()}"


def test_the_ensemble_statement_follows_the_meaning_of_c_and_is_read_back_with_it():
    """Regression: the statement named the convention ("under the c_is=correlation convention"); under the correlation
    convention it now states a correlation coefficient ρ with the limits ρ = 0 and ρ = 1, and the reader reads the
    value and the convention back."""
    from solver.reading import read

    fam = registry.get("ensemble")
    p = fam.validate(dict(fam.example.params))
    cov, corr = fam.statement(p).text(), fam.statement(p, {"c_is": "correlation"}).text()
    assert "covariance C = 0.3" in cov and "(C = 0)" in cov and "(C = V)" in cov
    assert "correlation coefficient ρ = 0.3" in corr and "(ρ = 0)" in corr and "(ρ = 1)" in corr
    assert "c_is" not in cov + corr
    r = read(fam.statement(p, {"c_is": "correlation"}))
    assert r.family == "ensemble" and r.fields["C"].value == "0.3" and r.conventions["c_is"].value == "correlation"


def test_the_linear_regression_model_names_the_intercept_where_the_convention_puts_it():
    """ŷ = θ₀ + θ₁x with the intercept first (the course notes), ŷ = θ₁x + b with it last (the handwritten notes'
    x̂ = [x, 1]), so that θ = (0.45, 0.75) in the question means what the solution takes it to mean; the reader reads
    the convention back from the model."""
    from solver.reading import read

    fam = registry.get("linear_regression")
    p = fam.validate({"X": "2 3 5 7 9", "y": "-0.5 0 1 2 3", "method": "gd", "theta": "0.45 0.75", "lr": "0.01"})
    first, last = fam.statement(p), fam.statement(p, {"intercept_position": "last"})
    assert "Model: ŷ = θ₀ + θ₁x (θ₀ the intercept)." in first.text()
    assert r"\hat{y} = \theta_{0} + \theta_{1} x" in first.latex()
    assert "Model: ŷ = θ₁x + b (b the intercept)." in last.text()
    for st, position in ((first, "first"), (last, "last")):
        r = read(st)
        assert r.family == "linear_regression" and r.fields["theta"].value == "[0.45, 0.75]"
        assert r.conventions["intercept_position"].value == position
    two = fam.validate({"X": "1 2; 3 4; 5 7", "y": "1 2 3", "intercept": "false"})
    assert "ŷ = θ₁x₁ + θ₂x₂ (no intercept)" in fam.statement(two).text()


def test_the_regularization_statement_is_read_back_with_its_max_norm():
    """Regression: "Apply a max-norm constraint ||w|| <= 1" left max_norm unread; the typeset statement says the max
    norm in words the reader knows, with the constraint ‖w‖ ≤ 1 as maths."""
    from solver.reading import read

    fam = registry.get("regularization")
    st = fam.statement(fam.validate(dict(fam.example.params)))
    assert "Apply a max norm of 1: the constraint ‖w‖ ≤ 1." in st.text()
    assert r"\lVert w \rVert \le 1" in st.latex()
    r = read(st)
    assert {k: f.value for k, f in r.fields.items()} == {
        "w": "[0.5, -1.2, 2]", "grad": "[0.1, 0.3, -0.2]", "lr": "0.1", "alpha": "0.01",
        "eigenvalues": "[1, 0.01, 0.0001]", "max_norm": "1", "classes": "10", "smoothing": "0.1", "target": "1"}


def test_a_pooling_statement_is_read_back_with_its_window_size():
    """Regression: "a 3 x 3 pooling layer with stride 2" left the pooling size unread (missing), so the reader could not
    answer the question it had printed; the statement now says "a pooling layer with a 3 × 3 window"."""
    from solver.reading import read

    fam = registry.get("conv_shape")
    p = fam.validate({"input": "32 32 3", "kind": "pool", "size": "3", "stride": "2", "pad": "1"})
    st = fam.statement(p)
    assert st.text() == ("A 32 × 32 × 3 input goes through a pooling layer with a 3 × 3 window, stride S = 2 and padding "
                         "P = 1. What is the output volume?")
    r = read(st)
    assert r.family == "conv_shape" and not r.missing
    assert {k: r.fields[k].value for k in ("input", "kind", "size", "stride", "pad")} == {
        "input": "32 32 3", "kind": "pool", "size": "3", "stride": "2", "pad": "1"}


def test_an_init_statement_is_read_back_with_its_layer_sizes_gain_and_slope():
    """Regression: "layer sizes 784 -> 256 -> 10" left the sizes unread; "784, 256 and 10" is read, and the rules are
    typeset (1/nᵢₙ, 2/(nᵢₙ + nₒᵤₜ), U(−b, b))."""
    from solver.reading import read

    fam = registry.get("init")
    p = fam.validate({"layers": "784 256 10", "gain": "2", "negative_slope": "0.1"})
    st = fam.statement(p)
    assert st.text().startswith("A fully connected network has layer sizes 784, 256 and 10. For each layer give the "
                                "weight variance under the 1/nᵢₙ, 1/nₒᵤₜ and Xavier/Glorot 2/(nᵢₙ + nₒᵤₜ) rules (Glorot "
                                "gain 2) and under He initialisation for a leaky ReLU with negative slope 0.1")
    assert r"U(-b, b)" in st.latex() and r"2/(n_{\mathrm{in}} + n_{\mathrm{out}})" in st.latex()
    r = read(st)
    assert r.family == "init"
    assert {k: f.value for k, f in r.fields.items()} == {"layers": "[784, 256, 10]", "gain": "2", "negative_slope": "0.1"}


def test_an_activation_statement_typesets_its_maths_and_reads_back_prelu():
    """f′(x), the points and the plot interval are maths; PReLU is named so that the reader reads PReLU (regression:
    "the parametric ReLU activation" read as ReLU)."""
    from solver.reading import read

    fam = registry.get("activation")
    st = fam.statement(fam.validate({"function": "prelu", "alpha": "0.2", "x": "0 3 5"}))
    assert st.text() == ("For the PReLU (parametric ReLU) activation with α = 0.2, derive f′(x) and give f(x) and f′(x) "
                         "at x = (0, 3, 5). Sketch f and f′ on [-5, 5].")
    assert r"\(f'(x)\)" in st.latex() and r"\([-5, 5]\)" in st.latex()
    r = read(st)
    assert (r.fields["function"].value, r.fields["alpha"].value) == ("prelu", "0.2")


def test_a_linear_regression_level_question_is_read_back_with_its_level():
    """Regression: "At which x does the fitted line reach 0.5?" left the level unread; "reach the level 0.5" is read."""
    from solver.reading import read

    fam = registry.get("linear_regression")
    st = fam.statement(fam.validate({"X": "2 3 5 7 9", "y": "-0.5 0 1 2 3", "level": "0.5"}))
    assert st.text().endswith("At which x does the fitted line reach the level 0.5?")
    assert read(st).fields["level"].value == "0.5"
