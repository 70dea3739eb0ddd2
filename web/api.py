"""The JSON API (same blueprint as the pages). Errors: {"error": {"field", "message"}} with HTTP 400.

    GET  /api/families              every family: name, title, topic, summary
    GET  /api/families/<name>       its parameter specs, conventions and worked example
    POST /api/solve                 {"family", "params", "conventions", "path"?} -> the Solution JSON (schema 1)
    POST /api/check                 the same plus {"answers": {name: value}} -> a verdict per answer
    POST /api/read                  {"text", "family"?} -> {"reading": ...}: the question read as written
    POST /api/ask                   {"text", "family"?, "params"?, "conventions"?} -> {"reading", "solutions", ...}
    GET  /api/openapi.json          an OpenAPI 3.1 description of the above
"""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for

from solver import registry
from solver.params import InvalidInput
from solver.reading import ask as ask_question
from solver.reading import read as read_question

from .cache import get_cache
from .check import Verdict, describe_tolerance
from .errors import TITLES, error_response
from .openapi import openapi_document
from .blueprint import bp
from .common import get_family, make_checker


def _body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # JSON nested deeper than Python's decoder goes ("[[[[...": issue 9's fuzzing)
        raise InvalidInput("body", "The request body is nested too deeply to be a problem.") from None
    if not isinstance(data, dict):
        raise InvalidInput("body", "The request body must be a JSON object such as "
                                   '{"family": "...", "params": {...}, "conventions": {...}}.')
    return data


def _mapping(data: dict, key: str) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(key, f"'{key}' must be a JSON object of name: value pairs. Got {type(value).__name__} instead.")
    return value


def _limit(name: str, value: Any) -> None:
    if isinstance(value, str) and len(value) > current_app.config["MAX_FIELD_CHARS"]:
        raise InvalidInput(name, f"'{name}' is too long ({len(value)} characters; at most "
                                 f"{current_app.config['MAX_FIELD_CHARS']} through the web API).")


def _problem(data: dict):
    name = data.get("family")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("family", "'family' must name a problem family (GET /api/families lists them).")
    fam = registry.get(name)
    params = _mapping(data, "params")
    conventions = {}
    for k, v in _mapping(data, "conventions").items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)) and v is not None:
            raise InvalidInput(k, f"The '{k}' convention must be given as text (one of its options). Got {v!r} instead.")
        conventions[k] = "" if v is None else str(v)
    for k, v in params.items():
        _limit(k, v)
    path = data.get("path", "auto")
    if path not in ("auto", "exact", "numeric"):
        raise InvalidInput("path", f"'path' must be 'auto', 'exact' or 'numeric'. Got {str(path)[:40]!r} instead.")
    return fam, params, conventions, path


@bp.errorhandler(InvalidInput)
def _invalid(e: InvalidInput):
    # the API lets InvalidInput escape to here; the pages catch it and re-render their form
    status = 404 if isinstance(e, registry.UnknownFamily) and request.method == "GET" else 400
    return error_response(status, TITLES[status], e.message, e.field)


@bp.get("/api/families")
def api_families():
    out = []
    for name in registry.names():
        try:
            f = registry.get(name)
        except Exception:
            current_app.logger.exception("family %s failed to load", name)
            continue
        out.append({"name": f.name, "title": f.title, "topic": f.topic, "summary": f.summary,
                    "url": url_for(".api_family", name=f.name)})
    return jsonify(families=out, topics=registry.TOPICS)


@bp.get("/api/families/<name>")
def api_family(name: str):
    fam = get_family(name)
    return jsonify(fam.schema())


@bp.post("/api/solve")
def api_solve():
    fam, params, conventions, path = _problem(_body())
    return jsonify(get_cache(current_app).solve(fam, params, conventions, path).to_json())


@bp.post("/api/check")
def api_check():
    data = _body()
    fam, params, conventions, path = _problem(data)
    answers = _mapping(data, "answers")
    sol = get_cache(current_app).solve(fam, params, conventions, path)
    for k, v in answers.items():
        if k not in sol.answers:
            if "@" in k:   # a trace entry by address (loss@t=3, w@epoch=1; solver.address)
                try:
                    sol.answer(k)
                except KeyError as e:
                    raise InvalidInput(f"answers.{k}", str(e)) from None
            else:
                known = ", ".join(sol.answers) or "none"
                raise InvalidInput(f"answers.{k}", f"This solution has no answer '{k}' (its answers: {known}).")
        _limit(f"answers.{k}", v)
    checker = make_checker(fam, params, conventions, sol)
    unreadable = {k: Verdict(k, "malformed", "Give the value as text, a number, a list or true/false.", repr(v),
                             sol.answer(k).display, describe_tolerance(sol.answer(k)))
                  for k, v in answers.items() if v is None or isinstance(v, dict)}
    checked = checker.check_all({k: v for k, v in answers.items() if k not in unreadable})
    verdicts = {k: (unreadable.get(k) or checked[k]).to_json() for k in answers}
    return jsonify(family=fam.name, conventions=sol.convention_choices, verdicts=verdicts,
                   all_correct=bool(verdicts) and all(v["verdict"] == "correct" for v in verdicts.values()))


def _question(data: dict) -> tuple[str, str | None]:
    text = data.get("text")
    if not isinstance(text, str):
        raise InvalidInput("text", "'text' must be the question as a string, e.g. {\"text\": \"Apply Adam with "
                                   "learning rate 0.1 to f(x) = x^2 from x = 1 for two steps\"}.")
    _limit("text", text)
    family = data.get("family")
    if family is not None and (not isinstance(family, str) or not family.strip()):
        raise InvalidInput("family", "'family' must name a problem family (GET /api/families lists them), or be left out.")
    return text, family


@bp.post("/api/read")
def api_read():
    text, family = _question(_body())
    return jsonify(reading=read_question(text, family).to_json())


@bp.post("/api/ask")
def api_ask():
    data = _body()
    text, family = _question(data)
    params = {}
    for k, v in _mapping(data, "params").items():
        if isinstance(v, (dict, list)) or v is None:
            raise InvalidInput(k, f"The '{k}' parameter must be given as text, as typed in the form. Got {type(v).__name__}.")
        _limit(k, str(v))
        params[k] = str(v)
    conventions = {}
    for k, v in _mapping(data, "conventions").items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise InvalidInput(k, f"The '{k}' convention must be given as text (one of its options). Got {v!r} instead.")
        conventions[k] = str(v)
    return jsonify(ask_question(text, family, params, conventions).to_json())


@bp.get("/api/openapi.json")
def api_openapi():
    return jsonify(openapi_document())
