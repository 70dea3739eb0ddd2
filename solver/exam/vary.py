"""Ranges an instructor gives for a randomised question (`[problems.vary]` in an exam file).

    [problems.vary]
    lr = { min = 0.01, max = 0.1 }                  # a number on the grid min, min + step, ..., max
    steps = [2, 3]                                  # one of these values
    X = { rows = 3, cols = 2, min = -5, max = 5 }   # a 3 x 2 matrix of integers in [-5, 5]
    w0 = { size = 2, min = -1, max = 1, step = 0.5 }  # a vector with entries on a grid

`step` defaults to 1 when min and max are whole numbers, else to the unit of the last decimal place
written in them (0.01 for 0.01 .. 0.1). Values are exact decimals (no 0.07000000000000001) and reach the
family as text, as typed on the command line. Each variant draws its values from its question seed
(solver.exam.build.question_seed) through NumPy's SeedSequence, so the same exam and seed give the same
values; the drawn values are recorded with the question (`fix`, and the command that reproduces it).
A draw the family refuses (InvalidInput) or cannot solve is redrawn with the next attempt's seed, as a
generated instance is (well-posed instances only).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from ..params import InvalidInput

#: At most this many entries in one varied vector or matrix, and grid points in one range.
MAX_ENTRIES = 400
MAX_GRID = 10**9


def _exact(v: int | float) -> Decimal:
    return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)


def _dec(v: Any, field: str, where: str) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InvalidInput(field, f"{where}must be a number. Got {v!r} instead.")
    d = _exact(v)
    if not d.is_finite():
        raise InvalidInput(field, f"{where}must be a finite number. Got {v!r} instead.")
    return d


def _step_of(lo: Decimal, hi: Decimal) -> Decimal:
    places = max(-lo.normalize().as_tuple().exponent, -hi.normalize().as_tuple().exponent, 0)
    return Decimal(1).scaleb(-places)


def check(rule: Any, field: str, where: str) -> None:
    """Refuse a malformed rule with an InvalidInput naming its field."""
    if isinstance(rule, list):
        if not rule or len(rule) > 1000:
            raise InvalidInput(field, f"{where}a list of choices must hold 1 to 1000 values.")
        return
    if not isinstance(rule, Mapping):
        raise InvalidInput(field, f"{where}a varied value is a list of choices or a range "
                                  "{ min = ..., max = ... } (with rows/cols or size for a matrix or vector).")
    known = {"min", "max", "step", "rows", "cols", "size"}
    for k in rule:
        if k not in known:
            raise InvalidInput(f"{field}.{k}", f"{where}unknown key '{k}' (the keys are: {', '.join(sorted(known))}).")
    for k in ("min", "max"):
        if k not in rule:
            raise InvalidInput(f"{field}.{k}", f"{where}a range needs '{k}'.")
    lo, hi = _dec(rule["min"], f"{field}.min", where), _dec(rule["max"], f"{field}.max", where)
    if lo > hi:
        raise InvalidInput(field, f"{where}'min' ({rule['min']}) is larger than 'max' ({rule['max']}).")
    step = _dec(rule["step"], f"{field}.step", where) if "step" in rule else _step_of(lo, hi)
    if step <= 0:
        raise InvalidInput(f"{field}.step", f"{where}'step' must be positive.")
    if (hi - lo) / step > MAX_GRID:
        raise InvalidInput(f"{field}.step", f"{where}the range has more than {MAX_GRID} steps; use a larger 'step'.")
    dims = []
    for k in ("rows", "cols", "size"):
        if k in rule:
            n = rule[k]
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_ENTRIES:
                raise InvalidInput(f"{field}.{k}", f"{where}'{k}' must be a whole number in [1, {MAX_ENTRIES}].")
            dims.append(n)
    if "size" in rule and ("rows" in rule or "cols" in rule):
        raise InvalidInput(field, f"{where}give 'size' for a vector or 'rows' and 'cols' for a matrix, not both.")
    if ("rows" in rule) != ("cols" in rule):
        raise InvalidInput(field, f"{where}a matrix needs both 'rows' and 'cols'.")
    total = 1
    for n in dims:
        total *= n
    if total > MAX_ENTRIES:
        raise InvalidInput(field, f"{where}at most {MAX_ENTRIES} entries.")


def _text(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def draw(rules: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Values for one instance: choices as written, ranges as text the family parses."""
    import numpy as np

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x76617279,)))  # "vary"
    out: dict[str, Any] = {}
    for name in sorted(rules):  # a fixed order: the draws do not depend on how the file lists them
        rule = rules[name]
        if isinstance(rule, list):
            out[name] = rule[int(rng.integers(len(rule)))]
            continue
        lo, hi = _exact(rule["min"]), _exact(rule["max"])
        step = _exact(rule["step"]) if "step" in rule else _step_of(lo, hi)
        points = int((hi - lo) // step) + 1

        def one() -> str:
            return _text(lo + step * int(rng.integers(points)))

        if "rows" in rule:
            out[name] = "[" + ", ".join("[" + ", ".join(one() for _ in range(rule["cols"])) + "]"
                                        for _ in range(rule["rows"])) + "]"
        elif "size" in rule:
            out[name] = "(" + ", ".join(one() for _ in range(rule["size"])) + ")"
        else:
            out[name] = one()
    return out
