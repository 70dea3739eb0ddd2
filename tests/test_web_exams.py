"""The exam builder (web/exams.py) through Flask's test client, with the SQLite store in tmp_path, logged in
as an instructor (web/auth.py; who may see what is tested in tests/test_web_auth.py).

Pages render; the whole flow (add two solutions to a new exam, reorder, set marks and details,
preview, download the zip and read it, upload the TOML back, delete with confirmation); every format
on its own; CSRF rejection; the Conflict message when two tabs save the same exam (nothing
overwritten, the second tab's edits kept); concurrent "add to exam" losing nothing; saved exams
surviving an app restart; the TOML round trip with `stepwise exam` (the CLI writes byte-identical
files to the web's downloads); upload validation errors next to the field, naming problem and field.
Expected values come from solver.exam itself (spec, build, export) and the registry, never from an
earlier run of the web pages.
"""
from __future__ import annotations

import csv
import io
from html import unescape as html_unescape
import json
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
import zipfile
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from solver import registry
from solver.exam import build, export, loads, variant_seed
from solver.exam.store import ExamStore, NotFound
from web import create_app
from web.forms import example_problem

ROOT = Path(__file__).resolve().parent.parent
TRACEBACK_MARKERS = ("Traceback", 'File "', "most recent call last")


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "data" / "exams.sqlite3"


PASSWORD = "correct horse battery"


@pytest.fixture
def app(db):
    ExamStore(db).add_user("teacher", PASSWORD)
    return create_app({"TESTING": True, "EXAM_DB": str(db)})


def login(client, name: str = "teacher", password: str = PASSWORD):
    page = text(client.get("/login"))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"csrf_token": csrf, "name": name, "password": password})
    assert resp.status_code == 302, text(resp)
    return client


@pytest.fixture
def client(app):
    return login(app.test_client())


def text(resp) -> str:
    return resp.get_data(as_text=True)


def token(client) -> str:
    resp = client.get("/exams")
    page = text(resp)
    assert "csrf_token" in page, (resp.status_code, page[:3000])
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def add(client, csrf: str, name: str, exam: str = "new", title: str = "", **extra):
    """Press "Add to exam" on the solution page of a family's worked example."""
    query = example_problem(registry.get(name)).query()
    return client.post("/exams/add", data={"csrf_token": csrf, "family": name, "exam": exam, "title": title,
                                           **query, **extra})


class FormReader(HTMLParser):
    """The fields a browser would submit from the form with the given id (no submit button pressed)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields, self._area = form_id, False, [], None
        self._select = None  # [name, first option's value, the selected option's value]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        elif self.inside and tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox", "file"):
            self.fields.append((a["name"], a.get("value") or ""))
        elif self.inside and tag == "textarea":
            self._area = [a["name"], ""]
        elif self.inside and tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]
        elif self._select is not None and tag == "option":
            value = a.get("value") or ""
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_data(self, data):
        if self._area is not None:
            self._area[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._area is not None:
            self.fields.append(tuple(self._area))
            self._area = None
        elif tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self.fields.append((name, chosen if chosen is not None else first or ""))
            self._select = None
        elif tag == "form":
            self.inside = False


def editor_form(page: str, form_id: str = "exam-form") -> MultiDict:
    reader = FormReader(form_id)
    reader.feed(page)
    assert reader.fields, f"no form #{form_id} on the page"
    return MultiDict(reader.fields)


def submit(client, exam_id: int, form: MultiDict, action: str = "save", **changes):
    data = MultiDict(form)
    for k, v in changes.items():
        if isinstance(v, list):
            data.setlist(k, v)
        else:
            data[k] = v
    data["action"] = action
    return client.post(f"/exams/{exam_id}", data=data)


def store(db) -> ExamStore:
    return ExamStore(db)


def assert_no_traceback(body: str) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in body


# ---- pages ----------------------------------------------------------------------------------------------

def test_exams_page_renders_empty_and_reading_creates_no_database(client, db, tmp_path):
    resp = client.get("/exams")
    assert resp.status_code == 200
    assert "No saved exams yet" in text(resp)
    assert 'enctype="multipart/form-data"' in text(resp), "the upload form"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    nav = text(client.get("/"))
    assert 'href="/exams"' in nav, "the site navigation links the Exams page"
    assert 'id="account-link"' in nav and 'id="logout-button"' in nav

    fresh = tmp_path / "fresh" / "exams.sqlite3"   # a server whose database does not exist yet
    anon = create_app({"TESTING": True, "EXAM_DB": str(fresh)}).test_client()
    assert anon.get("/exams").status_code == 302
    query = example_problem(registry.get("entropy")).query()
    page = anon.get("/f/entropy/solve", query_string=query)
    assert page.status_code == 200 and 'id="add-to-exam-login"' in text(page)
    assert anon.get("/login").status_code == 200
    assert not fresh.exists(), "reading creates nothing; `stepwise user add` or the first save does"


def test_every_exam_page_renders(client, db):
    csrf = token(client)
    assert add(client, csrf, "perceptron", title="Quiz").status_code == 302
    assert db.exists(), "created on first save, directory included"
    for url in ("/exams", "/exams/1", "/exams/1/preview", "/exams/1/preview?solutions=1", "/exams/1/delete"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert "Quiz" in text(resp)
        assert_no_traceback(text(resp))
    listing = text(client.get("/exams"))
    assert "1 question" in listing and 'href="/exams/1"' in listing


def test_unknown_exam_is_a_404_that_says_so(client):
    csrf = token(client)
    add(client, csrf, "entropy")
    for url in ("/exams/99", "/exams/99/preview", "/exams/99/exam.toml", "/exams/99/delete", "/exams/99/download"):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert "no saved exam number 99" in text(resp)


def test_solution_page_has_the_add_to_exam_control(client):
    fam = registry.get("perceptron")
    query = example_problem(fam).query()
    page = text(client.get("/f/perceptron/solve", query_string=query))
    form = page[page.index('id="add-to-exam"'):]
    form = form[:form.index("</form>")]
    assert 'action="/exams/add"' in page
    assert 'name="csrf_token"' in form and 'name="family" value="perceptron"' in form
    for k, v in query.items():
        assert f'name="{k}" value="{escape(v)}"' in form, "the problem travels with the button"
    assert '<option value="new" selected>' in form, "no saved exam yet: a new one"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    add(client, csrf, "entropy", title="Saved quiz")
    page = text(client.get("/f/perceptron/solve", query_string=query))
    assert '<option value="1" selected>Saved quiz</option>' in page, "saved exams are offered, newest first"


# ---- the whole flow -----------------------------------------------------------------------------------------

def test_whole_flow_add_reorder_mark_preview_download_upload_delete(client, db):
    csrf = token(client)
    perceptron, entropy = registry.get("perceptron"), registry.get("entropy")

    # add two solutions: the first into a new exam, the second into that exam
    resp = add(client, csrf, "perceptron", title="Midterm")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/exams/1#q1")
    page = text(client.get("/exams/1"))
    assert "Added ‘Perceptron training trace’ to ‘Midterm’ as question 1 (1 mark)." in page
    resp = add(client, csrf, "entropy", exam="1")
    assert resp.headers["Location"].endswith("/exams/1#q2")
    spec = store(db).get(1).spec
    assert [p.family for p in spec.problems] == ["perceptron", "entropy"]
    assert [p.marks for p in spec.problems] == [1, 1], "marks default to 1"
    example = perceptron.solve(perceptron.example.params, perceptron.example.conventions)
    first = spec.problems[0]
    assert dict(first.conventions) == example.convention_choices, "the conventions used are recorded"
    assert perceptron.solve(dict(first.params), dict(first.conventions)).answers["w"].value == example.answers["w"].value

    # reorder: entropy first
    form = editor_form(text(client.get("/exams/1")))
    assert form["revision"] == "2"
    resp = submit(client, 1, form, action="down-0")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#questions")
    assert [p.family for p in store(db).get(1).spec.problems] == ["entropy", "perceptron"]
    assert "Moved question 1 down: it is now question 2." in text(client.get("/exams/1"))

    # marks, title, course, date, instructions, variants and seed in one save
    form = editor_form(text(client.get("/exams/1")))
    resp = submit(client, 1, form, marks=["3", "5"], title="DL midterm", course="DL 301", date="2025-03-14",
                  instructions="Show your working.\nCalculators allowed.", variants="2", seed="11")
    assert resp.status_code == 302
    saved = store(db).get(1)
    spec = saved.spec
    assert (spec.title, spec.course, spec.date, spec.variants, spec.seed) == ("DL midterm", "DL 301", "2025-03-14", 2, 11)
    assert spec.instructions == "Show your working.\nCalculators allowed."
    assert [p.marks for p in spec.problems] == [3, 5] and saved.revision == 4
    assert "Saved." in text(client.get("/exams/1"))
    resp = submit(client, 1, editor_form(text(client.get("/exams/1"))))
    assert store(db).get(1).revision == 4, "an unchanged form makes no new revision"

    # preview: variant 1's paper and key, maths as MathML, seeds shown
    expected = build(spec, variants=1)
    page = text(client.get("/exams/1/preview"))
    assert "Question paper" in page and "Answer key" in page
    assert f"variant seed {variant_seed(11, 1)}" in page
    for q in expected.variants[0].questions:
        for part in q.rich.parts:   # the statement's prose as text (its maths is MathML)
            if isinstance(part, str) and part.strip():
                assert escape(part) in page
        for a in q.answers:
            if not isinstance(a.value, list) or not a.value or not isinstance(a.value[0], dict):
                assert f'data-latex="{escape(a.latex)}"' in page, f"answer {a.name} typeset"
    assert "<math" in page and "Worked solution" not in page
    worked = text(client.get("/exams/1/preview?solutions=1"))
    assert "Worked solution" in worked and 'class="steps"' in worked

    # download everything: a zip of every format, the seeds in it, identical on a second request
    resp = client.get("/exams/1/download?format=all")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert 'filename="dl-midterm-exam.zip"' in resp.headers["Content-Disposition"]
    data = resp.get_data()
    assert client.get("/exams/1/download?format=all").get_data() == data, "same exam and seed, same bytes"
    z = zipfile.ZipFile(io.BytesIO(data))
    names = set(z.namelist())
    per_variant = {f"dl-midterm/variant-0{k}-{kind}.{ext}" for k in (1, 2) for kind in ("paper", "key")
                   for ext in ("pdf", "md", "tex", "html")}
    whole = {f"dl-midterm/{n}" for n in ("exam.json", "answers.csv", "moodle.xml", "canvas-qti.zip", "exam.gift.txt",
                                          "exam.toml")}
    assert names == per_variant | whole
    assert z.read("dl-midterm/variant-01-key.pdf").startswith(b"%PDF-")
    assert z.read("dl-midterm/exam.toml").decode() == saved.toml
    full = build(spec)
    reference = export(full, ["csv", "json", "moodle"])
    assert z.read("dl-midterm/answers.csv") == reference["answers.csv"]
    assert z.read("dl-midterm/exam.json") == reference["exam.json"]
    rows = list(csv.DictReader(io.StringIO(z.read("dl-midterm/answers.csv").decode())))
    assert {r["seed"] for r in rows} == {str(variant_seed(11, 1)), str(variant_seed(11, 2))}
    ET.fromstring(z.read("dl-midterm/moodle.xml"))
    key = z.read("dl-midterm/variant-02-key.md").decode()
    assert str(variant_seed(11, 2)) in key and "DL midterm" in key

    # the TOML downloads and uploads back as a second, identical exam
    toml = client.get("/exams/1/exam.toml")
    assert toml.mimetype == "application/toml" and 'filename="dl-midterm.toml"' in toml.headers["Content-Disposition"]
    resp = client.post("/exams/upload", data={"csrf_token": csrf, "file": (io.BytesIO(toml.get_data()), "dl-midterm.toml")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/exams/2")
    assert store(db).get(2).spec == spec
    assert "Uploaded ‘DL midterm’ (2 questions)." in text(client.get("/exams/2"))

    # delete asks first; a post without the confirmation step goes back to the question
    page = text(client.get("/exams/1/delete"))
    assert "Delete “DL midterm”?" in page and "restore it from there for 30 days" in page
    confirm = editor_form(page, "delete-form")
    assert confirm["confirm"] == "yes" and confirm["revision"] == "4"
    resp = client.post("/exams/1/delete", data={"csrf_token": csrf})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/exams/1/delete")
    assert store(db).get(1)
    resp = client.post("/exams/1/delete", data=confirm)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/exams")
    with pytest.raises(NotFound):
        store(db).get(1)
    assert [r[0] for r in store(db).history(1)] == [1, 2, 3, 4], "in the trash with its history"
    listing = text(client.get("/exams"))
    assert "Moved ‘DL midterm’ to the trash" in listing and 'href="/exams/2"' in listing and 'href="/exams/1"' not in listing
    assert client.get("/exams/1").status_code == 404
    assert entropy.name in store(db).get(2).toml

    # the trash: restore brings it back as it was; purge removes it for good
    trash = text(client.get("/exams/trash"))
    assert 'id="trashed-1"' in trash and "DL midterm" in trash and 'id="trashed-2"' not in trash
    resp = client.post("/exams/1/restore", data={"csrf_token": csrf})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/exams/1")
    assert store(db).get(1).toml == saved.toml and store(db).get(1).revision == 4
    assert "Restored ‘DL midterm’ from the trash." in text(client.get("/exams/1"))
    client.post("/exams/1/delete", data=editor_form(text(client.get("/exams/1/delete")), "delete-form"))
    assert client.post("/exams/1/purge", data={"csrf_token": csrf, "confirm": "yes"}).status_code == 302
    assert store(db).history(1) == [] and 'id="trash-empty"' in text(client.get("/exams/trash"))
    assert client.post("/exams/1/restore", data={"csrf_token": csrf}).status_code == 404


def test_delete_refuses_when_the_exam_changed_since_the_question(client, db):
    csrf = token(client)
    add(client, csrf, "entropy", title="Quiz")
    confirm = editor_form(text(client.get("/exams/1/delete")), "delete-form")
    add(client, csrf, "perceptron", exam="1")  # saved elsewhere after the question was asked
    resp = client.post("/exams/1/delete", data=confirm)
    assert resp.status_code == 409 and "It was not deleted" in text(resp)
    assert len(store(db).get(1).spec.problems) == 2


@pytest.mark.parametrize("fmt", ["pdf", "markdown", "latex", "html", "json", "csv", "moodle", "qti", "gift"])
def test_each_format_downloads_on_its_own(client, fmt):
    csrf = token(client)
    add(client, csrf, "entropy", title="Entropy quiz")
    resp = client.get(f"/exams/1/download?format={fmt}&solutions=1")
    assert resp.status_code == 200
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "entropy-quiz-with-solutions" in disposition
    body = resp.get_data()
    expected = export(build(loads(client.get("/exams/1/exam.toml").get_data(as_text=True)), solutions=True), [fmt])
    if fmt in ("pdf", "markdown", "latex", "html"):
        z = zipfile.ZipFile(io.BytesIO(body))
        assert {n.split("/", 1)[1] for n in z.namelist()} == set(expected)
        for name, data in expected.items():
            if fmt != "pdf":
                assert z.read(f"entropy-quiz-with-solutions/{name}") == data
        assert disposition.endswith(f"filename=\"entropy-quiz-with-solutions-{fmt}.zip\"")
    else:
        (data,) = expected.values()
        assert body == data
        if fmt == "json":
            assert json.loads(body)["variants"][0]["questions"][0]["solution"], "with worked solutions"
        if fmt == "moodle":
            assert ET.fromstring(body).tag == "quiz"
        if fmt == "qti":
            assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_unknown_format_is_a_404(client):
    add(client, token(client), "entropy")
    resp = client.get("/exams/1/download?format=docx")
    assert resp.status_code == 404 and "no exam format" in text(resp)


# ---- CSRF ----------------------------------------------------------------------------------------------------

def test_state_changing_requests_need_the_csrf_token(client, db):
    query = example_problem(registry.get("entropy")).query()
    for data in ({}, {"csrf_token": "forged"}):
        resp = client.post("/exams/add", data={"family": "entropy", "exam": "new", **query, **data})
        assert resp.status_code == 400 and "security token" in text(resp)
    assert not db.exists() or store(db).list() == []
    csrf = token(client)
    add(client, csrf, "entropy", title="Kept")
    form = editor_form(text(client.get("/exams/1")))
    del form["csrf_token"]
    assert submit(client, 1, form, title="Changed").status_code == 400
    assert client.post("/exams/1/delete", data={"confirm": "yes", "revision": "1"}).status_code == 400
    resp = client.post("/exams/upload", data={"file": (io.BytesIO(b'title = "x"'), "x.toml")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400
    assert [e.title for e in store(db).list()] == ["Kept"] and store(db).get(1).revision == 1


# ---- concurrency ---------------------------------------------------------------------------------------------

def test_two_tabs_saving_the_same_exam_get_a_conflict_message_and_lose_nothing(client, db):
    csrf = token(client)
    add(client, csrf, "perceptron", title="Quiz")
    add(client, csrf, "entropy", exam="1")
    tab_a = editor_form(text(client.get("/exams/1")))
    tab_b = editor_form(text(client.get("/exams/1")))

    assert submit(client, 1, tab_a, title="Title from tab A").status_code == 302
    resp = submit(client, 1, tab_b, marks=["7", "1"], course="From tab B")
    page = text(resp)
    assert resp.status_code == 409
    assert "Not saved: this exam was changed somewhere else" in page
    assert "Your changes are still in the form below." in page
    saved = store(db).get(1)
    assert saved.spec.title == "Title from tab A" and [p.marks for p in saved.spec.problems] == [1, 1], \
        "tab A's save was not overwritten"
    diff = page[page.index('class="conflict-diff"'):page.index("</table>", page.index('class="conflict-diff"'))]
    assert "Title from tab A" in diff and "From tab B" in diff and "7 marks" in diff
    again = editor_form(page)
    assert again["revision"] == str(saved.revision), "the kept form is now based on the newer revision"
    assert again.getlist("marks") == ["7", "1"] and again["course"] == "From tab B", "tab B's edits are kept"

    # saving again is a deliberate choice; tab A's version stays in the history
    assert submit(client, 1, again).status_code == 302
    final = store(db).get(1).spec
    assert final.course == "From tab B" and [p.marks for p in final.problems] == [7, 1]
    assert any('title = "Title from tab A"' in t for _, _, t in store(db).history(1))


def test_concurrent_adds_to_one_exam_lose_nothing(app, db):
    client = login(app.test_client())
    csrf = token(client)
    add(client, csrf, "entropy", title="Busy exam")
    names = ["perceptron", "softmax", "entropy", "perceptron"]
    errors: list = []

    def worker(name):
        c = login(app.test_client())
        try:
            resp = add(c, token(c), name, exam="1")
            assert resp.status_code == 302, text(resp)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    families = [p.family for p in store(db).get(1).spec.problems]
    assert len(families) == 5 and sorted(families[1:]) == sorted(names)


# ---- persistence and the command line --------------------------------------------------------------------------

def test_saved_exams_survive_an_app_restart(app, db):
    first = login(create_app({"TESTING": True, "EXAM_DB": str(db)}).test_client())
    add(first, token(first), "perceptron", title="Kept across restarts")
    toml = first.get("/exams/1/exam.toml").get_data()

    second = login(create_app({"TESTING": True, "EXAM_DB": str(db)}).test_client())
    assert "Kept across restarts" in text(second.get("/exams"))
    assert "Kept across restarts" in text(second.get("/exams/1"))
    assert second.get("/exams/1/exam.toml").get_data() == toml


def _cli(file: Path, out: Path, formats: str = "csv,json,gift") -> None:
    result = subprocess.run([sys.executable, "-m", "solver.cli", "exam", str(file), "--out", str(out), "--format", formats],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_toml_round_trip_between_web_and_cli(client, tmp_path):
    csrf = token(client)
    add(client, csrf, "perceptron", title="Web-built exam")
    add(client, csrf, "entropy", exam="1")
    form = editor_form(text(client.get("/exams/1")))
    submit(client, 1, form, marks=["4", "2.5"], variants="3", seed="5")

    # web -> CLI: the downloaded file builds on the command line into the same bytes the web serves
    path = tmp_path / "web-built.toml"
    path.write_bytes(client.get("/exams/1/exam.toml").get_data())
    _cli(path, tmp_path / "cli")
    for fmt, name in (("csv", "answers.csv"), ("json", "exam.json"), ("gift", "exam.gift.txt")):
        assert (tmp_path / "cli" / name).read_bytes() == client.get(f"/exams/1/download?format={fmt}").get_data(), name

    # CLI -> web: an exam file written by hand uploads unchanged (comments kept), builds as the CLI builds it
    # (solver.exam's own export, which `stepwise exam` writes), and downloads back byte for byte
    source = ROOT / "examples" / "optimizers-quiz.toml"
    resp = client.post("/exams/upload", data={"csrf_token": csrf, "file": (io.BytesIO(source.read_bytes()), source.name)},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    assert client.get("/exams/2/exam.toml").get_data() == source.read_bytes()
    expected = export(build(loads(source.read_text())), ["csv"])["answers.csv"]
    assert client.get("/exams/2/download?format=csv").get_data() == expected


# ---- validation ----------------------------------------------------------------------------------------------

PERCEPTRON_PARAMS = '[problems.params]\nX = "(-1,2), (0,-1), (2,1)"\ny = "0 1 0"\n'


@pytest.mark.parametrize("body, expected", [
    (b"title = 'unterminated\n", "not valid TOML"),
    (b'title = "Quiz"\n\n[[problems]]\nfamily = "entropy"\nmarks = 2\n\n[[problems]]\nfamily = "no_such_family"\n',
     "Problem 2 (no_such_family): There is no family &#39;no_such_family&#39;."),
    (b'title = "Quiz"\n\n[[problems]]\nfamily = "perceptron"\nmarks = -3\n' + PERCEPTRON_PARAMS.encode(),
     "Problem 1 (perceptron): &#39;marks&#39; must be a positive number. Got -3 instead. (field: problems[1].marks)"),
    (b'title = "Quiz"\n\n[[problems]]\nfamily = "perceptron"\n[problems.params]\nX = "(-1,2), (0,-1), (2,1)"\ny = "0 1 0"\nlr = "oops"\n',
     "(field: problems[1].params.lr)"),
    (b"\xff\xfe not text", "not UTF-8 text"),
    (b"", "is empty"),
])
def test_upload_errors_are_shown_next_to_the_field(client, db, body, expected):
    csrf = token(client)
    resp = client.post("/exams/upload", data={"csrf_token": csrf, "file": (io.BytesIO(body), "bad.toml")},
                       content_type="multipart/form-data")
    page = text(resp)
    assert resp.status_code == 400
    error = re.search(r'<p class="field-error" id="upload-error" role="alert">(.*?)</p>', page, re.S)
    assert error, "the message sits next to the upload field"
    assert expected in error.group(1)
    assert 'aria-invalid="true" aria-describedby="upload-error"' in page
    assert_no_traceback(page)
    assert not db.exists() or store(db).list() == []


def test_upload_without_a_file_says_so(client):
    resp = client.post("/exams/upload", data={"csrf_token": token(client)}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "Choose an exam file" in text(resp)


def test_replacing_an_exam_from_a_file_checks_it_and_its_revision(client, db):
    csrf = token(client)
    add(client, csrf, "entropy", title="Replace me")
    page = text(client.get("/exams/1"))
    replace = editor_form(page, "replace-form")
    bad = {**replace, "file": (io.BytesIO(b'title = "x"\n'), "x.toml")}
    resp = client.post("/exams/1/upload", data=bad, content_type="multipart/form-data")
    assert resp.status_code == 400 and 'id="replace-error"' in text(resp) and "at least one problem" in text(resp)
    source = (ROOT / "examples" / "optimizers-quiz.toml").read_bytes()
    good = {**replace, "file": (io.BytesIO(source), "quiz.toml")}
    assert client.post("/exams/1/upload", data=good, content_type="multipart/form-data").status_code == 302
    assert store(db).get(1).toml.encode() == source
    stale = {**replace, "file": (io.BytesIO(source), "quiz.toml")}  # the form of revision 1, now at 2
    resp = client.post("/exams/1/upload", data=stale, content_type="multipart/form-data")
    assert resp.status_code == 409 and "Not replaced" in text(resp)


def test_editor_errors_sit_next_to_their_field_and_keep_the_typing(client, db):
    csrf = token(client)
    add(client, csrf, "perceptron", title="Quiz")
    add(client, csrf, "entropy", exam="1")
    form = editor_form(text(client.get("/exams/1")))

    resp = submit(client, 1, form, marks=["2", "-1"], course="Typed course")
    page = text(resp)
    assert resp.status_code == 400
    assert re.search(r'id="marks-2-error" role="alert">Problem 2 \(entropy\): &#39;marks&#39; must be a positive number', page)
    kept = editor_form(page)
    assert kept.getlist("marks") == ["2", "-1"] and kept["course"] == "Typed course"

    resp = submit(client, 1, form, title="  ")
    assert resp.status_code == 400 and 'id="exam-title-error"' in text(resp)
    resp = submit(client, 1, form, seed="twelve")
    assert resp.status_code == 400 and re.search(r'id="exam-seed-error" role="alert">&#39;seed&#39; must be a whole number',
                                                 text(resp))
    resp = submit(client, 1, form, variants="5000")
    assert resp.status_code == 400 and "[1, 1000]" in text(resp)
    assert store(db).get(1).revision == 2, "nothing was saved"

    # the last question cannot be removed: the exam is deleted instead
    submit(client, 1, form, action="remove-0")
    form = editor_form(text(client.get("/exams/1")))
    assert len(form.getlist("problem")) == 1
    resp = submit(client, 1, form, action="remove-0")
    assert resp.status_code == 400 and "delete the exam instead" in text(resp)


def test_new_seed_button(client, db):
    add(client, token(client), "entropy", title="Quiz")
    form = editor_form(text(client.get("/exams/1")))
    assert submit(client, 1, form, action="reseed").status_code == 302
    seed = store(db).get(1).spec.seed
    assert seed != 0 and f"New exam seed {seed}" in text(client.get("/exams/1"))


def test_a_problem_that_does_not_solve_is_not_added(client, db):
    csrf = token(client)
    resp = add(client, csrf, "perceptron", **{"p.lr": "oops"})
    assert resp.status_code == 400 and "The &#39;lr&#39; parameter of perceptron" in text(resp)
    assert not db.exists() or store(db).list() == []


def test_an_unusable_database_is_explained_and_solutions_still_work(tmp_path, caplog):
    folder = tmp_path / "a-directory"
    folder.mkdir()
    client = create_app({"TESTING": True, "EXAM_DB": str(folder)}).test_client()
    with caplog.at_level("CRITICAL"):
        resp = client.get("/exams")
        assert resp.status_code == 503 and "Saved exams are unavailable" in text(resp)
        query = example_problem(registry.get("entropy")).query()
        page = client.get("/f/entropy/solve", query_string=query)
    assert page.status_code == 200 and 'id="add-to-exam-login"' in text(page)


def test_a_saved_exam_that_no_longer_validates_can_still_be_fixed_or_deleted(client, db):
    """A family renamed or removed after an exam was saved: the exam lists, explains itself, and can be
    replaced from a file or deleted (the store validates on save, so the bad text is put in directly)."""
    import sqlite3

    csrf = token(client)
    add(client, csrf, "entropy", title="Old exam")
    with sqlite3.connect(db) as c:
        c.execute("UPDATE exams SET toml = ? WHERE id = 1",
                  ('title = "Old exam"\n\n[[problems]]\nfamily = "retired_family"\nmarks = 2\n',))
    assert "Old exam" in text(client.get("/exams"))
    page = text(client.get("/exams/1"))
    assert "This saved exam no longer validates" in page and "problems[1].family" in page
    assert 'id="exam-form"' not in page and 'id="replace-form"' in page and 'id="delete-link"' in page
    resp = client.get("/exams/1/download?format=csv")
    assert resp.status_code == 400 and "Could not build the exam" in text(resp)
    resp = add(client, csrf, "perceptron", exam="1")
    assert resp.status_code == 400 and "no longer validates" in text(resp)
    confirm = editor_form(text(client.get("/exams/1/delete")), "delete-form")
    assert client.post("/exams/1/delete", data=confirm).status_code == 302


# ---- fixed or randomised, with ranges (issue 17 item 5) ----------------------------------------------------------

def test_builder_randomises_a_question_with_ranges_and_fixes_it_again(client, db):
    csrf = token(client)
    add(client, csrf, "eigen", title="Ranges")
    page = text(client.get("/exams/1"))
    assert 'id="kind-1"' in page and 'id="vary-1"' in page
    form = editor_form(page)
    assert form.getlist("kind") == ["fixed"] and form.getlist("vary") == [""]

    # randomised, with a 2 x 2 integer matrix in [-3, 3]; three variants
    resp = submit(client, 1, form, kind=["random"], vary=["A = { rows = 2, cols = 2, min = -3, max = 3 }"], variants="3")
    assert resp.status_code == 302
    p = store(db).get(1).spec.problems[0]
    assert p.random and p.vary == {"A": {"rows": 2, "cols": 2, "min": -3, "max": 3}}
    page = text(client.get("/exams/1"))
    assert "varied: A 2 x 2 in [-3, 3]" in page and 'selected>randomised' in page
    data = json.loads(client.get("/exams/1/download?format=json").get_data())
    mats = [v["questions"][0]["params"]["A"] for v in data["variants"]]
    assert len({json.dumps(m) for m in mats}) == 3, "variants differ"
    assert all(abs(x) <= 3 and float(x).is_integer() for m in mats for r in m for x in r)

    # a range the file format refuses is reported on the question, and nothing is saved
    form = editor_form(text(client.get("/exams/1")))
    resp = submit(client, 1, form, vary=["A = { rows = 2, cols = 2, min = 3, max = -3 }"])
    body = html_unescape(text(resp))
    assert resp.status_code == 400 and "larger than 'max'" in body, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]*)', body)
    assert store(db).get(1).spec.problems[0].vary["A"]["min"] == -3
    resp = submit(client, 1, form, vary=["A = { rows = 2"])
    assert "do not read as lines such as" in html_unescape(text(resp))

    # fixed again: the numbers of its first instance, with no ranges
    form = editor_form(text(client.get("/exams/1")))
    assert submit(client, 1, form, kind=["fixed"]).status_code == 302
    p = store(db).get(1).spec.problems[0]
    assert not p.random and "A" in p.params and not p.vary
