"""Exam builds as background jobs (issue 20, item 4): a progress bar, a cancel button, a time budget, and
the download served when it is done.

Building many variants (1000 variants x 20 problems took two minutes) cannot run inside a request: the
browser waits, the worker is held, and nothing bounds it. A download larger than EXAM_JOB_THRESHOLD
questions (variants x problems) starts a job instead and redirects to its page (`/jobs/<id>`), which
refreshes itself while the job runs (no script needed), shows how far it got, offers Cancel, and, when
the job is done, the download.

How a job runs. It is a worker process (solver.sandbox: forked from the warm zygote, with a wall-clock
deadline of EXAM_JOB_BUDGET seconds and a memory limit of EXAM_JOB_MEMORY_MB), whose own solves run in
grandchildren with the usual per-solve limits. The job writes its state to files in its directory under
JOBS_DIR (state.json, replaced atomically; the result; an exclusive lock held for its lifetime), so any
server process can show it, cancel it or serve its file: under `--workers N` the page's next request may
reach another worker than the one that started the job. A thread in the starting process supervises the
job (its deadline, its end); if that process goes away, the job's own alarm still ends it, and a job
whose lock is free while its state says "running" is reported as stopped (past its deadline) or failed.
Finished jobs are deleted after EXAM_JOB_KEEP seconds. Job ids are random (16 bytes): the page's address
is the capability to see and cancel that job.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for

log = logging.getLogger(__name__)

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

_ID = re.compile(r"[A-Za-z0-9_-]{16,40}")
_dir_lock = threading.Lock()


class Cancelled(Exception):
    pass


# ---- where jobs live ------------------------------------------------------------------------------------

def jobs_root(app=None) -> str:
    """The app's job directory (JOBS_DIR; made on first use; `stepwise serve` makes it before forking, so
    that every worker process shares it)."""
    app = app or current_app
    root = app.config.get("JOBS_DIR")
    if not root:
        with _dir_lock:
            root = app.config.get("JOBS_DIR")
            if not root:
                root = app.config["JOBS_DIR"] = tempfile.mkdtemp(prefix="stepwise-jobs-")
    return root


def _job_dir(job_id: str) -> str:
    """The job's folder, for the account that started it (or an admin): a build holds an exam's keys, so
    anyone else, and an anonymous visitor, gets the same 404 as for a job that does not exist."""
    from .auth import current_user

    if not _ID.fullmatch(job_id or ""):
        abort(404)
    path = os.path.join(jobs_root(), job_id)
    if not os.path.isdir(path):
        abort(404)
    user = current_user()
    owner = _read(path, "meta.json").get("owner")
    if user is None or not (user.is_admin or (owner is not None and owner == user.id)):
        abort(404)
    return path


def _read(path: str, name: str) -> dict:
    try:
        with open(os.path.join(path, name), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def _write(path: str, name: str, data: dict) -> None:
    tmp = os.path.join(path, f".{name}.{os.getpid()}.{threading.get_ident()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, os.path.join(path, name))


def _alive(path: str) -> bool:
    """True while the job's process holds its lock."""
    try:
        fd = os.open(os.path.join(path, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def status(path: str) -> dict:
    """The job's state as the page shows it: state, done, total, what, message (+ meta)."""
    meta, state = _read(path, "meta.json"), _read(path, "state.json")
    out = {**meta, **state}
    out.setdefault("state", "queued")
    if out["state"] in ("queued", "running") and not _alive(path):
        started = out["state"] == "running" or time.time() - meta.get("created", 0) > 30
        if started:
            if time.time() > meta.get("deadline", 0):
                out.update(state="stopped", message=f"The build was stopped at its time limit of {meta.get('budget', 0):g} s.")
            else:
                out.update(state="failed", message="The build ended without finishing (it ran out of memory, or the "
                                                   "server restarted). Try fewer variants or formats.")
    return out


def running_count() -> int:
    root = jobs_root()
    n = 0
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if _ID.fullmatch(name) and os.path.isdir(path) and status(path)["state"] in ("queued", "running"):
            n += 1
    return n


def _clean_old(keep: float) -> None:
    root = jobs_root()
    now = time.time()
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if not (_ID.fullmatch(name) and os.path.isdir(path)):
            continue
        meta = _read(path, "meta.json")
        if now - meta.get("created", now) > keep and not _alive(path):
            shutil.rmtree(path, ignore_errors=True)


# ---- starting and supervising (the serving process) ---------------------------------------------------

def wanted(exam, variants: int | None = None) -> bool:
    """Whether building `exam` (a StoredExam) is large enough to run as a job rather than in the request."""
    try:
        spec = exam.spec
    except Exception:  # a saved exam that no longer validates: the view's own build says why
        return False
    n = (spec.variants if variants is None else variants) * len(spec.problems)
    return n > int(current_app.config.get("EXAM_JOB_THRESHOLD", 40))


def start_exam_job(exam, fmt: str, solutions: bool, filename: str, mimetype: str, *, folder: str | None,
                   zip_files=None):
    """Start building `exam` (a StoredExam) in format `fmt` as a job; the response redirects to its page.
    `folder`: the zip's folder for the files (None: one file, not zipped); `zip_files(batches, folder)`: the
    exam page's streaming zip writer (web.exams.stream_zip, passed in so that this module imports no view)."""
    from solver import sandbox

    cfg = current_app.config
    _clean_old(float(cfg.get("EXAM_JOB_KEEP", 3600)))
    if running_count() >= int(cfg.get("EXAM_JOBS_RUNNING", 2)):
        return render_template("error.html", code=503, title="The server is busy building exams", reference=None,
                               message="Other exam builds are running. Try again in a minute."), 503
    job_id = secrets.token_urlsafe(16)
    path = os.path.join(jobs_root(), job_id)
    os.mkdir(path, 0o700)
    budget = float(cfg.get("EXAM_JOB_BUDGET", 600))
    total = exam.spec.variants * len(exam.spec.problems)
    from .auth import current_user

    user = current_user()
    meta = {"id": job_id, "exam_id": exam.id, "owner": None if user is None else user.id, "title": exam.title,
            "format": fmt, "solutions": solutions,
            "filename": filename, "mimetype": mimetype, "created": time.time(), "budget": budget,
            "deadline": time.time() + budget + 5}
    _write(path, "meta.json", meta)
    _write(path, "state.json", {"state": "queued", "done": 0, "total": total, "what": "Waiting to start"})
    args = (path, exam.toml, fmt, solutions, folder, zip_files)
    box = sandbox.current()
    memory = int(cfg.get("EXAM_JOB_MEMORY_MB", 2048))
    threading.Thread(target=_supervise, args=(box, path, args, budget, memory), daemon=True,
                     name=f"exam-job-{job_id[:6]}").start()
    return redirect(url_for("jobs.page", job_id=job_id), code=303)


def _supervise(box, path: str, args: tuple, budget: float, memory_mb: int) -> None:
    from solver import sandbox
    from solver.params import InvalidInput

    def started(pid: int) -> None:
        meta = _read(path, "meta.json")
        meta["pid"] = pid
        _write(path, "meta.json", meta)

    try:
        if box is None:  # no worker processes here (Windows, STEPWISE_SANDBOX=0, the test client)
            run_exam_job(*args)
        else:
            box.call({"kind": "call", "function": "web.jobs:run_exam_job", "args": args, "memory_mb": memory_mb},
                     budget, on_start=started)
    except sandbox.Stopped as e:
        if os.path.exists(os.path.join(path, "cancel")):
            return
        stop = e.stop
        message = (f"The build was stopped at its time limit of {budget:g} s." if stop.reason == "wall_clock" else
                   f"The build was stopped at its memory limit of {stop.limit:g} MB.")
        _write(path, "state.json", {**_read(path, "state.json"), "state": "stopped", "message": message +
                                    " Build fewer variants or formats at a time, or use the command line."})
    except Cancelled:
        pass
    except InvalidInput as e:
        detail = f"{e.message} (field: {e.field})" if e.field and e.field != "file" else e.message
        _write(path, "state.json", {**_read(path, "state.json"), "state": "failed",
                                    "message": f"Could not build the exam: {detail}"})
    except Exception:
        reference = secrets.token_hex(4)
        log.exception("exam job %s failed (reference %s)", os.path.basename(path), reference)
        _write(path, "state.json", {**_read(path, "state.json"), "state": "failed",
                                    "message": f"Stepwise hit an internal error while building (reference {reference})."})


# ---- the job itself (a worker process) ------------------------------------------------------------------

def run_exam_job(path: str, toml_text: str, fmt: str, solutions: bool, folder: str | None, zip_files) -> dict:
    """Build and export, reporting progress in `path`; the result is written to path/result."""
    lock = os.open(os.path.join(path, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # held while the job runs: its liveness, for every server process
    try:
        return _build_and_export(path, toml_text, fmt, solutions, folder, zip_files)
    finally:
        os.close(lock)


def _build_and_export(path: str, toml_text: str, fmt: str, solutions: bool, folder: str | None, zip_files) -> dict:
    from solver import sandbox
    from solver.exam import FORMATS, export, loads
    from solver.exam import build as build_exam

    cancel = os.path.join(path, "cancel")
    spec = loads(toml_text)
    fmts = FORMATS if fmt == "all" else (fmt,)
    questions = spec.variants * len(spec.problems)
    total = questions + len(fmts)
    last = [0.0]

    def report(done: int, what: str, force: bool = False) -> None:
        if os.path.exists(cancel):
            raise Cancelled()
        now = time.monotonic()
        if force or now - last[0] > 0.2:
            last[0] = now
            _write(path, "state.json", {"state": "running", "done": done, "total": total, "what": what})
            sandbox.progress(done, total, what)

    report(0, "Starting", force=True)
    b = build_exam(spec, solutions=solutions, progress=lambda d, t: report(d, f"Solving question {d} of {t}"))
    done = questions
    out = os.path.join(path, "result")
    if folder is None:
        report(done, f"Writing {fmt}", force=True)
        (data,) = export(b, [fmt]).values()
        with open(out, "wb") as fh:
            fh.write(data)
    else:
        def batches():
            for i, f in enumerate(fmts):
                report(done + i, f"Writing {f}", force=True)
                yield export(b, [f])
            if fmt == "all":
                yield {"exam.toml": toml_text.encode("utf-8")}

        with open(out, "wb") as fh:
            for chunk in zip_files(batches(), folder):
                fh.write(chunk)
    _write(path, "state.json", {"state": "done", "done": total, "total": total, "what": "Done"})
    return {"bytes": os.path.getsize(out)}


# ---- pages ----------------------------------------------------------------------------------------------

@bp.get("/<job_id>")
def page(job_id: str):
    path = _job_dir(job_id)
    st = status(path)
    percent = int(100 * st.get("done", 0) / st["total"]) if st.get("total") else 0
    return render_template("job.html", job=st, job_id=job_id, percent=percent,
                           running=st["state"] in ("queued", "running"))


@bp.get("/<job_id>/status")
def status_json(job_id: str):
    st = status(_job_dir(job_id))
    keys = ("state", "done", "total", "what", "message", "title", "format", "filename")
    return {k: st.get(k) for k in keys}


@bp.post("/<job_id>/cancel")
def cancel(job_id: str):
    path = _job_dir(job_id)
    st = status(path)
    if st["state"] in ("queued", "running"):
        open(os.path.join(path, "cancel"), "w").close()
        pid = st.get("pid")
        if isinstance(pid, int) and pid > 0 and _alive(path):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _write(path, "state.json", {**_read(path, "state.json"), "state": "cancelled",
                                    "message": "The build was cancelled."})
    return redirect(url_for(".page", job_id=job_id), code=303)


@bp.get("/<job_id>/download")
def download(job_id: str):
    path = _job_dir(job_id)
    st = status(path)
    result = os.path.join(path, "result")
    if st["state"] != "done" or not os.path.exists(result):
        return redirect(url_for(".page", job_id=job_id), code=303)
    response = send_file(result, mimetype=st.get("mimetype") or "application/octet-stream", as_attachment=True,
                         download_name=st.get("filename") or "exam.zip", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
