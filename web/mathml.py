"""LaTeX -> MathML on the server (latex2mathml), sanitised, so maths renders offline with no script.

Browsers render MathML Core natively (Chromium since 109, Firefox, Safari). The converter's output is
parsed as XML and rebuilt from a whitelist of MathML elements and attributes: anything else (an
element such as <script> smuggled through \\text{...}, a style or href attribute) is dropped or, for
an unknown element, the whole formula falls back to its LaTeX source in <code>, escaped. Conversions
are cached: the same formulas recur across requests (formula lines, column headers).
"""
from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from html import escape

from markupsafe import Markup

log = logging.getLogger(__name__)

_NS = "{http://www.w3.org/1998/Math/MathML}"

#: MathML Core presentation elements (plus a few the converter emits that browsers ignore harmlessly).
ELEMENTS = frozenset("""
    math mrow mi mn mo mtext mspace ms mfrac msqrt mroot mstyle mpadded mphantom merror
    msub msup msubsup munder mover munderover mmultiscripts mprescripts none
    mtable mtr mtd menclose semantics annotation
""".split())

#: Presentation attributes only: no style, no href, no event handlers, no namespaces other than MathML's.
ATTRIBUTES = frozenset("""
    display mathvariant mathsize mathcolor mathbackground displaystyle scriptlevel
    stretchy fence separator form accent accentunder largeop movablelimits symmetric minsize maxsize
    lspace rspace width height depth voffset linethickness
    columnalign columnlines columnspacing rowalign rowlines rowspacing frame framespacing
    columnspan rowspan notation encoding
""".split())


class UnsafeMathML(ValueError):
    """The converter produced an element outside the whitelist."""


def _tag(el: ET.Element) -> str:
    return el.tag[len(_NS):] if el.tag.startswith(_NS) else el.tag


def _serialise(el: ET.Element, out: list[str]) -> None:
    tag = _tag(el)
    if tag not in ELEMENTS:
        raise UnsafeMathML(tag)
    attrs = "".join(f' {k}="{escape(v, quote=True)}"' for k, v in el.attrib.items() if k in ATTRIBUTES)
    if tag == "math":
        attrs = ' xmlns="http://www.w3.org/1998/Math/MathML"' + attrs
    out.append(f"<{tag}{attrs}>")
    if el.text:
        out.append(escape(el.text, quote=False))
    for child in el:
        _serialise(child, out)
        if child.tail:
            out.append(escape(child.tail, quote=False))
    out.append(f"</{tag}>")


#: Accents the converter writes with ASCII characters, and the spacing-modifier letters that fonts
#: place well over a base (the ASCII circumflex renders as a stretched chevron in Chromium).
_ACCENTS = {"^": "\u02c6", "~": "\u02dc"}
#: After these an operator such as a minus is binary (x) - 1, not a sign.
_CLOSERS = frozenset(")]}|\u2016\u27e9\u2309\u230b!\u2032")
_SIGNS = frozenset("-+\u2212\u00b1")


def _typeset(el: ET.Element) -> None:
    """Typographic fixes on the tree: accents, and signs (-1 after '(' or ',') set tight as prefix operators."""
    prev = None
    for child in el:
        tag = _tag(child)
        if tag == "mo" and (child.text or "").strip() in _SIGNS and "form" not in child.attrib:
            if prev is None or (_tag(prev) == "mo" and (prev.text or "").strip() not in _CLOSERS):
                child.set("form", "prefix")
        if tag == "mover" and child.get("accent") == "true" and len(child) == 2 and _tag(child[1]) == "mo":
            accent = child[1]
            if (accent.text or "") in _ACCENTS:
                accent.text = _ACCENTS[accent.text]
                accent.set("stretchy", "false")
        _typeset(child)
        prev = child


def sanitise(mathml: str) -> str:
    """The MathML rebuilt from the whitelist; raises UnsafeMathML or ET.ParseError when it cannot be."""
    root = ET.fromstring(mathml)
    _typeset(root)
    out: list[str] = []
    _serialise(root, out)
    return "".join(out)


_TEXT_ARG = re.compile(r"(\\(?:text|textrm|textbf|textit|textsf|texttt|mbox)\{)([^{}]*)(\})")


def _escape_text(latex: str) -> str:
    """Escape XML specials in \\text{...} arguments, which the converter copies into <mtext> verbatim."""
    return _TEXT_ARG.sub(lambda m: m.group(1) + escape(m.group(2), quote=False) + m.group(3), latex)


@lru_cache(maxsize=8192)
def _convert(latex: str, display: bool) -> str:
    fallback = f'<code class="latex-source" title="LaTeX">{escape(latex)}</code>'
    if not latex.strip():
        return ""
    try:
        from latex2mathml.converter import convert

        raw = convert(_escape_text(latex), display="block" if display else "inline")
        html = sanitise(raw)
    except Exception as e:  # any failure: show the LaTeX itself, which a reader can still follow
        log.info("MathML conversion failed (%s: %s) for %r; showing the LaTeX source", type(e).__name__, e, latex[:200])
        return fallback
    # keep the source for copy/paste and for screen readers that prefer it
    return html.replace("<math ", f'<math data-latex="{escape(latex, quote=True)}" ', 1)


def to_mathml(latex: str | None, display: bool = False) -> Markup:
    """Safe markup for one formula: MathML when it converts, else the LaTeX source in <code>."""
    if latex is None:
        return Markup("")
    return Markup(_convert(str(latex), bool(display)))
