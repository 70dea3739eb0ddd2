"""Issue 15: init's He rule for a leaky ReLU (torch's kaiming_*_(a=...)) and PyTorch's default initialisation of
nn.Linear / nn.Conv2d. Oracles written here from torch's documentation: calculate_gain('leaky_relu', a) =
sqrt(2 / (1 + a^2)); nn.Linear.reset_parameters() is kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
1/sqrt(fan_in)) (fan_in = in_features, or in_channels * k^2 for a convolution)."""
from __future__ import annotations

import math

import pytest

import solver


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("slope", [0, 0.01, 0.2, math.sqrt(5)])
def test_he_for_a_leaky_relu(path, slope):
    sol = solver.solve("init", layers="4 3 2", negative_slope=slope, path=path)
    for got, fan_in in zip(sol.answers["var_he"].value, (4, 3)):
        gain = math.sqrt(2 / (1 + slope ** 2))
        assert got == pytest.approx(gain ** 2 / fan_in, rel=1e-12)
    for got, fan_in in zip(sol.answers["bound_he"].value, (4, 3)):
        assert got == pytest.approx(math.sqrt(3) * math.sqrt(2 / (1 + slope ** 2)) / math.sqrt(fan_in), rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_pytorch_default_initialisation(path):
    """nn.Linear(4, 3): U(-1/2, 1/2), variance 1/12; nn.Conv2d(3, 8, 3): fan_in 27, bound 1/sqrt(27)."""
    sol = solver.solve("init", layers="4 3", path=path)
    assert sol.answers["bound_torch_default"].value == pytest.approx([0.5], rel=1e-12)
    assert sol.answers["var_torch_default"].value == pytest.approx([1 / 12], rel=1e-12)
    conv = solver.solve("init", layers="3 8", kernel=3, path=path)
    assert conv.answers["bound_torch_default"].value == pytest.approx([1 / math.sqrt(27)], rel=1e-12)


def test_the_leaky_slope_is_read_from_a_question():
    from solver.reading import read

    r = read("Use He initialisation for a leaky ReLU with negative slope 0.2 on a layer with 100 inputs and 50 "
             "outputs. What is the variance of the weights?")
    assert r.family == "init" and r.fields["negative_slope"].value == "0.2"
