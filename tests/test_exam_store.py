"""Saved exams (solver.exam.store): default location, survival across reopening, migrations, revisions,
concurrent writers (threads and two processes), backup export/import and the TOML round trip."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from solver.exam import dumps, loads
from solver.exam.store import (MIGRATIONS, SCHEMA_VERSION, Conflict, ExamStore, NotFound, StoreError,
                               default_path)
from solver.params import InvalidInput

ROOT = Path(__file__).resolve().parent.parent


def exam_text(title: str = "Quiz", family: str = "entropy") -> str:
    return f'title = "{title}"\ncourse = "DL 301"\n\n[[problems]]\nfamily = "{family}"\nmarks = 2\n'


@pytest.fixture
def store(tmp_path):
    return ExamStore(tmp_path / "exams.sqlite3")


def test_default_path_follows_xdg_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv("STEPWISE_EXAM_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == str(tmp_path / "data" / "stepwise" / "exams.sqlite3")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == str(tmp_path / "home" / ".local" / "share" / "stepwise" / "exams.sqlite3")
    monkeypatch.setenv("STEPWISE_EXAM_DB", str(tmp_path / "elsewhere.db"))
    assert default_path() == str(tmp_path / "elsewhere.db")


def test_created_on_first_use_in_a_new_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("STEPWISE_EXAM_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh"))
    s = ExamStore()
    assert Path(s.path).is_file() and s.schema_version() == SCHEMA_VERSION
    assert s.list() == []


def test_saved_exams_survive_reopening(tmp_path):
    path = tmp_path / "exams.sqlite3"
    a = ExamStore(path).save(exam_text("First"))
    b = ExamStore(path).save(exam_text("Second", "kl_divergence"))
    again = ExamStore(path)                         # a restarted app opens the same file
    assert {e.title for e in again.list()} == {"First", "Second"}
    assert again.get(a.id).toml == exam_text("First") and again.get(b.id).course == "DL 301"
    assert again.schema_version() == SCHEMA_VERSION


def test_crud_and_revisions(store):
    e = store.save(exam_text("One"))
    assert (e.revision, e.title) == (1, "One")
    e2 = store.save(exam_text("One, edited"), e.id, expected_revision=1)
    assert (e2.id, e2.revision, e2.title) == (e.id, 2, "One, edited")
    with pytest.raises(Conflict):
        store.save(exam_text("stale"), e.id, expected_revision=1)
    assert [r[0] for r in store.history(e.id)] == [1, 2]
    assert store.history(e.id)[0][2] == exam_text("One")          # the overwritten text is kept
    assert store.list()[0].id == e.id
    assert store.delete(e.id) is True and store.delete(e.id) is False
    with pytest.raises(NotFound):
        store.get(e.id)
    with pytest.raises(NotFound):
        store.save(exam_text(), 999)


def test_invalid_exam_is_refused_and_nothing_stored(store):
    with pytest.raises(InvalidInput) as e:
        store.save('title = "T"\n[[problems]]\nfamily = "nosuch"\n')
    assert e.value.field == "problems[1].family"
    assert store.list() == []


def test_toml_round_trip_through_the_store(store):
    spec = loads((ROOT / "examples" / "midterm.toml").read_text(encoding="utf-8"))
    saved = store.save_spec(spec)
    back = store.get(saved.id)
    assert back.spec == spec and back.toml == dumps(spec)
    assert loads(back.toml) == spec


def test_migrates_a_version_1_database(tmp_path):
    path = tmp_path / "old.sqlite3"
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    c.execute("INSERT INTO schema_version VALUES (1)")
    MIGRATIONS[0](c)
    c.execute("INSERT INTO exams (uid, title, course, toml, created_at, updated_at) VALUES ('u1', 'Old', '', ?, 't', 't')",
              (exam_text("Old"),))
    c.commit()
    c.close()
    s = ExamStore(path)
    assert s.schema_version() == SCHEMA_VERSION == 2
    old = s.list()[0]
    assert (old.title, old.revision) == ("Old", 1)
    assert [r[0] for r in s.history(old.id)] == [1]
    assert s.save(exam_text("Old, edited"), old.id).revision == 2


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    ExamStore(path)
    c = sqlite3.connect(path)
    c.execute("UPDATE schema_version SET version = 99")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="newer"):
        ExamStore(path)


def test_concurrent_threads_lose_nothing(store):
    errors = []

    def writer(k):
        try:
            for i in range(8):
                store.save(exam_text(f"t{k}-{i}"))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(e.title for e in store.list()) == sorted(f"t{k}-{i}" for k in range(6) for i in range(8))


def test_concurrent_saves_of_one_exam_keep_every_revision(store):
    e = store.save(exam_text("shared"))
    barrier = threading.Barrier(4)

    def editor(k):
        barrier.wait()
        for i in range(5):
            store.save(exam_text(f"edit {k}.{i}"), e.id)

    threads = [threading.Thread(target=editor, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    hist = store.history(e.id)
    assert [r[0] for r in hist] == list(range(1, 22))
    assert store.get(e.id).revision == 21
    assert {r[2] for r in hist[1:]} == {exam_text(f"edit {k}.{i}") for k in range(4) for i in range(5)}


_PROC = """
import sys
from solver.exam.store import ExamStore
s = ExamStore(sys.argv[1])
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
for i in range(15):
    s.save('title = "p%s-%d"\\n[[problems]]\\nfamily = "entropy"\\n' % (sys.argv[2], i))
"""


def test_two_processes_saving_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    ExamStore(path)
    procs = [subprocess.Popen([sys.executable, "-c", _PROC, path, str(k)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for k in (1, 2)]
    for p in procs:                      # both imported and connected: start them together
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        p.stdin.close()
        assert p.wait(timeout=60) == 0
        p.stdout.close()
    titles = sorted(e.title for e in ExamStore(path).list())
    assert titles == sorted(f"p{k}-{i}" for k in (1, 2) for i in range(15))


def test_backup_export_and_import(tmp_path, store):
    a = store.save(exam_text("A"))
    store.save(exam_text("A, edited"), a.id)
    store.save(exam_text("B", "kl_divergence"))
    data = store.export_all()
    assert data == store.export_all()                                  # deterministic
    doc = json.loads(data)
    assert doc["format"] == "stepwise-exams" and [e["title"] for e in doc["exams"]] == ["A, edited", "B"]
    other = ExamStore(tmp_path / "restored.sqlite3")
    added = other.import_all(data)
    assert [e.title for e in added] == ["A, edited", "B"]
    assert other.import_all(data) == []                                # already there: skipped by uid
    assert {e.toml for e in other.list()} == {e.toml for e in store.list()}
    with pytest.raises(InvalidInput):
        other.import_all(b'{"format": "something else"}')
