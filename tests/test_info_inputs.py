"""Information families: inputs as exams give them, and the new asked values (issues 14 and 15).

Oracles: the committed torch 2.13 fixtures (tests/fixtures/torch_info.json, from tests/oracles/gen_torch_info.py:
F.cross_entropy with class indices and weight=, F.nll_loss, torch.distributions.kl_divergence between Normals,
Normal.entropy, F.log_softmax, torch.logsumexp), scipy.stats.entropy with any base, and closed forms written here.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from solver import registry
from solver.params import InvalidInput

scipy_stats = pytest.importorskip("scipy.stats")

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_info.json").read_text())["cases"]
PATHS = ("exact", "numeric")


def solve(family, params, conv=None, path="auto"):
    return registry.get(family).solve(params, conv or {}, path=path)


def A(sol, name):
    return sol.answers[name].value


def texts(sol) -> str:
    return json.dumps(sol.to_json())


# ---- class indices, weights, broadcast, probabilities from logits -------------------------------------------

@pytest.mark.parametrize("path", PATHS)
def test_class_index_targets_match_torch_cross_entropy(path):
    """target = class indices (counted from 0 under class_index=from_0, from 1 by default): torch's F.cross_entropy."""
    case = FIXTURES["ce-index-three-samples"]
    sol = solve("cross_entropy", {"logits": case["logits"], "target": case["target"]}, {"class_index": "from_0"}, path)
    assert A(sol, "cross_entropy") == pytest.approx(case["losses"], rel=1e-13)
    assert A(sol, "mean") == pytest.approx(case["mean"], rel=1e-13)
    one_based = solve("cross_entropy", {"logits": case["logits"], "target": [c + 1 for c in case["target"]]}, path=path)
    assert A(one_based, "cross_entropy") == pytest.approx(case["losses"], rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_probabilities_from_logits_are_an_answer(path):
    """Issue 14 item 1: q = softmax(z) is an answer (torch.softmax), one row per sample."""
    case = FIXTURES["ce-index-three-samples"]
    sol = solve("cross_entropy", {"logits": case["logits"], "target": [c + 1 for c in case["target"]]}, path=path)
    assert np.array(A(sol, "q")) == pytest.approx(np.array(case["q"]), rel=1e-13)
    single = solve("cross_entropy", {"logits": case["logits"][0], "target": "1"}, path=path)
    assert A(single, "q") == pytest.approx(case["q"][0], rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_class_weights_match_torch_weighted_mean(path):
    case = FIXTURES["ce-index-weighted"]
    sol = solve("cross_entropy", {"logits": case["logits"], "target": case["target"], "weights": case["weight"]},
                {"class_index": "from_0"}, path)
    assert A(sol, "cross_entropy") == pytest.approx(case["losses"], rel=1e-13)
    assert A(sol, "mean") == pytest.approx(case["mean"], rel=1e-13)
    by_n = solve("cross_entropy", {"logits": case["logits"], "target": case["target"], "weights": case["weight"]},
                 {"class_index": "from_0", "weighted_mean": "n"}, path)
    assert A(by_n, "mean") == pytest.approx(np.mean(case["losses"]), rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_one_prediction_row_is_used_for_every_sample(path):
    """One row of q and four class indices: torch's F.nll_loss(log q expanded to every sample)."""
    case = FIXTURES["ce-probs-one-row-broadcast"]
    sol = solve("cross_entropy", {"q": case["q"], "target": case["target"]}, {"class_index": "from_0"}, path)
    assert A(sol, "cross_entropy") == pytest.approx(case["losses"], rel=1e-13)
    onehot = [[1 if j == c else 0 for j in range(3)] for c in case["target"]]
    sol = solve("cross_entropy", {"q": case["q"], "p": onehot}, path=path)
    assert A(sol, "cross_entropy") == pytest.approx(case["losses"], rel=1e-13)


def test_typed_class_index_as_p_is_read_as_the_target():
    """"p = 2" with three predicted probabilities is the true class, not a distribution."""
    sol = solve("cross_entropy", {"p": "2", "q": "0.2 0.7 0.1"})
    assert A(sol, "cross_entropy") == pytest.approx(-math.log(0.7), rel=1e-14)


def test_a_log_base_below_one_is_refused_naming_base():
    with pytest.raises(InvalidInput) as e:
        solve("entropy", {"p": "0.5 0.5", "base": "0.5"})
    assert e.value.field == "base" and "greater than 1" in e.value.message


def test_class_index_out_of_range_names_the_field():
    with pytest.raises(InvalidInput) as e:
        solve("cross_entropy", {"target": "0", "q": "0.5 0.5"})
    assert e.value.field == "target" and "from 1 to 2" in e.value.message


# ---- rows printed with few digits ------------------------------------------------------------------------------

def test_thirds_printed_with_two_decimals_are_used_as_written():
    """0.33 0.33 0.33 sums to 0.99: accepted (within 3 x 0.005), used as written, and the solution says so."""
    sol = solve("entropy", {"p": "0.33 0.33 0.33"})
    assert A(sol, "entropy") == pytest.approx(-3 * 0.33 * math.log(0.33), rel=1e-14)
    assert "does not sum to exactly 1" in texts(sol)


@pytest.mark.parametrize("path", PATHS)
def test_rounded_prediction_row_is_accepted_in_cross_entropy(path):
    sol = solve("cross_entropy", {"p": "0 0 1", "q": "0.17 0.17 0.67"}, path=path)
    assert A(sol, "cross_entropy") == pytest.approx(-math.log(0.67), rel=1e-14)
    assert "does not sum to exactly 1" in texts(sol)


def test_row_off_by_more_than_its_rounding_is_still_rejected():
    with pytest.raises(InvalidInput) as e:
        solve("entropy", {"p": "0.25 0.25 0.25"})
    assert e.value.field == "p" and "not within the rounding of its printed digits" in e.value.message


# ---- any log base -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("base", ["3", "1.5"])
@pytest.mark.parametrize("path", PATHS)
def test_any_positive_base_matches_scipy(base, path):
    P = [[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]
    sol = solve("entropy", {"p": P, "base": base}, path=path)
    assert A(sol, "entropy") == pytest.approx(scipy_stats.entropy(P, base=float(base), axis=1).tolist(), rel=1e-13)
    kl = solve("kl_divergence", {"p": P[0], "q": P[1], "base": base}, path=path)
    assert A(kl, "kl") == pytest.approx(scipy_stats.entropy(P[0], P[1], base=float(base)), rel=1e-13)


# ---- Gaussians ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["kl-gauss-1d", "kl-gauss-diagonal"])
@pytest.mark.parametrize("path", PATHS)
def test_gaussian_kl_matches_torch_distributions(name, path):
    case = FIXTURES[name]
    sol = solve("kl_divergence", {k: case[k] for k in ("mu_p", "sigma_p", "mu_q", "sigma_q")}, path=path)
    assert A(sol, "kl") == pytest.approx(case["kl"], rel=1e-13)
    assert A(sol, "kl_reverse") == pytest.approx(case["kl_reverse"], rel=1e-13)


def test_gaussian_kl_in_bits_is_the_nats_value_over_ln2():
    """The closed form ln(2/1) + (1 + 1)/(2 * 4) - 1/2 = ln 2 - 1/4 nats, divided by ln 2."""
    sol = solve("kl_divergence", {"mu_p": "0", "sigma_p": "1", "mu_q": "1", "sigma_q": "2", "base": "2"})
    assert A(sol, "kl") == pytest.approx((math.log(2) - 0.25) / math.log(2), rel=1e-14)


@pytest.mark.parametrize("field", ["sigma_p", "sigma_q"])
def test_gaussian_sigma_not_positive_names_the_field(field):
    params = {"mu_p": "0", "sigma_p": "1", "mu_q": "1", "sigma_q": "2", field: "0"}
    with pytest.raises(InvalidInput) as e:
        solve("kl_divergence", params)
    assert e.value.field == field and "positive" in e.value.message


@pytest.mark.parametrize("name", ["gauss-entropy-1d", "gauss-entropy-diagonal"])
@pytest.mark.parametrize("path", PATHS)
def test_gaussian_entropy_matches_torch_normal(name, path):
    case = FIXTURES[name]
    sol = solve("entropy", {"mu": case["mu"], "sigma": case["sigma"]}, path=path)
    assert A(sol, "entropy") == pytest.approx(case["entropy"], rel=1e-13)


# ---- addressable trace tables ------------------------------------------------------------------------------------

INFO_CASES = [
    ("entropy", {"p": "0.5 0.5 0; 0.9 0.1 0; 0.2 0.3 0.5"}),
    ("entropy", {"p": "0.5 0.25 0.25"}),
    ("entropy", {"sigma": "1 2"}),
    ("kl_divergence", {"p": "0.5 0.5; 0.9 0.1", "q": "0.2 0.8"}),
    ("kl_divergence", {"mu_p": "0 1", "sigma_p": "1", "mu_q": "1 0", "sigma_q": "2 3"}),
    ("cross_entropy", {"q_true": "0.7 0.2 0.9"}),
    ("cross_entropy", {"p": "1 0 0; 0 1 0", "logits": "1 2 3; 0 0 1"}),
    ("cross_entropy", {"target": "1 3", "q": "0.2 0.3 0.5"}),
    ("binary_cross_entropy", {"y": "1 0 1 0 1 0 1 1", "p": "0.9 0.2 0.8 0.3 0.6 0.1 0.7 0.95"}),
    ("binary_cross_entropy", {"y": "1 0 1 0 1 0 1 1", "logits": "2 -1 0.5 -0.3 1 -2 0.2 3"}),
    ("grad_clip", {"g": "0.9 100; 3 -4; 0.1 0.2"}),
    ("dropout", {"p": "0.5", "h": "1 2; 3 4", "mask": "1 0; 1 1", "grad_output": "1 1; 2 2"}),
    ("conv_shape", {"input": "227 227 3", "layers": "conv 96 11 s4 p0; pool 3 s2; conv 256 5 s1 p2; fc 10"}),
]


def trace_tables(sol):
    return [step.table for step in sol.walk() if step.table is not None]


def assert_every_trace_column_addressable(sol):
    """Every table is addressable; every non-index column of every row is listed and resolves to its value."""
    listed = set(sol.addresses())
    tables = trace_tables(sol)
    for table in tables:
        assert table.addressable, [c.text for c in table.columns]
        idx = [table.keys.index(k) for k in table.index]
        for vals in table.values:
            where = ",".join(f"{table.keys[i]}={vals[i]}" for i in idx)
            for j, k in enumerate(table.keys):
                if k in table.index:
                    continue
                a = f"{k}@{where}"
                assert a in listed, (a, sorted(listed)[:20])
                got = sol.answer(a)
                assert got.name if hasattr(got, "name") else got


@pytest.mark.parametrize("family,params", INFO_CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(INFO_CASES)])
@pytest.mark.parametrize("path", PATHS)
def test_every_trace_column_of_the_information_families_is_addressable(family, params, path):
    assert_every_trace_column_addressable(solve(family, params, path=path))


@pytest.mark.parametrize("family", ["entropy", "kl_divergence", "cross_entropy", "binary_cross_entropy", "softmax",
                                    "mle", "dropout", "grad_clip", "conv_shape", "batch_norm"])
def test_every_trace_column_of_each_worked_example_is_addressable(family):
    fam = registry.get(family)
    for path in PATHS:
        assert_every_trace_column_addressable(fam.solve(dict(fam.example.params), path=path))


def test_a_term_of_a_row_is_addressed_by_row_and_outcome():
    """Rows of more outcomes than are written out one by one keep a table of terms p_i log(1/p_i)."""
    row = [0.125] * 8
    sol = solve("entropy", {"p": [[0.5, 0.5] + [0] * 6, row]})
    assert sol.answer("term@row=2,i=3").value == pytest.approx(0.125 * math.log(8), rel=1e-14)
    assert sol.answer("entropy@row=2").value == pytest.approx(math.log(8), rel=1e-14)


# ---- conv_shape: the padded size, and only the layer asked for ---------------------------------------------------

@pytest.mark.parametrize("path", PATHS)
def test_conv_shape_padded_size_is_an_answer(path):
    """W + 2P: a 32 x 28 input with padding 2 is 36 x 32 padded (the closed form)."""
    sol = solve("conv_shape", {"input": "32 28 3", "size": "5", "pad": "2", "filters": "8"}, path=path)
    assert A(sol, "padded_width") == 36 and A(sol, "padded_height") == 32
    assert A(sol, "out_width") == 32 and A(sol, "out_height") == 28
    assert A(sol, "out_shape") == [32, 28, 8]  # one answer for the output volume (issue 15)


@pytest.mark.parametrize("path", PATHS)
def test_conv_shape_fully_connected_question_computes_no_default_conv_layer(path):
    """The handwritten notes' '2 architectures': a 500-unit layer on 32 x 32 x 3 has 3072 x 500 + 500 = 1,536,500
    parameters; with no filter size given, no convolution layer is computed or shown."""
    sol = solve("conv_shape", {"input": "32 32 3", "fc_units": "500"}, path=path)
    assert set(sol.answers) == {"fc_params"} and A(sol, "fc_params") == 1_536_500
    assert "filter" not in sol.statement.lower()


def test_conv_shape_without_size_or_fc_units_names_size():
    with pytest.raises(InvalidInput) as e:
        solve("conv_shape", {"input": "32 32 3"})
    assert e.value.field == "size"


def test_conv_shape_network_rows_are_addressable():
    """AlexNet's first layers: 55 x 55 x 96 (34,944 parameters), pooled to 27 x 27 x 96 (closed forms)."""
    sol = solve("conv_shape", {"input": "227 227 3", "layers": "conv 96 11 s4 p0; pool 3 s2"})
    assert sol.answer("out_shape@layer=1").value == [55, 55, 96]
    assert sol.answer("params@layer=1").value == 96 * (11 * 11 * 3 + 1)
    assert sol.answer("out_shape@layer=2").value == [27, 27, 96]


# ---- log-softmax and log-sum-exp --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["log-softmax-notes004", "log-softmax-large"])
@pytest.mark.parametrize("path", PATHS)
def test_log_softmax_and_logsumexp_match_torch(name, path):
    """torch's F.log_softmax and torch.logsumexp; logits of 1000 keep every digit (the max-shift)."""
    case = FIXTURES[name]
    sol = solve("softmax", {"logits": case["z"], "log": "true"}, path=path)
    assert A(sol, "logsumexp") == pytest.approx(case["logsumexp"], rel=1e-15)
    assert A(sol, "log_softmax") == pytest.approx(case["log_softmax"], rel=1e-13)


def test_log_softmax_shows_the_max_shift_as_a_step():
    sol = solve("softmax", {"logits": "1000 999 990", "log": "true"}, path="exact")
    titles = [s.title for s in sol.walk()]
    assert "Add back the maximum (the max-shift)" in titles and "The largest score" in titles


def test_log_softmax_of_rows_is_addressable_and_not_computed_unasked():
    sol = solve("softmax", {"logits": "1 2 3; 0 0 1", "log": "true"}, path="exact")
    assert sol.answer("logsumexp@row=1").value == pytest.approx(math.log(math.exp(1) + math.exp(2) + math.exp(3)))
    assert "logsumexp" not in solve("softmax", {"logits": "1 2 3"}).answers


# ---- conventions on the paper -------------------------------------------------------------------------------------

MY_FAMILIES = ("entropy", "cross_entropy", "binary_cross_entropy", "kl_divergence", "softmax", "mle", "dropout",
               "grad_clip", "conv_shape", "batch_norm")


@pytest.mark.parametrize("family", MY_FAMILIES)
def test_every_own_convention_has_a_paper_instruction_and_sources_in_words(family):
    """Issue 17 item 3, issue 18 item 1: each option an instructor can choose is printed on the paper and sourced."""
    import re

    from solver.conventions import LOG_BASE

    for conv in registry.get(family).conventions:
        if conv.name == LOG_BASE.name:  # the shared log-base convention (solver.conventions)
            continue
        assert set(conv.paper) == set(conv.options), (family, conv.name)
        assert set(conv.sources) == set(conv.options), (family, conv.name)
        for words in (*conv.paper.values(), *conv.sources.values()):
            assert not re.search(r"WE-|notes 0\d\d", words), words


@pytest.mark.parametrize("family", ("entropy", "cross_entropy", "binary_cross_entropy", "kl_divergence", "softmax",
                                    "mle", "dropout", "grad_clip", "batch_norm"))
def test_statements_are_rich_text_without_ascii_maths(family):
    """Issue 17 item 4: the worked example's statement is Rich, with maths as maths (no sigma^2, dL/dp, x_hat)."""
    from solver.richtext import Rich

    fam = registry.get(family)
    st = fam.statement(fam.validate(dict(fam.example.params)))
    assert isinstance(st, Rich)
    assert st.latex().count(r"\(") >= 1
    for ascii_maths in ("^2", "dL/d", "_hat", "sigma", "theta", "gamma", "beta", "eps ="):
        assert ascii_maths not in st.text(), (ascii_maths, st.text())


@pytest.mark.parametrize("base", ["3", "1.5", "7/2"])
@pytest.mark.parametrize("family", ["entropy", "kl_divergence", "cross_entropy", "binary_cross_entropy"])
@pytest.mark.parametrize("path", PATHS)
def test_every_family_with_a_log_base_solves_its_example_in_any_base(family, base, path):
    """Regression: binary_cross_entropy kept its formulas per named base only, so base 3 raised KeyError. Every answer in
    base b is the natural-log one divided by ln b."""
    fam = registry.get(family)
    nats = fam.solve(dict(fam.example.params, base="e"), path=path)
    other = fam.solve(dict(fam.example.params, base=base), path=path)
    from fractions import Fraction

    ln_b = math.log(float(Fraction(base)))
    for name, a in nats.answers.items():
        if a.unit == "nats":
            assert np.array(A(other, name), dtype=float) == pytest.approx(np.array(a.value, dtype=float) / ln_b,
                                                                          rel=1e-12), name


@pytest.mark.parametrize("path", PATHS)
def test_bce_in_base_3_matches_torch_over_ln3(path):
    case = FIXTURES["bce-mixed"]
    sol = solve("binary_cross_entropy", {"y": case["y"], "p": case["p"], "base": "3"}, path=path)
    assert A(sol, "losses") == pytest.approx([v / math.log(3) for v in case["losses"]], rel=1e-13)


@pytest.mark.parametrize("path", PATHS)
def test_bce_one_prediction_for_every_sample(path):
    """p = 0.8 for targets 1, 0, 1: losses -ln 0.8, -ln 0.2, -ln 0.8 and dL/dp = -1/0.8, 1/0.2, -1/0.8 (closed form)."""
    sol = solve("binary_cross_entropy", {"y": "1 0 1", "p": "0.8"}, path=path)
    assert A(sol, "losses") == pytest.approx([-math.log(0.8), -math.log(0.2), -math.log(0.8)], rel=1e-14)
    assert A(sol, "grad_p") == pytest.approx([-1.25, 5, -1.25], rel=1e-14)
    assert "the same p is used for every sample" in texts(sol)
