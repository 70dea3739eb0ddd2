"""Trace entries as answers (solver.address): `loss@t=3`, `w@epoch=1`, on a hand-built trace."""
from __future__ import annotations

import pytest
import sympy as sp

from solver.address import AddressError, parse
from solver.steps import Solution
from solver.symbolic import Derivation


def _solution() -> Solution:
    d = Derivation()
    rows = [(1, 1, (sp.Integer(0), sp.Integer(1)), sp.Rational(1, 2)),
            (1, 2, (sp.Integer(1), sp.Integer(1)), sp.Rational(1, 4)),
            (2, 1, (sp.Integer(1), sp.Integer(2)), sp.Rational(1, 8))]
    d.table("Trace", ["epoch", "point", "w", "loss"], rows, keys=("epoch", "point", "w", "loss"), index=("epoch", "point"))
    return Solution("toy", "Toy", {}, (), "", d.steps, precision={"dp": 3})


def test_parse_addresses():
    assert parse("loss") == ("loss", {})
    assert parse(" w @ epoch = 1 , point=2 ") == ("w", {"epoch": "1", "point": "2"})
    for bad in ("w@", "w@epoch", "1w@t=1", "w@t=1,t=2"):
        with pytest.raises(AddressError):
            parse(bad)


def test_a_row_by_its_index_and_the_last_row_of_an_epoch():
    sol = _solution()
    assert sol.answer("loss@epoch=1,point=1").value == 0.5
    assert sol.answer("w@epoch=1").value == [1, 1]          # after epoch 1: its last row
    assert sol.answer("w@epoch=2,point=1").display == "(1, 2)"
    a = sol.answer("loss@epoch=2,point=1")
    assert a.tolerance is not None and a.tolerance.accepts(0.125, a.value) and not a.tolerance.accepts(0.13, a.value)


def test_addresses_list_every_entry_and_survive_json():
    sol = _solution()
    full = sol.addresses()
    assert "loss@epoch=2,point=1" in full and "w@epoch=1,point=2" in full and len(full) == 6
    again = Solution.from_json(sol.to_json())
    assert again.answer("w@epoch=1").value == [1, 1] and again.precision == {"dp": 3}


def test_a_wrong_address_says_what_can_be_asked():
    sol = _solution()
    with pytest.raises(AddressError, match="epoch and point"):
        sol.answer("loss@epoch=9")
    with pytest.raises(AddressError, match="no answer or trace column 'lr'"):
        sol.answer("lr@t=1")
    with pytest.raises(AddressError, match="loss@epoch,point"):
        sol.answer("nothing")
