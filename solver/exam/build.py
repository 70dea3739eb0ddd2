"""Variants of an exam: seeds, instances, solutions and the gradable parts of every answer.

Seeds. Variant k (k = 1, 2, ...) of an exam with seed S has the seed
    variant_seed(S, k) = SeedSequence(S).spawn(k)[k - 1].generate_state(1)[0]
(NumPy's SeedSequence: independent streams, and variant k does not depend on how many variants are
built). A randomised question of family F, the j-th problem of that family in the exam (j = 0, 1, ...)
with seed offset o, gets in that variant the seed
    question_seed = SeedSequence(variant_seed, spawn_key=(crc32(F), j, o, attempt)).generate_state(1)[0]
so reordering the problems of an exam does not change their instances. `attempt` starts at 0 and
increases only when an instance is not well-posed for the exam (the solver reports a status other
than "solved", `fix` or `vary` values make it invalid, or it lacks an answer the question asks for,
such as real eigenvalues of a matrix whose eigenvalues came out complex); the seed used is recorded.
The instance is `Family.generate(question_seed)` with the `fix` values and the values drawn from the
`vary` ranges (solver.exam.vary) over it, all recorded in `Question.fix`, so `stepwise solve F --random
<question_seed>` plus `-p` for each of them (`Question.reproduce`) reproduces any question.

Gradable parts. LMS formats grade scalars: each selected answer is flattened into parts (a number, a
vector entry, a matrix entry, a boolean, a text), each with its display at the answer's precision and
an absolute tolerance (the one tolerance model, Tolerance.bound of the entry; 0 for exact answers). Trace
tables are shown in keys but not graded.

Vectors up to sign. An eigenvector, component, singular vector or score column is right when the whole
vector is negated, never entry by entry. A one-number answer up to sign accepts both signs
(`Part.either_sign`). LMS formats grade each entry on its own, so they cannot say "all entries flipped
together": for them the key of a vector answer up to sign is in a normalised form and the question states
the sign rule (`Question.sign_notes`): the sign convention stated on the paper when there is one (the
solution already follows it), else "each column's first non-zero entry positive", applied to the key here,
with the answers that share a sign group (scores with their components) flipped together.

Conventions on the paper. `Question.stated` holds the instruction (Convention.paper) of each convention
of the family whose choice changes one of the question's selected answers: the question is solved again
under each other option and the answers compared. Only conventions with a paper text are tried. The other
options are solved on the numeric path (the same rules in float64, within every answer's tolerance of the exact
path, and several times faster) when it gives the selected answers; a difference in sign only is confirmed on
the question's own path, whose sign choices the key follows.
"""
from __future__ import annotations

import dataclasses
import re
import zlib
from dataclasses import dataclass
from typing import Any, Mapping

from ..numbers import Precision
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
class Stated:
    """A convention a question states: its name and choice, the instruction printed on the paper, and whether
    the other choices change only signs of answers defined up to sign (a sign rule)."""

    name: str
    choice: str
    text: str
    sign_only: bool = False


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
    stated: tuple[Stated, ...] = ()
    sign_notes: tuple[str, ...] = ()

    @property
    def conventions_text(self) -> tuple[str, ...]:
        """The instructions the paper prints for this question (the conventions its answers depend on)."""
        return tuple(s.text for s in self.stated)

    @property
    def statement(self) -> str:
        """The statement as readable Unicode text (β₁ = 0.9, x² + 10y²)."""
        return self.solution.statement

    @property
    def rich(self):
        """The statement as rich text (solver.richtext.Rich): each format typesets its maths."""
        return self.solution.rich_statement

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
            "conventions_stated": [{"name": c.name, "choice": c.choice, "text": c.text} for c in self.stated],
            "sign_notes": list(self.sign_notes),
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
                    fixed_cache[n] = _question(n, p, fam, None, sol, dict(p.params), conv)
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
        drawn = {}
        if p.vary:
            from .vary import draw

            drawn = draw(p.vary, qseed)
            raw.update(drawn)
        try:
            sol = fam.solve(raw, conv, precision=precision)
        except InvalidInput as e:
            last = e.message
            continue
        if sol.status != "solved":
            last = f"the solver's status was '{sol.status}'"
            continue
        missing = [a for a in (p.answers or ()) if a not in sol.answers]
        if missing and attempt < MAX_ATTEMPTS - 1:  # e.g. complex eigenvalues: not the question asked
            last = f"the instance has no answer {', '.join(repr(m) for m in missing)}"
            continue
        return _question(n, p, fam, qseed, sol, raw, conv, drawn)
    field_ = f"problems[{n}].vary" if p.vary else f"problems[{n}].fix" if p.fix else f"problems[{n}]"
    raise InvalidInput(field_, f"Problem {n} ({fam.name}): no well-posed instance for variant {k} in {MAX_ATTEMPTS} "
                       f"tries (last: {last}). Loosen the 'fix' values or the 'vary' ranges, or use fixed 'params'.")


def _question(n: int, p: ProblemSpec, fam, qseed: int | None, sol: Solution, raw: dict, conv: dict,
              drawn: Mapping[str, Any] | None = None) -> Question:
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
    stated = stated_conventions(fam, raw, conv, sol, chosen)
    keys, notes = sign_normalised(chosen, any(s.sign_only for s in stated))
    parts = tuple(x for a in chosen for x in parts_of(a, keys.get(a.name)))
    fix = {**p.fix, **(drawn or {})} if qseed is not None else {}
    return Question(n, fam.name, fam.title, p.marks, qseed, fix, sol, chosen, parts, stated, notes)


def _same(a: Answer, b: Answer) -> bool:
    """The same value within `a`'s tolerance, no sign flip allowed."""
    want, got = a.numeric_value(), b.numeric_value()
    try:
        if a.tolerance is None:
            return got == want
        return dataclasses.replace(a.tolerance, up_to_sign=False, sign_group="").accepts(got, want)
    except (TypeError, ValueError):
        return got == want


def _flips_only(a: Answer, b: Answer) -> bool:
    try:
        return bool(a.tolerance and a.tolerance.up_to_sign and a.tolerance.accepts(b.numeric_value(), a.numeric_value()))
    except (TypeError, ValueError):
        return False


def stated_conventions(fam, raw: Mapping[str, Any], conv: Mapping[str, str], sol: Solution,
                       chosen: tuple[Answer, ...]) -> tuple[Stated, ...]:
    """The conventions (with a paper text) whose other options change one of the chosen answers."""
    out = []
    choices = sol.convention_choices
    for c in fam.conventions:
        choice = choices.get(c.name)
        text = c.paper.get(choice) if choice is not None else None
        if not text:
            continue
        changes, sign_only = False, True
        for option in c.options:
            if option == choice:
                continue
            alt_conv, precision = {**conv, c.name: option}, Precision(**sol.precision)
            alt = _alternative(fam, raw, alt_conv, precision, chosen)
            if alt is None:
                continue
            if alt.path == "numeric" and sol.path != "numeric" and any(
                    a.name in alt.answers and not _same(a, alt.answers[a.name]) and _flips_only(a, alt.answers[a.name])
                    for a in chosen):
                alt = fam.solve(dict(raw), alt_conv, precision=precision)  # a sign is the path's choice: ask the same path
            for a in chosen:
                b = alt.answers.get(a.name)
                if b is not None and _same(a, b):
                    continue
                changes = True
                if b is None or not _flips_only(a, b):
                    sign_only = False
        if changes:
            out.append(Stated(c.name, choice, text, sign_only))
    return tuple(out)


def _alternative(fam, raw: Mapping[str, Any], conv: Mapping[str, str], precision: Precision,
                 chosen: tuple[Answer, ...]) -> Solution | None:
    """The question solved under another option, only to compare the chosen answers: the numeric path (the same
    rule in float64, several times faster) when it gives every chosen answer, else the usual path; None when the
    option does not apply to this instance."""
    try:
        alt = fam.solve(dict(raw), conv, path="numeric", precision=precision)
        if alt.status == "solved" and all(a.name in alt.answers for a in chosen):
            return alt
    except InvalidInput:
        pass
    try:
        return fam.solve(dict(raw), conv, precision=precision)
    except InvalidInput:
        return None


_AXIS_WORDS = {"columns": "each column of", "rows": "each row of"}


def _sign_axis(a: Answer) -> str | None:
    """'whole', 'columns' or 'rows' for a vector or matrix answer defined up to sign; None otherwise."""
    t = a.tolerance
    v = a.numeric_value()
    if not (t and t.up_to_sign) or not isinstance(v, list) or not v or _is_trace(v):
        return None
    if t.up_to_sign is True or not isinstance(v[0], list):
        return "whole"
    return t.up_to_sign


def _slices(v: list, axis: str) -> list[list]:
    if axis == "whole":
        return [[x for _, x in _flat(v)]]
    if axis == "rows":
        return [list(r) for r in v]
    return [[r[j] for r in v] for j in range(len(v[0]))]


def _flip(v: list, axis: str, signs: dict[int, int]) -> list:
    if axis == "whole":
        s = signs.get(0, 1)
        return _scale(v, s)
    if axis == "rows":
        return [_scale(r, signs.get(i, 1)) for i, r in enumerate(v)]
    return [[x * signs.get(j, 1) for j, x in enumerate(r)] for r in v]


def _scale(v, s: int):
    if isinstance(v, list):
        return [_scale(x, s) for x in v]
    return v * s if s == -1 else v


def sign_normalised(chosen: tuple[Answer, ...], fixed_by_convention: bool) -> tuple[dict[str, list], tuple[str, ...]]:
    """The LMS keys of vector answers up to sign, and the sentences telling students the sign rule.

    With a stated sign convention the solution already follows it: the keys are the answers. Otherwise each
    vector (column, row) is flipped so that its first non-zero entry is positive; answers sharing a sign group
    follow the first of them the question asks."""
    keys: dict[str, list] = {}
    notes: list[str] = []
    groups: dict[str, tuple[str, dict[int, int]]] = {}
    for a in chosen:
        axis = _sign_axis(a)
        if axis is None:
            continue
        where = _AXIS_WORDS.get(axis, "")
        if fixed_by_convention:
            notes.append(f"{a.name} is defined only up to sign: give it with the signs the conventions stated above fix.")
            continue
        group = a.tolerance.sign_group
        if group and group in groups:
            leader, signs = groups[group]
            part = {"columns": "column", "rows": "row"}.get(axis, "vector")
            notes.append(f"The signs of {a.name} go with those of {leader}: where a sign of {leader} is flipped by that "
                         f"rule, flip the matching {part} of {a.name} too.")
        else:
            signs = {}
            for j, s in enumerate(_slices(a.numeric_value(), axis)):
                first = next((float(x) for x in s if isinstance(x, (int, float)) and float(x) != 0.0), 0.0)
                signs[j] = -1 if first < 0 else 1
            if group:
                groups[group] = (a.name, signs)
            notes.append(f"{a.name} is defined only up to sign: give {where + ' ' + a.name if where else 'it'} "
                         f"with its first non-zero entry positive.")
        keys[a.name] = _flip(a.numeric_value(), axis, signs)
    return keys, tuple(notes)


def _is_trace(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and isinstance(v[0], dict)


_NUM = re.compile(r"-?(?:∞|\d+(?:\.\d+)?(?:e-?\d+)?)")


def _flat(v: Any, index: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Any]]:
    if isinstance(v, list):
        return [x for i, e in enumerate(v, 1) for x in _flat(e, index + (i,))]
    return [(index, v)]


def _scalar_display(v: Any) -> str:
    from ..format import text

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return text(v, 6, exact="decimal")


def parts_of(a: Answer, key: list | None = None) -> list[Part]:
    """The gradable scalars of an answer (empty for traces and very long vectors). `key`: the value to grade
    instead of the answer's (a vector up to sign in its normalised form, sign_normalised); an entry whose
    sign it flips shows the flipped display. Only a one-number answer up to sign accepts either sign: a
    vector's entries may not flip one by one."""
    from ..steps import _denumber

    v = a.value
    if _is_trace(v) or v is None:
        return []
    tol = a.tolerance

    def tol_for(x):
        if tol is None or isinstance(x, bool) or not isinstance(x, (int, float)):
            return 0.0
        return float(tol.bound(x))

    if not isinstance(v, list):
        kind = "bool" if isinstance(v, bool) else "text" if isinstance(v, str) else "number"
        x = _denumber(v)
        either = bool(tol and tol.up_to_sign) and kind == "number"
        return [Part(a.name, a.name, kind, x, a.display, tol_for(x) if kind == "number" else 0.0, either, a.unit)]
    entries = _flat(v)
    if len(entries) > MAX_PARTS_PER_ANSWER or any(isinstance(x, (dict, list)) for _, x in entries):
        return []
    graded = [x for _, x in _flat(key)] if key is not None else None
    if graded is not None and len(graded) != len(entries):
        graded = None
    shown = _NUM.findall(a.display)
    use_shown = len(shown) == len(entries) and "..." not in a.display
    out = []
    for j, (idx, x) in enumerate(entries):
        x = _denumber(x)
        kind = "bool" if isinstance(x, bool) else "text" if isinstance(x, str) else "number"
        disp = shown[j] if use_shown and kind == "number" else _scalar_display(x)
        if graded is not None and kind == "number" and graded[j] != x:
            x = graded[j]
            disp = disp[1:] if disp.startswith("-") else "-" + disp
        label = f"{a.name}[{','.join(str(i) for i in idx)}]"
        out.append(Part(a.name, label, kind, x, disp, tol_for(x) if kind == "number" else 0.0, False, a.unit))
    return out
