"""Markdown with $...$ maths (GitHub, Jupyter, most note apps render it)."""
from __future__ import annotations

from ..steps import Solution, Table
from .walk import STATUS_TEXT, numbered


def _cell(s: str) -> str:
    return s.replace("|", "\\|")


def _table(t: Table) -> list[str]:
    head = "| " + " | ".join(f"${c.latex}$" for c in t.columns) + " |"
    sep = "|" + "|".join("---:" for _ in t.columns) + "|"
    return [head, sep] + ["| " + " | ".join(_cell(c) for c in r) + " |" for r in t.rows]


def render_markdown(sol: Solution) -> str:
    out = [f"# {sol.title}", "", f"**Problem.** {sol.rich_statement.markdown()}", ""]
    if sol.conventions:
        out.append("**Conventions used.**")
        out.append("")
        out += [f"- `{c.name}` = `{c.choice}`: {c.description}" for c in sol.conventions]
        out.append("")
    out.append("## Solution")
    out.append("")
    for num, depth, s in numbered(sol):
        hashes = "#" * min(3 + depth, 6)
        out.append(f"{hashes} {num}. {s.title}")
        out.append("")
        if s.text:
            out += [s.text, ""]
        for m in (s.formula, s.substituted):
            if m:
                out += [f"$${m.latex}$$", ""]
        if s.value and (s.formula is None or s.value.latex != s.formula.latex):
            out += [f"$${s.value.latex}$$", ""]
        if s.table:
            out += _table(s.table) + [""]
    out.append("## Answers")
    out.append("")
    out.append(f"Status: {STATUS_TEXT[sol.status]}.")
    out.append("")
    for name, a in sol.answers.items():
        if isinstance(a.value, list) and a.value and isinstance(a.value[0], dict):
            continue
        unit = f" {a.unit}" if a.unit else ""
        out.append(f"- **{name}** = ${a.latex}${unit}" + ("" if a.latex == a.display else f" ({a.display}{unit})"))
    return "\n".join(out).rstrip() + "\n"
