"""Machine-readable exports: the whole exam as JSON, and the graders' CSV.

exam.json: every variant with its seed, and per question its seed, the command reproducing it, the
parameters, conventions, statement, selected answers (value, display, LaTeX, tolerance), the graded
parts and, with --solutions, the full Solution (the documented schema of solver.steps).

answers.csv: one row per variant, question and selected answer:
    variant, seed, question, family, marks, question_seed, answer, value, tolerance, unit, full_value
`seed` is the variant's seed, `value` the answer as a student should write it (the display
precision), `tolerance` what a grader accepts ("±0.00005", "±0.05% (relative)", "exact", "; up to
sign"), `full_value` the unrounded value as JSON.
"""
from __future__ import annotations

import csv
import io
import json

from .build import ExamBuild
from .common import answer_tolerance

CSV_COLUMNS = ("variant", "seed", "question", "family", "marks", "question_seed", "answer", "value", "tolerance",
               "unit", "full_value")


def exam_json(b: ExamBuild) -> bytes:
    return (json.dumps(b.to_json(), ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def answers_csv(b: ExamBuild) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for v in b.variants:
        for q in v.questions:
            for a in q.answers:
                w.writerow([v.number, v.seed, q.number, q.family, q.marks, "" if q.seed is None else q.seed, a.name,
                            a.display, answer_tolerance(a), a.unit,
                            json.dumps(a.value, ensure_ascii=False, separators=(",", ":"))])
    return buf.getvalue().encode("utf-8")
