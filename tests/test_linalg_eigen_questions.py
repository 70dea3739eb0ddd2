"""eigen: the questions exams ask beyond "find the eigenvalues" (issue 14 items 1, 3 and 5).

- the eigenvalues of A^k, A^-1 and A + cI from the eigenvalues alone (no A), with the rule stated;
- whether given vectors are eigenvectors, and of which eigenvalue (an addressable table);
- the sequence x, Ax, A^2 x, ...: its first iterates as an addressable trace under each scaling convention,
  which eigenvalue dominates, whether it converges or diverges, its limit and its rate.

Oracles: numpy (matrix_power, eigvals, eig, inv, norm, and a 400-step power iteration written here) and closed
forms written in the tests (the stationary distribution (2/3, 1/3) of a Markov matrix, A^k x = (k, 1) for a
Jordan block, |λ2/λ1|). Nothing here is compared with an earlier output of ours.
"""
from __future__ import annotations

import numpy as np
import pytest

import solver
from solver import registry
from solver.params import InvalidInput

PATHS = ("exact", "numeric")


def arr(answer):
    return np.array(answer.numeric_value(), dtype=float)


def texts(sol):
    return " ".join(s.text for s in sol.walk())


# ---- the eigenvalues of A^k, A^-1, A + cI from the eigenvalues alone ---------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_spectral_maps_from_given_eigenvalues_match_numpy_on_a_matrix_with_them(path):
    """A = S diag(2, 5) S^-1 has eigenvalues 2 and 5; numpy's eigenvalues of A^3, A^-1 and A - 2I are the answers."""
    S = np.array([[1.0, 2], [1, 3]])
    A = S @ np.diag([2.0, 5]) @ np.linalg.inv(S)
    sol = solver.solve("eigen", eigenvalues="2 5", power=3, inverse=True, shift=-2, path=path)
    a = sol.answers
    assert "eigenvalues" not in a and "eigenvectors" not in a  # not asked, not computed
    assert np.allclose(sorted(arr(a["eigenvalues_power"])), sorted(np.linalg.eigvals(np.linalg.matrix_power(A, 3)).real))
    assert np.allclose(sorted(arr(a["eigenvalues_inverse"])), sorted(np.linalg.eigvals(np.linalg.inv(A)).real))
    assert np.allclose(sorted(arr(a["eigenvalues_shifted"])), sorted(np.linalg.eigvals(A - 2 * np.eye(2)).real))
    assert list(arr(a["eigenvalues_power"])) == [8, 125]  # in the order given: λ^k
    t = texts(sol)
    assert "λ^k" in t and "1/λ" in t and "λ + c" in t  # the rule is stated
    assert sol.statement == ("The eigenvalues of a 2 x 2 matrix A are λ = 2, 5. Give the eigenvalues of A³, A⁻¹ and "
                             "A - 2I, and say which rule gives them.")


def test_given_eigenvalue_zero_makes_the_inverse_undefined():
    sol = solver.solve("eigen", eigenvalues="0 3", inverse=True, power=2)
    assert sol.status == "undefined" and "eigenvalues_inverse" not in sol.answers
    assert sol.answers["eigenvalues_power"].value == [0, 9]


@pytest.mark.parametrize("raw, field", [
    ({}, "A"),
    ({"A": "1 2; 3 4", "eigenvalues": "1 2", "power": 2}, "eigenvalues"),
    ({"eigenvalues": "1 2"}, "eigenvalues"),
    ({"eigenvalues": "1 2", "power": 2, "x0": "1 0"}, "x0"),
    ({"eigenvalues": "1 2", "power": 2, "vectors": "1 0"}, "vectors"),
    ({"A": "1 2; 3 4", "x0": "0 0"}, "x0"),
    ({"A": "1 2; 3 4", "x0": "1 0 0"}, "x0"),
    ({"A": "1 2; 3 4", "vectors": "1 0 0"}, "vectors"),
    ({"A": "1 2; 3 4", "power": 2, "decompose": "false"}, "decompose"),
])
def test_questions_that_cannot_be_answered_name_the_field(raw, field):
    with pytest.raises(InvalidInput) as e:
        solver.solve("eigen", **raw)
    assert e.value.field == field and f"'{field}'" in e.value.message


# ---- is v an eigenvector? --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_eigenvector_test_matches_numpy_and_every_entry_is_an_answer(path):
    A = np.array([[2.0, 1], [1, 2]])
    V = np.array([[1.0, 1], [1, -1], [1, 0], [0, 0], [-3, -3]])
    sol = solver.solve("eigen", A="2 1; 1 2", vectors=V.astype(int).tolist(), path=path)
    assert "eigenvalues" not in sol.answers  # the question only tests vectors: no decomposition
    for j, v in enumerate(V, 1):
        Av = A @ v
        lam = Av @ v / (v @ v) if v.any() else 0.0
        want = bool(v.any()) and np.allclose(Av, lam * v)
        assert sol.answer(f"is_eigenvector@v={j}").value is want
        assert np.allclose(sol.answer(f"Av@v={j}").value, Av)
        got = sol.answer(f"eigenvalue@v={j}").value
        assert (np.isclose(got, lam) if want else got == "none"), (j, got)
    assert "is_eigenvector@v=5" in sol.addresses()


def test_eigenvector_test_statement_is_rich_and_decomposition_on_request():
    one = solver.solve("eigen", A="2 1; 1 2", vectors="1 1")
    assert one.statement == "Is v = (1, 1) an eigenvector of A = [[2, 1], [1, 2]]? If it is, for which eigenvalue?"
    assert r"\begin{pmatrix} 2 & 1 \\ 1 & 2 \end{pmatrix}" in one.rich_statement.latex()
    both = solver.solve("eigen", A="2 1; 1 2", vectors="1 1", decompose=True)
    assert both.answers["eigenvalues"].value == [3, 1] and both.answer("eigenvalue@v=1").value == 3
    assert both.statement.startswith("Find the eigenvalues and the unit eigenvectors of A = [[2, 1], [1, 2]]. Is v = (1, 1)")


def test_only_the_decomposition_asked_shows_the_notes_polynomial_slip():
    """The notes' slip concerns the characteristic polynomial: a question that only tests a vector does not form it."""
    slip = "Slip in the course notes"
    assert slip in [s.title for s in solver.solve("eigen", A="[[14, -11], [-11, 23]]").walk()]
    assert slip not in [s.title for s in solver.solve("eigen", A="[[14, -11], [-11, 23]]", vectors="1 1").walk()]


# ---- x, Ax, A^2 x, ... --------------------------------------------------------------------------------------


def _numpy_trace(A, x0, n, scaling):
    """The iterates and estimates as the conventions define them, written here with numpy."""
    out, x = [], np.array(x0, dtype=float)
    for _ in range(n):
        y = A @ x
        rq = x @ y / (x @ x)
        if scaling == "none":
            x, est = y, rq
        elif scaling == "max":
            est = y[np.argmax(np.abs(y))]
            x = y / est
        else:
            x, est = y / np.linalg.norm(y), rq
        out.append((y, x, est))
    return out


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("scaling", ["none", "max", "unit"])
@pytest.mark.parametrize("A, x0", [([[2, 1], [1, 3]], [1, 0]), ([[4, 1, 0], [1, 3, 1], [0, 1, 2]], [1, 1, 1]),
                                   ([[1, 2], [3, -4]], [1, 1])])
def test_iterates_are_an_addressable_trace_matching_numpy(path, scaling, A, x0):
    M = np.array(A, dtype=float)
    n = 6
    sol = solver.solve("eigen", A=A, x0=x0, iterations=n, path=path, conventions={"power_scaling": scaling})
    for k, (y, x, est) in enumerate(_numpy_trace(M, x0, n, scaling), 1):
        assert np.allclose(sol.answer(f"x@k={k}").value, x, rtol=1e-12), k
        assert np.isclose(sol.answer(f"estimate@k={k}").value, est, rtol=1e-12), k
        if scaling != "none":
            assert np.allclose(sol.answer(f"Ax@k={k}").value, y, rtol=1e-12)
        else:
            assert np.allclose(x, np.linalg.matrix_power(M, k) @ x0)
    w = np.linalg.eigvals(M)
    assert np.isclose(sol.answers["dominant_eigenvalue"].value, w[np.argmax(np.abs(w))].real, rtol=1e-12)
    second = np.sort(np.abs(w))[-2]
    assert np.isclose(sol.answers["convergence_ratio"].value, second / np.abs(w).max(), rtol=1e-12)


def _power_iteration(A, x0, steps=400):
    x = np.array(x0, dtype=float)
    for _ in range(steps):
        x = A @ x
        x = x / np.linalg.norm(x)
    return x


@pytest.mark.parametrize("path", PATHS)
def test_scaled_iterates_converge_to_the_dominant_eigenvector(path):
    A = np.array([[4.0, 1, 0], [1, 3, 1], [0, 1, 2]])
    x0 = [1, 1, 1]
    ref = _power_iteration(A, x0)
    unit = solver.solve("eigen", A=A.astype(int).tolist(), x0=x0, path=path, conventions={"power_scaling": "unit"}).answers
    assert unit["behaviour"].value == "converges"
    assert np.allclose(arr(unit["limit"]), ref, atol=1e-10)
    w, V = np.linalg.eig(A)
    v = V[:, np.argmax(np.abs(w))]
    assert np.allclose(np.abs(arr(unit["limit"])), np.abs(v), atol=1e-10)
    mx = solver.solve("eigen", A=A.astype(int).tolist(), x0=x0, path=path, conventions={"power_scaling": "max"}).answers
    assert np.allclose(arr(mx["limit"]), ref / ref[np.argmax(np.abs(ref))], atol=1e-10)
    raw = solver.solve("eigen", A=A.astype(int).tolist(), x0=x0, path=path).answers
    assert raw["behaviour"].value == "diverges" and "limit" not in raw


@pytest.mark.parametrize("path", PATHS)
def test_markov_matrix_converges_to_its_stationary_distribution(path):
    """P = [[0.9, 0.2], [0.1, 0.8]] (columns sum to 1): λ = 1, 0.7; from (1, 0) the sequence converges to the
    stationary distribution (2/3, 1/3), at the rate 0.7 per step."""
    sol = solver.solve("eigen", A="0.9 0.2; 0.1 0.8", x0="1 0", path=path)
    a = sol.answers
    assert a["behaviour"].value == "converges"
    assert np.allclose(arr(a["limit"]), [2 / 3, 1 / 3], atol=1e-12)
    assert np.isclose(a["dominant_eigenvalue"].value, 1) and np.isclose(a["convergence_ratio"].value, 0.7)
    P = np.array([[0.9, 0.2], [0.1, 0.8]])
    assert np.allclose(np.linalg.matrix_power(P, 200) @ [1, 0], arr(a["limit"]), atol=1e-12)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("A, x0, scaling, word, dominant", [
    ("0.5 0.25; 0.25 0.5", "1 0", "none", "converges", 0.75),   # |λ| < 1: to the zero vector
    ("0 1; 1 0", "1 0", "none", "oscillates", None),            # λ = ±1 share the top magnitude
    ("0 -1; 1 0", "1 0", "unit", "oscillates", None),           # a rotation: complex λ = ±i
    ("-2 0; 0 1", "1 1", "none", "diverges", -2),
    ("-2 0; 0 1", "1 1", "unit", "alternates", -2),             # the direction converges, the sign flips
    ("-2 0; 0 1", "1 1", "max", "converges", -2),               # dividing by the signed largest entry removes the flip
    ("1 1; 0 1", "0 1", "none", "diverges", 1),                 # Jordan block: A^k x = (k, 1)
    ("1 1; 0 1", "1 0", "none", "converges", 1),                # x is the eigenvector: it stays
    ("0.5 0; 0 -1", "1 1", "none", "alternates", -1),
])
def test_behaviour_of_the_sequence(path, A, x0, scaling, word, dominant):
    sol = solver.solve("eigen", A=A, x0=x0, path=path, iterations=8, conventions={"power_scaling": scaling})
    a = sol.answers
    assert a["behaviour"].value == word
    if dominant is None:
        assert "dominant_eigenvalue" not in a
    else:
        assert np.isclose(a["dominant_eigenvalue"].value, dominant)
    M = np.array([[float(x) for x in r.split()] for r in A.split(";")])
    Ak = np.linalg.matrix_power(M, 8) @ np.array(x0.split(), dtype=float)
    if scaling == "none":
        assert np.allclose(sol.answer("x@k=8").value, Ak)
    if word == "converges" and scaling == "none":
        assert np.allclose(arr(a["limit"]), np.linalg.matrix_power(M, 400) @ np.array(x0.split(), dtype=float), atol=1e-12)


def test_jordan_block_grows_linearly():
    """A = [[1, 1], [0, 1]]: A^k (0, 1) = (k, 1), a closed form; the solution says it grows like k."""
    sol = solver.solve("eigen", A="1 1; 0 1", x0="0 1", iterations=5)
    assert [sol.answer(f"x@k={k}").value for k in range(1, 6)] == [[k, 1] for k in range(1, 6)]
    assert "grows like k" in texts(sol) and "convergence_ratio" not in sol.answers


def test_iteration_statement_and_paper_instruction():
    sol = solver.solve("eigen", A="2 1; 1 3", x0="1 0", iterations=3)
    assert ("Starting from x = (1, 0), write out the first 3 iterates of x, Ax, A²x, …. Which eigenvalue dominates, and "
            "does the sequence converge or diverge?") in sol.statement
    conv = {c.name: c for c in registry.get("eigen").conventions}["power_scaling"]
    assert set(conv.paper) == set(conv.options) == set(conv.sources)
    assert "largest magnitude" in conv.paper["max"] and "length" in conv.paper["unit"]


@pytest.mark.parametrize("scaling", ["none", "max", "unit"])
def test_exact_and_numeric_paths_agree_on_the_iteration(scaling):
    for seed in range(6):
        params = registry.get("eigen").generate(seed)
        n = len(params["A"])
        params["x0"] = [1] + [0] * (n - 1)
        exact = solver.solve("eigen", path="exact", conventions={"power_scaling": scaling}, **params)
        numeric = solver.solve("eigen", path="numeric", conventions={"power_scaling": scaling}, **params)
        for name in ("behaviour", "dominant_eigenvalue", "convergence_ratio", "limit"):
            assert (name in exact.answers) == (name in numeric.answers), name
            if name in exact.answers:
                e, g = exact.answers[name].value, numeric.answers[name].value
                assert e == g if name == "behaviour" else np.allclose(e, g, atol=1e-10), (seed, name, e, g)
        for k in range(1, 6):
            assert np.allclose(exact.answer(f"x@k={k}").value, numeric.answer(f"x@k={k}").value, rtol=1e-12)


def test_float64_overflow_stops_the_trace_with_a_note():
    sol = solver.solve("eigen", A=np.array([[1e200, 0.0], [0.0, 1.0]]), x0=np.array([1.0, 1.0]), iterations=5)
    assert "overflows float64" in texts(sol) and sol.answer("x@k=1").value == [1e200, 1.0]
    assert sol.answers["behaviour"].value == "diverges"


def test_complex_scientific_numbers_typeset_in_latex():
    """Regression: a complex value with a part in scientific form (0.2 + 1.2e-16i) raised in solver.format."""
    import sympy as sp

    from solver import format as F

    assert r"\times 10^{-16}\,i" in F.latex(sp.Float(0.2) + sp.I * sp.Float(1.2e-16))
    assert F._sci_latex("false") == "false"


def test_eigen_of_entries_near_1e308_does_not_warn():
    """Regression: grouping eigenvalues near ±1.4e308 subtracted them in float64 and raised an overflow warning
    (an error under the suite's filterwarnings); so did the eigenvector test's A v."""
    A = np.array([[1e308, 1e308], [1e308, -1e308]])
    sol = solver.solve("eigen", A=A)
    assert sol.path == "numeric" and len(sol.answers["eigenvalues"].value) == 2
    sol = solver.solve("eigen", A=np.array([[14.0, -11], [-11, 23]]), vectors=np.array([[1e308, 1e308]]))
    assert sol.answer("is_eigenvector@v=1").value is False


def test_iterates_of_tiny_vectors_do_not_underflow():
    """Regression: x.x of a vector of 1e-300 entries underflowed to 0 (a division by zero) in the Rayleigh quotient."""
    sol = solver.solve("eigen", A="1e-300 0; 0 2e-300", x0="1 1", path="numeric", conventions={"power_scaling": "unit"})
    assert np.isclose(sol.answers["dominant_eigenvalue"].value, 2e-300, rtol=1e-12)
    assert np.allclose(sol.answers["limit"].value, [0, 1])
