"""Issue 15: Mish, f(x) = x tanh(softplus(x)) (Misra 2019; torch.nn.Mish), on both paths. Oracles: the definition
written here (math), its derivative by a central difference, and torch 2.13's F.mish with autograd at
x = -2, 0, 1.5 (recorded: values -0.2525014826957089, 0, 1.4033782663958028; derivatives -0.1083550924203939,
0.6, 1.0884879850078475)."""
from __future__ import annotations

import math

import pytest

import solver

TORCH = {-2.0: (-0.2525014826957089, -0.1083550924203939), 0.0: (0.0, 0.6), 1.5: (1.4033782663958028, 1.0884879850078475)}


def mish(x: float) -> float:
    return x * math.tanh(math.log1p(math.exp(x)))


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_mish_values_and_derivatives(path):
    xs = [-2.0, 0.0, 1.5, 4.0, -6.0]
    sol = solver.solve("activation", function="mish", x=" ".join(map(str, xs)), path=path)
    for x, f, df in zip(xs, sol.answers["values"].value, sol.answers["derivatives"].value):
        h = 1e-6
        assert f == pytest.approx(mish(x), rel=1e-12, abs=1e-15)
        assert df == pytest.approx((mish(x + h) - mish(x - h)) / (2 * h), rel=1e-7, abs=1e-9)
        if x in TORCH:
            assert (f, df) == pytest.approx(TORCH[x], rel=1e-12, abs=1e-15)
    assert sol.answers["derivatives"].value[1] == pytest.approx(0.6)   # tanh(ln 2) = 3/5 exactly


def test_mish_is_read_from_a_question():
    from solver.reading import read

    r = read("For the Mish activation, give f(x) and f'(x) at x = 0 and x = 1.")
    assert r.family == "activation" and r.fields["function"].value == "mish"


# ---- hard swish (Howard et al. 2019, MobileNetV3; torch.nn.Hardswish) ----------------------------------------------
def hardswish(x: float) -> float:
    return x * min(max(x + 3, 0.0), 6.0) / 6


#: torch 2.13's F.hardswish with autograd at x = -4, -3, -1, 0, 3, 4 (recorded): its backward takes 0 at -3 and 1 at 3
TORCH_HS = {-4.0: (0.0, 0.0), -3.0: (0.0, 0.0), -1.0: (-1 / 3, 1 / 6), 0.0: (0.0, 0.5), 3.0: (3.0, 1.0), 4.0: (4.0, 1.0)}


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_hardswish_values_and_torch_derivatives(path):
    xs = sorted(TORCH_HS)
    sol = solver.solve("activation", function="hardswish", x=" ".join(map(str, xs)), path=path)
    for x, f, df in zip(xs, sol.answers["values"].value, sol.answers["derivatives"].value):
        assert f == pytest.approx(hardswish(x), abs=1e-15)
        assert (f, df) == pytest.approx(TORCH_HS[x], abs=1e-15)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_hardswish_one_sided_derivatives_at_its_kinks(path):
    """Just below 3 the slope is (2x + 3)/6 = 1.5, just above it 1; just below -3 it is 0, just above -0.5."""
    for kink, want in (("left", [0.0, 1.5]), ("right", [-0.5, 1.0])):
        sol = solver.solve("activation", function="hardswish", x="-3 3", path=path, conventions={"kink": kink})
        assert sol.answers["derivatives"].value == pytest.approx(want)


def test_hard_swish_is_read_from_a_question():
    from solver.reading import read

    r = read("For the hard swish activation, give f(x) and f'(x) at x = -1 and x = 2.")
    assert r.family == "activation" and r.fields["function"].value == "hard_swish"
