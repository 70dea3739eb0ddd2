"""Contract tests over the registry: every family, whatever it computes, keeps the engine's promises.

- its module declares the interface and its specs and conventions are well formed;
- its worked example solves, lists every convention, and its answers are read from its steps;
- bad values raise InvalidInput naming the parameter (never another exception);
- generate() gives valid, well-posed instances, reproducible from the seed;
- the Solution round-trips through JSON, and every renderer walks it;
- solve (exact) and solve_numeric (NumPy) agree on small instances.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from solver import registry
from solver.numbers import Tolerance
from solver.params import Bool, Choice, Expr, Int, InvalidInput, Matrix, Real, Vector
from solver.render import FORMATS, render
from solver.steps import KINDS, SCHEMA_VERSION, Solution

FAMILIES = registry.names()


def fam(name):
    return registry.get(name)


def test_registry_finds_the_families():
    assert "perceptron" in FAMILIES
    assert set(registry.summaries()) == set(FAMILIES)


@pytest.mark.parametrize("name", FAMILIES)
def test_module_is_well_formed(name):
    f = fam(name)
    assert f.summary and f.summary == f.description.splitlines()[0]
    assert f.topic in registry.TOPICS
    names = [p.name for p in f.params]
    assert len(names) == len(set(names))
    for p in f.params:
        if p.default is not None:
            p.spec.parse(p.default)  # defaults are valid values
    for c in f.conventions:
        assert c.default in c.options and all(desc for desc in c.options.values())
    assert f.example.source


@pytest.mark.parametrize("name", FAMILIES)
def test_example_solves_and_lists_conventions(name):
    f = fam(name)
    sol = f.solve_example()
    assert sol.status in ("solved", "not_converged", "unsupported", "undefined")
    assert [c.name for c in sol.conventions] == [c.name for c in f.conventions]
    assert sol.statement.strip()
    assert sol.answers, "a solution states at least one answer"
    for step in sol.walk():
        assert step.kind in KINDS
    # answers are read from the steps: every answer is attached to exactly one step
    attached = [a.name for s in sol.walk() for a in s.answers]
    assert sorted(attached) == sorted(sol.answers)


@pytest.mark.parametrize("name", FAMILIES)
def test_every_convention_choice_solves_the_example(name):
    f = fam(name)
    for c in f.conventions:
        for opt in c.options:
            conv = dict(f.example.conventions)
            conv[c.name] = opt
            sol = f.solve(dict(f.example.params), conv)
            assert sol.convention_choices[c.name] == opt


def _bad_values(spec):
    if isinstance(spec, (Real, Int)):
        yield "oops"
        yield "[1, 2]"
        if spec.lo is not None:
            yield str(float(spec.lo) - 1000.5)
        if spec.hi is not None:
            yield str(float(spec.hi) + 1000.5)
    elif isinstance(spec, Bool):
        yield "maybe"
    elif isinstance(spec, Choice):
        yield "no-such-option"
    elif isinstance(spec, Vector):
        yield "oops"
        yield "[1, [2, 3]"
        if spec.length:
            yield ", ".join(["1"] * (spec.length + 1))
    elif isinstance(spec, Matrix):
        yield "oops"
        yield "1 2; 3"
    elif isinstance(spec, Expr):
        yield "__import__('os')"
        yield "9**9**9"


@pytest.mark.parametrize("name", FAMILIES)
def test_bad_values_name_the_parameter(name):
    f = fam(name)
    for p in f.params:
        for bad in _bad_values(p.spec):
            params = dict(f.example.params)
            params[p.name] = bad
            with pytest.raises(InvalidInput) as e:
                f.solve(params, dict(f.example.conventions))
            assert e.value.field == p.name, (p.name, bad, e.value.message)
            assert f"'{p.name}'" in e.value.message


@pytest.mark.parametrize("name", FAMILIES)
def test_unknown_parameter_and_convention_are_named(name):
    f = fam(name)
    with pytest.raises(InvalidInput) as e:
        f.solve({**f.example.params, "no_such_param": "1"})
    assert e.value.field == "no_such_param"
    with pytest.raises(InvalidInput) as e:
        f.solve(dict(f.example.params), {"no_such_convention": "x"})
    assert e.value.field == "no_such_convention"
    for c in f.conventions:
        with pytest.raises(InvalidInput) as e:
            f.solve(dict(f.example.params), {c.name: "no-such-choice"})
        assert e.value.field == c.name


@pytest.mark.parametrize("name", FAMILIES)
def test_generate_gives_valid_reproducible_instances(name):
    f = fam(name)
    for seed in range(8):
        a = f.generate(seed)
        assert a == f.generate(seed), "same seed, same instance"
        json.dumps(a)  # raw values a user could have typed: JSON-able
        sol = f.solve(a)
        assert sol.status == "solved", f"seed {seed}: generated instance is not well posed ({sol.status})"


@pytest.mark.parametrize("name", FAMILIES)
def test_json_round_trip_and_renderers(name):
    sol = fam(name).solve_example()
    data = json.loads(render(sol, "json"))  # strict JSON: no NaN/Infinity literals
    assert data["schema"] == SCHEMA_VERSION
    assert set(data) >= {"schema", "family", "params", "conventions", "statement", "steps", "answers", "status"}
    for a in data["answers"].values():
        assert set(a) >= {"value", "display", "latex", "tolerance"}
    back = Solution.from_json(data)
    assert back == sol
    for fmt in FORMATS:
        out = render(sol, fmt)
        assert out.strip()


def _agree(want, got, tol: Tolerance | None):
    if isinstance(want, list) and want and isinstance(want[0], dict):
        return True  # traces are compared by their own family tests
    tol = tol or Tolerance(abs=1e-9)
    tol = Tolerance(abs=max(tol.abs, 1e-9), rel=max(tol.rel, 1e-9), up_to_sign=tol.up_to_sign)
    return tol.accepts(_num(got), _num(want))


def _num(v):
    if isinstance(v, list):
        return [_num(x) for x in v]
    if v in ("inf", "-inf"):
        return math.inf if v == "inf" else -math.inf
    return v


@pytest.mark.parametrize("name", FAMILIES)
def test_exact_and_numeric_paths_agree(name):
    f = fam(name)
    instances = [(dict(f.example.params), dict(f.example.conventions))] + [(f.generate(s), {}) for s in range(5)]
    for params, conv in instances:
        exact = f.solve(params, conv, path="exact")
        numeric = f.solve(params, conv, path="numeric")
        assert numeric.path == "numeric" and exact.path == "exact"
        assert numeric.status == exact.status
        for key, a in numeric.answers.items():
            assert key in exact.answers, f"numeric answer {key!r} missing from the exact path"
            e = exact.answers[key]
            assert _agree(e.value, a.value, e.tolerance), (key, e.value, a.value)


def test_numpy_arrays_take_the_numeric_path():
    f = fam("perceptron")
    X = np.array([[-1.0, 2.0], [0.0, -1.0], [2.0, 1.0]])
    sol = f.solve({"X": X, "y": [0, 1, 0], "bias": False})
    assert sol.path == "numeric"
    assert sol.answers["w"].value == [-1.0, -3.0]
