"""Rich text with maths: a problem statement as a small typed structure, not a string with ASCII maths.

A family's `statement(params)` returns `Rich(...)` built from pieces:

    Rich("Apply Adam with ", Eq(beta1, p["beta1"]), " and learning rate ", Eq(eta, p["lr"]), " to ",
         Eq(sp.Function("f")(x, y), loss), ", starting at ", Eq(w, p["w0"]), ".")

- a `str` is prose;
- a SymPy expression, an `Eq(lhs, rhs)` (rhs a SymPy expression or a value) or a `Math` is maths;
- a number, vector or matrix is maths printed by the formatting layer (solver.format).

Every output takes it in its own terms: `.latex()` for LaTeX papers and Moodle/QTI (MathJax renders
`\\(...\\)`), `.markdown()` with `$...$`, `.html(render)` with MathML from a callback, and `.text()`, which
spells the maths in readable Unicode (β₁ = 0.9, m̂, x² + 10y², √v̂ + ε) for terminals, GIFT and CSV. The
JSON of a Solution keeps `statement` as that Unicode text and adds `statement_rich`, a list of
{"text": ...} and {"latex": ..., "text": ...} items.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import sympy as sp
from sympy.printing.str import StrPrinter

from .steps import Math


@dataclass(frozen=True)
class Eq:
    """`lhs = rhs` as one piece of maths (rhs a SymPy expression or a value for the formatting layer)."""

    lhs: Any
    rhs: Any


class Rich:
    """A statement: prose and maths in order. Immutable; `+` joins two statements."""

    __slots__ = ("parts",)

    def __init__(self, *pieces: Any):
        parts: list[str | Math] = []
        for piece in pieces:
            for part in _pieces(piece):
                if isinstance(part, str) and parts and isinstance(parts[-1], str):
                    parts[-1] += part
                elif part != "":
                    parts.append(part)
        object.__setattr__(self, "parts", tuple(parts))

    def __setattr__(self, name, value):  # pragma: no cover - immutable
        raise AttributeError("Rich is immutable")

    def __add__(self, other: Any) -> "Rich":
        return Rich(self, other)

    def __radd__(self, other: Any) -> "Rich":
        return Rich(other, self)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Rich) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __repr__(self) -> str:
        return f"Rich({self.text()!r})"

    def __str__(self) -> str:
        return self.text()

    # -- outputs --------------------------------------------------------------------------------------
    def text(self) -> str:
        """Readable Unicode: β₁ = 0.9, x² + 10y²."""
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def latex(self, escape: Callable[[str], str] = lambda s: s) -> str:
        """LaTeX with inline maths \\(...\\); `escape` makes the prose safe for the target."""
        return "".join(escape(p) if isinstance(p, str) else r"\(" + p.latex + r"\)" for p in self.parts)

    def markdown(self, escape: Callable[[str], str] = lambda s: s) -> str:
        return "".join(escape(p) if isinstance(p, str) else "$" + p.latex + "$" for p in self.parts)

    def html(self, render_math: Callable[[str], str], escape: Callable[[str], str]) -> str:
        """HTML: prose escaped, maths through `render_math(latex)` (MathML on the web pages)."""
        return "".join(escape(p) if isinstance(p, str) else render_math(p.latex) for p in self.parts)

    def to_json(self) -> list[dict]:
        return [{"text": p} if isinstance(p, str) else {"latex": p.latex, "text": p.text} for p in self.parts]

    @classmethod
    def from_json(cls, data: Iterable[dict] | None, fallback: str = "") -> "Rich":
        if not data:
            return cls(fallback)
        return cls(*(d["text"] if "latex" not in d else Math(d["latex"], d["text"]) for d in data))


def rich(statement: Any) -> Rich:
    """A family's statement as Rich (a plain string is prose)."""
    return statement if isinstance(statement, Rich) else Rich(str(statement))


def _pieces(piece: Any) -> Iterable[str | Math]:
    from . import format as F
    from .symbolic import latex as expr_latex

    if piece is None:
        return ()
    if isinstance(piece, Rich):
        return piece.parts
    if isinstance(piece, str):
        return (piece,)
    if isinstance(piece, Math):
        return (piece,)
    if isinstance(piece, Eq):
        lhs = piece.lhs if isinstance(piece.lhs, Math) else Math(expr_latex(piece.lhs), unicode(piece.lhs))
        rhs = _math_of(piece.rhs)
        return (Math(f"{lhs.latex} = {rhs.latex}", f"{lhs.text} = {rhs.text}"),)
    return (_math_of(piece),)


def _math_of(v: Any) -> Math:
    from . import format as F
    from .symbolic import latex as expr_latex

    if isinstance(v, Math):
        return v
    if isinstance(v, sp.Basic) and not v.is_Number and not isinstance(v, sp.MatrixBase):
        v = _as_written(v)
        return Math(expr_latex(v), unicode(v))
    return F.math(v)


def _as_written(e: sp.Basic) -> sp.Basic:
    """An unevaluated expression (as the user typed it) without the unit factors the parser leaves in it: 1/(1 + e)
    is Mul(1, Pow(1 + e, -1)), which prints as 1 · 1/(1 + e). Evaluated expressions have none and come back as they
    are; the structure is kept (evaluate=False)."""
    if not e.args or isinstance(e, (sp.MatrixBase, sp.Number)):
        return e
    args = tuple(_as_written(a) for a in e.args)
    if e.is_Mul:
        args = tuple(a for a in args if a != 1) or (sp.Integer(1),)
        if len(args) == 1:
            return args[0]
    if args == e.args:
        return e
    try:
        return e.func(*args, evaluate=False)
    except TypeError:  # a class that takes no evaluate flag
        return e


# -- readable Unicode for maths ------------------------------------------------------------------------

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eps": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "lam": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SUB = str.maketrans("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_MARK = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307"}
_GREEK_FIRST = sorted(_GREEK, key=len, reverse=True)


def unicode_name(name: str) -> str:
    """A symbol's plain name in Unicode: beta1 -> β₁, m_hat -> m̂, v_hat_t -> v̂ₜ, eta -> η, w_0 -> w₀.
    Words (lr, loss) and names it cannot read stay as written."""
    parts = name.split("_")
    head, rest = parts[0], parts[1:]
    mark = ""
    if rest and rest[0] in _MARK:
        mark, rest = _MARK[rest[0]], rest[1:]
    base, digits = head, ""
    m = re.match(r"^([A-Za-z]+?)(\d+)$", head)
    if m:
        base, digits = m.groups()
    if base in _GREEK:
        base = _GREEK[base]
    elif len(base) > 1:
        return name  # a word: as written
    tail = digits + "".join(rest)
    if not tail:
        return base + mark
    sub = tail.translate(_SUB)
    if any(c.isascii() and c.isalpha() for c in sub):  # no subscript letter for it: keep the name readable
        return name if not mark else base + mark + "_" + tail
    return base + mark + sub


class _Unicode(StrPrinter):
    """SymPy's plain printer with Greek letters, sub/superscripts, √ and implicit multiplication."""

    def __init__(self):
        super().__init__({"order": "none"})

    def _print_Symbol(self, expr):
        return unicode_name(expr.name)

    def _print_Pow(self, expr, rational=False):
        b, e = expr.as_base_exp()
        if e == sp.Rational(1, 2):
            inner = self._print(b)
            return "√" + (inner if _atomic(b) else f"({inner})")
        if e.is_Integer and 1 < int(e) < 10 and _atomic(b):
            return self._print(b) + str(int(e)).translate(_SUP)
        if e == -1:
            return "1/" + (self._print(b) if _atomic(b) else f"({self._print(b)})")
        if e == sp.Rational(-1, 2):
            return "1/√" + (self._print(b) if _atomic(b) else f"({self._print(b)})")
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Mul(self, expr):
        s = super()._print_Mul(expr)
        # 10*y² -> 10y²; 2*x -> 2x (a number times a name); keep * between names (w*x reads wx otherwise)
        return re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)\*(?=[^\W\d])", r"\1", s).replace("*", "·")

    def _print_exp(self, expr):
        return "exp(" + self._print(expr.args[0]) + ")"

    def _print_Pi(self, expr):
        return "π"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"


def _atomic(e) -> bool:
    return bool(e.is_Atom or isinstance(e, sp.Function))


def unicode(expr: Any) -> str:
    """An expression in readable Unicode (x² + 10y², β₁·m + (1 - β₁)·g)."""
    if isinstance(expr, str):
        return expr
    return _Unicode().doprint(expr)


__all__ = ["Rich", "Eq", "rich", "unicode", "unicode_name"]
