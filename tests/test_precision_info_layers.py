"""The request's precision rules every answer of the information-theory and layer families.

For each family's worked example, solved with Precision(dp=6) every non-integer numeric answer is shown to 6
decimal places with a tolerance of half a unit in the sixth place, and with Precision(sig=3) to 3 significant
figures with a relative tolerance of 0.05%. Answers that can be astronomically small (1 - p of a softmax,
grad_clip's scale factor) are documented to use significant figures: as many as the request asks digits.
The shown digits are checked against the answer's JSON value (a float64 or the exact value rounded), so a
display that rounds differently from its value fails too.
"""
from __future__ import annotations

import math
import re

import pytest

from solver import registry
from solver.numbers import Precision, tolerance_for

FAMILIES = ["entropy", "cross_entropy", "kl_divergence", "binary_cross_entropy", "softmax", "activation",
            "batch_norm", "conv_shape", "dropout", "ensemble", "grad_clip", "init", "regularization"]

#: family -> answers shown in significant figures whatever the request (documented in the family)
SIGNIFICANT = {"softmax": {"one_minus_p"}, "grad_clip": {"scale"}}

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _flat(v):
    if isinstance(v, list):
        for x in v:
            yield from _flat(x)
    else:
        yield v


def _shown(display: str) -> list[str]:
    return NUMBER.findall(display.replace("∞", ""))


def _integer(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _sig_digits(s: str) -> int:
    mant = s.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mant)


def _decimals(s: str) -> int:
    return len(s.split("e")[0].split(".")[1]) if "." in s.split("e")[0] else 0


def _check(answer, mode: str, n: int) -> int:
    """Check one answer's shown digits; the number of non-integer entries checked."""
    values = [v for v in _flat(answer.value) if not isinstance(v, (bool, str)) and v is not None]
    shown = _shown(answer.display)
    assert len(shown) == len(values), (answer.name, answer.display, answer.value)
    checked = 0
    for v, s in zip(values, shown):
        if _integer(v) or (isinstance(v, float) and math.isinf(v)):
            continue
        checked += 1
        if mode == "dp":
            if "e" in s:  # too small for the decimal places: scientific, never a misleading 0
                assert abs(v) < 0.5 * 10 ** -n, (answer.name, s, v)
            else:
                assert _decimals(s) == n, (answer.name, s)
                assert abs(float(s) - v) <= 0.5 * 10 ** -n * (1 + 1e-9), (answer.name, s, v)
        else:
            assert _sig_digits(s) == n or float(s) == 0, (answer.name, s)
            assert abs(float(s) - v) <= 0.5 * 10 ** (1 - n) * abs(v) * (1 + 1e-9) + 1e-300, (answer.name, s, v)
    if checked:
        # the one tolerance model (solver.numbers.tolerance_for) at the precision the answer is shown in
        tol, want = answer.tolerance, tolerance_for(Precision(dp=n) if mode == "dp" else Precision(sig=n))
        assert (tol.abs, tol.rel, tol.dp, tol.sig) == (0, 0, want.dp, want.sig), (answer.name, tol)
    return checked


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("family", FAMILIES)
def test_six_decimal_places_rule_every_answer(family, path):
    sol = registry.get(family).solve_example(path=path, precision=Precision(dp=6))
    checked = 0
    for name, answer in sol.answers.items():
        if name in SIGNIFICANT.get(family, ()):
            checked += _check(answer, "sig", 6)
        else:
            checked += _check(answer, "dp", 6)
    assert checked or family == "conv_shape" and path == "numeric"


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("family", FAMILIES)
def test_three_significant_figures_rule_every_answer(family, path):
    sol = registry.get(family).solve_example(path=path, precision=Precision(sig=3))
    checked = sum(_check(answer, "sig", 3) for answer in sol.answers.values())
    assert checked or family == "conv_shape" and path == "numeric"


def test_the_default_is_four_decimal_places():
    """No precision asked: 4 decimal places, as the course notes' exams (WE-entropy-1: H = 0.4690 bits)."""
    sol = registry.get("entropy").solve_example()
    assert sol.answers["entropy"].display == "0.4690" and sol.answers["entropy"].tolerance.bound(0.469) == 5e-5


def test_tiny_answers_keep_significant_figures_at_any_precision():
    """WE-softmax-3: 1 - p_1 = (e^-95 + e^-96)/(1 + e^-95 + e^-96) = 7.55217e-42 for marks 100, 5, 4; in decimal places it would round to 0."""
    f = registry.get("softmax")
    assert f.solve({"logits": "100 5 4"}, precision=Precision(dp=6)).answers["one_minus_p"].display.startswith(
        "(7.55217e-42")
    assert f.solve({"logits": "100 5 4"}, precision=Precision(sig=3)).answers["one_minus_p"].display.startswith(
        "(7.55e-42")
