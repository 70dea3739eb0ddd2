"""The request's precision rules every answer of the neuron families (issue 12: one formatting layer).

Solving the worked example (and, where the example's answers are all whole numbers, one more instance with
fractions) with Precision(dp=6) shows every non-integer answer with exactly 6 decimal places and accepts it to
half a unit in that place (abs <= 5e-7); with Precision(sig=3), with three significant figures. Whole numbers
(counts, classes, exact integer results) are shown as whole numbers, and counts and classes are checked exactly.
"""
from __future__ import annotations

import math
import re

import pytest

import solver
from solver.numbers import Precision

FAMILIES = ["perceptron", "mp_neuron", "linear_separability", "param_count", "linear_regression", "mle",
            "sigmoid_neuron", "feedforward", "comp_graph"]

#: A second instance for the families whose worked example has whole-number answers only.
EXTRA = {
    "perceptron": dict(X="(-1,2), (0,-1), (2,1)", y="0 1 0", bias=False, lr="0.1", classify="(-2,0)"),
    "param_count": dict(structure="count", count="1e6", hessian=True),
    "linear_regression": dict(X="1 2 4 5", y="1 3 2 5"),
}

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _numbers(value):
    if isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def _sig_figs(token: str) -> int:
    mant = token.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mant)


def _cases():
    for name in FAMILIES:
        fam = solver.family(name)
        yield pytest.param(name, dict(fam.example.params), dict(fam.example.conventions), id=f"{name}-example")
        if name in EXTRA:
            yield pytest.param(name, EXTRA[name], {}, id=f"{name}-fractions")


def _answers(name, params, conventions, precision):
    sol = solver.family(name).solve(params, conventions, precision=precision)
    for a in sol.answers.values():
        if isinstance(a.value, (bool, str)) or a.value is None or (isinstance(a.value, list) and a.value
                                                                     and isinstance(a.value[0], dict)):
            continue  # truth values, words, traces
        yield a


def _shown(a):
    """(value, the number shown for it) for each non-integer entry of an answer, in order (whole numbers shown as
    whole numbers are left out)."""
    values = list(_numbers(a.value))
    tokens = _NUMBER.findall(a.display)
    assert len(tokens) == len(values), (a.name, a.display, a.value)
    return [(v, tok) for v, tok in zip(values, tokens) if not (float(v).is_integer() and "." not in tok)]


@pytest.mark.parametrize("name, params, conventions", list(_cases()))
def test_six_decimal_places_show_and_check_every_non_integer_answer(name, params, conventions):
    shown = 0
    for a in _answers(name, params, conventions, Precision(dp=6)):
        for v, tok in _shown(a):
            shown += 1
            if round(abs(v), 6) > 0:
                assert re.fullmatch(r"-?\d+\.\d{6}", tok), (a.name, tok, v)
            assert abs(float(tok) - v) <= 5e-7 + 1e-12 * abs(v), (a.name, tok, v)
        if a.tolerance is not None:  # half a unit in the 6th place at most; counts and classes exactly
            assert a.tolerance.abs <= 5e-7 and a.tolerance.rel == 0, (a.name, a.tolerance)
        else:
            assert all(float(v).is_integer() for v in _numbers(a.value)), a.name
    if name not in ("mp_neuron",) and (name not in EXTRA or params is EXTRA[name]):
        assert shown, f"{name}: no non-integer answer to check"


@pytest.mark.parametrize("name, params, conventions", list(_cases()))
def test_three_significant_figures_show_every_non_integer_answer(name, params, conventions):
    for a in _answers(name, params, conventions, Precision(sig=3)):
        pairs = _shown(a)
        for v, tok in pairs:
            assert _sig_figs(tok) == 3, (a.name, tok, v)
            assert math.isclose(float(tok), v, rel_tol=5e-3), (a.name, tok, v)
        if pairs and a.tolerance is not None:
            assert a.tolerance.rel == pytest.approx(5e-3) or a.tolerance.abs <= 1e-9, (a.name, a.tolerance)


def test_the_default_is_four_decimal_places():
    """sigmoid(1) = 0.7310585786 (1 / (1 + e^-1)): 0.7311 by default, 0.731059 to 6 dp, 0.731 to 3 figures."""
    fam = solver.family("sigmoid_neuron")
    assert fam.solve_example().answers["y_hat"].display == "0.7311"
    assert fam.solve_example(precision=Precision(dp=6)).answers["y_hat"].display == "0.731059"
    assert fam.solve_example(precision=Precision(sig=3)).answers["y_hat"].display == "0.731"
