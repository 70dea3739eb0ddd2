"""solver.lazynp: NumPy imported on first use, so a hand-sized exact solve never loads it (issue 19 item 5: the
command line's start-up; NumPy's import is about a sixth of SymPy's)."""
from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_an_exact_solve_and_its_text_never_import_numpy():
    code = ("import sys; from solver import registry; from solver.render import render; "
            "fam = registry.get('perceptron'); sol = fam.solve(fam.example.params, fam.example.conventions); "
            "render(sol, 'text'); "
            "print(sol.answers['w'].value, 'numpy' in sys.modules)")
    assert _run(code) == "[-1, -3] False"


def test_the_command_line_solve_never_imports_numpy():
    code = ("import sys; from solver.cli import main; main(['solve','perceptron','--example','-f','json']); "
            "print('numpy' in sys.modules)")
    assert _run(code).splitlines()[-1] == "False"


def test_type_checks_before_numpy_loads_are_false_and_leave_it_unloaded():
    code = ("import sys; from solver.lazynp import np; "
            "r = [isinstance(1.5, np.ndarray), isinstance(3, (np.integer, np.floating)), type(1.5) is np.float64, "
            "isinstance(True, np.bool_)]; print(r, 'numpy' in sys.modules)")
    assert _run(code) == "[False, False, False, False] False"


def test_a_call_or_any_other_attribute_loads_numpy_and_gives_its_own_values():
    code = ("import sys; from solver.lazynp import np; x = np.float64(1.5); import numpy; "
            "print(type(x) is numpy.float64, x == 1.5, np.ndarray is numpy.ndarray, np.asarray is numpy.asarray, "
            "isinstance(numpy.zeros(2), np.ndarray))")
    assert _run(code) == "True True True True True"
    code = "import sys; from solver.lazynp import np; a = np.arange(3); print(a.tolist(), 'numpy' in sys.modules)"
    assert _run(code) == "[0, 1, 2] True"


def test_numpy_values_from_the_caller_are_recognised():
    """A caller that passes arrays has loaded NumPy: the checks see the real types (the numeric path)."""
    import numpy

    import solver

    sol = solver.solve("pca", X=numpy.array([[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]]), k=1)
    assert numpy.allclose(sol.answers["mean"].value, [8 / 3, 11 / 3])
