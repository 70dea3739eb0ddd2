"""Regressions in the information-theory and layer families (issues 13 and 20), each named after what broke.

Oracles: closed forms written here from the textbook definitions, mpmath at 50 digits, numpy and scipy;
never the family's own earlier output.
"""
from __future__ import annotations

import math
import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.special
import sympy as sp

from solver import format as F
from solver import registry
from solver.params import InvalidInput

PATHS = ("exact", "numeric")


def solve(family, params, conv=None, path="auto"):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning (overflow, 0/0) is a bug, not noise
        return registry.get(family).solve(params, conv or {}, path=path)


def val(sol, name):
    return sol.answers[name].numeric_value()


# ---- issue 13, item 4: regularization -----------------------------------------------------------

@pytest.mark.parametrize("path", PATHS)
def test_regularization_full_l2_shrinkage_uses_the_factor_two(path):
    """The penalty alpha ||w||^2 adds 2 alpha I to the Hessian, so w~ = lambda/(lambda + 2 alpha) w*: 1/3 for
    lambda = alpha = 1 (it said lambda/(lambda + alpha) = 1/2, the half form's factor)."""
    sol = solve("regularization", {"w": "1.0", "alpha": "1.0", "eigenvalues": "1.0"}, {"l2_form": "full"}, path)
    assert val(sol, "shrinkage") == pytest.approx([1 / 3], rel=1e-15)
    half = solve("regularization", {"w": "1.0", "alpha": "1.0", "eigenvalues": "1.0"}, {"l2_form": "half"}, path)
    assert val(half, "shrinkage") == pytest.approx([1 / 2], rel=1e-15)


def test_regularization_full_l2_shrinkage_is_the_minimiser_of_the_quadratic():
    """argmin_w 1/2 (w - w*)^T H (w - w*) + alpha ||w||^2 = (H + 2 alpha I)^-1 H w*; along eigenvector i the
    factor is lambda_i/(lambda_i + 2 alpha) (numpy solves the linear system)."""
    lam, alpha = np.array([4.0, 1.0, 0.25]), 0.5
    Q = np.linalg.qr(np.random.default_rng(2).normal(size=(3, 3)))[0]
    H, w_star = Q @ np.diag(lam) @ Q.T, np.array([1.0, -2.0, 0.5])
    w_reg = np.linalg.solve(H + 2 * alpha * np.eye(3), H @ w_star)
    factors = (Q.T @ w_reg) / (Q.T @ w_star)
    for path in PATHS:
        sol = solve("regularization", {"w": "1 2 3", "alpha": "0.5", "eigenvalues": "4 1 0.25"}, {"l2_form": "full"}, path)
        assert val(sol, "shrinkage") == pytest.approx(factors.tolist(), rel=1e-12)


# ---- issue 13, item 8: grad_clip ------------------------------------------------------------------

@pytest.mark.parametrize("path", PATHS)
def test_grad_clip_parallel_clip_by_value_turns_by_zero_degrees(path):
    """g = (5, 5) clipped to [-2, 2] is (2, 2) = 0.4 g: the direction is unchanged. The numeric path said 1.2e-6
    degrees (arccos of a cosine rounded just below 1)."""
    sol = solve("grad_clip", {"g": "5 5", "clip_value": "2"}, path=path)
    assert val(sol, "angle_change_value") == 0
    assert sol.answers["angle_change_value"].display == "0.0000" or sol.answers["angle_change_value"].display == "0"


def test_grad_clip_small_angle_keeps_its_digits_on_the_numeric_path():
    """g = (5, 5.0000001) clipped to [-2, 2] is (2, 2): the angle is about 5.7e-7 degrees; mpmath at 50 digits from
    the exact decimals (arccos in float64 has an error of about 1e-6 degrees here)."""
    with mpmath.workdps(50):
        a, b = [mpmath.mpf(5), mpmath.mpf("5.0000001")], [mpmath.mpf(2), mpmath.mpf(2)]
        dot = a[0] * b[0] + a[1] * b[1]
        want = float(mpmath.degrees(mpmath.acos(dot / (mpmath.norm(a) * mpmath.norm(b)))))
    sol = solve("grad_clip", {"g": "5 5.0000001", "clip_value": "2"}, path="numeric")
    assert val(sol, "angle_change_value") == pytest.approx(want, rel=1e-7)


# ---- issue 13, item 10: cross_entropy ---------------------------------------------------------------

@pytest.mark.parametrize("form", ["eps/(K-1)", "eps/K"])
def test_cross_entropy_numeric_path_answers_p_smoothed(form):
    """The numeric path left out the smoothed targets. Closed forms: eps/(K-1) puts 1 - eps on the true class and
    eps/(K-1) elsewhere; eps/K (torch's label_smoothing) mixes with the uniform distribution."""
    P = np.array([[0, 1, 0], [1, 0, 0]], dtype=float)
    eps, K = 0.1, 3
    want = (1 - eps) * P + eps * (1 - P) / (K - 1) if form == "eps/(K-1)" else (1 - eps) * P + eps / K
    params = {"p": P.tolist(), "q": "0.2 0.5 0.3; 0.6 0.3 0.1", "label_smoothing": "0.1"}
    for path in PATHS:
        sol = solve("cross_entropy", params, {"smoothing_form": form}, path)
        assert np.array(val(sol, "p_smoothed")) == pytest.approx(want, rel=1e-15)
    one = solve("cross_entropy", {"p": "0 1 0", "q": "0.2 0.5 0.3", "label_smoothing": "0.1"}, {"smoothing_form": form},
                "numeric")
    assert val(one, "p_smoothed") == pytest.approx(want[0].tolist(), rel=1e-15)


# ---- issue 13, item 11: binary_cross_entropy ---------------------------------------------------------

def test_binary_cross_entropy_numeric_path_computes_one_minus_p_without_cancellation():
    """p = 0.999999999999: 1 - float(p) is off by 1e-5 relative (the float's rounding), so the numeric gradient
    (1 - y)/(1 - p) - y/p differed from the exact one by 2e-5. Closed forms with exact fractions; the losses
    -y ln p - (1 - y) ln(1 - p) with mpmath at 50 digits."""
    ys = [Fraction(1), Fraction(0), Fraction(3, 10)]
    p = Fraction("0.999999999999")
    grads = [float((1 - y) / (1 - p) - y / p) for y in ys]
    with mpmath.workdps(50):
        pm = mpmath.mpf(p.numerator) / p.denominator
        losses = [float(-(mpmath.mpf(y.numerator) / y.denominator) * mpmath.log(pm)
                        - (1 - mpmath.mpf(y.numerator) / y.denominator) * mpmath.log(1 - pm)) for y in ys]
    params = {"y": "1 0 0.3", "p": "0.999999999999 0.999999999999 0.999999999999"}
    for path in PATHS:
        sol = solve("binary_cross_entropy", params, path=path)
        assert val(sol, "grad_p") == pytest.approx(grads, rel=1e-14)
        assert val(sol, "losses") == pytest.approx(losses, rel=1e-12)


def test_binary_cross_entropy_numeric_loss_of_a_tiny_p_keeps_its_digits():
    """y = 0, p = 1e-12: L = -ln(1 - p) = 1.0000000000005e-12 (log1p, not log of a rounded 1 - p)."""
    want = -math.log1p(-1e-12)
    for path in PATHS:
        sol = solve("binary_cross_entropy", {"y": "0", "p": "1e-12"}, path=path)
        assert val(sol, "losses") == pytest.approx([want], rel=1e-14)


# ---- issue 20: huge and tiny inputs ------------------------------------------------------------------

@pytest.mark.parametrize("family,field", [("entropy", "p"), ("kl_divergence", "p"), ("kl_divergence", "q")])
def test_probabilities_of_1e308_are_refused_before_their_sum_overflows(family, field):
    """[1e308, 1e308] as a float array: the row sum overflowed (a RuntimeWarning, an error under the test
    settings) before the InvalidInput that entries above 1 deserve."""
    params = {"p": np.array([[0.5, 0.5]])} if family == "entropy" else {"p": np.array([[0.5, 0.5]]), "q": np.array([[0.5, 0.5]])}
    params[field] = np.array([[1e308, 1e308]])
    with pytest.raises(InvalidInput) as e:
        solve(family, params)
    assert e.value.field == field and "at most 1" in e.value.message and "normalize=true" in e.value.message


@pytest.mark.parametrize("p", [np.array([[1e308, 1e308]]), "1e400 1e400"])
def test_normalize_rescales_huge_rows_without_overflow(p):
    """normalize=true divides by the largest entry before summing: (1e308, 1e308) is (1/2, 1/2), entropy ln 2."""
    for path in PATHS:
        sol = solve("entropy", {"p": p, "normalize": True}, path=path)
        assert val(sol, "entropy") == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize("T", ["1e-308", "1e-400"])
@pytest.mark.parametrize("path", PATHS)
def test_softmax_tiny_temperature_is_one_hot_not_undefined(T, path):
    """z / T overflowed for T = 1e-308 (and T = 1e-400 is 0 in float64: 0/0): NaN answers and warnings. The
    limit T -> 0 of softmax is the one-hot vector of the largest score; its Jacobian is 0."""
    sol = solve("softmax", {"logits": "1 2 3", "temperature": T, "jacobian": True}, path=path)
    assert sol.status == "solved"
    assert val(sol, "p") == pytest.approx([0, 0, 1], abs=1e-300)
    assert val(sol, "one_minus_p") == pytest.approx([1, 1, 0], abs=1e-300)
    assert np.array(val(sol, "jacobian")) == pytest.approx(np.zeros((3, 3)), abs=1e-300)


@pytest.mark.parametrize("path", PATHS)
def test_softmax_logit_beyond_float64_is_probability_one_not_undefined(path):
    """[[1e400, 1], [1, 1]]: the first row is (1, 0) (exp(1 - 1e400) underflows everything), the second (1/2, 1/2);
    the numeric path said undefined (inf - inf). scipy agrees on the float-sized analogue 1e300."""
    sol = solve("softmax", {"logits": "[[1e400, 1], [1, 1]]"}, path=path)
    assert sol.status == "solved"
    assert np.array(val(sol, "p")) == pytest.approx(np.array([[1, 0], [0.5, 0.5]]), abs=1e-300)
    assert scipy.special.softmax([1e300, 1.0]) == pytest.approx([1, 0], abs=1e-300)


def test_cross_entropy_from_logits_beyond_float64_uses_the_shifted_scores():
    """The numeric log-softmax of [1e400, 0] for target class 1 is ln 1 = 0 (it was inf - inf)."""
    sol = solve("cross_entropy", {"p": "1 0", "logits": "1e400 0"}, path="numeric")
    assert val(sol, "cross_entropy") == 0


def test_softmax_scores_1e300_apart_format_their_tiny_probabilities():
    """e^(-1e300) is a positive number with a 300-digit decimal exponent; formatting it raised 10 to that power
    (0.2 s per number, a softmax page took seconds). It prints as 10^(log10 of it) to 4 figures, never with a
    300-digit exponent: log10 e^(-1e300) = -1e300 log10 e = -4.343e299."""
    with mpmath.workdps(400):
        x = sp.Float(mpmath.exp(-mpmath.mpf(10) ** 300), 40)
    from solver.numbers import Precision

    assert F.fixed(x, Precision(sig=4)) == F.fixed(x, Precision(dp=4)) == "10^(-4.343e299)"
    sol = solve("softmax", {"logits": [[0, 1e300]], "jacobian": True}, path="exact")
    assert sol.answers["p"].display == "(10^(-4.343e299), 1.0000)"
    assert val(sol, "p") == [0, 1]


def test_regularization_weights_beyond_1e100_are_refused():
    """w = 1e400 made the numeric path compute inf - inf (found by fuzzing); sizes are bounded by 1e100."""
    with pytest.raises(InvalidInput) as e:
        solve("regularization", {"w": "1e400"})
    assert e.value.field == "w"


def test_regularization_many_eigenvalues_take_the_numeric_path_and_a_summary():
    """100,000 eigenvalues went through the exact path to its time budget and the shrinkage answer was dropped as
    too long; now the numeric path answers it in full (JSON) with a summarised display. numpy's closed form."""
    ev = np.random.default_rng(0).uniform(0, 10, 100_000)
    sol = solve("regularization", {"w": "0.5 -1.2 2.0", "eigenvalues": ev, "alpha": "0.01"})
    assert sol.path == "numeric"
    assert np.array(val(sol, "shrinkage")) == pytest.approx(ev / (ev + 0.01), rel=1e-15)
    assert "100000 entries" in sol.answers["shrinkage"].display and len(sol.answers["shrinkage"].display) < 200
    typed = " ".join(f"{v:.3f}" for v in ev[:60])
    assert solve("regularization", {"w": "0.5 -1.2 2.0", "eigenvalues": typed}).path == "numeric"


@pytest.mark.parametrize("path", PATHS)
def test_grad_clip_zero_gradient_has_no_angle_from_the_axis(path):
    """g = (0, 0) has no direction: the exact path answered angle_axis_before/after = nan and the numeric path 0
    (atan2(0, 0)). Neither path gives those two answers now; a note says why. The clipped vectors stay 0."""
    sol = solve("grad_clip", {"g": "0 0"}, path=path)
    assert "angle_axis_before" not in sol.answers and "angle_axis_after" not in sol.answers
    assert val(sol, "by_value") == [0, 0] and val(sol, "by_norm") == [0, 0]
    notes = [s for s in sol.walk() if s.kind == "note" and "no direction" in str(s.text)]
    assert notes, "a note step says the zero vector has no angle"
    assert val(solve("grad_clip", {"g": "0 2"}, path=path), "angle_axis_before") == pytest.approx(90.0, rel=1e-15)


@pytest.mark.parametrize("path", PATHS)
def test_conv_shape_fully_connected_layer_alone_on_a_7x7_input_does_not_raise(path):
    """input 7 x 7 with fc_units and no filter size works only the fully connected layer; the notes' erratum on which
    strides fit a 7 x 7 input (it names the valid strides) matched it and raised KeyError for 'valid_strides'.
    Parameters: 7 * 7 * 3 inputs * 10 units + 10 biases = 1480."""
    sol = solve("conv_shape", {"input": "7 7 3", "fc_units": "10"}, path=path)
    assert val(sol, "fc_params") == 7 * 7 * 3 * 10 + 10
    assert "valid_strides" not in sol.answers
