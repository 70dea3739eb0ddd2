"""Layer families: conv_shape, batch_norm, dropout, init, grad_clip, regularization, ensemble.

Oracles: the course notes' worked examples (ids from shared/worked-examples.md), torch fixtures in
tests/fixtures/torch_layers.json (written by tests/oracles/gen_torch_layers.py, torch 2.13.0), NumPy
re-computations and seeded NumPy Monte Carlo, and SymPy for closed forms.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from solver import registry
from solver.params import InvalidInput

FIX = json.loads((Path(__file__).parent / "fixtures" / "torch_layers.json").read_text())
ROOT = Path(__file__).resolve().parents[1]


def solve(family, params, conv=None, path="auto"):
    return registry.get(family).solve(params, conv or {}, path=path)


def val(sol, name):
    return sol.answers[name].numeric_value()


def close(got, want, rtol=1e-12, atol=1e-14):
    np.testing.assert_allclose(np.array(got, dtype=float), np.array(want, dtype=float), rtol=rtol, atol=atol)


def texts(sol):
    return " ".join(f"{s.title} {s.text}" for s in sol.walk())


# ---- conv_shape ---------------------------------------------------------------------------------

def test_we_cnn_shapes_2_output_volume_and_params():
    """WE-cnn-shapes-2: 32x32x3, 100 filters 4x4x3 -> 29x29x100 = 84,100 values and 4,900 parameters."""
    sol = solve("conv_shape", {"input": "32 32 3", "filters": 100, "size": 4})
    assert (val(sol, "out_width"), val(sol, "out_height"), val(sol, "out_depth")) == (29, 29, 100)
    assert val(sol, "output_values") == 84100
    assert val(sol, "params") == 4900


def test_we_param_count_4_fc_layer_has_one_bias_per_unit():
    """WE-param-count-4: FC 3072 -> 500 has 1,536,500 parameters (the notes say '+ 1 bias')."""
    sol = solve("conv_shape", {"input": "32 32 3", "filters": 100, "size": 4, "fc_units": 500})
    assert val(sol, "fc_params") == 3072 * 500 + 500 == 1_536_500
    assert "'3072 x 500 + 1 bias'" in texts(sol) and "3072 x 500 + 500 = 1,536,500" in texts(sol)


def test_we_cnn_shapes_1_linear_classifier_on_cifar_image():
    """WE-cnn-shapes-1: a 32x32x3 image is a vector of 3072; W (10 x 3072) and b (10) give 30,730 parameters."""
    sol = solve("conv_shape", {"input": "32 32 3", "filters": 1, "size": 1, "fc_units": 10})
    assert val(sol, "fc_params") == 30730


@pytest.mark.parametrize("w", [5, 7, 32, 227])
def test_we_cnn_shapes_3_pad_one_keeps_the_size(w):
    """WE-cnn-shapes-3: F = 3, stride 1, pad 1 keeps W."""
    sol = solve("conv_shape", {"input": [w, w, 3], "filters": 8, "size": 3, "pad": 1})
    assert val(sol, "out_width") == w


def test_we_cnn_shapes_4_which_strides_fit_a_7x7_input():
    """WE-cnn-shapes-4: strides 1, 2, 4 fit 7x7 with F = 3 and no padding; 3 does not (torch floors it to 2)."""
    sol = solve("conv_shape", {"input": "7", "size": 3, "stride": 3})
    assert sol.status == "undefined"
    assert val(sol, "fits") is False and val(sol, "valid_strides") == [1, 2, 4]
    floor = solve("conv_shape", {"input": "7", "size": 3, "stride": 3}, {"stride_fit": "floor"})
    assert floor.status == "solved" and val(floor, "out_width") == 2
    assert val(solve("conv_shape", {"input": "7", "size": 1}), "valid_strides") == [1, 2, 3, 6]
    assert val(solve("conv_shape", {"input": "7", "size": 5}), "valid_strides") == [1, 2]


def test_we_cnn_shapes_5_lenet_connections():
    """WE-cnn-shapes-5: LeNet C1 on 32x32: 28x28x6 outputs, 122,304 connections, 156 parameters."""
    sol = solve("conv_shape", {"input": "32 32 1", "filters": 6, "size": 5})
    assert (val(sol, "out_width"), val(sol, "out_depth")) == (28, 6)
    assert val(sol, "connections") == 122_304 and val(sol, "params") == 156
    assert "22 x 32" in texts(sol)  # the remark on the notes' typo


@pytest.mark.parametrize("case", FIX["conv"]["layers"], ids=lambda c: f"{c['kind']}-{c['input']}-F{c['size']}-S{c['stride']}")
def test_conv_and_pool_shapes_match_torch(case):
    params = {"input": case["input"], "kind": case["kind"], "size": case["size"], "stride": case["stride"],
              "pad": case["pad"], "dilation": case["dilation"]}
    if case["kind"] == "conv":
        params["filters"] = case["filters"]
    for path in ("exact", "numeric"):
        sol = solve("conv_shape", params, {"stride_fit": "floor"}, path=path)
        assert [val(sol, "out_width"), val(sol, "out_height"), val(sol, "out_depth")] == case["output"]
        assert val(sol, "params") == case["params"]
        assert val(sol, "fits") is case["fits"]


def test_alexnet_table_matches_torch():
    fx = FIX["conv"]["alexnet"]
    sol = solve("conv_shape", {"input": fx["input"], "layers": fx["text"]})
    assert val(sol, "params_per_layer") == [layer["params"] for layer in fx["layers"]]
    assert val(sol, "total_params") == fx["total_params"] == 62_378_344
    assert val(sol, "out_shape") == fx["layers"][-1]["output"]
    table = next(s.table for s in sol.walk() if s.table is not None)
    shapes = [row[2] for row in table.rows]
    assert shapes == [" x ".join(map(str, layer["output"])) for layer in fx["layers"]]
    # activation memory: 4 bytes per output value of every layer
    assert val(sol, "activation_bytes") == 4 * sum(math.prod(layer["output"]) for layer in fx["layers"])


@pytest.mark.parametrize("case", FIX["conv"]["receptive_field"], ids=lambda c: str(len(c["stack"])))
def test_receptive_field_matches_torch_autograd(case):
    lines = []
    for kind, size, stride, pad, dil in case["stack"]:
        lines.append(f"conv 1 {size} s{stride} p{pad} d{dil}" if kind == "conv" else f"pool {size} s{stride} p{pad}")
    sol = solve("conv_shape", {"input": "101 101 1", "layers": "\n".join(lines)}, {"stride_fit": "floor"})
    assert val(sol, "receptive_field") == case["receptive_field"]


def test_network_with_a_stride_that_does_not_fit_is_undefined():
    sol = solve("conv_shape", {"input": "7 7 1", "layers": "conv 4 3 s1 p0; conv 4 3 s3"})
    assert sol.status == "undefined" and val(sol, "failed_layer") == 2


@pytest.mark.parametrize("bad", ["conv 96", "pool", "fc 10 s2", "softmax 3", "conv 96 11 s4 s2", "conv 0 3", "import os"])
def test_bad_layer_text_names_the_layers_parameter(bad):
    with pytest.raises(InvalidInput) as e:
        solve("conv_shape", {"layers": bad})
    assert e.value.field == "layers" and "'layers'" in e.value.message


def test_layer_text_round_trips():
    spec = registry.get("conv_shape").param("layers").spec
    layers = spec.parse("conv 96 11 s4 p0\nmaxpool 3 s2 # comment\nbn; relu; fc 10")
    assert spec.parse(spec.to_text(layers)) == layers
    assert layers[1].stride == 2 and layers[1].kind == "pool"
    assert spec.parse("pool 2")[0].stride == 2  # torch's default stride = kernel size


def test_cli_bad_value_exits_2():
    r = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "conv_shape", "-p", "layers=conv oops"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "'layers'" in r.stderr and len(r.stderr.strip().splitlines()) == 1


# ---- batch_norm ---------------------------------------------------------------------------------

def _bn_params(case):
    return {"X": case["X"], "gamma": case["gamma"], "beta": case["beta"], "eps": repr(case["eps"]),
            "momentum": repr(case["momentum"]), "running_mean": case["running_mean_in"],
            "running_var": case["running_var_in"], "dY": case["dY"], "x_test": case["x_test"]}


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("i", range(len(FIX["batch_norm"])))
def test_batch_norm_matches_torch(i, path):
    case = FIX["batch_norm"][i]
    if path == "exact" and len(case["X"]) * len(case["X"][0]) > 40:
        pytest.skip("the exact path is for hand-sized batches")
    sol = solve("batch_norm", _bn_params(case), path=path)
    for ours, theirs in (("y", "y"), ("running_mean", "running_mean"), ("running_var", "running_var"), ("dX", "dX"),
                         ("dgamma", "dgamma"), ("dbeta", "dbeta"), ("y_test", "y_test")):
        close(val(sol, ours), case[theirs], rtol=1e-12, atol=1e-12)


def test_we_batchnorm_1_output_mean_is_beta_and_variance_just_below_gamma_squared():
    """WE-batchnorm-1: m = 64, gamma = 1.7, beta = -0.4, eps = 1e-5: mean(y) = beta, var(y) = gamma^2 s^2/(s^2 + eps)."""
    X = np.round(np.random.default_rng(11).normal(2.0, 0.7, size=(64, 1)), 4)
    sol = solve("batch_norm", {"X": X.tolist(), "gamma": "1.7", "beta": "-0.4", "eps": "1e-5"}, path="numeric")
    y = np.array(val(sol, "y"))
    s2 = X.var()
    assert abs(y.mean() - (-0.4)) < 1e-12 and abs(val(sol, "y_mean")[0] + 0.4) < 1e-15
    close(val(sol, "y_var"), [1.7 ** 2 * s2 / (s2 + 1e-5)])
    close(y.var(), 1.7 ** 2 * s2 / (s2 + 1e-5))
    assert val(sol, "y_var")[0] < 2.89 and abs(val(sol, "y_var")[0] - 2.89) < 1e-3


def test_batch_norm_keras_convention_uses_biased_variance_and_old_weight():
    X = [[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]]
    sol = solve("batch_norm", {"X": X, "momentum": "0.99", "running_mean": "1 1", "running_var": "2 2"},
                {"momentum_form": "keras", "running_var": "biased"})
    A = np.array(X)
    close(val(sol, "running_mean"), 0.99 * 1 + 0.01 * A.mean(0))
    close(val(sol, "running_var"), 0.99 * 2 + 0.01 * A.var(0))


def test_batch_norm_big_batch_is_vectorised():
    X = np.random.default_rng(3).normal(size=(200_000, 4))
    sol = solve("batch_norm", {"X": X, "dY": np.ones_like(X)})
    assert sol.path == "numeric"
    close(val(sol, "mean"), X.mean(0))
    close(val(sol, "var"), X.var(0))
    close(val(sol, "dbeta"), np.full(4, 200_000.0))
    assert "y" not in sol.answers  # too large to list


def test_batch_norm_shape_mismatch_names_the_field():
    with pytest.raises(InvalidInput) as e:
        solve("batch_norm", {"X": "[[1, 2], [3, 4]]", "gamma": "1 2 3"})
    assert e.value.field == "gamma"


# ---- dropout ------------------------------------------------------------------------------------

def test_we_dropout_1_weight_kept_with_p_squared():
    """WE-dropout-1: neurons retained with 0.8 -> a weight is updated with probability 0.64, 640 times in 1000."""
    sol = solve("dropout", {"p": "0.8", "iterations": 1000})
    assert val(sol, "weight_keep_prob") == pytest.approx(0.64, abs=1e-15)
    assert val(sol, "expected_updates") == 640


def test_we_dropout_2_drop_probability_and_inverted_scaling():
    """WE-dropout-2: p = 0.5 is the drop probability in notes 001; E[mask] = 0.5; inverted dropout scales by 2; 2^q masks."""
    sol = solve("dropout", {"p": "0.5", "units": 10}, {"p_meaning": "drop"})
    assert val(sol, "keep_prob") == 0.5 and val(sol, "train_scale") == 2 and val(sol, "test_scale") == 1
    assert val(sol, "masks") == 1024
    assert "(rand < 1 - p)" in texts(sol)
    std = solve("dropout", {"p": "0.5"}, {"p_meaning": "drop", "scaling": "standard"})
    assert val(std, "train_scale") == 1 and val(std, "test_scale") == 0.5


@pytest.mark.parametrize("case", FIX["dropout"], ids=lambda c: str(c["p_drop"]))
def test_dropout_scale_matches_torch(case):
    sol = solve("dropout", {"p": repr(case["p_drop"])}, {"p_meaning": "drop"})
    close(val(sol, "train_scale"), case["train_scale"], rtol=1e-15)
    assert val(sol, "test_scale") == case["test_scale"]


def test_dropout_monte_carlo_weight_survival_and_unbiased_inverted_output():
    """Seeded Monte Carlo, 200,000 iterations: P(both units kept) within 5 standard errors of p^2; E[inverted output] = h."""
    rng = np.random.default_rng(2024)
    keep, n = 0.8, 200_000
    both = ((rng.random(n) < keep) & (rng.random(n) < keep)).mean()
    sol = solve("dropout", {"p": "0.8"})
    p2 = val(sol, "weight_keep_prob")
    assert abs(both - p2) < 5 * math.sqrt(p2 * (1 - p2) / n)
    h = np.array([0.5, 1.2, -0.3, 2.0])
    masks = rng.random((n, 4)) < keep
    mean_out = (h * masks * val(sol, "train_scale")).mean(axis=0)
    assert np.all(np.abs(mean_out - h) < 5 * np.abs(h) * math.sqrt((1 - keep) / keep / n) + 1e-12)


def test_dropout_mask_applied_to_activations():
    h, m = [0.5, 1.2, -0.3, 2.0], [1, 0, 1, 1]
    sol = solve("dropout", {"p": "0.8", "h": h, "mask": m})
    close(val(sol, "train_output"), np.array(h) * np.array(m) / 0.8)
    close(val(sol, "test_output"), h)
    big = solve("dropout", {"p": "0.8", "h": np.ones(100_000), "mask": np.ones(100_000)})
    assert big.path == "numeric" and "train_output" not in big.answers and val(big, "train_scale") == 1.25


def test_dropout_mask_length_is_checked():
    with pytest.raises(InvalidInput) as e:
        solve("dropout", {"h": "1 2 3", "mask": "1 0"})
    assert e.value.field == "mask"


def test_dropout_keep_zero_is_undefined_not_an_error():
    assert solve("dropout", {"p": "0"}).status == "undefined"


# ---- init ---------------------------------------------------------------------------------------

def test_we_init_1_and_2_fan_in_4_fan_out_3():
    """WE-init-1/2: 1/4, 1/3, 2/7 (std 0.534522); He 0.5 (std 0.707107); Glorot-uniform limit sqrt(6/7) = 0.92582."""
    sol = solve("init", {"layers": "4 3"})
    close(val(sol, "var_fan_in"), [0.25])
    close(val(sol, "var_fan_out"), [1 / 3])
    close(val(sol, "var_xavier"), [2 / 7])
    close(val(sol, "std_xavier"), [0.5345224838248488])
    close(val(sol, "var_he"), [0.5])
    close(val(sol, "std_he"), [math.sqrt(0.5)])
    close(val(sol, "bound_xavier"), [math.sqrt(6 / 7)])


def _init_params(shape):
    if len(shape) == 2:
        return {"layers": [shape[1], shape[0]]}
    return {"layers": [shape[1], shape[0]], "kernel": shape[2]}


@pytest.mark.parametrize("row", FIX["init"]["shapes"], ids=lambda r: "x".join(map(str, r["shape"])))
def test_init_matches_torch_fans_bounds_and_gains(row):
    for path in ("exact", "numeric"):
        sol = solve("init", _init_params(row["shape"]), path=path)
        close(val(sol, "var_fan_in"), [1 / row["fan_in"]])
        close(val(sol, "var_fan_out"), [1 / row["fan_out"]])
        close(val(sol, "bound_xavier"), [row["xavier_uniform_bound_linear"]])
        close(val(sol, "std_xavier"), [row["xavier_normal_std_linear"]])
        close(val(sol, "std_he"), [row["kaiming_normal_std_fan_in"]])
        close(val(sol, "bound_he"), [row["kaiming_uniform_bound_fan_in"]])
        out = solve("init", _init_params(row["shape"]), {"he_mode": "fan_out"}, path=path)
        close(val(out, "std_he"), [row["kaiming_normal_std_fan_out"]])
        close(val(out, "bound_he"), [row["kaiming_uniform_bound_fan_out"]])
    tanh = solve("init", {**_init_params(row["shape"]), "gain": "5/3"})
    close(val(tanh, "bound_xavier"), [row["xavier_uniform_bound_tanh"]])
    close(val(tanh, "std_xavier"), [row["xavier_normal_std_tanh"]])
    assert FIX["init"]["gains"]["tanh"] == pytest.approx(5 / 3, rel=1e-15)


def test_init_per_layer_for_a_list_of_sizes():
    sol = solve("init", {"layers": "784 256 10"})
    close(val(sol, "var_xavier"), [2 / (784 + 256), 2 / (256 + 10)])
    close(val(sol, "var_he"), [2 / 784, 2 / 256])


# ---- grad_clip ----------------------------------------------------------------------------------

def test_we_clipping_1_by_value_turns_by_norm_keeps_direction():
    """WE-clipping-1: [0.9, 100] -> by value [0.9, 1.0] (89.484 -> 48.01 degrees); by norm [0.0089996355, 0.9999595]."""
    sol = solve("grad_clip", {"g": "0.9 100", "clip_value": 1, "max_norm": 1})
    close(val(sol, "by_value"), [0.9, 1.0])
    assert val(sol, "angle_axis_before") == pytest.approx(89.484, abs=5e-4)
    assert val(sol, "angle_axis_after") == pytest.approx(48.01, abs=5e-3)
    assert val(sol, "norm") == pytest.approx(100.0040499, abs=1e-7)
    close(val(sol, "by_norm"), [0.0089996355, 0.9999595], rtol=1e-7)
    assert val(sol, "norm_after") == pytest.approx(1.0, abs=1e-15)
    assert val(sol, "angle_change_value") == pytest.approx(89.484 - 48.013, abs=1e-3)


@pytest.mark.parametrize("case", FIX["grad_clip"], ids=lambda c: f"{c['g']}-{c['norm_type']}")
def test_grad_clip_matches_torch(case):
    params = {"g": case["g"], "clip_value": repr(case["clip_value"]), "max_norm": repr(case["max_norm"]),
              "norm_type": str(case["norm_type"]).replace(".0", "")}
    for path in ("exact", "numeric"):
        sol = solve("grad_clip", params, {"norm_scale": "torch"}, path=path)
        close(val(sol, "by_value"), case["by_value"])
        close(val(sol, "by_norm"), case["by_norm"], rtol=1e-12, atol=1e-15)
        close(val(sol, "norm"), case["total_norm"])


def test_grad_clip_big_vector_is_vectorised():
    g = np.random.default_rng(5).normal(size=1_000_000) * 3
    sol = solve("grad_clip", {"g": g, "max_norm": 10, "clip_value": 1})
    assert sol.path == "numeric"
    n = math.sqrt(float(np.dot(g, g)))
    assert val(sol, "norm") == pytest.approx(n, rel=1e-12)
    assert val(sol, "scale") == pytest.approx(10 / n, rel=1e-12)
    assert "by_value" not in sol.answers  # too long to list: summarised


# ---- regularization -----------------------------------------------------------------------------

@pytest.mark.parametrize("case", FIX["regularization"]["sgd_weight_decay"], ids=lambda c: str(c["w"]))
def test_l2_update_matches_torch_sgd_weight_decay(case):
    params = {"w": case["w"], "grad": case["grad"], "lr": repr(case["lr"]), "alpha": repr(case["weight_decay"])}
    for path in ("exact", "numeric"):
        sol = solve("regularization", params, path=path)
        close(val(sol, "w_l2"), case["w_new"])


def test_l2_sign_slip_of_notes_000_is_remarked_and_l1_moves_towards_zero():
    sol = solve("regularization", {"w": "0.5 -1.2 0", "grad": "0 0 0", "lr": "0.1", "alpha": "0.5"})
    assert "Where the course notes slipped" in texts(sol) and "+ eta alpha w" in texts(sol)
    close(val(sol, "w_l1"), [0.5 - 0.05, -1.2 + 0.05, 0.0])  # numpy-free by hand: eta alpha sign(w), sign(0) = 0
    full = solve("regularization", {"w": "1 2", "lr": "0.1", "alpha": "0.5"}, {"l2_form": "full"})
    close(val(full, "w_l2"), [0.9, 1.8])


def test_eigen_shrinkage_matches_numpy():
    """(H + alpha I)^-1 H has eigenvalues lambda_i/(lambda_i + alpha) (notes 000's D)."""
    rng = np.random.default_rng(9)
    Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    lam = np.array([10.0, 1.0, 0.1, 0.001])
    H = Q @ np.diag(lam) @ Q.T
    alpha = 0.1
    want = np.sort(np.linalg.eigvals(np.linalg.solve(H + alpha * np.eye(4), H)).real)
    sol = solve("regularization", {"w": "1", "eigenvalues": lam.tolist(), "alpha": "0.1"})
    close(np.sort(val(sol, "shrinkage")), want, rtol=1e-10)


@pytest.mark.parametrize("case", FIX["regularization"]["renorm"], ids=lambda c: str(c["W"]))
def test_max_norm_matches_torch_renorm(case):
    for row, new in zip(case["W"], case["W_new"]):
        sol = solve("regularization", {"w": row, "max_norm": repr(case["max_norm"])})
        close(val(sol, "w_maxnorm"), new, rtol=2e-7)  # torch divides by norm + 1e-7


@pytest.mark.parametrize("case", FIX["regularization"]["label_smoothing"], ids=lambda c: f"K{c['K']}")
def test_label_smoothing_k_matches_torch_cross_entropy(case):
    sol = solve("regularization", {"w": "1", "classes": case["K"], "smoothing": repr(case["eps"]),
                                   "target": case["target"] + 1}, {"label_smoothing": "k"})
    t = np.array(val(sol, "targets"))
    z = np.array(case["logits"])
    log_softmax = z - z.max() - np.log(np.exp(z - z.max()).sum())
    assert -(t * log_softmax).sum() == pytest.approx(case["loss"], rel=1e-12)
    assert t.sum() == pytest.approx(1.0, abs=1e-15)


def test_we_cross_entropy_1_label_smoothing_k_minus_1():
    """WE-cross-entropy-1: notes 001's 0.9 / 0.011 for K = 10, eps = 0.1 is the eps/(K-1) convention."""
    sol = solve("regularization", {"w": "1", "classes": 10, "smoothing": "0.1", "target": 3})
    t = val(sol, "targets")
    assert t[2] == pytest.approx(0.9) and t[0] == pytest.approx(0.1 / 9) and round(t[0], 3) == 0.011


# ---- ensemble -----------------------------------------------------------------------------------

def test_we_ensemble_1_formula_and_monte_carlo():
    """WE-ensemble-1: k = 5, V = 1, C = 0.3 -> 0.44; a seeded Monte Carlo (400,000 draws) agrees within 5 standard errors."""
    sol = solve("ensemble", {"k": 5, "V": 1, "C": "0.3"})
    assert val(sol, "mse") == pytest.approx(0.44, abs=1e-15)
    k, V, C = 5, 1.0, 0.3
    cov = np.full((k, k), C) + np.eye(k) * (V - C)
    eps = np.random.default_rng(1234).multivariate_normal(np.zeros(k), cov, size=400_000)
    sq = eps.mean(axis=1) ** 2
    assert abs(sq.mean() - val(sol, "mse")) < 5 * sq.std() / math.sqrt(sq.size)


def test_we_ensemble_2_best_and_worst_case():
    """WE-ensemble-2: independent errors -> V/k; perfectly correlated -> V."""
    sol = solve("ensemble", {"k": 8, "V": 2, "C": 0})
    assert val(sol, "mse") == pytest.approx(0.25) and val(sol, "mse_independent") == pytest.approx(0.25)
    assert val(solve("ensemble", {"k": 8, "V": 2, "C": 2}), "mse") == 2


def test_ensemble_closed_form_with_sympy():
    """E[(1/k sum eps)^2] = 1^T Sigma 1 / k^2 equals V/k + (k-1)C/k for k = 1..6 (symbolic V, C)."""
    V, C = sp.symbols("V C")
    for k in range(1, 7):
        Sigma = sp.Matrix(k, k, lambda i, j: V if i == j else C)
        ones = sp.ones(k, 1)
        assert sp.simplify((ones.T * Sigma * ones)[0] / k ** 2 - (V / k + (k - 1) * C / k)) == 0


def test_we_bagging_1_left_out_fraction_and_limit():
    """WE-bagging-1: (1 - 1/n)^n -> 1/e = 0.367879; seeded bootstrap simulation for n = 1000."""
    sol = solve("ensemble", {"n": 1000})
    assert val(sol, "left_out") == pytest.approx((1 - 1 / 1000) ** 1000, rel=1e-12)
    assert val(sol, "limit") == pytest.approx(math.exp(-1), rel=1e-15)
    assert sp.limit((1 - 1 / sp.Symbol("n")) ** sp.Symbol("n"), sp.Symbol("n"), sp.oo) == sp.exp(-1)
    rng = np.random.default_rng(77)
    draws = rng.integers(0, 1000, size=(2000, 1000))
    left = np.array([1 - np.unique(r).size / 1000 for r in draws])
    assert abs(left.mean() - val(sol, "left_out")) < 5 * left.std() / math.sqrt(left.size)
    huge = solve("ensemble", {"n": 10 ** 12})
    assert val(huge, "left_out") == pytest.approx(math.exp(-1), rel=1e-11)


def test_ensemble_correlation_convention_and_impossible_covariance():
    sol = solve("ensemble", {"k": 4, "V": 2, "C": "0.3"}, {"c_is": "correlation"})
    assert val(sol, "mse") == pytest.approx(2 / 4 + 3 * 0.6 / 4)
    assert solve("ensemble", {"k": 3, "V": 1, "C": "-0.6"}).status == "undefined"  # below -V/(k-1)
