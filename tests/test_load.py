"""Load (issue 9), the short version CI runs: the real server (`python -m solver.cli serve`, waitress, in a
subprocess on loopback) under 10 concurrent clients for 10 seconds answers every request as expected
(zero errors: no connection failure, no 5xx, no invalid input accepted) and its memory stays bounded.
No timing assertions: a shared CI machine's speed varies. The full run (50 clients, 60 s, results in
benchmarks/results/load.json) is `python benchmarks/bench_load.py`.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.load, pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's memory from /proc")]

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("STEPWISE_LOAD_CLIENTS") or 10)
SECONDS = float(os.environ.get("STEPWISE_LOAD_SECONDS") or 10)


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "benchmarks" / "bench_load.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # (dataclasses look their module up there)
    spec.loader.exec_module(mod)
    return mod


def test_concurrent_clients_get_no_errors_and_memory_stays_bounded():
    bench = _bench()
    res = bench.run_load(CLIENTS, SECONDS, seeds_per_family=3)
    assert res["requests"] > 0
    assert res["errors"] == 0, res["error_examples"]
    assert not any(k.startswith("5") for k in res["statuses"]), res["statuses"]
    assert res["server_log_errors"] == [], res["server_log_errors"]
    mem = res["memory_mb"]
    assert mem["bounded"], f"the server's memory grew by {mem['second_half_growth']} MB in the second half: {mem}"
