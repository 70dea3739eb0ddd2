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
