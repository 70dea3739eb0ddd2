"""The Stepwise web UI: a Flask application factory, one blueprint, Jinja templates, no maths.

Everything shown comes from the registry (`solver.registry`: families, their parameter specs,
conventions, worked examples and generators) and from the Solution each family returns; nothing in
this package names a family. Maths is rendered on the server as MathML (web.mathml), so pages work
with no network access and no script; the only script (web/static/app.js) filters the home page and
copies LaTeX.

    create_app(config=None) -> Flask     the application (tests use it with the test client)
    serve(host, port, workers=0)         `stepwise serve`: the app under waitress (one process, every
                                         platform) or, with workers >= 1, gunicorn's pre-fork server (POSIX)

Either way every solve runs in a worker process with hard limits (solver.sandbox): the serving process
forks a zygote once it is warm and single-threaded, and the zygote forks one child per solve.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Mapping

from flask import Flask

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    # request size limits: a hand-sized problem is a few hundred bytes; generous, not unbounded
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,  # bytes of a POST body (413 above it)
    "MAX_FORM_MEMORY_SIZE": 1 * 1024 * 1024,
    "MAX_FIELD_CHARS": 200_000,  # characters of one typed value (a parameter, a convention, an answer)
    "MAX_TABLE_ROWS": 500,  # rows of a trace table shown on the page (the downloads have them all)
    "MAX_STEPS_SHOWN": 400,  # steps of a long trace shown on the page, about (the downloads have them all)
    "MAX_CHILDREN_SHOWN": 60,  # sub-steps of one step shown: the first ones and the last few
    "MAX_QUERY_BYTES": 512 * 1024,  # URL query string (a problem travels in the URL; 414 above it)
    "CHECK_MAX_ALTERNATIVES": 32,  # extra solves (other conventions, declared slips) per answer check
    "CHECK_TIME_BUDGET": 3.0,  # seconds
    "SOLUTION_CACHE_SIZE": 256,  # solved problems kept (web.cache); 0 solves every request afresh
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "stepwise_session",
    "EXAM_DB": None,  # saved exams' SQLite file (web.exams); None: solver.exam.store.default_path()
    # exam builds as background jobs (web.jobs): downloads of more questions (variants x problems) than
    # this run as a job with a progress page, a cancel, a time budget (s) and a memory limit (MB)
    "EXAM_JOB_THRESHOLD": 40,
    "EXAM_JOB_BUDGET": 600,
    "EXAM_JOB_MEMORY_MB": 2048,
    "EXAM_JOBS_RUNNING": 2,  # jobs at once (a 503 past it)
    "EXAM_JOB_KEEP": 3600,  # seconds a finished job's file is kept
    "JOBS_DIR": None,  # None: a temporary directory, made on first use (or by `stepwise serve` before forking)
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application. `config` overrides DEFAULTS and Flask's own settings (e.g. {"TESTING": True})."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.from_mapping(DEFAULTS)
    # the session carries the CSRF token and the logged-in account; unset, web.auth signs it with a key kept
    # in the exam database, so that every process serving the site agrees
    app.config["SECRET_KEY"] = os.environ.get("STEPWISE_SECRET_KEY") or None
    cache_size = os.environ.get("STEPWISE_SOLUTION_CACHE_SIZE", "").strip()
    if cache_size.isdigit():  # 0 solves every request afresh (benchmarks/bench_load.py --uncached)
        app.config["SOLUTION_CACHE_SIZE"] = int(cache_size)
    if config:
        app.config.update(config)
    app.json.sort_keys = False  # answers and steps keep their order
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from . import errors, security
    from .cache import get_cache
    from .mathml import to_mathml
    from . import api, views  # noqa: F401  (each registers its routes on the blueprint)
    from .blueprint import bp

    app.jinja_env.filters["math"] = to_mathml
    app.jinja_env.filters["dmath"] = lambda latex: to_mathml(latex, display=True)
    app.jinja_env.filters["wbr"] = _word_breaks
    app.jinja_env.filters["rich"] = _rich_html
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    security.init_app(app)
    errors.init_app(app)
    from . import auth

    auth.init_app(app)  # accounts: log-in, sessions' key (registers the "auth" blueprint)
    app.register_blueprint(bp)
    from .exams import bp as exams_bp

    app.register_blueprint(exams_bp)  # the exam builder (saved exams)
    from .jobs import bp as jobs_bp

    app.register_blueprint(jobs_bp)  # long exam builds as background jobs
    get_cache(app)
    return app


def _rich_html(statement):
    """A statement (solver.richtext.Rich) as HTML: prose escaped, maths as MathML."""
    from markupsafe import Markup, escape

    from .mathml import to_mathml

    return Markup(statement.html(lambda latex: str(to_mathml(latex)), lambda s: str(escape(s))))


def _word_breaks(name: str):
    """An identifier that may wrap after its underscores (long answer names in narrow columns)."""
    from markupsafe import Markup, escape

    return Markup(str(escape(name)).replace("_", "_<wbr>"))


def warm() -> None:
    """Import every family (their SymPy formulas are built once, at import) so the first request is fast."""
    from solver import registry

    for name in registry.names():
        try:
            registry.get(name)
        except Exception:  # a broken family shows as missing on the home page; the log says why
            log.exception("family %s failed to load", name)


def settle() -> None:
    """After warm(), in a server: the warm objects (every family's formulas, SymPy's caches, the app) are kept out of
    the cyclic collector's passes for the server's life (gc.freeze), so a full collection walks only what requests
    make. Unfrozen, a full pass over all of them landed in a request now and then: in the web benchmark one solve
    page in 30 took 67 ms instead of 17. Under gunicorn the master settles before forking, so the workers' collectors
    leave the shared pages untouched too."""
    import gc

    gc.collect()
    gc.freeze()


#: Request-line cap under gunicorn: the app's own 414 (MAX_QUERY_BYTES, 512 KiB) answers long problem URLs
#: as waitress does; the server refuses what is longer still before reading it all.
MAX_REQUEST_LINE = 520 * 1024


def _start_sandbox(close_fds=()) -> object | None:
    """Fork the solve zygote (solver.sandbox) and route every solve through it; None where unsupported."""
    from solver import sandbox

    if not sandbox.enabled_by_env():
        return None
    box = sandbox.Sandbox.start(close_fds=close_fds)
    sandbox.install(box)
    return box


def _jobs_dir(app) -> None:
    from .jobs import jobs_root

    jobs_root(app)


def _banner(host: str, port: int, how: str) -> None:
    shown = f"[{host}]" if ":" in host else host
    print(f"Stepwise is serving on http://{shown}:{port}/  ({how}; press Ctrl+C to stop)", flush=True)


def serve(host: str = "127.0.0.1", port: int = 8000, *, threads: int = 4, workers: int = 0) -> int:
    """Serve the app until interrupted; returns the exit status for `stepwise serve`.

    workers = 0: one process under waitress with `threads` threads (works everywhere). workers >= 1:
    gunicorn's pre-fork server with that many processes, each answering one request at a time (POSIX)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if workers and workers > 0:
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            print("stepwise: --workers needs gunicorn (POSIX only: pip install gunicorn); serving in one process.",
                  file=sys.stderr)
        else:
            return _serve_gunicorn(host, port, workers)
    import waitress

    app = create_app()
    warm()
    _warm_accelerator()
    _jobs_dir(app)
    settle()
    box = _start_sandbox()  # before waitress starts its threads: only a single-threaded process forks
    _banner(host, port, "one process")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="stepwise",
                       max_request_header_size=1024 * 1024, clear_untrusted_proxy_headers=True)
    except KeyboardInterrupt:
        return 0
    except OSError as e:  # port in use, address not available, permission denied
        print(f"stepwise: cannot serve on {host}:{port} ({e.strerror or e}).", file=sys.stderr)
        return 1
    finally:
        if box is not None:
            from solver import sandbox

            sandbox.install(None)
            box.close()
    return 0


def _warm_accelerator() -> None:
    """With the optional accelerators installed: SciPy's LAPACK imported now (large PCA's leading eigenvectors:
    every solve process then has it), and the compiled loops compiled in a separate process while the server starts
    (a few seconds each, cold; then cached on disk), so the first long or large optimizer solve does not pay it
    inside a request's time limit."""
    from problems import _eigh
    from problems._optim import accel

    _eigh.preload()

    if not accel.available():
        return
    import subprocess

    try:  # kept referenced for the server's life (a dropped Popen warns while its child runs); no thread waits for
        # it, because the server forks its solve zygote next and only a single-threaded process may fork
        _WARMERS.append(subprocess.Popen([sys.executable, "-m", "problems._optim.accel"], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    except OSError:  # no process to spare: the kernels compile on first use instead
        pass


_WARMERS: list = []


def _serve_gunicorn(host: str, port: int, workers: int) -> int:
    """gunicorn with `workers` sync workers: the app is built and warmed once in the master (preloaded, so
    the workers share its memory copy-on-write) and each worker forks its own solve zygote after it starts.
    The limits match waitress's: the app's own body, field and query limits answer as in one process; the
    server header is "stepwise"; forwarded headers are trusted from no one."""
    import math

    from gunicorn.app.base import BaseApplication
    import gunicorn.http.message
    import gunicorn.http.wsgi
    from solver import registry, sandbox

    gunicorn.http.message.MAX_REQUEST_LINE = max(gunicorn.http.message.MAX_REQUEST_LINE, MAX_REQUEST_LINE)
    gunicorn.http.wsgi.SERVER = "stepwise"  # the Server header (gunicorn's own says its name and nothing else)
    limits = sandbox.Limits.from_env()
    exact = registry.EXACT_TIME_BUDGET if math.isfinite(registry.EXACT_TIME_BUDGET) else limits.max_seconds
    # a request may solve (exact + grace + numeric) and render; the worker timeout is a backstop well past it
    timeout = int(max(60, 4 * (exact + limits.grace_seconds + limits.numeric_seconds)))
    app = create_app()
    warm()
    _warm_accelerator()
    _jobs_dir(app)  # made in the master: every worker shares it
    settle()
    boxes: list = []

    def post_fork(server, worker):
        box = _start_sandbox(close_fds=[s.fileno() for s in worker.sockets])
        if box is not None:
            boxes.append(box)

    def worker_exit(server, worker):
        for box in boxes:
            box.close()

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": [bind], "workers": workers, "worker_class": "sync", "preload_app": True, "timeout": timeout,
        "graceful_timeout": 10, "limit_request_line": MAX_REQUEST_LINE, "limit_request_fields": 100,
        "limit_request_field_size": 64 * 1024, "forwarded_allow_ips": "", "proxy_allow_ips": "",
        "post_fork": post_fork, "worker_exit": worker_exit, "accesslog": None, "errorlog": "-",
        "loglevel": "info", "proc_name": "stepwise", "control_socket_disable": True,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)
            if "http_parser" in self.cfg.settings:
                self.cfg.set("http_parser", "python")  # the request-line cap above is the Python parser's

        def load(self):
            return app

    _banner(host, port, f"{workers} worker process{'es' if workers != 1 else ''}")
    try:
        Server().run()
    except KeyboardInterrupt:
        return 0
    except SystemExit as e:  # gunicorn exits through SystemExit (e.g. the address is in use)
        return int(e.code or 0)
    return 0
