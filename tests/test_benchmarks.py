"""The benchmarks are scripts, not tests: here only that each one imports and that the record writer stores
what a reader needs to judge the figures (date, machine, versions). No timings are asserted."""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py") if not p.stem.startswith("_"))


@pytest.fixture
def bench_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    yield
    for name in [*SCRIPTS, "_record"]:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_module_imports_and_has_main(bench_path, name):
    mod = importlib.import_module(name)
    assert callable(mod.main)
    assert "benchmarks/results/" in mod.__doc__  # each says where its record goes


def test_every_benchmark_writes_through_the_one_record_writer():
    for name in SCRIPTS:
        if name == "bench_load":  # its matrix and load records keep their own layout (issue 19, item 1)
            continue
        text = (BENCH / f"{name}.py").read_text(encoding="utf-8")
        assert "from _record import" in text, name
        assert "json.dumps" not in text, name


def test_record_holds_date_machine_versions_and_the_figures(bench_path, tmp_path):
    record = importlib.import_module("_record")
    import numpy as np

    path = record.write("demo", {"ratio": np.float64(1.25), "rows": np.arange(3)}, unit="seconds",
                        notes="a note", out=tmp_path / "demo.json", argv=["benchmarks/demo.py", "--quick"])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["benchmark"] == "demo"
    assert data["date"].endswith("+00:00")
    assert data["command"] == "python benchmarks/demo.py --quick"
    assert data["unit"] == "seconds" and data["notes"] == "a note"
    m = data["machine"]
    assert m["cpu_count"] >= 1 and m["python"] and m["platform"]
    assert m["load_average_1_5_15_min"] is None or len(m["load_average_1_5_15_min"]) == 3
    assert data["versions"]["numpy"] == np.__version__
    assert "sympy" in data["versions"] and "scikit-learn" in data["versions"]
    assert data["figures"] == {"ratio": 1.25, "rows": [0, 1, 2]}
