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
    413: "The input is larger than this server accepts. Hand-sized problems are a few hundred characters; "
         "for large data use the Python API or the command line.",
    414: "The address is longer than this server accepts; for large data use the Python API or the command line.",
    431: "The address is longer than this server accepts; for large data use the Python API or the command line.",
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
    return render_template("error.html", code=code, title=title, message=message, reference=reference), code


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
