"""The exam builder: saved exams in the browser, over solver.exam (a second blueprint, "exams").

    GET  /exams                           saved exams, most recently saved first; upload an exam file (TOML)
    POST /exams/upload                    a new exam from an uploaded file (errors next to the field, HTTP 400)
    POST /exams/add                       "Add to exam" on a solution: the problem (family, p.*, c.*) into a
                                          saved exam or a new one, worth 1 mark
    GET  /exams/<id>                      the editor: title, course, date, instructions, variants, seed;
                                          questions reordered, removed and marked; downloads; delete
    POST /exams/<id>                      save the editor (a whole-form save; `action` says which button)
    GET  /exams/<id>/preview              variant 1's question paper and answer key, maths as MathML
    GET  /exams/<id>/download?format=F    F = all (one zip) or one of solver.exam.FORMATS, made on request
    GET  /exams/<id>/exam.toml            the exam file, exactly as stored (what `stepwise exam` reads)
    POST /exams/<id>/upload               replace the exam with an uploaded file
    GET  /exams/<id>/delete               asks for confirmation; POST moves the exam to the trash
    GET  /exams/trash                     deleted exams, kept with their history for TRASH_DAYS days
    POST /exams/<id>/restore              out of the trash
    POST /exams/<id>/purge                removed from the trash for good

Who: every page here needs a logged-in account (web.auth; anonymous visitors are sent to the log-in
page). An exam belongs to the account that saved it; only its owner and administrators see it, its
answer keys and downloads, edit, delete or restore it (403 for anyone else). The check is made once,
before any view runs (`_guard`): for every route with an exam id in its URL, and by `/exams/add` for the
exam it adds to. Ids outside 1..2^63-1 are not found (404), never passed to the database.

Storage: solver.exam.store.ExamStore at app.config["EXAM_DB"], a SQLite file or a postgresql:// URL
(None: the store's own default, $STEPWISE_DATABASE_URL, $STEPWISE_EXAM_DB or the user's data
directory). A SQLite file is created by the first save (or `stepwise user add`); pages that only read
do not create it.

Concurrency: the editor's form describes the whole exam (each question's problem rides in a hidden
field) and posts the revision it was loaded from. If the exam was saved elsewhere since (another
tab), nothing is overwritten: the page comes back (HTTP 409) with the other save and the user's
unsaved edits side by side, the edits still in the form, which is now based on the newer revision,
so saving again is a deliberate choice. Every saved revision stays in the database's history.
"Add to exam" appends, so on a conflict it re-reads the exam and appends again.

Every state-changing request is a POST with the app's CSRF token (web.security checks every form post).
No family is named here.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
import logging
import math
import re
import sqlite3
import tomllib
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any, Mapping

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import NotFound as HTTPNotFound

from solver import format as F
from solver import registry
from solver.exam import FORMATS, build, dumps, export
from solver.exam.build import ExamBuild
from solver.exam.common import is_trace, marks_text, answer_tolerance
from solver.exam.limits import MAX_BYTES, check_json
from solver.exam.spec import MAX_PROBLEMS, ExamSpec, ProblemSpec, from_dict, loads
from solver.exam.limits import check_toml
from solver.exam.store import MAX_ID, TRASH_DAYS, Conflict, NotFound, StoredExam, StoreError, User, valid_id
from solver.params import InvalidInput

from . import forms
from .auth import current_user, forbidden, login_url
from .examstore import get_store, unavailable as _unavailable
from .cache import get_cache

log = logging.getLogger("web.exams")

bp = Blueprint("exams", __name__, url_prefix="/exams")


#: Download formats as the page offers them: (format, button label, what it holds).
DOWNLOADS = (
    ("pdf", "PDF", "question paper and answer key per variant"),
    ("markdown", "Markdown", "papers and keys"),
    ("latex", "LaTeX", "papers and keys"),
    ("html", "HTML", "papers and keys, maths as MathML"),
    ("json", "JSON", "every variant, answer and seed"),
    ("csv", "CSV", "for graders: one row per answer"),
    ("moodle", "Moodle XML", "one category per question"),
    ("qti", "Canvas (QTI)", "QTI 1.2 zip"),
    ("gift", "GIFT", "Moodle's text format"),
)
#: The single file of each whole-exam format: (file name suffix, MIME type).
SINGLE = {
    "json": ("exam.json", "application/json"),
    "csv": ("answers.csv", "text/csv; charset=utf-8"),
    "moodle": ("moodle.xml", "application/xml"),
    "qti": ("canvas-qti.zip", "application/zip"),
    "gift": ("gift.txt", "text/plain; charset=utf-8"),
}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, as solver.exam's own zips: the same exam gives the same bytes

#: Lengths of the editor's text fields (an exam file read from disk is not limited; these are typed).
FIELD_LIMITS = {"title": 300, "course": 300, "date": 100, "instructions": 20_000}
DETAIL_FIELDS = ("title", "course", "date", "instructions", "variants", "seed")


# ---- the store ----------------------------------------------------------------------------------------

@bp.errorhandler(StoreError)
def _store_error(e):
    return _unavailable(e)


@bp.errorhandler(sqlite3.Error)
def _sqlite_error(e):
    return _unavailable(e)


@bp.errorhandler(InvalidInput)
def _invalid(e: InvalidInput):  # a safety net: the views below catch InvalidInput where they can explain it
    return render_template("error.html", code=400, title="That request could not be used", message=e.message,
                           reference=None), 400


def _not_found(exam_id: int):
    err = HTTPNotFound()
    err.stepwise_message = (f"There is no saved exam number {exam_id} (it may have been deleted, perhaps in another "
                            "tab). The Exams page lists the saved exams.")
    return err


def _load(exam_id: int) -> StoredExam:
    store = get_store(create=False)
    if store is None:
        raise _not_found(exam_id)
    try:
        return store.get(exam_id)
    except NotFound:
        raise _not_found(exam_id) from None


def _authorize(exam_id: int, user: User) -> StoredExam:
    """The exam (in the trash too) when `user` may use it: 404 when there is no such exam, 403 when it is
    someone else's."""
    store = get_store(create=False)
    if not valid_id(exam_id) or store is None:
        raise _not_found(exam_id)
    try:
        exam = store.get(exam_id, deleted=True)
    except NotFound:
        raise _not_found(exam_id) from None
    if not user.may_use(exam):
        raise forbidden("This exam belongs to another instructor: only its owner and the server's administrators "
                        "can open it, see its answer keys, download, change or delete it.")
    return exam


@bp.before_request
def _guard():
    """Every route of this blueprint: an account first, then the exam in the URL must be the user's."""
    get_store(create=False)  # an unusable database is a 503 that says so, before anything else
    user = current_user()
    if user is None:
        return redirect(login_url())
    exam_id = (request.view_args or {}).get("exam_id")
    if exam_id is not None:
        g.exam = _authorize(exam_id, user)
    return None


def _owned_by(user: User) -> int | None:
    """The owner whose exams a user lists: their own, or every exam (None) for an administrator."""
    return None if user.is_admin else user.id


@bp.app_template_global()
def exam_choices() -> list[StoredExam]:
    """The user's saved exams for the "Add to exam" menu of a solution page (newest first); never breaks
    that page. Anonymous visitors have none (the page offers the log-in instead)."""
    try:
        user = current_user()
        store = get_store(create=False)
        return [] if store is None or user is None else store.list(_owned_by(user))[:200]
    except Exception:  # noqa: BLE001 - the solution page must render even when the exam store cannot
        log.exception("cannot list saved exams for the add-to-exam menu")
        return []


def _form_int(name: str, lo: int = 0, hi: int = MAX_ID) -> int:
    """A whole number from the form within [lo, hi], else 400 (never an overflow further on)."""
    text = request.form.get(name, "").strip()
    if not re.fullmatch(r"[0-9]{1,19}", text) or not lo <= int(text) <= hi:
        err = BadRequest()
        err.stepwise_message = f"The form's '{name}' is not a number this form could have sent. Reload the page and try again."
        raise err
    return int(text)


# ---- small helpers ---------------------------------------------------------------------------------------

def slug(title: str) -> str:
    """An ASCII file name stem from an exam title ("Mathematics of DL: Midterm" -> "mathematics-of-dl-midterm")."""
    s = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()[:60].strip("-")
    return s or "exam"


def value_text(v: Any) -> str:
    """A parameter value from an exam file as it would be typed in the problem form."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(r, (list, tuple)) for r in v):
            return "; ".join(" ".join(value_text(x) for x in r) for r in v)
        return " ".join(value_text(x) for x in v)
    return str(v)


def number_text(x: Any) -> str:
    """Marks as a paper prints them (2, 2.5): the formatting layer's decimal text."""
    return F.text(x, 6, exact="decimal")


def _number(text: str, default: int | None = None) -> Any:
    """Typed text as an int or a finite float; the text itself when it is neither (validation says why)."""
    t = text.strip()
    if not t and default is not None:
        return default
    try:
        return int(t)
    except ValueError:
        pass
    try:
        x = float(t)
    except ValueError:
        return t
    return x if math.isfinite(x) else t


def _when(iso: str) -> str:
    """'2025-03-14T10:22:33.123+00:00' -> '2025-03-14 10:22 UTC'."""
    return iso[:10] + " " + iso[11:16] + " UTC" if len(iso) >= 16 else iso


def _family(name: str):
    try:
        return registry.get(name)
    except Exception:  # noqa: BLE001 - a family that no longer loads is shown by name
        return None


def _problem_link(p: Mapping[str, Any], defaults: Mapping[str, str]) -> str:
    """The solution page of a fixed question (its numbers and conventions), or the family's form."""
    fam = _family(str(p.get("family", "")))
    if fam is None:
        return ""
    if "params" not in p:
        return url_for("ui.family", name=fam.name)
    names = {c.name for c in fam.conventions}
    conv = {k: str(v) for k, v in defaults.items() if k in names}
    conv.update({k: str(v) for k, v in (p.get("conventions") or {}).items()})
    query = {forms.PARAM_PREFIX + k: value_text(v) for k, v in (p.get("params") or {}).items()}
    query.update({forms.CONV_PREFIX + k: v for k, v in conv.items()})
    return url_for("ui.solve", name=fam.name, **query)


def _short(text: str, limit: int = 180) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Row:
    """One question as the editor shows it: the problem as exam-file data (ProblemSpec.to_dict, which the
    form carries in a hidden field, so a form describes a whole exam) and its marks as typed."""

    problem: dict
    marks: str
    error: str = ""
    title: str = ""
    summary: str = ""
    conventions: str = ""
    answers: str = ""
    link: str = ""
    random: bool = False

    @property
    def family(self) -> str:
        return str(self.problem.get("family", ""))

    @property
    def data(self) -> str:
        """The problem without its marks, as JSON for the hidden field."""
        return json.dumps({k: v for k, v in self.problem.items() if k != "marks"}, ensure_ascii=False,
                          separators=(",", ":"))

    def key(self) -> tuple:
        return (self.data, self.marks)

    @property
    def vary_text(self) -> str:
        """The question's ranges as the TOML lines the instructor edits (`lr = { min = 0.01, max = 0.1 }`)."""
        from solver.exam.spec import _key, _value

        vary = self.problem.get("vary") or {}
        return "\n".join(f"{_key(k)} = {_value(v)}" for k, v in vary.items()) if isinstance(vary, dict) else ""

    def describe(self, defaults: Mapping[str, str]) -> "Row":
        p = self.problem
        fam = _family(self.family)
        self.title = fam.title if fam else self.family
        self.random = "params" not in p
        if self.random:
            bits = ["A new random instance in every variant"]
            fix = p.get("fix") or {}
            if isinstance(fix, dict) and fix:
                bits.append("fixed: " + ", ".join(f"{k} = {value_text(v)}" for k, v in fix.items()))
            vary = p.get("vary") or {}
            if isinstance(vary, dict) and vary:
                bits.append("varied: " + ", ".join(f"{k} {_range_text(v)}" for k, v in vary.items()))
            if p.get("seed_offset"):
                bits.append(f"instance stream {p['seed_offset']}")
            self.summary = _short("; ".join(bits))
        else:
            params = p.get("params") or {}
            self.summary = _short("; ".join(f"{k} = {value_text(v)}" for k, v in params.items())
                                  or "the family's default values")
        conv = p.get("conventions") or {}
        self.conventions = ", ".join(f"{k} = {v}" for k, v in conv.items()) if isinstance(conv, dict) else ""
        answers = p.get("answers")
        self.answers = ", ".join(map(str, answers)) if isinstance(answers, list) else ""
        self.link = _problem_link(p, defaults)
        return self


def _range_text(rule: Any) -> str:
    """A range in words: 'in [0.01, 0.1]', 'one of 2, 3', '3 x 2 in [-5, 5]'."""
    if isinstance(rule, list):
        return "one of " + ", ".join(value_text(x) for x in rule)
    if not isinstance(rule, dict):
        return value_text(rule)
    shape = f"{rule['rows']} x {rule['cols']} " if "rows" in rule and "cols" in rule else \
        f"{rule['size']} entries " if "size" in rule else ""
    step = f" step {value_text(rule['step'])}" if "step" in rule else ""
    return f"{shape}in [{value_text(rule.get('min'))}, {value_text(rule.get('max'))}]{step}"


def _row(p: ProblemSpec, defaults: Mapping[str, str]) -> Row:
    return Row(p.to_dict(), number_text(p.marks)).describe(defaults)


@dataclass
class Editor:
    """The editor's state: the stored exam, the form's values (as typed) and what to say about them."""

    exam: StoredExam
    spec: ExamSpec | None             # the stored spec (None when the stored file no longer validates)
    values: dict[str, str]
    rows: list[Row]
    defaults: dict[str, str]          # the exam's default conventions (not edited here; carried by the form)
    revision: int                     # the revision the form is based on (posted back on save)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""                   # an error that belongs to no single field
    conflict: list[tuple[str, str, str]] | None = None  # (what, saved elsewhere, yours) when a save was refused
    broken: str = ""                  # why the stored file no longer validates
    upload_error: str = ""

    @property
    def defaults_data(self) -> str:
        return json.dumps(self.defaults, ensure_ascii=False, separators=(",", ":"))

    @property
    def total_marks(self) -> str:
        total = 0.0
        for r in self.rows:
            x = _number(r.marks)
            if isinstance(x, (int, float)):
                total += x
        return number_text(round(total, 6))


def _values_of(spec: ExamSpec) -> dict[str, str]:
    return {"title": spec.title, "course": spec.course, "date": spec.date, "instructions": spec.instructions,
            "variants": str(spec.variants), "seed": str(spec.seed)}


def _editor(exam: StoredExam) -> Editor:
    try:
        spec = exam.spec
    except InvalidInput as e:
        return Editor(exam, None, {}, [], {}, exam.revision, broken=describe_error(e))
    rows = [_row(p, spec.conventions) for p in spec.problems]
    return Editor(exam, spec, _values_of(spec), rows, dict(spec.conventions), exam.revision)


def _render_editor(ed: Editor, status: int = 200):
    return render_template("exam.html", ed=ed, exam=ed.exam, spec=ed.spec, downloads=DOWNLOADS,
                           when=_when(ed.exam.updated_at), max_problems=MAX_PROBLEMS, marks_text=marks_text), status


# ---- the list and uploads ----------------------------------------------------------------------------------

@dataclass
class Listed:
    exam: StoredExam
    questions: int | None
    marks: str
    when: str


def _listed(e: StoredExam) -> Listed:
    """Counts read from the TOML without validating every problem (the list stays fast)."""
    try:
        check_toml(e.toml)
        problems = tomllib.loads(e.toml).get("problems") or []
        marks = sum(p.get("marks", 1) for p in problems if isinstance(p, dict))
        return Listed(e, len(problems), number_text(marks), _when(e.updated_at))
    except Exception:  # noqa: BLE001 - an unreadable file still lists, to be opened and fixed or deleted
        return Listed(e, None, "", _when(e.updated_at))


def _render_list(upload_error: str = "", status: int = 200):
    store = get_store(create=False)
    user = current_user()
    exams = [] if store is None else [_listed(e) for e in store.list(_owned_by(user))]
    trashed = 0 if store is None else len(store.trash(_owned_by(user)))
    return render_template("exams.html", exams=exams, upload_error=upload_error, show_owner=user.is_admin,
                           trashed=trashed), status


@bp.get("")
def index():
    return _render_list()


def _uploaded_text() -> str:
    """The uploaded exam file's text; InvalidInput("file", ...) when there is none or it is not UTF-8."""
    f = request.files.get("file")
    if f is None or not f.filename:
        raise InvalidInput("file", "Choose an exam file (.toml) to upload.")
    raw = f.read(MAX_BYTES + 1)  # the size is checked before anything decodes or parses the file
    if len(raw) > MAX_BYTES:
        raise InvalidInput("file", f"The file {f.filename!r} is larger than the limit of {MAX_BYTES:,} bytes for an "
                                   "exam file.")
    if not raw.strip():
        raise InvalidInput("file", f"The file {f.filename!r} is empty.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", f"The file {f.filename!r} is not UTF-8 text: upload the exam's TOML file.") from None
    return text.replace("\r\n", "\n")


def describe_error(e: InvalidInput) -> str:
    """The validation message with the field it names ("problems[2].marks"), for the upload field."""
    if e.field and e.field not in ("file",):
        return f"{e.message} (field: {e.field})"
    return e.message


@bp.post("/upload")
def upload():
    try:
        text = _uploaded_text()
        loads(text)
    except InvalidInput as e:
        return _render_list(upload_error=describe_error(e), status=400)
    saved = get_store().save(text, owner_id=current_user().id)
    flash(f"Uploaded ‘{saved.title}’ ({_count(saved)}).", "ok")
    return redirect(url_for(".exam", exam_id=saved.id))


def _count(e: StoredExam) -> str:
    n = len(e.spec.problems)
    return f"{n} question{'s' if n != 1 else ''}"


# ---- add to exam (the solution page's control) --------------------------------------------------------------

@bp.post("/add")
def add():
    name = request.form.get("family", "")
    try:
        fam = registry.get(name)
        problem = forms.Problem.from_args(request.form, current_app.config["MAX_FIELD_CHARS"])
        params, conventions = problem.given_params(), problem.given_conventions()
        precision = problem.given_precision()  # the precision the solution page was asked for, kept in the exam
        sol = get_cache(current_app).solve(fam, params, conventions)  # validates, and names the field if not
    except InvalidInput as e:
        return render_template("error.html", code=400, title="This problem cannot be added to an exam",
                               message=e.message, reference=None), 400
    new = ProblemSpec(family=fam.name, marks=1, params=dict(params), conventions=sol.convention_choices,
                      precision={} if precision is None else ({"dp": precision.dp} if precision.dp is not None
                                                              else {"sig": precision.sig}))
    store = get_store()
    target = request.form.get("exam", "new").strip()
    if target == "new":
        title = " ".join(request.form.get("title", "").split())[:FIELD_LIMITS["title"]] or "Untitled exam"
        saved = store.save_spec(ExamSpec(title=title, problems=(new,)), owner_id=current_user().id)
        number = 1
    else:
        exam_id = _form_int("exam", 1)
        _authorize(exam_id, current_user())
        for _ in range(20):  # an append: on a conflict, re-read and append again
            current = _load(exam_id)
            try:
                spec = current.spec
            except InvalidInput as e:
                return render_template("error.html", code=400, title="This exam cannot take new questions",
                                       message=f"The saved exam ‘{current.title}’ no longer validates ({e.message}); "
                                               "open it to fix or replace it.", reference=None), 400
            if len(spec.problems) >= MAX_PROBLEMS:
                return render_template("error.html", code=400, title="This exam is full",
                                       message=f"‘{current.title}’ already has {MAX_PROBLEMS} questions, the most an "
                                               "exam may have. Remove one first, or start a new exam.",
                                       reference=None), 400
            try:
                saved = store.save_spec(dataclasses.replace(spec, problems=spec.problems + (new,)), exam_id,
                                        expected_revision=current.revision)
            except Conflict:
                continue
            except NotFound:
                raise _not_found(exam_id) from None
            number = len(spec.problems) + 1
            break
        else:  # twenty saves elsewhere in between: tell the user rather than loop
            return render_template("error.html", code=409, title="The exam is busy",
                                   message="The exam kept changing while this question was added. Try again.",
                                   reference=None), 409
    flash(f"Added ‘{fam.title}’ to ‘{saved.title}’ as question {number} (1 mark).", "ok")
    return redirect(url_for(".exam", exam_id=saved.id, _anchor=f"q{number}"))


# ---- the editor ---------------------------------------------------------------------------------------------

@bp.get("/<int:exam_id>")
def exam(exam_id: int):
    return _render_editor(_editor(_load(exam_id)))


class _BadForm(Exception):
    pass


def _json_object(text: str) -> dict:
    try:
        check_json(text)  # nesting and size before json recurses
        d = json.loads(text)
    except (ValueError, InvalidInput):
        raise _BadForm() from None
    if not isinstance(d, dict):
        raise _BadForm()
    return d


def _form_rows() -> list[Row]:
    problems, marks = request.form.getlist("problem"), request.form.getlist("marks")
    if len(problems) != len(marks) or len(problems) > MAX_PROBLEMS:
        raise _BadForm()
    rows = [Row(_json_object(p), m.strip()[:40]) for p, m in zip(problems, marks)]
    kinds, varies = request.form.getlist("kind"), request.form.getlist("vary")
    if kinds or varies:  # the fixed/randomised switch and the ranges of each question (the editor sends both)
        if len(kinds) != len(rows) or len(varies) != len(rows):
            raise _BadForm()
        for i, (r, kind, vary) in enumerate(zip(rows, kinds, varies), 1):
            _set_kind(r, i, kind, vary.replace("\r\n", "\n"))
    return rows


#: Characters of one question's ranges in the editor.
MAX_VARY_CHARS = 4000


def _set_kind(r: Row, n: int, kind: str, vary: str) -> None:
    """Make the row fixed (the numbers of its first instance, when it was randomised) or randomised with the
    instructor's ranges (TOML lines, read as `[problems.vary]`; solver.exam.spec validates them)."""
    p = r.problem
    if kind not in ("fixed", "random"):
        raise _BadForm()
    if kind == "fixed":
        if "params" not in p:
            fam = _family(str(p.get("family", "")))
            if fam is None:
                return
            params = {**dict(fam.generate(0)), **dict(p.get("fix") or {})}
            params.update(_draw_first(p.get("vary")))
            p["params"] = {k: _plain_param(v) for k, v in params.items()}
            for k in ("fix", "vary", "seed_offset", "random"):
                p.pop(k, None)
        return
    p.pop("params", None)
    p.pop("random", None)
    text = vary.strip()
    if len(text) > MAX_VARY_CHARS:
        r.error = f"The ranges are at most {MAX_VARY_CHARS} characters long (got {len(text)})."
        return
    if not text:
        p.pop("vary", None)
        return
    try:
        check_toml(text)
        table = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, InvalidInput) as e:
        r.error = (f"The ranges of question {n} do not read as lines such as lr = {{ min = 0.01, max = 0.1 }}, "
                   f"steps = [2, 3] or X = {{ rows = 3, cols = 2, min = -5, max = 5 }} ({e}).")
        return
    p["vary"] = table


def _draw_first(vary: Any) -> dict:
    from solver.exam.vary import draw

    try:
        return draw(vary, 0) if isinstance(vary, dict) and vary else {}
    except Exception:  # noqa: BLE001 - malformed ranges: spec validation reports them when it is random again
        return {}


def _plain_param(v: Any) -> Any:
    """A generated value as an exam file holds it (text, number, boolean or lists of them)."""
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_plain_param(x) for x in v]
    try:
        import numpy as np

        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
    except ImportError:  # pragma: no cover
        pass
    return str(v)


def _apply_action(action: str, rows: list[Row], values: dict[str, str]) -> tuple[str, str]:
    """Move, remove or reseed as the pressed button says: (what was done, an error) for the message."""
    if action == "reseed":
        values["seed"] = str(forms.new_seed())
        return f"New exam seed {values['seed']}: every randomised question has new numbers.", ""
    m = re.fullmatch(r"(up|down|remove)-(\d+)", action)
    if not m:
        return "Saved.", ""
    what, i = m.group(1), int(m.group(2))
    if not 0 <= i < len(rows):
        return "Saved.", ""
    if what == "remove":
        if len(rows) == 1:
            return "", "An exam needs at least one question: to remove the last one, delete the exam instead."
        gone = rows.pop(i)
        return f"Removed question {i + 1} ({gone.title or gone.family}).", ""
    j = i - 1 if what == "up" else i + 1
    if 0 <= j < len(rows):
        rows[i], rows[j] = rows[j], rows[i]
        return f"Moved question {i + 1} {what}: it is now question {j + 1}.", ""
    return "Saved.", ""


def _intended(values: dict[str, str], rows: list[Row], defaults: dict) -> dict:
    """The exam the form describes, as data for spec.from_dict (which validates it and names the field)."""
    return {
        "title": values["title"].strip(), "course": values["course"].strip(), "date": values["date"].strip(),
        "instructions": values["instructions"].strip("\n"),
        "seed": _number(values["seed"], 0), "variants": _number(values["variants"], 1),
        **({"conventions": defaults} if defaults else {}),
        "problems": [{**r.problem, "marks": _number(r.marks)} for r in rows],
    }


def _attach(ed: Editor, e: InvalidInput) -> None:
    m = re.fullmatch(r"problems\[(\d+)\]\.(?:marks|vary|fix)(?:\..*)?", e.field or "")
    if e.field in DETAIL_FIELDS:
        ed.errors[e.field] = e.message
    elif m and 1 <= int(m.group(1)) <= len(ed.rows):
        ed.rows[int(m.group(1)) - 1].error = e.message
    else:
        ed.error = describe_error(e)


def _question_line(title: str, marks: str) -> str:
    x = _number(marks)
    return f"{title} ({marks_text(x) if isinstance(x, (int, float)) else marks + ' marks'})"


def _conflict_diff(theirs: ExamSpec, values: dict[str, str], rows: list[Row]) -> list[tuple[str, str, str]]:
    """What differs between the version saved elsewhere and the user's unsaved form: (what, theirs, yours)."""
    out = []
    labels = {"title": "Title", "course": "Course", "date": "Date", "instructions": "Instructions",
              "variants": "Variants", "seed": "Exam seed"}
    saved = _values_of(theirs)
    for k, label in labels.items():
        a, b = saved[k].strip(), values.get(k, "").strip()
        if a != b:
            out.append((label, a or "(empty)", b or "(empty)"))
    their_rows = [_row(p, theirs.conventions) for p in theirs.problems]
    if [r.key() for r in their_rows] != [r.key() for r in rows]:
        out.append(("Questions", "\n".join(f"{i}. {_question_line(r.title, r.marks)}" for i, r in enumerate(their_rows, 1)),
                    "\n".join(f"{i}. {_question_line(r.title, r.marks)}" for i, r in enumerate(rows, 1))))
    return out


@bp.post("/<int:exam_id>")
def save(exam_id: int):
    current = _load(exam_id)
    values = {k: request.form.get(k, "").replace("\r\n", "\n") for k in DETAIL_FIELDS}
    try:
        revision = _form_int("revision", 1)
        defaults = {str(k): str(v) for k, v in _json_object(request.form.get("defaults") or "{}").items()}
        rows = [r.describe(defaults) for r in _form_rows()]
    except (ValueError, _BadForm):
        flash("That form was incomplete, so nothing was saved. This is the exam as saved now.", "error")
        return redirect(url_for(".exam", exam_id=exam_id))
    done, action_error = _apply_action(request.form.get("action", "save"), rows, values)
    try:
        spec_now = current.spec
    except InvalidInput:
        spec_now = None
    ed = Editor(current, spec_now, values, rows, defaults, current.revision)
    for k, limit in FIELD_LIMITS.items():
        if len(values[k]) > limit:
            ed.errors[k] = f"At most {limit} characters (got {len(values[k])})."
    ed.error = action_error
    spec = None
    if not ed.errors and not ed.error and not any(r.error for r in rows):
        try:
            spec = from_dict(_intended(values, rows, defaults))
        except InvalidInput as e:
            _attach(ed, e)
    stale = revision != current.revision
    if spec is not None and not stale:
        if spec == spec_now and done == "Saved.":
            flash("No changes to save.", "ok")
            return redirect(url_for(".exam", exam_id=exam_id))
        try:
            get_store().save(dumps(spec), exam_id, expected_revision=revision)
        except Conflict:  # saved elsewhere between our read and our write
            stale = True
            ed.exam = current = _load(exam_id)
            ed.revision = current.revision
            try:
                ed.spec = current.spec
            except InvalidInput:
                ed.spec = None
        except NotFound:
            raise _not_found(exam_id) from None
        else:
            flash(done, "ok")
            moved = done.startswith(("Moved", "Removed"))
            return redirect(url_for(".exam", exam_id=exam_id, _anchor="questions" if moved else None))
    if stale:
        # nothing overwritten: the user's edits stay in the form, now based on the newer revision, next to
        # what was saved elsewhere; saving again replaces that version (which stays in the history)
        ed.conflict = _conflict_diff(ed.spec, values, rows) if ed.spec is not None else []
        return _render_editor(ed, 409)
    return _render_editor(ed, 400)


@bp.post("/<int:exam_id>/upload")
def replace(exam_id: int):
    current = _load(exam_id)
    ed = _editor(current)
    revision = _form_int("revision", 1)
    try:
        text = _uploaded_text()
        loads(text)
    except InvalidInput as e:
        ed.upload_error = describe_error(e)
        return _render_editor(ed, 400)
    try:
        saved = get_store().save(text, exam_id, expected_revision=revision)
    except Conflict:
        ed.upload_error = ("Not replaced: this exam was saved elsewhere (another tab or window) since this page was "
                           "loaded. It is shown below as saved now; upload the file again to replace it.")
        return _render_editor(ed, 409)
    flash(f"Replaced with the uploaded file ({_count(saved)}).", "ok")
    return redirect(url_for(".exam", exam_id=exam_id))


@bp.get("/<int:exam_id>/exam.toml")
def toml(exam_id: int):
    e = _load(exam_id)
    return current_app.response_class(
        e.toml, content_type="application/toml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slug(e.title)}.toml"'})


# ---- delete --------------------------------------------------------------------------------------------------

@bp.get("/<int:exam_id>/delete")
def confirm_delete(exam_id: int):
    e = _load(exam_id)
    return render_template("exam_delete.html", exam=e, listed=_listed(e), changed=False, days=TRASH_DAYS)


@bp.post("/<int:exam_id>/delete")
def delete(exam_id: int):
    e = _load(exam_id)
    if request.form.get("confirm") != "yes":
        return redirect(url_for(".confirm_delete", exam_id=exam_id))
    if request.form.get("revision") != str(e.revision):  # saved elsewhere since the question was asked
        return render_template("exam_delete.html", exam=e, listed=_listed(e), changed=True, days=TRASH_DAYS), 409
    store = get_store()
    store.delete(exam_id)
    store.purge_expired()
    flash(f"Moved ‘{e.title}’ to the trash: it can be restored there for {TRASH_DAYS} days.", "ok")
    return redirect(url_for(".index"))


# ---- the trash -----------------------------------------------------------------------------------------------

def _until(iso: str) -> str:
    import datetime as dt

    try:
        return (dt.datetime.fromisoformat(iso) + dt.timedelta(days=TRASH_DAYS)).strftime("%Y-%m-%d")
    except ValueError:
        return f"{TRASH_DAYS} days"


@bp.get("/trash")
def trash():
    store = get_store(create=False)
    user = current_user()
    if store is not None:
        store.purge_expired()
    exams = [] if store is None else store.trash(_owned_by(user))
    return render_template("exams_trash.html", exams=exams, days=TRASH_DAYS, when=_when, until=_until,
                           show_owner=user.is_admin)


@bp.post("/<int:exam_id>/restore")
def restore(exam_id: int):
    e = g.exam
    if get_store().restore(exam_id):
        flash(f"Restored ‘{e.title}’ from the trash.", "ok")
        return redirect(url_for(".exam", exam_id=exam_id))
    flash(f"‘{e.title}’ is not in the trash.", "ok")
    return redirect(url_for(".exam", exam_id=exam_id))


@bp.post("/<int:exam_id>/purge")
def purge(exam_id: int):
    e = g.exam
    if request.form.get("confirm") != "yes":
        return redirect(url_for(".trash"))
    if get_store().purge(exam_id):
        flash(f"Removed ‘{e.title}’ for good.", "ok")
    return redirect(url_for(".trash"))


# ---- preview and downloads ------------------------------------------------------------------------------------

def _build(e: StoredExam, **kw) -> ExamBuild:
    return build(e.spec, **kw)


def _build_failed(e: StoredExam, err: InvalidInput, what: str):
    ed = _editor(e)
    ed.error = f"Could not {what}: {describe_error(err)}"
    return _render_editor(ed, 400)


@bp.get("/<int:exam_id>/preview")
def preview(exam_id: int):
    from .views import shown_steps

    e = _load(exam_id)
    solutions = request.args.get("solutions") == "1"
    try:
        b = _build(e, variants=1, solutions=solutions)
    except InvalidInput as err:
        return _build_failed(e, err, "build the preview")
    cfg = current_app.config
    variant = b.variants[0]
    questions = []
    for q in variant.questions:
        answers = [(a, is_trace(a), answer_tolerance(a)) for a in q.answers]
        steps = shown_steps(q.solution.steps, cfg["MAX_STEPS_SHOWN"], cfg["MAX_CHILDREN_SHOWN"]) if solutions else ()
        questions.append((q, answers, steps))
    return render_template("exam_preview.html", exam=e, spec=b.spec, b=b, variant=variant, questions=questions,
                           solutions=solutions, max_rows=cfg["MAX_TABLE_ROWS"], marks_text=marks_text)


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that hands over what was written (zipfile then streams, using data
    descriptors, so a zip goes out entry by entry instead of being held whole)."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self._chunks.append(bytes(b))
        return len(b)

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def stream_zip(batches, folder: str):
    """The zip of {name: bytes} batches (one format at a time: only that format's files are in memory),
    yielded as it is written; entries under `folder/`, with fixed dates, so the same exam gives the same bytes."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as z:
        for files in batches:
            for name, data in files.items():
                info = zipfile.ZipInfo(f"{folder}/{name}", date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
                yield sink.take()
    yield sink.take()


def _attachment(body, mimetype: str, filename: str):
    return current_app.response_class(body, mimetype=mimetype,
                                      headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                               "Cache-Control": "no-store"})


@bp.get("/<int:exam_id>/download")
def download(exam_id: int):
    e = _load(exam_id)
    fmt = request.args.get("format", "all")
    if fmt != "all" and fmt not in FORMATS:
        err = HTTPNotFound()
        err.stepwise_message = f"There is no exam format {fmt[:40]!r}; the formats are: all, {', '.join(FORMATS)}."
        raise err
    solutions = request.args.get("solutions") == "1"
    stem = slug(e.title) + ("-with-solutions" if solutions else "")
    from . import jobs  # a large build runs as a background job with a progress page (web/jobs.py)

    if jobs.wanted(e):
        name, mimetype = ((f"{stem}-{SINGLE[fmt][0]}", SINGLE[fmt][1]) if fmt in SINGLE else
                          (f"{stem}-{'exam' if fmt == 'all' else fmt}.zip", "application/zip"))
        return jobs.start_exam_job(e, fmt, solutions, name, mimetype, folder=None if fmt in SINGLE else stem,
                                   zip_files=stream_zip)
    try:
        b = _build(e, solutions=solutions)
    except InvalidInput as err:
        return _build_failed(e, err, "build the exam")
    if fmt in ("all", "pdf") and importlib.util.find_spec("typst") is None:  # before the download starts
        return render_template("error.html", code=503, title="PDF is unavailable on this server", reference=None,
                               message="PDF export needs the 'typst' package (pip install typst); the other "
                                       "formats download one by one."), 503
    if fmt in SINGLE:
        suffix, mimetype = SINGLE[fmt]
        (data,) = export(b, [fmt]).values()
        return _attachment(data, mimetype, f"{stem}-{suffix}")
    fmts = FORMATS if fmt == "all" else (fmt,)
    batches = (export(b, [f]) for f in fmts)
    if fmt == "all":
        batches = _chain(batches, {"exam.toml": e.toml.encode("utf-8")})
    return _attachment(stream_zip(batches, stem), "application/zip", f"{stem}-{'exam' if fmt == 'all' else fmt}.zip")


def _chain(batches, last: dict):
    yield from batches
    yield last
