"""Issue 14 item 3: arithmetic in numeric fields as exams write it (1-0.3, 2/3, sqrt(2), 1e-3*5), through the safe
expression parser (solver.parse.parse_expr: no eval, no sympify), in number, vector and matrix fields. Oracles are
closed forms written here (fractions.Fraction, math)."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import solver
from solver import parse as P
from solver.params import InvalidInput


@pytest.mark.parametrize("text, want", [("1-0.3", Fraction(7, 10)), ("2/3", Fraction(2, 3)), ("1e-3*5", Fraction(1, 200)),
                                        ("(1 + 2) / 4", Fraction(3, 4)), ("2^-3", Fraction(1, 8)), ("−0.5 + 1", Fraction(1, 2))])
def test_rational_arithmetic_stays_exact(text, want):
    v = P.parse_arithmetic(text)
    assert v.is_Rational and Fraction(int(v.p), int(v.q)) == want


@pytest.mark.parametrize("text, want", [("sqrt(2)", math.sqrt(2)), ("pi/4", math.pi / 4), ("ln(2)", math.log(2)),
                                        ("1/(1 + e^2)", 1 / (1 + math.e ** 2)), ("exp(-1)", math.exp(-1))])
def test_irrational_values_to_thirty_figures(text, want):
    v = P.parse_arithmetic(text)
    assert v.is_Rational and abs(float(v) - want) < 1e-15
    assert abs(v - sp.N(sp.sympify(text.replace("^", "**").replace("ln", "log"), locals={"e": sp.E}), 40)) < 1e-28


def test_a_solve_takes_arithmetic_in_number_vector_and_matrix_fields():
    """sgd on x² from w0 = 1 - 0.3 with lr = (2/3)·0.1: w1 = w0 - lr·2·w0 = 0.7·(1 - 2/15) (closed form)."""
    sol = solver.solve("sgd", loss="x**2", w0="1-0.3", lr="2/3*0.1", steps="1")
    assert sol.answers["w"].value == pytest.approx(0.7 * (1 - 2 / 15), abs=1e-15)
    sol = solver.solve("sgd", loss="x**2 + y**2", w0="[sqrt(2)/2, 1-0.3]", lr="0.5", steps="1")
    assert np.allclose(sol.answers["w"].value, [0.0, 0.0])            # lr 1/2 on x² + y²: one step to 0
    A = np.array([[0.5, 0.5], [2.0, 1.0]])
    for text in ("[[1-0.5, 2/4], [sqrt(4), 1]]", "1-0.5, 2/4; sqrt(4), 1", "(1-0.5, 2/4); (sqrt(4), 1)"):
        sol = solver.solve("eigen", A=text)
        assert np.allclose(sorted(sol.answers["eigenvalues"].value), sorted(np.linalg.eigvals(A).real))


@pytest.mark.parametrize("field, text, words", [("lr", "sqrt(-1)", "real number"), ("lr", "1/0", "division by zero"),
                                                ("lr", "9**9**9", "too large"), ("lr", "x + 1", "unknown name"),
                                                ("w0", "sqrt(-1)", "real number"), ("w0", "log(0)", "undefined"),
                                                ("w0", "__import__('os')", "")])
def test_bad_arithmetic_names_the_field(field, text, words):
    params = {"loss": "x**2", "w0": "1", "lr": "0.1", field: text}
    with pytest.raises(InvalidInput) as e:
        solver.solve("sgd", **params)
    assert e.value.field == field and words in str(e.value)


def test_a_space_is_still_a_separator_not_a_minus():
    """'1 -0.3' is two entries (as before), '1-0.3' one."""
    assert solver.solve("sgd", loss="x**2 + y**2", w0="1 -0.3", lr="0.1").params["w0"] == [1, -0.3]
    assert solver.solve("sgd", loss="x**2", w0="1-0.3", lr="0.1").params["w0"] == [0.7]
