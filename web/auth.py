"""Instructors' accounts in the web: log in, log out, change a password; who is asking; the session's key.

    GET  /login            the log-in form (?next= where to go afterwards: a path on this site only)
    POST /login            check the name and password (rate-limited), start a session
    POST /logout           end the session
    GET  /account          the account: name, role, change the password
    POST /account          change the password (the current one is asked again)

Accounts are made on the command line (`stepwise user add NAME [--admin]`); there is no sign-up page.
They live in the exam store (solver.exam.store), with their argon2id password hashes
(solver.exam.accounts). Students never log in: they solve problems and use practice links anonymously;
everything under /exams needs an account (web.exams).

Sessions: Flask's signed cookie (HttpOnly, SameSite=Lax) holds the account id and the CSRF token, for
SESSION_HOURS at most. A log-in starts a new session (no fixation); log-out clears it. The signing key is
STEPWISE_SECRET_KEY when set, else a random key made once and kept in the database, so every server
process and every server sharing the database agree; until a database exists (nobody can log in yet),
a per-process key signs the CSRF token alone.

Rate limit: failed log-ins are recorded in the database (so every process counts them together) per
account name and per client address; past LOGIN_MAX_PER_ACCOUNT or LOGIN_MAX_PER_ADDRESS failures in
LOGIN_WINDOW seconds, further attempts are refused (HTTP 429, saying when to retry) before any password
is checked. The client address is the connection's, or with TRUSTED_PROXIES = N (behind N reverse
proxies that set X-Forwarded-For) the address the nearest untrusted hop gave.
"""
from __future__ import annotations

import logging
import math
import os
import secrets
import time
from datetime import timedelta
from functools import wraps

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import Forbidden

from solver.exam.store import StoreError, User
from solver.params import InvalidInput

from .examstore import get_store, unavailable

log = logging.getLogger("web.auth")

bp = Blueprint("auth", __name__)

DEFAULTS = {
    "LOGIN_WINDOW": 15 * 60,        # seconds over which failed log-ins are counted
    "LOGIN_MAX_PER_ACCOUNT": 5,     # failures per account name in the window
    "LOGIN_MAX_PER_ADDRESS": 20,    # failures per client address in the window
    "TRUSTED_PROXIES": 0,           # reverse proxies in front that set X-Forwarded-For ($STEPWISE_TRUSTED_PROXIES)
    "SESSION_HOURS": 12,
}


# ---- the session's signing key ---------------------------------------------------------------------------

class _StoreKeySessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, signed with SECRET_KEY when configured, else the database's key."""

    def get_signing_serializer(self, app: Flask):
        key = app.secret_key or _stored_key(app)
        return URLSafeTimedSerializer(key, salt=self.salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})


def _stored_key(app: Flask) -> str:
    key = app.extensions.get("stepwise_session_key")
    if key:
        return key
    try:
        store = get_store(create=False)
    except StoreError as e:
        log.error("exam store unavailable, sessions signed with a per-process key: %s", e)
        store = None
    if store is None:  # no database yet: nobody can log in; the per-process key signs CSRF tokens only
        return app.extensions.setdefault("stepwise_ephemeral_key", secrets.token_hex(32))
    key = store.secret_key()
    app.extensions["stepwise_session_key"] = key
    return key


# ---- who is asking ---------------------------------------------------------------------------------------

def current_user() -> User | None:
    """The logged-in account of this request, or None (looked up once per request)."""
    if "stepwise_user" in g:
        return g.stepwise_user
    user = None
    uid = session.get("uid")
    if uid is not None:
        try:
            store = get_store(create=False)
            user = store.user(uid) if store is not None else None
        except StoreError:
            user = None
        if user is None:
            session.pop("uid", None)
    g.stepwise_user = user
    return user


def login_url() -> str:
    target = request.full_path if request.method == "GET" else (request.referrer or request.path)
    return url_for("auth.login", next=_safe_next(target))


def login_required(view):
    """Anonymous visitors are sent to the log-in page (and back here afterwards)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(login_url())
        return view(*args, **kwargs)

    return wrapped


def forbidden(message: str) -> Forbidden:
    err = Forbidden()
    err.stepwise_message = message
    return err


def _safe_next(target: str | None) -> str | None:
    """A place to go after logging in: a path on this site, never another site (//host, /\\host, a scheme)."""
    if not target:
        return None
    if "://" in target:
        from urllib.parse import urlsplit

        u = urlsplit(target)
        if u.netloc != request.host:
            return None
        target = u.path + ("?" + u.query if u.query else "")
    target = target.rstrip("?")
    if not target.startswith("/") or target.startswith(("//", "/\\")) or any(c in target for c in "\r\n\\"):
        return None
    return target[:2000]


def client_address() -> str:
    """The client's address: the connection's, or behind TRUSTED_PROXIES proxies the one the outermost
    trusted proxy saw (X-Forwarded-For read from the right, as many hops as are trusted)."""
    n = int(current_app.config.get("TRUSTED_PROXIES") or 0)
    if n > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        if len(hops) >= n:
            return hops[-n][:100]
    return (request.remote_addr or "unknown")[:100]


# ---- pages -----------------------------------------------------------------------------------------------

def _limited(store, keys: list[tuple[str, int]], window: float) -> float | None:
    """Seconds until a log-in may be tried again when any key is over its limit, else None."""
    wait = None
    for key, limit in keys:
        n, oldest = store.login_failures(key, window)
        if n >= limit:
            w = max(1.0, oldest + window - time.time())
            wait = w if wait is None else max(wait, w)
    return wait


@bp.get("/login")
def login():
    if current_user() is not None and not request.args.get("next"):
        return redirect(url_for("exams.index"))
    return render_template("login.html", name="", error="", next=_safe_next(request.args.get("next"))), 200


@bp.post("/login")
def login_post():
    cfg = current_app.config
    name = request.form.get("name", "")[:200]
    password = request.form.get("password", "")
    nxt = _safe_next(request.form.get("next"))
    store = get_store(create=False)
    if store is None:
        return render_template("login.html", name=name, next=nxt,
                               error="No accounts exist on this server yet. An administrator makes them with "
                                     "`stepwise user add NAME`."), 400
    account_key = "user:" + " ".join(name.split()).lower()[:100]
    address_key = "addr:" + client_address()
    window = float(cfg["LOGIN_WINDOW"])
    wait = _limited(store, [(account_key, cfg["LOGIN_MAX_PER_ACCOUNT"]), (address_key, cfg["LOGIN_MAX_PER_ADDRESS"])],
                    window)
    if wait is not None:
        minutes = math.ceil(wait / 60)
        log.warning("log-in refused by the rate limit for %s from %s", account_key, address_key)
        response = render_template("login.html", name=name, next=nxt,
                                   error=f"Too many failed log-ins for this account or from this address. Try again in "
                                         f"{minutes} minute{'s' if minutes != 1 else ''}."), 429
        return response[0], 429, {"Retry-After": str(math.ceil(wait))}
    user = store.authenticate(name, password)
    if user is None:
        store.record_login_failure([account_key, address_key], window)
        return render_template("login.html", name=name, next=nxt,
                               error="That account name and password do not match."), 400
    store.clear_login_failures(account_key)
    session.clear()  # a new session: nothing from before the log-in is trusted after it
    session.permanent = True
    session["uid"] = user.id
    session["csrf"] = secrets.token_urlsafe(32)
    g.stepwise_user = user
    log.info("log-in: %s from %s", user.name, address_key)
    return redirect(nxt or url_for("exams.index"))


@bp.post("/logout")
def logout():
    session.clear()
    g.stepwise_user = None
    return redirect(url_for("ui.home"))


@bp.get("/account")
@login_required
def account():
    return render_template("account.html", user=current_user(), errors={}, done=False)


@bp.post("/account")
@login_required
def account_post():
    user = current_user()
    store = get_store()
    errors = {}
    new, again = request.form.get("new_password", ""), request.form.get("new_password_again", "")
    if store.authenticate(user.name, request.form.get("password", "")) is None:
        errors["password"] = "That is not your current password."
    elif new != again:
        errors["new_password_again"] = "The two new passwords differ."
    else:
        try:
            store.set_password(user.name, new)
        except InvalidInput as e:
            errors["new_password"] = e.message
    if errors:
        return render_template("account.html", user=user, errors=errors, done=False), 400
    return render_template("account.html", user=user, errors={}, done=True)


@bp.errorhandler(StoreError)
def _store_error(e):
    return unavailable(e)


def init_app(app: Flask) -> None:
    proxies = os.environ.get("STEPWISE_TRUSTED_PROXIES", "").strip() or "0"
    if not proxies.isdigit() or int(proxies) > 10:
        raise ValueError(f"STEPWISE_TRUSTED_PROXIES must be a whole number of proxies (0-10), not {proxies[:20]!r}")
    app.config.setdefault("TRUSTED_PROXIES", int(proxies))  # the app's own config, when given, wins
    for k, v in DEFAULTS.items():
        app.config.setdefault(k, v)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_HOURS"])
    app.session_interface = _StoreKeySessions()
    app.jinja_env.globals["current_user"] = current_user
    app.register_blueprint(bp)
