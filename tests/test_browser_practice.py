"""Practice mode in a real browser (issue 18 item 2): `stepwise serve` and Debian's Chromium through
Playwright (the fixtures of tests/test_browser.py). The answers stay hidden until the student answers;
"Show the next step" reveals the solution a step at a time and keeps what was typed; a right answer is
then shown. Screenshots (desktop and a 390 x 844 phone) are written as test artifacts.

Oracle: the perceptron's worked example from the course notes (week 1): w = (-1, -3) after two epochs.
"""
from __future__ import annotations

from browser_support import artifacts, browser  # noqa: F401  (fixtures)
from test_browser import page, plain, server  # noqa: F401  (fixtures)

PRACTICE = "/f/perceptron/practice?p.X=(-1,2),+(0,-1),+(2,1)&p.y=0+1+0&p.bias=false"


def test_practice_hides_then_reveals(page, artifacts):
    from playwright.sync_api import expect

    page.goto(PRACTICE)
    expect(page.locator("h1")).to_have_text("Practice: Perceptron training trace")
    expect(page.locator("#answer-w .answer-value")).to_have_text("hidden until you answer")
    expect(page.locator("#answer-w .answer-value math")).to_have_count(0)
    expect(page.locator(".step")).to_have_count(0)
    page.screenshot(path=str(artifacts / "practice-start.png"), full_page=True)

    # a wrong answer: told so, the answer still hidden
    page.fill("#a-w", "(1, 3)")
    page.click("#check-answers")
    expect(page.locator("#verdict-w")).to_contain_text("Not correct")
    assert "-3" not in plain(page.locator("#verdict-w").text_content())
    expect(page.locator("#answer-w .answer-value")).to_have_text("hidden until you answer")

    # the next step, one at a time; what was typed stays
    page.click("#next-step")
    expect(page.locator("#steps-shown")).to_contain_text("1 of")
    expect(page.locator("ol.steps > li.step")).to_have_count(1)
    expect(page.locator("#a-w")).to_have_value("(1, 3)")
    page.click("#next-step")
    expect(page.locator("ol.steps > li.step")).to_have_count(2)

    # the right answer: accepted and now shown, typeset
    page.fill("#a-w", "(-1, -3)")
    page.click("#check-answers")
    expect(page.locator("#verdict-w")).to_contain_text("Correct")
    expect(page.locator("#answer-w .answer-value math")).to_be_visible()
    assert plain(page.locator("#answer-w .answer-value math").text_content()) == "(-1,-3)"
    expect(page.locator("ol.steps > li.step")).to_have_count(2)  # checking does not move the steps on
    page.screenshot(path=str(artifacts / "practice-answered.png"), full_page=True)
    assert not page.problems, page.problems


def test_practice_on_a_phone_and_the_shared_link(page, artifacts):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/f/perceptron?example=1")
    page.click("#practise")
    expect(page.locator("h1")).to_contain_text("Practice:")
    link = page.locator("#practice-link").get_attribute("href")
    assert link.startswith("/f/perceptron/practice?")
    page.goto(link)
    expect(page.locator("#answer-w .answer-value")).to_have_text("hidden until you answer")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the practice page fits a phone's width (scrollWidth {width})"
    page.screenshot(path=str(artifacts / "practice-phone.png"), full_page=True)
    page.click("#all-steps")
    expect(page.locator("#next-step")).to_have_count(0)
    page.click("#reveal-all")
    expect(page.locator("#answer-w .answer-value math")).to_be_visible()
    assert not page.problems, page.problems
