"""Parameter count of a fully connected layer: n_in * n_out weights + n_out biases; a network sums its layers.

Exam questions: "A network has 3 inputs, 4 hidden neurons and 2 outputs: how many layers, neurons,
weights, biases and parameters?" (2, 6, 20, 6, 26; the handwritten notes); "How many parameters
has a fully connected layer from a 32x32x3 image to 500 units?" (1,536,000 weights + 500 biases =
1,536,500; the handwritten notes write '+ 1 bias'); "How many neurons make n towers?" (2n + 1
over a 1-D input, 5n + 1 over a 2-D input; the course notes); "How much memory does the
Hessian of a 10^6-parameter model take in 4-byte floats?" (10^12 entries, 4 * 10^12 B = 4 TB = 3.64 TiB;
the handwritten notes say 3.8 TB).

Structures: `mlp` (layer sizes, input first; each non-input neuron has a bias when `bias`), `towers`
(the universal-approximation construction of the course notes: over a 1-D input each tower is two steep
sigmoids whose difference the output neuron takes, so n towers need 2n hidden + 1 output = 2n + 1
neurons; over a d-D input (d >= 2) each tower is 2d 'wall' sigmoids plus one neuron that thresholds
their sum, so (2d + 1) n + 1 neurons, 5n + 1 for d = 2; the parameter counts of the construction assume
every neuron has a bias, the notes count only neurons), `count` (a parameter count given directly, for
the memory questions). Memory is parameters x bytes per number (4 for float32); the Hessian has P^2
entries. Decimal units (1 TB = 10^12 B) and binary units (1 TiB = 2^40 B) are both shown.

Convention: what a "connection" is: an edge between two neurons (a weight; default), or also the edge
from a constant bias unit (LeCun et al. count LeNet's connections that way; the handwritten notes' 122,304).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver import format as F
from solver.errata import Erratum
from solver.numbers import Tolerance
from solver.params import Bool, Choice, Int, InvalidInput, Param, Vector
from solver.registry import Example
from solver.richtext import Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, make_answer, sym

from ._nets import header

TITLE = "Parameter count of MLPs and tower constructions"
TOPIC = "neurons"
KEYWORDS = ("parameters", "weights", "biases", "connections", "neurons", "layers", "mlp", "towers",
            "universal approximation", "hessian memory", "bytes", "trainable parameters", "fully connected",
            "how many parameters", "hessian", "memory", "hidden layer")

# ---- the rules, written once ------------------------------------------------------------------------
n_in, n_out, n_t, d_in, P_, b_ = (sym("n_(l-1)", r"n_{l-1}"), sym("n_l", r"n_{l}"), sym("n"), sym("d"),
                                  sym("P"), sym("bytes", r"\mathrm{bytes}"))
with sp.evaluate(False):
    WEIGHTS = n_in * n_out                     # one weight per (input, output) pair
    BIASES = n_out                             # one bias per output neuron
    TOWERS_1D = 2 * n_t + 1                    # the course notes: n 2-D towers need 2n + 1 neurons
    TOWERS_2D = 5 * n_t + 1                    # the course notes: n 3-D towers need 5n + 1 neurons
    TOWERS_GEN = (2 * d_in + 1) * n_t + 1      # 2d walls + 1 threshold neuron per tower, + 1 output
    HIDDEN_1D = 2 * n_t                        # 2 step neurons per tower
    HIDDEN_GEN = (2 * d_in + 1) * n_t          # 2d walls + 1 threshold neuron per tower
    WEIGHTS_1D = 2 * n_t + 2 * n_t             # step neurons: 1 weight each; output neuron: 2n weights
    BIASES_1D = 2 * n_t + 1                    # one per neuron
    WEIGHTS_GEN = n_t * (2 * d_in * d_in + 2 * d_in) + n_t   # walls: d each; threshold: 2d; output: n
    BIASES_GEN = (2 * d_in + 1) * n_t + 1
    MEMORY = P_ * b_
    HESSIAN = P_ ** 2
    HESSIAN_BYTES = P_ ** 2 * b_

CONNECTIONS = Convention(
    "connections", "What counts as a connection",
    {"edges": "a connection is an edge between two neurons: connections = weights",
     "with-bias": "a bias also counts as a connection from a constant unit (LeCun's LeNet count, the handwritten notes): "
                  "connections = weights + biases"},
    default="edges", why_default="an MLP diagram's edges are its weights; the bias is a property of a neuron",
    cues={"with-bias": ("bias counts as a connection", "connections including biases", "lenet"), },
)
CONVENTIONS = (CONNECTIONS,)

STRUCTURES = {"mlp": "a fully connected network given by its layer sizes, input first",
              "towers": "the course notes' tower construction: n towers over a d-dimensional input",
              "count": "a parameter count given directly (for the memory questions)"}

PARAMS = (
    Param("structure", Choice(STRUCTURES), default="mlp", label="Structure",
          cues={"towers": ("tower", "towers", "tower construction"), "count": ("hessian",)}),
    Param("layers", Vector(min_len=2, max_len=100, lo=1, hi=10 ** 9, integer=True), default="3 4 2", label="Layer sizes",
          help="input size first, then each layer's neurons, e.g. 3 4 2 (3 inputs, 4 hidden, 2 outputs)",
          aliases=("<units>", "layer sizes", "architecture", "network", "layers", "mlp", "multilayer perceptron",
                   "multi-layer perceptron", "fully connected network")),
    Param("bias", Bool(), default="true", label="Biases", help="each non-input neuron has a bias",
          cues={"false": ("no biases", "no bias", "without biases", "without bias"),
                "true": ("with a bias", "biases included", "each neuron with a bias", "including biases")}),
    Param("towers", Int(1, 10 ** 9), default="1", label="Number of towers n",
          aliases=("towers", "tower", "n")),
    Param("tower_dim", Int(1, 10), default="1", label="Input dimension of the towers",
          help="1: towers over a line ('2D towers', 2n + 1 neurons); 2: towers over a plane ('3D towers', 5n + 1)",
          cues={"1": ("2d tower", "2d towers", "one-dimensional input", "1d input"),
                     "2": ("3d tower", "3d towers", "two-dimensional input", "2d input")}),
    Param("count", Int(1, 10 ** 15), label="Parameter count", help="for structure = count: e.g. 1e6",
          aliases=("parameters", "parameter count", "n", "number of parameters", "weights")),
    Param("bytes", Int(1, 16), default="4", label="Bytes per number", help="4 for float32, 8 for float64",
          aliases=("bytes", "byte", "bytes each", "bytes per number")),
    Param("hessian", Bool(), default="false", label="Hessian memory",
          help="also give the size of the P x P Hessian (Newton's method)",
          cues={"true": ("hessian", "hessian matrix")}),
)

EXAMPLE = Example(params={"structure": "mlp", "layers": "3 4 2"},
                  source="the handwritten notes: a 3-4-2 network has 2 layers, 6 neurons, 20 weights, 6 biases, "
                         "26 parameters")

TB, TIB = 10 ** 12, 2 ** 40

#: Counts per layer are whole numbers: exact, whatever precision the request asks for.
COUNTS = Tolerance(abs=0)

ERRATA = (
    Erratum(where="the handwritten notes (the parameters of a fully connected layer on a 32 x 32 x 3 image)",
            params={"structure": "mlp", "layers": "3072 500", "bias": "true"},
            wrote="'3072 x 500 ≈ 1.5 million + 1 bias'",
            right="the layer has {biases} biases, one per output neuron, so {parameters} parameters",
            why="every neuron of a layer has its own bias"),
    Erratum(where="the handwritten notes (the memory of Newton's method's Hessian)",
            params={"structure": "count", "count": "1000000", "bytes": "4", "hessian": "true"},
            wrote="that the Hessian of 10^6 parameters in 4-byte numbers takes 'totally 3.8 TB'",
            right="it takes {hessian_tb} TB in decimal units (10^12 bytes each), or {hessian_tib} TiB in binary units "
                  "(2^40 bytes each)",
            why="no choice of units gives 3.8: 3.64 TiB is 3725 GiB"),
)


def validate(p: dict[str, Any]) -> None:
    if p["structure"] == "count" and p["count"] is None:
        raise InvalidInput("count", "The 'count' parameter of param_count is required for structure = count. "
                                    "Got nothing.")


def _sizes(p) -> list[int]:
    return [int(v) for v in p["layers"]]


def statement(p) -> Rich:
    s = p["structure"]
    if s == "mlp":
        L = _sizes(p)
        q = Rich(f"A fully connected network has {L[0]} input{'s' if L[0] > 1 else ''}, {_hidden_text(L[1:-1])}"
                 f"{L[-1]} output neuron{'s' if L[-1] > 1 else ''}"
                 f"{', every neuron with a bias' if p['bias'] else ', and no biases'}. How many layers, neurons, "
                 "weights, biases, parameters and connections does it have?")
    elif s == "towers":
        n, d = p["towers"], p["tower_dim"]
        q = Rich(f"A network approximates a function of a {d}-dimensional input by {n} tower "
                 f"function{'s' if n > 1 else ''} (the construction of the course notes). How many neurons does it "
                 "need, and how many parameters if every neuron has a bias?")
    else:
        q = Rich(f"A model has {F.grouped(p['count'])} parameters.")
    q += f" How much memory do the parameters take at {p['bytes']} bytes each?"
    if p["hessian"]:
        q += Rich(" How much memory does the full Hessian matrix take (", Math(r"P \times P", "P × P"),
                  " entries for ", Math("P", "P"), " parameters)?")
    return q


_big = F.grouped


_COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def _hidden_text(H: list[int]) -> str:
    """'one hidden layer of 4 neurons and ', 'three hidden layers of 3, 10 and 53 neurons and ', or 'no hidden layer: '."""
    if not H:
        return "no hidden layer, and "
    if len(H) == 1:
        return f"one hidden layer of {H[0]} neuron{'s' if H[0] > 1 else ''} and "
    if len(set(H)) == 1:
        return f"{_COUNT_WORDS.get(len(H), str(len(H)))} hidden layers of {H[0]} neuron{'s' if H[0] > 1 else ''} each and "
    return (f"{_COUNT_WORDS.get(len(H), str(len(H)))} hidden layers of {', '.join(str(v) for v in H[:-1])} and {H[-1]} "
            "neurons and ")


def solve(p, conv) -> Derivation:
    d = Derivation()
    s = p["structure"]
    nbytes = p["bytes"]
    if s == "mlp":
        P = _mlp(d, p, conv)
    elif s == "towers":
        P = _towers(d, p, conv)
    else:
        P = p["count"]
        d.given("Parameters", sp.Integer(P), lhs=P_)
    _memory(d, P, nbytes, p["hessian"])
    return d


def _mlp(d: Derivation, p, conv) -> int:
    L = _sizes(p)
    bias = p["bias"]
    d.given("Layer sizes", tuple(sp.Integer(v) for v in L), lhs=sym("sizes", r"(n_0, \dots, n_L)"),
            text=f"{L[0]} inputs (the input layer has no weights or biases), then {len(L) - 1} layer"
                 f"{'s' if len(L) > 2 else ''} of neurons.")
    d.formula("Weights of a fully connected layer", sym("W_l", "W_{l}"), WEIGHTS,
              text="Every neuron of layer l has one weight per neuron (or input) of layer l - 1.")
    if bias:
        d.formula("Biases of a layer", sym("B_l", "B_{l}"), BIASES,
                  text="One bias per neuron of the layer, not one per layer.")
    ws, bs = [], []
    with d.group("Layer by layer"):
        for l in range(1, len(L)):
            wv = d.compute(f"Layer {l}: {L[l - 1]} -> {L[l]}", sym(f"W_{l}", f"W_{{{l}}}"), WEIGHTS,
                           {n_in: sp.Integer(L[l - 1]), n_out: sp.Integer(L[l])},
                           text=f"The layer also has B_{l} = {L[l]} biases, one per neuron." if bias else "No biases.")
            ws.append(int(wv))
            bs.append(L[l] if bias else 0)
    W, B = sum(ws), sum(bs)
    d.table("Per layer", [header(c) for c in ("layer", "shape", "weights", "biases", "parameters")],
            [[str(l), f"{L[l - 1]} -> {L[l]}", _big(ws[l - 1]), _big(bs[l - 1]), _big(ws[l - 1] + bs[l - 1])]
             for l in range(1, len(L))] + [["total", "", _big(W), _big(B), _big(W + B)]],
            answer=make_answer("weights_per_layer", [sp.Integer(v) for v in ws], tolerance=COUNTS))
    _sum_step(d, "Layers with weights", "layers", [1] * (len(L) - 1), "layers",
              text="The input layer only holds the inputs, so it is not counted.")
    _sum_step(d, "Neurons", "neurons", L[1:], "neurons", text="Every layer except the input.")
    _sum_step(d, "Weights", "weights", ws, "weights")
    _sum_step(d, "Biases", "biases", bs, "biases")
    P = W + B
    d.add(Step("compute", "Parameters", formula=Math(r"P = \mathrm{weights} + \mathrm{biases}", "P = weights + biases"),
               substituted=Math(f"P = {_big(W)} + {_big(B)}", f"P = {_big(W)} + {_big(B)}"),
               value=Math(f"P = {_big(P)}", f"P = {_big(P)}"), answers=(make_answer("parameters", sp.Integer(P)),)))
    _connections_step(d, conv, W, B, ())
    return P


def _connections_step(d: Derivation, conv, W: int, B: int, extra) -> None:
    """connections = weights (an edge between two neurons), or weights + biases (LeCun's count)."""
    with_bias = conv["connections"] == "with-bias"
    conn = W + (B if with_bias else 0)
    f_l, f_t = (r"\mathrm{connections} = \mathrm{weights} + \mathrm{biases}", "connections = weights + biases") if with_bias \
        else (r"\mathrm{connections} = \mathrm{weights}", "connections = weights")
    s_l = f"\\mathrm{{connections}} = {_big(W)}" + (f" + {_big(B)}" if with_bias else "")
    s_t = f"connections = {_big(W)}" + (f" + {_big(B)}" if with_bias else "")
    d.add(Step("compute", "Connections", text="Convention: " + CONNECTIONS.options[conv["connections"]] + ".",
               formula=Math(f_l, f_t), substituted=Math(s_l, s_t),
               value=Math(f"\\mathrm{{connections}} = {_big(conn)}", f"connections = {_big(conn)}"),
               answers=(make_answer("connections", sp.Integer(conn)), *extra)))


def _sum_step(d, title, name, parts, answer, text=""):
    total = sum(parts)
    terms = " + ".join(_big(v) for v in parts) if len(parts) <= 12 else f"(sum of {len(parts)} layers)"
    d.add(Step("compute", title, text=text, formula=None,
               substituted=Math(f"\\mathrm{{{name}}} = {terms}", f"{name} = {terms}"),
               value=Math(f"\\mathrm{{{name}}} = {_big(total)}", f"{name} = {_big(total)}"),
               answers=(make_answer(answer, sp.Integer(total)),)))


def _tower_counts(n: int, dim: int) -> dict[str, int]:
    if dim == 1:
        hidden = 2 * n
        weights = 2 * n + 2 * n        # each step neuron: 1 weight; output: 2n weights (+1/-1)
        biases = 2 * n + 1
    else:
        hidden = (2 * dim + 1) * n
        weights = n * (2 * dim * dim + 2 * dim) + n   # walls: d weights each; threshold neuron: 2d; output: n
        biases = (2 * dim + 1) * n + 1
    return {"hidden_neurons": hidden, "neurons": hidden + 1, "weights": weights, "biases": biases,
            "parameters": weights + biases}


def _towers(d: Derivation, p, conv) -> int:
    n, dim = p["towers"], p["tower_dim"]
    c = _tower_counts(n, dim)
    if dim == 1:
        d.note("One tower over a line", "Two sigmoid neurons with very large weights make two steps at a and b; the "
               "output neuron takes their difference (weights +1 and -1), which is a tower (a bump) on [a, b].")
        expr = TOWERS_1D
        vals = {n_t: sp.Integer(n)}
        d.compute("Neurons for n towers", sym("N"), expr, vals, value=sp.Integer(c["neurons"]),
                  text="2 step neurons per tower plus one output neuron that adds the towers up (the course notes).")
    else:
        d.note(f"One tower over a {dim}-D input",
               f"{2 * dim} sigmoid neurons make the walls (two parallel steps per direction); one more neuron adds the "
               "walls and thresholds the sum so that only the region inside all walls stays high; the output neuron "
               "adds the towers up.")
        expr = TOWERS_2D if dim == 2 else TOWERS_GEN
        vals = {n_t: sp.Integer(n)} if dim == 2 else {n_t: sp.Integer(n), d_in: sp.Integer(dim)}
        d.compute("Neurons for n towers", sym("N"), expr, vals, value=sp.Integer(c["neurons"]),
                  text=f"{2 * dim} walls + 1 threshold neuron per tower, plus one output neuron"
                       + (" (the course notes: 5n + 1)." if dim == 2 else " (the notes' 5n + 1 construction in d dimensions)."))
    n_, dd = sp.Integer(n), sp.Integer(dim)
    if dim == 1:
        d.compute("Hidden neurons", sym("hidden"), HIDDEN_1D, {n_t: n_}, value=sp.Integer(c["hidden_neurons"]),
                  text="All neurons except the output neuron: the 2 step neurons of each tower.", answer="hidden_neurons")
    else:
        d.compute("Hidden neurons", sym("hidden"), HIDDEN_GEN, {n_t: n_, d_in: dd}, value=sp.Integer(c["hidden_neurons"]),
                  text=f"All neurons except the output neuron: {2 * dim} walls and 1 threshold neuron per tower.",
                  answer="hidden_neurons")
    d.note("Parameters of the construction", "The notes count neurons only. Counting a weight per edge and a bias per "
           "neuron: " + ("each step neuron has 1 weight (from the input) and 1 bias, the output neuron one weight per "
                         "step neuron (+1 or -1), 2n in all, and 1 bias."
                         if dim == 1 else f"each wall neuron has {dim} weights (one per input) and a bias, each threshold "
                                          f"neuron {2 * dim} weights (one per wall) and a bias, the output neuron n weights "
                                          "(one per tower) and a bias."))
    if dim == 1:
        d.compute("Weights", sym("weights"), WEIGHTS_1D, {n_t: n_}, value=sp.Integer(c["weights"]),
                  text="2n step neurons with 1 weight each, and 2n weights into the output neuron.", answer="weights")
        d.compute("Biases", sym("biases"), BIASES_1D, {n_t: n_}, value=sp.Integer(c["biases"]),
                  text="One per neuron.", answer="biases")
    else:
        d.compute("Weights", sym("weights"), WEIGHTS_GEN, {n_t: n_, d_in: dd}, value=sp.Integer(c["weights"]),
                  text=f"Per tower: {2 * dim} walls with {dim} weights each and a threshold neuron with {2 * dim}; "
                       "then n weights into the output neuron.", answer="weights")
        d.compute("Biases", sym("biases"), BIASES_GEN, {n_t: n_, d_in: dd}, value=sp.Integer(c["biases"]),
                  text="One per neuron.", answer="biases")
    d.add(Step("compute", "Parameters", formula=Math(r"P = \mathrm{weights} + \mathrm{biases}", "P = weights + biases"),
               substituted=Math(f"P = {_big(c['weights'])} + {_big(c['biases'])}", f"P = {_big(c['weights'])} + {_big(c['biases'])}"),
               value=Math(f"P = {_big(c['parameters'])}", f"P = {_big(c['parameters'])}"),
               answers=(make_answer("parameters", sp.Integer(c["parameters"])),)))
    _connections_step(d, conv, c["weights"], c["biases"], (make_answer("neurons", sp.Integer(c["neurons"])),))
    return c["parameters"]


def _units(nbytes: int) -> str:
    dec = [("PB", 10 ** 15), ("TB", 10 ** 12), ("GB", 10 ** 9), ("MB", 10 ** 6), ("kB", 10 ** 3)]
    binu = [("PiB", 2 ** 50), ("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)]
    a = next(((u, f) for u, f in dec if nbytes >= f), ("B", 1))
    b = next(((u, f) for u, f in binu if nbytes >= f), ("B", 1))
    return " = ".join(f"{F.text(sp.Rational(nbytes, f), 4, exact='decimal')} {u}" for u, f in (a, b))


def _memory(d: Derivation, P: int, nbytes: int, hessian: bool) -> None:
    mem = P * nbytes
    d.compute("Memory for the parameters", sym("M"), MEMORY, {P_: sp.Integer(P), b_: sp.Integer(nbytes)},
              value=sp.Integer(mem), text=f"{_units(mem)} (decimal and binary units)." if mem >= 1000 else "In bytes.",
              answer="memory_bytes")
    if hessian:
        H = P * P
        d.compute("Entries of the Hessian", sym("H"), HESSIAN, {P_: sp.Integer(P)}, value=sp.Integer(H),
                  text="The Hessian holds every second derivative d^2 L / (d theta_i d theta_j): a P x P matrix.",
                  answer="hessian_entries")
        hb = H * nbytes
        d.compute("Memory for the Hessian", sym("M_H", "M_{H}"), HESSIAN_BYTES,
                  {P_: sp.Integer(P), b_: sp.Integer(nbytes)}, value=sp.Integer(hb), answer="hessian_bytes",
                  text=f"{_units(hb)}; storing only the symmetric half needs about half of it.")
        tb, tib = sp.Rational(hb, TB), sp.Rational(hb, TIB)
        d.add(Step("compute", "In terabytes", text="1 TB = 10^12 bytes; 1 TiB = 2^40 bytes.",
                   value=Math(f"{F.latex(tb)}\\ \\mathrm{{TB}} = {F.latex(tib)}\\ \\mathrm{{TiB}}",
                              f"{F.text(tb)} TB = {F.text(tib)} TiB"),
                   answers=(make_answer("hessian_tb", tb), make_answer("hessian_tib", tib))))


def solve_numeric(p, conv) -> Derivation:
    """The same counts with NumPy arrays of layer sizes (float64 for the memory figures)."""
    d = Derivation()
    s = p["structure"]
    if s == "mlp":
        L = np.array(_sizes(p), dtype=object)  # Python integers: exact however large (int64 overflows at 9.2e18)
        ws = L[:-1] * L[1:]
        bs = L[1:] if p["bias"] else np.zeros(len(L) - 1, dtype=object)
        P = int(ws.sum() + bs.sum())
        conn = int(ws.sum() + (bs.sum() if conv["connections"] == "with-bias" else 0))
        d.conclude("Counts", answers=(
            make_answer("weights_per_layer", [sp.Integer(int(v)) for v in ws], tolerance=COUNTS),
            make_answer("layers", sp.Integer(len(L) - 1)), make_answer("neurons", sp.Integer(int(L[1:].sum()))),
            make_answer("weights", sp.Integer(int(ws.sum()))), make_answer("biases", sp.Integer(int(bs.sum()))),
            make_answer("parameters", sp.Integer(P)), make_answer("connections", sp.Integer(conn))))
    elif s == "towers":
        c = _tower_counts(p["towers"], p["tower_dim"])
        P = c["parameters"]
        conn = c["weights"] + (c["biases"] if conv["connections"] == "with-bias" else 0)
        d.conclude("Counts", answers=tuple(make_answer(k, sp.Integer(v)) for k, v in c.items()) +
                   (make_answer("connections", sp.Integer(conn)),))
    else:
        P = p["count"]
    nb = float(p["bytes"])
    answers = [make_answer("memory_bytes", sp.Float(P * nb, 20))]
    if p["hessian"]:
        H = float(P) ** 2
        answers += [make_answer("hessian_entries", sp.Float(H, 20)), make_answer("hessian_bytes", sp.Float(H * nb, 20)),
                    make_answer("hessian_tb", sp.Float(H * nb / TB, 20)), make_answer("hessian_tib", sp.Float(H * nb / TIB, 20))]
    d.conclude("Memory", answers=tuple(answers))
    return d


def generate(rng: np.random.Generator) -> dict:
    """An exam-sized network (always well posed): a small MLP whose counts are done by hand (1 to 8 units a layer),
    a typical image or tabular network (784-128-10, 3072-500-10, ...), or the course notes' tower construction."""
    r = rng.random()
    if r < 0.25:
        return {"structure": "towers", "towers": int(rng.integers(1, 11)), "tower_dim": int(rng.integers(1, 3))}
    if r < 0.65:
        k = int(rng.integers(3, 5))
        sizes = [int(rng.integers(2, 7))] + [int(v) for v in rng.integers(2, 9, size=k - 2)] + [int(rng.integers(1, 5))]
    else:
        hidden = [int(v) for v in rng.choice([16, 32, 64, 100, 128, 256, 500], size=int(rng.integers(1, 3)))]
        sizes = [int(rng.choice([4, 10, 64, 784, 3072]))] + hidden + [int(rng.choice([1, 2, 10]))]
    return {"structure": "mlp", "layers": sizes, "bias": bool(rng.random() < 0.85), "hessian": bool(rng.random() < 0.3)}
