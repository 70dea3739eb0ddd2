"""The app's exam store (solver.exam.store.ExamStore), opened once per app, for the exam builder (web.exams)
and the accounts (web.auth); and the page shown when it cannot be used.

The location is app.config["EXAM_DB"]: a SQLite file or a postgresql:// URL (None: the store's own default,
$STEPWISE_DATABASE_URL, else $STEPWISE_EXAM_DB, else the user's data directory).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading

from flask import current_app, render_template

from solver.exam.store import ExamStore, StoreError, default_location, is_url

log = logging.getLogger("web.exams")

_EXTENSION = "stepwise_exam_store"
_store_lock = threading.Lock()


def store_path() -> str:
    """The exam database: a SQLite file or a postgresql:// URL."""
    path = current_app.config.get("EXAM_DB")
    return os.fspath(path) if path else default_location()


def get_store(create: bool = True) -> ExamStore | None:
    """The app's exam store, opened (and the file created, migrated) on first use; None when `create` is
    False and no database exists yet."""
    app = current_app._get_current_object()
    store = app.extensions.get(_EXTENSION)
    if store is not None:
        return store
    path = store_path()
    if not create and not is_url(path) and not os.path.exists(path):
        return None
    with _store_lock:
        store = app.extensions.get(_EXTENSION)
        if store is None:
            try:
                store = ExamStore(path)
            except (OSError, sqlite3.Error) as e:
                raise StoreError(f"cannot open the exam database ({e})") from None
            except StoreError:
                raise
            app.extensions[_EXTENSION] = store
    return store


def unavailable(e: Exception):
    log.error("exam store unavailable: %s", e)
    return render_template(
        "error.html", code=503, title="Saved exams are unavailable",
        message=("The exam database cannot be used right now, so exams cannot be listed or saved. Problems and "
                 "solutions still work. The server log says why; the database is set by STEPWISE_DATABASE_URL "
                 "(a PostgreSQL server) or STEPWISE_EXAM_DB (a SQLite file)."), reference=None), 503
