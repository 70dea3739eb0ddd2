"""Exam files ask for a precision (issue 14 item 4): `precision = { dp = N }` or `{ sig = N }` for the exam,
and per problem; answers (and trace entries by address) are given and graded to it. Oracle: the value
rounded in the test with Decimal (half away from zero, as exams round)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from solver.exam.build import build
from solver.exam.spec import dumps, loads
from solver.numbers import Precision
from solver.params import InvalidInput
from solver.registry import get

import web_trace_family as toy

EXAM = '''
title = "Precision"
precision = { dp = 6 }

[[problems]]
family = "sgd"
marks = 2
[problems.params]
x = "0"
y = "1"
w0 = "w=2, b=1"
lr = "10"

[[problems]]
family = "sgd"
marks = 1
precision = "3sf"
[problems.params]
x = "0"
y = "1"
w0 = "w=2, b=1"
lr = "10"
'''


def test_exam_and_problem_precision_rule_the_answers():
    spec = loads(EXAM)
    assert spec.precision == {"dp": 6} and spec.problems[1].precision == {"sig": 3}
    assert loads(dumps(spec)) == spec
    b = get("sgd").solve_example(precision=Precision(dp=12)).answers["w"].value[-1]
    q1, q2 = build(spec).variants[0].questions
    assert q1.solution.precision == {"dp": 6} and q2.solution.precision == {"sig": 3}
    six = Decimal(repr(b)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    assert str(six) in q1.solution.answers["w"].display
    assert "1.53" in q2.solution.answers["w"].display and str(six) not in q2.solution.answers["w"].display


@pytest.mark.parametrize("bad, field", [('precision = { dp = 40 }', "precision"), ('precision = "lots"', "precision"),
                                        ('precision = { dp = 2, sig = 3 }', "precision")])
def test_a_bad_exam_precision_names_its_key(bad, field):
    with pytest.raises(InvalidInput) as e:
        loads(EXAM.replace('precision = { dp = 6 }', bad))
    assert e.value.field == field


def test_a_bad_problem_precision_names_the_problem():
    with pytest.raises(InvalidInput) as e:
        loads(EXAM.replace('precision = "3sf"', 'precision = "0sf"'))
    assert e.value.field == "problems[2].precision" and e.value.message.startswith("Problem 2 (sgd): ")


def test_exam_answers_may_name_trace_entries(monkeypatch):
    with toy.installed(monkeypatch):
        spec = loads('title = "T"\n[[problems]]\nfamily = "toy_trace"\nmarks = 1\nanswers = ["w@t=2", "loss"]\n'
                     '[problems.params]\nlr = "0.1"\nw0 = "1"\nsteps = "3"\n')
        q = build(spec).variants[0].questions[0]
        assert [a.name for a in q.answers] == ["w@t=2", "loss"]
        assert float(q.answers[0].value) == pytest.approx(toy.oracle(0.1, 1.0, 2)[0])
        bad = loads('title = "T"\n[[problems]]\nfamily = "toy_trace"\nmarks = 1\nanswers = ["w@t=9"]\n'
                    '[problems.params]\nlr = "0.1"\nw0 = "1"\nsteps = "3"\n')
        with pytest.raises(InvalidInput) as e:
            build(bad)
        assert e.value.field == "problems[1].answers" and "No row of the trace matches" in e.value.message
