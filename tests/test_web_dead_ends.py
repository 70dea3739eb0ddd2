"""No dead ends (issue 18 item 4) through Flask's test client: a value too long for the form comes back in
the form with everything typed kept and says how to enter large data; every error page links back (to the
problem's form where there is one); an undefined answer has no live "Check my answers" button."""
from __future__ import annotations

import re

import pytest

from web import create_app


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True, "MAX_FIELD_CHARS": 60, "MAX_QUERY_BYTES": 4096})


@pytest.fixture()
def client(app):
    return app.test_client()


def _text(r) -> str:
    return r.get_data(as_text=True)


def test_a_too_long_value_keeps_everything_typed(client):
    long_x = ", ".join(f"({i},{i + 1})" for i in range(12))  # more than 60 characters
    r = client.get("/f/perceptron/solve", query_string={"p.X": long_x, "p.y": "0 1 0", "p.lr": "0.5"})
    assert r.status_code == 400
    page = _text(r)
    assert "too long for the web form" in page and "/api/solve" in page and "stepwise solve" in page
    assert long_x in page.replace("&#39;", "'") and 'value="0.5"' in page and "0 1 0" in page


def test_a_414_links_back_to_the_problem_form_and_says_how_to_enter_large_data(client):
    r = client.get("/f/perceptron/solve?p.X=" + "1" * 5000)
    assert r.status_code == 414
    page = _text(r)
    assert re.search(r'<a class="button" href="/f/perceptron" id="error-back">Back to the problem', page)
    assert "Nothing was lost" in page and "POST /api/solve" in page and "stepwise solve" in page


def test_a_413_says_what_was_kept_and_links_back(client, app):
    big = {"csrf_token": "x", "a.w": "1" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    r = client.post("/f/perceptron/check?p.X=(1,2)&p.y=1", data=big)
    assert r.status_code == 413
    page = _text(r)
    assert "Nothing was lost" in page and 'id="error-back"' in page


@pytest.mark.parametrize("path", ["/nowhere", "/f/no_such_family", "/f/perceptron/solution.pdf"])
def test_every_error_page_links_back(client, path):
    r = client.get(path, headers={"Referer": "http://localhost/f/perceptron?example=1"})
    assert r.status_code == 404
    page = _text(r)
    assert 'href="/"' in page and ("id=\"error-back\"" in page)


def test_the_forms_say_their_size_limits_to_the_browser(client, app):
    assert f'data-max-bytes="{app.config["MAX_QUERY_BYTES"]}"' in _text(client.get("/f/perceptron?example=1"))
    assert f'data-max-bytes="{app.config["MAX_QUERY_BYTES"]}"' in _text(client.get("/"))


def test_an_undefined_answer_says_why_next_to_the_check_button(client):
    """A Gaussian sample with no spread has no maximum-likelihood variance (the likelihood is unbounded); the
    mean is still an answer, so the check stays live and the page says what is undefined."""
    r = client.get("/f/mle/solve", query_string={"p.distribution": "gaussian", "p.data": "2 2 2"})
    page = _text(r)
    assert r.status_code == 200 and 'id="check-undefined"' in page
    assert re.search(r'<button type="submit" class="primary" id="check-answers"\s*>', page)


@pytest.mark.parametrize("name", __import__("solver.registry", fromlist=["names"]).names())
def test_the_about_panel_shows_no_raw_markdown(client, name):
    """Issue 18 item 1: a family's description is shown as text, lists and code, never as raw Markdown
    such as "- `nag_form`:"."""
    page = _text(client.get(f"/f/{name}"))
    about = re.search(r"About this problem</h2>(.*?)</section>", page, re.S).group(1)
    assert "`" not in about and not re.search(r"(^|\s)- <code>", about)
