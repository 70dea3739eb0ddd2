"""Two `stepwise serve` processes sharing one PostgreSQL database (issue 19, item 2): the deployment of two
servers behind a reverse proxy, with real servers, a real database and HTTP between them.

An instructor logged in on each server opens the same exam in the editor; the first save wins, the second
is refused with the conflict page (HTTP 409) and nothing is lost: the database holds the first save and
every revision. A session started on one server is honoured by the other (both sign cookies with the key
kept in the database), and failed log-ins counted by one server limit the other.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import pg_support
from browser_support import StepwiseServer
from solver.exam.store import ExamStore
from test_web_exams import editor_form

requests = pytest.importorskip("requests")

PASSWORD = "correct horse battery"
EXAM = 'title = "Shared midterm"\n\n[[problems]]\nfamily = "entropy"\nmarks = 2\n\n[[problems]]\nfamily = "softmax"\nmarks = 3\n'


class Server(StepwiseServer):
    """`python -m solver.cli serve` on a free loopback port with STEPWISE_DATABASE_URL set (and no fixed secret key:
    the servers share the one kept in the database)."""

    def __init__(self, url: str, log_path: Path):
        super().__init__(log_path, env={"STEPWISE_DATABASE_URL": url}, unset=("STEPWISE_SECRET_KEY",), stop_timeout=15)
        self.base = self.url


@pytest.fixture
def servers(tmp_path):
    url = pg_support.pg_url()
    store = ExamStore(url)
    owner, _ = store.add_user("teacher", PASSWORD)
    store.save(EXAM, owner_id=owner.id)
    started = []
    try:
        for i in (1, 2):
            started.append(Server(url, tmp_path / f"serve-{i}.log"))
        yield store, started
    finally:
        for s in started:
            s.stop()
        for s in started:
            assert "Traceback" not in s.log_path.read_text(), s.log_path.read_text()
        store.close()


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(session, base: str, password: str = PASSWORD) -> requests.Response:
    page = session.get(f"{base}/login", timeout=30).text
    return session.post(f"{base}/login", data={"csrf_token": csrf_of(page), "name": "teacher", "password": password},
                        allow_redirects=False, timeout=30)


def test_two_servers_on_one_database_refuse_the_lost_update(servers):
    store, (one, two) = servers
    a, b = requests.Session(), requests.Session()
    assert log_in(a, one.base).status_code == 302 and log_in(b, two.base).status_code == 302
    form_a = editor_form(a.get(f"{one.base}/exams/1", timeout=60).text)
    form_b = editor_form(b.get(f"{two.base}/exams/1", timeout=60).text)
    assert form_a["revision"] == form_b["revision"] == "1"

    form_a["title"] = "Saved through server one"
    resp = a.post(f"{one.base}/exams/1", data={**form_a.to_dict(flat=False), "action": "save"},
                  allow_redirects=False, timeout=60)
    assert resp.status_code == 302
    data_b = form_b.to_dict(flat=False)
    data_b.update({"marks": ["7", "3"], "action": "save"})
    resp = b.post(f"{two.base}/exams/1", data=data_b, allow_redirects=False, timeout=60)
    assert resp.status_code == 409 and "Not saved: this exam was changed somewhere else" in resp.text
    assert "Saved through server one" in resp.text, "the other save is shown next to the unsaved edits"

    saved = store.get(1)
    assert saved.revision == 2 and saved.spec.title == "Saved through server one"
    assert [p.marks for p in saved.spec.problems] == [2, 3], "server two's stale form overwrote nothing"
    assert [r[0] for r in store.history(1)] == [1, 2]

    # the kept form is now based on revision 2: saving it again is a deliberate choice, and works on either server
    again = editor_form(resp.text)
    assert again["revision"] == "2" and again.getlist("marks") == ["7", "3"]
    resp = b.post(f"{one.base}/exams/1", data={**again.to_dict(flat=False), "action": "save"},
                  allow_redirects=False, timeout=60)
    assert resp.status_code == 302, "server two's session cookie is valid on server one"
    assert store.get(1).revision == 3 and [p.marks for p in store.get(1).spec.problems] == [7, 3]


def test_failed_log_ins_on_one_server_count_on_the_other(servers):
    _, (one, two) = servers
    for i in range(5):
        resp = log_in(requests.Session(), (one, two)[i % 2].base, "wrong password")
        assert resp.status_code == 400
    resp = log_in(requests.Session(), one.base)
    assert resp.status_code == 429 and "Too many failed log-ins" in resp.text
    assert log_in(requests.Session(), two.base).status_code == 429
