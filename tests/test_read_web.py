"""The pasted question on the web: the home page's box, the family form filled from the reading (each field
marked with the words it came from, missing fields highlighted, alternatives one click away), and the JSON
API's POST /api/read and POST /api/ask, validated against the OpenAPI document.
"""
from __future__ import annotations

import html
import re

import pytest

from web import create_app

DONE_WHEN = "Apply NAG with learning rate 0.1 and momentum 0.9 to f(x) = x^2 starting at x = 1 for two steps"


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_home_has_the_paste_box(client):
    page = text(client.get("/"))
    assert "Paste a question" in page
    assert re.search(r'<form method="get" action="/read"', page)
    assert re.search(r'<textarea id="question" name="question"', page)


def test_a_pasted_question_opens_its_form_filled_and_marked(client):
    r = client.get("/read", query_string={"question": DONE_WHEN})
    assert r.status_code == 200
    page = html.unescape(text(r))
    assert "Nesterov accelerated gradient (NAG)" in page
    for name, value, quote in (("lr", "0.1", "learning rate 0.1"), ("beta", "0.9", "momentum 0.9"),
                               ("steps", "2", "two steps")):
        assert re.search(r'id="p-%s"[^>]*value="%s"' % (name, re.escape(value)), page), name
        assert f'id="p-{name}-evidence">from your question: “{quote}”' in page
    assert re.search(r'<textarea id="p-loss"[^>]*>x\*\*2</textarea>|id="p-loss"[^>]*value="x\*\*2"', page)
    assert 'action="/f/nag/solve"' in page
    assert "missing-note" not in page


def test_missing_fields_are_highlighted_and_alternatives_offered(client):
    r = client.get("/read", query_string={"question": "Find the eigenvalues of the matrix A."})
    page = html.unescape(text(r))
    assert r.status_code == 200
    assert re.search(r'class="field[^"]* missing', page) and 'id="p-A-missing"' in page
    assert "Missing: A" in page


def test_an_alternative_is_one_click_away(client):
    q = ("A sigmoid neuron is trained with momentum 0.5 and learning rate 1 on x = 1, y = 0, starting from "
         "w = 2.5, b = 0.")
    page = html.unescape(text(client.get("/read", query_string={"question": q})))
    links = re.findall(r'<a href="(/read\?[^"]+family=[a-z_]+)">', page)
    assert links
    other = client.get(links[0])
    assert other.status_code == 200 and "from your question" in text(other)


@pytest.mark.parametrize("question,status", [("", 400), ("   ", 400), ("\x00\x01" * 200, 400),
                                             ("¿Cuál es la capital de Francia?", 200), ("x" * 300_000, 400)])
def test_unreadable_questions_return_to_the_box_with_a_message(client, question, status):
    r = client.get("/read", query_string={"question": question})
    assert r.status_code in (status, 414)
    if r.status_code != 414:
        page = text(r)
        assert 'id="read-error"' in page and "Traceback" not in page


def test_the_reading_page_has_no_inline_script_or_style(client):
    page = text(client.get("/read", query_string={"question": DONE_WHEN}))
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page)
    assert not re.search(r"<[^>]+\sstyle\s*=", page)
    assert "<script>" not in page


# ---- the JSON API ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema_check(app):
    from openapi_schema_validator import OAS31Validator

    doc = app.test_client().get("/api/openapi.json").json

    def check(name: str, instance):
        OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]}).validate(instance)

    return check


def test_openapi_documents_read_and_ask(client):
    doc = client.get("/api/openapi.json").json
    assert doc["paths"]["/api/read"]["post"]["operationId"] == "read"
    assert doc["paths"]["/api/ask"]["post"]["operationId"] == "ask"
    from openapi_spec_validator import validate

    validate(doc)


def test_api_read(client, schema_check):
    r = client.post("/api/read", json={"text": DONE_WHEN})
    assert r.status_code == 200
    schema_check("ReadResult", r.json)
    reading = r.json["reading"]
    assert reading["family"] == "nag" and reading["confidence"] == "high"
    assert reading["evidence"]["beta"] == {"value": "0.9", "quote": "momentum 0.9", "start": 37, "end": 49,
                                           "how": "phrase"}
    assert DONE_WHEN[37:49] == "momentum 0.9"


def test_api_ask(client, schema_check):
    r = client.post("/api/ask", json={"text": DONE_WHEN})
    assert r.status_code == 200
    schema_check("AskResult", r.json)
    sol = r.json["solutions"][0]
    schema_check("Solution", sol)
    w, u = 1.0, 0.0  # the notes' NAG on f = x^2, written out
    for _ in range(2):
        u = 0.9 * u + 2 * (w - 0.9 * u)
        w -= 0.1 * u
    assert sol["answers"]["w"]["value"] == pytest.approx(w)


def test_api_ask_with_missing_fields_and_corrections(client, schema_check):
    r = client.post("/api/ask", json={"text": "Find the eigenvalues of the matrix A."})
    assert r.status_code == 200
    schema_check("AskResult", r.json)
    assert r.json["solutions"] == [] and r.json["reading"]["missing"] == ["A"] and r.json["error"]
    r = client.post("/api/ask", json={"text": "Find the eigenvalues of the matrix A.", "params": {"A": "[[2, 1], [1, 2]]"}})
    assert sorted(r.json["solutions"][0]["answers"]["eigenvalues"]["value"]) == [1, 3]


@pytest.mark.parametrize("body,field", [({}, "text"), ({"text": 3}, "text"), ({"text": ""}, "text"),
                                        ({"text": "x", "family": 7}, "family"), ({"text": "x", "family": "nope"}, "family"),
                                        ({"text": "a" * 300_000}, "text")])
def test_api_question_errors_name_the_field(client, schema_check, body, field):
    for url in ("/api/read", "/api/ask"):
        r = client.post(url, json=body)
        assert r.status_code == 400, (url, body)
        schema_check("Error", r.json)
        assert r.json["error"]["field"] == field


def test_every_parameter_spec_matches_the_openapi_document(client, schema_check):
    """Found when the document grew: the ParamSpec type enum lacked 'text' (variable names) and 'boolean'."""
    from solver import registry

    for name in registry.names():
        r = client.get(f"/api/families/{name}")
        schema_check("Family", r.json)
