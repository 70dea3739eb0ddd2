"""Work that really stops: each solve (and each exam build job) runs in a forked worker process with a
wall-clock deadline, a CPU-time limit and a memory limit, and is killed when it runs past them.

Why processes. A solve's exact working is SymPy and mpmath code. Most of it is slow in many small steps,
which the cooperative time budget (solver.symbolic, `time_budget`) stops at the next step; but one call
can run for minutes on its own (`evalf` of a power tower, mpmath printing a number whose exponent has
thousands of digits, a C-level big-integer power), and nothing inside a Python process can interrupt
it: a thread cannot be killed, SIGALRM reaches only the main thread and runs its handler only between
bytecodes, and an exception injected into a thread can leave SymPy's or mpmath's global settings changed.
A process can be killed. So the server and the command line solve in child processes, and the operating
system enforces the limits.

The design, for the web server (`stepwise serve`, one process or `--workers N`):

    serving process (waitress threads, or one gunicorn worker)
      |  at start-up, while it is still single-threaded and after every family is imported (warm):
      +-- fork --> zygote: a single-threaded copy of the warm process that does nothing but fork
                     |  on request (a Unix socket; the requester passes one end of a socketpair
                     |  with SCM_RIGHTS), one child per solve:
                     +-- fork --> worker: reads a job, sets its limits, solves, writes the Solution
                                  JSON back; serves the next job only if this one was light

- *Warm imports are shared.* The zygote is forked after SymPy, NumPy and every family module are imported
  and their formulas built (`web.warm`), and after `gc.freeze()`, so each child starts with all of it
  mapped copy-on-write: a solve pays at most a fork (a few milliseconds), never an import.
- *No state from one request slows the next.* A fresh worker starts from the zygote's state, which no
  solve ever changes. A worker is kept for another solve only after a light one: under
  REUSE_CPU_SECONDS (0.5 s) of CPU time, no fallback, its memory within REUSE_RSS_GROWTH (64 MB) of its
  start, at most REUSE_SOLVES (200) solves; process-wide settings (mpmath's precision, NumPy's error
  handling, the decimal context) are reset after each. Anything heavier ends the worker, and with it
  SymPy's and mpmath's caches and constants computed to huge precision (issue 20: a request that
  computed ln 2 to 700,000 bits made the next one run for 210 s). Reuse is what keeps a solve's cost
  near an in-process one: a fork per solve costs 10-15 ms of CPU in page-table copies and faults.
- *Forking is safe.* Only single-threaded processes fork: the serving process once (the zygote, before
  its threads start), the zygote for every child. A single-threaded caller (the command line, an exam
  build job) forks its children directly (`Sandbox.direct()`).
- *Limits.* The child sets RLIMIT_AS to its current address space plus `memory_mb` (an allocation past
  it raises MemoryError, reported as the memory limit), RLIMIT_CPU a little past its wall-clock
  allowance, RLIMIT_CORE 0, and an alarm() as a backstop; the parent kills it (SIGKILL) at its deadline.
- *Phases and the fallback.* A solve's first phase (validation and the exact path) has until the exact
  budget (`STEPWISE_EXACT_BUDGET`, CPU seconds, checked cooperatively inside the child) plus
  `grace_seconds` of wall-clock time. When the child falls back to the numeric path itself (the
  cooperative budget ran out) or takes it from the start, it says so and gets `numeric_seconds` from
  then on. A child killed in its first phase is replaced by one that solves on the numeric path, whose
  first step says which limit stopped the exact working (wall-clock time or memory) and what it was.
  A child killed on the numeric path ends the request with `SolveTooCostly`, an InvalidInput (a 400
  naming the limits). So no input holds a worker longer than
  exact budget + grace (1 s) + numeric budget, plus a fork.
- *Results* come back as the Solution's JSON (the documented contract, `Solution.from_json`); invalid
  input as its field and message; a bug in the child as its traceback, raised in the parent as
  `SandboxError` (a 500 with a reference, the traceback in the log).
- *Jobs* (exam builds, `web.jobs`) run in a child the same way, with one overall deadline, progress
  messages (`progress(done, total, what)`) and their solves in grandchildren forked directly.

Where there is no fork (Windows), `supported()` is False and solves run in the calling process under
the cooperative budget only. The Python API (`solver.solve`) solves in-process unless a sandbox is
installed (`install`); the server and the command line install one.

Settings (environment): STEPWISE_EXACT_BUDGET (seconds, default 3; solver.registry),
STEPWISE_NUMERIC_BUDGET (seconds of wall-clock time for the numeric path, default 8),
STEPWISE_SOLVE_MEMORY_MB (address space a child may add, default 1024), STEPWISE_SANDBOX=0 (off).
"""
from __future__ import annotations

import gc
import json
import logging
import math
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!cI")  # message kind (J job, P progress, R result, E error) and payload length
_MAX_MESSAGE = 1 << 30


def supported() -> bool:
    """True where worker processes can be forked (POSIX)."""
    return os.name == "posix" and hasattr(os, "fork") and hasattr(socket, "send_fds")


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """What one solve may use. `grace_seconds`: wall-clock time past the exact budget before the kill;
    `numeric_seconds`: wall-clock time for the numeric path; `memory_mb`: address space a child may add;
    `max_seconds`: the first phase's limit when the exact budget is switched off (inf)."""

    grace_seconds: float = 1.0
    numeric_seconds: float = 8.0
    memory_mb: int = 1024
    max_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(numeric_seconds=max(0.5, _env_float("STEPWISE_NUMERIC_BUDGET", 8.0)),
                   memory_mb=max(64, int(_env_float("STEPWISE_SOLVE_MEMORY_MB", 1024))))


@dataclass(frozen=True)
class Stop:
    """Why a child was stopped: `reason` is "wall_clock" or "memory"; `limit` its value (s or MB)."""

    reason: str
    limit: float
    phase: str = "exact"

    def to_json(self) -> dict:
        return {"reason": self.reason, "limit": self.limit, "phase": self.phase}


class Stopped(Exception):
    """A child ran past a limit and was stopped (or ended without an answer)."""

    def __init__(self, stop: Stop):
        super().__init__(f"stopped by the {stop.reason} limit ({stop.limit:g}) in the {stop.phase} phase")
        self.stop = stop


class SandboxError(RuntimeError):
    """A bug inside a child (its traceback is the message), or the sandbox itself failing."""


_TOO_COSTLY: type | None = None


def _too_costly() -> type:
    """SolveTooCostly, an InvalidInput (a 400, not a 500): neither the exact nor the numeric working fits
    the server's limits. Made on first use, so that importing this module stays light."""
    global _TOO_COSTLY
    if _TOO_COSTLY is None:
        from .params import InvalidInput

        _TOO_COSTLY = type("SolveTooCostly", (InvalidInput,), {"__doc__": _too_costly.__doc__, "__module__": __name__})
    return _TOO_COSTLY


# -- framing ---------------------------------------------------------------------------------------

def _send(sock: socket.socket, kind: bytes, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(kind, len(payload)) + payload)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(sock: socket.socket) -> tuple[bytes, bytes]:
    kind, n = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    if n > _MAX_MESSAGE:
        raise SandboxError("a worker sent an oversized message")
    return kind, _recv_exact(sock, n)


# -- the child side --------------------------------------------------------------------------------

_CHILD: "_ChildContext | None" = None  # set in a child process


class _ChildContext:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.fell_back = False

    def send(self, kind: bytes, obj: Any) -> None:
        _send(self.sock, kind, json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8"))


def in_child() -> bool:
    return _CHILD is not None


def entering_numeric(fallback: bool = False) -> None:
    """Called by the registry when a solve takes the numeric path (`fallback`: because the exact path ran
    out of budget): in a child, the parent's deadline becomes the numeric allowance from now on (and the
    child's own limits with it)."""
    if _CHILD is not None:
        _CHILD.fell_back = _CHILD.fell_back or fallback
        _CHILD.send(b"P", {"phase": "numeric"})
        _set_time_limits(_CHILD_LIMITS.numeric_seconds)


def progress(done: int, total: int, what: str = "") -> None:
    """Report a job's progress to the parent (a no-op outside a child)."""
    if _CHILD is not None:
        _CHILD.send(b"P", {"done": int(done), "total": int(total), "what": str(what)[:200]})


_CHILD_LIMITS = Limits()


def _vm_size_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _set_memory_limit(memory_mb: int) -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):  # pragma: no cover
        pass
    base = _vm_size_bytes()
    if base is not None and hasattr(resource, "RLIMIT_AS"):
        cap = base + memory_mb * 1024 * 1024
        try:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                cap = min(cap, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (ValueError, OSError):  # pragma: no cover
            pass


def _set_time_limits(seconds: float) -> None:
    """This job's CPU-time limit (SIGXCPU ends the process) and a wall-clock alarm (SIGALRM ends it), both
    a little past what the parent allows, as backstops: the parent kills the child at its deadline."""
    import resource

    allowance = int(math.ceil(seconds)) + 2
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        want = int(_cpu_seconds()) + allowance
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (want, hard))
    except (ValueError, OSError):  # pragma: no cover
        pass
    signal.alarm(allowance)


def _reset_process_state() -> None:
    """Process-wide settings a family might change and not restore, put back after every job."""
    import decimal

    decimal.setcontext(decimal.Context())
    mp = sys.modules.get("mpmath")
    if mp is not None:
        mp.mp.prec = 53
    np = sys.modules.get("numpy")
    if np is not None:
        np.seterr(all="warn", under="ignore")


#: A worker serves further solves only after a light one: under this much CPU time, no fallback, and its
#: memory within REUSE_RSS_GROWTH of what it had when it started; and at most REUSE_SOLVES solves.
REUSE_CPU_SECONDS = 0.5
REUSE_RSS_GROWTH = 64 * 1024 * 1024
REUSE_SOLVES = 200


def _child_main(sock: socket.socket, limits: Limits) -> None:
    """Serve jobs in this (freshly forked) process until one is not light, then exit; never returns."""
    global _CHILD, _CHILD_LIMITS, _installed
    code = 0
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                    signal.SIGCHLD, signal.SIGALRM, signal.SIGXCPU):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the parent, which stops us
        _installed = None
        _CHILD = ctx = _ChildContext(sock)
        sock.settimeout(None)
        memory_set = None
        start_rss = _rss_bytes()
        served = 0
        while True:
            try:
                kind, payload = _recv(sock)
            except (EOFError, ConnectionError):
                break  # the parent closed the pool
            job = pickle.loads(payload)  # from our own parent process, never from a user
            seconds = float(job.get("seconds") or limits.max_seconds)
            memory_mb = int(job.get("memory_mb") or limits.memory_mb)
            if memory_set is None:
                _set_memory_limit(memory_mb)
                memory_set = memory_mb
            _CHILD_LIMITS = replace(limits, memory_mb=memory_set)
            _set_time_limits(seconds + limits.numeric_seconds)
            ctx.fell_back = False
            cpu0 = _cpu_seconds()
            reserve = bytearray(1 << 20)  # given back to report a MemoryError
            reusable = False
            try:
                result = _run(job)
                served += 1
                rss = _rss_bytes()
                reusable = (job["kind"] == "solve" and served < REUSE_SOLVES and not ctx.fell_back
                            and _cpu_seconds() - cpu0 < REUSE_CPU_SECONDS
                            and (rss is None or start_rss is None or rss - start_rss < REUSE_RSS_GROWTH))
                ctx.send(b"R", {"result": result, "reuse": reusable})
            except MemoryError:
                del reserve
                gc.collect()
                ctx.send(b"E", {"type": "memory"})
            except Exception as e:
                from .params import InvalidInput

                if isinstance(e, InvalidInput):
                    reusable = served + 1 < REUSE_SOLVES and _cpu_seconds() - cpu0 < REUSE_CPU_SECONDS
                    served += 1
                    ctx.send(b"E", {"type": "invalid", "field": e.field, "message": e.message, "reuse": reusable})
                else:
                    ctx.send(b"E", {"type": "bug", "error": f"{type(e).__name__}: {e}"[:2000],
                                    "traceback": traceback.format_exc()[-20000:]})
            signal.alarm(0)
            if not reusable:
                break
            _reset_process_state()
    except BaseException:  # pragma: no cover - the parent sees EOF
        code = 1
    finally:
        try:
            sock.close()
        finally:
            os._exit(code)


def _run(job: Mapping[str, Any]) -> Any:
    if job["kind"] == "solve":
        from . import registry

        stop = Stop(**job["stop"]) if job.get("stop") else None
        fam = registry._loaded.get(job["family"]) or registry.get(job["family"])
        sol = fam.solve_here(job["params"], job["conventions"], path=job["path"], budget=job["budget"],
                                            precision=job["precision"], stopped=stop)
        return sol.to_json()
    if job["kind"] == "call":
        import importlib

        module, _, name = job["function"].partition(":")
        fn = getattr(importlib.import_module(module), name)
        box = Sandbox.direct(_CHILD_LIMITS) if job.get("sandbox_solves", True) and supported() else None
        install(box)  # a job's own solves run in grandchildren, each under the usual limits
        try:
            return fn(*job.get("args", ()), **job.get("kwargs", {}))
        finally:
            install(None)
            if box is not None:
                box.close()
    raise SandboxError(f"unknown job kind {job['kind']!r}")


# -- spawning children -----------------------------------------------------------------------------

class _Direct:
    """Fork children from this process (it must be single-threaded: the command line, a job)."""

    def __init__(self, limits: Limits):
        self.limits = limits

    def spawn(self) -> tuple[int, socket.socket]:
        a, b = socket.socketpair()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            a.close()
            _child_main(b, self.limits)
        b.close()
        return pid, a

    def reap(self, pid: int) -> None:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def close(self) -> None:
        pass


class _Zygote:
    """A single-threaded fork server, forked from this process while it is single-threaded."""

    def __init__(self, limits: Limits, close_fds=()):
        self.limits = limits
        self._close_fds = tuple(close_fds)
        self._lock = threading.Lock()
        self.closed = False
        self._fork_zygote()

    def _fork_zygote(self) -> None:
        limits, close_fds = self.limits, self._close_fds
        ours, theirs = socket.socketpair()
        life_r, life_w = os.pipe()
        frozen_before = gc.get_freeze_count()
        gc.collect()
        gc.freeze()  # the warm objects stay untouched by the children's collector (copy-on-write)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the zygote
            try:
                ours.close()
                os.close(life_w)
                # keep only stdin/out/err and our two channels: nothing of the serving process (its
                # listening socket, client connections, other workers' sockets) lives on in the zygote
                keep = sorted({theirs.fileno(), life_r})
                lo = 3
                for fd in keep:
                    if fd > lo:
                        os.closerange(lo, fd)
                    lo = fd + 1
                os.closerange(lo, _max_fd())
                _zygote_loop(theirs, life_r, limits)
            finally:
                os._exit(0)
        if frozen_before == 0:
            gc.unfreeze()  # the freeze served the zygote; this process (a server, or a program calling us) collects as before
        theirs.close()
        os.close(life_r)
        self.pid, self.sock, self._life_w = pid, ours, life_w

    def _ask(self, fd: int) -> int:
        socket.send_fds(self.sock, [b"F"], [fd])
        (pid,) = struct.unpack("!q", _recv_exact(self.sock, 8))
        return pid

    def spawn(self) -> tuple[int, socket.socket]:
        a, b = socket.socketpair()
        try:
            with self._lock:
                if self.closed:
                    raise SandboxError("the sandbox is closed")
                try:
                    pid = self._ask(b.fileno())
                except (OSError, EOFError) as e:
                    # the zygote died (killed from outside): fork a new one. This process may have threads
                    # by now; the new zygote touches nothing but its socket, and Python re-creates the
                    # import and logging locks in a forked child.
                    log.error("the solve zygote is gone (%s); starting a new one", e)
                    self.sock.close()
                    os.close(self._life_w)
                    try:
                        os.waitpid(self.pid, os.WNOHANG)
                    except ChildProcessError:
                        pass
                    self._fork_zygote()
                    try:
                        pid = self._ask(b.fileno())
                    except (OSError, EOFError) as e2:
                        raise SandboxError(f"the worker zygote is gone ({e2})") from None
        except BaseException:
            a.close()
            raise
        finally:
            b.close()
        return pid, a

    def reap(self, pid: int) -> None:
        pass  # the zygote reaps its children (SIGCHLD ignored there)

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self.sock.close()
            os.close(self._life_w)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _max_fd() -> int:
    try:
        return min(os.sysconf("SC_OPEN_MAX"), 1 << 20)
    except (ValueError, OSError):  # pragma: no cover
        return 1 << 16


def _zygote_loop(sock: socket.socket, life_r: int, limits: Limits) -> None:  # pragma: no cover - the zygote
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server; we follow it through the lifeline
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH):
        signal.signal(sig, signal.SIG_DFL)
    while True:
        ready, _, _ = select.select([sock, life_r], [], [])
        if life_r in ready:
            return  # the serving process is gone
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1, 1)
        except OSError:
            return
        if not msg:
            return
        if not fds:
            continue
        pid = os.fork()
        if pid == 0:
            sock.close()
            os.close(life_r)
            _child_main(socket.socket(fileno=fds[0]), limits)
        os.close(fds[0])
        sock.sendall(struct.pack("!q", pid))


# -- the parent side -------------------------------------------------------------------------------

class Sandbox:
    """Runs solves and jobs in child processes with limits (see the module docstring)."""

    #: idle workers kept for the next solve (each is a process holding its copy-on-write pages)
    max_idle = 4

    def __init__(self, spawner, limits: Limits):
        self._spawner = spawner
        self.limits = limits
        self._idle: list[tuple[int, socket.socket]] = []
        self._idle_lock = threading.Lock()
        self._closed = False

    @classmethod
    def start(cls, limits: Limits | None = None, *, close_fds=()) -> "Sandbox":
        """A sandbox whose children come from a zygote forked now (call it while single-threaded, warm)."""
        limits = limits or Limits.from_env()
        return cls(_Zygote(limits, close_fds), limits)

    @classmethod
    def direct(cls, limits: Limits | None = None) -> "Sandbox":
        """A sandbox that forks children from this (single-threaded) process."""
        limits = limits or Limits.from_env()
        return cls(_Direct(limits), limits)

    def close(self) -> None:
        with self._idle_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for pid, sock in idle:
            self._retire(pid, sock)
        self._spawner.close()

    # -- one child ---------------------------------------------------------------------------------
    def _take(self) -> tuple[int, socket.socket]:
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        return self._spawner.spawn()

    def _give_back(self, pid: int, sock: socket.socket) -> None:
        with self._idle_lock:
            if not self._closed and len(self._idle) < self.max_idle:
                self._idle.append((pid, sock))
                return
        self._retire(pid, sock)

    def _retire(self, pid: int, sock: socket.socket, kill: bool = False) -> None:
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sock.close()  # an idle worker reads EOF and exits
        self._spawner.reap(pid)

    def call(self, job: dict, seconds: float, *, on_progress: Callable[[dict], None] | None = None,
             on_start: Callable[[int], None] | None = None, numeric_seconds: float | None = None) -> Any:
        """Run `job` in a worker with `seconds` of wall-clock time (a "numeric" phase message restarts the
        clock with `numeric_seconds`); its result, or Stopped / InvalidInput / SandboxError. A worker that
        reports its job was light is kept for the next job; any other is retired (or killed)."""
        numeric_seconds = self.limits.numeric_seconds if numeric_seconds is None else numeric_seconds
        job = dict(job, seconds=seconds)
        pid, sock = self._take()
        outcome = "kill"  # "kill" (deadline, or an error on our side), "retire" (ended its job) or "reuse"
        phase, limit = "exact", seconds
        try:
            if on_start is not None:
                on_start(pid)
            try:
                _send(sock, b"J", pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            except OSError:  # an idle worker that died meanwhile: one retry with a fresh one
                self._retire(pid, sock, kill=True)
                pid, sock = self._spawner.spawn()
                _send(sock, b"J", pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            deadline = time.monotonic() + seconds
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Stopped(Stop("wall_clock", limit, phase))
                sock.settimeout(remaining)
                try:
                    kind, payload = _recv(sock)
                except (socket.timeout, TimeoutError):
                    raise Stopped(Stop("wall_clock", limit, phase)) from None
                except (EOFError, ConnectionError):
                    outcome = "retire"  # it ended without an answer: killed by a limit (in practice memory)
                    raise Stopped(Stop("memory", job.get("memory_mb") or self.limits.memory_mb, phase)) from None
                msg = json.loads(payload)
                if kind == b"P":
                    if msg.get("phase") == "numeric" and job["kind"] == "solve":
                        phase, limit = "numeric", numeric_seconds
                        deadline = time.monotonic() + numeric_seconds
                    elif on_progress is not None:
                        on_progress(msg)
                    continue
                outcome = "reuse" if msg.get("reuse") else "retire"
                if kind == b"R":
                    return msg["result"]
                if msg.get("type") == "invalid":
                    from .params import InvalidInput

                    raise InvalidInput(msg["field"], msg["message"])
                if msg.get("type") == "memory":
                    raise Stopped(Stop("memory", job.get("memory_mb") or self.limits.memory_mb, phase))
                log.error("a worker process failed: %s\n%s", msg.get("error"), msg.get("traceback", ""))
                raise SandboxError(msg.get("error", "a worker process failed"))
        finally:
            if outcome == "reuse":
                sock.settimeout(None)
                self._give_back(pid, sock)
            else:
                self._retire(pid, sock, kill=outcome == "kill")

    # -- a solve -----------------------------------------------------------------------------------
    def solve(self, family: str, params, conventions, *, path: str = "auto", budget: float | None = None,
              precision=None):
        """Family.solve in a child: the exact path under its budget, the numeric path when it is stopped."""
        from . import registry
        from .steps import Solution

        budget = registry.EXACT_TIME_BUDGET if budget is None else budget
        first = budget + self.limits.grace_seconds if math.isfinite(budget) else self.limits.max_seconds
        job = {"kind": "solve", "family": family, "params": dict(params or {}), "conventions": dict(conventions or {}),
               "path": path, "budget": budget, "precision": precision, "stop": None}
        try:
            return Solution.from_json(self.call(job, first))
        except Stopped as e:
            stop = e.stop
        if stop.phase == "numeric" or path == "numeric":
            raise _too_costly_error(stop, None)
        try:
            data = self.call(dict(job, path="numeric", stop=stop.to_json()), self.limits.numeric_seconds)
        except Stopped as e:
            raise _too_costly_error(stop, e.stop) from None
        return Solution.from_json(data)


def _too_costly_error(first: Stop, second: Stop | None):
    what = {"wall_clock": "time", "memory": "memory"}
    if second is None:
        detail = f"the numeric working ran past its {what[first.reason]} limit ({_limit_text(first)})"
    else:
        detail = (f"the exact working ran past its {what[first.reason]} limit ({_limit_text(first)}) and the numeric "
                  f"working past its {what[second.reason]} limit ({_limit_text(second)})")
    return _too_costly()("params", f"This problem is too large to work out on this server: {detail}. "
                                   "Smaller numbers, fewer steps or a simpler expression will work.")


def _limit_text(stop: Stop) -> str:
    return f"{stop.limit:g} s" if stop.reason == "wall_clock" else f"{stop.limit:g} MB"


def describe_stop(stop: Stop) -> tuple[str, str]:
    """The note step's title and the clause naming the limit, in the user's words."""
    if stop.reason == "memory":
        return ("Numeric working: the exact working needed too much memory",
                f"needed more than its memory limit of {stop.limit:g} MB, so it was stopped")
    return ("Numeric working: the exact working took too long",
            f"was stopped at its time limit of {stop.limit:g} s (wall-clock time)")


# -- the installed sandbox -------------------------------------------------------------------------

_installed: Sandbox | None = None


def install(box: Sandbox | None) -> Sandbox | None:
    """Make `box` the sandbox every registry solve goes through (None: solve in-process); returns the old one."""
    global _installed
    old, _installed = _installed, box
    return old


def current() -> Sandbox | None:
    """The installed sandbox (never inside a solve child, which solves in-process)."""
    return _installed


def enabled_by_env() -> bool:
    return supported() and os.environ.get("STEPWISE_SANDBOX", "1").strip().lower() not in ("0", "false", "no", "off")
