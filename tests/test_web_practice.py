"""Practice mode (issue 18 item 2) through Flask's test client, over every family: the practice page hides
every checkable answer and every step; a check reveals only what was answered correctly and says what a
wrong value matches (another convention) without giving the answer; "Show the next step" reveals the
steps one at a time and keeps what was typed. The browser side is in tests/test_browser_practice.py.

Oracles: the toy trace's closed form (tests/web_trace_family.py) and each family's own solution, whose
values must NOT appear on the page until answered.
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest

from solver import registry
from web import create_app
from web.check import value_kind
from web.forms import example_problem
from web.views import practice_units, revealed_steps

import web_trace_family as toy


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def _text(r) -> str:
    return r.get_data(as_text=True)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _url(name: str, what: str = "practice", **extra) -> str:
    return f"/f/{name}/{what}?" + urlencode({**example_problem(registry.get(name)).query(), **extra})


@pytest.mark.parametrize("name", registry.names())
def test_practice_hides_every_answer_and_step(client, name):
    sol = registry.get(name).solve_example()
    r = client.get(_url(name))
    assert r.status_code == 200
    page = _text(r)
    checkable = [a for a in sol.answers.values() if value_kind(a)]
    assert page.count("hidden until you answer") == len(checkable)
    assert 'class="step-num"' not in page, "no step is shown before the student asks"
    assert f"0 of {practice_units(sol.steps)} step" in page
    for a in checkable:  # no answer's value leaks into the answers table (the statement may hold givens)
        row = re.search(rf'<tr id="answer-{re.escape(a.name)}".*?</tr>', page, re.S).group(0)
        cell = re.search(r'<td class="answer-value[^"]*">(.*?)</td>', row, re.S).group(1)
        assert cell.strip() == '<span class="muted small">hidden until you answer</span>'
    assert "solution.md" not in page and "Copy LaTeX" not in page, "the downloads would give the answers away"


def test_a_wrong_value_is_told_without_the_answer_and_a_right_one_is_shown(client, monkeypatch):
    with toy.installed(monkeypatch):
        url = "/f/toy_trace/practice?p.lr=0.1&p.w0=1&p.steps=3"
        page = _text(client.get(url))
        w3, loss3 = toy.oracle(0.1, 1.0, 3)
        half = toy.oracle(0.1, 1.0, 3, half=True)[1]
        r = client.post(url, data={"csrf_token": _csrf(page), "a.w": f"{w3:.4f}", "a.loss": f"{half:.4f}", "shown": "0"})
        page = _text(r)
        assert r.status_code == 200
        w_row = re.search(r'<tr id="answer-w".*?</tr>', page, re.S).group(0)
        loss_row = re.search(r'<tr id="answer-loss".*?</tr>', page, re.S).group(0)
        assert "✓ Correct." in w_row and "<math" in w_row           # answered: now shown
        assert "✗ Not correct." in loss_row and "hidden until you answer" in loss_row
        assert "the loss is w^2/2" in loss_row                       # the convention behind the slip
        assert f"{loss3:.4f}" not in page                            # ... but not the answer


def _preorder(steps, prefix="", depth=2):
    """The numbers of the steps in the order a practice page reveals them: each step, then its sub-steps."""
    out = []
    for i, s in enumerate(steps, 1):
        num = f"{prefix}{i}"
        out.append((num, s.title))
        if depth > 1:
            out += _preorder(s.children, num + ".", depth - 1)
    return out


def test_show_the_next_step_reveals_one_step_and_keeps_what_was_typed(client):
    sol = registry.get("adam").solve_example()
    order = _preorder(sol.steps)
    url = _url("adam")
    token = _csrf(_text(client.get(url)))
    shown = 0
    for k in (1, 2, 3, 10, 11):
        page = _text(client.post(url, data={"csrf_token": token, "a.w": "12.5", "shown": str(k)}))
        assert f"{k} of {len(order)} step" in page
        ids = re.findall(r'<li class="step kind-[a-z]+" id="step-([\d.]+)"', page)
        assert ids == [num for num, _ in order[:k]]
        assert html.escape(order[k - 1][1]) in page
        assert 'value="12.5"' in page
    page = _text(client.post(url, data={"csrf_token": token, "shown": str(len(order))}))
    assert 'id="next-step"' not in page and f"{len(order)} of {len(order)}" in page


def test_practice_reveals_sub_steps_one_at_a_time():
    """Regression (issue 18): the next step revealed a step with all its sub-steps (every update of a trace) at
    once; a student working through it wants them one by one."""
    sol = registry.get("adam").solve_example()
    parent = next(i for i, s in enumerate(sol.steps) if s.children)
    got = revealed_steps(sol.steps, parent + 2)  # the steps before it, the step, its first sub-step
    assert len(got) == parent + 1 and len(got[parent].children) == 1
    assert got[parent].children[0] == sol.steps[parent].children[0]
    assert practice_units(sol.steps) == len(sol.steps) + sum(len(s.children) for s in sol.steps)
    assert revealed_steps(sol.steps, practice_units(sol.steps)) == tuple(sol.steps)


def test_practice_links_are_shared_from_the_solution_and_keep_the_problem(client):
    page = _text(client.get(_url("adam", "solve", precision="5dp")))
    link = html.unescape(re.search(r'href="([^"]+)" id="practice-link"', page).group(1))
    assert link.startswith("/f/adam/practice?") and "precision=5dp" in link
    page = _text(client.get(link))
    assert "Practice: " in page and html.unescape(re.search(r'href="([^"]+)" id="practice-link"', page).group(1)) == link
    assert 'formaction="/f/adam/practice"' in _text(client.get("/f/adam?example=1"))


@pytest.mark.parametrize("shown", ["-3", "x", "999999999"])
def test_an_odd_step_count_is_clamped(client, shown):
    r = client.get(_url("sgd", shown=shown))
    assert r.status_code == 200


def test_practice_check_requires_the_csrf_token(client):
    assert client.post(_url("sgd"), data={"a.w": "1"}).status_code == 400


# ---- warnings and what changed (issue 18 item 3) ----------------------------------------------------------------

def test_a_diverging_run_warns_at_the_top(client, monkeypatch):
    with toy.installed(monkeypatch):
        page = _text(client.get("/f/toy_trace/solve?p.lr=1.5&p.w0=1&p.steps=3"))
        warning = re.search(r'id="solution-warning">(.*?)</p>', page, re.S).group(1)
        assert "diverges" in warning and "learning rate is too large" in warning
        assert page.index('id="solution-warning"') < page.index('id="statement-heading"')
        assert 'id="solution-warning"' not in _text(client.get("/f/toy_trace/solve?p.lr=0.1&p.w0=1&p.steps=3"))


def test_a_convention_switch_says_which_answers_changed_and_by_how_much(client, monkeypatch):
    with toy.installed(monkeypatch):
        page = _text(client.get("/f/toy_trace/solve?p.lr=0.1&p.w0=1&p.steps=3"))
        link = html.unescape(re.search(r'<a class="switch" href="([^"]+)" data-convention="loss_scale"', page).group(1))
        assert "was.loss_scale=plain" in link
        page = _text(client.get(link))
        changed = re.sub(r"\s+", " ", re.search(r'id="what-changed">(.*?)</div>', page, re.S).group(1))
        loss = toy.oracle(0.1, 1.0, 3)[1]
        assert "from <code>plain</code> to <code>half</code>" in changed and "1 answer changed" in changed
        assert f"{loss:.4f} → <strong>{loss / 2:.4f}</strong> (by {loss / 2:.2g})" in changed
        assert "Unchanged: w." in changed
        assert "was." not in re.search(r'href="([^"]+)" id="permalink"', page).group(1)


def test_a_switch_that_changes_nothing_says_so(client):
    """Adam's example: epsilon = 1e-8 is negligible against sqrt(v) at this size, so moving it changes no answer
    at 4 decimal places."""
    page = _text(client.get(_url("adam", "solve")))
    link = html.unescape(re.search(r'<a class="switch" href="([^"]+)" data-convention="eps_placement"', page).group(1))
    page = _text(client.get(link))
    assert "No answer changed at this precision" in page


# ---- an exam's questions as practice links (issue 18 item 2) ------------------------------------------------

def test_an_exam_preview_links_each_question_to_practice_with_answers_withheld(tmp_path):
    from solver.exam.store import ExamStore
    from solver.exam.spec import loads

    db = tmp_path / "exams.sqlite3"
    store = ExamStore(db)
    user, _ = store.add_user("teacher", "correct horse battery")
    app = create_app({"TESTING": True, "EXAM_DB": str(db)})
    c = app.test_client()
    page = _text(c.get("/login"))
    c.post("/login", data={"csrf_token": _csrf(page), "name": "teacher", "password": "correct horse battery"})
    spec = loads('title = "Quiz"\nprecision = { dp = 5 }\n[[problems]]\nfamily = "adam"\nmarks = 2\n'
                 '[problems.params]\nlr = "1"\ngrads = "[1, 0]"\n[problems.conventions]\neps_placement = "outside"\n')
    exam_id = store.save_spec(spec, owner_id=user.id).id
    preview = _text(c.get(f"/exams/{exam_id}/preview"))
    link = html.unescape(re.search(r'href="([^"]+)" id="practice-q1"', preview).group(1))
    assert link.startswith("/f/adam/practice?") and "c.eps_placement=outside" in link and "precision=5dp" in link
    page = _text(c.get(link))
    want = registry.get("adam").solve({"lr": "1", "grads": "[1, 0]"}, {"eps_placement": "outside"})
    assert "hidden until you answer" in page
    assert all(html.escape(part) in page for part in want.statement_rich.parts if isinstance(part, str) and part.strip())
    assert "Given to 5 decimal places" in page


def test_adding_a_problem_to_an_exam_keeps_its_precision(tmp_path):
    from solver.exam.store import ExamStore

    db = tmp_path / "exams.sqlite3"
    store = ExamStore(db)
    store.add_user("teacher", "correct horse battery")
    c = create_app({"TESTING": True, "EXAM_DB": str(db)}).test_client()
    c.post("/login", data={"csrf_token": _csrf(_text(c.get("/login"))), "name": "teacher",
                           "password": "correct horse battery"})
    page = _text(c.get(_url("sgd", "solve", precision="6dp")))
    assert '<input type="hidden" name="precision" value="6dp">' in page
    form = {"csrf_token": _csrf(page), "family": "sgd", "exam": "new", "title": "Q", "precision": "6dp",
            **example_problem(registry.get("sgd")).query()}
    assert c.post("/exams/add", data=form).status_code == 302
    (saved,) = store.list()
    assert saved.spec.problems[0].precision == {"dp": 6}
