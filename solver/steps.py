"""Steps and Solutions: typed, immutable, JSON-serialisable records of a worked solution (schema 1).

A Solution is a tree of Steps. A Step states one thing: a given, a general formula, the formula with
the numbers substituted, the value, a comparison, an update, a conclusion or a note. Answers live on
the steps that establish them and a Solution reads its answers from its steps, so the explanation and
the answer cannot disagree. Renderers (solver.render) walk this tree; they know no family.

JSON contract (stable; bump SCHEMA_VERSION on any incompatible change):
    {"schema": 1, "family": str, "title": str, "params": {name: value}, "conventions": {name: choice},
     "convention_notes": [{"name", "choice", "description"}], "statement": str (Unicode text),
     "statement_rich": [{"text": str} | {"latex": str, "text": str}] (prose and maths, in order),
     "steps": [step...], "answers": {name: {"value", "display", "latex", "tolerance", "unit"}},
     "status": "solved" | "not_converged" | "unsupported" | "undefined", "path": "exact" | "numeric",
     "precision": {"dp": int} | {"sig": int}, "extras": {...}}
    step = {"kind", "title", "text", "formula", "substituted", "value" (each {"latex", "text"} or null),
            "table" ({"columns": [...], "rows": [[...]], and for an addressable trace "keys": [...],
                      "index": [...], "values": [[...]]} or null), "answers": [name...], "children": [step...]}
Vectors and matrices are nested lists of numbers; infinities are the strings "inf" and "-inf".
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from .numbers import Tolerance, from_json_number

SCHEMA_VERSION = 1

#: The step vocabulary. `given`: a datum of the problem; `formula`: a general rule; `substitute`:
#: numbers put into a rule; `compute`: a value worked out; `update`: a parameter changed; `compare`:
#: a test (prediction vs label, a check); `conclude`: an answer stated; `note`: a remark (a
#: convention, a mistake in the notes, why something is done).
KINDS = ("given", "formula", "substitute", "compute", "update", "compare", "conclude", "note")

#: Solution status. Only invalid input raises; everything else is a status with an explaining step.
STATUSES = ("solved", "not_converged", "unsupported", "undefined")


@dataclass(frozen=True)
class Math:
    """One piece of mathematics in two spellings: LaTeX (for Markdown, LaTeX, HTML) and plain text (terminal)."""

    latex: str
    text: str

    def to_json(self) -> dict:
        return {"latex": self.latex, "text": self.text}

    @classmethod
    def from_json(cls, data) -> "Math | None":
        return None if data is None else cls(data["latex"], data["text"])


class LazyRows(Sequence):
    """A large table's rows (display text, or the cells' JSON values), made when first read (rendered, serialised,
    addressed), not when the table is made: a solve asked only for its answers does not format 3,000 cells it
    never shows. `make()` gives the rows (tuples); `n` is their number. It reads as (and equals) that tuple."""

    __slots__ = ("_make", "_rows", "_n")

    def __init__(self, n: int, make: Callable[[], tuple]):
        self._n, self._make, self._rows = n, make, None

    def _all(self) -> tuple:
        if self._rows is None:
            self._rows, self._make = self._make(), None
        return self._rows

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        return self._all()[i]

    def __iter__(self):
        return iter(self._all())

    def __eq__(self, other) -> bool:
        return self._all() == (tuple(other) if isinstance(other, LazyRows) else other)

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self):  # pickled (a worker's solution) as the plain tuple
        return tuple, (self._all(),)


@dataclass(frozen=True)
class Table:
    """A trace table: column headers (each Math) and rows of display cells (formatted by solver.format).

    An addressable table also names its columns (`keys`, identifiers such as "epoch", "w", "loss"), says
    which of them identify a row (`index`: ("epoch", "point"), ("t",)) and keeps the cells' values as
    JSON data (`values`, the same shape as `rows`). Every other column's entries are then answers,
    addressed as `name@key=value,...` (solver.address): `loss@t=3`, `w@epoch=1`.
    """

    columns: tuple[Math, ...]
    rows: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...] = ()
    index: tuple[str, ...] = ()
    values: tuple[tuple[Any, ...], ...] = ()

    def __post_init__(self):
        if self.keys:
            if len(self.keys) != len(self.columns):
                raise ValueError(f"a table names {len(self.keys)} keys for {len(self.columns)} columns")
            if any(k not in self.keys for k in self.index):
                raise ValueError(f"index {self.index} names a column the table does not have ({self.keys})")
            if len(self.values) != len(self.rows):
                raise ValueError("an addressable table keeps one row of values per row")

    @property
    def addressable(self) -> bool:
        return bool(self.keys and self.index)

    def to_json(self) -> dict:
        d = {"columns": [c.to_json() for c in self.columns], "rows": [list(r) for r in self.rows]}
        if self.keys:
            d.update(keys=list(self.keys), index=list(self.index), values=[list(r) for r in self.values])
        return d

    @classmethod
    def from_json(cls, data) -> "Table | None":
        if data is None:
            return None
        return cls(tuple(Math.from_json(c) for c in data["columns"]), tuple(tuple(r) for r in data["rows"]),
                   tuple(data.get("keys", ())), tuple(data.get("index", ())),
                   tuple(tuple(r) for r in data.get("values", ())))


@dataclass(frozen=True)
class Answer:
    """A named answer established by a step.

    `value`: JSON data (number, bool, string, nested list, or list of row dicts for traces);
    `display`: the value as an exam would print it; `latex`: the same in LaTeX (exact form when there
    is one, e.g. \\frac{37+\\sqrt{565}}{2}); `tolerance`: what a grader accepts (None for exact
    answers such as booleans, counts and traces).
    """

    name: str
    value: Any
    display: str
    latex: str
    tolerance: Tolerance | None = None
    unit: str = ""

    def to_json(self) -> dict:
        return {
            "value": self.value,
            "display": self.display,
            "latex": self.latex,
            "tolerance": None if self.tolerance is None else self.tolerance.to_json(),
            "unit": self.unit,
        }

    @classmethod
    def from_json(cls, name: str, data: dict) -> "Answer":
        return cls(name, data["value"], data["display"], data["latex"], Tolerance.from_json(data.get("tolerance")), data.get("unit", ""))

    def numeric_value(self):
        """The value with 'inf' strings turned back into floats (nested lists kept)."""
        return _denumber(self.value)


def _rich_from_json(data, fallback: str):
    from .richtext import Rich

    return Rich.from_json(data, fallback)


def _denumber(v):
    if isinstance(v, list):
        return [_denumber(x) for x in v]
    return from_json_number(v)


@dataclass(frozen=True)
class Step:
    kind: str
    title: str
    text: str = ""
    formula: Math | None = None
    substituted: Math | None = None
    value: Math | None = None
    table: Table | None = None
    answers: tuple[Answer, ...] = ()
    children: tuple["Step", ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown step kind {self.kind!r}; one of {KINDS}")

    def walk(self) -> Iterator["Step"]:
        yield self
        for c in self.children:
            yield from c.walk()

    def to_json(self, answers_out: dict | None = None) -> dict:
        if answers_out is not None:
            for a in self.answers:
                answers_out[a.name] = a.to_json()
        return {
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            "formula": None if self.formula is None else self.formula.to_json(),
            "substituted": None if self.substituted is None else self.substituted.to_json(),
            "value": None if self.value is None else self.value.to_json(),
            "table": None if self.table is None else self.table.to_json(),
            "answers": [a.name for a in self.answers],
            "children": [c.to_json(answers_out) for c in self.children],
        }

    @classmethod
    def from_json(cls, data: dict, answers: Mapping[str, dict]) -> "Step":
        return cls(
            kind=data["kind"],
            title=data["title"],
            text=data.get("text", ""),
            formula=Math.from_json(data.get("formula")),
            substituted=Math.from_json(data.get("substituted")),
            value=Math.from_json(data.get("value")),
            table=Table.from_json(data.get("table")),
            answers=tuple(Answer.from_json(n, answers[n]) for n in data.get("answers", [])),
            children=tuple(cls.from_json(c, answers) for c in data.get("children", [])),
        )


@dataclass(frozen=True)
class ConventionUse:
    """A convention as a solution used it: its name, the chosen option, and the sentence explaining it."""

    name: str
    choice: str
    description: str

    def to_json(self) -> dict:
        return {"name": self.name, "choice": self.choice, "description": self.description}


@dataclass(frozen=True)
class Solution:
    family: str
    title: str
    params: Mapping[str, Any]
    conventions: tuple[ConventionUse, ...]
    statement: str
    steps: tuple[Step, ...]
    status: str = "solved"
    path: str = "exact"
    schema: int = SCHEMA_VERSION
    extras: Mapping[str, Any] = field(default_factory=dict)
    #: the precision the answers were asked in ({"dp": 4} or {"sig": 3}); rules trace answers' tolerances
    precision: Mapping[str, int] = field(default_factory=lambda: {"dp": 4})
    #: the statement as rich text with maths (solver.richtext.Rich); `statement` is its Unicode text
    statement_rich: Any = None

    @property
    def rich_statement(self):
        """The statement as Rich (solver.richtext)."""
        return self.statement_rich

    def __post_init__(self):
        if self.statement_rich is None:  # a plain statement is prose
            from .richtext import Rich

            object.__setattr__(self, "statement_rich", Rich(self.statement))
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; one of {STATUSES}")
        seen: set[str] = set()
        for step in self.walk():
            for a in step.answers:
                if a.name in seen:
                    raise ValueError(f"answer {a.name!r} is established by two steps")
                seen.add(a.name)

    def walk(self) -> Iterator[Step]:
        for s in self.steps:
            yield from s.walk()

    @property
    def answers(self) -> dict[str, Answer]:
        """The answers, read from the steps that establish them, in step order."""
        return {a.name: a for step in self.walk() for a in step.answers}

    def answer(self, address: str) -> Answer:
        """An answer by name, or a trace entry by address (`loss@t=3`, `w@epoch=1`; solver.address).
        Raises KeyError with a message that lists what can be asked when nothing matches."""
        from .address import resolve

        return resolve(self, address)

    def addresses(self) -> list[str]:
        """Every answer name and every addressable trace entry (`loss@t=1`, ...), in step order."""
        from .address import addresses

        return addresses(self)

    @property
    def convention_choices(self) -> dict[str, str]:
        return {c.name: c.choice for c in self.conventions}

    def to_json(self) -> dict:
        answers: dict[str, dict] = {}
        steps = [s.to_json(answers) for s in self.steps]
        return {
            "schema": self.schema,
            "family": self.family,
            "title": self.title,
            "params": dict(self.params),
            "conventions": self.convention_choices,
            "convention_notes": [c.to_json() for c in self.conventions],
            "statement": self.statement,
            "statement_rich": self.rich_statement.to_json(),
            "steps": steps,
            "answers": answers,
            "status": self.status,
            "path": self.path,
            "precision": dict(self.precision),
            "extras": dict(self.extras),
        }

    def dumps(self, **kw) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, **kw)

    @classmethod
    def from_json(cls, data: dict) -> "Solution":
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"unsupported solution schema {data.get('schema')!r}; this Stepwise reads schema {SCHEMA_VERSION}")
        answers = data.get("answers", {})
        return cls(
            family=data["family"],
            title=data.get("title", data["family"]),
            params=data["params"],
            conventions=tuple(ConventionUse(c["name"], c["choice"], c["description"]) for c in data.get("convention_notes", [])),
            statement=data["statement"],
            steps=tuple(Step.from_json(s, answers) for s in data["steps"]),
            status=data.get("status", "solved"),
            path=data.get("path", "exact"),
            extras=data.get("extras", {}),
            precision=data.get("precision", {"dp": 4}),
            statement_rich=_rich_from_json(data.get("statement_rich"), data["statement"]),
        )
