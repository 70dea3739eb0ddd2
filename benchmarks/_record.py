"""The one writer of benchmark records: benchmarks/results/<name>.json.

Every benchmark hands its figures (ratios against the peer, taken side by side in one run, and the times
behind them) to `write`, which adds what a reader needs to judge them: the date, the machine (cores, the
load average when the run ended, platform, Python) and the versions of the libraries compared. A record
is a measurement on one machine at one time, not a promise; the load average says how busy it was.

    from _record import write
    write("linalg", {"pca": rows}, unit="seconds (best of 3)", notes="ratio > 1: Stepwise faster")
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
LIBRARIES = ("numpy", "scipy", "sympy", "scikit-learn", "torch", "flask", "waitress")


def versions() -> dict[str, str]:
    """Installed versions of the libraries that matter to the figures (read from metadata: nothing imported)."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def machine() -> dict:
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {"cpu_count": os.cpu_count(), "load_average_1_5_15_min": load, "platform": platform.platform(),
            "python": platform.python_version(), "implementation": platform.python_implementation()}


def commit() -> str | None:
    """The git commit measured (None outside a checkout)."""
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=RESULTS.parent, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def record(name: str, figures, *, unit: str | None = None, notes: str | None = None, argv=None) -> dict:
    """The record as a dict (what `write` stores)."""
    return {"benchmark": name, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit(),
            "command": " ".join(["python", *(sys.argv if argv is None else argv)]),
            "unit": unit, "notes": notes, "machine": machine(), "versions": versions(), "figures": figures}


def write(name: str, figures, *, unit: str | None = None, notes: str | None = None, out: Path | str | None = None,
          argv=None) -> Path:
    """Write benchmarks/results/<name>.json (or `out`) and return its path; figures must be JSON-serialisable."""
    path = Path(out) if out is not None else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record(name, figures, unit=unit, notes=notes, argv=argv), indent=1,
                            default=_plain) + "\n", encoding="utf-8")
    print(f"wrote {_shown(path)}")
    return path


def _plain(v):
    """NumPy scalars and arrays as plain JSON numbers and lists."""
    if hasattr(v, "tolist"):
        return v.tolist()
    raise TypeError(f"not JSON-serialisable: {type(v).__name__}")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
