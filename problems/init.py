"""Weight initialisation: Var(w) = 1/n_in, 1/n_out or 2/(n_in + n_out) (Xavier/Glorot) and 2/n_in (He); U(-a, a) has a = sqrt(3 Var).

Exam question: "A layer has fan-in 4 and fan-out 3. What variance do the 1/n_in, 1/n_out and Glorot rules
give its weights, what standard deviation, and what bound for a uniform initialisation? What does He
initialisation give?" (the handwritten notes and the optimization notes: 1/4, 1/3 and 2/7; std 0.5345; He
2/4 = 0.5), per layer for a
list of layer sizes.

Rules: a normal initialisation has std = sqrt(Var); a uniform one U(-a, a) has variance a^2/3, so the same
variance needs a = sqrt(3 Var): Glorot uniform a = sqrt(6/(n_in + n_out)), He uniform a = sqrt(6/n).
For a convolution layer (kernel k x k) the fans are channels times k^2, as torch's
_calculate_fan_in_and_fan_out computes them. The gain multiplies the Glorot std and bound as torch's
xavier_*_(gain=...) does (1 for linear and sigmoid layers, 5/3 for tanh, sqrt 2 for ReLU); He already
includes the ReLU gain sqrt 2.

Convention: which fan He initialisation uses (fan_in, as He et al. and torch's default mode, or fan_out).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.params import Int, InvalidInput, Param, Real, Vector
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver import format as F
from solver.errata import Erratum
from solver.symbolic import Derivation, make_answer, sym

TITLE = "Weight initialisation: Xavier/Glorot and He variances and bounds"
TOPIC = "layers"
KEYWORDS = ("initialization", "initialisation", "xavier", "glorot", "he", "kaiming", "lecun", "fan in", "fan out",
            "fan_in", "fan_out", "variance", "uniform bound", "weight initialization", "weight initialisation")

# ---- the rules, written once ---------------------------------------------------------------------
n_in, n_out, n, k, c_in, c_out, g = (sym("n_in", r"n_{\mathrm{in}}"), sym("n_out", r"n_{\mathrm{out}}"), sym("n"),
                                     sym("k"), sym("c_in", r"c_{\mathrm{in}}"), sym("c_out", r"c_{\mathrm{out}}"),
                                     sym("gain", r"g"))
a_ = sym("a")                                  # torch's negative_slope of a leaky ReLU
v_s = sym("Var", r"\operatorname{Var}(w)")
with sp.evaluate(False):
    FAN_IN = c_in * k ** 2
    FAN_OUT = c_out * k ** 2
    VAR_IN = 1 / n_in                          # LeCun
    VAR_OUT = 1 / n_out
    VAR_XAVIER = 2 / (n_in + n_out)            # Glorot & Bengio: the average of the two fans
    VAR_XAVIER_GAIN = g ** 2 * (2 / (n_in + n_out))
    VAR_HE = 2 / n_in                          # He et al. (mode fan_in)
    VAR_HE_OUT = 2 / n_out                     # mode fan_out
    VAR_HE_LEAKY = 2 / ((1 + a_ ** 2) * n_in)  # torch's kaiming_*_(a=...): gain^2 = 2 / (1 + a^2)
    VAR_HE_LEAKY_OUT = 2 / ((1 + a_ ** 2) * n_out)
    VAR_TORCH = 1 / (3 * n_in)                 # nn.Linear / nn.Conv2d default: kaiming_uniform_(a=sqrt(5))
    STD = sp.sqrt(v_s)
    BOUND = sp.sqrt(3 * v_s)                   # U(-a, a) has variance a^2/3

HE_MODE = Convention(
    "he_mode", "Fan used by He initialisation",
    {"fan_in": "He: Var = 2/n_in (preserves the variance of the forward pass; He et al., torch's default mode)",
     "fan_out": "He: Var = 2/n_out (preserves the variance of the backward pass; torch mode='fan_out')"},
    default="fan_in", why_default="He et al. and the optimization notes use the fan-in",
    cues={"fan_out": ("fan_out mode", "mode fan_out", "mode='fan_out'"), })
CONVENTIONS = (HE_MODE,)

PARAMS = (
    Param("layers", Vector(min_len=1, max_len=1001, lo=1, hi=10 ** 7, integer=True), default="4 3", label="Layer sizes",
          help="units (or channels) of each layer, input first: '4 3' is one layer with fan-in 4 and fan-out 3; one "
               "number is a layer's fan-in alone (LeCun, He and PyTorch's default need no more; Xavier needs the fan-out)",
          aliases=("<units>", "layer sizes", "layers")),
    Param("kernel", Int(1, 1000), default="1", label="Kernel size k",
          help="for convolution layers: k x k kernels multiply both fans by k^2 (1 = fully connected)",
          aliases=("kernel", "kernel size", "k")),
    Param("gain", Real(0, 100, closed="right"), default="1", label="Glorot gain",
          help="torch's gain for xavier_*_: 1 (linear, sigmoid), 5/3 (tanh), sqrt(2) ~ 1.41421 (ReLU)",
          aliases=("gain",)),
    Param("negative_slope", Real(0, 100), default="0", label="He: negative slope a (leaky ReLU)",
          help="He initialisation for a leaky ReLU with slope a: Var = 2 / ((1 + a^2) n), torch's kaiming_*_(a=...); "
               "0 for ReLU",
          aliases=("negative slope", "negative_slope", "leaky slope", "slope a", "leaky relu slope")),
)

EXAMPLE = Example(params={"layers": "4 3"},
                  source="the handwritten notes and the optimization notes, a layer with fan-in 4 and fan-out 3")

ERRATA = (
    Erratum(where="the handwritten notes and the optimization notes (initialisation)",
            params={"layers": "4 3", "kernel": "1", "gain": "1"}, kind="notation", title="How the course notes write it",
            wrote="1/4, 1/3 and 2/7 for fan-in 4 and fan-out 3 (the handwritten notes), and the Glorot variance as "
                  "1/fan_avg with fan_avg = 3.5 (the optimization notes)",
            right="both are the rules above: 1/n_in, 1/n_out and 2/(n_in + n_out) = 1/3.5 = {var_xavier[0]}",
            why="Keras's GlorotNormal draws from a truncated normal with this standard deviation"),
)

_SCHEMES = ("var_fan_in", "var_fan_out", "var_xavier", "std_xavier", "bound_xavier", "var_he", "std_he", "bound_he",
            "var_torch_default", "bound_torch_default")
#: The answers that need only the fan-in (a layer given by its inputs alone: He in its fan_in mode).
_IN_ONLY = ("var_fan_in", "var_he", "std_he", "bound_he", "var_torch_default", "bound_torch_default")


def _in_only(p) -> bool:
    """One size given: the layer's fan-in alone."""
    return len(p["layers"]) == 1


def _check_fans(p, conv) -> None:
    if _in_only(p) and conv["he_mode"] == "fan_out":
        raise InvalidInput("layers", "The 'layers' parameter of init needs the fan-out too when He initialisation uses "
                                     "the fan-out (he_mode = fan_out): give two sizes, inputs first (e.g. 256 128).")


def use_numeric(p) -> bool:
    return len(p["layers"]) > 30


_NIN, _NOUT = r"n_{\mathrm{in}}", r"n_{\mathrm{out}}"
_RULES = Rich(Math(r"1/" + _NIN, "1/nᵢₙ"), ", ", Math(r"1/" + _NOUT, "1/nₒᵤₜ"), " and Xavier/Glorot ",
              Math(rf"2/({_NIN} + {_NOUT})", "2/(nᵢₙ + nₒᵤₜ)"))


def statement(p) -> Rich:
    sizes = [int(v) for v in p["layers"]]
    kind = "fully connected" if p["kernel"] == 1 else f"convolution ({p['kernel']} × {p['kernel']} kernels)"
    if len(sizes) == 1:
        he = Rich(" for a leaky ReLU with negative slope ", p["negative_slope"]) if p["negative_slope"] else ""
        return Rich(f"A {kind} layer has {sizes[0]} inputs. Give the weight variance under LeCun's rule ",
                    Math(r"1/" + _NIN, "1/nᵢₙ"), " and under He initialisation", he, ", with the standard deviation "
                    "of a normal initialisation and the bound of a uniform ", Math("U(-b, b)", "U(−b, b)"), " one; and "
                    "the variance and bound of PyTorch's default initialisation of the layer.")
    if len(sizes) == 2:
        layers = f"A {kind} layer has {sizes[0]} inputs and {sizes[1]} outputs"
    else:
        layers = f"A {kind} network has layer sizes {', '.join(map(str, sizes[:-1]))} and {sizes[-1]}"
    gain = Rich(" (Glorot gain ", p["gain"], ")") if p["gain"] != 1 else ""
    which = "For this layer" if len(sizes) == 2 else "For each layer"
    he = Rich(" for a leaky ReLU with negative slope ", p["negative_slope"]) if p["negative_slope"] else ""
    return Rich(f"{layers}. {which} give the weight variance under the ", _RULES, " rules", gain, " and under He "
                "initialisation", he, ", with the standard deviation of a normal initialisation and the bound of a "
                "uniform ", Math("U(-b, b)", "U(−b, b)"), " one; and the variance and bound of PyTorch's default "
                "initialisation of the layer.")


def _fans(p):
    sizes = [int(v) for v in p["layers"]]
    kk = p["kernel"] ** 2
    if len(sizes) == 1:   # the fan-in alone
        return [(sizes[0] * kk, None, sizes[0], None)]
    return [(a * kk, b * kk, a, b) for a, b in zip(sizes[:-1], sizes[1:])]


def solve(p, conv) -> Derivation:
    _check_fans(p, conv)
    if _in_only(p):
        return _solve_in_only(p, conv)
    d = Derivation()
    fans = _fans(p)
    gain = p["gain"]
    he_in = conv["he_mode"] == "fan_in"
    d.formula("Variance rules", v_s, VAR_XAVIER if gain == 1 else VAR_XAVIER_GAIN,
              text="Glorot and Bengio average the forward rule 1/n_in and the backward rule 1/n_out" +
                   (f"; the gain g = {F.text(gain)} scales the std and the bound" if gain != 1 else "") + ".")
    slope = p["negative_slope"]
    he_rule = _fan_in_formulas(d, p, conv)
    res: dict[str, list] = {k_: [] for k_ in _SCHEMES}
    rows = []
    for i, (fi, fo, ci, co) in enumerate(fans, start=1):
        with d.group(f"Layer {i}: {ci} -> {co}" + (f" with {p['kernel']} x {p['kernel']} kernels" if p["kernel"] > 1 else "")):
            if p["kernel"] > 1:
                fi = int(d.compute("Fan-in", n_in, FAN_IN, {c_in: ci, k: p["kernel"]}))
                fo = int(d.compute("Fan-out", n_out, FAN_OUT, {c_out: co, k: p["kernel"]}))
            else:
                d.given("Fans", text=f"n_in = {fi}, n_out = {fo}")
            vi = d.compute("1/n_in (LeCun)", v_s, VAR_IN, {n_in: fi})
            vo = d.compute("1/n_out", v_s, VAR_OUT, {n_out: fo})
            if gain == 1:
                vx = d.compute("Xavier/Glorot", v_s, VAR_XAVIER, {n_in: fi, n_out: fo})
            else:
                vx = d.compute("Xavier/Glorot with gain", v_s, VAR_XAVIER_GAIN, {g: gain, n_in: fi, n_out: fo})
            sx = d.compute("Xavier normal std", sym("std"), STD, {v_s: vx})
            bx = d.compute("Xavier uniform bound", sym("a"), BOUND, {v_s: vx})
            he_vals = {n_in: fi} if he_in else {n_out: fo}
            if slope:
                he_vals[a_] = slope
            vh = d.compute("He", v_s, he_rule, he_vals)
            sh = d.compute("He normal std", sym("std"), STD, {v_s: vh})
            bh = d.compute("He uniform bound", sym("a"), BOUND, {v_s: vh})
            vt = d.compute("PyTorch's default", v_s, VAR_TORCH, {n_in: fi})
            bt = d.compute("PyTorch's default bound", sym("b"), BOUND, {v_s: vt})
        for key, val in zip(_SCHEMES, (vi, vo, vx, sx, bx, vh, sh, bh, vt, bt)):
            res[key].append(val)
        rows.append((str(i), str(fi), str(fo), vi, vo, vx, sx, bx, vh, sh, bh, vt, bt))
    d.table("Summary", ["layer", "n_in", "n_out", "1/n_in", "1/n_out", "Xavier var", "Xavier std", "Xavier bound",
                        "He var", "He std", "He bound", "torch var", "torch bound"], rows)
    d.conclude("Answers (one entry per layer)",
               answers=tuple(make_answer(k_, res[k_]) for k_ in _SCHEMES))
    return d


def _he_rule(p, conv):
    """He's variance rule and its explanation (leaky ReLU's gain when a negative slope is given)."""
    he_in, slope = conv["he_mode"] == "fan_in", p["negative_slope"]
    if slope:
        return (VAR_HE_LEAKY if he_in else VAR_HE_LEAKY_OUT, "He initialisation (leaky ReLU)",
                f"He's rule with the leaky ReLU's gain: Var = gain² / n with gain² = 2 / (1 + a²) and a = {F.text(slope)} "
                f"(torch.nn.init.calculate_gain('leaky_relu', a)); n is the {'fan-in' if he_in else 'fan-out'} "
                f"({conv['he_mode']}).")
    return VAR_HE if he_in else VAR_HE_OUT, "He initialisation (ReLU)", HE_MODE.options[conv["he_mode"]] + "."


def _fan_in_formulas(d: Derivation, p, conv):
    """He's rule, PyTorch's default and the uniform bound, as formula steps; returns He's rule."""
    he_rule, title, text = _he_rule(p, conv)
    d.formula(title, v_s, he_rule, text=text)
    d.formula("PyTorch's default (nn.Linear, nn.Conv2d)", v_s, VAR_TORCH,
              text="reset_parameters() calls kaiming_uniform_(a = √5): gain² = 2 / (1 + 5) = 1/3, so Var = 1/(3 n_in) "
                   "and the bound is √(3 Var) = 1/√n_in.")
    d.formula("Uniform bound with the same variance", sym("a"), BOUND, text="U(-a, a) has variance a^2/3.")
    return he_rule


def _solve_in_only(p, conv) -> Derivation:
    """A layer given by its fan-in alone: the rules that need nothing more (LeCun's 1/n_in, He with the fan-in,
    PyTorch's default); Xavier/Glorot needs the fan-out and is not answered."""
    d = Derivation()
    (fi, _, ci, _), = _fans(p)
    he_rule = _fan_in_formulas(d, p, conv)
    with d.group(f"A layer with {ci} inputs" + (f" and {p['kernel']} x {p['kernel']} kernels" if p["kernel"] > 1 else "")):
        if p["kernel"] > 1:
            fi = int(d.compute("Fan-in", n_in, FAN_IN, {c_in: ci, k: p["kernel"]}))
        else:
            d.given("Fan-in", text=f"n_in = {fi}; the fan-out is not given, so Xavier/Glorot (which needs it) is not worked")
        vi = d.compute("1/n_in (LeCun)", v_s, VAR_IN, {n_in: fi})
        he_vals = {n_in: fi, **({a_: p["negative_slope"]} if p["negative_slope"] else {})}
        vh = d.compute("He", v_s, he_rule, he_vals)
        sh = d.compute("He normal std", sym("std"), STD, {v_s: vh})
        bh = d.compute("He uniform bound", sym("a"), BOUND, {v_s: vh})
        vt = d.compute("PyTorch's default", v_s, VAR_TORCH, {n_in: fi})
        bt = d.compute("PyTorch's default bound", sym("b"), BOUND, {v_s: vt})
    d.conclude("Answers", answers=tuple(make_answer(k_, [v]) for k_, v in zip(_IN_ONLY, (vi, vh, sh, bh, vt, bt))))
    return d


def solve_numeric(p, conv) -> Derivation:
    """The same rules in float64 over all layers at once."""
    _check_fans(p, conv)
    if _in_only(p):
        return _solve_in_only(p, conv)
    d = Derivation()
    fans = np.array([(f[0], f[1]) for f in _fans(p)], dtype=np.float64)
    fi, fo = fans[:, 0], fans[:, 1]
    gain = float(p["gain"])
    vx = gain ** 2 * 2 / (fi + fo)
    vh = 2 / ((1 + float(p["negative_slope"]) ** 2) * (fi if conv["he_mode"] == "fan_in" else fo))
    vt = 1 / (3 * fi)
    vals = (1 / fi, 1 / fo, vx, np.sqrt(vx), np.sqrt(3 * vx), vh, np.sqrt(vh), np.sqrt(3 * vh), vt, np.sqrt(3 * vt))
    d.note("Numeric path", f"{len(fi)} layers in float64.")
    d.conclude("Answers (one entry per layer)",
               answers=tuple(make_answer(k_, v) for k_, v in zip(_SCHEMES, vals)))
    return d


def generate(rng: np.random.Generator) -> dict[str, Any]:
    """Two to four layer sizes from common widths; always well posed (every size is at least 1)."""
    n_layers = int(rng.integers(2, 5))
    sizes = [int(v) for v in rng.choice([2, 3, 4, 5, 8, 10, 16, 32, 64, 100, 128, 256, 784], size=n_layers)]
    out: dict[str, Any] = {"layers": sizes}
    if rng.random() < 0.25:
        out["kernel"] = 3
    return out
