"""The optional accelerator: Numba's compiled loops where they pay, the NumPy path everywhere else.

Two uses, both optional (`pip install stepwise[fast]`; without Numba, or with STEPWISE_ACCEL=numpy in the
environment, everything runs on the NumPy path and the solution says so):

- large instances: from `FUSED_MIN` parameters, one step's update of every optimizer family is one compiled loop
  over the entries (`_jit.adam_step`, ...) instead of a dozen NumPy passes; the same operations in the same order,
  so the same numbers;
- long runs: from `LOOP_MIN` steps on given gradients or on a loss or gradient expression in a few parameters,
  the gradient is compiled once into a postfix program (`compile_gradient`, from the parsed SymPy expression: never from text) and the
  whole run is one call (`_jit.adam_loop`, `momentum_loop`, ...: every family but NAdam and centered RMSProp, whose
  `Method.loop` is absent or declines; the sigmoid neuron's `neuron_loop`).

Numba (and LLVM) is imported only when an instance is large or long (`jit()`), so small solves never pay for it;
its kernels are compiled once per machine (`cache=True`).
"""
from __future__ import annotations

import functools
import importlib.util

import numpy as np
import sympy as sp

from solver.accel import ENV, switched_off  # noqa: F401 (ENV: the tests' name for the switch)
from solver.functions import relu, sigmoid

FUSED_MIN = 1 << 16             # parameters from which one step's update is a compiled loop
LOOP_MIN = 1000                 # steps from which a whole run on few parameters is one compiled call
LOOP_MAX_PARAMS = 64            # ... on at most this many parameters
MAX_PROGRAM = 20_000            # operations of a compiled gradient (a longer one stays on the NumPy path)

STEPS_NUMPY = 100_000           # the most steps the NumPy path takes (a Python iteration each: about 1.5 s of Adam)
STEPS_COMPILED = 10_000_000     # the most steps of a compiled run ...
RUN_SECONDS = 1.0               # ... whose estimated time (below) stays within this


def program_seconds(program, n: int, steps: int) -> float:
    """The estimated time of a compiled optimizer run: a few nanoseconds per operation of the gradient program,
    plus the update's own per parameter (measured: Adam on a 16-operation gradient of 2 parameters, 180 ns a step)."""
    return steps * (len(program[0]) + 30 + 10 * n) * 3.5e-9


def neuron_seconds(points: int, dim: int, steps: int) -> float:
    """The estimated time of a compiled sigmoid-neuron run (two exponentials per point and step; measured: 2 points
    of dimension 1, 200 to 300 ns a step)."""
    return steps * points * (dim + 10) * 12e-9


def too_long(steps: int, why: str) -> str:
    """The InvalidInput message's tail for steps beyond what the NumPy path runs: the limit and why, in words."""
    return f"must be at most {STEPS_NUMPY} here: {why}. Got {steps} instead."


# what ran, as the numeric path's note says it ("Adam ran 20 steps on 10000000 parameters <text>")
FUSED_TEXT = "in float64, each step's update as one compiled loop over the entries (Numba)"
LOOP_TEXT = "in float64, the whole run as one compiled loop (Numba) with the gradient compiled once"
LOOP_ROWS_TEXT = "in float64, the whole run as one compiled loop (Numba) over the given gradients"
NUMPY_TEXT = "in float64 NumPy, in place and vectorised"


def available() -> bool:
    """Numba is installed and not switched off (STEPWISE_ACCEL=numpy). Imports nothing."""
    return not switched_off() and _installed()


@functools.lru_cache(maxsize=1)
def _installed() -> bool:
    return importlib.util.find_spec("numba") is not None


def jit():
    """The compiled kernels (imports Numba on first use); None when unavailable or broken."""
    if not available():
        return None
    return _load()


@functools.lru_cache(maxsize=1)
def _load():
    try:
        from . import _jit
    except Exception:   # pragma: no cover - a broken Numba install: the NumPy path still works
        return None
    return _jit


# ---- the gradient as a program ---------------------------------------------------------------------------
class Unsupported(Exception):
    """The expression has a part the compiled program does not evaluate (it stays on the NumPy path)."""


@functools.lru_cache(maxsize=128)
def compile_gradient(exprs: tuple[sp.Expr, ...], syms: tuple[sp.Symbol, ...]):
    """(code, arg, consts, registers, stack depth) evaluating the gradient components exprs at the values of syms,
    or None when an expression has a part the program cannot evaluate. The expressions are the parsed loss's
    derivatives (or a parsed gradient): SymPy trees, walked here; common parts are computed once (sympy.cse)."""
    from . import _jit_ops as OP
    try:
        # the common parts' names cannot meet a parameter's (cse skips names in use; these carry a leading _)
        replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_common"), optimizations=None,
                                       order="none")
    except Exception:   # pragma: no cover - cse on an unusual tree
        replacements, reduced = [], list(exprs)
    prog = _Program(OP, {s: i for i, s in enumerate(syms)})
    try:
        for k, (name, e) in enumerate(replacements):
            prog.emit(e)
            prog.op(OP.STORE, k)
            prog.regs[name] = k
        for j, e in enumerate(reduced):
            prog.emit(e)
            prog.op(OP.OUT, j)
    except (Unsupported, RecursionError, OverflowError, TypeError, ValueError):
        return None
    if len(prog.code) > MAX_PROGRAM:
        return None
    return (np.array(prog.code, dtype=np.int64), np.array(prog.arg, dtype=np.int64),
            np.array(prog.consts or [0.0], dtype=np.float64), len(replacements), prog.max_depth)


class _Program:
    def __init__(self, OP, vars_):
        self.OP, self.vars = OP, vars_
        self.regs: dict = {}
        self.code: list[int] = []
        self.arg: list[int] = []
        self.consts: list[float] = []
        self.depth = self.max_depth = 0

    def op(self, code: int, a: int = 0, push: int = 0) -> None:
        self.code.append(code)
        self.arg.append(a)
        self.depth += push
        self.max_depth = max(self.max_depth, self.depth)
        if len(self.code) > MAX_PROGRAM:
            raise Unsupported("too long")

    def const(self, v) -> None:
        self.consts.append(float(v))
        self.op(self.OP.CONST, len(self.consts) - 1, 1)

    def emit(self, e) -> None:
        OP = self.OP
        if e in self.regs:
            return self.op(OP.LOAD, self.regs[e], 1)
        if e in self.vars:
            return self.op(OP.VAR, self.vars[e], 1)
        if e.is_Number or e.is_NumberSymbol:
            if not e.is_real:
                raise Unsupported("complex constant")
            return self.const(sp.Float(e, 17) if not e.is_Float else e)
        if isinstance(e, sp.Symbol):
            raise Unsupported(f"free symbol {e}")
        f, args = e.func, e.args
        if f in (sp.Add, sp.Mul):
            self.emit(args[0])
            for a in args[1:]:
                self.emit(a)
                self.op(OP.ADD if f is sp.Add else OP.MUL, 0, -1)
            return None
        if f is sp.Pow:
            base, ex = args
            simple = {2: OP.SQUARE, -1: OP.RECIP, sp.Rational(1, 2): OP.SQRT}
            if ex in simple:
                self.emit(base)
                return self.op(simple[ex])
            if ex == sp.Rational(-1, 2):
                self.emit(base)
                self.op(OP.SQRT)
                return self.op(OP.RECIP)
            if base == sp.E:
                self.emit(ex)
                return self.op(OP.EXP)
            self.emit(base)
            self.emit(ex)
            return self.op(OP.POW, 0, -1)
        if f is sp.Heaviside:   # the derivative of relu, Max and Min; H(0) as SymPy states it (1/2 unless given)
            self.emit(args[0])
            self.const(args[1] if len(args) > 1 else sp.Rational(1, 2))
            return self.op(OP.HEAVISIDE, 0, -1)
        if f in (sp.Max, sp.Min):
            self.emit(args[0])
            for a in args[1:]:
                self.emit(a)
                self.op(OP.MAX if f is sp.Max else OP.MIN, 0, -1)
            return None
        unary = _unary(OP).get(f)
        if unary is None or len(args) != 1:
            raise Unsupported(f"function {f}")
        self.emit(args[0])
        return self.op(unary)


@functools.lru_cache(maxsize=1)
def _unary_table(OP):
    return {sp.exp: OP.EXP, sp.log: OP.LOG, sp.sin: OP.SIN, sp.cos: OP.COS, sp.tan: OP.TAN, sp.tanh: OP.TANH,
            sp.Abs: OP.ABS, sigmoid: OP.SIGMOID, relu: OP.RELU, sp.atan: OP.ATAN, sp.asin: OP.ASIN,
            sp.acos: OP.ACOS, sp.sinh: OP.SINH, sp.cosh: OP.COSH, sp.sign: OP.SIGN}


def _unary(OP):
    return _unary_table(OP)


def evaluate_program(program, x) -> np.ndarray:
    """The program's gradient at x (tests and checks): one call of the compiled evaluator."""
    J = jit()
    code, arg, consts, nregs, depth = program
    out = np.empty(len(x))
    J.run_program(code, arg, consts, np.asarray(x, dtype=np.float64), np.empty(max(nregs, 1)),
                  np.empty(max(depth, 1)), out)
    return out


#: The solves that compile every kernel once (`warm`): each optimizer family's fused update on a large vector, its
#: whole-run loop on a loss and on given gradients, and the sigmoid neuron's loop.
def _warm_solves():
    big = np.full(FUSED_MIN, 0.5)
    for family in ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "nadam"):
        if family != "nadam":  # NAdam has no whole-run loop
            yield family, {"loss": "x**2 + y**2", "w0": "1 1", "steps": 5 * LOOP_MIN}
            yield family, {"grads": [0.5, -0.25], "w0": "1 1", "steps": 5 * LOOP_MIN}
        yield family, {"loss": "w**2", "w0": big, "steps": 2}
    yield "sigmoid_neuron", {"x": "0 1", "y": "1 0", "w": "0.5", "b": "0", "eta": "0.1", "steps": LOOP_MIN}


def warm() -> int:
    """Compile (or load from the on-disk cache) every kernel by solving tiny instances that take the compiled
    paths, so a server's first long or large solve does not pay the compilation (several seconds each, cold).
    Returns how many solves ran; 0 without Numba. `python -m problems._optim.accel` runs it (`stepwise serve` does,
    in the background)."""
    if not available():
        return 0
    from solver import registry

    done = 0
    for family, params in _warm_solves():
        try:
            registry.get(family).solve(params, path="numeric")
            done += 1
        except Exception:  # noqa: BLE001 - a warm-up that fails leaves that kernel to compile on first use
            pass
    return done


if __name__ == "__main__":
    warm()
