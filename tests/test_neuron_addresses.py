"""Issue 14 item 1 for the neuron families: every trace column is addressable (`name@key=value`) and every address
resolves to the entry the table shows; the addressed values against independent oracles (torch autograd, numpy,
closed forms written here)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import solver

NEURON_FAMILIES = ("perceptron", "mp_neuron", "sigmoid_neuron", "feedforward", "linear_separability", "comp_graph")

#: beyond the worked examples, the inputs that bring out each family's other tables
EXTRA = {
    "perceptron": [dict(X="0 0; 0 1; 1 0; 1 1", y="0 0 0 1", classify="1 1; 0 1", max_epochs="3"),
                   dict(w0="-1 1.1 1.1", classify="0 0; 0 1; 1 0; 1 1")],
    "mp_neuron": [dict(function="AND", n="3", inhibitory="3", theta="2", pairs="1 1 0 1; 1 1 1 1")],
    "sigmoid_neuron": [dict(x="0.5; 2.5", y="0.2 0.9", w="0", b="0", eta="1", steps="4")],
    "feedforward": [],
    "linear_separability": [dict(function="NAND", w="1 -0.5 -0.7"), dict(function="XOR"),
                            dict(X="0 0; 1 1; 2 0", y="0 1 1", w="-1 1 1")],
    "comp_graph": [],
}


def _cases():
    for name in NEURON_FAMILIES:
        yield pytest.param(name, None, id=f"{name}-example")
        for i, params in enumerate(EXTRA[name]):
            yield pytest.param(name, params, id=f"{name}-{i}")


@pytest.mark.parametrize("name,params", list(_cases()))
def test_every_trace_column_of_the_neuron_families_is_addressable_and_resolves(name, params):
    sol = solver.family(name).solve_example() if params is None else solver.solve(name, **params)
    tables = [s.table for s in sol.walk() if s.table is not None]
    assert tables or (name, params) == ("sigmoid_neuron", None), f"{name} shows a table"  # one step: no trace
    addresses = sol.addresses()
    for table in tables:
        assert table.addressable, f"{name}: the table with columns {[c.text for c in table.columns]} names its keys"
        for key in table.keys:
            if key in table.index:
                continue
            assert any(a.startswith(f"{key}@") or a == key for a in addresses), f"{name}: column {key} has no address"
        # each row's entries resolve to what the table shows
        idx = [table.keys.index(k) for k in table.index]
        for shown, values in zip(table.rows, table.values):
            where = ",".join(f"{table.keys[i]}={values[i]}" for i in idx)
            for j, key in enumerate(table.keys):
                if key in table.index:
                    continue
                a = f"{key}@{where}"
                if a in sol.answers or sum(1 for v in table.values if [v[i] for i in idx] == [values[i] for i in idx]) > 1:
                    continue  # a repeated index: the last row is meant
                assert sol.answer(a).value == values[j] or sol.answer(a).value == pytest.approx(values[j])
    for a in addresses:
        sol.answer(a)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_sigmoid_neuron_trace_entries_against_torch_autograd():
    """loss@t, grad_w@t, w_new@t of a full-batch run on X = (0.5, 2.5), Y = (0.2, 0.9) (the course notes, week 4's
    do_gradient_descent data) against torch autograd on L = sum_i 1/2 (sigma(w x_i + b) - y_i)^2."""
    torch = pytest.importorskip("torch")
    sol = solver.solve("sigmoid_neuron", x="0.5; 2.5", y="0.2 0.9", w="0", b="0", eta="1", steps="5")
    w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    X, Y = torch.tensor([0.5, 2.5], dtype=torch.float64), torch.tensor([0.2, 0.9], dtype=torch.float64)
    for t in range(1, 6):
        loss = (0.5 * (torch.sigmoid(w * X + b) - Y) ** 2).sum()
        loss.backward()
        assert sol.answer(f"loss@t={t}").value == pytest.approx(loss.item(), rel=1e-12)
        assert sol.answer(f"grad_w@t={t}").value == pytest.approx(w.grad.item(), rel=1e-12, abs=1e-15)
        assert sol.answer(f"grad_b@t={t}").value == pytest.approx(b.grad.item(), rel=1e-12, abs=1e-15)
        with torch.no_grad():
            w -= w.grad
            b -= b.grad
        w.grad = None
        b.grad = None
        assert sol.answer(f"w_new@t={t}").value == pytest.approx(w.item(), rel=1e-12)
        assert sol.answer(f"b_new@t={t}").value == pytest.approx(b.item(), rel=1e-12)


def test_mp_neuron_truth_table_entries_against_the_rule_written_here():
    """The course notes, week 1: a 3-input MP neuron, OR target; y_theta{t}@x = [x1 + x2 + x3 >= t], and NCC for
    theta = 0..5 is 7, 8, 5, 2, 1, 1."""
    sol = solver.family("mp_neuron").solve_example()
    for x in itertools.product((0, 1), repeat=3):
        where = ",".join(f"x{i}={v}" for i, v in enumerate(x, start=1))
        assert sol.answer(f"g@{where}").value == sum(x)
        assert sol.answer(f"f@{where}").value == int(any(x))
        for t in range(6):
            assert sol.answer(f"y_theta{t}@{where}").value == int(sum(x) >= t)
    assert [sol.answer(f"ncc@theta={t}").value for t in range(6)] == [7, 8, 5, 2, 1, 1]


def test_linear_separability_scores_against_numpy():
    """The course notes, week 1 (NAND): the weights (1, -0.5, -0.7) score the corners 1, 0.3, 0.5, -0.2."""
    sol = solver.solve("linear_separability", function="NAND", w="1 -0.5 -0.7")
    corners = np.array(list(itertools.product((0, 1), repeat=2)), dtype=float)
    scores = np.hstack([np.ones((4, 1)), corners]) @ np.array([1, -0.5, -0.7])
    for i, s in enumerate(scores, start=1):
        assert sol.answer(f"score@point={i}").value == pytest.approx(s)
        assert sol.answer(f"satisfied@point={i}").value is True


def test_feedforward_parameter_counts_per_layer_are_answers():
    """The handwritten notes' 3-4-2 network: 12 + 4 and 8 + 2 parameters, 26 in all (n_i n_(i-1) + n_i)."""
    sol = solver.family("feedforward").solve_example()
    assert [sol.answer(f"params@layer={k}").value for k in (1, 2)] == [3 * 4 + 4, 4 * 2 + 2]
    assert sol.answer("weights@layer=total").value == 20 and sol.answer("params@layer=total").value == 26


def test_every_convention_of_the_neuron_families_names_its_sources_and_the_answer_changing_ones_a_paper_line():
    """Issue 17 item 3, issue 18 item 1: sources in words for every option; a question-paper instruction for each
    option of a convention that changes an answer (comp_graph's sigmoid gate gives the same gradients: none)."""
    same_answers = {("comp_graph", "sigmoid_gate")}
    for name in NEURON_FAMILIES:
        for c in solver.family(name).conventions:
            assert set(c.sources) == set(c.options), (name, c.name)
            assert all("WE-" not in v and "notes 0" not in v for v in c.sources.values()), (name, c.name)
            if (name, c.name) in same_answers:
                assert not c.paper
            else:
                assert set(c.paper) == set(c.options), (name, c.name)


def test_sigmoid_neuron_trace_entries_against_the_closed_form():
    """The same run as the torch test above, with the gradient written here (it runs without torch, as in CI):
    dL/dw = sum_i (y_hat_i - y_i) y_hat_i (1 - y_hat_i) x_i, dL/db the same without x_i, w <- w - eta dL/dw."""
    sol = solver.solve("sigmoid_neuron", x="0.5; 2.5", y="0.2 0.9", w="0", b="0", eta="1", steps="5")
    X, Y = np.array([0.5, 2.5]), np.array([0.2, 0.9])
    w = b = 0.0
    for t in range(1, 6):
        yh = _sigmoid(w * X + b)
        loss = float(np.sum(0.5 * (yh - Y) ** 2))
        d = (yh - Y) * yh * (1 - yh)
        gw, gb = float(np.sum(d * X)), float(np.sum(d))
        assert sol.answer(f"loss@t={t}").value == pytest.approx(loss, rel=1e-12)
        assert sol.answer(f"grad_w@t={t}").value == pytest.approx(gw, rel=1e-12, abs=1e-15)
        assert sol.answer(f"grad_b@t={t}").value == pytest.approx(gb, rel=1e-12, abs=1e-15)
        w, b = w - gw, b - gb
        assert sol.answer(f"w_new@t={t}").value == pytest.approx(w, rel=1e-12)
        assert sol.answer(f"b_new@t={t}").value == pytest.approx(b, rel=1e-12)
