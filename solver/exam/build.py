"""Variants of an exam: seeds, instances, solutions and the gradable parts of every answer.

Seeds. Variant k (k = 1, 2, ...) of an exam with seed S has the seed
    variant_seed(S, k) = SeedSequence(S).spawn(k)[k - 1].generate_state(1)[0]
(NumPy's SeedSequence: independent streams, and variant k does not depend on how many variants are
built). A randomised question of family F, the j-th problem of that family in the exam (j = 0, 1, ...)
with seed offset o, gets in that variant the seed
    question_seed = SeedSequence(variant_seed, spawn_key=(crc32(F), j, o, attempt)).generate_state(1)[0]
so reordering the problems of an exam does not change their instances. `attempt` starts at 0 and
increases only when an instance is not well-posed for the exam (the solver reports a status other
than "solved", or `fix` overrides make it invalid); the seed used is recorded. The instance is
`Family.generate(question_seed)`, so `stepwise solve F --random <question_seed>` (plus `-p` for each
`fix` value) reproduces any question.

Gradable parts. LMS formats grade scalars: each selected answer is flattened into parts (a number, a
vector entry, a matrix entry, a boolean, a text), each with its display at the answer's precision and
an absolute tolerance (absolute + relative * |value|, 0 for exact answers). Trace tables are shown in
keys but not graded; answers defined up to sign accept either sign entry by entry in LMS exports.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any, Mapping

from ..params import InvalidInput
from ..steps import Answer, Solution
from .spec import ExamSpec, ProblemSpec

#: How many instances a randomised question may try before the exam is declared impossible.
MAX_ATTEMPTS = 25
#: Answers with more entries than this are shown in keys but not split into graded parts.
MAX_PARTS_PER_ANSWER = 50


def variant_seed(exam_seed: int, k: int) -> int:
    """The recorded seed of variant k (1-based)."""
    import numpy as np

    return int(np.random.SeedSequence(exam_seed, spawn_key=(k - 1,)).generate_state(1)[0])


def question_seed(vseed: int, family: str, occurrence: int, offset: int, attempt: int = 0) -> int:
    import numpy as np

    key = (zlib.crc32(family.encode("utf-8")), occurrence, offset, attempt)
    return int(np.random.SeedSequence(vseed, spawn_key=key).generate_state(1)[0])


@dataclass(frozen=True)
class Part:
    """One gradable scalar of an answer. `label`: "w" or "w[2]" or "A[1,2]"; `kind`: number, bool or text."""

    answer: str
    label: str
    kind: str
    value: Any
    display: str
    tolerance: float = 0.0
    either_sign: bool = False
    unit: str = ""


@dataclass(frozen=True)
class Question:
    number: int
    family: str
    title: str
    marks: float | int
    seed: int | None          # None for a fixed problem
    fix: Mapping[str, Any]
    solution: Solution
    answers: tuple[Answer, ...]
    parts: tuple[Part, ...]

    @property
    def statement(self) -> str:
        return self.solution.statement

    @property
    def reproduce(self) -> str:
        """The command that prints this question's worked solution."""
        from shlex import quote

        sol = self.solution
        conv = " ".join(f"-c {c.name}={quote(c.choice)}" for c in sol.conventions)
        if self.seed is None:
            ps = " ".join(f"-p {k}={quote(v)}" for k, v in sol.extras.get("params_text", {}).items())
            return " ".join(x for x in (f"stepwise solve {self.family}", ps, conv) if x)
        fix = " ".join(f"-p {k}={quote(_text_value(v))}" for k, v in self.fix.items())
        return " ".join(x for x in (f"stepwise solve {self.family} --random {self.seed}", fix, conv) if x)

    def to_json(self, solutions: bool) -> dict:
        d = {
            "number": self.number,
            "family": self.family,
            "title": self.title,
            "marks": self.marks,
            "seed": self.seed,
            "reproduce": self.reproduce,
            "params": dict(self.solution.params),
            "conventions": self.solution.convention_choices,
            "statement": self.statement,
            "answers": {a.name: a.to_json() for a in self.answers},
            "parts": [{"answer": p.answer, "label": p.label, "kind": p.kind, "value": _json_scalar(p.value), "display": p.display,
                       "tolerance": p.tolerance, "either_sign": p.either_sign, "unit": p.unit} for p in self.parts],
            "status": self.solution.status,
        }
        if solutions:
            d["solution"] = self.solution.to_json()
        return d


def _json_scalar(v: Any) -> Any:
    from ..numbers import to_json_number

    return v if isinstance(v, (bool, str)) else to_json_number(v)


def _text_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        if v and isinstance(v[0], list):
            return "; ".join(" ".join(_text_value(x) for x in r) for r in v)
        return " ".join(_text_value(x) for x in v)
    return str(v)


@dataclass(frozen=True)
class Variant:
    number: int
    seed: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class ExamBuild:
    spec: ExamSpec
    seed: int
    variants: tuple[Variant, ...]
    solutions: bool = False

    @property
    def width(self) -> int:
        """Digits of the variant numbers in file names (at least 2: variant-01)."""
        return max(2, len(str(len(self.variants))))

    def to_json(self) -> dict:
        s = self.spec
        return {
            "schema": 1,
            "title": s.title,
            "course": s.course,
            "date": s.date,
            "instructions": s.instructions,
            "seed": self.seed,
            "total_marks": s.total_marks,
            "seed_rule": "variant k: SeedSequence(seed).spawn(k)[k-1].generate_state(1)[0]; see solver/exam/build.py",
            "exam": s.to_dict(),
            "variants": [{"variant": v.number, "seed": v.seed,
                          "questions": [q.to_json(self.solutions) for q in v.questions]} for v in self.variants],
        }


# ---- building ------------------------------------------------------------------------------------------

def build(spec: ExamSpec, *, variants: int | None = None, seed: int | None = None, solutions: bool = False,
          progress=None) -> ExamBuild:
    """Generate and solve every variant. InvalidInput (naming the problem) when an instance cannot be made.
    `progress(done, total)`, when given, is called after each question (a job's progress bar)."""
    from ..registry import get

    n_var = spec.variants if variants is None else variants
    exam_seed = spec.seed if seed is None else seed
    if not 1 <= n_var <= 1000:
        raise InvalidInput("variants", f"The number of variants must be in the range [1, 1000]. Got {n_var} instead.")
    if not 0 <= exam_seed < 2**63:
        raise InvalidInput("seed", f"The exam seed must be a whole number in [0, 2**63). Got {exam_seed} instead.")
    fams = [get(p.family) for p in spec.problems]
    occurrence: list[int] = []
    seen: dict[str, int] = {}
    for p in spec.problems:
        occurrence.append(seen.get(p.family, 0))
        seen[p.family] = occurrence[-1] + 1
    conventions = [_conventions(spec, p, f) for p, f in zip(spec.problems, fams)]
    fixed_cache: dict[int, Question] = {}
    out = []
    total, done = n_var * len(spec.problems), 0
    for k in range(1, n_var + 1):
        vseed = variant_seed(exam_seed, k)
        qs = []
        for n, (p, fam, conv) in enumerate(zip(spec.problems, fams, conventions), 1):
            if not p.random:
                if n not in fixed_cache:
                    sol = _solve(fam, dict(p.params), conv, n, "params", spec.precision_for(p))
                    fixed_cache[n] = _question(n, p, fam, None, sol)
                qs.append(fixed_cache[n])
            else:
                qs.append(_random_question(n, p, fam, conv, vseed, occurrence[n - 1], k, spec.precision_for(p)))
            done += 1
            if progress is not None:
                progress(done, total)
        out.append(Variant(k, vseed, tuple(qs)))
    return ExamBuild(spec, exam_seed, tuple(out), solutions)


def _conventions(spec: ExamSpec, p: ProblemSpec, fam) -> dict[str, str]:
    names = {c.name for c in fam.conventions}
    merged = {k: v for k, v in spec.conventions.items() if k in names}
    merged.update(p.conventions)
    return merged


def _solve(fam, params: dict, conv: dict, n: int, where: str, precision=None) -> Solution:
    try:
        return fam.solve(params, conv, precision=precision)
    except InvalidInput as e:
        raise InvalidInput(f"problems[{n}].{where}.{e.field}", f"Problem {n} ({fam.name}): {e.message}") from None


def _random_question(n: int, p: ProblemSpec, fam, conv: dict, vseed: int, occ: int, k: int,
                     precision=None) -> Question:
    last = ""
    for attempt in range(MAX_ATTEMPTS):
        qseed = question_seed(vseed, fam.name, occ, p.seed_offset, attempt)
        raw = dict(fam.generate(qseed))
        raw.update(p.fix)
        try:
            sol = fam.solve(raw, conv, precision=precision)
        except InvalidInput as e:
            last = e.message
            continue
        if sol.status != "solved":
            last = f"the solver's status was '{sol.status}'"
            continue
        return _question(n, p, fam, qseed, sol)
    field_ = f"problems[{n}].fix" if p.fix else f"problems[{n}]"
    raise InvalidInput(field_, f"Problem {n} ({fam.name}): no well-posed instance for variant {k} in {MAX_ATTEMPTS} "
                       f"tries (last: {last}). Loosen the 'fix' values or use fixed 'params'.")


def _question(n: int, p: ProblemSpec, fam, qseed: int | None, sol: Solution) -> Question:
    available = sol.answers
    if p.answers is not None:
        chosen_list = []
        for a in p.answers:  # an answer's name, or a trace entry's address ("loss@t=3": solver.address)
            try:
                chosen_list.append(sol.answer(a))
            except KeyError as e:
                raise InvalidInput(f"problems[{n}].answers", f"Problem {n} ({fam.name}): {e.args[0] if e.args else e}"
                                   ) from None
        chosen = tuple(chosen_list)
    else:
        chosen = tuple(a for a in available.values() if not _is_trace(a.value))
    parts = tuple(x for a in chosen for x in parts_of(a))
    return Question(n, fam.name, fam.title, p.marks, qseed, dict(p.fix) if qseed is not None else {}, sol, chosen, parts)


def _is_trace(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and isinstance(v[0], dict)


_NUM = re.compile(r"-?(?:∞|\d+(?:\.\d+)?(?:e-?\d+)?)")


def _flat(v: Any, index: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Any]]:
    if isinstance(v, list):
        return [x for i, e in enumerate(v, 1) for x in _flat(e, index + (i,))]
    return [(index, v)]


def _scalar_display(v: Any) -> str:
    from ..numbers import short

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return short(v, 6)


def parts_of(a: Answer) -> list[Part]:
    """The gradable scalars of an answer (empty for traces and very long vectors)."""
    from ..steps import _denumber

    v = a.value
    if _is_trace(v) or v is None:
        return []
    tol = a.tolerance
    either = bool(tol and tol.up_to_sign)

    def tol_for(x):
        if tol is None or isinstance(x, bool) or not isinstance(x, (int, float)):
            return 0.0
        return float(tol.bound(x))

    if not isinstance(v, list):
        kind = "bool" if isinstance(v, bool) else "text" if isinstance(v, str) else "number"
        x = _denumber(v)
        return [Part(a.name, a.name, kind, x, a.display, tol_for(x) if kind == "number" else 0.0, False, a.unit)]
    entries = _flat(v)
    if len(entries) > MAX_PARTS_PER_ANSWER or any(isinstance(x, (dict, list)) for _, x in entries):
        return []
    shown = _NUM.findall(a.display)
    use_shown = len(shown) == len(entries) and "..." not in a.display
    out = []
    for j, (idx, x) in enumerate(entries):
        x = _denumber(x)
        kind = "bool" if isinstance(x, bool) else "text" if isinstance(x, str) else "number"
        disp = shown[j] if use_shown and kind == "number" else _scalar_display(x)
        label = f"{a.name}[{','.join(str(i) for i in idx)}]"
        out.append(Part(a.name, label, kind, x, disp, tol_for(x) if kind == "number" else 0.0, either, a.unit))
    return out
