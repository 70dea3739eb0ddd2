"""Saved exams in SQLite (Python's sqlite3): the exam builder's storage, shared by the web and the CLI.

Where: `ExamStore(path)`, else $STEPWISE_EXAM_DB, else $XDG_DATA_HOME/stepwise/exams.sqlite3, else
~/.local/share/stepwise/exams.sqlite3. The file and its directory are created on first use.

What: an exam is stored as its TOML text (the same file `stepwise exam` reads, so web and command
line share exams by upload and download) plus metadata read from it (title, course) and a revision
number. Every save also appends the text to `exam_revisions`, so an overwritten version is never
lost, and `save(..., expected_revision=r)` refuses (Conflict) to overwrite a newer revision than the
one the editor loaded.

Schema: versioned. `schema_version` holds one row; MIGRATIONS is the ordered list of functions that
bring a database from version i to i + 1; opening a store runs the missing ones in one transaction.
A database newer than this code is refused rather than guessed at.

Concurrency: each operation opens its own connection (so a store object may be shared by threads),
the database runs in WAL mode with a busy timeout, and every write is one `BEGIN IMMEDIATE`
transaction, so concurrent writers, threads or processes, queue instead of losing updates.

Backup: `export_all()` is one JSON document with every exam and its metadata (deterministic order);
`import_all()` reads it back, skipping exams already present (by their uid).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator

from ..params import InvalidInput
from .limits import MAX_BACKUP_BYTES, check_json
from .spec import ExamSpec, dumps, loads

BACKUP_FORMAT = "stepwise-exams"
BACKUP_VERSION = 1


class StoreError(RuntimeError):
    """The database cannot be used (newer schema, unreadable file)."""


class NotFound(KeyError):
    pass


class Conflict(RuntimeError):
    """The exam was saved by someone else since the editor loaded it."""


def default_path() -> str:
    env = os.environ.get("STEPWISE_EXAM_DB")
    if env:
        return env
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "stepwise", "exams.sqlite3")


# ---- migrations: MIGRATIONS[i] takes the schema from version i to i + 1 ----------------------------

def _m1_exams(c: sqlite3.Connection) -> None:
    c.execute("""CREATE TABLE exams (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        course TEXT NOT NULL DEFAULT '',
        toml TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""")


def _m2_revisions(c: sqlite3.Connection) -> None:
    c.execute("ALTER TABLE exams ADD COLUMN revision INTEGER NOT NULL DEFAULT 1")
    c.execute("""CREATE TABLE exam_revisions (
        exam_id INTEGER NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        toml TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (exam_id, revision))""")
    c.execute("INSERT INTO exam_revisions (exam_id, revision, toml, saved_at) SELECT id, 1, toml, updated_at FROM exams")
    c.execute("CREATE INDEX exams_updated ON exams (updated_at)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_exams, _m2_revisions]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class StoredExam:
    id: int
    uid: str
    title: str
    course: str
    toml: str
    revision: int
    created_at: str
    updated_at: str

    @property
    def spec(self) -> ExamSpec:
        return loads(self.toml)

    def to_json(self) -> dict:
        return {"id": self.id, "uid": self.uid, "title": self.title, "course": self.course, "revision": self.revision,
                "created_at": self.created_at, "updated_at": self.updated_at, "toml": self.toml}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


_COLUMNS = "id, uid, title, course, toml, revision, created_at, updated_at"


def _row(r) -> StoredExam:
    return StoredExam(id=r[0], uid=r[1], title=r[2], course=r[3], toml=r[4], revision=r[5], created_at=r[6], updated_at=r[7])


class ExamStore:
    """Saved exams in one SQLite file. Cheap to create; safe to share between threads."""

    def __init__(self, path: str | None = None, *, timeout: float = 30.0):
        self.path = os.fspath(path) if path is not None else default_path()
        self.timeout = timeout
        parent = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(parent, exist_ok=True)
        self._migrate()

    # -- connections and transactions --------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            c = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the exam database {self.path!r}: {e}") from None
        try:
            c.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            c.execute("PRAGMA foreign_keys = ON")
            yield c
        finally:
            c.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock at once (BEGIN IMMEDIATE) so writers queue."""
        with self._connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")

    def _migrate(self) -> None:
        with self._connect() as c:
            mode = c.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                c.execute("PRAGMA journal_mode = WAL")
        with self._write() as c:
            c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = c.execute("SELECT version FROM schema_version").fetchone()
            version = 0 if row is None else row[0]
            if row is None:
                c.execute("INSERT INTO schema_version (version) VALUES (0)")
            if version > SCHEMA_VERSION:
                raise StoreError(f"the exam database {self.path!r} has schema version {version}, newer than this "
                                 f"stepwise understands ({SCHEMA_VERSION}); upgrade stepwise")
            for i in range(version, SCHEMA_VERSION):
                MIGRATIONS[i](c)
                c.execute("UPDATE schema_version SET version = ?", (i + 1,))

    def schema_version(self) -> int:
        with self._connect() as c:
            return c.execute("SELECT version FROM schema_version").fetchone()[0]

    # -- exams -----------------------------------------------------------------------------------------
    def save(self, toml_text: str, exam_id: int | None = None, *, expected_revision: int | None = None) -> StoredExam:
        """Store an exam's TOML (validated first: InvalidInput names the field). New when exam_id is None,
        else a new revision of that exam (Conflict if it is no longer at `expected_revision`)."""
        spec = loads(toml_text)
        now = _now()
        with self._write() as c:
            if exam_id is None:
                cur = c.execute("INSERT INTO exams (uid, title, course, toml, revision, created_at, updated_at) "
                                "VALUES (?, ?, ?, ?, 1, ?, ?)", (uuid.uuid4().hex, spec.title, spec.course, toml_text, now, now))
                new_id = cur.lastrowid
                c.execute("INSERT INTO exam_revisions (exam_id, revision, toml, saved_at) VALUES (?, 1, ?, ?)",
                          (new_id, toml_text, now))
                return _row(c.execute(f"SELECT {_COLUMNS} FROM exams WHERE id = ?", (new_id,)).fetchone())
            row = c.execute("SELECT revision FROM exams WHERE id = ?", (exam_id,)).fetchone()
            if row is None:
                raise NotFound(exam_id)
            if expected_revision is not None and row[0] != expected_revision:
                raise Conflict(f"exam {exam_id} is at revision {row[0]}, not {expected_revision}: it was saved "
                               "elsewhere since it was loaded")
            rev = row[0] + 1
            c.execute("UPDATE exams SET title = ?, course = ?, toml = ?, revision = ?, updated_at = ? WHERE id = ?",
                      (spec.title, spec.course, toml_text, rev, now, exam_id))
            c.execute("INSERT INTO exam_revisions (exam_id, revision, toml, saved_at) VALUES (?, ?, ?, ?)",
                      (exam_id, rev, toml_text, now))
            return _row(c.execute(f"SELECT {_COLUMNS} FROM exams WHERE id = ?", (exam_id,)).fetchone())

    def save_spec(self, spec: ExamSpec, exam_id: int | None = None, **kw) -> StoredExam:
        return self.save(dumps(spec), exam_id, **kw)

    def get(self, exam_id: int) -> StoredExam:
        with self._connect() as c:
            r = c.execute(f"SELECT {_COLUMNS} FROM exams WHERE id = ?", (exam_id,)).fetchone()
        if r is None:
            raise NotFound(exam_id)
        return _row(r)

    def list(self) -> list[StoredExam]:
        """Every exam, most recently saved first."""
        with self._connect() as c:
            return [_row(r) for r in c.execute(f"SELECT {_COLUMNS} FROM exams ORDER BY updated_at DESC, id DESC")]

    def delete(self, exam_id: int) -> bool:
        with self._write() as c:
            c.execute("DELETE FROM exam_revisions WHERE exam_id = ?", (exam_id,))
            return c.execute("DELETE FROM exams WHERE id = ?", (exam_id,)).rowcount > 0

    def history(self, exam_id: int) -> list[tuple[int, str, str]]:
        """(revision, saved_at, toml) of every save of an exam, oldest first."""
        with self._connect() as c:
            return [tuple(r) for r in c.execute("SELECT revision, saved_at, toml FROM exam_revisions WHERE exam_id = ? "
                                                "ORDER BY revision", (exam_id,))]

    # -- backup ----------------------------------------------------------------------------------------
    def export_all(self) -> bytes:
        """Every exam as one JSON document (ordered by id), for backup or moving to another machine."""
        with self._connect() as c:
            exams = [_row(r).to_json() for r in c.execute(f"SELECT {_COLUMNS} FROM exams ORDER BY id")]
        doc = {"format": BACKUP_FORMAT, "version": BACKUP_VERSION, "schema_version": SCHEMA_VERSION, "exams": exams}
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def import_all(self, data: bytes | str) -> list[StoredExam]:
        """Add the exams of a backup (export_all) that are not here yet (by uid); returns those added."""
        check_json(data, "backup", max_bytes=MAX_BACKUP_BYTES)
        try:
            doc = json.loads(data)
        except ValueError as e:
            raise InvalidInput("backup", f"The backup is not JSON: {e}.") from None
        if not isinstance(doc, dict) or doc.get("format") != BACKUP_FORMAT or not isinstance(doc.get("exams"), list):
            raise InvalidInput("backup", "This file is not a stepwise exams backup.")
        for i, e in enumerate(doc["exams"], 1):
            if not isinstance(e, dict) or not isinstance(e.get("toml"), str):
                raise InvalidInput(f"exams[{i}]", f"Exam {i} of the backup has no TOML text.")
            try:
                loads(e["toml"])
            except InvalidInput as err:
                raise InvalidInput(f"exams[{i}].{err.field}", f"Exam {i} of the backup: {err.message}") from None
        added = []
        with self._write() as c:
            for e in doc["exams"]:
                uid = str(e.get("uid") or uuid.uuid4().hex)
                if c.execute("SELECT 1 FROM exams WHERE uid = ?", (uid,)).fetchone():
                    continue
                spec = loads(e["toml"])
                created = str(e.get("created_at") or _now())
                updated = str(e.get("updated_at") or created)
                cur = c.execute("INSERT INTO exams (uid, title, course, toml, revision, created_at, updated_at) "
                                "VALUES (?, ?, ?, ?, 1, ?, ?)", (uid, spec.title, spec.course, e["toml"], created, updated))
                c.execute("INSERT INTO exam_revisions (exam_id, revision, toml, saved_at) VALUES (?, 1, ?, ?)",
                          (cur.lastrowid, e["toml"], updated))
                added.append(_row(c.execute(f"SELECT {_COLUMNS} FROM exams WHERE id = ?", (cur.lastrowid,)).fetchone()))
        return added
