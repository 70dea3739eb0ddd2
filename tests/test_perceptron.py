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
    sol = solver.solve("perceptron", X="0 0; 0 1; 1 0; 1 1", y="0 1 1 0")
    assert sol.status == "not_converged"
    assert sol.answers["converged"].value is False
    assert sol.answers["epochs"].value == 100
    last = [s for s in sol.steps if s.kind == "conclude"][0]
    assert "linearly separable" in last.text


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_max_epochs_the_question_asks_for_is_not_reported_as_not_converged(path):
    """Issue 14 item 5: "train for 20 epochs" is answered after 20 epochs, as asked, never "did not converge"."""
    sol = solver.solve("perceptron", X="0 0; 0 1; 1 0; 1 1", y="0 1 1 0", max_epochs=20, path=path)
    assert sol.status == "solved"
    assert sol.answers["converged"].value is False and sol.answers["epochs"].value == 20
    titles = [s.title for s in sol.walk()]
    assert "After 20 epochs, as asked" in titles
    assert not any("not converge" in (s.title + s.text).lower() for s in sol.walk())


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


# ---- issue 13 item 7: float rounding flipped decisions at a score of exactly 0 on the numeric path ----------------
TIES = dict(X=[[4, 1, 0], [-2, -1, 1], [-4, -4, -2], [3, 3, -4], [1, -4, 0], [0, 2, 4]], y=[0, 0, 0, 1, 0, 0], lr="0.1")


def _fractions_trace(X, y, lr, max_epochs=100, bias=True):
    """The classic rule (fire at w.x >= 0, bias first) in Python's exact Fractions, written here independently."""
    from fractions import Fraction

    pts = [[Fraction(1)] * bias + [Fraction(v) for v in x] for x in X]
    w = [Fraction(0)] * len(pts[0])
    lr = Fraction(lr)
    updates = 0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x, label in zip(pts, y):
            pred = int(sum(a * b for a, b in zip(w, x)) >= 0)
            if pred != label:
                w = [a + lr * (label - pred) * b for a, b in zip(w, x)]
                mistakes += 1
        updates += mistakes
        if not mistakes:
            return w, epoch, updates
    return w, max_epochs, updates


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("as_array", [False, True])
def test_numeric_path_does_not_flip_decisions_at_score_zero_with_lr_0_1(path, as_array):
    """Issue 13 item 7: w = (-1, -0.2, 0.5, -0.3) after 5 epochs and 10 updates on both paths (the numeric path gave
    w = (-0.7, ...) in 4 epochs and 7 updates: 0.1 + 0.2 - 0.3 is not 0 in float64)."""
    params = dict(TIES, X=np.array(TIES["X"], dtype=float) if as_array else TIES["X"])
    sol = solver.solve("perceptron", path=path, **params)
    a = sol.answers
    w, epochs, updates = _fractions_trace(TIES["X"], TIES["y"], "0.1")
    assert [float(v) for v in w] == [-1, -0.2, 0.5, -0.3] and (epochs, updates) == (5, 10)
    np.testing.assert_allclose(a["w"].value, [-1, -0.2, 0.5, -0.3], rtol=0, atol=1e-15)
    assert (a["epochs"].value, a["updates"].value) == (5, 10)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(-4, 4), min_size=2, max_size=2), min_size=2, max_size=6),
       st.sampled_from(["0.1", "0.3", "1/3", "0.7"]), st.data())
def test_numeric_path_agrees_with_exact_fractions_on_hand_sized_traces(X, lr, data):
    y = data.draw(st.lists(st.integers(0, 1), min_size=len(X), max_size=len(X)))
    w, epochs, updates = _fractions_trace(X, y, lr, max_epochs=30)
    for path in ("exact", "numeric"):
        a = solver.solve("perceptron", X=X, y=y, lr=lr, max_epochs=30, path=path).answers
        assert (a["epochs"].value, a["updates"].value) == (epochs, updates), path
        np.testing.assert_allclose(a["w"].value, [float(v) for v in w], rtol=1e-15, atol=1e-15)


def test_numeric_path_on_float_data_counts_near_zero_scores_as_ties():
    """Data with no short common denominator (thirds as 17-digit floats) train in float64, where a score within
    rounding error of 0 counts as exactly 0: the trace of the exact thirds (written here in Fractions)."""
    from fractions import Fraction

    X = np.array(TIES["X"], dtype=float) / 3
    thirds = [[Fraction(v, 3) for v in row] for row in TIES["X"]]
    w, epochs, updates = _fractions_trace(thirds, TIES["y"], "0.1", bias=False)
    assert updates > 0
    sol = solver.solve("perceptron", X=X, y=TIES["y"], lr="0.1", bias=False, path="numeric")
    assert (sol.answers["epochs"].value, sol.answers["updates"].value) == (epochs, updates)
    np.testing.assert_allclose(sol.answers["w"].value, [float(v) for v in w], rtol=1e-12, atol=1e-15)
    assert "float64" in sol.steps[0].text


# ---- issue 14: every row of the trace is an answer; forward-only questions; where the bias sits -------------------
def _fractions_rows(X, y, lr="1", w0=None, bias=True, last=False, epochs=100):
    """The classic rule written here in Fractions, recording every row: (epoch, point, score, w after)."""
    from fractions import Fraction

    one = [Fraction(1)] if bias else []
    pts = [([] if last else one) + [Fraction(v) for v in x] + (one if last else []) for x in X]
    w = [Fraction(v) for v in w0] if w0 else [Fraction(0)] * len(pts[0])
    lr = Fraction(lr)
    rows = []
    for epoch in range(1, epochs + 1):
        mistakes = 0
        for i, (x, label) in enumerate(zip(pts, y), start=1):
            score = sum(a * b for a, b in zip(w, x))
            pred = int(score >= 0)
            if pred != label:
                w = [a + lr * (label - pred) * b for a, b in zip(w, x)]
                mistakes += 1
            rows.append((epoch, i, score, list(w)))
        if not mistakes:
            break
    return rows


@pytest.mark.parametrize("last", [False, True])
def test_every_row_of_the_trace_is_an_answer_against_a_fractions_trace(last):
    """w@epoch=e,point=i is the weights after that example, w@epoch=e after the epoch, score@... the net input."""
    X, y = [[2, 1], [-1, 3], [1, -2], [0, 2]], [1, 0, 1, 0]
    sol = solver.solve("perceptron", X=X, y=y, lr="0.5", w0="0.5 -1 0" if not last else "-1 0 0.5",
                       conventions={"bias_position": "last" if last else "first"})
    rows = _fractions_rows(X, y, "0.5", w0=[0.5, -1, 0] if not last else [-1, 0, 0.5], last=last)
    assert len(rows) > 4  # more than one epoch
    for epoch, i, score, w in rows:
        assert sol.answer(f"w@epoch={epoch},point={i}").value == pytest.approx([float(v) for v in w], abs=1e-12)
        assert sol.answer(f"score@epoch={epoch},point={i}").value == pytest.approx(float(score), abs=1e-12)
    for epoch in {r[0] for r in rows}:
        after = [r for r in rows if r[0] == epoch][-1][3]
        assert sol.answer(f"w@epoch={epoch}").value == pytest.approx([float(v) for v in after], abs=1e-12)
    assert sol.answers["w"].value == pytest.approx([float(v) for v in rows[-1][3]], abs=1e-12)


def test_the_notes_trace_rows_are_addressable():
    """The course notes, week 1 (three points, no bias): the scores 0, 2, 0 in epoch 1 and w = (1, -2) after point 1."""
    sol = solver.solve("perceptron", **NOTES)
    assert [sol.answer(f"score@epoch=1,point={i}").value for i in (1, 2, 3)] == [0, 2, 0]
    assert sol.answer("w@epoch=1,point=1").value == [1, -2]
    assert sol.answer("w@epoch=1").value == [-1, -3]
    assert sol.answer("y_hat@new_point=1").value == 1 and sol.answer("score@new_point=1").value == 2
    for a in sol.addresses():
        sol.answer(a)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_we_perceptron_2_and_3_given_weights_classify_without_training(path):
    """The course notes, week 1: w = (-1, 1.1, 1.1) gives the OR points the sums -1, 0.1, 0.1, 1.2 (no error); the
    AND table's w = (-1, -1, -1) gives -1, -2, -2, -3. No training data: the weights classify as they are."""
    corners = "0 0; 0 1; 1 0; 1 1"
    sol = solver.solve("perceptron", w0="-1 1.1 1.1", classify=corners, path=path)
    assert sol.answers["scores"].value == pytest.approx([-1, 0.1, 0.1, 1.2], abs=1e-12)
    assert sol.answers["predictions"].value == [0, 1, 1, 1]
    sol = solver.solve("perceptron", w="-1 -1 -1", classify=corners, path=path)
    assert sol.answers["scores"].value == pytest.approx([-1, -2, -2, -3], abs=1e-12)
    assert sol.answers["predictions"].value == [0, 0, 0, 0]
    assert "trace" not in sol.answers and "epochs" not in sol.answers


def test_we_perceptron_1_weights_without_a_bias_classify_below_the_line():
    """The course notes, week 1: with w = (-0.5, -0.5) (no bias) class 1 lies below x2 = -x1: (-1, -1) scores 1,
    (1, 1) scores -1, (2, -3) scores 0.5. Weights with one entry per input have no bias, whatever `bias` says."""
    sol = solver.solve("perceptron", w="-0.5 -0.5", classify="-1 -1; 1 1; 2 -3")
    assert sol.answers["scores"].value == pytest.approx([1, -1, 0.5])
    assert sol.answers["predictions"].value == [1, 0, 1]
    assert sol.answer("y_hat@new_point=2").value == 0
    assert "no bias" in sol.statement


def test_forward_only_needs_weights_and_points_and_names_the_field():
    for params, field in ((dict(classify="0 0"), "X"), (dict(w0="1 2 3"), "classify"), (dict(y="0 1", w0="1 1 1",
                                                                                           classify="0 0"), "X")):
        with pytest.raises(InvalidInput) as e:
            solver.solve("perceptron", **params)
        assert e.value.field == field and f"'{field}'" in e.value.message
    with pytest.raises(InvalidInput) as e:
        solver.solve("perceptron", X="0 0; 1 1", classify="0 0")
    assert e.value.field == "y"


def test_bias_last_is_the_bias_first_trace_reordered():
    """bias_position = last puts the constant input 1 at the end: the same learning, w = (w1, ..., wn, b)."""
    params = dict(X="0 0; 0 1; 1 0; 1 1", y="0 0 0 1", classify="1 1; 0 1")
    first = solver.solve("perceptron", **params)
    last = solver.solve("perceptron", conventions={"bias_position": "last"}, **params)
    w = first.answers["w"].value
    assert last.answers["w"].value == w[1:] + w[:1]
    assert last.answers["predictions"].value == first.answers["predictions"].value == [1, 0]
    assert last.answer("x@epoch=1,point=2").value == [0, 1, 1]
    numeric = solver.solve("perceptron", conventions={"bias_position": "last"}, path="numeric", **params)
    assert numeric.answers["w"].value == last.answers["w"].value


def test_classify_with_given_weights_numeric_path_keeps_a_small_nonzero_score():
    """w = (1.0000000000001, -1) at (1, 1): w.x = 1e-13 exactly (a closed form), so with the firing rule w.x > 0 the
    class is 1. The numeric path counted any score within 1e-12 of the terms' size as a tie (class 0); it now
    scales the typed decimals to integers as the training does (found by the differential harness)."""
    for path in ("exact", "numeric"):
        sol = solver.solve("perceptron", conventions={"firing_rule": ">"}, path=path, w0="1.0000000000001 -1",
                           classify="(1, 1), (1, 1.0000000000001)")
        assert sol.answers["predictions"].value == [1, 0], path
        assert sol.answers["scores"].value[0] == pytest.approx(1e-13, rel=1e-12) and sol.answers["scores"].value[1] == 0


@pytest.mark.parametrize("params", [dict(w0="2 -1", classify="(0.30000000000000004, 0.6)"),
                                    dict(X="(0.30000000000000004, 0.6), (1, 1)", y="1 0", w0="0 2 -1", max_epochs=1)])
def test_seventeen_digit_decimals_stay_exact_on_the_numeric_path(params):
    """2 (0.30000000000000004) - 0.6 = 8e-17 exactly: the numbers need a denominator 10^17, past the old limit of
    10^15, so the numeric path fell back to float64 and called the score a tie (class 0 under w.x > 0)."""
    exact = solver.solve("perceptron", conventions={"firing_rule": ">"}, path="exact", **params)
    numeric = solver.solve("perceptron", conventions={"firing_rule": ">"}, path="numeric", **params)
    for k in set(exact.answers) & set(numeric.answers) - {"trace"}:
        assert exact.answers[k].value == numeric.answers[k].value, k
