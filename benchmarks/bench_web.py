"""Web benchmark (not a test): solve-and-render latency through the WSGI app, and throughput under waitress.

    python benchmarks/bench_web.py                       # every family, 30 warm requests each, 4 clients for 5 s
    python benchmarks/bench_web.py -f perceptron -f nag  # some families
    python benchmarks/bench_web.py --requests 100 --clients 8 --seconds 10 --json out.json

1. Latency, in process: for each family, its worked example's solution page (GET /f/<name>/solve?...)
   through the Flask WSGI app, after one warm-up request; p50 and p99 of `--requests` requests, with the
   solution cache off (the real solve and render every time) and on (a repeated view). The issue's aim:
   p99 <= 50 ms for hand-sized problems on a warm server.
2. Throughput, on loopback: `python -m solver.cli serve` (waitress, as users run it) on a free
   127.0.0.1 port; `--clients` threads request the examples round-robin, bounded by `--seconds` and
   `--max-requests`; requests per second and the latency percentiles. The server is stopped at the end.
Only 127.0.0.1 is ever contacted. Writes benchmarks/results/web.json (`--json` also writes a copy there).
"""
from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver import registry  # noqa: E402
from web import create_app, settle, warm  # noqa: E402
from web.forms import example_problem  # noqa: E402
from _record import write  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def example_url(name: str) -> str:
    return f"/f/{name}/solve?" + urlencode(example_problem(registry.get(name)).query())


def latency(names: list[str], requests: int) -> list[dict]:
    rows = []
    uncached = create_app({"SOLUTION_CACHE_SIZE": 0}).test_client()
    cached = create_app().test_client()
    warm()    # as `stepwise serve` starts: every family imported, then the warm objects frozen out of the
    settle()  # collector's passes (web.settle)
    for name in names:
        url = example_url(name)
        row = {"family": name}
        for label, client in (("uncached", uncached), ("cached", cached)):
            r = client.get(url)  # warm-up: imports, formula caches, MathML cache
            if r.status_code != 200:
                row["error"] = f"HTTP {r.status_code}"
                break
            times = []
            for _ in range(requests):
                t = time.perf_counter()
                r = client.get(url)
                r.get_data()
                times.append((time.perf_counter() - t) * 1000)
            row[f"{label}_p50_ms"] = round(statistics.median(times), 2)
            row[f"{label}_p99_ms"] = round(percentile(times, 99), 2)
        rows.append(row)
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throughput(names: list[str], clients: int, seconds: float, max_requests: int) -> dict:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "solver.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
        urls = [example_url(n) for n in names]
        for url in urls:  # warm the server: every family imported, every example solved once
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", url)
            conn.getresponse().read()
            conn.close()
        times: list[float] = []
        errors = [0]
        sent = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def client(i: int):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            k = i
            while time.monotonic() < stop_at:
                with lock:
                    if sent[0] >= max_requests:
                        break
                    sent[0] += 1
                url = urls[k % len(urls)]
                k += 1
                t = time.perf_counter()
                try:
                    conn.request("GET", url)
                    resp = conn.getresponse()
                    resp.read()
                    ok = resp.status == 200
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    times.append(dt)
                    if not ok:
                        errors[0] += 1
            conn.close()

        start = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        return {"clients": clients, "seconds": round(elapsed, 2), "requests": len(times), "errors": errors[0],
                "requests_per_second": round(len(times) / elapsed, 1) if elapsed else 0.0,
                "p50_ms": round(statistics.median(times), 2) if times else None,
                "p99_ms": round(percentile(times, 99), 2) if times else None,
                "note": "the server caches solutions, so repeated examples measure page rendering and serving"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-f", "--family", action="append", help="a family to measure (repeatable; default: all)")
    ap.add_argument("--requests", type=int, default=30, help="warm requests per family for the latency percentiles")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients for the throughput run")
    ap.add_argument("--seconds", type=float, default=5.0, help="duration of the throughput run")
    ap.add_argument("--max-requests", type=int, default=5000, help="upper bound on the throughput run's requests")
    ap.add_argument("--no-throughput", action="store_true", help="latency only")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    names = args.family or registry.names()

    print(f"Latency through the WSGI app, worked examples, {args.requests} warm requests each (ms)")
    rows = latency(names, max(1, args.requests))
    print(f"{'family':24s} {'p50':>8s} {'p99':>8s}   {'cached p50':>10s} {'p99':>8s}")
    slow = []
    for r in rows:
        if "error" in r:
            print(f"{r['family']:24s} {r['error']}")
            continue
        flag = "  > 50 ms" if r["uncached_p99_ms"] > 50 else ""
        if flag:
            slow.append(r["family"])
        print(f"{r['family']:24s} {r['uncached_p50_ms']:8.1f} {r['uncached_p99_ms']:8.1f}   "
              f"{r['cached_p50_ms']:10.1f} {r['cached_p99_ms']:8.1f}{flag}")
    if slow:
        print(f"p99 above 50 ms (uncached): {', '.join(slow)}")
    result = {"requests": args.requests, "latency": rows, "p99_target_ms": 50,
              "uncached_p99_above_target": slow}
    if not args.no_throughput:
        print(f"\nThroughput: waitress on 127.0.0.1, {args.clients} clients, up to {args.seconds:g} s")
        tp = throughput(names, max(1, args.clients), max(0.5, args.seconds), max(1, args.max_requests))
        print(f"{tp['requests']} requests in {tp['seconds']} s: {tp['requests_per_second']} req/s, "
              f"p50 {tp['p50_ms']} ms, p99 {tp['p99_ms']} ms, {tp['errors']} errors")
        result["throughput"] = tp
    unit = "milliseconds of wall time"
    notes = ("a latency target, not a peer ratio: p99 of the warm solve-and-render through the WSGI app; "
             "uncached = the real solve and render each time")
    write("web", result, unit=unit, notes=notes)
    if args.json:
        write("web", result, unit=unit, notes=notes, out=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
