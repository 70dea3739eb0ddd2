"""conv2d: output values, padded input and output size.

Oracles: torch.nn.functional.conv2d (torch 2.13.0, float64), recorded in tests/fixtures/torch_grid.json by
tests/oracles/gen_torch_grid.py (fixed cases and 30 random ones: channels, filters, stride pairs, padding as a
number, a pair, four sides or 'same', dilation, bias, and the flipped kernel of a true convolution); the
worked example of Zhang et al., Dive into Deep Learning, section 7.2; scipy.signal.convolve2d for the
signal-processing convolution.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver import registry
from solver.render import render
from solver.params import InvalidInput

FIX = json.loads((Path(__file__).parent / "fixtures" / "torch_grid.json").read_text())
CONV = registry.get("conv2d")


def _close(got, want, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=rtol, atol=atol)


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("i", range(len(FIX["conv2d"])))
def test_conv2d_matches_torch(i, path):
    case = FIX["conv2d"][i]
    sol = CONV.solve(case["params"], case["conventions"], path=path)
    assert sol.status == "solved", sol.status
    _close(sol.answer("output").value, case["output"])
    assert list(sol.answer("out_shape").value) == case["out_shape"]
    if "padded_input" in case:
        _close(sol.answer("padded_input").value, case["padded_input"])
    else:
        assert "padded_input" not in sol.answers


def test_d2l_cross_correlation_worked_example():
    """Zhang et al., Dive into Deep Learning, section 7.2: [[0,1,2],[3,4,5],[6,7,8]] with [[0,1],[2,3]] gives
    [[19, 25], [37, 43]]; the first entry is 0*0 + 1*1 + 3*2 + 4*3 = 19."""
    sol = CONV.solve_example()
    assert sol.answer("output").value == [[19, 25], [37, 43]]
    assert sol.answer("output@i=2,j=1").value == 37
    text = render(sol)
    assert "0*0 + 1*1 + 3*2 + 4*3" in text


def test_convolution_flips_the_kernel_as_scipy_does():
    from scipy.signal import convolve2d

    x = np.array([[1, 2, 0, 3], [4, -1, 2, 2], [0, 1, 5, -2], [3, 3, 1, 0]])
    k = np.array([[1, 2], [0, -1]])
    sol = CONV.solve({"x": x.tolist(), "kernel": k.tolist()}, {"operation": "convolution"}, path="exact")
    _close(sol.answer("output").value, convolve2d(x, k, mode="valid"))
    assert "Flipped kernel" in render(sol)


def test_every_table_entry_is_addressable_and_resolves():
    case = FIX["conv2d"][7]  # two filters with a bias each
    sol = CONV.solve(case["params"], case["conventions"], path="exact")
    addrs = sol.addresses()
    assert "output@c=2,i=1,j=2" in addrs and "products@c=1,i=2,j=2" in addrs
    for a in addrs:
        sol.answer(a)
    assert sol.answer("output@c=2,i=1,j=2").value == case["output"][1][0][1]


def test_channels_as_bars_and_filters_as_double_bars():
    sol = CONV.solve({"x": "1 2; 3 4 | 0 1; 1 0", "kernel": "1 0; 0 1 | 1 1; 1 1 || 0 1; 0 0 | 2 0; 0 0"},
                     path="exact")
    # filter 1: (1 + 4) + (0 + 1 + 1 + 0) = 7; filter 2: 2 + 2 * 0 = 2
    assert sol.answer("output").value == [[[7]], [[2]]]


def test_numeric_path_for_numpy_arrays():
    rng = np.random.default_rng(1)
    x, k = rng.normal(size=(3, 9, 9)), rng.normal(size=(2, 3, 3, 3))
    sol = CONV.solve({"x": x, "kernel": k, "padding": 1})
    out = np.asarray(sol.answer("output").value)
    assert out.shape == (2, 9, 9)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    assert abs(out[1, 4, 5] - float((xp[:, 4:7, 5:8] * k[1]).sum())) < 1e-12


@pytest.mark.parametrize("params, field", [
    ({"x": "1 2; 3 4", "kernel": "1 2 3; 4 5 6; 7 8 9"}, "kernel"),          # kernel larger than the input
    ({"x": "1 2; 3 4 | 5 6; 7 8", "kernel": "1 0; 0 1"}, "kernel"),          # one matrix for two channels
    ({"x": "1 2; 3 4", "kernel": "1", "bias": "1 2"}, "bias"),               # two biases, one filter
    ({"x": "1 2; 3 4 | 5 6", "kernel": "1"}, "x"),                           # channels of different sizes
    ({"x": "1 2; 3 4", "kernel": "1", "padding": "1 2 3"}, "padding"),
    ({"x": "1 2; 3 4", "kernel": "1", "padding": "-1"}, "padding"),
    ({"x": "1 2; 3 4", "kernel": "1", "stride": "0"}, "stride"),
    ({"x": "1 2; 3 4", "kernel": "1", "padding": "100000"}, "padding"),
])
def test_bad_input_names_the_field(params, field):
    with pytest.raises(InvalidInput) as e:
        CONV.solve(params)
    assert e.value.field == field


def test_the_reader_reaches_conv2d_from_an_exam_question():
    from solver.reading.reader import read

    r = read("Convolve the image X = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] with the kernel K = [[1, 0], [0, -1]] "
             "using stride 1 and no padding. What is the output feature map?")
    assert r.family == "conv2d" and not r.missing


def test_reader_reads_a_rich_statement_as_its_text():
    """A family's statement is Rich text (prose and maths); reading it used to fail with 'The question must be
    text. Got Rich instead.'"""
    from solver.reading.reader import read
    from solver.richtext import Rich

    fam = registry.get("conv2d")
    st = fam.statement(fam.validate(dict(fam.example.params)))
    assert isinstance(st, Rich)
    assert read(st).family == "conv2d"


def test_padding_wider_than_the_kernel_says_which_outputs_see_only_zeros():
    sol = CONV.solve({"x": "1 2; 3 4", "kernel": "2", "padding": 1, "bias": "0.5"}, path="exact")
    assert sol.answer("output").value == [[0.5] * 4, [0.5, 2.5, 4.5, 0.5], [0.5, 6.5, 8.5, 0.5], [0.5] * 4]
    assert "cover padding only" in render(sol)


@pytest.mark.parametrize("family,params,field", [("conv2d", {"x": "1e400", "kernel": "1e400"}, "x"),
                                                 ("conv2d", {"x": "0 1; 2 3", "kernel": "1e400"}, "kernel"),
                                                 ("pool2d", {"x": "1e400 1; 2 3", "size": "1"}, "x")])
def test_numeric_path_entries_beyond_float_range_name_the_field(family, params, field):
    """Regression (the fuzz run at 1,000 inputs per target): an entry of 1e400 on the numeric path raised
    OverflowError; the exact path still gives the exact value."""
    with pytest.raises(InvalidInput) as e:
        registry.get(family).solve(params, path="numeric")
    assert e.value.field == field and "float64" in e.value.message
    assert registry.get(family).solve(params, path="exact").status == "solved"
