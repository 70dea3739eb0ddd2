"""Load benchmark (issues 9, 19, 20): concurrent clients against the real server, with errors, latency and memory.

    python benchmarks/bench_load.py                          # 50 clients for 60 s -> benchmarks/results/load.json
    python benchmarks/bench_load.py --clients 10 --seconds 10 --out -   # a short run, printed only
    python benchmarks/bench_load.py --workers 2 --clients 200           # gunicorn with 2 worker processes
    python benchmarks/bench_load.py --matrix --seconds 30               # 1, 2 and 4 workers x 50 and 200 clients,
                                                                        # the mixed and the uncached workload
                                                                        # -> benchmarks/results/load_workers.json

`--workers N` serves with `stepwise serve --workers N` (gunicorn); without it, the default single process
(waitress). `--uncached` measures solves only: every request is a JSON solve of a distinct generated instance
and the server's solution cache is off (STEPWISE_SOLUTION_CACHE_SIZE=0), so every request really solves.
The server's memory is reported as RSS of the serving process and as the proportional set size (PSS) of
the whole process tree (master, workers, solve zygotes and workers): shared copy-on-write pages counted once.

`python -m solver.cli serve` (waitress, as users run it) starts as a subprocess on a free 127.0.0.1
port. `--clients` threads, each with its own keep-alive connection, send a mix a class would send:
the home page, problem forms, random instances, worked solutions (pages and downloads), JSON solves
and answer checks, and some invalid input (which must come back as a 400, never a 500). The problems
are the worked examples and generated instances of every family (a pool larger than the solution
cache, so it churns). Only 127.0.0.1 is ever contacted.

Recorded: requests, errors (connection failures, timeouts and any status other than the expected one),
latency p50/p90/p99/max overall and per kind of request, and the server's resident memory (VmRSS from
/proc, sampled twice a second) over the run. Memory is *bounded* when the second half of the run adds
less than max(MEMORY_SLACK_MB, MEMORY_SLACK_FRACTION of the RSS at half time): the solution cache is
an LRU of fixed size, so once it is full memory should stay flat. tests/test_load.py runs a short
version in CI and asserts zero errors and bounded memory (no timing assertions).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "load.json"
MEMORY_SLACK_MB = 40.0
MEMORY_SLACK_FRACTION = 0.15
SEEDS_PER_FAMILY = 12


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    url: str
    body: bytes | None = None
    expect: int = 200


def _problem_query(fam, raw: dict) -> dict:
    from web.forms import as_text

    out = {}
    for p in fam.params:
        if p.name in raw and raw[p.name] is not None:
            out[f"p.{p.name}"] = as_text(p, raw[p.name])
    return out


def workload(seeds_per_family: int = SEEDS_PER_FAMILY) -> list[Request]:
    """The requests the clients choose from (built in this process; the server knows nothing of them)."""
    sys.path.insert(0, str(ROOT))
    from solver import registry

    reqs = [Request("home", "GET", "/"), Request("home", "GET", "/?q=adam"), Request("api_families", "GET", "/api/families")]
    for name in registry.names():
        fam = registry.get(name)
        example = dict(fam.example.params)
        conv = dict(fam.example.conventions)
        q = _problem_query(fam, example)
        q.update({f"c.{k}": v for k, v in conv.items()})
        reqs.append(Request("form", "GET", f"/f/{name}"))
        reqs.append(Request("form", "GET", f"/f/{name}?seed={random.Random(name).randrange(1000)}"))
        reqs.append(Request("page", "GET", f"/f/{name}/solve?" + urlencode(q)))
        reqs.append(Request("download", "GET", f"/f/{name}/solution.md?" + urlencode(q)))
        body = {"family": name, "params": {k: _jsonable(v) for k, v in example.items()}, "conventions": conv}
        reqs.append(Request("api_solve", "POST", "/api/solve", json.dumps(body).encode()))
        try:
            answers = fam.solve(example, conv).answers
            a_name, a = next(((n, a) for n, a in answers.items() if isinstance(a.value, (int, float)) and not isinstance(a.value, bool)),
                             (None, None))
        except Exception:
            a_name = None
        if a_name:
            check = dict(body, answers={a_name: str(a.value)})
            reqs.append(Request("api_check", "POST", "/api/check", json.dumps(check).encode()))
        for seed in range(seeds_per_family):
            raw = fam.generate(seed)
            gen = {"family": name, "params": {k: _jsonable(v) for k, v in raw.items()}}
            reqs.append(Request("api_solve_random", "POST", "/api/solve", json.dumps(gen).encode()))
            reqs.append(Request("page_random", "GET", f"/f/{name}/solve?" + urlencode(_problem_query(fam, raw))))
        first = fam.params[0].name
        bad = {"family": name, "params": {**body["params"], first: "9**9**9 oops"}}
        reqs.append(Request("invalid", "POST", "/api/solve", json.dumps(bad).encode(), expect=400))
        reqs.append(Request("invalid", "GET", f"/f/{name}/solve?" + urlencode({**q, f"p.{first}": "[[1, 2], [3]"}), expect=400))
    return reqs


def _jsonable(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):  # a group parameter's items (feedforward's layers)
        return {str(k): _jsonable(x) for k, x in v.items()}
    if hasattr(v, "tolist"):
        return v.tolist()
    return str(v)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def tree_pids(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children", encoding="ascii") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def tree_pss_mb(pid: int) -> float | None:
    """Proportional set size of `pid` and all its descendants (each shared page divided among its sharers)."""
    total, seen = 0, False
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        seen = True
                        break
        except OSError:
            continue
    return total / 1024.0 if seen else None


def start_server(port: int, workers: int | None = None, uncached: bool = False) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if uncached:
        env["STEPWISE_SOLUTION_CACHE_SIZE"] = "0"
    # the log goes to a file, never to a pipe nobody reads while the run lasts: a full pipe blocks the
    # server's event loop in its next log line (waitress warns of its queue depth under load)
    log = tempfile.TemporaryFile()
    cmd = [sys.executable, "-m", "solver.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    proc.log = log
    deadline = time.monotonic() + 120
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/families")
            ok = conn.getresponse().status == 200
            conn.close()
            if ok:
                return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start: " + stop_server(proc)[-2000:])
        time.sleep(0.25)


def stop_server(proc: subprocess.Popen) -> str:
    """Stop the server; its stderr (the log) is returned."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log = getattr(proc, "log", None)
    if log is None:
        return ""
    log.seek(0)
    text = log.read().decode(errors="replace")
    log.close()
    return text


def percentile(values: list[float], q: float) -> float | None:
    s = sorted(values)
    if not s:
        return None
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def _summary(times: list[float]) -> dict:
    return {"n": len(times), "p50_ms": _r(percentile(times, 50)), "p90_ms": _r(percentile(times, 90)),
            "p99_ms": _r(percentile(times, 99)), "max_ms": _r(max(times) if times else None)}


def _r(x):
    return None if x is None else round(x, 1)


def uncached_workload(per_family: int = 60) -> list[Request]:
    """Distinct JSON solves of generated instances (hand-sized: every family's generator), none repeated
    often enough to matter even with a cache; the server runs without one for this workload."""
    sys.path.insert(0, str(ROOT))
    from solver import registry

    reqs = []
    for name in registry.names():
        fam = registry.get(name)
        for seed in range(1000, 1000 + per_family):
            raw = fam.generate(seed)
            body = {"family": name, "params": {k: _jsonable(v) for k, v in raw.items()}}
            reqs.append(Request("api_solve_uncached", "POST", "/api/solve", json.dumps(body).encode()))
    return reqs


def run_load(clients: int = 50, seconds: float = 60.0, *, seed: int = 0, timeout: float = 120.0,
             seeds_per_family: int = SEEDS_PER_FAMILY, progress=None, workers: int | None = None,
             uncached: bool = False) -> dict:
    """Start the server, run `clients` concurrent clients for `seconds`, stop it; the results as a dict."""
    reqs = uncached_workload() if uncached else workload(seeds_per_family)
    port = free_port()
    proc = start_server(port, workers, uncached)
    pid = proc.pid
    samples: list[tuple[float, float]] = []
    pss: list[float] = []
    lock = threading.Lock()
    times: dict[str, list[float]] = {}
    errors: list[dict] = []
    n_errors = [0]
    statuses: dict[str, int] = {}
    done = threading.Event()
    t0 = time.monotonic()

    def sampler():
        # RSS twice a second (a counter: cheap); the whole tree's PSS every 5 s only: reading smaps_rollup walks
        # each process's page tables, which costs the server CPU time in proportion to its number of processes
        n = 0
        while not done.is_set():
            m = rss_mb(pid) if not workers else sum(filter(None, (rss_mb(p) for p in tree_pids(pid)[1:2])))
            if m is not None:
                samples.append((round(time.monotonic() - t0, 2), round(m, 1)))
            if n % 10 == 0:
                total = tree_pss_mb(pid)
                if total is not None:
                    pss.append(round(total, 1))
            n += 1
            done.wait(0.5)

    def client(i: int):
        rng = random.Random(seed * 1000 + i)
        conn = None
        while time.monotonic() < stop_at:
            r = rng.choice(reqs)
            start = time.perf_counter()
            err = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                headers = {"Content-Type": "application/json"} if r.body is not None else {}
                conn.request(r.method, r.url, body=r.body, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                status = resp.status
                if status != r.expect:
                    err = f"HTTP {status} (expected {r.expect}): {body[:200]!r}"
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
                err = f"{type(e).__name__}: {e}"
                if conn is not None:
                    conn.close()
                conn = None
            ms = (time.perf_counter() - start) * 1000
            with lock:
                times.setdefault(r.kind, []).append(ms)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if err:
                    n_errors[0] += 1
                    if len(errors) < 20:
                        errors.append({"kind": r.kind, "method": r.method, "url": r.url[:200], "error": err})
        if conn is not None:
            conn.close()

    log = ""
    try:
        rss_start = rss_mb(pid)
        threading.Thread(target=sampler, daemon=True).start()
        stop_at = time.monotonic() + seconds
        start = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + timeout + 30)
        elapsed = time.perf_counter() - start
        done.set()
        rss_end = rss_mb(pid)
    finally:
        done.set()
        log = stop_server(proc)
    all_times = [t for ts in times.values() for t in ts]
    mem = [m for _, m in samples]
    half = [m for t, m in samples if t <= samples[-1][0] / 2] if samples else []
    rss_half = max(half) if half else None
    growth = (max(mem) - rss_half) if mem and rss_half is not None else None
    allowed = max(MEMORY_SLACK_MB, MEMORY_SLACK_FRACTION * rss_half) if rss_half else None
    step = max(1, len(samples) // 120)
    return {
        "server": f"stepwise serve --workers {workers} (gunicorn)" if workers else "stepwise serve (one process, waitress)",
        "workers": workers or 0, "workload": "uncached solves" if uncached else "mixed",
        "clients": clients, "seconds": round(elapsed, 1), "requests": len(all_times), "errors": n_errors[0],
        "error_examples": errors, "statuses": statuses,
        "requests_per_second": round(len(all_times) / elapsed, 1) if elapsed else None,
        "latency": _summary(all_times),
        "latency_by_kind": {k: _summary(v) for k, v in sorted(times.items())},
        "memory_mb": {"start": _r(rss_start), "half": _r(rss_half), "max": _r(max(mem) if mem else None),
                      "end": _r(rss_end), "second_half_growth": _r(growth), "allowed_growth": _r(allowed),
                      "bounded": growth is not None and growth <= allowed,
                      "tree_pss_max": _r(max(pss) if pss else None), "tree_pss_end": _r(pss[-1] if pss else None)},
        "memory_samples": samples[::step],
        "server_log_errors": [line for line in log.splitlines() if " ERROR " in line][:20],
        "requests_pool": {"distinct_requests": len(reqs), "kinds": sorted({r.kind for r in reqs})},
        "machine": {"cpu_count": os.cpu_count(), "python": sys.version.split()[0]},
    }


def _versions() -> dict:
    import importlib.metadata as md

    out = {}
    for pkg in ("sympy", "numpy", "flask", "waitress", "gunicorn"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def _autogroup() -> str | None:
    """The benchmark's scheduling group (Linux autogroup): on a machine shared with other sessions, each
    session gets an equal share of the cores whatever its number of processes, so worker scaling shows only
    when this session is favoured (`echo -20 > /proc/self/autogroup` as root) or the machine is otherwise idle."""
    try:
        with open("/proc/self/autogroup", encoding="ascii") as fh:
            return fh.read().strip()
    except OSError:
        return None


def run_matrix(seconds: float, out: str) -> int:
    """1, 2 and 4 workers x 50 and 200 clients, uncached solves and the mixed workload; the scaling ratios."""
    import datetime

    runs = []
    for uncached in (True, False):
        for clients in (50, 200):
            for workers in (1, 2, 4):
                res = run_load(clients, seconds, workers=workers, uncached=uncached, seeds_per_family=3)
                res.pop("memory_samples", None)
                runs.append(res)
                print(f"{res['workload']:16s} workers={workers} clients={clients:3d}: {res['requests_per_second']:7.1f} req/s, "
                      f"p50 {res['latency']['p50_ms']} ms, p99 {res['latency']['p99_ms']} ms, errors {res['errors']}, "
                      f"PSS max {res['memory_mb']['tree_pss_max']} MB", flush=True)

    def rps(w, c, u):
        return next(r["requests_per_second"] for r in runs if r["workers"] == w and r["clients"] == c
                    and (r["workload"] == "uncached solves") == u)

    ratios = {f"{u}_{c}_clients_{w}_over_1_worker": round(rps(w, c, u == "uncached") / rps(1, c, u == "uncached"), 2)
              for u in ("uncached", "mixed") for c in (50, 200) for w in (2, 4)}
    record = {"benchmark": "load: requests/s, latency and memory by worker count", "date": datetime.date.today().isoformat(),
              "machine": {"cpu_count": os.cpu_count(), "python": sys.version.split()[0], "load_average": os.getloadavg()},
              "versions": _versions(), "seconds_per_run": seconds, "ratios": ratios,
              "scheduling": _autogroup(),
              "runs": runs, "errors_total": sum(r["errors"] for r in runs)}
    print(json.dumps(ratios, indent=1))
    if out != "-":
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(record, indent=1) + "\n")
        print(f"written to {out}")
    return 0 if record["errors_total"] == 0 else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=None, help="serve with gunicorn and N worker processes")
    ap.add_argument("--uncached", action="store_true", help="distinct solves only, the server's cache off")
    ap.add_argument("--matrix", action="store_true", help="1, 2, 4 workers x 50, 200 clients, both workloads")
    ap.add_argument("--out", default=None, help="JSON results file ('-': print only)")
    args = ap.parse_args(argv)
    if args.matrix:
        return run_matrix(max(5.0, args.seconds), args.out or str(RESULTS.with_name("load_workers.json")))
    args.out = args.out or str(RESULTS)
    import datetime

    res = run_load(max(1, args.clients), max(1.0, args.seconds), seed=args.seed, workers=args.workers,
                   uncached=args.uncached)
    res["date"], res["versions"], res["scheduling"] = datetime.date.today().isoformat(), _versions(), _autogroup()
    lat, mem = res["latency"], res["memory_mb"]
    print(f"{res['server']}, {res['workload']}: {res['clients']} clients, {res['seconds']} s: {res['requests']} requests "
          f"({res['requests_per_second']} req/s), {res['errors']} errors")
    print(f"latency p50 {lat['p50_ms']} ms, p90 {lat['p90_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms")
    for kind, s in res["latency_by_kind"].items():
        print(f"  {kind:18s} n={s['n']:6d}  p50 {s['p50_ms']:>8} ms  p99 {s['p99_ms']:>8} ms")
    print(f"server RSS: start {mem['start']} MB, at half time {mem['half']} MB, max {mem['max']} MB, end {mem['end']} MB; "
          f"second-half growth {mem['second_half_growth']} MB (allowed {mem['allowed_growth']}): "
          f"{'bounded' if mem['bounded'] else 'NOT bounded'}; whole server (PSS) max {mem['tree_pss_max']} MB")
    for e in res["error_examples"][:5]:
        print("  error:", e)
    if args.out != "-":
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=1) + "\n")
        print(f"written to {out}")
    return 0 if res["errors"] == 0 and mem["bounded"] else 1


if __name__ == "__main__":
    sys.exit(main())
