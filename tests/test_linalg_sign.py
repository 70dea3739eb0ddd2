"""Answer comparison up to sign (solver.numbers.Tolerance.up_to_sign / sign_group, accepts_together).

Eigenvectors flip per column, PCA components per row with their score columns, SVD pairs (u_i, v_i)
together; the vectors below are notes 003's (WE-pca-1: e1 = (0.5574, -0.8303); WE-svd-1: U and V).
"""
from __future__ import annotations

import json
import math

import pytest

import solver
from solver.numbers import Tolerance, accepts_together
from solver.steps import Solution

R2, R3, R6 = math.sqrt(2), math.sqrt(3), math.sqrt(6)
U = [[2 / R6, 0, -1 / R3], [1 / R6, -1 / R2, 1 / R3], [1 / R6, 1 / R2, 1 / R3]]   # notes 003 (WE-svd-1)
VT = [[1 / R2, 1 / R2], [-1 / R2, 1 / R2]]


def neg_col(M, j):
    return [[-x if c == j else x for c, x in enumerate(r)] for r in M]


def neg_row(M, i):
    return [[-x for x in r] if k == i else list(r) for k, r in enumerate(M)]


def test_bool_up_to_sign_is_unchanged():
    t = Tolerance(abs=1e-3, up_to_sign=True)
    assert t.accepts([-0.5574, 0.8303], [0.5574, -0.8303])
    assert not t.accepts([-0.5574, -0.8303], [0.5574, -0.8303])
    assert not Tolerance(abs=1e-3).accepts([-0.5574, 0.8303], [0.5574, -0.8303])
    assert Tolerance(abs=1e-3, up_to_sign=True).accepts(2.0, 2.0)  # a scalar is compared as is


def test_columns_flip_one_at_a_time_rows_too():
    cols = Tolerance(abs=1e-9, up_to_sign="columns")
    assert cols.accepts(neg_col(U, 1), U) and cols.accepts(neg_col(neg_col(U, 0), 2), U)
    assert not cols.accepts(neg_row(U, 0), U)               # a row flip is not a column flip
    assert not Tolerance(abs=1e-9, up_to_sign=True).accepts(neg_col(U, 1), U)
    rows = Tolerance(abs=1e-9, up_to_sign="rows")
    assert rows.accepts(neg_row(VT, 1), VT) and not rows.accepts(neg_col(VT, 1), VT)
    assert cols.accepts([-0.5574, 0.8303], [0.5574, -0.8303])  # a vector is one column
    assert not cols.accepts([[1.0, 2.0]], [[1.0, 2.0], [3.0, 4.0]])  # shapes differ


def test_pairs_flip_together_across_answers():
    tu = Tolerance(1e-9, 0.0, "columns", "svd")
    tv = Tolerance(1e-9, 0.0, "rows", "svd")
    # pair 2 negated together, and u3 (no partner) negated on its own: accepted
    assert accepts_together([(tu, neg_col(neg_col(U, 1), 2), U), (tv, neg_row(VT, 1), VT)])
    # u2 negated without v2: each answer alone is fine, together they are not
    assert tu.accepts(neg_col(U, 1), U) and tv.accepts(VT, VT)
    assert not accepts_together([(tu, neg_col(U, 1), U), (tv, VT, VT)])
    # different groups are independent
    other = Tolerance(1e-9, 0.0, "rows", "pca")
    assert accepts_together([(tu, neg_col(U, 1), U), (other, VT, VT)])
    # a wrong value still fails, and exact answers (None) still compare
    assert not accepts_together([(tu, [[0.0] * 3] * 3, U)])
    assert accepts_together([(None, 6, 6)]) and not accepts_together([(None, 6, 7)])


def test_a_zero_column_matches_both_signs():
    t = Tolerance(1e-9, 0.0, "columns", "g")
    want = [[1.0, 0.0], [2.0, 0.0]]
    assert accepts_together([(t, [[-1.0, 0.0], [-2.0, 0.0]], want), (Tolerance(1e-9, 0.0, "rows", "g"), [[-5.0], [7.0]], [[5.0], [7.0]])])


def test_json_round_trip_and_backward_compatibility():
    t = Tolerance(5e-5, 0.0, "columns", "svd")
    assert t.to_json() == {"abs": 5e-5, "rel": 0.0, "up_to_sign": "columns", "sign_group": "svd"}
    assert Tolerance.from_json(json.loads(json.dumps(t.to_json()))) == t
    old = Tolerance(1e-3, 0.0, True)
    assert old.to_json() == {"abs": 1e-3, "rel": 0.0, "up_to_sign": True}  # no new key when unused
    assert Tolerance.from_json({"abs": 1e-3, "rel": 0, "up_to_sign": True}) == old
    assert Tolerance.from_json({"abs": 1e-3}) == Tolerance(1e-3)
    with pytest.raises(ValueError):
        Tolerance(up_to_sign="diagonal")


def test_solutions_carry_the_sign_groups_through_json():
    """WE-svd-1 and WE-pca-1: U/Vt share group 'svd', components/scores share 'pca', surviving a JSON round trip."""
    for fam, group, names in (("svd", "svd", ("U", "Vt")), ("pca", "pca", ("components", "scores"))):
        sol = solver.family(fam).solve_example()
        back = Solution.from_json(json.loads(sol.dumps()))
        assert back == sol
        assert {back.answers[n].tolerance.sign_group for n in names} == {group}
    pca = solver.family("pca").solve_example().answers
    flipped_c = [[-x for x in r] for r in pca["components"].value]
    flipped_s = [[-x for x in r] for r in pca["scores"].value]
    ok = accepts_together([(pca["components"].tolerance, flipped_c, pca["components"].value),
                           (pca["scores"].tolerance, flipped_s, pca["scores"].value)])
    bad = accepts_together([(pca["components"].tolerance, flipped_c, pca["components"].value),
                            (pca["scores"].tolerance, pca["scores"].value, pca["scores"].value)])
    assert ok and not bad
