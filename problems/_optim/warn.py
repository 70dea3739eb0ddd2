"""A run that diverges: the loss (or, without a loss, the parameters) grows by orders of magnitude, overflows or
becomes NaN. The solution says so in its first step, with the likely cause, and records it for the page to show at
the top: `extras["warning"] = {"kind": "diverged", "message": ...}`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from solver import format as F
from solver.steps import Step
from solver.symbolic import Derivation

#: the loss (or the parameters' size) must grow by this factor to count as diverging
GROWTH = 1000.0


def _size(v) -> float:
    """|v| (or the Euclidean norm of a vector) as a float; inf beyond float64."""
    vals = v if isinstance(v, (tuple, list)) else (v,)
    try:
        return math.sqrt(sum(float(x) ** 2 for x in vals))
    except OverflowError:
        return math.inf


def _num(v) -> str:
    """A loss or size as the warning prints it: four significant figures, huge values in scientific notation
    (never a 15-digit exact integer)."""
    try:
        return F.text(float(v), 4)
    except OverflowError:
        return "more than 1e308"


def _orders(a: float, b: float) -> int:
    return int(math.floor(math.log10(b / a))) if a > 0 and math.isfinite(b) else 0


def growth(start_loss, end_loss, w0, w_end, kind: str) -> str:
    """What grew and by how much, in words ('' when nothing grew by GROWTH or more). The loss decides when it is
    known; otherwise the parameters' size does (never for given gradients, whose steps do not feed back)."""
    if start_loss is not None and end_loss is not None:
        a, b = abs(float(start_loss)), float(end_loss)
        if not math.isfinite(b) or b >= GROWTH * max(a, 1e-3):
            orders = _orders(max(a, 1e-3), b)
            return (f"the loss grows from {_num(start_loss)} at the start to {_num(end_loss)} after the last step"
                    + (f" (by {orders} orders of magnitude)" if orders >= 3 else ""))
        return ""
    if kind == "grads" or w0 is None or w_end is None:
        return ""
    a, b = _size(w0), _size(w_end)
    if not math.isfinite(b) or b >= GROWTH * max(a, 1.0):
        orders = _orders(max(a, 1.0), b)
        return (f"the parameters grow from size {_num(a)} at the start to {_num(b)} after the last step"
                + (f" (by {orders} orders of magnitude)" if orders >= 3 else ""))
    return ""


def _form(conv: Mapping[str, str]) -> str:
    return (" in this form (" + ", ".join(f"{k} = {v}" for k, v in conv.items()) + ")") if conv else ""


def warn_diverged(d: Derivation, p: Mapping[str, Any], conv: Mapping[str, str], method, *, what: str = "",
                  overflow: bool = False, start=None, rows: Sequence[Mapping] = (), w0=None, kind: str = "") -> bool:
    """Add the divergence warning (first step and extras) when the run diverged; True when it did. `what`: the
    growth already described; else it is read from the trace rows (their "loss" and "w")."""
    if not what and rows and not overflow:
        last = rows[-1]
        what = growth(start, last.get("loss"), w0, last.get("w"), kind)
    if not what and not overflow:
        return False
    lr = p.get("lr")
    cause = (f"a learning rate too large for {method.display}{_form(conv)} (here η = {F.text(lr)}); a smaller "
             "learning rate keeps the steps stable" if lr is not None else "steps too large for this loss")
    if overflow:
        what = (what + ", and then " if what else "") + "the values become too large to compute (they overflow)"
    message = f"This run diverges: {what}. The likely cause: {cause}."
    d.prepend(Step("note", "Warning: the run diverges", text=message))
    d.extras["warning"] = {"kind": "diverged", "message": message}
    return True
