"""Corrections of the course notes, as data: a family declares `ERRATA`, the engine matches and explains them.

Course notes contain mistakes. When a user enters the very instance a note worked, the solution follows
the mathematics and says, in a note step, what the note wrote, what is right and why, and where in the
notes it is (week and topic in words, never an internal id). A family declares its errata:

    ERRATA = (
        Erratum(
            where="the course notes, week 4 (Nesterov momentum, the solved exam problem)",
            params={"x": "0.5", "y": "1", "lr": "0.1", "beta": "0.9"},   # the instance, as typed
            conventions={"nag_form": "notes"},                           # the conventions the note used
            wrote="y_hat = 1/(1 + e^(1.78 x 0.5 - 0.72)) = 0.52 and dL/dw = -0.05",
            right="y_hat = sigma(0.17) = 0.5424 and dL/dw = {grad_lookahead[0]}",
            why="the exponent's minus sign is dropped, and 0.52 is a rounding of 0.5424",
        ),
    )

An erratum applies when every parameter it names equals the user's value (both parsed by the family's
own spec, so "0.5" matches 1/2 and "(2.5, 0)" matches a vector) and every convention it names is the
one in use. Its texts may hold `{answer}` or `{answer[i]}` (or `{answer[i][j]}`) placeholders, filled
with the solution's answers through the formatting layer, so a correction states the value this
solution computed instead of a number copied into the code. A value the correction states that is not
an answer (what the note's slip would give, a quantity under another convention) comes from `values`,
a function of the parsed parameters and the answers returning {name: value}; its placeholders are
filled as an answer's would be.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .steps import Answer, Step

KINDS = ("error", "ambiguity", "notation", "remark")

_TITLES = {
    "error": "Where the course notes slipped",
    "ambiguity": "An ambiguity in the course notes",
    "notation": "How the course notes label this",
    "remark": "What the course notes say here",
}


@dataclass(frozen=True)
class Erratum:
    """What a note wrote for one instance, what is right and why, and where the note is (in words)."""

    where: str
    params: Mapping[str, Any]
    wrote: str
    right: str
    why: str = ""
    conventions: Mapping[str, str] = field(default_factory=dict)
    #: "error" (the notes slipped), "ambiguity", "notation" (a label, not a value, is off) or "remark" (the notes
    #: are right, and the solution points to what they wrote for this instance)
    kind: str = "error"
    #: the title of the note step; by default one per kind ("Where the course notes slipped")
    title: str = ""
    #: a predicate on the parsed parameters for what `params` cannot say (None: none)
    also: Any = None
    #: values named in the texts that are not answers: values(params, answers) -> {name: value} (None: none)
    values: Any = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Erratum kind must be one of {KINDS}; got {self.kind!r}")
        for text in (self.where, self.wrote, self.right, self.why, self.title):
            if re.search(r"\bWE-|\bnotes 00\d", text):
                raise ValueError(f"an erratum names an internal reference: {text!r}")

    def applies(self, family, values: Mapping[str, Any], conventions: Mapping[str, str]) -> bool:
        for name, choice in self.conventions.items():
            if conventions.get(name) != choice:
                return False
        for name, raw in self.params.items():
            if not _same(family.param(name).spec, raw, values.get(name)):
                return False
        return self.also is None or bool(self.also(values))

    def step(self, answers: Mapping[str, Answer], params: Mapping[str, Any] | None = None) -> Step:
        if self.values is not None:
            from .symbolic import make_answer

            extra = {k: make_answer(k, v) for k, v in self.values(params or {}, answers).items() if k not in answers}
            answers = {**answers, **extra}
        fill = _Filler(answers)
        parts = [f"In {self.where}, the notes write {fill(self.wrote)}."]
        parts.append(_sentence(fill(self.right)))
        if self.why:
            parts.append(_sentence(fill(self.why)))
        return Step("note", self.title or _TITLES[self.kind], text=" ".join(parts))


def _sentence(s: str) -> str:
    s = s.strip()
    if not s:
        return s
    s = s[0].upper() + s[1:]
    return s if s.endswith((".", "!", "?", ")")) else s + "."


def _same(spec, raw: Any, value: Any) -> bool:
    if raw is None or value is None:
        return raw is None and value is None
    if getattr(value, "ndim", 0) and value.size > 1:  # an array (numeric input) is never the notes' typed example
        return False
    try:
        want = _parsed(spec, raw)
    except TypeError:  # (a spec or text that cannot be a cache key: parsed each time)
        want = _parsed.__wrapped__(spec, raw)
    if want is _UNPARSED:
        return False
    try:
        return bool(want == value)
    except (TypeError, ValueError):  # an array compared elementwise
        return False


_UNPARSED = object()


@functools.lru_cache(maxsize=4096)
def _parsed(spec, raw):
    """An erratum's parameter text parsed once (every solve of the family asks whether the erratum applies)."""
    try:
        return spec.parse(raw)
    except ValueError:
        return _UNPARSED


class _Filler:
    """`{name}`, `{name[i]}`: an answer's display, or one entry of a vector answer in the working precision."""

    _FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)\}")

    def __init__(self, answers: Mapping[str, Answer]):
        self.answers = answers

    def __call__(self, text: str) -> str:
        return self._FIELD.sub(self._one, text)

    def _one(self, m: re.Match) -> str:
        from . import format as F

        name, index = m.group(1), m.group(2)
        a = self.answers.get(name)
        if a is None:
            raise KeyError(f"an erratum refers to the answer {name!r}, which this solution does not have")
        if not index:
            return a.display
        v: Any = a.numeric_value()
        for i in re.findall(r"\[(\d+)\]", index):
            v = v[int(i)]
        if isinstance(v, list) or (isinstance(v, int) and not isinstance(v, bool)):
            return F.text(v)  # a whole number as a whole number (an answer's display shows -1133, not -1133.0000)
        return F.fixed(v, strip=False)


def notes(errata: Sequence[Erratum], family, values, conventions, answers: Mapping[str, Answer]) -> tuple[Step, ...]:
    """The note steps of the errata that apply to this instance."""
    return tuple(e.step(answers, values) for e in errata if e.applies(family, values, conventions))


__all__ = ["Erratum", "notes", "KINDS"]
