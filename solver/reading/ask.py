"""Reading and solving: `ask(text)` reads a question, solves every part it asks, and says what it did.

    ask(text, family=None, params=None, conventions=None) -> Answered

`params` and `conventions` correct or complete what was read (the command line's -p/-c, the web
form's fields). A question with missing or invalid fields is not solved: `Answered.solutions` is
empty and the reading names the fields. A multiple-choice question's options are compared with the
answers, and a question whose options none of the answers matches says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..numbers import Precision
from ..params import InvalidInput
from .reader import FieldReading, Reading, read
from .vocab import stem, tokens

__all__ = ["Answered", "ask", "reading_text", "precision_of"]


@dataclass
class Answered:
    reading: Reading
    solutions: list = field(default_factory=list)  # Solution, one per part
    labels: list[str] = field(default_factory=list)  # the part each solution answers ("" for a one-part question)
    asked: list[list[str]] = field(default_factory=list)  # per solution: the answers the question asks for
    error: str = ""  # why nothing was solved

    def to_json(self) -> dict:
        return {"reading": self.reading.to_json(),
                "solutions": [s.to_json() for s in self.solutions],
                "parts": self.labels, "asked": self.asked, "error": self.error}


def precision_of(reading: Reading) -> Precision | None:
    p = reading.asked.get("precision") or {}
    if "dp" in p:
        return Precision(dp=int(p["dp"]))
    if "sig" in p:
        return Precision(sig=max(1, int(p["sig"])))
    return None


def ask(text: Any, family: str | None = None, params: Mapping[str, str] | None = None,
        conventions: Mapping[str, str] | None = None, precision: Precision | None = None) -> Answered:
    """Read the question and solve each part it asks (see the module docstring). `precision` (the user's
    --dp/--sf or form field) overrides the precision the question states."""
    reading = read(text, family)
    if params or conventions:
        _correct(reading, params or {}, conventions or {})
    out = Answered(reading)
    if reading.family is None:
        out.error = reading.message
        return out
    if not reading.solvable:
        names = ", ".join(reading.missing + [k for k in reading.invalid if k not in reading.missing])
        if names:
            out.error = f"Stepwise needs more before it can solve this: {names}."
        else:
            out.error = ("Stepwise read no value from the question, so every field would be a default: give the "
                         "question's numbers (or set the fields with -p name=value).")
        return out
    from .. import registry

    fam = registry.get(reading.family)
    precision = precision or precision_of(reading)
    parts = reading.parts or [{"label": "", "params": {}}]
    for part in parts:
        values = {**reading.params, **part.get("params", {})}
        try:
            sol = fam.solve(values, reading.convention_choices, precision=precision)
        except InvalidInput as e:
            where = f" ({part['label']})" if part.get("label") else ""
            reading.invalid[e.field or "params"] = e.message
            out.error = f"The values read do not make a valid problem{where}: {e.message}"
            out.solutions, out.labels, out.asked = [], [], []
            return out
        out.solutions.append(sol)
        out.labels.append(part.get("label", ""))
        out.asked.append(asked_answers(reading, sol))
    _options(reading, out)
    return out


def _correct(reading: Reading, params: Mapping[str, str], conventions: Mapping[str, str]) -> None:
    """Apply the user's corrections (-p/-c) on top of the reading."""
    for k, v in params.items():
        reading.fields[k] = FieldReading(k, str(v), "given by you", 0, 0, "given")
        reading.invalid.pop(k, None)
        if k in reading.missing:
            reading.missing.remove(k)
    for k, v in conventions.items():
        reading.conventions[k] = FieldReading(k, str(v), "given by you", 0, 0, "given")
    if reading.family is not None:
        from .. import registry

        fam = registry.get(reading.family)
        reading.invalid.pop("params", None)
        try:
            fam.validate(reading.params)
        except InvalidInput as e:
            reading.invalid[e.field or "params"] = e.message


_SYNONYMS = {
    "w": {"weight", "parameter", "w", "final", "new", "updated"}, "b": {"bias"}, "loss": {"loss", "error", "cost"},
    "lookahead": {"look", "ahead", "lookahead"}, "grad": {"gradient", "derivative"}, "g": {"gradient"},
    "u": {"history", "velocity", "u"}, "v": {"v", "velocity", "second", "squared"},
    "m": {"m", "first", "moment"}, "p": {"probability"}, "predictions": {"class", "predict", "output"},
    "eta": {"learning", "rate"}, "lr": {"learning", "rate"}, "kl": {"kl", "divergence"},
    "output": {"output", "volume", "size", "forward"}, "out": {"output", "volume", "size"},
    "params": {"parameter", "param"},
    "connections": {"connection"},
    "mean": {"mean", "average"}, "total": {"total", "sum"}, "var": {"variance"}, "std": {"deviation"},
    "hat": {"estimate", "estimator"}, "theta": {"theta", "θ"},
    "a": {"forward", "preactivation"}, "h": {"forward", "hidden"},
}


def asked_answers(reading: Reading, sol) -> list[str]:
    """The answers the question's asking sentences name (all of them when none is named)."""
    words = set()
    for sentence in reading.asked.get("sentences", []):
        words.update(w for t, _, _ in tokens(sentence.lower()) for w in (t, stem(t)))  # "parameters": parameter
    chosen = []
    for name in sol.answers:
        raw = [p for p in re.split(r"[_\W]+", name.lower()) if p]
        keys = {stem(p) for p in raw}
        for p in raw:
            keys |= _SYNONYMS.get(p, set()) | _SYNONYMS.get(stem(p), set()) | _SYNONYMS.get(p.rstrip("0123456789"), set())
        if keys & words:
            chosen.append(name)
    return chosen or list(sol.answers)


def _one_line(a) -> bool:
    """An answer a summary line can show: a value, not a table (a trace of rows) or a long text."""
    v = a.value
    if isinstance(v, list) and v and isinstance(v[0], dict):
        return False
    return len(a.display) <= 120


def _scalar(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list) and len(value) == 1:
        return _scalar(value[0])
    return None


def _options(reading: Reading, out: Answered) -> None:
    options = reading.asked.get("options")
    if not options or not out.solutions:
        return
    from .scan import _NUMBER_RE, number_value

    matches = []
    numeric = 0
    for opt in options:
        m = _NUMBER_RE.fullmatch(opt["text"].strip().rstrip("."))
        if m is None:
            continue
        got = number_value(m)
        if got is None:
            continue
        numeric += 1
        x = float(got[0])
        decimals = len(m.group("mant").split(".")[1]) if m.group("mant") and "." in m.group("mant") else 0
        tol = 0.5 * 10 ** -decimals + 1e-12 + 1e-9 * abs(x)
        for sol, names in zip(out.solutions, out.asked):
            for name in names:
                value = sol.answers[name].value
                v = _scalar(value)
                if v is not None:
                    if abs(v - x) <= tol:
                        matches.append((opt["label"], opt["text"], name))
                elif isinstance(value, list) and 1 < len(value) <= 50 and all(_scalar(e) is not None for e in value):
                    for k, e in enumerate(value):  # "the probability of the first class": one entry of a vector
                        if abs(_scalar(e) - x) <= tol:
                            matches.append((opt["label"], opt["text"], f"{name}[{k + 1}]"))
    reading.asked["option_matches"] = [{"label": a, "text": b, "answer": c} for a, b, c in matches]
    if numeric and not matches:
        reading.warnings.append("None of the question's options matches an answer computed here: check the "
                                "fields read and the conventions before choosing.")
    elif matches:
        labels = sorted({a for a, _, _ in matches})
        if len(labels) > 1:
            reading.warnings.append("More than one option matches an answer ("
                                    + "; ".join(f"({a}) {b} is {c}" for a, b, c in matches[:6])
                                    + "): choose the one the question asks for.")


# ---- the reading as text (the command line) ---------------------------------------------------------------------

def reading_text(reading: Reading, answered: Answered | None = None) -> str:
    lines = ["Reading the question", "--------------------"]
    if reading.family is None:
        lines.append(reading.message)
        return "\n".join(lines) + "\n"
    lines.append(f"Problem: {reading.title} ({reading.family})")
    if reading.alternatives:
        lines.append("Also possible: " + ", ".join(f"{a['title']} ({a['family']})" for a in reading.alternatives))
    if reading.fields:
        lines.append("Read:")
        width = max(len(k) for k in reading.fields)
        vwidth = min(28, max(len(f.value) for f in reading.fields.values()))
        for k, f in reading.fields.items():
            src = "given by you" if f.how == "given" else f"from “{f.quote}”"
            if f.how == "only":
                src += " (the only value of its kind in the question)"
            lines.append(f"  {k.ljust(width)} = {f.value.ljust(vwidth)}  {src}")
    else:
        lines.append("Read: no field.")
    if reading.conventions:
        lines.append("Conventions stated:")
        for k, f in reading.conventions.items():
            lines.append(f"  {k} = {f.value}    from “{f.quote}”")
    if reading.parts:
        lines.append("Parts: " + "; ".join(p["label"] for p in reading.parts))
    asked = reading.asked
    if asked.get("precision"):
        p = asked["precision"]
        lines.append("Precision asked: " + (f"{p['dp']} decimal places" if "dp" in p else f"{p['sig']} significant figures"))
    if asked.get("options"):
        lines.append("Options: " + "  ".join(f"({o['label']}) {o['text']}" for o in asked["options"]))
    unread_numbers = [u for u in reading.unread if u["kind"] == "number"]
    lines.append("Unread numbers: " + (", ".join(u["text"] for u in unread_numbers) if unread_numbers else "none"))
    lines.append("Missing: " + (", ".join(reading.missing) if reading.missing else "none"))
    if reading.warnings:
        lines.append("Check:")
        lines.extend(f"  - {w}" for w in reading.warnings)
    for n in reading.notes:
        lines.append(f"Note: {n}")
    if answered is not None:
        for label, sol, names in zip(answered.labels, answered.solutions, answered.asked):
            shown = [f"{n} = {sol.answers[n].display}" + (f" {sol.answers[n].unit}" if sol.answers[n].unit else "")
                     for n in names if n in sol.answers and _one_line(sol.answers[n])][:6]
            if shown:
                lines.append(("Answers" + (f" ({label})" if label else "") + ": ") + "; ".join(shown))
        for m in asked.get("option_matches", []):
            lines.append(f"Option ({m['label']}) {m['text']} matches the answer {m['answer']}.")
    return "\n".join(lines) + "\n"
