"""The web UI's dead ends and readability in a real browser (issue 18 items 4 and 5): `stepwise serve` and
Debian's Chromium through Playwright (the fixtures of tests/test_browser.py). Screenshots are artifacts."""
from __future__ import annotations

from browser_support import artifacts, browser  # noqa: F401  (fixtures)
from test_browser import page, server  # noqa: F401  (fixtures)


def test_a_too_large_paste_is_not_sent_and_keeps_what_was_typed(page, artifacts):
    from playwright.sync_api import expect

    page.goto("/")
    question = "Apply Adam to f(x) = x^2 from x = 1 with data " + " ".join(["1.25"] * 120_000)  # ~600 KB
    page.fill("#question", question)
    page.click("#read-question")
    guard = page.locator(".paste-form .size-guard")
    expect(guard).to_be_visible()
    expect(guard).to_contain_text("too large to send")
    expect(guard).to_contain_text("/api/ask")
    assert page.url.endswith("/"), "nothing was sent"
    assert page.input_value("#question") == question
    page.screenshot(path=str(artifacts / "paste-too-large.png"))
    assert not page.problems, page.problems


def test_a_too_large_problem_form_keeps_its_fields(page, artifacts):
    from playwright.sync_api import expect

    page.goto("/f/perceptron?example=1")
    big = "; ".join(["(1, 2)"] * 90_000)
    page.fill("#p-X", big)
    page.click("#solve")
    guard = page.locator(".problem-form .size-guard")
    expect(guard).to_contain_text("everything you typed is still here")
    assert "/solve" not in page.url
    assert page.input_value("#p-X") == big and page.input_value("#p-y") != ""
    page.fill("#p-X", "(-1,2), (0,-1), (2,1)")  # the same form, now small enough, is sent
    page.click("#solve")
    expect(page.locator("h1")).to_have_text("Perceptron training trace")
    assert not page.problems, page.problems


def test_a_wide_table_scrolls_with_a_visible_cue_on_a_phone(page, artifacts):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    # 20-dimensional points: the trace's weight vectors are wider than a phone
    points = ", ".join("(" + ",".join(str((i * 7 + j * 3) % 5 - 2.5) for j in range(20)) + ")" for i in range(3))
    page.goto(f"/f/perceptron/solve?p.X={points}&p.y=0+1+0&p.bias=false")
    table = page.locator(".table-scroll").filter(has=page.locator("table.trace")).first
    expect(table).to_be_visible()
    assert table.evaluate("el => el.scrollWidth > el.clientWidth"), "the trace is wider than the phone"
    expect(table).to_have_class("table-scroll scrolls more-right")
    assert table.evaluate("el => getComputedStyle(el).boxShadow").count("inset") == 1
    page.screenshot(path=str(artifacts / "phone-wide-table.png"), full_page=True)
    table.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    expect(table).to_have_class("table-scroll scrolls more-left")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page itself does not scroll sideways (scrollWidth {width})"
    assert not page.problems, page.problems


def test_a_500_by_500_matrix_entered_by_file_upload(page, artifacts, tmp_path):
    """Issue 18's done-when: a 500 x 500 matrix by file upload, solved on the numeric path. Oracle: numpy's SVD."""
    import numpy as np
    from playwright.sync_api import expect

    a = np.random.default_rng(3).normal(size=(500, 500))
    path = tmp_path / "matrix.csv"
    path.write_text("\n".join(",".join(f"{x:.8f}" for x in row) for row in a))
    page.goto("/f/svd?example=1")
    page.select_option("#upload-field", "A")
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-button")
    expect(page.locator("#p-A-upload")).to_have_text("From a file: an uploaded 500 x 500 matrix.")
    page.fill("#p-k", "2")
    page.click("#solve")
    expect(page.locator("h1")).to_contain_text("ingular")
    shown = page.locator("#answer-singular_values .display").text_content()
    first = float(shown.split("(")[1].split(",")[0])
    assert abs(first - np.linalg.svd(np.round(a, 8), compute_uv=False)[0]) < 1e-3
    assert len(page.url) < 300, "the solution's link names the file, not its numbers"
    page.screenshot(path=str(artifacts / "upload-500x500.png"))
    assert not page.problems, page.problems


def test_a_long_solution_on_a_phone_has_its_summary_on_top(page, artifacts):
    """Issue 18 item 5: on a 390 x 844 phone the answers and the conventions come before the steps, the page
    does not scroll sideways, and each answer names the step it comes from."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/f/adam?example=1")
    page.click("#solve")
    expect(page.locator("#answers")).to_be_visible()
    answers = page.locator("#answers").bounding_box()
    conventions = page.locator(".conventions").bounding_box()
    steps = page.locator("#steps").bounding_box()
    assert answers["y"] < conventions["y"] < steps["y"], (answers, conventions, steps)
    assert conventions["y"] < 10_000
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    origin = page.locator("#answer-w .answer-origin")
    expect(origin).to_contain_text("step ")
    nested = page.locator("details.substeps .step").first
    if nested.count():
        box = nested.bounding_box()
        assert box is None or box["width"] > 390 * 0.7, "nested steps use the phone's width"
    page.screenshot(path=str(artifacts / "phone-long-solution.png"), full_page=True)
    assert not page.problems, page.problems


def test_a_diverging_nag_run_warns_at_the_top_and_a_switch_says_what_changed(page, artifacts):
    """Issue 18's done-when in the browser: NAG on f(x) = x² from x = 1 with η = 1.5, β = 0.9 diverges (each
    step multiplies the error by more than 1: the loss grows by orders of magnitude), and the warning stands above
    the statement; switching the NAG form lists the answers that changed."""
    from playwright.sync_api import expect

    page.goto("/f/nag/solve?p.loss=x**2&p.w0=1&p.lr=1.5&p.beta=0.9&p.steps=6")
    warning = page.locator("#solution-warning")
    expect(warning).to_contain_text("diverges")
    expect(warning).to_contain_text("learning rate")
    assert warning.bounding_box()["y"] < page.locator("#statement-heading").bounding_box()["y"]
    page.screenshot(path=str(artifacts / "nag-diverges.png"))
    page.locator('a.switch[data-convention="nag_form"][data-option="sutskever"]').first.click()
    changed = page.locator("#what-changed")
    expect(changed).to_contain_text("from notes to sutskever")
    expect(changed).to_contain_text("answers changed")
    page.screenshot(path=str(artifacts / "nag-what-changed.png"))
    assert not page.problems, page.problems
