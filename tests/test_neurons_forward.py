"""Issue 14 item 2 for the neuron families: forward-only and evaluation questions (no target, no training data)
answer what they ask and nothing else; oracles: torch (nn.Linear, torch.sigmoid), closed forms written here."""
from __future__ import annotations

import pytest

import solver

LAYERS = ("W = 0.2 -0.1 0.4; 0.5 0.3 -0.2; -0.3 0.8 0.1; 0.1 0.2 0.3 | b = 0.1 -0.1 0.2 0 | act = sigmoid\n"
          "W = 0.3 -0.2 0.5 0.1; -0.4 0.6 0.2 -0.3 | b = 0.05 -0.05 | act = softmax")
W1 = [[0.2, -0.1, 0.4], [0.5, 0.3, -0.2], [-0.3, 0.8, 0.1], [0.1, 0.2, 0.3]]
B1 = [0.1, -0.1, 0.2, 0]
W2 = [[0.3, -0.2, 0.5, 0.1], [-0.4, 0.6, 0.2, -0.3]]
B2 = [0.05, -0.05]


def _torch_net(torch):
    l1, l2 = torch.nn.Linear(3, 4).double(), torch.nn.Linear(4, 2).double()
    with torch.no_grad():
        l1.weight.copy_(torch.tensor(W1, dtype=torch.float64))
        l1.bias.copy_(torch.tensor(B1, dtype=torch.float64))
        l2.weight.copy_(torch.tensor(W2, dtype=torch.float64))
        l2.bias.copy_(torch.tensor(B2, dtype=torch.float64))
    return lambda x: torch.softmax(l2(torch.sigmoid(l1(x))), dim=-1)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_feedforward_without_a_target_is_the_forward_pass_only(path):
    """The course notes, week 3 network (3-4-2, sigmoid then softmax) on x = (1, 0.5, -1) with no y: the output is
    torch's nn.Linear -> sigmoid -> nn.Linear -> softmax; no loss, gradient or update is computed or shown."""
    torch = pytest.importorskip("torch")
    sol = solver.solve("feedforward", x="1 0.5 -1", layers=LAYERS, path=path)
    want = _torch_net(torch)(torch.tensor([1, 0.5, -1], dtype=torch.float64)).tolist()
    assert sol.answers["output"].value == pytest.approx(want, rel=1e-12)
    assert sol.answers["h2"].value == pytest.approx(want, rel=1e-12)
    assert sol.answers["params"].value == 26
    assert not {"loss", "new_loss", "grad_W1", "W1_new", "y_hat_new"} & set(sol.answers)
    words = " ".join(s.title + " " + s.text for s in sol.walk()).lower()
    assert "gradient" not in words and "update" not in words
    assert "y" not in sol.params or sol.params["y"] is None


def test_feedforward_forward_pass_of_a_batch_against_torch():
    torch = pytest.importorskip("torch")
    sol = solver.solve("feedforward", x="1 0.5 -1; 0 0 1", layers=LAYERS)
    want = _torch_net(torch)(torch.tensor([[1, 0.5, -1], [0, 0, 1]], dtype=torch.float64)).tolist()
    for got, w in zip(sol.answers["output"].value, want):
        assert got == pytest.approx(w, rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_sigmoid_neuron_output_for_given_w_b_x(path):
    """A sigmoid neuron's output for given w, b, x, no target: sigma(w.x + b) by torch.sigmoid; sigma(0) = 1/2."""
    torch = pytest.importorskip("torch")
    sol = solver.solve("sigmoid_neuron", x="1 2; 0 -1", w="0.5 -0.25", b="0.1", path=path)
    z = torch.tensor([[1.0, 2.0], [0.0, -1.0]], dtype=torch.float64) @ torch.tensor([0.5, -0.25], dtype=torch.float64) + 0.1
    assert sol.answers["z"].value == pytest.approx(z.tolist(), rel=1e-12)
    assert sol.answers["y_hat"].value == pytest.approx(torch.sigmoid(z).tolist(), rel=1e-12)
    assert set(sol.answers) == {"z", "y_hat"}
    half = solver.solve("sigmoid_neuron", x="0.5", w="2", b="-1", path=path)
    assert half.answers["y_hat"].value == 0.5 and "output" in half.statement


def _mp(x, theta, inhibitory=()):
    """The McCulloch-Pitts rule written here: 0 if an inhibitory input is 1, else [sum of the others >= theta]."""
    if any(x[i - 1] for i in inhibitory):
        return 0
    return int(sum(v for i, v in enumerate(x, start=1) if i not in inhibitory) >= theta)


def test_mp_neuron_evaluated_on_given_inputs_counts_the_inputs_that_fire():
    """A neuron with theta = 2 on (1, 0, 1), (1, 1, 1), (0, 0, 1): outputs 1, 1, 0, so it fires for 2. No function
    is asked, so none is computed: no NCC, no thresholds, no truth table of a default OR."""
    X = [(1, 0, 1), (1, 1, 1), (0, 0, 1)]
    sol = solver.solve("mp_neuron", theta="2", x="1 0 1; 1 1 1; 0 0 1")
    assert sol.answers["outputs"].value == [_mp(x, 2) for x in X] == [1, 1, 0]
    assert sol.answers["fires"].value == 2
    assert set(sol.answers) == {"outputs", "fires"}
    assert sol.answer("y@x1=0,x2=0,x3=1").value == 0 and sol.answer("g@x1=1,x2=1,x3=1").value == 3
    assert "OR" not in sol.statement and "ncc" not in " ".join(s.title.lower() for s in sol.walk())


def test_mp_neuron_with_an_inhibitory_input_on_every_input():
    """theta = 2, x3 inhibitory: only (1, 1, 0) fires (the course notes' absolute inhibition)."""
    import itertools

    sol = solver.solve("mp_neuron", theta="2", n="3", inhibitory="3")
    corners = list(itertools.product((0, 1), repeat=3))
    assert sol.answers["outputs"].value == [_mp(x, 2, (3,)) for x in corners]
    assert sol.answers["fires"].value == 1


@pytest.mark.parametrize("params", [dict(theta="2", x="1 0 1; 1 1 1; 0 0 1"), dict(theta="2", n="3", inhibitory="3"),
                                    dict(theta="1", n="2", pairs="0 0 1; 1 1 1")])
def test_mp_neuron_without_a_function_solves_on_the_numeric_path(params):
    """The numeric path asked for a neuron with no function read the function's truth table (AttributeError on
    None); it answers as the exact path does (found by the differential harness)."""
    exact = solver.solve("mp_neuron", path="exact", **params)
    numeric = solver.solve("mp_neuron", path="numeric", **params)
    assert {k: a.value for k, a in numeric.answers.items()} == {k: a.value for k, a in exact.answers.items()}


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_mp_neuron_given_inputs_next_to_a_function(path):
    sol = solver.solve("mp_neuron", function="AND", n="3", theta="2", x="1 0 1; 1 1 1; 0 0 1", path=path)
    assert sol.answers["x_outputs"].value == [1, 1, 0] and sol.answers["fires"].value == 2
    assert sol.answers["thetas"].value == [3]


def test_mp_neuron_needs_a_function_or_a_neuron_and_names_the_field():
    from solver.params import InvalidInput

    for params, field in ((dict(n="3"), "function"), (dict(function="OR", x="1 0"), "theta"),
                          (dict(theta="1", x="1 2"), "x")):
        with pytest.raises(InvalidInput) as e:
            solver.solve("mp_neuron", **params)
        assert e.value.field == field


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_feedforward_update_of_the_weights_only_keeps_the_biases(path):
    """Issue 14 item 3: the update convention 'weights_only' moves W1, W2 by torch autograd's gradients on the
    course notes' week 3 network (cross-entropy after softmax, eta = 0.5) and leaves b1, b2 as given; the new loss
    is torch's loss at those parameters."""
    torch = pytest.importorskip("torch")
    sol = solver.solve("feedforward", x="1 0.5 -1", y="0 1", layers=LAYERS, loss="ce", eta="0.5", path=path,
                       conventions={"update": "weights_only"})
    Ws = [torch.tensor(W1, dtype=torch.float64, requires_grad=True), torch.tensor(W2, dtype=torch.float64, requires_grad=True)]
    bs = [torch.tensor(B1, dtype=torch.float64), torch.tensor(B2, dtype=torch.float64)]
    x, y = torch.tensor([1, 0.5, -1], dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64)

    def loss_at(W, b):
        h = torch.sigmoid(W[0] @ x + b[0])
        return -(y * torch.log_softmax(W[1] @ h + b[1], dim=0)).sum()

    loss_at(Ws, bs).backward()
    new = [(W - 0.5 * W.grad).detach() for W in Ws]
    for k in (1, 2):
        got = sol.answers[f"W{k}_new"].value
        for row, want in zip(got, new[k - 1].tolist()):
            assert row == pytest.approx(want, rel=1e-12)
        assert sol.answers[f"b{k}_new"].value == pytest.approx(bs[k - 1].tolist())
    assert sol.answers["new_loss"].value == pytest.approx(loss_at(new, bs).item(), rel=1e-12)
    default = solver.solve("feedforward", x="1 0.5 -1", y="0 1", layers=LAYERS, loss="ce", eta="0.5", path=path)
    assert default.answers["b2_new"].value != pytest.approx(B2)


STATEMENT_CASES = [
    ("perceptron", dict(X="(-1,2), (0,-1), (2,1)", y="0 1 0", bias="false", classify="(-2, 0)")),
    ("perceptron", dict(w0="-1 1.1 1.1", classify="0 0; 0 1; 1 0; 1 1")),
    ("mp_neuron", dict(function="OR", n="3", theta_min="0", theta_max="5")),
    ("mp_neuron", dict(theta="2", x="1 0 1; 1 1 1; 0 0 1")),
    ("sigmoid_neuron", dict(x="0", y="1", w="2", b="1", eta="10")),
    ("sigmoid_neuron", dict(x="1 2; 0 -1", w="0.5 -0.25", b="0.1")),
    ("feedforward", dict(x="1 0.5 -1", y="0 1", layers=LAYERS, loss="ce", eta="0.5")),
    ("feedforward", dict(x="1 0.5 -1", layers=LAYERS)),
    ("linear_separability", dict(function="NAND", w="1 -0.5 -0.7")),
]


@pytest.mark.parametrize("name,params", STATEMENT_CASES)
def test_neuron_statements_are_rich_maths_and_read_back(name, params):
    """Issue 17 item 4: the statement is Rich, with maths as maths (no y_hat, theta, sigma(, eta = in its prose), and
    the question reader reads it back as the same family with nothing missing."""
    from solver.richtext import Rich

    fam = solver.family(name)
    st = fam.statement(fam.validate(params))
    assert isinstance(st, Rich)
    prose = " ".join(part for part in st.parts if isinstance(part, str))
    for ascii_maths in ("y_hat", "theta", "sigma(", "eta =", "->", "x1..", "W1 =", "w0 ="):
        assert ascii_maths not in prose, (ascii_maths, prose)
    r = solver.read(st)
    assert r.family == name and not r.missing and not r.invalid, (r.family, r.missing, r.invalid, st.text())


# ---- the same questions against closed forms written here (they run where torch is not installed, as in CI) ----
def _np_net(X):
    import numpy as np

    H = 1 / (1 + np.exp(-(np.atleast_2d(X) @ np.array(W1).T + B1)))
    Z = H @ np.array(W2).T + B2
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_feedforward_forward_pass_against_the_closed_form(path):
    """h = sigmoid(W1 x + b1), y_hat = softmax(W2 h + b2), written here in NumPy, one example and a batch."""
    sol = solver.solve("feedforward", x="1 0.5 -1", layers=LAYERS, path=path)
    assert sol.answers["output"].value == pytest.approx(list(_np_net([1, 0.5, -1])[0]), rel=1e-12)
    sol = solver.solve("feedforward", x="1 0.5 -1; 0 0 1", layers=LAYERS, path=path)
    for got, want in zip(sol.answers["output"].value, _np_net([[1, 0.5, -1], [0, 0, 1]])):
        assert got == pytest.approx(list(want), rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_sigmoid_neuron_output_against_the_closed_form(path):
    """sigma(w.x + b) for x = (1, 2), (0, -1), w = (0.5, -0.25), b = 0.1: z = 0.1 and 0.35."""
    import math

    sol = solver.solve("sigmoid_neuron", x="1 2; 0 -1", w="0.5 -0.25", b="0.1", path=path)
    want = [1 / (1 + math.exp(-0.1)), 1 / (1 + math.exp(-0.35))]
    got = sol.answers["y_hat"].value if "y_hat" in sol.answers else sol.answers["output"].value
    assert list(got) == pytest.approx(want, rel=1e-12)
