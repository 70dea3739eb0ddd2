"""Instructors own exams (issue 20, item 3) and every id from a URL or form is checked (item 5), through
Flask's test client on a SQLite store in tmp_path.

The central test enumerates the routes from the app's url_map, so a route added later cannot be forgotten:
on every exam route and method, an anonymous visitor is sent to the log-in page and another instructor
gets 403 (or, on routes without an exam in the URL, never sees or changes the owner's exam), while the
exam stays as it was. Then: ids past 2^63, negative, non-numeric or thousands of digits in every exam route
and form field are 404 or 400, never 500; log-in, log-out, the rate limit (per account and per address,
shared by two app instances through the database), a new session at log-in, safe `next` redirects,
changing a password, the session key shared by two apps, `stepwise user add` from a script, and the
probe's hostile exam files uploaded through the web (400 naming the limit, in bounded time).
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from solver import registry
from solver.exam.store import ExamStore
from web import create_app
from web.forms import example_problem

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
EXAM = 'title = "Alice\'s midterm"\ncourse = "DL 301"\n\n[[problems]]\nfamily = "entropy"\nmarks = 2\n'


def text(resp) -> str:
    return resp.get_data(as_text=True)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, name: str, password: str = PASSWORD, expect: int = 302):
    csrf = csrf_of(text(client.get("/login")))
    resp = client.post("/login", data={"csrf_token": csrf, "name": name, "password": password})
    assert resp.status_code == expect, text(resp)
    return resp


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "exams.sqlite3"


@pytest.fixture
def world(db):
    """Two instructors and an admin; Alice has an exam (id 1) and one in the trash (id 2)."""
    store = ExamStore(db)
    alice, _ = store.add_user("alice", PASSWORD)
    bob, _ = store.add_user("bob", PASSWORD)
    admin, _ = store.add_user("root", PASSWORD, admin=True)
    exam = store.save(EXAM, owner_id=alice.id)
    trashed = store.save(EXAM.replace("midterm", "old quiz"), owner_id=alice.id)
    store.delete(trashed.id)
    app = create_app({"TESTING": True, "EXAM_DB": str(db)})
    return app, store, exam, trashed


def _rules(app):
    """Every exam route as (endpoint, rule, method), from the app's url_map."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("exams."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, rule.rule, method))
    return out


def _url(rule: str, exam_id) -> str:
    return re.sub(r"<int:exam_id>", str(exam_id), rule)


def _form(csrf: str, exam_id, revision: int = 1) -> dict:
    """A form that would do something on any exam route, if it were allowed: the whole editor, a delete
    confirmation, an upload, an add to the exam."""
    query = example_problem(registry.get("entropy")).query()
    return {"csrf_token": csrf, "revision": str(revision), "confirm": "yes", "title": "Changed by someone else",
            "course": "", "date": "", "instructions": "", "variants": "1", "seed": "0", "defaults": "{}",
            "problem": '{"family":"entropy"}', "marks": "5", "action": "save", "family": "entropy",
            "exam": str(exam_id), "file": (io.BytesIO(EXAM.replace("Alice", "Mallory").encode()), "x.toml"), **query}


def _request(client, method: str, url: str, data: dict | None = None):
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data, content_type="multipart/form-data")


def _unchanged(store: ExamStore, exam, trashed) -> None:
    now = store.get(exam.id)
    assert (now.revision, now.toml, now.owner_id, now.deleted_at) == (exam.revision, exam.toml, exam.owner_id, None)
    assert store.get(trashed.id, deleted=True).deleted_at is not None, "still in the trash"
    assert [e.id for e in store.list(exam.owner_id)] == [exam.id], "nothing was added to the owner's exams"


def test_every_exam_route_sends_anonymous_visitors_to_log_in_and_refuses_other_instructors(world):
    app, store, exam, trashed = world
    rules = _rules(app)
    assert {r[0] for r in rules} >= {"exams.index", "exams.exam", "exams.save", "exams.preview", "exams.download",
                                     "exams.toml", "exams.delete", "exams.confirm_delete", "exams.replace",
                                     "exams.upload", "exams.add", "exams.trash", "exams.restore", "exams.purge"}
    anonymous = app.test_client()
    anon_csrf = csrf_of(text(anonymous.get("/login")))
    bob = app.test_client()
    login(bob, "bob")
    bob_csrf = csrf_of(text(bob.get("/exams")))
    checked = set()
    for endpoint, rule, method in rules:
        for target in ([exam, trashed] if "<int:exam_id>" in rule else [exam]):
            url = _url(rule, target.id)
            resp = _request(anonymous, method, url, _form(anon_csrf, target.id))
            assert resp.status_code == 302 and resp.headers["Location"].startswith("/login"), (method, url)
            resp = _request(bob, method, url, _form(bob_csrf, target.id))
            body = text(resp)
            if "<int:exam_id>" in rule or endpoint == "exams.add":
                assert resp.status_code == 403, (method, url, resp.status_code)
                assert "belongs to another instructor" in body
            else:
                assert resp.status_code < 500, (method, url)
            assert "Alice" not in body and "alice" not in body, f"{method} {url} shows the owner's exam to bob"
            _unchanged(store, exam, trashed)
            checked.add((endpoint, method))
    assert checked == {(e, m) for e, _, m in rules}


def test_the_owner_and_an_admin_may_use_the_exam(world):
    app, store, exam, trashed = world
    for name in ("alice", "root"):
        c = app.test_client()
        login(c, name)
        for url in (f"/exams/{exam.id}", f"/exams/{exam.id}/preview?solutions=1", f"/exams/{exam.id}/exam.toml",
                    f"/exams/{exam.id}/download?format=csv", f"/exams/{exam.id}/delete"):
            assert c.get(url).status_code == 200, (name, url)
        listing = text(c.get("/exams"))
        assert "Alice&#39;s midterm" in listing
        assert ("no owner" not in listing) and (("exam-owner" in listing) == (name == "root")), "admins see owners"
        assert "Alice&#39;s old quiz" in text(c.get("/exams/trash"))
    assert store.list() == [store.get(exam.id)]


def test_bob_sees_only_his_own_exams_and_his_add_menu_offers_only_them(world):
    app, store, exam, _ = world
    bob = app.test_client()
    login(bob, "bob")
    assert "No saved exams yet" in text(bob.get("/exams"))
    query = example_problem(registry.get("entropy")).query()
    page = text(bob.get("/f/entropy/solve", query_string=query))
    assert 'id="add-to-exam"' in page and "Alice" not in page
    csrf = csrf_of(page)
    resp = bob.post("/exams/add", data={"csrf_token": csrf, "family": "entropy", "exam": "new", "title": "Bob's quiz",
                                        **query})
    assert resp.status_code == 302
    (mine,) = [e for e in store.list() if e.title == "Bob's quiz"]
    assert mine.owner == "bob"
    assert "Bob&#39;s quiz" in text(bob.get("/exams")) and "Alice" not in text(bob.get("/exams"))


BAD_IDS = ["9223372036854775808", "99999999999999999999999", "9" * 5000, "-1", "0", "abc", "1.0", "1e3", "%20", "0x1"]


def test_every_exam_route_answers_a_bad_id_with_404_never_500(world):
    app, store, exam, trashed = world
    c = app.test_client()
    login(c, "root")
    csrf = csrf_of(text(c.get("/exams")))
    for endpoint, rule, method in _rules(app):
        if "<int:exam_id>" not in rule:
            continue
        for bad in BAD_IDS:
            resp = _request(c, method, _url(rule, bad), _form(csrf, exam.id))
            assert resp.status_code in (404, 405), (method, rule, bad[:30], resp.status_code)
    _unchanged(store, exam, trashed)


@pytest.mark.parametrize("field, value", [("exam", str(10**23)), ("exam", "9223372036854775808"), ("exam", "-1"),
                                          ("exam", "abc"), ("exam", ""), ("exam", "9" * 5000), ("exam", "0"),
                                          ("exam", "99")])
def test_add_to_exam_with_a_bad_exam_number_is_a_4xx(world, field, value):
    """The probe's `/exams/add` with exam=10**23 ('Python int too large to convert to SQLite INTEGER')."""
    app, store, exam, trashed = world
    c = app.test_client()
    login(c, "alice")
    csrf = csrf_of(text(c.get("/exams")))
    query = example_problem(registry.get("entropy")).query()
    resp = c.post("/exams/add", data={"csrf_token": csrf, "family": "entropy", field: value, **query})
    assert resp.status_code in (400, 404), (value[:30], resp.status_code)
    _unchanged(store, exam, trashed)


@pytest.mark.parametrize("revision", ["9223372036854775808", "-5", "x", "", "9" * 5000])
def test_bad_revision_numbers_are_400(world, revision):
    app, store, exam, trashed = world
    c = app.test_client()
    login(c, "alice")
    csrf = csrf_of(text(c.get("/exams")))
    resp = c.post(f"/exams/{exam.id}/upload", data={"csrf_token": csrf, "revision": revision,
                                                     "file": (io.BytesIO(EXAM.encode()), "x.toml")},
                  content_type="multipart/form-data")
    assert resp.status_code == 400
    resp = c.post(f"/exams/{exam.id}", data={**_form(csrf, exam.id), "revision": revision})
    assert resp.status_code in (302, 400)  # an incomplete form is sent back to the editor, nothing saved
    resp = c.post(f"/exams/{exam.id}/delete", data={"csrf_token": csrf, "confirm": "yes", "revision": revision})
    assert resp.status_code == 409
    _unchanged(store, exam, trashed)


# ---- log-in, log-out, sessions -----------------------------------------------------------------------------

def test_log_in_and_out(world):
    app, *_ = world
    c = app.test_client()
    assert c.get("/exams").headers["Location"] == "/login?next=/exams"
    before = csrf_of(text(c.get("/login")))
    resp = login(c, "ALICE", expect=302)
    assert resp.headers["Location"] == "/exams"
    page = text(c.get("/exams"))
    assert 'id="account-link">alice<' in page
    after = csrf_of(page)
    assert after != before, "a new session (and CSRF token) at log-in"
    cookie = c.get_cookie("stepwise_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert c.post("/logout", data={"csrf_token": after}).status_code == 302
    assert c.get("/exams").status_code == 302, "logged out"
    assert c.post("/logout", data={}).status_code == 400, "log-out is a form post with the CSRF token"


def test_wrong_password_and_unknown_account_read_the_same(world):
    app, *_ = world
    c = app.test_client()
    for name, password in (("alice", "wrong password"), ("nobody", PASSWORD), ("", ""), ("<script>", "x")):
        resp = login(c, name, password, expect=400)
        assert "That account name and password do not match." in text(resp)
        assert "<script>" not in text(resp)


@pytest.mark.parametrize("target, expected", [("/exams/1/preview", "/exams/1/preview"), ("//evil.example/x", "/exams"),
                                              ("https://evil.example/", "/exams"), ("/\\evil.example", "/exams"),
                                              ("javascript:alert(1)", "/exams")])
def test_next_goes_only_to_this_site(world, target, expected):
    app, *_ = world
    c = app.test_client()
    csrf = csrf_of(text(c.get("/login", query_string={"next": target})))
    resp = c.post("/login", data={"csrf_token": csrf, "name": "alice", "password": PASSWORD, "next": target})
    assert resp.status_code == 302 and resp.headers["Location"] == expected


def test_log_ins_are_rate_limited_per_account_and_shared_between_processes(world, db):
    app, *_ = world
    other_process = create_app({"TESTING": True, "EXAM_DB": str(db)})  # a second server on the same database
    for i in range(5):
        login((app if i % 2 else other_process).test_client(), "alice", "wrong password", expect=400)
    resp = login(app.test_client(), "alice", PASSWORD, expect=429)
    assert "Too many failed log-ins" in text(resp) and 1 <= int(resp.headers["Retry-After"]) <= 900
    login(other_process.test_client(), "alice", PASSWORD, expect=429)
    login(app.test_client(), "bob", PASSWORD, expect=302)  # another account from the same address still works


def test_log_ins_are_rate_limited_per_address(db, world):
    _, store, *_ = world
    app = create_app({"TESTING": True, "EXAM_DB": str(db), "LOGIN_MAX_PER_ADDRESS": 4})
    for name in ("a1", "a2", "a3", "a4"):
        login(app.test_client(), name, "wrong password", expect=400)
    login(app.test_client(), "bob", PASSWORD, expect=429)
    other = app.test_client()
    csrf = csrf_of(text(other.get("/login")))
    resp = other.post("/login", data={"csrf_token": csrf, "name": "bob", "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert resp.status_code == 302, "another address is not limited"
    proxied = create_app({"TESTING": True, "EXAM_DB": str(db), "LOGIN_MAX_PER_ADDRESS": 4, "TRUSTED_PROXIES": 1})
    c = proxied.test_client()
    csrf = csrf_of(text(c.get("/login")))
    resp = c.post("/login", data={"csrf_token": csrf, "name": "bob", "password": PASSWORD},
                  headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.status_code == 302, "behind a trusted proxy, the forwarded address counts"


def test_the_session_works_on_a_second_app_sharing_the_database(world, db):
    app, *_ = world
    c = app.test_client()
    login(c, "alice")
    cookie = c.get_cookie("stepwise_session").value
    second = create_app({"TESTING": True, "EXAM_DB": str(db)}).test_client()
    second.set_cookie("stepwise_session", cookie)
    assert second.get("/exams").status_code == 200, "both processes sign sessions with the database's key"
    forged = create_app({"TESTING": True, "EXAM_DB": str(db), "SECRET_KEY": "another key"}).test_client()
    forged.set_cookie("stepwise_session", cookie)
    assert forged.get("/exams").status_code == 302


def test_change_password(world):
    app, store, *_ = world
    c = app.test_client()
    login(c, "alice")
    csrf = csrf_of(text(c.get("/account")))
    resp = c.post("/account", data={"csrf_token": csrf, "password": "wrong", "new_password": "a new password",
                                    "new_password_again": "a new password"})
    assert resp.status_code == 400 and "not your current password" in text(resp)
    resp = c.post("/account", data={"csrf_token": csrf, "password": PASSWORD, "new_password": "short",
                                    "new_password_again": "short"})
    assert resp.status_code == 400 and "at least 8 characters" in text(resp)
    resp = c.post("/account", data={"csrf_token": csrf, "password": PASSWORD, "new_password": "a new password",
                                    "new_password_again": "a new password"})
    assert resp.status_code == 200 and 'id="password-changed"' in text(resp)
    assert store.authenticate("alice", "a new password") and not store.authenticate("alice", PASSWORD)


def test_user_add_from_a_script_then_log_in(tmp_path):
    db = tmp_path / "cli.sqlite3"
    ExamStore(db).save(EXAM)  # an exam from before accounts: no owner
    run = lambda *args, stdin="": subprocess.run([sys.executable, "-m", "solver.cli", "user", *args, "--db", str(db)],
                                                 input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60)
    done = run("add", "Head", "--admin", stdin="a long password\n")
    assert done.returncode == 0, done.stderr
    assert "Added the administrator head" in done.stdout and "1 saved exam that had no owner" in done.stdout
    done = run("add", "head", stdin="another password\n")
    assert done.returncode == 2 and done.stderr.strip() == "stepwise: There is already an account named 'head'."
    done = run("add", "t2", stdin="short\n")
    assert done.returncode == 2 and "at least 8 characters" in done.stderr and done.stderr.count("\n") == 1
    done = run("add", "t3")
    assert done.returncode == 2 and "No password given" in done.stderr
    assert run("passwd", "head", stdin="changed password\n").returncode == 0
    assert run("list").stdout.splitlines() == ["head  (admin)"]
    c = create_app({"TESTING": True, "EXAM_DB": str(db)}).test_client()
    login(c, "head", "changed password")
    assert "Alice&#39;s midterm" in text(c.get("/exams"))


# ---- the probe's exam files through the web ----------------------------------------------------------------

HOSTILE = {
    "dotted key of more than 8 parts": b"a" + b".a" * 49_999 + b" = 1\n",
    "nested too deeply": b'title = "x"\n[[problems]]\nfamily = "entropy"\n[problems.params]\np = ' + b"[" * 497 + b"]" * 497,
    "larger than the limit": b"# " + b"x" * 600_000,
}


@pytest.mark.parametrize("expected", list(HOSTILE))
def test_hostile_uploads_are_400_naming_the_limit_in_bounded_time(world, expected):
    app, store, exam, trashed = world
    c = app.test_client()
    login(c, "alice")
    csrf = csrf_of(text(c.get("/exams")))
    started = time.process_time()
    for url, extra in (("/exams/upload", {}), (f"/exams/{exam.id}/upload", {"revision": "1"})):
        # encoded here, in memory: the test client would spool a body this large to a temporary file it never closes
        upload = FileStorage(io.BytesIO(HOSTILE[expected]), filename="bomb.toml", content_type="application/toml")
        boundary, body = encode_multipart({"csrf_token": csrf, "file": upload, **extra})
        resp = c.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert resp.status_code == 400 and expected in text(resp)
    assert time.process_time() - started < 5, "the probe's input took 60 s of CPU and 9.7 GB"
    _unchanged(store, exam, trashed)


def test_a_deeply_nested_problem_field_in_the_editor_is_a_400_not_a_crash(world):
    app, store, exam, trashed = world
    c = app.test_client()
    login(c, "alice")
    csrf = csrf_of(text(c.get("/exams")))
    form = {**_form(csrf, exam.id), "problem": "[" * 100_000 + "]" * 100_000}
    form.pop("file")
    resp = c.post(f"/exams/{exam.id}", data=form)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/exams/{exam.id}"), "back to the editor"
    _unchanged(store, exam, trashed)
