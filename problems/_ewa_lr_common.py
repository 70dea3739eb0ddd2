"""Helpers shared by the `ewa` and `lr_schedule` families (long vector answers on the numeric path)."""
from __future__ import annotations

import numpy as np

from solver.numbers import Precision, Tolerance, tolerance_for
from solver.steps import Answer
from solver.symbolic import make_answer

#: Vectors longer than this are displayed abbreviated (every value stays in the answer's JSON value).
FULL_DISPLAY = 1000


def vector_answer(name: str, values: np.ndarray, precision: Precision, tolerance: Tolerance | None = None) -> Answer:
    """An Answer for a float64 vector; past FULL_DISPLAY entries the display shows the first 5 and last 3.

    make_answer formats every entry through Decimal (about 10 us each), which a million-entry answer
    cannot afford; the value (a plain list) is complete either way.
    """
    if values.size <= FULL_DISPLAY:
        return make_answer(name, tuple(values.tolist()), precision=precision, tolerance=tolerance)
    head = make_answer(name, tuple(values[:5].tolist()), precision=precision)
    tail = make_answer(name, tuple(values[-3:].tolist()), precision=precision)
    disp = head.display[:-1] + ", ..., " + tail.display[1:] + f" [{values.size} values]"
    lat = (head.latex[:-len(r"\right)")] + r", \ldots, " + tail.latex[len(r"\left("):]
           + r"\ [%d\text{ values}]" % values.size)
    return Answer(name, values.tolist(), disp, lat, tolerance or tolerance_for(precision))
