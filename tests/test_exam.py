"""Exams (solver.exam): exam files and their validation, seeds, TOML round trip, every non-PDF format's
structure, answers checked against independent oracles, byte-identical regeneration, the CLI."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import entropy as scipy_entropy

from solver.exam import FORMATS, build, dumps, export, loads, question_seed, variant_seed
from solver.exam.spec import ExamSpec, from_dict
from solver.params import InvalidInput
from solver.registry import get

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))

# A small exam that builds fast: one fixed problem (the notes' perceptron, WE-perceptron-6) and
# randomised problems whose answers scipy recomputes.
SMALL = '''
title = "Quiz: \\"information\\" & perceptrons"
course = "DL 301"
date = 2025-03-14
instructions = "Answer everything.\\nGive 4 decimal places."
seed = 7
variants = 3

[[problems]]
family = "perceptron"
marks = 4
answers = ["w"]
[problems.params]
X = "(-1,2), (0,-1), (2,1)"
y = "0 1 0"
bias = false
classify = "(-2,0)"

[[problems]]
family = "entropy"
marks = 3
answers = ["entropy"]
[problems.fix]
base = "2"

[[problems]]
family = "kl_divergence"
marks = 3
answers = ["kl", "kl_reverse"]
'''

NON_PDF = tuple(f for f in FORMATS if f != "pdf")


@pytest.fixture(scope="module")
def small():
    return loads(SMALL)


@pytest.fixture(scope="module")
def small_build(small):
    return build(small, solutions=True)


@pytest.fixture(scope="module")
def small_files(small_build):
    return export(small_build, NON_PDF)


# ---- exam files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_exam_files_validate(path):
    spec = loads(path.read_text(encoding="utf-8"))
    assert spec.problems and spec.title


def test_example_midterm_covers_ten_problems():
    spec = loads((ROOT / "examples" / "midterm.toml").read_text(encoding="utf-8"))
    assert len(spec.problems) == 10
    assert {"perceptron", "entropy", "cross_entropy", "kl_divergence", "softmax", "lr_schedule", "ewa"} <= {
        p.family for p in spec.problems}


def test_small_exam_reads_every_field(small):
    assert small.title == 'Quiz: "information" & perceptrons'
    assert small.date == "2025-03-14"               # a TOML date becomes ISO text
    assert small.instructions == "Answer everything.\nGive 4 decimal places."
    assert (small.seed, small.variants, small.total_marks) == (7, 3, 10)
    fixed, ent, kl = small.problems
    assert not fixed.random and ent.random and kl.random
    assert ent.fix == {"base": "2"} and kl.answers == ("kl", "kl_reverse")


def _exam(problems: str, head: str = 'title = "T"\n') -> str:
    return head + problems


@pytest.mark.parametrize("text,field,words", [
    ('[[problems]]\nfamily = "entropy"\n', "title", "'title' is required"),
    ('title = "T"\n', "problems", "at least one problem"),
    ('title = "T"\ncolour = 1\n[[problems]]\nfamily = "entropy"\n', "colour", "unknown key 'colour'"),
    (_exam('[[problems]]\nfamily = "entropi"\n'), "problems[1].family", "Did you mean entropy"),
    (_exam('[[problems]]\nfamily = "entropy"\nmarks = 0\n'), "problems[1].marks", "Problem 1 (entropy)"),
    (_exam('[[problems]]\nfamily = "entropy"\n[[problems]]\nfamily = "adam"\n[problems.params]\nlr = -0.1\n'),
     "problems[2].params.lr", "Problem 2 (adam): The 'lr' parameter of adam must be"),
    (_exam('[[problems]]\nfamily = "entropy"\nsize = 3\n'), "problems[1].size", "Problem 1 (entropy): unknown key"),
    (_exam('[[problems]]\nfamily = "entropy"\n[problems.fix]\nbase = "1"\n'), "problems[1].fix.base", "base"),
    (_exam('[[problems]]\nfamily = "entropy"\n[problems.fix]\nq = "1 2"\n'), "problems[1].fix.q", "no parameter 'q'"),
    (_exam('[[problems]]\nfamily = "adam"\n[problems.conventions]\neps_placement = "middle"\n'),
     "problems[1].conventions.eps_placement", "must be one of"),
    (_exam('[[problems]]\nfamily = "adam"\n[problems.conventions]\nlog_base = "2"\n'),
     "problems[1].conventions.log_base", "has no convention"),
    ('title = "T"\n[conventions]\nddoff = "n"\n[[problems]]\nfamily = "entropy"\n', "conventions.ddoff",
     "No problem of this exam has a convention"),
    ('title = "T"\n[conventions]\neps_placement = "middle"\n[[problems]]\nfamily = "adam"\n',
     "conventions.eps_placement", "Problem 1 (adam)"),
    (_exam('[[problems]]\nfamily = "entropy"\nrandom = true\n[problems.params]\np = "0.5 0.5"\n'),
     "problems[1].random", "use 'fix'"),
    (_exam('[[problems]]\nfamily = "entropy"\nseed_offset = 2\n[problems.params]\np = "0.5 0.5"\n'),
     "problems[1].seed_offset", "randomised problems only"),
    (_exam('[[problems]]\nfamily = "entropy"\nanswers = "entropy"\nmarks = true\n'), "problems[1].marks", "positive"),
    ('title = "T"\nvariants = 0\n[[problems]]\nfamily = "entropy"\n', "variants", "[1, 1000]"),
    ('title = "T"\nseed = -1\n[[problems]]\nfamily = "entropy"\n', "seed", "range"),
    ('title = "T\n', "file", "not valid TOML"),
])
def test_validation_names_problem_and_field(text, field, words):
    with pytest.raises(InvalidInput) as e:
        loads(text)
    assert e.value.field == field
    assert words in e.value.message


def test_unknown_answer_name_is_reported_at_build():
    spec = loads(_exam('[[problems]]\nfamily = "entropy"\nanswers = ["entropy", "nope"]\n'))
    with pytest.raises(InvalidInput) as e:
        build(spec)
    assert e.value.field == "problems[1].answers" and "'nope'" in e.value.message and "entropy" in e.value.message


def test_default_conventions_apply_only_where_the_family_has_them():
    spec = loads('title = "T"\n[conventions]\neps_placement = "outside"\n'
                 '[[problems]]\nfamily = "entropy"\n[[problems]]\nfamily = "adam"\n')
    b = build(spec)
    ent, adam = b.variants[0].questions
    assert "eps_placement" not in ent.solution.convention_choices
    assert adam.solution.convention_choices["eps_placement"] == "outside"


# ---- TOML round trip -----------------------------------------------------------------------------------

def test_toml_round_trip(small):
    text = dumps(small)
    again = loads(text)
    assert again == small
    assert dumps(again) == text                     # canonical: writing twice gives the same text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_round_trips(path):
    spec = loads(path.read_text(encoding="utf-8"))
    assert loads(dumps(spec)) == spec


def test_round_trip_keeps_awkward_values():
    spec = ExamSpec(title='Mid "term" \\ tab\there — ünïcode', course="a\tb", instructions="x = 1 # not a comment\nline 2",
                    problems=loads(_exam('[[problems]]\nfamily = "perceptron"\nmarks = 2.5\n'
                                         '[problems.params]\nX = [[-1, 2], [0, -1], [2, 1]]\ny = [0, 1, 0]\n'
                                         'bias = false\nlr = 0.1\n')).problems)
    back = loads(dumps(spec))
    assert back == spec
    assert back.problems[0].params["X"] == [[-1, 2], [0, -1], [2, 1]] and back.problems[0].params["lr"] == 0.1
    assert back.problems[0].marks == 2.5


# ---- seeds ---------------------------------------------------------------------------------------------

def test_variant_seeds_are_seedsequence_spawns():
    kids = np.random.SeedSequence(2025).spawn(4)
    assert [variant_seed(2025, k) for k in range(1, 5)] == [int(c.generate_state(1)[0]) for c in kids]


def test_variant_k_does_not_depend_on_the_number_of_variants(small):
    three = build(small, variants=3)
    five = build(small, variants=5)
    for v3, v5 in zip(three.variants, five.variants):
        assert v3.seed == v5.seed
        assert [q.solution.params for q in v3.questions] == [q.solution.params for q in v5.questions]


def test_recorded_question_seed_reproduces_the_instance(small_build):
    for v in small_build.variants:
        for q in v.questions:
            fam = get(q.family)
            if q.seed is None:
                continue
            raw = dict(fam.generate(q.seed))
            raw.update(q.fix)
            assert fam.solve(raw, q.solution.convention_choices).answers.keys() == q.solution.answers.keys()
            assert fam.solve(raw).params == q.solution.params
            assert q.seed == question_seed(v.seed, q.family, 0, 0)  # first try was well-posed


def test_reordering_problems_keeps_their_instances(small):
    swapped = ExamSpec(**{**small.__dict__, "problems": tuple(reversed(small.problems))})
    a, b = build(small), build(swapped)
    assert a.variants[0].questions[1].solution.params == b.variants[0].questions[1].solution.params


def test_variants_differ(small_build):
    ent = [v.questions[1].solution.params["p"] for v in small_build.variants]
    assert len({json.dumps(p) for p in ent}) == len(ent)


def test_different_exam_seed_changes_variants(small):
    assert build(small, seed=1).variants[0].seed != build(small, seed=2).variants[0].seed


# ---- answers against oracles -----------------------------------------------------------------------------

def test_fixed_perceptron_answer_matches_worked_example(small_build):
    """WE-perceptron-6 (notes 000): w = (-1, -3), in every variant."""
    for v in small_build.variants:
        q = v.questions[0]
        assert q.seed is None
        assert q.answers[0].value == [-1, -3]
        assert [p.value for p in q.parts] == [-1, -3]


def test_random_answers_match_scipy(small_build):
    """Entropy and KL of every variant's generated distributions (one per row) against scipy.stats.entropy."""
    for v in small_build.variants:
        ent, kl = v.questions[1], v.questions[2]
        p = np.atleast_2d(np.array(ent.solution.params["p"], dtype=float))
        want = scipy_entropy(p, base=2, axis=1)
        assert np.atleast_1d(ent.answers[0].value) == pytest.approx(want, abs=1e-9)
        base = {"e": np.e, "2": 2, "10": 10}[str(kl.solution.params.get("base", "e"))]
        pk, qk = (np.atleast_2d(np.array(kl.solution.params[k], dtype=float)) for k in ("p", "q"))
        assert np.atleast_1d(kl.answers[0].value) == pytest.approx(scipy_entropy(pk, qk, base=base, axis=1), abs=1e-9)
        assert np.atleast_1d(kl.answers[1].value) == pytest.approx(scipy_entropy(qk, pk, base=base, axis=1), abs=1e-9)


# ---- formats -------------------------------------------------------------------------------------------

def test_files_made(small_files):
    names = set(small_files)
    for k in (1, 2, 3):
        for ext in ("md", "tex", "html"):
            assert {f"variant-0{k}-paper.{ext}", f"variant-0{k}-key.{ext}"} <= names
    assert {"exam.json", "answers.csv", "moodle.xml", "canvas-qti.zip", "exam.gift.txt"} <= names


def test_every_output_records_every_variant_seed(small_build, small_files):
    seeds = [str(v.seed) for v in small_build.variants]
    for name, data in small_files.items():
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        text = data.decode("utf-8")
        m = re.match(r"variant-(\d+)-", name)
        wanted = [seeds[int(m.group(1)) - 1]] if m else seeds
        for s in wanted:
            assert s in text, f"{name} lacks seed {s}"


def test_papers_hold_no_answers_and_keys_do(small_build, small_files):
    v = small_build.variants[0]
    ent = v.questions[1].answers[0].display
    for ext in ("md", "tex", "html"):
        paper = small_files[f"variant-01-paper.{ext}"].decode()
        key = small_files[f"variant-01-key.{ext}"].decode()
        assert v.questions[1].statement.split(" ")[3] in paper or "entropy" in paper
        assert "Tolerance" not in paper and "Worked solution" not in paper
        assert "Tolerance" in key and "Worked solution" in key
        assert ent in key or ent.replace("-", "−") in key


def test_markdown_paper(small_files):
    md = small_files["variant-02-paper.md"].decode()
    assert md.startswith("# Quiz")
    assert md.count("\n## Question ") == 3
    assert "> Answer everything." in md


def test_latex_is_balanced(small_files):
    for name in ("variant-01-paper.tex", "variant-01-key.tex"):
        tex = small_files[name].decode()
        assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
        for env in set(re.findall(r"\\begin\{(\w+\*?)\}", tex)):
            assert tex.count(r"\begin{%s}" % env) == tex.count(r"\end{%s}" % env), env
        assert tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}")


class _Tags(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "mspace", "none", "mprescripts"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.maths = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "math":
            self.maths += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append((tag, list(self.stack[-3:])))
        else:
            self.stack.pop()


def test_html_is_well_nested_with_mathml(small_files):
    for name in ("variant-01-paper.html", "variant-01-key.html"):
        p = _Tags()
        p.feed(small_files[name].decode())
        assert not p.errors and not p.stack, (name, p.errors[:3])
        if "key" in name:
            assert p.maths > 10   # answers and steps as MathML, no script needed


def test_json_record(small_build, small_files):
    doc = json.loads(small_files["exam.json"])
    assert doc["seed"] == 7 and len(doc["variants"]) == 3
    for v, rec in zip(small_build.variants, doc["variants"]):
        assert rec["seed"] == v.seed
        assert [q["seed"] for q in rec["questions"]] == [q.seed for q in v.questions]
        assert "solution" in rec["questions"][0] and rec["questions"][0]["solution"]["schema"] == 1
    assert from_dict(doc["exam"]) == loads(SMALL)        # the record holds the exam itself


def test_csv_for_graders(small_build, small_files):
    rows = list(csv.DictReader(io.StringIO(small_files["answers.csv"].decode())))
    assert list(rows[0])[:6] == ["variant", "seed", "question", "family", "marks", "question_seed"]
    assert {"answer", "value", "tolerance"} <= set(rows[0])
    assert len(rows) == sum(len(q.answers) for v in small_build.variants for q in v.questions)
    for r in rows:
        v = small_build.variants[int(r["variant"]) - 1]
        q = v.questions[int(r["question"]) - 1]
        assert int(r["seed"]) == v.seed
        assert r["value"] == next(a.display for a in q.answers if a.name == r["answer"])
    first = next(r for r in rows if r["answer"] == "w")
    assert (first["value"], first["tolerance"]) == ("(-1, -3)", "±0.000000001")   # WE-perceptron-6


def test_moodle_xml_structure(small_build, small_files):
    root = ET.fromstring(small_files["moodle.xml"])
    assert root.tag == "quiz"
    qs = root.findall("question")
    cats = [q for q in qs if q.get("type") == "category"]
    assert len(cats) == 3                                    # one category per problem ...
    per_cat, current = {}, None
    for q in qs:
        if q.get("type") == "category":
            current = q.find("category/text").text
            assert current.startswith("$course$/top/")
            per_cat[current] = []
        else:
            per_cat[current].append(q)
    assert all(len(v) == 3 for v in per_cat.values())         # ... holding its 3 variants
    by_type = {}
    for q in qs:
        by_type.setdefault(q.get("type"), []).append(q)
    # the perceptron's w (2 entries) and the KL pair are cloze; entropy (one number) is numerical
    assert len(by_type["numerical"]) == 3 and len(by_type["cloze"]) == 6
    for q in by_type["numerical"]:
        ans = q.findall("answer")
        assert ans and all(a.find("tolerance") is not None for a in ans)
        assert float(ans[0].find("tolerance").text) == pytest.approx(5e-05)
        assert q.find("defaultgrade").text == "3"
        assert q.find("questiontext").get("format") == "html"
    entropy_values = sorted(float(q.find("answer/text").text) for q in by_type["numerical"])
    assert entropy_values == sorted(v.questions[1].parts[0].value for v in small_build.variants)
    cloze = by_type["cloze"][0].find("questiontext/text").text
    assert re.findall(r"\{1:NUMERICAL:=(-?[\d.]+):([\d.]+)\}", cloze) == [("-1", "0.000000001"), ("-3", "0.000000001")]
    fb = by_type["numerical"][0].find("generalfeedback/text").text
    assert "\\(" in fb and "\\)" in fb and "\\[" not in fb     # maths for Moodle's MathJax, inline delimiters
    names = [q.find("name/text").text for q in qs if q.get("type") != "category"]
    assert len(set(names)) == len(names)


def test_qti_zip_structure(small_build, small_files):
    ns = {"cp": "http://www.imsglobal.org/xsd/imscp_v1p1", "q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    with zipfile.ZipFile(io.BytesIO(small_files["canvas-qti.zip"])) as z:
        names = z.namelist()
        assert names[0] == "imsmanifest.xml"
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        res = manifest.findall("cp:resources/cp:resource", ns)
        assert len(res) == 1 and res[0].get("type") == "imsqti_xmlv1p2"
        href = res[0].find("cp:file", ns).get("href")
        assert href in names
        qti = ET.fromstring(z.read(href))
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
    assessment = qti.find("q:assessment", ns)
    groups = assessment.findall("q:section/q:section", ns)
    assert len(groups) == 3
    for g, marks in zip(groups, (4, 3, 3)):
        assert g.find("q:selection_ordering/q:selection/q:selection_number", ns).text == "1"
        assert g.find(".//q:points_per_item", ns).text == str(marks)
        items = g.findall("q:item", ns)
        assert len(items) == 3                                 # one item per variant of the question
    types = [i.find(".//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry", ns).text
             for i in qti.iter(f"{{{ns['q']}}}item")]
    assert types == ["fill_in_multiple_blanks_question"] * 3 + ["numerical_question"] * 3 + \
        ["fill_in_multiple_blanks_question"] * 3
    for item, v in zip(groups[1].findall("q:item", ns), small_build.variants):
        part = v.questions[1].parts[0]
        lo = float(item.find(".//q:vargte", ns).text)
        hi = float(item.find(".//q:varlte", ns).text)
        assert lo < part.value < hi and hi - lo == pytest.approx(2 * part.tolerance)
    blanks = [lab.find("q:material/q:mattext", ns).text for lab in groups[0].find("q:item", ns).iter(
        f"{{{ns['q']}}}response_label")]
    assert blanks == ["-1", "-3"]                               # WE-perceptron-6


def test_gift_structure(small_build, small_files):
    text = small_files["exam.gift.txt"].decode()
    assert text.count("$CATEGORY: $course$/top/") == 3
    questions = re.findall(r"^::(.+?)::\[html\]", text, flags=re.M)
    assert len(questions) == 9
    for v in small_build.variants:
        p = v.questions[1].parts[0]
        assert re.search(r"\{#%s:0\.00005####" % re.escape(str(p.value)), text)
    assert text.count("{####") == 6                              # multi-part: essays with the key as feedback


# ---- reproducibility and the command line ----------------------------------------------------------------

def test_same_file_and_seed_give_identical_bytes(small, small_files):
    again = export(build(loads(dumps(small)), solutions=True), NON_PDF)
    assert again.keys() == small_files.keys()
    for name in again:
        assert again[name] == small_files[name], name


def test_cli_writes_every_format(tmp_path):
    from solver.cli import main

    src = tmp_path / "quiz.toml"
    src.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["exam", str(src), "--variants", "2", "--seed", "11", "--out", str(out), "-f", "json,csv",
                 "--format", "gift"]) == 0
    assert sorted(os.listdir(out)) == ["answers.csv", "exam.gift.txt", "exam.json"]
    assert json.loads((out / "exam.json").read_text())["seed"] == 11


def test_cli_invalid_exam_exits_2_naming_the_field(tmp_path, capsys):
    from solver.cli import main

    src = tmp_path / "bad.toml"
    src.write_text(_exam('[[problems]]\nfamily = "adam"\n[problems.params]\nlr = "oops"\n'), encoding="utf-8")
    assert main(["exam", str(src), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "problems[1].params.lr" in err and "Problem 1 (adam)" in err
    assert main(["exam", str(src), "--out", str(tmp_path / "o"), "-f", "docx"]) == 2


def test_solve_does_not_import_the_exam_code():
    code = ("import sys; from solver.cli import main; main(['solve', 'entropy', '--example']); "
            "print([m for m in ('solver.exam', 'typst', 'sqlite3', 'tomllib') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def _stated_by_the_definition(fam, raw, conv, sol, chosen):
    """The conventions on the paper by their definition: each other option solved on the question's own path,
    the chosen answers compared within their tolerances."""
    import importlib

    B = importlib.import_module("solver.exam.build")
    out = []
    for c in fam.conventions:
        choice = sol.convention_choices.get(c.name)
        if choice is None or not c.paper.get(choice):
            continue
        changes, sign_only = False, True
        for option in c.options:
            if option == choice:
                continue
            try:
                alt = fam.solve(dict(raw), {**conv, c.name: option}, precision=sol.precision and
                                B.Precision(**sol.precision))
            except InvalidInput:
                continue
            for a in chosen:
                b = alt.answers.get(a.name)
                if b is not None and B._same(a, b):
                    continue
                changes = True
                sign_only = sign_only and b is not None and B._flips_only(a, b)
        if changes:
            out.append((c.name, choice, sign_only))
    return out


@pytest.mark.parametrize("name", sorted(n for n in __import__("solver.registry", fromlist=["names"]).names()
                                        if any(c.paper for c in get(n).conventions)))
def test_conventions_on_the_paper_match_their_definition(name):
    """The fast check (other options on the numeric path) states the same conventions as solving each option on
    the question's own path, for the worked example and a few generated instances."""
    import importlib

    B = importlib.import_module("solver.exam.build")
    fam = get(name)
    rng = np.random.default_rng(5)
    for raw in [dict(fam.example.params)] + [fam.module.generate(rng) for _ in range(3)]:
        try:
            sol = fam.solve(dict(raw))
        except InvalidInput:
            continue
        chosen = tuple(sol.answers.values())
        got = [(s.name, s.choice, s.sign_only) for s in B.stated_conventions(fam, raw, {}, sol, chosen)]
        assert got == _stated_by_the_definition(fam, raw, {}, sol, chosen), raw
