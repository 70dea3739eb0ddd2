"""The registry: discovers the family modules in `problems/` and gives each one uniform handling.

A family is a module `problems/<name>.py` (modules starting with `_` are shared helpers) that declares:

    TITLE: str                   short human title ("Perceptron training trace")
    TOPIC: str                   one of TOPICS (the web groups families by it)
    PARAMS: tuple[Param, ...]    parameter specs (solver.params)
    CONVENTIONS: tuple[Convention, ...]
    EXAMPLE: Example             the course notes' worked example (params, conventions, source id)
    statement(params) -> Rich    the problem as an exam would print it: prose and maths (solver.richtext)
    solve(params, conventions) -> Derivation               exact, step by step (hand-sized input)
    solve_numeric(params, conventions) -> Derivation       the same rule vectorised in NumPy
    generate(rng) -> dict        a random well-posed instance (raw parameter values)
and optionally
    validate(params) -> None     cross-parameter checks raising InvalidInput(field, message)
    use_numeric(params) -> bool  True when the input is too large for the exact path
    KEYWORDS: tuple[str, ...]    extra words for search
    ERRATA: tuple[Erratum, ...]  the course notes' mistakes on instances they worked (solver.errata):
                                 the engine adds a note step when the input is that instance
    translate(raw) -> dict       raw parameters under names the family used to declare, renamed to the
                                 current ones (old spellings stay accepted); runs before validation
    MAIN_FIELDS: tuple[str, ...] optional fields the question reader fills with the one value of their kind
                                 that no name claims, as it does required fields (alternatives: p or sigma)

Its docstring's first line states the identity the family applies; the rest names the exam question
and the conventions. Nothing outside `problems/` names a family.

`Family.solve` runs the exact path under a time budget (EXACT_TIME_BUDGET seconds of CPU time); past
it, `solve_numeric` answers and the solution's first step says so (solver.symbolic, `time_budget`).
Where a sandbox is installed (solver.sandbox: the web server and the command line install one), the
whole solve runs in a worker process that is killed at a wall-clock deadline or a memory limit; the
numeric path then answers in a fresh worker and the first step names the limit that stopped the exact
working. `Family.solve_here` is the same solve in the calling process.
"""
from __future__ import annotations

import functools
import importlib
import math
import os
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Mapping

from .lazynp import np

from .conventions import Convention, resolve
from .errata import notes
from .format import style, using
from .numbers import Precision
from .richtext import rich
from .params import InvalidInput, Param, parse_params, params_to_json, params_to_text
from .steps import Solution, Step
from .symbolic import ExactTimeBudgetExceeded, _json_safe, no_time_budget, time_budget

TOPICS = {
    "neurons": "Neurons and perceptrons",
    "optimizers": "Optimizers",
    "linalg": "Linear algebra",
    "information": "Information theory",
    "layers": "Layers and training",
}


def _budget_from_env(default: float) -> float:
    raw = os.environ.get("STEPWISE_EXACT_BUDGET", "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return math.inf if value <= 0 else value


#: Seconds of CPU time the exact path may take before the numeric path answers instead (see
#: solver.symbolic.ExactTimeBudgetExceeded for how it is enforced). A hand-sized exam problem takes
#: well under 0.5 s; set STEPWISE_EXACT_BUDGET (0 = no budget) or pass `budget=` to Family.solve.
EXACT_TIME_BUDGET = _budget_from_env(3.0)

_REQUIRED = ("TITLE", "TOPIC", "PARAMS", "CONVENTIONS", "EXAMPLE", "statement", "solve", "solve_numeric", "generate")


@dataclass(frozen=True)
class Example:
    """A family's worked example: parameter values as a user would type them, and where it comes from."""

    params: Mapping[str, Any]
    source: str
    conventions: Mapping[str, str] = field(default_factory=dict)


class UnknownFamily(InvalidInput):
    def __init__(self, name: str, known: list[str]):
        import difflib

        key = name.lower()
        close = [k for k in known if key and (key in k or k in key)] or difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else f" Known families: {', '.join(known)}."
        super().__init__("family", f"There is no family '{name}'.{hint}")


@dataclass(frozen=True)
class Family:
    """A discovered family module, with validation, convention resolution and Solution assembly."""

    name: str
    module: ModuleType

    @property
    def title(self) -> str:
        return self.module.TITLE

    @property
    def topic(self) -> str:
        return self.module.TOPIC

    @property
    def summary(self) -> str:
        doc = (self.module.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.title

    @property
    def description(self) -> str:
        return (self.module.__doc__ or "").strip()

    @property
    def params(self) -> tuple[Param, ...]:
        return self.module.PARAMS

    @property
    def conventions(self) -> tuple[Convention, ...]:
        return self.module.CONVENTIONS

    @property
    def example(self) -> Example:
        return self.module.EXAMPLE

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(getattr(self.module, "KEYWORDS", ()))

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    # -- input --------------------------------------------------------------------------------
    def validate(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Parsed, validated parameters (InvalidInput names the field on any problem)."""
        translate = getattr(self.module, "translate", None)
        if translate is not None:
            raw = translate(raw)
        _check_digits(raw, self.name)
        values = parse_params(self.params, raw, self.name)
        check = getattr(self.module, "validate", None)
        if check is not None:
            check(values)
        return values

    def resolve_conventions(self, raw: Mapping[str, str] | None) -> dict[str, str]:
        return resolve(self.conventions, raw, self.name)

    def statement(self, values: Mapping[str, Any], conventions: Mapping[str, str] | None = None):
        """The problem as an exam prints it (Rich or str). A family whose `statement(params, conventions)` takes
        a second argument gets the resolved conventions, so that its wording follows them ("the bias-corrected
        values" only with bias correction on); `conventions` None means the defaults."""
        fn = self.module.statement
        if _takes_conventions(fn):
            return fn(values, self.resolve_conventions(conventions))
        return fn(values)

    def use_numeric(self, values: Mapping[str, Any]) -> bool:
        f = getattr(self.module, "use_numeric", None)
        if f is not None:
            return bool(f(values))
        return any(isinstance(v, np.ndarray) for v in values.values())

    # -- solving ------------------------------------------------------------------------------
    def solve(self, params: Mapping[str, Any] | None = None, conventions: Mapping[str, str] | None = None,
              *, path: str = "auto", budget: float | None = None, precision: Precision | None = None) -> Solution:
        """Validate, choose the path ("exact", "numeric" or "auto" by size), solve, and assemble the Solution.

        The exact path runs under a time budget (`budget` seconds of CPU time; None: EXACT_TIME_BUDGET;
        math.inf: none). Past it, the numeric path answers and a first note step says so. `precision`
        (decimal places or significant figures; None: 4 decimal places) rules every number shown and
        the tolerance of every answer (solver.format).

        With a sandbox installed (solver.sandbox) the solve runs in a worker process under hard limits."""
        from . import sandbox

        box = sandbox.current()
        if box is not None and _loaded.get(self.name) is self:
            return box.solve(self.name, params, conventions, path=path, budget=budget, precision=precision)
        return self.solve_here(params, conventions, path=path, budget=budget, precision=precision)

    def solve_here(self, params: Mapping[str, Any] | None = None, conventions: Mapping[str, str] | None = None,
                   *, path: str = "auto", budget: float | None = None, precision: Precision | None = None,
                   stopped=None) -> Solution:
        """`solve` in this process (the cooperative time budget only). `stopped` (a solver.sandbox.Stop):
        the exact working was stopped by that limit in a worker, so solve on the numeric path and say so."""
        with using(precision):
            return self._solve(params, conventions, path, budget, stopped)

    def _solve(self, params, conventions, path: str, budget: float | None, stopped=None) -> Solution:
        from . import sandbox

        values = self.validate(params or {})
        conv = self.resolve_conventions(conventions)
        if path not in ("auto", "exact", "numeric"):
            raise InvalidInput("path", f"path must be 'auto', 'exact' or 'numeric'. Got {path!r} instead.")
        if path == "auto":
            path = "numeric" if self.use_numeric(values) else "exact"
        budget = EXACT_TIME_BUDGET if budget is None else budget
        fallback = None
        if stopped is not None:
            path = "numeric"
            fallback = _stop_note(stopped, budget)
        if path == "numeric":
            sandbox.entering_numeric()
            d = self.module.solve_numeric(values, conv)
        else:
            try:
                with time_budget(budget):
                    d = self.module.solve(values, conv)
            except ExactTimeBudgetExceeded:
                sandbox.entering_numeric(fallback=True)
                with no_time_budget():
                    d = self.module.solve_numeric(values, conv)
                path = "numeric"
                fallback = _budget_note(budget)
        steps = d.steps if fallback is None else (fallback, *d.steps)
        statement = rich(self.statement(values, conv))
        errata = getattr(self.module, "ERRATA", ())
        if errata:
            answers = {a.name: a for s in steps for step in s.walk() for a in step.answers}
            steps = (*steps, *notes(errata, self, values, conv, answers))
        # strict JSON: a family's plot data may hold an inf (issue 9's fuzzing), which JSON has no token for
        extras = {"params_text": params_to_text(self.params, values), **_json_safe(d.extras)}
        if stopped is not None:
            extras["fallback"] = {"reason": stopped.reason, "budget_seconds": budget,
                                  ("limit_mb" if stopped.reason == "memory" else "limit_seconds"): stopped.limit}
        elif fallback is not None:
            extras["fallback"] = {"reason": "time_budget", "budget_seconds": budget}
        return Solution(
            family=self.name,
            title=self.title,
            params=params_to_json(self.params, values),
            conventions=tuple(c.use(conv[c.name]) for c in self.conventions),
            statement=statement.text(),
            statement_rich=statement,
            steps=steps,
            status=d.status,
            path=path,
            extras=extras,
            precision=_precision_json(style().answer),
        )

    def solve_example(self, conventions: Mapping[str, str] | None = None, **kw) -> Solution:
        conv = dict(self.example.conventions)
        conv.update(conventions or {})
        return self.solve(dict(self.example.params), conv, **kw)

    def generate(self, seed: int) -> dict[str, Any]:
        """A random well-posed instance, reproducible from its seed."""
        rng = np.random.default_rng(seed)
        return self.module.generate(rng)

    def schema(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "topic": self.topic,
            "summary": self.summary,
            "description": self.description,
            "params": [p.schema() for p in self.params],
            "conventions": [c.schema() for c in self.conventions],
            "example": {"params": {k: str(v) if not isinstance(v, str) else v for k, v in self.example.params.items()},
                        "conventions": dict(self.example.conventions), "source": self.example.source},
        }


@functools.lru_cache(maxsize=None)
def _takes_conventions(fn) -> bool:
    """True when a family's statement function takes (params, conventions); once per function (inspect.signature
    cost 0.07 ms on every solve)."""
    import inspect

    try:
        return len(inspect.signature(fn).parameters) >= 2
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def _precision_json(p: Precision) -> dict[str, int]:
    return {"sig": p.sig} if p.sig is not None else {"dp": p.dp}


def _budget_note(budget: float) -> Step:
    limit = "its time budget" if math.isinf(budget) else f"its time budget of {budget:g} s"
    return Step("note", "Numeric working: the exact working took too long",
                text=(f"Working this problem in exact arithmetic, step by step, took longer than {limit}, so "
                      "these steps use the numeric path instead: floating-point arithmetic (float64), summary "
                      "steps and answers rounded as usual. Smaller numbers or fewer steps give the full exact "
                      "working."))


def _check_digits(raw: Mapping[str, Any], family: str) -> None:
    """Only ASCII digits in typed text, in every field of every family (solver.parse.check_ascii_digits)."""
    from .parse import ParseError, check_ascii_digits

    def texts(v, depth=0):
        if isinstance(v, str):
            yield v
        elif isinstance(v, (list, tuple)) and depth < 3:
            for x in v:
                yield from texts(x, depth + 1)

    for name, value in raw.items():
        for text in texts(value):
            try:
                check_ascii_digits(text)
            except ParseError as e:
                raise InvalidInput(str(name), f"The '{name}' parameter of {family} is invalid: {e}.") from None


def _stop_note(stop, budget: float) -> Step:
    from .sandbox import describe_stop

    title, clause = describe_stop(stop)
    return Step("note", title,
                text=(f"Working this problem in exact arithmetic, step by step, {clause}; these steps use the "
                      "numeric path instead: floating-point arithmetic (float64), summary steps and answers "
                      "rounded as usual. Smaller numbers or fewer steps give the full exact working."))


def _check_module(name: str, mod: ModuleType) -> None:
    missing = [a for a in _REQUIRED if not hasattr(mod, a)]
    if missing:
        raise TypeError(f"family module problems/{name}.py lacks {', '.join(missing)}")
    if mod.TOPIC not in TOPICS:
        raise TypeError(f"family {name}: TOPIC {mod.TOPIC!r} is not one of {sorted(TOPICS)}")


_loaded: dict[str, Family] = {}


def _load(name: str) -> Family:
    fam = _loaded.get(name)
    if fam is None:
        mod = importlib.import_module(f"problems.{name}")
        _check_module(name, mod)
        fam = _loaded[name] = Family(name, mod)
    return fam


from .catalog import names, summaries  # noqa: E402  (light: no SymPy, for `stepwise list`)


def families() -> dict[str, Family]:
    """Every family, imported and checked."""
    return {n: _load(n) for n in names()}


def get(name: str) -> Family:
    """One family by name (imports only that module)."""
    key = str(name).strip().lower().replace("-", "_")
    fam = _loaded.get(key)
    if fam is not None:  # (listing problems/ on every call cost a directory scan per solve)
        return fam
    known = names()
    if key not in known:
        raise UnknownFamily(str(name), known)
    return _load(key)
