"""feedforward networks of any depth (issue 12 item 6): the `layers` parameter, typed in every way a user types it,
and the web form that grows a layer at a time.

Oracle: torch.autograd, through tests/fixtures/torch_nets.json (tests/oracles/gen_torch_nets.py, torch 2.13.0,
float64), whose five- and six-layer networks are checked here by name.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import solver
from solver.params import InvalidInput
from web import create_app
from web.forms import build_form, example_problem

FIX = json.loads((Path(__file__).parent / "fixtures" / "torch_nets.json").read_text())
DEEP = [c for c in FIX["feedforward"] if len(c["sizes"]) >= 6]


def _close(got, want):
    np.testing.assert_allclose(np.array(got, dtype=float), np.array(want, dtype=float), rtol=1e-10, atol=1e-12)


def _layers_text(case) -> str:
    """One layer per line, W = ... | b = ... | act = ..., as a user types it on the command line."""
    return "\n".join(f"W = {'; '.join(' '.join(repr(v) for v in row) for row in W)} | b = {' '.join(repr(v) for v in b)} "
                     f"| act = {g}" for W, b, g in zip(case["W"], case["b"], case["acts"]))


def _check(sol, case):
    exp, N = case["expected"], len(case["x"])
    _close(sol.answers["loss"].value, exp["loss"])
    _close(sol.answers["new_loss"].value, exp["new_loss"])
    for k in range(1, len(case["W"]) + 1):
        _close(sol.answers[f"grad_W{k}"].value, exp["grad_W"][k - 1])
        _close(sol.answers[f"grad_b{k}"].value, exp["grad_b"][k - 1])
        if f"h{k}" in sol.answers:
            _close(sol.answers[f"h{k}"].value, exp["h"][k - 1][0] if N == 1 else exp["h"][k - 1])
    assert sol.answers["layers"].value == len(case["W"])


def test_the_fixture_has_five_and_six_layer_networks():
    assert sorted({len(c["sizes"]) - 1 for c in DEEP}) == [5, 6]


@pytest.mark.parametrize("case", DEEP, ids=lambda c: c["id"])
@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_five_and_six_layer_networks_match_torch_autograd(case, path):
    """Every loss, activation and gradient of a 5- and a 6-layer network against torch.autograd, typed as text."""
    params = {"x": case["x"], "y": case["y"], "loss": case["loss"], "eta": case["eta"],
              "leaky_slope": case["leaky_slope"], "layers": _layers_text(case)}
    conv = {"squared_error": case["squared_error"], "reduction": case["reduction"]}
    sol = solver.solve("feedforward", conventions=conv, path=path, **params)
    assert sol.path == path and sol.status == "solved"
    _check(sol, case)


def test_layers_are_typed_as_text_json_python_or_arrays_with_the_same_answers():
    case = DEEP[0]
    base = {"x": case["x"], "y": case["y"], "loss": case["loss"], "eta": case["eta"], "leaky_slope": case["leaky_slope"]}
    as_dicts = [{"W": W, "b": b, "act": g} for W, b, g in zip(case["W"], case["b"], case["acts"])]
    spellings = {
        "text": _layers_text(case),
        "json": json.dumps(as_dicts),
        "dicts": as_dicts,
        "tuples": [(W, b, g) for W, b, g in zip(case["W"], case["b"], case["acts"])],
        "old names": None,
    }
    answers = {}
    for how, layers in spellings.items():
        params = dict(base, layers=layers) if layers is not None else dict(
            base, **{f"{n}{k}": v for k, layer in enumerate(as_dicts, start=1) for n, v in layer.items()})
        sol = solver.solve("feedforward", path="exact", **params)
        _check(sol, case)
        answers[how] = sol.to_json()["answers"]
    assert all(a == answers["text"] for a in answers.values())


def test_the_layers_round_trip_through_their_text():
    """params_text (what a link, an exam file or `-p layers=...` carries) parses back to the same network."""
    fam = solver.family("feedforward")
    sol = fam.solve_example()
    again = fam.solve({**fam.example.params, "layers": sol.extras["params_text"]["layers"]})
    assert again.to_json()["answers"] == sol.to_json()["answers"]


def test_cli_takes_a_network_of_five_layers_one_per_line():
    case = DEEP[0]
    r = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "feedforward", "-p", f"x={case['x']}",
                        "-p", f"y={case['y']}", "-p", f"loss={case['loss']}", "-p", f"eta={case['eta']}",
                        "-p", f"layers={_layers_text(case)}", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    _close(json.loads(r.stdout)["answers"]["new_loss"]["value"], case["expected"]["new_loss"])


@pytest.mark.parametrize("layers, fragment", [
    ("W = 1 2 | act = sigmoid\nact = relu", "layer 2 needs W"),
    ("W = 1 2 | bias = 1", "layer 1 has no field 'bias'"),
    ("just text", "one per line written as W = ... | b = ... | act = ..."),
    ("W = 1 2 | act = swish", "in layer 1, act"),
    ("\n".join(["W = 1"] * 51), "from 1 to 50 layers"),
])
def test_a_malformed_layer_is_invalid_input_naming_layers(layers, fragment):
    with pytest.raises(InvalidInput) as e:
        solver.solve("feedforward", x="1", y="0", layers=layers)
    assert e.value.field == "layers" and fragment in e.value.message, e.value.message


# ---- the web form: a layer at a time, no JavaScript -------------------------------------------------------------
@pytest.fixture()
def client():
    return create_app({"TESTING": True}).test_client()


def _form_args(fam, problem) -> dict[str, str]:
    """What the browser sends for a form: every input's name and value (a group's fields one by one)."""
    args = {}
    for f in build_form(fam, problem).fields:
        for sub in [s for item in f.items for s in item] if f.items else [f]:
            args[sub.input_name] = sub.value
    return args


def _layer_legends(page: str) -> list[str]:
    return re.findall(r"<legend>(Layer \d+[^<]*)</legend>", page)


def test_the_form_grows_and_shrinks_a_layer_at_a_time(client):
    fam = solver.family("feedforward")
    args = _form_args(fam, example_problem(fam))
    page = client.get("/f/feedforward", query_string=args).get_data(as_text=True)
    assert _layer_legends(page) == ["Layer 1", "Layer 2 (output)"]
    # "Add a layer" is a submit button that sends the form back to the form page with add=layers
    assert re.search(r'<button type="submit"[^>]*name="add" value="layers"[^>]*formaction="/f/feedforward"', page)
    grown = client.get("/f/feedforward", query_string={**args, "add": "layers"}).get_data(as_text=True)
    assert _layer_legends(grown) == ["Layer 1", "Layer 2", "Layer 3 (output)"]
    assert 'name="p.layers.3.W"' in grown and 'name="p.layers.3.act"' in grown
    assert "0.3 -0.2 0.5 0.1; -0.4 0.6 0.2 -0.3" in grown  # what was typed is kept
    shrunk = client.get("/f/feedforward", query_string={**args, "remove": "layers"}).get_data(as_text=True)
    assert _layer_legends(shrunk) == ["Layer 1"]


def test_a_network_typed_a_layer_at_a_time_solves_and_its_link_edits_it(client):
    case = DEEP[0]
    args = {"p.x": " ".join(map(repr, case["x"][0])), "p.y": " ".join(map(repr, case["y"][0])), "p.loss": case["loss"],
            "p.eta": repr(case["eta"]), "p.leaky_slope": repr(case["leaky_slope"])}
    for k, (W, b, g) in enumerate(zip(case["W"], case["b"], case["acts"]), start=1):
        args[f"p.layers.{k}.W"] = "\n".join(" ".join(map(repr, row)) for row in W)  # one row per line, as typed
        args[f"p.layers.{k}.b"] = " ".join(map(repr, b))
        args[f"p.layers.{k}.act"] = g
    r = client.get("/f/feedforward/solve", query_string=args)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    sol = solver.solve("feedforward", x=case["x"], y=case["y"], loss=case["loss"], eta=case["eta"],
                       leaky_slope=case["leaky_slope"], layers=_layers_text(case))
    _close(sol.answers["new_loss"].value, case["expected"]["new_loss"])
    row = re.search(r'<tr id="answer-new_loss".*?</tr>', page, re.S).group(0)
    assert sol.answers["new_loss"].display in row  # the page shows the answer torch agrees with
    edit = re.search(r'href="([^"]*)" id="edit-problem"', page).group(1).replace("&amp;", "&")
    form = client.get(edit).get_data(as_text=True)
    assert _layer_legends(form) == [f"Layer {k}" for k in range(1, 5)] + ["Layer 5 (output)"]


# ---- the same in a real browser, with JavaScript switched off -----------------------------------------------------
from browser_support import artifacts, browser  # noqa: E402,F401  (fixtures)
from test_browser import server  # noqa: E402,F401  (fixture: `stepwise serve` on a free port)


def test_a_layer_is_added_in_a_browser_without_javascript(browser, server, artifacts):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server, java_script_enabled=False)
    context.set_default_timeout(30_000)
    page = context.new_page()
    expect.set_options(timeout=30_000)
    try:
        page.goto("/f/feedforward?example=1")
        expect(page.locator("#p-layers-2")).to_be_visible()
        expect(page.locator("#p-layers-3")).to_have_count(0)
        page.click("#p-layers-add")                      # a plain submit button: the form comes back with a layer more
        expect(page.locator("#p-layers-3")).to_be_visible()
        expect(page.locator("#p-layers-1-W")).to_have_value("0.2 -0.1 0.4; 0.5 0.3 -0.2; -0.3 0.8 0.1; 0.1 0.2 0.3")
        page.select_option("#p-layers-2-act", "tanh")
        page.fill("#p-layers-3-W", "1 -1\n0.5 0.5")      # one row per line
        page.fill("#p-layers-3-b", "0 0.1")
        page.select_option("#p-layers-3-act", "softmax")
        page.screenshot(path=str(artifacts / "feedforward-three-layers.png"), full_page=True)
        page.press("#p-eta", "Enter")                     # Enter solves (the first submit button), it adds no layer
        expect(page.locator("h1")).to_contain_text("Feed-forward network")
        assert "/f/feedforward/solve?" in page.url
        expect(page.locator("#answer-layers .answer-value")).to_have_text("3")
        page.click("#edit-problem")
        expect(page.locator("#p-layers-3-W")).to_have_value("1 -1\n0.5 0.5")  # kept as typed
        page.click("#p-layers-remove")
        expect(page.locator("#p-layers-3")).to_have_count(0)
    finally:
        context.close()
