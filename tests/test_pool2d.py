"""pool2d: max, average and global pooling values, argmax positions and output size.

Oracles: torch.nn.functional.max_pool2d (with return_indices), avg_pool2d (count_include_pad, ceil_mode) and
adaptive pooling to 1 x 1 (torch 2.13.0, float64), recorded in tests/fixtures/torch_grid.json by
tests/oracles/gen_torch_grid.py (fixed cases and 30 random ones); the Stanford CS231n course notes' max pooling
example (2 x 2 windows, stride 2).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver import registry
from solver.params import InvalidInput

FIX = json.loads((Path(__file__).parent / "fixtures" / "torch_grid.json").read_text())
POOL = registry.get("pool2d")


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("i", range(len(FIX["pool2d"])))
def test_pool2d_matches_torch(i, path):
    case = FIX["pool2d"][i]
    sol = POOL.solve(case["params"], case["conventions"], path=path)
    assert sol.status == "solved", sol.status
    _close(sol.answer("output").value, case["output"])
    assert list(sol.answer("out_shape").value) == case["out_shape"]
    if "argmax" in case:
        assert sol.answer("argmax").value == case["argmax"]
    else:
        assert "argmax" not in sol.answers


def test_cs231n_max_pooling_example():
    """The CS231n course notes (Convolutional Networks, pooling layer): 2 x 2 max pooling with stride 2 of
    [[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]] gives [[6, 8], [3, 4]]."""
    sol = POOL.solve_example()
    assert sol.answer("output").value == [[6, 8], [3, 4]]
    assert sol.answer("argmax@i=1,j=2").value == [2, 4]


def test_a_tie_takes_the_first_maximum_in_reading_order():
    sol = POOL.solve({"x": "3 3; 3 1", "size": 2, "stride": 1}, path="exact")
    assert sol.answer("argmax").value == [[[1, 1]]]


def test_count_include_pad_changes_a_padded_average():
    x = "1 2; 3 4"
    inc = POOL.solve({"x": x, "mode": "avg", "size": 2, "stride": 1, "padding": 1}, path="exact")
    exc = POOL.solve({"x": x, "mode": "avg", "size": 2, "stride": 1, "padding": 1},
                     {"count_include_pad": "exclude"}, path="exact")
    # the corner window covers one input cell: 1/4 with the padding counted, 1/1 without
    assert inc.answer("output@i=1,j=1").value == 0.25 and exc.answer("output@i=1,j=1").value == 1


def test_every_table_entry_is_addressable_and_resolves():
    sol = POOL.solve(FIX["pool2d"][14]["params"], FIX["pool2d"][14]["conventions"], path="exact")
    addrs = sol.addresses()
    assert "output@c=2,i=1,j=1" in addrs and "argmax@c=1,i=2,j=2" in addrs
    for a in addrs:
        sol.answer(a)


@pytest.mark.parametrize("params, field", [
    ({"x": "1 2; 3 4", "size": 2, "padding": 2}, "padding"),        # more than half the window
    ({"x": "1 2; 3 4", "size": 5}, "size"),                         # window larger than the padded input
    ({"x": "1 2; 3 4", "size": 0}, "size"),
    ({"x": "1 2; 3 4", "mode": "median"}, "mode"),
    ({"x": "1 2; 3 4", "stride": "0"}, "stride"),
    ({"x": "1 2; 3 4 | 1 2", "size": 1}, "x"),
])
def test_bad_input_names_the_field(params, field):
    with pytest.raises(InvalidInput) as e:
        POOL.solve(params)
    assert e.value.field == field


def test_large_input_takes_the_numeric_path():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 32, 32))
    sol = POOL.solve({"x": x, "size": 2})
    out = np.asarray(sol.answer("output").value)
    _close(out, x.reshape(4, 16, 2, 16, 2).max(axis=(2, 4)))


def test_the_reader_reaches_pool2d_from_an_exam_question():
    from solver.reading.reader import read

    r = read("Apply 2 x 2 max pooling with stride 2 to the feature map X = [[1, 3, 2, 1], [4, 6, 5, 0], "
             "[7, 1, 2, 8], [3, 2, 9, 4]]. What is the output?")
    assert r.family == "pool2d" and not r.missing, r.to_json()
    assert r.params["x"].startswith("[[1, 3")


def test_an_answer_deeper_than_a_matrix_is_not_offered_as_a_matrix_in_the_web_check():
    """The argmax positions of a max pooling (a matrix of (row, column) pairs) were offered in the check as a matrix,
    which no typed matrix could match; they are checked entry by entry (argmax@i=1,j=1) instead."""
    from web.check import value_kind

    sol = POOL.solve_example()
    assert value_kind(sol.answers["argmax"]) is None
    assert value_kind(sol.answers["output"]) == "matrix"
    assert value_kind(sol.answer("argmax@i=1,j=1")) == "vector"
