"""The exact step context: one optimizer step as formula -> substitution -> value steps, and the exact driver.

`StepCtx` is what a family's per-step rule works on: `compute` (one formula step, recorded in the trace row and
an answer on the last step), `gradient` (the source's gradient, weight decay added), `update`, `keep` (the new
history value) and `value_step`. `solve_exact` runs a `Method` for the requested steps: the given start, the
rules shown once, one group per step, the trace table, the parameters and the loss, and the trajectory plot.
Values go to the step builder and the formatting layer (solver.format) as values; nothing here prints a number.

Step numbering: t = 1 is the first step ever taken (torch's count, and the bias correction's 1 - beta^t);
with t0 steps already taken the start is w_{t0+1} with histories u_{t0}, m_{t0}, v_{t0}. The course notes
count from t = 0, so their w_9, u_8 are w_10, u_9 here; every solution with t0 > 0 says so in a note.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.numbers import DEFAULT_PRECISION, WORKING_DIGITS, Precision, tolerance_for
from solver.steps import Math, Step
from solver.symbolic import _SubLatex, _SubText  # the engine's substitution printers (see substituted_math)
from solver.symbolic import Derivation, equation, evaluate, latex, make_answer, sym
from solver.symbolic import text as text_

from .guard import Undefined
from .plot import trajectory_svg
from .warn import growth, warn_diverged
from .rules import G, G_DECAY, G_RAW, LAMBDA, W, W_NEXT
from .setup import Method, Setup, build

#: Column headers of the trace (LaTeX, text) by row key.
TRACE_NAMES = {
    "t": ("t", "t"), "lookahead": (r"\tilde{w}_{t}", "lookahead"), "g": ("g_{t}", "g"),
    "m": ("m_{t}", "m"), "v": ("v_{t}", "v"), "v_max": (r"v^{\max}_{t}", "v_max"), "m_hat": (r"\hat{m}_{t}", "m_hat"),
    "v_hat": (r"\hat{v}_{t}", "v_hat"), "mu": (r"\mu_{t}", "mu"), "m_bar": (r"\bar{m}_{t}", "m_bar"),
    "eta_t": (r"\eta_{t}", "eta_t"), "eta_eff": (r"\eta^{\mathrm{eff}}_{t}", "eta_eff"), "dw": (r"\Delta w_{t}", "dw"),
    "g_avg": (r"\bar{g}_{t}", "g_avg"), "b": ("b_{t}", "b"), "u": ("u_{t}", "u"), "w": ("w_{t+1}", "w"),
    "delta_w": (r"w_{t+1} - w_{t}", "delta_w"), "loss": (r"L(w_{t+1})", "loss"),
}


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


_SMALL = sp.Rational(1, 100)


def _default_precision(value) -> Precision:
    """The answers' precision when the request asks for none: 4 decimal places, or 4 significant figures for
    values all below 0.01 (a step of lr = 0.001 would otherwise keep one or two digits)."""
    vals = value if isinstance(value, tuple) else (value,)
    mags = [abs(v) for v in vals if _finite(v) and v != 0]
    if mags and all((m < _SMALL) if isinstance(m, sp.Basic) else float(m) < 0.01 for m in mags):
        return Precision(sig=4)
    return DEFAULT_PRECISION


def answer(name: str, value):
    """An answer in the request's precision (or, when it asks for none, `_default_precision`)."""
    p = F.requested() or _default_precision(value)
    return make_answer(name, value, precision=p, tolerance=tolerance_for(p))


def to_float(x) -> float:
    """float(x), or +-inf for a value beyond float64's range (an exact integer of 400 digits), never OverflowError."""
    try:
        return float(x)
    except OverflowError:
        return math.copysign(math.inf, x)


def to_plain(v):
    if isinstance(v, (tuple, list, np.ndarray)):
        return [to_float(x) for x in v]
    return to_float(v)


_FREE: dict[sp.Basic, frozenset] = {}


def free_symbols(expr: sp.Basic) -> frozenset:
    """expr.free_symbols, computed once per formula (the formulas are built once, at import)."""
    got = _FREE.get(expr)
    if got is None:
        got = _FREE[expr] = frozenset(expr.free_symbols)
    return got


def _tiny_figures(v) -> int | None:
    """The significant figures of a small exact hyperparameter that is a short decimal (eps = 1/10^8: 1;
    2.5e-7: 2), so that it prints as an exam writes it (1e-8, not 0.00000001); None for any other value."""
    if not isinstance(v, sp.Rational) or v.p == 0 or abs(v.p) * 10 ** 4 >= v.q:   # cheap: most values are not tiny
        return None
    return _figures(int(v.p), int(v.q))


@functools.lru_cache(maxsize=256)
def _figures(p: int, q: int) -> int | None:
    for k in range(1, 31):                       # v = m / 10^k with m an integer: a short decimal
        m, r = divmod(abs(p) * 10 ** k, q)
        if r == 0:
            digits = str(m).rstrip("0")
            return len(digits) if len(digits) <= 6 else None
    return None


def tiny_hyper(v) -> tuple[str, str] | None:
    """(LaTeX, text) of a small exact hyperparameter as an exam prints it (10^{-8}-style and 1e-8), through the
    formatting layer; None for any other value."""
    k = _tiny_figures(v)
    return None if k is None else (F.latex(v, k, exact="decimal"), F.text(v, k, exact="decimal"))


class _SubLatexHyper(_SubLatex):
    def _print_Symbol(self, expr, style="plain"):
        tiny = tiny_hyper(self._values.get(expr))
        return tiny[0] if tiny else super()._print_Symbol(expr, style)


class _SubTextHyper(_SubText):
    def _print_Symbol(self, expr):
        tiny = tiny_hyper(self._values.get(expr))
        return tiny[1] if tiny else super()._print_Symbol(expr)


def substituted_math(lhs, expr, values) -> Math:
    """solver.symbolic.substituted, with small exact hyperparameters printed as 1e-8 (10^{-8}), not 0.00000001."""
    return Math(f"{latex(lhs)} = {_SubLatexHyper(values, None).doprint(expr)}",
                f"{text_(lhs)} = {_SubTextHyper(values, None).doprint(expr)}")


def _as_shown(v):
    """The value as the formatting layer shows it: a fraction whose digits are a rounding (999/1999 shows as
    0.49975) is handed over as the 40-digit decimal it is shown as, so that the relation reads approx, not =."""
    if isinstance(v, tuple):
        return tuple(_as_shown(x) for x in v)
    if isinstance(v, sp.Rational) and not v.is_Integer:
        shown = F.text(v)
        if "/" not in shown and sp.Rational(shown) != v:
            return sp.Float(v, WORKING_DIGITS)
    if isinstance(v, sp.Integer) and abs(v) >= 10 ** 21:   # shown in scientific form: rounded digits
        return sp.Float(v, WORKING_DIGITS)
    return v


def value_math(lhs, v) -> Math:
    """'lhs = value', or 'lhs approx value' when the digits shown are a rounding."""
    return F.equals(lhs, _as_shown(v))


def shape_of(v, n: int):
    """A parameter-shaped value for display: a number for one parameter, else the tuple."""
    return v[0] if isinstance(v, tuple) and n == 1 else v


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
        self.wd = coupled_decay(p, conv)
        self.where = "w_t = " + F.text(self.shape(w))

    def shape(self, v):
        """A parameter-shaped value for display: a number for one parameter, else the tuple."""
        return shape_of(v, self.n)

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
                            value=F.equals(lhs, sp.nan)))
            raise Undefined(title)
        shown = result
        if shaped and not isinstance(result, tuple):   # the same value for every parameter (a constant gradient)
            result = (result,) * self.n
        name = self._answer_name(key) if key and self.last else None
        answers = (answer(name, self.shape(result)),) if name else ()
        self.d.add(Step(kind, title, text=text, formula=equation(lhs, expr), substituted=substituted_math(lhs, expr, vals),
                        value=value_math(lhs, shown), answers=answers))
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
        self.row["delta_w"] = tuple(_tame(a - b) for a, b in zip(self.w_next, self.w))   # the step, for the trace
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
            self.d.add(Step("compute", title, text=text, value=F.math(shaped)))


def coupled_decay(p, conv) -> bool:
    """Weight decay added to the gradient (torch's weight_decay; the weight_decay_form convention's l2, the
    default); decoupled decay (AdamW) is the family's own step."""
    return p.get("weight_decay", 0) != 0 and conv.get("weight_decay_form", "l2") == "l2"


def hyper_text(v) -> str:
    """A hyperparameter as an exam prints it: 1e-8 rather than 0.00000001."""
    tiny = tiny_hyper(v)
    return tiny[1] if tiny else F.text(v)


def hyper_line(hyper: Sequence[tuple[str, Any]]) -> str:
    """'eta = 0.1, beta = 0.9, eps = 1e-8': the hyperparameters as the statement and the given step list them."""
    return ", ".join(f"{k} = {hyper_text(v)}" for k, v in hyper if v is not None)


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
    start = start_step_text(setup)
    d.given("Hyperparameters", text=hyper_line(hyper) + (f"; {start}" if start else ""))
    if setup.t0:
        d.note("How the steps are numbered", step_numbering(setup.t0, [k for k, _ in method.histories]))


def start_step_text(setup: Setup) -> str:
    """Which of t (the current step) and t0 (the steps already taken) was given, and what follows from it:
    the words, without punctuation ('' for a fresh start)."""
    if setup.t_given:
        return (f"the current step t = {setup.t0 + 1} was given (counting from t = 1), so t0 = {setup.t0} "
                f"step{'s were' if setup.t0 != 1 else ' was'} already taken")
    if setup.t0:
        return f"steps already taken t0 = {setup.t0}, so the first step shown is t = {setup.t0 + 1}"
    return ""


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
            f"The course notes number iterations from t = 0, so they call the same quantities w_{t0}" +
            (f" and {theirs}" if keys else "") + f" (their iteration t = {t0}, which computes " +
            _and([f"{k}_{t0}" for k in keys] + [f"w_{t0 + 1}"]) + "). Only the labels differ: "
            "every number is the same.")


UNDEFINED_WHY = ("divides by zero or gives an infinite value, so the update is undefined (with eps = 0 a zero "
                 "gradient history leaves a zero denominator). Use eps > 0.")


def solve_exact(p, conv, method: Method):
    """Run `method` exactly for the requested steps; returns (Derivation, rows, final w, setup)."""
    setup = build(p, method.name, method.histories, exact_path=True, shared_history=method.shared_history(conv))
    d = Derivation()
    given_start(d, setup, method, conv, method.hyper(p))
    setup.source.rules(d)
    if coupled_decay(p, conv):
        d.formula("Weight decay (L2 penalty, as torch's weight_decay)", G, G_DECAY)
    method.rules(d, p, conv)
    rows = []
    w = setup.w0
    prev = dict(setup.hist)
    loss_exact = getattr(setup.source, "loss_exact", None) if setup.n <= 50 else None
    losses = _Losses(loss_exact, setup.w0)
    try:
        for i in range(setup.steps):
            s = StepCtx(d, p, conv, setup, method, i, w, prev)
            with d.group(f"Step t = {s.t}"):
                method.step(s)
            losses.record(s.row, s.w_next)
            rows.append(s.row)
            w = s.w_next
            prev = {**prev, **s.new}
    except Undefined as e:
        # a zero denominator is undefined mathematics; a value too large to compute is a limit of ours
        d.status = "unsupported" if e.why else "undefined"
        d.note("Too large to work out" if e.why else "Undefined", f"The step '{e}' {e.why or UNDEFINED_WHY}")
        if e.why and rows and setup.source.kind != "grads":   # a step went through, then the values outgrew
            warn_diverged(d, p, conv, method, overflow=True,
                          what=growth(losses.start, rows[-1].get("loss"), setup.w0, rows[-1].get("w"),
                                      setup.source.kind))
        return d, rows, None, setup
    _trace_table(d, rows, setup, method)
    shaped = shape_of(w, setup.n)
    last = rows[-1]["delta_w"]
    d.conclude(f"Parameters after {setup.steps} step{'s' if setup.steps > 1 else ''}",
               text=(f"In the order ({', '.join(setup.names)}). " if 1 < setup.n <= 8 else "")
               + f"The last step moved them by delta_w = w_{setup.t0 + setup.steps + 1} - w_{setup.t0 + setup.steps} "
                 f"= {F.text(shape_of(last, setup.n))}.",
               answers=(answer("w", shaped), answer("delta_w", shape_of(last, setup.n))),
               value=value_math(sym(f"w_{setup.t0 + setup.steps + 1}", "w_{%d}" % (setup.t0 + setup.steps + 1)), shaped))
    if losses.why:
        d.note("The loss", f"The loss is not computed: {losses.why}")
    elif losses.start is not None and "loss" in rows[-1]:
        before, after = losses.start, rows[-1]["loss"]
        d.add(Step("compare", "Loss before and after", text=f"L went from {F.text(before)} at the start to "
                   f"{F.text(after)} after the last step" + (" (the trace has the loss after every step)."
                                                               if setup.steps > 1 else "."),
                   value=value_math(sym("L"), after), answers=(answer("loss", after),)))
    warn_diverged(d, p, conv, method, start=losses.start, rows=rows, w0=setup.w0, kind=setup.source.kind)
    grid = setup.source.grid_fn() if setup.source.kind in ("loss", "gradient") else None
    if grid is not None and setup.n == 2 and not setup.source.separable:
        pts = [to_plain(setup.w0)] + [to_plain(r["w"]) for r in rows]
        svg = trajectory_svg(grid, pts, setup.names, setup.source.loss.text)
        if svg is not None:
            d.extras["svg"] = svg
    return d, rows, w, setup


class _Losses:
    """The loss at the start and after every step (exact), recorded in the trace rows as "loss"; stops (with the
    reason in `why`) when a value outgrows what exact working computes."""

    def __init__(self, loss_exact, w0):
        self.f, self.why, self.start = loss_exact, "", None
        if loss_exact is not None:
            try:
                self.start = loss_exact(w0)
            except Undefined as e:
                self.f, self.why = None, e.why

    def record(self, row: dict, w) -> None:
        if self.f is None:
            return
        try:
            value = _tame(self.f(w))
        except Undefined as e:
            self.f, self.why = None, e.why
            return
        if _finite(value):
            row["loss"] = value


def _cell(v):
    """A trace cell's value: one parameter's entry as a number, several as the vector (d.table formats them)."""
    return v[0] if isinstance(v, tuple) and len(v) == 1 else v


def _trace_table(d, rows, setup, method):
    keys = ["t"]
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    keys = ["t"] + sorted((k for k in keys if k != "t"), key=lambda k: list(TRACE_NAMES).index(k) if k in TRACE_NAMES else 99)
    # a column missing from some row (the loss past what exact working computes) is left out of the trace
    keys = [k for k in keys if all(k in r for r in rows)]
    cols = [Math(*TRACE_NAMES.get(k, (k, k))) for k in keys]
    body = [[_cell(r[k]) for k in keys] for r in rows]
    plain = [{k: (r[k] if k == "t" else to_plain(r[k])) for k in keys if k in r} for r in rows]
    note = "" if setup.n == 1 else f"Vectors list the parameters in the order ({', '.join(setup.names[:8])})."
    names = [method.answer_names.get(k, k) for k in keys]
    example = f"{names[-1]}@t={rows[-1]['t']}" if rows else ""
    d.table("Trace", cols, body, text=("One row per step with every intermediate quantity; each entry is an answer "
                                       f"by its column and step, such as {example}. " + note).strip(),
            answer=make_answer("trace", plain), keys=names, index=("t",))
