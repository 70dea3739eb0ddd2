"""Error pages: friendly HTML (or JSON under /api/), never a traceback; unexpected errors are logged."""
from __future__ import annotations

import logging
import secrets

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .security import is_api

log = logging.getLogger("web")

TITLES = {
    400: "That request could not be used",
    404: "Not found",
    405: "Method not allowed",
    413: "Too much input",
    414: "Too much input",
    415: "Unsupported media type",
    431: "Too much input",
    500: "Something went wrong",
}

MESSAGES = {
    404: "There is nothing at this address. The problem list on the home page has every problem Stepwise solves.",
    405: "This address does not accept that kind of request.",
    413: "The input is larger than this server accepts from a web form (1 MB). Nothing was lost: go back and your "
         "browser still has what you typed. Hand-sized problems are a few hundred characters; for large data use the "
         "JSON API (POST /api/solve) or the command line (stepwise solve FAMILY -p name=value).",
    414: "The problem is longer than this server accepts in a web address (512 KB). Nothing was lost: go back and your "
         "browser still has what you typed. For large data use the JSON API (POST /api/solve, up to 1 MB) or the "
         "command line (stepwise solve FAMILY -p name=value).",
    431: "The request's headers are larger than this server accepts. Go back and try again; for large data use the "
         "JSON API (POST /api/solve) or the command line.",
}


def _message(e: HTTPException) -> str:
    custom = getattr(e, "stepwise_message", None)
    if custom:
        return custom
    if e.code in MESSAGES and (e.description is None or e.description == type(e).description):
        return MESSAGES[e.code]
    return e.description or MESSAGES.get(e.code, "")


def _field(e: HTTPException):
    return getattr(e, "stepwise_field", None) or ("body" if e.code in (413, 415) else "query" if e.code == 414 else None)


def error_response(code: int, title: str, message: str, field=None, reference: str | None = None):
    if is_api():
        err = {"field": field, "message": message}
        if reference:
            err["reference"] = reference
        return jsonify(error=err), code
    return render_template("error.html", code=code, title=title, message=message, reference=reference,
                           back=_back_link()), code


def _back_link() -> tuple[str, str] | None:
    """(URL, words) of the page to go back to: the problem's form for a problem's address, else the page that
    linked here (this site's own, short enough to follow); None: the home page link is enough."""
    import re

    m = re.match(r"^/f/([A-Za-z0-9_]{1,60})(/|$)", request.path)
    if m and request.path != f"/f/{m.group(1)}":
        return f"/f/{m.group(1)}", "Back to the problem's form"
    ref = request.referrer or ""
    if ref.startswith(request.host_url) and len(ref) < 2000 and ref != request.url:
        return ref, "Back to the previous page"
    return None


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code is None or e.code >= 500:
            return unexpected(e)
        response = make_response(error_response(e.code, TITLES.get(e.code, e.name), _message(e), _field(e)))
        for key, value in e.get_headers():  # e.g. a 405's Allow (RFC 9110), a 413's Connection: close
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        original = getattr(e, "original_exception", None) or e
        reference = secrets.token_hex(4)
        log.error("unexpected error %s on %s %s", reference, request.method, request.full_path,
                  exc_info=(type(original), original, original.__traceback__))
        return error_response(
            500, TITLES[500],
            "Stepwise hit an internal error while answering this request. This is a bug in Stepwise, not in your "
            "input. Try another problem or convention; if you report it, quote the reference below.",
            reference=reference)

    # Flask wraps unhandled errors in InternalServerError; route those through the same page
    app.register_error_handler(InternalServerError, unexpected)
