"""Finding the values in a normalised question: numbers, arrays, tables, data lines, assignments, formulas.

`scan(text)` returns the items a field could take, each with its span in the normalised text:

- numbers as exams write them: 0.1, .5, 1e-8, 10^-8, 1.5 x 10^-3, 1/3, 80%, 1,536,000, 1.5 million,
  number words ("three steps", "once", "a single") and ordinals ("the second epoch", "10th");
- arrays: [1, 2], (1, 2), <1, 2>, [[1, 2], [3, 4]], [1 2; 3 4] (LaTeX matrices arrive as brackets);
  runs of points "(-1, 2), (0, -1), (2, 1)" as one matrix; runs of numbers "0.57, 0.58 and 0.52";
- tables: lines of numbers with an optional header line (columns named), or lines that start with a
  name (rows named, as "X1 4 8 13 7");
- labelled data: "(0, 1, -1) -> 1", "(-1, 2) labelled as class 0";
- assignments `name = value` (w = 2.5, beta_1 = 0.9, u_8 = 0.8, function = OR) and formulas
  `f(x, y) = x^2 + 10y^2`, `L = 1/2 (y_hat - y)^2`, `nabla f = (2x, 20y)`;
- shapes "32 x 32 x 3"; coin-toss sequences "H T H H".

It also marks what is not an input: question metadata (numbering, marks, ids), multiple-choice
options (kept as options), URLs, and the example numbers of an answer-format instruction.
Nothing here evaluates user text: numbers go through solver.parse, expressions are only re-spelled.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .. import parse as P

__all__ = ["Item", "Scan", "scan", "NUMBER_WORDS", "explicit_products"]


@dataclass
class Item:
    """A value found in the question. `i`, `j`: its span in the normalised text (with an assignment's name)."""

    kind: str  # number | vector | matrix | shape | data | table | expr | gradient | word | outcomes
    i: int
    j: int
    text: str  # the value as a form field would hold it
    value: Any = None  # number: Fraction; vector: tuple of Fraction; matrix: tuple of tuples
    name: str = ""  # an assignment's name as written (normalised), e.g. "beta_1", "u_8"
    base: str = ""  # the name without its subscript ("u" for "u_8")
    sub: str = ""  # the subscript ("8")
    flags: set = field(default_factory=set)  # word, ordinal, percent, integer, in_formula, assigned, ...
    columns: tuple[str, ...] = ()  # a table's column names
    rows: tuple[str, ...] = ()  # a table's row names
    inputs: str = ""  # labelled data: the points (matrix text)
    labels: str = ""  # labelled data: the labels (vector text)
    variables: tuple[str, ...] = ()  # a formula's variables (its arguments when written f(x, y))
    members: tuple["Item", ...] = ()  # a run or group: the items it is made of
    used: bool = False

    @property
    def integer(self) -> bool:
        return self.kind == "number" and isinstance(self.value, Fraction) and self.value.denominator == 1

    def covers(self, other: "Item") -> bool:
        return self.i <= other.i and other.j <= self.j


@dataclass
class Scan:
    items: list[Item]
    ignored: list[tuple[int, int, str]]  # spans that are not inputs, and why
    options: list[tuple[str, str, int, int]]  # multiple-choice options: (label, text, i, j)
    precision: dict | None  # {"dp": n} or {"sig": n}, with "i", "j"
    sentences: list[tuple[int, int]]


# ---- numbers ---------------------------------------------------------------------------------------------------

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "once": 1, "twice": 2, "thrice": 3, "single": 1, "a single": 1, "one hundred": 100, "a hundred": 100,
    "a thousand": 1000, "one thousand": 1000, "half": Fraction(1, 2), "a half": Fraction(1, 2),
    "one half": Fraction(1, 2), "a quarter": Fraction(1, 4), "one quarter": Fraction(1, 4),
}
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20, "hundredth": 100,
}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_WORD_RE = re.compile(
    r"(?<![\w-])(?:(?:" + "|".join(_TENS) + r")[- ](?:" + "|".join(_UNITS) + r")"
    r"|a single|a hundred|one hundred|a thousand|one thousand|a half|one half|a quarter|one quarter|"
    + "|".join(sorted((k for k in NUMBER_WORDS if " " not in k), key=len, reverse=True))
    + "|" + "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True)) + r")(?!\w|\.[0-9])", re.I)

_DEC = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_NUMBER_RE = re.compile(
    r"(?<![\w.^])(?P<sign>[-+])?(?:"
    r"(?P<thou>[0-9]{1,3}(?:,[0-9]{3})+)(?![0-9])"
    r"|(?P<mant>" + _DEC + r")"
    r"(?:\s*(?:[x×*]|\\times)\s*10\s*\^\s*\(?\s*(?P<exp10>[-+]?[0-9]{1,3})\s*\)?"
    r"|[eE](?P<exp>[-+]?[0-9]{1,3})"
    r"|(?P<pow>\s*\^\s*\(?\s*(?P<powe>[-+]?[0-9]{1,3})\s*\)?)"
    r"|/(?P<den>" + _DEC + r")(?![0-9.])"
    r")?"
    r")(?P<pct>\s?%)?(?P<ord>st|nd|rd|th)?(?P<scale>\s(?:million|thousand|billion))?(?!\w|\.[0-9])",
)


def _fraction_of(r) -> Fraction:
    return Fraction(int(r.p), int(r.q))


_DEC_TEXT = re.compile(r"[-+]?(?:[0-9]{1,400}(?:\.[0-9]{0,400})?|\.[0-9]{1,400})(?:[eE][-+]?[0-9]{1,3})?")


def _frac(text: str) -> Fraction:
    """An exact decimal ("0.1", "1e-8", ".5") as a Fraction, without SymPy (the scan reads many numbers)."""
    text = text.strip().replace("\u2212", "-")
    if not _DEC_TEXT.fullmatch(text):
        raise ValueError(f"not a decimal: {text[:20]!r}")
    return Fraction(text)


@functools.lru_cache(maxsize=4096)
def _decimal_text(x: Fraction) -> str:
    """A short exact spelling the specs parse: 3, -0.25, 1e-8, 1/3."""
    if x.denominator == 1:
        return str(x.numerator)
    d = x.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d == 1:
        places = max(twos, fives)
        s = f"{x.numerator * 10 ** places // x.denominator}"
        neg = s.startswith("-")
        s = s.lstrip("-").rjust(places + 1, "0")
        s = s[:-places] + "." + s[-places:]
        s = s.rstrip("0").rstrip(".")
        if places > 6 and abs(x.numerator) < 10 ** 3:
            mant = Fraction(x.numerator * 10 ** places, x.denominator)
            if mant.denominator == 1 and abs(mant.numerator) < 10:
                return f"{mant.numerator}e-{places}"
        return ("-" if neg else "") + s
    return f"{x.numerator}/{x.denominator}"


def number_value(m: re.Match) -> tuple[Fraction, set] | None:
    flags: set = set()
    try:
        if m.group("thou"):
            x = Fraction(int(m.group("thou").replace(",", "")))
        else:
            mant = m.group("mant")
            x = _frac(mant)
            if m.group("exp10") is not None:
                x = x * Fraction(10) ** int(m.group("exp10"))
                flags.add("scientific")
            elif m.group("exp") is not None:
                x = _frac(mant + "e" + m.group("exp"))
                flags.add("scientific")
            elif m.group("pow") is not None:
                e = int(m.group("powe"))
                if mant in ("10", "2") and abs(e) <= 60 or (abs(e) <= 6 and len(mant) <= 3):
                    x = x ** e if x != 0 or e >= 0 else None
                    if x is None:
                        return None
                    flags.add("power")
                else:
                    return None
            elif m.group("den") is not None:
                den = _frac(m.group("den"))
                if den == 0:
                    return None
                x = x / den
                flags.add("fraction")
    except (P.ParseError, OverflowError, ValueError, ZeroDivisionError):
        return None
    if m.group("sign") == "-":
        x = -x
    if m.group("pct"):
        x = x / 100
        flags.add("percent")
    if m.group("ord"):
        if x.denominator != 1 or m.group("pct"):
            return None
        flags.add("ordinal")
    if m.group("scale"):
        x = x * {"thousand": 1000, "million": 10 ** 6, "billion": 10 ** 9}[m.group("scale").strip()]
    return x, flags


# ---- helpers -----------------------------------------------------------------------------------------------------

_ENTRY = r"[-+]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?(?:/[0-9]+(?:\.[0-9]+)?)?"
_ARRAY_INNER = re.compile(r"^[\s,;0-9.eE+\-/\[\]()]*$")
_IDENT = r"(?:nabla\s?)?[A-Za-z][A-Za-z0-9]*(?:_(?:\([^()\n]{1,12}\)|[A-Za-z0-9]+))*(?:'|\^T)?"
_ASSIGN = re.compile(r"(?<![\w.^])(?P<name>" + _IDENT + r")\s*(?P<op>=|:=|:(?!=))\s*")
_FUNC_DEF = re.compile(r"(?<![\w.^])(?P<name>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?)\s*\((?P<args>\s*[A-Za-z]\w*"
                       r"(?:\s*,\s*[A-Za-z]\w*){0,7}\s*)\)\s*=\s*")
_GRAD_DEF = re.compile(r"(?<![\w.])(?:nabla\s*_?\s*(?:\(?[A-Za-z]\w*\)?)?\s*(?:\(\s*[A-Za-z]\w*(?:\s*,\s*[A-Za-z]\w*){0,7}\s*\))?"
                       r"|(?:the\s+)?gradient(?:\s+of\s+[A-Za-z]\w*(?:\([^()]{0,20}\))?)?(?:\s+(?:is|equals))?"
                       r"|\(?\(?(?:partial\s*|d\s*)[A-Za-z]\w*\)?\s*/\s*\(?(?:partial\s*|d\s*)[A-Za-z]\w*\)?\)?"
                       r"|grad\s*[A-Za-z]\w*)\s*(?:=|:)?\s*", re.I)
_PARTIAL = re.compile(r"\(?\(?(?:partial|d)\s*(?P<num>[A-Za-z]\w*)\)?\s*/\s*\(?(?:partial|d)\s*(?P<var>[A-Za-z]\w*)\)?\)?"
                      r"\s*[=:]?", re.I)
_TUPLE_ASSIGN = re.compile(r"(?<![\w.])\(\s*(?P<names>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?(?:\s*,\s*[A-Za-z][A-Za-z0-9]*"
                           r"(?:_[A-Za-z0-9]+)?){1,7})\s*\)\s*=\s*")
_SHAPE = re.compile(r"(?<![\w.])([0-9]{1,6})\s*(?:x|×|\*|by)\s*([0-9]{1,6})(?:\s*(?:x|×|\*|by)\s*([0-9]{1,6}))?"
                    r"(?:\s*(?:x|×|\*|by)\s*([0-9]{1,6}))?(?!\w|\.[0-9]|\s*\^)")
_OUTCOMES = re.compile(r"(?<![\w])([HT](?:[ ,]+[HT]){3,}|[HT]{4,})(?![\w])")
_URL = re.compile(r"(?:https?://|www\.)\S+|<https?://[^>]+>")
_METADATA_LINE = re.compile(
    r"^[ \t]*(?:question\s+(?:number|id|type|label)|response\s+(?:time|type)|think\s+time|minimum\s+instruction"
    r"|correct\s+marks|negative\s+marks|evaluation\s+required|show\s+word\s+count|answers?\s+type|text\s+areas"
    r"|possible\s+answers|calculator|marks?\s*:|time\s+allowed|refer\s+to|for\s+details)\b.*$", re.I | re.M)
_ANSWER_KEY = re.compile(r"^[ \t>*]*(?:possible|correct|accepted)\s+answers?\s*:?[ \t*]*(?:\n\s*)?[^\n]*$", re.I | re.M)
_NUMBERING = re.compile(
    r"^[ \t>*-]*(?:(?:q(?:uestion)?|problem|exercise|ex\.?)\s*[-.:#]?\s*[0-9]{1,3}\s*[-.:)]?"
    r"|\(?[0-9]{1,2}[.)](?![0-9])|\(?[ivx]{1,4}\)|\(?[0-9]{1,2}\.[0-9]{1,2}[.)])", re.I | re.M)
_MARKS = re.compile(r"[(\[]\s*[0-9]{1,3}(?:\.[0-9])?\s*(?:points?|pts?\.?|marks?)\s*[)\]]|\b[0-9]{1,3}\s+marks?\b",
                    re.I)
#: A Markdown table's rule line under its header: | --- | :---: | ---: |
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")

_LABELS = re.compile(r"\b(?:week|figure|fig\.|eq\.|eqs\.|equation|table|page|section|chapter|lecture|slide|"
                     r"problem|question|exercise|example|notes?|part|unit|module|assignment|quiz|lab|id|model|case)\s*"
                     r"(?:no\.?\s*)?\(?[0-9]{1,4}(?:\.[0-9]+)?\)?", re.I)
_OPTION_LINE = re.compile(r"^[ \t]*(?:\(([a-hA-H])\)|([a-hA-H])[.)]|\[([a-hA-H])\]|option\s+([a-hA-H1-9])\s*[:.)]?"
                          r"|([○◯●□☐■▢◻]))[ \t]+(\S.*?)[ \t]*$", re.M | re.I)
_INLINE_OPTION = re.compile(r"(?:(?<=\s)|^)\(([a-h])\)\s*(.+?)(?=\s+\([a-h]\)\s|\s*$|\n)", re.M)
_PRECISION = re.compile(
    r"(?P<n>[0-9]{1,2}|one|two|three|four|five|six|seven|eight)\s*"
    r"(?:(?P<dp>decimal\s+(?:places?|digits?|points?)|dp\b|d\.p\.|places?\s+(?:of|after\s+the)\s+decimals?|decimals\b)"
    r"|(?P<sig>significant\s+(?:figures?|digits?)|sig\.?\s*figs?\.?|s\.?f\.?(?![a-z])|sf\b))", re.I)
_NEAREST = re.compile(r"nearest\s+(?P<unit>tenth|hundredth|thousandth|ten-thousandth|integer|whole\s+number)", re.I)
_FORMAT_EXAMPLE = re.compile(r"(?:if\s+your\s+answer\s+is|for\s+example|e\.g\.|i\.e\.|such\s+as|like\s+this)", re.I)
_INSTRUCTION = re.compile(r"\b(?:enter|round|write|give|report|answer|decimal|significant|format)\w*", re.I)
_SENTENCE_END = re.compile(r"(?<![0-9])[.?!](?=\s|$)|[.?!](?=\s+[A-Z(])|\n\s*\n|\n(?=\s*(?:[-*•]|\(?[a-h0-9][.)]))")
_FUNCTION_NAMES = set(P.DEFAULT_FUNCTIONS) | {"sigma", "sigm", "Max", "Min", "log_2", "log_e"}


_NUMBER_VALUE = re.compile(r"\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*%?\s*(?:$|[,;)]|and\b|\.(?:\s|$)|\s+[A-Za-z])")
_NAME_BEFORE = re.compile(r"(?<![\w.^])(?P<name>" + _IDENT + r")\s*$")


class _Assign:
    """A match of `name =` found from its operator (scanning every letter for a name is the slow way)."""

    __slots__ = ("_start", "_end", "_groups")

    def __init__(self, start: int, end: int, name: str, op: str):
        self._start, self._end, self._groups = start, end, {"name": name, "op": op}

    def start(self, g=0):
        return self._start

    def end(self, g=0):
        return self._end

    def group(self, g=0):
        return self._groups[g] if g else None


def _assignments(s: str):
    """`name = `, `name := `, `name : ` in text order, found from the operators."""
    for m in re.finditer(r":=|=(?!=)|:(?![=/])", s):
        i = m.start()
        if i > 0 and s[i - 1] in "<>!=":
            continue
        head = _NAME_BEFORE.search(s, max(0, i - 60), i)
        if head is None:
            continue
        j = m.end()
        while j < len(s) and s[j] in " \t":
            j += 1
        op = m.group(0)
        yield _Assign(head.start(), j, head.group("name"), op)


def _bracket_groups(s: str) -> dict[int, tuple[int, int]]:
    """start -> (end, depth) of every balanced bracket group, in one pass; depth 0 holds no bracket, 1 a row."""
    pairs = {"]": "[", ")": "(", "⟩": "⟨", "}": "{"}
    stack: list[list] = []
    out: dict[int, tuple[int, int]] = {}
    for q, ch in enumerate(s):
        if ch in "[(⟨{":
            stack.append([ch, q, 0])
        elif ch in pairs:
            if stack and stack[-1][0] == pairs[ch]:
                _, p, d = stack.pop()
                out[p] = (q + 1, d)
                if stack:
                    stack[-1][2] = max(stack[-1][2], d + 1)
            else:
                stack.clear()  # a stray closer: nothing open before it pairs across it
    return out


def _overlaps(spans: list[tuple[int, int, Any]], i: int, j: int) -> bool:
    return any(a < j and i < b for a, b, *_ in spans)


def _sentences(s: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(s):
        out.append((start, m.end()))
        start = m.end()
    if start < len(s):
        out.append((start, len(s)))
    return out


def _array_text(rows) -> str:
    if rows and isinstance(rows[0], tuple):
        return "[" + ", ".join("[" + ", ".join(_decimal_text(v) for v in r) + "]" for r in rows) + "]"
    return "[" + ", ".join(_decimal_text(v) for v in rows) + "]"


def _parse_array(inner: str):
    """Exact rows (tuple of tuples) or a vector (tuple), or None."""
    if len(inner) > 20_000 or not re.search(r"[0-9]", inner):
        return None
    try:
        arr = P.parse_array(inner)
    except (P.ParseError, ValueError):
        return None
    if not arr:
        return None
    if isinstance(arr[0], list):
        return tuple(tuple(_fraction_of(v) for v in r) for r in arr)
    return tuple(_fraction_of(v) for v in arr)


# ---- implicit products --------------------------------------------------------------------------------------

_EXPR_TOKEN = re.compile(r"\s*(?:(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)|(?P<name>[A-Za-z_]\w*)"
                         r"|(?P<op>\*\*|[-+*/^(),|])|(?P<bad>\S))")
_GREEK_NAMES = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "nu", "xi", "rho",
                "sigma", "tau", "phi", "chi", "psi", "omega", "kappa", "zeta", "iota", "pi"}


def explicit_products(expr: str, variables: tuple[str, ...] = ()) -> str | None:
    """An expression as exams write it (10y^2, 2x, 2(x+1), (x+1)(x-1), wx) with every product explicit.

    Returns None when the text is not an expression (a stray character, an unbalanced bracket)."""
    if len(expr) > 2000:
        return None
    toks = []
    for m in _EXPR_TOKEN.finditer(expr):
        if m.group("bad") is not None:
            return None
        if m.group("num") is not None:
            toks.append(("num", m.group("num")))
        elif m.group("name") is not None:
            name = m.group("name")
            if (name not in _FUNCTION_NAMES and name not in variables and name not in _GREEK_NAMES and 1 < len(name) <= 3
                    and name.isalpha() and (not variables or all(c in variables for c in name))):
                toks.extend(("name", c) for c in name)  # wx -> w*x
            else:
                toks.append(("name", name))
        elif m.group("op") is not None:
            toks.append(("op", m.group("op")))
    out = []
    depth = 0
    for k, (kind, tok) in enumerate(toks):
        if k:
            pk, pt = toks[k - 1]
            left = pk in ("num", "name") or (pk == "op" and pt == ")")
            right = kind in ("num", "name") or (kind == "op" and tok == "(")
            if left and right and not (pk == "name" and pt in _FUNCTION_NAMES and tok == "(") \
                    and not (pk == "num" and kind == "num"):
                out.append("*")
        if tok == "^":
            tok = "**"
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
            if depth < 0:
                return None
        out.append(tok)
    if depth != 0 or not out:
        return None
    return "".join(out if len(out) < 2 else [t if t != "," else ", " for t in out])


def _expr_extent(s: str, start: int, limit: int = 300) -> int:
    """Where a formula that starts at `start` ends: the end of its clause (brackets balanced)."""
    depth = 0
    k = start
    stop = min(len(s), start + limit)
    while k < stop:
        c = s[k]
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                return k
            depth -= 1
        elif depth == 0:
            if c in ";\n?":
                return k
            if c == "." and (k + 1 >= len(s) or s[k + 1] in " \n"):
                return k
            if c == ",":
                rest = s[k + 1:k + 40]
                if re.match(r"\s*(?:[A-Za-z]{2,}|[A-Za-z]\w*\s*=)", rest) and not re.match(r"\s*[A-Za-z]\w*\s*[,)]", rest):
                    return k
                if re.match(r"\s*\(+\s*partial\b", rest):
                    return k  # ", ((partial f)/(partial y)) = ...": the next partial derivative
            if c == " ":
                rest = s[k + 1:k + 30]
                if re.match(r"(?:starting|start|with|for|at|and|where|when|from|using|in|on|if|evaluated|is|are|as|of|"
                            r"be|we|it|or|was|has|"
                            r"initiali[sz]ed|beginning|over|to|by|given|then|subject|s\.t\.)\b", rest, re.I):
                    return k
                w = re.match(r"([A-Za-z]{3,})\b(?!\s*[(_^])", rest)
                if w is not None and w.group(1) not in _FUNCTION_NAMES and w.group(1).lower() not in _GREEK_NAMES:
                    return k  # a word of prose ends the formula ("0.9 starts from ...")
        k += 1
    return stop


# ---- the scan ------------------------------------------------------------------------------------------------

class _Scanner:
    def __init__(self, s: str):
        self.s = s
        self.items: list[Item] = []
        self.ignored: list[tuple[int, int, str]] = []
        self.taken = bytearray(len(s))  # 1 where a value found so far lies (linear-time overlap checks)
        self.skipped = bytearray(len(s))  # 1 where the text is not an input (numbering, options, ...)
        self.options: list[tuple[str, str, int, int]] = []
        self.precision: dict | None = None

    def mark(self, i: int, j: int) -> None:
        self.taken[i:j] = b"\x01" * (j - i)

    def claim(self, i: int, j: int) -> bool:
        if not self.free(i, j):
            return False
        self.mark(i, j)
        return True

    def free(self, i: int, j: int) -> bool:
        return j <= i or (self.taken.find(1, i, j) < 0 and self.skipped.find(1, i, j) < 0)

    def ignore(self, i: int, j: int, why: str) -> None:
        if j > i:
            self.ignored.append((i, j, why))
            self.skipped[i:j] = b"\x01" * (j - i)

    # -- what is not an input ------------------------------------------------------------------------------
    def metadata(self) -> None:
        s = self.s
        for m in _URL.finditer(s):
            self.ignore(m.start(), m.end(), "a link")
        for m in _ANSWER_KEY.finditer(s):
            self.ignore(m.start(), m.end(), "the question's answer key")
        for m in _METADATA_LINE.finditer(s):
            self.ignore(m.start(), m.end(), "question metadata")
        for m in _NUMBERING.finditer(s):
            if m.group(0).strip():
                self.ignore(m.start(), m.end(), "the question's numbering")
        for m in _MARKS.finditer(s):
            self.ignore(m.start(), m.end(), "the marks")
        for m in _LABELS.finditer(s):
            self.ignore(m.start(), m.end(), "a reference (week, figure, equation, ...)")

    def choices(self) -> None:
        s = self.s
        lines = list(_OPTION_LINE.finditer(s))
        run: list[re.Match] = []
        for m in lines + [None]:
            if m is not None and (not run or s[run[-1].end():m.start()].strip() == ""):
                run.append(m)
                continue
            if len(run) >= 2:
                for r in run:
                    label = next(g for g in r.groups()[:5] if g)
                    self.options.append((label.lower(), r.group(6), r.start(6), r.end(6)))
                    self.ignore(r.start(), r.end(), "a multiple-choice option")
            run = [m] if m is not None else []
        if self.options:
            return
        found = list(_INLINE_OPTION.finditer(s))
        labels = [m.group(1) for m in found]
        if len(found) >= 2 and labels == [chr(ord("a") + k) for k in range(len(labels))]:
            for m in found:
                self.options.append((m.group(1), m.group(2).strip(), m.start(2), m.end(2)))
                self.ignore(m.start(), m.end(), "a multiple-choice option")

    def precision_and_format(self, sentences) -> None:
        s = self.s
        words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
        m = _PRECISION.search(s)
        if m is not None:
            n = m.group("n").lower()
            n = int(n) if n.isdigit() else words[n]
            if 0 <= n <= 15:
                self.precision = {("dp" if m.group("dp") else "sig"): n, "i": m.start(), "j": m.end()}
                self.ignore(m.start(), m.end(), "the precision asked for")
        else:
            m = _NEAREST.search(s)
            if m is not None:
                unit = m.group("unit").lower()
                n = {"tenth": 1, "hundredth": 2, "thousandth": 3, "ten-thousandth": 4}.get(unit, 0)
                self.precision = {"dp": n, "i": m.start(), "j": m.end()}
        # "Enter the loss to three significant digits. That is, if your answer is 0.06134, enter 0.061"
        for k, (a, b) in enumerate(sentences):
            text = s[a:b]
            if _FORMAT_EXAMPLE.search(text) and _INSTRUCTION.search(text) and (
                    self.precision is not None or re.search(r"\benter\b|\bround", text, re.I)):
                first = _FORMAT_EXAMPLE.search(text).start()
                self.ignore(a + first, b, "an example of the answer's format")

    # -- arrays --------------------------------------------------------------------------------------------
    def arrays(self) -> None:
        s = self.s
        groups = _bracket_groups(s)
        k = 0
        for k in sorted(groups):
            end, depth = groups[k]
            c = s[k]
            if depth > 1 or end - k > 20_000 or not self.free(k, end):
                continue  # deeper than a matrix, or too long to be one: not a value
            if c == "(" and k > 0 and (s[k - 1].isalnum() or s[k - 1] in "_'"):
                continue  # f(1, 2) is a call
            inner = s[k + 1:end - 1]
            if c == "(" and not (re.search(r"[0-9]\s*[,;]\s*[-+.0-9]", inner) or "(" in inner):
                continue
            inner = inner.replace("⟨", "[").replace("⟩", "]").replace("{", "[").replace("}", "]")
            if not _ARRAY_INNER.match(inner):
                continue
            val = _parse_array(inner)
            if val is None:
                continue
            j = end
            transposed = s.startswith("^T", j)
            if transposed:
                j += 2
            kind = "matrix" if val and isinstance(val[0], tuple) else "vector"
            if kind == "matrix" and len(val[0]) == 1:  # [1; 2; 3], (2; -0.5): one list
                val, kind = tuple(r[0] for r in val), "vector"
            self.items.append(Item(kind, k, j, _array_text(val), val,
                                   flags={"bracket", c} | ({"column"} if transposed else set())))
            self.claim(k, j)

    def tuple_assignments(self) -> None:
        """(x, y) = (1, 1), (w1, w2) = (0.5, -0.3): each name its number, as if written x = 1, y = 1 (a start point
        named by a formula's variables, or named values)."""
        s = self.s
        vectors = {it.i: it for it in self.items if it.kind == "vector" and "bracket" in it.flags and not it.name}
        for m in _TUPLE_ASSIGN.finditer(s):
            names = [n.strip() for n in m.group("names").split(",")]
            vec = vectors.get(m.end())
            if vec is None or len(vec.value) != len(names) or len(set(names)) != len(names):
                continue
            self.items.remove(vec)
            for name, x in zip(names, vec.value):
                base, sub = _base(name)
                self.items.append(Item("number", m.start(), vec.j, _decimal_text(x), x, name=name, base=base, sub=sub,
                                       flags={"assigned", "tuple"}))
            self.claim(m.start(), m.end())

    def _match(self, k: int, opens: dict) -> int:
        s = self.s
        close = opens[s[k]]
        depth = 0
        for q in range(k, min(len(s), k + 5000)):
            if s[q] == s[k]:
                depth += 1
            elif s[q] == close:
                depth -= 1
                if depth == 0:
                    return q + 1
            elif s[q] == "\n" and s[k] == "(" and depth == 1 and q > k + 200:
                return -1
        return -1

    def data_lines(self) -> None:
        """(x) -> label runs and runs of equally long points, from the array items found."""
        s = self.s
        arrays = sorted((it for it in self.items if it.kind == "vector"), key=lambda it: it.i)
        link = re.compile(r"\s*(?:->|=>|:|→|is\s+labell?ed(?:\s+as)?|labell?ed(?:\s+as)?|with\s+label|"
                          r"belongs\s+to|in|has\s+label|gives|maps\s+to|target|y\s*=)\s*(?:class\s*|label\s*|y\s*=\s*)?"
                          r"(?P<lab>[-+]?[0-9]+(?:\.[0-9]+)?)(?!\w|\.[0-9])", re.I)
        pairs = []
        for it in arrays:
            m = link.match(s, it.j)
            if m is not None and "link" not in it.flags and len(s[it.j:m.start("lab")]) < 40 and \
                    re.search(r"->|=>|:|→|label|class|belongs|gives|maps|target|y\s*=", s[it.j:m.start("lab")], re.I):
                pairs.append((it, m))
        groups: list[list] = []
        for it, m in pairs:
            if groups and len(groups[-1][-1][0].value) == len(it.value) and \
                    re.fullmatch(r"[\s,;]*(?:and\s*)?[\s,;]*(?:[A-Za-z]\w{0,3}\s*=\s*)?", s[groups[-1][-1][1].end():it.i], re.I):
                groups[-1].append((it, m))
            else:
                groups.append([(it, m)])
        for g in groups:
            if len(g) < 2:
                continue
            X = tuple(it.value for it, _ in g)
            try:
                y = tuple(_frac(m.group("lab")) for _, m in g)
            except ValueError:  # a label of hundreds of digits is not a class
                continue
            i, j = g[0][0].i, g[-1][1].end()
            data = Item("data", i, j, "", (X, y), inputs=_array_text(X), labels=_array_text(y),
                        members=tuple(it for it, _ in g))
            for it, _ in g:
                self.items.remove(it)
            self.items.append(data)
            self.mark(i, j)
        # runs of points "(-1, 2), (0, -1), (2, 1)" -> one matrix (the points stay items too)
        arrays = sorted((it for it in self.items if it.kind == "vector" and "(" in it.flags), key=lambda it: it.i)
        run: list[Item] = []
        for it in arrays + [None]:
            if it is not None and run and len(run[-1].value) == len(it.value) and \
                    re.fullmatch(r"[\s,;]*(?:and\s*)?", s[run[-1].j:it.i], re.I):
                run.append(it)
                continue
            if len(run) >= 2:
                rows = tuple(r.value for r in run)
                header = None
                m = re.search(r"\(\s*([A-Za-z]\w*(?:\s*[;,]\s*[A-Za-z]\w*)+)\s*\)\s*:?\s*$", s[max(0, run[0].i - 60):run[0].i])
                if m is not None:
                    header = tuple(x.strip() for x in re.split(r"[;,]", m.group(1)))
                    if len(header) != len(rows[0]):
                        header = None
                self.items.append(Item("matrix", run[0].i, run[-1].j, _array_text(rows), rows, flags={"points"},
                                       members=tuple(run), columns=header or ()))
            run = [it] if it is not None else []

    def tables(self) -> None:
        """Runs of numeric rows (see the module docstring); a header line names the columns, above a Markdown
        table's rule line (|---|---|) too."""
        s = self.s
        lines = []
        pos = 0
        for line in s.split("\n"):
            lines.append((pos, pos + len(line), line))
            pos += len(line) + 1
        num = re.compile(r"^[-+]?(?:[0-9]{1,400}(?:\.[0-9]{1,400})?|\.[0-9]{1,400})(?:[eE][-+]?[0-9]{1,3})?$")

        def cells(line: str) -> list[str]:
            line = line.strip().strip("|").strip()
            parts = re.split(r"\t+|\s*\|\s*|\s{2,}", line) if ("\t" in line or "|" in line or "  " in line) else line.split(" ")
            return [p.strip() for p in parts if p.strip()]

        def maybe(line: str) -> bool:  # two of the first three cells are numbers (prose lines leave at once)
            head = line.replace("|", " ").replace("$", " ").split(None, 3)[:3]
            return sum(1 for c in head if num.match(c)) >= 2

        k = 0
        while k < len(lines):
            a, b, line = lines[k]
            if not maybe(line):
                k += 1
                continue
            cs = cells(line)
            nums = [c for c in cs if num.match(c)]
            # a run of rows whose first w cells are numbers (w >= 2), or rows "name n1 n2 ..." (row names)
            lead = 0
            while lead < len(cs) and num.match(cs[lead]):
                lead += 1
            named = len(cs) >= 3 and not num.match(cs[0]) and all(num.match(c) for c in cs[1:]) and len(cs[0]) <= 12
            if lead >= 2 or named:
                run = [(a, b, cs)]
                q = k + 1
                while q < len(lines):
                    c2 = cells(lines[q][2])
                    lead2 = 0
                    while lead2 < len(c2) and num.match(c2[lead2]):
                        lead2 += 1
                    named2 = len(c2) >= 3 and not num.match(c2[0]) and all(num.match(c) for c in c2[1:])
                    if (not named and lead2 == lead and lead2 >= 2) or (named and named2 and len(c2) == len(cs)):
                        run.append((lines[q][0], lines[q][1], c2))
                        q += 1
                    else:
                        break
                if len(run) >= 2:
                    i, j = run[0][0], run[-1][1]
                    if named:
                        # rows named X1, X2: each row is a variable, so the samples are the columns
                        by_row = [tuple(_frac(c) for c in r[2][1:]) for r in run]
                        rows = tuple(zip(*by_row))
                        names = tuple(r[2][0] for r in run)
                        item = Item("table", i, j, _array_text(rows), rows, columns=names, flags={"named_rows"})
                    else:
                        rows = tuple(tuple(_frac(c) for c in r[2][:lead]) for r in run)
                        header = ()
                        h = k - 1
                        if h > 0 and _MD_RULE.match(lines[h][2]):  # a Markdown table: the header is above its rule
                            h -= 1
                        if h >= 0:
                            hc = cells(lines[h][2])
                            if len(hc) >= lead and not any(num.match(c) for c in hc[:lead]):
                                header = tuple(hc[:lead])
                                i = lines[h][0]
                        item = Item("table", i, j, _array_text(rows), rows, columns=header)
                    if self.free(i, j) or all(self.free(r[0], r[1]) for r in run):
                        self.items.append(item)
                        self.claim(i, j)
                    k = q
                    continue
            k += 1

    # -- formulas and assignments ----------------------------------------------------------------------------
    def formulas(self) -> None:
        s = self.s
        for m in _FUNC_DEF.finditer(s):
            name = m.group("name")
            if name in _FUNCTION_NAMES and name not in ("sigma",):
                continue
            args = tuple(a.strip() for a in m.group("args").split(","))
            end = _expr_extent(s, m.end())
            body = s[m.end():end].strip().rstrip(",.")
            self._formula(m.start(), m.end() + len(s[m.end():end].rstrip().rstrip(",.")), name, body, args)
        grads = _GRAD_DEF.finditer(s) if re.search(r"nabla|gradient|grad|/\s*\(?(?:d|partial)", s, re.I) else ()
        for m in grads:
            if not self.free(m.start(), m.end()) or not m.group(0).strip():
                continue
            head = m.group(0)
            if not re.search(r"nabla|gradient|grad|(?:d|partial)\s*\w+\)?\s*/\s*\(?(?:d|partial)", head, re.I):
                continue
            if not re.search(r"=|:|\bis\b|\bequals\b", head):
                continue
            start = m.end()
            if start < len(s) and s[start] in "([⟨":
                end = self._match(start, {"(": ")", "[": "]", "⟨": "⟩"})
                if end < 0:
                    continue
                inner = s[start + 1:end - 1]
                parts = [explicit_products(p.strip()) for p in inner.split(",")]
            else:
                end = _expr_extent(s, start)
                parts = [explicit_products(s[start:end].strip().rstrip(",."))]
            if not parts or any(p is None or not re.search(r"[A-Za-z]", p) for p in parts):
                continue
            if self.claim(m.start(), end):
                found = []
                for p in parts:
                    for v in re.findall(r"[A-Za-z_]\w*", p):
                        if v not in _FUNCTION_NAMES and v not in found:
                            found.append(v)
                # named "gradient" so that a field whose aliases say gradient takes it by name
                self.items.append(Item("gradient", m.start(), end, ", ".join(parts), tuple(parts), name="gradient",
                                       base="gradient", flags={"formula", "expression"}, variables=tuple(found)))
                partial = _PARTIAL.fullmatch(head.strip())
                if partial is not None and len(parts) == 1:
                    self.items[-1].flags.add("partial")
                    self.items[-1].sub = partial.group("num") + "/" + partial.group("var")
        self._partials()
        # L = 1/2 (y_hat - y)^2, loss = x^2 + 4y^2: a name then an expression with a variable in it
        for m in _assignments(s):
            if m.group("op") != "=" or not self.free(m.start(), m.end()):
                continue
            if _NUMBER_VALUE.match(s, m.end()) or s[m.end():m.end() + 1] in ("[", "⟨"):
                continue  # "eps = 1e-8", "w = [1, 2]": a value, not a formula
            end = _expr_extent(s, m.end())
            body = s[m.end():end].rstrip().rstrip(",.")
            if not body or not re.search(r"[A-Za-z]", body) or re.fullmatch(r"[A-Za-z]+", body.strip()):
                continue
            if re.match(r"\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*%?\s*(?:$|,|;|and\b)", body) or \
                    re.fullmatch(r"\s*[\[(⟨].*[\])⟩]\s*", body):
                continue  # a number ("eps = 1e-8") or an array, not a formula
            self._formula(m.start(), m.end() + len(body), m.group("name"), body, ())

    def _partials(self) -> None:
        """dL/dx = 2x, dL/dy = 20y: the partial derivatives of one function, one after the other, are one gradient
        (2x, 20y) in the variables x, y."""
        partials = sorted((it for it in self.items if "partial" in it.flags), key=lambda it: it.i)
        run: list[Item] = []
        for it in partials + [None]:
            if it is not None and run and it.sub.split("/")[0] == run[-1].sub.split("/")[0] and \
                    it.sub.split("/")[1] not in [r.sub.split("/")[1] for r in run] and \
                    re.fullmatch(r"[\s,;]*(?:and\s*)?", self.s[run[-1].j:it.i], re.I):
                run.append(it)
                continue
            if len(run) >= 2:
                parts = tuple(r.value[0] for r in run)
                for r in run:
                    self.items.remove(r)
                self.items.append(Item("gradient", run[0].i, run[-1].j, ", ".join(parts), parts, name="gradient",
                                       base="gradient", flags={"formula", "expression"}, members=tuple(run),
                                       variables=tuple(r.sub.split("/")[1] for r in run)))
            run = [it] if it is not None else []

    def _formula(self, i: int, j: int, name: str, body: str, args: tuple[str, ...]) -> None:
        if not self.free(i, j) or not body:
            return
        for w in re.findall(r"(?<![\w])[A-Za-z]{3,}(?![\w])", body):
            if w not in _FUNCTION_NAMES and w.lower() not in _GREEK_NAMES and w not in args:
                return  # prose ("0 (where x_0 = 1)", "3 2D towers"): not a formula
        text = explicit_products(body, args)
        flags = {"formula"}
        variables = args
        if text is not None:
            found = []
            for m in re.finditer(r"[A-Za-z_]\w*", text):
                v = m.group(0)
                if v not in _FUNCTION_NAMES and v not in found:
                    found.append(v)
            if not args:
                variables = tuple(found)
            try:
                P.parse_expr(text, {v: _symbol(v) for v in found})
                flags.add("expression")
            except (P.ParseError, ValueError, TypeError, RecursionError):
                text = None
        self.mark(i, j)
        self.items.append(Item("expr", i, j, text or body, body, name=name, base=_base(name)[0], sub=_base(name)[1],
                               flags=flags, variables=variables))

    def assignments(self) -> None:
        """Give the value that follows `name =` its name (numbers, arrays, words)."""
        s = self.s
        by_start = {}
        for it in self.items:
            by_start.setdefault(it.i, it)
        for m in _assignments(s):
            name = m.group("name")
            if m.group("op") == ":" and (len(name) > 12 or "_" in name and len(name) > 8):
                continue
            if name.lower() in ("http", "https", "where", "note", "answer", "solution", "hint", "given", "data"):
                continue
            if self.skipped.find(1, m.start(), m.end()) >= 0:
                continue
            it = by_start.get(m.end())
            if it is not None and not it.name and it.kind in ("vector", "matrix", "number", "shape"):
                it.name = name
                it.base, it.sub = _base(name)
                it.i = m.start()
                it.flags.add("assigned")
                continue
            if it is None:
                w = re.match(r"(?P<w>[A-Za-z][A-Za-z0-9_-]*)(?![\w(=])", s[m.end():])
                if w is not None and m.group("op") in ("=", ":=") and self.free(m.start(), m.end() + w.end()):
                    word = w.group("w")
                    if word.lower() in NUMBER_WORDS or word.lower() in ("true", "false") or word.isupper() or \
                            len(word) <= 12:
                        self.items.append(Item("word", m.start(), m.end() + w.end(), word, word, name=name,
                                               base=_base(name)[0], sub=_base(name)[1], flags={"assigned"}))
                        self.claim(m.start(), m.end() + w.end())

    # -- shapes, numbers, words, runs ------------------------------------------------------------------------
    def shapes(self) -> None:
        for m in _SHAPE.finditer(self.s):
            if not self.free(m.start(), m.end()):
                continue
            dims = tuple(Fraction(int(g)) for g in m.groups() if g is not None)
            if len(dims) < 2:
                continue
            self.items.append(Item("shape", m.start(), m.end(), " ".join(str(d) for d in dims), dims))
            self.claim(m.start(), m.end())

    def chains(self) -> None:
        """784-128-10: layer sizes written with hyphens (three or more whole numbers)."""
        for m in re.finditer(r"(?<![\w.-])([0-9]{1,7}(?:-[0-9]{1,7}){2,})(?![\w.]|-[0-9])", self.s):
            if self.free(m.start(), m.end()):
                dims = tuple(Fraction(int(g)) for g in m.group(1).split("-"))
                self.items.append(Item("vector", m.start(), m.end(), _array_text(dims), dims, flags={"chain"}))
                self.claim(m.start(), m.end())

    def ranges(self) -> None:
        """from 0 to 5, 0, 1, ..., 5, between 2 and 8: a range (its two ends)."""
        for m in re.finditer(r"(?:\bfrom\s+|\bbetween\s+)([-+]?[0-9]+(?:\.[0-9]+)?)\s+(?:to|and|through|up to)\s+"
                             r"([-+]?[0-9]+(?:\.[0-9]+)?)(?!\w|\.[0-9])|(?<![\w.])([-+]?[0-9]+)\s*,\s*(?:[-+]?[0-9]+\s*,\s*)?"
                             r"(?:\.\.\.|…)\s*,?\s*([-+]?[0-9]+)(?!\w|\.[0-9])", self.s, re.I):
            a, b = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
            if not self.free(m.start(), m.end()):
                continue
            lo, hi = Fraction(a), Fraction(b)
            self.items.append(Item("range", m.start(), m.end(), f"{a}..{b}", (lo, hi)))
            self.claim(m.start(), m.end())

    def numbers(self) -> None:
        s = self.s
        for m in _NUMBER_RE.finditer(s):
            i, j = m.start(), m.end()
            if not self.free(i, j):
                continue
            got = number_value(m)
            if got is None:
                continue
            x, flags = got
            if abs(x) > 10 ** 15 or (x != 0 and abs(x) < Fraction(1, 10 ** 40)):
                continue
            if m.group("sign") == "+" or (m.group("sign") == "-" and i > 0 and (s[i - 1].isalnum() or s[i - 1] in ")]")):
                # "x-1", "2 - 3": the sign is an operator, not part of the number
                if i > 0 and (s[i - 1].isalnum() or s[i - 1] in ")]"):
                    continue
            self.items.append(Item("number", i, j, _decimal_text(x), x, flags=flags))
        for m in _WORD_RE.finditer(s):
            i, j = m.start(), m.end()
            if not self.free(i, j):
                continue
            w = m.group(0).lower().replace("-", " ")
            if w in ORDINAL_WORDS:
                x, flags = Fraction(ORDINAL_WORDS[w]), {"word", "ordinal"}
            elif w in NUMBER_WORDS:
                x, flags = Fraction(NUMBER_WORDS[w]), {"word"}
            else:
                tens, unit = w.split()
                x, flags = Fraction(NUMBER_WORDS[tens] + NUMBER_WORDS[unit]), {"word"}
            if w in ("once", "twice", "thrice"):
                flags.add("times")
            self.items.append(Item("number", i, j, _decimal_text(x), x, flags=flags))
        # a value inside a formula is part of it, not an input of its own
        formulas = [it for it in self.items if it.kind in ("expr", "gradient")]
        for it in self.items:
            if it.kind == "number" and any(f.covers(it) for f in formulas):
                it.flags.add("in_formula")

    def outcomes(self) -> None:
        if not re.search(r"(?<![A-Za-z])[HT](?:[ ,]+[HT](?![A-Za-z])|[HT]{3})", self.s):
            return
        for m in _OUTCOMES.finditer(self.s):
            if self.free(m.start(), m.end()):
                seq = re.sub(r"[ ,]+", " ", m.group(1).strip())
                if " " not in seq:
                    seq = " ".join(seq)
                self.items.append(Item("outcomes", m.start(), m.end(), seq, seq))
                self.claim(m.start(), m.end())

    def runs(self) -> None:
        """Runs of plain numbers "0.57, 0.58 and 0.52" become one vector item (the numbers stay items too)."""
        s = self.s
        nums = sorted((it for it in self.items if it.kind == "number" and "word" not in it.flags
                       and "in_formula" not in it.flags and "ordinal" not in it.flags), key=lambda it: it.i)
        sep = re.compile(r"\s*(?:,\s*(?:and\s+)?(?:then\s+)?|and\s+(?:then\s+)?|then\s+|;\s*|\s)\s*", re.I)
        run: list[Item] = []
        for it in nums + [None]:
            if it is not None and run and not it.name and sep.fullmatch(s[run[-1].j:it.i]):
                run.append(it)
                continue
            if len(run) >= 2:
                vals = tuple(r.value for r in run)
                head = run[0]
                self.items.append(Item("vector", head.i, run[-1].j, _array_text(vals), vals, flags={"run"},
                                       members=tuple(run), name=head.name, base=head.base, sub=head.sub))
            run = [it] if it is not None else []

    def named_rows(self) -> None:
        """X1 = 4, 8, 13, 7; X2 = 11, 4, 5, 14: variables given as named lists, as one table (samples in rows)."""
        runs = sorted((it for it in self.items if it.kind == "vector" and "run" in it.flags and it.name and it.sub),
                      key=lambda it: it.i)
        group: list[Item] = []
        for it in runs + [None]:
            if it is not None and group and it.base == group[-1].base and len(it.value) == len(group[-1].value) and \
                    re.fullmatch(r"[\s,;]*(?:and\s*)?", self.s[group[-1].j:it.i], re.I):
                group.append(it)
                continue
            if len(group) >= 2:
                rows = tuple(zip(*(g.value for g in group)))
                self.items.append(Item("table", group[0].i, group[-1].j, _array_text(rows), rows,
                                       columns=tuple(g.name for g in group), flags={"named_rows", "assigned"},
                                       members=tuple(group), name=group[0].base, base=group[0].base))
            group = [it] if it is not None else []

    def assigned_runs(self) -> None:
        """w_0 = 1, w_1 = -0.5, w_2 = -0.7: indexed assignments of one name, as one vector."""
        groups: dict[str, list[Item]] = {}
        heads = {id(r.members[0]) for r in self.items if "run" in r.flags and r.members}
        for it in self.items:
            if it.kind == "number" and it.name and re.fullmatch(r"[0-9]{1,2}", it.sub or "") and id(it) not in heads:
                groups.setdefault(it.base, []).append(it)
        for base, its in groups.items():
            idx = sorted(int(it.sub) for it in its)
            if len(its) >= 2 and idx == list(range(idx[0], idx[0] + len(idx))) and idx[0] in (0, 1):
                its = sorted(its, key=lambda it: int(it.sub))
                vals = tuple(it.value for it in its)
                i, j = min(it.i for it in its), max(it.j for it in its)
                self.items.append(Item("vector", i, j, _array_text(vals), vals, name=base, base=base,
                                       flags={"indexed", "assigned"}, members=tuple(its)))


_SYMBOL_CACHE: dict = {}


def _symbol(name: str):
    import sympy

    sym = _SYMBOL_CACHE.get(name)
    if sym is None:
        sym = _SYMBOL_CACHE[name] = sympy.Symbol(name, real=True)
    return sym


def _base(name: str) -> tuple[str, str]:
    """("u", "8") for u_8, ("beta", "1") for beta_1, ("w", "(t-1)") for w_(t-1), ("g", "1") for g1."""
    name = name.replace("^T", "").rstrip("'")
    if "_" in name:
        base, _, sub = name.partition("_")
        return base, sub.strip("()")
    m = re.fullmatch(r"([A-Za-z]+?)([0-9]{1,2})", name)
    if m is not None:
        return m.group(1), m.group(2)
    return name, ""


def scan(s: str) -> Scan:
    sc = _Scanner(s)
    sentences = _sentences(s)
    sc.metadata()
    sc.choices()
    sc.precision_and_format(sentences)
    sc.arrays()
    sc.tuple_assignments()
    sc.data_lines()
    sc.tables()
    sc.formulas()
    sc.shapes()
    sc.chains()
    sc.ranges()
    sc.assignments()
    sc.outcomes()
    sc.numbers()
    sc.assignments()
    sc.runs()
    sc.assigned_runs()
    sc.named_rows()
    sc.items.sort(key=lambda it: (it.i, -it.j))
    return Scan(sc.items, sc.ignored, sc.options, sc.precision, sentences)
