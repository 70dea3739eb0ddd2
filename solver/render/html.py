"""An HTML fragment (maths as \\( \\) for MathJax/KaTeX), used by the web UI and exports."""
from __future__ import annotations

from html import escape

from ..steps import Solution, Table
from .walk import STATUS_TEXT, numbered


def _table(t: Table) -> str:
    head = "".join(f"<th>\\({escape(c.latex)}\\)</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in t.rows)
    return f'<table class="trace"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _inline(latex: str) -> str:
    return "\\(" + escape(latex) + "\\)"


def render_html(sol: Solution) -> str:
    statement = sol.rich_statement.html(_inline, escape)
    parts = [f'<section class="solution" data-family="{escape(sol.family)}">',
             f"<h2>{escape(sol.title)}</h2>", f'<p class="statement">{statement}</p>']
    if sol.conventions:
        parts.append('<ul class="conventions">' + "".join(
            f"<li><code>{escape(c.name)}</code> = <code>{escape(c.choice)}</code>: {escape(c.description)}</li>"
            for c in sol.conventions) + "</ul>")
    parts.append('<ol class="steps">')
    for num, depth, s in numbered(sol):
        maths = [m.latex for m in (s.formula, s.substituted) if m]
        if s.value and (s.formula is None or s.value.latex != s.formula.latex):
            maths.append(s.value.latex)
        body = "".join(f'<div class="math">\\[{escape(m)}\\]</div>' for m in maths)
        parts.append(f'<li class="step step-{s.kind} depth-{depth}" id="step-{escape(num)}">'
                     f'<span class="num">{escape(num)}</span> <strong>{escape(s.title)}</strong>'
                     + (f"<p>{escape(s.text)}</p>" if s.text else "") + body
                     + (_table(s.table) if s.table else "") + "</li>")
    parts.append("</ol>")
    parts.append(f'<p class="status">Status: {escape(STATUS_TEXT[sol.status])}</p>')
    parts.append('<dl class="answers">' + "".join(
        f"<dt>{escape(n)}</dt><dd>\\({escape(a.latex)}\\){' ' + escape(a.unit) if a.unit else ''}</dd>"
        for n, a in sol.answers.items()
        if not (isinstance(a.value, list) and a.value and isinstance(a.value[0], dict))) + "</dl>")
    parts.append("</section>")
    return "\n".join(parts)
