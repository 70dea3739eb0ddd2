"""The one formatting layer (solver.format) and the request precision, with hand-written expectations."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import solver
from solver import format as F
from solver.errata import Erratum
from solver.numbers import Precision


@pytest.mark.parametrize("value,want", [
    (sp.Rational(1, 8), "0.125"),            # a terminating decimal is exact
    (sp.Rational(1, 3), "1/3"),              # a short fraction stays a fraction
    (sp.Rational(1, 300), "1/300"),
    (sp.Rational(1, 3000), "0.000333333"),   # a large denominator: 6 significant figures
    (sp.Rational(123456789, 1000007), "123.456"),
    (0.1, "0.1"),
    (5, "5"),
    (True, "true"),
    (sp.Float("0.29883013", 40), "0.29883"),
    (sp.sqrt(2), "1.41421"),
    (10 ** 30, "1.00000e30"),               # never a 31-digit integer in a step
    (sp.oo, "∞"),
])
def test_text_of_a_number(value, want):
    assert F.text(value) == want


def test_vectors_and_matrices_in_text_and_latex():
    v = (sp.Integer(1), sp.Rational(-1, 3))
    assert F.text(v) == "(1, -1/3)"
    assert F.latex(v) == r"\left(1, -\frac{1}{3}\right)"
    assert F.latex(v, layout="column") == r"\begin{pmatrix} 1 \\ -\frac{1}{3} \end{pmatrix}"
    M = np.array([[1.0, 2.5], [-3.0, 4.0]])
    assert F.text(M) == "[[1, 2.5], [-3, 4]]"
    assert F.latex(M) == r"\begin{pmatrix} 1 & 2.5 \\ -3 & 4 \end{pmatrix}"
    assert F.text(sp.ImmutableMatrix([[1, 2], [3, 4]])) == "[[1, 2], [3, 4]]"
    assert F.text(sp.ImmutableMatrix([1, 2])) == "(1, 2)"  # a column matrix is a vector


def test_exact_forms():
    x = (37 + sp.sqrt(565)) / 2
    assert F.text(x, exact="surd") == "(37 + sqrt(565))/2"
    assert F.latex(x, exact="surd") == r"\frac{37 + \sqrt{565}}{2}"
    assert F.text(x, exact="both") == "(37 + sqrt(565))/2 ≈ 30.3849"
    assert F.text(2 + 3 * sp.I, exact="surd") == "2 + 3*i"
    assert F.text(sp.Rational(1, 3), exact="decimal") == "0.333333"


def test_paren_brackets_negatives_and_fractions():
    assert F.text(sp.Integer(-2), paren=True) == "(-2)"
    assert F.text(sp.Rational(1, 3), paren=True) == "(1/3)"
    assert F.text(sp.Integer(2), paren=True) == "2"
    assert F.latex(sp.Integer(-2), paren=True) == r"\left(-2\right)"


def test_equals_marks_rounded_values():
    assert F.equals(sp.Symbol("L"), sp.Float("0.2988301", 40)).latex == r"L \approx 0.29883"
    assert F.equals(sp.Symbol("L"), sp.Rational(1, 4)).latex == "L = 0.25"


def test_the_request_precision_rules_answers_and_steps():
    with F.using(Precision(sig=3)):
        assert F.fixed(sp.Float("30.38486", 30)) == "30.4"
        assert F.style().working == 6
    with F.using(Precision(dp=7)):
        assert F.style().working == 9
        assert F.text(sp.Float("0.123456789012", 40)) == "0.123456789"
    assert F.fixed(sp.Rational(1, 3)) == "0.3333"  # the default: 4 decimal places


def test_solve_takes_a_precision():
    """sigmoid(1) = 0.7310585786 (a closed form: 1 / (1 + e^-1))."""
    fam = solver.family("sigmoid_neuron")
    default, six = fam.solve_example(), fam.solve_example(precision=Precision(dp=6))
    assert default.answers["y_hat"].display == "0.7311"
    assert six.answers["y_hat"].display == "0.731059"
    assert six.answers["y_hat"].tolerance.abs <= 5e-7


def test_erratum_refuses_internal_references():
    with pytest.raises(ValueError):
        Erratum(where="notes 000, week 1", params={}, wrote="a", right="b")
    with pytest.raises(ValueError):
        Erratum(where="the course notes", params={}, wrote="a", right="b (WE-nag-1)")


def _floats_and_ties(rng: np.random.Generator) -> list[float]:
    """Random floats over the whole range, and the awkward ones for rounding: decimal ties (2.675, 0.125,
    9.5e-5: a repr ending in 5 just past a kept digit, where the float itself lies below or above the tie),
    carries (9.99995), subnormals, huge values, integers."""
    xs = (rng.standard_normal(1500) * 10.0 ** rng.integers(-40, 40, 1500)).tolist()
    for _ in range(800):
        digits = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(1, 16)))) + "5"
        xs.append(float(f"{digits[0]}.{digits[1:]}e{int(rng.integers(-12, 12))}"))
        xs.append(float(f"{int(rng.integers(0, 10 ** 6))}.{''.join(str(d) for d in rng.integers(0, 10, int(rng.integers(0, 9))))}5"))
    xs += [2.675, 0.125, 1.5, 2.5, -0.5, 9.99995, 9.999995, 99999.95, 1e21, 1.7976931348623157e308, 5e-324, 2.2e-308,
           1e-290, 0.00005, 4.5e-5, 123456789.0, 1e15, 3e14, 1e7, 9999999.5, 0.0001]
    return xs + [-x for x in xs]


def test_float_digits_match_rounding_the_repr_half_up():
    """The float fast path of F.fixed/F.text (C's '%e'/'%f') gives what the rule defines: the float's shortest
    repr rounded half away from zero by Decimal (solver.numbers.round_decimal), at every precision."""
    from decimal import Decimal

    xs = _floats_and_ties(np.random.default_rng(19))
    precisions = [Precision(sig=s) for s in (1, 2, 3, 4, 5, 6, 10, 15)] + [Precision(dp=d) for d in (0, 1, 2, 4, 6, 12)]
    for x in xs:
        for p in precisions:
            for strip in (False, True):
                want = F._fixed_digits(Decimal(repr(x)), p, strip)
                assert F.fixed(x, p, strip=strip) == want, (x, p, strip)
                assert F.fixed(np.float64(x), p, strip=strip) == want, (x, p, strip)
    for p in precisions:   # the numeric path's batches (tolist() of an array) follow the same rule
        assert F.fixed_floats(xs, p) == [F._fixed_digits(Decimal(repr(x)), p, False) for x in xs], p
