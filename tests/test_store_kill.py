"""A process killed in the middle of saving exams leaves the previous version intact.

A child process saves revision after revision of one exam (and new exams) as fast as it can and reports
each commit on stdout; the test SIGKILLs it at a moment that is almost always inside a write, then
opens the store: the database passes SQLite's integrity check, every revision the child reported as
committed is there, the exam's current text is its latest revision (never a half-written mix), and the
store keeps working. Repeated several times at different moments, on a SQLite file and on a real
PostgreSQL server (tests/pg_support.py), where the killed writer is a client whose open transaction the
server must roll back.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

import pg_support
from solver.exam.spec import loads
from solver.exam.store import ExamStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

TOML = """title = "Kill test {n}"
course = "DL"

[[problems]]
family = "entropy"
marks = 1
[problems.params]
p = "0.9 0.1"
"""

CHILD = textwrap.dedent("""
    import sys
    from solver.exam.store import ExamStore
    store = ExamStore(sys.argv[1])
    exam_id = int(sys.argv[2])
    template = sys.argv[3]
    n = 0
    while True:
        n += 1
        saved = store.save(template.format(n=n), exam_id)
        print("rev", saved.revision, flush=True)
        if n % 5 == 0:
            extra = store.save(template.format(n=-n))
            print("new", extra.id, flush=True)
""")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("after", [3, 11, 24])
def test_killed_writer_leaves_previous_version_intact(tmp_path, after, backend):
    path = str(tmp_path / "exams.sqlite3") if backend == "sqlite" else pg_support.pg_url()
    store = ExamStore(path)
    first = store.save(TOML.format(n=0))
    child = subprocess.Popen([sys.executable, "-c", CHILD, path, str(first.id), TOML],
                             stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    committed, new_ids = 1, []
    try:
        deadline = time.monotonic() + 60
        while committed < after and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            kind, value = line.split()
            if kind == "rev":
                committed = int(value)
            else:
                new_ids.append(int(value))
        assert committed >= after, "the writer made too little progress"
    finally:
        child.send_signal(signal.SIGKILL)  # mid-write: the child saves in a tight loop
        child.wait(timeout=30)
        child.stdout.close()

    if backend == "sqlite":
        with sqlite3.connect(path) as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened = ExamStore(path)
    exam = reopened.get(first.id)
    assert exam.revision >= committed, "a revision reported as committed was lost"
    history = reopened.history(first.id)
    revisions = sorted(r[0] for r in history)
    assert revisions == list(range(1, exam.revision + 1)), "revisions are contiguous: no half-saved one"
    latest_text = [r for r in history if r[0] == exam.revision][0][2]  # (revision, saved_at, toml)
    assert exam.toml == latest_text  # the current version is exactly the latest complete revision
    assert loads(exam.toml).title == f"Kill test {exam.revision - 1}"
    for i in new_ids:
        assert reopened.get(i).toml  # every exam created and reported survives
    # and the store still works after the crash
    again = reopened.save(TOML.format(n=999), first.id, expected_revision=exam.revision)
    assert again.revision == exam.revision + 1
