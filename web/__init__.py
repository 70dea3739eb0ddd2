"""The Stepwise web UI: a Flask application factory, one blueprint, Jinja templates, no maths.

Everything shown comes from the registry (`solver.registry`: families, their parameter specs,
conventions, worked examples and generators) and from the Solution each family returns; nothing in
this package names a family. Maths is rendered on the server as MathML (web.mathml), so pages work
with no network access and no script; the only script (web/static/app.js) filters the home page and
copies LaTeX.

    create_app(config=None) -> Flask     the application (tests use it with the test client)
    serve(host, port)                    `stepwise serve`: the app under waitress, a production WSGI server
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
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application. `config` overrides DEFAULTS and Flask's own settings (e.g. {"TESTING": True})."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.from_mapping(DEFAULTS)
    # the session carries the CSRF token and the logged-in account; unset, web.auth signs it with a key kept
    # in the exam database, so that every process serving the site agrees
    app.config["SECRET_KEY"] = os.environ.get("STEPWISE_SECRET_KEY") or None
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


def serve(host: str = "127.0.0.1", port: int = 8000, *, threads: int = 4) -> int:
    """Serve the app with waitress until interrupted; returns the exit status for `stepwise serve`."""
    import waitress

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    warm()
    shown = f"[{host}]" if ":" in host else host
    print(f"Stepwise is serving on http://{shown}:{port}/  (press Ctrl+C to stop)", flush=True)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="stepwise",
                       max_request_header_size=1024 * 1024, clear_untrusted_proxy_headers=True)
    except KeyboardInterrupt:
        return 0
    except OSError as e:  # port in use, address not available, permission denied
        print(f"stepwise: cannot serve on {host}:{port} ({e.strerror or e}).", file=sys.stderr)
        return 1
    return 0
