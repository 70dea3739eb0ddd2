"""The one tolerance model (solver.numbers.Tolerance, tolerance_for): property tests and the issue's example.

An answer printed to the stated precision is always accepted; one off by a unit in the last required
digit is always rejected; large values are held to significant figures, values below 1 to decimal places."""
from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver import format as F
from solver.numbers import Precision, Tolerance, tolerance_for

values = st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False) | \
    st.floats(min_value=-1e12, max_value=-1e-9, allow_nan=False, allow_infinity=False) | st.just(0.0)
precisions = st.builds(Precision, dp=st.integers(0, 8)) | st.builds(Precision, sig=st.integers(1, 10))


@settings(max_examples=400, derandomize=True, deadline=None)
@given(values, precisions)
def test_an_answer_printed_to_the_precision_is_accepted(v, precision):
    tol = tolerance_for(precision)
    shown = float(F.fixed(v, precision))
    assert tol.accepts(shown, v), (v, precision, shown, tol.bound(v))


@settings(max_examples=400, derandomize=True, deadline=None)
@given(values, precisions)
def test_one_unit_off_in_the_last_required_digit_is_rejected(v, precision):
    assume(v != 0 or precision.dp is not None)  # zero has no significant figures: only 0 itself is right
    tol = tolerance_for(precision)
    shown = float(F.fixed(v, precision))
    unit = 2 * tol.bound(v)  # a unit in the last required digit
    away = shown + (unit if shown >= v else -unit)
    assert not tol.accepts(away, v), (v, precision, away, tol.bound(v))


def test_a_large_value_to_four_decimal_places():
    """Issue 17: the loss 855036.7371 was accepted only within ±0.00005, so 855037 (the figure the page prints)
    was marked wrong."""
    tol = tolerance_for(Precision(dp=4))
    assert tol.accepts(855037, 855036.7371) and tol.accepts(855036.7371, 855036.7371)
    assert not tol.accepts(855100, 855036.7371)
    assert tol.describe(855036.7371) == "±5 (5 significant figures)"
    assert tol.describe(0.4690) == "±0.00005 (4 decimal places)"



def test_describe_an_exact_integer_past_float_range_gives_the_rule():
    """The fuzzers' classics: Adam's answer 10**400 (exact) made the text's tolerance raise OverflowError."""
    tol = tolerance_for(Precision(dp=4))
    assert tol.describe(10**400) == "±0.00005 (4 decimal places; 5 significant figures for values of 10 or more)"

def test_small_values_are_absolute_to_the_decimal_places():
    tol = tolerance_for(Precision(dp=4))
    assert tol.accepts(0.0003, 1 / 3000) and tol.accepts(0.0, 1e-7)
    assert not tol.accepts(0.0005, 0.0003)


def test_significant_figures_are_relative():
    tol = tolerance_for(Precision(sig=3))
    assert tol.accepts(1.23e-7, 1.2345e-7) and not tol.accepts(1.22e-7, 1.2345e-7)
    assert tol.accepts(30.4, 30.38486) and not tol.accepts(30.3, 30.38486)
    assert tol.describe() == "half a unit in the 3rd significant figure (3 significant figures)"


def test_explicit_tolerances_keep_their_meaning_and_json():
    t = Tolerance(abs=1e-9)
    assert t.accepts(1 + 5e-10, 1) and not t.accepts(1 + 5e-9, 1)
    assert t.describe() == "±0.000000001"
    m = tolerance_for(Precision(dp=4))
    assert Tolerance.from_json(m.to_json()) == m
    assert math.isclose(m.bound(0.5), 5e-5)
