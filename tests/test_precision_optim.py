"""The request's precision rules every answer of the optimizer families (issue 12: one formatting layer).

For each family's worked example solved with Precision(dp=6), every non-integer numeric answer is shown to 6
decimal places and accepts +-5e-7; with Precision(sig=3), to 3 significant figures and +-0.05 % of the value.
Each shown number is checked against the answer's own value (the rounding is the exam kind, half away from zero).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from solver import registry
from solver.numbers import Precision

FAMILIES = ["sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "nadam", "ewa", "lr_schedule"]


def entries(answer):
    """(shown text, value) for each number of a numeric answer (vectors and matrices flattened)."""
    value = answer.numeric_value()
    shown = answer.display

    def flat(v):
        if isinstance(v, list):
            for x in v:
                yield from flat(x)
        else:
            yield v

    texts = [t for t in re.split(r"[(),\[\]\s]+", shown) if t]
    values = list(flat(value))
    assert len(texts) == len(values), (answer.name, shown)
    return list(zip(texts, values))


def numeric_answers(sol):
    for a in sol.answers.values():
        v = a.value
        if isinstance(v, (bool, str)) or v is None or a.tolerance is None:
            continue
        if isinstance(v, list) and v and isinstance(v[0], dict):   # the trace: rows of data, not a shown number
            continue
        yield a


def is_integer(text: str, value) -> bool:
    return re.fullmatch(r"-?\d+", text) is not None and float(value) == int(float(value))


@pytest.mark.parametrize("family", FAMILIES)
def test_worked_example_to_six_decimal_places(family):
    sol = registry.get(family).solve_example(precision=Precision(dp=6))
    checked = 0
    for a in numeric_answers(sol):
        for text, value in entries(a):
            if is_integer(text, value):
                continue
            assert re.fullmatch(r"-?\d+\.\d{6}", text), (a.name, text)
            want = Decimal(repr(float(value))).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
            assert Decimal(text) == want or abs(float(text) - float(value)) <= 5e-7, (a.name, text, value)
            checked += 1
        assert _model(a.tolerance) == ("dp", 6), a.name  # the one tolerance model at 6 decimal places
    assert checked, family


@pytest.mark.parametrize("family", FAMILIES)
def test_worked_example_to_three_significant_figures(family):
    sol = registry.get(family).solve_example(precision=Precision(sig=3))
    checked = 0
    for a in numeric_answers(sol):
        for text, value in entries(a):
            if is_integer(text, value) and abs(float(value)) < 1000:
                continue
            mantissa = text.lstrip("-").split("e")[0]
            digits = mantissa.replace(".", "").lstrip("0")
            assert len(digits) == 3, (a.name, text)
            assert abs(float(text) - float(value)) <= 5e-3 * abs(float(value)) + 1e-300, (a.name, text, value)
            checked += 1
        assert _model(a.tolerance) == ("sig", 3), a.name
    assert checked, family


@pytest.mark.parametrize("family", FAMILIES)
def test_without_a_requested_precision_the_family_default_holds(family):
    """No precision asked: the optimizers' 4 decimal places (4 significant figures below 0.01), the schedules' and
    averages' 5 significant figures, as before."""
    sol = registry.get(family).solve_example()
    for a in numeric_answers(sol):
        tol = a.tolerance
        if family in ("ewa", "lr_schedule"):
            assert _model(tol) == ("sig", 5), a.name
        else:
            assert _model(tol) in (("dp", 4), ("sig", 4)), a.name


def _model(tol):
    """The precision a tolerance of the one model (solver.numbers.tolerance_for) stands for."""
    assert tol.abs == 0 and tol.rel == 0, tol
    if tol.dp is not None:
        assert tol.sig == tol.dp + 1, tol
        return ("dp", tol.dp)
    return ("sig", tol.sig)
