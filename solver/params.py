"""Parameter specs declared as data: Real(0, None, closed="neither") validates and explains itself.

Every family declares its parameters as a tuple of `Param(name, spec, ...)`. A spec turns user input
(text typed in a form or on the command line, or Python values from the API) into a typed value and,
when it cannot, raises `InvalidInput` whose message names the parameter, what it accepts and what it
got, in the style of scikit-learn's parameter validation:

    The 'lr' parameter of adam must be a number in the range (0, inf). Got -0.1 instead.

Parsed values: numbers are exact SymPy Rationals (a typed 0.1 is 1/10), vectors are tuples of
Rationals, matrices tuples of row tuples; a NumPy array passed through the Python API stays a float64
array (the numeric path takes it as is). Text is parsed by `solver.parse`, never by eval or sympify.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping

from .lazynp import np
import sympy as sp

from . import parse as P
from .numbers import exact, to_json_number


def _short(x: Any, sig: int = 6) -> str:
    """A value as input messages and canonical input text print it: the formatting layer's decimal text."""
    from .format import text   # (solver.format imports solver.numbers, not this module; late for start-up)

    return text(x, sig, exact="decimal")


class InvalidInput(ValueError):
    """Invalid user input. `field` names the parameter (or convention); str() is the whole sentence."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class SpecError(ValueError):
    """Raised by a spec's checks: a fragment ("must be ... Got ... instead.") completed by Param with its name."""


def _got(raw: Any) -> str:
    if isinstance(raw, str):
        s = raw if len(raw) <= 60 else raw[:57] + "..."
        return repr(s)
    if isinstance(raw, np.ndarray):
        return f"an array of shape {raw.shape}"
    s = repr(raw)
    return s if len(s) <= 60 else s[:57] + "..."


def _interval(lo, hi, closed: str) -> str:
    left = "[" if closed in ("both", "left") and lo is not None else "("
    right = "]" if closed in ("both", "right") and hi is not None else ")"
    a = "-inf" if lo is None else _short(exact(lo))
    b = "inf" if hi is None else _short(exact(hi))
    return f"{left}{a}, {b}{right}"


def _in_range(x, lo, hi, closed: str) -> bool:
    if lo is not None:
        if closed in ("both", "left"):
            if x < lo:
                return False
        elif x <= lo:
            return False
    if hi is not None:
        if closed in ("both", "right"):
            if x > hi:
                return False
        elif x >= hi:
            return False
    return True


def _scalar(raw: Any) -> sp.Rational:
    """A user number as an exact Rational, from text, Python or NumPy numbers, or SymPy numbers."""
    if isinstance(raw, str):
        try:
            return P.parse_arithmetic(raw)   # a number, or arithmetic on numbers as exams write it (1-0.3, 2/3)
        except P.ParseError as e:
            raise SpecError(str(e)) from None
    if isinstance(raw, bool):
        raise SpecError(f"expected a number, got {raw!r}")
    if isinstance(raw, (int, np.integer)):
        return sp.Integer(int(raw))
    if isinstance(raw, (float, np.floating)):
        if not math.isfinite(float(raw)):
            raise SpecError(f"expected a finite number, got {raw!r}")
        return exact(float(raw))
    if isinstance(raw, Fraction):
        return sp.Rational(raw.numerator, raw.denominator)
    if isinstance(raw, sp.Basic) and raw.is_Rational:
        return raw
    if isinstance(raw, sp.Float) and raw.is_finite:
        return exact(raw)
    raise SpecError(f"expected a number, got {_got(raw)}")


class Spec:
    """Base of the parameter types. `parse(raw)` returns the typed value or raises SpecError."""

    kind = "value"

    def parse(self, raw: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        return to_json_number(value)

    def to_text(self, value: Any) -> str:
        """The value as a user would type it back (round-trips through parse)."""
        return _short(value, 12)

    def schema(self) -> dict:
        return {"type": self.kind, "accepts": self.describe()}


@dataclass(frozen=True)
class Real(Spec):
    """A real number in an interval; `closed` is "both", "left", "right" or "neither"."""

    lo: Any = None
    hi: Any = None
    closed: str = "both"
    kind = "real"

    def parse(self, raw):
        x = _scalar(raw)
        lo = None if self.lo is None else exact(self.lo)
        hi = None if self.hi is None else exact(self.hi)
        if not _in_range(x, lo, hi, self.closed):
            raise SpecError(f"must be {self.describe()}. Got {_got(raw) if isinstance(raw, str) else _short(x)} instead.")
        return x

    def describe(self):
        if self.lo is None and self.hi is None:
            return "a number"
        return f"a number in the range {_interval(self.lo, self.hi, self.closed)}"

    def schema(self):
        return {"type": "real", "accepts": self.describe(), "min": self.lo, "max": self.hi, "closed": self.closed}


@dataclass(frozen=True)
class Int(Spec):
    """An integer in [lo, hi] (either end open-ended when None)."""

    lo: int | None = None
    hi: int | None = None
    kind = "int"

    def parse(self, raw):
        x = _scalar(raw)
        if not x.is_Integer:
            raise SpecError(f"must be {self.describe()}. Got {_got(raw) if isinstance(raw, str) else _short(x)} instead.")
        if not _in_range(x, self.lo, self.hi, "both"):
            raise SpecError(f"must be {self.describe()}. Got {int(x)} instead.")
        return int(x)

    def describe(self):
        if self.lo is None and self.hi is None:
            return "an integer"
        a = "-inf" if self.lo is None else self.lo
        b = "inf" if self.hi is None else self.hi
        return f"an integer in the range [{a}, {b}]"

    def to_json(self, value):
        return int(value)

    def to_text(self, value):
        return str(int(value))

    def schema(self):
        return {"type": "int", "accepts": self.describe(), "min": self.lo, "max": self.hi}


@dataclass(frozen=True)
class Bool(Spec):
    kind = "bool"

    def parse(self, raw):
        if isinstance(raw, (bool, np.bool_)):
            return bool(raw)
        if isinstance(raw, (int, np.integer)) and int(raw) in (0, 1):
            return bool(raw)
        if isinstance(raw, str):
            try:
                return P.parse_bool(raw)
            except P.ParseError:
                pass
        raise SpecError(f"must be true or false. Got {_got(raw)} instead.")

    def describe(self):
        return "true or false"

    def to_json(self, value):
        return bool(value)

    def to_text(self, value):
        return "true" if value else "false"


@dataclass(frozen=True)
class Choice(Spec):
    """One of named options; `options` maps each option to the sentence that explains it."""

    options: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    kind = "choice"

    def parse(self, raw):
        key = str(raw).strip() if not isinstance(raw, str) else raw.strip()
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            key = _short(exact(raw)) if not isinstance(raw, float) or math.isfinite(raw) else str(raw)
        for opt in self.options:
            if key.lower() == opt.lower():
                return opt
        for alias, opt in self.aliases.items():
            if key.lower() == alias.lower():
                return opt
        raise SpecError(f"must be {self.describe()}. Got {_got(raw)} instead.")

    def describe(self):
        return "one of " + ", ".join(repr(o) for o in self.options)

    def to_json(self, value):
        return value

    def to_text(self, value):
        return value

    def schema(self):
        return {"type": "choice", "accepts": self.describe(), "options": dict(self.options)}


def _entries(raw, accepts: str) -> tuple | np.ndarray:
    """Flatten-free conversion of list-like input to a tuple/array structure, or parse text."""
    if isinstance(raw, str):
        try:
            return P.parse_array(raw)
        except P.ParseError as e:
            try:
                return P.parse_arithmetic_array(raw)   # entries with arithmetic: [1-0.3, sqrt(2)/2]
            except P.ParseError as e2:
                if re.search(r"[A-Za-z(*^]", raw):     # arithmetic was meant: its own message (sqrt(-1) is not real)
                    e = e2
            raise SpecError(f"{e}; it takes {accepts}") from None
    if isinstance(raw, np.ndarray):
        return raw
    if isinstance(raw, (list, tuple)):
        return raw
    if isinstance(raw, sp.MatrixBase):
        return raw.tolist()
    if isinstance(raw, (int, float, Fraction, np.integer, np.floating, sp.Rational)) and not isinstance(raw, bool):
        return [raw]  # a bare number is a vector (or 1 x 1 matrix) of one entry
    raise SpecError(f"expected a list of numbers, got {_got(raw)}")


def _check_entries(values, lo, hi, closed, integer, what="entry", row: int | None = None, hint: str = ""):
    for i, v in enumerate(values):
        where = f"{i + 1}" if row is None else f"({row}, {i + 1})"
        if integer and not v.is_Integer:
            raise SpecError(f"{what} {where} must be an integer. Got {_short(v)} instead.")
        if (lo is not None or hi is not None) and not _in_range(v, lo, hi, closed):
            raise SpecError(f"{what} {where} must be in the range {_interval(lo, hi, closed)}{hint}. Got {_short(v, 12)} instead.")


def _float_array(raw: np.ndarray, ndim: int, lo=None, hi=None, closed: str = "both", integer: bool = False,
                 hint: str = "") -> np.ndarray:
    """A NumPy input as a read-only float64 view, its entries checked: finite, in the declared range (`lo`, `hi`,
    `closed`, as the entries of a list are checked), integers when `integer`. `hint` follows the range message."""
    if raw.dtype.kind not in "biuf":
        raise SpecError(f"expected an array of numbers, got dtype {raw.dtype}")
    # a read-only view: a float64 array is not copied (validating a 20000 x 50 input copied 8 MB per solve); the
    # caller's array stays writable, and the solve never writes to its view
    a = np.asarray(raw, dtype=np.float64).view(np.ndarray)
    if a.ndim != ndim:
        raise SpecError(f"expected a {'vector' if ndim == 1 else 'matrix'}, got an array with {a.ndim} dimensions")
    # one pass for all of it: a finite sum of squares means every entry is finite and at most its root in size
    # (an isfinite pass and a min / max pass read a 20000 x 50 input three times); otherwise the exact checks
    flat = a.reshape(-1) if a.flags.c_contiguous else a.ravel(order="K") if a.flags.f_contiguous else None
    with np.errstate(over="ignore", invalid="ignore"):
        size = math.sqrt(float(np.dot(flat, flat))) * (1 + 1e-12) if flat is not None and flat.size else math.inf
    if not size < math.inf and not np.all(np.isfinite(a)):
        raise SpecError("entries must be finite numbers; got NaN or infinity")
    flo, fhi = (None if x is None else float(x) for x in (lo, hi))
    if (lo is not None or hi is not None) and a.size and not (
            _in_range(-size, flo, None, closed) and _in_range(size, None, fhi, closed)):
        for v in (float(a.min()), float(a.max())):
            if not _in_range(v, flo, fhi, closed):
                raise SpecError(f"must have entries in the range {_interval(lo, hi, closed)}{hint}. Got {_short(v, 12)} "
                                f"instead.")
    if integer and not np.array_equal(a, np.floor(a)):
        raise SpecError(f"must have integer entries. Got {_short(float(a[a != np.floor(a)][0]))} instead.")
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Vector(Spec):
    """A vector of numbers; `length` fixes its size, `min_len`/`max_len` bound it, entries in an interval."""

    length: int | None = None
    min_len: int = 1
    max_len: int | None = None
    lo: Any = None
    hi: Any = None
    closed: str = "both"
    integer: bool = False
    hint: str = ""   # after the range in its message: what to do about an entry out of range
    kind = "vector"

    def parse(self, raw):
        data = _entries(raw, self.describe())
        if isinstance(data, np.ndarray):
            a = _float_array(data.reshape(-1) if data.ndim == 2 and 1 in data.shape else data, 1, self.lo, self.hi,
                             self.closed, self.integer, self.hint)
            self._check_len(a.size)
            return a
        if isinstance(data, (int, float, Fraction, sp.Basic)) and not isinstance(data, bool):
            data = [data]
        items = list(data)
        if items and all(isinstance(r, (list, tuple)) for r in items):
            # a matrix with one row or one column is a vector
            if len(items) == 1:
                items = list(items[0])
            elif all(len(r) == 1 for r in items):
                items = [r[0] for r in items]
            else:
                raise SpecError(f"expected a vector, got a matrix with {len(items)} rows")
        if any(isinstance(v, (list, tuple)) for v in items):
            raise SpecError("expected a vector of numbers, got nested lists")
        self._check_len(len(items))
        values = tuple(_scalar(v) for v in items)
        lo = None if self.lo is None else exact(self.lo)
        hi = None if self.hi is None else exact(self.hi)
        _check_entries(values, lo, hi, self.closed, self.integer, hint=self.hint)
        return values

    def _check_len(self, n: int):
        if self.length is not None and n != self.length:
            raise SpecError(f"must have exactly {self.length} entries. Got {n} instead.")
        if n < self.min_len:
            raise SpecError(f"must have at least {self.min_len} entr{'y' if self.min_len == 1 else 'ies'}. Got {n}.")
        if self.max_len is not None and n > self.max_len:
            raise SpecError(f"must have at most {self.max_len} entries. Got {n}.")

    def describe(self):
        size = f"{self.length} numbers" if self.length else "numbers"
        rng = "" if self.lo is None and self.hi is None else f" in {_interval(self.lo, self.hi, self.closed)}"
        kind = "integers" if self.integer else size
        return f"a vector of {kind}{rng}, e.g. [1, 2] or 1 2"

    def to_json(self, value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        return [to_json_number(v) for v in value]

    def to_text(self, value):
        return "[" + ", ".join(_short(v, 12) for v in (value.tolist() if isinstance(value, np.ndarray) else value)) + "]"

    def schema(self):
        return {"type": "vector", "accepts": self.describe(), "length": self.length, "min": self.lo, "max": self.hi}


@dataclass(frozen=True)
class Matrix(Spec):
    """A matrix (tuple of row tuples); `rows`/`cols` fix its shape, `square` asks for n x n."""

    rows: int | None = None
    cols: int | None = None
    min_rows: int = 1
    min_cols: int = 1
    max_rows: int | None = None
    max_cols: int | None = None
    square: bool = False
    lo: Any = None
    hi: Any = None
    hint: str = ""   # after the range in its message: what to do about an entry out of range
    kind = "matrix"

    def parse(self, raw):
        data = _entries(raw, self.describe())
        if isinstance(data, np.ndarray):
            a = data if data.ndim == 2 else data.reshape(1, -1)
            self._check_shape(*a.shape)
            return _float_array(a, 2, self.lo, self.hi, hint=self.hint)
        items = list(data)
        if not items:
            raise SpecError("expected a matrix, got nothing")
        if not all(isinstance(r, (list, tuple)) for r in items):
            if any(isinstance(r, (list, tuple)) for r in items):
                raise SpecError("expected a matrix: every row must be a list of numbers")
            items = [items]  # a single row
        ncol = len(items[0])
        for i, r in enumerate(items):
            if len(r) != ncol:
                raise SpecError(f"row {i + 1} has {len(r)} entr{'y' if len(r) == 1 else 'ies'} but row 1 has {ncol}")
            if any(isinstance(v, (list, tuple)) for v in r):
                raise SpecError("nesting deeper than a matrix")
        self._check_shape(len(items), ncol)
        lo = None if self.lo is None else exact(self.lo)
        hi = None if self.hi is None else exact(self.hi)
        rows = []
        for i, r in enumerate(items):
            vals = tuple(_scalar(v) for v in r)
            _check_entries(vals, lo, hi, "both", False, row=i + 1, hint=self.hint)
            rows.append(vals)
        return tuple(rows)

    def _check_shape(self, n: int, m: int):
        if self.rows is not None and n != self.rows:
            raise SpecError(f"must have {self.rows} rows. Got {n}.")
        if self.cols is not None and m != self.cols:
            raise SpecError(f"must have {self.cols} columns. Got {m}.")
        if n < self.min_rows:
            raise SpecError(f"must have at least {self.min_rows} rows. Got {n}.")
        if m < self.min_cols:
            raise SpecError(f"must have at least {self.min_cols} columns. Got {m}.")
        if self.max_rows is not None and n > self.max_rows:
            raise SpecError(f"must have at most {self.max_rows} rows. Got {n}.")
        if self.max_cols is not None and m > self.max_cols:
            raise SpecError(f"must have at most {self.max_cols} columns. Got {m}.")
        if self.square and n != m:
            raise SpecError(f"must be a square matrix. Got {n} x {m}.")

    def describe(self):
        shape = ""
        if self.rows or self.cols:
            shape = f" of shape {self.rows or 'n'} x {self.cols or 'm'}"
        elif self.square:
            shape = " (square)"
        return f"a matrix{shape}, e.g. [[1, 2], [3, 4]] or 1 2; 3 4 (one row per line also works)"

    def to_json(self, value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        return [[to_json_number(v) for v in row] for row in value]

    def to_text(self, value):
        rows = value.tolist() if isinstance(value, np.ndarray) else value
        return "[" + ", ".join("[" + ", ".join(_short(v, 12) for v in r) + "]" for r in rows) + "]"

    def schema(self):
        return {"type": "matrix", "accepts": self.describe(), "rows": self.rows, "cols": self.cols, "square": self.square}


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Expr(Spec):
    """An expression over whitelisted names and functions (exp, log, sqrt, sigmoid, ...), parsed without eval.

    `variables`: the allowed variable names; None allows up to `max_variables` plain identifiers.
    """

    variables: tuple[str, ...] | None = None
    max_variables: int = 8
    kind = "expression"

    def parse(self, raw):
        if isinstance(raw, sp.Expr):
            names = {str(s) for s in raw.free_symbols}
            if self.variables is not None and not names <= set(self.variables):
                raise SpecError(f"uses unknown names {sorted(names - set(self.variables))}")
            return raw
        if not isinstance(raw, str):
            raise SpecError(f"expected an expression such as x**2 + 4*y**2, got {_got(raw)}")
        if self.variables is not None:
            names: Iterable[str] = self.variables
        else:
            reserved = set(P.DEFAULT_FUNCTIONS)
            found = []
            for m in _IDENT.finditer(raw[:10000]):
                name = m.group(0)
                if name not in reserved and name not in found:
                    found.append(name)
            if len(found) > self.max_variables:
                raise SpecError(f"uses {len(found)} variable names; at most {self.max_variables} are allowed")
            names = found
        try:
            return P.parse_expr(raw, {n: sp.Symbol(n, real=True) for n in names})
        except P.ParseError as e:
            raise SpecError(str(e)) from None

    def describe(self):
        names = "" if self.variables is None else " in " + ", ".join(self.variables)
        return f"an expression{names} using + - * / ** and exp, log, sqrt, sin, cos, tanh, sigmoid"

    def to_json(self, value):
        return sp.sstr(value)

    def to_text(self, value):
        return sp.sstr(value)


_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Param:
    """A named parameter: its spec, default (as a user would type it; None = optional and absent), label and help.

    The vocabulary the question reader (solver.reading) uses, declared as data:
    `aliases`: the names and symbols exams use for it ("learning rate", "step size", "η", "eta", "alpha");
    a phrase is followed by its value ("learning rate 0.1", "η = 0.1", "momentum of 0.9") or, for a count,
    preceded by it ("two steps", "100 filters"). Symbols match assignments with any subscript (`u` takes
    `u_8 = 0.8`). The alias "<variables>" takes the assignments to the variables of a formula another
    field read (a loss's `x = 1, y = 2` as the start point).
    `cues`: for a choice or a yes/no parameter, the phrases that state each value
    ({"false": ("no bias", "ignore the bias")}, {"2": ("bits", "log base 2")}).
    """

    name: str
    spec: Spec
    default: Any = None
    help: str = ""
    label: str = ""
    required: bool = False
    aliases: tuple[str, ...] = field(default=(), compare=False)
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", self.name):
            raise ValueError(f"bad parameter name {self.name!r}")
        if isinstance(self.aliases, str):
            raise ValueError(f"aliases of {self.name!r} must be a tuple of phrases, not one string")
        for value, phrases in self.cues.items():
            if isinstance(phrases, str):
                raise ValueError(f"cues of {self.name!r} for {value!r} must be a tuple of phrases, not one string")

    def parse(self, raw: Any, family: str = "") -> Any:
        try:
            return self.spec.parse(raw)
        except SpecError as e:
            raise InvalidInput(self.name, _sentence(self.name, family, str(e))) from None

    def schema(self) -> dict:
        d = self.spec.schema()
        d.update(name=self.name, label=self.label or self.name, help=self.help, required=self.required,
                 default=None if self.default is None else self.spec.to_text(self.spec.parse(self.default)))
        if self.aliases:
            d["aliases"] = [a for a in self.aliases if not a.startswith("<")]
        return d


@dataclass(frozen=True)
class Group(Spec):
    """A list of items, each a few named fields, e.g. a network's layers (a weight matrix, a bias vector and an
    activation each); the list grows an item at a time (the web form has an "Add a ..." button).

    Typed as one item per line, each field as `name = value`, fields separated by `|`:

        W = 0.2 -0.1 0.4; 0.5 0.3 -0.2 | b = 0.1 -0.1 | act = sigmoid
        W = 0.3 -0.2 | act = softmax

    or as JSON (a list of objects, e.g. [{"W": [[1, 2]], "act": "relu"}]); from Python, a list of dicts (or of
    tuples, the fields in order). A field left out takes its default (None when it has none); a required one
    must be given. Parsed: a tuple of dicts, one per item, field name -> parsed value (each by the field's spec).
    """

    fields: tuple = ()          # of Param: the fields of one item, in order
    item: str = "item"          # what one entry is called ("layer")
    min_items: int = 1
    max_items: int = 50
    kind = "group"

    #: The longest text accepted (a large network belongs in the Python API, as NumPy arrays).
    MAX_TEXT = 1_000_000

    def parse(self, raw):
        if isinstance(raw, str):
            raw = self._items_of_text(raw)
        if isinstance(raw, Mapping) or not isinstance(raw, (list, tuple)):
            raise SpecError(f"must be {self.describe()}. Got {_got(raw)} instead.")
        if not self.min_items <= len(raw) <= self.max_items:
            raise SpecError(f"must have from {self.min_items} to {self.max_items} {self.item}s. Got {len(raw)}.")
        return tuple(self._item(k, entry) for k, entry in enumerate(raw, start=1))

    def _item(self, k: int, entry) -> dict:
        names = [f.name for f in self.fields]
        if isinstance(entry, Mapping):
            given = {}
            for key, value in entry.items():
                name = next((n for n in names if n.lower() == str(key).strip().lower()), None)
                if name is None:
                    raise SpecError(f"{self.item} {k} has no field {str(key)[:20]!r} (the fields of a {self.item}: "
                                    f"{', '.join(names)})")
                given[name] = value
        elif isinstance(entry, (list, tuple)) and len(entry) <= len(names):
            given = dict(zip(names, entry))
        else:
            raise SpecError(f"must give {self.item} {k} as {' | '.join(f'{n} = ...' for n in names)}. "
                            f"Got {_got(entry)} instead.")
        out = {}
        for f in self.fields:
            value = given.get(f.name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if f.required:
                    raise SpecError(f"{self.item} {k} needs {f.name}: {f.spec.describe()}")
                out[f.name] = None if f.default is None else f.spec.parse(f.default)
                continue
            try:
                out[f.name] = f.spec.parse(value)
            except SpecError as e:
                msg = str(e)
                raise SpecError(f"in {self.item} {k}, {f.name} {msg}" if msg.startswith("must ") else
                                f"in {self.item} {k}, {f.name}: {msg}") from None
        return out

    def _items_of_text(self, text: str) -> list:
        if len(text) > self.MAX_TEXT:
            raise SpecError(f"is too long ({len(text)} characters; at most {self.MAX_TEXT})")
        items = split_group_text(text)
        if items is None:
            raise SpecError(f"must be {self.describe()}. Got {_got(text)} instead.")
        return items

    def describe(self):
        names = " | ".join(f"{f.name} = ..." for f in self.fields)
        return f"{self.item}s, one per line written as {names} (or a JSON list of objects)"

    def to_json(self, value):
        return [{f.name: f.spec.to_json(item[f.name]) for f in self.fields if item.get(f.name) is not None}
                for item in value]

    def to_text(self, value):
        return join_group_texts([{f.name: f.spec.to_text(item[f.name]) for f in self.fields if item.get(f.name) is not None}
                                 for item in value])

    def schema(self):
        return {"type": "group", "accepts": self.describe(), "item": self.item, "min_items": self.min_items,
                "max_items": self.max_items, "fields": [f.schema() for f in self.fields]}


def split_group_text(text: str) -> list[dict[str, str]] | None:
    """The items of a Group's text as field texts, values unparsed: one item per line, `name = value` fields
    separated by `|`, or a JSON list of objects (values kept as text; lists as JSON). None when it is neither."""
    import json

    text = text.strip()
    if not text:
        return []
    if text.startswith("[") and text.lstrip("[ \t\r\n").startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            return None
        return [{str(k): v if isinstance(v, str) else json.dumps(v) for k, v in d.items() if v is not None} for d in data]
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        item = {}
        for part in line.split("|"):
            if not part.strip():
                continue
            name, eq, value = part.partition("=")
            if not eq or not name.strip():
                return None
            item[name.strip()] = value.strip()
        items.append(item)
    return items


def join_group_texts(items: Iterable[Mapping[str, str]]) -> str:
    """Field texts of a Group's items as one text (the inverse of split_group_text): one line per item, or JSON when
    a value holds a line break or a '|' (a matrix typed one row per line)."""
    import json

    items = [{k: str(v).strip() for k, v in item.items() if v is not None and str(v).strip()} for item in items]
    if any("|" in v or "\n" in v or "\r" in v for item in items for v in item.values()):
        return json.dumps(items)
    return "\n".join(" | ".join(f"{k} = {v}" for k, v in item.items()) for item in items)


#: An error message quotes at most this much of a spec's explanation (which may quote the input).
MAX_MESSAGE_CHARS = 500


def _sentence(name: str, family: str, fragment: str) -> str:
    if len(fragment) > MAX_MESSAGE_CHARS:  # a custom spec quoting a 10 MB input back must not echo it all
        fragment = fragment[:MAX_MESSAGE_CHARS - 5].rstrip() + " ...)"
    where = f"The '{name}' parameter of {family}" if family else f"The '{name}' parameter"
    if fragment.startswith("must "):
        return f"{where} {fragment}"
    return f"{where} is invalid: {fragment}" + ("" if fragment.endswith(".") else ".")


def parse_params(params: tuple[Param, ...], raw: Mapping[str, Any], family: str = "") -> dict[str, Any]:
    """Validate user input against a family's parameters; unknown names, missing required ones and bad values raise."""
    known = {p.name: p for p in params}
    for name in raw:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("params", f"A parameter of {family or 'this family'} has an empty name; "
                               f"its parameters: {', '.join(known) or 'none'}.")
        if name not in known:
            hint = ", ".join(known) or "none"
            raise InvalidInput(name, f"{family or 'This family'} has no parameter '{name}' (its parameters: {hint}).")
    out: dict[str, Any] = {}
    for p in params:
        if name_given(raw, p.name):
            out[p.name] = p.parse(raw[p.name], family)
        elif p.default is not None:
            out[p.name] = p.parse(p.default, family)
        elif p.required:
            raise InvalidInput(p.name, f"The '{p.name}' parameter of {family} is required: {p.spec.describe()}.")
        else:
            out[p.name] = None
    return out


def name_given(raw: Mapping[str, Any], name: str) -> bool:
    v = raw.get(name)
    return v is not None and not (isinstance(v, str) and v.strip() == "")


def params_to_json(params: tuple[Param, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for p in params:
        v = values.get(p.name)
        if v is None:
            continue
        if isinstance(v, np.ndarray) and v.size > 10000:
            out[p.name] = f"<array of shape {list(v.shape)}>"
        else:
            out[p.name] = p.spec.to_json(v)
    return out


def params_to_text(params: tuple[Param, ...], values: Mapping[str, Any]) -> dict[str, str]:
    """Values as a user would type them (for URLs, `-p name=value` and the exam files).

    NumPy arrays of more than 10000 entries (the numeric path's input) become a placeholder, as in
    params_to_json: formatting a million entries would take longer than solving.
    """
    return {p.name: (f"<array of shape {list(values[p.name].shape)}>"
                     if isinstance(values[p.name], np.ndarray) and values[p.name].size > 10000
                     else p.spec.to_text(values[p.name]))
            for p in params if values.get(p.name) is not None}


def as_float(value) -> np.ndarray:
    """A parsed vector or matrix as a float64 NumPy array (the numeric path's input)."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False)
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return np.array([[_float(v) for v in r] for r in value], dtype=np.float64)
    if isinstance(value, tuple):
        return np.array([_float(v) for v in value], dtype=np.float64)
    return np.float64(float(value))


def _float(v) -> float:
    """float(v); for a Rational p/q, Python's integer division, which is correctly rounded (as SymPy's float() is)
    and about 20 times faster (100,000 typed entries took 0.2 s)."""
    if isinstance(v, sp.Rational):
        try:
            return int(v.p) / int(v.q)
        except OverflowError:  # beyond float64: inf, as float() gives
            return float(v)
    return float(v)


def as_exact(value):
    """A parsed vector or matrix as exact Rationals (a NumPy array's floats become their shortest decimals)."""
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return tuple(exact(float(v)) for v in value)
        return tuple(tuple(exact(float(v)) for v in r) for r in value)
    return value


Check = Callable[[Mapping[str, Any]], None]
