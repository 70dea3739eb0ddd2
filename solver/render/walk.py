"""The shared tree walk: numbering of steps (1, 1.2, 1.2.3) and the order in which parts are visited."""
from __future__ import annotations

from typing import Iterator

from ..steps import Solution, Step


def numbered(solution: Solution) -> Iterator[tuple[str, int, Step]]:
    """(number, depth, step) for every step in document order: "3", then its children "3.1", "3.2", ..."""

    def rec(steps: tuple[Step, ...], prefix: str, depth: int):
        for i, s in enumerate(steps, 1):
            num = f"{prefix}{i}"
            yield num, depth, s
            yield from rec(s.children, num + ".", depth + 1)

    yield from rec(solution.steps, "", 0)


STATUS_TEXT = {
    "solved": "solved",
    "not_converged": "did not converge",
    "unsupported": "not supported",
    "undefined": "undefined",
}
