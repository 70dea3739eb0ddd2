"""The exact step context: one optimizer step as formula -> substitution -> value steps, and the exact driver.

`StepCtx` is what a family's per-step rule works on: `compute` (one formula step, recorded in the trace row and
an answer on the last step), `gradient` (the source's gradient, weight decay added), `update`, `keep` (the new
history value) and `value_step`. `solve_exact` runs a `Method` for the requested steps: the given start, the
rules shown once, one group per step, the trace table, the parameters and the loss, and the trajectory plot.

Step numbering: t = 1 is the first step ever taken (torch's count, and the bias correction's 1 - beta^t);
with t0 steps already taken the start is w_{t0+1} with histories u_{t0}, m_{t0}, v_{t0}. Notes 000 count
from t = 0, so their w_9, u_8 are w_10, u_9 here; every solution with t0 > 0 says so in a note.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from solver.numbers import DEFAULT_PRECISION, WORKING_DIGITS, Precision, terminating, tolerance_for
from solver.steps import Math, Step
from solver.symbolic import _SubLatex, _SubText  # the engine's substitution printers (see substituted_math)
from solver.symbolic import Derivation, equation, evaluate, latex, make_answer, number_latex, number_text, sym
from solver.symbolic import text as text_

from .plot import trajectory_svg
from .rules import G, G_DECAY, G_RAW, LAMBDA, W, W_NEXT
from .setup import Method, Setup, build

#: Column headers of the trace (LaTeX, text) by row key.
TRACE_NAMES = {
    "t": ("t", "t"), "lookahead": (r"\tilde{w}_{t}", "lookahead"), "g": ("g_{t}", "g"),
    "m": ("m_{t}", "m"), "v": ("v_{t}", "v"), "v_max": (r"v^{\max}_{t}", "v_max"), "m_hat": (r"\hat{m}_{t}", "m_hat"),
    "v_hat": (r"\hat{v}_{t}", "v_hat"), "mu": (r"\mu_{t}", "mu"), "m_bar": (r"\bar{m}_{t}", "m_bar"),
    "eta_t": (r"\eta_{t}", "eta_t"), "eta_eff": (r"\eta^{\mathrm{eff}}_{t}", "eta_eff"), "dw": (r"\Delta w_{t}", "dw"),
    "u": ("u_{t}", "u"), "w": ("w_{t+1}", "w"),
}


class Undefined(Exception):
    """A step produced a division by zero or an infinite value."""


def _finite(v) -> bool:
    """A finite real value (a complex one, from a root of a negative number, counts as undefined)."""
    if isinstance(v, tuple):
        return all(_finite(x) for x in v)
    if isinstance(v, sp.Basic):
        return bool(v.is_finite) and v.is_real is not False and not v.has(sp.zoo, sp.nan)
    return math.isfinite(float(v))


def _tame(v):
    """Keep exact fractions while they stay readable; a Rational with a huge denominator (a few steps of a quartic
    loss) becomes a 40-digit Float, which later steps carry on with."""
    if isinstance(v, tuple):
        return tuple(_tame(x) for x in v)
    if isinstance(v, sp.Rational) and not v.is_Integer and v.q > 10 ** 30:
        return sp.Float(v, WORKING_DIGITS)
    return v


def _precision(value) -> Precision:
    vals = value if isinstance(value, tuple) else (value,)
    mags = [abs(float(v)) for v in vals if _finite(v) and float(v) != 0]
    if mags and max(mags) < 0.01:
        return Precision(sig=4)
    return DEFAULT_PRECISION


def answer(name: str, value):
    p = _precision(value)
    return make_answer(name, value, precision=p, tolerance=tolerance_for(p))


def to_plain(v):
    if isinstance(v, (tuple, list, np.ndarray)):
        return [float(x) for x in v]
    return float(v)


_FREE: dict[sp.Basic, frozenset] = {}


def free_symbols(expr: sp.Basic) -> frozenset:
    """expr.free_symbols, computed once per formula (the formulas are built once, at import)."""
    got = _FREE.get(expr)
    if got is None:
        got = _FREE[expr] = frozenset(expr.free_symbols)
    return got


def tiny_hyper(v) -> tuple[str, str] | None:
    """(LaTeX, text) for a small exact hyperparameter such as eps = 1/10^8: 10^{-8} and 1e-8, as an exam prints it,
    rather than 0.00000001. None for any other value."""
    if not isinstance(v, sp.Rational) or v.p == 0 or abs(v.p) * 10 ** 4 >= v.q:   # cheap: most values are not tiny
        return None
    return _tiny_hyper(int(v.p), int(v.q))


@functools.lru_cache(maxsize=256)
def _tiny_hyper(p: int, q: int) -> tuple[str, str] | None:
    v = sp.Rational(p, q)
    mant, _, ex = f"{p / q:.3e}".partition("e")
    mant = mant.rstrip("0").rstrip(".")
    if sp.Rational(mant) * sp.Rational(10) ** int(ex) != v:  # not a short decimal such as 1e-8 or 2.5e-6
        return None
    tex = "10^{%d}" % int(ex) if mant == "1" else r"%s \times 10^{%d}" % (mant, int(ex))
    return tex, f"{mant}e{int(ex)}"


class _SubLatexHyper(_SubLatex):
    def _print_Symbol(self, expr, style="plain"):
        tiny = tiny_hyper(self._values.get(expr))
        return tiny[0] if tiny else super()._print_Symbol(expr, style)


class _SubTextHyper(_SubText):
    def _print_Symbol(self, expr):
        tiny = tiny_hyper(self._values.get(expr))
        return tiny[1] if tiny else super()._print_Symbol(expr)


def substituted_math(lhs, expr, values, sig: int = 6) -> Math:
    """solver.symbolic.substituted, with small exact hyperparameters printed as 1e-8 (10^{-8}), not 0.00000001."""
    return Math(f"{latex(lhs)} = {_SubLatexHyper(values, sig).doprint(expr)}",
                f"{text_(lhs)} = {_SubTextHyper(values, sig).doprint(expr)}")


def _flat(v):
    for x in v:
        if isinstance(x, tuple):
            yield from _flat(x)
        else:
            yield x


def _shown_exactly(x) -> bool:
    """True when number_latex shows the exact value: an integer, a short terminating decimal or a small fraction
    (999/1999 is shown as 0.49975, a rounding)."""
    if not isinstance(x, sp.Basic) or not x.is_number or x.is_finite is False:
        return True
    if not x.is_Rational:
        return False
    if x.q == 1 or (x.q < 1000 and abs(x.p) < 10 ** 6):
        return True
    q = int(x.q)
    for f in (2, 5):
        while q % f == 0:
            q //= f
    if q != 1:                          # not a terminating decimal: shown rounded
        return False
    try:
        t = terminating(x)
    except ArithmeticError:             # decimal's limits on a huge value: shown rounded, if at all
        return False
    return t is not None and len(t) <= 14


def is_rounded(v) -> bool:
    """True when the digits shown are a rounding (a Float, an irrational value, or a fraction shown as a decimal),
    so LaTeX shows approx, not =."""
    vals = _flat(v) if isinstance(v, tuple) else (v,)
    return not all(_shown_exactly(x) for x in vals)


def value_math(lhs, v, sig: int = 6) -> Math:
    """'lhs = value' (text) and 'lhs = value' or 'lhs approx value' (LaTeX) for a computed value."""
    rel = r"\approx" if is_rounded(v) else "="
    return Math(f"{latex(lhs)} {rel} {number_latex(v, sig)}", f"{text_(lhs)} = {number_text(v, sig)}")


class StepCtx:
    """One optimizer step of the exact path: computes steps and records the trace row."""

    def __init__(self, d, p, conv, setup: Setup, method: Method, i: int, w, prev: dict):
        self.d, self.p, self.conv, self.setup, self.method = d, p, conv, setup, method
        self.i = i
        self.t = setup.t0 + i + 1
        self.last = i == setup.steps - 1
        self.n = setup.n
        self.w = w
        self.prev = prev
        self.new: dict[str, Any] = {}
        self.row: dict[str, Any] = {"t": self.t}
        self.w_next = None
        self.wd = p.get("weight_decay", 0) != 0
        self.where = "w_t = " + number_text(self.shape(w))

    def shape(self, v):
        """A parameter-shaped value for display: a number for one parameter, else the tuple."""
        return v[0] if isinstance(v, tuple) and self.n == 1 else v

    def _answer_name(self, key):
        return self.method.answer_names.get(key, key)

    def compute(self, title, lhs, expr, values, *, key=None, text="", kind="compute", param_shaped=None):
        """One formula -> substitution -> value step; with `key`, the value goes into the trace row (and is an
        answer on the last step). Returns a tuple for parameter-shaped values, else a number."""
        used = free_symbols(expr)
        values = {k: v for k, v in values.items() if k in used}
        if param_shaped is None:
            shaped = any(isinstance(v, tuple) and len(v) == self.n for v in values.values())
        else:
            shaped = param_shaped
        vals = {k: self.shape(v) if isinstance(v, tuple) else v for k, v in values.items()}
        result = _tame(evaluate(expr, vals))
        if not _finite(result):
            self.d.add(Step(kind, title, text=text, formula=equation(lhs, expr), substituted=substituted_math(lhs, expr, vals),
                            value=Math(f"{latex(lhs)} = \\text{{undefined}}", f"{text_(lhs)} = undefined")))
            raise Undefined(title)
        name = self._answer_name(key) if key and self.last else None
        answers = (answer(name, result),) if name else ()
        self.d.add(Step(kind, title, text=text, formula=equation(lhs, expr), substituted=substituted_math(lhs, expr, vals),
                        value=value_math(lhs, result), answers=answers))
        if shaped and not isinstance(result, tuple):
            result = (result,)
        if key:
            self.row[key] = result
        return result

    def gradient(self, at=None, where: str | None = None):
        """The gradient at `at` (default: the current parameters), with weight decay added; recorded as g."""
        point = self.w if at is None else at
        if where is not None:
            self.where = where
        g = tuple(self.setup.source.exact(self, point, self.i))
        if not _finite(g):
            raise Undefined("gradient")
        if self.wd:
            g = self.compute("Add the weight-decay term", G, G_DECAY,
                             {G_RAW: g, LAMBDA: self.p["weight_decay"], W: tuple(point)}, param_shaped=True,
                             key=None if self.setup.source.kind == "grads" else "g")
        elif "g" in self.row:
            pass  # the source's own step already states the gradient (and carries the answer)
        elif self.setup.source.kind != "grads" and (self.last or self.n > 1):
            # one step collects the gradient, in full working precision (the answer, on the last step, is rounded)
            title = "Gradient g_t" + (" (the components above)" if self.n > 1 else "")
            shaped = self.shape(g)
            self.d.add(Step("compute", title, value=value_math(G, shaped),
                            answers=(answer(self._answer_name("g"), shaped),) if self.last else ()))
        self.row["g"] = g
        return g

    def update(self, title, expr, values, *, text=""):
        w = self.compute(title, W_NEXT, expr, values, text=text, kind="update")
        self.w_next = tuple(w)
        self.row["w"] = self.w_next
        return self.w_next

    def keep(self, key, value):
        """The new history value (read as prev[key] by the next step)."""
        self.new[key] = value

    def value_step(self, title, key, value, *, text=""):
        """A value known without a formula (torch's stored look-ahead point): shown, recorded, an answer if last."""
        self.row[key] = value
        shaped = self.shape(value)
        if self.last:
            self.d.answer_step(title, answer(self._answer_name(key), shaped), text=text, kind="compute")
        else:
            self.d.add(Step("compute", title, text=text, value=Math(number_latex(shaped), number_text(shaped))))


def hyper_text(v) -> str:
    """A hyperparameter as an exam prints it: 1e-8 rather than 0.00000001."""
    if isinstance(v, sp.Rational) and v != 0 and abs(v) < sp.Rational(1, 10 ** 4):
        m, e = f"{float(v):.6e}".split("e")
        return f"{m.rstrip('0').rstrip('.')}e{int(e)}"
    return number_text(v)


def given_start(d: Derivation, setup: Setup, method: Method, conv, hyper: Sequence[tuple[str, Any]]):
    names = setup.names
    n = setup.n
    label = f" ({', '.join(names)})" if n > 1 and n <= 8 else ""
    w0 = setup.w0[0] if n == 1 else setup.w0
    start_text = "" if setup.w0_given else "Not given: the parameters start at 0."
    if n > 1:
        start_text = (start_text + " With several parameters every rule below acts on each parameter separately "
                      "(elementwise); vectors list the parameters in the order "
                      f"({', '.join(names[:8])}{', ...' if n > 8 else ''}).").strip()
    d.given(f"Start parameters{label}", w0, lhs=sym(f"w_{setup.t0 + 1}", "w_{%d}" % (setup.t0 + 1)), text=start_text)
    for key, pname in method.histories:
        v = setup.hist[key]
        v = v[0] if n == 1 else v
        if setup.hist_given[key]:
            spread = ""
            if setup.hist_scalar[key]:
                spread = (" The single value given is used for every parameter." if method.shared_history(conv) == "all"
                          else f" The single value given is {names[0]}'s history; the other parameters start at 0.")
            d.given(f"History {key} before the first step", v, lhs=sym(f"{key}_{setup.t0}", "%s_{%d}" % (key, setup.t0)),
                    text=spread.strip())
    missing = [key for key, _ in method.histories if not setup.hist_given[key]]
    if missing:
        d.note("Histories start at 0", f"{', '.join(missing)} not given, so {'they start' if len(missing) > 1 else 'it starts'} "
                                       "at 0 (no earlier steps contribute).")
    d.given("Hyperparameters", text=", ".join(f"{k} = {hyper_text(v)}" for k, v in hyper if v is not None)
            + (f"; steps already taken t0 = {setup.t0}, so the first step shown is t = {setup.t0 + 1}" if setup.t0 else ""))
    if setup.t0:
        d.note("How the steps are numbered", step_numbering(setup.t0, [k for k, _ in method.histories]))


def _and(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c' ('' for none)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def step_numbering(t0: int, keys: Sequence[str]) -> str:
    """The counting convention in words, with the names the same quantities get in notes that count from 0."""
    ours = _and([f"{k}_{t0}" for k in keys])
    theirs = _and([f"{k}_{t0 - 1}" for k in keys])
    return (f"Steps are numbered from t = 1, as torch and the bias correction 1 - beta^t count them: after t0 = {t0} "
            f"steps the current parameters are w_{t0 + 1}" + (f" and the history {ours}" if keys else "") +
            f", and the next step is t = {t0 + 1}, which computes " + _and([f"{k}_{t0 + 1}" for k in keys] + [f"w_{t0 + 2}"]) + ". "
            f"Notes 000 number iterations from t = 0, so they call the same quantities w_{t0}" +
            (f" and {theirs}" if keys else "") + f" (their iteration t = {t0}, which computes " +
            _and([f"{k}_{t0}" for k in keys] + [f"w_{t0 + 1}"]) + "). Only the labels differ: "
            "every number is the same.")


def solve_exact(p, conv, method: Method, hyper: Sequence[tuple[str, Any]]):
    """Run `method` exactly for the requested steps; returns (Derivation, rows, final w, setup)."""
    setup = build(p, method.name, method.histories, exact_path=True, shared_history=method.shared_history(conv))
    d = Derivation()
    given_start(d, setup, method, conv, hyper)
    setup.source.rules(d)
    if p.get("weight_decay", 0) != 0:
        d.formula("Weight decay (L2 penalty, as torch's weight_decay)", G, G_DECAY)
    method.rules(d, p, conv)
    rows = []
    w = setup.w0
    prev = dict(setup.hist)
    try:
        for i in range(setup.steps):
            s = StepCtx(d, p, conv, setup, method, i, w, prev)
            with d.group(f"Step t = {s.t}"):
                method.step(s)
            rows.append(s.row)
            w = s.w_next
            prev = {**prev, **s.new}
    except Undefined as e:
        d.status = "undefined"
        d.note("Undefined", f"The step '{e}' divides by zero or gives an infinite value, so the update is undefined "
                            "(with eps = 0 a zero gradient history leaves a zero denominator). Use eps > 0.")
        return d, rows, None, setup
    _trace_table(d, rows, setup)
    shaped = w[0] if setup.n == 1 else w
    d.conclude(f"Parameters after {setup.steps} step{'s' if setup.steps > 1 else ''}",
               text=f"In the order ({', '.join(setup.names)})." if 1 < setup.n <= 8 else "",
               answers=(answer("w", shaped),),
               value=value_math(sym(f"w_{setup.t0 + setup.steps + 1}", "w_{%d}" % (setup.t0 + setup.steps + 1)), shaped))
    loss_exact = getattr(setup.source, "loss_exact", None)
    if loss_exact is not None and setup.n <= 50:
        before, after = loss_exact(setup.w0), loss_exact(w)
        d.add(Step("compare", "Loss before and after", text=f"L went from {number_text(before)} at the start to "
                   f"{number_text(after)} after the last step.",
                   value=value_math(sym("L"), after), answers=(answer("loss", after),)))
    if setup.source.kind == "loss" and setup.n == 2 and not setup.source.separable:
        pts = [[float(v) for v in setup.w0]] + [[float(v) for v in r["w"]] for r in rows]
        d.extras["svg"] = trajectory_svg(setup.source.grid_fn(), pts, setup.names, setup.source.loss.text)
    return d, rows, w, setup


def _cell(v) -> str:
    if isinstance(v, tuple):
        return number_text(v[0] if len(v) == 1 else v)
    return number_text(v)


def _trace_table(d, rows, setup):
    keys = ["t"]
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    keys = ["t"] + sorted((k for k in keys if k != "t"), key=lambda k: list(TRACE_NAMES).index(k) if k in TRACE_NAMES else 99)
    cols = [Math(*TRACE_NAMES.get(k, (k, k))) for k in keys]
    body = [[_cell(r[k]) if k in r else "" for k in keys] for r in rows]
    plain = [{k: (r[k] if k == "t" else to_plain(r[k] if isinstance(r[k], tuple) else r[k])) for k in keys if k in r}
             for r in rows]
    note = "" if setup.n == 1 else f"Vectors list the parameters in the order ({', '.join(setup.names[:8])})."
    d.table("Trace", cols, body, text=("One row per step with every intermediate quantity. " + note).strip(),
            answer=make_answer("trace", plain))
