"""Perceptron: the notes' worked example and scikit-learn's Perceptron as the oracle.

scikit-learn reproduces our trace only with fit_intercept matching `bias`, shuffle=False, eta0=lr and the
update rule it uses (labels -1/+1, update when y * score <= 0) and its prediction rule (score > 0), as
../shared/conventions.md records; with tol=None it runs exactly max_iter epochs, and our training stops
after the first clean pass, after which further epochs change nothing.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from solver.params import InvalidInput

sklearn_linear = pytest.importorskip("sklearn.linear_model")

NOTES = dict(X="(-1,2), (0,-1), (2,1)", y="0 1 0", bias=False, classify="(-2,0)")


def test_we_perceptron_6_notes_000_example():
    """WE-perceptron-6: final w = (-1, -3); w.(-2, 0) = 2 >= 0 -> class 1; two updates, converged in epoch 2."""
    sol = solver.solve("perceptron", **NOTES)
    a = sol.answers
    assert a["w"].value == [-1, -3]
    assert a["predictions"].value == [1]
    assert a["updates"].value == 2 and a["epochs"].value == 2 and a["converged"].value is True
    trace = a["trace"].value
    assert [r["score"] for r in trace] == [0, 2, 0, -5, 3, -5]  # the notes' xw column
    assert [r["w_after"] for r in trace[:3]] == [[1, -2], [1, -2], [-1, -3]]


def test_tie_rule_changes_the_notes_answer():
    """conventions.md / worked-examples.md: with 'w.x > 0 fires' the trace ends at w = (0, -1) and (-2, 0) is class 0."""
    sol = solver.solve("perceptron", conventions={"firing_rule": ">"}, **NOTES)
    assert sol.answers["w"].value == [0, -1]
    assert sol.answers["predictions"].value == [0]


def _sk_fit(X, y, bias, lr, epochs):
    clf = sklearn_linear.Perceptron(fit_intercept=bias, shuffle=False, eta0=lr, max_iter=epochs, tol=None,
                                    random_state=0)
    clf.fit(np.asarray(X, dtype=float), np.asarray(y))
    w = clf.coef_.ravel()
    return np.concatenate([clf.intercept_, w]) if bias else w, clf


def _points(draw_pts):
    return "; ".join(" ".join(str(v) for v in p) for p in draw_pts)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_matches_sklearn_perceptron_on_random_separable_data(data):
    """Oracle: sklearn.linear_model.Perceptron under our 'sklearn' update rule and '>' firing rule."""
    d = data.draw(st.integers(2, 3))
    w_true = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=d + 1, max_size=d + 1)))
    pts = np.array(data.draw(st.lists(st.lists(st.integers(-5, 5), min_size=d, max_size=d), min_size=3, max_size=8)))
    scores = w_true[0] + pts @ w_true[1:]
    labels = (scores > 0).astype(int)
    if np.any(scores == 0) or labels.min() == labels.max():
        return  # only separable, two-class data with a margin
    bias = data.draw(st.booleans())
    lr = data.draw(st.sampled_from([1, 0.5, 2]))
    sol = solver.solve("perceptron", conventions={"update_rule": "sklearn", "firing_rule": ">"},
                       X=_points(pts), y=list(labels), bias=bias, lr=lr, max_epochs=1000, classify=_points(pts))
    if not sol.answers["converged"].value:
        return  # without a bias the data may not be separable through the origin
    w_sk, clf = _sk_fit(pts, labels, bias, lr, sol.answers["epochs"].value + 2)
    np.testing.assert_allclose(sol.answers["w"].value, w_sk, rtol=1e-12, atol=1e-12)
    assert sol.answers["predictions"].value == list(clf.predict(pts.astype(float)))


def test_sklearn_and_classic_rules_differ_only_on_ties():
    """A positive point with score exactly 0: classic '>=' accepts it, sklearn's y*s <= 0 updates."""
    classic = solver.solve("perceptron", X="1 1", y="1", bias=False)
    sk = solver.solve("perceptron", X="1 1", y="1", bias=False, conventions={"update_rule": "sklearn"})
    assert classic.answers["updates"].value == 0
    assert sk.answers["updates"].value == 1 and sk.answers["w"].value == [1, 1]


def test_xor_does_not_converge_and_says_why():
    sol = solver.solve("perceptron", X="0 0; 0 1; 1 0; 1 1", y="0 1 1 0", max_epochs=20)
    assert sol.status == "not_converged"
    assert sol.answers["converged"].value is False
    assert sol.answers["epochs"].value == 20
    last = [s for s in sol.steps if s.kind == "conclude"][0]
    assert "linearly separable" in last.text


def test_labels_minus_one_plus_one_are_accepted():
    a = solver.solve("perceptron", X="(-1,2), (0,-1), (2,1)", y="-1 1 -1", bias=False)
    assert a.answers["w"].value == [-1, -3]


def test_bias_weight_is_learned_first():
    """With a bias the constant input 1 is prepended: AND is learned with w0 < 0 (checked by predictions)."""
    sol = solver.solve("perceptron", X="0 0; 0 1; 1 0; 1 1", y="0 0 0 1", classify="0 0; 0 1; 1 0; 1 1")
    assert sol.status == "solved"
    assert sol.answers["predictions"].value == [0, 0, 0, 1]
    w = sol.answers["w"].value
    assert len(w) == 3 and w[0] < 0


def test_exact_arithmetic_with_decimal_learning_rate():
    """lr = 0.1 is the rational 1/10: weights are exact multiples, no float drift (w = (-0.1, -0.3))."""
    sol = solver.solve("perceptron", lr="0.1", **NOTES)
    assert sol.answers["w"].value == [-0.1, -0.3]
    assert sol.answers["w"].display == "(-0.1000, -0.3000)"


@pytest.mark.parametrize("field,value,fragment", [
    ("y", "0 1", "one label per point"),
    ("y", "0 2 1", "labels 0/1"),
    ("w0", "1 2 3", "must have 2 entries"),
    ("classify", "1 2 3", "2 coordinates"),
    ("lr", "-1", "range (0, inf)"),
    ("max_epochs", "0", "[1, 1000]"),
])
def test_bad_input_names_the_field(field, value, fragment):
    params = dict(NOTES)
    params[field] = value
    with pytest.raises(InvalidInput) as e:
        solver.solve("perceptron", **params)
    assert e.value.field == field
    assert fragment in e.value.message


def test_cli_example_prints_the_trace_and_answer():
    out = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "perceptron", "--example"],
                         capture_output=True, text=True, check=True).stdout
    assert "w = (-1, -3)" in out
    assert "predictions = (1)" in out
    assert "epoch" in out and "w before" in out


def test_cli_bad_value_exits_2_naming_the_field():
    r = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "perceptron", "-p", "X=oops"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "'X'" in lines[0]
    assert "Traceback" not in r.stderr
