"""The blueprint: thin views over the registry, the renderers and the answer checker.

    GET  /                          families grouped by topic, with a search box (?q= filters on the server) and a
                                    "Paste a question" box
    GET  /read?question=...         the pasted question read: its family's form filled, each field marked with the
                                    words it came from (&family=NAME reads it as another family)
    GET  /f/<name>                  the problem form (?example=1 loads the worked example, ?seed=N a random instance)
    GET  /f/<name>/random           a new random instance (redirects to ?seed=N)
    GET  /f/<name>/solve?p.x=..&c.y=..   the worked solution; its URL is the problem (bookmark it)
    POST /f/<name>/check?p.x=..     the same page with a verdict next to each typed answer (CSRF-protected)
    GET  /f/<name>/solution.<md|tex|json>?p.x=..   downloads
    /api/...                        the JSON API (web/api.py, same blueprint)
"""
from __future__ import annotations

import base64
import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from solver import registry
from solver.params import InvalidInput
from solver.render import render
from solver.render.walk import STATUS_TEXT
from solver.steps import Answer, Solution, Step

from . import forms, uploads
from .blueprint import bp
from .common import get_family, make_checker
from .cache import get_cache
from .check import KIND_HINT, KIND_PLACEHOLDER, Verdict, describe_tolerance, value_kind


DOWNLOADS = {
    "md": ("markdown", "text/markdown; charset=utf-8", "Markdown"),
    "tex": ("latex", "application/x-tex; charset=utf-8", "LaTeX"),
    "json": ("json", "application/json; charset=utf-8", "JSON"),
}


def _problem() -> forms.Problem:
    return forms.Problem.from_args(request.args, current_app.config["MAX_FIELD_CHARS"])


# ---- home -------------------------------------------------------------------------------------------

@bp.get("/")
def home():
    q = request.args.get("q", "").strip()[:200]
    entries, broken = forms.catalogue()
    shown = [e for e in entries if forms.matches(e, q)] if q else entries
    return render_template("home.html", groups=forms.grouped(shown), q=q, total=len(entries), shown=len(shown),
                           broken=broken)


# ---- a pasted question ---------------------------------------------------------------------------------

@bp.get("/read")
def read_pasted():
    from solver.reading import read

    question = request.args.get("question", "")
    family_name = request.args.get("family") or None
    entries, broken = forms.catalogue()
    home_args = dict(groups=forms.grouped(entries), q="", total=len(entries), shown=len(entries), broken=broken,
                     question=question)
    if len(question) > current_app.config["MAX_FIELD_CHARS"]:
        return render_template("home.html", read_error="The question is too long for the web form; paste one "
                                                       "question.", **home_args), 400
    try:
        reading = read(question, family_name)
    except InvalidInput as e:
        return render_template("home.html", read_error=e.message, **home_args), 400
    if reading.family is None:
        return render_template("home.html", read_error=reading.message, **home_args), 200
    fam = get_family(reading.family)
    form = forms.reading_form(fam, reading, question)
    alternatives = [(a["title"], url_for(".read_pasted", question=question, family=a["family"]))
                    for a in reading.alternatives]
    return render_template("family.html", **_family_context(fam, form), seed_error="", alternatives=alternatives)


# ---- the problem form ---------------------------------------------------------------------------------

@bp.get("/f/<name>")
def family(name: str):
    fam = get_family(name)
    status = 200
    seed_error = ""
    if request.args.get("example"):
        form = forms.build_form(fam, forms.example_problem(fam))
        form.loaded = "example"
    elif "seed" in request.args:
        try:
            seed = forms.parse_seed(request.args.get("seed"))
            form = forms.build_form(fam, forms.generated_problem(fam, seed))
            form.loaded, form.seed = "seed", seed
        except InvalidInput as e:
            form, seed_error, status = forms.build_form(fam), e.message, 400
    else:
        try:
            # "edit this problem" links carry p.* and c.*; "Add a layer" (a group's button) also add=<param>
            form = forms.build_form(fam, _problem(), add=request.args.get("add", ""),
                                    remove=request.args.get("remove", ""))
        except InvalidInput as e:
            form = forms.attach_error(forms.build_form(fam, getattr(e, "problem", None)), e)
    return render_template("family.html", **_family_context(fam, form), seed_error=seed_error), status


@bp.post("/f/<name>/upload")
def upload(name: str):
    """A data file for a matrix or vector field: kept under its hash, named in the form as @upload:<id>."""
    fam = get_family(name)
    for other in request.files.values():  # spooled to temporary files: closed when this view is done
        _close_later(other)
    args = {k: v for k, v in request.form.items() if k.startswith((forms.PARAM_PREFIX, forms.CONV_PREFIX))
            or k == forms.PRECISION_KEY}
    field = request.form.get("field", "")
    kinds = {p.name: p.schema().get("type") for p in fam.params}
    try:
        if kinds.get(field) not in ("matrix", "vector"):
            raise InvalidInput("upload", f"Choose a matrix or vector field for the file (this problem's: "
                                         f"{', '.join(k for k, t in kinds.items() if t in ('matrix', 'vector'))}).")
        f = request.files.get("file")
        if f is None or not f.filename:
            raise InvalidInput(field, f"Choose a file for '{field}' (a .csv or .npy file).")
        try:
            data = f.read(uploads.MAX_BYTES + 1)
        finally:
            f.close()
        arr = uploads.read_upload(field, f.filename, data)
        if kinds[field] == "vector" and arr.ndim == 2 and 1 in arr.shape:
            arr = arr.reshape(-1)
        ident = uploads.store(current_app, arr)
    except InvalidInput as e:
        problem = forms.Problem.from_args(args, current_app.config["MAX_FIELD_CHARS"])
        form = forms.build_form(fam, problem)
        return render_template("family.html", **_family_context(fam, form), seed_error="",
                               upload_error=e.message), 400
    args[forms.PARAM_PREFIX + field] = uploads.PREFIX + ident
    return redirect(url_for(".family", name=fam.name, **args))


def _close_later(f) -> None:
    from flask import after_this_request

    @after_this_request
    def _close(response):
        f.close()
        return response


@bp.app_template_global()
def practice_link(sol: Solution) -> str | None:
    """The practice page of a solved problem (its numbers, conventions and precision), for sharing an exam's
    questions with the answers withheld; None when the problem is too large for a link."""
    from solver.numbers import Precision, precision_text

    params = sol.extras.get("params_text") or {}
    if not isinstance(params, dict):
        return None
    query = {forms.PARAM_PREFIX + k: str(v) for k, v in params.items()}
    query.update({forms.CONV_PREFIX + k: v for k, v in sol.convention_choices.items()})
    if sol.precision and sol.precision != {"dp": 4}:
        query[forms.PRECISION_KEY] = precision_text(Precision(**sol.precision))
    url = url_for("ui.practice", name=sol.family, **query)
    return url if len(url) <= 8000 else None


@bp.get("/f/<name>/random")
def random_instance(name: str):
    fam = get_family(name)
    return redirect(url_for(".family", name=fam.name, seed=forms.new_seed()))


def _family_context(fam, form: forms.Form) -> dict[str, Any]:
    doc = fam.description.split("\n", 1)
    about = about_blocks(doc[1] if len(doc) > 1 else "")
    example = forms.example_problem(fam)
    for f in form.fields:
        if uploads.is_upload(f.value):
            f.upload = uploads.describe(current_app, f.value)
    return dict(family=fam, form=form, about=about, topic_title=registry.TOPICS.get(fam.topic, fam.topic),
                upload_max_mb=uploads.MAX_BYTES // 2**20,
                example_source=fam.example.source, example_solve_url=url_for(".solve", name=fam.name, **example.query()))


_CODE = re.compile(r"`([^`\n]{1,80})`")


def _inline(text: str) -> Markup:
    """One line of a family's description as HTML: `name` as code, everything else escaped (no raw Markdown)."""
    out, last = [], 0
    for m in _CODE.finditer(text):
        out.append(Markup.escape(text[last:m.start()]))
        out.append(Markup("<code>%s</code>") % m.group(1))
        last = m.end()
    out.append(Markup.escape(text[last:]))
    return Markup("").join(out)


def about_blocks(text: str) -> list[tuple[str, Any]]:
    """A family's description as ("p", html) paragraphs and ("ul", [html, ...]) lists: its "- item" lines become
    a list (continuation lines joined), `code` becomes code, the rest is plain text."""
    blocks: list[tuple[str, Any]] = []
    for par in text.split("\n\n"):
        lines = [ln.strip() for ln in par.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        lead, items = [], []
        for ln in lines:
            if ln.startswith(("- ", "* ")):
                items.append(ln[2:])
            elif items:
                items[-1] += " " + ln
            else:
                lead.append(ln)
        if lead:
            blocks.append(("p", _inline(" ".join(lead))))
        if items:
            blocks.append(("ul", [_inline(" ".join(i.split())) for i in items]))
    return blocks


def _form_error(fam, problem: forms.Problem, err: InvalidInput):
    form = forms.attach_error(forms.build_form(fam, problem), err)
    return render_template("family.html", **_family_context(fam, form), seed_error=""), 400


# ---- the solution -----------------------------------------------------------------------------------

@dataclass
class AnswerRow:
    name: str
    answer: Answer
    kind: str | None
    tolerance: str
    hint: str
    placeholder: str
    show_display: bool
    typed: str = ""
    verdict: Verdict | None = None
    origin: tuple[str, str] | None = None  # (step number, step title) of the step that gives the answer


def answer_origins(steps, prefix: str = "") -> dict[str, tuple[str, str]]:
    """Each answer's step, numbered as on the page: {name: ("3.2", "Update")}; the first step that gives it."""
    out: dict[str, tuple[str, str]] = {}
    for i, step in enumerate(steps, 1):
        num = f"{prefix}{i}"
        for a in step.answers:
            out.setdefault(a.name, (num, step.title))
        for name, where in answer_origins(step.children, num + ".").items():
            out.setdefault(name, where)
    return out


def _params(problem: forms.Problem) -> dict[str, Any]:
    """The typed parameters, each uploaded file (`@upload:<id>`) replaced by its array (web.uploads)."""
    return uploads.resolve(current_app, problem.given_params())


def _solve(fam, problem: forms.Problem) -> Solution:
    typed = problem.given_params()
    params = uploads.resolve(current_app, typed)
    # an uploaded file is keyed by its id (its content hash), so its solution is cached like any other
    return get_cache(current_app).solve(fam, params, problem.given_conventions(), precision=problem.given_precision(),
                                        key_params=typed)


def _problem_and_solution(fam):
    """(problem, solution, None), or (problem, None, the form re-rendered with the error and HTTP 400)."""
    try:
        problem = _problem()
    except InvalidInput as e:  # a value too long: the form again, with everything typed kept
        return None, None, _form_error(fam, getattr(e, "problem", None) or forms.Problem(), e)
    try:
        return problem, _solve(fam, problem), None
    except InvalidInput as e:
        return problem, None, _form_error(fam, problem, e)


@bp.get("/f/<name>/solve")
def solve(name: str):
    fam = get_family(name)
    problem, sol, failed = _problem_and_solution(fam)
    if failed is not None:
        return failed
    return _solution_page(fam, problem, sol)


@bp.post("/f/<name>/check")
def check(name: str):
    fam = get_family(name)
    problem, sol, failed = _problem_and_solution(fam)
    if failed is not None:
        return failed
    typed, verdicts, traced = _check_typed(fam, problem, sol, reveal=True)
    return _solution_page(fam, problem, sol, typed=typed, verdicts=verdicts, checked=True, traced=traced)


# ---- practice: the answers hidden until the student gives theirs ----------------------------------------

#: Practice reveals the steps one at a time down to this depth (a step and, one by one, its sub-steps, such as the
#: epochs of a trace); deeper sub-steps come with the step they belong to.
PRACTICE_DEPTH = 2


def practice_units(steps, depth: int = PRACTICE_DEPTH) -> int:
    """How many times a practice page's "next step" reveals something: every step down to `depth`."""
    return sum(1 + (practice_units(s.children, depth - 1) if depth > 1 else 0) for s in steps)


def revealed_steps(steps, n: int, depth: int = PRACTICE_DEPTH) -> tuple:
    """The first `n` practice units of `steps`: whole steps, a step's sub-steps cut after the last one revealed."""
    def take(items, left, d):
        out = []
        for s in items:
            if left <= 0:
                break
            left -= 1
            if d > 1 and s.children:
                kids, left = take(s.children, left, d - 1)
                s = dataclasses.replace(s, children=kids)
            out.append(s)
        return tuple(out), left

    return take(tuple(steps), n, depth)[0]


def _shown_count(sol: Solution, raw: str | None) -> int:
    """How many practice units a practice page reveals (from its `shown` argument, clamped)."""
    try:
        n = int(str(raw or "0").strip()[:6])
    except ValueError:
        n = 0
    return max(0, min(n, practice_units(sol.steps)))


@bp.get("/f/<name>/practice")
def practice(name: str):
    """The problem with its answers and steps hidden: the link a teacher shares (`shown=N` reveals N steps)."""
    fam = get_family(name)
    problem, sol, failed = _problem_and_solution(fam)
    if failed is not None:
        return failed
    return _solution_page(fam, problem, sol, practice=_shown_count(sol, request.args.get("shown")))


@bp.post("/f/<name>/practice")
def practice_check(name: str):
    """Check the typed answers without revealing the others, and reveal the steps asked for (the form's
    "Show the next step" sends shown=N+1); everything typed stays in its box."""
    fam = get_family(name)
    problem, sol, failed = _problem_and_solution(fam)
    if failed is not None:
        return failed
    typed, verdicts, traced = _check_typed(fam, problem, sol, reveal=False)
    return _solution_page(fam, problem, sol, typed=typed, verdicts=verdicts, checked=bool(verdicts), traced=traced,
                          practice=_shown_count(sol, request.form.get("shown")))


def _check_typed(fam, problem: forms.Problem, sol: Solution, *, reveal: bool):
    """(typed text by answer, verdicts by answer, trace rows) for the posted answer boxes and trace entries."""
    cfg = current_app.config
    checker = make_checker(fam, _params(problem), problem.given_conventions(), sol, problem.given_precision())
    typed: dict[str, str] = {}
    too_long: dict[str, Verdict] = {}
    unknown: dict[str, Verdict] = {}
    # the answers' boxes (a.<name>), then the trace entries typed by address ("loss@t=3") with their values
    pairs = [(k[len(forms.ANSWER_PREFIX):], v) for k, v in request.form.items() if k.startswith(forms.ANSWER_PREFIX)]
    entries = list(zip(request.form.getlist("trace_address"), request.form.getlist("trace_value")))[:MAX_TRACE_CHECKS]
    traced = []
    for address, text in entries:
        address = address.strip()[:200]
        if address:
            traced.append((address, text))
            pairs.append((address, text))
    for answer, text in pairs:
        try:
            a = sol.answer(answer)
        except KeyError as e:
            if answer in dict(traced):
                unknown[answer] = Verdict(answer, "malformed", str(e.args[0] if e.args else e), text[:60], "", "")
            continue
        typed[answer] = text
        if len(text) > cfg["MAX_FIELD_CHARS"]:
            too_long[answer] = Verdict(answer, "malformed", f"Too long: at most {cfg['MAX_FIELD_CHARS']} characters.",
                                       text[:60] + "...", a.display, describe_tolerance(a))
    to_check = {k: v for k, v in typed.items() if v.strip() and k not in too_long}
    verdicts = {**checker.check_all(to_check, reveal=reveal), **too_long, **unknown}
    return typed, verdicts, [(a, t, verdicts.get(a)) for a, t in traced]


#: At most this many trace entries checked by address at once in the page's form.
MAX_TRACE_CHECKS = 5


@dataclass(frozen=True)
class ShownStep:
    """A step as the page shows it: its number, and its children trimmed to what fits on a page."""

    step: Step
    num: str
    children: tuple  # ShownStep and Omitted items

    def __getattr__(self, name):  # kind, title, text, formula, ... of the step itself
        return getattr(self.step, name)


@dataclass(frozen=True)
class Omitted:
    """Steps left off the page (the downloads and the JSON have them all)."""

    count: int
    first: str
    last: str
    omitted = True


def shown_steps(steps, max_total: int, max_children: int, prefix: str = "") -> tuple:
    """The steps of a long trace cut to fit a page: of any step's children, the first ones (at most
    `max_children` in all) and always the last few (the final epoch, the result); about `max_total`
    steps in all, past which the middle of each list, and the sub-steps of the last few, are summarised.
    Numbers stay those of the full solution, so they match the downloads."""
    left = [max(1, max_total)]

    def show(items, i, prefix):
        left[0] -= 1
        num = f"{prefix}{i + 1}"
        kids = items[i].children
        if left[0] > 0:
            children = level(kids, num + ".")
        else:
            children = (Omitted(len(kids), f"{num}.1", f"{num}.{len(kids)}"),) if kids else ()
        return ShownStep(items[i], num, children)

    def level(items, prefix):
        n = len(items)
        tail = min(n, max(1, max_children // 5))
        tail_start = n - tail
        head = min(tail_start, max_children - tail)
        out, i = [], 0
        while i < head and left[0] > 0:
            out.append(show(items, i, prefix))
            i += 1
        if i < tail_start:
            out.append(Omitted(tail_start - i, f"{prefix}{i + 1}", f"{prefix}{tail_start}"))
        out.extend(show(items, j, prefix) for j in range(tail_start, n))
        return tuple(out)

    return level(tuple(steps), prefix)


_LATEX_NOISE = re.compile(r"\\left|\\right|\\text\{|[{}\s]")


def _display_adds(a: Answer, kind: str | None) -> bool:
    """Whether the plain display says more than the typeset value (a decimal next to an exact form)."""
    if kind in (None, "bool", "text", "matrix"):
        return False
    return _LATEX_NOISE.sub("", a.latex) != _LATEX_NOISE.sub("", a.display)


def _svg_data_url(svg: Any) -> str | None:
    """A plot the family drew, as a data: URL for an <img> (scripts in an SVG image never run)."""
    if not isinstance(svg, str) or len(svg) > 2_000_000 or "<svg" not in svg[:2000]:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _solution_page(fam, problem: forms.Problem, sol: Solution, *, typed=None, verdicts=None, checked=False,
                   traced=None, practice: int | None = None):
    """The solution page; with `practice` (the number of steps revealed) the practice page: answers hidden
    until answered correctly, steps revealed one at a time, no downloads."""
    typed, verdicts = typed or {}, verdicts or {}
    traced = list(traced or [])
    traced += [("", "", None)] * max(0, 3 - len(traced))
    rows = []
    origins = get_cache(current_app).fragment(sol, "origins", lambda: answer_origins(sol.steps))
    for name, a in sol.answers.items():
        kind = value_kind(a)
        rows.append(AnswerRow(name, a, kind, describe_tolerance(a) if kind else "", KIND_HINT.get(kind or "", ""),
                              "e.g. 3" if kind == "number" and isinstance(a.value, int) else KIND_PLACEHOLDER.get(kind or "", ""),
                              _display_adds(a, kind), typed.get(name, ""),
                              verdicts.get(name), origins.get(name)))
    conventions = []
    by_name = {c.name: c for c in fam.conventions}
    for use in sol.conventions:
        conv = by_name.get(use.name)
        others = []
        if conv is not None:
            others = [(opt, sentence, url_for(".practice" if practice is not None else ".solve", name=fam.name,
                                              **problem.query(**{use.name: opt}),
                                              **({} if practice is not None else {WAS_PREFIX + use.name: use.choice})))
                      for opt, sentence in conv.options.items() if opt != use.choice]
        conventions.append((use, conv, others))
    query = problem.query()
    downloads = [(label, url_for(".download", name=fam.name, fmt=ext, **query)) for ext, (_, _, label) in DOWNLOADS.items()]
    cache = get_cache(current_app)
    cfg = current_app.config
    max_rows = cfg["MAX_TABLE_ROWS"]
    steps = sol.steps if practice is None else revealed_steps(sol.steps, practice)
    steps_html = cache.fragment(sol, "steps" if practice is None else f"steps:{practice}", lambda: Markup(render_template(
        "_steps_section.html", sol=sol, max_rows=max_rows,
        steps=shown_steps(steps, cfg["MAX_STEPS_SHOWN"], cfg["MAX_CHILDREN_SHOWN"]))))
    latex_source = cache.fragment(sol, "latex", lambda: render(sol, "latex"))
    plot = cache.fragment(sol, "plot", lambda: _svg_data_url(sol.extras.get("svg")))
    return render_template(
        "solution.html", family=fam, sol=sol, rows=rows, conventions=conventions, downloads=downloads,
        status_text=STATUS_TEXT.get(sol.status, sol.status), latex_source=latex_source, plot=plot, steps_html=steps_html,
        plot_title=str(sol.extras.get("svg_title") or "Plot"),
        topic_title=registry.TOPICS.get(fam.topic, fam.topic),
        permalink=url_for(".solve", name=fam.name, **query),
        practice=practice, total_steps=practice_units(sol.steps) if practice is not None else len(sol.steps),
        changes=None if practice is not None else _what_changed(fam, problem, sol),
        warning=_warning(sol),
        practice_url=url_for(".practice", name=fam.name, **query),
        practice_post=url_for(".practice_check", name=fam.name, **query),
        edit_url=url_for(".family", name=fam.name, **query),
        check_url=url_for(".check", name=fam.name, **query),
        verdicts=verdicts, checked=checked, traced=traced,
        trace_examples=cache.fragment(sol, "trace_examples", lambda: _trace_examples(sol)),
        precision=_precision_words(sol),
    )


#: A convention switch link carries was.<convention>=<previous choice>, so the new page can say what changed.
WAS_PREFIX = "was."


@dataclass
class Changes:
    convention: str
    title: str
    before: str
    after: str
    changed: list  # (answer name, before display, after display, by how much: text or "")
    same: list  # names of the answers that did not change


def _what_changed(fam, problem: forms.Problem, sol: Solution) -> Changes | None:
    """After a convention switch (a link with was.<name>=<old choice>): which answers changed and by how much."""
    was = [(k[len(WAS_PREFIX):], v) for k, v in request.args.items() if k.startswith(WAS_PREFIX)][:1]
    if not was:
        return None
    name, old = was[0]
    conv = next((c for c in fam.conventions if c.name == name), None)
    now = sol.convention_choices.get(name)
    if conv is None or old not in conv.options or old == now:
        return None
    before_problem = forms.Problem(dict(problem.params), {**problem.conventions, name: old}, problem.precision)
    try:
        before = _solve(fam, before_problem)
    except InvalidInput:
        return None
    changed, same = [], []
    for key, a in sol.answers.items():
        b = before.answers.get(key)
        if b is None or value_kind(a) is None:
            continue
        if b.display == a.display:
            same.append(key)
        else:
            changed.append((key, b.display, a.display, _difference(b, a)))
    return Changes(name, conv.title, old, now or "", changed, same)


def _difference(before: Answer, after: Answer) -> str:
    """'by 0.0002' (the largest change of any entry, in the answer's precision), or '' for non-numbers."""
    import math

    from solver import format as F

    def flat(v):
        if isinstance(v, list):
            for x in v:
                yield from flat(x)
        else:
            yield v

    try:
        xs, ys = list(flat(before.numeric_value())), list(flat(after.numeric_value()))
        if len(xs) != len(ys) or not xs:
            return ""
        diffs = [abs(float(y) - float(x)) for x, y in zip(xs, ys)]
    except (TypeError, ValueError):
        return ""
    d = max(diffs)
    if not math.isfinite(d):
        return ""
    return F.text(d, sig=2)


def _warning(sol: Solution) -> str:
    """A family's warning about the run (extras["warning"]: a diverging run, its likely cause), as one text."""
    w = sol.extras.get("warning")
    if isinstance(w, str):
        return w.strip()[:2000]
    if isinstance(w, dict):
        parts = [str(w.get(k)).strip() for k in ("title", "message", "text", "cause") if w.get(k)]
        return " ".join(parts)[:2000]
    if isinstance(w, (list, tuple)):
        return " ".join(str(x).strip() for x in w if x)[:2000]
    return ""


def _trace_examples(sol: Solution, n: int = 3) -> list[str]:
    """A few addresses of this solution's trace entries, to show what can be typed (empty: no addressable trace)."""
    names = set(sol.answers)
    return [a for a in sol.addresses() if a not in names][:n]


def _precision_words(sol: Solution) -> str:
    p = sol.precision or {}
    if "sig" in p:
        return f"{p['sig']} significant figure{'' if p['sig'] == 1 else 's'}"
    if "dp" in p:
        return f"{p['dp']} decimal place{'' if p['dp'] == 1 else 's'}"
    return ""


@bp.get("/f/<name>/solution.<fmt>")
def download(name: str, fmt: str):
    fam = get_family(name)
    if fmt not in DOWNLOADS:
        abort(404)
    problem, sol, failed = _problem_and_solution(fam)
    if failed is not None:
        return failed
    renderer, mimetype, _ = DOWNLOADS[fmt]
    body = sol.dumps(indent=2) + "\n" if fmt == "json" else render(sol, renderer)
    return Response(body, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{fam.name}-solution.{fmt}"'})


@bp.get("/api")
def api_docs():
    return render_template("api.html", families=registry.names())
