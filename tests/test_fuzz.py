"""Fuzzing hostile input: the parser and every family's parameters (validation and solve).

Property, for every input: the outcome is a Solution (that serialises to strict JSON and renders) or
InvalidInput naming a field (ParseError for the parser); never another exception; and each input takes
under MAX_SECONDS of CPU time (the solving thread's, so that other work on a shared machine does not
make the test flaky; on an idle machine CPU and wall time agree for this single-threaded work).

Inputs: the classics (``9**9**9``, ``1e999999``, ``10**10**10`` inside matrices, NaN and inf, deeply
nested brackets, 10 MB strings, unicode look-alikes, empty and ragged matrices, zero and negative
sizes, probability vectors with negative entries) for every field of every family, then
hypothesis-generated values mixed into the worked example or a generated instance, one or two fields
at a time, with hostile convention choices and each path.

How many: a small count by default (CI), or STEPWISE_FUZZ_EXAMPLES per target, e.g. the full run

    STEPWISE_FUZZ_EXAMPLES=100000 python -m pytest tests/test_fuzz.py tests/test_fuzz_api.py -m fuzz -p no:cacheprovider

(SECURITY.md). CI runs derandomized (the same examples every run); a set count explores afresh.
Families listed in KNOWN_ISSUES fail test_family_fuzz for reasons their owners are fixing: those tests
are xfail (non-strict, so a fix shows as XPASS) and the reason says what breaks.
"""
from __future__ import annotations

import gc
import json
import os
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import parse as P
from solver import registry
from solver.params import InvalidInput
from solver.render import render
from solver.steps import Solution

pytestmark = pytest.mark.fuzz

FUZZ_EXAMPLES = int(os.environ.get("STEPWISE_FUZZ_EXAMPLES") or 0)
#: CPU seconds one input may take (the issue's "nothing takes more than 2 s").
MAX_SECONDS = 2.0
#: The exact path's time budget while fuzzing: the numeric fallback must fit in what is left.
FUZZ_BUDGET = 0.75

FAMILIES = registry.names()


def count(ci_default: int) -> int:
    return FUZZ_EXAMPLES or ci_default


def fuzz_settings(ci_default: int):
    return settings(max_examples=count(ci_default), deadline=None, derandomize=not FUZZ_EXAMPLES,
                    database=None, suppress_health_check=list(HealthCheck), print_blob=True)


# ---- hostile values ---------------------------------------------------------------------------------

FULLWIDTH = "０１２３４５６７８９"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
DEVANAGARI = "०१२३४५६७८९"
MINUSES = "-\u2212\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d\u207b\u208b"
COMMAS = ",\uff0c\u3001\u060c\u066b\u201a\ufe50\ufe51"
DOTS = ".\uff0e\u3002\u066b\u00b7"
TEN_MB = 10 * 1024 * 1024

#: The issue's classics, as text (what a form or the command line delivers).
CLASSIC_TEXT = [
    "9**9**9", "9^9^9", "1e999999", "-1e999999", "1e-999999", "1e400", "1e-400", "1e308", "-1e308", "1e-308",
    "[[10**10**10, 1], [1, 1]]", "[[1e999999, 0], [0, 1]]", "10**10**10", "2**-1074", "exp(1000000)",
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "∞", "[nan, 1]", "[1, inf]", "[[nan, 0], [0, 1]]", "1/0", "0/0",
    "[" * 10_000, "(" * 5_000 + ")" * 5_000, "[" * 60 + "1" + "]" * 60, "((((((((((1))))))))))",
    "[[[[1]]]]", "[[1, 2], [3, 4]]]", "{[1, 2)}",
    "", " ", "\n", "[]", "()", "[[]]", "[[], []]", ";", ",", "[[1, 2], [3]]", "1 2; 3", "[[1], [2, 3]]",
    "0", "-0", "-1", "-2", "-1000000000", "1000000000", "10**100", "9" * 400, "9" * 401, "1" + "0" * 1000,
    "0.5", "1/3", "-1/3", "2/-3", "1e-8", "0.1 0.2 0.3", "[0.5, 0.5]",
    "[-0.5, 1.5]", "[0.2, -0.1, 0.9]", "[1.5, -0.5]", "[0, 0, 0]", "[0, 1]", "[1, 1]", "-0.5 1.5",
    FULLWIDTH[1] + FULLWIDTH[2] + FULLWIDTH[3], ARABIC_INDIC[3], PERSIAN[4] + "." + PERSIAN[5], DEVANAGARI[7],
    "\u22121", "\u20131", "\u20141", "\uff0d2", "1\uff0c2", "0\u066b5", "1\u060c 2", "[1\u3001 2]", "１ ２; ３ ４",
    "\u2212\u2212\u22121", "--1", "+-1", "1e", "e1", ".", "-", "+", "1..2", "1e1e1", "0x10", "1_000", "1,000.5",
    "true", "false", "yes", "None", "null", "x", "abc", "sigmoid", "exp(x)", "x**2 + y", "x^x^x^x",
    "\x00", "\x00" * 100, "\ufeff1", "1\u200b", "\u00a01\u00a0", "١٠", "𝟏𝟐", "½", "²", "Ⅻ",
    "<script>alert(1)</script>", "{{7*7}}", "${7*7}", "__import__('os').system('true')", "'; DROP TABLE exams; --",
    "lambda: 0", "().__class__", "\\frac{1}{2}", "%s%s%s%n", "../../etc/passwd",
    "1 " * 50_000, "x" * TEN_MB, "1 " * (TEN_MB // 2), "[" * TEN_MB,
]

#: The same as JSON / Python values (what the API and the Python API deliver).
CLASSIC_VALUES = [
    None, True, False, 0, -1, -(10 ** 9), 10 ** 9, 10 ** 100, -(10 ** 100), 2 ** 63, 1e308, -1e308, 5e-324,
    float("nan"), float("inf"), float("-inf"), 0.1, -0.0,
    [], [[]], [[], []], [[1, 2], [3]], [[1], [2, 3]], [1, [2]], [[[1]]], [float("nan")], [float("inf"), 1],
    [[10 ** 400, 1], [1, 1]], [-0.5, 1.5], [0.5, -0.5, 1.0], [0, 0], [True, False], ["1", "2"], ["x"], [None],
    {}, {"a": 1}, [{}], "", Fraction(1, 3), [[0.0] * 3] * 3,
    np.array([]), np.zeros((0, 0)), np.zeros((2, 0)), np.array([np.nan, 1.0]), np.array([[np.inf]]),
    np.zeros((2, 2, 2)), np.array(["a", "b"]), np.array([1e308, 1e308]), np.array([-1.0, 2.0]),
]


def _nested_list(depth: int):
    v: list = [1]
    for _ in range(depth):
        v = [v]
    return v


CLASSIC_VALUES.append(_nested_list(200))

lookalike_char = st.sampled_from(FULLWIDTH + ARABIC_INDIC + PERSIAN + DEVANAGARI + MINUSES + COMMAS + DOTS
                                 + "0123456789eE+-*/^()[]{};, \n\t_.xyz∞")
number_text = st.one_of(
    st.integers(-(10 ** 30), 10 ** 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99), st.integers(-100_000, 100_000)),
    st.builds(lambda a, b: f"{a}/{b}", st.integers(-1000, 1000), st.integers(-10, 1000)),
    st.sampled_from(["0", "-0", "1", "-1", "0.5", "1e-300", "1e300", "2", "0.999999999999", "1e-20"]),
)


def _join(items, seps):
    return st.tuples(st.lists(items, min_size=0, max_size=12), seps).map(lambda t: t[1].join(t[0]))


vector_text = st.builds(lambda body, br: br[0] + body + br[1],
                        _join(number_text, st.sampled_from([", ", " ", ",", "; ", "\n", "，", "، "])),
                        st.sampled_from(["[]", "()", "  ", "{}", "[)"]))
matrix_text = st.builds(lambda rows, sep: "[" + sep.join("[" + r + "]" for r in rows) + "]",
                        st.lists(_join(number_text, st.just(", ")), min_size=0, max_size=6),
                        st.sampled_from([", ", "; ", "\n", ""]))
json_number = st.one_of(st.integers(-(10 ** 20), 10 ** 20), st.floats(allow_nan=True, allow_infinity=True),
                        st.sampled_from([0, 1, -1, 2, 10 ** 6, 1e-300, 1e300]))
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), json_number, st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=30)

#: Any value a field might get: the classics, random text, number-like text, look-alikes, JSON values.
hostile_value = st.one_of(
    st.sampled_from(CLASSIC_TEXT),
    st.sampled_from(CLASSIC_VALUES),
    st.text(max_size=60),
    st.text(lookalike_char, max_size=40),
    number_text,
    vector_text,
    matrix_text,
    json_value,
    st.lists(st.lists(json_number, max_size=5), max_size=5),
)


# ---- the property -----------------------------------------------------------------------------------

def assert_strict_json(sol: Solution) -> None:
    """The Solution serialises to strict JSON (no NaN tokens, which JSON has not) and round-trips."""
    data = json.loads(json.dumps(sol.to_json(), allow_nan=False))
    Solution.from_json(data)


class cpu_time:
    """`with cpu_time() as t: ...` then t.seconds: the CPU time of the calling thread for the block, with the cyclic
    collector paused inside it. A full collection walks every object of this test process, which after tens of
    thousands of generated inputs took seconds that the input did not cause (the 100,000-input run failed two
    inputs at 3.7 s that take 0.03 s alone); the garbage the block made is collected after it, untimed."""

    def __enter__(self):
        self.enabled = gc.isenabled()
        gc.disable()
        self.start = time.thread_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.thread_time() - self.start
        if self.enabled:
            gc.enable()
        return False


def run_once(fn, *args, **kwargs):
    """fn's result, or the InvalidInput / ParseError it raised; with the CPU seconds it took."""
    with cpu_time() as t:
        try:
            out = fn(*args, **kwargs)
        except (InvalidInput, P.ParseError) as e:
            out = e
    return out, t.seconds


def short(v) -> str:
    s = repr(v)
    return s if len(s) < 200 else s[:200] + f"... ({len(s)} chars)"


def solve_cleanly(fam, raw: dict, conventions: dict | None = None, path: str = "auto") -> Solution | InvalidInput:
    """Solve, and check the property: a clean outcome, on time."""
    def work():
        sol = fam.solve(raw, conventions, path=path, budget=FUZZ_BUDGET)
        assert_strict_json(sol)
        render(sol, "text")
        return sol

    out, seconds = run_once(work)
    where = f"{fam.name} with params={short(raw)} conventions={short(conventions)} path={path}"
    if isinstance(out, InvalidInput):
        assert isinstance(out.field, str) and out.field, f"InvalidInput without a field: {where}"
        assert isinstance(out.message, str) and out.message.strip(), f"InvalidInput without a message: {where}"
        assert len(out.message) < 2000, f"an error message of {len(out.message)} characters: {where}"
    assert seconds < MAX_SECONDS, f"{seconds:.2f} s of CPU time for {where}"
    return out


def base_problems(fam) -> list[dict]:
    """Valid starting points: the worked example, a generated instance, the defaults."""
    out = [dict(fam.example.params)]
    try:
        out.append(dict(fam.generate(1)))
    except Exception:  # a generator bug is the contract test's business, not this one's
        pass
    out.append({})
    return out


#: family -> why its hypothesis fuzz test (test_family_fuzz) fails today: reported to the family's owner
#: (issue 9); remove the entry when fixed (the test then shows XPASS). Other failures the full run finds
#: are listed in the issue 9 report.
KNOWN_ISSUES: dict[str, str] = {}


def family_param(names, known=None):
    known = known or {}
    return [pytest.param(n, marks=pytest.mark.xfail(reason=known[n], strict=False)) if n in known else n for n in names]


# ---- the parser -------------------------------------------------------------------------------------

PARSERS = {
    "number": P.parse_number,
    "array": P.parse_array,
    "vector": P.parse_vector,
    "matrix": P.parse_matrix,
    "bool": P.parse_bool,
    "expr": lambda s: P.parse_expr(s, ["x", "y", "w", "b"]),
}

parser_text = st.one_of(
    st.sampled_from([t for t in CLASSIC_TEXT if isinstance(t, str)]),
    st.text(max_size=80),
    st.text(lookalike_char, max_size=80),
    number_text, vector_text, matrix_text,
    st.lists(st.sampled_from(["9", "**", "^", "(", ")", "x", "-", "e", "exp(", "log(", "1e9", "*", "/", ","]),
             max_size=40).map("".join),
)


@pytest.mark.parametrize("kind", PARSERS)
def test_parser_classics(kind):
    parse = PARSERS[kind]
    for text in CLASSIC_TEXT:
        out, seconds = run_once(parse, text)
        assert seconds < MAX_SECONDS, f"parse_{kind}({short(text)}) took {seconds:.2f} s"


@pytest.mark.parametrize("kind", PARSERS)
def test_parser_fuzz(kind):
    parse = PARSERS[kind]

    @fuzz_settings(300)
    @given(parser_text)
    def run(text):
        out, seconds = run_once(parse, text)
        assert seconds < MAX_SECONDS, f"parse_{kind}({short(text)}) took {seconds:.2f} s"
        if kind in ("number", "array", "vector", "matrix") and not isinstance(out, P.ParseError):
            flat = out if kind == "number" else np.ravel(np.array(out, dtype=object))
            for v in np.atleast_1d(flat):
                assert v.is_Rational, f"parse_{kind}({short(text)}) gave a non-rational {v!r}"

    run()


# ---- every family's parameters ------------------------------------------------------------------------

#: The issue's headline classics: every field of every family gets these, even in CI.
HEADLINE = ["9**9**9", "1e999999", "[[10**10**10, 1], [1, 1]]", "nan", float("nan"), float("inf"), "[" * 10_000,
            "x" * TEN_MB, "１２ ٣", "\u22121", "[[1, 2], [3]]", "[]", "0", "-1", "[-0.5, 1.5]", 10 ** 100]
ALL_CLASSICS = CLASSIC_TEXT + CLASSIC_VALUES


def classics_for(field_index: int) -> list:
    """Every classic (with STEPWISE_FUZZ_EXAMPLES set); in CI the headline ones and a rotating few more."""
    if FUZZ_EXAMPLES:
        return ALL_CLASSICS
    extra = [ALL_CLASSICS[(field_index * 5 + k * 47) % len(ALL_CLASSICS)] for k in range(12)]
    return HEADLINE + extra


@pytest.mark.parametrize("name", family_param(FAMILIES))
def test_family_classics(name):
    """The classics in every field of the worked example: a clean outcome, on time."""
    fam = registry.get(name)
    base = dict(fam.example.params)
    conv = dict(fam.example.conventions)
    for i, p in enumerate(fam.params):
        for value in classics_for(i):
            solve_cleanly(fam, {**base, p.name: value}, conv)


@pytest.mark.parametrize("name", family_param(FAMILIES, KNOWN_ISSUES))
def test_family_fuzz(name):
    """Hypothesis-generated values in one or two fields of a valid problem, with hostile conventions and paths."""
    fam = registry.get(name)
    bases = base_problems(fam)
    pnames = [p.name for p in fam.params]
    conv_names = [c.name for c in fam.conventions]
    options = [o for c in fam.conventions for o in c.options]

    @fuzz_settings(50)
    @given(st.data())
    def run(data):
        raw = dict(data.draw(st.sampled_from(bases), label="base"))
        for field in data.draw(st.lists(st.sampled_from(pnames), min_size=1, max_size=2, unique=True), label="fields"):
            raw[field] = data.draw(hostile_value, label=field)
        conv = {}
        if conv_names and data.draw(st.booleans(), label="conventions?"):
            conv[data.draw(st.sampled_from(conv_names))] = data.draw(
                st.one_of(st.sampled_from(options), st.text(max_size=20)), label="choice")
        path = data.draw(st.sampled_from(["auto", "auto", "exact", "numeric"]), label="path")
        solve_cleanly(fam, raw, conv, path)

    run()


@pytest.mark.parametrize("name", family_param(FAMILIES))
def test_family_generated_instances_at_every_path(name):
    """Generated instances (valid by construction) solve cleanly on both paths; a few seeds."""
    fam = registry.get(name)
    for seed in range(min(count(2), 1000)):
        raw = fam.generate(seed)
        for path in ("exact", "numeric"):
            out = solve_cleanly(fam, raw, None, path)
            assert isinstance(out, Solution), f"{name} seed {seed} ({path}): a generated instance was refused: {out}"


def test_unknown_parameters_and_families_are_invalid_input():
    fam = registry.get(FAMILIES[0])
    assert isinstance(solve_cleanly(fam, {"no_such_parameter": 1}), InvalidInput)
    for bad in ("", "nope", "../etc", "x" * 10_000, "\x00", "ＰＥＲＣＥＰＴＲＯＮ"):
        with pytest.raises(InvalidInput):
            registry.get(bad)
