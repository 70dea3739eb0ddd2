"""Linear separability: some w gives s_i (w . x_i) >= 1 for every point (s_i = +1 for class 1, -1 for class 0), else convex hulls meet.

Exam questions (the course notes, week 1): "Write the inequalities a perceptron must satisfy to compute NAND;
do w0 = 1, w1 = -0.5, w2 = -0.7 satisfy them?"; "How many points of AND do these weights get wrong?"; "Is XOR
linearly separable?"; "How many boolean functions of n inputs are there, and how many are linearly
separable?" (2^(2^n); 14 of 16 for n = 2; 104 of 256 for n = 3).

Input: a boolean function (a name, a truth table of 2^n outputs in binary row order x1 x2 = 00, 01, 10,
11, or a rule such as `sum(x) >= 2`; its points are the 2^n corners of the cube) or a labelled point
set X, y. With `bias`, x0 = 1 is prepended and w0 is the bias (the course notes: w0 = -theta).

Method. Scaling w does not change any sign, so "some w separates the points strictly" is the same as
"some w has s_i (w . x_i) >= 1 for all i". Among those w the exact path takes one with the smallest
sum |w_j| (a small linear program solved exactly over the rationals by the two-phase simplex method
with Bland's rule), which gives small integer weights such as AND: w = (-3, 2, 2). When no w exists,
Farkas' lemma gives the proof: weights lambda_i >= 0 with sum_i lambda_i s_i x_i = 0; with a bias this
says a convex combination of class-1 points equals one of class-0 points (XOR: the midpoint of (0,1)
and (1,0) is the midpoint of (0,0) and (1,1)), and adding the inequalities with these weights gives
0 > 0. The numeric path solves that second (dual) program in float64 NumPy, whose simplex multipliers
give a separating w when it is infeasible. Separable here means strictly separable; with a bias this
does not depend on the firing rule.

Convention: the firing rule used for the inequalities and the error count of given weights: w . x >= 0
fires (the course notes' perceptron, default), w . x > 0 fires, or strict (the course notes' NAND inequalities:
class 1 needs w . x > 0, class 0 needs w . x < 0, a score of exactly 0 is an error either way).

The notes slip once here (ERRATA): they claim "the maximum error is 3 (and not 4)" for the 4 points of AND
(and OR); negating any separating w misclassifies every point (the NAND weights get all 4 AND points
wrong), so the maximum is 4.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from problems._boolean import EXACT, BooleanFunction, input_count, inputs
from problems._nets import check_labels, header, labels01, linear_form, read_points_by_class, shown_table
from solver import format as F
from solver.conventions import Convention
from solver.errata import Erratum
from solver.params import Bool, Int, InvalidInput, Matrix, Param, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, latex, make_answer, sym, text

TITLE = "Linear separability: inequalities, LP weights, error counts"
TOPIC = "neurons"
KEYWORDS = ("linearly separable", "linear separability", "separability", "XOR", "NAND", "inequalities", "perceptron",
            "linear program", "farkas", "threshold function", "boolean functions", "2^(2^n)", "misclassify",
            "classify wrongly", "errors", "boolean function")

# ---- the rule, written once -------------------------------------------------------------------------
w_, x_, s_ = sym("w", r"\mathbf{w}"), sym("x", r"\mathbf{x}"), sym("s")
with sp.evaluate(False):
    MARGIN = s_ * (w_ * x_)  # s_i (w . x_i) >= 1

FIRING = Convention(
    "firing_rule", "When the perceptron fires (inequalities and error counts)",
    {">=": "class 1 needs w.x >= 0, class 0 needs w.x < 0 (the course notes' perceptron rule)",
     ">": "class 1 needs w.x > 0, class 0 needs w.x <= 0 (scikit-learn's predict)",
     "strict": "class 1 needs w.x > 0, class 0 needs w.x < 0; a score of exactly 0 is an error (the course notes' NAND inequalities)"},
    default=">=", why_default="the course notes' perceptron fires at w^T x >= 0", aliases={"ge": ">=", "gt": ">"},
    sources={">=": "the course notes, week 1 (y = 1 if wᵀx ≥ 0)",
             ">": "scikit-learn's sklearn.linear_model.Perceptron.predict (class 1 only for a score > 0)",
             "strict": "the course notes, week 1 (the NAND inequalities: > 0 for class 1, < 0 for class 0)"},
    paper={">=": "Class 1 needs w·x ≥ 0 and class 0 needs w·x < 0.",
           ">": "Class 1 needs w·x > 0 and class 0 needs w·x ≤ 0.",
           "strict": "Class 1 needs w·x > 0 and class 0 needs w·x < 0; a score of exactly 0 is an error."},
    cues={"strict": ("> 0 and < 0", "strict inequalities"), ">": ("w.x > 0",), ">=": ("w.x >= 0",)})
CONVENTIONS = (FIRING,)

PARAMS = (
    Param("function", BooleanFunction(), label="Boolean function",
          help="AND, OR, NAND, NOR, XOR, XNOR, majority, a truth table such as 0 1 1 1, or a rule such as sum(x) >= 2; "
               "or leave empty and give points X with labels y",
          cues={"AND": ("AND", "and function", "and gate"), "OR": ("OR", "or function", "or gate"), "NAND": ("NAND", "nand"), "NOR": ("NOR", "nor"), "XOR": ("XOR", "xor", "exclusive or"), "XNOR": ("XNOR", "xnor", "!XOR"), "majority": ("majority",)}),
    Param("n", Int(1, 16), label="Number of inputs", help="for a boolean function: inferred from a truth table or a rule's "
                                                          "highest x_i; 2 for a named gate when not given",
          aliases=("input perceptron", "input boolean", "boolean inputs", "n", "number of inputs", "input function")),
    Param("X", Matrix(max_rows=200000, max_cols=50), label="Points", help="instead of a function: one point per row",
          aliases=("points", "inputs", "data points", "X", "data")),
    Param("y", Vector(max_len=200000), label="Labels", help="with X: one label per point, 0/1 (or -1/+1)",
          aliases=("labels", "outputs", "targets", "y", "classes", "class")),
    Param("bias", Bool(), default="true", label="Bias input x0 = 1",
          help="prepend x0 = 1 so that w0 is the bias (always on for the notes' boolean questions)",
          cues={"false": ("no bias", "without bias", "without a bias"), "true": ("x0 = 1", "bias")}),
    Param("w", Vector(max_len=51), label="Weights to check",
          help="optional: (w0, w1, ..., wn) with the bias w0 first; their inequalities and error count are checked",
          aliases=("w", "weights", "weight vector", "the weights")),
)


def read_structure(text: str, conventions: dict) -> dict | None:
    """The question reader's hook (solver.reading): points stated class by class ("(0,0) and (1,1) are in class 0
    and (0,1) and (1,0) in class 1") read as X and y."""
    return read_points_by_class(text)


EXAMPLE = Example(
    params={"function": "NAND", "w": "1 -0.5 -0.7"},
    conventions={"firing_rule": "strict"},
    source="the course notes, week 1: NAND inequalities and the weights w0 = 1, w1 = -0.5, w2 = -0.7; "
           "16 functions of 2 inputs, 14 separable",
)


def _two_inputs(p) -> bool:
    return p["n"] in (None, 2)


#: The course notes, week 1: "the maximum error is 3 (and not 4)" for a perceptron on the four points of AND (or OR).
ERRATA = tuple(
    Erratum(where=f"the course notes, week 1 (the perceptron's errors on the four points of {fn})",
            params={"function": fn}, also=_two_inputs,
            wrote="that 'the maximum error is 3 (and not 4), since any one out of the four points will be correctly "
                  "classified at all times'",
            right="the maximum is {max_errors}: negating a separating w flips the sign of every score, so it puts every "
                  "point on the wrong side",
            why=f"the {neg} weights {w} get all 4 {fn} points wrong")
    for fn, neg, w in (("AND", "NAND", "(1, -0.5, -0.7)"), ("OR", "NOR", "(0.5, -1, -1)")))

#: Linearly separable (threshold) functions of n inputs, n = 0..9: OEIS A000609 (Muroga 1971; n = 9: Gruzling 2006).
KNOWN_SEPARABLE = {0: 2, 1: 4, 2: 14, 3: 104, 4: 1882, 5: 94572, 6: 15028134, 7: 8378070864, 8: 17561539552946,
                   9: 144130531453121108}
ENUMERATE_UP_TO = 3


# ---- a small simplex: exact over Fractions (object arrays) or float64 ---------------------------------------
def simplex(A, b, c, *, exact: bool, phase2: bool = True, max_pivots: int = 100000):
    """min c.x subject to A x = b, x >= 0, by the two-phase tableau method with Bland's rule.

    A: (m, n), b: (m,) with b >= 0 (rows are negated where needed), c: (n,). Exact mode works on
    Fractions (no rounding anywhere); float mode uses a tolerance of 1e-9 scaled to the data.
    Returns (status, x, pi, value): status "optimal" | "infeasible" | "unbounded" | "limit"; pi are the
    phase-1 simplex multipliers when infeasible (pi.A <= 0 and pi.b > 0: Farkas' certificate).
    """
    dtype = object if exact else np.float64
    A = np.array(A, dtype=dtype)
    b = np.array(b, dtype=dtype)
    c = np.array(c, dtype=dtype)
    m, n = A.shape
    neg = np.array([bi < 0 for bi in b])
    A[neg] = -A[neg]
    b[neg] = -b[neg]
    zero, one = (Fraction(0), Fraction(1)) if exact else (0.0, 1.0)
    scale = 1.0 if exact else max(1.0, float(np.abs(A).max(initial=0.0)), float(np.abs(b).max(initial=0.0)))
    tol = 0 if exact else 1e-9 * scale
    T = np.empty((m + 1, n + m + 1), dtype=dtype)
    T[:m, :n] = A
    T[:m, n:n + m] = np.eye(m, dtype=np.int64).astype(dtype) if not exact else \
        np.array([[one if i == j else zero for j in range(m)] for i in range(m)], dtype=object)
    T[:m, -1] = b
    T[m, :] = zero
    T[m, :n] = -A.sum(axis=0)     # phase-1 reduced costs of the original columns
    T[m, -1] = -b.sum()
    basis = list(range(n, n + m))
    sign = np.array([1 if v else 0 for v in neg])

    def run(allowed: int) -> str:
        stalls = 0
        for _ in range(max_pivots):
            row = T[m, :allowed]
            if exact:
                cand = [j for j in range(allowed) if row[j] < 0]
                if not cand:
                    return "optimal"
                j = cand[0]  # Bland: the smallest index (no cycling)
            else:
                j = int(np.argmin(row))  # Dantzig: the most negative reduced cost, Bland after a run of stalls
                if row[j] >= -tol:
                    return "optimal"
                if stalls > 50:
                    j = int(np.nonzero(row < -tol)[0][0])
            col = T[:m, j]
            best, r = None, -1
            for i in range(m):
                if col[i] > tol:
                    ratio = T[i, -1] / col[i]
                    if best is None or ratio < best - tol or (abs(ratio - best) <= tol and basis[i] < basis[r]):
                        best, r = ratio, i
            if r < 0:
                return "unbounded"
            stalls = stalls + 1 if best is not None and abs(best) <= tol else 0
            T[r] = T[r] / T[r, j]
            if exact:  # object arrays of Fractions: update only the rows the pivot column touches
                piv = T[r]
                for i in range(m + 1):
                    if i != r and T[i, j] != 0:
                        T[i] = T[i] - T[i, j] * piv
            else:
                others = np.arange(m + 1) != r
                T[others] -= np.outer(T[others, j], T[r])
                T[others, j] = 0.0
            basis[r] = j
        return "limit"

    status = run(n)
    if status == "limit":
        return "limit", None, None, None
    value = -T[m, -1]
    if value > tol * max(1, m):
        pi = np.array([one - T[m, n + i] for i in range(m)], dtype=dtype)
        pi = np.array([-p if s else p for p, s in zip(pi, sign)], dtype=dtype)  # undo the row negation
        return "infeasible", None, pi, value
    if not phase2:
        x = np.array([zero] * n, dtype=dtype)
        for i, bj in enumerate(basis):
            if bj < n:
                x[bj] = T[i, -1]
        return "optimal", x, None, zero
    # drive artificial variables out of the basis; drop redundant rows
    keep = []
    for i in range(m):
        if basis[i] >= n:
            nz = [j for j in range(n) if abs(T[i, j]) > tol]
            if nz:
                j = nz[0]
                T[i] = T[i] / T[i, j]
                for k in range(m + 1):
                    if k != i and T[k, j] != 0:
                        T[k] = T[k] - T[k, j] * T[i]
                basis[i] = j
                keep.append(i)
        else:
            keep.append(i)
    T2 = np.concatenate([T[keep][:, :n], T[keep][:, -1:]], axis=1)
    basis = [basis[i] for i in keep]
    m2 = len(keep)
    T = np.empty((m2 + 1, n + 1), dtype=dtype)
    T[:m2] = T2
    T[m2, :n] = c
    T[m2, -1] = zero
    for i, bj in enumerate(basis):
        if T[m2, bj] != 0:
            T[m2] = T[m2] - T[m2, bj] * T[i]
    m = m2
    status = run(n)
    if status != "optimal":
        return status, None, None, None
    x = np.array([zero] * n, dtype=dtype)
    for i, bj in enumerate(basis):
        x[bj] = T[i, -1]
    return "optimal", x, None, -T[m, -1]


def _integer_vector(v) -> list[int]:
    """A rational vector scaled by a positive factor to coprime integers."""
    fr = [Fraction(x) for x in v]
    den = 1
    for f in fr:
        den = den * f.denominator // math.gcd(den, f.denominator)
    ints = [int(f * den) for f in fr]
    g = 0
    for i in ints:
        g = math.gcd(g, abs(i))
    return [i // g for i in ints] if g > 1 else ints


def _rows_exact(P) -> list[list[Fraction]]:
    return [[Fraction(int(v.p), int(v.q)) if isinstance(v, sp.Rational) else Fraction(v) for v in r] for r in P]


def separating_weights_exact(P, s):
    """(w, None) with integer w of least L1 norm (after scaling) with s_i w.P_i >= 1, or (None, lambda) Farkas' proof."""
    m, D = len(P), len(P[0])
    A = [[s[i] * P[i][j] for j in range(D)] + [-s[i] * P[i][j] for j in range(D)] +
         [Fraction(-1) if k == i else Fraction(0) for k in range(m)] for i in range(m)]
    c = [Fraction(1)] * (2 * D) + [Fraction(0)] * m
    status, x, _, _ = simplex(A, [Fraction(1)] * m, c, exact=True)
    if status == "optimal":
        w = [x[j] - x[D + j] for j in range(D)]
        return _integer_vector(w), None
    # Farkas: lambda >= 0, sum lambda_i s_i P_i = 0, sum lambda_i = 1
    Aeq = [[s[i] * P[i][j] for i in range(m)] for j in range(D)] + [[Fraction(1)] * m]
    beq = [Fraction(0)] * D + [Fraction(1)]
    status, lam, _, _ = simplex(Aeq, beq, [Fraction(0)] * m, exact=True, phase2=False)
    if status != "optimal":  # pragma: no cover - one of the two alternatives always holds
        raise RuntimeError("neither a separating w nor a Farkas certificate was found")
    return None, _integer_vector(lam)


def separable_numeric(P: np.ndarray, s: np.ndarray):
    """Float64 dual program: (True, w) with s_i w.P_i >= 1 (from the simplex multipliers) or (False, lambda)."""
    m, D = P.shape
    # each coordinate's row scaled to entries of at most 1 (its right-hand side is 0, so the program is the same):
    # the simplex's tolerance is then relative to every coordinate, not to the largest (a coordinate of 1e12 made
    # a tolerance of 1e3 that wiped out the others)
    r = np.abs(P).max(axis=0)
    r[r == 0] = 1.0
    Aeq = np.vstack([(s[:, None] * (P / r)).T, np.ones((1, m))])
    beq = np.zeros(D + 1)
    beq[-1] = 1.0
    status, lam, pi, value = simplex(Aeq, beq, np.zeros(m), exact=False, phase2=False)
    if status == "limit":
        return None, None
    if status == "optimal":
        return False, lam
    w = -(pi[:D] / r) / pi[D]  # the multipliers of the scaled rows, back in the data's units
    return True, w


@functools.lru_cache(maxsize=None)
def count_separable(n: int) -> tuple[int, tuple[str, ...]]:
    """Number of linearly separable boolean functions of n inputs by enumeration (one exact LP each); and,
    for n <= 2, the tables of the ones that are not separable."""
    X = inputs(n)
    P = [[Fraction(1)] + [Fraction(int(v)) for v in r] for r in X]
    count, bad = 0, []
    m, D = len(P), len(P[0])
    for code in range(2 ** (2 ** n)):
        table = [(code >> (2 ** n - 1 - i)) & 1 for i in range(2 ** n)]
        s = [1 if t else -1 for t in table]
        # Farkas' alternative only (a smaller program): separable exactly when it is infeasible
        Aeq = [[s[i] * P[i][j] for i in range(m)] for j in range(D)] + [[Fraction(1)] * m]
        status, _, _, _ = simplex(Aeq, [Fraction(0)] * D + [Fraction(1)], [Fraction(0)] * m, exact=True, phase2=False)
        if status == "infeasible":
            count += 1
        elif n <= 2:
            bad.append(" ".join(str(t) for t in table))
    return count, tuple(bad)


# ---- input handling -------------------------------------------------------------------------------------
def _n(p) -> int:
    return input_count(p["function"], p["n"], "linear_separability")


def validate(p: dict[str, Any]) -> None:
    f = p["function"]
    if f is None and p["X"] is None:
        raise InvalidInput("function", "The 'function' parameter of linear_separability is required unless points X "
                                       "with labels y are given. Got nothing.")
    if f is not None and p["X"] is not None:
        _check_table(p)
    if f is not None:
        n = _n(p)
        if not p["bias"]:
            raise InvalidInput("bias", "The 'bias' parameter of linear_separability must be true for a boolean "
                                       "function (the notes' gates need w0). Got false instead.")
        dim = n + 1
    else:
        if p["y"] is None:
            raise InvalidInput("y", "The 'y' parameter of linear_separability is required with X: one label per point. "
                                    "Got nothing.")
        nrows, ncols = _shape(p["X"])
        check_labels(p["y"], nrows, "linear_separability")
        dim = ncols + (1 if p["bias"] else 0)
    if p["w"] is not None and len(p["w"]) != dim:
        extra = " (w0, the bias, first)" if p["bias"] else ""
        raise InvalidInput("w", f"The 'w' parameter of linear_separability must have {dim} entries{extra}. "
                                f"Got {len(p['w'])}.")


def _shape(M) -> tuple[int, int]:
    return M.shape if isinstance(M, np.ndarray) else (len(M), len(M[0]))


def _check_table(p) -> None:
    """A gate named with its truth table written out (as exams print it, in any row order): the rows must be the
    gate's. Then the function is used, and its table is the one given."""
    n = _n(p)
    nrows, ncols = _shape(p["X"])
    if ncols != n or nrows != 2 ** n or p["y"] is None or len(p["y"]) != nrows:
        raise InvalidInput("X", "The 'X' parameter of linear_separability must be empty when a boolean function is "
                                "given, or hold its whole truth table with the labels y. Got both, and they differ.")
    table = {tuple(int(v) for v in r): int(o) for r, o in zip(inputs(n), p["function"].outputs(n, inputs(n)))}
    rows = [tuple(int(v) if v in (0, 1) else -1 for v in row) for row in as_exact(p["X"])]
    if len(set(rows)) != nrows:
        raise InvalidInput("X", "The 'X' parameter of linear_separability must list each row of the truth table once "
                                "when a boolean function is given. Got a repeated row.")
    for row, key, label in zip(as_exact(p["X"]), rows, labels01(p["y"])):
        if table.get(key) != label:
            raise InvalidInput("y", f"The 'y' parameter of linear_separability must agree with the truth table of the "
                                    f"given function: the point {_fmt(row)} is labelled {label}, but the function "
                                    f"gives {'no value' if key not in table else table[key]} there.")


def use_numeric(p) -> bool:
    if p["function"] is not None:
        return _n(p) > 5
    n, d = _shape(p["X"])
    return isinstance(p["X"], np.ndarray) or n > 40 or n * d > 200


def _points(p):
    """(raw points, labels 0/1) as exact tuples."""
    if p["function"] is not None:
        n = _n(p)
        X = inputs(n)
        f = p["function"].outputs(n, X)
        return [tuple(sp.Integer(int(v)) for v in r) for r in X], [int(v) for v in f]
    X = as_exact(p["X"])
    labels = labels01(p["y"])
    return [tuple(r) for r in X], labels


def _fmt(pt) -> str:
    return F.text(tuple(pt))



def _fn_words(f, n: int) -> str:
    """The function after 'the n-input boolean function': 'with truth table (0, 1, 1, 0)', not 'the function with ...'."""
    text = f.describe(n)
    return text[len("the function "):] if text.startswith("the function ") else text


def _capital(text: str) -> str:
    """'the function with ...' starts a sentence as 'The function with ...'; 'f(x) = [...]' stays as it is."""
    return "The" + text[3:] if text.startswith("the ") else text

def statement(p) -> Rich:
    if p["function"] is not None:
        n = _n(p)
        what: list = [f"the {n}-input boolean function {_fn_words(p['function'], n)} (its points are the {2 ** n} "
                      "corners of the unit cube)"]
    else:
        X = as_exact(p["X"][:12])
        labels = labels01(p["y"][:12])
        m = _shape(p["X"])[0]
        what = [f"the {m} labelled points "]
        for k, (pt, lab) in enumerate(zip(X, labels)):
            what += [", " if k else "", Math(r"%s \to %d" % (F.latex(tuple(pt)), lab), f"{_fmt(pt)} → {lab}")]
        what.append(" …" if m > 12 else "")
    bias = [" with a bias ", Math(r"w_{0}\ (x_{0} = 1)", "w0 (x0 = 1)")] if p["bias"] else [" without a bias"]
    out: list = ["Consider a perceptron", *bias, " and ", *what, ". Write the inequality each point imposes on the "
                 "weights. Is the data linearly separable? If so, give separating weights; if not, prove it."]
    if p["w"] is not None:
        out += [" How many points do the weights ", Eq(sym("w", r"\mathbf{w}"), tuple(as_exact(p["w"]))),
                " classify wrongly?"]
    if p["function"] is not None:
        out.append(f" How many boolean functions of {_n(p)} inputs are there, and how many of them are linearly "
                   "separable?")
    return Rich(*out)


def _wsyms(D: int, bias: bool):
    start = 0 if bias else 1
    return [sym(f"w{i}", f"w_{{{i}}}") for i in range(start, start + D)]


def _relation(label: int, rule: str) -> tuple[str, str]:
    if label == 1:
        return (r"\geq", ">=") if rule == ">=" else (">", ">")
    return ("<", "<") if rule in (">=", "strict") else (r"\leq", "<=")


def _correct(score, label: int, rule: str) -> bool:
    if label == 1:
        return bool(score >= 0) if rule == ">=" else bool(score > 0)
    return bool(score < 0) if rule in (">=", "strict") else bool(score <= 0)


def _ineq_math(ws, pt_aug, label, rule) -> tuple[Math, Math]:
    rel_l, rel_t = _relation(label, rule)
    long_l = " + ".join(f"{latex(wv)} \\cdot {F.latex(xv, paren=True)}"
                        if not (i == 0 and xv == 1) else latex(wv) for i, (wv, xv) in enumerate(zip(ws, pt_aug)))
    long_t = " + ".join(f"{wv}*{F.text(xv, paren=True)}"
                        if not (i == 0 and xv == 1) else str(wv) for i, (wv, xv) in enumerate(zip(ws, pt_aug)))
    short = sp.Add(*[wv * xv for wv, xv in zip(ws, pt_aug)])
    return (Math(f"{long_l} {rel_l} 0", f"{long_t} {rel_t} 0"),
            Math(f"{latex(short)} {rel_l} 0", f"{text(short)} {rel_t} 0"))


def solve(p, conv) -> Derivation:
    d = Derivation()
    rule = conv["firing_rule"]
    bias = p["bias"]
    X, labels = _points(p)
    aug = [((sp.Integer(1),) if bias else ()) + tuple(pt) for pt in X]
    D = len(aug[0])
    ws = _wsyms(D, bias)
    m = len(X)
    is_fn = p["function"] is not None

    if is_fn:
        n = _n(p)
        d.given("The function", text=f"{_capital(p['function'].describe(n))}; its {m} points are the corners of the unit cube, "
                                     "in binary order.")
    xs = tuple(f"x{i}" for i in range(1, D + 1 - (1 if bias else 0)))
    d.table("Points and classes", [header(k, f"x_{{{k[1:]}}}") for k in xs] + [header("class")],
            [[*pt, lab] for pt, lab in zip(X[:200], labels[:200])], keys=(*xs, "class"), index=xs,
            text=("With the bias input x0 = 1, the score is w0 + w1 x1 + ... + wn xn." if bias else
                  "No bias: the score is w1 x1 + ... + wn xn.") + ("" if m <= 200 else f" First 200 of {m} points."))
    rel1, rel0 = _relation(1, rule)[1], _relation(0, rule)[1]
    d.add(Step("formula", "What the perceptron must satisfy",
               text=f"Class 1 needs score {rel1} 0 and class 0 needs score {rel0} 0"
                    + (" (a score of exactly 0 counts as an error for either class, as in the course notes' NAND inequalities)."
                       if rule == "strict" else "."),
               formula=Math(r"\hat{y} = 1 \iff \mathbf{w}^{\top}\mathbf{x} %s 0" % (r"\geq" if rule == ">=" else ">"),
                            f"y_hat = 1 if w.x {'>=' if rule == '>=' else '>'} 0")))

    # -- inequalities per point
    ineqs = [_ineq_math(ws, pt, lab, rule) for pt, lab in zip(aug, labels)]
    ineq_rows = [{"x": [_num(v) for v in X[i]], "class": labels[i], "inequality": ineqs[i][1].text} for i in range(m)]
    with d.group("The inequality of each point",
                 text=f"Substitute each point into the score and keep the side its class needs: {m} inequalities in the "
                      f"{D} unknowns {', '.join(str(wv) for wv in ws)}." + ("" if m <= 32 else " The first 32 are shown."),
                 answers=(make_answer("inequalities", ineq_rows),)):
        for i, (long_m, short_m) in enumerate(ineqs[:32]):
            d.add(Step("compute", f"{_fmt(X[i])}, class {labels[i]}", formula=long_m, value=short_m))

    # -- given weights: scores and errors
    if p["w"] is not None:
        wv = as_exact(p["w"])
        scores, errs, rows = [], 0, []
        vals = dict(zip(ws, wv))
        with d.group(f"Check the weights w = {_fmt(wv)}"):
            for i, (pt, lab) in enumerate(zip(aug, labels)):
                sc = sum((a * b for a, b in zip(wv, pt)), sp.Integer(0))
                ok = _correct(sc, lab, rule)
                errs += (not ok)
                scores.append(sc)
                rel = _relation(lab, rule)[1]
                rows.append([i + 1, X[i], lab, sc, f"{rel} 0", "yes" if ok else "no ✗"])
                if i < 32:
                    with sp.evaluate(False):
                        expr = sp.Add(*[sp.Mul(wsym, xv) for wsym, xv in zip(ws, pt)])
                    d.compute(f"{_fmt(X[i])}, class {lab}: {'satisfied' if ok else 'violated'}", sym("score"),
                              expr, vals, value=sc,
                              text=f"Needs score {rel} 0; {F.text(sc)} {'does' if ok else 'does not'}.")
        shown_table(d, "Scores against the inequalities", [header(c) for c in ("point", "x", "class", "score", "needs", "satisfied")],
                    [[F.cell(v) for v in r] for r in rows], [[r[0], _num_list(r[1]), r[2], _num(r[3]), r[4], r[5] == "yes"]
                                                             for r in rows],
                    keys=("point", "x", "class", "score", "needs", "satisfied"), index=("point",),
                    text="Every entry is an answer: score@point=2 is the score of the second point, satisfied@point=2 "
                         "whether its inequality holds.", answer=make_answer("scores", scores))
        d.conclude(f"Errors of the given weights: {errs} of {m}",
                   text=("Every inequality holds: these weights implement the labels." if errs == 0 else
                         f"{errs} point{'s are' if errs > 1 else ' is'} on the wrong side."),
                   answers=(make_answer("errors", sp.Integer(errs)), make_answer("all_satisfied", errs == 0)))

    # -- separability by the linear program
    d.note("Separable as a linear program", (
        "Multiplying w by a positive number changes no sign, so the points are strictly separable exactly when some w "
        "has s_i (w . x_i) >= 1 for every point (s_i = +1 for class 1, -1 for class 0). Among those, take the w with "
        "the smallest |w0| + |w1| + ... (a linear program, solved exactly by the simplex method), then scale it to "
        "integers."))
    P = _rows_exact(aug)
    s = [1 if lab == 1 else -1 for lab in labels]
    w_sep, lam = separating_weights_exact(P, s)
    if w_sep is not None:
        wsep = tuple(sp.Integer(v) for v in w_sep)
        rows = []
        for i, pt in enumerate(aug):
            sc = sum((a * b for a, b in zip(wsep, pt)), sp.Integer(0))
            rows.append([i + 1, X[i], labels[i], sc, _correct(sc, labels[i], rule)])
        shown_table(d, f"The weights w = {_fmt(wsep)} satisfy every inequality",
                    [header(c) for c in ("point", "x", "class", "score", "correct")],
                    [[*(F.cell(v) for v in r[:4]), "yes" if r[4] else "no"] for r in rows[:200]],
                    [[r[0], _num_list(r[1]), r[2], _num(r[3]), r[4]] for r in rows[:200]],
                    keys=("point", "x", "class", "separating_score", "correct"), index=("point",),
                    text="Every class-1 score is at least 1 and every class-0 score at most -1.")
        d.conclude("Linearly separable", text=f"w = {_fmt(wsep)} separates the points" +
                   (f": the line {_line(wsep, bias)} = 0 is a decision boundary." if D == 3 and bias and any(wsep[1:]) else "."),
                   answers=(make_answer("separable", True),
                            # the least-L1 weights scaled to coprime integers: exact by construction
                            make_answer("separating_w", wsep, tolerance=EXACT)),
                   value=F.equals(w_, wsep))
        neg = tuple(-v for v in wsep)
        d.add(Step("conclude", f"The maximum possible error is {m}",
                   text=f"Negating the weights flips the sign of every score, so w = {_fmt(neg)} puts every point on the "
                        f"wrong side: {m} errors.",
                   answers=(make_answer("max_errors", sp.Integer(m)),)))
    else:
        lam_i = [sp.Integer(v) for v in lam]
        pos = [(lam_i[i], X[i]) for i in range(m) if lam_i[i] and labels[i] == 1]
        negs = [(lam_i[i], X[i]) for i in range(m) if lam_i[i] and labels[i] == 0]
        common = tuple(sum((l * xv[k] for l, xv in pos), sp.Integer(0)) for k in range(len(X[0])))
        tot = sum(l for l, _ in pos)
        coef = [sum((lam_i[i] * aug[i][k] for i in range(m) if labels[i] == 1), sp.Integer(0)) for k in range(D)]
        combo = _linear_text(coef, ws)
        r1, r0 = _relation(1, rule)[1], _relation(0, rule)[1]

        def side(items):
            return " + ".join(f"{l}*{_fmt(x)}" if l != 1 else _fmt(x) for l, x in items)

        if pos and negs:
            proof = (f"Take the class-1 points with weights {', '.join(str(l) for l, _ in pos)} and the class-0 points "
                     f"with weights {', '.join(str(l) for l, _ in negs)}: {side(pos)} = {side(negs)} = {_fmt(common)}"
                     + (f", and both weight sums are {tot}" if bias else "") + ". "
                     f"Adding the inequalities of those class-1 points with these weights gives {combo} {r1} 0; adding "
                     f"those of the class-0 points gives the same left side, {combo} {r0} 0. Both cannot hold, so no w "
                     "exists" + (" (the convex hulls of the two classes meet at " + _fmt(tuple(c / tot for c in common))
                                 + ")." if bias and tot else "."))
        else:
            items, cls, r = (pos, 1, r1) if pos else (negs, 0, r0)
            proof = (f"The class-{cls} points {side(items)} combine (with these weights) to the zero vector, so adding "
                     "their scores with these weights gives 0 for every w: no w puts all of them strictly on their "
                     "side. Without a bias the boundary always passes through the origin, so these points are not "
                     "strictly separable.")
        d.conclude("Not linearly separable", text=proof,
                   answers=(make_answer("separable", False),
                            make_answer("certificate", lam_i, tolerance=EXACT)))  # integer weights (Farkas)

    if is_fn:
        _counting(d, _n(p), exact=True)
    if len(X[0]) == 2:  # plot-ready data for 2-D inputs (the same shape as the perceptron family's)
        d.extras["plot"] = {"kind": "decision_boundary", "points": [[float(a) for a in pt] for pt in X], "labels": labels,
                            "w": [float(v) for v in w_sep] if w_sep is not None else None, "bias": bias,
                            "boundary": ("w0 + w1 x1 + w2 x2 = 0" if bias else "w1 x1 + w2 x2 = 0") if w_sep else None}
    return d


def _linear_text(coef, ws) -> str:
    return linear_form(zip(coef, (str(w) for w in ws)), times="*")


def _line(wv, bias) -> str:
    return linear_form([(wv[0], "")] + [(v, f"x{i}") for i, v in enumerate(wv[1:], start=1)])


def _num_list(pt) -> list:
    return [_num(v) for v in pt]


def _num(v):
    return int(v) if v.is_Integer else float(v)


def _counting(d: Derivation, n: int, exact: bool) -> None:
    rows = 2 ** n
    if n > 9:
        d.note("How many boolean functions of n inputs", f"2^(2^{n}) = 2^{rows}, a number with about "
               f"{int(rows * math.log10(2)) + 1} digits; how many are linearly separable is not known for n = {n} "
               "(OEIS A000609 stops at n = 9).")
        return
    total = sp.Integer(2) ** rows
    d.compute("How many boolean functions of n inputs", sym("N_f", "N_{f}"),
              sp.Pow(2, sp.Pow(2, sym("n"), evaluate=False), evaluate=False), {sym("n"): sp.Integer(n)}, value=total,
              text=f"A function assigns 0 or 1 to each of the 2^n = {rows} input rows.", answer="functions_count")
    if n <= ENUMERATE_UP_TO:
        count, bad = count_separable(n)
        extra = ""
        if n == 2:
            extra = (" The two that are not are the tables " + " and ".join(bad) + " (XOR and XNOR), as the course "
                     "notes (week 1) say.")
        d.add(Step("conclude", f"Linearly separable functions of {n} input{'s' if n > 1 else ''}: {count}",
                   text=f"Found by running the linear program above on each of the {total} truth tables: {count} are "
                        f"separable, {int(total) - count} are not." + extra,
                   answers=(make_answer("separable_count", sp.Integer(count)),)))
    elif n in KNOWN_SEPARABLE:
        count = KNOWN_SEPARABLE[n]
        d.add(Step("conclude", f"Linearly separable functions of {n} inputs: {count}",
                   text="Too many tables to enumerate here; the count is known from exhaustive enumeration (OEIS A000609: "
                        "2, 4, 14, 104, 1882, 94572, ... for n = 0, 1, 2, ...). The course notes (week 1) call it 'not known': there is "
                        "no closed formula, but the values for small n are known.",
                   answers=(make_answer("separable_count", sp.Integer(count)),)))
    else:
        d.note("Linearly separable functions", f"No count is known for n = {n} (OEIS A000609 stops at n = 9).")


def solve_numeric(p, conv) -> Derivation:
    """The dual program in float64 NumPy: separability, the error count of given weights, the counts."""
    d = Derivation()
    rule = conv["firing_rule"]
    bias = p["bias"]
    if p["function"] is not None:
        n = _n(p)
        Xf = inputs(n).astype(np.float64)
        labels = p["function"].outputs(n).astype(np.int64)
    else:
        Xf = as_float(p["X"])
        labels = np.array(labels01(p["y"]))
    P = np.hstack([np.ones((Xf.shape[0], 1)), Xf]) if bias else Xf
    m = P.shape[0]
    d.note("Numeric path", f"{m} points of dimension {P.shape[1]}; the dual linear program is solved in float64.")
    if p["w"] is not None:
        wv = as_float(p["w"])
        sc = P @ wv
        if rule == ">=":
            ok = np.where(labels == 1, sc >= 0, sc < 0)
        elif rule == ">":
            ok = np.where(labels == 1, sc > 0, sc <= 0)
        else:
            ok = np.where(labels == 1, sc > 0, sc < 0)
        errs = int((~ok).sum())
        d.conclude(f"Errors of the given weights: {errs} of {m}",
                   answers=(make_answer("errors", sp.Integer(errs)), make_answer("all_satisfied", errs == 0),
                            make_answer("scores", tuple(float(v) for v in sc))) if m <= 10000 else
                   (make_answer("errors", sp.Integer(errs)), make_answer("all_satisfied", errs == 0)))
    s = np.where(labels == 1, 1.0, -1.0)
    sep, vec = separable_numeric(P, s)
    if sep is None:
        d.status = "not_converged"
        d.conclude("The simplex method hit its pivot limit", text="No decision; try the exact path on fewer points.")
        return d
    if sep:
        margins = s * (P @ vec)
        shown = F.text(tuple(vec[:12]))
        d.conclude("Linearly separable", text=f"w = {shown[:-1] + ', ...)' if len(vec) > 12 else shown} "
                                              f"gives s_i (w . x_i) >= {F.text(margins.min())} for every point.",
                   answers=(make_answer("separable", True),))
        d.add(Step("conclude", f"The maximum possible error is {m}", text="Negating the weights puts every point on the wrong side.",
                   answers=(make_answer("max_errors", sp.Integer(m)),)))
    else:
        d.conclude("Not linearly separable", text=f"Farkas' certificate: {int((vec > 1e-12).sum())} points whose weighted "
                                                  "class-1 and class-0 combinations coincide.",
                   answers=(make_answer("separable", False),))
    if p["function"] is not None:
        _counting(d, _n(p), exact=False)
    return d


def generate(rng: np.random.Generator) -> dict:
    """A 2- or 3-input boolean function with weights to check, or a small 2-D labelled point set.

    Every instance is well posed: each has a decision (separable or a proof), and both classes occur in a
    point set (resampled until they do).
    """
    if rng.random() < 0.6:
        n = int(rng.integers(2, 4))
        if rng.random() < 0.5:
            fn = str(rng.choice(["AND", "OR", "NAND", "NOR", "XOR", "XNOR", "majority"]))
        else:
            fn = " ".join(str(int(v)) for v in rng.integers(0, 2, size=2 ** n))
        w = [float(v) / 2 for v in rng.integers(-4, 5, size=n + 1)]
        return {"function": fn, "n": n, "w": w}
    while True:
        k = int(rng.integers(4, 8))
        pts = rng.integers(-3, 4, size=(k, 2))
        labels = rng.integers(0, 2, size=k)
        if labels.min() != labels.max():  # resample until both classes occur
            return {"X": [[int(a) for a in r] for r in pts], "y": [int(v) for v in labels]}
