"""The optional accelerator (problems/_optim/accel.py, issue 19 items 3 and 4): Numba's compiled loops for large
vectors and long runs, and the NumPy path they fall back to.

Both paths run here without mocks: the compiled one where Numba is installed (the `test` extra installs it), the
NumPy one with STEPWISE_ACCEL=numpy in the environment, as a deployment without Numba runs. The compiled loops do
the NumPy kernels' operations in the same order, so the two paths are compared exactly where no library function
(exp, log, sin) is involved and to float64 rounding where one is; the answers themselves are checked against
closed forms written here (the NumPy path's own oracle tests are in test_optimizers.py and test_optim_live.py).
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from problems import _optim as O
from problems._optim import accel
from solver import registry
from solver.symbolic import numpy_function

ROOT = Path(__file__).resolve().parents[1]
needs_numba = pytest.mark.skipif(not accel._installed(), reason="Numba is not installed (pip install stepwise[fast])")


def _numpy_path(monkeypatch):
    monkeypatch.setenv(accel.ENV, "numpy")


def _compiled_path(monkeypatch):
    monkeypatch.delenv(accel.ENV, raising=False)


def _run(family: str, params: dict, conv: dict) -> O.NumCtx:
    fam = registry.get(family)
    values = fam.validate(params)
    method = getattr(fam.module, "_method", lambda _p: fam.module.METHOD)(values)
    return O.run_numeric(values, fam.resolve_conventions(conv), method)


def _note(sol) -> str:
    return next(s for s in sol.steps if s.title == "Numeric path").text


# ---- large vectors: one compiled loop per step ---------------------------------------------------------------
LARGE = [
    ("sgd", {"lr": "0.01", "weight_decay": "0.1"}, {}),
    ("adam", {"lr": "0.01"}, {"eps_placement": "outside"}),
    ("adam", {"lr": "0.01", "beta1": "0.8"}, {"eps_placement": "inside"}),
    ("adam", {"lr": "0.01"}, {"eps_placement": "keras"}),
    ("adam", {"lr": "0.01", "amsgrad": "true", "weight_decay": "0.1"}, {"weight_decay_form": "decoupled"}),
    ("adam", {"lr": "0.01", "weight_decay": "0.1"}, {"bias_correction": "off"}),
    ("momentum", {"lr": "0.01", "beta": "0.9"}, {}),
    ("momentum", {"lr": "0.01", "beta": "0.9", "dampening": "0.5"}, {}),
    ("momentum", {"lr": "0.01", "beta": "0.9"}, {"momentum_form": "velocity"}),
    ("momentum", {"lr": "0.01", "beta": "0.9"}, {"momentum_form": "average"}),
    ("adagrad", {"lr": "0.1", "lr_decay": "0.01"}, {}),
    ("rmsprop", {"lr": "0.01"}, {"eps_placement": "inside"}),
    ("rmsprop", {"lr": "0.01"}, {"eps_placement": "outside"}),
    ("nag", {"lr": "0.01", "beta": "0.9"}, {"nag_form": "torch"}),
    ("nag", {"lr": "0.01", "beta": "0.9"}, {"nag_form": "sutskever"}),
    ("nag", {"lr": "0.01", "beta": "0.9"}, {"nag_form": "scaled"}),
    ("adamax", {"lr": "0.01"}, {"adamax_eps": "max"}),
    ("adamax", {"lr": "0.01", "v0": "0.5"}, {}),
    ("nadam", {"lr": "0.01"}, {"nadam_form": "torch"}),
    ("nadam", {"lr": "0.01", "weight_decay": "0.1"}, {"nadam_form": "dozat", "eps_placement": "inside"}),
    ("nadam", {"lr": "0.01"}, {"nadam_form": "notes"}),
    ("adadelta", {"lr": "1", "beta": "0.9"}, {}),
    ("adadelta", {"lr": "0.5", "u0": "0.1"}, {}),
]


@needs_numba
@pytest.mark.parametrize("family,hyper,conv", LARGE)
def test_the_fused_kernel_gives_the_numpy_paths_numbers(monkeypatch, family, hyper, conv):
    """The compiled update (one loop over the entries, in parallel parts) and the NumPy kernels agree to the last
    bit: the same operations in the same order, fastmath off."""
    n = accel.FUSED_MIN + 1001          # several parts, uneven
    rng = np.random.default_rng(7)
    params = {"grads": rng.standard_normal((3, n)), "w0": rng.standard_normal(n), **hyper}
    _compiled_path(monkeypatch)
    fast = _run(family, params, conv)
    assert fast.engine == accel.FUSED_TEXT
    _numpy_path(monkeypatch)
    slow = _run(family, params, conv)
    assert slow.engine == accel.NUMPY_TEXT
    np.testing.assert_array_equal(fast.w, slow.w)
    for k in slow.st:
        np.testing.assert_array_equal(fast.st[k], slow.st[k])


@needs_numba
@pytest.mark.parametrize("family,hyper,conv", [LARGE[1], LARGE[-1]])
def test_the_fused_kernel_over_many_chunks_gives_the_numpy_paths_numbers(monkeypatch, family, hyper, conv):
    """A vector of several chunks, shared out among the threads, the last one short."""
    from problems._optim.numeric import FUSED_CHUNK
    n = 3 * FUSED_CHUNK + 17
    rng = np.random.default_rng(3)
    params = {"grads": rng.standard_normal((2, n)), "w0": rng.standard_normal(n), **hyper}
    _compiled_path(monkeypatch)
    fast = _run(family, params, conv)
    assert fast.engine == accel.FUSED_TEXT
    _numpy_path(monkeypatch)
    slow = _run(family, params, conv)
    np.testing.assert_array_equal(fast.w, slow.w)
    for k in slow.st:
        np.testing.assert_array_equal(fast.st[k], slow.st[k])


@needs_numba
@pytest.mark.parametrize("loss", ["x**2", "x**2/2", "3*x", "log(1 + x**2)"])
def test_the_fused_kernel_takes_a_loss_applied_to_every_parameter(monkeypatch, loss):
    """A separable loss's gradient may be w itself (x**2/2) or a constant broadcast to every entry (3*x): both reach
    the compiled update as the NumPy kernels get them."""
    n = accel.FUSED_MIN + 3
    params = {"loss": loss, "w0": np.linspace(-1, 1, n), "steps": "3", "lr": "0.1"}
    _compiled_path(monkeypatch)
    fast = _run("adam", params, {})
    assert fast.engine == accel.FUSED_TEXT
    _numpy_path(monkeypatch)
    np.testing.assert_array_equal(fast.w, _run("adam", params, {}).w)


def test_the_fused_adam_step_matches_its_closed_form_on_a_constant_gradient(monkeypatch):
    """Adam on a constant gradient g with bias correction: m_hat = g and v_hat = g^2 exactly in real arithmetic, so
    every step moves w by lr g / (|g| + eps) (eps outside, as torch); on both paths."""
    n = accel.FUSED_MIN + 5
    g = np.linspace(-2.0, 3.0, n)
    g[g == 0] = 1.0
    for path in (_compiled_path, _numpy_path):
        path(monkeypatch)
        c = _run("adam", {"grads": g, "w0": np.zeros(n), "steps": "4", "lr": "0.1"}, {"eps_placement": "outside"})
        np.testing.assert_allclose(c.w, -4 * 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


@needs_numba
def test_the_solution_says_which_kernel_ran(monkeypatch):
    n = accel.FUSED_MIN
    params = {"grads": np.ones(n), "w0": np.zeros(n), "steps": "2"}
    _compiled_path(monkeypatch)
    assert "as one compiled loop over the entries (Numba)" in _note(registry.get("adam").solve(params, path="numeric"))
    _numpy_path(monkeypatch)
    assert "in float64 NumPy" in _note(registry.get("adam").solve(params, path="numeric"))


def test_the_numpy_path_runs_when_the_accelerator_is_switched_off(monkeypatch):
    """STEPWISE_ACCEL=numpy: no compiled kernel is loaded, the NumPy path runs and says so (a deployment without
    Numba behaves the same: accel.jit() is None)."""
    _numpy_path(monkeypatch)
    assert not accel.available() and accel.jit() is None
    n = accel.FUSED_MIN
    sol = registry.get("momentum").solve({"grads": np.ones(n), "w0": np.zeros(n), "steps": "3", "beta": "0.5",
                                          "lr": "1"}, path="numeric")
    note = _note(sol)
    assert "in float64 NumPy" in note and "Numba" not in note


def test_small_solves_never_import_numba():
    """Numba (and LLVM) costs a fraction of a second to import: only large or long instances load it."""
    code = ("import sys; from solver import registry; "
            "registry.get('adam').solve({'grads': '[1, 0]'}); "
            "registry.get('adam').solve({'loss': 'x**2 + 10*y**2', 'w0': '1, 1', 'steps': '300'}); "
            "registry.get('sigmoid_neuron').solve({'x': '0.5 2.5', 'y': '0.2 0.9', 'w': '1', 'steps': '100'}); "
            "print('numba' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != accel.ENV}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# ---- long runs: the whole run in one compiled call -----------------------------------------------------------
LONG = [
    ("adam", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01"}, {"eps_placement": "outside"}),
    ("adam", {"loss": "x**2 + 10*y**2 + x*y", "w0": "1, -1", "lr": "0.01", "amsgrad": "true", "weight_decay": "0.1"},
     {"eps_placement": "inside", "weight_decay_form": "decoupled"}),
    ("adam", {"loss": "(1 - x)**2 + 100*(y - x**2)**2", "w0": "-1, 1", "lr": "0.001", "weight_decay": "0.01"},
     {"eps_placement": "keras"}),
    ("adam", {"gradient": "2*x, 20*y", "w0": "1, -1", "lr": "0.01", "m0": "0.1", "v0": "0.2", "t0": "5"}, {}),
    ("momentum", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01", "beta": "0.9", "dampening": "0.1"}, {}),
    ("momentum", {"loss": "x**2 + 10*y**2 + x**3/10", "w0": "1, -1", "lr": "0.01", "beta": "0.9"},
     {"momentum_form": "velocity"}),
    ("sgd", {"loss": "x**4/4 + 10*y**2 + x*y*z", "w0": "1, -1, 0.5", "lr": "0.01", "weight_decay": "0.1"}, {}),
    ("adagrad", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.1", "lr_decay": "0.01"}, {}),
    ("adagrad", {"loss": "x**2 + 10*y**2 + x*y", "w0": "1, -1", "lr": "0.1", "weight_decay": "0.1"},
     {"eps_placement": "inside"}),
    ("rmsprop", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01"}, {"eps_placement": "inside"}),
    ("rmsprop", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01", "v0": "0.3"}, {"eps_placement": "outside"}),
    ("adadelta", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "beta": "0.9", "weight_decay": "0.01"}, {}),
    ("adamax", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01"}, {"adamax_eps": "max"}),
    ("adamax", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01", "t0": "3", "m0": "0.1", "v0": "0.2"},
     {"bias_correction": "off"}),
    ("nag", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01", "beta": "0.9"}, {"nag_form": "torch"}),
    ("nag", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01", "beta": "0.9", "weight_decay": "0.1"}, {}),
    ("nag", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01", "beta": "0.9"}, {"nag_form": "sutskever"}),
    ("nag", {"loss": "x**2 + 10*y**2", "w0": "1, -1", "lr": "0.01", "beta": "0.9"}, {"nag_form": "scaled"}),
]
ROWS = np.round(np.random.default_rng(5).standard_normal((2500, 2)), 3)
GIVEN = [   # given gradients, one row per step (or one row repeated)
    ("adam", {"grads": ROWS, "w0": "1, -1", "lr": "0.01", "weight_decay": "0.1"}, {"eps_placement": "outside"}),
    ("adam", {"grads": ROWS[:, :1], "lr": "0.001", "amsgrad": "true"}, {"eps_placement": "inside"}),
    ("sgd", {"grads": ROWS, "w0": "1, -1", "lr": "0.01"}, {}),
    ("momentum", {"grads": ROWS[:1], "w0": "1, -1", "steps": "2500", "lr": "0.01", "beta": "0.9", "dampening": "0.2"},
     {}),
    ("nag", {"grads": ROWS, "w0": "1, -1", "lr": "0.01", "beta": "0.9"}, {"nag_form": "torch"}),
    ("nag", {"grads": ROWS, "w0": "1, -1", "lr": "0.01", "beta": "0.9"}, {"nag_form": "sutskever"}),
    ("adagrad", {"grads": ROWS, "w0": "1, -1", "lr": "0.1", "lr_decay": "0.01"}, {}),
    ("rmsprop", {"grads": ROWS, "w0": "1, -1", "lr": "0.01"}, {}),
    ("adadelta", {"grads": ROWS, "w0": "1, -1"}, {}),
    ("adamax", {"grads": ROWS, "w0": "1, -1", "lr": "0.01"}, {}),
]


@needs_numba
@pytest.mark.parametrize("family,params,conv", LONG + GIVEN)
def test_a_long_run_in_one_compiled_call_gives_the_numpy_paths_numbers(monkeypatch, family, params, conv):
    """The compiled program and loop give the NumPy path's numbers: the same operations, in an order that may differ
    where a gradient has several terms (the rounding of the last bit), so to float64 rounding after 2,500 steps."""
    params = {"steps": "2500", **params}   # past the 2,000 steps a two-parameter plot shows
    _compiled_path(monkeypatch)
    fast = _run(family, params, conv)
    assert fast.engine == (accel.LOOP_ROWS_TEXT if "grads" in params else accel.LOOP_TEXT)
    _numpy_path(monkeypatch)
    slow = _run(family, params, conv)
    assert slow.engine == accel.NUMPY_TEXT
    same = dict(rtol=1e-11, atol=1e-300)
    np.testing.assert_allclose(fast.w, slow.w, **same)
    for k in slow.st:
        np.testing.assert_allclose(fast.st[k], slow.st[k], **same)
    assert fast.out.keys() == slow.out.keys()   # the last step's values for the answers
    for k in slow.out:
        np.testing.assert_allclose(fast.out[k], slow.out[k], **same)


@needs_numba
def test_a_long_run_with_library_functions_agrees_to_rounding(monkeypatch):
    """exp, log, sigmoid and sin come from the C library in the compiled program and from NumPy on the other path:
    the same values to rounding."""
    params = {"loss": "log(1 + x**2) + 10*y**2 + sigmoid(x - y) + exp(x*y)/3 + sin(x)", "w0": "1, -1", "lr": "0.01",
              "steps": "2500"}
    for family in ("adam", "sgd"):
        _compiled_path(monkeypatch)
        fast = registry.get(family).solve(params, path="numeric")
        assert "the whole run as one compiled loop (Numba)" in _note(fast)
        _numpy_path(monkeypatch)
        slow = registry.get(family).solve(params, path="numeric")
        for name in slow.answers:   # (atol: a gradient component near 0 is a difference of terms near 1)
            np.testing.assert_allclose(np.asarray(fast.answer(name).value, float),
                                       np.asarray(slow.answer(name).value, float), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("path", [_compiled_path, _numpy_path])
def test_gradient_descent_for_100000_steps_matches_the_closed_form(monkeypatch, path):
    """L = x^2 / 2 + 2 y^2: w_T = (1 - lr)^T x0 and (1 - 4 lr)^T y0 (the loop compiled, or the NumPy path)."""
    path(monkeypatch)
    T, lr = 100_000, 1e-5
    sol = registry.get("sgd").solve({"loss": "x**2/2 + 2*y**2", "w0": "1, 2", "lr": str(lr), "steps": str(T)})
    np.testing.assert_allclose(sol.answer("w").value, ((1 - lr) ** T, 2 * (1 - 4 * lr) ** T), rtol=1e-9)


@pytest.mark.parametrize("path", [_compiled_path, _numpy_path])
def test_adam_for_many_steps_on_a_linear_loss_matches_the_closed_form(monkeypatch, path):
    """L = 3x - y has the constant gradient (3, -1): with bias correction m_hat = g and v_hat = g^2, so each step
    moves w by lr g / (|g| + eps) (eps outside the root, as torch)."""
    path(monkeypatch)
    T, lr = 20_000, 1e-3
    sol = registry.get("adam").solve({"loss": "3*x - y", "w0": "0, 0", "lr": str(lr), "steps": str(T)},
                                     {"eps_placement": "outside"})
    np.testing.assert_allclose(sol.answer("w").value, (-T * lr * 3 / (3 + 1e-8), T * lr / (1 + 1e-8)), rtol=1e-9)


@needs_numba
@pytest.mark.parametrize("text", ["x**2 + 10*y**2", "exp(x*y) + log(1 + x**2) - sqrt(2 + y**2)",
                                  "sigmoid(x) * relu(y) + tanh(x - y)", "max(x, y)**2 + abs(x - y)**3",
                                  "sin(x)*cos(y) + tan(x*y) + sinh(x/3) + cosh(y/5)", "x**y + pi*x + e**y",
                                  "1/(1 + x**2) + y**(-3) + x**(-1/2)"])
def test_the_compiled_gradient_program_evaluates_like_numpy(text):
    """The program (a postfix walk of the parsed expression's derivatives) against the lambdified NumPy function."""
    from solver.parse import parse_expr
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    expr = parse_expr(text, {"x": x, "y": y})
    grads = tuple(sp.diff(expr, v) for v in (x, y))
    program = accel.compile_gradient(grads, (x, y))
    assert program is not None
    for pt in ((0.7, 1.3), (2.0, 0.4), (1.1, 2.5)):
        want = [float(numpy_function(gx, [x, y])(*pt)) for gx in grads]
        np.testing.assert_allclose(accel.evaluate_program(program, pt), want, rtol=1e-12)


@needs_numba
def test_a_loss_in_variables_named_like_common_parts_compiles_correctly():
    """Regression guard: the program's common parts are named apart from the parameters (x0, x1 are common names)."""
    from solver.parse import parse_expr
    x0, x1 = sp.Symbol("x0", real=True), sp.Symbol("x1", real=True)
    expr = parse_expr("exp(x0*x1)**2 + exp(x0*x1) + x0**2 * x1", {"x0": x0, "x1": x1})
    grads = tuple(sp.diff(expr, v) for v in (x0, x1))
    want = [float(numpy_function(gx, [x0, x1])(0.3, -0.4)) for gx in grads]
    np.testing.assert_allclose(accel.evaluate_program(accel.compile_gradient(grads, (x0, x1)), (0.3, -0.4)), want,
                               rtol=1e-13)


def test_a_gradient_the_program_cannot_evaluate_stays_on_the_numpy_path():
    x = sp.Symbol("x", real=True)
    assert accel.compile_gradient((sp.Piecewise((x, x > 0), (0, True)),), (x,)) is None
    assert accel.compile_gradient((sp.I * x,), (x,)) is None


@pytest.mark.parametrize("path", [_compiled_path, _numpy_path])
def test_the_sigmoid_neuron_for_100000_steps_reaches_the_fit_of_the_course_notes_data(monkeypatch, path):
    """The course notes' do_gradient_descent data (week 4: X = [0.5, 2.5], Y = [0.2, 0.9]): two points and two
    parameters, so gradient descent converges to the exact fit sigma(w x + b) = y at both points, which solves
    w = (logit(0.9) - logit(0.2)) / 2 and b = logit(0.2) - w / 2 (closed form)."""
    path(monkeypatch)
    sol = registry.get("sigmoid_neuron").solve({"x": "0.5 2.5", "y": "0.2 0.9", "w": "-2", "b": "-2", "eta": "1",
                                                "steps": "100000"})
    logit = lambda p: math.log(p / (1 - p))   # noqa: E731
    w = (logit(0.9) - logit(0.2)) / 2
    np.testing.assert_allclose([sol.answer("w").value, sol.answer("b").value], [w, logit(0.2) - 0.5 * w], rtol=1e-9)
    assert ("one compiled loop (Numba)" in _note(sol)) == (path is _compiled_path and accel._installed())


@needs_numba
@pytest.mark.parametrize("params,conv", [
    ({"x": "0.5 2.5", "y": "0.2 0.9", "w": "-2", "b": "-2", "eta": "1", "steps": "3000"}, {"squared_error": "plain"}),
    ({"x": "[[1, 2], [0.5, -1], [3, 0]]", "y": "1 0 1", "w": "0.1 0.2", "eta": "0.5", "steps": "3000", "loss": "ce"},
     {"reduction": "mean"}),
])
def test_the_sigmoid_neurons_compiled_loop_gives_the_numpy_paths_numbers(monkeypatch, params, conv):
    fam = registry.get("sigmoid_neuron")
    _compiled_path(monkeypatch)
    fast = fam.solve(params, conv, path="numeric")
    _numpy_path(monkeypatch)
    slow = fam.solve(params, conv, path="numeric")
    assert "one compiled loop (Numba)" in _note(fast) and "in float64 NumPy" in _note(slow)
    for name in slow.answers:
        np.testing.assert_allclose(np.asarray(fast.answer(name).value, float),
                                   np.asarray(slow.answer(name).value, float), rtol=1e-13, atol=1e-300)


# ---- the step cap: 100,000 on the NumPy path, more where the run is one compiled call ---------------------------
@needs_numba
def test_a_million_adam_steps_on_a_loss_run_compiled_and_match_the_closed_form(monkeypatch):
    """Beyond 100,000 steps where the whole run is one compiled call (L = 3x - y: each step moves w by
    lr g / (|g| + eps), eps outside the root)."""
    _compiled_path(monkeypatch)
    T, lr = 1_000_000, 1e-6
    sol = registry.get("adam").solve({"loss": "3*x - y", "w0": "0, 0", "lr": str(lr), "steps": str(T)},
                                     {"eps_placement": "outside"})
    assert "the whole run as one compiled loop (Numba)" in _note(sol)
    np.testing.assert_allclose(sol.answer("w").value, (-T * lr * 3 / (3 + 1e-8), T * lr / (1 + 1e-8)), rtol=1e-9)


def test_more_than_100000_steps_need_the_compiled_loops(monkeypatch):
    """Without them (STEPWISE_ACCEL=numpy, or Numba not installed) the NumPy path's cap stands, and the message says
    what a longer run needs."""
    from solver.params import InvalidInput
    _numpy_path(monkeypatch)
    for family, params in (("adam", {"loss": "x**2 + y**2", "w0": "1, 1"}),
                           ("sigmoid_neuron", {"x": "0.5 2.5", "y": "0.2 0.9", "w": "1"})):
        with pytest.raises(InvalidInput) as e:
            registry.get(family).validate({**params, "steps": "100001"})
        assert e.value.field == "steps" and "stepwise[fast]" in str(e.value) and "at most 100000" in str(e.value)


@pytest.mark.parametrize("family,params,why", [
    ("nadam", {"loss": "x**2 + y**2", "w0": "1, 1"}, "NAdam runs step by step"),
    ("rmsprop", {"loss": "x**2 + y**2", "w0": "1, 1", "centered": "true"}, "centered RMSProp"),
    ("adam", {"grads": "[1]"}, "loss or gradient expression"),
    ("sgd", {"loss": "x**2", "w0": "1 2 3"}, "loss or gradient expression"),
])
def test_more_than_100000_steps_are_refused_where_no_compiled_run_exists(monkeypatch, family, params, why):
    from solver.params import InvalidInput
    _compiled_path(monkeypatch)
    with pytest.raises(InvalidInput) as e:
        registry.get(family).validate({**params, "steps": "200000"})
    assert e.value.field == "steps" and why in str(e.value)


@needs_numba
def test_a_compiled_run_is_bounded_by_its_estimated_time(monkeypatch):
    """The time one run may take bounds the steps: a costlier gradient allows fewer (accel.RUN_SECONDS)."""
    from solver.params import InvalidInput
    _compiled_path(monkeypatch)
    fam = registry.get("adam")
    fam.validate({"loss": "x**2 + y**2", "w0": "1, 1", "steps": "2000000"})
    with pytest.raises(InvalidInput) as e:
        fam.validate({"loss": "x**2 + y**2", "w0": "1, 1", "steps": "10000000"})
    assert e.value.field == "steps" and "for this gradient" in str(e.value)
    with pytest.raises(InvalidInput):
        registry.get("sigmoid_neuron").validate({"x": "0.5 2.5", "y": "0.2 0.9", "w": "1", "steps": "10000000"})


@needs_numba
def test_warm_up_takes_every_compiled_path(monkeypatch):
    """`stepwise serve` compiles the kernels in the background (python -m problems._optim.accel): every warm-up solve
    runs, and each takes the compiled path it is there for."""
    _compiled_path(monkeypatch)
    solves = list(accel._warm_solves())
    assert accel.warm() == len(solves)
    for family, params in solves:
        note = registry.get(family).solve(params, path="numeric").steps[0].text
        assert "Numba" in note, (family, note)


def test_warm_up_does_nothing_on_the_numpy_path(monkeypatch):
    _numpy_path(monkeypatch)
    assert accel.warm() == 0

