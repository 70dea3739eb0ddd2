"""The numeric driver: a `Method` in float64 NumPy, in place, blocked and threaded over the parameter vector.

`NumCtx` holds the parameters, the histories and scratch space; `blocks` runs a kernel over cache-sized blocks
of the arrays (the parts in parallel threads for large vectors). `run_numeric` runs every step; `solve_numeric`
adds the summary steps and the answers.
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from typing import Any

import numpy as np

from solver import format as F
from solver.symbolic import Derivation

from . import accel
from .exact import answer, coupled_decay, start_step_text, to_float
from .plot import trajectory_svg
from .rules import decoupled_decay
from .setup import Method, Setup, build
from .warn import growth, warn_diverged

BLOCK = 1 << 13          # entries per block: the dozen in-place passes of one step stay in L2 cache
SMALL = 10_000           # at most this many parameters: answers list every entry
FUSED_CHUNK = 1 << 18    # entries per chunk of a compiled update shared out among the threads
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="stepwise-optim")
        return _POOL


class Floats(dict):
    """The hyperparameters as float64, each converted once (float() of an exact Rational costs microseconds, and a
    run may take 100,000 steps): `c.h["lr"]`. A value beyond float64's range is +-inf."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def __missing__(self, key):
        value = self[key] = to_float(self.p[key])
        return value


class NumCtx:
    """State of the vectorised path: the parameters, the histories and scratch space, all float64; `h` holds the
    hyperparameters as floats."""

    def __init__(self, p, conv, setup: Setup, method: Method):
        self.p, self.conv, self.setup, self.method = p, conv, setup, method
        self.h = Floats(p)
        self.n = setup.n
        self.w = setup.w0                   # a private float64 copy (build() copies)
        self.st = {k: v for k, v in setup.hist.items()}
        self.i = 0
        self.t = setup.t0 + 1
        self.last = False
        self.small = self.n <= SMALL
        self.out: dict[str, Any] = {}       # last-step quantities for the answers (small problems only)
        self.before_last = None             # w before the last step (small problems): was it finite?
        self.wd = to_float(p.get("weight_decay", 0)) if coupled_decay(p, conv) else 0.0
        self._bufs: dict[str, np.ndarray] = {}
        nb = min(BLOCK, self.n)
        self._parts = _partition(self.n, _workers() if self.n >= 4 * BLOCK else 1)
        self._scratch = [[np.empty(nb) for _ in range(3)] for _ in self._parts]
        self.engine = accel.NUMPY_TEXT   # what ran (the accelerated paths say so)
        # the compiled kernels for a large vector (Numba imported only here); None: the NumPy kernels
        self.jit = accel.jit() if self.n >= accel.FUSED_MIN else None

    def buf(self, name: str) -> np.ndarray:
        b = self._bufs.get(name)
        if b is None:
            b = self._bufs[name] = np.empty(self.n)
        return b

    def grad(self, at: np.ndarray) -> np.ndarray:
        """The gradient at `at` (the parameters or a look-ahead point), weight decay added."""
        g = self.setup.source.numeric(at, self.i)
        if self.wd:
            out = self.buf("g")
            np.multiply(at, self.wd, out=out)
            out += g
            g = out
        if self.last and self.small:
            self.out["g"] = np.array(g, dtype=np.float64)
        return g

    def blocks(self, fn: Callable, *arrays: np.ndarray, **kw) -> None:
        """fn(*views, scratch, **kw) over cache-sized blocks of the arrays, the parts in parallel threads. In the
        calling thread the caller's np.errstate holds (advance sets it); worker threads set their own."""
        if len(self._parts) == 1:
            if self.n <= BLOCK:      # one block: the arrays themselves (most problems; no views to make per step)
                fn(*arrays, self._scratch[0], **kw)
            else:
                _blocks(fn, arrays, 0, self.n, self._scratch[0], kw)
            return
        futures = [_pool().submit(_run_part, fn, arrays, a, b, scr, kw)
                   for (a, b), scr in zip(self._parts[1:], self._scratch[1:])]
        a, b = self._parts[0]
        _run_part(fn, arrays, a, b, self._scratch[0], kw)
        for f in futures:
            f.result()

    def fused(self, fn: Callable, arrays: tuple[np.ndarray, ...], *scalars) -> None:
        """fn(*arrays, *scalars), a compiled kernel (self.jit), over chunks of the vector in parallel threads (it
        releases the GIL): each thread takes the next chunk until none is left, so a thread the machine delays
        holds up no other. An array shorter than the parameters (an unused history) is passed whole."""
        self.engine = accel.FUSED_TEXT
        n = self.n
        if len(self._parts) == 1:
            fn(*arrays, *scalars)
            return
        starts = iter(range(0, n, FUSED_CHUNK))   # shared: next() on it is atomic

        def work():
            for a in starts:
                b = min(a + FUSED_CHUNK, n)
                fn(*[x[a:b] if x.shape[0] == n else x for x in arrays], *scalars)
        futures = [_pool().submit(work) for _ in self._parts[1:]]
        work()
        for f in futures:
            f.result()


def decoupled_numeric(c: NumCtx) -> None:
    """Decoupled weight decay in place (torch's AdamW: w *= 1 - lr wd), after the gradient was taken."""
    if decoupled_decay(c.p, c.conv):
        c.w *= 1.0 - c.h["lr"] * c.h["weight_decay"]


def _partition(n: int, k: int) -> list[tuple[int, int]]:
    edges = [round(i * n / k) for i in range(k + 1)]
    return [(edges[i], edges[i + 1]) for i in range(k)]


def _blocks(fn, arrays, a, b, scratch, kw):
    for lo in range(a, b, BLOCK):
        hi = min(lo + BLOCK, b)
        m = hi - lo
        fn(*(x[lo:hi] if x.ndim else x for x in arrays), [s[:m] for s in scratch], **kw)


def _run_part(fn, arrays, a, b, scratch, kw):
    with np.errstate(all="ignore"):   # a worker thread: np.errstate is per thread
        _blocks(fn, arrays, a, b, scratch, kw)


def solve_numeric(p, conv, method: Method) -> Derivation:
    """The same method in float64 NumPy, in place; a few summary steps and the answers."""
    c = prepare_numeric(p, conv, method)
    setup = c.setup
    with np.errstate(over="ignore", invalid="ignore"):   # a start near 1e308: its size is inf, said below
        start_loss = _loss_at(setup, c.w) if setup.source.kind != "grads" else None
        w0_size = float(np.linalg.norm(c.w)) if setup.source.kind != "grads" else None
    advance(c)
    d = Derivation()
    finite = bool(np.all(np.isfinite(c.w)))
    d.note("Numeric path", f"{method.display} ran {setup.steps} step{'s' if setup.steps > 1 else ''} on {setup.n} "
                           f"parameter{'s' if setup.n > 1 else ''} {c.engine} "
                           "(no per-step working is shown)." + _start_text(setup))
    if not finite:
        d.status = "undefined"
        # the last step's quantities computed before the undefined one (g, m, v, ... with eps = 0 and a zero
        # gradient), as the exact path gives them; none that is itself infinite or undefined
        partial = []
        before = c.before_last
        if c.small and before is not None and np.all(np.isfinite(before)):  # undefined in the last step
            for k, v in c.out.items():
                vals = np.ravel(np.asarray(v, dtype=float))
                if (k == "g" and setup.source.kind == "grads") or k in ("w", "delta_w") or not np.all(np.isfinite(vals)):
                    continue
                partial.append(answer(method.answer_names.get(k, k), float(vals[0]) if vals.size == 1 else
                                      tuple(float(x) for x in vals)))
        d.note("Undefined", "The update produced an infinite or undefined value (a zero denominator with eps = 0, "
                            "or an overflow).")
        if partial:
            d.conclude("Computed before the undefined value", answers=tuple(partial))
        if setup.source.kind != "grads" and not _zero_eps(c):
            warn_diverged(d, p, conv, method, overflow=True)
        return d
    with np.errstate(all="ignore"):   # huge inputs: overflow shows as inf in the summary, never as a warning
        _numeric_summary(d, c, method)
        end_loss = _loss_at(setup, c.w) if start_loss is not None else None
        what = growth(start_loss, end_loss, (w0_size,) if w0_size is not None else None,
                      (float(np.linalg.norm(c.w)),), setup.source.kind)
    if what:
        warn_diverged(d, p, conv, method, what=what)
    return d


def _start_text(setup: Setup) -> str:
    start = start_step_text(setup)
    return f" {start[0].upper()}{start[1:]}." if start else ""


def _loss_at(setup: Setup, w: np.ndarray):
    with np.errstate(all="ignore"):
        loss = setup.source.loss_numeric(w)
    return loss if loss is None or math.isfinite(loss) else math.inf


def _zero_eps(c: "NumCtx") -> bool:
    """An undefined value that eps = 0 explains (a zero denominator), rather than an overflow."""
    return "eps" in c.p and c.h["eps"] == 0.0


def _numeric_summary(d: Derivation, c: "NumCtx", method: Method) -> Derivation:
    setup = c.setup
    answers = []
    if c.small:
        w = tuple(float(v) for v in c.w)
        answers.append(answer("w", w[0] if setup.n == 1 else w))
        for k, v in c.out.items():
            if k == "g" and setup.source.kind == "grads":
                continue  # a given gradient is not an answer
            vals = tuple(float(x) for x in np.ravel(v))
            name = method.answer_names.get(k, k)
            answers.append(answer(name, vals[0] if len(vals) == 1 else vals))
    loss = setup.source.loss_numeric(c.w)
    if loss is not None and math.isfinite(loss):
        answers.append(answer("loss", loss))
    head = F.joined([float(v) for v in c.w[:5]], sig=6) + (", ..." if setup.n > 5 else "")
    d.conclude(f"Parameters after {setup.steps} step{'s' if setup.steps > 1 else ''}",
               text=f"First entries: ({head}); norm ||w|| = {F.text(float(np.linalg.norm(c.w)), 8)}.",
               answers=tuple(answers))
    grid = setup.source.grid_fn() if setup.source.kind in ("loss", "gradient") else None
    if grid is not None and setup.n == 2 and not setup.source.separable and c.path is not None:
        svg = trajectory_svg(grid, c.path, setup.names, setup.source.loss.text)
        if svg is not None:
            d.extras["svg"] = svg
    return d


def prepare_numeric(p, conv, method: Method) -> NumCtx:
    """The vectorised state before the first step: private copies of w0 and the histories, scratch space."""
    setup = build(p, method.name, method.histories, exact_path=False, shared_history=method.shared_history(conv))
    c = NumCtx(p, conv, setup, method)
    c.path = [c.w.tolist()] if setup.n == 2 and setup.steps <= 2000 else None
    return c


def advance(c: NumCtx) -> NumCtx:
    """Run all the steps in place (c.w, c.st); the last step's quantities land in c.out (small problems)."""
    setup = c.setup
    with np.errstate(all="ignore"):
        for i in range(_compiled_run(c), setup.steps):
            c.i, c.t, c.last = i, setup.t0 + i + 1, i == setup.steps - 1
            before = c.w.copy() if c.last and c.small else None
            c.before_last = before
            c.method.numeric_step(c)
            if before is not None:
                c.out["delta_w"] = c.w - before
            if c.path is not None:
                c.path.append(c.w.tolist())
    return c


def _compiled_run(c: NumCtx) -> int:
    """A long run on a few parameters with a gradient expression or given gradients: all steps but the last as one
    compiled call (accel; the family's `Method.loop`), returning how many ran (0: none, the NumPy loop runs them
    all). The last step runs in the NumPy loop, which keeps its quantities for the answers."""
    setup, loop = c.setup, c.method.loop
    k = setup.steps - 1
    if (loop is None or k < accel.LOOP_MIN or c.path is not None or setup.n > accel.LOOP_MAX_PARAMS
            or setup.source.kind not in ("loss", "gradient", "grads") or setup.source.separable):
        return 0
    J = accel.jit()
    program = setup.source.program_() if J is not None else None
    if program is None or not loop(c, J, program, k):
        return 0
    c.engine = accel.LOOP_ROWS_TEXT if setup.source.kind == "grads" else accel.LOOP_TEXT
    return k


def run_numeric(p, conv, method: Method) -> NumCtx:
    """Run the vectorised method; the returned context holds the final arrays (c.w, c.st) and last-step values."""
    return advance(prepare_numeric(p, conv, method))
