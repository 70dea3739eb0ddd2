"""loss: MSE, MAE, RMSE, Huber, hinge, squared hinge and log-cosh losses of given predictions, their gradient
with respect to the predictions, and an L1 or L2 penalty on given weights.

Oracles: torch 2.13.0 (float64) F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss, relu-based hinge losses,
torch.log(torch.cosh(...)) and autograd for every gradient, recorded in tests/fixtures/torch_grid.json by
tests/oracles/gen_torch_grid.py (fixed cases and 35 random ones); scikit-learn's documentation examples of
mean_squared_error (0.375) and mean_absolute_error (0.5).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver import registry
from solver.params import InvalidInput

FIX = json.loads((Path(__file__).parent / "fixtures" / "torch_grid.json").read_text())
LOSS = registry.get("loss")
NAMES = ("loss", "losses", "gradient", "penalty", "total", "gradient_w")


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("i", range(len(FIX["loss"])))
def test_loss_matches_torch(i, path):
    case = FIX["loss"][i]
    sol = LOSS.solve(case["params"], case["conventions"], path=path)
    assert sol.status == "solved", sol.status
    for name in NAMES:
        if name in case:
            np.testing.assert_allclose(np.asarray(sol.answer(name).value, dtype=float), np.asarray(case[name]),
                                       rtol=1e-12, atol=1e-12, err_msg=name)
        else:
            assert name not in sol.answers


def test_sklearn_documentation_examples():
    """scikit-learn's docs: mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.375 and
    mean_absolute_error of the same = 0.5."""
    assert LOSS.solve_example().answer("loss").value == 0.375
    assert LOSS.solve({"y": "3 -0.5 2 7", "y_hat": "2.5 0 2 8", "kind": "mae"}).answer("loss").value == 0.5


def test_half_squared_error_gradient_is_the_residual():
    sol = LOSS.solve({"y": "1 2", "y_hat": "2 4"}, {"squared_error": "half", "reduction": "sum"}, path="exact")
    assert sol.answer("gradient").value == [1, 2] and sol.answer("loss").value == 2.5


def test_every_table_entry_is_addressable_and_resolves():
    sol = LOSS.solve({"y": "1 -1 1", "y_hat": "0.5 0.5 2", "kind": "hinge"}, path="exact")
    addrs = sol.addresses()
    assert "losses@i=2" in addrs and "gradient@i=3" in addrs
    for a in addrs:
        sol.answer(a)
    assert sol.answer("losses@i=2").value == 1.5


@pytest.mark.parametrize("params, field", [
    ({"y": "1 2 3", "y_hat": "1 2"}, "y_hat"),
    ({"y": "1 0", "y_hat": "1 2", "kind": "hinge"}, "y"),
    ({"y": "1", "y_hat": "1", "kind": "cross"}, "kind"),
    ({"y": "1", "y_hat": "1", "kind": "huber", "delta": "0"}, "delta"),
    ({"y": "1", "y_hat": "1", "weights": "1 2"}, "alpha"),
    ({"y": "1", "y_hat": "1", "alpha": "0.1"}, "weights"),
])
def test_bad_input_names_the_field(params, field):
    with pytest.raises(InvalidInput) as e:
        LOSS.solve(params)
    assert e.value.field == field


def test_rmse_of_exact_predictions_has_zero_gradient():
    sol = LOSS.solve({"y": "1 2", "y_hat": "1 2", "kind": "rmse"}, path="exact")
    assert sol.answer("loss").value == 0 and sol.answer("gradient").value == [0, 0]


def test_large_input_takes_the_numeric_path():
    rng = np.random.default_rng(5)
    yv, pv = rng.normal(size=5000), rng.normal(size=5000)
    sol = LOSS.solve({"y": yv, "y_hat": pv, "kind": "log_cosh"})
    assert abs(sol.answer("loss").value - float(np.mean(np.log(np.cosh(pv - yv))))) < 1e-12


@pytest.mark.parametrize("text, kind", [
    ("The targets are y = [1, 2, 3] and the predictions are ŷ = [1.5, 2, 2]. Compute the mean squared error.", "mse"),
    ("Compute the mean absolute error of the predictions [2, 4, 6] for the true values [1, 4, 8].", "mae"),
    ("For targets y = [0, 1] and predictions [0.5, 3], what is the Huber loss with delta = 1?", "huber"),
    ("Compute the hinge loss for the labels y = [1, -1, 1] and the scores [0.5, 0.3, 2].", "hinge"),
])
def test_the_reader_reaches_loss(text, kind):
    from solver.reading.reader import read

    r = read(text)
    assert r.family == "loss" and r.params.get("kind", "mse") == kind and not r.missing, r.to_json()


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_log_cosh_of_a_large_residual_does_not_overflow(path):
    """cosh(800) overflows float64: log cosh r = |r| + log(1 + e^(-2|r|)) - log 2 (closed form) stays finite."""
    sol = LOSS.solve({"y": [0.0, 0.0], "y_hat": [800.0, -1e-8], "kind": "log_cosh"}, {"reduction": "sum"}, path=path)
    want = [800.0 - np.log(2.0), 0.5e-16]          # log cosh x = x^2/2 + O(x^4) for small x
    assert np.allclose(sol.answer("losses").value, want, rtol=1e-12, atol=1e-30)
    assert np.isclose(sol.answer("loss").value, sum(want), rtol=1e-12)
