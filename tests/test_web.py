"""The web UI through Flask's test client, over every family in the registry (web/ names none of them).

Every family's form renders, loads its worked example and a random instance, and solves; a bad value
comes back as HTTP 400 with the parameter's own message next to its field and the typed text kept;
answers are checked (correct / wrong / malformed, other conventions and declared slips recognised);
the JSON API round-trips and matches its OpenAPI document; security headers are on every response;
no error page shows a traceback.
"""
from __future__ import annotations

import html
import json
import logging
import re
from urllib.parse import urlencode

import markupsafe
import pytest

from solver import registry
from solver.params import InvalidInput
from solver.render import render
from solver.steps import Solution
from web import _rich_html, create_app
from web.check import value_kind
from solver.params import split_group_text
from web.forms import example_problem, generated_problem

FAMILIES = registry.names()
TRACEBACK_MARKERS = ("Traceback", 'File "', "most recent call last")


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def fam(name):
    return registry.get(name)


def solve_url(name: str, problem) -> str:
    return f"/f/{name}/solve?" + urlencode(problem.query())


def text(resp) -> str:
    return resp.get_data(as_text=True)


def shown_texts(f, problem):
    """The texts a form shows for a problem: each parameter's text, or, for a group (a network's layers), each field
    of each item in its own input."""
    kinds = {p.name: p.schema()["type"] for p in f.params}
    for name, value in problem.params.items():
        if kinds.get(name) == "group":
            yield from (v for item in split_group_text(value) for v in item.values())
        else:
            yield value


def esc(s: str) -> str:
    """Escaped as the templates escape it (Jinja's autoescape)."""
    return str(markupsafe.escape(s))


def csrf_from(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, "the solution page carries a CSRF token"
    return m.group(1)


def assert_no_traceback(body: str):
    for marker in TRACEBACK_MARKERS:
        assert marker not in body


def as_text_value(v) -> str:
    """A JSON answer value as a user would type it (exact: floats by their repr)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(as_text_value(x) for x in v) + "]"
    return repr(v) if isinstance(v, float) else str(v)


def bumped(v):
    """A clearly different value of the same shape."""
    if isinstance(v, bool):
        return not v
    if isinstance(v, list):
        return [bumped(v[0])] + v[1:] if v else v
    if isinstance(v, str):  # "inf"
        return 0
    return v + 1 + abs(v)


def checkable_answers(sol: Solution) -> dict:
    return {n: a for n, a in sol.answers.items() if value_kind(a) not in (None, "text")}


# ---- home -------------------------------------------------------------------------------------------

def test_home_groups_every_family_by_topic(client):
    r = client.get("/")
    assert r.status_code == 200
    page = text(r)
    positions = []
    for key, title in registry.TOPICS.items():
        if any(fam(n).topic == key for n in FAMILIES):
            assert esc(title) in page
            positions.append(page.index(esc(title)))
    assert positions == sorted(positions), "topics appear in the registry's order"
    for name in FAMILIES:
        f = fam(name)
        assert f'href="/f/{name}"' in page
        assert esc(f.title) in page and esc(f.summary) in page


def test_home_search_filters_on_the_server(client):
    name = FAMILIES[0]
    page = text(client.get("/", query_string={"q": fam(name).title}))
    assert f'href="/f/{name}"' in page
    page = text(client.get("/", query_string={"q": "zzqx-no-such-problem"}))
    assert 'href="/f/' not in page and "No problem matches" in page


# ---- the family form ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FAMILIES)
def test_form_renders_from_the_parameter_spec(client, name):
    f = fam(name)
    r = client.get(f"/f/{name}")
    assert r.status_code == 200
    page = text(r)
    for p in f.params:
        schema = p.schema()
        if schema["type"] == "group":  # one input per field of each item: p.layers.1.W, ...
            assert all(f'name="p.{p.name}.1.{sub["name"]}"' in page for sub in schema["fields"])
            assert f'name="add" value="{p.name}"' in page
        else:
            assert f'name="p.{p.name}"' in page
        assert esc(schema["label"]) in page
        if p.help:
            assert esc(p.help.rstrip(".")) in page
    for c in f.conventions:
        for opt, sentence in c.options.items():
            assert f'name="c.{c.name}" value="{esc(opt)}"' in page
            assert esc(sentence) in page
    assert f'href="/f/{name}?example=1"' in page
    assert f'href="/f/{name}/random"' in page


@pytest.mark.parametrize("name", FAMILIES)
def test_example_is_one_click_away(client, name):
    f = fam(name)
    page = text(client.get(f"/f/{name}", query_string={"example": "1"}))
    assert esc(f.example.source) in page
    for value in shown_texts(f, example_problem(f)):
        assert esc(value) in page, f"the example's {value!r} is filled in"


@pytest.mark.parametrize("name", FAMILIES)
def test_random_instance_fills_the_form_and_shows_its_seed(client, name):
    r = client.get(f"/f/{name}/random")
    assert r.status_code == 302 and f"/f/{name}?seed=" in r.headers["Location"]
    page = text(client.get(f"/f/{name}", query_string={"seed": "12345"}))
    assert 'class="seed">12345<' in page
    for value in shown_texts(fam(name), generated_problem(fam(name), 12345)):
        assert esc(value) in page
    # (tests/test_contract.py solves generated instances of every family; here one goes through the web)


def test_random_instance_solves(client):
    problem = generated_problem(fam("perceptron"), 12345)
    r = client.get(solve_url("perceptron", problem))
    assert r.status_code == 200 and 'id="answer-w"' in text(r)


def test_bad_seed_is_explained(client):
    r = client.get(f"/f/{FAMILIES[0]}", query_string={"seed": "lots"})
    assert r.status_code == 400 and "seed must be a whole number" in text(r)


# ---- solving --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FAMILIES)
def test_worked_example_solves(client, name):
    f = fam(name)
    sol = f.solve_example()
    r = client.get(solve_url(name, example_problem(f)))
    assert r.status_code == 200
    page = text(r)
    assert str(_rich_html(sol.rich_statement)) in page  # prose and maths (MathML), as the page renders a statement
    for answer in sol.answers:
        assert f'id="answer-{answer}"' in page
    assert page.count('class="step-num"') == sum(1 for _ in sol.walk()), "every step is shown, numbered"
    for step in sol.walk():
        assert esc(step.title) in page
    for use in sol.conventions:
        assert esc(use.description) in page
    assert "<math" in page, "maths is rendered as MathML on the server"
    assert 'class="latex-source"' not in page, "every formula of the example converts to MathML"
    assert_no_traceback(page)


@pytest.mark.parametrize("name", FAMILIES)
def test_bad_value_returns_400_with_the_field_message(client, name):
    f = fam(name)
    target = next((p for p in f.params if p.schema()["type"] in ("real", "int", "vector", "matrix")), None)
    if target is None:
        pytest.skip("no numeric parameter")
    problem = example_problem(f)
    problem.params[target.name] = "oops"
    with pytest.raises(InvalidInput) as err:
        f.solve(problem.given_params(), problem.given_conventions())
    assert err.value.field == target.name
    r = client.get(solve_url(name, problem))
    assert r.status_code == 400
    page = text(r)
    assert f'<p class="field-error" id="p-{target.name}-error" role="alert">{esc(err.value.message)}</p>' in page
    assert 'aria-invalid="true"' in page
    assert re.search(r'name="p\.%s"[^>]*value="oops"|name="p\.%s"[^>]*>oops</textarea>' % (target.name, target.name),
                     page, re.S), "the user's text is kept"
    assert_no_traceback(page)


def test_bad_convention_choice_is_shown_next_to_the_convention(client):
    name = next((n for n in FAMILIES if fam(n).conventions), None)
    if name is None:
        pytest.skip("no family has conventions")
    f = fam(name)
    problem = example_problem(f)
    problem.conventions[f.conventions[0].name] = "bogus"
    r = client.get(solve_url(name, problem))
    assert r.status_code == 400
    assert "bogus" in text(r) and 'fieldset class="convention-choice has-error"' in text(r)


def test_unknown_parameter_in_the_url_is_reported_at_the_top(client):
    name = FAMILIES[0]
    r = client.get(f"/f/{name}/solve", query_string={"p.no_such_param": "1"})
    assert r.status_code == 400
    assert 'id="form-error"' in text(r) and "no_such_param" in text(r)


def test_user_text_is_never_evaluated(client):
    name = "perceptron"
    problem = example_problem(fam(name))
    problem.params["lr"] = "__import__('os').system('echo pwned')"
    r = client.get(solve_url(name, problem))
    assert r.status_code == 400
    assert "The &#39;lr&#39; parameter" in r.get_data(as_text=True) or "The 'lr' parameter" in text(r)
    assert "pwned" not in text(r).replace("echo pwned", "")


def test_overlong_field_is_refused_politely():
    app = create_app({"TESTING": True, "MAX_FIELD_CHARS": 50})
    r = app.test_client().get(f"/f/{FAMILIES[0]}/solve", query_string={"p.x": "1" * 51})
    assert r.status_code == 400 and "too long" in text(r)


@pytest.mark.parametrize("ext,fmt,mimetype", [("md", "markdown", "text/markdown"), ("tex", "latex", "application/x-tex"),
                                              ("json", "json", "application/json")])
def test_downloads(client, ext, fmt, mimetype):
    f = fam("perceptron")
    r = client.get(f"/f/perceptron/solution.{ext}?" + urlencode(example_problem(f).query()))
    assert r.status_code == 200
    assert r.mimetype == mimetype
    assert r.headers["Content-Disposition"] == f'attachment; filename="perceptron-solution.{ext}"'
    sol = f.solve_example()
    if fmt == "json":
        assert json.loads(r.data) == json.loads(sol.dumps())
    else:
        assert text(r) == render(sol, fmt)


def test_solution_page_offers_copy_latex_and_downloads(client):
    f = fam("perceptron")
    page = text(client.get(solve_url("perceptron", example_problem(f))))
    assert 'id="copy-latex" data-copy="#latex-source"' in page
    assert esc(render(f.solve_example(), "latex")) in page
    for ext in ("md", "tex", "json"):
        assert f"/f/perceptron/solution.{ext}?" in page


# ---- check my answer ------------------------------------------------------------------------------------

def test_check_requires_the_csrf_token(client):
    f = fam("perceptron")
    url = f"/f/perceptron/check?" + urlencode(example_problem(f).query())
    r = client.post(url, data={"a.w": "(-1, -3)"})
    assert r.status_code == 400 and "security token" in text(r)
    page = text(client.get(solve_url("perceptron", example_problem(f))))
    r = client.post(url, data={"a.w": "(-1, -3)", "csrf_token": csrf_from(page)})
    assert r.status_code == 200 and "verdict-correct" in text(r)


@pytest.mark.parametrize("name", FAMILIES)
def test_check_tells_correct_wrong_and_malformed(client, name):
    f = fam(name)
    problem = example_problem(f)
    sol = f.solve(problem.given_params(), problem.given_conventions())
    answers = checkable_answers(sol)
    if not answers:
        pytest.skip("no checkable answer")
    page = text(client.get(solve_url(name, problem)))
    token = csrf_from(page)
    url = f"/f/{name}/check?" + urlencode(problem.query())
    for verdict, make in (("correct", lambda v: as_text_value(v)), ("wrong", lambda v: as_text_value(bumped(v))),
                          ("malformed", lambda v: "maybe ][")):
        typed = {answer: make(a.value) for answer, a in answers.items()}
        r = client.post(url, data={"csrf_token": token, **{f"a.{k}": v for k, v in typed.items()}})
        assert r.status_code == 200
        body = text(r)
        for answer, value in typed.items():
            assert f'class="verdict verdict-{verdict}" id="verdict-{answer}"' in body, (answer, value, verdict)
            assert f'value="{esc(value)}"' in body, "the typed value is kept"


@pytest.mark.parametrize("name", FAMILIES)
def test_a_value_from_another_convention_is_recognised(client, name):
    f = fam(name)
    problem = example_problem(f)
    params, conv = problem.given_params(), problem.given_conventions()
    sol = f.solve(params, conv)
    for c in f.conventions:
        for option in c.options:
            if option == sol.convention_choices[c.name]:
                continue
            try:
                alt = f.solve(params, {**conv, c.name: option})
            except InvalidInput:
                continue
            for answer, a in checkable_answers(sol).items():
                other = alt.answers.get(answer)
                if other is None or value_kind(other) != value_kind(a) or a.tolerance is None:
                    continue
                if a.tolerance.accepts(other.numeric_value(), a.numeric_value()):
                    continue  # the convention does not change this answer
                r = client.post("/api/check", json={"family": name, "params": params, "conventions": conv,
                                                    "answers": {answer: other.value}})
                assert r.status_code == 200
                v = r.json["verdicts"][answer]
                assert v["verdict"] == "wrong"
                assert v["explanation"] and v["explanation"]["kind"] == "convention"
                assert "Your value is what you get with" in v["message"]
                # the convention it names does give the typed value
                named = f.solve(params, {**sol.convention_choices, **v["explanation"]["conventions"]})
                assert a.tolerance.accepts(other.numeric_value(), named.answers[answer].numeric_value())
                return
    pytest.skip("no convention changes a checkable answer of the example")


@pytest.mark.parametrize("name", FAMILIES)
def test_conventions_switch_in_one_click(client, name):
    # (after the checks above, which solved these same switched problems: the cache answers)
    f = fam(name)
    if not f.conventions:
        pytest.skip("no conventions")
    page = text(client.get(solve_url(name, example_problem(f))))
    c = f.conventions[0]
    current = f.solve_example().convention_choices[c.name]
    other = next(o for o in c.options if o != current)
    m = re.search(r'<a class="switch" href="([^"]+)" data-convention="%s" data-option="%s"' % (re.escape(c.name), re.escape(esc(other))), page)
    assert m, "a link switches the convention"
    r = client.get(html.unescape(m.group(1)))
    if r.status_code == 400:  # the other choice does not apply to this problem: the form says why
        assert 'role="alert"' in text(r)
        return
    assert r.status_code == 200
    assert f'<span class="choice">{esc(other)}</span>' in text(r)


def test_declared_slips_are_tried(client, monkeypatch):
    f = fam("perceptron")
    params = dict(f.example.params)
    monkeypatch.setattr(f.module, "SLIPS", (
        "not a pair",                                      # malformed entries are ignored
        ("a parameter that does not exist", {"nope": 1}),
        ("a learning rate of 2", {"lr": "2"}),
        ("a learning rate three times too big", {"lr": lambda p: p["lr"] * 3}),
    ), raising=False)
    for typed, description in (("(-2, -6)", "a learning rate of 2"), ("(-3, -9)", "a learning rate three times too big")):
        r = client.post("/api/check", json={"family": "perceptron", "params": params, "answers": {"w": typed}})
        v = r.json["verdicts"]["w"]
        assert v["verdict"] == "wrong" and v["explanation"]["kind"] == "slip"
        assert v["explanation"]["description"] == description
        assert f"Your value is what you get with {description}." in v["message"]


def test_answers_defined_up_to_sign_accept_the_negation(client):
    for name in FAMILIES:
        f = fam(name)
        sol = f.solve_example()
        for answer, a in sol.answers.items():
            if a.tolerance is not None and a.tolerance.up_to_sign and isinstance(a.value, list):
                negated = _negate(a.value)
                r = client.post("/api/check", json={"family": name, "params": dict(f.example.params),
                                                    "conventions": dict(f.example.conventions),
                                                    "answers": {answer: negated}})
                v = r.json["verdicts"][answer]
                assert v["verdict"] == "correct" and "up to sign" in v["message"]
                return
    pytest.skip("no answer is defined up to sign")


def _negate(v):
    return [_negate(x) for x in v] if isinstance(v, list) else -v


# ---- the JSON API ---------------------------------------------------------------------------------------

def test_api_lists_the_families(client):
    r = client.get("/api/families")
    assert r.status_code == 200
    assert [f["name"] for f in r.json["families"]] == registry.names()
    assert r.json["topics"] == registry.TOPICS


@pytest.mark.parametrize("name", FAMILIES)
def test_api_family_is_its_schema(client, name):
    r = client.get(f"/api/families/{name}")
    assert r.status_code == 200
    assert r.json == json.loads(json.dumps(fam(name).schema()))


@pytest.mark.parametrize("name", FAMILIES)
def test_api_solve_round_trips(name, openapi_validator):
    f = fam(name)
    client = create_app({"TESTING": True, "SOLUTION_CACHE_SIZE": 0}).test_client()  # compared with a solve made now
    body = {"family": name, "params": dict(f.example.params), "conventions": dict(f.example.conventions)}
    r = client.post("/api/solve", json=body)
    assert r.status_code == 200
    assert r.json == json.loads(f.solve_example().dumps())
    assert Solution.from_json(r.json).to_json() == r.json
    openapi_validator("Solution", r.json)


def test_api_errors_name_the_field(client, openapi_validator):
    f = fam("perceptron")
    r = client.post("/api/solve", json={"family": "perceptron", "params": {**f.example.params, "lr": "-1"}})
    assert r.status_code == 400 and r.json["error"]["field"] == "lr"
    assert "The 'lr' parameter of perceptron" in r.json["error"]["message"]
    openapi_validator("Error", r.json)
    r = client.post("/api/solve", json={"family": "no_such_family"})
    assert r.status_code == 400 and r.json["error"]["field"] == "family"
    r = client.post("/api/solve", json=[1, 2])
    assert r.status_code == 400 and r.json["error"]["field"] == "body"
    r = client.post("/api/solve", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"]["field"] == "body"
    r = client.post("/api/solve", json={"family": "perceptron", "params": "X=1"})
    assert r.status_code == 400 and r.json["error"]["field"] == "params"
    r = client.post("/api/check", json={"family": "perceptron", "params": f.example.params, "answers": {"nope": 1}})
    assert r.status_code == 400 and r.json["error"]["field"] == "answers.nope"
    r = client.get("/api/families/no_such_family")
    assert r.status_code == 404 and r.json["error"]["field"] == "family"
    r = client.get("/api/nowhere")
    assert r.status_code == 404 and "error" in r.json


def test_api_posts_must_be_json(client):
    r = client.post("/api/solve", data={"family": "perceptron"})
    assert r.status_code == 415 and r.json["error"]["field"] == "body"


def test_api_check_verdicts(client, openapi_validator):
    f = fam("perceptron")
    r = client.post("/api/check", json={"family": "perceptron", "params": f.example.params,
                                        "answers": {"w": [-1, -3], "epochs": "3", "updates": "two", "converged": "yes"}})
    assert r.status_code == 200
    openapi_validator("CheckResult", r.json)
    v = r.json["verdicts"]
    assert v["w"]["verdict"] == "correct"
    assert v["epochs"]["verdict"] == "wrong" and v["epochs"]["expected"] == "2"
    assert v["updates"]["verdict"] == "malformed"
    assert v["converged"]["verdict"] == "correct"
    assert r.json["all_correct"] is False


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    validate(r.json)
    assert set(r.json["paths"]) >= {"/api/families", "/api/families/{name}", "/api/solve", "/api/check"}


@pytest.fixture(scope="module")
def openapi_validator(app):
    """Validates an instance against a schema of the served OpenAPI document (so the document cannot drift)."""
    from openapi_schema_validator import OAS31Validator

    doc = app.test_client().get("/api/openapi.json").json

    def check(schema_name: str, instance):
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
        OAS31Validator(schema).validate(instance)

    return check


# ---- safety and errors ------------------------------------------------------------------------------------

PAGES = ["/", "/f/perceptron", "/f/perceptron/solve?" + urlencode(example_problem(registry.get("perceptron")).query()),
         "/api", "/api/families", "/f/no_such_family", "/f/perceptron/solve?p.lr=oops"]


@pytest.mark.parametrize("url", PAGES)
def test_security_headers(client, url):
    r = client.get(url)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"]


@pytest.mark.parametrize("url", [u for u in PAGES if not u.startswith("/api/")])
def test_pages_have_no_inline_script_or_style(client, url):
    page = text(client.get(url))
    for m in re.finditer(r"<script\b([^>]*)>", page):
        assert "src=" in m.group(1), "no inline script"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page), "no inline event handlers"
    assert not re.search(r"<[^>]+\sstyle\s*=", page), "no inline styles (the CSP forbids them)"
    assert "<style" not in page


def test_mathml_is_sanitised():
    from web.mathml import to_mathml

    out = str(to_mathml(r"\text{<script>alert(1)</script>} x < y \text{a & b}"))
    assert "<script" not in out and "<math" in out
    assert "&lt;script&gt;" in out
    out = str(to_mathml(r"\style{color:red}{x}"))
    assert ' style="' not in out


def test_unknown_family_is_a_404_page(client):
    r = client.get("/f/no_such_family")
    assert r.status_code == 404
    assert "There is no family" in text(r) and r.mimetype == "text/html"


def test_unexpected_error_is_a_friendly_500_without_traceback(monkeypatch, caplog):
    def boom(self, *a, **k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(registry.Family, "solve", boom)
    client = create_app({"TESTING": True}).test_client()  # a fresh app: nothing solved and cached yet
    with caplog.at_level(logging.ERROR, logger="web"):
        r = client.get(solve_url("perceptron", example_problem(fam("perceptron"))))
    assert r.status_code == 500
    page = text(r)
    assert "Something went wrong" in page and "Reference" in page
    assert "secret internal detail" not in page
    assert_no_traceback(page)
    assert any("unexpected error" in rec.getMessage() for rec in caplog.records), "the error is logged"
    r = client.post("/api/solve", json={"family": "perceptron", "params": dict(fam("perceptron").example.params)})
    assert r.status_code == 500 and r.json["error"]["reference"]
    assert "secret internal detail" not in text(r)


def test_error_pages_never_show_a_traceback():
    app = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 2000})
    client = app.test_client()
    responses = [
        client.get("/nowhere"),
        client.post("/"),
        client.get("/f/perceptron/solve?p.X=oops"),
        client.post("/f/perceptron/check", data={"a.w": "1" * 5000}),
        client.post("/f/perceptron/check", data={"a.w": "1"}),
        client.post("/api/solve", data="x", content_type="text/plain"),
        client.get("/f/perceptron/solution.exe"),
    ]
    assert [r.status_code for r in responses] == [404, 405, 400, 413, 400, 415, 404]
    for r in responses:
        assert_no_traceback(text(r))


def test_static_assets_are_served(client):
    for path, kind in (("/static/app.js", "javascript"), ("/static/style.css", "text/css"),
                       ("/static/fonts/NotoSansMath-Regular.woff2", "font/woff2")):
        r = client.get(path)
        assert r.status_code == 200 and kind in r.content_type
        r.close()


def test_solutions_are_cached_per_app():
    app = create_app({"TESTING": True, "SOLUTION_CACHE_SIZE": 2})
    client = app.test_client()
    url = solve_url("perceptron", example_problem(fam("perceptron")))
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    cache = app.extensions["stepwise_solutions"]
    assert (cache.hits, cache.misses) == (1, 1)
    for lr in ("2", "3", "4"):
        client.get(url + f"&p.lr={lr}")
    assert len(cache._data) == 2, "the cache is bounded"


def test_serve_runs_waitress(monkeypatch):
    import waitress

    import web

    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr(web, "warm", lambda: None)
    assert web.serve(host="127.0.0.1", port=8123) == 0
    (app, kw), = calls
    assert kw["host"] == "127.0.0.1" and kw["port"] == 8123 and app.name == "web"
