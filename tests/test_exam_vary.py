"""Real variants (issue 17 item 5): a randomised question takes the instructor's ranges (`[problems.vary]`),
variants differ, the drawn values are recorded and reproduce the question, and the same file and seed
give byte-identical outputs. Oracle: the update rule of SGD written here (w <- w - lr * grad)."""
from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from solver.exam import build, dumps, export, loads
from solver.exam.vary import draw
from solver.params import InvalidInput
from solver.registry import get

EXAM = '''
title = "Varied"
seed = 11
variants = 6

[[problems]]
family = "sgd"
marks = 4
answers = ["w"]
[problems.fix]
loss = "x**2 + 10*y**2"
w0 = "x=1, y=2"
source = "loss"
[problems.vary]
lr = { min = 0.01, max = 0.1 }
steps = [2, 3]

[[problems]]
family = "eigen"
marks = 4
answers = ["eigenvalues"]
[problems.vary]
A = { rows = 3, cols = 2, min = -5, max = 5 }
'''


def _exam(vary_a: str = "{ rows = 2, cols = 2, min = -5, max = 5 }") -> str:
    return EXAM.replace("{ rows = 3, cols = 2, min = -5, max = 5 }", vary_a)


@pytest.fixture(scope="module")
def built():
    return build(loads(_exam()))


def test_ranges_are_drawn_per_variant_within_the_instructors_bounds(built):
    lrs, steps, mats = set(), set(), set()
    for v in built.variants:
        sgd, eig = v.questions
        lr = Decimal(sgd.fix["lr"])
        assert Decimal("0.01") <= lr <= Decimal("0.1") and lr == lr.quantize(Decimal("0.01"))
        assert sgd.fix["steps"] in (2, 3)
        A = np.array(json.loads(eig.fix["A"]))
        assert A.shape == (2, 2) and A.dtype.kind == "i" and np.abs(A).max() <= 5
        lrs.add(lr), steps.add(sgd.fix["steps"]), mats.add(eig.fix["A"])
    assert len(lrs) > 1 and steps == {2, 3} and len(mats) == len(built.variants)


def test_varied_answers_match_the_update_rule(built):
    """w after `steps` SGD steps on x² + 10y² from (1, 2): each coordinate scales by (1 - 2 lr) and (1 - 20 lr)."""
    for v in built.variants:
        q = v.questions[0]
        lr, n = float(q.fix["lr"]), q.fix["steps"]
        want = [1 * (1 - 2 * lr) ** n, 2 * (1 - 20 * lr) ** n]
        assert np.allclose(q.solution.answers["w"].numeric_value(), want, rtol=1e-12)


def test_recorded_values_reproduce_the_question(built):
    q = built.variants[2].questions[1]
    fam = get("eigen")
    raw = dict(fam.generate(q.seed))
    raw.update(q.fix)
    again = fam.solve(raw, {})
    assert again.answers["eigenvalues"].value == q.solution.answers["eigenvalues"].value
    assert f"--random {q.seed}" in q.reproduce and "-p A=" in q.reproduce
    assert np.allclose(sorted(np.linalg.eigvals(np.array(json.loads(q.fix["A"]), float)).real, reverse=True),
                       sorted(np.array(q.solution.answers["eigenvalues"].numeric_value(), float), reverse=True))


def test_same_file_and_seed_give_identical_bytes(built):
    again = build(loads(_exam()))
    formats = ["json", "csv", "markdown", "moodle"]
    assert export(again, formats) == export(built, formats)
    assert export(build(loads(_exam()), seed=12), ["json"]) != export(built, ["json"])


def test_vary_round_trips_through_toml():
    spec = loads(_exam())
    assert loads(dumps(spec)) == spec and spec.problems[0].vary["steps"] == [2, 3]


def test_draw_is_exact_and_stable():
    rules = {"lr": {"min": 0.01, "max": 0.03}, "w": {"size": 3, "min": -1, "max": 1, "step": 0.5}}
    a, b = draw(rules, 5), draw(rules, 5)
    assert a == b and a["lr"] in ("0.01", "0.02", "0.03")
    assert all(x in ("-1", "-0.5", "0", "0.5", "1") for x in a["w"].strip("()").split(", "))


@pytest.mark.parametrize("vary,field,words", [
    ('lr = { min = 0.1, max = 0.01 }', "problems[1].vary.lr", "larger than 'max'"),
    ('nope = [1, 2]', "problems[1].vary.nope", "no parameter 'nope'"),
    ('lr = { min = 0.1 }', "problems[1].vary.lr.max", "needs 'max'"),
    ('lr = "fast"', "problems[1].vary.lr", "list of choices or a range"),
    ('lr = []', "problems[1].vary.lr", "1 to 1000 values"),
    ('lr = { min = 0, max = 1, step = 0 }', "problems[1].vary.lr.step", "positive"),
    ('lr = { min = 0, max = 1, colour = 2 }', "problems[1].vary.lr.colour", "unknown key"),
    ('loss = ["x**2"]', "problems[1].vary.loss", "both fixed"),
    ('lr = ["fast"]', "problems[1].vary.lr", ""),
])
def test_bad_ranges_are_refused_naming_the_field(vary, field, words):
    text = EXAM.replace('lr = { min = 0.01, max = 0.1 }\nsteps = [2, 3]', vary)
    with pytest.raises(InvalidInput) as e:
        loads(text)
    assert e.value.field == field and words in e.value.message


def test_vary_needs_a_randomised_problem():
    text = '''title = "x"
[[problems]]
family = "entropy"
[problems.params]
p = "0.5 0.5"
[problems.vary]
base = ["2"]
'''
    with pytest.raises(InvalidInput) as e:
        loads(text)
    assert e.value.field == "problems[1].vary"


def test_a_range_the_family_refuses_is_reported_at_load():
    """A 3 x 2 matrix has no eigenvalues: the probe draw is validated when the file is read."""
    with pytest.raises(InvalidInput) as e:
        loads(EXAM)
    assert e.value.field == "problems[2].vary.A" and "Problem 2 (eigen)" in e.value.message
