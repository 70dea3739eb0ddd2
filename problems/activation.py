"""Activation functions and their derivatives: f(x) and f'(x) = d f/dx at given points (sigma' = sigma (1 - sigma), tanh' = 1 - tanh^2, ...).

Exam questions: "Give the value and the derivative of <activation> at these points", "derive f'(x)"
(Swish f = x sigma(x) has f' = f + sigma (1 - f), the end-term assignment; softplus has S' = sigma, the
handwritten notes), "sketch f and f'" (an SVG plot of both is in extras["svg"]), "what does maxout over these
linear pieces compute?" (the lecture notes, week 7), "where does the sigmoid saturate?" (the lecture notes,
week 7, and the optimization notes).

Functions: sigmoid, tanh, ReLU, ReLU6 = min(max(0, x), 6), leaky ReLU max(alpha x, x) (slope alpha, default
0.01 as torch, the introductory slides and the optimization notes; the lecture notes use 0.1), parametric ReLU (the same with a learned alpha,
default 0.25 as torch's init), ELU alpha (e^x - 1) for x <= 0 (default alpha 1), SELU (lambda = 1.0507...,
alpha = 1.6733...), GELU x Phi(x) (exact, with erf), its tanh approximation, x sigma(1.702 x), Swish x sigma(beta x)
(SiLU for beta = 1), softplus ln(1 + e^x), maxout max_k (w_k x + b_k) and the step function (1 for x > 0).
The derivative is derived symbolically with SymPy and then simplified to the textbook identity.

Convention: the derivative at a kink (ReLU at 0, ReLU6 at 0 and 6, a tie in maxout): torch's autograd value
(relu'(0) = 0, leaky'(0) = alpha, elu'(0) = alpha, relu6'(6) = 0, the first maximal maxout piece), the left
derivative or the right derivative. The step function's derivative is 0 wherever it exists.
"""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import sympy as sp

from problems._layers import array_answers, svg_plot
from problems._written import fmax
from solver.conventions import Convention
from solver.functions import sigmoid
from solver.params import Choice, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver import format as F
from solver.errata import Erratum
from solver.symbolic import Derivation, evaluate, finish, make_answer, sym, text

TITLE = "Activation functions: values, derivatives and plots"
TOPIC = "layers"
KEYWORDS = ("activation", "sigmoid", "tanh", "relu", "relu6", "leaky relu", "prelu", "elu", "selu", "gelu", "swish",
            "silu", "softplus", "mish", "hardswish", "hard swish", "maxout", "step", "derivative", "saturation", "vanishing gradient")

# ---- the functions, written once -----------------------------------------------------------------
x = sym("x")
a = sym("alpha", r"\alpha")
b = sym("beta", r"\beta")
lam = sym("lambda", r"\lambda")
f_s, df_s = sym("f(x)"), sym("f'(x)", r"f^{\prime}(x)")
SELU_LAMBDA = sp.Float("1.0507009873554804934193349852946", 40)
SELU_ALPHA = sp.Float("1.6732632423543772848170429916717", 40)
GELU_C = sym("0.044715")          # constants as named symbols, so formulas print them as decimals
K1702 = sym("1.702")
CONSTANTS = {GELU_C: sp.Rational(44715, 10 ** 6), K1702: sp.Rational(1702, 1000)}

class Phi(sp.Function):
    """Standard normal CDF: Phi(x) = (1 + erf(x/sqrt 2))/2 = erfc(-x/sqrt 2)/2; Phi'(x) = exp(-x^2/2)/sqrt(2 pi)."""

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.Rational(1, 2)
        return None

    def fdiff(self, argindex=1):
        return sp.exp(-self.args[0] ** 2 / 2) / sp.sqrt(2 * sp.pi)

    def _eval_rewrite_as_erfc(self, arg, **kwargs):
        return sp.erfc(-arg / sp.sqrt(2)) / 2

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sp.erfc(-arg / sp.sqrt(2)) / 2

    def _eval_evalf(self, prec):
        return (sp.erfc(-self.args[0] / sp.sqrt(2)) / 2)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        tex = r"\Phi\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


EXPRS: dict[str, sp.Expr] = {
    "sigmoid": sigmoid(x),
    "tanh": sp.tanh(x),
    "relu": sp.Piecewise((x, x > 0), (0, True)),
    "relu6": sp.Piecewise((0, x <= 0), (x, x < 6), (6, True)),
    "leaky_relu": sp.Piecewise((x, x > 0), (a * x, True)),
    "prelu": sp.Piecewise((x, x > 0), (a * x, True)),
    "elu": sp.Piecewise((x, x > 0), (a * (sp.exp(x) - 1), True)),
    "selu": lam * sp.Piecewise((x, x > 0), (a * (sp.exp(x) - 1), True)),
    "gelu": x * Phi(x),
    "gelu_tanh": x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + GELU_C * x ** 3))),
    "gelu_sigmoid": x * sigmoid(K1702 * x),
    "swish": x * sigmoid(b * x),
    "softplus": sp.log(1 + sp.exp(x)),
    "mish": x * sp.tanh(sp.log(1 + sp.exp(x))),          # Misra 2019: x tanh(softplus(x))
    # Howard et al. 2019 (MobileNetV3): x ReLU6(x + 3) / 6; the conditions put each kink on torch's side
    # (torch's hardswish'(-3) = 0 and hardswish'(3) = 1)
    "hard_swish": sp.Piecewise((0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)),
    "step": sp.Piecewise((1, x > 0), (0, True)),
}
class Cases(sp.Piecewise):
    """A Piecewise printed as a student writes it: "(x if x > 0; alpha*x otherwise)" in plain text (SymPy prints
    Piecewise((x, x > 0), (alpha*x, True))), and as SymPy's cases environment in LaTeX. Display only."""

    def _sympystr(self, printer):
        return "(" + "; ".join(f"{printer._print(e)} " + ("otherwise" if c is sp.true else f"if {printer._print(c)}")
                               for e, c in self.args) + ")"

    def _latex(self, printer, exp=None):
        tex = printer._print_Piecewise(self)
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


def as_cases(expr: sp.Expr) -> sp.Expr:
    """`expr` for display: each Piecewise as Cases, written after the other factors (lambda (...), not (...) lambda)."""
    pws = expr.atoms(sp.Piecewise)
    if not pws:
        return expr
    out = expr.xreplace({pw: Cases(*pw.args) for pw in pws})
    if isinstance(out, sp.Mul):
        rest = [f for f in out.args if not isinstance(f, sp.Piecewise)]
        last = [f for f in out.args if isinstance(f, sp.Piecewise)]
        out = sp.Mul(*rest, *last, evaluate=False)
    return out


with sp.evaluate(False):  # the piecewise functions as written (the values come from EXPRS)
    _NEG_ELU = a * (sp.exp(x) - 1)
    SHOWN: dict[str, sp.Expr] = {
        "leaky_relu": Cases((x, x > 0), (a * x, True)),
        "prelu": Cases((x, x > 0), (a * x, True)),
        "elu": Cases((x, x > 0), (_NEG_ELU, True)),
        "selu": lam * Cases((x, x > 0), (_NEG_ELU, True)),
    }

#: f'(x) derived once at import (d/dx, SymPy); the Piecewise conditions put each kink on torch's side.
DERIVS: dict[str, sp.Expr] = {k: sp.diff(e, x) for k, e in EXPRS.items()}
DERIVS["step"] = sp.Integer(0)  # 0 wherever it exists (SymPy's Piecewise diff says the same away from 0)

#: the textbook form of f'(x) (tests check with sympy that each equals DERIVS)
IDENTITIES: dict[str, tuple[sp.Expr, str]] = {
    "sigmoid": (sigmoid(x) * (1 - sigmoid(x)), "sigma'(x) = sigma(x) (1 - sigma(x)); its maximum is 1/4 at x = 0."),
    "tanh": (1 - sp.tanh(x) ** 2, "tanh'(x) = 1 - tanh(x)^2; its maximum is 1 at x = 0."),
    "softplus": (sigmoid(x), "The derivative of softplus is the sigmoid (as the handwritten notes say)."),
    "swish": (b * x * sigmoid(b * x) + sigmoid(b * x) * (1 - b * x * sigmoid(b * x)),
              "With f = x sigma(beta x): f' = beta f + sigma(beta x) (1 - beta f); for beta = 1 this is the end-term "
              "assignment's f' = f + sigma(x) (1 - f)."),
    "gelu": (Phi(x) + x * sp.exp(-x ** 2 / 2) / sp.sqrt(2 * sp.pi),
             "GELU' = Phi(x) + x phi(x): the normal CDF Phi(x) = erfc(-x/sqrt 2)/2 = (1 + erf(x/sqrt 2))/2 plus x times "
             "the normal density."),
    "gelu_sigmoid": (sigmoid(K1702 * x) + K1702 * x * sigmoid(K1702 * x) * (1 - sigmoid(K1702 * x)),
                     "f' = sigma(1.702 x) + 1.702 x sigma(1.702 x) (1 - sigma(1.702 x))."),
}
DISPLAY = {
    "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "leaky ReLU",
    "prelu": "parametric ReLU", "elu": "ELU", "selu": "SELU", "gelu": "GELU (exact, x Phi(x))",
    "gelu_tanh": "GELU (tanh approximation)", "gelu_sigmoid": "GELU (sigmoid approximation x sigma(1.702 x))",
    "swish": "Swish", "softplus": "softplus", "mish": "Mish (x tanh(softplus(x)))",
    "hard_swish": "hard swish (x ReLU6(x + 3) / 6)", "maxout": "maxout", "step": "step",
}
ALPHA_DEFAULT = {"leaky_relu": sp.Rational(1, 100), "prelu": sp.Rational(1, 4), "elu": sp.Integer(1)}
NOTES_MAXOUT = "0.5 0; -0.5 0; 1 0; -1 -0.2"

KINK = Convention(
    "kink", "Derivative at a kink",
    {"torch": "torch's autograd value: relu'(0) = 0, leaky/prelu'(0) = alpha, elu'(0) = alpha, relu6'(0) = relu6'(6) = 0, "
              "the first maximal maxout piece",
     "left": "the left derivative (the slope just below the kink)",
     "right": "the right derivative (the slope just above the kink)"},
    default="torch", why_default="what a framework computes in training (checked against torch fixtures)",
    cues={"left": ("left derivative", "from the left"), "right": ("right derivative", "from the right")})
CONVENTIONS = (KINK,)

_ALIASES = {"logistic": "sigmoid", "silu": "swish", "hardswish": "hard_swish", "h-swish": "hard_swish",
            "hswish": "hard_swish", "hard swish": "hard_swish", "hard-swish": "hard_swish", "leaky": "leaky_relu", "lrelu": "leaky_relu", "leakyrelu": "leaky_relu",
            "parametric_relu": "prelu", "gelu_exact": "gelu", "gelu_erf": "gelu", "heaviside": "step",
            "gelu_approx": "gelu_tanh", "relu_6": "relu6"}

#: "sigmoid of 2", "tanh(0.5)", "ReLU at -2", "the sigmoid of 0, 1 and 2", "σ(0)": the points written after the
#: function's name (the general reading took them for no field, and the default points were answered).
_NAMES = sorted({*DISPLAY, *_ALIASES, "σ", "leaky relu", "leaky-relu", "hard swish", "hard-swish"}, key=len,
                reverse=True)
_NUMBER = r"[-−]?\d+(?:\.\d+)?"
_APPLIED = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in _NAMES) + r")"
                      r"(?:'|’|\s+derivative)?\s*(?:\(\s*|\s+(?:of|at|for)\s+(?:(?:the\s+)?(?:input|point)s?\s+)?"
                      r"(?:x\s*=\s*)?)(" + _NUMBER + r"(?:\s*(?:,|and|, and)\s*" + _NUMBER + r")*)(?![\d.]*\d)", re.I)


def read_structure(text: str, conventions: dict) -> dict | None:
    """The question reader's hook (solver.reading): the points an activation is applied to, written after its name
    ('the sigmoid of 2', 'tanh(0.5)', 'ReLU at -2', 'σ(0)')."""
    m = _APPLIED.search(text)
    if m is None:
        return None
    values = re.split(r"\s*(?:, and|,|and)\s*", m.group(1).replace("−", "-"))
    return {"fields": {"x": (" ".join(v for v in values if v), m.span(1))}, "replaces": ()}


PARAMS = (
    Param("function", Choice({k: v for k, v in DISPLAY.items()}, aliases=_ALIASES), default="sigmoid", label="Function",
          aliases=("activation", "activation function", "function", "nonlinearity"),
          cues={"gelu_tanh": ("tanh approximation", "tanh-approximated", "approximate gelu", "approximate='tanh'",
                              "approximate=\"tanh\""),
                "gelu_sigmoid": ("sigmoid approximation", "x sigma(1.702 x)", "x σ(1.702x)")}),
    Param("x", Vector(max_len=10 ** 7, lo=-10 ** 6, hi=10 ** 6), default="0 3 5", label="Points x",
          aliases=("x", "at x", "at", "inputs", "input", "points", "z", "values", "input values", "for the inputs")),
    Param("alpha", Real(0, 100), label="alpha",
          help="slope of leaky ReLU (default 0.01; the lecture notes use 0.1) and PReLU (0.25), or ELU's alpha (1)",
          aliases=("alpha", "α", "slope", "negative slope", "leak", "leaky slope")),
    Param("beta", Real(0, 100), default="1", label="beta", help="Swish x sigma(beta x); beta = 1 is SiLU",
          aliases=("beta", "β")),
    Param("pieces", Matrix(cols=2, max_rows=100), default=NOTES_MAXOUT, label="Maxout pieces",
          help="one row (w_k, b_k) per linear piece w_k x + b_k; default the lecture notes' (0.5x, -0.5x, x, -x - 0.2)",
          aliases=("pieces", "linear pieces", "maxout pieces")),
    Param("plot_range", Vector(length=2, lo=-10 ** 4, hi=10 ** 4), default="-5 5", label="Plot range",
          aliases=("plot range", "range")),
)

EXAMPLE = Example(params={"function": "sigmoid", "x": "0 3 5"},
                  source="the lecture notes, week 7, and the handwritten notes: where the sigmoid saturates and its "
                         "slope at 0")




def _relu_pieces(v) -> bool:
    return sorted(tuple(r) for r in as_exact(v["pieces"])) == [(0, 0), (1, 0)]


ERRATA = (
    Erratum(where="the handwritten notes (the sigmoid's derivative)", params={"function": "sigmoid"},
            wrote="'d sigma/dx ~ 1 at x = 0'",
            right="the slope at 0 is sigma'(0) = sigma(0) (1 - sigma(0)) = 1/4, the largest slope of the sigmoid",
            why="a slope of 1 at 0 is tanh's"),
    Erratum(where="the lecture notes, week 7 (activation functions), and the optimization notes",
            params={"function": "sigmoid"}, kind="ambiguity", title="Where the sigmoid saturates",
            wrote="that the sigmoid saturates beyond |x| ~ 5 (the lecture notes) and beyond 3 (the optimization notes)",
            right="the slope sigma'(3) = 0.0452 is 18% of the largest slope 1/4, and sigma'(5) = 0.00665 is 2.7%",
            why="saturation is a judgement call, not a threshold"),
    Erratum(where="the optimization notes and the handwritten notes (tanh)", params={"function": "tanh"},
            wrote="tanh(x) = 2 sigma(x) - 1 (and derive tanh' from (1 - e^-x)/(1 + e^-x))",
            right="tanh(x) = 2 sigma(2x) - 1, as the check above computes; 2 sigma(x) - 1 is tanh(x/2)",
            why="tanh'(x) = 1 - tanh^2(x) still holds"),
    Erratum(where="the lecture notes, week 7 (ELU)", params={"function": "elu"},
            wrote="ELU as 'a e^x - 1' for x <= 0",
            right="it is alpha (e^x - 1), which is 0 at x = 0", why="so the function is continuous at 0"),
    Erratum(where="the lecture notes, week 7 (GELU)", params={"function": "gelu_sigmoid"},
            wrote="E(m x) = Phi(x) x = sigma(1.702 x) x, with '='",
            right="the last '=' is an approximation: |Phi(x) - sigma(1.702 x)| <= 0.0095 and "
                  "|x Phi(x) - x sigma(1.702 x)| <= 0.0203 (near x = -2.27)"),
    Erratum(where="the lecture notes, week 7 (maxout)", params={"function": "maxout"}, also=_relu_pieces,
            kind="notation", title="ReLU as maxout",
            wrote="maxout with two pieces w_1 = 0, b_1 = 0 and w_2 = 1, b_2 = 0",
            right="with the pieces 0 and x, maxout is max(0, x) = ReLU"),
)


def validate(p: dict[str, Any]) -> None:
    lo, hi = p["plot_range"]
    if not lo < hi:
        raise InvalidInput("plot_range", f"The 'plot_range' parameter of activation must be increasing (from < to). "
                                         f"Got {F.text(lo)} {F.text(hi)} instead.")


def use_numeric(p) -> bool:
    return isinstance(p["x"], np.ndarray) or len(p["x"]) > 40


def _params(p) -> dict:
    fn = p["function"]
    vals: dict = {}
    if fn in ALPHA_DEFAULT:
        vals[a] = p["alpha"] if p["alpha"] is not None else ALPHA_DEFAULT[fn]
    if fn == "selu":
        vals.update({lam: SELU_LAMBDA, a: SELU_ALPHA})
    if fn == "swish":
        vals[b] = p["beta"]
    if fn == "gelu_tanh":
        vals[GELU_C] = CONSTANTS[GELU_C]
    if fn == "gelu_sigmoid":
        vals[K1702] = CONSTANTS[K1702]
    return vals


_PHI_X = Math(r"x\,\Phi(x)", "x Φ(x)")
#: the activation's name in a statement, its formula typeset where the name carries one (DISPLAY is the menu's text)
_NAMED = {
    "prelu": Rich("PReLU (parametric ReLU)"),  # the reader reads "parametric ReLU" alone as ReLU
    "gelu": Rich("GELU (exact, ", _PHI_X, ")"),
    "gelu_sigmoid": Rich("GELU (sigmoid approximation ", Math(r"x\,\sigma(1.702\,x)", "x σ(1.702x)"), ")"),
    "mish": Rich("Mish (", Math(r"x \tanh(\operatorname{softplus}(x))", "x tanh(softplus(x))"), ")"),
    "hard_swish": Rich("hard swish (", Math(r"x\,\mathrm{ReLU6}(x + 3) / 6", "x ReLU6(x + 3)/6"), ")"),
}
_F, _DF = Math("f", "f"), Math(r"f'", "f′")
_FX, _DFX = Math("f(x)", "f(x)"), Math(r"f'(x)", "f′(x)")


def statement(p) -> Rich:
    fn = p["function"]
    pts = tuple(as_exact(p["x"][:12]))
    extra = Rich()
    if fn in ALPHA_DEFAULT:
        extra = Rich(" with ", Eq(a, _params(p)[a]))
    elif fn == "swish":
        extra = Rich(" with ", Eq(b, p["beta"]))
    elif fn == "maxout":
        pieces = [_piece(w_, b_) for w_, b_ in as_exact(p["pieces"])]
        extra = Rich(" over the pieces ", *[q for i, m in enumerate(pieces) for q in ((", " if i else ""), m)])
    lo, hi = p["plot_range"]
    return Rich("For the ", _NAMED.get(fn, DISPLAY[fn]), " activation", extra, ", derive ", _DFX, " and give ", _FX,
                " and ", _DFX, " at ", Eq(x, pts), " ..." if len(p["x"]) > 12 else "", ". Sketch ", _F, " and ", _DF,
                " on ", Math(f"[{F.latex(lo)}, {F.latex(hi)}]", f"[{F.text(lo)}, {F.text(hi)}]"), ".")


def _piece(w_, b_) -> Math:
    """One maxout piece w x + b as maths (0.5x, -x - 0.2, 3)."""
    return Math(_piece_text(w_, b_, F.latex), _piece_text(w_, b_))


def _piece_text(w_, b_, num=F.text) -> str:
    s = "0" if w_ == 0 else ("x" if w_ == 1 else "-x" if w_ == -1 else f"{num(w_)}x")
    if b_ != 0:
        s = (f"{s} {'+' if b_ > 0 else '-'} {num(abs(b_))}" if w_ != 0 else num(b_))
    return s


# ---- exact path ----------------------------------------------------------------------------------

_DELTA = sp.Rational(1, 10 ** 30)


def _side(expr: sp.Expr, x0, side: int):
    """The value of a Piecewise derivative's piece that holds just left (-1) or right (+1) of x0."""
    pw = _piecewise(expr)
    if pw is None:
        return None
    probe = x0 + side * _DELTA
    for e, cond in pw.args:
        if cond is sp.true or bool(cond.subs(x, probe)):
            return expr.xreplace({pw: e})
    return None


def _piecewise(expr):
    if isinstance(expr, sp.Piecewise):
        return expr
    found = [a_ for a_ in expr.args if isinstance(a_, sp.Piecewise)] if isinstance(expr, sp.Mul) else []
    return found[0] if found else None


def _branch(pw: sp.Piecewise, x0) -> str:
    """The condition of the piece that holds at x0, written out ("x <= 0" rather than "otherwise")."""
    earlier = []
    for e, cond in pw.args:
        if cond is sp.true:
            return _interval_text(sp.And(*[sp.Not(c) for c in earlier]).as_set()) if earlier else "all x"
        if bool(cond.subs(x, x0)):
            return _interval_text(sp.And(cond, *[sp.Not(c) for c in earlier]).as_set()) if earlier else text(cond)
        earlier.append(cond)
    return ""  # pragma: no cover


def _interval_text(s) -> str:
    if isinstance(s, sp.Interval):
        lo = "" if s.start is sp.S.NegativeInfinity else f"{F.text(s.start)} {'<' if s.left_open else '<='} "
        hi = "" if s.end is sp.oo else f" {'<' if s.right_open else '<='} {F.text(s.end)}"
        if lo and not hi:
            return f"x {'>' if s.left_open else '>='} {F.text(s.start)}"
        return f"{lo}x{hi}"
    return text(s)  # pragma: no cover


#: Points worked one by one (the piece, f and f' with the numbers substituted); the table has them all.
MAX_POINT_STEPS = 6


def _active(expr: sp.Expr, x0) -> sp.Expr:
    """The formula of the piece of `expr` that holds at x0, as written (the other factors, e.g. SELU's lambda,
    kept in front)."""
    pw = _piecewise(expr)
    if pw is None:
        return expr
    for e, cond in pw.args:
        if cond is sp.true or bool(cond.subs(x, x0)):
            if expr is pw:
                return e
            rest = [f for f in expr.args if f is not pw]
            if e == 0:
                return sp.Integer(0)
            if e == 1:  # lambda, not lambda*1
                return sp.Mul(*rest, evaluate=False) if len(rest) > 1 else rest[0]
            return sp.Mul(*rest, *(e.args if isinstance(e, sp.Mul) else (e,)), evaluate=False)
    return expr  # pragma: no cover


def _piece_steps(d: Derivation, expr, dexpr, xs, pv, vals, ders, kinks: dict, rule: str) -> None:
    """f(x0) and f'(x0) at each point from the piece that holds there: formula -> numbers -> value (at a kink,
    the derivative the convention picks, with both one-sided values)."""
    pw, dpw = _piecewise(expr), _piecewise(dexpr)
    for x0, v, dv in zip(xs, vals, ders):
        with d.group(f"At x = {F.text(x0)}: the piece for {_branch(pw, x0)}"):
            d.compute("Value", f_s, _active(expr, x0), {x: x0, **pv}, value=v)
            if x0 in kinks:
                _, lv, rv, cv = kinks[x0]
                d.note("Derivative at a kink", f"x = {F.text(x0)} is a kink: the slope just left of it is "
                                               f"{F.text(lv)} and just right of it {F.text(rv)}; the {rule} "
                                               f"convention gives f'({F.text(x0)}) = {F.text(cv)}.")
            elif dpw is None:
                d.compute("Derivative", df_s, dexpr, {x: x0, **pv}, value=dv)
            else:
                d.compute("Derivative", df_s, _active(dexpr, x0), {x: x0, **pv}, value=dv)


def _maxout_slopes(pieces, x0):
    vals = [w_ * x0 + b_ for w_, b_ in pieces]
    top = max(vals)
    tied = [i for i, v in enumerate(vals) if v == top]
    return tied, [pieces[i][0] for i in tied]


def solve(p, conv) -> Derivation:
    d = Derivation()
    fn = p["function"]
    xs = tuple(as_exact(p["x"]))
    if fn == "maxout":
        return _solve_maxout(d, p, conv, xs)
    expr, dexpr = EXPRS[fn], DERIVS[fn]
    pv = _params(p)
    shown = {k: v for k, v in pv.items() if k not in CONSTANTS}
    if shown:
        d.given("Parameters", text=", ".join(f"{text(k)} = {F.text(v)}" for k, v in shown.items()) +
                (" (SELU's fixed constants)" if fn == "selu" else ""))
    d.formula(f"The {DISPLAY[fn]} function", f_s, SHOWN.get(fn) or as_cases(expr))
    pw = _piecewise(expr)
    how = ("Piece by piece: each piece is differentiated on its own interval." if pw is not None
           else "With the chain and product rules.")
    ident, why = IDENTITIES.get(fn, (None, ""))
    if ident is not None and ident == dexpr:
        d.formula("Differentiate with respect to x", df_s, as_cases(dexpr), text=how + " " + why)
    else:
        d.formula("Differentiate with respect to x", df_s, as_cases(dexpr), text=how)
        if ident is not None:
            d.formula("Simplify", df_s, ident, text=why)
    _remarks(d, fn, xs)
    if pw is None:
        vals = d.compute("Values", f_s, expr, {x: xs, **pv})
        ders = list(d.compute("Derivatives", df_s, dexpr, {x: xs, **pv}))
    else:
        vals = [evaluate(expr, {x: x0, **pv}) for x0 in xs]
        ders = [evaluate(dexpr, {x: x0, **pv}) if dexpr.free_symbols else sp.Integer(0) for x0 in xs]
    kinks = []
    if _piecewise(dexpr) is not None:
        for i, x0 in enumerate(xs):
            left, right = (finish(sp.sympify(e).subs({x: x0, **pv})) if e is not None else None
                           for e in (_side(dexpr, x0, -1), _side(dexpr, x0, +1)))
            if left is not None and right is not None and left != right:
                chosen = {"left": left, "right": right}.get(conv["kink"], ders[i])
                kinks.append((x0, left, right, chosen))
                ders[i] = chosen
    if pw is not None:  # after the kinks, so that the steps and the table show the convention's derivative
        if len(xs) <= MAX_POINT_STEPS:
            _piece_steps(d, SHOWN.get(fn) or as_cases(expr), as_cases(dexpr), xs, pv, vals, ders,
                         {k[0]: k for k in kinks}, conv["kink"])
        d.table("Values and derivatives, piece by piece", ["x", "piece", "f(x)", "f'(x)"],
                [(F.text(x0), _branch(pw, x0), F.text(v), F.text(dv)) for x0, v, dv in zip(xs, vals, ders)])
    if fn == "step" and any(v == 0 for v in xs):
        d.note("The step at 0", "The step function jumps at 0, so it has no derivative there; 0 (its value on both "
                                "sides) is reported, as training with it would use.")
    if kinks:
        d.note("Kinks", "; ".join(f"at x = {F.text(k0)} the left derivative is {F.text(lv)} and the right one "
                                  f"{F.text(rv)}: using {F.text(cv)} ({conv['kink']})" for k0, lv, rv, cv in kinks) + ".")
    d.conclude("Answers", text="f(x) and f'(x) at the given points.",
               answers=(make_answer("values", list(vals)), make_answer("derivatives", ders)))
    if fn == "tanh":
        d.compute("Check: tanh(x) = 2 sigma(2x) - 1", sym("tanh(x)"), 2 * sigmoid(2 * x) - 1, {x: xs},
                  answer="via_sigmoid")
        d.compute("Not 2 sigma(x) - 1, which is tanh(x/2)", sym("tanh(x/2)"), 2 * sigmoid(x) - 1, {x: xs},
                  text="The factor 2 inside the sigmoid matters: 2 sigma(x) - 1 = (1 - e^(-x))/(1 + e^(-x)) = tanh(x/2).")
    d.extras["svg"] = _svg(p, conv)
    return d


def _remarks(d: Derivation, fn: str, xs) -> None:
    if fn == "sigmoid":
        d.note("Slope at 0", "sigma'(0) = sigma(0) (1 - sigma(0)) = 1/2 * 1/2 = 0.25, the largest slope of the sigmoid.")
        big = [v for v in xs if abs(v) >= 20]
        if big:
            v0 = big[0]
            tail = finish(sigmoid(-abs(v0)))
            d.note("Saturated points", f"At x = {F.text(v0)} the sigmoid is within {F.text(tail)} of "
                                       f"{'1' if v0 > 0 else '0'}: shown to {F.style().answer.describe()} it is exactly "
                                       "saturated, and so is its gradient.")
    elif fn == "swish":
        d.note("Family", "beta = 1 is SiLU; beta = 1.702 is the sigmoid approximation of GELU (the lecture notes, week 7); "
                         "as beta grows Swish tends to ReLU.")
    elif fn in ("leaky_relu", "prelu"):
        d.note("Slope", "Leaky ReLU fixes alpha (0.01 in torch, the introductory slides and the optimization notes; 0.1 in "
                        "the lecture notes, week 7); parametric ReLU learns it (torch starts at 0.25).")
    elif fn == "relu6":
        d.note("ReLU6", "ReLU6(x) = max(0, x) - max(0, x - 6), as the lecture notes write it, = min(max(0, x), 6): flat "
                        "again above 6.")


def _solve_maxout(d: Derivation, p, conv, xs) -> Derivation:
    pieces = [tuple(r) for r in as_exact(p["pieces"])]
    d.given("Pieces", text=", ".join(_piece_text(w_, b_) for w_, b_ in pieces))
    expr = fmax(*[w_ * x + b_ for w_, b_ in pieces], evaluate=False)
    d.formula("Maxout", f_s, expr, text="The output is the largest of the linear pieces.")
    d.formula("Derivative", df_s, sym("w_k", "w_{k}"),
              text="f'(x) is the slope w_k of the piece that is largest at x (at a tie the convention decides).")
    d.note("Envelope", _envelope_text(pieces))
    vals, ders, rows = [], [], []
    for x0 in xs:
        tied, slopes = _maxout_slopes(pieces, x0)
        v = pieces[tied[0]][0] * x0 + pieces[tied[0]][1]
        der = {"torch": slopes[0], "left": min(slopes), "right": max(slopes)}[conv["kink"]]
        vals.append(v)
        ders.append(der)
        rows.append((F.text(x0), ", ".join(F.text(w_ * x0 + b_) for w_, b_ in pieces), F.text(v),
                     " = ".join(_piece_text(*pieces[i]) for i in tied), F.text(der)))
    d.table("Values and derivatives", ["x", "pieces", "f(x)", "largest piece", "f'(x)"], rows)
    d.conclude("Answers", answers=(make_answer("values", vals), make_answer("derivatives", ders)))
    d.extras["svg"] = _svg(p, conv)
    return d


def _envelope_text(pieces) -> str:
    """Which piece is the maximum on which interval (exact breakpoints)."""
    cuts = set()
    for i in range(len(pieces)):
        for j in range(i + 1, len(pieces)):
            (w1, b1), (w2, b2) = pieces[i], pieces[j]
            if w1 != w2:
                cuts.add((b2 - b1) / (w1 - w2))
    cuts = sorted(cuts)
    probes = ([cuts[0] - 1] + [(u + v) / 2 for u, v in zip(cuts, cuts[1:])] + [cuts[-1] + 1]) if cuts else [sp.Integer(0)]
    spans = []
    for k, x0 in enumerate(probes):
        best = max(range(len(pieces)), key=lambda i: (pieces[i][0] * x0 + pieces[i][1], -i))
        lo = cuts[k - 1] if k > 0 else None
        hi = cuts[k] if k < len(cuts) else None
        if spans and spans[-1][0] == best:
            spans[-1] = (best, spans[-1][1], hi)
        else:
            spans.append((best, lo, hi))
    parts = []
    for best, lo, hi in reversed(spans):
        where = ("all x" if lo is None and hi is None else f"x >= {F.text(lo)}" if hi is None
                 else f"x <= {F.text(hi)}" if lo is None else f"{F.text(lo)} <= x <= {F.text(hi)}")
        parts.append(f"{_piece_text(*pieces[best])} for {where}")
    unused = [i for i in range(len(pieces)) if i not in {s[0] for s in spans}]
    tail = ""
    if unused:
        tail = "; never the maximum: " + ", ".join(_piece_text(*pieces[i]) for i in unused)
    return "f(x) = " + "; ".join(parts) + tail + "."


# ---- numeric path --------------------------------------------------------------------------------

def _sig(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_ERF = np.vectorize(math.erf, otypes=[float])


def _numeric_fd(fn: str, xv: np.ndarray, p, conv) -> tuple[np.ndarray, np.ndarray]:
    """f and f' in float64, the derivative at a kink by the convention."""
    pv = {str(k): float(v) for k, v in _params(p).items()}
    al, be = pv.get("alpha", 0.0), pv.get("beta", 1.0)
    side = conv["kink"]
    if fn == "maxout":
        P = as_float(p["pieces"])
        M = xv[:, None] * P[:, 0] + P[:, 1]
        top = M.max(axis=1)
        tie = M == top[:, None]
        first = np.argmax(M, axis=1)
        slopes = np.where(tie, P[:, 0], np.nan)
        if side == "left":
            der = np.nanmin(slopes, axis=1)
        elif side == "right":
            der = np.nanmax(slopes, axis=1)
        else:
            der = P[first, 0]
        return top, der
    if fn == "sigmoid":
        s = _sig(xv)
        return s, s * (1 - s)
    if fn == "tanh":
        t = np.tanh(xv)
        return t, 1 - t * t
    if fn == "softplus":
        return np.logaddexp(0.0, xv), _sig(xv)
    if fn == "mish":  # f = x tanh(sp), sp = softplus(x): f' = tanh(sp) + x (1 - tanh(sp)^2) sigma(x)
        t = np.tanh(np.logaddexp(0.0, xv))
        return xv * t, t + xv * (1 - t * t) * _sig(xv)
    if fn == "gelu":
        cdf = 0.5 * (1 + _ERF(xv / math.sqrt(2)))
        return xv * cdf, cdf + xv * np.exp(-0.5 * xv * xv) / math.sqrt(2 * math.pi)
    if fn == "gelu_tanh":
        c = math.sqrt(2 / math.pi)
        u = c * (xv + 0.044715 * xv ** 3)
        t = np.tanh(u)
        return 0.5 * xv * (1 + t), 0.5 * (1 + t) + 0.5 * xv * (1 - t * t) * c * (1 + 3 * 0.044715 * xv * xv)
    if fn in ("gelu_sigmoid", "swish"):
        k = 1.702 if fn == "gelu_sigmoid" else be
        s = _sig(k * xv)
        return xv * s, s + k * xv * s * (1 - s)
    # piecewise functions: value, and the derivative below / at / above each point
    pos, neg = xv > 0, xv <= 0
    if fn == "relu":
        f, dl, dr, dt = np.maximum(xv, 0.0), np.where(xv > 0, 1.0, 0.0), np.where(xv >= 0, 1.0, 0.0), pos * 1.0
    elif fn == "relu6":
        f = np.clip(xv, 0.0, 6.0)
        dl = np.where((xv > 0) & (xv <= 6), 1.0, 0.0)
        dr = np.where((xv >= 0) & (xv < 6), 1.0, 0.0)
        dt = np.where((xv > 0) & (xv < 6), 1.0, 0.0)
    elif fn in ("leaky_relu", "prelu"):
        f = np.where(pos, xv, al * xv)
        dl, dr, dt = np.where(pos, 1.0, al), np.where(xv >= 0, 1.0, al), np.where(pos, 1.0, al)
    elif fn in ("elu", "selu"):
        em = np.exp(np.minimum(xv, 0.0))
        lam_ = pv.get("lambda", 1.0)
        f = lam_ * np.where(pos, xv, al * np.expm1(np.minimum(xv, 0.0)))
        dl = lam_ * np.where(pos, 1.0, al * em)
        dr = lam_ * np.where(xv >= 0, 1.0, al * em)
        dt = dl
    elif fn == "hard_swish":
        f = np.where(xv <= -3, 0.0, np.where(xv >= 3, xv, xv * (xv + 3) / 6))
        mid = (2 * xv + 3) / 6
        dl = np.where(xv <= -3, 0.0, np.where(xv > 3, 1.0, mid))       # just below: the piece that holds there
        dl = np.where(xv == -3, 0.0, dl)
        dr = np.where(xv < -3, 0.0, np.where(xv >= 3, 1.0, mid))
        dt = np.where(xv <= -3, 0.0, np.where(xv >= 3, 1.0, mid))      # torch: 0 at -3, 1 at 3
    elif fn == "step":
        z = np.zeros_like(xv)
        return np.where(pos, 1.0, 0.0), z
    else:  # pragma: no cover - every option is handled above
        raise ValueError(fn)
    del neg
    return f, {"left": dl, "right": dr, "torch": dt}[side]


def solve_numeric(p, conv) -> Derivation:
    """f and f' vectorised in float64 NumPy (stable sigmoid, expm1, logaddexp), with a summary."""
    d = Derivation()
    fn = p["function"]
    xv = as_float(p["x"])
    f, df = _numeric_fd(fn, xv, p, conv)
    d.note("Numeric path", f"{xv.size} points evaluated in float64 (the symbolic derivation is on the exact path).")
    if fn != "maxout":
        d.formula(f"The {DISPLAY[fn]} function", f_s, EXPRS[fn])
        d.formula("Its derivative", df_s, IDENTITIES[fn][0] if fn in IDENTITIES else DERIVS[fn])
    arrays = {"values": f, "derivatives": df}
    if fn == "tanh":
        arrays["via_sigmoid"] = 2 * _sig(2 * xv) - 1
    listed = array_answers(arrays)
    summary = [make_answer("max_value", float(f.max())), make_answer("min_value", float(f.min())),
               make_answer("max_derivative", float(df.max())), make_answer("min_derivative", float(df.min()))]
    d.conclude("Values and derivatives",
               text=f"f ranges over [{F.text(float(f.min()))}, {F.text(float(f.max()))}], f' over "
                    f"[{F.text(float(df.min()))}, {F.text(float(df.max()))}]" +
                    ("." if listed else f"; the {xv.size} values are too many to list."),
               answers=tuple(listed if listed else summary))
    d.extras["svg"] = _svg(p, conv)
    return d


def _svg(p, conv) -> str:
    lo, hi = (float(v) for v in p["plot_range"])
    grid = np.linspace(lo, hi, 401)
    fn = p["function"]
    f, df = _numeric_fd(fn, grid, p, conv)
    xs = as_float(p["x"])
    xs = xs[(xs >= lo) & (xs <= hi)][:200]
    fx, _ = _numeric_fd(fn, xs, p, conv) if xs.size else (np.array([]), None)
    return svg_plot([("f(x)", grid.tolist(), f.tolist()), ("f'(x)", grid.tolist(), df.tolist())],
                    title=f"{DISPLAY[fn]} and its derivative", marks=list(zip(xs.tolist(), fx.tolist())))


def generate(rng: np.random.Generator) -> dict:
    """A random function at a few points; kink points are avoided so every convention agrees (well posed)."""
    fn = str(rng.choice([k for k in DISPLAY]))
    while True:
        pts = sorted({float(v) for v in np.round(rng.uniform(-4, 4, size=int(rng.integers(2, 5))), 1)})
        if not {0.0, 6.0, 3.0, -3.0} & set(pts):  # resample until no point is on a kink of a piecewise function
            break
    out: dict[str, Any] = {"function": fn, "x": pts}
    if fn in ("leaky_relu", "prelu", "elu"):
        out["alpha"] = float(rng.choice([0.01, 0.1, 0.2, 0.5, 1.0]))
    if fn == "swish":
        out["beta"] = float(rng.choice([0.5, 1.0, 1.702, 2.0]))
    return out


