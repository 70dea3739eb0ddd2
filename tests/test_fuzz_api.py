"""Fuzzing every HTTP endpoint in-process (Flask's test client) and the OpenAPI contract (schemathesis).

Property, for every request: no 500, no traceback in the body, a JSON error naming its field for a
400 from the API (`{"error": {"field": "...", "message": "..."}}`), and under MAX_SECONDS of CPU
time. schemathesis generates requests from /api/openapi.json and checks that no response is a
server error or breaks the document's schemas.

Counts: see tests/test_fuzz.py (STEPWISE_FUZZ_EXAMPLES; a small derandomized count in CI).
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver import registry
from test_fuzz import (CLASSIC_TEXT, FAMILIES, FUZZ_BUDGET, MAX_SECONDS, count, cpu_time, fuzz_settings, hostile_value,
                       json_value, short)
from web import create_app

pytestmark = pytest.mark.fuzz

TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages")
ALLOWED = {200, 302, 308, 400, 404, 405, 413, 414, 415}  # 308: werkzeug merging slashes
#: The classics that fit in a URL or a JSON body under the app's limits (10 MB ones get a 413/414).
WEB_CLASSICS = [t for t in CLASSIC_TEXT if len(t) <= 20_000]


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True, "SOLUTION_CACHE_SIZE": 0})


@pytest.fixture(autouse=True)
def fuzz_budget(monkeypatch):
    """The exact path's budget while fuzzing (the web uses the registry's default)."""
    monkeypatch.setattr(registry, "EXACT_TIME_BUDGET", FUZZ_BUDGET)


def jsonable(v):
    """A hostile value as the JSON a client could send (NaN and Infinity included: Python's decoder takes them)."""
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if hasattr(v, "tolist"):
        return jsonable(v.tolist())
    return str(v)


def check_response(resp, what: str, seconds: float) -> None:
    body = resp.get_data(as_text=True)
    assert resp.status_code != 500, f"500 for {what}: {body[:300]}"
    assert resp.status_code in ALLOWED, f"HTTP {resp.status_code} for {what}"
    for marker in TRACEBACK_MARKERS:
        assert marker not in body, f"a traceback in the response to {what}"
    assert seconds < MAX_SECONDS, f"{seconds:.2f} s of CPU time for {what}"
    if resp.status_code >= 400 and resp.mimetype == "application/json":
        err = resp.get_json()["error"]
        assert isinstance(err["message"], str) and err["message"], what
        if resp.status_code == 400:
            assert isinstance(err["field"], str) and err["field"], f"a 400 naming no field for {what}: {err}"


def timed(call):
    with cpu_time() as t:
        resp = call()
    return resp, t.seconds


def post_json(client, url, body):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return timed(lambda: client.post(url, data=data, content_type="application/json"))


# ---- the JSON API -----------------------------------------------------------------------------------

family_name = st.one_of(st.sampled_from(FAMILIES), st.text(max_size=30), st.sampled_from(["", " ", "-", "Adam", "ＡＤＡＭ"]))


@st.composite
def problem_body(draw):
    name = draw(family_name)
    body: dict = {"family": name}
    params = {}
    if name in FAMILIES:
        fam = registry.get(name)
        params = {k: jsonable(v) for k, v in fam.example.params.items()}
        for p in draw(st.lists(st.sampled_from([p.name for p in fam.params]), max_size=2, unique=True)):
            params[p] = jsonable(draw(st.one_of(st.sampled_from(WEB_CLASSICS), hostile_value)))
        if fam.conventions and draw(st.booleans()):
            c = draw(st.sampled_from(fam.conventions))
            body["conventions"] = {c.name: draw(st.one_of(st.sampled_from(list(c.options)), json_value))}
    else:
        params = draw(st.dictionaries(st.text(max_size=8), json_value, max_size=3))
    body["params"] = params if draw(st.integers(0, 9)) else draw(json_value)
    if draw(st.booleans()):
        body["path"] = draw(st.one_of(st.sampled_from(["auto", "exact", "numeric"]), json_value))
    return body


@pytest.mark.parametrize("url", ["/api/solve", "/api/check"])
def test_api_posts_fuzz(app, url):
    client = app.test_client()

    @fuzz_settings(120)
    @given(problem_body(), st.dictionaries(st.text(max_size=10), json_value, max_size=3))
    def run(body, answers):
        if url == "/api/check":
            body["answers"] = answers
        resp, seconds = post_json(client, url, body)
        check_response(resp, f"POST {url} {short(body)}", seconds)

    run()


RAW_BODIES = [b"", b"null", b"[]", b"1", b'"x"', b"{", b"\xff\xfe\x00", b"[" * 100_000, b'{"a":' * 50_000,
              b'{"family": "perceptron", "params": {"X": NaN}}', b'{"family": "perceptron", "params": {"lr": Infinity}}',
              b'{"family": "perceptron", "params": {"lr": 1e999}}', b'{"family": "perceptron", "params": [1, 2]}',
              b'{"family": "perceptron", "conventions": {"firing_rule": {"x": 1}}}', b'{"family": ["perceptron"]}',
              b'{"family": "perceptron", "params": {"X": "' + b"1 " * 300_000 + b'"}}',  # under 1 MB, over the field limit
              b"x" * (2 * 1024 * 1024)]  # over MAX_CONTENT_LENGTH


@pytest.mark.parametrize("url", ["/api/solve", "/api/check"])
def test_api_raw_bodies(app, url):
    client = app.test_client()
    for body in RAW_BODIES:
        resp, seconds = post_json(client, url, body)
        check_response(resp, f"POST {url} {body[:60]!r}", seconds)
        assert resp.status_code in (400, 413), (body[:60], resp.status_code)
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""):
        resp, seconds = timed(lambda: client.post(url, data="family=perceptron", content_type=ctype))
        check_response(resp, f"POST {url} as {ctype!r}", seconds)
        assert resp.status_code == 415


def test_api_family_names_fuzz(app):
    client = app.test_client()

    @fuzz_settings(100)
    @given(st.one_of(st.text(min_size=1, max_size=50), st.sampled_from(WEB_CLASSICS).filter(bool)))
    def run(name):
        resp, seconds = timed(lambda: client.get("/api/families/" + quote(name, safe="")))
        check_response(resp, f"GET /api/families/{name!r}", seconds)

    run()


# ---- the pages --------------------------------------------------------------------------------------

@st.composite
def page_query(draw):
    name = draw(st.sampled_from(FAMILIES))
    fam = registry.get(name)
    query = {f"p.{k}": str(v) for k, v in fam.example.params.items()}
    for p in draw(st.lists(st.sampled_from([p.name for p in fam.params]), min_size=1, max_size=2, unique=True)):
        v = draw(st.one_of(st.sampled_from(WEB_CLASSICS), st.text(max_size=40), hostile_value.map(str)))
        query[f"p.{p}"] = v[:20_000]
    if fam.conventions and draw(st.booleans()):
        query["c." + draw(st.sampled_from(fam.conventions)).name] = draw(st.text(max_size=20))
    if draw(st.integers(0, 4)) == 0:
        query[draw(st.text(max_size=10))] = draw(st.text(max_size=10))
    return name, query


def test_pages_fuzz(app):
    client = app.test_client()

    @fuzz_settings(120)
    @given(page_query(), st.sampled_from(["solve", "solution.md", "solution.tex", "solution.json", ""]))
    def run(problem, what):
        name, query = problem
        url = f"/f/{name}/{what}?" if what else f"/f/{name}?"
        url += urlencode(query)
        resp, seconds = timed(lambda: client.get(url))
        check_response(resp, f"GET {url[:300]}", seconds)

    run()


def test_check_posts_fuzz(app):
    """The answer form: typed answers of any kind, with a valid CSRF token (without one: 400)."""
    client = app.test_client()
    name = "perceptron" if "perceptron" in FAMILIES else FAMILIES[0]
    fam = registry.get(name)
    query = urlencode({f"p.{k}": str(v) for k, v in fam.example.params.items()})
    page = client.get(f"/f/{name}/solve?{query}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answers = list(fam.solve_example().answers)

    @fuzz_settings(40)
    @given(st.dictionaries(st.sampled_from(answers + ["nope"]), st.one_of(st.sampled_from(WEB_CLASSICS), st.text(max_size=40)),
                           max_size=4), st.booleans())
    def run(typed, with_token):
        form = {f"a.{k}": v for k, v in typed.items()}
        if with_token:
            form["csrf_token"] = token
        resp, seconds = timed(lambda: client.post(f"/f/{name}/check?{query}", data=form))
        check_response(resp, f"POST check {short(form)}", seconds)
        assert resp.status_code == (200 if with_token else 400)

    run()


def test_home_search_and_seeds_fuzz(app):
    client = app.test_client()

    @fuzz_settings(60)
    @given(st.one_of(st.text(max_size=60), st.sampled_from(WEB_CLASSICS)), st.sampled_from(FAMILIES))
    def run(text, name):
        for url in (f"/?{urlencode({'q': text})}", f"/f/{name}?{urlencode({'seed': text})}",
                    f"/f/{quote(text, safe='')}/solve", f"/f/{name}/solution.{quote(text, safe='')}"):
            resp, seconds = timed(lambda: client.get(url))
            check_response(resp, f"GET {url[:200]}", seconds)

    run()


# ---- the OpenAPI contract (schemathesis) ------------------------------------------------------------------

try:
    import schemathesis
except ImportError:  # a test dependency (pyproject.toml); without it only this test skips
    schemathesis = None

if schemathesis is None:
    def test_openapi_contract():
        pytest.skip("schemathesis is not installed")
else:
    _schema_app = create_app({"TESTING": True, "SOLUTION_CACHE_SIZE": 64})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _schema_app)

    @schema.parametrize()
    @fuzz_settings(40)
    def test_openapi_contract(case):
        """Generated from /api/openapi.json: no 500, and every response matches the document (status,
        content type, body schema)."""
        with cpu_time() as t:
            # Every check but positive_data_acceptance: this API's validity is semantic (a parameter's range, a
            # matrix's shape, a family's name) beyond what JSON Schema says, so a schema-valid body can be a
            # 400 by design; the document declares the 400 and its Error schema, which is checked.
            case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
        assert t.seconds < MAX_SECONDS
