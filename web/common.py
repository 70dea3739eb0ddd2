"""Helpers that the pages (web.views) and the JSON API (web.api) share: the family lookup and the answer checker."""
from __future__ import annotations

from typing import Any

from flask import current_app

from solver import registry
from solver.steps import Solution

from .cache import get_cache
from .check import Checker

_families: dict[str, Any] = {}


def get_family(name: str):
    """The family, or a 404 page that says which families exist. Found families are remembered (a
    registry lookup lists the problems package each time; families are code, fixed while serving)."""
    fam = _families.get(name)
    if fam is not None:
        return fam
    try:
        fam = registry.get(name)
    except registry.UnknownFamily as e:
        raise _not_found(e.message) from None
    if len(_families) < 1000:
        _families[name] = fam
    return fam


def _not_found(message: str):
    from werkzeug.exceptions import NotFound

    err = NotFound()
    err.stepwise_message = message
    err.stepwise_field = "family"
    return err


def make_checker(fam, params, conventions, sol: Solution, precision=None) -> Checker:
    """The checker for one solved problem; its alternative solves (other conventions, slips) use the same
    precision, so what they show reads like the answer."""
    cfg, cache = current_app.config, get_cache(current_app)
    return Checker(fam, params, conventions, sol, max_alternatives=cfg["CHECK_MAX_ALTERNATIVES"],
                   time_budget=cfg["CHECK_TIME_BUDGET"],
                   solve=lambda p, c: cache.solve(fam, p, c, precision=precision))
