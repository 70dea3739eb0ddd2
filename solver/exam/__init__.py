"""Exams: exam files, randomised variants with recorded seeds, and every export an instructor needs.

    from solver.exam import loads, build, export
    spec = loads(open("examples/midterm.toml").read())      # validated ExamSpec (spec.py)
    b = build(spec, variants=30, seed=2025, solutions=True)  # solved variants (build.py)
    files = export(b, ["pdf", "moodle", "csv"])             # {file name: bytes}

Per variant, a question paper and an answer key (PDF, Markdown, LaTeX, HTML); for the whole exam the
graders' CSV, a JSON record, Moodle XML, a QTI 1.2 zip for Canvas and GIFT. The seed of every
variant is recorded in every output, and the same file and seed give byte-identical files (no
timestamps, fixed ordering, fixed zip dates, PDFs without dates). Saved exams live in store.py.
This package knows no family by name: it goes through solver.registry.
"""
from __future__ import annotations

import os
from typing import Iterable

from .build import ExamBuild, build, question_seed, variant_seed
from .spec import ExamSpec, ProblemSpec, dumps, load, loads

#: Export formats, in the order the files are made. "all" on the command line means every one.
FORMATS = ("pdf", "markdown", "latex", "html", "json", "csv", "moodle", "qti", "gift")

#: The whole-exam files (per-variant formats make variant-NN-paper.* and variant-NN-key.*).
EXAM_FILES = {"json": "exam.json", "csv": "answers.csv", "moodle": "moodle.xml", "qti": "canvas-qti.zip",
              "gift": "exam.gift.txt"}


def export(b: ExamBuild, formats: Iterable[str] = FORMATS) -> dict[str, bytes]:
    """Every requested file as {relative name: bytes}, names sorted."""
    out: dict[str, bytes] = {}
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown exam format {fmt!r}; one of {', '.join(FORMATS)}")
        if fmt == "pdf":
            from . import pdf

            out.update(pdf.files(b))
        elif fmt in ("markdown", "latex", "html"):
            from . import documents

            out.update(documents.files(b, fmt))
        elif fmt == "json":
            from .data import exam_json

            out[EXAM_FILES[fmt]] = exam_json(b)
        elif fmt == "csv":
            from .data import answers_csv

            out[EXAM_FILES[fmt]] = answers_csv(b)
        elif fmt == "moodle":
            from .lms import moodle_xml

            out[EXAM_FILES[fmt]] = moodle_xml(b)
        elif fmt == "qti":
            from .lms import qti_zip

            out[EXAM_FILES[fmt]] = qti_zip(b)
        elif fmt == "gift":
            from .lms import gift

            out[EXAM_FILES[fmt]] = gift(b)
    return dict(sorted(out.items()))


def write(files: dict[str, bytes], out_dir: str) -> list[str]:
    """Write the files under out_dir (created if needed); returns their paths in order."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, data in files.items():
        path = os.path.join(out_dir, name)
        with open(path, "wb") as fh:
            fh.write(data)
        paths.append(path)
    return paths


__all__ = ["ExamSpec", "ProblemSpec", "ExamBuild", "loads", "load", "dumps", "build", "export", "write", "FORMATS",
           "variant_seed", "question_seed"]
