"""Plain text for a terminal: numbered steps, formulas in ASCII maths, aligned trace tables."""
from __future__ import annotations

from ..steps import Solution, Table
from .walk import STATUS_TEXT, numbered


def _table(t: Table, indent: str) -> list[str]:
    head = [c.text for c in t.columns]
    widths = [len(h) for h in head]
    for r in t.rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    fmt = lambda cells: indent + "  ".join(c.rjust(w) for c, w in zip(cells, widths)).rstrip()
    lines = [fmt(head), indent + "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in t.rows]
    return lines


def render_text(sol: Solution) -> str:
    out = [f"{sol.title} ({sol.family})", "=" * len(f"{sol.title} ({sol.family})"), "", sol.statement, ""]
    if sol.conventions:
        out.append("Conventions used:")
        out += [f"  - {c.name} = {c.choice}: {c.description}" for c in sol.conventions]
        out.append("")
    out.append("Solution" + ("" if sol.path == "exact" else " (numeric path)") + ":")
    for num, depth, s in numbered(sol):
        ind = "  " * depth
        out.append(f"{ind}{num}. {s.title}")
        sub = ind + "   "
        if s.text:
            out += [sub + line for line in s.text.splitlines()]
        if s.formula:
            out.append(sub + s.formula.text)
        if s.substituted:
            out.append(sub + s.substituted.text)
        if s.value and (s.formula is None or s.value.text != s.formula.text):
            out.append(sub + s.value.text)
        if s.table:
            out += _table(s.table, sub)
    out.append("")
    out.append(f"Status: {STATUS_TEXT[sol.status]}")
    if sol.answers:
        out.append("Answers:")
        for name, a in sol.answers.items():
            if isinstance(a.value, list) and a.value and isinstance(a.value[0], dict):
                out.append(f"  {name}: {a.display} (see the table above)")
                continue
            tol = ""
            if a.tolerance is not None and not a.tolerance.exact:
                v = a.value if isinstance(a.value, (int, float)) and not isinstance(a.value, bool) else None
                tol = f"  ({a.tolerance.describe(v)})"
            unit = f" {a.unit}" if a.unit else ""
            out.append(f"  {name} = {a.display}{unit}{tol}")
    return "\n".join(out) + "\n"
