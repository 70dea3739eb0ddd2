"""Shared machinery of the neuron families (perceptron, linear_separability, sigmoid_neuron, feedforward, comp_graph, ...).

- exact numbers: `tidy` keeps a Rational exact while it is short and turns anything irrational, or a
  Rational past `MAX_EXACT_DIGITS` digits, into a WORKING_DIGITS Float, so a long chain of products
  cannot blow up; vectors and matrices are SymPy immutable matrices on the exact path (`tidy_matrix`)
  and NumPy arrays on the numeric path;
- the activations (sigmoid, tanh, ReLU, leaky ReLU, linear, softmax) and their derivatives, exact and
  in float64 NumPy (the sigmoid computed without overflow warnings);
- steps whose substitution is a matrix product or a Hadamard product, which the step builder cannot
  print from a SymPy formula (`matrix_step`, every number printed by solver.format); table headers and
  linear forms written as people write them (`header`, `linear_form`);
- two parameter specs: `Assignments` (values typed as `w0=2, x0=-1`, parsed by regular expressions and
  solver.parse, never eval) and `GraphExpr` (an expression kept as the user wrote it: parsed by
  solver.parse.parse_expr twice, once normally so every size guard runs, once under
  `sympy.evaluate(False)` so that `-(a + b)` stays a negation of a sum, as the notes draw it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import mpmath
from solver.lazynp import np
import sympy as sp

from solver import format as F
from solver import parse as P
from solver.conventions import Convention
from solver.numbers import WORKING_DIGITS, to_json_number
from solver.params import Expr, InvalidInput, Spec, SpecError
from solver.steps import Math, Step, Table
from solver.symbolic import finish, make_answer

#: A Rational whose numerator or denominator has more digits than this is carried as a Float.
MAX_EXACT_DIGITS = 60


# ---- exact numbers ------------------------------------------------------------------------------------
def tidy(v: sp.Expr) -> sp.Expr:
    """An exact value kept exact while it is short, else a WORKING_DIGITS Float."""
    if isinstance(v, sp.Rational):
        if max(len(str(abs(v.p))), len(str(v.q))) > MAX_EXACT_DIGITS:
            return sp.Float(v, WORKING_DIGITS)
        return v
    return finish(v)


def zero() -> sp.Integer:
    return sp.Integer(0)


def tidy_matrix(M: sp.MatrixBase) -> sp.ImmutableMatrix:
    """A SymPy matrix with every entry tidied (exact while short, else a WORKING_DIGITS Float)."""
    return sp.ImmutableMatrix(M.rows, M.cols, [tidy(v) for v in M])


def column(values: Iterable) -> sp.ImmutableMatrix:
    """A column vector (n x 1) of exact numbers."""
    vals = list(values)
    return sp.ImmutableMatrix(len(vals), 1, vals)


def to_mpf(v) -> mpmath.mpf:
    """A real SymPy number as an mpmath number at the current working precision."""
    if isinstance(v, sp.Float):
        return mpmath.mpf(v._mpf_)
    if isinstance(v, sp.Rational):
        return mpmath.mpf(int(v.p)) / int(v.q)
    return mpmath.mpf(sp.Float(v, WORKING_DIGITS)._mpf_)


def mp_apply(fn, *args) -> sp.Float:
    """fn(*args) evaluated by mpmath with guard digits, returned as a WORKING_DIGITS Float (fast: no SymPy
    assumptions machinery on the hot path)."""
    with mpmath.workdps(WORKING_DIGITS + 10):
        r = fn(*(to_mpf(a) for a in args))
    return sp.Float(r, WORKING_DIGITS)


def sigmoid_pair(z: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(sigma(z), 1 - sigma(z)) each to full relative precision: 1 - sigma(z) is computed as sigma(-z)."""
    if z == 0:
        return sp.Rational(1, 2), sp.Rational(1, 2)
    s = mp_apply(lambda t: 1 / (1 + mpmath.exp(-t)), z)
    c = mp_apply(lambda t: 1 / (1 + mpmath.exp(t)), z)
    return s, c


# ---- activations -------------------------------------------------------------------------------------
ACTIVATIONS = {
    "sigmoid": "sigmoid: g(a) = 1 / (1 + e^-a), g'(a) = g(a) (1 - g(a))",
    "tanh": "tanh: g(a) = tanh(a), g'(a) = 1 - tanh(a)^2",
    "relu": "ReLU: g(a) = max(0, a), g'(a) = 1 for a > 0 and 0 for a <= 0 (torch's value at 0)",
    "leaky_relu": "leaky ReLU: g(a) = a for a > 0 and slope * a otherwise; g'(a) = 1 or slope (slope at 0, as torch)",
    "linear": "linear (identity): g(a) = a, g'(a) = 1",
    "softmax": "softmax (output layer only): g(a)_j = e^a_j / sum_k e^a_k",
}
ACTIVATION_ALIASES = {"logistic": "sigmoid", "identity": "linear", "none": "linear", "leaky": "leaky_relu",
                      "lrelu": "leaky_relu", "leakyrelu": "leaky_relu", "leaky relu": "leaky_relu"}


def act_exact(name: str, a: Sequence, slope) -> tuple:
    """g(a) elementwise (softmax over the whole vector), exact where possible."""
    if name == "sigmoid":
        return tuple(sigmoid_pair(v)[0] for v in a)
    if name == "tanh":
        return tuple(v if v == 0 else mp_apply(mpmath.tanh, v) for v in a)
    if name == "relu":
        return tuple(v if v > 0 else zero() for v in a)
    if name == "leaky_relu":
        return tuple(v if v > 0 else tidy(slope * v) for v in a)
    if name == "linear":
        return tuple(a)
    if name == "softmax":
        m = max(a)  # shift by the maximum: same value, no overflow
        e = [sp.Integer(1) if v == m else mp_apply(mpmath.exp, v - m) for v in a]
        tot = sum(e, zero())
        return tuple(finish(x / tot) for x in e)
    raise ValueError(name)


def act_grad_exact(name: str, a: Sequence, h: Sequence, slope) -> tuple:
    """g'(a) elementwise for the elementwise activations."""
    if name == "sigmoid":
        return tuple(tidy(s * c) for s, c in (sigmoid_pair(v) for v in a))
    if name == "tanh":
        return tuple(tidy(1 - v * v) for v in h)
    if name == "relu":
        return tuple(sp.Integer(1) if v > 0 else zero() for v in a)
    if name == "leaky_relu":
        return tuple(sp.Integer(1) if v > 0 else slope for v in a)
    if name == "linear":
        return tuple(sp.Integer(1) for _ in a)
    raise ValueError(name)


def np_sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) without overflow: e^-|z| never exceeds 1."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def act_np(name: str, A: np.ndarray, slope: float) -> np.ndarray:
    """g(A) for a batch A (rows = examples)."""
    if name == "sigmoid":
        return np_sigmoid(A)
    if name == "tanh":
        return np.tanh(A)
    if name == "relu":
        return np.where(A > 0, A, 0.0)
    if name == "leaky_relu":
        return np.where(A > 0, A, slope * A)
    if name == "linear":
        return A.copy()
    if name == "softmax":
        E = np.exp(A - A.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    raise ValueError(name)


def act_grad_np(name: str, A: np.ndarray, H: np.ndarray, slope: float) -> np.ndarray:
    if name == "sigmoid":
        return np_sigmoid(A) * np_sigmoid(-A)
    if name == "tanh":
        return 1.0 - H * H
    if name == "relu":
        return (A > 0).astype(np.float64)
    if name == "leaky_relu":
        return np.where(A > 0, 1.0, slope)
    if name == "linear":
        return np.ones_like(A)
    raise ValueError(name)


# ---- labelled points (perceptron, linear_separability) ------------------------------------------------
def labels01(labels) -> list[int]:
    """Labels 0/1 or -1/+1 as 0/1 (a NumPy array or a tuple of exact numbers)."""
    return [1 if int(v) == 1 else 0 for v in (labels.tolist() if isinstance(labels, np.ndarray) else labels)]


def check_labels(labels, n: int, family: str) -> None:
    """One label per point, all 0/1 or all -1/+1 (InvalidInput naming 'y')."""
    if len(labels) != n:
        raise InvalidInput("y", f"The 'y' parameter of {family} must have one label per point of X ({n}). "
                                f"Got {len(labels)}.")
    vals = {float(v) for v in (labels.tolist() if isinstance(labels, np.ndarray) else labels)}
    if not (vals <= {0.0, 1.0} or vals <= {-1.0, 1.0}):
        raise InvalidInput("y", f"The 'y' parameter of {family} must hold labels 0/1 (or -1/+1). "
                                f"Got {F.text(tuple(sorted(vals)[:5]))} instead.")



# ---- where the bias sits (perceptron, linear_separability) ----------------------------------------------------
BIAS_POSITION = Convention(
    "bias_position", "Where the bias sits in w and x",
    {"first": "the bias is the first component: x = (1, x1, ..., xn) and w = (w0, w1, ..., wn), w0 the bias "
              "(the course notes: x0 = 1)",
     "last": "the bias is the last component: x = (x1, ..., xn, 1) and w = (w1, ..., wn, b), b the bias"},
    default="first", why_default="the course notes prepend the constant input x0 = 1, so w0 is the bias",
    aliases={"start": "first", "front": "first", "end": "last", "back": "last"},
    sources={"first": "the course notes, week 1 (x₀ = 1, so w₀ = −θ is the bias); Bishop, Pattern Recognition and "
                      "Machine Learning, §4.1 (the dummy input x₀ = 1)",
             "last": "Stanford CS231n's notes on linear classification (the bias trick: a constant 1 appended to x)"},
    paper={"first": "Put the bias first: x = (1, x₁, …, xₙ) and w = (w₀, w₁, …, wₙ), w₀ the bias.",
           "last": "Put the bias last: x = (x₁, …, xₙ, 1) and w = (w₁, …, wₙ, b), b the bias."},
    cues={"first": ("bias first", "bias weight first", "bias is the first", "x0 = 1", "(1, x1, x2)",
                    "first component is the bias"),
          "last": ("bias last", "bias weight last", "bias is the last", "(x1, x2, 1)", "[x, 1]",
                   "last component is the bias", "bias as the last")})


def augment(pt, bias: bool, position: str = "first", one=None) -> tuple:
    """A point with the constant bias input 1 first or last (as `position` says), or as it is without a bias."""
    if not bias:
        return tuple(pt)
    one = sp.Integer(1) if one is None else one
    return (one, *pt) if position == "first" else (*pt, one)


def bias_first(w, bias: bool, position: str) -> list:
    """Weights reordered bias first (w0, w1, ..., wn), whatever position they are written in (for plots)."""
    w = list(w)
    return [w[-1], *w[:-1]] if bias and position == "last" else w


def bias_words(bias: bool, position: str) -> str:
    """How the score is written: 'w0 + w1 x1 + ... + wn xn' or 'w1 x1 + ... + wn xn + b'."""
    if not bias:
        return "w1 x1 + ... + wn xn"
    return "w0 + w1 x1 + ... + wn xn" if position == "first" else "w1 x1 + ... + wn xn + b"

# ---- display -----------------------------------------------------------------------------------------
def shown_table(d, title: str, columns: Sequence[Math], shown, values, *, keys: Sequence[str], index: Sequence[str],
                text: str = "", answer=None) -> Step:
    """An addressable trace table whose cells show more than their value (a mark such as ✗, a product such as
    4 x 3 = 12): `shown` the text of each cell, `values` each entry as an answer (JSON data), row for row."""
    table = Table(tuple(columns), tuple(tuple(r) for r in shown), tuple(keys), tuple(index),
                  tuple(tuple(r) for r in values))
    return d.add(Step("compute", title, text=text, table=table, answers=(answer,) if answer else ()))


def header(text: str, tex: str | None = None) -> Math:
    """A table column header: plain text for the terminal, LaTeX (\\text{} unless given) for the rest."""
    return Math(tex if tex is not None else r"\text{%s}" % text.replace("_", r"\_"), text)


def linear_form(terms: Iterable[tuple[Any, str]], times: str = " ", number: Callable[[Any], str] = F.text) -> str:
    """coef * name summed as written by hand: -x1 - 3 x2, 2 - 0.5 x1 (zero terms and unit coefficients left out,
    never '+ -'); a term with no name is a constant. `number` prints a coefficient (F.tick for plot labels)."""
    out = []
    for coef, name in terms:
        if coef == 0:
            continue
        mag = "" if abs(coef) == 1 and name else number(abs(coef))
        body = f"{mag}{times}{name}" if mag and name else (mag or name)
        out.append(("- " if coef < 0 else "+ ") + body)
    text = " ".join(out) or "0"
    return text[2:] if text.startswith("+ ") else "-" + text[2:] if text.startswith("- ") else text


def rows(M: sp.MatrixBase) -> tuple:
    """A SymPy matrix as a tuple of row tuples: a matrix to the formatting layer and in answers, whatever its shape."""
    return tuple(tuple(r) for r in M.tolist())


def shown(v):
    """A vector or matrix as the formatting layer prints it: a SymPy column (n x 1) as a vector (its entries), any
    other SymPy matrix as its rows (a 1 x n weight matrix stays a matrix); anything else as it is."""
    if isinstance(v, sp.MatrixBase):
        return tuple(v) if v.cols == 1 else rows(v)
    return v


def tex(v, **kw) -> str:
    """F.latex of a value, vectors as columns (as the notes write h_i and a_i)."""
    return F.latex(shown(v), layout=kw.pop("layout", "column"), **kw)


def txt(v, **kw) -> str:
    return F.text(shown(v), **kw)


def matrix_step(d, title: str, lhs: Math, formula: Math, sub: Math, value, *, answer: str | None = None,
                text: str = "", kind: str = "compute") -> Any:
    """One formula -> substitution -> value step whose formula and substitution are written by hand (matrix products,
    Hadamard products, sums over units; numbers printed by solver.format). `formula` and `sub` are right-hand sides;
    the value is shown with the formatting layer (vectors as columns), as an answer when `answer` names it."""
    answers = (make_answer(answer, shown(value)),) if answer else ()
    d.add(Step(kind, title, text=text, formula=Math(f"{lhs.latex} = {formula.latex}", f"{lhs.text} = {formula.text}"),
               substituted=Math(f"{lhs.latex} = {sub.latex}", f"{lhs.text} = {sub.text}"),
               value=F.equals(lhs, shown(value), layout="column"), answers=answers))
    return value


def plain(v):
    """Nested tuples (or SymPy matrices) of SymPy numbers as JSON numbers (for traces and extras)."""
    if isinstance(v, sp.MatrixBase):
        return plain(shown(v))
    if isinstance(v, (tuple, list)):
        return [plain(x) for x in v]
    return to_json_number(v)


# ---- parameter specs ----------------------------------------------------------------------------------
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = frozenset(P.DEFAULT_FUNCTIONS)
MAX_ASSIGNMENTS = 200


class Assignments(dict):
    """name -> exact value (a Rational, or a WORKING_DIGITS Float for a value such as pi/4), in typed order."""


@dataclass(frozen=True)
class AssignmentsSpec(Spec):
    """Values typed as `w0=2, x0=-1, w1=-3` (commas, semicolons or new lines between them).

    Each value is a number (0.1 is exactly 1/10; 1/3 and 1e-3 work) or a constant expression such as
    pi/4 or sqrt(2), parsed by solver.parse without eval.
    """

    kind = "value"

    def parse(self, raw):
        if isinstance(raw, Mapping):
            items = [(str(k), v) for k, v in raw.items()]
        elif isinstance(raw, str):
            if len(raw) > 20_000:
                raise SpecError("is too long (at most 20000 characters)")
            items = []
            for part in re.split(r"[,;\n]", raw):
                if not part.strip():
                    continue
                name, eq, value = part.partition("=")
                if not eq:
                    raise SpecError(f"must be name=value pairs such as w=2, x=-1. Got {part.strip()[:40]!r} instead.")
                items.append((name.strip(), value.strip()))
        else:
            raise SpecError(f"must be name=value pairs such as w=2, x=-1. Got {short_repr(raw)} instead.")
        if len(items) > MAX_ASSIGNMENTS:
            raise SpecError(f"gives {len(items)} values; at most {MAX_ASSIGNMENTS} are allowed")
        out = Assignments()
        for name, value in items:
            if not _NAME.match(name) or len(name) > 40:
                raise SpecError(f"must be name=value pairs with names such as w0 or x_1. Got the name {name[:40]!r} instead.")
            if name in _RESERVED:
                raise SpecError(f"cannot assign to {name!r}: it is a function or constant name")
            if name in out:
                raise SpecError(f"gives {name!r} twice")
            out[name] = _value(name, value)
        return out

    def describe(self):
        return "name=value pairs such as w0=2, x0=-1 (numbers, or constants such as pi/4)"

    def to_json(self, value):
        return {k: to_json_number(v) for k, v in value.items()}

    def to_text(self, value):
        return ", ".join(f"{k}={_value_text(v)}" for k, v in value.items())


def _value_text(v) -> str:
    """A value as the user would type it back: an integer, a terminating decimal, p/q, or 17 significant figures."""
    if isinstance(v, sp.Rational):
        from solver.numbers import terminating

        return F.text(v, 40, exact="decimal") if v.q == 1 or terminating(v, 40) is not None else f"{v.p}/{v.q}"
    return F.text(v, 17)


def short_repr(raw) -> str:
    s = repr(raw)
    return s if len(s) <= 60 else s[:57] + "..."


def _value(name: str, raw) -> sp.Expr:
    if isinstance(raw, bool):
        raise SpecError(f"value of {name!r} must be a number. Got {raw!r} instead.")
    if isinstance(raw, (int, np.integer)):
        return sp.Integer(int(raw))
    if isinstance(raw, (float, np.floating)):
        if not np.isfinite(raw):
            raise SpecError(f"value of {name!r} must be a finite number. Got {raw!r} instead.")
        return sp.Rational(repr(float(raw)))
    if isinstance(raw, sp.Basic):
        if raw.is_Rational:
            return raw
        raw = sp.sstr(raw)
    if not isinstance(raw, str):
        raise SpecError(f"value of {name!r} must be a number. Got {short_repr(raw)} instead.")
    if not raw:
        raise SpecError(f"value of {name!r} is missing (write {name}=2)")
    try:
        return P.parse_number(raw)
    except P.ParseError:
        pass
    try:
        e = P.parse_expr(raw, {})
    except P.ParseError as exc:
        raise SpecError(f"value of {name!r}: {exc}") from None
    if e.is_Rational:
        return e
    v = e.evalf(WORKING_DIGITS)
    if not (v.is_real and v.is_finite) or not v.is_Float:
        raise SpecError(f"value of {name!r} must be a real number. Got {raw[:40]!r} instead.")
    if abs(v) > sp.Float(10) ** 300:
        raise SpecError(f"value of {name!r} is too large")
    return v


@dataclass(frozen=True)
class ParsedGraphExpr:
    """An expression as typed: `written` keeps the user's structure (unevaluated), `value` is SymPy's
    evaluated form (for sympy.diff and the text form), `text` what the user typed (or sstr)."""

    written: sp.Expr
    value: sp.Expr
    text: str
    names: tuple[str, ...]

    def __hash__(self):
        return hash((self.text, self.value))

    def __eq__(self, other):
        return isinstance(other, ParsedGraphExpr) and (self.text, self.value) == (other.text, other.value)


_IDENT = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class GraphExpr(Expr):
    """A scalar expression of named inputs, e.g. 1/(1 + exp(-(w0*x0 + w1*x1 + w2))), kept as written."""

    max_variables: int = 50

    def parse(self, raw):
        if isinstance(raw, ParsedGraphExpr):
            return raw
        if isinstance(raw, sp.Expr):
            names = tuple(sorted(s.name for s in raw.free_symbols))
            if len(names) > self.max_variables:
                raise SpecError(f"uses {len(names)} variable names; at most {self.max_variables} are allowed")
            syms = {n: sp.Symbol(n, real=True) for n in names}
            expr = raw.xreplace({s: syms[s.name] for s in raw.free_symbols})
            return ParsedGraphExpr(expr, expr, sp.sstr(expr), names)
        if not isinstance(raw, str):
            raise SpecError(f"expected an expression such as 1/(1 + exp(-(w*x + b))), got {short_repr(raw)}")
        text = raw.strip()
        found: list[str] = []
        for m in _IDENT.finditer(text[:P.MAX_EXPR_TEXT]):
            name = m.group(0)
            if name not in _RESERVED and name not in found:
                found.append(name)
        if len(found) > self.max_variables:
            raise SpecError(f"uses {len(found)} variable names; at most {self.max_variables} are allowed")
        for name in found:
            if not _NAME.match(name):
                raise SpecError(f"uses the name {name[:40]!r}; names must start with a letter (such as w0 or x_1)")
        syms = {n: sp.Symbol(n, real=True) for n in found}
        try:
            value = P.parse_expr(text, syms)          # every size guard of the parser runs here
            with sp.evaluate(False):
                written_ = P.parse_expr(text, syms)   # the same text, structure kept as typed
        except P.ParseError as e:
            raise SpecError(str(e)) from None
        names = tuple(n for n in found if syms[n] in value.free_symbols or syms[n] in written_.free_symbols)
        return ParsedGraphExpr(written_, value, text, names)

    def describe(self):
        return ("an expression such as 1/(1 + exp(-(w0*x0 + w1*x1 + w2))) using + - * / ** and exp, log, sqrt, "
                "sin, cos, tanh, sigmoid, relu, max, min")

    def to_json(self, value):
        return value.text

    def to_text(self, value):
        return value.text


# ---- points grouped by class in prose (the question reader's hook, solver.reading) ----------------------------------

_PT = r"\(\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+\s*\)"
#: a tuple of numbers written in parentheses or brackets, (1, -1) or [2, -1]: one group
VECTOR = r"([(\[]\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+\s*[)\]])"
_PTS = rf"{_PT}(?:\s*(?:,|and|,\s*and)\s*{_PT})*"
_LABEL = r"([-+]?\d+)"
_CONNECT = (r"(?:are|is|belongs?\s+to|falls?\s+in|lies?\s+in|in|of|labell?ed(?:\s+as)?|with|have|has|→|->|:|the|"
            r"class|label|category|y\s*=)")
#: what follows a run of points to give their class: "are in class 0", "is labelled 1", "-> class 1"
_LABEL_AFTER = re.compile(rf"\s*(?:\)\s*)?((?:{_CONNECT}\s*){{1,5}}){_LABEL}(?![\d.,]*\s*\))", re.I)
#: "class 0: (0,0), (1,1)", "class 1 = {{(0, 1), (1, 0)}}", "label -1: (2, 3)"
_GROUP_BEFORE = re.compile(rf"\b(?:class|label|category)\s*{_LABEL}\s*(?::|=|contains|has|consists\s+of)?\s*\{{?\s*({_PTS})", re.I)
_RUN = re.compile(_PTS)
_ONE_PT = re.compile(_PT)


def entries(written: str) -> list[str]:
    """The numbers of a tuple as written, '(1, -0.5)' -> ['1', '-0.5']."""
    return [v.strip() for v in written.strip("()[] ").split(",")]


def list_text(values) -> str:
    """Entries as a field's list text: ['1', '-0.5'] -> '[1, -0.5]'."""
    return "[" + ", ".join(values) + "]"


def read_points_by_class(text: str) -> dict | None:
    """Labelled points stated class by class, "(0,0) and (1,1) are in class 0 and (0,1) and (1,0) in class 1" or
    "class 0: (0,0), (1,1); class 1: (0,1), (1,0)", as the fields X (every point, in the order given) and y (each
    point's class); None unless two classes or more are stated that way, every point with the same dimension."""
    if len(text) > 5000:
        return None
    groups = [(m.start(), m.end(), m.group(2), m.group(1)) for m in _GROUP_BEFORE.finditer(text)]
    if len(groups) < 2:  # each maximal run of points, then the words after it (one pass: linear in the text)
        groups = []
        for run in _RUN.finditer(text):
            m = _LABEL_AFTER.match(text, run.end())
            if m and re.search(r"\bclass|\blabel|\bcategory", m.group(1), re.I):
                groups.append((run.start(), m.end(), run.group(0), m.group(2)))
    if len(groups) < 2 or len({g[3] for g in groups}) < 2:
        return None
    rows, labels = [], []
    for _, _, pts, label in groups:
        for p in _ONE_PT.findall(pts):
            rows.append(entries(p))
            labels.append(str(int(label)))
    if len({len(r) for r in rows}) != 1:
        return None
    span = (groups[0][0], groups[-1][1])
    X = list_text(list_text(r) for r in rows)
    return {"fields": {"X": (X, span), "y": (" ".join(labels), span)}, "replaces": ()}
