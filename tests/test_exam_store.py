"""Saved exams (solver.exam.store): default location, survival across reopening, migrations, revisions,
concurrent writers (threads and two processes), the trash, accounts, failed log-ins, the session key,
backup export/import and the TOML round trip.

Every test that takes `location` or `store` runs twice: on a SQLite file in tmp_path and on a real
PostgreSQL server that the run starts itself (tests/pg_support.py; each test gets its own schema)."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import pg_support
from solver.exam import dumps, loads
from solver.exam.store import (MAX_ID, SCHEMA_VERSION, TRASH_DAYS, Conflict, ExamStore, NotFound, StoreError,
                               default_location, default_path)
from solver.params import InvalidInput

ROOT = Path(__file__).resolve().parent.parent


def exam_text(title: str = "Quiz", family: str = "entropy") -> str:
    return f'title = "{title}"\ncourse = "DL 301"\n\n[[problems]]\nfamily = "{family}"\nmarks = 2\n'


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path) -> str:
    """Where a store keeps its data: a SQLite file, or a PostgreSQL database (a fresh schema)."""
    if request.param == "sqlite":
        return str(tmp_path / "exams.sqlite3")
    return pg_support.pg_url()


@pytest.fixture
def store(location):
    return ExamStore(location)


def raw_sql(location: str, sql: str, params: tuple = ()) -> list:
    """Run SQL on the database behind the store's back (with the database's own client library)."""
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as c:
            cur = c.execute(sql.replace("?", "%s"), params)
            return cur.fetchall() if cur.description else []
    with sqlite3.connect(location) as c:
        return c.execute(sql, params).fetchall()


def test_default_path_follows_xdg_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv("STEPWISE_EXAM_DB", raising=False)
    monkeypatch.delenv("STEPWISE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == str(tmp_path / "data" / "stepwise" / "exams.sqlite3")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == str(tmp_path / "home" / ".local" / "share" / "stepwise" / "exams.sqlite3")
    monkeypatch.setenv("STEPWISE_EXAM_DB", str(tmp_path / "elsewhere.db"))
    assert default_path() == default_location() == str(tmp_path / "elsewhere.db")
    monkeypatch.setenv("STEPWISE_DATABASE_URL", "postgresql://db.example/stepwise")
    assert default_location() == "postgresql://db.example/stepwise", "a database server wins over a file"


def test_created_on_first_use_in_a_new_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("STEPWISE_EXAM_DB", raising=False)
    monkeypatch.delenv("STEPWISE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh"))
    s = ExamStore()
    assert Path(s.path).is_file() and s.schema_version() == SCHEMA_VERSION
    assert s.list() == []


def test_saved_exams_survive_reopening(location):
    path = location
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
    with pytest.raises(NotFound):
        store.save(exam_text(), e.id), "a deleted exam is in the trash: not saved over"


@pytest.mark.parametrize("bad", [0, -1, MAX_ID + 1, 2**64, 10**23, True, "1", 1.0, None])
def test_ids_outside_64_bits_or_not_whole_numbers_are_not_found(store, bad):
    """The probe's 'Python int too large to convert to SQLite INTEGER' (ids past 2^63): NotFound, never a
    database error, on both back ends."""
    store.save(exam_text())
    with pytest.raises(NotFound):
        store.get(bad)
    if bad is not None:
        with pytest.raises(NotFound):
            store.save(exam_text(), bad)
    assert store.delete(bad) is False and store.restore(bad) is False and store.purge(bad) is False
    assert store.history(bad) == []


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


# The schema as released before accounts (version 2), verbatim: what an existing exams.sqlite3 contains.
V1_SCHEMA = """CREATE TABLE exams (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        course TEXT NOT NULL DEFAULT '',
        toml TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)"""
V2_SCHEMA = ["ALTER TABLE exams ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
             """CREATE TABLE exam_revisions (
        exam_id INTEGER NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        toml TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (exam_id, revision))""",
             "INSERT INTO exam_revisions (exam_id, revision, toml, saved_at) SELECT id, 1, toml, updated_at FROM exams",
             "CREATE INDEX exams_updated ON exams (updated_at)"]


def _old_database(path, version: int) -> None:
    c = sqlite3.connect(path)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    c.execute("INSERT INTO schema_version VALUES (?)", (version,))
    c.execute(V1_SCHEMA)
    c.execute("INSERT INTO exams (uid, title, course, toml, created_at, updated_at) VALUES ('u1', 'Old', '', ?, 't', 't')",
              (exam_text("Old"),))
    if version >= 2:
        for sql in V2_SCHEMA:
            c.execute(sql)
        c.execute("UPDATE exams SET toml = ?, revision = 2", (exam_text("Old, revised"),))
        c.execute("INSERT INTO exam_revisions VALUES (1, 2, ?, 't2')", (exam_text("Old, revised"),))
    c.commit()
    c.close()


def test_migrates_a_version_1_database(tmp_path):
    path = tmp_path / "old.sqlite3"
    _old_database(path, 1)
    s = ExamStore(path)
    assert s.schema_version() == SCHEMA_VERSION == 3
    old = s.list()[0]
    assert (old.title, old.revision, old.owner_id) == ("Old", 1, None)
    assert [r[0] for r in s.history(old.id)] == [1]
    assert s.save(exam_text("Old, edited"), old.id).revision == 2


def test_an_existing_version_2_database_keeps_its_exams_which_go_to_the_first_admin(tmp_path):
    """Issue 20: exams saved before accounts survive the migration with their history; they have no owner,
    which means admins only, until the first admin account adopts them."""
    path = tmp_path / "exams.sqlite3"
    _old_database(path, 2)
    s = ExamStore(path)
    assert s.schema_version() == 3
    (old,) = s.list()
    assert (old.title, old.revision, old.owner_id, old.owner) == ("Old", 2, None, None)
    assert [r[0] for r in s.history(old.id)] == [1, 2] and s.history(old.id)[1][2] == exam_text("Old, revised")
    teacher, adopted = s.add_user("teacher", "a long password")
    assert adopted == 0 and s.get(old.id).owner_id is None, "a plain account adopts nothing"
    admin, adopted = s.add_user("Head", "another long password", admin=True)
    assert adopted == 1 and s.get(old.id).owner == "head" and s.list(admin.id) == [s.get(old.id)]
    _, adopted = s.add_user("second-admin", "yet another password", admin=True)
    assert adopted == 0, "only the first admin adopts"
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []


def test_newer_schema_is_refused(location):
    ExamStore(location)
    raw_sql(location, "UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="newer"):
        ExamStore(location)


def test_two_stores_opening_a_new_database_at_once_migrate_it_once(location):
    errors, stores = [], []

    def open_it():
        try:
            stores.append(ExamStore(location))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 4
    assert raw_sql(location, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


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


def test_two_processes_saving_at_once_lose_nothing(location):
    path = location
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
    owner, _ = store.add_user("alice", "correct horse battery")
    a = store.save(exam_text("A"), owner_id=owner.id)
    store.save(exam_text("A, edited"), a.id)
    store.save(exam_text("B", "kl_divergence"))
    data = store.export_all()
    assert data == store.export_all()                                  # deterministic
    doc = json.loads(data)
    assert doc["format"] == "stepwise-exams" and [e["title"] for e in doc["exams"]] == ["A, edited", "B"]
    other = ExamStore(tmp_path / "restored.sqlite3")
    alice, _ = other.add_user("alice", "another password")
    added = other.import_all(data)
    assert [e.title for e in added] == ["A, edited", "B"]
    assert [e.owner_id for e in added] == [alice.id, None], "owners by account name; none: admins only"
    assert other.import_all(data) == []                                # already there: skipped by uid
    assert {e.toml for e in other.list()} == {e.toml for e in store.list()}
    with pytest.raises(InvalidInput):
        other.import_all(b'{"format": "something else"}')
    with pytest.raises(InvalidInput, match="nested too deeply"):
        other.import_all(b"[" * 100_000 + b"]" * 100_000)


# ---- the trash ----------------------------------------------------------------------------------------------

def test_delete_moves_to_the_trash_with_history_and_restore_brings_it_back(store):
    alice, _ = store.add_user("alice", "correct horse battery")
    bob, _ = store.add_user("bob", "correct horse battery")
    e = store.save(exam_text("Kept"), owner_id=alice.id)
    store.save(exam_text("Kept, v2"), e.id, expected_revision=1)
    other = store.save(exam_text("Bob's"), owner_id=bob.id)
    assert store.delete(e.id)
    assert [x.id for x in store.list()] == [other.id] and store.list(alice.id) == []
    (trashed,) = store.trash(alice.id)
    assert trashed.id == e.id and trashed.deleted_at and trashed.revision == 2
    assert store.trash(bob.id) == [] and [x.id for x in store.trash()] == [e.id]
    assert store.get(e.id, deleted=True).deleted_at == trashed.deleted_at
    assert [r[0] for r in store.history(e.id)] == [1, 2], "the history stays in the trash"
    assert store.restore(e.id) and not store.restore(e.id)
    back = store.get(e.id)
    assert (back.title, back.revision, back.owner_id, back.deleted_at) == ("Kept, v2", 2, alice.id, None)
    assert store.save(exam_text("Kept, v3"), e.id, expected_revision=2).revision == 3


def test_the_trash_is_emptied_after_its_time_and_purge_removes_one_for_good(location, store):
    a, b, c = (store.save(exam_text(t)) for t in "ABC")
    for x in (a, b):
        store.delete(x.id)
    assert store.purge_expired() == 0, f"nothing has been in the trash for {TRASH_DAYS} days"
    raw_sql(location, "UPDATE exams SET deleted_at = ? WHERE id = ?", ("2000-01-01T00:00:00.000000+00:00", a.id))
    assert store.purge_expired() == 1
    with pytest.raises(NotFound):
        store.get(a.id, deleted=True)
    assert store.history(a.id) == [] and [x.id for x in store.trash()] == [b.id]
    assert not store.purge(c.id), "only what is in the trash can be purged"
    assert store.purge(b.id) and store.trash() == [] and store.history(b.id) == []
    assert [x.id for x in store.list()] == [c.id]


# ---- accounts, failed log-ins, the session key ------------------------------------------------------------------

def test_accounts_hash_passwords_with_argon2_and_authenticate(location, store):
    from argon2 import PasswordHasher

    user, _ = store.add_user("Alice", "correct horse battery")
    assert (user.name, user.is_admin) == ("alice", False)
    (stored,) = raw_sql(location, "SELECT password_hash FROM users")
    assert stored[0].startswith("$argon2id$") and "correct horse" not in stored[0]
    assert PasswordHasher().verify(stored[0], "correct horse battery"), "an argon2 hash, checked by argon2 itself"
    assert store.authenticate("ALICE", "correct horse battery") == user
    for name, password in (("alice", "wrong password"), ("nobody", "correct horse battery"), ("", ""),
                           ("alice", "x" * 5000), ("al\x00ice", "correct horse battery")):
        assert store.authenticate(name, password) is None
    with pytest.raises(InvalidInput) as e:
        store.add_user("alice", "another password")
    assert e.value.field == "name" and "already" in e.value.message
    for name, password, field in (("bad name!", "long enough", "name"), ("x" * 65, "long enough", "name"),
                                  ("bob", "short", "password")):
        with pytest.raises(InvalidInput) as e:
            store.add_user(name, password)
        assert e.value.field == field
    store.set_password("alice", "a new password")
    assert store.authenticate("alice", "correct horse battery") is None
    assert store.authenticate("alice", "a new password") == user
    assert store.user(user.id) == user and store.user(10**30) is None and store.user("1") is None
    assert [u.name for u in store.users()] == ["alice"]


def test_login_failures_are_counted_per_key_and_shared_between_store_objects(location):
    a, b = ExamStore(location), ExamStore(location)   # two server processes' stores
    for _ in range(3):
        a.record_login_failure(["user:alice", "addr:10.0.0.1"], window=900)
    b.record_login_failure(["user:bob", "addr:10.0.0.1"], window=900)
    assert b.login_failures("user:alice", 900)[0] == 3 and a.login_failures("addr:10.0.0.1", 900)[0] == 4
    assert a.login_failures("user:carol", 900) == (0, None)
    b.clear_login_failures("user:alice")
    assert a.login_failures("user:alice", 900)[0] == 0 and a.login_failures("addr:10.0.0.1", 900)[0] == 4
    raw_sql(location, "UPDATE login_failures SET at = at - 1000")
    assert a.login_failures("addr:10.0.0.1", 900)[0] == 0, "outside the window"


def test_the_session_key_is_made_once_and_shared(location):
    keys = {ExamStore(location).secret_key() for _ in range(3)}
    assert len(keys) == 1 and len(keys.pop()) == 64
