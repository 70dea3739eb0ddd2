"""The fuzz run, recorded: the suite's fuzzers at a chosen count per target, written to benchmarks/results/.

    python benchmarks/fuzz_run.py --examples 1000          # -> benchmarks/results/fuzz_1000.json

Runs tests/test_fuzz.py (the parser and every family's parameters on both paths), tests/test_fuzz_api.py
(every endpoint, in-process) and tests/test_read_fuzz.py (question reading, the paste box and /api/ask) with
STEPWISE_FUZZ_EXAMPLES set, so Hypothesis explores afresh (not derandomized). Each generated input is held to
2 s of CPU inside the tests (MAX_SECONDS), so a passing target's worst input took at most that. The record
holds, per target: the number of inputs asked for, the outcome, the wall time, and the first line of any
failure; and for the whole run: the peak resident memory of the test process, the machine and the versions.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from _record import write

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("tests/test_fuzz.py", "tests/test_fuzz_api.py", "tests/test_read_fuzz.py")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=1000, help="generated inputs per target (the full run: 100000)")
    ap.add_argument("--out", type=Path, help="where to write the record (default benchmarks/results/fuzz_N.json)")
    ap.add_argument("-k", dest="select", help="only the targets matching this pytest -k expression (a re-run of the "
                                              "ones a run failed)")
    args = ap.parse_args(argv)
    out = args.out or ROOT / "benchmarks" / "results" / f"fuzz_{args.examples}.json"
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "fuzz.xml"
        env = {**os.environ, "STEPWISE_FUZZ_EXAMPLES": str(args.examples)}
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", *TARGETS, "-m", "fuzz", "-q", "-p", "no:cacheprovider",
                               "-p", "no:randomly", f"--junitxml={junit}", *(["-k", args.select] if args.select else [])],
                              cwd=ROOT, env=env)
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cases = []
        for case in ET.parse(junit).getroot().iter("testcase"):
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            skipped = case.find("skipped")
            outcome = "failed" if failure is not None else "skipped" if skipped is not None else "passed"
            entry = {"target": f"{case.get('classname')}::{case.get('name')}", "outcome": outcome,
                     "seconds": round(float(case.get("time") or 0), 2)}
            if failure is not None:
                entry["failure"] = (failure.get("message") or "").splitlines()[0][:300] if failure.get("message") else ""
            cases.append(entry)
    record = {
        "what": ("the suite's fuzzers (parser, every family on both paths, every endpoint, question reading)"
                 if not args.select else f"the suite's fuzzers matching -k {args.select!r}")
                + f" at {args.examples} generated inputs per target; each input held to 2 s of CPU",
        "examples_per_target": args.examples,
        "targets": len(cases),
        "inputs_requested": args.examples * sum(c["outcome"] != "skipped" for c in cases),
        "passed": sum(c["outcome"] == "passed" for c in cases),
        "failed": sum(c["outcome"] == "failed" for c in cases),
        "wall_seconds": round(wall, 1),
        "slowest_target": max(cases, key=lambda c: c["seconds"], default=None),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "failures": [c for c in cases if c["outcome"] == "failed"],
        "cases": cases,
    }
    write(out.stem, record, unit="generated inputs; wall seconds", out=out)
    print(f"{record['passed']} of {record['targets']} targets passed at {args.examples} inputs each "
          f"(up to {record['inputs_requested']} inputs) in {wall:.0f} s; peak RSS {record['peak_rss_mb']} MB -> {out}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
