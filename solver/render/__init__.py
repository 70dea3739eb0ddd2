"""Renderers: one walk over a Solution per output format; none of them knows a family.

    render(solution, "text" | "markdown" | "latex" | "json" | "html") -> str
"""
from __future__ import annotations

from ..steps import Solution

FORMATS = ("text", "markdown", "latex", "json", "html")


def render(solution: Solution, fmt: str = "text") -> str:
    if fmt == "text":
        from .text import render_text as f
    elif fmt == "markdown":
        from .markdown import render_markdown as f
    elif fmt == "latex":
        from .latex import render_latex as f
    elif fmt == "json":
        from .jsonfmt import render_json as f
    elif fmt == "html":
        from .html import render_html as f
    else:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return f(solution)
