"""The step builder: formula -> formula with the numbers substituted -> value, on SymPy.

A family writes each rule once as a SymPy expression over named symbols (`sym("eta", r"\\eta")`).
`Derivation.compute(title, lhs, expr, values)` then produces one Step carrying
- the general formula, printed by SymPy (LaTeX and plain text),
- the same formula with each symbol printed as its number (the structure is printed as written, not
  re-simplified: substitution happens in the printer, not in the expression),
- the value, exact when it is rational (a typed 0.1 stays 1/10) and otherwise evaluated to
  `WORKING_DIGITS` significant digits, which later steps carry on with.
The same expression gives the NumPy path (`numpy_function`), so explanation, exact values and the
vectorised reference come from one definition.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import contextvars
import math as _math
import time
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .lazynp import np
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .functions import relu, sigmoid
from . import format as F
from .format import is_vector
from .numbers import WORKING_DIGITS, Precision, Tolerance, to_json_number, tolerance_for
from .steps import Answer, LazyRows, Math, Solution, Step, Table

#: LaTeX spellings of symbols whose plain-text names are ASCII ("m_hat" prints as \hat{m}_{t}).
_LATEX_NAMES: dict[sp.Symbol, str] = {}


class NamedSymbol(sp.Symbol):
    """A Symbol with its own LaTeX spelling. The spelling is part of its identity, so two families that
    use the same plain name with different LaTeX (S for a stride, S for a sum) get different symbols."""

    __slots__ = ("latex_name",)

    def __new__(cls, name: str, latex_name: str, **assumptions):
        obj = sp.Symbol.__xnew__(cls, name, **assumptions)
        obj.latex_name = latex_name
        return obj

    def __getnewargs_ex__(self):
        return (self.name, self.latex_name), self.assumptions0

    def _hashable_content(self):
        return super()._hashable_content() + (self.latex_name,)


def sym(text: str, latex: str | None = None, **assumptions) -> sp.Symbol:
    """A symbol with a plain-text name (terminal output) and a LaTeX name (everything else)."""
    if latex is None:
        return sp.Symbol(text, **assumptions)
    s = NamedSymbol(text, latex, **assumptions)
    _LATEX_NAMES[s] = latex
    return s


def symbols(spec: str, **assumptions) -> tuple[sp.Symbol, ...]:
    """`symbols("eta:\\eta beta:\\beta g")` -> symbols with optional LaTeX names after a colon."""
    out = []
    for part in spec.split():
        text, _, tex = part.partition(":")
        out.append(sym(text, tex or None, **assumptions))
    return tuple(out)


# -- the time budget of the exact path ------------------------------------------------------------
#
# Exact SymPy work on an input the specs allow can take far longer than a user waits (a big trace, an
# exact eigen-decomposition with huge rationals). The registry runs a family's exact `solve` under a
# time budget and answers with `solve_numeric` when it is exceeded (registry.Family.solve).
#
# How the exact path is interrupted, and why this way: cooperatively. The deadline lives in a
# contextvar and is checked at safe points: every step added to a Derivation, every value evaluated
# (`evaluate`, `finish`), and `checkpoint()`, which a family may call in its own loops. Past the
# deadline the check raises ExactTimeBudgetExceeded, which the registry catches. The alternatives are
# worse: a thread cannot be killed; SIGALRM works only in the main thread (waitress runs views in
# worker threads); an exception injected into a running thread (PyThreadState_SetAsyncExc) can land
# inside a `finally` of SymPy's or mpmath's context managers and leave their global settings changed
# for every later request; a subprocess per solve costs the import of SymPy and every family. A
# contextvar is per thread (and per asyncio task), so concurrent requests each have their own
# deadline. The cost: one SymPy call that alone runs past the budget is not interrupted until it
# returns, so families must still cap their exact path by size (`use_numeric`); the budget covers the
# many-step slowness (long traces, many entries) and turns the rest into a measurable report.
#
# The clock is the solving thread's CPU time (time.thread_time), not the wall clock: under load, four
# server threads share the cores, and a wall-clock budget would make the same problem fall back to the
# numeric path at busy times only, so a class would see different solutions for the same problem.

class ExactTimeBudgetExceeded(BaseException):
    """The exact path ran past its time budget. A BaseException, so that a family's own `except
    Exception` (a fallback around one SymPy call) cannot swallow it; only the registry catches it."""


_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("stepwise_exact_deadline", default=None)
_clock = time.thread_time


def checkpoint() -> None:
    """Raise ExactTimeBudgetExceeded when the current exact solve is past its deadline (cheap otherwise).

    Derivation calls it at every step; a family with a long loop that adds no steps may call it too."""
    deadline = _DEADLINE.get()
    if deadline is not None and _clock() > deadline:
        raise ExactTimeBudgetExceeded()


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Run the block under a budget of `seconds` of this thread's CPU time (None or inf: no budget;
    inside another budget, the earlier deadline wins)."""
    outer = _DEADLINE.get()
    if seconds is None or _math.isinf(seconds):
        deadline = outer
    else:
        deadline = _clock() + max(0.0, float(seconds))
        if outer is not None:
            deadline = min(outer, deadline)
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextlib.contextmanager
def no_time_budget() -> Iterator[None]:
    """Run the block with no deadline (the numeric fallback must finish even when the budget is spent)."""
    token = _DEADLINE.set(None)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class _SubLatex(LatexPrinter):
    """LaTeX printer that prints chosen symbols as numbers (negative ones in parentheses)."""

    def __init__(self, values: Mapping[sp.Symbol, Any], sig: int | None):
        super().__init__({"symbol_names": _LATEX_NAMES, "mul_symbol": "dot", "order": "none"})
        self._values = values
        self._sig = sig

    def _print_Symbol(self, expr, style="plain"):
        if expr in self._values:
            return F.latex(self._values[expr], self._sig, paren=True)
        return super()._print_Symbol(expr, style)


class _SubText(StrPrinter):
    _DOUBLE = re.compile(r"\(\(([^()]*)\)\)")

    def __init__(self, values: Mapping[sp.Symbol, Any], sig: int | None):
        super().__init__({"order": "none"})
        self._values = values
        self._sig = sig

    def doprint(self, expr) -> str:
        # a bracketed value as a call's only argument reads sqrt((2806/49)), sigmoid((-3)): drop one pair
        out = super().doprint(expr)
        while True:
            new = self._DOUBLE.sub(r"(\1)", out)
            if new == out:
                return out
            out = new

    def _print_Symbol(self, expr):
        if expr in self._values:
            # negatives and fractions in parentheses: 2806/49 substituted into x/y must not read 7/2806/49
            return F.text(self._values[expr], self._sig, paren=True)
        return expr.name


def latex(expr: Any) -> str:
    if isinstance(expr, str):
        return expr
    return LatexPrinter({"symbol_names": _LATEX_NAMES, "order": "none"}).doprint(expr)


def text(expr: Any) -> str:
    if isinstance(expr, str):
        return expr
    return StrPrinter({"order": "none"}).doprint(expr)


def math(expr: Any) -> Math:
    """A Math (LaTeX + text) for a SymPy expression, an Eq, or a plain number."""
    if isinstance(expr, Math):
        return expr
    if isinstance(expr, (sp.Basic,)) and not expr.is_Number:
        return Math(latex(expr), text(expr))
    return F.math(expr)


def equation(lhs: Any, rhs: Any) -> Math:
    try:
        return _equation_cached(lhs, rhs)
    except TypeError:  # unhashable (a plain list): print it afresh
        return Math(f"{latex(lhs)} = {latex(rhs)}", f"{text(lhs)} = {text(rhs)}")


@functools.lru_cache(maxsize=8192)
def _equation_cached(lhs: Any, rhs: Any) -> Math:
    """General formulas repeat at every step of a trace; SymPy's printers are the slow part, so print each once."""
    return Math(f"{latex(lhs)} = {latex(rhs)}", f"{text(lhs)} = {text(rhs)}")


def substituted(lhs: Any, expr: sp.Expr, values: Mapping[sp.Symbol, Any], sig: int | None = None) -> Math:
    """The formula with each symbol in `values` printed as its number; the structure is kept as written."""
    return Math(f"{latex(lhs)} = {_SubLatex(values, sig).doprint(expr)}",
                f"{text(lhs)} = {_SubText(values, sig).doprint(expr)}")


def _as_sympy(v: Any) -> Any:
    if isinstance(v, sp.Basic):
        return v
    if isinstance(v, bool):
        return sp.Integer(int(v))
    if isinstance(v, int):
        return sp.Integer(v)
    if isinstance(v, float):
        return sp.Float(v, WORKING_DIGITS)
    if isinstance(v, np.generic):
        return _as_sympy(v.item())
    raise TypeError(f"cannot use {v!r} as a number")


def finish(value: sp.Expr, keep: str = "auto") -> sp.Expr:
    """Rationals stay exact; other values become Floats of WORKING_DIGITS digits, unless keep='exact'."""
    checkpoint()
    if keep == "exact" or value.is_Rational or value in (sp.oo, sp.S.NegativeInfinity, sp.zoo, sp.nan):
        return value
    v = value.evalf(WORKING_DIGITS)
    if v.is_Float or v.is_Integer or v.is_Rational:
        return v
    if v.is_number and v.is_real is not False:
        re_v = sp.re(v)
        if abs(sp.im(v)) < sp.Float("1e-30"):
            return sp.Float(re_v, WORKING_DIGITS)
    return v


def evaluate(expr: sp.Expr, values: Mapping[sp.Symbol, Any], keep: str = "auto"):
    """Value of `expr` at `values`; vector values broadcast elementwise (scalars are shared)."""
    checkpoint()
    lengths = {len(v) for v in values.values() if is_vector(v)}
    if lengths:
        if len(lengths) > 1:
            raise ValueError(f"vectors of different lengths {sorted(lengths)} in one formula")
        (n,) = lengths
        return tuple(evaluate(expr, {k: (v[i] if is_vector(v) else v) for k, v in values.items()}, keep) for i in range(n))
    reps = {k: _as_sympy(v) for k, v in values.items()}
    return finish(_substitute(expr, reps), keep)


#: An exact power whose result would have more digits than this is evaluated as a WORKING_DIGITS Float
#: instead: (9/10)**(10**9) in exact arithmetic is one C-level integer power of a billion digits that
#: nothing can interrupt (issue 9's fuzzing: a huge step count t in a bias correction 1 - beta**t).
MAX_EXACT_POWER_DIGITS = 20_000


def _huge_power(base, exp) -> bool:
    if not (isinstance(base, sp.Rational) and isinstance(exp, sp.Rational)) or base in (sp.S.Zero, sp.S.One, sp.S.NegativeOne):
        return False
    e = abs(int(exp.p))  # the integer part of a rational exponent is computed exactly too
    if e < 100:
        return False
    digits = max(_math.log10(abs(int(base.p))) if base.p else 0.0, _math.log10(int(base.q)))
    return e > MAX_EXACT_POWER_DIGITS or digits * e > MAX_EXACT_POWER_DIGITS  # (no float of a huge e)


def _substitute(expr, reps):
    """expr.xreplace(reps), except that an exact power too large to compute becomes a Float power."""
    if expr in reps:
        return reps[expr]
    if not expr.args:
        return expr
    args = tuple(_substitute(a, reps) for a in expr.args)
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    if isinstance(expr, sp.Pow) and _huge_power(*args):
        return sp.Float(args[0], WORKING_DIGITS) ** args[1]
    return expr.func(*args)


def make_answer(name: str, value: Any, *, precision: Precision | None = None, tolerance: Tolerance | None = None,
                exact_latex: str | None = None, up_to_sign: bool = False, unit: str = "") -> Answer:
    """An Answer for a number, bool, string, vector, matrix or list of row dicts (a trace)."""
    precision = F.answer_precision(precision)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        disp = "none" if value is None else (("true" if value else "false") if isinstance(value, bool) else value)
        return Answer(name, value, disp, r"\text{%s}" % disp, None, unit)
    if isinstance(value, int):
        return Answer(name, value, str(value), str(value), None, unit)
    if isinstance(value, list) and value and isinstance(value[0], dict):  # trace rows
        value = _json_safe(value)
        return Answer(name, value, f"{len(value)} rows", r"\text{%d rows}" % len(value), None, unit)
    if is_vector(value):
        data = _json_nested(value)
        tol = tolerance or tolerance_for(precision)
        if up_to_sign and not tol.up_to_sign:
            tol = dataclasses.replace(tol, up_to_sign=True)
        shown = _preview(value)
        texts = _entry_texts(shown, precision)  # each shown entry formatted once, for the display and the LaTeX
        disp = _display_nested(texts, precision)
        lat = exact_latex or _latex_nested(texts, precision)
        if shown is not value:
            more = f" ... ({_size(value)} entries)"
            disp, lat = disp + more, lat + r"\ \ldots\ \text{(%d entries)}" % _size(value)
        return Answer(name, data, disp, lat, tol, unit)
    tol = tolerance or (None if _is_integer(value) else tolerance_for(precision))
    disp = F.text(value) if _is_integer(value) else F.fixed(value, precision)
    lat = exact_latex or _exact_latex(value) or F._sci_latex(disp)
    return Answer(name, to_json_number(value), disp, lat, tol, unit)


def _json_safe(v):
    """Trace rows as strict JSON: infinities and NaN as the strings "inf", "-inf", "nan" (a float inf in a
    row made the solution's JSON invalid: issue 9's fuzzing), SymPy and NumPy numbers as JSON numbers."""
    if isinstance(v, dict):
        return {k: _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, (str, int)):
        return v
    if isinstance(v, float):
        return v if _math.isfinite(v) else to_json_number(v)
    if isinstance(v, (sp.Basic, np.generic)) and (not isinstance(v, sp.Basic) or v.is_number):
        try:
            return to_json_number(v)
        except (TypeError, ValueError):
            return str(v)
    return v


def _is_integer(v) -> bool:
    return isinstance(v, sp.Basic) and v.is_Integer


def _exact_latex(v) -> str | None:
    if isinstance(v, sp.Basic) and v.is_Rational and not v.is_Integer:
        return F.latex(v)
    return None


class NumberedRows(Sequence):
    """A table's rows from a 2-D array, each led by its number from 1 (the numeric path's scores, one row per
    sample): `Derivation.table` takes them as they are, so a large table's rows are made only when it is read."""

    __slots__ = ("_a",)

    def __init__(self, a: np.ndarray):
        self._a = a

    def __len__(self) -> int:
        return len(self._a)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        row = self._a[i].tolist()
        return (range(len(self))[i] + 1, *row)

    def __iter__(self):
        return ((i, *row) for i, row in enumerate(self._a.tolist(), 1))


#: Vector answers longer than this are shown by their first entries (the JSON value keeps them all).
PREVIEW_ENTRIES = 50


def _size(v) -> int:
    if isinstance(v, np.ndarray):
        return int(v.size)
    return sum(_size(x) if is_vector(x) else 1 for x in v)


def _preview(v):
    """`v` itself when small; else its first rows/entries (displays of huge answers stay short)."""
    if _size(v) <= PREVIEW_ENTRIES:
        return v
    if isinstance(v, np.ndarray) and v.ndim <= 2:
        return v[:5, :8] if v.ndim == 2 else v[:8]
    if len(v) and is_vector(v[0]):
        return [list(r[:8]) for r in list(v[:5])]
    return list(v[:8])


def _json_nested(v):
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf" and np.isfinite(v).all():
        return v.tolist()  # fast path for the numeric path's large arrays
    if is_vector(v):
        return [_json_nested(x) for x in v]
    return to_json_number(v)


def _entry_texts(v, precision):
    """`v` with each number replaced by its display text (nested lists), which _display_nested keeps as it is."""
    if isinstance(v, np.ndarray) and v.dtype == np.float64 and 1 <= v.ndim <= 2:  # the numeric path's arrays: one batch
        rows = [_Texts(F.fixed_floats(r, precision)) for r in (v.tolist() if v.ndim == 2 else [v.tolist()])]
        return rows if v.ndim == 2 else rows[0]
    if is_vector(v):
        return [_entry_texts(x, precision) for x in v]
    return _Shown(_display_nested(v, precision))


class _Shown(str):
    """An entry's display text, formatted once (_entry_texts)."""


class _Texts(list):
    """A row of entries' display texts, formatted in one batch (_entry_texts of a float array)."""


def _display_nested(v, precision) -> str:
    if type(v) is _Shown:
        return str(v)
    if is_vector(v):
        if len(v) and is_vector(v[0]):
            return "[" + ", ".join(_display_nested(r, precision) for r in v) + "]"
        return "(" + ", ".join(_row_texts(v, precision)) + ")"
    if _is_integer(v) or isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return F.text(v)
    return F.fixed(v, precision)


def _row_texts(row, precision):
    """A row's entry texts: the batch already made (_Texts), else each entry's."""
    return row if type(row) is _Texts else [_display_nested(x, precision) for x in row]


def _latex_nested(v, precision) -> str:
    if len(v) and is_vector(v[0]):
        rows = r" \\ ".join(" & ".join(_row_texts(r, precision)) for r in v)
        return r"\begin{pmatrix} %s \end{pmatrix}" % rows
    return r"\left(" + ", ".join(_row_texts(v, precision)) + r"\right)"


class Derivation:
    """A mutable builder of steps that a family's `solve` fills in and returns; the engine makes the Solution.

    `group(title)` nests the steps made inside it as children of one step (an epoch, one update).
    """

    def __init__(self):
        self._stack: list[list[Step]] = [[]]
        self.status = "solved"
        self.extras: dict[str, Any] = {}

    # -- structure ------------------------------------------------------------------------------
    @property
    def steps(self) -> tuple[Step, ...]:
        if len(self._stack) != 1:
            raise RuntimeError("unclosed group")
        return tuple(self._stack[0])

    def add(self, step: Step) -> Step:
        checkpoint()  # the exact path's time budget (see ExactTimeBudgetExceeded)
        self._stack[-1].append(step)
        return step

    def prepend(self, step: Step) -> Step:
        """Put `step` first (a warning found only after the working, such as a run that diverged)."""
        self._stack[0].insert(0, step)
        return step

    @contextlib.contextmanager
    def group(self, title: str, text: str = "", kind: str = "compute", answers: Sequence[Answer] = ()):
        self._stack.append([])
        try:
            yield self
        finally:
            children = self._stack.pop()
            self.add(Step(kind, title, text=text, children=tuple(children), answers=tuple(answers)))

    # -- step kinds -----------------------------------------------------------------------------
    def given(self, title: str, value: Any = None, *, text: str = "", lhs: Any = None) -> Step:
        val = None
        if value is not None:
            val = F.equals(lhs, value) if lhs is not None else F.math(value)
        return self.add(Step("given", title, text=text, value=val))

    def formula(self, title: str, lhs: Any, rhs: Any, *, text: str = "") -> Step:
        return self.add(Step("formula", title, text=text, formula=equation(lhs, rhs)))

    def note(self, title: str, text: str) -> Step:
        return self.add(Step("note", title, text=text))

    def compute(self, title: str, lhs: Any, expr: sp.Expr, values: Mapping[sp.Symbol, Any], *,
                answer: str | None = None, precision: Precision | None = None, tolerance: Tolerance | None = None,
                keep: str = "auto", text: str = "", kind: str = "compute", sig: int | None = None,
                value: Any = None, up_to_sign: bool = False, instance: sp.Expr | None = None):
        """One formula -> substitution -> value step; returns the value (exact or WORKING_DIGITS Float).

        `value` overrides evaluation (for quantities computed by a rule SymPy cannot evaluate directly).
        `instance`: the formula written out for this input (a sum over the entries as x_1 + x_2 + x_3), in
        which `values` are substituted and which is evaluated, while the step shows `expr` as the general
        formula (sum_i x_i).
        """
        shown = expr if instance is None else instance
        result = evaluate(shown, values, keep) if value is None else value
        answers = ()
        if answer:
            answers = (make_answer(answer, result, precision=precision, tolerance=tolerance, up_to_sign=up_to_sign),)
        self.add(Step(kind, title, text=text, formula=equation(lhs, expr), substituted=substituted(lhs, shown, values, sig),
                      value=F.equals(lhs, result, sig),
                      answers=answers))
        return result

    def compare(self, title: str, text: str, *, formula: Math | None = None, value: Math | None = None) -> Step:
        return self.add(Step("compare", title, text=text, formula=formula, value=value))

    def table(self, title: str, columns: Sequence[Any], rows: Iterable[Sequence[Any]], *, text: str = "",
              answer: Answer | None = None, sig: int | None = None, keys: Sequence[str] = (),
              index: Sequence[str] = ()) -> Step:
        """A trace table. Cells are values (numbers, vectors, booleans) or text, formatted here.

        With `keys` (an identifier per column: "epoch", "w", "loss") and `index` (the keys that identify a
        row), the table is addressable: every other column's entries become answers such as `loss@t=3`
        (solver.address), checkable and usable in exam files like any answer."""
        cols = tuple(c if isinstance(c, Math) else Math(c, c) if isinstance(c, str) else math(c) for c in columns)
        if not isinstance(rows, NumberedRows):
            rows = [tuple(r) for r in rows]

        def texts(rows=rows, sig=sig):
            return tuple(tuple(c.text if isinstance(c, Cell) else F.cell(c, sig) for c in r) for r in rows)

        def data(rows=rows):
            return tuple(tuple(_cell_value(c.value if isinstance(c, Cell) else c) for c in r) for r in rows)

        if len(rows) * len(cols) > LAZY_CELLS:  # text and data made when first read, under this request's precision
            style = F.style()

            def later():
                with F.using(style):
                    return texts()
            body = LazyRows(len(rows), later)
            values = LazyRows(len(rows), data) if keys else ()
        else:
            body = texts()
            values = data() if keys else ()
        table = Table(cols, body, tuple(keys), tuple(index), values)
        return self.add(Step("compute", title, text=text, table=table, answers=(answer,) if answer else ()))

    def conclude(self, title: str, text: str = "", answers: Sequence[Answer] = (), value: Math | None = None) -> Step:
        return self.add(Step("conclude", title, text=text, answers=tuple(answers), value=value))

    def answer_step(self, title: str, answer: Answer, *, text: str = "", kind: str = "conclude") -> Step:
        """A step whose value is the answer's display (for answers computed outside `compute`)."""
        val = Math(answer.latex, answer.display)
        return self.add(Step(kind, title, text=text, value=val, answers=(answer,)))


@dataclasses.dataclass(frozen=True)
class Cell:
    """A table cell shown as `text` whose value (its answer, when the table is addressable) is `value`: a shape
    shown as 13 x 13 x 64 and checked as [13, 13, 64], a count shown as 1,536,500."""

    value: Any
    text: str


#: Tables with more cells than this format their text when first read (solver.steps.LazyRows).
LAZY_CELLS = 1000


def _cell_value(c: Any) -> Any:
    """A table cell as JSON data (text stays text)."""
    if type(c) is float or type(c) is np.float64:  # (the numeric path's cells; to_json_number's answer for them)
        return float(c) if _math.isfinite(c) else to_json_number(c)
    if isinstance(c, str) or c is None or isinstance(c, bool):
        return c
    if is_vector(c):
        return _json_nested(c)
    return to_json_number(c)


def text_of(lhs: Any) -> str:
    return text(lhs)


def numpy_function(expr: sp.Expr, args: Sequence[sp.Symbol]):
    """The same rule as a vectorised NumPy function (sigmoid and relu included)."""
    mods = [{"sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)), "relu": lambda x: np.maximum(x, 0.0)}, "numpy"]
    return sp.lambdify(args, expr, modules=mods)


__all__ = ["Cell", "sym", "symbols", "Derivation", "checkpoint", "time_budget", "no_time_budget", "ExactTimeBudgetExceeded", "make_answer", "evaluate", "finish", "latex", "text", "math", "equation",
           "substituted", "numpy_function", "sigmoid", "relu", "Solution"]
