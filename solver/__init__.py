"""Stepwise: worked, step-by-step solutions to the mathematics of deep learning.

Python API (the same names as the command line):

    >>> import solver
    >>> sol = solver.solve("perceptron", X="(-1,2), (0,-1), (2,1)", y="0 1 0", bias=False)
    >>> sol.answers["w"].value
    [-1, -3]

`solve(family, conventions=None, path="auto", **params)` validates the parameters (text as a user
would type it, or Python/NumPy values), applies the family's conventions (defaults overridden by
`conventions`), and returns a `Solution` (solver.steps). Invalid input raises `InvalidInput`, whose
`field` names the parameter. Heavy modules (SymPy, NumPy) load on first use, not on import.
"""
from __future__ import annotations

from typing import Any, Mapping

__version__ = "0.1.0"


def solve(family: str, conventions: Mapping[str, str] | None = None, path: str = "auto", precision=None,
          **params: Any):
    """Solve one problem of `family`; returns a Solution. `precision`: a solver.numbers.Precision
    (decimal places or significant figures) for every number shown and every answer's tolerance."""
    from .registry import get

    return get(family).solve(params, conventions, path=path, precision=precision)


def read(text: str, family: str | None = None):
    """Read an exam question as written: the family, each field's value and the words it came from,
    what was not read, what is missing and what is asked (solver.reading). Deterministic, offline."""
    from .reading import read as _read

    return _read(text, family)


def ask(text: str, family: str | None = None, params: Mapping[str, Any] | None = None,
        conventions: Mapping[str, str] | None = None):
    """Read a question and solve every part it asks: an Answered with the reading and the solutions
    (none when fields are missing: the reading names them). `params`/`conventions` correct the reading."""
    from .reading import ask as _ask

    return _ask(text, family, params, conventions)


def family(name: str):
    """The registry entry of one family (its specs, conventions, example, generator)."""
    from .registry import get

    return get(name)


def families():
    from .registry import families as _f

    return _f()


def __getattr__(name: str):
    if name == "InvalidInput":
        from .params import InvalidInput

        return InvalidInput
    if name == "Solution":
        from .steps import Solution

        return Solution
    raise AttributeError(name)


__all__ = ["solve", "read", "ask", "family", "families", "InvalidInput", "Solution", "__version__"]
