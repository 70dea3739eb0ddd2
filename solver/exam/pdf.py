"""PDF question papers and answer keys, typeset by Typst (the `typst` package from PyPI).

Why Typst. The papers and keys are maths-heavy (fractions, roots, matrices, cases, accents, trace
tables) and must print well, so the maths has to be typeset, not drawn as images of text. The options
that install with pip alone were:
- Typst (`typst` on PyPI): the compiler ships inside the wheel (no TeX, no system packages), with
  TeX-quality maths layout (OpenType MATH tables, New Computer Modern Math embedded in the compiler),
  page layout, tables, headers and footers; it compiles a whole paper in a fraction of a second,
  accepts `date: none` so the PDF carries no timestamp, and embeds its own fonts (we ignore system
  fonts), so the same input gives the same bytes on every machine. Its maths syntax is not LaTeX,
  which solver.exam.typstmath converts (tested on every formula the families produce).
- matplotlib mathtext into reportlab/fpdf2: mathtext has no matrices (pmatrix) or cases, and every
  formula would be a separately placed picture with hand-made line breaking and pagination.
- ziamath/latex2mathml -> SVG into fpdf2: pure Python but slow per formula, weaker layout, and again
  pagination, tables and wrapping by hand.
- LaTeX itself: not installable with pip (the .tex export is there for those who have it).
The cost is a 30 MB wheel; the compiler is imported only when a PDF is asked for.

Reproducibility: fonts come only from the compiler's embedded set, the document date is `none`, and
nothing else varies, so the same exam and seed give byte-identical PDFs (tested).
"""
from __future__ import annotations

import threading
from functools import lru_cache

from ..render.walk import STATUS_TEXT, numbered
from ..steps import Solution, Table
from .build import ExamBuild, Question, Variant
from .common import (course_line, is_trace, marks_text, question_heading, seed_line, answer_tolerance, variant_line,
                     variant_name)
from .typstmath import to_typst

#: Formulas longer than this (LaTeX characters) are set inline, where Typst can break lines at
#: relations and operators; shorter ones are displayed on their own line.
DISPLAY_LIMIT = 110


class PdfUnavailable(RuntimeError):
    """The typst package is not installed."""


def _s(text: str) -> str:
    """A Typst string literal: rendered verbatim, so no markup character in it is ever interpreted."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\t", " ")
    return '"' + out.replace("\n", "\\n") + '"'


def _t(text: str) -> str:
    """Plain text as Typst markup (a string literal inserted as content), paragraphs kept."""
    paras = [p for p in text.split("\n") if p.strip()]
    return " \\\n".join(f"#{_s(p)}" for p in paras) if paras else ""


def _rich(d: "_Doc", rich) -> str:
    """A statement (solver.richtext.Rich) as Typst markup: prose as string literals, maths typeset inline."""
    return "".join(" \\\n".join(f"#{_s(line)}" for line in p.split("\n")) if isinstance(p, str) else d.math(p.latex, False)
                   for p in rich.parts)


class _Doc:
    def __init__(self, raw_formulas: frozenset[str]):
        self.lines: list[str] = []
        self.raw = raw_formulas  # formulas that failed to compile: shown as LaTeX source
        self.formulas: list[str] = []

    def math(self, latex: str, display: bool, big: bool = False) -> str:
        """Display maths (its own line), or inline maths (`big`: in display style, for answer tables)."""
        self.formulas.append(latex)
        if latex in self.raw:
            return f"#raw({_s(latex)})"
        body = to_typst(latex)
        if display:
            return f"$ {body} $"
        return f"$display({body})$" if big else f"${body}$"

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)


def _preamble(d: _Doc, b: ExamBuild, v: Variant, key: bool) -> None:
    s = b.spec
    title = s.title + (" — answer key" if key else "")
    d.add(
        f"#set document(title: {_s(title)}, author: {_s(s.course or 'stepwise')}, "
        f"keywords: ({_s('variant ' + str(v.number))}, {_s('variant seed ' + str(v.seed))}, {_s('exam seed ' + str(b.seed))}), "
        "date: none)",
        '#set text(font: ("Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono"), size: 10.5pt, lang: "en")',
        '#show math.equation: set text(font: ("New Computer Modern Math", "DejaVu Sans Mono"))',
        '#show raw: set text(font: "DejaVu Sans Mono", size: 8pt)',
        "#set par(justify: false, leading: 0.6em)",
        "#set table(stroke: 0.4pt + luma(150), inset: 4pt)",
        "#show math.equation.where(block: true): set align(left)",
        "#show math.equation.where(block: true): it => block(inset: (left: 1.5em), it)",
        '#set page(paper: "a4", margin: (x: 2cm, top: 2.3cm, bottom: 2cm), '
        f"header: [#set text(size: 8pt, fill: luma(80)); #{_s(s.title)} #h(1fr) "
        f"#{_s(f'Variant {v.number} · seed {v.seed}' + (' · answer key' if key else ''))}], "
        'footer: context [#set text(size: 8pt, fill: luma(80)); #h(1fr) #counter(page).display("1 / 1", both: true) #h(1fr)])',
        f"#align(center)[#text(size: 16pt, weight: \"bold\")[#{_s(title)}]"
        + (f" \\\n#{_s(course_line(b))}" if course_line(b) else "")
        + f" \\\n#text(size: 9pt)[#{_s(variant_line(b, v) + ' · total ' + marks_text(s.total_marks))}]]",
        "#v(0.4em)",
    )
    if s.instructions and not key:
        d.add(f"#block(inset: (left: 8pt), stroke: (left: 1.5pt + luma(150)))[{_t(s.instructions)}]", "")


def _table(d: _Doc, t: Table) -> None:
    cells = [f"[{d.math(c.latex, False)}]" for c in t.columns]
    body = ", ".join(f"[#{_s(c)}]" for r in t.rows for c in r)
    d.add(f"#block(breakable: true)[#set text(size: 8pt); #table(columns: {len(t.columns)}, align: right, "
          f"table.header({', '.join(cells)}){', ' + body if body else ''})]")


def _solution(d: _Doc, sol: Solution) -> None:
    if sol.conventions:
        d.add("*Conventions used.*", "")
        for c in sol.conventions:
            d.add(f"- #raw({_s(c.name)}) = #raw({_s(c.choice)}): #{_s(c.description)}")
        d.add("")
    d.add("*Worked solution.*", "")
    for num, depth, s in numbered(sol):
        parts = [f"*#{_s(num + '. ' + s.title)}*"]
        if s.text:
            parts.append(_t(s.text))
        maths = [m for m in (s.formula, s.substituted) if m]
        if s.value and (s.formula is None or s.value.latex != s.formula.latex):
            maths.append(s.value)
        d.add(f"#block(inset: (left: {depth * 1.2}em), above: 0.7em)[" + " \\\n".join(parts))
        for m in maths:
            long = len(m.latex) > DISPLAY_LIMIT
            d.add(f"#block(inset: (left: 1.5em))[{d.math(m.latex, False)}]" if long else d.math(m.latex, True))
        if s.table:
            _table(d, s.table)
        d.add("]")
    d.add(f"Status: #{_s(STATUS_TEXT[sol.status])}.", "")


def _question(d: _Doc, b: ExamBuild, q: Question, key: bool) -> None:
    d.add(f"#heading(level: 2)[#{_s(question_heading(q, key))}]")
    if key:
        d.add(f"#text(size: 8.5pt, fill: luma(70))[#{_s(seed_line(q))}]", "")
    d.add(_rich(d, q.rich), "")
    if q.stated:
        d.add("#text(style: \"italic\")[Conventions:]", *[f"- #{_s(t)}" for t in q.conventions_text], "")
    if not key:
        d.add("#v(3.2cm)")
        return
    rows = []
    for a in q.answers:
        val = f"#{_s(a.display + ' (see the trace table)')}" if is_trace(a) else d.math(a.latex, False, big=True)
        unit = f" #{_s(a.unit)}" if a.unit else ""
        rows.append(f"[#raw({_s(a.name)})], [{val}{unit}], [#{_s(answer_tolerance(a))}]")
    if rows:
        d.add("#table(columns: (auto, 1fr, auto), table.header([*Answer*], [*Value*], [*Tolerance*]), "
              + ", ".join(rows) + ")", "")
    if b.solutions:
        _solution(d, q.solution)


def source(b: ExamBuild, v: Variant, key: bool, raw_formulas: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """The Typst source of one paper or key, and the LaTeX formulas it contains."""
    d = _Doc(raw_formulas)
    _preamble(d, b, v, key)
    d.add("#show heading: set block(above: 1.2em, below: 0.6em)")
    for q in v.questions:
        _question(d, b, q, key)
    return "\n".join(d.lines) + "\n", d.formulas


@lru_cache(maxsize=1)
def _compiler():
    try:
        import typst
    except ImportError as e:  # pragma: no cover - typst is a dependency
        raise PdfUnavailable(f"PDF export needs the 'typst' package (pip install typst): {e}") from None
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True)
    return typst, typst.Compiler(font_paths=fonts, ignore_system_fonts=True)


_LOCK = threading.Lock()  # one shared compiler; a web server may export from several threads


def compile_typst(src: str, fmt: str = "pdf", ppi: float | None = None) -> bytes:
    """Compile Typst source (warnings are not errors here: the output is checked by the tests)."""
    typst, comp = _compiler()
    with _LOCK:
        out, _warnings = comp.compile_with_warnings(src.encode("utf-8"), format=fmt, ppi=ppi)
    return out if isinstance(out, bytes) else out[0]


@lru_cache(maxsize=65536)
def _formula_compiles(latex: str) -> bool:
    try:
        compile_typst(f"#set page(width: auto, height: auto)\n$ {to_typst(latex)} $\n")
        return True
    except Exception:  # noqa: BLE001 - typst.TypstError: the formula is shown as source instead
        return False


def render(b: ExamBuild, v: Variant, key: bool) -> bytes:
    """One PDF. Should the converter ever produce Typst that does not compile, the offending formulas
    are found and shown as their LaTeX source, so one odd formula never costs the whole paper."""
    typst, _ = _compiler()
    src, formulas = source(b, v, key)
    try:
        return compile_typst(src)
    except typst.TypstError:
        bad = frozenset(f for f in set(formulas) if not _formula_compiles(f))
        src, _ = source(b, v, key, bad)
        return compile_typst(src)


def files(b: ExamBuild) -> dict[str, bytes]:
    out = {}
    for v in b.variants:
        stem = variant_name(b, v)
        out[f"{stem}-paper.pdf"] = render(b, v, False)
        out[f"{stem}-key.pdf"] = render(b, v, True)
    return out
