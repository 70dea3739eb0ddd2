"""Information-theory families: entropy, cross_entropy, kl_divergence, binary_cross_entropy, softmax.

Oracles: the worked examples of notes 004/001/002/003 by their ids in ../shared/worked-examples.md;
scipy (stats.entropy, special.rel_entr, special.softmax), NumPy, mpmath-free closed forms, and the
committed torch fixtures (tests/fixtures/torch_info.json, from tests/oracles/gen_torch_info.py);
hypothesis for the properties (H >= 0, H <= log K, KL >= 0, H(p, q) = H(p) + KL, softmax shift
invariance, rows summing to 1).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from solver import registry
from solver.params import InvalidInput

scipy_stats = pytest.importorskip("scipy.stats")
scipy_special = pytest.importorskip("scipy.special")

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_info.json").read_text())["cases"]
LN = {"e": 1.0, "2": math.log(2), "10": math.log(10)}


def A(sol, name):
    """An answer's value with 'inf' strings as floats."""
    return sol.answers[name].numeric_value()


def texts(sol) -> str:
    return "\n".join(" ".join(filter(None, [s.title, s.text, s.value.text if s.value else ""])) for s in sol.walk())


# ---- worked examples ---------------------------------------------------------------------------------

def test_we_entropy_1_biased_coin_in_bits():
    """WE-entropy-1: surprises log2(1/0.9) = 0.152, log2(1/0.1) = 3.32; H(0.9, 0.1) = 0.469 bits (0.325083 nats)."""
    sol = solver.solve("entropy", p="0.9 0.1", base="2")
    assert A(sol, "entropy") == pytest.approx(0.46899559358928117, rel=1e-12)
    assert sol.answers["entropy"].display == "0.4690" and sol.answers["entropy"].unit == "bits"
    values = {s.title: s.value.text for s in sol.walk() if s.value}
    assert values["Outcome 1"] == "s_1 = 0.152003" and values["Outcome 2"] == "s_2 = 3.32193"
    assert values["In nats"].endswith("0.325083")
    # the notes' slip is remarked on, in words (the optimization notes), not by an internal id
    assert "1/log(prob)" in texts(sol) and "the optimization notes" in texts(sol) and "WE-" not in texts(sol)


def test_we_entropy_2_fair_coin_is_one_bit():
    """WE-entropy-2: H(0.5, 0.5) = 1 bit exactly, the maximum log2(2)."""
    sol = solver.solve("entropy", p="0.5 0.5", base="2")
    assert A(sol, "entropy") == 1
    assert "the maximum, reached because every outcome is equally likely" in texts(sol)


def test_we_kl_1_and_reverse_is_infinite():
    """WE-kl-1: KL([1,0] || [0.7,0.3]) = ln(1/0.7) = 0.357 nats (0.514573 bits); KL(Q || P) is infinite, not a crash."""
    for path in ("exact", "numeric"):
        sol = registry.get("kl_divergence").solve({"p": "1 0", "q": "0.7 0.3"}, path=path)
        assert sol.status == "solved"
        assert A(sol, "kl") == pytest.approx(math.log(1 / 0.7), rel=1e-12)
        assert A(sol, "kl_reverse") == math.inf
    sol = solver.solve("kl_divergence", p="1 0", q="0.7 0.3")
    assert "infinite" in texts(sol) and "0 log" in texts(sol)
    assert solver.solve("kl_divergence", p="1 0", q="0.7 0.3", base="2").answers["kl"].value == \
        pytest.approx(0.51457317, abs=1e-8)
    assert json.loads(sol.dumps())["answers"]["kl_reverse"]["value"] == "inf"


def test_we_cross_entropy_4_notes_table_and_rounding_slip():
    """WE-cross-entropy-4: -ln 0.57 = 0.562, -ln 0.58 = 0.545, -ln 0.52 = 0.654; total 1.7607726 (notes: 1.75), mean 0.587."""
    for path in ("exact", "numeric"):
        sol = registry.get("cross_entropy").solve_example(path=path)
        assert A(sol, "cross_entropy") == pytest.approx([-math.log(v) for v in (0.57, 0.58, 0.52)], rel=1e-12)
        assert A(sol, "total") == pytest.approx(1.7607726, abs=1e-7)
        assert A(sol, "mean") == pytest.approx(0.586924, abs=1e-6)
    sol = registry.get("cross_entropy").solve_example()
    assert sol.answers["cross_entropy"].display == "(0.5621, 0.5447, 0.6539)"
    note = texts(sol)
    assert "1.75" in note and "the optimization notes, cross-entropy table" in note and "Round only at the end" in note
    assert "The total is 1.7608 and the mean 0.5869" in note and "WE-" not in note


def test_we_cross_entropy_3_one_hot_target_is_minus_log_q():
    """WE-cross-entropy-3: H([1,0], [0.7,0.3]) = -ln 0.7 = KL here, because H(p) = 0."""
    sol = solver.solve("cross_entropy", p="1 0", q="0.7 0.3")
    assert A(sol, "cross_entropy") == pytest.approx(-math.log(0.7), rel=1e-12)
    assert A(sol, "entropy_p") == 0 and A(sol, "kl") == pytest.approx(-math.log(0.7), rel=1e-12)


def test_we_cross_entropy_2_identity_on_the_notes_numbers():
    """WE-cross-entropy-2: H(p,q) = H(p) + KL with p = (0.2,0.5,0.3), q = (0.1,0.6,0.3): 1.0771217; torch's kl_div agrees."""
    sol = solver.solve("cross_entropy", p="0.2 0.5 0.3", q="0.1 0.6 0.3")
    assert A(sol, "cross_entropy") == pytest.approx(1.0771217, abs=1e-7)
    assert A(sol, "entropy_p") == pytest.approx(scipy_stats.entropy([0.2, 0.5, 0.3]), rel=1e-12)
    assert A(sol, "kl") == pytest.approx(FIXTURES["kl-we-cross-entropy-2"]["kl"], rel=1e-12)
    assert "The identity holds" in texts(sol)


def test_we_cross_entropy_1_label_smoothing_both_forms():
    """WE-cross-entropy-1: eps = 0.1, K = 10: eps/(K-1) gives 0.9 and 0.0111 (notes 001's 0.9/0.011); eps/K gives 0.91/0.01."""
    p = " ".join(["0"] * 3 + ["1"] + ["0"] * 6)
    q = " ".join(["0.1"] * 10)
    k1 = solver.solve("cross_entropy", p=p, q=q, label_smoothing="0.1")
    assert k1.convention_choices["smoothing_form"] == "eps/(K-1)"
    sm = A(k1, "p_smoothed")
    assert sm[3] == pytest.approx(0.9) and sm[0] == pytest.approx(0.1 / 9) and sum(sm) == pytest.approx(1)
    k = solver.solve("cross_entropy", p=p, q=q, label_smoothing="0.1", conventions={"smoothing_form": "eps/K"})
    sm = A(k, "p_smoothed")
    assert sm[3] == pytest.approx(0.91) and sm[0] == pytest.approx(0.01)
    # a uniform prediction costs ln 10 whatever the target
    assert A(k1, "cross_entropy") == pytest.approx(math.log(10)) == A(k, "cross_entropy")
    assert "The handwritten notes use this form: 0.9 and 0.011" in texts(k1)


def test_we_softmax_2_notes_raw_outputs():
    """WE-softmax-2: softmax(1.4, -1.1, 0.68) = (0.637415, 0.052322, 0.310263); scipy.special.softmax agrees."""
    want = scipy_special.softmax([1.4, -1.1, 0.68])
    for path in ("exact", "numeric"):
        sol = registry.get("softmax").solve({"logits": "1.4 -1.1 0.68"}, path=path)
        assert A(sol, "p") == pytest.approx(want.tolist(), rel=1e-14)
    assert A(sol, "p")[0] == pytest.approx(0.637415, abs=1e-6)


def test_we_softmax_1_jacobian_entries():
    """WE-softmax-1: J[0,0] = p1(1-p1) = 0.231117, J[0,1] = -p1 p2 = -0.0333509; torch's autograd Jacobian agrees."""
    case = FIXTURES["softmax-notes004"]
    for path in ("exact", "numeric"):
        sol = registry.get("softmax").solve_example(path=path)
        J = np.array(A(sol, "jacobian"))
        assert J[0, 0] == pytest.approx(0.231117, abs=1e-6) and J[0, 1] == pytest.approx(-0.0333509, abs=1e-7)
        assert J == pytest.approx(np.array(case["jacobian"]), abs=1e-15)
        assert J.sum(axis=1) == pytest.approx(np.zeros(3), abs=1e-15)


def test_we_softmax_3_saturated_softmax_keeps_its_precision():
    """WE-softmax-3: marks (100, 5, 4): 1 - P = e^-95 + e^-96 over the sum = 7.552e-42, on both paths; dP/dz = P(1-P)."""
    want = (math.exp(-95) + math.exp(-96)) / (1 + math.exp(-95) + math.exp(-96))
    assert want == pytest.approx(7.552e-42, rel=1e-4)
    for path in ("exact", "numeric"):
        sol = registry.get("softmax").solve({"logits": "100 5 4", "jacobian": "true"}, path=path)
        assert A(sol, "one_minus_p")[0] == pytest.approx(want, rel=1e-12)
        assert A(sol, "jacobian")[0][0] == pytest.approx(want, rel=1e-12)  # P (1 - P), not 0
    assert sol.answers["one_minus_p"].display.startswith("(7.552e-42")


def test_we_bce_3_derivative_with_respect_to_p():
    """WE-bce-3: dL/dp = (1-y)/(1-p) - y/p is -1.25 at (1, 0.8) and 1.25 at (0.3, 0.6); torch's autograd agrees."""
    case = FIXTURES["bce-notes004-we-bce-3"]
    for path in ("exact", "numeric"):
        sol = registry.get("binary_cross_entropy").solve_example(path=path)
        assert A(sol, "grad_p") == pytest.approx([-1.25, 1.25], rel=1e-14)
        assert A(sol, "losses") == pytest.approx(case["losses"], rel=1e-14)
        assert A(sol, "bce") == pytest.approx(np.mean(case["losses"]), rel=1e-14)
        assert A(sol, "total") == pytest.approx(np.sum(case["losses"]), rel=1e-14)


def test_we_bce_1_gradient_from_the_logit():
    """WE-bce-1: for y = 1, dCE/dz = sigma(z) - 1 = -0.40131234 at z = 0.4."""
    for path in ("exact", "numeric"):
        sol = registry.get("binary_cross_entropy").solve({"y": "1", "logits": "0.4"}, path=path)
        assert A(sol, "grad_z") == pytest.approx([-0.40131234], abs=1e-8)
        assert A(sol, "bce") == pytest.approx(math.log1p(math.exp(-0.4)), rel=1e-14)


# ---- torch fixtures -------------------------------------------------------------------------------------

def _ce_from_fixture(case, form="eps/K"):
    logits = case["logits"]
    K = len(logits[0])
    if isinstance(case["target"][0], int):
        p = [[1 if j == c else 0 for j in range(K)] for c in case["target"]]
    else:
        p = case["target"]
    params = {"p": p, "logits": logits, "label_smoothing": case["label_smoothing"]}
    return params, {"smoothing_form": form}


@pytest.mark.parametrize("name", [n for n, c in FIXTURES.items() if c["kind"] == "cross_entropy"])
def test_cross_entropy_from_logits_matches_torch(name):
    """torch F.cross_entropy (log-softmax inside; label_smoothing is the eps/K form), per sample, both paths."""
    case = FIXTURES[name]
    params, conv = _ce_from_fixture(case)
    for path in ("exact", "numeric"):
        sol = registry.get("cross_entropy").solve(params, conv, path=path)
        got = A(sol, "cross_entropy")
        got = got if isinstance(got, list) else [got]
        assert got == pytest.approx(case["losses"], rel=1e-13)
        if len(got) > 1:
            assert A(sol, "mean") == pytest.approx(np.mean(case["losses"]), rel=1e-13)


@pytest.mark.parametrize("name", ["bce-mixed", "bce-logits"])
def test_binary_cross_entropy_matches_torch(name):
    case = FIXTURES[name]
    params = {"y": case["y"], "p": case["p"]} if case["kind"] == "bce" else {"y": case["y"], "logits": case["z"]}
    grad = "grad_p" if case["kind"] == "bce" else "grad_z"
    for path in ("exact", "numeric"):
        sol = registry.get("binary_cross_entropy").solve(params, path=path)
        assert A(sol, "losses") == pytest.approx(case["losses"], rel=1e-13)
        assert A(sol, grad) == pytest.approx(case[grad], rel=1e-13)


@pytest.mark.parametrize("name", ["softmax-temperature2", "softmax-temperature0.5"])
def test_softmax_temperature_and_jacobian_match_torch(name):
    """The Jacobian is with respect to the raw logits, so it carries 1/T (torch's autograd of softmax(z / T))."""
    case = FIXTURES[name]
    for path in ("exact", "numeric"):
        sol = registry.get("softmax").solve({"logits": case["z"], "temperature": case["temperature"], "jacobian": True},
                                            path=path)
        assert A(sol, "p") == pytest.approx(case["p"], rel=1e-13)
        assert np.array(A(sol, "jacobian")) == pytest.approx(np.array(case["jacobian"]), abs=1e-15)


# ---- scipy / numpy oracles --------------------------------------------------------------------------------

ROWS = "0.2 0.3 0.5; 0.1 0.1 0.8; 0.25 0.25 0.5; 0.7 0.2 0.1"
QROWS = "0.3 0.3 0.4; 0.2 0.2 0.6; 0.1 0.6 0.3; 0.5 0.25 0.25"


def _np(text):
    return np.array([[float(x) for x in r.split()] for r in text.split(";")])


@pytest.mark.parametrize("base", ["e", "2", "10"])
def test_entropy_batch_matches_scipy(base):
    """scipy.stats.entropy(p, base=b) per row (axis=1), and the mean of the rows; both paths."""
    P = _np(ROWS)
    want = scipy_stats.entropy(P, base=None if base == "e" else int(base), axis=1)
    for path in ("exact", "numeric"):
        sol = registry.get("entropy").solve({"p": ROWS, "base": base}, path=path)
        assert A(sol, "entropy") == pytest.approx(want.tolist(), rel=1e-13)
        assert A(sol, "mean") == pytest.approx(want.mean(), rel=1e-13)
        assert sol.answers["mean"].unit == {"e": "nats", "2": "bits", "10": "hartleys"}[base]


@pytest.mark.parametrize("base", ["e", "2"])
def test_kl_batch_matches_scipy_rel_entr(base):
    P, Q = _np(ROWS), _np(QROWS)
    for path in ("exact", "numeric"):
        sol = registry.get("kl_divergence").solve({"p": ROWS, "q": QROWS, "base": base}, path=path)
        assert A(sol, "kl") == pytest.approx((scipy_special.rel_entr(P, Q).sum(axis=1) / LN[base]).tolist(), rel=1e-12)
        assert A(sol, "kl_reverse") == pytest.approx((scipy_special.rel_entr(Q, P).sum(axis=1) / LN[base]).tolist(), rel=1e-12)
        assert A(sol, "mean") == pytest.approx(scipy_stats.entropy(P, Q, axis=1).mean() / LN[base], rel=1e-12)


def test_cross_entropy_batch_matches_numpy_and_scipy():
    """H(p, q) = -sum p ln q (numpy) = entropy(p) + entropy(p, q) (scipy's KL), per row; total and mean."""
    P, Q = _np(ROWS), _np(QROWS)
    want = -(P * np.log(Q)).sum(axis=1)
    assert want == pytest.approx(scipy_stats.entropy(P, axis=1) + scipy_stats.entropy(P, Q, axis=1), rel=1e-13)
    for path in ("exact", "numeric"):
        sol = registry.get("cross_entropy").solve({"p": ROWS, "q": QROWS}, path=path)
        assert A(sol, "cross_entropy") == pytest.approx(want.tolist(), rel=1e-13)
        assert A(sol, "total") == pytest.approx(want.sum(), rel=1e-13)
        assert A(sol, "mean") == pytest.approx(want.mean(), rel=1e-13)


def test_softmax_rows_match_scipy():
    Z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5], [1000.0, 999.0, -1000.0]])
    for path in ("exact", "numeric"):
        sol = registry.get("softmax").solve({"logits": Z.tolist()}, path=path)
        assert np.array(A(sol, "p")) == pytest.approx(scipy_special.softmax(Z, axis=1), rel=1e-13, abs=1e-300)


def test_large_batch_takes_the_numeric_path_and_matches_scipy():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(6), size=600)
    Q = rng.dirichlet(np.ones(6), size=600)
    sol = solver.solve("kl_divergence", p=P.tolist(), q=Q.tolist())
    assert sol.path == "numeric"
    assert A(sol, "kl") == pytest.approx(scipy_stats.entropy(P, Q, axis=1).tolist(), rel=1e-9)
    sol = solver.solve("entropy", p=P)  # a NumPy array from the API
    assert sol.path == "numeric" and A(sol, "mean") == pytest.approx(scipy_stats.entropy(P, axis=1).mean(), rel=1e-12)
    Z = rng.normal(size=(500, 5))
    sol = solver.solve("softmax", logits=Z)
    assert np.array(A(sol, "p")) == pytest.approx(scipy_special.softmax(Z, axis=1), rel=1e-12)


def test_base_conversion_steps_match_scipy():
    """The value in nats, bits and hartleys: scipy.stats.entropy with base None, 2 and 10."""
    sol = solver.solve("entropy", p="0.2 0.3 0.5", base="e")
    values = {s.title: s.value.text.split("= ")[-1] for s in sol.walk() if s.title.startswith("In ")}
    assert float(values["In bits"]) == pytest.approx(scipy_stats.entropy([0.2, 0.3, 0.5], base=2), rel=1e-5)
    assert float(values["In hartleys"]) == pytest.approx(scipy_stats.entropy([0.2, 0.3, 0.5], base=10), rel=1e-5)


def test_rows_beyond_the_worked_ones_and_long_rows_match_scipy():
    """Exact path past MAX_DETAIL_ROWS (values without steps) and with more outcomes than per-term steps (tables)."""
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 9, size=(14, 8))
    P = counts / counts.sum(axis=1, keepdims=True)
    Q = np.roll(P, 1, axis=1)
    Pt = [[f"{c}/{r.sum()}" for c in r] for r in counts]
    Qt = [list(np.roll(r, 1)) for r in Pt]
    text = lambda M: "; ".join(" ".join(r) for r in M)  # noqa: E731
    f = registry.get
    sol = f("entropy").solve({"p": text(Pt), "base": "2"}, path="exact")
    assert A(sol, "entropy") == pytest.approx(scipy_stats.entropy(P, base=2, axis=1).tolist(), rel=1e-13)
    sol = f("kl_divergence").solve({"p": text(Pt), "q": text(Qt)}, path="exact")
    assert A(sol, "kl") == pytest.approx(scipy_special.rel_entr(P, Q).sum(axis=1).tolist(), rel=1e-12)
    Z = np.round(rng.normal(size=(14, 8)), 1)
    onehot = np.eye(8)[rng.integers(0, 8, size=14)]
    sol = f("cross_entropy").solve({"p": onehot.tolist(), "logits": Z.tolist()}, path="exact")
    want = -(onehot * np.log(scipy_special.softmax(Z, axis=1))).sum(axis=1)
    assert A(sol, "cross_entropy") == pytest.approx(want.tolist(), rel=1e-12)
    sol = f("softmax").solve({"logits": Z.tolist(), "jacobian": True, "temperature": "2"}, path="exact")
    S = scipy_special.softmax(Z / 2, axis=1)
    assert np.array(A(sol, "p")) == pytest.approx(S, rel=1e-13)
    J = np.array(A(sol, "jacobian"))
    assert J == pytest.approx((np.einsum("ni,ij->nij", S, np.eye(8)) - S[:, :, None] * S[:, None, :]) / 2, abs=1e-15)


# ---- zeros and infinities --------------------------------------------------------------------------------

def test_zero_probabilities_contribute_nothing_and_are_said():
    """0 log 0 = 0: scipy.stats.entropy([0.5, 0.5, 0]) = ln 2."""
    sol = solver.solve("entropy", p="0.5 0 0.5")
    assert A(sol, "entropy") == pytest.approx(scipy_stats.entropy([0.5, 0, 0.5]), rel=1e-14)
    assert "0 log 0 = 0" in texts(sol)


def test_cross_entropy_with_q_zero_where_p_positive_is_infinite_not_a_crash():
    for path in ("exact", "numeric"):
        sol = registry.get("cross_entropy").solve({"p": "0.5 0.5", "q": "1 0"}, path=path)
        assert sol.status == "solved" and A(sol, "cross_entropy") == math.inf and A(sol, "kl") == math.inf
    assert "infinite" in texts(sol.__class__.from_json(json.loads(registry.get("cross_entropy").solve(
        {"p": "0.5 0.5", "q": "1 0"}).dumps())))
    sol = solver.solve("cross_entropy", q_true="0.5 0")
    assert A(sol, "cross_entropy") == [pytest.approx(math.log(2)), math.inf] and A(sol, "mean") == math.inf
    # q = 0 where p = 0 is fine: 0 log 0 = 0
    assert A(solver.solve("cross_entropy", p="1 0", q="1 0"), "cross_entropy") == 0


def test_kl_forward_infinite_and_bce_confident_mistake():
    sol = solver.solve("kl_divergence", p="0.5 0.5", q="1 0")
    assert A(sol, "kl") == math.inf and A(sol, "kl_reverse") == pytest.approx(math.log(2))
    for path in ("exact", "numeric"):
        sol = registry.get("binary_cross_entropy").solve({"y": "1 0 0", "p": "0 0 1"}, path=path)
        assert A(sol, "losses") == [math.inf, 0, math.inf] and A(sol, "bce") == math.inf
        assert A(sol, "grad_p") == [-math.inf, 1, math.inf]


# ---- validation -----------------------------------------------------------------------------------------

def test_row_that_does_not_sum_to_one_is_rejected_naming_field_and_row():
    with pytest.raises(InvalidInput) as e:
        solver.solve("entropy", p="0.5 0.5; 0.5 0.4")
    assert e.value.field == "p"
    assert "row 2 of 'p' sums to 0.9, not 1" in e.value.message
    assert "pass normalize=true to rescale it" in e.value.message
    with pytest.raises(InvalidInput) as e:
        solver.solve("kl_divergence", p="0.5 0.5", q="0.5 0.6")
    assert e.value.field == "q" and "'q' sums to 1.1, not 1" in e.value.message


def test_normalize_rescales_and_says_so():
    sol = solver.solve("entropy", p="1 1 2", normalize=True)
    assert A(sol, "entropy") == pytest.approx(scipy_stats.entropy([1, 1, 2]), rel=1e-14)  # scipy normalises too
    assert "Rescale p to sum to 1" in texts(sol)
    sol = registry.get("entropy").solve({"p": np.array([[1.0, 3.0]]), "normalize": True})
    assert sol.path == "numeric" and A(sol, "entropy") == pytest.approx(scipy_stats.entropy([1, 3]))


def test_sum_within_tolerance_is_accepted():
    sol = solver.solve("entropy", p="0.5 0.5000000001")
    assert A(sol, "entropy") == pytest.approx(math.log(2), rel=1e-9)
    with pytest.raises(InvalidInput):
        solver.solve("entropy", p="0.5 0.50000001")


@pytest.mark.parametrize("family,params,field,fragment", [
    ("entropy", {"p": "1.2 -0.2"}, "p", "no negative entries: entry 2 of 'p' is -0.2"),
    ("entropy", {"p": "0 0"}, "p", "all zeros"),
    ("kl_divergence", {"p": "0.5 0.5", "q": "0.2 0.3 0.5"}, "q", "must have the shape of p"),
    ("cross_entropy", {"q_true": "0.5", "p": "1 0"}, "p", "cannot be combined with q_true"),
    ("cross_entropy", {"q_true": "0.5", "label_smoothing": "0.1"}, "label_smoothing", "not q_true"),
    ("cross_entropy", {"p": "1 0"}, "q", "required"),
    ("cross_entropy", {"q": "0.5 0.5"}, "p", "required"),
    ("cross_entropy", {"p": "1 0", "q": "0.5 0.5", "logits": "1 2"}, "logits", "not both"),
    ("cross_entropy", {"p": "1 0", "q": "0.5 0.5", "label_smoothing": "1"}, "label_smoothing", "[0, 1)"),
    ("cross_entropy", {"p": "0.5 0.5", "q": "0.5 0.5", "label_smoothing": "0.1"}, "label_smoothing", "one-hot"),
    ("binary_cross_entropy", {"y": "1 0 1", "p": "0.5 0.5"}, "p", "one entry per target"),
    ("binary_cross_entropy", {"y": "1"}, "p", "required"),
    ("binary_cross_entropy", {"y": "2", "p": "0.5"}, "y", "[0, 1]"),
    ("softmax", {"logits": "1 2", "temperature": "0"}, "temperature", "(0, inf)"),
    ("entropy", {"p": "0.5 0.5", "base": "1"}, "base", "a base above 1"),
])
def test_invalid_input_names_the_field(family, params, field, fragment):
    with pytest.raises(InvalidInput) as e:
        registry.get(family).solve(params)
    assert e.value.field == field and fragment in e.value.message, e.value.message
    assert f"'{field}'" in e.value.message


def test_numeric_path_rejects_bad_arrays_too():
    with pytest.raises(InvalidInput) as e:
        solver.solve("entropy", p=np.array([[0.5, 0.5], [0.3, 0.3]]))
    assert "row 2 of 'p' sums to 0.6, not 1" in e.value.message


def test_base_aliases():
    assert solver.solve("entropy", p="0.5 0.5", base="bits").answers["entropy"].unit == "bits"
    assert registry.get("entropy").solve({"p": "0.5 0.5", "base": 10}).answers["entropy"].unit == "hartleys"


def test_cli_bad_value_exits_2_with_one_line():
    r = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "entropy", "-p", "p=oops"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "'p'" in r.stderr


@pytest.mark.parametrize("family,name", [("cross_entropy", "q_true"), ("kl_divergence", "q"),
                                         ("binary_cross_entropy", "y"), ("softmax", "logits"),
                                         ("entropy", "p")])
def test_cli_bad_value_in_process(family, name, capsys):
    from solver.cli import main
    assert main(["solve", family, "--example", "-p", f"{name}=oops"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"'{name}'" in err


def test_cli_row_sum_message(capsys):
    from solver.cli import main
    assert main(["solve", "entropy", "-p", "p=0.5 0.4"]) == 2
    err = capsys.readouterr().err
    assert err == ("stepwise: The 'p' parameter of entropy must hold probabilities that sum to 1: 'p' sums to 0.9, "
                   "not 1, and not within the rounding of its printed digits; pass normalize=true to rescale it.\n")
    assert main(["solve", "entropy", "-p", "p=0.5 0.4", "-p", "normalize=true", "-p", "base=2"]) == 0
    assert "Rescale p to sum to 1" in capsys.readouterr().out


# ---- regressions ------------------------------------------------------------------------------------------

def test_softmax_shifted_scores_are_exact_zeros():
    """Computing inside sp.evaluate(False) left 3 - 3 unevaluated, which evalf turned into 1.3e-172."""
    sol = solver.solve("softmax", logits="1 2 3")
    shifted = next(s for s in sol.walk() if s.title == "Shifted scores")
    assert shifted.value.text == "s = (-2, -1, 0)"


def test_cross_entropy_from_logits_keeps_precision_for_a_confident_prediction():
    """ln q from the log-softmax, not ln of a rounded q: logits (60, 0), target class 2 -> loss 60 + ln(1 + e^-60)."""
    want = 60 + math.log1p(math.exp(-60))
    for path in ("exact", "numeric"):
        sol = registry.get("cross_entropy").solve({"p": "0 1", "logits": "60 0"}, path=path)
        assert A(sol, "cross_entropy") == pytest.approx(want, rel=1e-14)
        sol = registry.get("cross_entropy").solve({"p": "1 0", "logits": "60 0"}, path=path)
        assert A(sol, "cross_entropy") == pytest.approx(math.log1p(math.exp(-60)), rel=1e-12)


# ---- properties ---------------------------------------------------------------------------------------------

def _dist(k):
    return st.lists(st.integers(0, 20), min_size=k, max_size=k).filter(lambda v: sum(v) > 0).map(
        lambda v: [x / sum(v) for x in v])


@st.composite
def pairs(draw):
    k = draw(st.integers(2, 5))
    return draw(_dist(k)), draw(_dist(k).filter(lambda q: min(q) > 0))


@settings(max_examples=60, deadline=None)
@given(pairs())
def test_properties_numeric(pq):
    """H >= 0, H <= ln K, KL >= 0, H(p,q) = H(p) + KL, matching scipy, on random distributions (numeric path)."""
    p, q = pq
    K = len(p)
    h = A(registry.get("entropy").solve({"p": p}, path="numeric"), "entropy")
    assert -1e-12 <= h <= math.log(K) + 1e-12
    assert h == pytest.approx(scipy_stats.entropy(p), abs=1e-12)
    kl = A(registry.get("kl_divergence").solve({"p": p, "q": q}, path="numeric"), "kl")
    assert kl >= -1e-12 and kl == pytest.approx(scipy_special.rel_entr(p, q).sum(), abs=1e-12)
    ce = registry.get("cross_entropy").solve({"p": p, "q": q}, path="numeric")
    assert A(ce, "cross_entropy") == pytest.approx(h + kl, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(pairs())
def test_properties_exact(pq):
    """The exact path on the same properties (fewer examples: SymPy is slower)."""
    p, q = pq
    sol = registry.get("cross_entropy").solve({"p": [round(x, 6) for x in p], "q": [round(x, 6) for x in q],
                                               "normalize": True}, path="exact")
    h, kl, ce = A(sol, "entropy_p"), A(sol, "kl"), A(sol, "cross_entropy")
    assert h >= 0 and kl >= 0 and ce == pytest.approx(h + kl, abs=1e-12)
    assert h <= math.log(len(p)) + 1e-12


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=6), st.floats(-100, 100, allow_nan=False))
def test_softmax_invariant_to_a_constant_and_rows_sum_to_one(z, c):
    f = registry.get("softmax")
    a = np.array(A(f.solve({"logits": [z, [v + c for v in z]]}, path="numeric"), "p"))
    assert a[0] == pytest.approx(a[1], abs=1e-12)
    assert a.sum(axis=1) == pytest.approx([1, 1], abs=1e-12)
    assert a[0] == pytest.approx(scipy_special.softmax(z), abs=1e-12)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(-30, 30), min_size=2, max_size=4), st.integers(-5, 5))
def test_softmax_exact_path_shift_invariance(z, c):
    f = registry.get("softmax")
    a = A(f.solve({"logits": [z, [v + c for v in z]]}, path="exact"), "p")
    assert a[0] == pytest.approx(a[1], rel=1e-15) and sum(a[0]) == pytest.approx(1, abs=1e-15)
