"""Reading exam questions as written (solver.reading): numbers, arrays, formulas, evidence, doubts, the CLI.

Every expected answer is a closed form written here (or the course notes' worked example named).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from fractions import Fraction

import pytest

import solver
from solver.params import InvalidInput
from solver.reading import MAX_QUESTION_CHARS, ask, read
from solver.reading.scan import explicit_products, scan
from solver.reading.text import normalize

DONE_WHEN = "Apply NAG with learning rate 0.1 and momentum 0.9 to f(x) = x^2 starting at x = 1 for two steps"


def values(text: str, kind: str = "number"):
    t = normalize(text)
    return [it.value for it in scan(t.s).items if it.kind == kind]


# ---- the done-when question ---------------------------------------------------------------------------------

def nag_notes_closed_form() -> float:
    """Two steps of the notes' NAG (look = w - beta u, u = beta u + f'(look), w -= eta u) on f = x^2 from 1."""
    w, u = 1.0, 0.0
    for _ in range(2):
        look = w - 0.9 * u
        u = 0.9 * u + 2 * look
        w = w - 0.1 * u
    return w  # 0.82


def test_done_when_reading_names_each_field_and_its_words():
    r = read(DONE_WHEN)
    assert r.family == "nag"
    expected = {"lr": ("0.1", "learning rate 0.1"), "beta": ("0.9", "momentum 0.9"), "loss": ("x**2", "f(x) = x^2"),
                "steps": ("2", "two steps")}
    for name, (value, quote) in expected.items():
        assert r.fields[name].value == value
        assert r.fields[name].quote == quote
    assert r.fields["w0"].value == "x=1" and "x = 1" in r.fields["w0"].quote
    assert r.unread == [] and r.missing == [] and r.confident


def test_done_when_evidence_spans_point_into_the_question():
    r = read(DONE_WHEN)
    for f in r.fields.values():
        assert " ".join(DONE_WHEN[f.start:f.end].split()) == f.quote


def test_done_when_solution_has_the_two_steps():
    a = ask(DONE_WHEN)
    assert len(a.solutions) == 1
    sol = a.solutions[0]
    assert len(sol.answers["trace"].value) == 2
    assert sol.answers["w"].value == pytest.approx(nag_notes_closed_form(), abs=1e-12)


def test_done_when_on_the_command_line():
    out = subprocess.run([sys.executable, "-m", "solver.cli", "ask", DONE_WHEN], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Problem: Nesterov accelerated gradient (NAG) (nag)" in text
    for line in ("lr", "beta", "loss", "w0", "steps"):
        assert any(l.strip().startswith(line) and "from “" in l for l in text.splitlines())
    assert "Step t = 1" in text and "Step t = 2" in text


def test_cli_reads_standard_input_and_a_file(tmp_path):
    out = subprocess.run([sys.executable, "-m", "solver.cli", "ask", "-", "--format", "json"], input=DONE_WHEN,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"reading", "solutions"}
    assert data["reading"]["family"] == "nag" and len(data["solutions"]) == 1
    assert data["reading"]["evidence"]["lr"]["quote"] == "learning rate 0.1"
    path = tmp_path / "q.txt"
    path.write_text(DONE_WHEN, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "solver.cli", "ask", "--file", str(path), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and json.loads(out.stdout)["solutions"][0]["family"] == "nag"


def test_cli_exits_2_naming_the_missing_fields():
    out = subprocess.run([sys.executable, "-m", "solver.cli", "ask", "Find the eigenvalues of the matrix A."],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "A" in out.stderr and "-p A=" in out.stderr
    assert "Missing: A" in out.stdout
    assert "Traceback" not in out.stderr


def test_cli_corrections_complete_a_reading():
    out = subprocess.run([sys.executable, "-m", "solver.cli", "ask", "Find the eigenvalues of the matrix A.",
                          "-p", "A=[[2, 1], [1, 2]]", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert sorted(json.loads(out.stdout)["solutions"][0]["answers"]["eigenvalues"]["value"]) == [1, 3]


@pytest.mark.parametrize("text", ["", "   \n", "\x00\x01\x02" * 50])
def test_cli_unreadable_text_is_a_one_line_message(text):
    out = subprocess.run([sys.executable, "-m", "solver.cli", "ask", "-"], input=text, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2 and out.stderr.startswith("stepwise: ") and "Traceback" not in out.stderr


# ---- numbers as exams write them -----------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("eps = 1e-8", Fraction(1, 10 ** 8)), ("eps = 1E-8", Fraction(1, 10 ** 8)), ("eps = 10^-8", Fraction(1, 10 ** 8)),
    ("eps = 10^{-8}", Fraction(1, 10 ** 8)), ("eps = 10⁻⁸", Fraction(1, 10 ** 8)), ("$\\epsilon = 10^{-8}$", Fraction(1, 10 ** 8)),
    ("a rate of 1.5 × 10^-3", Fraction(3, 2000)), ("half is ½", Fraction(1, 2)), ("p = \\frac{1}{3}", Fraction(1, 3)),
    ("x = −2", Fraction(-2)), ("x = -0.5", Fraction(-1, 2)), ("retained with 80% probability", Fraction(4, 5)),
    ("it has 1,536,000 parameters", Fraction(1536000)), ("about 1.5 million", Fraction(1500000)),
    ("take .5", Fraction(1, 2)), ("ratio 2/3", Fraction(2, 3)),
])
def test_numbers_as_exams_write_them(text, value):
    assert value in values(text)


@pytest.mark.parametrize("text,value", [("for three steps", 3), ("update once", 1), ("twice", 2), ("twenty-one", 21),
                                        ("a single step", 1), ("the second epoch", 2), ("the 10th iteration", 10)])
def test_numbers_in_words_and_ordinals(text, value):
    assert Fraction(value) in values(text)


def test_a_number_ends_a_sentence():
    assert Fraction(0) in values("labeled as class 0.") and Fraction(5) in values("from 0 to 5.", "number") + [
        v[1] for v in values("from 0 to 5.", "range")]


# ---- arrays, tables, data --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("[1, 2, 3]", (1, 2, 3)), ("(1, -2)", (1, -2)), ("⟨1, 2⟩", (1, 2)), ("\\langle 1, 2 \\rangle", (1, 2)),
    ("{0.2, 0.8}", (Fraction(1, 5), Fraction(4, 5))), ("[0.9 \\ 100]", (Fraction(9, 10), 100)),
    ("$P = \\begin{bmatrix} 1 & 0 \\end{bmatrix}$", (1, 0)),
])
def test_vectors_in_brackets(text, expected):
    assert tuple(Fraction(v) for v in expected) in values(text, "vector")


def test_matrices_in_brackets_and_latex():
    want = ((1, 1), (1, 0), (0, 1))
    assert want in values("A = [[1, 1], [1, 0], [0, 1]]", "matrix")
    assert want in values("$$A = \\begin{bmatrix} 1 & 1 \\\\ 1 & 0 \\\\ 0 & 1 \\end{bmatrix}$$", "matrix")
    assert ((3, 0), (0, -4)) in values("\\begin{pmatrix} 3 & 0 \\\\ 0 & -4 \\end{pmatrix}", "matrix")


def test_tables_with_headers_and_named_rows():
    t = normalize("x1\tx2\ty\n0\t0\t1\n1\t0\t1\n0\t1\t1\n1\t1\t0")
    table = next(it for it in scan(t.s).items if it.kind == "table")
    assert table.columns == ("x1", "x2", "y") and len(table.value) == 4
    t = normalize("Feature\tEx 1\tEx 2\n$X_1$\t4\t8\n$X_2$\t11\t4")
    table = next(it for it in scan(t.s).items if it.kind == "table")
    assert table.value == ((4, 11), (8, 4))  # named rows are variables: the samples are the columns


def test_data_lines_give_points_and_labels():
    t = normalize("(0, 1, -1) -> 1\n(1, 0, 2) -> 0\n(2, 2, 2) -> 1")
    data = next(it for it in scan(t.s).items if it.kind == "data")
    assert data.value == (((0, 1, -1), (1, 0, 2), (2, 2, 2)), (1, 0, 1))


# ---- symbols, formulas, products ----------------------------------------------------------------------------------

def test_greek_letters_and_subscripts_name_fields():
    for text in ("Adam with β₁ = 0.8, β₂ = 0.99 on the gradients 1, 2",
                 "Adam with $\\beta_1 = 0.8$, $\\beta_2 = 0.99$ on the gradients 1, 2",
                 "Adam with beta_1 = 0.8, beta_2 = 0.99 on the gradients 1, 2"):
        r = read(text)
        assert r.family == "adam" and r.params["beta1"] == "0.8" and r.params["beta2"] == "0.99"


@pytest.mark.parametrize("text,expected", [("10y^2", "10*y**2"), ("2x", "2*x"), ("x^2 + 10y^2", "x**2+10*y**2"),
                                           ("(x+1)(x-1)", "(x+1)*(x-1)"), ("2(x - 3)", "2*(x-3)"), ("wx + b", "w*x+b"),
                                           ("exp(-x)", "exp(-x)"), ("sigma(2x)", "sigma(2*x)")])
def test_implicit_multiplication(text, expected):
    assert explicit_products(text) == expected


def test_functions_give_the_loss_and_its_start_point():
    r = read("Use gradient descent with learning rate 0.1 on f(x, y) = x^2 + 10y^2 from x = 1, y = 2 for one step.")
    assert r.family == "sgd"
    assert r.params["loss"] == "x**2+10*y**2" and r.params["w0"] == "x=1, y=2"
    sol = ask("Use gradient descent with learning rate 0.1 on f(x, y) = x^2 + 10y^2 from x = 1, y = 2 for one step.")
    w = sol.solutions[0].answers["w"].value
    assert w == pytest.approx([1 - 0.1 * 2, 2 - 0.1 * 40])  # w - eta grad f, grad f = (2x, 20y)


def test_named_values_fill_a_start_point():
    r = read("A sigmoid neuron is trained with momentum 0.5 and learning rate 1 on x = 1, y = 0, starting from "
             "w = 2.5, b = 0.")
    assert r.family == "momentum" and r.params["w0"] == "w=2.5, b=0"


def test_a_gradient_given_directly_is_read_and_said():
    t = normalize("The gradient is ∇f = (2x, 20y).")
    g = next(it for it in scan(t.s).items if it.kind == "gradient")
    assert g.text == "2*x, 20*y"
    t = normalize("Suppose the gradient is x - 1 at every point.")
    g = next(it for it in scan(t.s).items if it.kind == "gradient")
    assert g.text == "x-1"



@pytest.mark.parametrize("text", ["dL/dx = 2x, dL/dy = 20y", "∂f/∂x = 2x and ∂f/∂y = 20y",
                                  r"\frac{\partial f}{\partial x} = 2x, \frac{\partial f}{\partial y} = 20y"])
def test_partial_derivatives_one_after_the_other_are_one_gradient(text):
    """Regression: "dL/dx = 2x, dL/dy = 20y" was read as two gradients (the first taken, the second unread)."""
    items = [it for it in scan(normalize(f"where {text}.").s).items if it.kind == "gradient"]
    assert [(it.text, it.variables) for it in items] == [("2*x, 20*y", ("x", "y"))]


def test_partials_of_different_functions_stay_apart():
    items = [it for it in scan(normalize("where dL/dx = 2x and dJ/dy = 20y.").s).items if it.kind == "gradient"]
    assert [it.text for it in items] == ["2*x", "20*y"]


def test_a_tuple_assignment_names_each_coordinate():
    """Regression: "from (x, y) = (1, 1)" left the start point unread. Oracle: two steps of w - eta (2x, 20y)."""
    r = read("Minimise f(x, y) = x^2 + 10y^2 by gradient descent with learning rate 0.05 from (x, y) = (1, 1); "
             "two steps.")
    assert r.family == "sgd" and r.params["w0"] == "x=1, y=1" and r.unread == []
    w = ask("Apply two steps of gradient descent with learning rate 0.05 from (x, y) = (1, 1), where dL/dx = 2x, "
            "dL/dy = 20y.").solutions[0].answers["w"].value
    assert w == pytest.approx([1 * (1 - 0.05 * 2) ** 2, 1 * (1 - 0.05 * 20) ** 2])

# ---- what is asked --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,precision", [("to 3 decimal places", {"dp": 3}), ("round to two decimal places", {"dp": 2}),
                                            ("to four significant figures", {"sig": 4}), ("give 3 s.f.", {"sig": 3}),
                                            ("to the nearest hundredth", {"dp": 2})])
def test_precision_asked(text, precision):
    r = read(f"Compute the entropy of p = (0.5, 0.25, 0.25) in bits, {text}.")
    assert {k: v for k, v in r.asked["precision"].items() if k != "quote"} == precision


def test_precision_is_passed_to_the_solution():
    a = ask("An ensemble averages k = 5 models whose errors have variance V = 1 and covariance C = 0.3. Give the mean "
            "squared error of the ensemble to 2 decimal places.")
    assert a.solutions[0].answers["mse"].display == "0.44"  # V/k + (k - 1) C / k = 0.2 + 0.24 (notes 000, WE-ensemble-1)
    a = ask("An ensemble averages k = 5 models whose errors have variance V = 1 and covariance C = 0.3. Give the mean "
            "squared error of the ensemble.")
    assert a.solutions[0].answers["mse"].display == "0.4400"


def test_multiple_choice_options_are_not_inputs_and_are_matched():
    a = ask("What is the softmax probability of the first class for the logits [2, 1, 0.1]?\n(a) 0.659\n(b) 0.242\n"
            "(c) 0.099\n(d) 0.333")
    r = a.reading
    assert [o["label"] for o in r.asked["options"]] == ["a", "b", "c", "d"]
    assert r.unread == []
    assert r.params["logits"] == "[2, 1, 0.1]"


def test_a_question_in_parts_gives_every_part():
    a = ask("A random variable takes three values with probabilities 0.5, 0.25 and 0.25. Compute its entropy in bits "
            "and in nats.")
    assert [s.convention_choices for s in a.solutions] is not None
    got = sorted(s.answers["entropy"].value for s in a.solutions)
    assert got == pytest.approx(sorted([1.5, 1.5 * math.log(2)]))  # H = 1.5 bits = 1.5 ln 2 nats


# ---- no silent guesses -------------------------------------------------------------------------------------------

def test_an_unread_number_is_said():
    r = read("Apply gradient descent with learning rate 0.1 to f(x) = x^2 from x = 1; the batch size is 32.")
    assert any(u["text"] == "32" for u in r.unread)
    assert any("32" in w for w in r.warnings) and not r.confident


def test_a_missing_field_is_named_and_nothing_is_solved():
    a = ask("Find the eigenvalues of the matrix A.")
    assert a.reading.family == "eigen" and a.reading.missing == ["A"] and a.solutions == []


def test_a_default_standing_in_for_a_mentioned_value_is_said():
    r = read("Apply Adam with learning rate 0.1 and a small epsilon to f(x) = x^2 from x = 1.")
    assert any(d["field"] == "eps" for d in r.defaults)
    assert any("eps" in w for w in r.warnings)


def test_close_families_are_named():
    r = read("A sigmoid neuron is trained with momentum 0.5 and learning rate 1 on x = 1, y = 0, starting from "
             "w = 2.5, b = 0.")
    assert r.family == "momentum"
    assert r.alternatives and any("could also be read" in w for w in r.warnings) and not r.confident


def test_a_weak_reading_says_it_is_not_sure():
    r = read("A model outputs the probabilities (0.7, 0.3) for a sample whose target is (1, 0). Compute the loss.")
    assert any("not sure" in w for w in r.warnings) and not r.confident


def test_a_question_with_no_values_is_not_solved_from_defaults():
    a = ask("Compute the output volume of a convolutional layer.")
    assert a.solutions == [] and a.error


# ---- hostile input: a clear message, bounded time ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_text_is_a_clear_message(text):
    with pytest.raises(InvalidInput) as e:
        read(text)
    assert e.value.field == "text" and "empty" in e.value.message


def test_a_megabyte_is_refused_at_once():
    t = time.perf_counter()
    with pytest.raises(InvalidInput) as e:
        read("x = 1 " * 200_000)
    assert time.perf_counter() - t < 1.0
    assert "characters" in e.value.message and str(MAX_QUESTION_CHARS)[:2] in e.value.message.replace(",", "")


def test_binary_is_refused():
    with pytest.raises(InvalidInput):
        read(bytes(range(256)) * 4)
    with pytest.raises(InvalidInput):
        read("\x00\x01\x02\x03" * 100)


@pytest.mark.parametrize("text", ["¿Cuál es la capital de Francia?", "天気はどうですか", "What is the capital of France?",
                                  "Calcule l'entropie de la distribution."])
def test_no_known_words_give_a_message_not_a_guess(text):
    a = ask(text)
    assert a.solutions == []
    assert a.reading.family is None or not a.reading.solvable
    assert a.error


def test_a_page_of_text_reads_in_bounded_time():
    page = (DONE_WHEN + ". ") + "The exam lasts two hours and every answer must show its working. " * 60
    read(page)
    t = time.perf_counter()
    r = read(page)
    assert time.perf_counter() - t < 2.0  # generous: the benchmark measures the 20 ms target
    assert r.family == "nag"


def test_nothing_pasted_is_evaluated(tmp_path):
    marker = tmp_path / "pwned"
    text = (f"Minimise f(x) = __import__('os').system('touch {marker}') with gradient descent, learning rate 0.1, "
            "from x = 1. Also L = exec('1') and g = eval('2').")
    a = ask(text)
    assert not marker.exists()
    assert a.reading.params.get("loss") is None or "import" not in a.reading.params["loss"]


def test_solver_read_and_ask_are_the_python_api():
    assert solver.read(DONE_WHEN).family == "nag"
    assert solver.ask(DONE_WHEN).solutions[0].family == "nag"


def test_an_automatic_choice_is_not_flagged_when_its_field_was_read():
    """Regression: with the gradient read, "gradient descent" warned that no gradient source was read although
    the automatic source takes the gradient given."""
    r = read("Apply two steps of gradient descent with learning rate 0.1 from (x, y) = (1, 1), where dL/dx = 2x, "
             "dL/dy = 20y.")
    assert r.params["gradient"] == "2*x, 20*y"
    assert not any("source" in w for w in r.warnings)


def test_a_plural_in_the_question_selects_the_answer():
    """Regression: "How many parameters does the layer have?" did not select conv_shape's 'params' (the plural
    was not stemmed, the synonyms were looked up by the stem only) and a count without a tolerance was not
    shown. Oracle: (5 * 5 * 3 + 1) * 16 = 1216."""
    a = ask("A 32 x 32 x 3 image goes through a convolution layer with 16 filters of size 5 x 5, stride 1, "
            "padding 2. How many parameters does the layer have?")
    assert a.asked == [["params"]]
    assert a.solutions[0].answers["params"].value == (5 * 5 * 3 + 1) * 16


def test_gelu_approximations_named_in_words_are_read_as_their_variants():
    """'GELU ... the tanh approximation' is gelu_tanh (0.8412 at x = 1, as torch's approximate='tanh'), not the
    exact GELU (0.8413): the option named first ('GELU') gave way to nothing before."""
    import math

    cases = {"Compute GELU(x) at x = 1 using the tanh approximation.": "gelu_tanh",
             "Compute the GELU activation (tanh approximation) of z = 0.5": "gelu_tanh",
             "Compute PyTorch's GELU with approximate='tanh' at x = 2": "gelu_tanh",
             "Compute GELU at x = 1 with the sigmoid approximation": "gelu_sigmoid",
             "Compute GELU(x) at x = 1": "gelu",
             "What is the tanh activation at x = 0.5?": "tanh"}
    for q, fn in cases.items():
        r = read(q)
        assert r.family == "activation" and r.fields["function"].value == fn, (q, r.fields["function"].value)
    sol = ask("Compute GELU(x) at x = 1 using the tanh approximation.").solutions[0]
    x = 1.0   # the closed form (Hendrycks & Gimpel): x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    want = x / 2 * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    assert abs(sol.answers["values"].value[0] - want) < 1e-12


def test_a_markdown_table_keeps_its_header_above_the_rule_line():
    """| x1 | x2 | y | over |---|---|---|: the header names the columns, so y is the last one (the rule line hid the
    header: all three columns were read as inputs and y was missing). theta checked with numpy's least squares."""
    import numpy as np

    q = ("Fit a linear regression by least squares to the table:\n| x1 | x2 | y |\n|---|:---:|---|\n| 1 | 0 | 2 |\n"
         "| 2 | 1 | 4 |\n| 3 | 0 | 5 |\n| 4 | 1 | 8 |")
    out = ask(q)
    r = out.reading
    assert r.fields["X"].value == "[[1, 0], [2, 1], [3, 0], [4, 1]]" and r.fields["y"].value == "[2, 4, 5, 8]"
    X = np.array([[1, 1, 0], [1, 2, 1], [1, 3, 0], [1, 4, 1]], float)
    want = np.linalg.lstsq(X, np.array([2, 4, 5, 8], float), rcond=None)[0]
    assert np.allclose(out.solutions[0].answers["theta"].value, want, atol=1e-12)


def test_two_gaussians_written_n_mu_sigma_squared_are_read_with_the_variance_second():
    """'KL between N(0, 1) and N(1, 2)': N(μ, σ²) gives the variance, so σ_q = √2 (0.3466 nats, torch's
    kl_divergence of Normal(0, 1) and Normal(1, √2)); a question that calls the second number the standard deviation
    gets σ_q = 2. The reading says which it took."""
    torch = pytest.importorskip("torch")
    from torch.distributions import Normal, kl_divergence

    out = ask("What is the KL divergence between N(0, 1) and N(1, 2)?")
    f = out.reading.fields
    assert (f["mu_p"].value, f["sigma_p"].value, f["mu_q"].value, f["sigma_q"].value) == ("0", "1", "1", "sqrt(2)")
    assert any("variance second" in n for n in out.reading.notes)
    want = kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0 ** 0.5)).item()
    assert abs(out.solutions[0].answers["kl"].value - want) < 1e-6
    r = read("Compute KL(q || p) where p = N(0, 1) and q = N(2, 9).")
    assert r.family == "kl_divergence" and r.fields["sigma_q"].value == "3" and r.fields["mu_q"].value == "2"
    assert not any("not sure" in w for w in r.warnings)
    r = read("Two Gaussians with standard deviations 1 and 2: N(0, 1) and N(1, 2). What is the KL divergence?")
    assert r.fields["sigma_q"].value == "2" and not any("variance second" in n for n in r.notes)
    # a fractional variance: the note's root is bracketed (√1/2 would read as half of √1)
    r = read("What is the KL divergence between N(0, 1/2) and N(1, 2)?")
    assert r.fields["sigma_p"].value == "sqrt(1/2)"
    assert any("σ_p = √(1/2) and σ_q = √2" in n for n in r.notes), r.notes


def test_a_layer_given_by_its_inputs_alone_gets_the_fan_in_rules():
    """'He initialization ... a layer with 256 inputs': the fan-in alone (it was unread and the default 4 -> 3 layer
    answered). He's std sqrt(2/256) and PyTorch's default bound 1/sqrt(256) against torch's own formulas."""
    torch = pytest.importorskip("torch")
    import math

    out = ask("Using He initialization, what is the standard deviation of the weights for a layer with 256 inputs?")
    assert out.reading.fields["layers"].value == "256" and out.reading.unread == []
    a = out.solutions[0].answers
    w = torch.empty(128, 256)
    fan_in = torch.nn.init._calculate_fan_in_and_fan_out(w)[0]
    assert abs(a["std_he"].value[0] - torch.nn.init.calculate_gain("relu") / math.sqrt(fan_in)) < 1e-12
    assert abs(a["bound_torch_default"].value[0] - 1 / math.sqrt(fan_in)) < 1e-12
    assert "var_xavier" not in a   # Xavier needs the fan-out, which the question does not give
    with pytest.raises(Exception, match="fan-out"):
        import solver
        solver.solve("init", layers="256", conventions={"he_mode": "fan_out"})


def test_a_surprise_that_is_a_whole_number_of_bits_is_shown_as_one():
    """log_2(1/p) for p = 1/4 and 1/8 is 2 and 3 exactly (it showed as 2.0000 beside 1 for p = 1/2); checked
    against math.log2."""
    import math

    import solver

    a = solver.solve("entropy", p="0.5 0.125 0.125 0.25", base="2").answers
    assert a["surprise"].display == "(1, 3, 3, 2)"
    assert a["surprise"].value == [-math.log2(p) for p in (0.5, 0.125, 0.125, 0.25)]
    assert solver.solve("entropy", p="0.9 0.1", base="2").answers["surprise"].display == "(0.1520, 3.3219)"


def _separable_by_lp(X, y) -> bool:
    """The oracle: scipy's linprog finds w, b with s_i (w.x_i + b) >= 1 (s = +-1) exactly when the classes separate."""
    import numpy as np
    from scipy.optimize import linprog

    X, s = np.asarray(X, float), np.where(np.asarray(y) > 0, 1.0, -1.0)
    A = -s[:, None] * np.hstack([X, np.ones((len(X), 1))])
    res = linprog(np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(X)), bounds=[(None, None)] * (X.shape[1] + 1))
    return res.status == 0


@pytest.mark.parametrize("question,X,y", [
    ("Is the data set with points (0,0) and (1,1) in class 0 and (0,1) and (1,0) in class 1 linearly separable?",
     [[0, 0], [1, 1], [0, 1], [1, 0]], [0, 0, 1, 1]),
    ("Points (0,0), (0,1), (1,0) are labelled 0 and (1,1) is labelled 1. Is this linearly separable?",
     [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1]),
    ("Class 0: (0, 0), (1, 1); class 1: (0, 1), (1, 0). Are the two classes linearly separable?",
     [[0, 0], [1, 1], [0, 1], [1, 0]], [0, 0, 1, 1]),
])
def test_points_stated_class_by_class_are_read_as_x_and_y(question, X, y):
    """XOR stated class by class was read as two points with labels '0 1' and answered separable = true."""
    out = ask(question)
    f = out.reading.fields
    assert out.reading.family == "linear_separability"
    assert f["X"].value == str(X) and f["y"].value == " ".join(map(str, y))
    assert out.solutions[0].answers["separable"].value is _separable_by_lp(X, y)


def test_the_points_to_train_on_are_not_the_points_to_classify():
    """'Train a perceptron on the points ... and classify (-2, 0)': 'the points' named the points to classify."""
    out = ask("Train a perceptron on the points (-1,2), (0,-1), (2,1) with labels 0, 1, 0 (no bias) and classify (-2, 0).")
    f = out.reading.fields
    assert f["X"].value == "[[-1, 2], [0, -1], [2, 1]]" and f["classify"].value == "[-2, 0]"
    assert out.solutions[0].answers["w"].value == [-1, -3]   # the course notes' trace


def test_a_sample_whose_mean_and_variance_are_asked_is_gaussian():
    """'the MLE of the mean and variance of the samples 2, 4, 4, 4, 5, 5, 7, 9' was read as coin tosses and refused;
    numpy's mean and the biased variance (the MLE divides by N) are 5 and 4."""
    import numpy as np

    data = [2, 4, 4, 4, 5, 5, 7, 9]
    out = ask("Find the maximum likelihood estimate of the mean and variance of the samples 2, 4, 4, 4, 5, 5, 7, 9.")
    assert out.reading.fields["distribution"].value == "gaussian"
    a = out.solutions[0].answers
    assert a["mu_hat"].value == np.mean(data) and a["var_hat"].value == np.var(data)


def test_an_mp_neuron_evaluated_for_inputs_reads_them_as_x():
    """'What does it output for inputs (1, 0) and (1, 1)?': x (the count n was missing and nothing was solved).
    The closed form: y = 1 when x1 + x2 >= theta."""
    out = ask("A McCulloch-Pitts neuron has weights 1 and 1 and threshold 2. What does it output for inputs (1, 0) "
              "and (1, 1)?")
    assert out.reading.fields["x"].value == "[[1, 0], [1, 1]]" and out.reading.missing == []
    assert out.solutions[0].answers["outputs"].value == [int(sum(x) >= 2) for x in ((1, 0), (1, 1))]


def test_a_start_point_after_from_is_read():
    """'... on f(x, y) = x^2 + 4y^2 from (1, 1)': w0 was missing. torch.optim.SGD(momentum=0.9) is the oracle."""
    torch = pytest.importorskip("torch")
    out = ask("Use momentum with beta = 0.9 and learning rate 0.01 on f(x, y) = x^2 + 4y^2 from (1, 1). Give the "
              "parameters after 2 steps.")
    assert out.reading.fields["w0"].value == "[1, 1]"
    w = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.01, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w[0] ** 2 + 4 * w[1] ** 2).backward()
        opt.step()
    assert out.solutions[0].answers["w"].value == pytest.approx(w.detach().tolist(), abs=1e-12)


def test_the_gradient_of_softmax_cross_entropy_with_respect_to_the_logits_is_answered():
    """q - p, the classic: it was not an answer at all. torch's autograd through F.cross_entropy is the oracle, on
    both paths and with class weights (each sample's own loss, weighted by its true class)."""
    torch = pytest.importorskip("torch")
    import solver

    out = ask("Compute the gradient of the softmax cross-entropy with respect to the logits z = [1, 2, 3] for target "
              "class 3.")
    assert "grad_logits" in out.asked[0]
    z = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    torch.nn.functional.cross_entropy(z, torch.tensor([0, 2]), weight=w, reduction="sum").backward()
    for path in ("exact", "numeric"):
        one = solver.solve("cross_entropy", target="3", logits="1 2 3", path=path).answers["grad_logits"].value
        assert one == pytest.approx(out.solutions[0].answers["grad_logits"].value, abs=1e-12)
        two = solver.solve("cross_entropy", target="1 3", logits="1 2 3; 0 0 1", weights="1 2 3", path=path)
        for got, want in zip(two.answers["grad_logits"].value, z.grad.tolist()):
            assert got == pytest.approx(want, abs=1e-12)
    zz = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(zz[None], torch.tensor([2])).backward()
    assert one == pytest.approx(zz.grad.tolist(), abs=1e-12)


def test_a_true_class_named_by_its_ordinal_is_the_target():
    """'the true class is the first one' (p was reported missing); zero-based questions number it 0. torch's
    F.cross_entropy is the oracle."""
    torch = pytest.importorskip("torch")
    z = torch.tensor([[2.0, 1.0, 0.0]], dtype=torch.float64)
    for q, field, index in (("Compute the softmax cross-entropy loss for logits z = [2, 1, 0] when the true class is "
                             "the first one.", "1", 0),
                            ("Compute the cross-entropy for logits z = [2, 1, 0] when the true class is the second "
                             "(classes are zero-based).", "1", 1)):
        out = ask(q)
        assert out.reading.fields["target"].value == field and out.reading.missing == []
        want = torch.nn.functional.cross_entropy(z, torch.tensor([index])).item()
        assert out.solutions[0].answers["cross_entropy"].value == pytest.approx(want, abs=1e-12)


def test_an_ensemble_of_independent_models_has_no_covariance():
    """'5 independent models, each with error variance 2': C = 0, so the average's error variance is V/k = 0.4 (the
    closed form V/k + (1 - 1/k) C); the default C = 0.3 gave 0.64."""
    out = ask("An ensemble averages 5 independent models, each with error variance 2. What is the variance of the "
              "ensemble's error?")
    assert out.reading.fields["C"].value == "0"
    k, V, C = 5, 2.0, 0.0
    assert out.solutions[0].answers["mse"].value == pytest.approx(V / k + (1 - 1 / k) * C, abs=1e-12)


def test_the_expected_number_of_kept_units_is_answered():
    """'the expected number of active units in a layer of 100 units' at dropout rate 0.5: 50, the mean of a
    Binomial(100, 0.5) (scipy.stats); there was no such answer."""
    from scipy.stats import binom

    out = ask("With dropout rate 0.5, what is the expected number of active units in a layer of 100 units?")
    assert "expected_kept" in out.asked[0]
    assert out.solutions[0].answers["expected_kept"].value == binom(100, 0.5).mean()


@pytest.mark.parametrize("question,want", [
    ("What is the learning rate after 3 epochs with exponential decay lr = 0.1 * exp(-0.5 t)?", 0.1 * math.exp(-1.5)),
    ("The learning rate follows lr_t = 0.2/(1 + 0.1 t). What is it at t = 10?", 0.2 / (1 + 0.1 * 10)),
    ("With alpha = 0.1 e^(-0.5t), what is the learning rate at t = 2?", 0.1 * math.exp(-1.0)),
])
def test_a_schedule_written_as_its_formula_is_read_with_its_constants(question, want):
    """'lr = 0.1 * exp(-0.5 t)': the default k = 0.01 was used (0.0970 where the formula gives 0.0223)."""
    out = ask(question)
    assert out.solutions[0].answers["lr"].value[0] == pytest.approx(want, rel=1e-12)


def test_a_schedule_by_a_factor_per_step_matches_torch_exponential_lr():
    torch = pytest.importorskip("torch")
    out = ask("The learning rate is lr = 0.1 * 0.9^t. What is it at t = 5?")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    for _ in range(5):
        opt.step()
        sched.step()
    assert out.solutions[0].answers["lr"].value[0] == pytest.approx(sched.get_last_lr()[0], rel=1e-12)


def test_a_neuron_given_its_named_weights_and_bias_is_a_neuron_not_an_activation():
    """'a neuron with weights w = [0.2, -0.5, 0.1], bias b = 0.3 and sigmoid activation for x = [1, 2, 3]': the
    sigmoid of x was answered with w and b unread; the closed form is sigmoid(w.x + b) = sigmoid(-0.2)."""
    out = ask("Compute the output of a neuron with weights w = [0.2, -0.5, 0.1], bias b = 0.3 and sigmoid activation "
              "for the input x = [1, 2, 3].")
    assert out.reading.family == "sigmoid_neuron" and out.reading.unread == []
    z = 0.2 * 1 - 0.5 * 2 + 0.1 * 3 + 0.3
    assert out.solutions[0].answers["y_hat"].value == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-12)


def test_a_gradient_clipped_to_a_norm_reads_the_norm():
    """'clip it to norm 5': the default threshold 1 was used. torch's clip_grad_norm_ is the oracle."""
    torch = pytest.importorskip("torch")
    out = ask("Compute the L2 norm of the gradient g = [3, 4, 12] and clip it to norm 5.")
    assert out.reading.fields["max_norm"].value == "5"
    p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor([3.0, 4.0, 12.0], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    assert out.solutions[0].answers["by_norm"].value == pytest.approx(p.grad.tolist(), abs=1e-6)


def test_a_rank_one_approximation_and_a_power_iteration_start_are_read():
    """'the rank-1 approximation' is k = 1 (the 1 was unread: 'rank-1' read as rank minus 1), and power iteration
    'starting from [1, 0]' is x0 (unread). numpy's SVD gives A_1 = s_1 u_1 v_1^T."""
    import numpy as np

    out = ask("What is the rank-1 approximation of A = [[3, 1], [1, 3]] using the SVD?")
    assert out.reading.fields["k"].value == "1" and out.reading.unread == []
    U, S, Vt = np.linalg.svd(np.array([[3.0, 1.0], [1.0, 3.0]]))
    want = S[0] * np.outer(U[:, 0], Vt[0])
    assert np.allclose(out.solutions[0].answers["rank_k"].value, want, atol=1e-12)
    r = read("Find the eigenvalues of [[4, 1], [2, 3]] and the dominant eigenvector by power iteration starting from "
             "[1, 0] for 3 iterations.")
    assert r.fields["x0"].value == "[1, 0]" and r.unread == []


def test_a_forward_pass_question_asks_for_the_activations_and_the_output():
    """'Compute the forward pass ...' named no answer the reader matched, so every answer was asked and the summary
    led with the parameter counts; now the pre-activations, activations and output. torch is the oracle."""
    torch = pytest.importorskip("torch")
    out = ask("Compute the forward pass of a 2-2-1 network with sigmoid activations, W1 = [[0.1, 0.2], [0.3, 0.4]], "
              "b1 = [0, 0], W2 = [[0.5, 0.6]], b2 = [0], for x = [1, 1].")
    assert out.asked[0] == ["a1", "h1", "a2", "h2", "output"]
    W1 = torch.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=torch.float64)
    W2 = torch.tensor([[0.5, 0.6]], dtype=torch.float64)
    h2 = torch.sigmoid(W2 @ torch.sigmoid(W1 @ torch.ones(2, dtype=torch.float64)))
    assert out.solutions[0].answers["output"].value == pytest.approx(h2.tolist(), abs=1e-12)


def test_a_perceptron_given_weights_and_a_separate_bias_classifies_the_input():
    """'weights w = (1, -1) and bias -0.5 ... output for x = (1, 0)': read as a parameter count (nothing solved);
    now w = (-0.5, 1, -1) with the bias first (the convention) and the point classified. The closed form: fire when
    w.x + b = 1 - 0 - 0.5 >= 0."""
    out = ask("A perceptron has weights w = (1, -1) and bias -0.5. What does it output for x = (1, 0)?")
    f = out.reading.fields
    assert out.reading.family == "perceptron" and f["w0"].value == "[-0.5, 1, -1]" and f["classify"].value == "[1, 0]"
    assert out.solutions[0].answers["predictions"].value == [int(1 * 1 + (-1) * 0 - 0.5 >= 0)]


@pytest.mark.parametrize("question,fn,points", [
    ("Compute the sigmoid of 2.", "sigmoid", [2.0]),
    ("What is sigmoid(2)?", "sigmoid", [2.0]),
    ("Compute tanh of 0.5.", "tanh", [0.5]),
    ("What is the sigmoid of 0?", "sigmoid", [0.0]),
    ("Evaluate ReLU at -2 and 3.", "relu", [-2.0, 3.0]),
])
def test_the_points_written_after_an_activations_name_are_read(question, fn, points):
    """'the sigmoid of 2' left the 2 unread and answered at the default points 0, 3, 5 (a warning, and the first
    value happened to be sigmoid(0)); the points after the name ('of 2', '(2)', 'at -2 and 3') are x. torch's
    functions as the oracle."""
    torch = pytest.importorskip("torch")
    out = ask(question)
    assert out.reading.fields["x"].value.split() == [("%g" % v) for v in points]
    assert not any("was not used" in w for w in out.reading.warnings)
    want = getattr(torch, fn)(torch.tensor(points, dtype=torch.float64)).tolist()
    assert out.solutions[0].answers["values"].value == pytest.approx(want, abs=1e-12)


def test_sgd_with_momentum_is_the_momentum_family():
    """'two steps of SGD with momentum 0.9' was read as plain SGD (0.9 unused: w = 0.64 where torch's
    SGD(momentum=0.9) gives 0.46); torch names it SGD with momentum, and so do exams."""
    torch = pytest.importorskip("torch")
    out = ask("Apply two steps of SGD with momentum 0.9 and learning rate 0.1 to f(x) = x^2 starting at x = 1.")
    assert out.reading.family == "momentum" and out.reading.fields["beta"].value == "0.9"
    w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w ** 2).sum().backward()
        opt.step()
    assert out.solutions[0].answers["w"].value == pytest.approx(w.item(), abs=1e-12)
    assert ask("Apply one step of SGD with learning rate 0.1 to f(x) = x^2 starting at x = 1.").reading.family == "sgd"


def test_initial_lr_written_short_is_the_schedules_start():
    """'initial lr 0.05' was left unread and the default start 0.1 answered (0.025 where 0.0125 is meant); torch's
    StepLR as the oracle."""
    torch = pytest.importorskip("torch")
    out = ask("What is the learning rate after 10 epochs with step decay of 0.5 every 5 epochs and initial lr 0.05?")
    assert out.reading.fields["eta0"].value == "0.05"
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.05)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    for _ in range(10):
        opt.step()
        sched.step()
    assert out.solutions[0].answers["lr"].value[0] == pytest.approx(sched.get_last_lr()[0], rel=1e-12)


@pytest.mark.parametrize("question,sizes", [
    ("How many parameters does an MLP with input 10, one hidden layer of 20 units and output 5 have?", [10, 20, 5]),
    ("An MLP has 784 inputs, two hidden layers of 128 units each, and 10 outputs. How many parameters?",
     [784, 128, 128, 10]),
    ("A network with an input layer of 4 neurons, three hidden layers with 8 neurons and an output layer of 2 neurons: "
     "how many parameters?", [4, 8, 8, 8, 2]),
])
def test_layer_sizes_stated_as_input_hidden_and_output_are_read(question, sizes):
    """'input 10 ... output 5' was left unread (nothing solved), and 'two hidden layers of 128 units each' was one
    hidden layer (101,632 weights where 118,016 are meant). torch's Linear layers count the parameters."""
    torch = pytest.importorskip("torch")
    out = ask(question)
    assert out.reading.fields["layers"].value == " ".join(map(str, sizes))
    net = torch.nn.Sequential(*(torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])))
    a = out.solutions[0].answers
    assert a["weights"].value + a["biases"].value == sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("question,expr,point", [
    ("Compute the gradient of f(w) = (w - 3)^2 at w = 1.", "(w - 3)**2", {"w": 1}),
    ("Compute the partial derivatives of f(x, y) = x^2 y at x = 1, y = 2.", "x**2*y", {"x": 1, "y": 2}),
])
def test_the_gradient_of_a_function_at_a_point_is_the_computational_graph(question, expr, point):
    """'the gradient of f(w) = (w - 3)^2 at w = 1' was read as Adadelta steps (a weak fit, warned); it is the
    gradient, sympy's derivatives as the oracle."""
    import sympy as sp

    out = ask(question)
    assert out.reading.family == "comp_graph"
    f = sp.sympify(expr)
    a = out.solutions[0].answers
    for name, _ in point.items():
        want = sp.diff(f, sp.Symbol(name)).subs({sp.Symbol(k): v for k, v in point.items()})
        assert a[f"grad_{name}"].value == pytest.approx(float(want))
