"""Safe parsing of text a user typed into exact numbers, vectors, matrices, booleans and expressions.

Security rule: nothing the user typed ever reaches ``eval``, ``exec``, ``sympify``, ``parse_expr``
or ``S(...)`` of a string.  Text is split by regular expressions into validated tokens and SymPy
objects are built only from those tokens: integers and rationals from ASCII digit strings checked
here, symbols from a whitelist of names, functions from a whitelist of callables.

Public API
----------
``parse_number(text)``  -> ``sympy.Rational`` (exact: ``"0.1"`` is 1/10, ``"1e-8"`` is 10**-8)
``parse_array(text)``   -> nested lists of Rationals, depth 1 (vector) or 2 (matrix)
``parse_vector(text)``  -> tuple of Rationals
``parse_matrix(text)``  -> tuple of row tuples
``parse_bool(text)``    -> bool
``parse_expr(text, variables, functions=None)`` -> SymPy expression

Every failure raises :class:`ParseError` (a ``ValueError``) whose message is one short sentence
without the field name, e.g. ``expected a number, got 'oops'``.
"""
from __future__ import annotations

import functools
import gc
import math
import re
from collections.abc import Mapping
from typing import Any, Callable

import sympy

from solver.functions import relu, sigmoid

__all__ = [
    "ParseError",
    "MAX_TEXT",
    "MAX_ARRAY_TEXT",
    "MAX_EXPR_TEXT",
    "MAX_ELEMENTS",
    "MAX_EXPONENT",
    "MAX_DIGITS",
    "MAX_EXPR_DEPTH",
    "MAX_POWER_EXPONENT",
    "MAX_RESULT_DIGITS",
    "MAX_MAGNITUDE",
    "MAX_MINMAX_ARGS",
    "MAX_EXP_DEPTH",
    "MAX_SYMBOLIC_EXPONENT",
    "MAX_PRODUCT_FACTORS",
    "DEFAULT_FUNCTIONS",
    "check_ascii_digits",
    "parse_number",
    "parse_array",
    "parse_vector",
    "parse_matrix",
    "parse_bool",
    "parse_expr",
]


class ParseError(ValueError):
    """Bad user text.

    ``str(e)`` is one short human sentence WITHOUT the field name (the caller prefixes
    ``"'X' ..."``), saying what was expected and what was got, e.g.
    ``"expected a number, got 'oops'"`` or ``"row 2 has 3 entries but row 1 has 2"``.
    """


MAX_TEXT = 1_000_000          # characters accepted by parse_number / parse_bool
MAX_ARRAY_TEXT = 10_000_000   # characters accepted by parse_array / parse_vector / parse_matrix
MAX_EXPR_TEXT = 10_000        # characters accepted by parse_expr
MAX_ELEMENTS = 1_000_000      # numbers in one vector / matrix
MAX_ARITHMETIC_ENTRIES = 10_000  # entries with arithmetic (1-0.3, sqrt(2)/2) in one vector / matrix
MAX_EXPONENT = 400            # |decimal exponent| in 1e-8 style literals
MAX_DIGITS = 400              # digits in one literal
MAX_EXPR_DEPTH = 100          # nesting depth of parentheses / signs / powers in an expression
MAX_POWER_EXPONENT = 1000     # |exponent| allowed when both base and exponent are numbers
MAX_RESULT_DIGITS = 1000      # decimal digits of any exact number an expression may produce
MAX_MAGNITUDE = 1_000_000     # exp / power results must stay below 10**MAX_MAGNITUDE in size
MAX_MINMAX_ARGS = 10          # arguments of all max()/min() calls in one expression together
                              # (SymPy compares Max arguments pairwise, slowly)
# Shapes of expressions whose exact working explodes although the text is short (issue 20): a power
# tower x**x**...**x (13 levels: 5 s in one SymPy evalf, 31: never ends), exp(exp(exp(exp(exp(x))))),
# x**(10**9), a product of 299 factors (its gradient has 299 * 298 factors). Each is refused with a
# message saying the limit; everything below the limits works in a fraction of a second.
MAX_EXP_DEPTH = 4             # nesting of exp/sinh/cosh and powers with a variable exponent
MAX_SYMBOLIC_EXPONENT = 100_000  # |exponent| of a power whose base holds a variable
MAX_PRODUCT_FACTORS = 50      # factors holding a variable in one product

# Above this *estimated* size a sum or product is refused without being computed at all;
# between MAX_RESULT_DIGITS and this it is computed and then measured exactly.
_HARD_DIGITS = 50_000
_LOG10_2 = math.log10(2)

# Characters people paste instead of ASCII '-' for a minus sign.
_MINUS_SIGNS = ("\u2212", "\ufe63", "\uff0d")  # MINUS SIGN, SMALL HYPHEN-MINUS, FULLWIDTH HYPHEN-MINUS


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _show(s: str, limit: int = 40) -> str:
    """Quote (a bounded prefix of) user text for an error message."""
    if len(s) > limit:
        s = s[: limit - 3] + "..."
    return repr(s)


def _check_text(text: Any, limit: int) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text (str), got {type(text).__name__}")
    if len(text) > limit:
        raise ParseError(f"input is too long ({len(text)} characters; at most {limit})")
    return text


def _normalize_minus(text: str) -> str:
    for ch in _MINUS_SIGNS:
        if ch in text:
            text = text.replace(ch, "-")
    return text


_NON_ASCII_DIGIT_RE = re.compile(r"(?![0-9])\d")


def check_ascii_digits(text: str) -> None:
    """Refuse decimal digits other than ASCII 0-9 (fullwidth '１', Arabic-Indic '٢', ...): they look like
    numbers, and Python's int() and regular expressions' \\d would read them as numbers, so they are
    refused everywhere a user types, before any parser runs (SECURITY.md, hostile look-alikes)."""
    if isinstance(text, str) and not text.isascii():  # (isascii is a flag check: free for any length)
        m = _NON_ASCII_DIGIT_RE.search(text)
        if m is not None:
            ch = m.group()
            raise ParseError(f"use the digits 0-9; got {ch!r} (U+{ord(ch):04X}), a digit from another script")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# Uncached Integer constructor: SymPy's @cacheit wrapper costs about a microsecond per call,
# which matters for million-entry matrices.  Falls back to sympy.Integer if SymPy changes.
_INTEGER_NEW = getattr(sympy.Integer.__new__, "__wrapped__", None)
try:  # pragma: no cover - depends on the SymPy version
    if _INTEGER_NEW is None or _INTEGER_NEW(sympy.Integer, 12345) != sympy.Integer(12345) \
            or not isinstance(_INTEGER_NEW(sympy.Integer, 12345), sympy.Integer):
        _INTEGER_NEW = None
except Exception:  # pragma: no cover
    _INTEGER_NEW = None


def _integer(i: int) -> sympy.Integer:
    if _INTEGER_NEW is not None:
        return _INTEGER_NEW(sympy.Integer, i)
    return sympy.Integer(i)  # pragma: no cover


def _rational(p: int, q: int) -> sympy.Rational:
    if q == 1:
        return _integer(p)
    return sympy.Rational(p, q)


# --------------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------------

# An unsigned decimal: 12, 12., 12.5, .5, optionally followed by an exponent e-8 / E+3.
_DEC = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# A number as an array entry: optional sign, decimal, optional /decimal (unsigned denominator).
_NUM = rf"[+-]?{_DEC}(?:/{_DEC})?"

_DEC_PARTS_RE = re.compile(r"([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]+))?")
_NUMBER_RE = re.compile(rf"([+-]?)({_DEC})(?:/({_DEC}))?")
_NUMBER_WS_RE = re.compile(rf"([+-]?)({_DEC})(?:\s*/\s*({_DEC}))?")
_SIGNED_DENOMINATOR_RE = re.compile(rf"[+-]?{_DEC}\s*/\s*[+-]{_DEC}")
_PLAIN_INT_RE = re.compile(r"[+-]?[0-9]+")


def _decimal(s: str) -> tuple[int, int]:
    """Unsigned decimal literal (already matched by _DEC) -> (numerator, denominator)."""
    m = _DEC_PARTS_RE.fullmatch(s)
    if m is None:  # pragma: no cover - callers only pass matched text
        raise ParseError(f"expected a number, got {_show(s)}")
    ip, fp, esign, edigits = m.group(1), m.group(2) or "", m.group(3), m.group(4)
    ndigits = len(ip) + len(fp)
    if ndigits > MAX_DIGITS:
        raise ParseError(f"number has too many digits ({ndigits}; at most {MAX_DIGITS})")
    exp = 0
    if edigits is not None:
        ed = edigits.lstrip("0")
        if len(ed) > len(str(MAX_EXPONENT)) or int(ed or "0") > MAX_EXPONENT:
            raise ParseError(
                f"number out of range (the exponent must be between -{MAX_EXPONENT} and {MAX_EXPONENT})")
        exp = int(ed or "0")
        if esign == "-":
            exp = -exp
    mantissa = int(ip + fp) if (ip or fp) else 0
    shift = exp - len(fp)
    if shift >= 0:
        return mantissa * 10 ** shift, 1
    return mantissa, 10 ** (-shift)


def _number_from_parts(sign: str, a: str, b: str | None) -> sympy.Rational:
    p, q = _decimal(a)
    if b is not None:
        p2, q2 = _decimal(b)
        if p2 == 0:
            raise ParseError("division by zero")
        p, q = p * q2, q * p2
    if sign == "-":
        p = -p
    return _rational(p, q)


def _entry(tok: str) -> sympy.Rational:
    """An array entry already matched by _NUM (sign normalised to ASCII)."""
    if len(tok) <= MAX_DIGITS and _PLAIN_INT_RE.fullmatch(tok):
        return _integer(int(tok))
    m = _NUMBER_RE.fullmatch(tok)
    if m is None:  # pragma: no cover - the tokenizer only yields matching text
        raise ParseError(f"expected a number, got {_show(tok)}")
    return _number_from_parts(m.group(1), m.group(2), m.group(3))


def parse_number(text: str) -> sympy.Rational:
    """Parse one exact number.

    Accepts integers, decimals (``0.1``, ``.5``, ``5.``), scientific notation (``1e-8``, ``2.5E3``),
    fractions of two decimals (``1/3``, ``0.5/2``, ``-1/2``), a leading ``+`` or ``-`` (also the
    Unicode minus sign U+2212) and surrounding whitespace.  The denominator may not carry its own
    sign (write ``-3/4``, not ``3/-4``).  ``inf``, ``nan``, ``1/0`` and the like raise ParseError.
    Always returns a ``sympy.Rational`` (an ``Integer`` when the value is whole).
    """
    s = _normalize_minus(_check_text(text, MAX_TEXT)).strip()
    if not s:
        raise ParseError("expected a number, got nothing")
    m = _NUMBER_WS_RE.fullmatch(s)
    if m is None:
        if _SIGNED_DENOMINATOR_RE.fullmatch(s):
            raise ParseError(f"put the sign in front of the fraction (like '-3/4'), got {_show(s)}")
        raise ParseError(f"expected a number, got {_show(s)}")
    return _number_from_parts(m.group(1), m.group(2), m.group(3))


def parse_arithmetic(text: str) -> sympy.Rational:
    """One number written as exams write it: a plain number (parse_number) or arithmetic on numbers through the
    safe expression parser (``1-0.3``, ``2/3``, ``1e-3*5``, ``sqrt(2)``, ``1/(1+e^2)``, ``ln 2`` is not: write
    ``ln(2)``). The value is exact when it is rational (``1-0.3`` is 7/10); an irrational value (``sqrt(2)``,
    ``pi/4``) is taken to 30 significant figures. Names other than the whitelisted functions and constants, and
    complex or infinite values, raise ParseError."""
    try:
        return parse_number(text)
    except ParseError as plain:
        s = _normalize_minus(_check_text(text, MAX_TEXT)).strip()
        if not s or not re.search(r"[-+*/^()a-z]", s[1:] if s[0] in "+-" else s, re.I):
            raise plain from None          # no arithmetic in it: the plain number's message says what is wrong
        if re.fullmatch(r"[^\W\d]\w*", s) and s not in ("pi", "e", "π"):
            raise plain from None          # a lone word ('oops') is a typo, not an expression
    expr = _own_expr(s, ())   # this module's parse_expr (never SymPy's)
    if not isinstance(expr, sympy.Basic) or expr.free_symbols:
        raise ParseError(f"expected a number, got {_show(s)}")
    size = _log10_abs(expr)
    if size is not None and abs(size) > MAX_EXPONENT and not expr.is_zero:
        raise ParseError(f"the value of {_show(s)} is about 10^{size:.0f}: numbers in a field are at most "
                         f"{MAX_EXPONENT} powers of ten from 1")
    if expr.is_Rational:
        return expr
    value = sympy.N(expr, 30)
    if not (value.is_real and value.is_finite) or not value.is_Number:
        raise ParseError(f"expected a real number, got {_show(s)} = {_show(str(value))}")
    return sympy.Rational(str(value))


def split_top(text: str, seps: str) -> list[str]:
    """Split at the separators (any character of `seps`) that stand outside every bracket and parenthesis."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch in seps and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _unwrap(s: str) -> str:
    """s without brackets or parentheses that enclose all of it ('(1, 2)' -> '1, 2'; 'sqrt(2)' stays)."""
    for _ in range(3):    # at most three wrapping layers ([[...]], ((...))): linear time on hostile nesting
        if not (len(s) >= 2 and s[0] in "([" and s[-1] == {"(": ")", "[": "]"}[s[0]]):
            break
        depth = 0
        for i, ch in enumerate(s):
            depth += ch in "(["
            depth -= ch in ")]"
            if depth == 0 and i < len(s) - 1:
                return s
        s = s[1:-1].strip()
    return s


def parse_arithmetic_array(text: str) -> list:
    """A vector or matrix whose entries are arithmetic (``[1-0.3, sqrt(2)/2]``; rows separated by ';'): the
    fallback for parse_array, which reads plain numbers only. Entries are separated by commas (a space could be
    a sign: ``1 -0.3``); each entry is parse_arithmetic's. Outer brackets or parentheses are optional."""
    s = _check_text(text, MAX_TEXT).strip()
    if len(s) > 20 * MAX_ARITHMETIC_ENTRIES:
        raise ParseError(f"too long for entries with arithmetic ({len(s)} characters): give plain numbers")
    s = _unwrap(s)
    rows_text = split_top(s, ";")
    if len(rows_text) == 1:   # [a, b], [c, d]: rows as bracketed groups separated by commas
        groups = [g.strip() for g in split_top(s, ",")]
        if len(groups) > 1 and all(g[:1] in "([" and _unwrap(g) != g for g in groups):
            rows_text = groups
    rows = []
    for row in rows_text:
        row = _unwrap(row.strip())
        entries = [e.strip() for e in split_top(row, ",")]
        if not all(entries):
            raise ParseError(f"expected numbers separated by commas, got {_show(row)}")
        if sum(map(len, rows)) + len(entries) > MAX_ARITHMETIC_ENTRIES:
            raise ParseError(f"more than {MAX_ARITHMETIC_ENTRIES} entries with arithmetic: give plain numbers")
        rows.append([parse_arithmetic(e) for e in entries])
    return rows[0] if len(rows) == 1 else rows


# --------------------------------------------------------------------------------------------
# booleans
# --------------------------------------------------------------------------------------------

_TRUE = frozenset({"true", "t", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "off", "0"})


def parse_bool(text: str) -> bool:
    """true/false, yes/no, on/off, 1/0, t/f, y/n (case-insensitive, surrounding space ignored)."""
    s = _check_text(text, MAX_TEXT).strip()
    low = s.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    if not s:
        raise ParseError("expected true or false, got nothing")
    raise ParseError(f"expected true or false, got {_show(s)}")


# --------------------------------------------------------------------------------------------
# arrays
# --------------------------------------------------------------------------------------------

_OPEN = "[({"
_MATCH = {"[": "]", "(": ")", "{": "}"}

_ARRAY_TOKEN_RE = re.compile(
    r"[^\S\n]*(?:"
    rf"(?P<n>{_NUM})(?=[\s,;\[\](){{}}]|\Z)"
    r"|(?P<o>[\[({])"
    r"|(?P<c>[\])}])"
    r"|(?P<s>,)"
    r"|(?P<r>;)"
    r"|(?P<l>\n)"
    r"|(?P<b>[^\s,;\[\](){}]+)"
    r"|\Z)"
)


class _Group:
    """One bracket pair (or the whole text): rows of items, split by ';' (hard) or newline (soft)."""

    __slots__ = ("char", "rows", "breaks", "nnum", "ngrp")

    def __init__(self, char: str):
        self.char = char          # opening bracket, '' for the whole text
        self.rows: list[list] = [[]]
        self.breaks: list[str] = []   # 'hard' (';') or 'soft' (newline) between consecutive rows
        self.nnum = 0
        self.ngrp = 0

    def items(self) -> list:
        return [x for row in self.rows for x in row]


# Structural characters; everything between two of them is a "segment" of numbers separated by
# whitespace and/or commas, validated by one regular expression and converted in bulk.
_STRUCT_RE = re.compile(r"[\[\](){};\n]")
_SEGMENT_RE = re.compile(
    rf"\s*+(,)?+\s*+(?:{_NUM}(?:(?:\s*+,\s*+|\s++){_NUM})*+(?:\s*+,)?+)?+\s*+")
_INT_SEGMENT_RE = re.compile(r"[\s,0-9+-]*")
_INT_CTOR = functools.partial(_INTEGER_NEW, sympy.Integer) if _INTEGER_NEW is not None else sympy.Integer


def _segment_error(seg: str, last: str) -> ParseError:
    """Explain why a segment failed _SEGMENT_RE (slow path, runs only on bad input)."""
    for m in _ARRAY_TOKEN_RE.finditer(seg):
        kind = m.lastgroup
        if kind == "n":
            _entry(m.group("n"))
        elif kind == "s":
            if last in ("s", "o", "r", "l", "start"):
                return ParseError("unexpected ','" + (" (missing entry)" if last == "s" else ""))
        elif kind == "b":
            word = m.group("b")
            if len(word) == 1 and word in "+-*/^=":
                return ParseError(f"unexpected {word!r}")
            return ParseError(f"expected a number, got {_show(word)}")
        elif kind is None:
            break
        last = kind
    return ParseError(f"expected numbers, got {_show(seg.strip())}")  # pragma: no cover


class _ArrayBuilder:
    __slots__ = ("root", "stack", "group", "row", "count", "last", "cache")

    def __init__(self):
        self.root = _Group("")
        self.stack = [self.root]
        self.group = self.root
        self.row = self.root.rows[0]
        self.count = 0
        self.last = "start"   # kind of the previous significant token
        self.cache: dict[str, sympy.Rational] = {}

    def segment(self, seg: str) -> None:
        if not seg or seg.isspace():
            return
        m = _SEGMENT_RE.fullmatch(seg)
        if m is None:
            raise _segment_error(seg, self.last)
        if m.group(1) is not None and self.last != "c":
            raise ParseError("unexpected ','")
        words = seg.replace(",", " ").split()
        if not words:
            self.last = "s"
            return
        self.count += len(words)
        if self.count > MAX_ELEMENTS:
            raise ParseError(f"too many numbers (more than {MAX_ELEMENTS})")
        if _INT_SEGMENT_RE.fullmatch(seg) and max(map(len, words)) <= MAX_DIGITS:
            vals = list(map(_INT_CTOR, map(int, words)))
        else:
            cache = self.cache
            vals = []
            for w in words:
                v = cache.get(w)
                if v is None:
                    v = _entry(w)
                    if len(cache) < 10_000:
                        cache[w] = v
                vals.append(v)
        self.row.extend(vals)
        self.group.nnum += len(vals)
        self.last = "n"

    def struct(self, ch: str) -> None:
        group = self.group
        if ch == "\n" or ch == ";":
            group.breaks.append("soft" if ch == "\n" else "hard")
            self.row = []
            group.rows.append(self.row)
            self.last = "l"
        elif ch in _OPEN:
            if len(self.stack) > 3:
                raise ParseError("nesting deeper than a matrix")
            new = _Group(ch)
            self.row.append(new)
            group.ngrp += 1
            self.stack.append(new)
            self.group = new
            self.row = new.rows[0]
            self.last = "o"
        else:
            if len(self.stack) == 1:
                raise ParseError(f"unbalanced brackets: {ch!r} without a matching opening bracket")
            if _MATCH[group.char] != ch:
                raise ParseError(f"unbalanced brackets: {group.char!r} closed by {ch!r}")
            self.stack.pop()
            self.group = self.stack[-1]
            self.row = self.group.rows[-1]
            self.last = "c"


def _tokenize_array(text: str) -> _Group:
    b = _ArrayBuilder()
    pos = 0
    for m in _STRUCT_RE.finditer(text):
        start = m.start()
        if start > pos:
            b.segment(text[pos:start])
        b.struct(text[start])
        pos = start + 1
    b.segment(text[pos:])
    if len(b.stack) > 1:
        raise ParseError(f"unbalanced brackets: {b.stack[-1].char!r} is never closed")
    return b.root


def _split_rows(g: _Group, *, soft_is_row: bool) -> list[list]:
    """Rows of a numbers-only group, empty rows dropped."""
    if soft_is_row or not g.breaks:
        rows = g.rows
    else:
        rows, cur = [], list(g.rows[0])
        for brk, r in zip(g.breaks, g.rows[1:]):
            if brk == "hard":
                rows.append(cur)
                cur = list(r)
            else:
                cur.extend(r)
        rows.append(cur)
    return [r for r in rows if r]


def _check_rectangular(rows: list[list]) -> None:
    if not any(rows):
        raise ParseError("expected at least one number")
    width = len(rows[0])
    if width == 0:
        raise ParseError("row 1 is empty")
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != width:
            raise ParseError(
                f"row {i} has {_plural(len(r), 'entry', 'entries')} but row 1 has {width}")


def _structure(root: _Group) -> list:
    top = root
    if root.nnum == 0 and root.ngrp == 1:     # the whole text is one bracket pair: unwrap once
        top = root.items()[0]
    if top.nnum and top.ngrp:
        raise ParseError("cannot mix plain numbers and bracketed rows")
    if top.ngrp:
        rows = []
        for child in top.items():
            if child.ngrp:
                raise ParseError("nesting deeper than a matrix")
            crow = _split_rows(child, soft_is_row=False)   # a newline inside a row is just a wrap
            if len(crow) > 1:
                raise ParseError("nesting deeper than a matrix")
            rows.append(crow[0] if crow else [])
        _check_rectangular(rows)
        return rows
    if not top.nnum:
        raise ParseError("expected at least one number")
    if top is root:
        rows = _split_rows(top, soft_is_row=True)
        if len(rows) == 1:
            return rows[0]
        _check_rectangular(rows)
        return rows
    # Inside explicit brackets: ';' always separates rows.  Newlines separate rows too (MATLAB
    # style "[1 2\n3 4]") unless that would give ragged rows without any ';', in which case the
    # newlines are taken as a long vector wrapped over several lines (as NumPy prints them).
    rows = _split_rows(top, soft_is_row=True)
    if len(rows) > 1 and "hard" not in top.breaks and len({len(r) for r in rows}) > 1:
        return top.items()
    if len(rows) == 1:
        return rows[0]
    _check_rectangular(rows)
    return rows


def parse_array(text: str) -> list:
    """Parse a vector or matrix of exact numbers.

    Returns a list of Rationals (depth 1) when the text is a single row of plain numbers, or a
    list of equally long row lists (depth 2) when there are several rows (``;`` or newline) or
    the items are bracket groups.  Accepted forms include ``[1, 2]``, ``(-1, 2)``, ``1 2``,
    ``1,2,3``, ``1 2; 3 4``, ``[[1,2],[3,4]]``, ``[1 2; 3 4]``, ``((1,2),(3,4))``, one row per
    line, and lists of points ``(-1,2), (0,-1)``.  Entries are anything :func:`parse_number`
    accepts without spaces (``1/3``, ``1e-8``, ``\u22122``).
    """
    text = _normalize_minus(_check_text(text, MAX_ARRAY_TEXT))
    if len(text) < 100_000:
        return _structure(_tokenize_array(text))
    # Creating up to a million SymPy numbers (no reference cycles) would trigger many needless
    # cyclic-GC passes over the whole heap; pause the collector meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _structure(_tokenize_array(text))
    finally:
        if was_enabled:
            gc.enable()


def parse_vector(text: str) -> tuple:
    """A tuple of Rationals: a plain list, or a matrix with one row or one column (flattened)."""
    arr = parse_array(text)
    if not arr or not isinstance(arr[0], list):
        return tuple(arr)
    if len(arr) == 1:
        return tuple(arr[0])
    if len(arr[0]) == 1:
        return tuple(r[0] for r in arr)
    raise ParseError(f"expected a vector, got a {len(arr)} x {len(arr[0])} matrix")


def parse_matrix(text: str) -> tuple:
    """A tuple of equally long row tuples; a plain list of numbers is one row (1 x n)."""
    arr = parse_array(text)
    if not isinstance(arr[0], list):
        return (tuple(arr),)
    return tuple(tuple(r) for r in arr)


# --------------------------------------------------------------------------------------------
# expressions
# --------------------------------------------------------------------------------------------

def _log_base(x, b=None):
    if b is None:
        return sympy.log(x)
    if b.is_zero:
        raise ParseError("the base of a logarithm cannot be 0")
    return sympy.log(x, b)


# name -> (callable, minimum number of arguments, maximum number or None for no limit)
_FUNCTION_TABLE: dict[str, tuple[Callable, int, int | None]] = {
    "exp": (sympy.exp, 1, 1),
    "log": (_log_base, 1, 2),
    "ln": (sympy.log, 1, 1),
    "log2": (lambda x: sympy.log(x, 2), 1, 1),
    "log10": (lambda x: sympy.log(x, 10), 1, 1),
    "sqrt": (sympy.sqrt, 1, 1),
    "abs": (sympy.Abs, 1, 1),
    "sin": (sympy.sin, 1, 1),
    "cos": (sympy.cos, 1, 1),
    "tan": (sympy.tan, 1, 1),
    "tanh": (sympy.tanh, 1, 1),
    "sinh": (sympy.sinh, 1, 1),
    "cosh": (sympy.cosh, 1, 1),
    "sigmoid": (sigmoid, 1, 1),
    "relu": (relu, 1, 1),
    "max": (sympy.Max, 2, None),
    "min": (sympy.Min, 2, None),
}
_CONSTANT_TABLE: dict[str, sympy.Expr] = {"e": sympy.E, "pi": sympy.pi}

#: Names available when ``functions`` is None (functions first, then the constants e and pi).
DEFAULT_FUNCTIONS: tuple[str, ...] = tuple(_FUNCTION_TABLE) + tuple(_CONSTANT_TABLE)

_EXPR_TOKEN_RE = re.compile(
    r"\s*(?:"
    rf"(?P<num>{_DEC})"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|[-+*/^(),])"
    r"|(?P<bad>\S)"
    r"|\Z)"
)
_EXPR_CHAR_MAP = str.maketrans({"\u2212": "-", "\ufe63": "-", "\uff0d": "-",
                                "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/"})
_UNDEFINED = (sympy.S.ComplexInfinity, sympy.S.NaN, sympy.S.Infinity, sympy.S.NegativeInfinity)


def _digits_of_int(n: int) -> float:
    """log10 |n| (0 for n = 0); exact enough for any size of int."""
    return math.log10(abs(n)) if n else 0.0


def _measure(expr: sympy.Basic) -> float:
    """Decimal digits of the largest numerator or denominator in expr."""
    d = 0.0
    for r in expr.atoms(sympy.Rational):
        d = max(d, _digits_of_int(r.p), _digits_of_int(r.q))
    return d


def _too_large(detail: str = f"more than about {MAX_RESULT_DIGITS} digits") -> ParseError:
    return ParseError(f"number too large ({detail})")


def _log_risk(arg: sympy.Basic) -> None:
    """exp(c*log(a)) and friends evaluate to a**c: refuse when that number would be huge."""
    if not arg.has(sympy.log):
        return
    coeff = 1
    inner = 0.0
    stack = [arg]
    while stack:
        node = stack.pop()
        if isinstance(node, sympy.log):
            inner = max(inner, _measure(node))
        elif isinstance(node, sympy.Rational):
            coeff = max(coeff, abs(node.p), node.q)
        else:
            stack.extend(node.args)
    if inner and (coeff > 10 ** 6 or coeff * inner > MAX_RESULT_DIGITS):
        raise _too_large()


def _log10_abs(expr: sympy.Basic) -> float | None:
    """log10 of |expr| for a numeric expr, estimated in floating point (None if unknown).

    Safe to call on anything the parser built: every exp / power it admitted stays below
    10**MAX_MAGNITUDE, so mpmath never meets a tower of exponentials.
    """
    try:
        v = expr.evalf(15)
        parts = v.as_real_imag()
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return math.inf
    best = -math.inf
    for part in parts:
        if part.is_Float:
            sign, man, exp, bc = part._mpf_
            if man:
                best = max(best, math.log10(man) + exp * _LOG10_2)
        elif part.is_Rational:
            if part.p:
                best = max(best, _digits_of_int(part.p) - _digits_of_int(part.q))
        else:
            return None
    return best


def _check_growth(log10_exponent: float | None, log10_base: float) -> None:
    """Refuse base**exponent (sizes given as log10 of absolute values) above 10**MAX_MAGNITUDE."""
    if log10_exponent is None or log10_base == -math.inf or log10_exponent == -math.inf:
        return
    if log10_exponent + math.log10(max(abs(log10_base), 1e-300)) > math.log10(MAX_MAGNITUDE):
        raise _too_large(f"beyond 10**{MAX_MAGNITUDE}")


_GROWING_FUNCTIONS = (sympy.exp, sympy.sinh, sympy.cosh)


class _Token:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind: str, text: str, pos: int):
        self.kind, self.text, self.pos = kind, text, pos   # pos is 1-based


def _tokenize_expr(text: str) -> list[_Token]:
    tokens = []
    for m in _EXPR_TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind is None:
            break
        tok = m.group(kind)
        pos = m.start(kind) + 1
        if kind == "bad":
            raise ParseError(f"unexpected {tok!r} at position {pos}")
        prev = tokens[-1] if tokens else None
        if prev is not None and prev.pos + len(prev.text) == pos and (
                (prev.kind == "num" and (kind == "name" or tok == "(")) or
                (prev.text == ")" and (kind == "name" or tok == "("))):
            tokens.append(_Token("op", "*", pos))   # implicit multiplication as written: 10y^2, 2(x + 1), (x)(y)
        tokens.append(_Token(kind, tok, pos))
    return tokens


class _ExprParser:
    """Recursive descent; every node is returned as (expr, digits) where digits bounds the size
    (decimal digits) of the largest exact number in expr."""

    def __init__(self, tokens, symbols, functions, constants, allowed):
        self.toks: list[_Token] = tokens
        self.i = 0
        self.depth = 0
        self.symbols: dict[str, sympy.Basic] = symbols
        self.functions: dict[str, tuple[Callable, int, int | None]] = functions
        self.constants: dict[str, sympy.Basic] = constants
        self.allowed: list[str] = allowed
        self.minmax_args = 0

    # -- token helpers ----------------------------------------------------------------------
    def peek(self) -> _Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def peek_is(self, *texts: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text in texts

    def prev_text(self) -> str:
        return self.toks[self.i - 1].text if self.i else ""

    def unexpected(self, tok: _Token | None) -> ParseError:
        if tok is None:
            prev = self.prev_text()
            if prev:
                return ParseError(f"expected an expression after {prev!r}, got nothing")
            return ParseError("expected an expression, got nothing")
        return ParseError(f"unexpected {tok.text!r} at position {tok.pos}")

    # -- grammar ----------------------------------------------------------------------------
    def parse(self):
        if not self.toks:
            raise ParseError("expected an expression, got nothing")
        expr, _ = self.sum()
        tok = self.peek()
        if tok is not None:
            raise self.unexpected(tok)
        return expr

    def sum(self):
        terms = [self.term()]
        while self.peek_is("+", "-"):
            op = self.toks[self.i].text
            self.i += 1
            t, d = self.term()
            terms.append((-t, d) if op == "-" else (t, d))
        if len(terms) == 1:
            return terms[0]
        return self.combine(sympy.Add, terms)

    def term(self):
        factors = [self.unary()]
        while self.peek_is("*", "/"):
            op = self.toks[self.i].text
            self.i += 1
            f, d = self.unary()
            if op == "/":
                # (a structural test first: is_zero on a big symbolic sum is slow)
                if f is sympy.S.Zero or (f.is_number and f.is_zero):
                    raise ParseError("division by zero")
                f = sympy.Pow(f, -1)
            factors.append((f, d))
        if len(factors) == 1:
            return factors[0]
        return self.combine(sympy.Mul, factors)

    def combine(self, op, parts):
        est = sum(d for _, d in parts)
        if est > _HARD_DIGITS:
            raise _too_large()
        expr = op(*[e for e, _ in parts])
        if est > MAX_RESULT_DIGITS:
            est = _measure(expr)
            if est > MAX_RESULT_DIGITS:
                raise _too_large()
        return expr, est

    def unary(self):
        self.depth += 1
        if self.depth > MAX_EXPR_DEPTH:
            raise ParseError(f"expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)")
        try:
            if self.peek_is("-", "+"):
                op = self.toks[self.i].text
                self.i += 1
                e, d = self.unary()
                return (-e, d) if op == "-" else (e, d)
            return self.power()
        finally:
            self.depth -= 1

    def power(self):
        base, db = self.primary()
        if not self.peek_is("**", "^"):
            return base, db
        self.i += 1
        exp, de = self.unary()
        return self.make_power(base, db, exp, de)

    def make_power(self, base, db, ex, de):
        if base.is_number and ex.is_number and not (base.is_Rational and ex.is_Rational):
            lb = _log10_abs(base)
            if lb is not None:
                _check_growth(_log10_abs(ex), lb)
        if ex.is_Rational:
            e = abs(ex)
            if base.is_number:
                if base.is_zero and ex.is_negative:
                    raise ParseError("division by zero")
                if e > MAX_POWER_EXPONENT and base not in (sympy.S.Zero, sympy.S.One, sympy.S.NegativeOne):
                    raise ParseError(
                        f"number too large (exponent {ex} with a numeric base; at most {MAX_POWER_EXPONENT})")
                dn = db
            elif base.is_Mul:
                dn = max((_measure(a) for a in base.args if a.is_number), default=0.0)
            else:
                dn = 0.0
            # Digits of base**exp, estimated with logarithms, never computed when too large.
            if dn * float(e) > MAX_RESULT_DIGITS and base.is_number:
                dn = _measure(base)
            if dn * float(e) > MAX_RESULT_DIGITS:
                raise _too_large()
            return sympy.Pow(base, ex), max(db, de, dn * float(e))
        if base is sympy.S.Exp1:          # e**(c*log(a)) evaluates to a**c
            _log_risk(ex)
        return sympy.Pow(base, ex), max(db, de)

    def primary(self):
        tok = self.peek()
        if tok is None or tok.kind == "op" and tok.text != "(":
            raise self.unexpected(tok)
        self.i += 1
        if tok.kind == "num":
            result = self.number(tok)
        elif tok.kind == "name":
            result = self.name(tok)
        else:  # '('
            result = self.sum()
            if not self.peek_is(")"):
                if self.peek() is None:
                    raise ParseError(f"missing ')' to close '(' at position {tok.pos}")
                raise self.unexpected(self.peek())
            self.i += 1
        nxt = self.peek()
        if nxt is not None and (nxt.kind in ("num", "name") or nxt.text == "("):
            raise ParseError(f"missing operator between {self.prev_text()!r} and {nxt.text!r}")
        return result

    @staticmethod
    def number(tok: _Token):
        p, q = _decimal(tok.text)
        r = _rational(p, q)
        return r, max(_digits_of_int(p), _digits_of_int(q))

    def name(self, tok: _Token):
        name = tok.text
        if name in self.functions and self.peek_is("("):
            return self.call(tok)
        if name in self.symbols:
            return self.symbols[name], 0.0
        if name in self.constants:
            c = self.constants[name]
            return c, _measure(c)
        if name in self.functions:
            raise ParseError(f"{name!r} is a function: write {name}(...)")
        allowed = self.allowed
        listing = ", ".join(allowed[:30]) + (", ..." if len(allowed) > 30 else "")
        raise ParseError(f"unknown name {_show(name)} (allowed: {listing or 'none'})")

    def call(self, tok: _Token):
        func, lo, hi = self.functions[tok.text]
        open_tok = self.toks[self.i]
        self.i += 1  # '('
        self.depth += 1
        if self.depth > MAX_EXPR_DEPTH:
            raise ParseError(f"expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)")
        args = []
        if not self.peek_is(")"):
            while True:
                if self.peek() is None:
                    break
                args.append(self.sum())
                if self.peek_is(","):
                    self.i += 1
                    continue
                break
        if not self.peek_is(")"):
            if self.peek() is None:
                raise ParseError(f"missing ')' to close '(' at position {open_tok.pos}")
            raise self.unexpected(self.peek())
        self.i += 1
        self.depth -= 1
        n = len(args)
        if n < lo or (hi is not None and n > hi):
            if hi is None:
                want = f"at least {_plural(lo, 'argument', 'arguments')}"
            elif lo == hi:
                want = _plural(lo, "argument", "arguments")
            else:
                want = f"{lo} to {hi} arguments"
            raise ParseError(f"{tok.text}() takes {want}, got {n}")
        if func is sympy.Max or func is sympy.Min:
            self.minmax_args += n
            if self.minmax_args > MAX_MINMAX_ARGS:
                raise ParseError(f"too many max/min arguments (at most {MAX_MINMAX_ARGS} in one expression)")
        digits = max((d for _, d in args), default=0.0)
        for a, _ in args:
            _log_risk(a)
        if func in _GROWING_FUNCTIONS and n == 1 and args[0][0].is_number:
            _check_growth(_log10_abs(args[0][0]), math.log10(math.e))
        try:
            result = func(*[a for a, _ in args])
        except ParseError:
            raise
        except TypeError as exc:
            raise ParseError(f"{tok.text}() cannot take {_plural(n, 'argument', 'arguments')}") from exc
        except (ValueError, ArithmeticError) as exc:
            # e.g. SymPy's Max cannot decide the sign of sin(1)**2 + cos(1)**2 - 1
            raise ParseError(f"cannot evaluate {tok.text}() of this argument") from exc
        if digits > MAX_RESULT_DIGITS / 2:
            digits = _measure(result)
            if digits > MAX_RESULT_DIGITS:
                raise _too_large()
        return result, digits


def _symbol_table(variables) -> dict[str, sympy.Basic]:
    if isinstance(variables, str):
        raise TypeError("variables must be an iterable of names or a mapping, not a single str")
    if isinstance(variables, Mapping):
        table = {}
        for k, v in variables.items():
            if not isinstance(k, str):
                raise TypeError(f"variable names must be str, got {type(k).__name__}")
            if not isinstance(v, sympy.Basic):
                raise TypeError(f"variable {k!r} must map to a SymPy object, got {type(v).__name__}")
            table[k] = v
        return table
    table = {}
    for k in variables:
        if not isinstance(k, str):
            raise TypeError(f"variable names must be str, got {type(k).__name__}")
        table[k] = sympy.Symbol(k)
    return table


def _function_tables(functions):
    if functions is None:
        return dict(_FUNCTION_TABLE), dict(_CONSTANT_TABLE)
    funcs: dict[str, tuple[Callable, int, int | None]] = {}
    consts: dict[str, sympy.Basic] = {}
    if isinstance(functions, str):
        raise TypeError("functions must be an iterable of names or a mapping, not a single str")
    if isinstance(functions, Mapping):
        for k, v in functions.items():
            if isinstance(v, sympy.Basic):
                consts[k] = v
            elif callable(v):
                funcs[k] = (v, 0, None)
            else:
                raise TypeError(f"function {k!r} must be callable or a SymPy constant")
        return funcs, consts
    for k in functions:
        if k in _FUNCTION_TABLE:
            funcs[k] = _FUNCTION_TABLE[k]
        elif k in _CONSTANT_TABLE:
            consts[k] = _CONSTANT_TABLE[k]
        else:
            raise ValueError(f"unknown function name {k!r}; choose from {', '.join(DEFAULT_FUNCTIONS)}")
    return funcs, consts


def parse_expr(text: str, variables, functions=None) -> sympy.Expr:
    """Parse an arithmetic expression safely into a SymPy expression.

    ``variables``: iterable of allowed names (plain Symbols are created) or a mapping
    name -> SymPy object (those objects are used, e.g. Symbols with assumptions).
    ``functions``: None for the default whitelist (:data:`DEFAULT_FUNCTIONS`: exp, log, ln, log2,
    log10, sqrt, abs, sin, cos, tan, tanh, sinh, cosh, sigmoid, relu, max, min and the constants
    e and pi); an iterable of names picks a subset of it; a mapping name -> callable (or name ->
    SymPy constant) replaces it.  A variable shadows a constant or function of the same name
    (a function name followed by '(' is still a call).

    Grammar: numbers (exact), names, ``+ - * / ^ **`` (``^`` is power), unary signs, parentheses
    and calls ``f(a)``, ``f(a, b)``.  ``**`` is right-associative and binds tighter than unary
    minus (``-x**2`` is ``-(x**2)``).  A number written against a name or '(' multiplies it, as does ')' against a
    name or '(' (``10y^2``, ``2(x + 1)``, ``(x + 1)(x - 1)``); with a space between (``2 x``) it is an error, and
    ``x(2)`` is one too (a call of x?).
    Positions in error messages are 1-based character positions.
    """
    text = _check_text(text, MAX_EXPR_TEXT).translate(_EXPR_CHAR_MAP)
    symbols = _symbol_table(variables)
    funcs, consts = _function_tables(functions)
    allowed = list(symbols) + [k for k in funcs if k not in symbols] + [k for k in consts if k not in symbols]
    parser = _ExprParser(_tokenize_expr(text), symbols, funcs, consts, allowed)
    try:
        expr = parser.parse()
    except OverflowError as exc:  # pragma: no cover - a SymPy / mpmath limit the guards missed
        raise _too_large() from exc
    if isinstance(expr, sympy.Basic) and expr.has(*_UNDEFINED):
        raise ParseError("the expression is undefined (division by zero or an infinite value)")
    if isinstance(expr, sympy.Basic):
        _check_shape(expr)
    return expr


#: parse_arithmetic's name for parse_expr (this module's safe parser; defined after it)
_own_expr = parse_expr


def _check_shape(expr: sympy.Basic) -> None:
    """Refuse power towers, deeply nested exponentials, huge exponents on a variable and very long
    products (MAX_EXP_DEPTH, MAX_SYMBOLIC_EXPONENT, MAX_PRODUCT_FACTORS): short texts whose exact
    working (and often the numeric one: a gradient of a tower) explodes. One pass over the
    expression's DAG, so it costs nothing next to parsing."""
    depth: dict[sympy.Basic, int] = {}

    def walk(e: sympy.Basic) -> int:
        known = depth.get(e)
        if known is not None:
            return known
        if not e.args or not e.free_symbols:
            d = 0  # numbers are bounded by the parser's numeric checks
        elif isinstance(e, _GROWING_FUNCTIONS):
            d = 1 + walk(e.args[0])
        elif e.is_Pow:
            base, ex = e.args
            if ex.free_symbols:
                d = 1 + max(walk(base), walk(ex))
            else:
                if ex.is_number and ex.is_Rational and abs(ex) > MAX_SYMBOLIC_EXPONENT:
                    raise ParseError(f"the exponent {_show(str(ex), 24)} on an expression with a variable is too "
                                     f"large (at most {MAX_SYMBOLIC_EXPONENT})")
                d = walk(base)
        else:
            if e.is_Mul:
                n = sum(1 for a in e.args if a.free_symbols)
                if n > MAX_PRODUCT_FACTORS:
                    raise ParseError(f"a product of {n} factors with variables is too long to work out step by "
                                     f"step (at most {MAX_PRODUCT_FACTORS})")
            d = max(walk(a) for a in e.args)
        if d > MAX_EXP_DEPTH:
            raise ParseError(f"exponentials or powers with a variable exponent are nested more than {MAX_EXP_DEPTH} "
                             "deep (a power tower such as x**x**x**x**x**x, or exp(exp(exp(exp(exp(x)))))); "
                             "its working would take too long")
        depth[e] = d
        return d

    walk(expr)
