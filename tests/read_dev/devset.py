"""The reading dev set: loading the items (tests/read_dev/*.toml) and scoring the reader on them.

Used by tests/test_read_dev.py (every item) and benchmarks/bench_read.py (the rates):

- family top-1: the family read is the item's (or one of `also`);
- field accuracy: the expected fields read with the expected value (compared as parsed values);
- solved: a solution gives every expected answer within tolerance;
- asked: no solution, and the reading says why (missing fields, invalid values, no problem found);
- wrong with a warning: a solution with wrong answers, but the reading said what to check;
- silently wrong: a solution with wrong answers and no warning at all (the worst outcome).
"""
from __future__ import annotations

import importlib.util
import math
import re
import pathlib
import tomllib
from dataclasses import dataclass, field
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
FILES = ("seeds.toml", "exam_styles.toml", "ask_for_more.toml", "fresh.toml", "fresh2.toml")


def _oracles():
    spec = importlib.util.spec_from_file_location("read_dev_oracles", HERE / "oracles.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load() -> list[dict]:
    oracles = _oracles()
    items = []
    for name in FILES:
        with open(HERE / name, "rb") as f:
            for item in tomllib.load(f)["item"]:
                item = dict(item)
                item["file"] = name
                if "oracle" in item:
                    got = getattr(oracles, item["oracle"])()
                    if isinstance(got, list):
                        item["each"] = got
                    else:
                        item["answers"] = got
                items.append(item)
    return items


def _close(expected, got, tol: float) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, list):
            return len(expected) == 1 and _close(expected[0], got, tol)
        if len(got) != len(expected):
            if len(got) == 1 and isinstance(got[0], list):
                return _close(expected, got[0], tol)
            return False
        return all(_close(e, g, tol) for e, g in zip(expected, got))
    if isinstance(got, list):
        return len(got) == 1 and _close(expected, got[0], tol)
    if isinstance(got, str):
        try:
            got = float(got)
        except ValueError:
            return False
    try:
        e, g = float(expected), float(got)
    except (TypeError, ValueError):
        return False
    if math.isinf(e) or math.isinf(g):
        return e == g
    return abs(e - g) <= tol * max(abs(e), 1e-12) + 1e-6


def answers_match(expected: dict, sol, tol: float) -> bool:
    for name, value in expected.items():
        if name not in sol.answers:
            return False
        if not _close(value, sol.answers[name].value, tol):
            return False
    return True


def _param_or_item_field(fam, name: str):
    """A family's parameter, or a numbered field of a group's item as the reader names it (W2: W of layer 2)."""
    try:
        return fam.param(name)
    except Exception:
        for p in fam.params:
            for f in getattr(p.spec, "fields", ()):
                if name.startswith(f.name) and name[len(f.name):].isdigit():
                    return f
        raise


def same_value(fam, name: str, expected: str, got: str) -> bool:
    try:
        p = _param_or_item_field(fam, name)
        a, b = p.spec.parse(expected), p.spec.parse(got)
    except Exception:
        return False
    a, b = getattr(a, "expr", a), getattr(b, "expr", b)  # a loss: the expression, not how it was spelled
    try:
        if a == b:
            return True
    except Exception:
        pass
    ta, tb = (re.sub(r"\s", "", str(p.spec.to_text(v))) for v in (a, b))
    if ta == tb:
        return True
    # a name typed w0 is typeset w₀ and read back as w_0: the same variable throughout the question
    if re.sub(r"_(?=\d)", "", ta) == re.sub(r"_(?=\d)", "", tb):
        return True
    # a list read as one column where the example typed one row (or the other way): the same numbers
    flat = [re.sub(r"[\[\]\s]", "", x) for x in (ta, tb)]
    return flat[0] == flat[1] and (ta.count("[") <= 2 or tb.count("[") <= 2)


@dataclass
class Outcome:
    id: str
    family_ok: bool
    fields_expected: int
    fields_ok: int
    status: str  # solved | asked | wrong_warned | silently_wrong | asked_wrongly
    family_read: str | None = None
    detail: list[str] = field(default_factory=list)
    seconds: float = 0.0


def evaluate(item: dict) -> Outcome:
    import time

    from solver import registry
    from solver.reading import ask

    t0 = time.perf_counter()
    answered = ask(item["text"])
    seconds = time.perf_counter() - t0
    r = answered.reading
    also = item.get("also", {})
    expected_family = item.get("family")
    fam_ok = r.family == expected_family or r.family in also if expected_family else r.family is None or not answered.solutions
    out = Outcome(item["id"], fam_ok, 0, 0, "", r.family, seconds=seconds)
    fields = item.get("fields", {})
    out.fields_expected = len(fields)
    if r.family == expected_family and expected_family:
        fam = registry.get(expected_family)
        for k, v in fields.items():
            got = r.params.get(k)
            if got is None and any(k in p.get("params", {}) for p in r.parts):
                got = next(p["params"][k] for p in r.parts if k in p.get("params", {}))
            if got is not None and same_value(fam, k, str(v), got):
                out.fields_ok += 1
            else:
                out.detail.append(f"field {k}: expected {v!r}, read {got!r}")
    tol = float(item.get("tol", 2e-3))
    warned = bool(r.warnings)
    if item.get("expect") == "ask":
        if not answered.solutions:
            out.status = "asked"
            missing = item.get("missing")
            if missing and not set(missing) <= set(r.missing):
                out.detail.append(f"missing: expected {missing}, reading says {r.missing}")
        else:
            out.status = "wrong_warned" if warned else "silently_wrong"
            out.detail.append("solved a question that does not give what it needs")
        return out
    if not answered.solutions:
        out.status = "asked"
        out.detail.append(f"asked: {answered.error}")
        return out
    expected_sets = item.get("each") or [item.get("answers", {})]
    if r.family != expected_family and r.family in also:
        expected_sets = [also[r.family]]
    if r.family != expected_family and r.family not in also:
        ok = False
    else:
        ok = all(any(answers_match(exp, sol, tol) for sol in answered.solutions) for exp in expected_sets)
    if ok:
        out.status = "solved"
    else:
        out.status = "wrong_warned" if warned else "silently_wrong"
        for sol in answered.solutions[:2]:
            for exp in expected_sets:
                for k, v in exp.items():
                    got = sol.answers[k].value if k in sol.answers else "(no such answer)"
                    out.detail.append(f"answer {k}: expected {v}, got {str(got)[:80]}")
        out.detail.extend(f"warning: {w}" for w in r.warnings[:4])
    return out


def rates(outcomes: list[Outcome], items: list[dict] | None = None) -> dict[str, Any]:
    """The rates bench_read.py prints. Solved and asked-for-more are over the questions that can be answered;
    the questions that cannot (expect = "ask") count as right when the reader asks; silently wrong is over all."""
    ask_ids = {it["id"] for it in items or () if it.get("expect") == "ask"}
    answerable = [o for o in outcomes if o.id not in ask_ids]
    unanswerable = [o for o in outcomes if o.id in ask_ids]
    n, na = len(outcomes) or 1, len(answerable) or 1
    fields_expected = sum(o.fields_expected for o in outcomes) or 1
    count = {s: sum(1 for o in answerable if o.status == s) for s in ("solved", "asked", "wrong_warned", "silently_wrong")}
    return {
        "items": len(outcomes), "answerable": len(answerable), "unanswerable": len(unanswerable),
        "family_top1": sum(o.family_ok for o in outcomes) / n,
        "field_accuracy": sum(o.fields_ok for o in outcomes) / fields_expected,
        "solved_correctly": count["solved"] / na,
        "asked_for_more": count["asked"] / na,
        "wrong_with_warning": count["wrong_warned"] / na,
        "unanswerable_asked": (sum(o.status == "asked" for o in unanswerable) / len(unanswerable)) if unanswerable else 1.0,
        "silently_wrong": sum(o.status == "silently_wrong" for o in outcomes) / n,
        "counts": count,
    }
