"""Pieces every exam format shares: file names, header lines, tolerance wording, answer selection."""
from __future__ import annotations

from typing import Any

from decimal import Decimal

from ..numbers import Tolerance
from ..steps import Answer
from .build import ExamBuild, Question, Variant

_SIGN = {True: "up to sign", "columns": "each column up to sign", "rows": "each row up to sign"}


def decimal_text(x: float) -> str:
    """0.00005 rather than 5e-05 (graders read these)."""
    d = Decimal(repr(float(x))).normalize()
    s = format(d, "f")
    return s


def tolerance_text(t: Tolerance | None, value: Any = None) -> str:
    """What a grader accepts, in words (Tolerance.describe), with the sign rule."""
    if t is None:
        return "exact"
    s = t.describe(value if isinstance(value, (int, float)) and not isinstance(value, bool) else None)
    if t.up_to_sign:
        s += "; " + _SIGN[t.up_to_sign]
    return s


def answer_tolerance(a: Answer) -> str:
    """What a grader accepts for this answer: the bound for its value ("±5 (5 significant figures)" for
    855036.7371), or the rule for a vector or matrix (each entry's bound follows its own value)."""
    return tolerance_text(a.tolerance, a.numeric_value())


def marks_text(m) -> str:
    m = int(m) if float(m).is_integer() else m
    return f"{m} mark" + ("" if m == 1 else "s")


def variant_name(b: ExamBuild, v: Variant) -> str:
    return f"variant-{v.number:0{b.width}d}"


def variant_line(b: ExamBuild, v: Variant) -> str:
    return f"Variant {v.number} of {len(b.variants)} · variant seed {v.seed} · exam seed {b.seed}"


def course_line(b: ExamBuild) -> str:
    return " · ".join(x for x in (b.spec.course, b.spec.date) if x)


def question_heading(q: Question, key: bool) -> str:
    head = f"Question {q.number} ({marks_text(q.marks)})"
    return f"{head}: {q.title}" if key else head


def seed_line(q: Question) -> str:
    what = "fixed problem" if q.seed is None else f"question seed {q.seed}"
    return f"{what} · reproduce: {q.reproduce}"


def is_trace(a: Answer) -> bool:
    v = a.value
    return isinstance(v, list) and bool(v) and isinstance(v[0], dict)
