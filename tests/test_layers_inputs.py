"""Layer families: inputs as exams give them (issue 14 item 3) and dropout's backward pass (issue 15 item 6).

Oracles: the committed torch 2.13 fixtures (tests/fixtures/torch_layers.json, from tests/oracles/gen_torch_layers.py):
F.dropout's own mask and autograd gradient under a fixed seed, and clip_grad_value_ / clip_grad_norm_ on each row.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver import registry
from solver.params import InvalidInput

FIX = json.loads((Path(__file__).parent / "fixtures" / "torch_layers.json").read_text())
PATHS = ("exact", "numeric")


def solve(family, params, conv=None, path="auto"):
    return registry.get(family).solve(params, conv or {}, path=path)


def A(sol, name):
    return np.array(sol.answers[name].value, dtype=float)


@pytest.mark.parametrize("case", FIX["dropout_backward"], ids=lambda c: str(c["p_drop"]))
@pytest.mark.parametrize("path", PATHS)
def test_dropout_matrix_forward_and_backward_match_torch(case, path):
    """torch's F.dropout with its own mask: the output h m / p_keep and the gradient g m / p_keep (autograd)."""
    params = {"p": case["p_drop"], "h": case["h"], "mask": case["mask"], "grad_output": case["grad_output"]}
    sol = solve("dropout", params, {"p_meaning": "drop"}, path)
    want_out, want_grad = np.array(case["output"]), np.array(case["grad_input"])
    shape = want_out.shape if want_out.shape[0] > 1 else want_out.shape[1:]
    assert A(sol, "train_output") == pytest.approx(want_out.reshape(shape), rel=1e-13)
    assert A(sol, "grad_input") == pytest.approx(want_grad.reshape(shape), rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_dropout_backward_standard_scaling_passes_the_gradient_through_kept_units(path):
    """Standard dropout trains unscaled: dL/dh = g m (closed form)."""
    sol = solve("dropout", {"p": "0.8", "grad_output": "1 2; 3 4", "mask": "1 0; 0 1"}, {"scaling": "standard"}, path)
    assert A(sol, "grad_input").tolist() == [[1, 0], [0, 4]]


def test_dropout_grad_output_needs_a_mask_of_its_shape():
    with pytest.raises(InvalidInput) as e:
        solve("dropout", {"p": "0.8", "grad_output": "1 2"})
    assert e.value.field == "mask"
    with pytest.raises(InvalidInput) as e:
        solve("dropout", {"p": "0.8", "h": "1 2; 3 4", "mask": "1 0 1 1"})
    assert e.value.field == "mask" and "2 x 2" in e.value.message
    with pytest.raises(InvalidInput) as e:
        solve("dropout", {"p": "0.8", "h": "1 2", "mask": "1 0.5"})
    assert e.value.field == "mask" and "0 (dropped) or 1 (kept)" in e.value.message


@pytest.mark.parametrize("case", FIX["grad_clip_rows"], ids=lambda c: str(len(c["g"])))
@pytest.mark.parametrize("path", PATHS)
def test_grad_clip_matrix_row_by_row_matches_torch(case, path):
    params = {"g": case["g"], "clip_value": case["clip_value"], "max_norm": case["max_norm"]}
    sol = solve("grad_clip", params, {"norm_scale": "torch"}, path)
    assert A(sol, "by_value") == pytest.approx(np.array(case["by_value"]), rel=1e-13)
    assert A(sol, "by_norm") == pytest.approx(np.array(case["by_norm"]), rel=1e-12)
    assert A(sol, "norm") == pytest.approx(np.array(case["total_norm"]), rel=1e-13)


def test_grad_clip_rows_are_addressable():
    """Row 2 = (3, -4): norm 5, scaled by 1/5 to (0.6, -0.8) (closed form)."""
    sol = solve("grad_clip", {"g": "0.9 100; 3 -4", "max_norm": "1"}, path="exact")
    assert sol.answer("norm@row=2").value == 5
    assert sol.answer("scale@row=2").value == pytest.approx(0.2)
