"""Engine unit tests: exam rounding, tolerances, parameter specs and messages, the step builder, JSON."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from decimal import Decimal

import numpy as np
import pytest
import sympy as sp

from solver.conventions import EPS_PLACEMENT, Convention, resolve
from solver.format import fixed, latex
from solver.numbers import Precision, Tolerance, exact, round_decimal, terminating, tolerance_for
from solver.params import (Bool, Choice, Expr, Int, InvalidInput, Matrix, Param, Real, Vector, parse_params,
                           params_to_json)
from solver.steps import Answer, Math, Solution, Step
from solver.symbolic import Derivation, evaluate, make_answer, substituted, sym


# ---- numbers -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("x,prec,want", [
    (sp.Rational(1, 8), Precision(dp=2), "0.13"),          # half away from zero, not banker's 0.12
    (sp.Rational(-1, 8), Precision(dp=2), "-0.13"),
    (0.125, Precision(dp=2), "0.13"),                      # the float 0.125 is exactly representable
    (2.675, Precision(dp=2), "2.68"),                      # typed 2.675 rounds as typed (binary 2.67499...)
    (sp.Float("0.468995593589281", 30), Precision(dp=3), "0.469"),
    (sp.Float("30.38486", 30), Precision(sig=3), "30.4"),
    (9.996, Precision(sig=3), "10.0"),
    (sp.Rational(1, 3), Precision(sig=4), "0.3333"),
    (0, Precision(sig=3), "0.00"),
    (sp.oo, Precision(dp=4), "∞"),
    (sp.Float("7.552e-42", 30), Precision(sig=4), "7.552e-42"),
    (1e-7, Precision(dp=4), "1.000e-7"),                   # too small for 4 dp: not a misleading 0.0000
])
def test_exam_rounding(x, prec, want):
    assert fixed(x, prec) == want


def test_round_decimal_sig_figs_carry():
    assert str(round_decimal(Decimal("0.09996"), Precision(sig=3))) == "0.100"


def test_terminating_decimals():
    assert terminating(sp.Rational(1, 8)) == "0.125"
    assert terminating(sp.Rational(1, 3)) is None
    assert terminating(sp.Rational(-7, 20)) == "-0.35"


def test_exact_uses_the_shortest_decimal():
    assert exact(0.1) == sp.Rational(1, 10)
    assert exact(sp.Float("0.25")) == sp.Rational(1, 4)


def test_tolerance_half_unit_and_sign():
    t = tolerance_for(Precision(dp=4))
    assert t.accepts(0.46899, 0.469) and not t.accepts(0.4689, 0.469)
    up = Tolerance(abs=1e-3, up_to_sign=True)
    assert up.accepts([-0.5574, 0.8303], [0.5574, -0.8303])
    assert not Tolerance(abs=1e-3).accepts([-0.5574, 0.8303], [0.5574, -0.8303])
    assert not up.accepts([0.5574, 0.8303], [0.5574, -0.8303])  # a mixed flip is a different vector
    assert Tolerance(rel=0.01).accepts(101, 100) and not Tolerance(rel=0.01).accepts(102, 100)
    assert Tolerance().accepts(float("inf"), float("inf"))


# ---- params ----------------------------------------------------------------------------------------
def test_real_message_is_sklearn_style():
    p = Param("lr", Real(0, None, closed="neither"))
    with pytest.raises(InvalidInput) as e:
        p.parse("-0.1", "adam")
    assert e.value.field == "lr"
    assert e.value.message == "The 'lr' parameter of adam must be a number in the range (0, inf). Got '-0.1' instead."


def test_real_is_exact():
    assert Real().parse("0.1") == sp.Rational(1, 10)
    assert Real().parse("1/3") == sp.Rational(1, 3)
    assert Real().parse("1e-8") == sp.Rational(1, 10**8)
    assert Real().parse("−2") == -2  # unicode minus
    assert Real().parse(0.1) == sp.Rational(1, 10)


@pytest.mark.parametrize("raw", ["nan", "inf", float("nan"), float("inf"), "1e999999", True, [1]])
def test_real_rejects_non_finite_and_non_numbers(raw):
    with pytest.raises(InvalidInput):
        Param("x", Real()).parse(raw)


def test_int_bool_choice():
    assert Int(1, 10).parse("3") == 3
    with pytest.raises(InvalidInput, match=r"integer in the range \[1, 10\]"):
        Param("n", Int(1, 10)).parse("2.5")
    assert Bool().parse("yes") is True and Bool().parse("false") is False and Bool().parse(0) is False
    c = Choice({"e": "natural", "2": "bits"})
    assert c.parse("E") == "e" and c.parse(2) == "2"
    with pytest.raises(InvalidInput, match="one of 'e', '2'"):
        Param("base", c).parse("3")


@pytest.mark.parametrize("text", ["[1, 2]", "(-1, 2)", "1 2", "1, 2", "[[1, 2]]", "1; 2"])
def test_vector_forms(text):
    v = Vector().parse(text)
    assert len(v) == 2 and all(isinstance(x, sp.Rational) for x in v)


@pytest.mark.parametrize("text", ["[[1,2],[3,4]]", "1 2; 3 4", "1 2\n3 4", "(1,2), (3,4)", "[1 2; 3 4]"])
def test_matrix_forms(text):
    assert Matrix().parse(text) == ((1, 2), (3, 4))


def test_matrix_ragged_and_shape_messages():
    with pytest.raises(InvalidInput, match="row 2 has 1 entry but row 1 has 2"):
        Param("A", Matrix()).parse("1 2; 3")
    with pytest.raises(InvalidInput, match="square"):
        Param("A", Matrix(square=True)).parse("1 2 3; 4 5 6")


def test_numpy_input_stays_float_and_is_checked():
    a = Vector().parse(np.arange(5.0))
    assert isinstance(a, np.ndarray) and a.dtype == np.float64 and not a.flags.writeable
    with pytest.raises(InvalidInput, match="finite"):
        Param("g", Vector()).parse(np.array([1.0, np.nan]))


@pytest.mark.parametrize("spec,good,bad,message", [
    # a declared range binds an array as it binds a list (a Matrix array skipped it: 1e300 reached sigmoid_neuron)
    (Matrix(lo=-10 ** 6, hi=10 ** 6), [[1e6, -1e6]], [[1.0, 1e300]], r"range \[-1000000, 1000000\]. Got 1e300"),
    (Matrix(lo=-1, hi=1, hint=" (scale it)"), [[1.0, -1.0]], [[1.0, -1.0000001]], r"\(scale it\). Got -1.0000001"),
    (Vector(lo=0, hi=1), [0.0, 1.0, 0.5], [0.2, -1e-300], r"range \[0, 1\]. Got -1e-300"),
    (Vector(lo=0, hi=1, closed="right"), [1.0, 1e-9], [0.0, 0.5], r"range \(0, 1\]. Got 0"),
    (Vector(lo=0, hi=1, closed="left"), [0.0], [0.5, 1.0], r"range \[0, 1\). Got 1"),
    (Vector(lo=1, integer=True), [1.0, 7.0], [2.0, 2.5], r"integer entries. Got 2.5"),
    (Vector(lo=-1e100, hi=1e100), [1e100, -1e100], [1e308, 1e308], r"Got 1e308"),  # a sum of squares that overflows
])
def test_numpy_input_is_held_to_the_declared_range(spec, good, bad, message):
    """One pass (the sum of squares) accepts an array whose every entry is well inside the range; anything else is
    decided by the exact checks, so an entry on the bound passes and one just past it is refused."""
    assert Param("v", spec).parse(np.array(good)).tolist() == (good if isinstance(spec, Matrix) else list(good))
    with pytest.raises(InvalidInput, match=message) as e:
        Param("v", spec).parse(np.array(bad))
    assert e.value.field == "v"


def test_numpy_views_without_one_buffer_are_checked_too():
    """A transposed or strided view (no contiguous buffer for the one-pass sum) takes the exact checks."""
    a = np.zeros((4, 6))
    a[1, 2] = 5.0
    spec = Param("A", Matrix(lo=-1, hi=1))
    assert spec.parse(a[:, 1::2]).shape == (4, 3)     # the 5 is in a column the view skips
    with pytest.raises(InvalidInput, match="Got 5 instead"):
        spec.parse(a[:, ::2])
    with pytest.raises(InvalidInput, match="Got 5 instead"):
        spec.parse(a.T)
    a[3, 0] = np.nan
    with pytest.raises(InvalidInput, match="finite"):
        spec.parse(a[:, ::2])


def test_declared_range_reaches_arrays_through_a_family():
    """sigmoid_neuron declares its inputs within ±1e6; an array of 1e300 was solved (z = 1e300) before."""
    import solver
    with pytest.raises(InvalidInput) as e:
        solver.solve("sigmoid_neuron", x=np.array([[1e300]]), w=np.array([1.0]), y=np.array([1.0]))
    assert e.value.field == "x" and "Got 1e300 instead" in str(e.value)


def test_expr_is_whitelisted_and_never_evaluated():
    x, y = sp.symbols("x y", real=True)
    assert Expr().parse("x**2 + 4*y**2") == x**2 + 4 * y**2
    for bad in ["__import__('os').system('true')", "x.__class__", "exec('1')", "9**9**9", "lambda: 1"]:
        with pytest.raises(InvalidInput):
            Param("loss", Expr()).parse(bad)


def test_parse_params_unknown_missing_default():
    params = (Param("a", Real(), required=True), Param("b", Int(), default="3"), Param("c", Bool()))
    assert parse_params(params, {"a": "1"}, "fam") == {"a": 1, "b": 3, "c": None}
    with pytest.raises(InvalidInput) as e:
        parse_params(params, {}, "fam")
    assert e.value.field == "a" and "required" in e.value.message
    with pytest.raises(InvalidInput) as e:
        parse_params(params, {"a": "1", "z": "2"}, "fam")
    assert e.value.field == "z" and "its parameters: a, b, c" in e.value.message
    assert params_to_json(params, {"a": sp.Rational(1, 2), "b": 3, "c": None}) == {"a": 0.5, "b": 3}


# ---- conventions -------------------------------------------------------------------------------------
def test_conventions_resolve_and_name_bad_choices():
    assert resolve((EPS_PLACEMENT,), None) == {"eps_placement": "inside"}
    assert resolve((EPS_PLACEMENT,), {"eps_placement": "OUTSIDE"}) == {"eps_placement": "outside"}
    with pytest.raises(InvalidInput) as e:
        resolve((EPS_PLACEMENT,), {"eps_placement": "middle"}, "adam")
    assert e.value.field == "eps_placement" and "'inside', 'outside'" in e.value.message
    with pytest.raises(ValueError):
        Convention("x", "X", {"a": "A"}, default="b")


# ---- step builder ------------------------------------------------------------------------------------
def test_compute_shows_formula_substitution_and_exact_value():
    m, b1, g = sym("m"), sym("beta1", r"\beta_{1}"), sym("g")
    with sp.evaluate(False):
        rule = b1 * m + (1 - b1) * g
    d = Derivation()
    v = d.compute("First moment", m, rule, {m: 0, b1: sp.Rational(9, 10), g: -2}, answer="m")
    assert v == sp.Rational(-1, 5)
    (step,) = d.steps
    assert step.formula.latex == r"m = \beta_{1} m + \left(1 - \beta_{1}\right) g"
    # the structure stays as written, numbers in place of symbols, negatives in parentheses
    assert step.substituted.latex == r"m = 0.9 \cdot 0 + \left(1 - 0.9\right) \cdot \left(-2\right)"
    assert step.substituted.text == "m = 0.9*0 + (1 - 0.9)*(-2)"
    assert step.value.text == "m = -0.2"
    assert step.answers[0].value == -0.2 and step.answers[0].display == "-0.2000"


def test_non_rational_values_carry_40_digits():
    x = sym("x")
    v = evaluate(sp.exp(x), {x: 1})
    assert isinstance(v, sp.Float) and abs(v - sp.E) < sp.Float("1e-38")


def test_vectors_broadcast_elementwise():
    w, x, eta = sym("w"), sym("x"), sym("eta")
    assert evaluate(w - eta * x, {w: (1, 2), x: (3, -4), eta: sp.Rational(1, 2)}) == (sp.Rational(-1, 2), 4)


def test_number_latex_forms():
    assert latex(sp.Rational(1, 3)) == r"\frac{1}{3}"
    assert latex(sp.Rational(-1, 3)) == r"-\frac{1}{3}"
    assert latex(sp.Rational(1, 8)) == "0.125"
    assert latex((1, sp.Rational(1, 2))) == r"\left(1, 0.5\right)"
    assert latex(sp.oo) == r"\infty"


def test_substituted_keeps_unsimplified_structure():
    a, b = sym("a"), sym("b")
    with sp.evaluate(False):
        e = a + b - a
    m = substituted(sym("r"), e, {a: 2, b: 3})
    assert m.text.replace("(", "").replace(")", "") == "r = 2 + 3 - 2"  # not simplified to r = 3


# ---- Solution and JSON ---------------------------------------------------------------------------------
def _solution():
    child = Step("compute", "child", formula=Math("x", "x"), answers=(make_answer("v", sp.Rational(1, 3)),))
    return Solution("fam", "Fam", {"a": 1}, (), "What?", (Step("given", "g"), Step("compute", "c", children=(child,))))


def test_answers_are_read_from_steps_and_round_trip():
    sol = _solution()
    assert list(sol.answers) == ["v"] and sol.answers["v"].display == "0.3333"
    data = json.loads(json.dumps(sol.to_json(), allow_nan=False))
    assert data["answers"]["v"]["latex"] == r"\frac{1}{3}"
    assert Solution.from_json(data) == sol


def test_duplicate_answers_and_bad_kinds_are_rejected():
    a = make_answer("v", 1)
    with pytest.raises(ValueError, match="two steps"):
        Solution("f", "F", {}, (), "s", (Step("note", "a", answers=(a,)), Step("note", "b", answers=(a,))))
    with pytest.raises(ValueError, match="unknown step kind"):
        Step("explain", "x")
    with pytest.raises(ValueError, match="schema"):
        Solution.from_json({**_solution().to_json(), "schema": 99})


def test_infinity_is_json_safe():
    a = make_answer("kl", sp.oo)
    assert a.value == "inf" and a.display == "∞"
    json.dumps(a.to_json(), allow_nan=False)


# ---- command line --------------------------------------------------------------------------------------
def _run(*args):
    return subprocess.run([sys.executable, "-m", "solver.cli", *args], capture_output=True, text=True)


def test_cli_list_and_show():
    r = _run("list")
    assert r.returncode == 0 and "perceptron" in r.stdout
    r = _run("show", "perceptron")
    assert r.returncode == 0
    assert "firing_rule" in r.stdout and "the course notes, week 1" in r.stdout  # the worked example's source


def test_cli_unknown_family_and_bad_convention_exit_2():
    r = _run("solve", "perceptrn")
    assert r.returncode == 2 and "Did you mean perceptron" in r.stderr
    r = _run("solve", "perceptron", "--example", "-c", "firing_rule=maybe")
    assert r.returncode == 2 and "'firing_rule'" in r.stderr
    r = _run("solve", "perceptron", "-p", "X")
    assert r.returncode == 2 and "name=value" in r.stderr


def test_cli_json_is_the_contract():
    r = _run("solve", "perceptron", "--example", "--format", "json")
    data = json.loads(r.stdout)
    assert data["schema"] == 1 and data["family"] == "perceptron"
    assert data["answers"]["w"]["value"] == [-1, -3]
    assert data["conventions"] == {"firing_rule": ">=", "update_rule": "classic", "bias_position": "first"}


def test_solve_imports_no_web_stack():
    """`stepwise solve` starts fast: no Flask, Jinja or plotting imported."""
    code = ("import sys; from solver.cli import main; main(['solve','perceptron','--example','-f','json']); "
            "bad=[m for m in ('flask','jinja2','werkzeug','matplotlib','scipy','sklearn','torch') if m in sys.modules]; "
            "sys.stderr.write(repr(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "[]"


def test_solve_imports_no_network_stack_through_xml_escaping():
    """xml.sax.saxutils (once used for the plots' text) imports urllib.request, http.client, email and ssl:
    about a tenth of `stepwise solve`'s start-up, for three string replacements."""
    code = ("import sys; from solver.cli import main; main(['solve','perceptron','--example','-f','json']); "
            "sys.stderr.write(repr([m for m in ('xml.sax.saxutils','urllib.request','http.client','ssl') "
            "if m in sys.modules]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "[]"


def test_cli_main_called_with_argv_leaves_the_collector_alone(capsys):
    """Only the program itself (`stepwise ...`, no argv) pauses and freezes the cyclic collector for a fast
    start; a caller of main(argv) keeps its collector running and nothing of its own frozen."""
    import gc

    from solver.cli import main

    assert main(["solve", "perceptron", "--example", "-f", "json"]) == 0   # the worker processes start once
    capsys.readouterr()
    frozen = gc.get_freeze_count()
    assert main(["solve", "perceptron", "--example", "-f", "json"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert json.loads(capsys.readouterr().out)["answers"]["w"]["value"] == [-1, -3]


def test_empty_parameter_or_convention_name_names_a_field():
    """Found by fuzzing /api/solve with {"params": {"": null}}: the error named the field ''."""
    import solver

    with pytest.raises(InvalidInput) as e:
        solver.solve("perceptron", **{"": None, "X": "1 2", "y": "1"})
    assert e.value.field == "params" and "empty name" in e.value.message
    with pytest.raises(InvalidInput) as e:
        solver.solve("perceptron", conventions={" ": "x"}, X="1 2", y="1")
    assert e.value.field == "conventions"
