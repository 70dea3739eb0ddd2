"""Exports escape what they embed: an instructor's title, course and instructions are text in every format,
never markup (issue 20: exam titles went into the Markdown and GIFT exports as raw HTML).

The oracles are each format's own reader: markdown-it-py (CommonMark) renders the Markdown, Python's
HTML parser reads the HTML it gives and the HTML export, ElementTree reads Moodle XML and QTI, pypdf reads
the text back out of the Typst PDF; for LaTeX and GIFT, whose readers are not installed here, the tests
check the escaped forms and that no line of GIFT outside a comment or category carries the title.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser

import pytest

from solver.exam import build, export, loads
from solver.exam.spec import dumps
from solver.params import InvalidInput

TITLE = ('<script>alert(1)</script> *bold* _em_ [link](javascript:alert(1)) `code` $x^2$ & &amp; | {#1:0} '
         '~=:: // \\input{/etc/passwd} ") #panic("typst") [ <img src=x onerror=alert(2)>')
COURSE = '<b>DL</b> # 301 \\write18{rm -rf /} ]) #raw("x") ['
INSTRUCTIONS = ("<iframe src=//evil></iframe>\n- not a list\n1. not a list either\n# not a heading\n"
                "> not a quote\n\\def\\x{1} ${malicious}$ %comment\n| a | b |")


def toml_str(s: str) -> str:
    """A TOML basic string (control characters as \\uXXXX escapes, which TOML allows)."""
    body = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" else c
                         for c in body) + '"'


HOSTILE = f"""
title = {toml_str(TITLE)}
course = {toml_str(COURSE)}
instructions = {toml_str(INSTRUCTIONS)}
variants = 2

[[problems]]
family = "entropy"
marks = 2
[problems.params]
p = "0.5 0.25 0.25"
base = "2"
"""


@pytest.fixture(scope="module")
def files():
    spec = loads(HOSTILE)
    assert (spec.title, spec.course, spec.instructions) == (TITLE, COURSE, INSTRUCTIONS)
    assert loads(dumps(spec)) == spec, "the hostile text round-trips through the TOML writer"
    return export(build(spec, solutions=True), ["markdown", "html", "latex", "moodle", "qti", "gift", "pdf"])


class Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            assert not name.startswith("on"), f"an event handler attribute: {name}={value}"
            assert "javascript:" not in (value or ""), "a javascript: URL"

    def handle_data(self, data):
        self.text.append(data)


def read_html(html: str) -> Reader:
    r = Reader()
    r.feed(html)
    r.close()
    return r


# the header's own markup is one h1, paragraphs, the variant line in <em> and the instructions in a blockquote
BAD_TAGS = {"script", "img", "iframe", "a", "b", "strong", "code", "ol", "ul", "li", "h2", "table", "hr"}


def test_markdown_renders_the_title_course_and_instructions_as_text(files):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")  # raw HTML on: the worst case for us
    for name in ("variant-01-paper.md", "variant-01-key.md"):
        source = files[name].decode()
        header = source[:source.index("## Question 1")]  # what the instructor typed lives in the header
        out = read_html(md.render(header))
        assert not BAD_TAGS & set(out.tags), (name, out.tags)
        assert out.tags.count("h1") == 1 and out.tags.count("em") == 1 and out.tags.count("blockquote") <= 1
        text = "".join(out.text)
        assert TITLE in text and COURSE in text, "shown literally, character for character"
        if "paper" in name:
            assert all(line in text for line in INSTRUCTIONS.splitlines()), "every line of the instructions, literally"
        assert "$" + "x^2" + "$" not in header.replace("\\$", ""), "no maths delimiters left live"


def test_html_export_escapes(files):
    for name in ("variant-01-paper.html", "variant-02-key.html"):
        out = read_html(files[name].decode())
        assert not {"script", "img", "iframe", "a", "b"} & set(out.tags), out.tags
        text = "".join(out.text)
        assert TITLE in text and COURSE in text


def test_latex_export_escapes(files):
    tex = files["variant-01-paper.tex"].decode()
    for raw in (r"\input{/etc/passwd}", r"\write18{rm -rf /}", r"\def\x{1}", "$x^2$", "{#1:0}"):
        assert raw not in tex, raw
    assert not re.search(r"(?<!\\)%comment", tex), "a live comment"
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex and r"\textbackslash{}write18\{rm -rf /\}" in tex
    assert r"\%comment" in tex and r"\$x\textasciicircum{}2\$" in tex


def test_typst_pdf_shows_the_title_as_text(files):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(files["variant-01-paper.pdf"]))
    text = " ".join(p.extract_text() for p in reader.pages)
    flat = " ".join(text.split())
    for part in ('#panic("typst")', '#raw("x")', "<script>alert(1)</script>", "not a list either"):
        assert part in flat, part
    assert reader.metadata.title == TITLE, "the document title, as given"


def test_moodle_xml_escapes(files):
    data = files["moodle.xml"]
    root = ET.fromstring(data)
    categories = [q.find("category/text").text for q in root.iter("question") if q.get("type") == "category"]
    assert categories and all("<script>" not in c and "&lt;script&gt;" in c for c in categories)
    for el in root.iter():
        assert "<script" not in (el.text or ""), el.tag
        assert "<img" not in (el.text or ""), el.tag


def test_qti_title_is_plain_text_and_nothing_is_markup(files):
    z = zipfile.ZipFile(io.BytesIO(files["canvas-qti.zip"]))
    (name,) = [n for n in z.namelist() if n != "imsmanifest.xml"]
    root = ET.fromstring(z.read(name))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    assert root.find("q:assessment", ns).get("title") == TITLE
    for el in root.iter():
        assert "<script" not in (el.text or "") and "<img" not in (el.text or ""), el.tag


def test_gift_cannot_carry_the_title_as_markup_or_a_question(files):
    text = files["exam.gift.txt"].decode()
    assert "<script" not in text and "<img" not in text
    for line in text.splitlines():
        if "alert(1)" in line:
            assert line.startswith(("//", "$CATEGORY:")), line
    assert len(re.findall(r"^::", text, re.M)) == 2, "one question per variant, none injected"
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize("field, value", [("title", "two\nlines"), ("course", "a\nb"), ("title", "nul \x00 byte"),
                                          ("instructions", "bell \x07"), ("date", "line\u2028separator")])
def test_control_characters_in_typed_fields_are_refused_naming_the_field(field, value):
    with pytest.raises(InvalidInput) as e:
        loads(f'title = "T"\n{field} = {toml_str(value)}\n[[problems]]\nfamily = "entropy"\n' if field != "title"
              else f'title = {toml_str(value)}\n[[problems]]\nfamily = "entropy"\n')
    assert e.value.field == field and "control characters" in e.value.message


def test_instructions_keep_their_line_breaks():
    spec = loads('title = "T"\ninstructions = "one\\n\\ttwo"\n[[problems]]\nfamily = "entropy"\n')
    assert spec.instructions == "one\n\ttwo"
