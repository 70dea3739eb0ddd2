"""The sandbox (solver.sandbox, issue 20 item 1): solves in forked worker processes that are killed at a
wall-clock deadline or a memory limit, the numeric path answering instead and the solution naming the limit;
no state from one solve reaching the next; results identical to an in-process solve.

The stand-in family here does what no cooperative budget can stop: it sleeps (a C call that never returns
to the interpreter), or allocates gigabytes. Deadlines are short (a fraction of a second) and the bounds
asserted generous (the limit plus 2 s), so a slow machine does not fail them.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
import types

import pytest
import sympy as sp

from solver import registry, sandbox
from solver.params import InvalidInput, Param, Real
from solver.registry import Example, Family
from solver.render import render
from solver.steps import Solution
from solver.symbolic import Derivation, make_answer

pytestmark = pytest.mark.skipif(not sandbox.supported(), reason="worker processes need fork (POSIX)")

LIMITS = sandbox.Limits(grace_seconds=0.5, numeric_seconds=1.5, memory_mb=256, max_seconds=5)


def _stub_module():
    """`mode` chooses what the exact path does: 0 answers, 1 sleeps for ever, 2 allocates 4 GB, 3 raises a bug,
    4 changes process-wide state (SymPy's and mpmath's) and answers; `numeric_mode` 1 makes the numeric path sleep."""
    mod = types.ModuleType("stub_family")
    mod.__doc__ = "Stub: s = n.\n\nA test double for the sandbox."
    mod.TITLE, mod.TOPIC = "Stub", "neurons"
    mod.PARAMS = (Param("n", Real(0, 100), default="3"), Param("mode", Real(0, 9), default="0"),
                  Param("numeric_mode", Real(0, 9), default="0"))
    mod.CONVENTIONS = ()
    mod.EXAMPLE = Example({"n": "3"}, "none")
    mod.statement = lambda p: f"Say {p['n']}."
    mod.generate = lambda rng: {"n": 3}

    def solve(p, conv):
        mode = int(p["mode"])
        if mode == 1:
            time.sleep(3600)
        elif mode == 2:
            hog = bytearray(4 << 30)  # noqa: F841
        elif mode == 3:
            raise ZeroDivisionError("a bug in the family")
        elif mode == 4:  # a light solve that leaves a process-wide setting changed
            import mpmath

            mpmath.mp.dps = 5000
        elif mode == 5:
            import mpmath

            assert mpmath.mp.dps == 15, "mpmath's precision leaked from an earlier solve"
        elif mode == 6:  # a heavy solve (CPU time past the reuse threshold) that leaves state behind
            end = time.process_time() + sandbox.REUSE_CPU_SECONDS + 0.1
            while time.process_time() < end:
                pass
            os.environ["STEPWISE_TEST_LEAK"] = "1"
        elif mode == 7:
            assert "STEPWISE_TEST_LEAK" not in os.environ, "a heavy solve's worker served the next solve"
        d = Derivation()
        d.conclude("answer", answers=[make_answer("s", sp.Integer(int(p["n"])))])
        return d

    def solve_numeric(p, conv):
        if int(p["numeric_mode"]) == 1:
            time.sleep(3600)
        d = Derivation()
        d.conclude("answer", answers=[make_answer("s", float(int(p["n"])))])
        return d

    mod.solve, mod.solve_numeric = solve, solve_numeric
    return mod


@pytest.fixture()
def stub():
    fam = Family("stub_family", _stub_module())
    registry._loaded["stub_family"] = fam
    box = sandbox.Sandbox.direct(LIMITS)
    old = sandbox.install(box)
    try:
        yield fam
    finally:
        sandbox.install(old)
        box.close()
        registry._loaded.pop("stub_family", None)


def test_a_solve_in_a_worker_is_the_in_process_solution(stub):
    sol = stub.solve({"n": "7"}, budget=2)
    assert sol.path == "exact" and sol.answers["s"].value == 7 and "fallback" not in sol.extras


def test_a_call_that_never_returns_is_killed_at_the_wall_clock_limit_and_the_numeric_path_answers(stub):
    start = time.monotonic()
    sol = stub.solve({"n": "5", "mode": "1"}, budget=0.5)
    elapsed = time.monotonic() - start
    assert elapsed < 0.5 + LIMITS.grace_seconds + 2, elapsed
    assert sol.path == "numeric" and sol.answers["s"].value == 5.0
    note = sol.steps[0]
    assert note.kind == "note" and "took too long" in note.title and "time limit of 1 s (wall-clock time)" in note.text
    assert sol.extras["fallback"] == {"reason": "wall_clock", "budget_seconds": 0.5, "limit_seconds": 1.0}


def test_a_memory_bomb_is_stopped_at_the_memory_limit_and_the_solution_says_so(stub):
    sol = stub.solve({"n": "4", "mode": "2"}, budget=2)
    assert sol.path == "numeric" and sol.answers["s"].value == 4.0
    assert "too much memory" in sol.steps[0].title and "memory limit of 256 MB" in sol.steps[0].text
    assert sol.extras["fallback"]["reason"] == "memory" and sol.extras["fallback"]["limit_mb"] == 256


def test_when_the_numeric_path_hangs_too_the_request_ends_with_invalid_input_naming_the_limits(stub):
    start = time.monotonic()
    with pytest.raises(InvalidInput) as e:
        stub.solve({"mode": "1", "numeric_mode": "1"}, budget=0.5)
    assert time.monotonic() - start < 0.5 + LIMITS.grace_seconds + LIMITS.numeric_seconds + 2
    assert e.value.field == "params" and "too large to work out on this server" in e.value.message
    assert "1 s" in e.value.message and "1.5 s" in e.value.message


def test_invalid_input_in_a_worker_keeps_its_field(stub):
    with pytest.raises(InvalidInput) as e:
        stub.solve({"n": "oops"})
    assert e.value.field == "n" and "expected a number" in e.value.message


def test_a_bug_in_a_worker_is_an_error_with_its_traceback(stub):
    with pytest.raises(sandbox.SandboxError, match="ZeroDivisionError: a bug in the family"):
        stub.solve({"mode": "3"})


def test_process_wide_settings_are_reset_between_solves(stub):
    stub.solve({"mode": "4"})
    assert stub.solve({"mode": "5"}).answers["s"].value == 3  # the stub asserts the state inside the worker


def test_a_heavy_solve_retires_its_worker_so_its_state_cannot_slow_the_next(stub):
    """issue 20: a solve that computed a constant to 700,000 bits made the next request run for 210 s."""
    stub.solve({"mode": "6"})
    assert stub.solve({"mode": "7"}).answers["s"].value == 3


def test_light_solves_reuse_a_worker_and_a_stopped_one_is_gone(stub):
    box = sandbox.current()
    job = {"kind": "solve", "family": "stub_family", "params": {}, "conventions": {}, "path": "auto", "budget": 2,
           "precision": None, "stop": None}
    pids = []
    for _ in range(3):
        box.call(job, 5)
        pids.append(box._idle[-1][0])
    assert len(set(pids)) == 1  # one warm worker served all three
    stub.solve({"n": "5", "mode": "1"}, budget=0.2)  # takes that worker, which is killed at its deadline
    assert pids[0] not in [pid for pid, _ in box._idle]
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_worker_results_match_in_process_solutions_for_real_families():
    with _closing(sandbox.Sandbox.direct()) as box:
        _compare_with_in_process(box)


def _compare_with_in_process(box):
    for name in ("perceptron", "adam", "pca", "entropy", "comp_graph", "batch_norm"):
        fam = registry.get(name)
        here = fam.solve_here(dict(fam.example.params), dict(fam.example.conventions))
        there = box.solve(name, dict(fam.example.params), dict(fam.example.conventions))
        assert there.to_json() == here.to_json(), name
        for fmt in ("text", "markdown", "latex", "html"):
            assert render(there, fmt) == render(here, fmt), (name, fmt)


def test_solution_json_round_trip_is_faithful_for_every_family():
    """What the workers rely on: Solution.from_json(sol.to_json()) is the same solution, for every family."""
    for name in registry.names():
        fam = registry.get(name)
        sol = fam.solve_example()
        back = Solution.from_json(json.loads(json.dumps(sol.to_json())))
        assert json.dumps(back.to_json()) == json.dumps(sol.to_json()), name  # byte for byte: 0 stays 0
        assert render(back, "markdown") == render(sol, "markdown"), name


def test_the_zygote_forks_warm_children_and_ends_with_its_server():
    box = sandbox.Sandbox.start(LIMITS)
    try:
        sol = box.solve("perceptron", dict(registry.get("perceptron").example.params), {})
        assert sol.answers["w"].value == [-1, -3]
        pids = set()
        for _ in range(3):
            pids.add(box.call({"kind": "call", "function": "os:getpid", "sandbox_solves": False}, 5))
        assert len(pids) == 3 and os.getpid() not in pids  # a fresh process per call
        zygote = box._spawner.pid
    finally:
        box.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(zygote, os.WNOHANG)  # reaped: the zygote ended when its server closed the lifeline


def test_a_job_reports_progress_and_its_result():
    seen = []
    with _closing(sandbox.Sandbox.direct(LIMITS)) as box:
        result = box.call({"kind": "call", "function": "tests.test_sandbox:_job_with_progress", "args": (4,)}, 10,
                          on_progress=seen.append)
    assert result == {"squares": [0, 1, 4, 9]}
    assert [m["done"] for m in seen] == [1, 2, 3, 4] and all(m["total"] == 4 for m in seen)


def _job_with_progress(n):
    out = []
    for i in range(n):
        out.append(i * i)
        sandbox.progress(i + 1, n, f"item {i + 1}")
    return {"squares": out}


@contextlib.contextmanager
def _closing(box):
    try:
        yield box
    finally:
        box.close()


def test_a_killed_zygote_is_replaced():
    box = sandbox.Sandbox.start(LIMITS)
    try:
        old = box._spawner.pid
        os.kill(old, 9)
        os.waitpid(old, 0)
        assert box.solve("entropy", {"p": "0.5 0.5"}, {}).status == "solved"
        assert box._spawner.pid != old
    finally:
        box.close()
