"""Long exam builds as background jobs (issue 20, item 4): a large download starts a job and redirects to
its page; the page shows progress and a cancel; the file is served when done and is the same file the
command line builds; a cancelled job stops. Here through Flask's test client (the job runs in a thread);
tests/test_server_limits.py runs one in a worker process of the real server."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from solver.exam import build, export, loads
from solver.exam.store import ExamStore
from test_web_exams import PASSWORD, login
from web import create_app

ROOT = Path(__file__).resolve().parent.parent


def _exam(variants: int) -> str:
    text = (ROOT / "examples" / "midterm.toml").read_text()
    return re.sub(r"(?m)^variants = \d+", f"variants = {variants}", text)


@pytest.fixture
def app(tmp_path):
    db = tmp_path / "exams.sqlite3"
    store = ExamStore(str(db))
    store.add_user("teacher", PASSWORD, admin=True)  # the first admin adopts the ownerless exam below
    store.add_user("other", PASSWORD)
    store.save(_exam(6))  # 6 variants x 10 problems: 60 questions, past the threshold below
    app = create_app({"TESTING": True, "EXAM_DB": str(db), "EXAM_JOB_THRESHOLD": 20, "JOBS_DIR": str(tmp_path / "jobs")})
    (tmp_path / "jobs").mkdir()
    return app


@pytest.fixture
def client(app):
    return login(app.test_client())


def _wait(client, url: str, states=("done", "failed", "stopped", "cancelled"), seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        st = client.get(url + "/status").get_json()
        if st["state"] in states or time.monotonic() > deadline:
            return st
        time.sleep(0.2)


def test_a_large_download_runs_as_a_job_and_serves_the_same_file_when_done(client):
    resp = client.get("/exams/1/download?format=csv")
    assert resp.status_code == 303 and "/jobs/" in resp.headers["Location"]
    url = resp.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Building" in page or "Ready" in page
    st = _wait(client, url)
    assert st["state"] == "done", st
    page = client.get(url).get_data(as_text=True)
    assert 'id="job-download"' in page and "100%" in page
    got = client.get(url + "/download")
    assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment")
    (expected,) = export(build(loads(_exam(6))), ["csv"]).values()
    assert got.get_data() == expected
    got.close()


def test_a_cancelled_job_stops_and_serves_nothing(client):
    url = client.get("/exams/1/download?format=all").headers["Location"]
    page = client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(url + "/cancel", data={"csrf_token": csrf}).status_code == 303
    st = _wait(client, url, seconds=5)
    assert st["state"] == "cancelled"
    time.sleep(0.5)
    assert client.get(url + "/status").get_json()["state"] == "cancelled"
    assert client.get(url + "/download").status_code == 303  # back to the page: nothing to download


def test_small_downloads_still_come_at_once(client, tmp_path):
    store = ExamStore(str(tmp_path / "exams.sqlite3"))
    store.save(_exam(1))
    resp = client.get("/exams/2/download?format=csv")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")


def test_unknown_or_malformed_job_ids_are_404s(client):
    for job in ("x", "A" * 22, "../../etc/passwd", "%2e%2e"):
        assert client.get(f"/jobs/{job}").status_code == 404


def test_a_job_is_only_for_the_account_that_started_it(app, client):
    """A build holds an exam's answer keys: another instructor and an anonymous visitor get a 404."""
    url = client.get("/exams/1/download?format=csv").headers["Location"]
    assert client.get(url).status_code == 200
    assert app.test_client().get(url).status_code == 404
    other = login(app.test_client(), "other")
    for suffix in ("", "/status", "/download"):
        assert other.get(url + suffix).status_code == 404
    _wait(client, url)

