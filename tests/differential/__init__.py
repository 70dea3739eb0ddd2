"""Independent references for the differential test harness (tests/test_differential.py).

One module per topic; each maps family names to a `core.Ref`: how to compute the family's answers from
the textbook definition or with numpy/scipy/scikit-learn/sympy (never with the family's own code),
which extra instances to draw, and the hand-picked edge instances.
"""
from __future__ import annotations

from . import grid, info, layers, linalg, neurons, optim

REFERENCES = {}
for _module in (optim, info, linalg, layers, neurons, grid):
    REFERENCES.update(_module.REFERENCES)
