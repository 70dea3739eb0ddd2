"""JSON: the documented Solution contract (solver.steps), pretty-printed, UTF-8."""
from __future__ import annotations

import json

from ..steps import Solution


def render_json(sol: Solution) -> str:
    return json.dumps(sol.to_json(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
