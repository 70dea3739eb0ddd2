"""The parameters the optimizer families share: the gradient source, the start state and the hyperparameters.

Parameter specs (parsed without eval): `StartValues` (a number, a vector, or named values `w=2.5, b=0`),
`GradientSequence` (gradients per step), `LossExpr` (a loss expression that remembers its variables' order),
`Names` (variable names); and the declarations built from them: `source_params`, `history_param`, `lr_param`,
`adam_params`, `moment_histories`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from solver import parse as P
from solver import format as F
from solver.numbers import to_json_number
from solver.params import Choice, Expr, Int, Param, Real, Spec, SpecError, Vector

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$")


class NamedValues(tuple):
    """A tuple of exact numbers that remembers the parameter names it was given with (`w=2.5, b=0`)."""

    names: tuple[str, ...] = ()

    def __new__(cls, names, values):
        obj = super().__new__(cls, values)
        obj.names = tuple(names)
        return obj

    def __getnewargs__(self):
        return (self.names, tuple(self))


_TEXT_LIMIT = 10_000  # larger arrays (passed through the Python API) are summarised, as params_to_json does


def _array_placeholder(a: np.ndarray) -> str:
    return f"<array of shape {list(a.shape)}>"


def _number(raw) -> sp.Rational:
    try:
        return Real().parse(raw)
    except SpecError as e:
        raise SpecError(str(e).replace("must be a number. ", "")) from None


def _finite(a: np.ndarray, why: str = "entries must be finite numbers; got NaN or infinity") -> np.ndarray:
    """`a` made read-only (the drivers copy what they change), after checking every entry is finite."""
    if not np.all(np.isfinite(a)):
        raise SpecError(why)
    a.setflags(write=False)
    return a


def _numbers_array(raw: np.ndarray, ndims: tuple[int, ...]) -> np.ndarray:
    """A float64 copy of a NumPy array of numbers (the Python API's input) with one of `ndims` dimensions."""
    if raw.dtype.kind not in "biuf":
        raise SpecError(f"expected an array of numbers, got dtype {raw.dtype}")
    if raw.ndim not in ndims or raw.size == 0:
        kind = "a vector" if ndims == (1,) else "a vector or a matrix"
        raise SpecError(f"expected {kind}, got an array of shape {raw.shape}")
    return _finite(np.array(raw, dtype=np.float64))


def _float_vector(raw: np.ndarray) -> np.ndarray:
    if raw.ndim == 2 and 1 in raw.shape or raw.ndim == 0:
        raw = raw.reshape(-1)
    return _numbers_array(raw, (1,))


@dataclass(frozen=True)
class StartValues(Spec):
    """A number, a vector, or named values `w=2.5, b=0` (parsed by regular expressions, never eval)."""

    kind = "vector"

    def parse(self, raw):
        if isinstance(raw, np.ndarray):
            return _float_vector(raw)
        if isinstance(raw, Mapping):
            if not raw:
                raise SpecError("expected named values such as w=2.5, b=0, got nothing")
            return NamedValues([str(k) for k in raw], [_number(v) for v in raw.values()])
        if isinstance(raw, str) and "=" in raw:
            return self._named(raw)
        if isinstance(raw, (int, float, Fraction, sp.Basic, np.number)) and not isinstance(raw, (bool, np.bool_)):
            return (_number(raw),)
        try:
            return Vector(max_len=100_000).parse(raw)
        except SpecError as e:
            raise SpecError(f"{e} (or give named values such as w=2.5, b=0)".replace(". (", " (")) from None

    @staticmethod
    def _named(raw: str) -> NamedValues:
        if len(raw) > 10_000:
            raise SpecError("named values are too long (at most 10000 characters)")
        names, values = [], []
        for part in re.split(r"[,;\n]", raw):
            if not part.strip():
                continue
            m = _NAMED.match(part)
            if m is None:
                raise SpecError(f"expected name=value pairs such as w=2.5, b=0, got {part.strip()[:40]!r}")
            name, value = m.group(1), m.group(2)
            if name in names:
                raise SpecError(f"gives {name!r} twice")
            try:
                values.append(P.parse_number(value))
            except P.ParseError as e:
                raise SpecError(f"value of {name!r}: {e}") from None
            names.append(name)
        if not names:
            raise SpecError("expected name=value pairs such as w=2.5, b=0, got nothing")
        return NamedValues(names, values)

    def describe(self):
        return "a number, a vector such as [2.5, 0], or named values such as w=2.5, b=0"

    def to_json(self, value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, NamedValues):
            return {n: to_json_number(v) for n, v in zip(value.names, value)}
        return [to_json_number(v) for v in value]

    def to_text(self, value):
        if isinstance(value, NamedValues):
            return ", ".join(f"{n}={F.text(v, 12, exact='decimal')}" for n, v in zip(value.names, value))
        if isinstance(value, np.ndarray) and value.size > _TEXT_LIMIT:
            return _array_placeholder(value)
        return Vector().to_text(value)


#: Past this many entries, gradients are held as float64 (their problem takes the numeric path anyway:
#: n * steps > 600); an exact number each would cost microseconds per entry in every later use.
LARGE = 2000


def _float_of(v) -> float:
    if isinstance(v, float):
        return v
    r = v if isinstance(v, sp.Rational) else _number(v)
    try:
        return r.p / r.q
    except OverflowError:
        return float("inf")


def _floats(values) -> np.ndarray:
    """Many parsed numbers as a read-only float64 array (each must be within float64's range)."""
    return _finite(np.fromiter((_float_of(v) for v in values), dtype=np.float64, count=len(values)),
                   f"entries must be finite numbers within float64's range (about 1.8e308) when there are more than "
                   f"{LARGE}; got NaN, infinity or a larger number")


@dataclass(frozen=True)
class GradientSequence(Spec):
    """Gradients per step: a list of numbers (one parameter, one number per step) or a matrix (one row per step)."""

    kind = "matrix"

    def parse(self, raw):
        if isinstance(raw, np.ndarray):
            return _numbers_array(raw, (1, 2))
        if isinstance(raw, (int, float, Fraction, sp.Basic)) and not isinstance(raw, bool):
            return (_number(raw),)
        if isinstance(raw, str):
            try:
                data = P.parse_array(raw)
            except P.ParseError as e:
                raise SpecError(str(e)) from None
        elif isinstance(raw, (list, tuple)):
            data = list(raw)
        else:
            raise SpecError(f"expected numbers per step such as [1, 0] or [[1, -2], [0, 3]], got {str(raw)[:40]!r}")
        if not data:
            raise SpecError("expected at least one gradient, got nothing")
        nested = [isinstance(r, (list, tuple)) for r in data]
        if any(nested) and not all(nested):
            raise SpecError("mixes numbers and rows: give one number per step or one row per step")
        if not any(nested):
            return _floats(data) if len(data) > LARGE else tuple(_number(v) for v in data)
        width = len(data[0])
        for i, r in enumerate(data):
            if len(r) != width or width == 0:
                raise SpecError(f"row {i + 1} has {len(r)} entries but row 1 has {width}")
            if any(isinstance(v, (list, tuple)) for v in r):
                raise SpecError("nesting deeper than a matrix")
        if len(data) * width > LARGE:
            return _floats([v for r in data for v in r]).reshape(len(data), width)
        return tuple(tuple(_number(v) for v in r) for r in data)

    def describe(self):
        return "gradients per step: numbers such as [1, 0] (one parameter) or a matrix with one row per step"

    def to_json(self, value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        if value and isinstance(value[0], tuple):
            return [[to_json_number(v) for v in r] for r in value]
        return [to_json_number(v) for v in value]

    def to_text(self, value):
        if isinstance(value, np.ndarray):
            if value.size > _TEXT_LIMIT:
                return _array_placeholder(value)
            value = value.tolist()
        if value and isinstance(value[0], (tuple, list)):
            return "[" + ", ".join("[" + ", ".join(F.text(v, 12, exact="decimal") for v in r) + "]" for r in value) + "]"
        return "[" + ", ".join(F.text(v, 12, exact="decimal") for v in value) + "]"


@dataclass(frozen=True)
class ParsedLoss:
    """A parsed loss: the SymPy expression, its variables in order of first appearance, and the text typed."""

    expr: sp.Expr
    names: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class LossExpr(Expr):
    """A loss expression in the parameters; remembers the order in which the variables first appear."""

    def parse(self, raw):
        if isinstance(raw, ParsedLoss):
            return raw
        if isinstance(raw, sp.Expr):
            expr = super().parse(raw)
            names = tuple(sorted(str(s) for s in expr.free_symbols))
            return ParsedLoss(expr, names, sp.sstr(expr))
        if not isinstance(raw, str):
            raise SpecError(f"expected an expression such as x**2 + 4*y**2, got {str(raw)[:40]!r}")
        reserved = set(P.DEFAULT_FUNCTIONS)
        found: list[str] = []
        for m in _IDENT.finditer(raw[:10_000]):
            if m.group(0) not in reserved and m.group(0) not in found:
                found.append(m.group(0))
        if len(found) > self.max_variables:
            raise SpecError(f"uses {len(found)} variable names; at most {self.max_variables} are allowed")
        try:
            expr = P.parse_expr(raw, {n: sp.Symbol(n, real=True) for n in found})
        except P.ParseError as e:
            raise SpecError(str(e)) from None
        if not isinstance(expr, sp.Expr):
            raise SpecError(f"expected an expression such as x**2 + 4*y**2, got {raw[:40]!r}")
        free = {str(s) for s in expr.free_symbols}
        return ParsedLoss(expr, tuple(n for n in found if n in free), raw.strip())

    def to_json(self, value):
        return value.text

    def to_text(self, value):
        return value.text


@dataclass(frozen=True)
class ParsedGradient:
    """Parsed gradient expressions: one SymPy expression per parameter, the variables in order of first
    appearance, and the text typed."""

    exprs: tuple[sp.Expr, ...]
    names: tuple[str, ...]
    text: str


def _split_top(text: str) -> list[str]:
    """'2*x, max(x, 0)' -> ['2*x', 'max(x, 0)']: split at commas and semicolons outside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch in ",;" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [q.strip() for q in parts]


@dataclass(frozen=True)
class GradientExprs(Expr):
    """The gradient as expressions in the parameters: one expression (one parameter, or every entry of a vector
    w0) or one per parameter, such as `2*x, 20*y` (dL/dx = 2x, dL/dy = 20y)."""

    def parse(self, raw):
        if isinstance(raw, ParsedGradient):
            return raw
        if isinstance(raw, sp.Expr):
            raw = [raw]
        if isinstance(raw, (list, tuple)):
            items = [r if isinstance(r, sp.Expr) else str(r) for r in raw]
            text = ", ".join(sp.sstr(r) if isinstance(r, sp.Expr) else r for r in items)
        elif isinstance(raw, str):
            text = raw.strip()
            inner = text[1:-1] if len(text) > 1 and text[0] + text[-1] in ("[]", "()") and _split_top(text[1:-1]) != [text[1:-1]] else text
            items = _split_top(inner)
        else:
            raise SpecError(f"expected expressions such as 2*x, 20*y, got {str(raw)[:40]!r}")
        if not items or any(isinstance(r, str) and not r for r in items):
            raise SpecError("expected one expression per parameter such as 2*x, 20*y; an entry is empty")
        if len(items) > 8:
            raise SpecError(f"gives {len(items)} expressions; at most 8 parameters are allowed")
        reserved = set(P.DEFAULT_FUNCTIONS)
        found: list[str] = []
        for r in items:
            names = ([str(x) for x in sorted(r.free_symbols, key=str)] if isinstance(r, sp.Expr)
                     else [m.group(0) for m in _IDENT.finditer(r[:10_000])])
            for nm in names:
                if nm not in reserved and nm not in found:
                    found.append(nm)
        if len(found) > self.max_variables:
            raise SpecError(f"uses {len(found)} variable names; at most {self.max_variables} are allowed")
        table = {n: sp.Symbol(n, real=True) for n in found}
        exprs = []
        for i, r in enumerate(items):
            if isinstance(r, sp.Expr):
                exprs.append(r.xreplace({s_: table[s_.name] for s_ in r.free_symbols if s_.name in table}))
                continue
            try:
                e = P.parse_expr(r, table)
            except P.ParseError as err:
                where = f"expression {i + 1}: " if len(items) > 1 else ""
                raise SpecError(f"{where}{err}") from None
            if not isinstance(e, sp.Expr):
                raise SpecError(f"expected expressions such as 2*x, 20*y, got {r[:40]!r}")
            exprs.append(e)
        free = {str(x) for e in exprs for x in e.free_symbols}
        return ParsedGradient(tuple(exprs), tuple(n for n in found if n in free), text)

    def describe(self):
        return "the gradient as expressions, one per parameter, such as 2*x, 20*y"

    def to_json(self, value):
        return value.text

    def to_text(self, value):
        return value.text


@dataclass(frozen=True)
class Names(Spec):
    """Variable names in order, such as `x, y`."""

    kind = "text"

    def parse(self, raw):
        items = list(raw) if isinstance(raw, (list, tuple)) else re.split(r"[\s,;]+", str(raw).strip().strip("[]()"))
        items = [str(v).strip() for v in items if str(v).strip()]
        if not items:
            raise SpecError("expected variable names such as x, y, got nothing")
        long = next((v for v in items if len(v) > 40), None)
        if long is not None:
            raise SpecError(f"expected variable names of at most 40 characters, got {long[:40]!r}...")
        for v in items:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", v):
                raise SpecError(f"expected variable names such as x, y, got {v[:40]!r}")
        if len(set(items)) != len(items):
            raise SpecError("names a variable twice")
        if len(items) > 8:
            raise SpecError(f"names {len(items)} variables; at most 8 are allowed")
        return tuple(items)

    def describe(self):
        return "variable names in order, such as x, y"

    def to_json(self, value):
        return list(value)

    def to_text(self, value):
        return ", ".join(value)


SOURCES = {
    "auto": "chosen from what is given: grads, a gradient expression, a loss, or neuron data x and y",
    "grads": "the gradient at each step is given (a number per step, or one row per step)",
    "gradient": "the gradient is given as expressions in the parameters, one per parameter (such as 2*x, 20*y)",
    "loss": "a loss expression in the parameters, differentiated symbolically",
    "neuron": "the notes' sigmoid neuron y_hat = sigmoid(w x + b) on data x, y; parameters w and b",
}


#: The words exams use for the optimizers' parameters: the question reader's vocabulary (solver.reading).
LR_ALIASES = ("learning rate", "learning-rate", "step size", "step-size", "eta", "η", "eta_0", "η_0", "eta0", "lr",
              "initial learning rate", "global learning rate", "base learning rate")
#: Kingma & Ba and many exams write the step size alpha (RMSProp's torch alpha is its decay: not there)
ALPHA_LR_ALIASES = LR_ALIASES + ("alpha", "α", "alpha_0")
EPS_ALIASES = ("epsilon", "eps", "ε", "ϵ", "small constant", "smoothing term", "fuzz factor")
MOMENTUM_ALIASES = ("momentum", "momentum coefficient", "momentum parameter", "momentum term", "momentum factor",
                    "momentum constant", "beta", "β", "gamma", "γ", "mu", "μ", "decay", "friction")
HISTORY_U_ALIASES = ("u", "u_(t-1)", "history", "momentum history", "update history", "velocity", "previous update",
                     "accumulated update", "history u", "previous velocity")
START_ALIASES = ("starting at", "starting from", "start at", "start from", "starts at", "starts from",
                 "initial point", "initial value", "initial values", "initial weight", "initial weights",
                 "initial parameters", "initialized to", "initialised to", "initialized at", "initialised at",
                 "initialized with", "initialised with", "initial guess", "begin at", "beginning at", "from the point", "from",
                 "w_0", "w0", "θ_0", "theta_0", "x_0", "x0", "w", "b", "θ", "theta", "<variables>")
STEP_ALIASES = ("steps", "step", "iterations", "iteration", "updates", "update steps", "times", "epochs",
                "gradient steps", "optimizer steps", "optimization steps", "number of steps", "number of iterations")
NEURON_LOSS_CUES = {
    "mse": ("squared error", "mean square error", "mean squared error", "mse", "squared-error", "quadratic loss",
            "1/2 (y_hat - y)^2", "0.5 (y_hat - y)^2", "0.5*(y_hat - y)^2", "(1/2)(y_hat - y)^2", "1/2(y-y_hat)^2"),
    "ce": ("cross-entropy", "cross entropy", "log loss", "binary cross-entropy", "negative log-likelihood"),
}


def source_params() -> tuple[Param, ...]:
    """The gradient source and the start state, common to every optimizer family."""
    return (
        Param("source", Choice(SOURCES), default="auto", label="Gradient source",
              help="grads (numbers given per step), gradient (expressions in the parameters), loss (an expression, "
                   "differentiated), neuron (sigmoid neuron on data x, y)",
              cues={"neuron": ("sigmoid neuron", "logistic neuron"), "grads": ("gradients are", "the gradient is")}),
        Param("grads", GradientSequence(), label="Gradients per step",
              help="e.g. [1, 0] for one parameter over two steps, or [[1, -2], [0, 3]]: one row per step",
              aliases=("gradients", "gradient", "grads", "g", "g_t", "grad", "nabla w", "nabla_w", "nabla w_t",
                       "gradient sequence", "gradients per step", "the gradients are", "the gradient is",
                       "observed gradients", "gradient values")),
        Param("gradient", GradientExprs(), label="Gradient (expressions)",
              help="the gradient as given, instead of a loss: one expression per parameter, e.g. 2*x, 20*y for "
                   "dL/dx = 2x and dL/dy = 20y (the parameters in the order they first appear, or as in 'Parameter "
                   "order'). The loss is then not shown, unless it is given too (its values are then reported)",
              aliases=("gradient expression", "gradient expressions", "gradient function", "grad L", "grad f",
                       "∇L", "∇f", "∇L(w)", "∇f(x)", "nabla L", "nabla f", "partial derivatives", "dL/dw", "df/dx",
                       "the gradient of the loss is", "gradient vector")),
        Param("loss", LossExpr(), label="Loss", help="e.g. x**2 + 4*y**2; the variables are the parameters. A loss in "
              "one variable with a vector w0 applies to every entry (L = sum of f(w_i)), e.g. w**2 on a million parameters",
              aliases=("loss", "loss function", "objective", "objective function", "cost", "cost function", "f", "L",
                       "J", "E", "minimize", "minimise", "function")),
        Param("vars", Names(), label="Parameter order", help="the loss variables in order, e.g. x, y "
              "(default: the order in which they first appear)",
              aliases=("variables", "parameter order", "variable order")),
        Param("x", Vector(max_len=10_000), label="Neuron inputs x", help="one input per data point",
              aliases=("input", "inputs", "x", "input value", "the input")),
        Param("y", Vector(max_len=10_000), label="Neuron targets y", help="one target per data point",
              aliases=("target", "targets", "true output", "true output value", "ground truth", "label", "y",
                       "desired output", "true value")),
        Param("neuron_loss", Choice({"mse": "L = 1/2 (y_hat - y)^2, summed over the points (the course notes)",
                                     "ce": "cross-entropy L = -(y ln y_hat + (1 - y) ln(1 - y_hat)), summed"}),
              default="mse", label="Neuron loss", cues=NEURON_LOSS_CUES),
        Param("w0", StartValues(), label="Start parameters",
              help="a number, a vector, or named values such as w=2.5, b=0 (default 0)", aliases=START_ALIASES),
        Param("t0", Int(0, 10**9), default="0", label="Steps already taken t0",
              help="the steps taken before this problem starts, so the first step carried out is t = t0 + 1 (the "
                   "bias correction uses it); or give the current step t instead",
              aliases=("steps already taken", "already taken", "t0", "t_0", "previous steps")),
        Param("t", Int(1, 10**9 + 1), label="Current step t",
              help="the number of the step carried out first, counting from t = 1 as exams and torch do (t = 1 is a "
                   "fresh start; t = 3 means two steps were already taken, the same as t0 = 2)",
              aliases=("current step", "step number", "iteration number", "at step", "at iteration", "time step",
                       "timestep", "step t", "iteration t")),
        # at most 1e5 on the NumPy path: it steps in Python (vectorised over parameters, not over steps), and 1e7
        # steps of a typed loss took four minutes of one server thread (found by the hardening pass); up to 1e7 where
        # the whole run is one compiled call in bounded time (accel; the family's validate checks, check_steps)
        Param("steps", Int(1, 10**7), label="Steps",
              help="default: one per given gradient row, else 1 (at most 100000; on a loss or gradient expression in a "
                   "few parameters, up to 10000000 with the compiled loops installed)",
              aliases=STEP_ALIASES),
        Param("weight_decay", Real(0, None), default="0", label="Weight decay lambda",
              help="torch's weight_decay: the gradient used is g + weight_decay * w (L2); Adam and NAdam can "
                   "decouple it instead (AdamW: w <- w - eta * weight_decay * w; the weight_decay_form convention)",
              aliases=("weight decay", "l2 penalty", "l2 regularization", "l2 regularisation", "lambda", "λ",
                       "decay coefficient")),
    )


def history_param(name: str, what: str, aliases: tuple[str, ...] = ()) -> Param:
    return Param(name, StartValues(), label=f"History {name}",
                 help=f"{what} before the first step shown (default 0); a number, a vector or named values",
                 aliases=aliases)


def lr_param(default: str, help: str = "", label: str = "Learning rate eta",
             aliases: tuple[str, ...] = LR_ALIASES) -> Param:
    return Param("lr", Real(0, None, closed="neither"), default=default, label=label, help=help, aliases=aliases)


def adam_params(lr_default: str, *, beta2_label: str = "beta2 (second moment)") -> tuple[Param, ...]:
    """lr, beta1, beta2 and eps, as Adam, AdaMax and NAdam declare them (torch's defaults but lr)."""
    return (lr_param(lr_default, f"torch's default {lr_default}", aliases=ALPHA_LR_ALIASES),
            Param("beta1", Real(0, 1, closed="left"), default="0.9", label="beta1 (first moment)",
                  aliases=("beta1", "beta_1", "β1", "β_1", "first moment decay", "first-moment decay",
                           "decay rate for the first moment", "momentum decay rate", "rho1")),
            Param("beta2", Real(0, 1, closed="left"), default="0.999", label=beta2_label,
                  aliases=("beta2", "beta_2", "β2", "β_2", "second moment decay", "second-moment decay",
                           "decay rate for the second moment", "rho2")),
            Param("eps", Real(0, None), default="1e-8", label="Epsilon", aliases=EPS_ALIASES))


def moment_histories(v_what: str = "the second moment v") -> tuple[Param, ...]:
    return (history_param("m0", "the first moment m", ("m", "m_0", "m0", "first moment", "initial first moment")),
            history_param("v0", v_what, ("v", "v_0", "v0", "second moment", "initial second moment")))
