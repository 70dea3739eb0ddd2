"""Learning-management-system imports: Moodle XML, QTI 1.2 (a Canvas quiz zip) and GIFT.

Each keeps "one question, many variants": Moodle gets one question category per exam problem holding
one question per variant (a quiz then draws a random question from each category); Canvas gets one
question group per problem (pick 1) holding one item per variant; GIFT gets a $CATEGORY per problem.
Question names record the variant and its seed.

Question types follow the graded parts (solver.exam.build.Part):
- one number: Moodle `numerical` with its absolute tolerance; Canvas `numerical_question` (an exact
  answer with a margin); GIFT `{#value:tolerance}`. A number defined up to sign accepts both signs.
- a vector or matrix defined up to sign (eigenvectors, components, singular vectors, scores): no format
  here can grade "every entry flipped together", so its entries are graded in a normalised form and
  the question states the sign rule (solver.exam.build.sign_normalised); never entry by entry either sign.
- the conventions the answers depend on are listed under the statement (Question.stated).
- one boolean: Moodle/Canvas true-false; GIFT {TRUE}/{FALSE}. One text: short answer.
- several parts (vectors, several answers): Moodle `cloze` with one NUMERICAL (tolerance),
  MULTICHOICE (true/false) or SHORTANSWER sub-question per part; Canvas
  `fill_in_multiple_blanks_question`, one blank per part, accepting the value as displayed (the
  display precision is the tolerance; trailing zeros optional); GIFT has no multi-part question, so
  these become essay questions graded by hand from the key in the general feedback.
- nothing gradable (trace tables only): an essay question with the key in the feedback.
Maths in question text and feedback is LaTeX between \\( \\) for the LMS's MathJax/TeX filter.
"""
from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from html import escape as hesc

from ..render.walk import STATUS_TEXT, numbered
from ..steps import Solution
from .build import ExamBuild, Part, Question, Variant
from .common import decimal_text, is_trace, marks_text, answer_tolerance

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _num(x: float) -> str:
    """A number as LMS XML wants it: plain decimal, no exponent, no binary noise."""
    if isinstance(x, int):
        return str(x)
    return decimal_text(x)


def _parts_kind(q: Question) -> str:
    ps = [p for p in q.parts if not (p.kind == "number" and not _finite(p.value))]
    if not ps or len(ps) != len(q.parts):
        return "essay" if not ps else "multi"
    if len(ps) == 1:
        return ps[0].kind
    return "multi"


def _finite(x) -> bool:
    import math

    return isinstance(x, (int, float)) and math.isfinite(float(x))


def _stripped(display: str) -> str:
    if "." in display and "e" not in display:
        s = display.rstrip("0").rstrip(".")
        return s if s not in ("", "-") else "0"
    return display


# ---- shared HTML ----------------------------------------------------------------------------------------

def _dmath(latex: str) -> str:
    return f'<div class="math">\\(\\displaystyle {hesc(latex)}\\)</div>'


def _question_html(q: Question, v: Variant, tex: bool = True) -> str:
    """The question as HTML: maths as TeX between \\( \\) for the LMS's MathJax (`tex`), or readable Unicode
    (GIFT, whose own escapes would tangle with TeX's braces)."""
    names = ", ".join(a.name for a in q.answers)
    statement = q.rich.html(lambda latex: "\\(" + hesc(latex) + "\\)", hesc) if tex else hesc(q.statement)
    html = [f"<p>{statement}</p>"]
    if q.stated:
        html.append("<p>Conventions:</p><ul>" + "".join(f"<li>{hesc(t)}</li>" for t in q.conventions_text) + "</ul>")
    html += [f"<p>{hesc(n)}</p>" for n in q.sign_notes]
    if names:
        html.append(f"<p>Give: {hesc(names)}.</p>")
    html.append(f'<p style="font-size:small;color:#666">Variant {v.number} · seed {v.seed} · {hesc(marks_text(q.marks))}</p>')
    return "".join(html)


def _key_html(q: Question, solutions: bool) -> str:
    rows = []
    for a in q.answers:
        val = f"{hesc(a.display)} (see the trace table)" if is_trace(a) else f"\\({hesc(a.latex)}\\)"
        rows.append(f"<tr><td>{hesc(a.name)}</td><td>{val}{' ' + hesc(a.unit) if a.unit else ''}</td>"
                    f"<td>{hesc(answer_tolerance(a))}</td></tr>")
    out = ["<p><strong>Answers</strong></p>", "<table><tr><th>Answer</th><th>Value</th><th>Tolerance</th></tr>",
           *rows, "</table>", f"<p><small>{hesc(q.reproduce)}</small></p>"]
    if solutions:
        out.append(_solution_html(q.solution))
    return "".join(out)


def _solution_html(sol: Solution) -> str:
    out = ["<p><strong>Worked solution</strong></p>"]
    if sol.conventions:
        out.append("<ul>" + "".join(f"<li>{hesc(c.name)} = {hesc(c.choice)}: {hesc(c.description)}</li>"
                                    for c in sol.conventions) + "</ul>")
    for num, _depth, s in numbered(sol):
        body = [f"<p><strong>{hesc(num)}. {hesc(s.title)}</strong>"]
        if s.text:
            body.append(f"<br>{hesc(s.text)}")
        body.append("</p>")
        maths = [m for m in (s.formula, s.substituted) if m]
        if s.value and (s.formula is None or s.value.latex != s.formula.latex):
            maths.append(s.value)
        body += [_dmath(m.latex) for m in maths]
        if s.table:
            t = s.table
            body.append("<table><tr>" + "".join(f"<th>\\({hesc(c.latex)}\\)</th>" for c in t.columns) + "</tr>"
                        + "".join("<tr>" + "".join(f"<td>{hesc(c)}</td>" for c in r) + "</tr>" for r in t.rows) + "</table>")
        out.append("".join(body))
    out.append(f"<p>Status: {hesc(STATUS_TEXT[sol.status])}.</p>")
    return "".join(out)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


# ---- Moodle XML -----------------------------------------------------------------------------------------

def _one_line(s: str) -> str:
    """Text for a one-line slot (a comment, a category path, an attribute): whitespace runs, line breaks
    included, become one space, so nothing can start a line of its own."""
    return " ".join(s.split())


def _category_name(s: str) -> str:
    """A Moodle category name: shown by Moodle as HTML, so escaped; '/' separates categories, '//' is one '/'."""
    return hesc(_one_line(s), quote=False).replace("/", "//")


def _mtext(parent: ET.Element, tag: str, text: str, fmt: str | None = "html") -> ET.Element:
    el = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(el, "text", text)
    return el


def _cloze_escape(s: str) -> str:
    return "".join("\\" + ch if ch in '}#~/"\\' else ch for ch in s)


def _cloze(p: Part) -> str:
    if p.kind == "number":
        alts = [f"={_num(p.value)}:{_num(p.tolerance)}"]
        if p.either_sign and p.value != 0:
            alts.append(f"={_num(-p.value)}:{_num(p.tolerance)}")
        return "{1:NUMERICAL:" + "~".join(alts) + "}"
    if p.kind == "bool":
        right, wrong = ("true", "false") if p.value else ("false", "true")
        return "{1:MULTICHOICE:=" + right + "~" + wrong + "}"
    return "{1:SHORTANSWER:=" + _cloze_escape(str(p.value)) + "}"


def moodle_xml(b: ExamBuild) -> bytes:
    quiz = ET.Element("quiz")
    top = _category_name(b.spec.title)
    n_questions = len(b.variants[0].questions) if b.variants else 0
    for i in range(n_questions):
        q0 = b.variants[0].questions[i]
        cat = _sub(quiz, "question", type="category")
        _sub(_sub(cat, "category"), "text", f"$course$/top/{top}/Q{q0.number} {_category_name(q0.title)}")
        _mtext(cat, "info", f"Question {q0.number} ({q0.family}): {len(b.variants)} variants, exam seed {b.seed}.")
        for v in b.variants:
            q = v.questions[i]
            _moodle_question(quiz, b, v, q)
    return _xml(quiz)


def _moodle_question(quiz: ET.Element, b: ExamBuild, v: Variant, q: Question) -> None:
    kind = _parts_kind(q)
    mtype = {"number": "numerical", "bool": "truefalse", "text": "shortanswer", "multi": "cloze", "essay": "essay"}[kind]
    el = _sub(quiz, "question", type=mtype)
    _sub(_sub(el, "name"), "text", f"Q{q.number} {q.family} v{v.number:0{b.width}d} (seed {v.seed})")
    text = _question_html(q, v)
    if kind == "multi":
        rows = "".join(f"<tr><td>{hesc(p.label)}{' (' + hesc(p.unit) + ')' if p.unit else ''}</td><td>{_cloze(p)}</td></tr>"
                       for p in q.parts)
        text += f"<table>{rows}</table>"
    _mtext(el, "questiontext", text)
    _mtext(el, "generalfeedback", _key_html(q, b.solutions))
    if kind != "multi":
        _sub(el, "defaultgrade", _num(q.marks))
    _sub(el, "penalty", "0.3333333")
    _sub(el, "hidden", "0")
    _sub(el, "idnumber", f"q{q.number}-v{v.number}-{v.seed}")
    if kind == "number":
        p = q.parts[0]
        for value in ([p.value, -p.value] if p.either_sign and p.value != 0 else [p.value]):
            ans = _sub(el, "answer", fraction="100", format="moodle_auto_format")
            _sub(ans, "text", _num(value))
            _mtext(ans, "feedback", "")
            _sub(ans, "tolerance", _num(p.tolerance))
        _sub(el, "unitgradingtype", "0")
        _sub(el, "unitpenalty", "0.1000000")
        _sub(el, "showunits", "3")
        _sub(el, "unitsleft", "0")
    elif kind == "bool":
        p = q.parts[0]
        for val in ("true", "false"):
            ans = _sub(el, "answer", fraction="100" if (val == "true") == bool(p.value) else "0", format="moodle_auto_format")
            _sub(ans, "text", val)
            _mtext(ans, "feedback", "")
    elif kind == "text":
        _sub(el, "usecase", "0")
        ans = _sub(el, "answer", fraction="100", format="moodle_auto_format")
        _sub(ans, "text", str(q.parts[0].value))
        _mtext(ans, "feedback", "")
    elif kind == "essay":
        _sub(el, "responseformat", "editor")
        _sub(el, "responserequired", "1")
        _sub(el, "responsefieldlines", "15")
        _sub(el, "attachments", "0")
        _mtext(el, "graderinfo", _key_html(q, b.solutions))
        _mtext(el, "responsetemplate", "")


# ---- QTI 1.2 (Canvas) -----------------------------------------------------------------------------------

_QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"


def _ident(*parts) -> str:
    return "g" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:24]


def _meta(parent: ET.Element, fields: list[tuple[str, str]]) -> None:
    md = _sub(parent, "qtimetadata")
    for label, entry in fields:
        f = _sub(md, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _mattext(parent: ET.Element, html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def _blank(label: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in label).strip("_") or "answer"


def _qti_item(section: ET.Element, b: ExamBuild, v: Variant, q: Question) -> None:
    kind = _parts_kind(q)
    ctype = {"number": "numerical_question", "bool": "true_false_question", "text": "short_answer_question",
             "multi": "fill_in_multiple_blanks_question", "essay": "essay_question"}[kind]
    item = _sub(section, "item", ident=f"q{q.number}v{v.number}", title=f"Question {q.number}, variant {v.number} (seed {v.seed})")
    _meta(_sub(item, "itemmetadata"), [("question_type", ctype), ("points_possible", _num(q.marks)),
                                      ("stepwise_variant_seed", str(v.seed))])
    pres = _sub(item, "presentation")
    text = _question_html(q, v)
    blanks = []
    if kind == "multi":
        seen: dict[str, int] = {}
        for p in q.parts:
            name = _blank(p.label)
            seen[name] = seen.get(name, 0) + 1
            blanks.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
        text += "<p>" + "<br>".join(f"{hesc(p.label)} = [{n}]" for p, n in zip(q.parts, blanks)) + "</p>"
    _mattext(pres, text)
    proc = _sub(item, "resprocessing")
    _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    if kind == "number":
        resp = _sub(pres, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(resp, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        p = q.parts[0]
        for value in ([p.value, -p.value] if p.either_sign and p.value != 0 else [p.value]):
            rc = _sub(proc, "respcondition", **{"continue": "No"})
            cond = _sub(rc, "conditionvar")
            either = _sub(cond, "or")
            _sub(either, "varequal", _num(value), respident="response1")
            both = _sub(either, "and")
            _sub(both, "vargte", _num(value - p.tolerance), respident="response1")
            _sub(both, "varlte", _num(value + p.tolerance), respident="response1")
            _sub(rc, "setvar", "100", action="Set", varname="SCORE")
    elif kind == "bool":
        resp = _sub(pres, "response_lid", ident="response1", rcardinality="Single")
        choice = _sub(resp, "render_choice")
        for val in ("true", "false"):
            lab = _sub(choice, "response_label", ident=f"answer_{val}")
            _mattext(lab, "True" if val == "true" else "False")
        rc = _sub(proc, "respcondition", **{"continue": "No"})
        _sub(_sub(rc, "conditionvar"), "varequal", "answer_true" if q.parts[0].value else "answer_false", respident="response1")
        _sub(rc, "setvar", "100", action="Set", varname="SCORE")
    elif kind == "text":
        resp = _sub(pres, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(resp, "render_fib"), "response_label", ident="answer1", rshuffle="No")
        rc = _sub(proc, "respcondition", **{"continue": "No"})
        _sub(_sub(rc, "conditionvar"), "varequal", str(q.parts[0].value), respident="response1")
        _sub(rc, "setvar", "100", action="Set", varname="SCORE")
    elif kind == "multi":
        share = 100 / len(q.parts)
        for p, name in zip(q.parts, blanks):
            resp = _sub(pres, "response_lid", ident=f"response_{name}")
            _mattext(resp, name)
            choice = _sub(resp, "render_choice")
            accepted = _accepted(p)
            for j, s in enumerate(accepted):
                lab = _sub(choice, "response_label", ident=f"{name}_{j}")
                _mattext(lab, s)
            rc = _sub(proc, "respcondition")
            cond = _sub(rc, "conditionvar")
            alts = _sub(cond, "or") if len(accepted) > 1 else cond
            for j in range(len(accepted)):
                _sub(alts, "varequal", f"{name}_{j}", respident=f"response_{name}")
            _sub(rc, "setvar", _num(round(share, 6)), action="Add", varname="SCORE")
    else:  # essay
        resp = _sub(pres, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(resp, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    fb = _sub(item, "itemfeedback", ident="general_fb")
    _mattext(_sub(fb, "flow_mat"), _key_html(q, b.solutions))


def _accepted(p: Part) -> list[str]:
    if p.kind == "bool":
        return ["true" if p.value else "false"]
    if p.kind == "text":
        return [str(p.value)]
    shown = [p.display, _stripped(p.display)]
    if p.either_sign and p.value != 0:
        neg = p.display[1:] if p.display.startswith("-") else "-" + p.display
        shown += [neg, _stripped(neg)]
    out = []
    for s in shown:
        if s not in out:
            out.append(s)
    return out


def qti_zip(b: ExamBuild) -> bytes:
    aid = _ident(b.spec.title, b.seed, len(b.variants))
    root = ET.Element("questestinterop", {"xmlns": _QTI_NS})
    assessment = _sub(root, "assessment", ident=aid, title=_one_line(b.spec.title))  # plain text, escaped by XML
    _meta(assessment, [("cc_maxattempts", "1"), ("stepwise_exam_seed", str(b.seed))])
    top = _sub(assessment, "section", ident="root_section")
    n_questions = len(b.variants[0].questions) if b.variants else 0
    for i in range(n_questions):
        q0 = b.variants[0].questions[i]
        sec = _sub(top, "section", ident=f"{aid}_q{q0.number}", title=f"Question {q0.number}: {q0.title}")
        sel = _sub(_sub(sec, "selection_ordering"), "selection")
        _sub(sel, "selection_number", "1")
        _sub(_sub(sel, "selection_extension"), "points_per_item", _num(q0.marks))
        for v in b.variants:
            _qti_item(sec, b, v, v.questions[i])
    assessment_xml = _xml(root)

    manifest = ET.Element("manifest", {"identifier": f"{aid}_manifest", "xmlns": _CP_NS})
    md = _sub(manifest, "metadata")
    _sub(md, "schema", "IMS Content")
    _sub(md, "schemaversion", "1.1.3")
    _sub(manifest, "organizations")
    res = _sub(_sub(manifest, "resources"), "resource", identifier=aid, type="imsqti_xmlv1p2")
    _sub(res, "file", href=f"{aid}/{aid}.xml")
    manifest_xml = _xml(manifest)

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("imsmanifest.xml", manifest_xml), (f"{aid}/{aid}.xml", assessment_xml)):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


# ---- GIFT -----------------------------------------------------------------------------------------------

def _gift_escape(s: str) -> str:
    return "".join("\\" + ch if ch in "~=#{}:" else ch for ch in s)


def gift(b: ExamBuild) -> bytes:
    out = [f"// {hesc(_one_line(b.spec.title), quote=False)}: {len(b.variants)} variants, exam seed {b.seed} (made by stepwise exam)",
           "// Multi-part questions are essays graded from the key in the feedback: GIFT has no multi-part",
           "// numerical question. The Moodle XML export grades them automatically (cloze).", ""]
    top = _category_name(b.spec.title)
    n_questions = len(b.variants[0].questions) if b.variants else 0
    for i in range(n_questions):
        q0 = b.variants[0].questions[i]
        out += [f"$CATEGORY: $course$/top/{top}/Q{q0.number} {_category_name(q0.title)}", ""]
        for v in b.variants:
            q = v.questions[i]
            kind = _parts_kind(q)
            name = f"Q{q.number} {q.family} v{v.number:0{b.width}d} (seed {v.seed})"
            text = _gift_escape(_question_html(q, v, tex=False))
            fb = "####" + _gift_escape(_key_html(q, b.solutions))
            if kind == "number":
                p = q.parts[0]
                vals = [p.value, -p.value] if p.either_sign and p.value != 0 else [p.value]
                if len(vals) == 1:
                    answer = f"#{_num(p.value)}:{_num(p.tolerance)}"
                else:
                    answer = "#" + " ".join(f"={_num(x)}:{_num(p.tolerance)}" for x in vals)
            elif kind == "bool":
                answer = "TRUE" if q.parts[0].value else "FALSE"
            elif kind == "text":
                answer = "=" + _gift_escape(str(q.parts[0].value))
            else:
                answer = ""
            out += [f"::{_gift_escape(name)}::[html]{text}{{{answer}{fb}}}", ""]
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")
