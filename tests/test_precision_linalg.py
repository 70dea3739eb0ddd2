"""eigen, pca, svd: the request's precision rules every answer (solver.format).

The worked examples of the course notes' end-term assignment (the family's EXAMPLE), solved with
Precision(dp=6) and Precision(sig=3) on both paths: every non-integer answer entry is shown to 6 decimal
places (a value too small for them in scientific form, as solver.format.fixed shows it) or to 3
significant figures, the shown digits round the value, and the tolerance is half a unit in the last place
shown, with the sign flips (up_to_sign, sign_group) of the default solution kept.
"""
from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest

import solver
from solver.numbers import Precision

FAMILIES = ("eigen", "pca", "svd")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _flat(v):
    if isinstance(v, list):
        for x in v:
            yield from _flat(x)
    else:
        yield v


def _pairs(answer):
    """(shown token, value) for every entry of a numeric answer."""
    values = list(_flat(answer.value))
    tokens = NUMBER.findall(answer.display)
    assert len(tokens) == len(values), (answer.name, answer.display)
    return list(zip(tokens, values))


def _numeric_answers(sol):
    return [a for a in sol.answers.values() if all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in _flat(a.value))]


def _significant(token: str) -> int:
    mantissa = token.lstrip("-").split("e")[0]
    return len(mantissa.replace(".", "").lstrip("0"))


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("family", FAMILIES)
def test_worked_example_to_6_decimal_places(family, path):
    fam = solver.family(family)
    default = fam.solve_example(path=path)
    sol = fam.solve_example(path=path, precision=Precision(dp=6))
    assert set(sol.answers) == set(default.answers)
    checked = 0
    for a in _numeric_answers(sol):
        for token, v in _pairs(a):
            if isinstance(v, int):
                assert token == str(v), (a.name, token, v)
                continue
            if v != 0 and abs(v) < 5e-7:  # too small for 6 places: scientific, not a misleading 0.000000
                assert "e" in token and abs(float(token) - v) <= 5e-4 * abs(v), (a.name, token, v)
                continue
            assert re.fullmatch(r"-?\d+\.\d{6}", token), (a.name, token)
            assert abs(Decimal(token) - Decimal(repr(v))) <= Decimal("5e-7"), (a.name, token, v)
            checked += 1
        if any(not isinstance(v, int) for v in _flat(a.value)):
            # the one tolerance model: half a unit in the 6th place (relative for values of 10 or more)
            assert a.tolerance is not None and all(0 < a.tolerance.bound(v) <= max(5e-7, 5e-7 * abs(v))
                                                   for v in _flat(a.value) if not isinstance(v, int)), (a.name, a.tolerance)
        if default.answers[a.name].tolerance is not None and a.tolerance is not None:
            assert a.tolerance.up_to_sign == default.answers[a.name].tolerance.up_to_sign, a.name
            assert a.tolerance.sign_group == default.answers[a.name].tolerance.sign_group, a.name
    assert checked >= 4


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("family", FAMILIES)
def test_worked_example_to_3_significant_figures(family, path):
    fam = solver.family(family)
    default = fam.solve_example(path=path)
    sol = fam.solve_example(path=path, precision=Precision(sig=3))
    checked = 0
    for a in _numeric_answers(sol):
        for token, v in _pairs(a):
            if isinstance(v, int):
                assert token == str(v), (a.name, token, v)
                continue
            if v == 0:
                assert float(token) == 0 and token.lstrip("-") == "0.00", (a.name, token)
                continue
            assert _significant(token) == 3, (a.name, token, v)
            assert abs(float(token) - v) <= 5e-3 * abs(v), (a.name, token, v)
            checked += 1
        if any(not isinstance(v, int) for v in _flat(a.value)):
            assert a.tolerance is not None and all(0 < a.tolerance.bound(v) <= 5e-3 * abs(v)
                                                   for v in _flat(a.value) if not isinstance(v, int) and v), (a.name, a.tolerance)
        if default.answers[a.name].tolerance is not None and a.tolerance is not None:
            assert a.tolerance.up_to_sign == default.answers[a.name].tolerance.up_to_sign, a.name
            assert a.tolerance.sign_group == default.answers[a.name].tolerance.sign_group, a.name
    assert checked >= 4


def test_pca_worked_example_to_6_places_rounds_numpy_values_not_4_place_ones():
    """The end-term assignment's PCA example against numpy (eigh of np.cov): the 6-place displays are numpy's values
    rounded, not the 4-place ones padded with zeros."""
    X = np.array([[4, 11], [8, 4], [13, 5], [7, 14]], dtype=float)
    w, V = np.linalg.eigh(np.cov(X, rowvar=False))
    e1 = V[:, -1] * np.sign(V[0, -1])                      # first component positive, as the default rule
    scores = (X - X.mean(axis=0)) @ e1
    sol = solver.family("pca").solve_example(precision=Precision(dp=6))
    a = sol.answers
    six = lambda xs: ", ".join(f"{x:.6f}" for x in xs)     # noqa: E731
    assert a["eigenvalues"].display == f"({six(w[::-1])})"
    assert a["components"].display == f"[({six(e1)})]"
    assert a["scores"].display == "[" + ", ".join(f"({x:.6f})" for x in scores) + "]"
