"""Answers by address: every entry of a trace table is an answer, named `column@key=value,...`.

A family's trace table that names its columns and says which identify a row (solver.steps.Table, made by
`Derivation.table(..., keys=..., index=...)`) turns every other column's entries into answers:

    loss@t=3            the loss in the row with t = 3
    w@epoch=1,point=2   the weights in the row of epoch 1, point 2
    w@epoch=1           the weights in the LAST row of epoch 1: the weights after epoch 1
    loss                a plain answer name, as before

Spaces are allowed (`w @ epoch = 1`); a condition may name any column, not only the index ones. When
several rows match, the last one is meant (the value after that epoch). Answer names are looked up first,
so an address never shadows an answer. The checker, the API and exam files take these addresses wherever
they take answer names; `Solution.addresses()` lists every full address.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any, Iterator

from .numbers import Precision, Tolerance, tolerance_for
from .steps import Answer, Solution, Table

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ADDRESS = re.compile(rf"^\s*({_NAME})\s*@\s*(.+?)\s*$")
_COND = re.compile(rf"^\s*({_NAME})\s*=\s*([^,=\s][^,=]*?)\s*$")

#: what an address looks like, for messages
SYNTAX = "name@key=value (for example loss@t=3 or w@epoch=1,point=2)"


class AddressError(KeyError):
    """An address that names nothing in this solution; str() is a whole sentence."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def parse(address: str) -> tuple[str, dict[str, str]]:
    """('loss', {'t': '3'}) for 'loss@t=3'; ('loss', {}) for 'loss'. Raises AddressError when malformed."""
    text = str(address).strip()
    if re.fullmatch(_NAME, text):
        return text, {}
    m = _ADDRESS.match(text)
    if not m:
        raise AddressError(f"'{_clip(text)}' is not an answer name or an address such as {SYNTAX}.")
    conds: dict[str, str] = {}
    for part in m.group(2).split(","):
        c = _COND.match(part)
        if not c:
            raise AddressError(f"'{_clip(text)}' is not an address such as {SYNTAX}: '{_clip(part.strip())}' "
                               "is not a condition key=value.")
        if c.group(1) in conds:
            raise AddressError(f"'{_clip(text)}' names the column '{c.group(1)}' twice.")
        conds[c.group(1)] = c.group(2)
    return m.group(1), conds


def _clip(s: str, n: int = 60) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _tables(sol: Solution) -> Iterator[Table]:
    for step in sol.walk():
        if step.table is not None and step.table.addressable:
            yield step.table


def _number(v: Any) -> Fraction | None:
    if isinstance(v, bool):
        return Fraction(int(v))
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, float):
        return Fraction(v) if math.isfinite(v) else None
    if isinstance(v, str):
        try:
            return Fraction(v.strip().replace("−", "-"))
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _matches(cell: Any, want: str) -> bool:
    a, b = _number(cell), _number(want)
    if a is not None and b is not None:
        return a == b
    return str(cell).strip().lower() == want.strip().lower()


def resolve(sol: Solution, address: str) -> Answer:
    """The answer at `address` (see the module docstring). Raises AddressError naming what can be asked."""
    answers = sol.answers
    key = str(address).strip()
    if key in answers:
        return answers[key]
    name, conds = parse(key)
    if not conds:
        raise AddressError(f"This solution has no answer '{name}'. It has {_listing(sol)}.")
    found_column = False
    for table in _tables(sol):
        if name not in table.keys or name in table.index:
            continue
        found_column = True
        if any(k not in table.keys for k in conds):
            continue
        col = {k: i for i, k in enumerate(table.keys)}
        rows = [i for i, vals in enumerate(table.values) if all(_matches(vals[col[k]], v) for k, v in conds.items())]
        if rows:
            i = rows[-1]
            return _answer(sol, key, table.values[i][col[name]], table.rows[i][col[name]])
    if found_column:
        raise AddressError(f"No row of the trace matches '{_clip(key)}'. Rows are identified by "
                           f"{_index_words(sol, name)}.")
    raise AddressError(f"This solution has no answer or trace column '{name}'. It has {_listing(sol)}.")


def _index_words(sol: Solution, name: str) -> str:
    for table in _tables(sol):
        if name in table.keys:
            first = dict(zip(table.keys, table.values[0])) if table.values else {}
            example = ",".join(f"{k}={first.get(k)}" for k in table.index)
            return " and ".join(table.index) + (f" (for example {name}@{example})" if example else "")
    return "its index columns"


def _listing(sol: Solution) -> str:
    names = list(sol.answers)
    cols = sorted({f"{k}@{','.join(t.index)}=..." for t in _tables(sol) for k in t.keys if k not in t.index})
    parts = []
    if names:
        parts.append("the answers " + ", ".join(names[:12]) + (" ..." if len(names) > 12 else ""))
    if cols:
        parts.append("the trace entries " + ", ".join(cols[:8]) + (" ..." if len(cols) > 8 else ""))
    return " and ".join(parts) or "no answers"


def _answer(sol: Solution, address: str, value: Any, shown: str) -> Answer:
    from . import format as F

    precision = Precision(**sol.precision) if sol.precision else None
    tol: Tolerance | None = None
    if _is_numeric(value):
        tol = tolerance_for(precision or Precision(dp=4), _magnitude(value))
    try:
        lat = F.latex(value) if not isinstance(value, str) else r"\text{%s}" % value
    except (TypeError, ValueError):
        lat = r"\text{%s}" % shown
    return Answer(address, value, shown, lat, tol)


def _is_numeric(v: Any) -> bool:
    if isinstance(v, list):
        return bool(v) and all(_is_numeric(x) for x in v)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _magnitude(v: Any) -> float:
    if isinstance(v, list):
        return max((_magnitude(x) for x in v), default=0.0)
    return abs(float(v))


def addresses(sol: Solution) -> list[str]:
    """Every answer name, then every full address of every addressable trace, in step order."""
    out = list(sol.answers)
    seen = set(out)
    for table in _tables(sol):
        idx = [table.keys.index(k) for k in table.index]
        for vals in table.values:
            where = ",".join(f"{table.keys[i]}={_key_text(vals[i])}" for i in idx)
            for j, k in enumerate(table.keys):
                if k in table.index:
                    continue
                a = f"{k}@{where}"
                if a not in seen:
                    seen.add(a)
                    out.append(a)
    return out


def _key_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


__all__ = ["parse", "resolve", "addresses", "AddressError", "SYNTAX"]
