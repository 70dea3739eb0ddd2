"""McCulloch-Pitts neurons, linear separability, parameter counts, linear regression and maximum likelihood.

Oracles: the worked examples of ../shared/worked-examples.md (named by id), brute force written here
independently of the solver (itertools over inputs and a grid of real thresholds), scipy.optimize.linprog
(separability and the 14 / 104 counts), numpy.linalg.lstsq and scikit-learn's LinearRegression (least
squares), a plain NumPy gradient-descent loop, scikit-learn's MLPRegressor (layer shapes),
scipy.stats (norm.fit, norm.logpdf, bernoulli.logpmf) and scipy.optimize.minimize_scalar (likelihoods).
"""
from __future__ import annotations

import itertools
import math
import subprocess
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from solver.params import InvalidInput

linprog = pytest.importorskip("scipy.optimize").linprog
minimize_scalar = pytest.importorskip("scipy.optimize").minimize_scalar
stats = pytest.importorskip("scipy.stats")
sk_linear = pytest.importorskip("sklearn.linear_model")
sk_nn = pytest.importorskip("sklearn.neural_network")


def A(sol):
    return {k: a.value for k, a in sol.answers.items()}


def _numeric(family: str, conventions=None, **params):
    """Solve large input end to end; it must take the numeric path."""
    sol = solver.solve(family, conventions=conventions, **params)
    assert sol.path == "numeric"
    return sol, A(sol)


# ============================================================ mp_neuron ==================================
def _brute_thresholds(f, n, inhibitory=(), rule=">="):
    """Every real threshold on a fine grid that implements f (independent of the solver)."""
    rows = list(itertools.product((0, 1), repeat=n))
    ok = []
    for theta in np.arange(-2, n + 2.01, 0.25):
        good = True
        for r, want in zip(rows, f):
            g = sum(r[i] for i in range(n) if i + 1 not in inhibitory)
            blocked = any(r[i - 1] for i in inhibitory)
            fire = (g >= theta) if rule == ">=" else (g > theta)
            good &= (0 if blocked else int(fire)) == want
        if good:
            ok.append(float(theta))
    return ok


def test_we_mp_neuron_1_thresholds_of_and_and_or():
    """WE-mp-neuron-1: AND(3) needs theta = 3, OR(3) theta = 1, OR(2) theta = 1."""
    assert A(solver.solve("mp_neuron", function="AND", n=3))["thetas"] == [3]
    assert A(solver.solve("mp_neuron", function="OR", n=3))["thetas"] == [1]
    assert A(solver.solve("mp_neuron", function="OR", n=2))["thetas"] == [1]


def test_we_mp_neuron_2_ncc_curves():
    """WE-mp-neuron-2: NCC(theta = 0..5) is 7, 8, 5, 2, 1, 1 for OR; AND 1, 2, 5, 8, 7, 7; majority 4, 5, 8, 5, 4, 4."""
    sol = solver.family("mp_neuron").solve_example()
    assert A(sol)["ncc"] == [7, 8, 5, 2, 1, 1]
    for fn, want in (("AND", [1, 2, 5, 8, 7, 7]), ("majority", [4, 5, 8, 5, 4, 4])):
        assert A(solver.solve("mp_neuron", function=fn, n=3, theta_max=5))["ncc"] == want


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.integers(0, 1), min_size=2 ** n,
                                                                            max_size=2 ** n))),
       st.sampled_from([">=", ">"]), st.booleans())
def test_thresholds_match_brute_force_over_real_thetas(n_table, rule, inhibit):
    n, table = n_table
    inh = (n,) if inhibit and n > 1 else ()
    params = dict(function=" ".join(map(str, table)), n=n)
    if inh:
        params["inhibitory"] = list(inh)
    sol = solver.solve("mp_neuron", conventions={"firing_rule": rule}, **params)
    brute = _brute_thresholds(table, n, inh, rule)
    got = A(sol)["thetas"]
    assert A(sol)["implementable"] == bool(brute)
    # each integer threshold found stands for the real thresholds that give the same neuron
    m = n - len(inh)
    canon = {min(max(math.ceil(b), 0), m + 1) if rule == ">=" else min(max(math.floor(b), -1), m) for b in brute}
    assert set(got) == canon
    assert all(float(t) in brute for t in got)


def test_rules_are_parsed_by_the_whitelist_grammar():
    """The rule `sum(x) > 2` and friends, against itertools evaluation written here."""
    cases = {"sum(x) > 2": lambda r: sum(r) > 2, "x1 and not x2": lambda r: r[0] and not r[1],
             "1 <= sum(x) <= 2": lambda r: 1 <= sum(r) <= 2, "x1 xor x3 or x2 & x4": lambda r: (r[0] ^ r[2]) or (r[1] and r[3]),
             "2*x1 + x2 - x3 >= 2": lambda r: 2 * r[0] + r[1] - r[2] >= 2, "!(x1 || x2)": lambda r: not (r[0] or r[1])}
    for text, fn in cases.items():
        sol = solver.solve("mp_neuron", function=text, n=4)
        rows = [t["x"] for t in A(sol)["truth_table"]]
        assert [t["f"] for t in A(sol)["truth_table"]] == [int(bool(fn(r))) for r in rows], text
    assert A(solver.solve("mp_neuron", function="sum(x) >= 3", n=4))["thetas"] == [3]


@pytest.mark.parametrize("bad", ["__import__('os')", "sum(x) > 2.5", "x1 and", "x99", "(" * 200 + "x1" + ")" * 200,
                                 "lambda: 1", "0 1 1", "eval('1')"])
def test_unsafe_or_malformed_rules_are_refused(bad):
    with pytest.raises(InvalidInput) as e:
        solver.solve("mp_neuron", function=bad, n=2)
    assert e.value.field in ("function", "n")


def test_inhibitory_input_forces_zero_and_pairs_are_checked():
    """x1 AND NOT x2 is an MP neuron with x2 inhibitory and theta = 1; listed pairs checked by hand."""
    sol = solver.solve("mp_neuron", function="x1 and not x2", n=2, inhibitory=[2], theta=1,
                       pairs="1 0 1; 1 1 1; 0 1 0; 0 0 1")
    a = A(sol)
    assert a["thetas"] == [1] and a["errors"] == 0 and a["outputs"] == [0, 0, 1, 0]
    assert a["consistent"] == [True, False, True, False]
    # without the inhibitory input it is impossible: same sum 1 at (0,1) and (1,0), different outputs
    sol = solver.solve("mp_neuron", function="x1 and not x2", n=2)
    assert A(sol)["implementable"] is False
    assert "same sum" in [s for s in sol.walk() if s.title == "No threshold implements f"][0].text


def test_mp_numeric_path_on_many_inputs_matches_numpy_brute_force():
    n = 12
    rows = np.array(list(itertools.product((0, 1), repeat=n)))
    f = (rows.sum(1) >= 5).astype(int)
    ncc = [int(((rows.sum(1) >= t).astype(int) == f).sum()) for t in range(0, n + 2)]
    sol = solver.solve("mp_neuron", function="sum(x) >= 5", n=n)
    assert sol.path == "numeric"
    assert A(sol)["ncc"] == ncc and A(sol)["thetas"] == [5]


def test_mp_input_errors_name_the_parameter():
    with pytest.raises(InvalidInput) as e:
        solver.solve("mp_neuron", function="0 1 1 1", n=3)
    assert e.value.field == "n"
    with pytest.raises(InvalidInput) as e:
        solver.solve("mp_neuron", function="OR", n=2, pairs="1 0 1")
    assert e.value.field == "theta"
    with pytest.raises(InvalidInput) as e:
        solver.solve("mp_neuron", function="sum(x) > 1")
    assert e.value.field == "n"


# ============================================================ linear_separability ======================
def _linprog_separable(P, s) -> bool:
    """Oracle: is there w with s_i (w . P_i) >= 1? (scipy HiGHS)"""
    res = linprog(np.zeros(P.shape[1]), A_ub=-(s[:, None] * P), b_ub=-np.ones(len(s)),
                  bounds=[(None, None)] * P.shape[1], method="highs")
    assert res.status in (0, 2)
    return res.status == 0


def _cube(n):
    return np.hstack([np.ones((2 ** n, 1)), np.array(list(itertools.product((0, 1), repeat=n)), dtype=float)])


def test_we_perceptron_5_nand_inequalities_and_weights():
    """WE-perceptron-5: w0 > 0, w0 + w1 > 0, w0 + w2 > 0, w0 + w1 + w2 < 0, all satisfied by (1, -0.5, -0.7)."""
    sol = solver.family("linear_separability").solve_example()
    a = A(sol)
    ineq = {tuple(r["x"]): r["inequality"] for r in a["inequalities"]}
    assert ineq == {(0, 0): "w0 > 0", (1, 0): "w0 + w1 > 0", (0, 1): "w0 + w2 > 0", (1, 1): "w0 + w1 + w2 < 0"}
    assert a["all_satisfied"] is True and a["errors"] == 0
    assert a["scores"] == pytest.approx([1, 0.3, 0.5, -0.2])
    assert a["separable"] is True


def test_we_perceptron_7_sixteen_functions_fourteen_separable():
    """WE-perceptron-7: 2^(2^2) = 16 functions, 14 separable (XOR and XNOR are not); n = 3: 256 and 104."""
    a = A(solver.family("linear_separability").solve_example())
    assert a["functions_count"] == 16 and a["separable_count"] == 14
    a3 = A(solver.solve("linear_separability", function="majority", n=3))
    assert a3["functions_count"] == 256 and a3["separable_count"] == 104


def test_separable_counts_against_linprog_enumeration():
    """Oracle: scipy linprog on all 16 and all 256 truth tables."""
    for n, want in ((2, 14), (3, 104)):
        P = _cube(n)
        count = sum(_linprog_separable(P, np.array([1.0 if (code >> (2 ** n - 1 - i)) & 1 else -1.0
                                                    for i in range(2 ** n)]))
                    for code in range(2 ** (2 ** n)))
        assert count == want
        assert A(solver.solve("linear_separability", function="OR", n=n))["separable_count"] == count


def test_we_perceptron_2_or_weights_make_no_error():
    """WE-perceptron-2: w = (-1, 1.1, 1.1) classifies all 4 OR points (sums -1, 0.1, 0.1, 1.2)."""
    a = A(solver.solve("linear_separability", function="OR", w="-1 1.1 1.1"))
    assert a["errors"] == 0 and a["scores"] == pytest.approx([-1, 0.1, 0.1, 1.2])


def test_we_perceptron_3_error_counts_against_and():
    """WE-perceptron-3: against AND the weight sets give errors 1, 1, 2 (the notes' header says OR by mistake)."""
    for w, want, sums in (("-1 -1 -1", 1, [-1, -2, -2, -3]), ("-1 1.5 0", 1, [-1, -1, 0.5, 0.5]),
                          ("-1 10 -10", 2, [-1, -11, 9, -1])):
        a = A(solver.solve("linear_separability", function="AND", w=w))
        assert a["errors"] == want and a["scores"] == pytest.approx(sums)
    assert A(solver.solve("linear_separability", function="OR", w="-1 -1 -1"))["errors"] == 3


def test_gate_named_with_its_truth_table_written_out_is_accepted():
    """The course notes, week 1 (NAND): the question names the gate and prints its table in the order 00, 10, 01, 11;
    w = (1, -0.5, -0.7) satisfies all four inequalities. A table that disagrees with the gate is refused, naming y."""
    a = A(solver.solve("linear_separability", function="NAND", X="0 0; 1 0; 0 1; 1 1", y="1 1 1 0", w="1 -0.5 -0.7"))
    assert a["errors"] == 0 and a["all_satisfied"] is True
    with pytest.raises(InvalidInput) as e:
        solver.solve("linear_separability", function="NAND", X="0 0; 1 0; 0 1; 1 1", y="1 1 1 1")
    assert e.value.field == "y" and "(1, 1)" in e.value.message
    with pytest.raises(InvalidInput) as e:
        solver.solve("linear_separability", function="NAND", X="0 0; 0 0; 0 1; 1 1", y="1 1 1 0")
    assert e.value.field == "X"


def test_we_perceptron_4_maximum_error_is_four_not_three():
    """WE-perceptron-4 (notes wrong): the NAND weights (1, -0.5, -0.7) get all 4 AND points wrong; max error 4."""
    sol = solver.solve("linear_separability", function="AND", w="1 -0.5 -0.7")
    a = A(sol)
    assert a["errors"] == 4 and a["max_errors"] == 4
    assert any("the maximum error is 3 (and not 4)" in s.text and s.kind == "note" for s in sol.walk())


def test_xor_is_not_separable_with_a_farkas_certificate():
    sol = solver.solve("linear_separability", function="XOR")
    a = A(sol)
    assert a["separable"] is False
    lam = np.array(a["certificate"], dtype=float)
    P, s = _cube(2), np.array([-1.0, 1, 1, -1])
    assert (lam >= 0).all() and lam.sum() > 0 and np.allclose((lam * s) @ P, 0)
    assert not _linprog_separable(P, s)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4), st.integers(0, 1)), min_size=2, max_size=9),
       st.booleans())
def test_point_sets_agree_with_linprog(points, bias):
    X = np.array([[a, b] for a, b, _ in points], dtype=float)
    y = [c for _, _, c in points]
    P = np.hstack([np.ones((len(X), 1)), X]) if bias else X
    s = np.where(np.array(y) == 1, 1.0, -1.0)
    want = _linprog_separable(P, s)
    params = dict(X=[[int(v) for v in r] for r in X], y=y, bias=bias)
    exact = A(solver.solve("linear_separability", **params))
    numeric = A(solver.solve("linear_separability", path="numeric", **params))
    assert exact["separable"] is want and numeric["separable"] is want
    if want:
        w = np.array(exact["separating_w"], dtype=float)
        assert (s * (P @ w) >= 1 - 1e-12).all()
    else:
        lam = np.array(exact["certificate"], dtype=float)
        assert (lam >= 0).all() and lam.sum() > 0 and np.allclose((lam * s) @ P, 0)


def test_separability_numeric_path_on_thousands_of_points_matches_linprog():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3000, 3))
    w = np.array([0.4, 1.0, -2.0, 0.5])
    y = (X @ w[1:] + w[0] > 0).astype(int)
    P = np.hstack([np.ones((3000, 1)), X])
    for labels in (y, np.where(np.arange(3000) < 2, 1 - y, y)):
        want = _linprog_separable(P, np.where(labels == 1, 1.0, -1.0))
        _, got = _numeric("linear_separability", X=X, y=labels)
        assert got["separable"] is want



@pytest.mark.parametrize("big", [1e6, 1e9, 1e12])
def test_separability_numeric_path_with_one_huge_coordinate(big):
    """Regression (the differential harness): one coordinate of 1e12 made the float simplex's tolerance 1e3 and the
    numeric path said 'not separable'. Oracle: scipy's linprog, and the weights' margins checked with numpy."""
    X = np.array([[-2, -3], [1, 1], [3, 1], [1, big]])
    y = np.array([0, 1, 1, 0])
    P = np.hstack([np.ones((4, 1)), X])
    s = np.where(y == 1, 1.0, -1.0)
    assert _linprog_separable(P, s) is True
    sol = solver.solve("linear_separability", None, "numeric", X=X.tolist(), y=y.tolist())
    assert sol.answers["separable"].value is True
    from problems.linear_separability import separable_numeric
    ok, w = separable_numeric(P, s)
    assert ok and (s * (P @ w)).min() >= 1 - 1e-6

# ============================================================ param_count ==============================
def _sklearn_counts(sizes):
    """Oracle: the weight and bias arrays scikit-learn's MLP allocates for these layer sizes."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, sizes[0])), rng.normal(size=(8, sizes[-1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = sk_nn.MLPRegressor(hidden_layer_sizes=tuple(sizes[1:-1]), max_iter=1).fit(X, Y if sizes[-1] > 1 else Y[:, 0])
    return [c.size for c in m.coefs_], sum(b.size for b in m.intercepts_)


def test_we_param_count_2_three_four_two_network():
    """WE-param-count-2: layers 2, neurons 6, weights 20, biases 6, parameters 26."""
    a = A(solver.family("param_count").solve_example())
    assert (a["layers"], a["neurons"], a["weights"], a["biases"], a["parameters"]) == (2, 6, 20, 6, 26)
    ws, bs = _sklearn_counts([3, 4, 2])
    assert a["weights_per_layer"] == ws and a["biases"] == bs


@pytest.mark.parametrize("sizes", [[5, 3, 1], [10, 7, 7, 4], [2, 16, 8, 3]])
def test_mlp_counts_match_sklearn(sizes):
    a = A(solver.solve("param_count", layers=sizes))
    ws, bs = _sklearn_counts(sizes)
    assert a["weights_per_layer"] == ws and a["weights"] == sum(ws) and a["biases"] == bs
    assert a["parameters"] == sum(ws) + bs and a["connections"] == sum(ws)
    assert A(solver.solve("param_count", layers=sizes, conventions={"connections": "with-bias"}))["connections"] == sum(ws) + bs


def test_we_param_count_4_one_bias_per_output_unit():
    """WE-param-count-4 (notes wrong): 3072 -> 500 has 1,536,000 weights and 500 biases (not '+ 1 bias')."""
    sol = solver.solve("param_count", layers="3072 500")
    a = A(sol)
    assert (a["weights"], a["biases"], a["parameters"]) == (1536000, 500, 1536500)
    assert any(s.kind == "note" and "+ 1 bias" in s.text and "500 biases" in s.text for s in sol.walk())


def test_we_param_count_1_towers():
    """WE-param-count-1: n towers need 2n + 1 neurons over a line and 5n + 1 over a plane."""
    for n in (1, 3, 10):
        assert A(solver.solve("param_count", structure="towers", towers=n, tower_dim=1))["neurons"] == 2 * n + 1
        assert A(solver.solve("param_count", structure="towers", towers=n, tower_dim=2))["neurons"] == 5 * n + 1


def test_tower_network_parameter_count_matches_an_explicit_construction():
    """Build the 1-D tower network in NumPy (2 steep sigmoids per tower, output takes their difference) and count."""
    n = 4
    edges = np.linspace(0, 1, n + 1)
    W1 = np.full((2 * n, 1), 200.0)                                  # every step neuron sees x
    b1 = -200.0 * np.concatenate([[edges[i], edges[i + 1]] for i in range(n)])
    W2 = np.tile([1.0, -1.0], n)[None, :] * np.repeat([0.2, 0.9, 0.4, 0.6], 2)[None, :]
    b2 = np.zeros(1)

    def net(x):
        h = 1 / (1 + np.exp(-(W1 @ np.atleast_2d(x) + b1[:, None])))
        return (W2 @ h + b2[:, None])[0]
    assert net(np.array([0.125]))[0] == pytest.approx(0.2, abs=1e-6)  # inside the first tower
    assert net(np.array([0.625]))[0] == pytest.approx(0.4, abs=1e-6)
    a = A(solver.solve("param_count", structure="towers", towers=n, tower_dim=1))
    assert a["neurons"] == W1.shape[0] + W2.shape[0]
    assert a["weights"] == W1.size + W2.size and a["biases"] == b1.size + b2.size


def test_we_param_count_3_hessian_is_four_terabytes():
    """WE-param-count-3 (notes wrong): a 10^6-parameter Hessian in 4-byte floats is 4 TB = 3.638 TiB, not 3.8 TB."""
    sol = solver.solve("param_count", structure="count", count="1e6", hessian=True)
    a = A(sol)
    assert a["hessian_entries"] == 10 ** 12 and a["hessian_bytes"] == 4 * 10 ** 12
    assert a["hessian_tb"] == 4 and a["hessian_tib"] == pytest.approx(4e12 / 2 ** 40)
    assert any(s.kind == "note" and "3.8 TB" in s.text for s in sol.walk())


# ============================================================ linear_regression ========================
def test_we_regression_5_normal_equations():
    """WE-regression-5: (2,-0.5), (3,0), (5,1), (7,2), (9,3) give y = 0.5 x - 1.5, exactly."""
    sol = solver.family("linear_regression").solve_example()
    a = A(sol)
    assert a["theta"] == [-1.5, 0.5] and a["sse"] == 0
    X = np.c_[np.ones(5), [2, 3, 5, 7, 9]]
    assert np.allclose(np.linalg.lstsq(X, [-0.5, 0, 1, 2, 3], rcond=None)[0], a["theta"])


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 9).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.integers(-6, 6), min_size=2, max_size=2), min_size=n, max_size=n),
    st.lists(st.integers(-10, 10), min_size=n, max_size=n))), st.sampled_from(["first", "last"]))
def test_least_squares_matches_numpy_and_sklearn(data, pos):
    X, y = np.array(data[0], dtype=float), np.array(data[1], dtype=float)
    Xh = np.c_[np.ones(len(X)), X]
    sol = solver.solve("linear_regression", X=data[0], y=data[1], conventions={"intercept_position": pos})
    if np.linalg.matrix_rank(Xh) < 3:
        assert sol.status == "undefined"
        return
    lr = sk_linear.LinearRegression().fit(X, y)
    want = [lr.intercept_, *lr.coef_] if pos == "first" else [*lr.coef_, lr.intercept_]
    assert np.allclose(A(sol)["theta"], want, atol=1e-8)
    resid = y - Xh @ np.linalg.lstsq(Xh, y, rcond=None)[0]
    assert A(sol)["sse"] == pytest.approx(float(resid @ resid), abs=1e-8)


def test_singular_design_is_undefined_not_an_error():
    sol = solver.solve("linear_regression", X="1 2; 2 4; 3 6", y="1 2 3")
    assert sol.status == "undefined"
    assert solver.solve("linear_regression", X="1 2; 2 4; 3 6", y="1 2 3", path="numeric").status == "undefined"


def test_we_regression_3_crossing_is_43_9_not_42():
    """WE-regression-3 (not reproducible): OLS on the 15 rows gives 0.02398 age - 0.5517, which is 0.5 at 43.857."""
    age = [22, 25, 47, 52, 46, 56, 55, 60, 62, 61, 18, 28, 27, 29, 49]
    ins = [0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1]
    a = A(solver.solve("linear_regression", X=age, y=ins, level="0.5"))
    b, m = np.polyfit(age, ins, 1)[::-1]
    assert a["theta"] == pytest.approx([b, m]) and a["theta"][1] == pytest.approx(0.02398, abs=5e-6)
    assert a["x_at_level"] == pytest.approx((0.5 - b) / m) and round(a["x_at_level"], 3) == 43.857


def test_we_regression_4_house_prices_error_sign():
    """WE-regression-4: with w1 = w2 = b = 1, row 1 has y - y_hat = -1133 (notes: +1133), square 1,283,689, MSE 1,650,258.17."""
    sol = solver.solve("linear_regression", X="1200 2; 1500 3; 2100 4; 1100 3; 1300 2; 900 1", y="70 120 230 105 90 55",
                       method="evaluate", theta="1 1 1", conventions={"loss": "mse"})
    a = A(sol)
    assert a["residuals"][0] == -1133 and a["squared_errors"][0] == 1283689
    assert a["loss"] == pytest.approx(1650258.1666666667)
    assert any(s.kind == "note" and "1133" in s.text and "-1133" in s.text for s in sol.walk())


def test_we_regression_1_squared_errors_one_and_thirty_six():
    """WE-regression-1: predicting 6 or 1 for the class 7 gives squared errors 1 and 36."""
    a = A(solver.solve("linear_regression", X="6 1", y="7 7", intercept=False, method="evaluate", theta="1"))
    assert a["squared_errors"] == [1, 36]


def test_we_regression_6_first_row_of_the_gradient_table():
    """WE-regression-6: a = 0.45, b = 0.75, row (x, y) = (0, 0): Y_P = 0.45, 1/2 e^2 = 0.101, dSSE/da = 0.45, dSSE/db = 0."""
    sol = solver.solve("linear_regression", X="0", y="0", method="gd", theta="0.45 0.75", lr="0.01")
    a = A(sol)
    assert a["loss_initial"] == pytest.approx(0.10125) and a["gradient"] == pytest.approx([0.45, 0])
    table = [s for s in sol.walk() if s.table and s.title.startswith("The data")][0].table
    assert table.rows[0][3:] == ("0.45", "-0.45", "0.10125", "0.45", "0")


def test_we_regression_6_update_from_the_notes_column_sums():
    """WE-regression-6: with column sums 3.30 and 1.545, new a = 0.45 - 0.033 = 0.417 (0.42), new b = 0.73455 (0.73).

    The notes show only the first row; a second row is chosen here so that the sums are the notes' (the
    arithmetic of the update is what is checked): e2 = -(3.30 - 0.45) = -2.85 and x2 = 1.545 / 2.85.
    """
    x2 = Fraction(1545, 2850)
    y2 = Fraction(45, 100) + Fraction(75, 100) * x2 - Fraction(285, 100)
    a = A(solver.solve("linear_regression", X=f"0; {x2}", y=f"0 {y2}", method="gd", theta="0.45 0.75", lr="0.01"))
    assert a["gradient"] == pytest.approx([3.30, 1.545])
    assert a["theta"] == pytest.approx([0.417, 0.73455]) and [round(v, 2) for v in a["theta"]] == [0.42, 0.73]


@pytest.mark.parametrize("loss", ["half-sse", "sse", "mse"])
def test_gradient_descent_matches_a_numpy_loop(loss):
    rng = np.random.default_rng(3)
    X = rng.integers(-3, 4, size=(6, 2)).astype(float)
    y = rng.integers(-5, 6, size=6).astype(float)
    Xh = np.c_[np.ones(6), X]
    c = {"half-sse": 0.5, "sse": 1.0, "mse": 1 / 6}[loss]
    th = np.array([0.5, -0.25, 1.0])
    start = th.copy()
    for _ in range(5):
        th = th - 0.01 * (-2 * c * Xh.T @ (y - Xh @ th))
    params = dict(X=X.astype(int).tolist(), y=y.astype(int).tolist(), method="gd", theta=start.tolist(), lr="0.01", epochs=5)
    for path in ("exact", "numeric"):
        a = A(solver.solve("linear_regression", conventions={"loss": loss}, path=path, **params))
        assert np.allclose(a["theta"], th, rtol=1e-12, atol=1e-12)
        assert a["loss_final"] == pytest.approx(c * float((y - Xh @ th) @ (y - Xh @ th)), rel=1e-12)


def test_regression_numeric_path_on_1e5_rows_matches_lstsq():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(100_000, 3))
    y = X @ np.array([1.5, -2.0, 0.25]) + 0.7 + rng.normal(scale=0.1, size=100_000)
    _, a = _numeric("linear_regression", X=X, y=y)
    want = np.linalg.lstsq(np.c_[np.ones(len(X)), X], y, rcond=None)[0]
    assert np.allclose(a["theta"], want, rtol=1e-10)
    assert solver.family("linear_regression").use_numeric(solver.family("linear_regression").validate({"X": X, "y": y}))


def test_regression_input_errors_name_the_parameter():
    with pytest.raises(InvalidInput) as e:
        solver.solve("linear_regression", X="1 2; 3 4", y="1 2 3")
    assert e.value.field == "y"
    with pytest.raises(InvalidInput) as e:
        solver.solve("linear_regression", X="1 2; 3 4", y="1 2", method="evaluate")
    assert e.value.field == "theta"
    with pytest.raises(InvalidInput) as e:
        solver.solve("linear_regression", X="1 2; 3 4; 5 7", y="1 2 3", level="0.5")
    assert e.value.field == "level"


# ============================================================ mle ======================================
def test_we_mle_1_coin_hthhttht():
    """WE-mle-1: L(1) = 0, L(0.75) = 0.00123596, L(0.5) = 0.00390625 (highest); theta_hat = 1/2 (derivative 4/theta - 4/(1 - theta))."""
    sol = solver.family("mle").solve_example()
    a = A(sol)
    assert a["candidate_likelihoods"] == pytest.approx([0, 0.75 ** 4 * 0.25 ** 4, 0.5 ** 8])
    assert round(a["candidate_likelihoods"][1], 8) == 0.00123596 and a["best_candidate"] == 0.5
    assert a["theta_hat"] == 0.5 and a["second_derivative"] == -32
    deriv = [s for s in sol.walk() if s.title == "Derivative"][0]
    assert deriv.substituted.text.endswith("4/theta - 4/(1 - theta)")
    assert any(s.kind == "note" and "4/theta + 4/(1 - theta)" in s.text for s in sol.walk())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=2, max_size=40).filter(lambda v: 0 < sum(v) < len(v)))
def test_bernoulli_mle_matches_scipy(seq):
    a = A(solver.solve("mle", data=" ".join("H" if v else "T" for v in seq)))
    res = minimize_scalar(lambda t: -stats.bernoulli.logpmf(seq, t).sum(), bounds=(1e-9, 1 - 1e-9), method="bounded",
                          options={"xatol": 1e-10})
    assert a["theta_hat"] == pytest.approx(res.x, abs=1e-6)
    assert a["log_likelihood_max"] == pytest.approx(stats.bernoulli.logpmf(seq, a["theta_hat"]).sum(), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=20).filter(lambda v: len(set(v)) > 1))
def test_gaussian_mle_matches_scipy_norm_fit(xs):
    a = A(solver.solve("mle", distribution="gaussian", data=xs))
    loc, scale = stats.norm.fit(xs)
    assert a["mu_hat"] == pytest.approx(loc, abs=1e-12) and a["sigma_hat"] == pytest.approx(scale, rel=1e-9)
    assert a["var_hat"] == pytest.approx(np.var(xs), rel=1e-12)
    assert a["log_likelihood_max"] == pytest.approx(stats.norm.logpdf(xs, loc, scale).sum(), rel=1e-10)
    a1 = A(solver.solve("mle", distribution="gaussian", data=xs, conventions={"ddof": "n-1"}))
    assert a1["var_hat"] == pytest.approx(np.var(xs, ddof=1), rel=1e-12)


def test_mle_log_base_and_edge_cases():
    a = A(solver.solve("mle", data="HTHHTTHT", conventions={"log_base": "2"}))
    assert a["log_likelihood_max"] == pytest.approx(-8.0)  # log2(0.5^8)
    assert A(solver.solve("mle", data="H H H"))["theta_hat"] == 1
    assert solver.solve("mle", distribution="gaussian", data="3 3 3").status == "undefined"
    with pytest.raises(InvalidInput) as e:
        solver.solve("mle", data="0 1 2")
    assert e.value.field == "data"


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("ddof", ["n", "n-1"])
@pytest.mark.parametrize("data", ["3 3 3", "-2.5", "7 7"])
def test_mle_sample_with_no_spread_still_gives_the_mean_on_both_paths(path, ddof, data):
    """Regression (the differential harness): with no spread the variance has no maximum, but the mean is still the
    maximiser in mu; the numeric path gave no answer at all. Oracle: numpy's mean."""
    sol = solver.solve("mle", {"ddof": ddof}, path, distribution="gaussian", data=data)
    assert sol.status == "undefined"
    assert set(sol.answers) == {"mu_hat"}
    assert float(sol.answers["mu_hat"].value) == pytest.approx(np.mean([float(v) for v in data.split()]))


@pytest.mark.parametrize("path", ["exact", "numeric"])
@pytest.mark.parametrize("k,n", [(7, 10), (3, 12), (0, 5), (5, 5), (1, 1)])
def test_mle_coin_given_as_counts(path, k, n):
    """A coin given as counts ("tossed 10 times, lands heads 7 times") solves as the same tosses in any order.
    Oracle: the closed form theta_hat = k/N, L = theta^k (1 - theta)^(N - k), and scipy's binomial pmf / C(N, k)."""
    from scipy.stats import binom

    sol = solver.solve("mle", None, path, trials=n, heads=k)
    a = A(sol)
    th = k / n
    assert a["theta_hat"] == pytest.approx(th)
    assert a["likelihood_max"] == pytest.approx(binom.pmf(k, n, th) / math.comb(n, k))
    seq = " ".join("H" * k + "T" * (n - k))
    same = A(solver.solve("mle", None, path, data=seq))
    assert {key: pytest.approx(v) for key, v in a.items()} == same
    assert f"tossed {n} times and lands heads {k} times" in sol.statement


@pytest.mark.parametrize("params,field", [({"trials": 10}, "heads"), ({"heads": 3}, "trials"),
                                          ({"trials": 5, "heads": 6}, "heads"), ({}, "data"),
                                          ({"trials": 4, "heads": 2, "data": "H T"}, "trials"),
                                          ({"heads": 2, "data": "H T T"}, "heads"),
                                          ({"trials": 4, "heads": 2, "distribution": "gaussian"}, "trials")])
def test_mle_counts_clear_messages(params, field):
    with pytest.raises(InvalidInput) as e:
        solver.solve("mle", **params)
    assert e.value.field == field

def test_mle_numeric_path_on_a_million_draws():
    rng = np.random.default_rng(5)
    x = rng.normal(2.0, 3.0, size=1_000_000)
    _, a = _numeric("mle", distribution="gaussian", data=x)
    loc, scale = stats.norm.fit(x)
    assert a["mu_hat"] == pytest.approx(loc, rel=1e-12) and a["sigma_hat"] == pytest.approx(scale, rel=1e-12)
    coins = (rng.random(1_000_000) < 0.3).astype(float)
    _, b = _numeric("mle", distribution="bernoulli", data=coins)
    assert b["theta_hat"] == pytest.approx(coins.mean(), rel=1e-15)
    assert b["log_likelihood_max"] == pytest.approx(stats.bernoulli.logpmf(coins, coins.mean()).sum(), rel=1e-10)


# ============================================================ command line =============================
BAD = [("mp_neuron", "n"), ("linear_separability", "w"), ("param_count", "layers"), ("linear_regression", "y"),
       ("mle", "data")]


def test_cli_bad_value_exits_2_naming_the_parameter():
    """The real command once (a subprocess), then every family through the same entry point in-process."""
    r = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "mp_neuron", "--example", "-p", "n=oops"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "'n'" in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("family, param", BAD)
def test_cli_main_bad_value_is_one_line_naming_the_parameter(family, param, capsys):
    from solver.cli import main

    assert main(["solve", family, "--example", "-p", f"{param}=oops"]) == 2
    err = capsys.readouterr().err
    assert f"'{param}'" in err and len(err.strip().splitlines()) == 1


def test_latex_names_of_these_families_do_not_clobber_shared_symbol_names():
    """Regression: LaTeX names are registered per symbol name for every module; mp_neuron once gave the plain
    symbol g the name g(x) and linear_regression gave it nabla L, which changed other families' formulas."""
    import sympy as sp

    from solver.symbolic import _LATEX_NAMES

    for name in ("mp_neuron", "linear_separability", "param_count", "linear_regression", "mle"):
        solver.family(name)
    ours = {r"g(\mathbf{x})", r"\nabla L", r"\sum_i x_i", r"\sum_i (x_i - \mu)^2", r"n_{l-1}", r"n_{l}",
            r"\ell(\mu, \sigma^{2})"}
    for plain in ("g", "S", "Q", "l", "n_in", "n_out", "n", "d"):
        assert _LATEX_NAMES.get(sp.Symbol(plain)) not in ours
