"""McCulloch-Pitts neuron: y = 0 if any inhibitory input is 1, else y = 1 when g(x) = sum of the excitatory x_i >= theta.

Exam questions (the course notes, week 1): "Which threshold makes a 3-input MP neuron compute AND (OR)?"
(theta = 3 and theta = 1); "The graph shows the number of correctly classified points
(NCC) for theta = 0..5; which boolean function is it?" (OR: NCC = 7, 8, 5, 2, 1, 1);
"Can an MP neuron implement this function at all?"; "Which of these input/output pairs are consistent
with the neuron with threshold theta?".

The boolean function is a name (AND, OR, NAND, NOR, XOR, XNOR, majority), a truth table of 2^n outputs
(rows in binary order with x1 the most significant bit: 00, 01, 10, 11) or a rule such as
`sum(x) > 2` or `x1 and not x2` (parsed by a whitelist grammar, never eval). Inputs are 0/1; an
inhibitory input that is 1 forces the output to 0 (absolute inhibition, as the course notes define it);
g(x) sums the excitatory inputs only.

Why only integer thresholds are tried: g(x) is an integer between 0 and m (m excitatory inputs), so a
real theta gives the same neuron as ceil(theta), every theta <= 0 the same as theta = 0, and every
theta > m the same as theta = m + 1. Trying theta = 0, 1, ..., m + 1 therefore decides whether ANY
threshold implements the function, and a failing row for each is the proof that none does.

Convention: the firing comparison. The notes fire at g(x) >= theta (default); some texts fire only at
g(x) > theta, which shifts every implementing threshold down by one.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from problems._boolean import EXACT, BooleanFunction, fmt_bits, input_count, inputs
from solver import format as F
from solver.conventions import Convention
from solver.params import Int, InvalidInput, Matrix, Param, Real, Vector, as_exact
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, make_answer, sym

from ._nets import shown_table

TITLE = "McCulloch-Pitts neuron: thresholds and NCC"
TOPIC = "neurons"
KEYWORDS = ("mcculloch", "pitts", "mcculloch-pitts", "mp neuron", "threshold", "boolean", "ncc", "inhibitory", "AND", "OR",
            "majority", "truth table", "correctly classified", "excitatory")

# ---- the rule, written once ------------------------------------------------------------------------
# distinctive plain names: LaTeX names are registered per symbol name, shared by every module
g, theta, y = sym("g(x)", r"g(\mathbf{x})"), sym("theta", r"\theta"), sym("y")
with sp.evaluate(False):
    FIRE_GE = sp.Ge(g, theta)   # the course notes: y = 1 if g(x) >= theta
    FIRE_GT = sp.Gt(g, theta)

FIRING = Convention(
    "firing_rule", "When the neuron fires",
    {">=": "y = 1 when g(x) >= theta (the course notes)",
     ">": "y = 1 only when g(x) > theta (every implementing threshold is one lower)"},
    default=">=", why_default="the course notes write y = 1 if g(x) >= theta", aliases={"ge": ">=", "gt": ">"},
    sources={">=": "the course notes, week 1 (y = 1 if g(x) ≥ θ); McCulloch & Pitts 1943",
             ">": "texts that fire only above the threshold (y = 1 if g(x) > θ)"},
    paper={">=": "The neuron fires (y = 1) when g(x) ≥ θ.", ">": "The neuron fires (y = 1) only when g(x) > θ."},
    cues={">=": (">= theta", "g(x) >= theta", "sum x_i >= theta", "reaches the threshold"),
          ">": ("> theta", "g(x) > theta", "exceeds the threshold", "strictly greater")})
CONVENTIONS = (FIRING,)

PARAMS = (
    Param("function", BooleanFunction(), label="Boolean function",
          help="the function the neuron should compute: AND, OR, NAND, NOR, XOR, XNOR, majority; a truth table such as "
               "0 1 1 1; or a rule such as sum(x) >= 2. Leave empty to evaluate a given neuron (theta) on inputs",
          cues={"AND": ("AND", "and function", "and gate"), "OR": ("OR", "or function", "or gate"), "NAND": ("NAND", "nand"), "NOR": ("NOR", "nor"), "XOR": ("XOR", "xor", "exclusive or"), "XNOR": ("XNOR", "xnor", "!XOR"), "majority": ("majority",)}),
    Param("n", Int(1, 16), label="Number of inputs",
          help="inferred from a truth table or from the highest x_i of a rule; 2 for a named gate when not given",
          aliases=("inputs", "input", "n", "boolean inputs", "excitatory inputs", "number of inputs")),
    Param("inhibitory", Vector(integer=True, lo=1, hi=16, max_len=16), label="Inhibitory inputs",
          help="optional: the indices i of the inhibitory inputs x_i (any of them being 1 forces y = 0)",
          aliases=("inhibitory", "inhibitory input", "inhibitory inputs")),
    Param("theta_min", Int(-100, 100), default="0", label="Smallest theta for NCC",
          help="the NCC table runs over theta = theta_min, theta_min + 1, ..., theta_max",
          aliases=("<from>",)),
    Param("theta_max", Int(-100, 200), label="Largest theta for NCC",
          help="default: the number of excitatory inputs + 1 (beyond it nothing changes)",
          aliases=("<to>",)),
    Param("theta", Real(-1000, 1000), label="Threshold of a given neuron",
          help="optional: a neuron to check (its outputs, its errors, and the consistency of the listed pairs)",
          aliases=("theta", "θ", "threshold", "b")),
    Param("pairs", Matrix(max_rows=256, max_cols=17, lo=0, hi=1), label="Input/output pairs to check",
          help="optional, needs theta: one row per pair, the n inputs then the output, e.g. 1 0 1 1; 0 0 0 1",
          aliases=("pairs", "input/output pairs")),
    Param("x", Matrix(max_rows=256, max_cols=16, lo=0, hi=1), label="Inputs to evaluate",
          help="optional, needs theta: 0/1 input vectors, one per row, e.g. 1 0 1; 1 1 1; the neuron's output for "
               "each and how many of them make it fire",
          aliases=("input vectors", "input patterns", "for the inputs", "on the inputs", "evaluate the neuron on",
                   "the inputs x", "for inputs", "for the input", "for input", "on inputs", "output for",
                   "outputs for")),
)

EXAMPLE = Example(
    params={"function": "OR", "n": "3", "theta_min": "0", "theta_max": "5"},
    source="the course notes, week 1: the NCC of a 3-input MP neuron for theta = 0..5, and the thresholds of AND and OR",
)


# ---- helpers ----------------------------------------------------------------------------------------
def _theta_key(t: int) -> str:
    """The identifier of the theta = t column of the truth table: y_theta2, y_theta_minus1."""
    return f"y_theta{t}" if t >= 0 else f"y_theta_minus{-t}"


def _h(text: str, tex: str | None = None) -> Math:
    """A table column header: plain text for the terminal, LaTeX (\\text{} unless given) for the rest."""
    return Math(tex if tex is not None else r"\text{%s}" % text.replace("_", r"\_"), text)


def _n(p) -> int:
    if p["function"] is not None:
        return input_count(p["function"], p["n"], "mp_neuron")
    if p["n"] is not None:
        return p["n"]
    if p["x"] is not None:
        return len(p["x"][0])
    if p["pairs"] is not None:
        return len(p["pairs"][0]) - 1
    raise InvalidInput("n", "The 'n' parameter of mp_neuron is required to evaluate a neuron on every input: give the "
                            "number of inputs (or the inputs x to evaluate).")


def _inhibitory(p) -> list[int]:
    return sorted({int(i) for i in p["inhibitory"]}) if p["inhibitory"] is not None else []


def _theta_range(p) -> list[int]:
    m = _n(p) - len(_inhibitory(p))
    hi = p["theta_max"] if p["theta_max"] is not None else m + 1
    return list(range(p["theta_min"], hi + 1))


def validate(p: dict[str, Any]) -> None:
    if p["function"] is None and p["theta"] is None:
        raise InvalidInput("function", "The 'function' parameter of mp_neuron is required unless a neuron is given: "
                                       "give the boolean function to implement, or the threshold theta of a neuron "
                                       "to evaluate.")
    if p["x"] is not None and p["theta"] is None:
        raise InvalidInput("theta", "The 'theta' parameter of mp_neuron is required to evaluate the inputs x: give the "
                                    "neuron's threshold. Got nothing.")
    n = _n(p)
    if p["x"] is not None:
        X = as_exact(p["x"])
        if len(X[0]) != n:
            raise InvalidInput("x", f"The 'x' parameter of mp_neuron must have n = {n} entries per input vector. "
                                    f"Got {len(X[0])} instead.")
        for r in X:
            if any(v not in (0, 1) for v in r):
                raise InvalidInput("x", "The 'x' parameter of mp_neuron must hold 0/1 values. "
                                        f"Got the row {F.text(tuple(r))} instead.")
    inh = p["inhibitory"]
    if inh is not None:
        idx = [int(i) for i in inh]
        if max(idx) > n:
            raise InvalidInput("inhibitory", f"The 'inhibitory' parameter of mp_neuron must list input indices "
                                             f"between 1 and n = {n}. Got {max(idx)} instead.")
        if len(set(idx)) != len(idx):
            raise InvalidInput("inhibitory", "The 'inhibitory' parameter of mp_neuron must not repeat an input. "
                                             f"Got {idx} instead.")
    rng = _theta_range(p)
    if not rng:
        raise InvalidInput("theta_max", f"The 'theta_max' parameter of mp_neuron must be at least theta_min = "
                                        f"{p['theta_min']}. Got {p['theta_max']} instead.")
    if len(rng) > 101:
        raise InvalidInput("theta_max", "The 'theta_max' parameter of mp_neuron must be at most theta_min + 100. "
                                        f"Got {p['theta_max']} instead.")
    if p["pairs"] is not None:
        rows = as_exact(p["pairs"])
        if len(rows[0]) != n + 1:
            raise InvalidInput("pairs", f"The 'pairs' parameter of mp_neuron must have n + 1 = {n + 1} columns "
                                        f"(the inputs, then the output). Got {len(rows[0])} instead.")
        for r in rows:
            if any(v not in (0, 1) for v in r):
                raise InvalidInput("pairs", "The 'pairs' parameter of mp_neuron must hold 0/1 values. "
                                            f"Got the row {F.text(tuple(r))} instead.")
        if p["theta"] is None:
            raise InvalidInput("theta", "The 'theta' parameter of mp_neuron is required to check the pairs: "
                                        "give the neuron's threshold. Got nothing.")


def use_numeric(p) -> bool:
    return p["function"] is not None and _n(p) > 6


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _xi(i) -> Math:
    return Math(f"x_{{{i}}}", f"x{str(i).translate(_SUB)}")


def _inputs_math(n: int) -> Math:
    if n <= 2:
        return _xi(1) if n == 1 else Math(r"x_{1}, x_{2}", "x₁, x₂")
    return Math(r"x_{1}, \ldots, x_{%d}" % n, f"x₁, …, x{str(n).translate(_SUB)}")


def _inhibitory_rich(inh: list[int], none: str) -> list:
    if not inh:
        return [none] if none else []
    if len(inh) == 1:
        return [" Input ", _xi(inh[0]), " is inhibitory."]
    out: list = [" Inputs "]
    for k, i in enumerate(inh):
        out += [(", " if k < len(inh) - 1 else " and ") if k else "", _xi(i)]
    return out + [" are inhibitory."]


def _pairs_rich(p) -> list:
    out: list = [" Which of these input/output pairs are consistent with it: "]
    for k, r in enumerate(as_exact(p["pairs"])):
        out += ["; " if k else "", Math(r"%s \to %d" % (F.latex(tuple(r[:-1])), int(r[-1])),
                                        f"{fmt_bits(r[:-1])} → {int(r[-1])}")]
    return out + ["?"]


def _evaluation_statement(p) -> Rich:
    n = _n(p)
    out: list = [f"A McCulloch-Pitts neuron with {n} boolean input{'s' if n > 1 else ''} ", _inputs_math(n),
                 " and threshold ", Eq(theta, p["theta"]), " fires when the sum of its excitatory inputs reaches ",
                 Math(r"\theta", "θ"), ".", *_inhibitory_rich(_inhibitory(p), "")]
    if p["x"] is not None or p["pairs"] is None:
        out.append(" What does it output for ")
        if p["x"] is not None:
            out.append("the input vectors ")
            for k, r in enumerate(as_exact(p["x"])):
                out += [", " if k else "", tuple(r)]
        else:
            out.append(f"each of the {2 ** n} inputs")
        out.append(", and for how many of them does it fire?")
    if p["pairs"] is not None:
        out += _pairs_rich(p)
    return Rich(*out)


def statement(p) -> Rich:
    if p["function"] is None:
        return _evaluation_statement(p)
    n = _n(p)
    f = p["function"]
    rng = _theta_range(p)
    out: list = [f"A McCulloch-Pitts neuron with {n} boolean input{'s' if n > 1 else ''} ", _inputs_math(n),
                 " fires when the sum of its excitatory inputs reaches the threshold ", Math(r"\theta", "θ"), ".",
                 *_inhibitory_rich(_inhibitory(p), " The neuron has no inhibitory input."),
                 f" It should compute {f.describe(n)}. Which thresholds ", Math(r"\theta", "θ"),
                 " implement this function (or show that none does)? Give the number of correctly classified points "
                 f"(NCC) over all {2 ** n} inputs for ",
                 Math(r"\theta = %d, \ldots, %d" % (rng[0], rng[-1]), f"θ = {rng[0]}, …, {rng[-1]}"), "."]
    if p["theta"] is not None:
        out += [" For the neuron with ", Eq(theta, p["theta"]), ", how many inputs does it get wrong?"]
        if p["pairs"] is not None:
            out += _pairs_rich(p)
    return Rich(*out)


def _fires(gv, th, rule: str) -> bool:
    return bool(gv >= th) if rule == ">=" else bool(gv > th)


def _canonical(m: int, rule: str) -> list[int]:
    """Integer thresholds that give every distinct neuron: 0..m+1 for '>=', -1..m for '>'."""
    return list(range(0, m + 2)) if rule == ">=" else list(range(-1, m + 1))


def _neuron(X: np.ndarray, exc: list[int], inh: list[int]) -> tuple[np.ndarray, np.ndarray]:
    gsum = X[:, [i - 1 for i in exc]].sum(axis=1) if exc else np.zeros(X.shape[0], dtype=np.int64)
    inhibited = X[:, [i - 1 for i in inh]].any(axis=1) if inh else np.zeros(X.shape[0], dtype=bool)
    return gsum, inhibited


def _interval_text(t: int, m: int, rule: str) -> str:
    """The range of real thresholds that give the same neuron as the integer t."""
    if rule == ">=":
        if t <= 0:
            return f"theta = {t} (any theta <= 0 gives the same neuron)"
        if t >= m + 1:
            return f"theta = {t} (any theta > {m} gives the same neuron, which never fires)"
        return f"theta = {t} (any real theta in ({t - 1}, {t}] gives the same neuron)"
    if t < 0:
        return f"theta = {t} (any theta < 0 gives the same neuron)"
    if t >= m:
        return f"theta = {t} (any theta >= {m} gives the same neuron, which never fires)"
    return f"theta = {t} (any real theta in [{t}, {t + 1}) gives the same neuron)"


def _listing(ts: list[int]) -> str:
    return ", ".join(str(t) for t in ts) if len(ts) <= 5 else f"{ts[0]}, {ts[1]}, ..., {ts[-1]}"


def _why_not(X, f, gsum, inhibited, rule) -> str:
    """A structural reason no MP neuron computes f: its output depends only on g and never decreases with g."""
    for i in range(len(f)):
        if inhibited[i] and f[i] == 1:
            return (f"the input {fmt_bits(X[i])} has an active inhibitory input, so every MP neuron outputs 0 there, "
                    f"but f = 1")
    first: dict[int, int] = {}
    for i in range(len(f)):
        if inhibited[i]:
            continue
        gv = int(gsum[i])
        if gv in first and f[first[gv]] != f[i]:
            j = first[gv]
            return (f"the inputs {fmt_bits(X[j])} and {fmt_bits(X[i])} have the same sum g = {gv}, so every MP neuron "
                    f"gives them the same output, but f is {int(f[j])} and {int(f[i])}")
        first.setdefault(gv, i)
    ones = [int(gsum[i]) for i in range(len(f)) if not inhibited[i] and f[i] == 1]
    zeros = [int(gsum[i]) for i in range(len(f)) if not inhibited[i] and f[i] == 0]
    if ones and zeros and min(ones) < max(zeros):
        a, b = min(ones), max(zeros)
        return (f"f is 1 at sum g = {a} but 0 at the larger sum g = {b}, while an MP neuron that fires at g = {a} "
                f"also fires at every larger sum")
    return ""


def _setup(p, conv):
    """(rule, n, inhibitory inputs, excitatory inputs, every input row X, f(X), g(X), inhibited(X))."""
    n = _n(p)
    inh = _inhibitory(p)
    exc = [i for i in range(1, n + 1) if i not in inh]
    X = inputs(n)
    f = p["function"].outputs(n, X)
    return (conv["firing_rule"], n, inh, exc, X, f, *_neuron(X, exc, inh))


def solve(p, conv) -> Derivation:
    if p["function"] is None:
        return _evaluate_only(p, conv)
    d = Derivation()
    rule, n, inh, exc, X, f, gsum, inhibited = _setup(p, conv)
    m = len(exc)
    fn = p["function"]
    rows = [tuple(int(v) for v in r) for r in X]
    fl = [int(v) for v in f]
    gl = [int(v) for v in gsum]
    il = [bool(v) for v in inhibited]
    trange = _theta_range(p)

    d.given("The neuron", text=f"{n} boolean input{'s' if n > 1 else ''} x1..x{n}; "
            + (f"inhibitory: {', '.join(f'x{i}' for i in inh)}; excitatory: {', '.join(f'x{i}' for i in exc) or 'none'}."
               if inh else "all inputs excitatory (no inhibitory input)."))
    desc = fn.describe(n)
    d.given("The target function", text=("The" + desc[3:] if desc.startswith("the ") else desc) + ".")
    cmp_l, cmp_t = (r"\geq", ">=") if rule == ">=" else (">", ">")
    if inh:
        d.add(Step("formula", "McCulloch-Pitts rule", text=(
            "g(x) adds up the excitatory inputs; the neuron fires when the sum reaches the threshold. An inhibitory "
            "input that is 1 forces y = 0 whatever the sum (the course notes)."),
            formula=Math(r"y = \begin{cases} 0 & \text{if any inhibitory } x_i = 1 \\ 1 & \text{if } g(\mathbf{x}) = "
                         r"\sum_{i \,\text{excitatory}} x_i %s \theta \\ 0 & \text{otherwise} \end{cases}" % cmp_l,
                         f"y = 0 if an inhibitory input is 1; else y = 1 if g(x) = sum of excitatory x_i {cmp_t} theta, "
                         "else 0")))
    else:
        d.add(Step("formula", "McCulloch-Pitts rule", text=(
            "g(x) adds up the inputs; the neuron fires when the sum reaches the threshold."),
            formula=Math(r"y = \begin{cases} 1 & \text{if } g(\mathbf{x}) = \sum_{i=1}^{n} x_i %s \theta \\ "
                         r"0 & \text{otherwise} \end{cases}" % cmp_l,
                         f"y = 1 if g(x) = x1 + ... + xn {cmp_t} theta, else 0")))

    # -- truth table with the neuron's output for every theta in the range
    shown = min(len(rows), 64)
    cols = [_h(f"x{i}", f"x_{{{i}}}") for i in range(1, n + 1)] + [_h("g(x)", r"g(\mathbf{x})")] + \
        ([_h("inhibited")] if inh else []) + [_h("f(x)", r"f(\mathbf{x})")] + [_h(f"θ={t}", rf"\theta = {t}") for t in trange]
    body, vals = [], []
    for i in range(shown):
        outs = [0 if il[i] else int(_fires(gl[i], t, rule)) for t in trange]
        body.append([str(v) for v in rows[i]] + [str(gl[i])] + (["yes" if il[i] else "no"] if inh else []) +
                    [str(fl[i])] + [str(yv) if yv == fl[i] else f"{yv} ✗" for yv in outs])
        vals.append([*rows[i], gl[i], *([il[i]] if inh else []), fl[i], *outs])
    trace = [{"x": list(rows[i]), "sum": gl[i], "inhibited": il[i], "f": fl[i]} for i in range(len(rows))]
    xs = tuple(f"x{i}" for i in range(1, n + 1))
    shown_table(d, "Truth table: the sums and the neuron's output for each theta", cols, body, vals,
                keys=(*xs, "g", *(("inhibited",) if inh else ()), "f", *(_theta_key(t) for t in trange)), index=xs,
                text="One row per input; the theta columns hold the neuron's output y, with ✗ where y differs from f(x). "
                     f"Every entry is an answer: g@{'=0,'.join(xs)}=1 is the sum g(x) at that input, "
                     f"{_theta_key(trange[-1])}@... the output with theta = {trange[-1]}."
                     + ("" if shown == len(rows) else f" The first {shown} of {len(rows)} rows are shown."),
                answer=make_answer("truth_table", trace))

    # -- NCC per theta
    ncc = []
    d.add(Step("formula", "Number of correctly classified points",
               text="NCC(theta) counts the inputs where the neuron's output equals f(x): 1 per correct row.",
               formula=Math(r"\mathrm{NCC}(\theta) = \sum_{\mathbf{x}} [\,y_\theta(\mathbf{x}) = f(\mathbf{x})\,]",
                            "NCC(theta) = sum over x of [y_theta(x) = f(x)]")))
    with d.group("NCC for each theta", text="Read each theta column of the truth table: 1 for a correct row, 0 for ✗."):
        for t in trange:
            ok = [int((0 if il[i] else int(_fires(gl[i], t, rule))) == fl[i]) for i in range(len(rows))]
            c = sum(ok)
            ncc.append(c)
            terms = " + ".join(str(v) for v in ok) if len(ok) <= 16 else f"(sum over {len(ok)} rows)"
            d.add(Step("compute", f"theta = {t}",
                       substituted=Math(r"\mathrm{NCC}(%d) = %s" % (t, terms), f"NCC({t}) = {terms}"),
                       value=Math(r"\mathrm{NCC}(%d) = %d" % (t, c), f"NCC({t}) = {c}")))
    d.table("NCC against theta", [_h("θ", r"\theta"), _h("NCC", r"\mathrm{NCC}")], [[t, c] for t, c in zip(trange, ncc)],
            keys=("theta", "ncc"), index=("theta",),
            text=f"Out of {len(rows)} inputs; the best theta in the range gives NCC = {max(ncc)}.",
            answer=make_answer("ncc", [sp.Integer(c) for c in ncc], tolerance=EXACT))

    # -- which thresholds implement f: every distinct neuron is tried
    cand = _canonical(m, rule)
    works = []
    d.note("Which thresholds need to be tried", (
        f"g(x) is an integer between 0 and {m}, so a real theta gives the same neuron as an integer one: "
        + ("theta and ceil(theta) agree, every theta <= 0 fires on every non-inhibited input and every theta > "
           f"{m} never fires. Trying theta = {_listing(cand)} covers every threshold." if rule == ">=" else
           f"theta and floor(theta) agree, every theta < 0 fires on every non-inhibited input and every theta >= {m} "
           f"never fires. Trying theta = {_listing(cand)} covers every threshold.")))
    with d.group("Does each threshold implement f?"):
        for t in cand:
            bad = None
            for i in range(len(rows)):
                yv = 0 if il[i] else int(_fires(gl[i], t, rule))
                if yv != fl[i]:
                    bad = (i, yv)
                    break
            if bad is None:
                works.append(t)
                d.compare(f"theta = {t}: implements f", text=f"Every one of the {len(rows)} outputs equals f(x).")
            else:
                i, yv = bad
                why = ("an inhibitory input is 1, so y = 0" if il[i] else
                       f"g = {gl[i]} {'>=' if rule == '>=' else '>'} {t}, so y = 1" if yv else
                       f"g = {gl[i]} {'<' if rule == '>=' else '<='} {t}, so y = 0")
                d.compare(f"theta = {t}: fails", text=f"At x = {fmt_bits(rows[i])}: {why}, but f(x) = {fl[i]}.")
    implementable = bool(works)
    if implementable:
        txt = "; ".join(_interval_text(t, m, rule) for t in works)
        d.conclude("Thresholds that implement f", text=f"The neuron computes f exactly for {txt}.",
                   answers=(make_answer("thetas", [sp.Integer(t) for t in works], tolerance=EXACT), make_answer("implementable", True)),
                   value=Math(r"\theta \in \{%s\}" % ", ".join(str(t) for t in works),
                              "theta in {" + ", ".join(str(t) for t in works) + "}"))
    else:
        reason = _why_not(X, f, gsum, inhibited, rule)
        d.conclude("No threshold implements f", text=(
            "Each of the thresholds above gets at least one input wrong, and they cover every real threshold, so no "
            "McCulloch-Pitts neuron with these inputs computes f." + (f" The reason: {reason}." if reason else "")),
            answers=(make_answer("thetas", [], tolerance=EXACT),
                     make_answer("implementable", False)),
            value=Math(r"\text{no } \theta", "no theta"))

    # -- a given neuron: its errors and the consistency of listed pairs
    if p["theta"] is not None:
        t = p["theta"]
        outs = [0 if il[i] else int(_fires(gl[i], t, rule)) for i in range(len(rows))]
        wrong = [i for i in range(len(rows)) if outs[i] != fl[i]]
        with d.group(f"The neuron with theta = {F.text(t)}"):
            bits = [int(outs[i] != fl[i]) for i in range(len(rows))]
            terms = " + ".join(str(b) for b in bits) if len(bits) <= 16 else f"(sum over {len(bits)} rows)"
            d.add(Step("compute", "Its errors against f",
                       text=("Wrong at " + ", ".join(fmt_bits(rows[i]) for i in wrong[:16]) +
                             (" ..." if len(wrong) > 16 else "") + ".") if wrong else "It gets every input right.",
                       formula=Math(r"\mathrm{errors} = \sum_{\mathbf{x}} [\,y(\mathbf{x}) \neq f(\mathbf{x})\,]",
                                    "errors = sum over x of [y(x) != f(x)]"),
                       substituted=Math(r"\mathrm{errors} = " + terms, "errors = " + terms),
                       value=Math(r"\mathrm{errors} = %d" % len(wrong), f"errors = {len(wrong)}"),
                       answers=(make_answer("errors", sp.Integer(len(wrong))),)))
            d.answer_step("Its outputs (rows in truth-table order)",
                          make_answer("outputs", [sp.Integer(v) for v in outs], tolerance=EXACT), kind="compute")
            if p["pairs"] is not None:
                _pairs_steps(d, p, t, exc, inh, rule)
            if p["x"] is not None:
                _evaluate_steps(d, as_exact(p["x"]), t, exc, inh, rule, "x_outputs")
    return d


def _pairs_steps(d: Derivation, p, t, exc, inh, rule) -> None:
    cons = []
    for r in as_exact(p["pairs"]):
        xv = tuple(int(v) for v in r[:-1])
        want = int(r[-1])
        gv = sum(xv[i - 1] for i in exc)
        blocked = any(xv[i - 1] for i in inh)
        yv = 0 if blocked else int(_fires(gv, t, rule))
        cons.append(yv == want)
        why = "An inhibitory input is 1" if blocked else f"g = {gv}"
        d.compare(f"{fmt_bits(xv)} -> {want}: {'consistent' if yv == want else 'inconsistent'}",
                  text=f"{why}, so the neuron outputs {yv}" + ("" if yv == want else f", not {want}") + ".")
    d.answer_step("Consistent pairs", make_answer("consistent", cons, tolerance=EXACT),
                  text=f"{sum(cons)} of {len(cons)} pairs are consistent with theta = {F.text(t)}.")


def _evaluate_steps(d: Derivation, X, t, exc, inh, rule, name: str = "outputs") -> None:
    """The neuron's output at each given input: g(x), whether an inhibitory input blocks it, y; and how many fire.
    `name`: the answer for the outputs ('x_outputs' next to the truth table's 'outputs')."""
    n = len(X[0])
    xs = tuple(f"x{i}" for i in range(1, n + 1))
    shown, vals, outs = [], [], []
    for r in X:
        xv = tuple(int(v) for v in r)
        gv = sum(xv[i - 1] for i in exc)
        blocked = any(xv[i - 1] for i in inh)
        yv = 0 if blocked else int(_fires(gv, t, rule))
        outs.append(yv)
        vals.append([*xv, gv, *([blocked] if inh else []), yv])
        shown.append([*(str(v) for v in xv), str(gv), *(["yes" if blocked else "no"] if inh else []), str(yv)])
    cols = [_h(k, f"x_{{{k[1:]}}}") for k in xs] + [_h("g(x)", r"g(\mathbf{x})")] + ([_h("inhibited")] if inh else []) + \
        [_h("y")]
    shown_table(d, f"The neuron's output at each input (theta = {F.text(t)})", cols, shown, vals,
                keys=(*xs, "g", *(("inhibited",) if inh else ()), "y"), index=xs,
                text="g(x) sums the excitatory inputs; y = 1 when g(x) "
                     + (">=" if rule == ">=" else ">") + f" theta = {F.text(t)}"
                     + (" and no inhibitory input is 1." if inh else "."))
    fires = sum(outs)
    d.conclude(f"It fires for {fires} of the {len(outs)} input{'s' if len(outs) > 1 else ''}",
               answers=(make_answer(name, [sp.Integer(v) for v in outs], tolerance=EXACT),
                        make_answer("fires", sp.Integer(fires))),
               value=Math(r"	ext{fires} = %d" % fires, f"fires = {fires}"))


def _evaluate_only(p, conv) -> Derivation:
    """No function to implement: the given neuron (theta) evaluated on the given inputs (or on all 2^n)."""
    d = Derivation()
    rule, n, inh = conv["firing_rule"], _n(p), _inhibitory(p)
    exc = [i for i in range(1, n + 1) if i not in inh]
    t = p["theta"]
    d.given("The neuron", text=f"{n} boolean input{'s' if n > 1 else ''} x1..x{n}, threshold theta = {F.text(t)}; "
            + (f"inhibitory: {', '.join(f'x{i}' for i in inh)}." if inh else "all inputs excitatory."))
    cmp_l, cmp_t = (r"\geq", ">=") if rule == ">=" else (">", ">")
    d.add(Step("formula", "McCulloch-Pitts rule", text="g(x) adds up the excitatory inputs; the neuron fires when the "
               "sum reaches the threshold" + (" and no inhibitory input is 1." if inh else "."),
               formula=Math(r"y = \begin{cases} 1 & \text{if } g(\mathbf{x}) %s \theta \\ 0 & \text{otherwise} "
                            r"\end{cases}" % cmp_l, f"y = 1 if g(x) {cmp_t} theta, else 0")))
    if p["x"] is not None or p["pairs"] is None:
        X = as_exact(p["x"]) if p["x"] is not None else [tuple(int(v) for v in r) for r in inputs(n)]
        _evaluate_steps(d, X, t, exc, inh, rule)
    if p["pairs"] is not None:
        _pairs_steps(d, p, t, exc, inh, rule)
    return d


def solve_numeric(p, conv) -> Derivation:
    """The same rule over all 2^n inputs at once in NumPy (no per-row steps)."""
    if p["function"] is None:  # the given neuron on the given inputs: at most 2^16 integer rows, worked as on paper
        return _evaluate_only(p, conv)
    d = Derivation()
    rule, n, inh, exc, X, f, gsum, inhibited = _setup(p, conv)

    def out(ths: np.ndarray) -> np.ndarray:  # (rows, thetas)
        fire = gsum[:, None] >= ths[None, :] if rule == ">=" else gsum[:, None] > ths[None, :]
        return (fire & ~inhibited[:, None]).astype(np.int64)

    trange = np.array(_theta_range(p), dtype=np.float64)
    ncc = (out(trange) == f[:, None]).sum(axis=0)
    cand = np.array(_canonical(len(exc), rule), dtype=np.float64)
    works = cand[(out(cand) == f[:, None]).all(axis=0)]
    d.note("Numeric path", f"All {2 ** n} inputs evaluated at once for {len(trange)} thresholds; no per-row steps.")
    d.conclude("NCC against theta", answers=(make_answer("ncc", [sp.Integer(int(c)) for c in ncc],
                                                         tolerance=EXACT),))
    d.conclude("Thresholds that implement f",
               answers=(make_answer("thetas", [sp.Integer(int(t)) for t in works], tolerance=EXACT), make_answer("implementable", bool(works.size))))
    if p["theta"] is not None:
        t = np.array([float(p["theta"])])
        o = out(t)[:, 0]
        d.conclude(f"The neuron with theta = {F.text(p['theta'])}",
                   answers=(make_answer("errors", sp.Integer(int((o != f).sum()))),
                            make_answer("outputs", [sp.Integer(int(v)) for v in o], tolerance=EXACT)))
        if p["pairs"] is not None:
            P = np.array([[int(v) for v in r] for r in as_exact(p["pairs"])], dtype=np.int64)
            gp, ip = _neuron(P[:, :-1], exc, inh)
            fire = gp >= t[0] if rule == ">=" else gp > t[0]
            yp = (fire & ~ip).astype(np.int64)
            d.conclude("Consistent pairs", answers=(make_answer("consistent", [bool(v) for v in yp == P[:, -1]],
                                                                       tolerance=EXACT),))
        if p["x"] is not None:
            Q = np.array([[int(v) for v in r] for r in as_exact(p["x"])], dtype=np.int64)
            gq, iq = _neuron(Q, exc, inh)
            yq = ((gq >= t[0] if rule == ">=" else gq > t[0]) & ~iq).astype(np.int64)
            d.conclude("The given inputs", answers=(make_answer("x_outputs", [sp.Integer(int(v)) for v in yq],
                                                                tolerance=EXACT),
                                                    make_answer("fires", sp.Integer(int(yq.sum())))))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A 2- to 4-input function (a named gate, a threshold rule or a random table), a theta range and a neuron to check.

    Every instance is well posed (a function and a non-empty theta range always have an answer, "no threshold"
    included); a neuron to check is always given, with two input/output pairs.
    """
    n = int(rng.integers(2, 5))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        fn = str(rng.choice(["AND", "OR", "NAND", "NOR", "XOR", "majority"]))
    elif kind == 1:
        fn = f"sum(x) >= {int(rng.integers(1, n + 1))}"
    else:
        fn = " ".join(str(int(v)) for v in rng.integers(0, 2, size=2 ** n))
    out: dict[str, Any] = {"function": fn, "n": n, "theta_min": 0, "theta_max": n + 1,
                           "theta": int(rng.integers(0, n + 2))}
    if rng.random() < 0.3:
        out["inhibitory"] = [int(rng.integers(1, n + 1))]
    pairs = rng.integers(0, 2, size=(2, n + 1))
    out["pairs"] = [[int(v) for v in r] for r in pairs]
    return out
