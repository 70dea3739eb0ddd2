"""Issue 14 item 4 in the web, the API and the command line: precision per request (decimal places or
significant figures) rules the display and every answer's tolerance; trace entries addressed like
`loss@t=3` are checked in the page's form and the API like any answer.

Oracles: the worked example's answer computed in the test (a closed form of the toy trace; for the
real family, the value the engine prints at 12 decimal places rounded by Python's Decimal), and
solver.numbers.tolerance_for for what a given precision accepts.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import pytest

from solver import registry
from solver.numbers import Precision, precision_from
from solver.params import InvalidInput
from web import create_app
from web.forms import example_problem

import web_trace_family as toy


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _text(r) -> str:
    return r.get_data(as_text=True)


# ---- the one reader of a precision ----------------------------------------------------------------------

@pytest.mark.parametrize("given, want", [
    ("5dp", Precision(dp=5)), ("5 decimal places", Precision(dp=5)), ("4 sf", Precision(sig=4)),
    ("sig=4", Precision(sig=4)), ("3 significant figures", Precision(sig=3)), ({"dp": 0}, Precision(dp=0)),
    ({"sig": 15}, Precision(sig=15)), ({"sf": "2"}, Precision(sig=2)), ("", None), (None, None), ({}, None),
])
def test_precision_is_read_from_text_and_objects(given, want):
    assert precision_from(given) == want


@pytest.mark.parametrize("bad", ["five", "13dp", "0sf", {"dp": 5, "sig": 3}, {"dp": True}, {"dp": 2.5}, [5], 5,
                                 {"places": 3}, "9" * 500])
def test_a_bad_precision_names_the_field(bad):
    with pytest.raises(InvalidInput) as e:
        precision_from(bad, "precision")
    assert e.value.field == "precision" and ("precision" in e.value.message or "out of range" in e.value.message)


# ---- the form, the page and the check -----------------------------------------------------------------------

def _example_url(name: str, precision: str = "", what: str = "solve") -> str:
    p = example_problem(registry.get(name))
    p.precision = precision
    return f"/f/{name}/{what}?" + urlencode(p.query())


def _rounded(x: float, dp: int) -> str:
    return str(Decimal(repr(x)).quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP))


def test_the_form_offers_precision_and_keeps_a_choice(client):
    page = _text(client.get("/f/sgd?example=1"))
    assert 'name="precision"' in page and '<option value="6dp"' in page and '<option value="3sf"' in page
    page = _text(client.get(_example_url("sgd", "6dp").replace("/solve", "")))
    assert re.search(r'<option value="6dp" selected>', page)


def test_the_page_shows_answers_to_the_precision_asked(client):
    sol = registry.get("sgd").solve_example(precision=Precision(dp=12))
    b = sol.answers["w"].value
    b = b[-1] if isinstance(b, list) else b
    for precision, dp in (("6dp", 6), ("2dp", 2)):
        r = client.get(_example_url("sgd", precision))
        assert r.status_code == 200
        page = _text(r)
        assert f"Given to {dp} decimal places" in page
        assert _rounded(b, dp) in page
        # every link that re-solves the problem keeps the precision
        assert f"precision={precision}" in re.search(r'href="([^"]+)" id="permalink"', page).group(1)
        assert f"precision={precision}" in re.search(r'href="([^"]+)" id="edit-problem"', page).group(1)


def test_the_check_uses_the_precision_asked(client):
    sol = registry.get("sgd").solve_example(precision=Precision(dp=12))
    w = sol.answers["w"]
    assert isinstance(w.value, list)
    url = _example_url("sgd", "6dp")
    token = _csrf(_text(client.get(url)))
    good = "(" + ", ".join(_rounded(v, 6) for v in w.value) + ")"
    coarse = "(" + ", ".join(_rounded(v, 2) for v in w.value) + ")"
    page = _text(client.post(_example_url("sgd", "6dp", "check"), data={"csrf_token": token, "a.w": good}))
    assert "✓ Correct." in page and "6 decimal places" in page
    if _rounded(w.value[-1], 2) != _rounded(w.value[-1], 6).rstrip("0").rstrip("."):
        page = _text(client.post(_example_url("sgd", "6dp", "check"), data={"csrf_token": token, "a.w": coarse}))
        assert "✗ Not correct." in page
        page = _text(client.post(_example_url("sgd", "2dp", "check"), data={"csrf_token": token, "a.w": coarse}))
        assert "✓ Correct." in page


def test_a_bad_precision_in_the_url_is_shown_at_its_field_with_the_rest_kept(client):
    r = client.get(_example_url("sgd", "40dp"))
    assert r.status_code == 400
    page = _text(r)
    assert re.search(r'id="precision-error"[^>]*>40 decimal places is out of range', page)
    assert 'value="10"' in page  # the learning rate typed is kept
    assert "Traceback" not in page


# ---- the API ---------------------------------------------------------------------------------------------

def _example_body(name: str, **extra) -> dict:
    f = registry.get(name)
    return {"family": name, "params": {k: str(v) for k, v in f.example.params.items()},
            "conventions": dict(f.example.conventions), **extra}


@pytest.mark.parametrize("precision, want", [({"dp": 7}, {"dp": 7}), ({"sig": 3}, {"sig": 3}), ("5 dp", {"dp": 5}),
                                             (None, {"dp": 4})])
def test_api_solve_takes_a_precision(client, precision, want):
    r = client.post("/api/solve", json=_example_body("sgd", precision=precision))
    assert r.status_code == 200
    data = r.get_json()
    assert data["precision"] == want
    assert data["answers"]["w"]["tolerance"].get("sig") == (want.get("sig") or want["dp"] + 1)


def test_api_rejects_a_bad_precision_naming_the_field(client):
    r = client.post("/api/solve", json=_example_body("sgd", precision={"dp": 99}))
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "precision"
    r = client.post("/api/check", json=_example_body("sgd", precision=[3], answers={"w": "0"}))
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "precision"


def test_api_check_holds_answers_to_the_precision(client):
    sol = registry.get("sgd").solve_example(precision=Precision(dp=12))
    w = sol.answers["w"].value
    three = [float(f"{v:.3g}") for v in w]
    r = client.post("/api/check", json=_example_body("sgd", precision={"sig": 3}, answers={"w": three}))
    assert r.get_json()["verdicts"]["w"]["verdict"] == "correct"
    r = client.post("/api/check", json=_example_body("sgd", precision={"dp": 6}, answers={"w": three}))
    assert r.get_json()["verdicts"]["w"]["verdict"] == "wrong"


# ---- trace entries by address -------------------------------------------------------------------------------

def test_trace_entries_are_checked_in_the_page_form(client, monkeypatch):
    with toy.installed(monkeypatch):
        url = "/f/toy_trace/solve?p.lr=1/10&p.w0=1&p.steps=3"
        page = _text(client.get(url))
        assert 'id="trace-check"' in page and "<code>w@t=1</code>" in page
        w2, loss3 = toy.oracle(0.1, 1.0, 2)[0], toy.oracle(0.1, 1.0, 3)[1]
        r = client.post(url.replace("/solve", "/check"), data={
            "csrf_token": _csrf(page), "trace_address": ["w@t=2", "loss @ t = 3", "nothing@t=1"],
            "trace_value": [f"{w2:.4f}", "0.3", "1"]})
        assert r.status_code == 200
        page = _text(r)
        verdicts = dict(re.findall(r'id="trace-verdict-(\d)"[^>]*>\s*<span class="verdict-label">([^<]+)', page))
        assert verdicts == {"1": "✓ Correct.", "2": "✗ Not correct.", "3": "? Not understood."}
        assert f"{loss3:.4f}" in page  # the wrong one is told the value
        assert 'value="loss @ t = 3"' in page  # what was typed stays in the boxes
        assert "no answer or trace column" in page


def test_a_trace_entry_matching_another_convention_is_explained(client, monkeypatch):
    with toy.installed(monkeypatch):
        half = toy.oracle(0.1, 1.0, 2, half=True)[1]
        r = client.post("/api/check", json={"family": "toy_trace", "params": {"lr": "0.1", "w0": "1", "steps": "3"},
                                            "answers": {"loss@t=2": round(half, 4)}})
        v = r.get_json()["verdicts"]["loss@t=2"]
        assert v["verdict"] == "wrong" and v["explanation"]["conventions"] == {"loss_scale": "half"}


def test_api_checks_trace_addresses_at_the_precision_asked(client, monkeypatch):
    with toy.installed(monkeypatch):
        w3, loss3 = toy.oracle(0.1, 1.0, 3)
        body = {"family": "toy_trace", "params": {"lr": "0.1", "w0": "1", "steps": "3"}, "precision": {"dp": 6},
                "answers": {"w@t=3": round(w3, 6), "loss@t=3": round(loss3, 3)}}
        data = client.post("/api/check", json=body).get_json()
        assert data["verdicts"]["w@t=3"]["verdict"] == "correct"
        assert data["verdicts"]["loss@t=3"]["verdict"] == "wrong"
        assert float(data["verdicts"]["w@t=3"]["expected"]) == pytest.approx(w3)
        assert "6 decimal places" in data["verdicts"]["w@t=3"]["tolerance"]
        r = client.post("/api/check", json={**body, "answers": {"w@t=9": 1}})
        assert r.status_code == 400
        err = r.get_json()["error"]
        assert err["field"] == "answers.w@t=9" and "No row of the trace matches" in err["message"]


@pytest.mark.parametrize("name", registry.names())
def test_every_trace_column_of_a_worked_example_is_checkable_in_the_web_form(client, name):
    """Issue 14's contract: each trace column's entries are answers, checked in the form like any answer
    (the families make their traces addressable; this holds for every one that does)."""
    f = registry.get(name)
    sol = f.solve_example()
    shown = set(sol.answers)
    first_per_column: dict[str, str] = {}
    def numeric(v):
        if isinstance(v, (list, tuple)):
            return bool(v) and all(numeric(x) for x in v)
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    for a in sol.addresses():
        # (label columns such as a node's gate or a layer's activation name are addressable, not typed numbers)
        if a not in shown and numeric(sol.answer(a).value):
            first_per_column.setdefault(a.split("@")[0], a)
    if not first_per_column:
        return
    url = "/f/{}/solve?".format(name) + urlencode(example_problem(f).query())
    page = _text(client.get(url))
    addresses = list(first_per_column.values())[:5]
    values = [json.dumps(sol.answer(a).value) for a in addresses]   # the value as a student types it
    page = _text(client.post(url.replace("/solve?", "/check?"), data={
        "csrf_token": _csrf(page), "trace_address": addresses, "trace_value": values}))
    verdicts = re.findall(r'id="trace-verdict-\d"[^>]*>\s*<span class="verdict-label">([^<]+)', page)
    assert verdicts == ["✓ Correct."] * len(addresses), (addresses, values)


# ---- the command line --------------------------------------------------------------------------------------

def _stepwise(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solver.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_dp_and_sf_rule_the_answers():
    sol = registry.get("sgd").solve_example(precision=Precision(dp=12))
    w = sol.answers["w"].value
    out = _stepwise("solve", "sgd", "--example", "--dp", "6", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["precision"] == {"dp": 6}
    shown = [Decimal(x) for x in data["answers"]["w"]["display"].strip("()").split(",")]
    assert shown == [Decimal(_rounded(v, 6)) for v in w]  # an exact 2 prints as 2; 1.528771 to six places
    out = _stepwise("solve", "sgd", "--example", "--sf", "3", "--format", "json")
    assert json.loads(out.stdout)["precision"] == {"sig": 3}


def test_cli_rejects_a_bad_precision_in_one_line():
    out = _stepwise("solve", "sgd", "--example", "--dp", "40")
    assert out.returncode == 2 and out.stderr.strip() == "stepwise: 40 decimal places is out of range: from 0 to 12 decimal places."
    out = _stepwise("solve", "sgd", "--example", "--dp", "3", "--sf", "3")
    assert out.returncode == 2 and "not allowed" in out.stderr


QUESTION = "Apply gradient descent with learning rate 0.1 to f(x) = x^2 from x = 1 for one step."


def test_ask_takes_a_precision_over_the_questions(client):
    """One step of gradient descent on x^2 from 1 with eta = 0.1: x = 1 - 0.1 * 2 = 0.8, f = 0.64 (closed form)."""
    out = _stepwise("ask", QUESTION, "--sf", "2", "--format", "json")
    assert out.returncode == 0, out.stderr
    sol = json.loads(out.stdout)["solutions"][0]
    assert sol["precision"] == {"sig": 2} and float(sol["answers"]["w"]["display"]) == 0.8
    r = client.post("/api/ask", json={"text": QUESTION, "precision": {"dp": 6}})
    assert r.status_code == 200 and r.get_json()["solutions"][0]["precision"] == {"dp": 6}
    r = client.post("/api/ask", json={"text": QUESTION, "precision": "many"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "precision"
