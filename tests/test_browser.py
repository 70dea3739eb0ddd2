"""The web UI in a real browser: `stepwise serve` (waitress) on a free loopback port, driven by Playwright
with Debian's Chromium.

Skips on a developer machine without /usr/bin/chromium or the playwright package; under CI (the CI
environment variable set) a missing browser is a failure, not a skip. Screenshots go to the directory
named by STEPWISE_ARTIFACTS (default: pytest's tmp_path).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solver import registry

from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT  # noqa: E402
from browser_support import free_port as _free_port  # noqa: E402
from browser_support import require_browser as _require_browser  # noqa: E402
from browser_support import artifacts, browser, wait_listening  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m solver.cli serve` on a free loopback port; stopped (by its pid) after the module."""
    _require_browser()
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path_factory.mktemp("server") / "serve.log"
    log = open(log_path, "w")  # a file, not a pipe: a chatty server never blocks on a full pipe
    proc = subprocess.Popen([sys.executable, "-m", "solver.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(proc, port, log_path)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        assert "Traceback" not in log_path.read_text() or "unexpected error" in log_path.read_text()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    context.set_default_timeout(30_000)  # a shared 2-core machine can be slow; a broken page still fails
    pg = context.new_page()
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # a request the browser itself aborted because the page navigated on (a click while app.js was still
    # loading on a busy machine) is not a failure of the app; any other failed request is
    pg.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") else
          problems.append(f"request failed: {r.url} ({r.failure})"))
    pg.problems = problems
    yield pg
    context.close()


def plain(s: str) -> str:
    """Text as read on screen, spacing and the typographic minus normalised."""
    return "".join(s.replace("\u2212", "-").split())


def test_perceptron_end_to_end(page, artifacts):
    from playwright.sync_api import expect

    # home: families grouped by topic; the search box filters as you type
    page.goto("/")
    expect(page.get_by_role("heading", name="Worked solutions, step by step")).to_be_visible()
    cards = page.locator(".family-card")
    total = cards.count()
    assert total == len(registry.names())
    page.fill("#search", "perceptron training")
    expect(page.locator(".family-card:visible")).to_have_count(1)
    page.screenshot(path=str(artifacts / "home-search.png"))

    # choose the perceptron, load the worked example, solve
    page.click(".family-card:visible a")
    expect(page).to_have_url("/f/perceptron")
    page.click("#load-example")
    expect(page.locator(".notice")).to_contain_text("worked example")
    expect(page.locator("#p-X")).to_have_value("(-1,2), (0,-1), (2,1)")
    page.click("#solve")
    expect(page.locator("h1")).to_have_text("Perceptron training trace")
    assert "/f/perceptron/solve?" in page.url and "p.X=" in page.url, "the URL encodes the problem"

    # the trace and the final weights, typeset
    trace = page.locator("table.trace").first
    expect(trace).to_be_visible()
    expect(trace.locator("tbody tr")).to_have_count(6)
    w = page.locator("#answer-w .answer-value math")
    expect(w).to_be_visible()
    assert plain(w.text_content()) == "(-1,-3)"
    box = w.bounding_box()
    assert box and box["height"] > 8 and box["width"] > 20, "MathML is laid out"
    assert page.evaluate("document.fonts.check('16px \"Stepwise Math\"')"), "the vendored math font loads"
    page.screenshot(path=str(artifacts / "perceptron-solution.png"), full_page=True)

    # copy LaTeX (the only script besides the search filter)
    page.click("#copy-latex")
    expect(page.locator("#copy-status")).to_have_text("LaTeX copied.")
    assert page.evaluate("navigator.clipboard.readText()").startswith("\\documentclass")

    # check a wrong answer: malformed, wrong, and wrong-but-another-convention are told apart
    page.fill("#a-w", "(1, 3)")
    page.fill("#a-epochs", "two")
    page.click("#check-answers")
    expect(page.locator("#verdict-w")).to_contain_text("Not correct")
    expect(page.locator("#verdict-w")).to_have_class("verdict verdict-wrong")
    expect(page.locator("#verdict-epochs")).to_have_class("verdict verdict-malformed")
    expect(page.locator("#a-w")).to_have_value("(1, 3)")
    page.fill("#a-w", "(0, -1)")
    page.fill("#a-epochs", "")
    page.click("#check-answers")
    expect(page.locator("#verdict-w")).to_contain_text("Your value is what you get with")
    page.locator("#answers").screenshot(path=str(artifacts / "perceptron-check.png"))
    page.fill("#a-w", "-1 -3")
    page.click("#check-answers")
    expect(page.locator("#verdict-w")).to_have_class("verdict verdict-correct")

    # switch a convention in one click: the solution is re-solved under it
    page.click('a.switch[data-convention="firing_rule"][data-option=">"]')
    expect(page.locator("#convention-firing_rule .choice")).to_have_text(">")
    assert "c.firing_rule=" in page.url
    assert plain(page.locator("#answer-w .answer-value math").text_content()) == "(0,-1)"
    page.screenshot(path=str(artifacts / "perceptron-switched.png"), full_page=True)

    assert page.problems == [], "no console errors (a CSP violation would show here), no failed requests"

    # a bad value comes back (HTTP 400) with the message next to the field and the text kept
    page.click("#edit-problem")
    page.fill("#p-lr", "oops")
    page.click("#solve")
    expect(page.locator("#p-lr-error")).to_contain_text("The 'lr' parameter of perceptron")
    expect(page.locator("#p-lr")).to_have_value("oops")
    page.screenshot(path=str(artifacts / "perceptron-error.png"))
    assert [p for p in page.problems if "status of 400" not in p] == []


@pytest.mark.parametrize("name", ["nag", "pca"])
def test_notes_examples_solve_in_the_browser(page, artifacts, name):
    """The issue's acceptance: notes 000's NAG question and the PCA question, solved in the browser."""
    if name not in registry.names():
        pytest.skip(f"no {name} family yet")
    from playwright.sync_api import expect

    page.goto(f"/f/{name}")
    page.click("#load-example")
    page.click("#solve")
    expect(page.locator("#steps-heading")).to_be_visible()
    assert page.locator("ol.steps math").count() > 0
    assert page.locator("code.latex-source").count() == 0, "every formula is typeset"
    for answer in registry.get(name).solve_example().answers:
        expect(page.locator(f"#answer-{answer}")).to_be_visible()
    page.screenshot(path=str(artifacts / f"{name}-solution.png"), full_page=True)
    assert page.problems == []
