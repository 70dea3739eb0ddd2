"""Tests for solver.parse: safe parsing of user-typed numbers, arrays, booleans and expressions."""
from __future__ import annotations

import ast
import builtins
import re
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import E, Rational, Symbol, pi

from solver import parse as parse_module
from solver.functions import relu, sigmoid
from solver.parse import (
    MAX_DIGITS,
    MAX_ELEMENTS,
    MAX_EXPONENT,
    MAX_TEXT,
    ParseError,
    parse_array,
    parse_bool,
    parse_expr,
    parse_matrix,
    parse_number,
    parse_vector,
)

R = Rational
x, y = sympy.symbols("x y")


def raises(fragment: str):
    """pytest.raises(ParseError) whose message must contain fragment."""
    return pytest.raises(ParseError, match=re.escape(fragment))


# ------------------------------------------------------------------------------------------
# parse_number
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, value",
    [
        ("0", R(0)),
        ("42", R(42)),
        ("0.1", R(1, 10)),
        ("1/3", R(1, 3)),
        ("1e-8", R(1, 10**8)),
        ("-2", R(-2)),
        ("+2", R(2)),
        ("\u22122", R(-2)),           # unicode minus sign
        ("\u22121/2", R(-1, 2)),
        (" 3.5 ", R(7, 2)),
        (".5", R(1, 2)),
        ("5.", R(5)),
        ("2.5e3", R(2500)),
        ("1E-3", R(1, 1000)),
        ("1e+3", R(1000)),
        ("-1/2", R(-1, 2)),
        ("0.5/2", R(1, 4)),
        ("1.5e2/3", R(50)),
        ("1 / 3", R(1, 3)),
        ("-0", R(0)),
        ("007", R(7)),
        ("1e400", R(10**400)),
        ("1e-400", R(1, 10**400)),
        ("9" * MAX_DIGITS, R(int("9" * MAX_DIGITS))),
        ("\t12\n", R(12)),
    ],
)
def test_parse_number_values(text, value):
    got = parse_number(text)
    assert got == value
    assert isinstance(got, sympy.Rational)


def test_parse_number_is_exact():
    assert parse_number("0.1") == Rational(1, 10)
    assert parse_number("0.1") + parse_number("0.2") == parse_number("0.3")
    assert parse_number("1e-8") == Rational(1, 100_000_000)
    assert parse_number("0.333333333333333333333333") == Rational(333333333333333333333333, 10**24)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "expected a number, got nothing"),
        ("   ", "expected a number, got nothing"),
        ("oops", "expected a number, got 'oops'"),
        ("inf", "got 'inf'"),
        ("-inf", "got '-inf'"),
        ("Infinity", "got 'Infinity'"),
        ("nan", "got 'nan'"),
        ("NaN", "got 'NaN'"),
        ("1/0", "division by zero"),
        ("0/0", "division by zero"),
        ("1/0.0", "division by zero"),
        ("3/-4", "sign in front of the fraction"),
        ("1e999999", "number out of range"),
        ("1e-999999", "number out of range"),
        ("1e401", "number out of range"),
        ("1e" + "9" * 5000, "number out of range"),
        ("9" * (MAX_DIGITS + 1), "too many digits"),
        ("--2", "expected a number"),
        ("+-2", "expected a number"),
        ("- 2", "expected a number"),
        ("1_000", "expected a number"),
        ("1,5", "expected a number"),
        ("0x10", "expected a number"),
        ("1/2/3", "expected a number"),
        ("2*3", "expected a number"),
        ("e", "expected a number"),
        ("1e", "expected a number"),
        (".", "expected a number"),
        ("\u0661", "expected a number"),  # ARABIC-INDIC DIGIT ONE: only ASCII digits count
        ("１", "expected a number"),       # fullwidth digit
    ],
)
def test_parse_number_errors(text, fragment):
    with raises(fragment):
        parse_number(text)


def test_parse_number_error_is_value_error_without_field_name():
    with pytest.raises(ValueError) as info:
        parse_number("oops")
    assert str(info.value) == "expected a number, got 'oops'"


def test_parse_number_too_long_is_fast():
    text = "1" * (MAX_TEXT + 1)
    t0 = time.perf_counter()
    with raises(f"input is too long ({MAX_TEXT + 1} characters; at most {MAX_TEXT})"):
        parse_number(text)
    assert time.perf_counter() - t0 < 0.5


def test_error_messages_quote_only_a_prefix():
    with pytest.raises(ParseError) as info:
        parse_number("x" * 100_000)
    assert len(str(info.value)) < 100


def test_parse_number_rejects_non_text():
    with pytest.raises(TypeError):
        parse_number(3)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# parse_bool
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["true", "True", "TRUE", " yes ", "y", "Y", "on", "1", "t", "T"])
def test_parse_bool_true(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["false", "False", "no", "N", "n", "off", "OFF", "0", "f", "\tF\n"])
def test_parse_bool_false(text):
    assert parse_bool(text) is False


@pytest.mark.parametrize(
    "text, fragment",
    [("maybe", "expected true or false, got 'maybe'"), ("", "expected true or false, got nothing"),
     ("2", "got '2'"), ("yess", "got 'yess'"), ("truefalse", "got 'truefalse'")],
)
def test_parse_bool_errors(text, fragment):
    with raises(fragment):
        parse_bool(text)


# ------------------------------------------------------------------------------------------
# parse_array / parse_vector / parse_matrix
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("[1, 2]", [1, 2]),
        ("(-1, 2)", [-1, 2]),
        ("1 2", [1, 2]),
        ("1, 2", [1, 2]),
        ("1,2,3", [1, 2, 3]),
        ("[1 2 3]", [1, 2, 3]),
        ("[1, 2,]", [1, 2]),
        ("{1, 2}", [1, 2]),
        ("7", [7]),
        ("[7]", [7]),
        ("1 -1", [1, -1]),
        ("1, -1", [1, -1]),
        ("1 +1", [1, 1]),
        ("  1   2  \n", [1, 2]),
        ("\n\n1 2\n\n", [1, 2]),
        ("1/3 1e-8 \u22122 +4 .5 0.5/2", [R(1, 3), R(1, 10**8), -2, 4, R(1, 2), R(1, 4)]),
        ("1\u00a02", [1, 2]),                 # no-break space is whitespace
        ("[1 2 3\n 4 5]", [1, 2, 3, 4, 5]),   # a long vector wrapped over lines (NumPy print style)
    ],
)
def test_parse_array_vectors(text, expected):
    got = parse_array(text)
    assert got == [R(v) for v in expected]
    assert all(isinstance(v, sympy.Rational) for v in got)


@pytest.mark.parametrize(
    "text",
    [
        "1 2; 3 4",
        "1 2;3 4;",
        "[[1,2],[3,4]]",
        "[[1, 2], [3, 4]]",
        "[1 2; 3 4]",
        "[1, 2; 3, 4]",
        "((1,2),(3,4))",
        "(1,2),(3,4)",
        "[1,2] [3,4]",
        "[1, 2]\n[3, 4]",
        "1 2\n3 4",
        "1 2\n3 4\n",
        "1, 2\n3, 4",
        "1, 2,\n3, 4,",
        "\n1 2\n\n\n3 4\n\n",
        "1 2\r\n3 4\r\n",
        "[1 2\n 3 4]",
        "[[1,2],\n [3,4]]",
        "[[1 2]\n [3 4]]",                    # NumPy print style
        "  [ [ 1 , 2 ] , [ 3 , 4 ] ]  ",
        "{{1,2},{3,4}}",
    ],
)
def test_parse_array_matrices(text):
    assert parse_array(text) == [[1, 2], [3, 4]]


def test_parse_array_points():
    assert parse_array("(-1,2), (0,-1), (2,1)") == [[-1, 2], [0, -1], [2, 1]]
    assert parse_array("(-1,2)\n(0,-1)\n(2,1)\n") == [[-1, 2], [0, -1], [2, 1]]


def test_parse_array_depth():
    assert parse_array("[1,2]") == [1, 2]                  # unwrapped once -> vector
    assert parse_array("[[1,2]]") == [[1, 2]]              # one row matrix
    assert parse_array("((1,2))") == [[1, 2]]
    assert parse_array("[[1],[2]]") == [[1], [2]]
    assert parse_array("1\n2\n3") == [[1], [2], [3]]


def test_parse_array_exact_entries():
    assert parse_array("0.1 0.2") == [R(1, 10), R(1, 5)]
    assert parse_array("[[1/3, \u22121e-8]]") == [[R(1, 3), R(-1, 10**8)]]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "expected at least one number"),
        ("   \n  ", "expected at least one number"),
        ("[]", "expected at least one number"),
        ("[[]]", "expected at least one number"),
        ("()", "expected at least one number"),
        ("1 - 1", "unexpected '-'"),
        ("1 + 1", "unexpected '+'"),
        ("1 * 2", "unexpected '*'"),
        ("1 / 3", "unexpected '/'"),
        ("1-1", "expected a number, got '1-1'"),
        ("[1, oops]", "expected a number, got 'oops'"),
        ("[1, inf]", "expected a number, got 'inf'"),
        ("nan nan", "expected a number, got 'nan'"),
        ("[1, 1/0]", "division by zero"),
        ("1e999999 2", "number out of range"),
        ("[[1, 10**10**10]]", "expected a number, got '10**10**10'"),
        ("[1, [2, 3]]", "cannot mix"),
        ("[[1, 2], 3]", "cannot mix"),
        ("1 2 (3 4)", "cannot mix"),
        ("[[1,2]", "unbalanced brackets"),
        ("[1,2]]", "unbalanced brackets"),
        ("[1,2)", "unbalanced brackets"),
        ("(1,2", "unbalanced brackets"),
        (")", "unbalanced brackets"),
        ("[[[1]]]", "nesting deeper than a matrix"),
        ("[[[1, 2]], [[3, 4]]]", "nesting deeper than a matrix"),
        ("[[1;2],[3;4]]", "nesting deeper than a matrix"),
        ("1 2\n3", "row 2 has 1 entry but row 1 has 2"),
        ("1 2; 3 4; 5", "row 3 has 1 entry but row 1 has 2"),
        ("[[1,2],[3,4,5]]", "row 2 has 3 entries but row 1 has 2"),
        ("[[1,2],[]]", "row 2 has 0 entries but row 1 has 2"),
        ("[1 2; 3]", "row 2 has 1 entry but row 1 has 2"),
        ("1,,2", "unexpected ','"),
        (",1", "unexpected ','"),
        ("[,1]", "unexpected ','"),
        ("3/-4", "expected a number"),
    ],
)
def test_parse_array_errors(text, fragment):
    with raises(fragment):
        parse_array(text)


def test_parse_matrix_ragged_names_the_row():
    with raises("row 3 has 1 entry but row 1 has 2"):
        parse_matrix("1 2\n3 4\n5")


def test_deep_nesting_is_a_parse_error_quickly():
    for text in ("[" * 100_000, "[" * 200_000 + "]" * 200_000, "(" * 200_000 + "1" + ")" * 200_000):
        t0 = time.perf_counter()
        with raises("nesting deeper than a matrix"):
            parse_array(text)
        assert time.perf_counter() - t0 < 1.0


def test_huge_text_is_rejected_quickly():
    text = "1 " * (5 * 1024 * 1024 + 1)   # a little over 10 MB
    t0 = time.perf_counter()
    with raises("input is too long"):
        parse_array(text)
    with raises("input is too long"):
        parse_expr(text, ["x"])
    with raises("input is too long"):
        parse_number(text)
    with raises("input is too long"):
        parse_bool(text)
    assert time.perf_counter() - t0 < 1.0


def test_junk_text_is_rejected_quickly():
    t0 = time.perf_counter()
    with raises("expected a number, got 'xxxx"):
        parse_array("x" * 5_000_000)
    assert time.perf_counter() - t0 < 1.0


def test_too_many_elements():
    t0 = time.perf_counter()
    with raises(f"too many numbers (more than {MAX_ELEMENTS})"):
        parse_array("1 " * (MAX_ELEMENTS + 1))
    assert time.perf_counter() - t0 < 3.0


def test_a_million_numbers_parse_in_a_few_seconds():
    text = " ".join(map(str, range(MAX_ELEMENTS)))
    t0 = time.perf_counter()
    arr = parse_array(text)
    elapsed = time.perf_counter() - t0
    assert len(arr) == MAX_ELEMENTS
    assert arr[0] == 0 and arr[12345] == 12345 and arr[-1] == MAX_ELEMENTS - 1
    assert isinstance(arr[-1], sympy.Integer)
    assert elapsed < 8.0   # typically 1.5-2.5 s; generous for loaded CI machines


def test_large_decimal_matrix():
    rows = "\n".join(" ".join(f"{i}.{j}" for j in range(150)) for i in range(150))
    m = parse_matrix(rows)
    assert len(m) == 150 and all(len(r) == 150 for r in m)
    assert m[2][5] == R(25, 10)


def test_parse_vector_forms():
    assert parse_vector("[1, 2, 3]") == (1, 2, 3)
    assert parse_vector("1 2 3") == (1, 2, 3)
    assert parse_vector("[[1, 2, 3]]") == (1, 2, 3)           # one row
    assert parse_vector("[[1], [2], [3]]") == (1, 2, 3)       # one column
    assert parse_vector("1\n2\n3\n") == (1, 2, 3)
    assert parse_vector("5") == (5,)
    assert parse_vector("0.1, \u22121/3") == (R(1, 10), R(-1, 3))
    assert isinstance(parse_vector("1 2"), tuple)


def test_parse_vector_errors():
    with raises("expected at least one number"):
        parse_vector("")
    with raises("expected at least one number"):
        parse_vector("[]")
    with raises("expected a vector, got a 2 x 2 matrix"):
        parse_vector("1 2; 3 4")


def test_parse_matrix_forms():
    assert parse_matrix("1 2; 3 4") == ((1, 2), (3, 4))
    assert parse_matrix("[1, 2, 3]") == ((1, 2, 3),)          # a plain list is one row
    assert parse_matrix("7") == ((7,),)
    assert parse_matrix("1\n2") == ((1,), (2,))
    assert parse_matrix("(-1,2), (0,-1), (2,1)") == ((-1, 2), (0, -1), (2, 1))
    m = parse_matrix("[[0.5, 1/3], [1e-8, \u22122]]")
    assert m == ((R(1, 2), R(1, 3)), (R(1, 10**8), R(-2)))
    assert isinstance(m, tuple) and all(isinstance(r, tuple) for r in m)


def test_parse_matrix_errors():
    with raises("expected at least one number"):
        parse_matrix("")
    with raises("unbalanced brackets"):
        parse_matrix("[[1, 2], [3, 4]")


# ------------------------------------------------------------------------------------------
# parse_expr
# ------------------------------------------------------------------------------------------

def test_expr_basic():
    assert parse_expr("x**2 + 4*y**2", ["x", "y"]) == x**2 + 4 * y**2
    assert parse_expr("x^2 + 4*y^2", ["x", "y"]) == x**2 + 4 * y**2
    assert parse_expr("2*x - 3/4", ["x"]) == 2 * x - R(3, 4)
    assert parse_expr("0.1*x", ["x"]) == R(1, 10) * x
    assert parse_expr("1e-8 + x", ["x"]) == R(1, 10**8) + x
    assert parse_expr("x \u2212 y", ["x", "y"]) == x - y
    assert parse_expr("  ( x + y ) * ( x - y )  ", ["x", "y"]) == (x + y) * (x - y)
    assert parse_expr("7", []) == 7
    assert parse_expr("1/3", []) == R(1, 3)


def test_expr_precedence():
    assert parse_expr("-x**2", ["x"]) == -(x**2)
    assert parse_expr("-x^2", ["x"]) == -(x**2)
    assert parse_expr("2**3**2", []) == 2**9          # right associative
    assert parse_expr("2^3^2", []) == 512
    assert parse_expr("2**-1", []) == R(1, 2)
    assert parse_expr("x^-y^2", ["x", "y"]) == x ** (-(y**2))
    assert parse_expr("1 + 2*3", []) == 7
    assert parse_expr("(1 + 2)*3", []) == 9
    assert parse_expr("8/4/2", []) == 1                 # left associative
    assert parse_expr("8 - 4 - 2", []) == 2
    assert parse_expr("--x", ["x"]) == x
    assert parse_expr("+x", ["x"]) == x
    assert parse_expr("2*-x", ["x"]) == -2 * x
    assert parse_expr("-2^2", []) == -4


def test_expr_functions_and_constants():
    v = ["x", "y"]
    assert parse_expr("exp(x)", v) == sympy.exp(x)
    assert parse_expr("log(x)", v) == sympy.log(x)
    assert parse_expr("ln(x)", v) == sympy.log(x)
    assert parse_expr("log(x, 2)", v) == sympy.log(x, 2)
    assert parse_expr("log2(8)", v) == 3
    assert parse_expr("log10(1000)", v) == 3
    assert parse_expr("sqrt(4)", v) == 2
    assert parse_expr("abs(-3)", v) == 3
    assert parse_expr("abs(x)", v) == sympy.Abs(x)
    for name in ("sin", "cos", "tan", "tanh", "sinh", "cosh"):
        assert parse_expr(f"{name}(x)", v) == getattr(sympy, name)(x)
    assert parse_expr("sigmoid(x)", v) == sigmoid(x)
    assert parse_expr("sigmoid(0)", v) == R(1, 2)
    assert parse_expr("relu(x)", v) == relu(x)
    assert parse_expr("max(x, y)", v) == sympy.Max(x, y)
    assert parse_expr("min(x, y, 0)", v) == sympy.Min(x, y, 0)
    assert parse_expr("e", v) == E
    assert parse_expr("e**x", v) == sympy.exp(x)
    assert parse_expr("pi/2", v) == pi / 2
    assert parse_expr("sin(pi)", v) == 0


def test_expr_variable_shadows_constant():
    e = Symbol("e")
    assert parse_expr("e*x", ["e", "x"]) == e * x
    assert parse_expr("e", ["e"]) != E
    assert parse_expr("pi", {"pi": Symbol("p")}) == Symbol("p")


def test_expr_mapping_symbols_are_used():
    xr = Symbol("x", real=True)
    got = parse_expr("x**2 + y", {"x": xr, "y": y})
    assert got == xr**2 + y
    assert xr in got.free_symbols
    assert Symbol("x") not in got.free_symbols


def test_expr_custom_functions():
    f = sympy.Function("f")
    assert parse_expr("f(x) + 1", ["x"], {"f": f}) == f(x) + 1
    with raises("unknown name 'exp'"):
        parse_expr("exp(x)", ["x"], {"f": f})
    assert parse_expr("exp(x) + pi", ["x"], ["exp", "pi"]) == sympy.exp(x) + pi
    with raises("unknown name 'log'"):
        parse_expr("log(x)", ["x"], ["exp"])
    with pytest.raises(ValueError):
        parse_expr("x", ["x"], ["no_such_function"])
    assert parse_expr("c*x", ["x"], {"c": sympy.Integer(3)}) == 3 * x


def test_implicit_multiplication_as_exams_write_it():
    """Issue 18 item 5: 10y^2 is 10*y**2 (a number against a name or '(', ')' against a name or '('); a space
    between still asks for the operator."""
    x, y = sympy.symbols("x y")
    assert parse_expr("x^2 + 10y^2", ["x", "y"]) == x**2 + 10 * y**2
    assert parse_expr("2(x + 1)", ["x"]) == 2 * (x + 1)
    assert parse_expr("(x + 1)(x - 1)", ["x"]) == (x + 1) * (x - 1)
    assert parse_expr("2x", ["x"]) == 2 * x and parse_expr("0.5x^2", ["x"]) == sympy.Rational(1, 2) * x**2
    assert parse_expr("2sqrt(x)", ["x"]) == 2 * sympy.sqrt(x)
    assert parse_expr("1e-3x", ["x"]) == x / 1000


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "expected an expression, got nothing"),
        ("   ", "expected an expression, got nothing"),
        ("2 x", "missing operator between '2' and 'x'"),
        ("x y", "missing operator between 'x' and 'y'"),
        ("x(2)", "missing operator between 'x' and '('"),
        ("(x+1))", "unexpected ')' at position 6"),
        ("x + )", "unexpected ')' at position 5"),
        ("x + * y", "unexpected '*' at position 5"),
        ("x, y", "unexpected ',' at position 2"),
        ("x $ y", "unexpected '$' at position 3"),
        ("x +", "expected an expression after '+', got nothing"),
        ("x^", "expected an expression after '^', got nothing"),
        ("-", "expected an expression after '-', got nothing"),
        ("(x + 1", "missing ')' to close '(' at position 1"),
        ("exp(x", "missing ')' to close '(' at position 4"),
        ("foo + 1", "unknown name 'foo' (allowed: x, y, exp, log"),
        ("exp", "'exp' is a function"),
        ("sin()", "sin() takes 1 argument, got 0"),
        ("sin(x, y)", "sin() takes 1 argument, got 2"),
        ("log(x, y, 2)", "log() takes 1 to 2 arguments, got 3"),
        ("max(x)", "max() takes at least 2 arguments, got 1"),
        ("max(x,)", "unexpected ')'"),
        ("x/0", "division by zero"),
        ("1/(x - x)", "division by zero"),
        ("0**-1", "division by zero"),
        ("log(0)", "undefined"),
        ("1e999999", "number out of range"),
        ("x = 1", "unexpected '='"),
        ("x; y", "unexpected ';'"),
        ("__import__('os')", "unexpected \"'\" at position 12"),
        ("__import__", "unknown name '__import__'"),
        ("x.y", "unexpected '.'"),
        ("lambda", "unknown name 'lambda'"),
    ],
)
def test_expr_errors(text, fragment):
    with raises(fragment):
        parse_expr(text, ["x", "y"])


def test_expr_hostile_powers_are_fast():
    t0 = time.perf_counter()
    for text in ("9**9**9", "10**10**10", "9^9^9^9", "(10**1000)**1000", "2**100000",
                 "(2*x)**100000", "10**999*10**999", "*".join(["10**999"] * 900),
                 "exp(100000*log(10))", "e**(1000*log(10**400))", "exp(exp(exp(10)))",
                 "max(exp(exp(exp(exp(10)))), 1)", "exp(10**400)", "pi**(10**400)"):
        with raises("number too large"):
            parse_expr(text, ["x"])
    assert time.perf_counter() - t0 < 2.0


def test_expr_reasonable_powers_are_exact():
    assert parse_expr("2**1000", []) == 2**1000
    assert parse_expr("10**999", []) == 10**999
    assert parse_expr("(1/2)**10", []) == R(1, 1024)
    assert parse_expr("x**100000", ["x"]) == x**100000
    assert parse_expr("(x + 1)**5000", ["x"]) == (x + 1) ** 5000
    assert parse_expr("exp(2*log(3))", []) == 9
    assert parse_expr("exp(100000)", []) == sympy.exp(100000)


def test_expr_depth_limit():
    assert parse_expr("(" * 90 + "x" + ")" * 90, ["x"]) == x
    t0 = time.perf_counter()
    for text in ("(" * 200 + "x" + ")" * 200, "(" * 9_000, "-" * 5000 + "x",
                 "exp(" * 150 + "x" + ")" * 150):
        with raises("nested too deeply"):
            parse_expr(text, ["x"])
    assert time.perf_counter() - t0 < 1.0


def test_expr_too_long():
    with raises("input is too long (10001 characters; at most 10000)"):
        parse_expr("x" + "+x" * 5000, ["x"])
    assert parse_expr("+".join(["x"] * 4000), ["x"]) == 4000 * x


def test_expr_variables_must_not_be_a_single_string():
    with pytest.raises(TypeError):
        parse_expr("x", "x")


# ------------------------------------------------------------------------------------------
# security: no sympify / parse_expr / eval / exec of user text
# ------------------------------------------------------------------------------------------

def test_never_sympifies_or_evals_strings(monkeypatch):
    original = sys.modules["sympy.core.sympify"].sympify
    calls = []

    def guarded_sympify(a, *args, **kwargs):
        if isinstance(a, str):
            calls.append(a)
            raise AssertionError(f"sympify called on a string: {a!r}")
        return original(a, *args, **kwargs)

    def forbidden(*args, **kwargs):
        calls.append(args)
        raise AssertionError("forbidden call")

    # Replace every module-level reference to sympify inside SymPy (and the parser module).
    for mod in list(sys.modules.values()):
        if mod is not None and getattr(mod, "__name__", "").startswith(("sympy", "solver")):
            if getattr(mod, "sympify", None) is original:
                monkeypatch.setattr(mod, "sympify", guarded_sympify)
    monkeypatch.setattr(sympy, "sympify", guarded_sympify)
    monkeypatch.setattr(sympy, "S", sympy.S)  # unchanged; S(...) of a str would go through sympify
    monkeypatch.setattr(sympy, "parse_expr", forbidden)
    import sympy.parsing.sympy_parser as sympy_parser
    monkeypatch.setattr(sympy_parser, "parse_expr", forbidden)

    real_eval, real_exec = builtins.eval, builtins.exec

    def no_eval(src, *a, **k):
        if isinstance(src, str):
            raise AssertionError(f"eval of {src!r}")
        return real_eval(src, *a, **k)

    def no_exec(src, *a, **k):
        if isinstance(src, str):
            raise AssertionError(f"exec of {src!r}")
        return real_exec(src, *a, **k)

    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_exec)

    assert parse_expr("x**2 + 4*y**2 - exp(-x)/2 + log(y, 2) + sigmoid(x)", ["x", "y"]) == (
        x**2 + 4 * y**2 - sympy.exp(-x) / 2 + sympy.log(y, 2) + sigmoid(x))
    assert parse_expr("sqrt(2)*pi + e**2 + max(x, 1) + 0.25", ["x"]) == (
        sympy.sqrt(2) * pi + E**2 + sympy.Max(x, 1) + R(1, 4))
    assert parse_number("-1/3") == R(-1, 3)
    assert parse_matrix("[[0.5, 1e-3], [\u22122, 7/8]]") == ((R(1, 2), R(1, 1000)), (-2, R(7, 8)))
    assert parse_vector("1 2 3.5") == (1, 2, R(7, 2))
    with pytest.raises(ParseError):
        parse_expr("__import__('os').system('echo hacked')", ["x"])
    with raises("unknown name '__import__'"):
        parse_expr("__import__", ["x"])
    assert calls == []


def test_source_has_no_dynamic_evaluation():
    """No call in solver/parse.py can turn text into code or into a SymPy object by parsing."""
    tree = ast.parse(Path(parse_module.__file__).read_text(encoding="utf-8"))
    forbidden = {"eval", "exec", "compile", "sympify", "S", "parse_expr", "__import__", "simplify",
                 "nsimplify", "lambdify"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            # (re.compile of the module's own constant patterns is fine)
            if name == "compile" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "re":
                continue
            assert name not in forbidden, f"line {node.lineno}: call to {name}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            names = [a.name for a in node.names]
            assert "parsing" not in module and not any("parsing" in n for n in names)


# ------------------------------------------------------------------------------------------
# property tests
# ------------------------------------------------------------------------------------------

fractions = st.fractions(min_value=-10**6, max_value=10**6, max_denominator=10**4)


def fmt_fraction(f: Fraction, style: int) -> str:
    """Write f as text in one of several styles people type."""
    sign = "-" if f < 0 else ""
    a = abs(f)
    if style == 1 and sign:
        sign = "\u2212"                      # unicode minus
    if style == 2 and not sign:
        sign = "+"
    if a.denominator == 1:
        if style == 3:
            return f"{sign}{a.numerator}.0"
        if style == 4 and a.numerator:
            # scientific: mantissa with its trailing zeros moved into the exponent
            n, k = a.numerator, 0
            while n % 10 == 0:
                n //= 10
                k += 1
            return f"{sign}{n}e{k}" if k else f"{sign}{n}E+0"
        return f"{sign}{a.numerator}"
    # a terminating decimal when the denominator is 2^i 5^j, else p/q
    d = a.denominator
    k = 0
    while d % 2 == 0 or d % 5 == 0:
        d //= 2 if d % 2 == 0 else 5
        k += 1
    if d == 1 and style in (3, 4):
        digits = str(a.numerator * 10**k // a.denominator).rjust(k + 1, "0")
        if style == 3:
            return f"{sign}{digits[:-k]}.{digits[-k:]}"
        return f"{sign}{digits}e-{k}"
    return f"{sign}{a.numerator}/{a.denominator}"


VECTOR_STYLES = [
    lambda items: "[" + ", ".join(items) + "]",
    lambda items: "(" + ",".join(items) + ")",
    lambda items: " ".join(items),
    lambda items: ", ".join(items) + ",",
    lambda items: "[" + "  ".join(items) + "]",
    lambda items: "\t" + " , ".join(items) + "\n",
]

MATRIX_STYLES = [
    lambda rows: "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]",
    lambda rows: "; ".join(" ".join(r) for r in rows),
    lambda rows: "\n".join(", ".join(r) for r in rows) + "\n",
    lambda rows: "[" + "; ".join(" ".join(r) for r in rows) + "]",
    lambda rows: "(" + ",".join("(" + ",".join(r) + ")" for r in rows) + ")",
    lambda rows: "\r\n".join(" ".join(r) for r in rows),
    lambda rows: "[[" + "]\n [".join(" ".join(r) for r in rows) + "]]",
]


@settings(max_examples=40, deadline=None)
@given(st.lists(fractions, min_size=1, max_size=12), st.integers(0, 4),
       st.sampled_from(range(len(VECTOR_STYLES))))
def test_roundtrip_vector(values, number_style, layout):
    text = VECTOR_STYLES[layout]([fmt_fraction(v, number_style) for v in values])
    got = parse_vector(text)
    assert got == tuple(R(v.numerator, v.denominator) for v in values)
    assert all(isinstance(g, sympy.Rational) for g in got)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5).flatmap(
           lambda n: st.lists(st.lists(fractions, min_size=n, max_size=n), min_size=2, max_size=5)),
       st.integers(0, 4), st.sampled_from(range(len(MATRIX_STYLES))))
def test_roundtrip_matrix(rows, number_style, layout):
    text = MATRIX_STYLES[layout]([[fmt_fraction(v, number_style) for v in r] for r in rows])
    got = parse_matrix(text)
    assert got == tuple(tuple(R(v.numerator, v.denominator) for v in r) for r in rows)


@settings(max_examples=100, deadline=None)
@given(fractions, st.integers(0, 4))
def test_roundtrip_number(value, number_style):
    text = fmt_fraction(value, number_style)
    assert parse_number(text) == R(value.numerator, value.denominator)
    assert parse_number(f"  {text} ") == R(value.numerator, value.denominator)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes(text):
    """Whatever is typed, the parsers either succeed or raise ParseError (never anything else)."""
    for parse in (parse_number, parse_bool, parse_array, parse_vector, parse_matrix):
        try:
            parse(text)
        except ParseError:
            pass
    try:
        parse_expr(text, ["x", "y"])
    except ParseError:
        pass


expr_alphabet = st.sampled_from(list("xy0123456789.+-*/^() ,e") + ["**", "exp", "log", "max", "sqrt", "pi"])


@settings(max_examples=100, deadline=None)
@given(st.lists(expr_alphabet, max_size=30).map("".join))
def test_expression_soup_never_crashes(text):
    try:
        result = parse_expr(text, ["x", "y"])
    except ParseError:
        return
    assert isinstance(result, sympy.Basic)


@settings(max_examples=40, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6), st.integers(1, 1000))
def test_expr_arithmetic_matches_fractions(a, b, c):
    got = parse_expr(f"({a} - {b}) / {c} + {a}*{b}", [])
    assert got == R(a - b, c) + a * b
