"""Security: a per-session CSRF token on form posts, JSON-only API posts, and response headers.

- Form posts (the only state-changing HTML requests) carry `csrf_token`, compared in constant time
  with the token kept in the signed session cookie (SameSite=Lax, HttpOnly).
- API posts must be `Content-Type: application/json`: a cross-site page cannot send that without a
  CORS preflight, which this app never grants.
- The query string is capped (MAX_QUERY_BYTES, 414 above it), as the body is (MAX_CONTENT_LENGTH, 413)
  and each typed value (MAX_FIELD_CHARS, a 400 naming the field).
- Every response gets a Content-Security-Policy with no inline script (script-src 'self'), and
  nosniff, frame and referrer headers.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, current_app, request, session
from werkzeug.exceptions import BadRequest, RequestURITooLarge, UnsupportedMediaType

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # plots are embedded as data: URLs of SVG images
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CSRFError(BadRequest):
    description = ("This form has expired or did not come from this site (its security token is missing or does "
                   "not match). Go back, reload the page and submit it again; cookies must be enabled.")


def csrf_token() -> str:
    """The session's token (made on first use); templates put it in a hidden field of every post form."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _protect() -> None:
    limit = current_app.config.get("MAX_QUERY_BYTES")
    if limit and len(request.query_string) > limit:  # before anything parses request.args
        raise RequestURITooLarge()
    if request.method in _SAFE_METHODS or request.routing_exception is not None:
        return  # a 404 or 405 is reported as such
    if request.endpoint == "ui.upload":  # a data file (web.uploads) may be larger than a form
        from .uploads import MAX_BYTES

        request.max_content_length = MAX_BYTES + 64 * 1024
    if is_api():
        if not request.is_json:
            raise UnsupportedMediaType("API requests must send a JSON body with Content-Type: application/json.")
        return
    sent = request.form.get("csrf_token", "")
    good = session.get("csrf", "")
    if not (sent and good and hmac.compare_digest(str(sent), str(good))):
        raise CSRFError()


def _headers(response):
    for k, v in HEADERS.items():
        response.headers.setdefault(k, v)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-cache")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_protect)
    app.after_request(_headers)
