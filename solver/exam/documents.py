"""Question papers and answer keys as Markdown, LaTeX and standalone HTML (one file each per variant).

Markdown and LaTeX carry the maths as LaTeX ($...$ and gather*). HTML carries it as MathML made on
our side by latex2mathml, so the file opens offline in any current browser with no script; a formula
the converter cannot take is shown as its LaTeX source in <code>.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape as hesc

from ..render.latex import escape as lesc
from ..render.walk import STATUS_TEXT, numbered
from ..steps import Solution, Table
from .build import ExamBuild, Variant
from .common import (course_line, is_trace, marks_text, question_heading, seed_line, answer_tolerance, variant_line,
                     variant_name)


def _step_maths(s) -> list:
    maths = [m for m in (s.formula, s.substituted) if m]
    if s.value and (s.formula is None or s.value.latex != s.formula.latex):
        maths.append(s.value)
    return maths


# ---- Markdown -------------------------------------------------------------------------------------------

# what Markdown (CommonMark with GFM tables and $-maths) could read as markup: HTML, links, emphasis, code,
# maths, table cells, entities; each is backslash-escaped, which CommonMark allows for any ASCII punctuation
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!&~$])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def md_escape(text: str) -> str:
    """Text typed by an instructor (a title, a course, a line of instructions) as literal Markdown: no HTML,
    link, emphasis, code, maths or list it contains is interpreted."""
    out = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)),
                              out, count=1)


def _md_table(t: Table) -> list[str]:
    head = "| " + " | ".join(f"${c.latex}$" for c in t.columns) + " |"
    sep = "|" + "|".join("---:" for _ in t.columns) + "|"
    return [head, sep] + ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in t.rows]


def _md_solution(sol: Solution) -> list[str]:
    out = []
    if sol.conventions:
        out += ["**Conventions used.**", ""] + [f"- `{c.name}` = `{c.choice}`: {c.description}" for c in sol.conventions] + [""]
    out += ["**Worked solution.**", ""]
    for num, depth, s in numbered(sol):
        out += [f"{'  ' * depth}{num}. **{s.title}**", ""]
        if s.text:
            out += [s.text, ""]
        for m in _step_maths(s):
            out += [f"$${m.latex}$$", ""]
        if s.table:
            out += _md_table(s.table) + [""]
    out += [f"Status: {STATUS_TEXT[sol.status]}.", ""]
    return out


def _md_header(b: ExamBuild, v: Variant, what: str) -> list[str]:
    out = [f"# {md_escape(b.spec.title)}" + (f" — {what}" if what else ""), ""]
    line = course_line(b)
    if line:
        out += [md_escape(line), ""]
    out += [f"*{variant_line(b, v)} · total {marks_text(b.spec.total_marks)}*", ""]
    return out


def markdown(b: ExamBuild, v: Variant, key: bool) -> str:
    out = _md_header(b, v, "answer key" if key else "")
    if b.spec.instructions and not key:
        out += ["> " + md_escape(line) for line in b.spec.instructions.splitlines()] + [""]
    for q in v.questions:
        out += [f"## {question_heading(q, key)}", ""]
        if key:
            out += [f"*{seed_line(q)}*", ""]
        out += [q.rich.markdown(md_escape), ""]
        if q.stated:
            out += ["*Conventions:*", ""] + [f"- {md_escape(t)}" for t in q.conventions_text] + [""]
        if not key:
            continue
        out += ["| Answer | Value | Tolerance |", "|---|---|---|"]
        for a in q.answers:
            val = "see the trace table" if is_trace(a) else f"${a.latex}$" + ("" if a.latex == a.display else f" ({a.display})")
            unit = f" {a.unit}" if a.unit else ""
            out.append(f"| `{a.name}` | {val.replace('|', chr(92) + '|')}{unit} | {answer_tolerance(a)} |")
        out.append("")
        if b.solutions:
            out += _md_solution(q.solution)
    return "\n".join(out).rstrip() + "\n"


# ---- LaTeX ----------------------------------------------------------------------------------------------

def _tex_table(t: Table) -> list[str]:
    return [r"\begin{center}", r"\begin{tabular}{%s}" % ("r" * len(t.columns)), r"\hline",
            " & ".join(f"${c.latex}$" for c in t.columns) + r" \\ \hline",
            *[" & ".join(lesc(c) for c in r) + r" \\" for r in t.rows], r"\hline", r"\end{tabular}", r"\end{center}"]


def latex(b: ExamBuild, v: Variant, key: bool) -> str:
    s = b.spec
    title = lesc(s.title) + (r" --- answer key" if key else "")
    out = [r"\documentclass[11pt]{article}", r"\usepackage{amsmath,amssymb}", r"\usepackage[margin=2cm]{geometry}",
           r"\usepackage{fancyhdr}", r"\pagestyle{fancy}", r"\fancyhf{}",
           r"\lhead{%s}" % lesc(s.title), r"\rhead{%s}" % lesc(f"Variant {v.number} (seed {v.seed})"),
           r"\cfoot{\thepage}",
           r"\ifdefined\pdfinfoomitdate \pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1 \fi",
           r"\begin{document}", r"\begin{center}", r"{\Large\bfseries %s}\\[4pt]" % title]
    if course_line(b):
        out.append(lesc(course_line(b)) + r"\\")
    out += [r"{\small %s}" % lesc(f"{variant_line(b, v)} · total {marks_text(s.total_marks)}"), r"\end{center}"]
    if s.instructions and not key:
        out += [r"\begin{quote}", lesc(s.instructions).replace("\n", "\n\n"), r"\end{quote}"]
    for q in v.questions:
        out.append(r"\section*{%s}" % lesc(question_heading(q, key)))
        if key:
            out.append(r"{\small\itshape %s}\par\medskip" % lesc(seed_line(q)))
        out.append(q.rich.latex(lesc))
        if q.stated:
            out += [r"\par\medskip\noindent\emph{Conventions:}", r"\begin{itemize}"]
            out += [r"\item " + lesc(t) for t in q.conventions_text]
            out.append(r"\end{itemize}")
        if not key:
            out.append(r"\vspace{3cm}")
            continue
        out += [r"\begin{center}", r"\begin{tabular}{lll}", r"\hline", r"Answer & Value & Tolerance \\ \hline"]
        for a in q.answers:
            val = "see the trace table" if is_trace(a) else f"${a.latex}$"
            out.append(r"\texttt{%s} & %s%s & %s \\" % (lesc(a.name), val, " " + lesc(a.unit) if a.unit else "",
                                                         lesc(answer_tolerance(a))))
        out += [r"\hline", r"\end{tabular}", r"\end{center}"]
        if b.solutions:
            sol = q.solution
            if sol.conventions:
                out += [r"\paragraph{Conventions used.}", r"\begin{itemize}"]
                out += [r"\item \texttt{%s} = \texttt{%s}: %s" % (lesc(c.name), lesc(c.choice), lesc(c.description))
                        for c in sol.conventions]
                out.append(r"\end{itemize}")
            out.append(r"\paragraph{Worked solution.}")
            for num, depth, st in numbered(sol):
                out.append(r"\par\noindent\textbf{%s. %s}\par" % (num, lesc(st.title)))
                if st.text:
                    out.append(lesc(st.text) + r"\par")
                maths = [m.latex for m in _step_maths(st)]
                if maths:
                    out.append(r"\begin{gather*}" + r" \\ ".join(maths) + r"\end{gather*}")
                if st.table:
                    out += _tex_table(st.table)
            out.append(r"\par Status: %s." % STATUS_TEXT[sol.status])
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


# ---- HTML -----------------------------------------------------------------------------------------------

_CSS = """body{font-family:Georgia,'Times New Roman',serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#111}
header{border-bottom:1px solid #999;margin-bottom:1rem}h1{font-size:1.5rem;margin:.2rem 0}.meta{color:#444;font-size:.9rem}
.q{margin:1.5rem 0;page-break-inside:avoid}.q h2{font-size:1.15rem}.seed{color:#555;font-size:.85rem;font-style:italic}
.space{height:8rem;border:1px dashed #bbb;margin:.5rem 0}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #bbb;padding:.2rem .5rem;text-align:left}.step{margin:.4rem 0 .4rem calc(var(--d)*1.5rem)}
.math{margin:.3rem 0 .3rem 1rem;overflow-x:auto}
math{font-family:"STIX Two Math","Latin Modern Math","Noto Sans Math","Cambria Math",math}code{font-size:.85em}.instructions{border-left:3px solid #999;padding-left:.8rem}"""


@lru_cache(maxsize=65536)
def mathml(latex: str, display: bool = False) -> str:
    """MathML for a LaTeX formula (latex2mathml), or the escaped source in <code> when it cannot be converted.
    Cached: formula lines recur in every variant's key."""
    try:
        from latex2mathml.converter import convert

        return convert(latex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any converter failure falls back to the source
        return f"<code>{hesc(latex)}</code>"


def _html_solution(sol: Solution) -> list[str]:
    out = []
    if sol.conventions:
        out.append("<p><strong>Conventions used.</strong></p><ul>" + "".join(
            f"<li><code>{hesc(c.name)}</code> = <code>{hesc(c.choice)}</code>: {hesc(c.description)}</li>"
            for c in sol.conventions) + "</ul>")
    out.append("<p><strong>Worked solution.</strong></p>")
    for num, depth, s in numbered(sol):
        body = [f'<div class="step step-{s.kind}" style="--d:{depth}"><strong>{hesc(num)}. {hesc(s.title)}</strong>']
        if s.text:
            body.append(f"<p>{hesc(s.text)}</p>")
        body += [f'<div class="math">{mathml(m.latex, True)}</div>' for m in _step_maths(s)]
        if s.table:
            t = s.table
            body.append("<table><thead><tr>" + "".join(f"<th>{mathml(c.latex)}</th>" for c in t.columns) + "</tr></thead><tbody>"
                        + "".join("<tr>" + "".join(f"<td>{hesc(c)}</td>" for c in r) + "</tr>" for r in t.rows)
                        + "</tbody></table>")
        out.append("".join(body) + "</div>")
    out.append(f"<p>Status: {hesc(STATUS_TEXT[sol.status])}.</p>")
    return out


def html(b: ExamBuild, v: Variant, key: bool) -> str:
    s = b.spec
    title = s.title + (" — answer key" if key else "")
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{hesc(title)} — variant {v.number}</title>",
           f'<meta name="stepwise-variant" content="{v.number}">', f'<meta name="stepwise-seed" content="{v.seed}">',
           f"<style>{_CSS}</style>", "</head>", "<body>", "<header>", f"<h1>{hesc(title)}</h1>"]
    if course_line(b):
        out.append(f'<p class="meta">{hesc(course_line(b))}</p>')
    out += [f'<p class="meta">{hesc(variant_line(b, v))} · total {hesc(marks_text(s.total_marks))}</p>', "</header>"]
    if s.instructions and not key:
        out.append('<div class="instructions">' + "".join(f"<p>{hesc(p)}</p>" for p in s.instructions.splitlines() if p.strip())
                   + "</div>")
    for q in v.questions:
        out += [f'<section class="q" id="q{q.number}">', f"<h2>{hesc(question_heading(q, key))}</h2>"]
        if key:
            out.append(f'<p class="seed">{hesc(seed_line(q))}</p>')
        out.append(f'<p class="statement">{q.rich.html(mathml, hesc)}</p>')
        if q.stated:
            out.append('<p class="conventions-head"><em>Conventions:</em></p><ul class="conventions">'
                       + "".join(f"<li>{hesc(t)}</li>" for t in q.conventions_text) + "</ul>")
        if not key:
            out += ['<div class="space"></div>', "</section>"]
            continue
        out.append("<table class=\"answers\"><thead><tr><th>Answer</th><th>Value</th><th>Tolerance</th></tr></thead><tbody>")
        for a in q.answers:
            val = "see the trace table" if is_trace(a) else mathml(a.latex)
            unit = f" {hesc(a.unit)}" if a.unit else ""
            out.append(f"<tr><td><code>{hesc(a.name)}</code></td><td>{val}{unit}</td><td>{hesc(answer_tolerance(a))}</td></tr>")
        out.append("</tbody></table>")
        if b.solutions:
            out += _html_solution(q.solution)
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def files(b: ExamBuild, fmt: str) -> dict[str, bytes]:
    ext, f = {"markdown": ("md", markdown), "latex": ("tex", latex), "html": ("html", html)}[fmt]
    out = {}
    for v in b.variants:
        stem = variant_name(b, v)
        out[f"{stem}-paper.{ext}"] = f(b, v, False).encode("utf-8")
        out[f"{stem}-key.{ext}"] = f(b, v, True).encode("utf-8")
    return out


__all__ = ["markdown", "latex", "html", "files", "mathml"]
