"""Check my answer: read a typed value, compare it with an answer within its tolerance, explain a miss.

A verdict tells three things apart, as a grader would:
- `malformed`: the text cannot be read as a value of the answer's type (a number, a vector, a matrix,
  true/false); the message says why, in the parser's words. Numbers may be typed in the exact forms a
  solution page prints: fractions, roots, π, e, logarithms (`1/3`, `sqrt(2)/2`, `2√3`, `(17+sqrt(205))/3`,
  `ln 2`), read by the safe expression parser (solver.parse.parse_expr: no eval, no sympify of user text);
  a vector or matrix of exact forms separates its entries with commas (`[sqrt(2)/2, -sqrt(2)/2]`);
- `wrong`: it reads, but is not within the answer's tolerance (nor, for answers defined up to sign,
  is its negation). The checker then re-solves the problem under every other choice of each of the
  family's conventions, one at a time, and under each common slip the family declares, and when the
  value matches one of those results it says so ("your value is what you get with ...");
- `correct`: within the tolerance.

The slips hook: a family module may declare

    SLIPS = (
        ("forgetting the bias correction", {"bias_correction": "off"}),     # a convention override
        ("dividing by N instead of N - 1", {"ddof": "n"}),
        ("a learning rate of the wrong sign", {"lr": lambda p: -p["lr"]}),  # a parameter override
    )

Each entry is (description, overrides). An override's key names a convention or a parameter of the
family (or the dict is {"params": {...}, "conventions": {...}}); its value is a choice / a raw value
as a user would type it, or a callable taking the validated parameters (for a parameter) or the
current convention choices (for a convention) and returning one. The description completes the
sentence "Your value is what you get with ...". Nothing here knows a family: the hook is read with
getattr(family.module, "SLIPS", ()).
"""
from __future__ import annotations

import dataclasses

import logging
import math
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator, Mapping

from solver import parse as P
from solver.numbers import Tolerance

try:  # sign groups (answers that must flip signs together) are newer than this module's first version
    from solver.numbers import accepts_together
except ImportError:  # pragma: no cover - an older engine
    accepts_together = None
from solver.params import InvalidInput
from solver.steps import Answer, Solution

log = logging.getLogger(__name__)

#: At most this many extra solves (alternative conventions and slips) per check.
MAX_ALTERNATIVES = 32
#: And no more than this many seconds spent on them.
TIME_BUDGET = 3.0

_INFINITIES = {"inf": math.inf, "+inf": math.inf, "infinity": math.inf, "∞": math.inf, "+∞": math.inf,
               "-inf": -math.inf, "-infinity": -math.inf, "-∞": -math.inf, "−∞": -math.inf, "−inf": -math.inf}


def value_kind(answer: Answer) -> str | None:
    """'number', 'vector', 'matrix', 'bool', 'text', or None for answers that cannot be typed (traces)."""
    v = answer.value
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "number" if v in ("inf", "-inf", "nan") else "text"
    if isinstance(v, list):
        if not v:
            return "vector"
        if all(isinstance(r, list) for r in v):
            if any(isinstance(x, (dict, list)) for r in v for x in r):
                return None  # deeper than a matrix (one matrix per channel): not typed in one box
            return "matrix"
        if any(isinstance(r, (dict, list)) for r in v):
            return None
        return "vector"
    return None


def checkable(answer: Answer) -> bool:
    return value_kind(answer) is not None


KIND_HINT = {
    "number": "a number, e.g. 0.25, 1/4, 2.5e-3 or sqrt(2)/2",
    "vector": "a vector, e.g. (1, -2), 1 -2 or (sqrt(2)/2, -sqrt(2)/2)",
    "matrix": "a matrix, e.g. [[1, 2], [3, 4]] or 1 2; 3 4",
    "bool": "true or false",
    "text": "a word",
}

#: Short placeholders for the answer boxes (the full hint is the box's title).
KIND_PLACEHOLDER = {"number": "e.g. 0.25", "vector": "e.g. (1, -2)", "matrix": "e.g. 1 2; 3 4",
                    "bool": "true or false", "text": ""}


class Malformed(ValueError):
    pass


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise Malformed(f"expected a number, got {raw!r}")
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str):
        key = raw.strip().lower()
        if key in _INFINITIES:
            return _INFINITIES[key]
        try:
            return float(P.parse_number(raw))
        except P.ParseError as e:
            if not _LOOKS_EXACT.search(raw):
                raise Malformed(str(e)) from None
            return exact_number(raw)
        except OverflowError:
            return math.inf if not raw.strip().startswith(("-", "−")) else -math.inf
    raise Malformed(f"expected a number, got {type(raw).__name__}")


# ---- exact forms: 1/3 + 1, sqrt(2)/2, 2√3, (17+sqrt(205))/3, π/4, ln 2, e^2 --------------------------------

#: Text that is more than a plain number: an operator, a bracket, a function or constant name, √ or π.
_LOOKS_EXACT = re.compile(r"[-+*/^()√π·×]|[A-Za-z]")
#: The functions and constants an exact answer may use (the safe parser's whitelist, without the
#: activations and max/min, which no printed answer uses).
EXACT_FUNCTIONS = ("sqrt", "exp", "log", "ln", "log2", "log10", "abs", "sin", "cos", "tan", "tanh", "sinh", "cosh",
                   "e", "pi")
#: Characters of one exact entry (the safe parser's own limit is larger), and entries of one exact
#: vector or matrix: each is parsed and evaluated on its own, so this bounds the time of one check.
MAX_EXACT_TEXT = 200
MAX_EXACT_ENTRIES = 1000
_FN_SPACE = re.compile(r"\b(sqrt|ln|log|log2|log10|exp)\s+(\d+(?:\.\d+)?|pi|e)\b")
_ROOT = re.compile(r"√\s*(\d+(?:\.\d+)?|pi|e)")
_IMPLICIT = re.compile(r"(\d|\))\s*(?=sqrt\(|pi\b|\()")


def _exact_text(text: str) -> str:
    """How people write exact values, in the safe parser's grammar: π -> pi, √2 -> sqrt(2), √(..) -> sqrt(..),
    2√3 -> 2*sqrt(3), 2π -> 2*pi, ln 2 -> ln(2), × and · -> *."""
    t = text.strip().replace("π", "pi").replace("×", "*").replace("·", "*")
    t = _ROOT.sub(r"sqrt(\1)", t).replace("√(", "sqrt(")
    t = _FN_SPACE.sub(r"\1(\2)", t)
    return _IMPLICIT.sub(r"\1*", t)


def exact_number(text: str) -> float:
    """An exact form typed as an answer, through the safe parser (solver.parse.parse_expr: no eval, no
    sympify of user text), as a float; Malformed with the parser's reason."""
    if len(text) > MAX_EXACT_TEXT:
        raise Malformed(f"an exact form is at most {MAX_EXACT_TEXT} characters long")
    try:
        expr = P.parse_expr(_exact_text(text), (), EXACT_FUNCTIONS)
    except P.ParseError as e:
        raise Malformed(str(e)) from None
    try:
        value = complex(expr.evalf(20))
    except (TypeError, ValueError, OverflowError):
        raise Malformed("it does not work out to a number") from None
    if value.imag != 0 and abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
        raise Malformed("it is not a real number")
    return value.real


def _unwrap(text: str) -> str:
    """'[a, b]' or '(a, b)' -> 'a, b' when the brackets enclose the whole text (and '(' is no call)."""
    t = text.strip()
    if len(t) >= 2 and (t[0], t[-1]) in (("[", "]"), ("(", ")")):
        depth = 0
        for i, ch in enumerate(t):
            depth += ch in "(["
            depth -= ch in ")]"
            if depth == 0 and i < len(t) - 1:
                return t
        inner = t[1:-1]
        if t[0] == "[" or len(P.split_top(inner, ",;")) > 1:
            return inner
    return t


def exact_array(text: str, depth: int) -> list:
    """A vector ('[sqrt(2)/2, -sqrt(2)/2]', '(1/3, 2/3)') or matrix ('[[1/2, 0], [0, 1]]', '1/2, 0; 0, 1') whose
    entries are exact forms, separated by commas (rows by ';' or brackets)."""
    if len(text) > MAX_EXACT_TEXT * 64:
        raise Malformed("too long to read as exact forms")
    body = _unwrap(text)
    if body.count(",") + body.count(";") >= MAX_EXACT_ENTRIES:
        raise Malformed(f"at most {MAX_EXACT_ENTRIES} exact entries")
    if depth == 1:
        items = P.split_top(body, ",;")
        if any(not x for x in items):
            raise Malformed("an entry is empty (separate exact entries with commas)")
        return [exact_number(x) for x in items]
    rows = P.split_top(body, ";") if ";" in body else P.split_top(body, ",")
    if any(not r for r in rows):
        raise Malformed("a row is empty (separate rows with ';' or brackets)")
    out = [exact_array(r, 1) for r in rows]
    if len({len(r) for r in out}) > 1:
        raise Malformed("the rows have different lengths")
    return out


def _nested(raw: Any, depth: int) -> list:
    if not isinstance(raw, list):
        raise Malformed(f"expected a {'vector' if depth == 1 else 'matrix'} (a list), got {type(raw).__name__}")
    if depth == 1:
        return [_number(x) for x in raw]
    if raw and not all(isinstance(r, list) for r in raw):
        raise Malformed("expected a matrix: a list of rows")
    return [_nested(r, 1) for r in raw]


def read_value(kind: str, raw: Any) -> Any:
    """The user's value as plain Python (float, list, bool, str); raises Malformed with the reason."""
    if raw is None:
        raise Malformed("no value given")
    if kind == "number":
        return _number(raw)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        try:
            return P.parse_bool(str(raw))
        except P.ParseError as e:
            raise Malformed(str(e)) from None
    if kind == "text":
        return str(raw).strip()
    if kind in ("vector", "matrix"):
        if not isinstance(raw, str):
            return _nested(raw, 1 if kind == "vector" else 2)
        try:
            parsed = P.parse_vector(raw) if kind == "vector" else P.parse_matrix(raw)
        except P.ParseError as e:
            if not re.search(r"[*^√π·×]|[A-Za-z]|\d\s*/\s*\(|\)\s*/", raw):
                raise Malformed(str(e)) from None
            return exact_array(raw, 1 if kind == "vector" else 2)
        if kind == "vector":
            return [float(x) for x in parsed]
        return [[float(x) for x in row] for row in parsed]
    raise Malformed("this answer cannot be checked")


def _matches(answer: Answer, got: Any, kind: str) -> bool:
    want = answer.numeric_value()
    if kind == "text":
        return isinstance(want, str) and got.casefold() == want.strip().casefold()
    if kind == "bool":
        return bool(got) == bool(want)
    tol = answer.tolerance or Tolerance()
    try:
        return tol.accepts(got, want)
    except (TypeError, ValueError):
        return False


def _shape(v: Any) -> tuple[int, ...]:
    if isinstance(v, list):
        return (len(v),) + (_shape(v[0]) if v and isinstance(v[0], list) else ())
    return ()


def describe_tolerance(answer: Answer) -> str:
    """'exact', '±0.00005 (4 decimal places)', '±5 (5 significant figures)', with '; up to sign' where the
    family says so: the words of the exam keys and exports (solver.exam.common.tolerance_text, on the one
    tolerance model solver.numbers.Tolerance)."""
    from solver.exam.common import tolerance_text

    return tolerance_text(answer.tolerance, _scalar(answer))


def _scalar(answer: Answer):
    v = answer.numeric_value()
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@dataclass
class Verdict:
    answer: str
    verdict: str  # "correct" | "wrong" | "malformed" | "not_checkable"
    message: str
    given: str
    expected: str
    tolerance: str
    explanation: dict | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"


@dataclass
class Alternative:
    kind: str  # "convention" | "slip"
    description: str
    params: dict = field(default_factory=dict)
    conventions: dict = field(default_factory=dict)


def _slip_overrides(family, overrides: Mapping, values: Mapping[str, Any], conv: Mapping[str, str]) -> tuple[dict, dict] | None:
    pnames = {p.name for p in family.params}
    cnames = {c.name for c in family.conventions}
    if ("params" in overrides or "conventions" in overrides) and not (set(overrides) & (pnames | cnames)):
        items = [(k, v, "p") for k, v in dict(overrides.get("params") or {}).items()]
        items += [(k, v, "c") for k, v in dict(overrides.get("conventions") or {}).items()]
    else:
        items = [(k, v, "c" if k in cnames else "p") for k, v in overrides.items()]
    p_over, c_over = {}, {}
    for key, value, where in items:
        if where == "c":
            if key not in cnames:
                return None
            c_over[key] = value(dict(conv)) if callable(value) else value
        else:
            if key not in pnames:
                return None
            p_over[key] = value(dict(values)) if callable(value) else value
    return p_over, c_over


def alternatives(family, values: Mapping[str, Any], conv: Mapping[str, str]) -> Iterator[Alternative]:
    """Every other choice of each convention (one at a time), then the family's declared slips."""
    for c in family.conventions:
        for option, sentence in c.options.items():
            if option == conv.get(c.name):
                continue
            yield Alternative("convention", sentence, conventions={c.name: option})
    for item in getattr(family.module, "SLIPS", ()) or ():
        try:
            description, overrides = item
            split = _slip_overrides(family, overrides, values, conv)
        except Exception:  # a malformed declaration must not break checking
            log.warning("ignoring a malformed SLIPS entry of %s: %r", family.name, item, exc_info=True)
            continue
        if split is None:
            log.warning("ignoring a SLIPS entry of %s naming no parameter or convention: %r", family.name, item)
            continue
        yield Alternative("slip", str(description), params=split[0], conventions=split[1])


class Checker:
    """Checks typed answers against one solved problem; alternative solves are made lazily and shared."""

    def __init__(self, family, params: Mapping[str, Any], conventions: Mapping[str, str], solution: Solution,
                 *, max_alternatives: int = MAX_ALTERNATIVES, time_budget: float = TIME_BUDGET,
                 solve: Callable[[Mapping[str, Any], Mapping[str, str]], Solution] | None = None):
        self.family = family
        self._solve = solve or (lambda p, c: family.solve(p, c))
        self.params = dict(params)
        self.solution = solution
        self.conv = solution.convention_choices
        self.requested_conventions = dict(conventions)
        self.max_alternatives = max_alternatives
        self.time_budget = time_budget
        self._alts: list[tuple[Alternative, Solution]] | None = None

    def _solve_alternatives(self) -> list[tuple[Alternative, Solution]]:
        if self._alts is not None:
            return self._alts
        self._alts = []
        try:
            values = self.family.validate(self.params)
        except InvalidInput:
            return self._alts
        start = time.perf_counter()
        for n, alt in enumerate(alternatives(self.family, values, self.conv)):
            if n >= self.max_alternatives or time.perf_counter() - start > self.time_budget:
                break
            params = {**self.params, **alt.params}
            # the conventions as requested plus the one changed: the same problem a "switch" link solves
            conv = {**self.requested_conventions, **alt.conventions}
            try:
                sol = self._solve(params, conv)
            except InvalidInput:
                continue  # the alternative does not apply to this problem
            except Exception:
                log.warning("alternative %r of %s failed", alt.description, self.family.name, exc_info=True)
                continue
            self._alts.append((alt, sol))
        return self._alts

    def check(self, name: str, raw: Any, *, reveal: bool = True) -> Verdict:
        """The verdict on `raw` for the answer `name`: an answer name or a trace address ("loss@t=3").
        `reveal=False` (practice): a wrong value is told so, and why, without the answer's value."""
        answer = self.solution.answer(name)
        kind = value_kind(answer)
        given = raw if isinstance(raw, str) else repr(raw)
        base = dict(answer=name, given=given, expected=answer.display, tolerance=describe_tolerance(answer))
        if kind is None:
            return Verdict(verdict="not_checkable", message=f"'{name}' is a table; it cannot be checked as one value.", **base)
        try:
            got = read_value(kind, raw)
        except Malformed as e:
            return Verdict(verdict="malformed",
                           message=f"This does not read as {KIND_HINT[kind]} ({str(e).rstrip('.')}).", **base)
        if _matches(answer, got, kind):
            extra = ""
            if answer.tolerance is not None and answer.tolerance.up_to_sign and not (
                    dataclasses.replace(answer.tolerance, up_to_sign=False, sign_group="").accepts(got, answer.numeric_value())):
                extra = " up to sign (this answer is defined only up to sign, and yours has the other sign)"
            return Verdict(verdict="correct", message=f"It matches the answer {answer.display}{extra}"
                           + (f", within {base['tolerance']}." if base["tolerance"] != "exact" else "."), **base)
        if reveal:
            message = f"The answer is {answer.display}"
            message += f" (accepted within {base['tolerance']})." if base["tolerance"] != "exact" else "."
        else:
            message = (f"It is not within the accepted {base['tolerance']} of the answer." if base["tolerance"] != "exact"
                       else "It is not the answer.")
        want_shape, got_shape = _shape(answer.numeric_value()), _shape(got)
        if kind in ("vector", "matrix") and want_shape != got_shape:
            message += f" Yours has shape {_fmt_shape(got_shape)}; the answer has shape {_fmt_shape(want_shape)}."
            return Verdict(verdict="wrong", message=message, **base)
        for alt, sol in self._solve_alternatives():
            try:
                other = sol.answer(name)
            except KeyError:  # the alternative's trace has no such row
                continue
            if value_kind(other) != kind:
                continue
            probe = Answer(name, other.value, other.display, other.latex, answer.tolerance, other.unit)
            if _matches(probe, got, kind) and not _matches(probe, answer.numeric_value(), kind):
                message += f" Your value is what you get with {alt.description}."
                return Verdict(verdict="wrong", message=message, explanation={
                    "kind": alt.kind, "description": alt.description, "params": {k: str(v) for k, v in alt.params.items()},
                    "conventions": dict(alt.conventions), "value": other.display}, **base)
        return Verdict(verdict="wrong", message=message, **base)


    def check_all(self, typed: Mapping[str, Any], *, reveal: bool = True) -> dict[str, Verdict]:
        """A verdict per typed answer; answers whose signs must flip together (a shared `sign_group`,
        such as scores and the components they come from) are also checked together."""
        verdicts = {name: self.check(name, raw, reveal=reveal) for name, raw in typed.items()}
        groups: dict[str, list[str]] = {}
        for name, v in verdicts.items():
            tol = self.solution.answer(name).tolerance
            group = getattr(tol, "sign_group", "")
            if v.ok and group:
                groups.setdefault(group, []).append(name)
        for group, members in groups.items():
            if len(members) < 2 or accepts_together is None:
                continue
            items = []
            for name in members:
                a = self.solution.answer(name)
                items.append((a.tolerance, read_value(value_kind(a), typed[name]), a.numeric_value()))
            if not accepts_together(items):
                listed = " and ".join(members)
                for name in members:
                    v = verdicts[name]
                    v.verdict = "wrong"
                    v.message = (f"Each of {listed} is right up to sign on its own, but their signs must flip together "
                                 f"(a sign chosen for one fixes the other)."
                                 + (f" The answer is {v.expected}." if reveal else ""))
        return verdicts


def _fmt_shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"{shape[0]} entr{'y' if shape[0] == 1 else 'ies'}"
    if len(shape) == 2:
        return f"{shape[0]} x {shape[1]}"
    return "a single number"
