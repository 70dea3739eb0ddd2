"""Backpropagation on a computational graph: df/dn = sum over the children c of n of df/dc * dc/dn.

Exam question: "Draw the computational graph of f = 1/(1 + exp(-(w0 x0 + w1 x1 + w2))) and backpropagate
through it: the forward value at every node, the local gradient on every edge, and df/dw0, df/dx0, ..."
(the handwritten notes: L = 1/a, a = 1 + b, b = e^c, c = -d, d = e + w2, e = f + g, f = w0 x0, g = w1 x1, so
dL/dw0 = e^c x0 / a^2.) With a node that feeds several others the multivariate chain rule adds the
paths: do/dw is the sum over the paths from w to o of the product of the local derivatives on the
path (the introductory slides: o = cos(w^2) + sin(w^2) gives -2w sin(w^2) + 2w cos(w^2)); backpropagation computes
that sum node by node instead of path by path.

The expression is typed as text (parsed by solver.parse without eval, structure kept as written) and
broken into primitive gates: + and - (two inputs, or one input and a constant), *, /, negation,
reciprocal, powers, exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, max, min. An n-ary sum or
product becomes a chain of two-input gates, left to right, as the notes draw it; a subexpression that
occurs twice is one node with several outgoing edges. Inputs are given as `w0=2, x0=-1, ...`.

At a kink the local derivative is a convention: relu'(0) = 0 and |x|' = 0 at 0, and two equal arguments
of max or min share the gradient half and half (torch's values). Graphs of more than 200 gates are
solved on the numeric path (float64, no per-node steps). Every gradient of a hand-sized expression is checked against SymPy's
symbolic derivative of the whole expression.

Convention: a typed sigmoid(z) is one gate with local derivative sigma(z)(1 - sigma(z)), or it is
expanded into the notes' gates 1/(1 + exp(-z)) (neg, exp, + 1, reciprocal); the gradients are equal.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.functions import relu, sigmoid
from solver.params import InvalidInput, Param, SpecError
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver import format as F
from solver.errata import Erratum
from solver.symbolic import Derivation, latex, make_answer, numpy_function, sym, text

from ._nets import AssignmentsSpec, GraphExpr, ParsedGraphExpr, tidy

TITLE = "Computational graph: backpropagation through the gates"
TOPIC = "neurons"
KEYWORDS = ("computational graph", "backpropagation", "backprop", "chain rule", "multivariate chain rule", "gates",
            "local gradient", "upstream gradient", "sum over paths", "autograd", "derivative", "paths",
            "backpropagate", "graph", "gradient of", "partial derivative", "partial derivatives", "derivatives")

MAX_EXACT_GATES = 200    # larger graphs take the numeric path
DETAIL_GATES = 40        # up to this many gates every node and edge gets its own step
MAX_PATHS_LISTED = 12    # paths from an input to the output listed one by one

# ---- the gates, written once ----------------------------------------------------------------------------
A, B, K = sp.Symbol("A", real=True), sp.Symbol("B", real=True), sp.Symbol("K", real=True)


@dataclass(frozen=True)
class Op:
    """A primitive gate: its value as a SymPy template in A (and B) and a constant K, and its local derivatives."""

    key: str
    template: sp.Expr
    locals: tuple[sp.Expr, ...]
    word: str

    @property
    def arity(self) -> int:
        return len(self.locals)


OPS: dict[str, Op] = {
    "add": Op("add", A + B, (sp.Integer(1), sp.Integer(1)), "add"),
    "sub": Op("sub", A - B, (sp.Integer(1), sp.Integer(-1)), "subtract"),
    "mul": Op("mul", A * B, (B, A), "multiply"),
    "div": Op("div", A / B, (1 / B, -A / B ** 2), "divide"),
    "neg": Op("neg", -A, (sp.Integer(-1),), "negate"),
    "addc": Op("addc", A + K, (sp.Integer(1),), "add a constant"),
    "mulc": Op("mulc", K * A, (K,), "multiply by a constant"),
    "rdivc": Op("rdivc", K / A, (-K / A ** 2,), "reciprocal"),
    "powc": Op("powc", A ** K, (K * A ** (K - 1),), "power"),
    "cpow": Op("cpow", K ** A, (K ** A * sp.log(K),), "constant to a power"),
    "pow": Op("pow", A ** B, (B * A ** (B - 1), A ** B * sp.log(A)), "power"),
    "logc": Op("logc", sp.log(A) / sp.log(K), (1 / (A * sp.log(K)),), "logarithm"),
    # max/min: at a tie each argument gets half the gradient (torch.maximum's rule; SymPy's Heaviside(0) = 1/2)
    "max": Op("max", sp.Max(A, B), (sp.Heaviside(A - B, sp.S.Half), sp.Heaviside(B - A, sp.S.Half)), "maximum"),
    "min": Op("min", sp.Min(A, B), (sp.Heaviside(B - A, sp.S.Half), sp.Heaviside(A - B, sp.S.Half)), "minimum"),
}


@lru_cache(maxsize=64)
def function_op(func) -> Op:
    """A one-input gate f(A) for a SymPy function class (exp, log, sin, tanh, sigmoid, relu, Abs, ...)."""
    t = func(A)
    local = sp.Heaviside(A, 0) if func is relu else sp.sign(A) if func is sp.Abs else sp.diff(t, A)
    name = {sp.Abs: "abs", sp.log: "log"}.get(func, getattr(func, "__name__", str(func)))
    return Op(f"fn:{name}", t, (local,), name)


SIGMOID_GATE = Convention(
    "sigmoid_gate", "How a typed sigmoid(z) enters the graph",
    {"one": "sigmoid(z) is one gate whose local derivative is sigma(z) (1 - sigma(z))",
     "expand": "sigmoid(z) is expanded into the notes' gates 1/(1 + exp(-z)): negate, exp, add 1, reciprocal"},
    default="one", why_default="it keeps the graph as typed; the notes' shortcut sigma' = sigma (1 - sigma) gives the "
                               "same gradients as the expanded gates",
    sources={"one": "PyTorch's torch.sigmoid (one operation in the autograd graph)",
             "expand": "the course notes' staged sigmoid (negate, exp, add 1, reciprocal); Stanford CS231n's notes on "
                       "backpropagation"},
    cues={"expand": ("expand the sigmoid", "1/(1 + exp(-z)) gates", "staged"), },
)
CONVENTIONS = (SIGMOID_GATE,)

PARAMS = (
    Param("expr", GraphExpr(), required=True, label="Expression f",
          help="the function whose graph to backpropagate through, e.g. 1/(1 + exp(-(w0*x0 + w1*x1 + w2))); "
               "use * for products (2*x, not 2x) and ** or ^ for powers",
          aliases=("f", "L", "o", "g", "y", "z", "J", "function", "expression", "loss")),
    Param("values", AssignmentsSpec(), label="Input values",
          help="a value for every name in the expression, e.g. w0=2, x0=-1, w1=-3, x1=-2, w2=-3 (a name that does not "
               "occur in the expression gets the gradient 0)",
          aliases=("<variables>", "values", "input values")),
)

_W = sp.Symbol("w", real=True)


def _notes_sigmoid_graph(p) -> bool:
    w0, x0, w1, x1, w2 = (sp.Symbol(n, real=True) for n in ("w0", "x0", "w1", "x1", "w2"))
    return p["expr"].value == 1 / (1 + sp.exp(-(w0 * x0 + w1 * x1 + w2)))


def _notes_paths_example(p) -> bool:
    return p["expr"].value in (sp.cos(_W ** 2) + sp.sin(_W ** 2), sp.cos(_W ** 2))


ERRATA = (
    Erratum(where="the handwritten notes (backpropagation through the sigmoid neuron's graph)", params={},
            also=_notes_sigmoid_graph, kind="remark", title="The notes' closed form",
            wrote="the graph in stages L = 1/a, a = 1 + b, b = e^c, c = -d, d = e + w2, e = f + g, f = w0 x0, g = w1 x1, "
                  "and find dL/dw0 = e^c x0/a^2, dL/dw1 = e^c x1/a^2, dL/dw2 = e^c/a^2 and dL/dx_i = e^c w_i/a^2",
            right="these agree with backpropagation: e^c/a^2 = L (1 - L), the sigmoid's derivative, with L = 1/a = {output} "
                  "here, so dL/dw0 = e^c x0/a^2 = {grad_w0}"),
    Erratum(where="the introductory slides (the chain rule along one path and along two)", params={},
            also=_notes_paths_example, kind="notation",
            wrote="'df(g(w))/dg = -2w sin(w^2)' for the single-path example f(g(w)) = cos(w^2)",
            right="that is df/dw, the derivative with respect to w; -sin(w^2) is the derivative with respect to g",
            why="the two-path example do/dw = -2w sin(w^2) + 2w cos(w^2) is right; here the gradient is {grad_w}"),
)

EXAMPLE = Example(
    params={"expr": "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "values": "w0=0.3, x0=-1.2, w1=0.8, x1=0.5, w2=-0.1"},
    source="the handwritten notes, backpropagation through the sigmoid's graph",
)


# ---- the graph ----------------------------------------------------------------------------------------------
@dataclass
class Node:
    kind: str                   # "input", "const" or "gate"
    symbol: sp.Symbol | None    # the name printed in formulas (None for a constant)
    op: Op | None = None
    args: tuple[int, ...] = ()  # operand node ids
    k: Any = None               # the gate's constant K
    value: Any = None           # exact value of a constant

    @property
    def name(self) -> str:
        return self.symbol.name if self.symbol is not None else F.text(self.value)


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    out: int = -1
    inputs: dict[str, int] = field(default_factory=dict)
    formulas: dict = field(default_factory=dict)  # (gate, which) -> its display formula, built once per graph

    @property
    def gates(self) -> list[int]:
        return [i for i, n in enumerate(self.nodes) if n.kind == "gate"]

    def edges(self):
        """(parent, child, operand position) for every edge, children in topological order."""
        for c in self.gates:
            node = self.nodes[c]
            for i, a in enumerate(node.args):
                if self.nodes[a].kind != "const":
                    yield a, c, i


class _Builder:
    def __init__(self, variables: dict[str, sp.Symbol], expand_sigmoid: bool):
        self.g = Graph()
        self.memo: dict[Any, int] = {}
        self.variables = variables
        self.expand = expand_sigmoid

    # -- nodes --
    def const(self, v) -> int:
        v = tidy(sp.sympify(v))
        key = ("const", v)
        if key not in self.memo:
            self.g.nodes.append(Node("const", None, value=v))
            self.memo[key] = len(self.g.nodes) - 1
        return self.memo[key]

    def gate(self, op: Op, args: tuple[int, ...], k=None) -> int:
        key = (op.key, args, k)
        if key not in self.memo:
            self.g.nodes.append(Node("gate", None, op=op, args=args, k=k))
            self.memo[key] = len(self.g.nodes) - 1
        return self.memo[key]

    def var(self, s: sp.Symbol) -> int:
        key = ("var", s.name)
        if key not in self.memo:
            self.g.nodes.append(Node("input", s))
            self.memo[key] = len(self.g.nodes) - 1
            self.g.inputs[s.name] = self.memo[key]
        return self.memo[key]

    # -- the expression, as written --
    def build(self, e: sp.Expr) -> int:
        if not e.free_symbols:
            return self.const(_constant(e))
        if isinstance(e, sp.Symbol):
            return self.var(e)
        if isinstance(e, sp.Add):
            return self.add(e.args)
        if isinstance(e, sp.Mul):
            return self.mul(e.args)
        if isinstance(e, sp.Pow):
            base, ex = e.args
            if not ex.free_symbols:
                kv = _constant(ex)
                if kv == -1:
                    return self.gate(OPS["rdivc"], (self.build(base),), sp.Integer(1))
                return self.gate(OPS["powc"], (self.build(base),), kv)
            if not base.free_symbols:
                kv = _constant(base)
                if kv == sp.E:
                    return self.gate(function_op(sp.exp), (self.build(ex),))
                return self.gate(OPS["cpow"], (self.build(ex),), kv)
            return self.gate(OPS["pow"], (self.build(base), self.build(ex)))
        if isinstance(e, (sp.Max, sp.Min)):
            op = OPS["max" if isinstance(e, sp.Max) else "min"]
            acc = self.build(e.args[0])
            for a in e.args[1:]:
                acc = self.gate(op, (acc, self.build(a)))
            return acc
        if isinstance(e, sp.log) and len(e.args) == 2:
            x, base = e.args
            if not base.free_symbols:
                return self.gate(OPS["logc"], (self.build(x),), _constant(base))
            return self.gate(OPS["div"], (self.build(sp.log(x, evaluate=False)), self.build(sp.log(base, evaluate=False))))
        if isinstance(e, sigmoid) and self.expand:
            z = self.build(e.args[0])
            c = self.gate(OPS["neg"], (z,))
            b = self.gate(function_op(sp.exp), (c,))
            a = self.gate(OPS["addc"], (b,), sp.Integer(1))
            return self.gate(OPS["rdivc"], (a,), sp.Integer(1))
        if isinstance(e, sp.Function) and len(e.args) == 1:
            return self.gate(function_op(e.func), (self.build(e.args[0]),))
        raise InvalidInput("expr", f"The 'expr' parameter of comp_graph uses {type(e).__name__}, which has no gate here. "
                                   f"Got {sp.sstr(e)[:40]!r} instead.")

    def add(self, terms) -> int:
        consts = [t for t in terms if not t.free_symbols]
        rest = [t for t in terms if t.free_symbols]
        acc = None
        for t in rest:
            neg, inner = _negated(t)
            node = self.build(inner)
            if acc is None:
                acc = self.gate(OPS["neg"], (node,)) if neg else node
            else:
                acc = self.gate(OPS["sub" if neg else "add"], (acc, node))
        c = tidy(sum((_constant(t) for t in consts), sp.Integer(0)))
        if c != 0:
            acc = self.gate(OPS["addc"], (acc,), c)
        return acc

    def mul(self, factors) -> int:
        kv = sp.Integer(1)
        num, den = [], []
        for f in factors:
            if not f.free_symbols:
                kv = kv * _constant(f)
            elif isinstance(f, sp.Pow) and f.args[1] == -1:
                den.append(f.args[0])
            else:
                num.append(f)
        kv = tidy(kv)
        if not num:
            acc = self.gate(OPS["rdivc"], (self.build(den[0]),), kv)
            for dd in den[1:]:
                acc = self.gate(OPS["div"], (acc, self.build(dd)))
            return acc
        acc = self.build(num[0])
        for f in num[1:]:
            acc = self.gate(OPS["mul"], (acc, self.build(f)))
        for dd in den:
            acc = self.gate(OPS["div"], (acc, self.build(dd)))
        if kv == -1:
            acc = self.gate(OPS["neg"], (acc,))
        elif kv != 1:
            acc = self.gate(OPS["mulc"], (acc,), kv)
        return acc


def _negated(t) -> tuple[bool, sp.Expr]:
    """(True, u) for a term written -u (a product whose first factor is -1), else (False, t)."""
    if isinstance(t, sp.Mul) and t.args and t.args[0] == -1:
        rest = t.args[1:]
        return True, rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False)
    return False, t


def _constant(e) -> sp.Expr:
    """The value of a numeric subexpression (the normal parse already bounded its size)."""
    v = e.doit() if isinstance(e, sp.Basic) else sp.sympify(e)
    return tidy(v) if v.is_Rational else v


@lru_cache(maxsize=64)
def build_graph(expr: ParsedGraphExpr, expand_sigmoid: bool) -> Graph:
    variables = {s.name: s for s in expr.written.free_symbols}
    b = _Builder(variables, expand_sigmoid)
    out = b.build(expr.written)
    g = b.g
    g.out = out
    for name in expr.names:  # inputs in the order they were typed
        if name in variables and name not in g.inputs:
            b.var(variables[name])
    g.inputs = {n: g.inputs[n] for n in sorted(g.inputs, key=lambda n: expr.names.index(n) if n in expr.names else 10 ** 6)}
    _name_gates(g, set(variables))
    return g


def _name_gates(g: Graph, taken: set[str]) -> None:
    prefix = next(p for p in ("n", "u", "q", "node", "gate") if not any(t.startswith(p) and t[len(p):].isdigit() for t in taken))
    out_name = next(p for p in ("f", "out", "output", "F") if p not in taken)
    count = 0
    for i in g.gates:
        if i == g.out:
            g.nodes[i].symbol = sym(out_name)
        else:
            count += 1
            g.nodes[i].symbol = sym(f"{prefix}{count}", f"{prefix}_{{{count}}}")


def _gate_count(p) -> int:
    return len(build_graph(p["expr"], False).gates)


# ---- validation -------------------------------------------------------------------------------------------------
def validate(p: dict[str, Any]) -> None:
    expr, vals = p["expr"], p["values"] or {}
    missing = [n for n in expr.names if n not in vals]
    if missing:
        raise InvalidInput("values", f"The 'values' parameter of comp_graph must give a value to every input of the "
                                     f"expression: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing. "
                                     f"Got {', '.join(vals) or 'no values'} instead.")
    build_graph(expr, False)  # raises InvalidInput for an expression with no gate decomposition


def use_numeric(p) -> bool:
    return _gate_count(p) > MAX_EXACT_GATES


def statement(p) -> Rich:
    vals = p["values"] or {}
    given = Rich()
    for i, (k, v) in enumerate(vals.items()):
        given += Rich(", " if i else " at ", Eq(sp.Symbol(k), v))
    return Rich("Draw the computational graph of ", Eq(sp.Symbol("f"), p["expr"].written), " and backpropagate through "
                "it", given, ": give the forward value of every node, the local gradient on every edge, and the "
                "gradient of f with respect to every input.")


# ---- evaluation (exact) ------------------------------------------------------------------------------------------
class Undefined(Exception):
    def __init__(self, node: int, what: str):
        super().__init__(what)
        self.node = node
        self.what = what


def _subs(g: Graph, i: int, vals: dict[int, Any]) -> dict:
    node = g.nodes[i]
    out = {}
    for sym_, a in zip((A, B), node.args):
        out[sym_] = vals[a]
    if node.k is not None:
        out[K] = node.k
    return out


#: Values beyond this overflow float64 (and the exam): reported as undefined, as the numeric path would.
MAX_MAGNITUDE = sp.Float("1e300")


def _checked(v, i, what) -> Any:
    """A finite real value (exact Rational or Float), else Undefined (1/0, log(-1), sqrt(-2), (-8)**(1/3), 3**100000)."""
    v = tidy(v)
    if not (v.is_Rational or v.is_Float) or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise Undefined(i, what)
    if abs(v) > MAX_MAGNITUDE:
        raise Undefined(i, "overflow")
    return v


def _safe_pow_args(node: Node, s: dict) -> dict:
    """A huge exact power (2**100000) is carried as a Float instead of a 30000-digit integer."""
    if node.op.key in ("powc", "pow", "cpow"):
        base, ex = (s[A], s.get(K, s.get(B))) if node.op.key != "cpow" else (s[K], s[A])
        if isinstance(base, sp.Rational) and isinstance(ex, sp.Integer) and base not in (0, 1, -1):
            digits = abs(int(ex)) * max(math.log10(abs(int(base.p)) or 1), math.log10(int(base.q)))
            if digits > 200:
                key = K if node.op.key == "cpow" else A
                s = {**s, key: sp.Float(base, 40)}
    return s


def forward(g: Graph, values: dict[str, Any]) -> dict[int, Any]:
    vals: dict[int, Any] = {}
    for i, node in enumerate(g.nodes):
        if node.kind == "const":
            vals[i] = node.value
        elif node.kind == "input":
            vals[i] = values[node.symbol.name]
        else:
            s = _safe_pow_args(node, _subs(g, i, vals))
            vals[i] = _checked(node.op.template.xreplace(s), i, "value")
    return vals


def local_values(g: Graph, vals) -> dict[tuple[int, int, int], Any]:
    out = {}
    for a, c, pos in g.edges():
        node = g.nodes[c]
        s = _safe_pow_args(node, _subs(g, c, vals))
        out[(a, c, pos)] = _checked(node.op.locals[pos].xreplace(s), c, "local")
    return out


def backward(g: Graph, locs) -> dict[int, Any]:
    grads: dict[int, Any] = {i: sp.Integer(0) for i in range(len(g.nodes))}
    grads[g.out] = sp.Integer(1)
    by_child: dict[int, list] = {}
    for (a, c, pos), v in locs.items():
        by_child.setdefault(c, []).append((a, pos, v))
    for c in reversed(range(len(g.nodes))):
        if c not in by_child:
            continue
        for a, pos, v in by_child[c]:
            grads[a] = tidy(grads[a] + grads[c] * v)
    return grads


def count_paths(g: Graph) -> dict[int, int]:
    """Number of paths from each node to the output (edges counted with multiplicity)."""
    paths = {i: 0 for i in range(len(g.nodes))}
    paths[g.out] = 1
    edges = list(g.edges())
    for a, c, pos in reversed(edges):
        paths[a] += paths[c]
    return paths


def list_paths(g: Graph, start: int, limit: int):
    """Up to `limit` paths from `start` to the output, each a list of edges (parent, child, position)."""
    children: dict[int, list] = {}
    for e in g.edges():
        children.setdefault(e[0], []).append(e)
    out, stack = [], [(start, [])]
    while stack and len(out) <= limit:
        n, path = stack.pop()
        if n == g.out:
            out.append(path)
            continue
        for e in reversed(children.get(n, [])):
            stack.append((e[1], path + [e]))
    return out


# ---- display ---------------------------------------------------------------------------------------------------
def _operand_expr(g: Graph, a: int):
    node = g.nodes[a]
    return node.value if node.kind == "const" else node.symbol


def _gate_expr(g: Graph, i: int, which=None) -> sp.Expr:
    """The gate's formula (or local derivative `which`) over its operands' names, constant substituted (built once
    per graph: build_graph is cached, so every solve of the same expression reuses it)."""
    key = (i, which)
    e = g.formulas.get(key)
    if e is None:
        e = g.formulas[key] = _gate_expr_built(g, i, which)
    return e


def _gate_expr_built(g: Graph, i: int, which=None) -> sp.Expr:
    node = g.nodes[i]
    s = {sym_: _operand_expr(g, a) for sym_, a in zip((A, B), node.args)}
    t = node.op.template if which is None else node.op.locals[which]
    if node.k is not None:  # the constant first, evaluated: K*A**(K - 1) at K = 2 is 2*A
        t = t.xreplace({K: node.k})
    with sp.evaluate(False):  # then the operands, unevaluated: in the gate's order (n3 + w2), not re-sorted
        return t.xreplace(s)


def _opvals(g: Graph, i: int, vals) -> dict:
    return {g.nodes[a].symbol: vals[a] for a in g.nodes[i].args if g.nodes[a].kind != "const"}


def _dsym(c: Node, p: Node, pos: int, dup: bool) -> sp.Symbol:
    return _partial(c.symbol, p.symbol, pos + 1 if dup else 0)


def _gsym(n: Node, out: Node) -> sp.Symbol:
    return _partial(out.symbol, n.symbol, 0)


@lru_cache(maxsize=4096)
def _partial(top: sp.Symbol, bottom: sp.Symbol, edge: int) -> sp.Symbol:
    """The symbol d top / d bottom (the edge number in brackets when two edges join the same nodes)."""
    suffix = f"[{edge}]" if edge else ""
    return sym(f"d{top.name}/d{bottom.name}{suffix}", r"\frac{\partial %s}{\partial %s}%s" % (
        sp.latex(top), sp.latex(bottom), r"_{(%d)}" % edge if edge else ""))


def _dups(g: Graph) -> set[tuple[int, int]]:
    seen, dup = set(), set()
    for a, c, _ in g.edges():
        if (a, c) in seen:
            dup.add((a, c))
        seen.add((a, c))
    return dup


_sig = F.text


def solve(p, conv) -> Derivation:
    d = Derivation()
    g = build_graph(p["expr"], conv["sigmoid_gate"] == "expand")
    values = dict(p["values"] or {})
    out = g.nodes[g.out]
    gates = g.gates
    d.given("Expression", text=f"f = {p['expr'].text}")
    if values:
        d.given("Input values", text=", ".join(f"{k} = {F.text(v)}" for k, v in values.items()))
    if not gates:
        return _no_gates(d, g, values)
    d.add(Step("formula", "Backpropagation", formula=Math(
        r"\frac{\partial %s}{\partial n} = \sum_{c \,\in\, \text{children}(n)} \frac{\partial %s}{\partial c} \frac{\partial c}{\partial n}"
        % (sp.latex(out.symbol), sp.latex(out.symbol)),
        f"d{out.name}/dn = sum over the children c of n of d{out.name}/dc * dc/dn"),
              text="Start from df/df = 1 at the output. Going backwards, each node n collects, over the edges to its "
                   "children c, the upstream gradient df/dc times the local gradient dc/dn (the multivariate chain rule)."))
    try:
        vals = forward(g, values)
        locs = local_values(g, vals)
    except Undefined as e:
        return _undefined(d, g, e, values)
    grads = backward(g, locs)
    dup = _dups(g)
    paths = count_paths(g)

    _graph_table(d, g, vals)
    detail = len(gates) <= DETAIL_GATES
    if detail and gates:
        with d.group("Forward pass", text="Each gate in topological order: its formula, its inputs' values, its value."):
            for i in gates:
                n = g.nodes[i]
                d.compute(f"{n.name}: {n.op.word}", n.symbol, _gate_expr(g, i), _opvals(g, i, vals), value=vals[i])
    d.conclude("The output", answers=(make_answer("output", vals[g.out]),),
               value=F.equals(out.symbol, vals[g.out]))
    if gates:
        if detail:
            with d.group("Local gradients", text="The derivative of each gate's output with respect to each of its inputs, "
                                                 "at the forward values."):
                for a, c, pos in g.edges():
                    cn, an = g.nodes[c], g.nodes[a]
                    d.compute(f"Edge {an.name} -> {cn.name}", _dsym(cn, an, pos, (a, c) in dup), _gate_expr(g, c, pos),
                              _opvals(g, c, vals), value=locs[(a, c, pos)])
        else:
            _local_table(d, g, vals, locs, dup)
        _backward_steps(d, g, grads, locs, dup, detail)

    answers = []
    for name, i in g.inputs.items():
        answers.append(make_answer(f"grad_{name}", grads[i]))
    for name in values:
        if name not in g.inputs:
            d.note(f"{name} is not in the expression", f"f does not depend on {name}, so df/d{name} = 0.")
            answers.append(make_answer(f"grad_{name}", sp.Integer(0)))
    d.conclude("Gradients of the inputs",
               text="; ".join(f"d{out.name}/d{n} = {_sig(grads[i])}" for n, i in g.inputs.items()) or "f has no inputs.",
               answers=tuple(answers))
    _paths_steps(d, g, locs, grads, paths, values)
    _sympy_check(d, p, g, grads, values)
    return d


def _graph_table(d, g: Graph, vals):
    rows = []
    for i, n in enumerate(g.nodes):
        if n.kind == "const":
            continue
        if n.kind == "input":
            rows.append((n.name, "input", "", "", vals[i]))
        else:
            ins = ", ".join(g.nodes[a].name for a in n.args)
            rows.append((n.name, n.op.word, ins, f"{n.name} = {text(_gate_expr(g, i))}", vals[i]))
    d.table("The computational graph", ["node", "gate", "inputs", "definition", "value"], rows,
            keys=("node", "gate", "inputs", "definition", "value"), index=("node",),
            text=f"{len(g.gates)} gate{'s' if len(g.gates) != 1 else ''} in topological order (every gate after its inputs); "
                 "the last one is the output.")


def _local_table(d, g: Graph, vals, locs, dup):
    rows = []
    for a, c, pos in g.edges():
        cn, an = g.nodes[c], g.nodes[a]
        rows.append((f"{an.name} -> {cn.name}", text(_gate_expr(g, c, pos)), locs[(a, c, pos)]))
    d.table("Local gradients", ["edge", "local derivative", "value"], rows,
            keys=("edge", "local_derivative", "local"), index=("edge",))


def _backward_steps(d, g: Graph, grads, locs, dup, detail: bool):
    out = g.nodes[g.out]
    by_parent: dict[int, list] = {}
    for (a, c, pos), v in locs.items():
        by_parent.setdefault(a, []).append((c, pos, v))
    order = [i for i in reversed(range(len(g.nodes))) if i in by_parent]
    if detail:
        with d.group("Backward pass", text=f"d{out.name}/d{out.name} = 1; then every node in reverse topological order: "
                                           "the sum over its children of upstream times local gradient."):
            d.given("Output", sp.Integer(1), lhs=_gsym(out, out))
            for a in order:
                an = g.nodes[a]
                terms, vals_ = [], {}
                for c, pos, v in sorted(by_parent[a], key=lambda t: (t[0], t[1])):
                    cn = g.nodes[c]
                    up, lo = _gsym(cn, out), _dsym(cn, an, pos, (a, c) in dup)
                    terms.append(sp.Mul(up, lo, evaluate=False))
                    vals_[up], vals_[lo] = grads[c], v
                expr = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
                kind = "compute"
                title = f"{an.name}" + (" (input)" if an.kind == "input" else "") + \
                        (f": {len(terms)} outgoing edges, summed" if len(terms) > 1 else "")
                d.compute(title, _gsym(an, out), expr, vals_, value=grads[a], kind=kind)
    else:
        rows = [(g.nodes[a].name, grads[a]) for a in order]
        d.table("Backward pass", ["node n", f"d{out.name}/dn"], rows, keys=("node", "grad"), index=("node",),
                text="Every node in reverse topological order: the sum over its children of upstream times local gradient.")


def _paths_steps(d, g: Graph, locs, grads, paths, values):
    out = g.nodes[g.out]
    with d.group("The multivariate chain rule: sum over paths",
                 text="The gradient of an input is also the sum, over every path from it to the output, of the product of "
                      "the local gradients on the path (the introductory slides). Backpropagation adds these products node by node "
                      "instead of listing the paths, whose number can grow exponentially with depth."):
        answers = []
        for name, i in g.inputs.items():
            k = paths[i]
            answers.append(make_answer(f"paths_{name}", sp.Integer(k)))
            if k == 0 or k > MAX_PATHS_LISTED:
                d.note(f"{name}: {k} path{'s' if k != 1 else ''}",
                       f"{k} paths from {name} to {out.name}; too many to list, so only backpropagation's total is given: "
                       f"d{out.name}/d{name} = {_sig(grads[i])}." if k else f"{name} has no path to the output.")
                continue
            prods_t, prods_l, total = [], [], sp.Integer(0)
            for path in list_paths(g, i, MAX_PATHS_LISTED):
                prod = sp.Integer(1)
                for e in path:
                    prod = tidy(prod * locs[e])
                total = tidy(total + prod)
                chain = " -> ".join([name] + [g.nodes[e[1]].name for e in path])
                prods_t.append(f"[{chain}] " + " * ".join(F.text(locs[e], paren=True) for e in path))
                prods_l.append(r"\underbrace{%s}_{%s}" % (r" \cdot ".join(F.latex(locs[e], paren=True) for e in path),
                                                         r" \to ".join([sp.latex(g.nodes[i].symbol)] +
                                                                       [sp.latex(g.nodes[e[1]].symbol) for e in path])))
            lhs = _gsym(g.nodes[i], out)
            d.add(Step("compute", f"{name}: {k} path{'s' if k > 1 else ''}",
                       formula=Math(r"%s = \sum_{p} \prod_{(i,j) \in p} z(i,j)" % latex(lhs), f"{lhs.name} = sum over paths of the product of local gradients"),
                       substituted=Math(f"{latex(lhs)} = " + " + ".join(prods_l), f"{lhs.name} = " + " + ".join(prods_t)),
                       value=F.equals(lhs, total)))
        d.conclude("Paths to the output", text=", ".join(f"{n}: {paths[i]}" for n, i in g.inputs.items()) or "no inputs",
                   answers=tuple(answers))


def _tree_size(e: sp.Basic, memo: dict) -> int:
    """Size of the expression as a tree (shared subexpressions counted every time), in time linear in the DAG."""
    n = memo.get(e)
    if n is None:
        n = memo[e] = 1 + sum(_tree_size(a, memo) for a in e.args)
    return n


MAX_CHECK_TREE = 2_000


@lru_cache(maxsize=256)
def _derivative(expr: sp.Expr, s: sp.Symbol) -> tuple[sp.Expr, int]:
    """SymPy's derivative of the whole expression and its tree size, once per (expression, input): the check
    step differentiates the same typed expression on every solve of it (a class working the same problem)."""
    deriv = sp.diff(expr, s)
    return deriv, _tree_size(deriv, {})


def _sympy_check(d, p, g: Graph, grads, values):
    expr = p["expr"].value
    out = g.nodes[g.out]
    subs = {s: values[s.name] for s in expr.free_symbols}
    if _tree_size(expr, {}) > MAX_CHECK_TREE:
        d.note("Symbolic check skipped", f"Written out as a tree the expression has more than {MAX_CHECK_TREE} nodes (its "
                                         "graph shares subexpressions), too many to differentiate symbolically here.")
        return
    with d.group("Check: symbolic differentiation", text="SymPy differentiates the whole expression; evaluated at the "
                                                         "inputs it must give backpropagation's values."):
        for name, i in g.inputs.items():
            s = g.nodes[i].symbol
            deriv, size = _derivative(expr, s)
            lhs = _gsym(g.nodes[i], out)
            try:
                val = _checked(deriv.xreplace(subs), i, "check") if size < 10 * MAX_CHECK_TREE else None
            except Undefined:
                val = None
            if val is None:
                d.note(f"d{out.name}/d{name}", "SymPy's derivative is undefined or too long to show here (a kink, or a "
                                               "large expression); backpropagation's value stands.")
                continue
            agree = abs(val - grads[i]) <= sp.Float(10) ** -25 * (1 + abs(val))
            if size > 60:
                d.compare(f"d{out.name}/d{name}: " + ("agrees" if agree else "differs"),
                          text=f"SymPy's derivative (too long to print) gives {_sig(val)}; backpropagation gave {_sig(grads[i])}.")
                continue
            d.compute(f"d{out.name}/d{name} by SymPy: " + ("agrees" if agree else "differs (a kink: the tie rule decides)"),
                      lhs, deriv, subs, value=val, kind="compare")


def _no_gates(d, g: Graph, values) -> Derivation:
    """f is a constant or a single input: no gates, and the gradient is 1 (f = x) or 0."""
    v = g.nodes[g.out].value if g.nodes[g.out].kind == "const" else values[g.nodes[g.out].symbol.name]
    d.note("No gates", "The expression is " + ("a constant" if g.nodes[g.out].kind == "const" else "a single input") +
           ", so its graph has no gates: df/dx = 1 for f = x and 0 for any input f does not depend on.")
    d.conclude("The output", answers=(make_answer("output", v),), value=F.equals(sym("f"), v))
    answers, paths = [], []
    for name in values:
        one = g.nodes[g.out].kind == "input" and g.nodes[g.out].symbol.name == name
        answers.append(make_answer(f"grad_{name}", sp.Integer(1 if one else 0)))
        paths.append(make_answer(f"paths_{name}", sp.Integer(1 if one else 0)))
    d.conclude("Gradients of the inputs", answers=tuple(answers),
               text="; ".join(f"df/d{a.name[5:]} = {a.display}" for a in answers))
    d.conclude("Paths to the output", answers=tuple(paths))
    return d


def _undefined(d, g: Graph, e: Undefined, values) -> Derivation:
    n = g.nodes[e.node]
    ins = ", ".join(g.nodes[a].name for a in n.args)
    d.status = "undefined"
    if e.what == "overflow":
        d.note(f"{n.name} = {sp.sstr(_gate_expr(g, e.node))} overflows",
               f"At these inputs a value of {n.name} (inputs: {ins}) exceeds 1e300 in size, beyond double precision; "
               "choose smaller values.")
        return d
    what = "its value" if e.what == "value" else "its local derivative"
    d.note(f"{n.name} = {sp.sstr(_gate_expr(g, e.node))} is undefined here",
           f"At these inputs {what} is not a real number (a division by zero, the logarithm or square root of a negative "
           f"number, or a power of a negative number); the inputs of {n.name} are {ins}. The gradient does not exist at "
           "this point: choose other values.")
    return d


# ---- solve_numeric --------------------------------------------------------------------------------------------
_NP_CACHE: dict[tuple[str, int], Any] = {}


def _np_fn(op: Op, which):
    key = (op.key, -1 if which is None else which)
    f = _NP_CACHE.get(key)
    if f is None:
        t = op.template if which is None else op.locals[which]
        f = _NP_CACHE[key] = numpy_function(t, [A, B, K])
    return f


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    g = build_graph(p["expr"], conv["sigmoid_gate"] == "expand")
    if not g.gates:
        return _no_gates(d, g, dict(p["values"] or {}))
    values = {k: float(v) for k, v in (p["values"] or {}).items()}
    vals: dict[int, float] = {}
    locs = {}
    with np.errstate(all="ignore"):
        for i, n in enumerate(g.nodes):
            if n.kind == "const":
                vals[i] = float(n.value)
            elif n.kind == "input":
                vals[i] = values[n.symbol.name]
            else:
                args = [np.float64(vals[a]) for a in n.args] + [np.float64(0.0)] * (2 - len(n.args))
                kk = np.float64(float(n.k) if n.k is not None else 0.0)
                vals[i] = float(_np_fn(n.op, None)(args[0], args[1], kk))
        for a, c, pos in g.edges():
            n = g.nodes[c]
            args = [np.float64(vals[x]) for x in n.args] + [np.float64(0.0)] * (2 - len(n.args))
            kk = np.float64(float(n.k) if n.k is not None else 0.0)
            locs[(a, c, pos)] = float(_np_fn(n.op, pos)(args[0], args[1], kk))
    bad = [i for i, v in vals.items() if not math.isfinite(v) or abs(v) > 1e300] + \
        [c for (a, c, pos), v in locs.items() if not math.isfinite(v) or abs(v) > 1e300]
    big = len(g.gates) > MAX_EXACT_GATES
    d.note("Numeric path", f"{len(g.gates)} gates evaluated in float64 NumPy; the per-node steps are not shown"
                           + (f" (worked steps are given for graphs of up to {MAX_EXACT_GATES} gates)." if big else "."))
    if bad:
        d.status = "undefined"
        d.note("Undefined", f"{g.nodes[bad[0]].name} is not a finite real number at these inputs (a division by zero, a "
                            "logarithm or root of a negative number, or an overflow).")
        return d
    grads = {i: 0.0 for i in range(len(g.nodes))}
    grads[g.out] = 1.0
    for (a, c, pos), v in sorted(locs.items(), key=lambda t: -t[0][1]):
        grads[a] += grads[c] * v
    paths = count_paths(g)
    d.conclude("The output", answers=(make_answer("output", vals[g.out]),))
    answers = [make_answer(f"grad_{n}", grads[i]) for n, i in g.inputs.items()]
    answers += [make_answer(f"grad_{n}", sp.Integer(0)) for n in values if n not in g.inputs]
    d.conclude("Gradients of the inputs", answers=tuple(answers))
    d.conclude("Paths to the output", answers=tuple(make_answer(f"paths_{n}", sp.Integer(paths[i])) for n, i in g.inputs.items()))
    return d


# ---- generate ----------------------------------------------------------------------------------------------------
_UNARY = ("exp", "sin", "cos", "tanh", "sigmoid")


def _random_expr(rng: np.random.Generator, names: list[str], depth: int) -> tuple[str, int, bool]:
    """A random expression as text, its precedence (3 atom or call, 2 product, 1 sum) and whether it has an input:
    parentheses only where needed; a constant is only ever an operand of + - * / (never sigmoid(3), exp(1) or
    3**3**2: an exam's graph has no gate whose inputs are all constants)."""
    if depth == 0 or rng.random() < 0.25:
        if rng.random() < 0.2:
            return str(int(rng.integers(1, 4))), 3, False
        return str(rng.choice(names)), 3, True
    r = rng.random()
    a, pa, va = _random_expr(rng, names, depth - 1)
    if r < 0.5:
        b, pb, vb = _random_expr(rng, names, depth - 1)
        while b == a or not (va or vb):  # x - x and x / x are constants in disguise; 2 * 3 is no gate
            b, pb, vb = _random_expr(rng, names, depth - 1)
        op = str(rng.choice(["+", "-", "*", "*", "/"]))
        prec = 1 if op in "+-" else 2
        left = a if pa >= prec else f"({a})"
        right = b if (pb > prec if op in "-/" else pb >= prec) else f"({b})"
        return f"{left} {op} {right}", prec, True
    if not va:  # a constant: leave it as it is
        return a, pa, va
    if r < 0.65:
        return f"{a if pa == 3 else '(' + a + ')'}**{int(rng.integers(2, 4))}", 3, True
    if r < 0.75:
        return f"log(1 + {a if pa == 3 else '(' + a + ')'}**2)", 3, True
    return f"{rng.choice(_UNARY)}({a})", 3, True


def generate(rng: np.random.Generator) -> dict:
    """A random expression of 2 or 3 inputs built from + - * / powers and smooth functions, at small decimal inputs."""
    names = ["w", "x", "b"]
    while True:
        k = int(rng.integers(2, 4))
        use = names[:k]
        text = _random_expr(rng, use, int(rng.integers(2, 4)))[0]
        vals = {n: round(float(rng.uniform(-2, 2)), 1) for n in use}
        raw = {"expr": text, "values": ", ".join(f"{n}={v}" for n, v in vals.items())}
        # well posed: the expression uses at least one input, every node's value and local gradient is a finite
        # real number (no division by zero) and the values stay moderate
        try:
            parsed = GraphExpr().parse(text)
            if len(parsed.names) < 2:
                continue
            values = AssignmentsSpec().parse(raw["values"])
            g = build_graph(parsed, False)
            fv = forward(g, values)
            lv = local_values(g, fv)
        except (SpecError, InvalidInput, Undefined):  # a draw that is not well posed is simply redrawn
            continue
        if not 3 <= len(g.gates) <= 25 or any(abs(v) > 1e6 for v in list(fv.values()) + list(lv.values())):
            continue
        raw["values"] = ", ".join(f"{n}={vals[n]}" for n in parsed.names)
        return raw
