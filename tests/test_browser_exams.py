"""The exam builder in a real browser: `stepwise serve` (waitress) with its exam database in tmp_path,
driven by Playwright with Debian's Chromium (the pattern of tests/test_browser.py).

The issue's acceptance: an exam built in the browser survives a server restart and downloads as PDF
with rendered maths. On the way: logging in as an instructor (exams belong to accounts), "Add to exam" from two solutions, reorder, marks (saved with Enter),
preview with MathML laid out, the zip of every format, two tabs saving the same exam (the conflict
message, nothing lost), deletion through its confirmation page, and no console error (a CSP violation
would show) on any page.

Skips on a developer machine without /usr/bin/chromium or the playwright package; under CI (the CI
environment variable set) a missing browser is a failure. Screenshots go to STEPWISE_ARTIFACTS
(default: pytest's tmp_path).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from browser_support import require_browser as _require_browser  # noqa: E402
from browser_support import StepwiseServer, artifacts, browser  # noqa: E402,F401  (fixtures)


class Server(StepwiseServer):
    """`python -m solver.cli serve` on a free loopback port with STEPWISE_EXAM_DB set; no traceback in its log."""

    def __init__(self, db: Path, log_path: Path):
        self.db = db
        super().__init__(log_path, env={"STEPWISE_EXAM_DB": str(db)}, no_traceback=True)


PASSWORD = "correct horse battery"


def _page(context, problems: list[str]):
    pg = context.new_page()
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") else
          problems.append(f"request failed: {r.url} ({r.failure})"))
    return pg


def _context(browser, base_url: str):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url, accept_downloads=True)
    context.set_default_timeout(60_000)  # a shared 2-core machine can be slow; a broken page still fails
    expect.set_options(timeout=60_000)
    return context


def _unexpected(problems: list[str]) -> list[str]:
    """Console lines other than the browser's note of an intended 4xx answer (a conflict is a 409)."""
    return [p for p in problems if "status of 409" not in p and "status of 400" not in p]


def test_exam_built_in_the_browser_survives_a_restart_and_downloads_as_pdf(browser, tmp_path, artifacts):
    from playwright.sync_api import expect

    from solver.exam.store import ExamStore

    db = tmp_path / "data" / "exams.sqlite3"
    ExamStore(db).add_user("teacher", PASSWORD)   # `stepwise user add teacher`
    server = Server(db, tmp_path / "serve-1.log")
    problems: list[str] = []
    try:
        context = _context(browser, server.url)
        page = _page(context, problems)

        # a solution offers the log-in to an anonymous visitor; logging in comes back to the solution
        page.goto("/f/perceptron?example=1")
        page.click("#solve")
        page.click("#add-to-exam-login a")
        page.fill("#login-name", "teacher")
        page.fill("#login-password", PASSWORD)
        page.click("#login-button")
        expect(page.locator("#account-link")).to_have_text("teacher")

        # "Add to exam" on a solution: a new exam, named here
        page.goto("/f/perceptron?example=1")
        page.click("#solve")
        expect(page.locator("#add-to-exam")).to_be_visible()
        expect(page.locator("#add-exam-target")).to_have_value("new")
        page.fill("#add-exam-title", "Browser midterm")
        page.locator(".add-to-exam").screenshot(path=str(artifacts / "exam-add-control.png"))
        page.click("#add-to-exam-button")
        expect(page.locator("h1")).to_have_text("Browser midterm")
        expect(page.locator(".exam-flash")).to_contain_text("as question 1 (1 mark)")
        assert db.is_file(), "the database was created by the first save"

        # a second solution into the same exam (offered first, as the most recently saved)
        page.goto("/f/entropy?example=1")
        page.click("#solve")
        expect(page.locator("#add-exam-target option:checked")).to_have_text("Browser midterm")
        expect(page.locator(".new-exam-title")).to_be_hidden()
        page.click("#add-to-exam-button")
        expect(page.locator(".q-row")).to_have_count(2)

        # reorder, then marks and details saved with Enter (a plain save, not a row's move)
        page.click("#down-1")
        expect(page.locator("#q1 .q-title")).to_contain_text("Entropy")
        expect(page.locator(".exam-flash")).to_contain_text("Moved question 1 down")
        page.fill("#marks-1", "4")
        page.fill("#marks-2", "6")
        page.fill("#exam-course", "DL 301")
        page.fill("#exam-variants", "2")
        page.fill("#exam-seed", "7")
        page.press("#exam-seed", "Enter")
        expect(page.locator(".exam-flash")).to_have_text("Saved.")
        expect(page.locator("#q1 .q-title")).to_contain_text("Entropy")
        expect(page.locator("#question-total")).to_have_text("2 questions · 10 marks")
        page.screenshot(path=str(artifacts / "exam-editor.png"), full_page=True)

        # preview: the paper and the key, maths laid out as MathML
        page.click("#preview-link")
        expect(page.locator("#key .sheet-kind")).to_have_text("Answer key")
        math = page.locator("#key table.answers math").first
        expect(math).to_be_visible()
        box = math.bounding_box()
        assert box and box["height"] > 8 and box["width"] > 10, "MathML is laid out"
        page.screenshot(path=str(artifacts / "exam-preview.png"), full_page=True)
        page.click("#back-to-exam")

        # every format in one zip
        with page.expect_download() as info:
            page.click("#download-all")
        download = info.value
        assert download.suggested_filename == "browser-midterm-exam.zip"
        names = zipfile.ZipFile(download.path()).namelist()
        assert "browser-midterm/variant-02-key.pdf" in names and "browser-midterm/moodle.xml" in names

        # two tabs save the same exam: the second is told, and keeps its edits
        other = _page(context, problems)
        other.goto(page.url)
        page.fill("#exam-title", "Browser midterm (tab 1)")
        page.click("#save-details")
        expect(page.locator(".exam-flash")).to_have_text("Saved.")
        other.fill("#marks-2", "9")
        other.click("#save-questions")
        expect(other.locator("#conflict")).to_contain_text("Not saved: this exam was changed somewhere else")
        expect(other.locator("#marks-2")).to_have_value("9")
        expect(other.locator("table.conflict-diff")).to_contain_text("Browser midterm (tab 1)")
        other.screenshot(path=str(artifacts / "exam-conflict.png"), full_page=True)
        other.fill("#exam-title", "Browser midterm")
        other.click("#save-questions")
        expect(other.locator(".exam-flash")).to_have_text("Saved.")
        expect(other.locator("#marks-2")).to_have_value("9")
        other.close()
        context.close()
    finally:
        server.stop()

    # restart the server on the same database: the exam is there and downloads as PDF with typeset maths
    server = Server(db, tmp_path / "serve-2.log")
    try:
        context = _context(browser, server.url)
        page = _page(context, problems)
        page.goto("/exams")  # a new browser: the log-in page first, then back to the exams
        page.fill("#login-name", "teacher")
        page.fill("#login-password", PASSWORD)
        page.click("#login-button")
        expect(page.locator(".exam-item-title")).to_have_text("Browser midterm")
        page.screenshot(path=str(artifacts / "exams-list.png"), full_page=True)
        page.click(".exam-item-title")
        expect(page.locator("#marks-2")).to_have_value("9")
        with page.expect_download() as info:
            page.click("#download-pdf")
        download = info.value
        assert download.suggested_filename == "browser-midterm-pdf.zip"
        pdfs = zipfile.ZipFile(download.path())
        key = pdfs.read("browser-midterm/variant-01-key.pdf")
        assert key.startswith(b"%PDF-")
        _check_pdf_maths(key, tmp_path, artifacts)

        # delete: a confirmation page first, then the trash, from which it comes back
        page.click("#delete-link")
        expect(page.locator("h1")).to_have_text("Delete “Browser midterm”?")
        page.screenshot(path=str(artifacts / "exam-delete.png"))
        page.click("#confirm-delete")
        expect(page.locator(".exam-flash")).to_contain_text("Moved ‘Browser midterm’ to the trash")
        expect(page.locator("#no-exams")).to_be_visible()
        page.click("#trash-link")
        page.screenshot(path=str(artifacts / "exam-trash.png"), full_page=True)
        page.click("#restore-1")
        expect(page.locator(".exam-flash")).to_have_text("Restored ‘Browser midterm’ from the trash.")
        expect(page.locator("#marks-2")).to_have_value("9")
        context.close()
    finally:
        server.stop()
    assert _unexpected(problems) == [], "no console errors (a CSP violation would show here), no failed requests"


def _check_pdf_maths(data: bytes, tmp_path: Path, artifacts: Path) -> None:
    """The answers are in the PDF's text and its maths is set in a maths font (Typst's New Computer Modern
    Math); the first page is rendered to PNG with pdftoppm when it is installed (always under CI)."""
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Answer key" in text or "answer key" in text
    assert "Perceptron training trace" in text and "Entropy of a distribution" in text
    fonts = set()
    for p in reader.pages:
        for f in (p["/Resources"].get("/Font") or {}).values():
            fonts.add(str(f.get_object().get("/BaseFont")))
    assert any("Math" in f for f in fonts), f"a maths font is embedded: {fonts}"
    if shutil.which("pdftoppm") or os.environ.get("CI"):
        pdf = tmp_path / "key.pdf"
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(artifacts / "exam-key-pdf")],
                       check=True, timeout=60)
        assert list(artifacts.glob("exam-key-pdf*.png"))


def test_builder_randomises_a_question_and_its_paper_renders(browser, tmp_path, artifacts):
    """Issue 17 item 5 in the browser: a fixed eigen question made randomised with a 2 x 2 integer matrix
    in [-3, 3]; the two variants' PDF papers differ and the first renders to PNG with pdftoppm."""
    from playwright.sync_api import expect

    from solver.exam.store import ExamStore

    pypdf = pytest.importorskip("pypdf")
    db = tmp_path / "data" / "exams.sqlite3"
    ExamStore(db).add_user("teacher", PASSWORD)
    server = Server(db, tmp_path / "serve.log")
    problems: list[str] = []
    try:
        context = _context(browser, server.url)
        page = _page(context, problems)
        page.goto("/login")
        page.fill("#login-name", "teacher")
        page.fill("#login-password", PASSWORD)
        page.click("#login-button")
        page.goto("/f/eigen?example=1")
        page.click("#solve")
        page.fill("#add-exam-title", "Random eigen")
        page.click("#add-to-exam-button")
        expect(page.locator("h1")).to_have_text("Random eigen")

        page.locator("#q1 .q-random summary").click()
        page.select_option("#kind-1", "random")
        page.fill("#vary-1", "A = { rows = 2, cols = 2, min = -3, max = 3 }")
        page.fill("#exam-variants", "2")
        page.click("#save-questions")
        expect(page.locator(".exam-flash")).to_have_text("Saved.")
        expect(page.locator("#q1 .badge-random")).to_be_visible()
        expect(page.locator("#q1 .q-summary")).to_contain_text("varied: A 2 x 2 in [-3, 3]")
        page.screenshot(path=str(artifacts / "exam-randomised.png"), full_page=True)

        with page.expect_download() as info:
            page.click("#download-pdf")
        pdfs = zipfile.ZipFile(info.value.path())
        papers = [pdfs.read(f"random-eigen/variant-0{k}-paper.pdf") for k in (1, 2)]
        texts = [" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(d)).pages) for d in papers]
        body = [t[t.index("Question 1"):] for t in texts]
        assert body[0] != body[1], "the variants' questions differ"
        if shutil.which("pdftoppm") or os.environ.get("CI"):
            pdf = tmp_path / "paper.pdf"
            pdf.write_bytes(papers[0])
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(artifacts / "exam-random-paper")],
                           check=True, timeout=60, capture_output=True)
            png = next(artifacts.glob("exam-random-paper*.png"))
            assert png.read_bytes().startswith(b"\x89PNG")
        context.close()
    finally:
        server.stop()
    assert _unexpected(problems) == []
