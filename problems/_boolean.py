"""Boolean functions of n inputs, typed as a name, a truth table or a rule, parsed without eval.

Shared by the McCulloch-Pitts and linear-separability families. A function is given as

- a name: AND, OR, NAND, NOR, XOR (odd parity), XNOR (even parity), MAJORITY (more than half of the
  inputs are 1; for even n a tie gives 0);
- a truth table: the 2^n outputs in the standard row order below, e.g. ``0 1 1 1`` (2-input OR);
- a rule in a tiny whitelisted grammar, e.g. ``sum(x) > 2``, ``x1 and not x2``, ``1 <= sum(x) <= 2``:
  integers, ``x1 .. xn``, ``sum(x)``, ``+ - *``, parentheses, comparisons ``< <= > >= == !=`` (Python-style
  chains allowed), ``not`` / ``and`` / ``xor`` / ``or`` (also ``! & ^ |``). The text is split into tokens by
  a regular expression and parsed by recursive descent into a small tree; nothing reaches eval.

Row order (truth tables, traces): row r holds the binary digits of r with x1 the most significant bit,
so for n = 2 the rows are (0,0), (0,1), (1,0), (1,1), as the course notes' tables list them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver import format as F
from solver.numbers import Tolerance
from solver.params import InvalidInput, Spec, SpecError

MAX_INPUTS = 16          # 2^16 rows: the numeric path's limit
MAX_RULE_TEXT = 1000
MAX_TABLE_TEXT = 4 * 2 ** MAX_INPUTS + 1000  # a full 16-input table with separators and brackets fits
MAX_RULE_DEPTH = 60

#: The tolerance of answers that are exact by nature (counts, thresholds, classes, truth values): none.
EXACT = Tolerance(abs=0)

NAMED = {
    "AND": "1 when every input is 1",
    "OR": "1 when at least one input is 1",
    "NAND": "0 only when every input is 1",
    "NOR": "1 only when every input is 0",
    "XOR": "1 when an odd number of inputs is 1 (parity)",
    "XNOR": "1 when an even number of inputs is 1",
    "MAJORITY": "1 when more than half of the inputs are 1",
}
_ALIASES = {"MAJ": "MAJORITY", "PARITY": "XOR", "!XOR": "XNOR", "NXOR": "XNOR", "EQUIV": "XNOR"}


def inputs(n: int) -> np.ndarray:
    """All 2^n input rows, shape (2^n, n), int64, row r = binary digits of r with x1 most significant."""
    r = np.arange(2 ** n, dtype=np.int64)
    return (r[:, None] >> np.arange(n - 1, -1, -1, dtype=np.int64)[None, :]) & 1


def named_outputs(name: str, X: np.ndarray) -> np.ndarray:
    n = X.shape[1]
    s = X.sum(axis=1)
    if name == "AND":
        out = s == n
    elif name == "OR":
        out = s >= 1
    elif name == "NAND":
        out = s < n
    elif name == "NOR":
        out = s == 0
    elif name == "XOR":
        out = s % 2 == 1
    elif name == "XNOR":
        out = s % 2 == 0
    elif name == "MAJORITY":
        out = 2 * s > n
    else:  # pragma: no cover - names are checked at parse time
        raise ValueError(name)
    return out.astype(np.int64)


# ---- the rule grammar -------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:(\d+)|(x_?(\d+))|(sum\s*\(\s*x\s*\))|(<=|>=|==|!=|&&|\|\||<|>|=|\+|-|\*|\(|\)|!|~|&|\||\^)"
                    r"|(and|or|not|xor|true|false))", re.IGNORECASE)
_CMP = {"<", "<=", ">", ">=", "==", "!=", "="}


#: The binary operators of the rule grammar, loosest first (not and the comparisons sit between the two tables).
_BOOLEAN_OPS = ({("op", "or"): "or"}, {("op", "xor"): "xor"}, {("op", "and"): "and"})
_ARITHMETIC_OPS = ({("op", "+"): "add", ("op", "-"): "sub"}, {("op", "*"): "mul"})


class RuleError(ValueError):
    pass


def _tokenize(text: str) -> list[tuple[str, Any]]:
    toks: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].lstrip()[:12]
            raise RuleError(f"cannot read {bad!r} in the rule (allowed: integers, x1..xn, sum(x), + - *, "
                            "comparisons, and/or/not/xor, parentheses)")
        if m.group(1):
            if len(m.group(1)) > 6:
                raise RuleError(f"the number {m.group(1)} is too large")
            toks.append(("num", int(m.group(1))))
        elif m.group(2):
            i = int(m.group(3))
            if not 1 <= i <= MAX_INPUTS:
                raise RuleError(f"input x{i} is out of range (x1 to x{MAX_INPUTS})")
            toks.append(("var", i))
        elif m.group(4):
            toks.append(("sum", None))
        elif m.group(5):
            op = m.group(5)
            op = {"&&": "and", "&": "and", "||": "or", "|": "or", "!": "not", "~": "not", "^": "xor", "=": "=="}.get(op, op)
            toks.append(("op", op))
        else:
            word = m.group(6).lower()
            if word in ("true", "false"):
                toks.append(("num", 1 if word == "true" else 0))
            else:
                toks.append(("op", word))
        pos = m.end()
        if text[pos:pos + 1] == "." and m.group(1):
            raise RuleError("constants in a rule must be integers (the inputs and their sums are integers)")
    if not toks:
        raise RuleError("the rule is empty")
    return toks


class _Parser:
    def __init__(self, toks):
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", None)

    def take(self, op=None):
        t = self.peek()
        if op is not None and t != ("op", op):
            raise RuleError(f"expected {op!r} in the rule")
        self.i += 1
        return t

    def enter(self):
        self.depth += 1
        if self.depth > MAX_RULE_DEPTH:
            raise RuleError("the rule is nested too deeply")

    def parse(self):
        node = self.or_()
        if self.peek()[0] != "end":
            raise RuleError(f"unexpected {self.peek()[1]!r} in the rule")
        return node

    def _chain(self, levels: tuple, level: int, last) -> tuple:
        """Left-associative operators by precedence: `levels[level]` maps an operator token to its node kind; its
        operands are the next level's, and past the last level `last()`'s (one stack frame per level, as many as a
        method per level would take: the nesting limit stays MAX_RULE_DEPTH)."""
        deeper = level + 1 < len(levels)
        node = self._chain(levels, level + 1, last) if deeper else last()
        while self.peek() in levels[level]:
            kind = levels[level][self.take()]
            node = (kind, node, self._chain(levels, level + 1, last) if deeper else last())
        return node

    def or_(self):
        return self._chain(_BOOLEAN_OPS, 0, self.not_)

    def not_(self):
        if self.peek() == ("op", "not"):
            self.take()
            self.enter()
            node = ("not", self.not_())
            self.depth -= 1
            return node
        return self.cmp()

    def cmp(self):
        left = self.arith()
        parts = []
        while self.peek()[0] == "op" and self.peek()[1] in _CMP:
            op = self.take()[1]
            right = self.arith()
            parts.append(("cmp", op, left, right))
            left = right
        if not parts:
            return left
        node = parts[0]
        for p in parts[1:]:
            node = ("and", node, p)
        return node

    def arith(self):
        return self._chain(_ARITHMETIC_OPS, 0, self.unary)

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            self.enter()
            node = ("neg", self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self):
        kind, val = self.peek()
        if kind == "num":
            self.take()
            return ("num", val)
        if kind == "var":
            self.take()
            return ("var", val)
        if kind == "sum":
            self.take()
            return ("sum",)
        if (kind, val) == ("op", "("):
            self.take()
            self.enter()
            node = self.or_()
            self.depth -= 1
            self.take(")")
            return node
        if kind == "end":
            raise RuleError("the rule ends too early")
        raise RuleError(f"unexpected {val!r} in the rule")


def parse_rule(text: str) -> tuple:
    if len(text) > MAX_RULE_TEXT:
        raise RuleError(f"the rule is too long ({len(text)} characters; at most {MAX_RULE_TEXT})")
    return _Parser(_tokenize(text)).parse()


def _walk(node):
    yield node
    for child in node[1:]:
        if isinstance(child, tuple):
            yield from _walk(child)


def rule_max_input(tree) -> int:
    return max((nd[1] for nd in _walk(tree) if nd[0] == "var"), default=0)


def rule_uses_sum(tree) -> bool:
    return any(nd[0] == "sum" for nd in _walk(tree))


def eval_rule(node, X: np.ndarray) -> np.ndarray:
    """Vectorised evaluation over the rows of X (integer arrays; booleans are 0/1)."""
    kind = node[0]
    rows = X.shape[0]
    if kind == "num":
        return np.full(rows, node[1], dtype=np.int64)
    if kind == "var":
        return X[:, node[1] - 1].astype(np.int64)
    if kind == "sum":
        return X.sum(axis=1).astype(np.int64)
    if kind == "neg":
        return -eval_rule(node[1], X)
    if kind == "not":
        return (eval_rule(node[1], X) == 0).astype(np.int64)
    a = eval_rule(node[-2], X)
    b = eval_rule(node[-1], X)
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "and":
        return ((a != 0) & (b != 0)).astype(np.int64)
    if kind == "or":
        return ((a != 0) | (b != 0)).astype(np.int64)
    if kind == "xor":
        return ((a != 0) ^ (b != 0)).astype(np.int64)
    if kind == "cmp":
        op = node[1]
        r = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        return r.astype(np.int64)
    raise ValueError(kind)  # pragma: no cover


# ---- the parsed value ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoolFunc:
    """A boolean function as typed: `kind` is "named", "table" or "rule"."""

    kind: str
    text: str
    name: str = ""
    table: tuple[int, ...] = ()
    rule: tuple = ()

    @property
    def fixed_n(self) -> int | None:
        """The number of inputs the function itself fixes (a truth table), else None."""
        if self.kind == "table":
            return len(self.table).bit_length() - 1
        return None

    @property
    def min_n(self) -> int:
        if self.kind == "table":
            return self.fixed_n
        if self.kind == "rule":
            return max(1, rule_max_input(self.rule))
        return 1

    @property
    def needs_n(self) -> bool:
        """True when the number of inputs cannot be inferred (a rule over sum(x))."""
        return self.kind == "rule" and rule_uses_sum(self.rule)

    def default_n(self) -> int:
        if self.kind == "table":
            return self.fixed_n
        if self.kind == "rule":
            return max(1, rule_max_input(self.rule))
        return 2

    def outputs(self, n: int, X: np.ndarray | None = None) -> np.ndarray:
        """f over all 2^n rows (or the rows of X), as int64 0/1."""
        X = inputs(n) if X is None else X
        if self.kind == "named":
            return named_outputs(self.name, X)
        if self.kind == "table":
            return np.array(self.table, dtype=np.int64)
        return (eval_rule(self.rule, X) != 0).astype(np.int64)

    def describe(self, n: int) -> str:
        if self.kind == "named":
            return f"{self.name}({', '.join(f'x{i}' for i in range(1, n + 1))}): {NAMED[self.name]}"
        if self.kind == "table":
            return f"the function with truth table ({', '.join(str(v) for v in self.table)})"
        return f"f(x) = [{self.text}]"

    def label(self) -> str:
        return self.name if self.kind == "named" else self.text


_TABLE_TEXT = re.compile(r"^[\s\[\]\(\),;01]+$")


class BooleanFunction(Spec):
    """A boolean function: a name, a truth table of 2^n outputs, or a rule over x1..xn and sum(x)."""

    kind = "boolean"

    def parse(self, raw: Any) -> BoolFunc:
        if isinstance(raw, BoolFunc):
            return raw
        if isinstance(raw, np.ndarray):
            raw = raw.tolist()
        if isinstance(raw, (list, tuple)):
            return self._table(list(raw), _got(raw))
        if not isinstance(raw, str):
            raise SpecError(f"must be {self.describe()}. Got {_got(raw)} instead.")
        text = raw.strip()
        if not text:
            raise SpecError(f"must be {self.describe()}. Got nothing.")
        key = text.upper().replace(" ", "")
        key = _ALIASES.get(key, key)
        if key in NAMED:
            return BoolFunc("named", key, name=key)
        if len(text) > MAX_TABLE_TEXT:  # longer than any table or rule allowed (a 10 MB paste is refused at once)
            raise SpecError(f"must be {self.describe()}, at most {MAX_TABLE_TEXT} characters. Got {len(text)} characters.")
        if _TABLE_TEXT.match(text) and len(re.findall(r"[01]", text)) >= 2:
            digits = re.findall(r"[01]", text)
            return self._table([int(c) for c in digits], repr(text if len(text) < 40 else text[:37] + "..."))
        try:
            tree = parse_rule(text)
        except RuleError as e:
            raise SpecError(f"must be {self.describe()}. Got {_got(text)}: {e}.") from None
        return BoolFunc("rule", " ".join(text.split()), rule=tree)

    def _table(self, values: list, got: str) -> BoolFunc:
        if len(values) > 2 ** MAX_INPUTS:
            raise SpecError(f"must be a truth table with at most 2^{MAX_INPUTS} outputs. Got {len(values)} outputs.")
        try:
            vals = [int(v) for v in values]
        except (TypeError, ValueError, OverflowError):  # text, nested lists, inf, nan
            raise SpecError(f"must be {self.describe()}. Got {got} instead.") from None
        if any(v not in (0, 1) for v in vals) or any(not float(a) in (0.0, 1.0) for a in values):
            raise SpecError(f"must be a truth table of 0/1 outputs. Got {got} instead.")
        m = len(vals)
        if m < 2 or m & (m - 1) or m > 2 ** MAX_INPUTS:
            raise SpecError(f"must be a truth table with 2^n outputs (2, 4, 8, 16, ...). Got {m} outputs.")
        return BoolFunc("table", " ".join(str(v) for v in vals), table=tuple(vals))

    def describe(self) -> str:
        return ("a boolean function: AND, OR, NAND, NOR, XOR, XNOR or majority; a truth table of 2^n outputs "
                "such as 0 1 1 1; or a rule such as sum(x) >= 2 or x1 and not x2")

    def to_json(self, value: BoolFunc) -> str:
        return value.text

    def to_text(self, value: BoolFunc) -> str:
        return value.text

    def schema(self) -> dict:
        return {"type": "boolean", "accepts": self.describe(), "names": sorted(NAMED)}


def input_count(f: BoolFunc, n: int | None, family: str) -> int:
    """The number of inputs of `f`: `n` as given, checked against what `f` fixes, or the one `f` implies.

    One check for every family that takes a boolean function and an optional 'n' (InvalidInput names 'n'):
    a rule over sum(x) needs n, a truth table of 2^k rows fixes n = k, a rule that uses x_k needs n >= k.
    """
    if n is None:
        if f.needs_n:
            raise InvalidInput("n", f"The 'n' parameter of {family} is required for a rule over sum(x): give the number "
                                    "of inputs. Got nothing.")
        return f.default_n()
    if f.fixed_n is not None and f.fixed_n != n:
        raise InvalidInput("n", f"The 'n' parameter of {family} must match the truth table, which has "
                                f"{len(f.table)} = 2^{f.fixed_n} rows. Got {n} instead.")
    if f.kind == "rule" and f.min_n > n:
        raise InvalidInput("n", f"The 'n' parameter of {family} must be at least {f.min_n}: the rule uses x{f.min_n}. "
                                f"Got {n} instead.")
    return n


def _got(raw) -> str:
    s = repr(raw)
    return s if len(s) <= 60 else s[:57] + "..."


def fmt_bits(row) -> str:
    """An input row as (0, 1, 1)."""
    return F.text(tuple(int(v) for v in row))
