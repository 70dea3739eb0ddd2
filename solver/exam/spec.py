"""Exam files: TOML text in, a validated ExamSpec out, and the same TOML back (canonical form).

    title = "Mathematics of deep learning: midterm"      # required
    course = "DL 301"
    date = "2025-03-14"                                   # a string or a TOML date
    instructions = "Answer every question. Give numbers to 4 decimal places."
    seed = 2025                                           # exam seed (`--seed` overrides); default 0
    variants = 30                                         # how many variants (`--variants` overrides); default 1
    precision = { dp = 4 }                                # every answer's precision: { dp = N } decimal places or
                                                          # { sig = N } significant figures ("5dp", "4sf" also read);
                                                          # default 4 decimal places; a problem may set its own

    [conventions]               # defaults, applied to every problem whose family has the convention
    eps_placement = "outside"

    [[problems]]                # a fixed problem: the same numbers in every variant
    family = "<family name>"    # as `stepwise list` prints it
    marks = 10
    [problems.params]           # the family's parameters, typed as on the command line
    X = "(-1,2), (0,-1), (2,1)"

    [[problems]]                # a randomised problem: the family's generator, one instance per variant
    family = "<family name>"
    marks = 5
    seed_offset = 1             # optional: another stream of instances for the same family
    answers = ["<answer>"]      # optional: the answers graded (default: every gradable answer); a trace
                                # entry by its address too, such as "loss@t=3" or "w@epoch=1"
    precision = { sig = 3 }     # optional: this problem's precision (over the exam's)
    [problems.fix]              # optional: generated values overridden
    base = "2"
    [problems.vary]             # optional: ranges drawn per variant (solver.exam.vary)
    lr = { min = 0.01, max = 0.1 }
    steps = [2, 3]
    [problems.conventions]      # optional: this problem's conventions (over the defaults)
    bias_correction = "off"

examples/midterm.toml is a complete exam. A problem is randomised when it has no `params` (`random =
true` may say so explicitly). Every error is an InvalidInput whose `field` is a path into the file,
such as "problems[2].params.lr" or "conventions.eps_placement", and whose message names the problem
by number and family ("Problem 2 (<family>): ..."). Problems are numbered from 1, as on the question
paper, in fields and messages alike.

Parameter values are kept as written (text, numbers, booleans, lists), so a file read and written
back (`dumps(loads(text))`) is the same exam, and `loads(dumps(spec)) == spec`.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Mapping

from .limits import MAX_BYTES, check_toml

from ..params import InvalidInput

MAX_VARIANTS = 1000
MAX_PROBLEMS = 100
MAX_SEED = 2**63 - 1

_EXAM_KEYS = ("title", "course", "date", "instructions", "seed", "variants", "precision", "conventions", "problems")
_PROBLEM_KEYS = ("family", "marks", "params", "random", "fix", "vary", "seed_offset", "conventions", "answers",
                 "precision")


@dataclass(frozen=True)
class ProblemSpec:
    """One question of the exam: a family with fixed `params`, or randomised (params None) with `fix` overrides."""

    family: str
    marks: float | int = 1
    params: Mapping[str, Any] | None = None
    fix: Mapping[str, Any] = field(default_factory=dict)
    seed_offset: int = 0
    conventions: Mapping[str, str] = field(default_factory=dict)
    answers: tuple[str, ...] | None = None
    #: parameter -> the instructor's range or choices for it (solver.exam.vary), drawn per variant
    vary: Mapping[str, Any] = field(default_factory=dict)
    precision: Mapping[str, int] = field(default_factory=dict)  # {"dp": 5} or {"sig": 4}; {}: the exam's

    @property
    def random(self) -> bool:
        return self.params is None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"family": self.family, "marks": self.marks}
        if self.params is not None:
            d["params"] = dict(self.params)
        else:
            if self.seed_offset:
                d["seed_offset"] = self.seed_offset
            if self.fix:
                d["fix"] = dict(self.fix)
            if self.vary:
                d["vary"] = dict(self.vary)
        if self.answers is not None:
            d["answers"] = list(self.answers)
        if self.precision:
            d["precision"] = dict(self.precision)
        if self.conventions:
            d["conventions"] = dict(self.conventions)
        return d


@dataclass(frozen=True)
class ExamSpec:
    title: str
    problems: tuple[ProblemSpec, ...]
    course: str = ""
    date: str = ""
    instructions: str = ""
    seed: int = 0
    variants: int = 1
    conventions: Mapping[str, str] = field(default_factory=dict)
    precision: Mapping[str, int] = field(default_factory=dict)  # {"dp": 5} or {"sig": 4}; {}: 4 decimal places

    def precision_for(self, problem: ProblemSpec):
        """The Precision a problem's answers are given and graded to (its own, else the exam's; None: the default)."""
        from ..numbers import precision_from

        return precision_from(dict(problem.precision or self.precision))

    @property
    def total_marks(self) -> float | int:
        return sum(p.marks for p in self.problems)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"title": self.title}
        for k in ("course", "date", "instructions"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        d["seed"] = self.seed
        d["variants"] = self.variants
        if self.precision:
            d["precision"] = dict(self.precision)
        if self.conventions:
            d["conventions"] = dict(self.conventions)
        d["problems"] = [p.to_dict() for p in self.problems]
        return d


# ---- reading -----------------------------------------------------------------------------------------

def loads(text: str) -> ExamSpec:
    """Parse and validate an exam file's text (its size, nesting and keys checked first: solver.exam.limits)."""
    check_toml(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput("file", f"The exam file is not valid TOML: {e}.") from None
    return from_dict(data)


def load(path) -> ExamSpec:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # a larger file is refused without reading it whole
    except OSError as e:
        raise InvalidInput("file", f"Cannot read the exam file {str(path)!r}: {e.strerror or e}.") from None
    if len(raw) > MAX_BYTES:
        raise InvalidInput("file", f"The exam file is larger than the limit of {MAX_BYTES:,} bytes.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("file", f"The exam file {str(path)!r} is not UTF-8 text.") from None
    return loads(text)


def _where(n: int | None, family: str | None) -> str:
    if n is None:
        return ""
    return f"Problem {n}" + (f" ({family})" if family else "") + ": "


def _unknown_keys(data: Mapping, known: tuple[str, ...], prefix: str, where: str) -> None:
    for k in data:
        if k not in known:
            raise InvalidInput(f"{prefix}{k}", f"{where}unknown key '{k}' (the keys are: {', '.join(known)}).")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAK = re.compile(r"\n")


def _text(data: Mapping, key: str, where: str = "", prefix: str = "", required: bool = False,
          lines: bool = False) -> str:
    v = data.get(key)
    if v is None:
        if required:
            raise InvalidInput(prefix + key, f"{where}'{key}' is required.")
        return ""
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if not isinstance(v, str):
        raise InvalidInput(prefix + key, f"{where}'{key}' must be text. Got {_got(v)} instead.")
    if required and not v.strip():
        raise InvalidInput(prefix + key, f"{where}'{key}' must not be empty.")
    # every export embeds these: control characters have no place in them, and a title is one line
    bad = _CONTROL.search(v) or (None if lines else _LINE_BREAK.search(v))
    if bad:
        what = "a line break" if bad.group() == "\n" else f"the control character U+{ord(bad.group()):04X}"
        raise InvalidInput(prefix + key, f"{where}'{key}' must be {'text' if lines else 'one line of text'} without "
                                         f"control characters; it contains {what}.")
    return v


def _int(data: Mapping, key: str, default: int, lo: int, hi: int, prefix: str = "", where: str = "") -> int:
    v = data.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int):
        raise InvalidInput(prefix + key, f"{where}'{key}' must be a whole number. Got {_got(v)} instead.")
    if not lo <= v <= hi:
        raise InvalidInput(prefix + key, f"{where}'{key}' must be in the range [{lo}, {hi}]. Got {v} instead.")
    return v


def _got(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _table(v: Any, field_: str, where: str, what: str) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise InvalidInput(field_, f"{where}'{what}' must be a table of name = value. Got {_got(v)} instead.")
    return dict(v)


def _plain(v: Any) -> Any:
    """A TOML value as plain data (dates as ISO text), so specs compare and serialise simply."""
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def from_dict(data: Mapping[str, Any]) -> ExamSpec:
    """Validate plain data (a parsed TOML document, or the JSON the web builder sends) into an ExamSpec."""
    if not isinstance(data, Mapping):
        raise InvalidInput("file", "An exam must be a table of keys (title, problems, ...).")
    _unknown_keys(data, _EXAM_KEYS, "", "")
    title = _text(data, "title", required=True)
    course = _text(data, "course")
    date = _text(data, "date")
    instructions = _text(data, "instructions", lines=True)
    seed = _int(data, "seed", 0, 0, MAX_SEED)
    variants = _int(data, "variants", 1, 1, MAX_VARIANTS)
    precision = _precision(data.get("precision"), "precision", "")
    defaults = _conventions(data.get("conventions"), "conventions", "")
    problems_raw = data.get("problems")
    if not isinstance(problems_raw, list) or not problems_raw:
        raise InvalidInput("problems", "An exam needs at least one problem: add a [[problems]] table with a family and marks.")
    if len(problems_raw) > MAX_PROBLEMS:
        raise InvalidInput("problems", f"An exam may have at most {MAX_PROBLEMS} problems. Got {len(problems_raw)}.")
    problems = tuple(_problem(p, n, defaults) for n, p in enumerate(problems_raw, 1))
    # a default convention that no problem's family has is a typo
    from ..registry import get

    for name in defaults:
        if not any(name in {c.name for c in get(p.family).conventions} for p in problems):
            raise InvalidInput(f"conventions.{name}", f"No problem of this exam has a convention '{name}': the default "
                               "conventions apply to families that have them.")
    return ExamSpec(title=title, problems=problems, course=course, date=date, instructions=instructions, seed=seed,
                    variants=variants, conventions=defaults, precision=precision)


def _precision(raw: Any, field_: str, where: str) -> dict[str, int]:
    """{"dp": n} or {"sig": n} from `{ dp = 5 }`, `{ sig = 4 }` or "5dp" (the one reader: numbers.precision_from)."""
    from ..numbers import precision_from

    try:
        p = precision_from(raw, field_)
    except InvalidInput as e:
        raise InvalidInput(field_, f"{where}{e.message}") from None
    if p is None:
        return {}
    return {"dp": p.dp} if p.dp is not None else {"sig": p.sig}


def _conventions(raw: Any, prefix: str, where: str) -> dict[str, str]:
    table = _table(raw, prefix, where, "conventions")
    out = {}
    for k, v in table.items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise InvalidInput(f"{prefix}.{k}", f"{where}the convention '{k}' must be a choice written as text. Got {_got(v)} instead.")
        out[k] = v if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v)
    return out


def _problem(raw: Any, n: int, defaults: Mapping[str, str]) -> ProblemSpec:
    from ..registry import get

    prefix = f"problems[{n}]."
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"problems[{n}]", f"Problem {n} must be a table with a family and marks. Got {_got(raw)} instead.")
    family_raw = raw.get("family")
    where = _where(n, family_raw if isinstance(family_raw, str) else None)
    _unknown_keys(raw, _PROBLEM_KEYS, prefix, where)
    if not isinstance(family_raw, str) or not family_raw.strip():
        raise InvalidInput(prefix + "family", f"{where}'family' is required: the name of a problem family (see `stepwise list`).")
    try:
        fam = get(family_raw)
    except InvalidInput as e:
        raise InvalidInput(prefix + "family", f"{where}{e.message}") from None
    where = _where(n, fam.name)
    marks = raw.get("marks", 1)
    if isinstance(marks, bool) or not isinstance(marks, (int, float)) or not math.isfinite(marks) or marks <= 0:
        raise InvalidInput(prefix + "marks", f"{where}'marks' must be a positive number. Got {_got(marks)} instead.")
    params = raw.get("params")
    random = raw.get("random")
    if random is not None and not isinstance(random, bool):
        raise InvalidInput(prefix + "random", f"{where}'random' must be true or false. Got {_got(random)} instead.")
    if params is not None and random:
        raise InvalidInput(prefix + "random", f"{where}a problem with fixed 'params' cannot be random; "
                           "use 'fix' to override some generated values instead.")
    if params is None and random is False:
        raise InvalidInput(prefix + "params", f"{where}'random = false' needs fixed 'params'.")
    conv_raw = _conventions(raw.get("conventions"), prefix + "conventions", where)
    merged = {k: v for k, v in defaults.items() if k in {c.name for c in fam.conventions}}
    merged.update(conv_raw)
    try:
        fam.resolve_conventions(merged)
    except InvalidInput as e:
        f = f"{prefix}conventions.{e.field}" if e.field in conv_raw else f"conventions.{e.field}"
        raise InvalidInput(f, f"{where}{e.message}") from None
    precision = _precision(raw.get("precision"), prefix + "precision", where)
    answers = raw.get("answers")
    if answers is not None:
        if isinstance(answers, str):
            answers = [answers]
        if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a for a in answers):
            raise InvalidInput(prefix + "answers", f"{where}'answers' must be a list of answer names. Got {_got(answers)} instead.")
        if len(set(answers)) != len(answers):
            raise InvalidInput(prefix + "answers", f"{where}'answers' names an answer twice.")
        answers = tuple(answers)
    if params is not None:
        params = _plain(_table(params, prefix + "params", where, "params"))
        for k in ("fix", "vary", "seed_offset"):
            if k in raw:
                raise InvalidInput(prefix + k, f"{where}'{k}' applies to randomised problems only; this one has fixed 'params'.")
        try:
            fam.validate(params)
        except InvalidInput as e:
            raise InvalidInput(f"{prefix}params.{e.field}", f"{where}{e.message}") from None
        return ProblemSpec(fam.name, marks, params, {}, 0, conv_raw, answers, precision=precision)
    fix = _plain(_table(raw.get("fix"), prefix + "fix", where, "fix"))
    offset = _int(raw, "seed_offset", 0, 0, 2**32 - 1, prefix, where)
    if fix:
        known = {p.name for p in fam.params}
        for k in fix:
            if k not in known:
                raise InvalidInput(f"{prefix}fix.{k}", f"{where}{fam.name} has no parameter '{k}' (its parameters: "
                                   f"{', '.join(sorted(known))}).")
        # check the overrides on one generated instance, so a bad value is reported now, naming its field
        probe = dict(fam.generate(0))
        probe.update(fix)
        try:
            fam.validate(probe)
        except InvalidInput as e:
            f = f"{prefix}fix.{e.field}" if e.field in fix else f"{prefix}fix"
            raise InvalidInput(f, f"{where}{e.message}") from None
    vary = _plain(_table(raw.get("vary"), prefix + "vary", where, "vary"))
    if vary:
        from . import vary as V

        known = {p.name for p in fam.params}
        for k, rule in vary.items():
            if k not in known:
                raise InvalidInput(f"{prefix}vary.{k}", f"{where}{fam.name} has no parameter '{k}' (its parameters: "
                                   f"{', '.join(sorted(known))}).")
            if k in fix:
                raise InvalidInput(f"{prefix}vary.{k}", f"{where}'{k}' is both fixed ('fix') and varied ('vary').")
            V.check(rule, f"{prefix}vary.{k}", f"{where}'vary.{k}': ")
        probe = dict(fam.generate(0))
        probe.update(fix)
        probe.update(V.draw(vary, 0))
        try:
            fam.validate(probe)
        except InvalidInput as e:
            f = f"{prefix}vary.{e.field}" if e.field in vary else f"{prefix}vary"
            raise InvalidInput(f, f"{where}{e.message}") from None
    return ProblemSpec(fam.name, marks, None, fix, offset, conv_raw, answers, vary, precision)


# ---- writing -------------------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else _str(k)


def _str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        r = repr(v)
        return r if any(c in r for c in ".en") else r + ".0"
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps(spec: ExamSpec) -> str:
    """The exam as canonical TOML (keys in a fixed order; `loads(dumps(spec)) == spec`)."""
    d = spec.to_dict()
    lines = []
    for k in ("title", "course", "date", "instructions", "seed", "variants", "precision"):
        if k in d:
            lines.append(f"{k} = {_value(d[k])}")
    if d.get("conventions"):
        lines += ["", "[conventions]"] + [f"{_key(k)} = {_value(v)}" for k, v in d["conventions"].items()]
    for p in d["problems"]:
        lines += ["", "[[problems]]", f"family = {_value(p['family'])}", f"marks = {_value(p['marks'])}"]
        if "params" not in p:
            lines.append("random = true")
        for k in ("seed_offset", "answers", "precision"):
            if k in p:
                lines.append(f"{k} = {_value(p[k])}")
        for k in ("params", "fix", "vary", "conventions"):
            if p.get(k):
                lines.append(f"[problems.{k}]")
                lines += [f"{_key(n)} = {_value(v)}" for n, v in p[k].items()]
            elif k == "params" and "params" in p:
                lines.append("params = {}")
    return "\n".join(lines) + "\n"
