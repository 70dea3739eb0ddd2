"""Benchmark (not a test): the question reader on its dev set, and how long reading takes.

Prints, on the dev set (tests/read_dev/*.toml; see tests/read_dev/devset.py for the definitions):

    family top-1 accuracy     the family read is the question's
    field accuracy            expected fields read with the expected value
    solved correctly          of the answerable questions: every expected answer given, within tolerance
    asked for more            of the answerable questions: no solution, the reading says what is missing
    wrong with a warning      of the answerable questions: a wrong answer, but the reading said what to check
    unanswerable asked        of the questions that do not give what they need: the reader asked
    silently wrong            of all questions: a wrong answer with no warning at all (the worst outcome)

and the time to read: every dev question, and a page-long question (about 3,000 characters), warm, as
p50/p99 milliseconds of CPU time (the reading thread's: on a shared machine wall time also counts the
other processes; it is printed too, with the load average) against the 20 ms target, and against the time
to solve the same question. Writes benchmarks/results/read.json.

    python benchmarks/bench_read.py [--runs 200]
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "read_dev"))

import devset  # noqa: E402

from _record import write  # noqa: E402
from solver.reading import ask, read  # noqa: E402

TARGET_MS = 20.0


def page() -> str:
    """A page of exam text: two questions from the course notes, the instructions around them, a table."""
    items = {it["id"]: it for it in devset.load()}
    parts = [
        "Mathematics for Deep Learning - end-term examination. Time allowed: 3 hours. Answer every question; show "
        "all working; state any convention you assume. Calculators are allowed. Marks are shown in brackets.",
        items["nag-notes-w4p5"]["text"],
        "Notes for the examiner: a correct look-ahead point earns half of the marks; a correct gradient the rest. "
        "Students who use the eta-scaled look-ahead should state it. Partial credit is given for a correct formula "
        "with an arithmetic slip, and for a clearly stated convention that differs from the one in the course notes.",
        "For reference, the training data of the earlier question were:\n\nx1\tx2\ty\n0\t0\t0\n0\t1\t1\n1\t0\t1\n1\t1\t1",
        "Write your answers in the booklet provided; rough work on the last two pages will not be marked. "
        "Do not write in the margins. Hand in the question paper with your booklet at the end of the examination. "
        "Good luck. " * 6,
    ]
    text = "\n\n".join(parts)
    while len(text) < 3000:
        text += " Show every step of your working clearly."
    return text


def timings(text: str, runs: int, wall: list[float] | None = None) -> list[float]:
    """CPU milliseconds of each read (wall milliseconds appended to `wall`)."""
    read(text)  # warm: the vocabulary is built once per process
    out = []
    for _ in range(runs):
        t0, w0 = time.thread_time(), time.perf_counter()
        read(text)
        out.append((time.thread_time() - t0) * 1000)
        if wall is not None:
            wall.append((time.perf_counter() - w0) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()

    items = devset.load()
    outcomes = [devset.evaluate(it) for it in items]
    rates = devset.rates(outcomes, items)
    print(f"Dev set: {rates['items']} questions ({rates['answerable']} answerable, {rates['unanswerable']} that do not "
          "give what they need)\n")
    rows = [("family top-1 accuracy", rates["family_top1"]), ("field accuracy", rates["field_accuracy"]),
            ("solved correctly", rates["solved_correctly"]), ("asked for more", rates["asked_for_more"]),
            ("wrong with a warning", rates["wrong_with_warning"]), ("unanswerable asked", rates["unanswerable_asked"]),
            ("silently wrong", rates["silently_wrong"])]
    for name, value in rows:
        print(f"  {name:24s} {100 * value:6.1f} %")
    print("\n  by part of the dev set:")
    for name in devset.FILES:
        part = [(o, it) for o, it in zip(outcomes, items) if it["file"] == name]
        r = devset.rates([o for o, _ in part], [it for _, it in part])
        head = f"    {name:20s} {r['items']:4d} questions: "
        if r["answerable"]:
            head += f"solved {100 * r['solved_correctly']:5.1f} %, "
        if r["unanswerable"]:
            head += f"unanswerable asked {100 * r['unanswerable_asked']:5.1f} %, "
        print(head + f"silently wrong {100 * r['silently_wrong']:4.1f} %")
    failures = [o for o in outcomes if o.status not in ("solved", "asked")
                or (o.status == "asked" and o.id not in {it["id"] for it in items if it.get("expect") == "ask"})]
    for o in failures:
        print(f"    {o.id}: {o.status}")

    # reading time
    dev_ms = []
    for it in items:
        dev_ms.extend(timings(it["text"], max(5, args.runs // 20)))
    text = page()
    page_wall: list[float] = []
    page_ms = timings(text, args.runs, page_wall)
    a = ask(text)
    solve_ms = []
    if a.solutions:
        from solver import registry

        fam = registry.get(a.reading.family)
        for _ in range(max(5, args.runs // 20)):
            t0 = time.thread_time()
            fam.solve(a.reading.params, a.reading.convention_choices)
            solve_ms.append((time.thread_time() - t0) * 1000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nReading time, warm, CPU milliseconds (target: p99 <= {TARGET_MS:.0f} ms for a page):")
    print(f"  {'question':34s} {'chars':>6s} {'p50 ms':>8s} {'p99 ms':>8s} {'p99 / target':>13s}")
    dev_chars = int(statistics.mean(len(it["text"]) for it in items))
    print(f"  {'every dev-set question':34s} {dev_chars:6d} {pct(dev_ms, 0.5):8.2f} {pct(dev_ms, 0.99):8.2f} "
          f"{pct(dev_ms, 0.99) / TARGET_MS:12.2f}x")
    print(f"  {'a page-long question':34s} {len(text):6d} {pct(page_ms, 0.5):8.2f} {pct(page_ms, 0.99):8.2f} "
          f"{pct(page_ms, 0.99) / TARGET_MS:12.2f}x")
    print(f"  wall time for the page: p50 {pct(page_wall, 0.5):.2f} ms, p99 {pct(page_wall, 0.99):.2f} ms "
          f"(load average {load:.1f} on {os.cpu_count()} CPUs)")
    if solve_ms:
        print(f"  reading the page vs solving it ({a.reading.family}): {statistics.median(page_ms):.2f} ms vs "
              f"{statistics.median(solve_ms):.2f} ms = {statistics.median(page_ms) / statistics.median(solve_ms):.2f}x")

    out = {
        "dev_set": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in rates.items()},
        "failures": [{"id": o.id, "status": o.status, "family": o.family_read, "detail": o.detail[:4]} for o in failures],
        "read_ms": {"dev_questions": {"n": len(dev_ms), "p50": round(pct(dev_ms, 0.5), 3), "p99": round(pct(dev_ms, 0.99), 3)},
                    "page": {"chars": len(text), "n": len(page_ms), "p50": round(pct(page_ms, 0.5), 3),
                             "p99": round(pct(page_ms, 0.99), 3), "target_p99": TARGET_MS,
                             "wall_p50": round(pct(page_wall, 0.5), 3), "wall_p99": round(pct(page_wall, 0.99), 3),
                             "load_average": round(load, 2), "cpus": os.cpu_count()},
                    "clock": "CPU time of the reading thread (time.thread_time)",
                    "solve_page_question_median_ms": round(statistics.median(solve_ms), 3) if solve_ms else None},
    }
    print()
    write("read", out, unit="CPU milliseconds of the reading thread; accuracies as fractions",
          notes=f"a latency target (p99 <= {TARGET_MS:.0f} ms for a page), not a peer ratio")


if __name__ == "__main__":
    main()
