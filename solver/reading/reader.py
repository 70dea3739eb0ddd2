"""Reading a question: which family, which value for which field (and from which words), what is asked.

    read(text, family=None) -> Reading

1. normalise the text (solver.reading.text) and find its values (solver.reading.scan);
2. score every family by the words the families declare (solver.reading.vocab), then, for the
   best few, bind values to fields and add how well each explains the question's numbers;
3. for the family chosen: each field's value and the span of the question it came from, the
   conventions the text states, the numbers and phrases no field used (`unread`), the required
   fields not found (`missing`), defaults standing in for something the text mentions, what is
   asked (decimal places, the step, the options of a multiple-choice question), and parts
   (a question that asks for one step and for two steps is solved twice);
4. every doubt becomes a sentence in `warnings`: nothing is guessed silently.

The reader knows no family by name: all vocabulary is data declared by the families.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..params import InvalidInput
from ..richtext import Rich
from .scan import NUMBER_WORDS, Item, Scan, scan
from .text import Text, normalize
from .vocab import (INPUT_WORDS, LABEL_WORDS, FamilyWords, ParamWords, canonical, squash, stem, tokens,
                    vocabulary)

__all__ = ["Reading", "FieldReading", "read", "MAX_QUESTION_CHARS"]

#: A question longer than this (about ten pages) is refused with a message, not read.
MAX_QUESTION_CHARS = 20_000
#: Families that get the full (binding) treatment after the word scores.
SHORTLIST = 5
#: Below this score the reader says it is not sure which kind of problem the text is.
LOW_SCORE = 3.0
#: A runner-up within this fraction of the best score is named as a close alternative.
CLOSE = 0.8


@dataclass
class FieldReading:
    """One field filled from the question: its value (as a form holds it) and the words it came from."""

    name: str
    value: str
    quote: str
    start: int
    end: int
    how: str  # named | phrase | count | variables | data | table | points | units | range | only | cue | given
    group: int = 0  # fields read from the same table or data share a group (not serialised)

    def to_json(self) -> dict:
        return {"value": self.value, "quote": self.quote, "start": self.start, "end": self.end, "how": self.how}


@dataclass
class Reading:
    """What the reader made of a question (see the module docstring). `to_json()` is the API's `reading`."""

    text: str
    family: str | None = None
    title: str = ""
    score: float = 0.0
    alternatives: list[dict] = field(default_factory=list)
    fields: dict[str, FieldReading] = field(default_factory=dict)
    conventions: dict[str, FieldReading] = field(default_factory=dict)
    unread: list[dict] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)
    defaults: list[dict] = field(default_factory=list)
    asked: dict = field(default_factory=dict)
    parts: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def params(self) -> dict[str, str]:
        return {k: f.value for k, f in self.fields.items()}

    @property
    def convention_choices(self) -> dict[str, str]:
        return {k: f.value for k, f in self.conventions.items()}

    @property
    def solvable(self) -> bool:
        """A family, every required field, no invalid value, and at least one value read from the question
        (a solution made of defaults alone answers a question nobody asked)."""
        return (self.family is not None and not self.missing and not self.invalid
                and bool(self.fields or self.parts))

    @property
    def confident(self) -> bool:
        return self.solvable and not self.warnings

    def to_json(self) -> dict:
        return {
            "family": self.family, "title": self.title, "score": round(self.score, 2),
            "confidence": "none" if self.family is None else ("high" if self.confident else "check"),
            "alternatives": self.alternatives,
            "params": self.params,
            "evidence": {k: f.to_json() for k, f in self.fields.items()},
            "conventions": self.convention_choices,
            "convention_evidence": {k: f.to_json() for k, f in self.conventions.items()},
            "unread": self.unread, "missing": self.missing, "invalid": self.invalid, "defaults": self.defaults,
            "asked": self.asked, "parts": self.parts, "warnings": self.warnings, "notes": self.notes,
            "ignored": self.ignored, "message": self.message,
        }


# ---- input checks --------------------------------------------------------------------------------------------

_BINARY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffd]")

def _check(text: Any) -> str:
    from ..richtext import Rich

    if isinstance(text, Rich):  # a family's statement: its Unicode text, as a user would paste it
        text = text.text()
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("text", "The question is not text (it does not decode as UTF-8); paste the "
                                       "question's words.") from None
    if isinstance(text, Rich):  # a family's statement: read its Unicode text
        text = text.text()
    if not isinstance(text, str):
        raise InvalidInput("text", f"The question must be text. Got {type(text).__name__} instead.")
    if not text.strip():
        raise InvalidInput("text", "The question is empty: paste or type the question's text.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidInput("text", f"The text is {len(text):,} characters long; a question is read up to "
                                   f"{MAX_QUESTION_CHARS:,} characters (about ten pages). Paste one question.")
    bad = len(_BINARY.findall(text))
    if bad > max(2, len(text) // 50):
        raise InvalidInput("text", "The question does not look like text (it has many control or binary "
                                   "characters); paste the question's words.")
    return text


# ---- words ---------------------------------------------------------------------------------------------------

class _Words:
    """The question's word tokens, with lookups of phrases (token tuples) by position."""

    def __init__(self, s: str):
        self.text = s
        self.toks = tokens(s)
        self.words = tuple(t for t, _, _ in self.toks)
        self.first: dict[str, list[int]] = {}
        self.pairs: dict[tuple[str, str], list[int]] = {}
        words = self.words
        for k, w in enumerate(words):
            self.first.setdefault(w, []).append(k)
            if k + 1 < len(words):
                self.pairs.setdefault((w, words[k + 1]), []).append(k)
        self._found: dict[tuple[str, ...], list[int]] = {}
        self._spans: dict[tuple[str, ...], list[tuple[int, int]]] = {}

    def positions(self, phrase: tuple[str, ...]) -> list[int]:
        got = self._found.get(phrase)
        if got is None:
            n = len(phrase)
            if n == 0:
                got = []
            elif n == 1:
                got = self.first.get(phrase[0], [])
            else:
                starts = self.pairs.get(phrase[:2], ())
                got = list(starts) if n == 2 else [k for k in starts if self.words[k:k + n] == phrase]
            self._found[phrase] = got
        return got

    def find(self, phrase: tuple[str, ...]) -> list[tuple[int, int]]:
        """Spans (start, end) in the normalised text of each occurrence of the phrase."""
        got = self._spans.get(phrase)
        if got is None:
            toks, n = self.toks, len(phrase)
            got = self._spans[phrase] = [(toks[k][1], toks[k + n - 1][2]) for k in self.positions(phrase)]
        return got


# ---- family scores -------------------------------------------------------------------------------------------

_VALUE_AFTER = re.compile(r"\s*(?:=|:|of|is)?\s*[-+]?(?:[0-9]|\.[0-9])")

def _word_scores(words: _Words, squashed: str) -> dict[str, float]:
    voc = vocabulary()
    scores: dict[str, float] = {}
    first = words.first
    s = words.text
    # a family's name followed by a value ("temperature = 2", "decay 0.9") names a field, not the method,
    # when another family is named outright in the same question
    named: dict[str, set[tuple[str, ...]]] = {}
    valued = set()
    # a name inside a longer name (as "descent" would be in "gradient descent") is not a mention of its own
    name_hits = {ph: words.positions(ph) for ph in voc.names if ph[0] in first}
    name_hits = {ph: h for ph, h in name_hits.items() if h}
    spans = [(k, k + len(ph)) for ph, h in name_hits.items() for k in h]
    inside: set[tuple[str, ...]] = set()
    for ph, h in name_hits.items():
        if all(any(a <= k and k + len(ph) <= b and b - a > len(ph) for a, b in spans) for k in h):
            inside.add(ph)
    for ph, fams in voc.names.items():
        hits = name_hits.get(ph) if ph not in inside else None
        if hits:
            if all(_VALUE_AFTER.match(s, words.toks[k + len(ph) - 1][2]) for k in hits):
                valued.update(fams)
            else:
                for f in fams:
                    named.setdefault(f, set()).add(ph)
    demoted = set()
    for f in valued - set(named):
        own = voc.families[f].support.keys() | voc.families[f].phrases.keys()
        # named outright by another family's own word (not one this family also uses, as "sigmoid neuron")
        if any(g != f and any(ph not in own for ph in phs) for g, phs in named.items()):
            demoted.add(f)
    for ph, entries in voc.index.items():
        if ph[0] not in first:
            continue
        hits = words.positions(ph)
        if not hits:
            continue
        bonus = 1.0 + 0.2 * min(len(hits) - 1, 3)
        for fam, w in entries:
            if ph in voc.families[fam].names and (fam in demoted or ph in inside):
                w = min(w, 2.0) if ph not in inside else 0.0
            scores[fam] = scores.get(fam, 0.0) + w * bonus
    for pattern, fam, w in voc.squashed:
        if pattern and pattern in squashed:
            scores[fam] = scores.get(fam, 0.0) + w
    return scores


# ---- binding -------------------------------------------------------------------------------------------------

_LINKERS = {"is", "are", "of", "to", "be", "as", "equal", "equals", "set", "given", "by", "the", "a", "an", "with",
            "value", "values", "at", "initialized", "initialised", "initially", "now", "being", "its", "their",
            "has", "have", "was", "were", "approximately", "about", "parameter", "constant", "coefficient",
            "use", "using", "chosen", "fixed", "taken", "take", "should", "will", "we", "let", "and", "each",
            "per", "this", "that", "which", "it", "respectively", "value", "start", "starting", "from", "such"}
_PAST = {"trained", "already", "been", "previous", "past", "earlier", "completed", "done", "elapsed", "passed",
         "ago", "before"}
_QUALIFIER = re.compile(r"(?:at|in|for|on|during|after)\s+(?:the\s+|each\s+|every\s+)?(?:first|second|third|last|final|next|"
                        r"current|[0-9]+(?:st|nd|rd|th)?|one|two|three)?\s*(?:time\s+)?(?:step|iteration|epoch|update)s?"
                        r"(?:\s+[0-9]+)?\b,?", re.I)
_GAP_TOKEN = re.compile(r"\s*(?:(?P<w>[A-Za-z]+(?:_(?:\([^()]{1,10}\)|[A-Za-z0-9]+))?)|(?P<p>[=:,()≈~]|->|is))")


@dataclass
class _Cand:
    score: float
    param: str
    value: str
    quote_span: tuple[int, int]  # normalised text
    how: str
    items: tuple[Item, ...] = ()
    key: Any = None  # identity of the value (for parts)


_accept_cache: dict[tuple[int, str], bool] = {}


def _accepts(pw: ParamWords, text: str) -> bool:
    """Whether the field's spec takes this text (cached: the same texts are tried for several families)."""
    key = (id(pw), text)
    got = _accept_cache.get(key)
    if got is None:
        if len(_accept_cache) > 20_000:
            _accept_cache.clear()
        try:
            pw.param.spec.parse(text)
            got = True
        except Exception:
            got = False
        _accept_cache[key] = got
    return got


def _item_texts(it: Item, pw: ParamWords) -> list[str]:
    """The ways an item could fill this field, most natural first."""
    kind = getattr(pw.param.spec, "kind", "value")
    if it.kind == "number":
        return [it.text]
    if it.kind in ("vector", "matrix"):
        if kind in ("real", "int") and it.kind == "vector" and len(it.value) == 1:
            return [it.text.strip("[]")]
        if kind == "real" and it.kind == "vector" and len(it.value) == 2 and it.value[0] == -it.value[1] != 0:
            return [it.text.strip("[]").split(",")[1].strip()]  # the interval [-c, c] states c
        if kind in ("real", "int"):
            return []
        if kind == "matrix" and it.kind == "vector" and "<column>" in pw.markers:
            return ["; ".join(_num(v) for v in it.value), it.text]
        out = [it.text]
        if it.kind == "vector" and kind == "matrix":
            out.append(it.text.strip("[]"))
        if kind == "boolean":
            out = [" ".join(_num(v) for v in it.value)] if it.kind == "vector" else []
        return out
    if it.kind == "shape":
        if kind == "int":
            dims = it.value
            return [str(dims[0])] if len(dims) >= 2 and dims[0] == dims[1] else []
        if kind == "real":
            return []
        return [it.text]
    if it.kind == "table":
        if kind in ("real", "int"):
            return []
        return [it.text]
    if it.kind == "outcomes":
        return [it.text]
    if it.kind in ("expr", "gradient"):
        if kind in ("real", "int", "vector", "matrix", "bool"):
            return []
        return [it.text]
    if it.kind == "word":
        return [it.text]
    return []


_UNIT_AFTER = re.compile(r"\s*(?:[a-z-]+\s+)?(?P<w>inputs?|input\s+(?:units|neurons|features|nodes)|hidden\s+(?:neurons|units|nodes)|"
                         r"output\s+(?:neurons|units|nodes|classes)|outputs|output|classes|neurons|units|nodes)\b", re.I)
_UNIT_BEFORE = re.compile(r"(?P<w>fan[\s_-]?in|n_?in|fan[\s_-]?out|n_?out|hidden\s+layers?\s+(?:of|with)|"
                          r"inputs?\s+(?:of\s+)?(?:size|dimension)|output\s+(?:size|dimension)|"
                          r"(?<![\w-])(?:input|output)(?:\s+layer)?(?:\s+(?:of|with))?)\s*(?:=|:|of|is)?\s*$", re.I)
#: "two hidden layers of 128 units (each)": one size for several hidden layers
_HIDDEN_COUNT = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+hidden\s+layers\b", re.I)


#: A subscript that indexes (u_8, w_(t-1), beta_1), unlike y_hat, w_tilde, x_bar which name other things.
_INDEX = re.compile(r"[0-9]{1,4}|[a-z]|[a-z][+-][0-9]|\([^()]{1,8}\)")


class _Binder:
    def __init__(self, fw: FamilyWords, t: Text, sc: Scan, words: _Words):
        self.fw, self.t, self.sc, self.words = fw, t, sc, words
        self.s = t.s
        self.by_start: dict[int, list[Item]] = {}
        self.by_end: dict[int, list[Item]] = {}
        for it in sc.items:
            self.by_start.setdefault(it.i, []).append(it)
            self.by_end.setdefault(it.j, []).append(it)

    # -- candidates ----------------------------------------------------------------------------------------
    def _after(self, pos: int) -> list[tuple[Item, int]]:
        """Items starting after pos with only linking words (and at most one symbol) between; (item, gap words)."""
        s = self.s
        k = pos
        gap = 0
        symbols = 0
        for _ in range(6):
            while k < len(s) and (s[k] == " " or s[k] == "-" and s[k + 1:k + 2] in (" ", "")):
                k += 1
            if k in self.by_start:
                return [(it, gap) for it in self.by_start[k]]
            q = _QUALIFIER.match(s, k)
            if q is not None:  # "the gradient at the first step is 4": the step is not the value
                k = q.end()
                continue
            m = _GAP_TOKEN.match(s, k)
            if m is None or m.end() == k:
                return []
            w = m.group("w")
            if w is not None:
                low = w.lower()
                if low in _LINKERS:
                    gap += 1
                elif symbols == 0 and (len(w) <= 8 or "_" in w) and low not in ("step", "steps", "epoch", "epochs"):
                    symbols += 1
                    gap += 1
                else:
                    return []
            k = m.end()
        return []

    def _before(self, pos: int) -> list[tuple[Item, int]]:
        """Items ending at most two words before pos (a count: "two steps", "3 boolean inputs", "a 32 x 32 x 3 image")."""
        s = self.s
        k = pos
        for gap in range(3):
            j = k
            while j > 0 and s[j - 1] == " ":
                j -= 1
            if j in self.by_end:
                its = [it for it in self.by_end[j] if it.kind in ("number", "shape") or "chain" in it.flags]
                if its:
                    head = s[max(0, its[0].i - 30):its[0].i].lower().split()
                    if any(h.strip(".,") in _PAST for h in head[-3:]):
                        return []
                    return [(it, gap) for it in its]
            q = j
            while q > 0 and q > j - 30 and (s[q - 1].isalpha() or s[q - 1] == "-"):
                q -= 1
            if q == j or gap == 2:
                return []
            word = s[q:j].lower()
            if word in ("and", "or", "of", "the", "for", "with", "to", "by", "is", "are", "in", "at", "than", "from"):
                return []
            k = q
        return []

    _cue_spans: dict[str, list[tuple[int, int]]] = {}

    def candidates(self, claimed: set[int] = frozenset()) -> list[_Cand]:
        s = self.s
        self._cue_spans = {pw.param.name: [sp for _, sp in self.cue_values(pw.cues)] for pw in self.fw.params if pw.cues}
        for d in (self.by_start, self.by_end):
            for k in list(d):
                d[k] = [it for it in d[k] if id(it) not in claimed]
        out: list[_Cand] = []
        items = [it for it in self.sc.items if id(it) not in claimed]
        named = [it for it in items if it.name]
        # the formulas a field of this family could take (its loss "f(x) = ...", its expression "L = ...")
        expr_fields = [pw for pw in self.fw.params if getattr(pw.param.spec, "kind", "") == "expression"]
        formulas = [it for it in items if it.kind == "expr" and "expression" in it.flags and it.variables and any(
            canonical_norm(it.name) in pw.symbols or canonical_norm(it.base or it.name) in pw.symbols
            or self._phrase_before(it, pw) for pw in expr_fields)]
        formulas += [it for it in items if it.kind == "gradient" and it.variables]  # "the gradient is x - 1"
        formula_vars: set[str] = set()
        if any(pw.variables for pw in self.fw.params):
            for it in formulas:
                formula_vars.update(it.variables)
        for pw in self.fw.params:
            p = pw.param
            kind = getattr(p.spec, "kind", "")
            # 1. assignments: name = value
            for it in named:
                key = canonical_norm(it.name)
                base = canonical_norm(it.base) if it.base else key
                if key in pw.symbols:
                    score, how = 4.0, "named"
                elif base in pw.symbols and _INDEX.fullmatch(it.sub or ""):
                    score, how = 3.2, "named"
                else:
                    continue
                if it.base in formula_vars and not pw.variables and it.kind == "number" and kind != "expression":
                    score -= 2.5  # x = 1 next to f(x) = x^2 is the start point, not the input x
                for text in _item_texts(it, pw):
                    if _accepts(pw, text):
                        out.append(_Cand(score, p.name, text, (it.i, it.j), how, (it,), key=it.text))
                        break
            # the start point from a formula's variables: "f(x) = x^2 starting at x = 1"
            if pw.variables:
                for f in formulas:
                    latest: dict[str, Item] = {}
                    for it in named:
                        key = it.name if it.name in f.variables else (it.base or it.name)
                        if it.kind == "number" and key in f.variables and it.i > f.i - 200:
                            prev = latest.get(key)
                            if prev is None or _later(it.sub, prev.sub) or not it.sub:
                                latest[key] = it
                    if not latest:
                        continue
                    ordered = [latest[v] for v in f.variables if v in latest]
                    text = ", ".join(f"{v}={latest[v].text}" for v in f.variables if v in latest)
                    if not _accepts(pw, text) and len(ordered) == 1:
                        text = ordered[0].text
                    if _accepts(pw, text):
                        span = (min(it.i for it in ordered), max(it.j for it in ordered))
                        out.append(_Cand(4.5, p.name, text, span, "variables", tuple(ordered), key=text))
            # 2. phrases: "learning rate 0.1", "decay of 0.9"; counts "two steps", "a 32 x 32 x 3 image"
            for ph in pw.phrases:
                bonus = 0.02 * len(ph)
                for (a, b) in self.words.find(ph):
                    if any(ca <= a and b <= cb for ca, cb in self._cue_spans.get(p.name, ())):
                        continue  # "no padding": the cue states the value
                    for it, gap in self._after(b):
                        if it.kind == "shape" and kind == "int" and not pw.size:
                            continue
                        if it.name and canonical_norm(it.base or it.name) not in pw.symbols and it.kind != "expr":
                            continue  # "learning rate eta = 0.1" is fine; "x with y = 2" is not
                        if "word" in it.flags and kind != "int":
                            continue  # "starts from zero" is not a start value; "three steps" is a count
                        word = 0.2 if "word" in it.flags else 0.0  # "in one iteration" vs "in 1000 iterations"
                        for text in _item_texts(it, pw):
                            if _accepts(pw, text):
                                out.append(_Cand(3.0 - 0.1 * gap + bonus - word, p.name, text, (a, it.j), "phrase",
                                                 (it,), key=it.text))
                                break
                    for it, gap in self._before(a):
                        if it.name or any(ca <= a and b <= cb for ca, cb in self._cue_spans.get(p.name, ())):
                            continue
                        if "ordinal" in it.flags and not re.search(r"\b(?:after|end of|until|through)\s+(?:the\s+)?$",
                                                                   s[max(0, it.i - 20):it.i], re.I):
                            continue  # "the first step" names a step; "after the second step" counts two
                        if it.kind == "number" and (kind != "int" or not it.integer or pw.size):
                            continue  # "6 filters" is a count, not a filter size
                        if it.kind == "shape" and kind == "int" and not pw.size:
                            continue  # "a 3 x 3 filter" is a size, not a count
                        if it.kind != "number" and kind not in ("int", "vector", "matrix"):
                            continue
                        word = 0.2 if "word" in it.flags else 0.0
                        for text in _item_texts(it, pw):
                            if _accepts(pw, text):
                                out.append(_Cand(3.05 - 0.1 * gap + bonus - word, p.name, text, (it.i, b), "count",
                                                 (it,), key=it.text))
                                break
                if ph == ("time",) and kind == "int":  # "update the parameters once"
                    for it in items:
                        if "times" in it.flags and _accepts(pw, it.text):
                            out.append(_Cand(2.7, p.name, it.text, (it.i, it.j), "count", (it,), key=it.text))
            # 3. labelled data, tables, points with their target last
            for it in items:
                if it.kind == "data":
                    if "inputs" in pw.roles and _accepts(pw, it.inputs):
                        out.append(_Cand(3.0, p.name, it.inputs, (it.i, it.j), "data", (it,), key=("in", it.i)))
                    if "labels" in pw.roles and _accepts(pw, it.labels):
                        out.append(_Cand(3.0, p.name, it.labels, (it.i, it.j), "data", (it,), key=("lab", it.i)))
                elif it.kind == "table" and it.columns and "named_rows" not in it.flags:
                    cols = [canonical_norm(c) for c in it.columns]
                    label_cols = [k for k, c in enumerate(cols) if _is_label_column(c, self.fw)]
                    if "labels" in pw.roles and len(label_cols) == 1:
                        k = label_cols[0]
                        text = "[" + ", ".join(_num(r[k]) for r in it.value) + "]"
                        if _accepts(pw, text):
                            out.append(_Cand(3.0, p.name, text, (it.i, it.j), "table", (it,), key=("lab", it.i)))
                    if "inputs" in pw.roles and len(label_cols) == 1 and len(cols) >= 2:
                        keep = [k for k in range(len(cols)) if k not in label_cols]
                        text = "[" + ", ".join("[" + ", ".join(_num(r[k]) for k in keep) + "]" for r in it.value) + "]"
                        if _accepts(pw, text):
                            out.append(_Cand(3.0, p.name, text, (it.i, it.j), "table", (it,), key=("in", it.i)))
            if "<last column>" in pw.markers or ("inputs" in pw.roles and any("<last column>" in q.markers
                                                                             for q in self.fw.params)):
                for it in items:
                    if it.kind != "matrix" or it.name or len(it.value[0]) < 2 or len(it.value) < 2:
                        continue
                    if "<last column>" in pw.markers:
                        text = "[" + ", ".join(_num(r[-1]) for r in it.value) + "]"
                        key = ("lab", it.i)
                    else:
                        text = "[" + ", ".join("[" + ", ".join(_num(v) for v in r[:-1]) + "]" for r in it.value) + "]"
                        key = ("in", it.i)
                    if _accepts(pw, text):
                        out.append(_Cand(2.9, p.name, text, (it.i, it.j), "points", (it,), key=key))
            # 4. markers: layer sizes from unit counts, the ends of a range, subscripts asked for
            if "<units>" in pw.markers:
                c = self._units(pw)
                if c is not None:
                    out.append(c)
            for marker, end in (("<from>", 0), ("<to>", 1)):
                if marker in pw.markers:
                    for it in items:
                        if it.kind == "range" and _accepts(pw, _num(it.value[end])):
                            out.append(_Cand(2.9, p.name, _num(it.value[end]), (it.i, it.j), "range", (it,),
                                             key=("range", end, it.i)))
            if "<subscript>" in pw.markers:
                c = self._subscripts(pw)
                if c is not None:
                    out.append(c)
        return out

    def _phrase_before(self, it: Item, pw: ParamWords) -> bool:
        """Whether one of the field's phrases comes just before the item ("the loss x^2 + 4y^2", "minimise f(x)")."""
        for ph in pw.phrases:
            for a, b in self.words.find(ph):
                if b <= it.i and any(x is it for x, _ in self._after(b)):
                    return True
        return False

    def _units(self, pw: ParamWords) -> _Cand | None:
        """Layer sizes from "3 inputs, a hidden layer of 4 neurons and 2 outputs" or "fan_in = 4, fan_out = 3"."""
        s = self.s
        ins, mids, outs, used = [], [], [], []
        for it in self.sc.items:
            if it.kind != "number" or not it.integer or it.value <= 0 or "ordinal" in it.flags:
                continue
            name = (it.name or "").lower().replace("_", "").replace("-", "")
            role = None
            if name in ("fanin", "nin", "inputs", "input"):
                role = "in"
            elif name in ("fanout", "nout", "outputs", "output"):
                role = "out"
            elif not it.name:
                before = _UNIT_BEFORE.search(s[max(0, it.i - 40):it.i])
                after = _UNIT_AFTER.match(s, it.j)
                w = (before.group("w") if before else "") or (after.group("w") if after else "")
                w = w.lower()
                if not w:
                    continue
                if "hidden" in w:
                    role = "mid"
                elif "out" in w or "class" in w:
                    role = "out"
                elif "in" in w.split()[0] or w.startswith("fan") and "in" in w:
                    role = "in"
                else:
                    role = "mid"
            if role is None:
                continue
            {"in": ins, "mid": mids, "out": outs}[role].append(it)
        if not ins:
            return None   # (inputs alone: a field that takes one size, a layer's fan-in, accepts it; others refuse)
        mids = sorted(mids, key=lambda it: it.i)
        many = _HIDDEN_COUNT.search(s)
        if many and len(mids) == 1:   # "two hidden layers of 128 units each": the size once per layer
            mids = mids * int(NUMBER_WORDS.get(many.group(1).lower()) or many.group(1))
        seq = ins[:1] + mids + outs[:1]
        text = " ".join(_num(it.value) for it in seq)
        if not _accepts(pw, text):
            return None
        span = (min(it.i for it in seq), max(it.j for it in seq))
        return _Cand(3.3, pw.param.name, text, span, "units", tuple(seq), key=text)

    def _subscripts(self, pw: ParamWords) -> _Cand | None:
        """alpha_10 in "Compute alpha_10": the step asked for is the subscript."""
        s = self.s
        found = []
        assigned = {it.name for it in self.sc.items if it.name}
        formulas = [it for it in self.sc.items if it.kind in ("expr", "gradient")]
        for a, b in self.sc.sentences:
            if not _ASK.search(s[a:b]):
                continue
            for m in re.finditer(r"(?<![\w.])([A-Za-z]+)_\(?([0-9]{1,6})\)?(?!\s*=)(?!\w|\.[0-9])", s[a:b]):
                i, j = a + m.start(), a + m.end()
                if canonical_norm(m.group(1)) in pw.symbols or m.group(0) in assigned or \
                        any(f.i <= i and j <= f.j for f in formulas):
                    continue
                found.append((i, j, m.group(2)))
        if not found:
            return None
        text = " ".join(v for _, _, v in found)
        if not _accepts(pw, text):
            return None
        return _Cand(2.6, pw.param.name, text, (found[0][0], found[-1][1]), "subscript", (), key=text)

    def cue_values(self, cues: dict, formulas_only: bool = False) -> list[tuple[str, tuple[int, int]]]:
        """(value, span) for every cue of a choice that the text states; of overlapping cues the longest wins."""
        found = []
        for value, cs in cues.items():
            for c in cs:
                if formulas_only and not c.squashed:
                    continue
                if c.words:
                    for span in self.words.find(c.words):
                        found.append((value, span))
                elif c.exact:
                    for m in re.finditer(r"(?<![A-Za-z])" + re.escape(c.exact) + r"(?![A-Za-z])", self.s):
                        found.append((value, (m.start(), m.end())))
                elif c.squashed:
                    hit = _squashed_find(self.s, c.squashed)
                    if hit is not None:
                        found.append((value, hit))
        found.sort(key=lambda h: -(h[1][1] - h[1][0]))
        kept: list[tuple[str, tuple[int, int]]] = []
        for v, (a, b) in found:
            if any(a < kb and ka < b for _, (ka, kb) in kept):
                continue
            kept.append((v, (a, b)))
        return kept


@functools.lru_cache(maxsize=4096)
def canonical_norm(name: str) -> str:
    """canonical() for a name already normalised (no LaTeX, no unicode letters)."""
    t = re.sub(r"[\s_{}()\\$]", "", name.replace("^T", "").rstrip("'"))
    base = re.match(r"[A-Za-z]+", t)
    if base is not None and len(base.group(0)) > 1:
        return t.lower()
    return t


def _num(v: Fraction) -> str:
    from .scan import _decimal_text

    return _decimal_text(v)


def _is_label_column(c: str, fw: FamilyWords) -> bool:
    low = c.lower()
    return low in ("y", "t", "label", "labels", "target", "class", "output", "d", "yhat", "out") or \
        low.upper() in ("AND", "OR", "NAND", "NOR", "XOR", "XNOR")


_squash_cache: dict[str, tuple[str, list[int]]] = {}


def _squashed_find(s: str, pattern: str) -> tuple[int, int] | None:
    got = _squash_cache.get(s)
    if got is None:
        _squash_cache.clear()
        _squash_cache[s] = got = squash_map(s)
    sq, pos = got
    k = sq.find(pattern)
    if k < 0:
        return None
    return (pos[k], pos[min(len(pos) - 1, k + len(pattern) - 1)] + 1)


def squash_map(s: str) -> tuple[str, list[int]]:
    """squash(s) with the position in s of each kept character."""
    out = []
    pos = []
    low = s.lower()
    k = 0
    n = len(low)
    sub = re.compile(r"_(?:\([^()]{0,8}\)|\{[^{}]{0,8}\}|[a-z0-9]{1,3})(?![a-z0-9])")
    simple = re.compile(r"\(([0-9]+(?:\.[0-9]+)?(?:/[0-9]+(?:\.[0-9]+)?)?)\)")
    while k < n:
        c = low[k]
        if c.isspace() or c in "{}\\$":
            k += 1
            continue
        if c == "(":
            m = simple.match(low, k)
            if m is not None:  # "(1/2)" reads as 1/2
                for q in range(m.start(1), m.end(1)):
                    out.append(low[q])
                    pos.append(q)
                k = m.end()
                continue
        if c == "_":
            m = sub.match(low, k)
            if m is not None:
                k = m.end()
                continue
        if low.startswith("epsilon", k):
            out.append("eps")
            pos.extend([k, k + 1, k + 2])
            k += 7
            continue
        if low.startswith("sigmoid", k):
            out.append("sigma")
            pos.extend([k] * 5)
            k += 7
            continue
        if low.startswith("hat", k):
            k += 3
            continue
        if low.startswith("**", k):
            out.append("^")
            pos.append(k)
            k += 2
            continue
        out.append(c)
        pos.append(k)
        k += 1
    return "".join(out), pos


# ---- the reading -----------------------------------------------------------------------------------------------

@dataclass
class _Binding:
    family: str
    fields: dict[str, _Cand]
    parts: list[tuple[str, list[_Cand]]]
    conventions: dict[str, tuple[str, tuple[int, int]]]
    convention_conflicts: dict[str, list[str]]
    used: set[int]  # ids of items used
    missing: list[str]
    explained: float  # fraction of the question's numbers that a field used
    unused_numbers: list[Item]
    unused_phrases: list[Item]
    mentioned_defaults: list[tuple[str, tuple[int, int]]]
    notes: list[str] = field(default_factory=list)  # what a family's structure reading assumed (_structure)


def _members(it: Item) -> list[Item]:
    out = [it]
    for m in it.members:
        out.extend(_members(m))
    return out


def _ids(c: _Cand) -> set[int]:
    ids = set()
    for it in c.items:
        ids.update(id(x) for x in _members(it))
    return ids


def _bind(fw: FamilyWords, t: Text, sc: Scan, words: _Words) -> _Binding:
    b = _Binder(fw, t, sc, words)
    # formulas that a formula cue reads (L = 1/2 (y_hat - y)^2 states the squared error) are not values
    formula_cues = [sp for pw in fw.params if pw.cues for _, sp in b.cue_values(pw.cues, formulas_only=True)]
    formula_cues += [sp for cw in fw.conventions for _, sp in b.cue_values(cw.cues, formulas_only=True)]
    claimed = {id(it) for it in sc.items if it.kind in ("expr", "gradient")
               and any(a < it.j and it.i < bb for a, bb in formula_cues)}
    cands = b.candidates(claimed)
    by_param: dict[str, list[_Cand]] = {}
    for c in cands:
        by_param.setdefault(c.param, []).append(c)
    order = sorted(cands, key=lambda c: (-c.score, c.quote_span[0]))
    fields: dict[str, _Cand] = {}
    used_items: set[int] = set()
    spec_of = {pw.param.name: pw for pw in fw.params}
    shared_ok = ("data", "table", "points", "range")
    for c in order:
        if c.param in fields:
            continue
        ids = _ids(c)
        if ids & used_items and c.how not in shared_ok:
            continue
        fields[c.param] = c
        used_items |= ids
    # a field that takes a list, stated value by value ("after 5 epochs and after 10 epochs"): one list
    for name, c in list(fields.items()):
        pw = spec_of[name]
        if getattr(pw.param.spec, "kind", "") != "vector" or pw.named or c.how not in ("phrase", "count", "named"):
            continue
        if not c.items or c.items[0].kind != "number":
            continue
        more = [o for o in by_param.get(name, []) if o.how in ("phrase", "count", "named") and o.items
                and o.items[0].kind == "number" and not (_ids(o) & used_items)
                and (o.how != "named" or canonical_norm(o.items[0].name) == canonical_norm(c.items[0].name or "-"))]
        picked: dict[int, _Cand] = {id(c.items[0]): c}
        for o in more:
            picked.setdefault(id(o.items[0]), o)
        if len(picked) > 1:
            group = sorted(picked.values(), key=lambda o: o.items[0].i)
            text = " ".join(o.items[0].text for o in group)
            if _accepts(pw, text):
                span = (min(o.quote_span[0] for o in group), max(o.quote_span[1] for o in group))
                fields[name] = _Cand(c.score, name, text, span, c.how, tuple(o.items[0] for o in group), key=text)
                for o in group:
                    used_items |= _ids(o)
    # choices and yes/no fields stated in words
    choice_hits: dict[str, list[tuple[str, tuple[int, int]]]] = {}
    for pw in fw.params:
        hits = b.cue_values(pw.cues) if pw.cues else []
        # options named in words count where the choice has no cues, or where its cues only state variants of other
        # options ("GELU ... the tanh approximation": gelu_tanh, not gelu); then not an option that a cue's words
        # cover or whose variant a cue states
        variants = bool(pw.cues) and all(any(v.startswith(o + "_") for o in pw.options if o != v) for v in pw.cues)
        cued = list(hits)
        for opt, ph in pw.options.items() if not pw.cues or variants else ():
            if opt in pw.cues:
                continue
            for span in words.find(ph):
                if not any(span[0] < cb and ca < span[1] or v.startswith(opt + "_") for v, (ca, cb) in cued):
                    hits.append((opt, span))
        if hits:
            choice_hits[pw.param.name] = hits
    parts: list[tuple[str, list[_Cand]]] = []
    for name, hits in choice_hits.items():
        if name in fields and fields[name].how in ("named", "phrase", "count", "data", "table", "units"):
            continue
        values = []
        for v, span in sorted(hits, key=lambda h: h[1][0]):
            if v not in [x for x, _ in values]:
                values.append((v, span))
        pw = spec_of[name]
        values = [(v, sp) for v, sp in values if _accepts(pw, v)]
        if not values:
            continue
        fields[name] = _Cand(2.5, name, values[0][0], values[0][1], "cue", (), key=values[0][0])
        if len(values) > 1 and not parts and getattr(pw.param.spec, "kind", "") in ("choice", "bool", "real", "int"):
            # "in bits and in nats": two values joined in one phrase are two parts; apart, the first is used
            joined = [values[0]]
            for v, sp in values[1:]:
                between = t.s[joined[-1][1][1]:sp[0]]
                if len(between) <= 24 and re.fullmatch(r"[\s,/]*(?:and|or|then|as well as|,)?[\s\w]{0,12}", between, re.I) \
                        and re.search(r"\b(?:and|or|then)\b|,|/", between):
                    joined.append((v, sp))
            if len(joined) > 1:
                parts.append((name, [_Cand(2.5, name, v, sp, "cue", (), key=v) for v, sp in joined[:4]]))
    # several values for one field from separate mentions: a question in parts ("after one step, and two steps")
    if not parts:
        for name, cs in by_param.items():
            best = fields.get(name)
            pw = spec_of[name]
            if best is None or best.how not in ("phrase", "count") or getattr(pw.param.spec, "kind", "") not in ("int", "real"):
                continue
            alts = []
            for c in sorted(cs, key=lambda c: c.quote_span[0]):
                if c.how not in ("phrase", "count") or c.key == best.key or any(c.key == a.key for a in alts):
                    continue
                if _ids(c) & used_items and not (_ids(c) & _ids(best)):
                    continue
                if c.value == best.value or abs(c.score - best.score) > 0.25:
                    continue
                lo, hi = sorted((best.quote_span, c.quote_span))
                between = t.s[lo[1]:hi[0]]
                if len(between) > 30 or not re.search(r"\b(?:and|or|then)\b|,", between):
                    continue  # "after one step, and after two steps" is a question in parts; far apart, it is not
                alts.append(c)
            if alts:
                ordered = sorted([best] + alts, key=lambda c: c.quote_span[0])[:4]
                parts.append((name, ordered))
                for c in alts:
                    used_items |= _ids(c)
                break
    # named values "w = 2.5, b = 0" collected into one field that takes named values
    for pw in fw.params:
        if not pw.named or pw.param.name in fields and fields[pw.param.name].how not in ("named", "variables"):
            continue
        group = []
        for it in sc.items:
            if it.kind != "number" or not it.name or id(it) in used_items and not (
                    pw.param.name in fields and any(it is x for x in fields[pw.param.name].items)):
                continue
            base = canonical_norm(it.base or it.name)
            if base in pw.symbols and len(base) <= 2:
                group.append(it)
        if len(group) >= 2 or (group and pw.param.name in fields):
            latest: dict[str, Item] = {}
            for it in group:
                key = it.base or it.name
                prev = latest.get(key)
                if prev is None or _later(it.sub, prev.sub):
                    latest[key] = it
            if len(latest) >= 2:
                text = ", ".join(f"{k}={v.text}" for k, v in latest.items())
                if _accepts(pw, text):
                    span = (min(it.i for it in latest.values()), max(it.j for it in latest.values()))
                    old = fields.get(pw.param.name)
                    if old is not None:  # w_0 = 5 replaced by the later state w_9 = 2.5: w_0 is unread again
                        used_items -= _ids(old)
                    fields[pw.param.name] = _Cand(3.5, pw.param.name, text, span, "named", tuple(latest.values()))
                    used_items |= {id(it) for it in latest.values()}
    # the only value of the right kind for a required field, or for a field the family reads as its main data
    # (module-level MAIN_FIELDS: optional alternatives, such as probabilities p or a Gaussian's sigma)
    main = set(getattr(getattr(fw.family, "module", None), "MAIN_FIELDS", ()))
    for pw in fw.params:
        p = pw.param
        if p.name in fields or not (p.required or p.name in main):
            continue
        fits = []
        kind = getattr(p.spec, "kind", "")
        inside_used = {id(m) for o in sc.items if id(o) in used_items for m in _members(o) if m is not o}
        for it in sc.items:
            if id(it) in used_items or it.kind in ("word", "range") or "in_formula" in it.flags:
                continue
            if id(it) in inside_used:
                continue
            if kind in ("vector", "matrix", "integers") and it.kind not in ("vector", "matrix", "table", "outcomes"):
                continue
            if kind in ("real", "int") and it.kind != "number":
                continue
            if kind == "expression" and it.kind != "expr":
                continue
            if "run" in it.flags and any(m.name for m in it.members[1:]):
                continue
            for text in _item_texts(it, pw):
                if _accepts(pw, text):
                    fits.append((it, text))
                    break
        fits = [f for f in fits if not any(o is not f and f[0] in o[0].members for o in fits)]
        if len(fits) == 1:
            it, text = fits[0]
            fields[p.name] = _Cand(1.0, p.name, text, (it.i, it.j), "only", (it,))
            used_items |= {id(x) for x in _members(it)}
    # conventions the text states
    conventions: dict[str, tuple[str, tuple[int, int]]] = {}
    conflicts: dict[str, list[str]] = {}
    for cw in fw.conventions:
        hits = b.cue_values(cw.cues)
        if not hits:
            continue
        values = []
        for v, span in sorted(hits, key=lambda h: h[1][0]):
            if v not in values:
                values.append(v)
        first = next(h for h in sorted(hits, key=lambda h: h[1][0]) if h[0] == values[0])
        conventions[cw.convention.name] = (values[0], first[1])
        if len(values) > 1:
            conflicts[cw.convention.name] = values
    # formulas that a formula cue read (L = 1/2 (y_hat - y)^2 states the loss) are used
    cue_spans = [sp for hs in choice_hits.values() for _, sp in hs] + [sp for _, sp in conventions.values()]
    used_items |= claimed
    for c in fields.values():
        used_items |= _ids(c)
    for name, cs in parts:
        for c in cs:
            used_items |= _ids(c)
    # numbers a field used, and those it did not
    numbers = [it for it in sc.items if it.kind == "number" and "word" not in it.flags]
    used_numbers = set()
    covered = bytearray(len(t.s) + 1)  # 1 under every item a field used (linear, not pairwise)
    for it in sc.items:
        if id(it) in used_items:
            used_numbers.update(id(m) for m in _members(it))
            covered[it.i:it.j] = b"\x01" * (it.j - it.i)
    for o in numbers:  # numbers inside a used array or formula
        if o.j > o.i and covered.find(0, o.i, o.j) < 0:
            used_numbers.add(id(o))
    spans = [c.quote_span for c in list(fields.values()) + [c for _, cs in parts for c in cs]
             if c.how in ("cue", "subscript")] + cue_spans
    for o in numbers:
        if any(a <= o.i and o.j <= bb for a, bb in spans):
            used_numbers.add(id(o))
    # a count that describes what a field holds ("3 labelled points", "2 inputs") is read, not unread
    sizes = set()
    for c in fields.values():
        sizes |= _sizes(c.value)
    for o in numbers:
        if id(o) in used_numbers or not o.integer or o.value < 1 or int(o.value) not in sizes:
            continue
        if _COUNT_NOUN.match(t.s, o.j):
            used_numbers.add(id(o))
    unused_numbers = [it for it in numbers if id(it) not in used_numbers and "in_formula" not in it.flags]
    candidates = [it for it in sc.items if it.kind in ("vector", "matrix", "table", "data", "expr", "gradient",
                                                       "shape", "outcomes", "range")
                  and id(it) not in used_items and "run" not in it.flags
                  and not (it.j > it.i and covered.find(0, it.i, it.j) < 0)]
    # of unread phrases inside one another, the outer one is said (longest first, marked as they are kept)
    unread_cover = bytearray(len(t.s) + 1)
    unused_phrases = []
    for it in sorted(candidates, key=lambda it: -(it.j - it.i)):
        if it.j > it.i and unread_cover.find(0, it.i, it.j) < 0:
            continue
        unused_phrases.append(it)
        unread_cover[it.i:it.j] = b"\x01" * (it.j - it.i)
    unused_phrases.sort(key=lambda it: it.i)
    unused_numbers = [it for it in unused_numbers if not (it.j > it.i and unread_cover.find(0, it.i, it.j) < 0)]
    total = len([it for it in numbers if "in_formula" not in it.flags])
    explained = 1.0 - len(unused_numbers) / total if total else 0.0
    missing = [pw.param.name for pw in fw.params if pw.param.required and pw.param.name not in fields
               and not _filled_by_items(fw, pw.param.name, fields)]
    # a formula read without its start point ("apply Adam to f(x) = x^2"): the start is not a default to assume
    formula_read = any(c.items and c.items[0].kind == "expr" and getattr(spec_of[c.param].param.spec, "kind", "") ==
                       "expression" for c in fields.values())
    if formula_read:
        missing += [pw.param.name for pw in fw.params if pw.variables and pw.param.name not in fields
                    and getattr(pw.param.spec, "kind", "") != "value"]
    _group_choices(fw, t.s, fields)
    # a default standing in for something the text mentions
    mentioned = []
    for pw in fw.params:
        if pw.param.name in fields or getattr(pw.param.spec, "kind", "") != "choice" or pw.stands_for:
            continue
        if pw.options and not pw.cues:
            continue  # its option names are read directly; none was found
        if pw.param.default == "auto" and any(opt in fields for opt in pw.param.spec.options):
            continue  # "auto" takes the option whose field was read (the gradient source: the gradient given)
        for opt in pw.param.spec.options:
            words_ = tuple(stem(w) for w in opt.replace("_", " ").lower().split())
            if opt not in (pw.param.default, "auto") and len(opt) >= 5 and words.find(words_):
                mentioned.append((pw.param.name, words.find(words_)[0]))
                break
    for pw in fw.params:
        if pw.param.name in fields or pw.param.default is None or pw.cues or pw.stands_for:
            continue
        for ph in pw.phrases:
            if len(ph) == 1 and len(ph[0]) <= 3:
                continue
            spans = words.find(ph)
            if spans:
                mentioned.append((pw.param.name, spans[0]))
                break
    return _Binding(fw.name, fields, parts, conventions, conflicts, used_items, missing, explained, unused_numbers,
                    unused_phrases, mentioned)


_OUTPUT_AFTER = re.compile(r"[\s-]*(?:output|out\b)", re.I)
_HIDDEN_AFTER = re.compile(r"[\s-]*hidden", re.I)


def _group_choices(fw: FamilyWords, s: str, fields: dict[str, _Cand]) -> None:
    """A group given item by item (W1 = ..., W2 = ... for a network's layers): each item's choice field (g1, g2,
    ...) is read from an option word naming it: one followed by "output" is the last item's, one followed by
    "hidden" the other items', and any other one belongs to the item whose first field precedes it
    ("W1 = ..., b1 = ..., g sigmoid; W2 = ..."). An item that two different options would fit keeps its default."""
    groups: dict[str, list[ParamWords]] = {}
    for pw in fw.params:
        if pw.stands_for:
            groups.setdefault(pw.stands_for, []).append(pw)
    for group, pws in groups.items():
        spec = next(pw.param.spec for pw in fw.params if pw.param.name == group)
        first = spec.fields[0].name
        anchors = sorted((int(name[len(first):]), c.quote_span) for name, c in fields.items()
                         if name.startswith(first) and name[len(first):].isdigit()
                         and any(pw.param.name == name for pw in pws))
        if not anchors:
            continue
        L = anchors[-1][0]
        for f in spec.fields:
            if getattr(f.spec, "kind", "") != "choice":
                continue
            names = {o: o for o in f.spec.options}
            names.update({a: o for a, o in getattr(f.spec, "aliases", {}).items() if len(a) >= 5 and a != "none"})
            words = sorted(names, key=len, reverse=True)
            pattern = re.compile(r"\b(" + "|".join(re.escape(w).replace("_", "[ _-]").replace(r"\ ", "[ _-]")
                                                    for w in words) + r")\b", re.I)
            got: dict[int, set[str]] = {}
            where: dict[int, tuple[int, int]] = {}
            for m in pattern.finditer(s):
                key = m.group(1).lower().replace("-", " ").replace("_", " ")
                opt = next((o for w, o in names.items() if w.lower().replace("_", " ") == key), None)
                if opt is None:
                    continue
                after = s[m.end():m.end() + 20]
                if _OUTPUT_AFTER.match(after):
                    ks = [L]
                elif _HIDDEN_AFTER.match(after):
                    ks = list(range(1, L))
                else:
                    before = [k for k, span in anchors if span[1] <= m.start()]
                    ks = [before[-1]] if before else []
                for k in ks:
                    got.setdefault(k, set()).add(opt)
                    where.setdefault(k, (m.start(), m.end()))
            for k, opts in got.items():
                name = f"{f.name}{k}"
                if len(opts) == 1 and name not in fields and any(pw.param.name == name for pw in pws):
                    opt = next(iter(opts))
                    fields[name] = _Cand(3.0, name, opt, where[k], "named", (), key=opt)


_COUNT_NOUN = re.compile(r"\s*(?:[A-Za-z-]+\s+)?(?:point|example|sample|input|feature|output|unit|neuron|class|value|"
                         r"observation|data point|outcome|row|column|layer|step|gradient|entr|dimension|element|item|"
                         r"model|toss|flip)", re.I)


def _sizes(value: str) -> set[int]:
    """The counts a field's value describes: its entries, its rows and its columns."""
    rows = [r for r in re.split(r"\]\s*,\s*\[|;", value.strip().strip("[]")) if r.strip()]
    out = {len(rows)}
    for r in rows[:1]:
        out.add(len([x for x in re.split(r"[,\s]+", r.strip().strip("[]")) if x]))
    return out


def _later(a: str, b: str) -> bool:
    try:
        return int(a or 0) > int(b or 0)
    except ValueError:
        return False


#: A family that reads a structure the words describe (a network of layers in prose) fits the question better.
STRUCTURE_BONUS = 2.0


def _structure(fw: FamilyWords, t: Text, bd: _Binding) -> bool:
    """A family's own reading of a structure that its words describe, over the field-by-field binding: a family module's
    `read_structure(text, conventions)` (the conventions this binding read, by name) returns {"fields": {name: (value
    text, span)}, "replaces": (names, ...), "notes": (what it assumed, ...), "missing": (names the question does not
    give, ...)} or None (a network in prose: 'a conv layer with 16 filters of size 5x5, then 2x2 max pooling' as its
    layers). The fields it replaces are dropped, and the numbers inside its spans count as read. True when it gave
    fields (a reading of the question's structure, not only a note)."""
    hook = getattr(fw.family.module, "read_structure", None)
    try:
        found = hook(t.s, {name: value for name, (value, _) in bd.conventions.items()}) if hook is not None else None
    except Exception:  # a hook's slip leaves the field-by-field reading, which names what it could not read
        found = None
    if not found:
        return False
    gone = set(found.get("replaces", ())) | set(found["fields"])
    for name in found.get("replaces", ()):
        bd.fields.pop(name, None)
    spans = []
    for name, (value, span) in found["fields"].items():
        bd.fields[name] = _Cand(3.0, name, value, span, "phrase", (), key=value)
        spans.append(span)
    bd.unused_numbers = [it for it in bd.unused_numbers if not any(a <= it.i and it.j <= b for a, b in spans)]
    bd.unused_phrases = [it for it in bd.unused_phrases if not any(a <= it.i and it.j <= b for a, b in spans)]
    missing = [m for m in bd.missing if m not in gone]
    bd.missing = missing + [m for m in found.get("missing", ()) if m not in missing]
    bd.mentioned_defaults = [(n, sp) for n, sp in bd.mentioned_defaults if n not in gone]
    bd.notes = list(found.get("notes", ()))
    return bool(found["fields"])


#: How much more a value the question names (w = [...], b = 0.3) weighs against a family that leaves it unread than
#: an unnamed number does: a name is the question saying which field it fills.
NAMED_UNREAD = 0.6


def _fit(bd: _Binding, fw: FamilyWords) -> float:
    score = 2.0 * bd.explained - 0.6 * len(bd.unused_numbers)
    score -= 1.5 * len(bd.missing)
    score += 0.25 * min(len(bd.fields), 6)
    score -= 0.3 * len(bd.unused_phrases)
    score -= NAMED_UNREAD * sum(1 for it in (*bd.unused_numbers, *bd.unused_phrases) if it.name)
    return score


# ---- entry point ---------------------------------------------------------------------------------------------------

def read(text: Any, family: str | None = None) -> Reading:
    """Read one question (see the module docstring). `family`: read it as this family instead of choosing.

    Raises InvalidInput (field "text") for text that cannot be a question: empty, too long, binary."""
    raw = _check(text)
    t = normalize(raw)
    sc = scan(t.s)
    words = _Words(t.s)
    reading = Reading(raw)
    voc = vocabulary()
    squashed_text = squash(t.s)
    scores = _word_scores(words, squashed_text)
    if family is not None:
        from .. import registry

        fam = registry.get(family)
        shortlist = [fam.name]
    else:
        ranked_words = sorted(scores.items(), key=lambda kv: -kv[1])
        top = ranked_words[0][1] if ranked_words else 0.0
        # the families whose words fit at all get the full binding; the others cannot catch up
        shortlist = [n for n, v in ranked_words[:SHORTLIST] if v > 0 and (v >= 0.3 * top or v >= top - 3.0)]
    if not shortlist:
        reading.message = _nothing_message(t.s, sc)
        reading.ignored = _ignored_json(t, sc)
        return reading
    bindings = {}
    totals = {}
    for name in shortlist:
        fw = voc.families[name]
        bd = _bind(fw, t, sc, words)
        bindings[name] = bd
        bonus = STRUCTURE_BONUS if _structure(fw, t, bd) else 0.0   # (before the fit: it reads some of the numbers)
        totals[name] = scores.get(name, 0.0) + _fit(bd, fw) + bonus
        if len(shortlist) > 1 and not bd.missing:
            try:  # a reading the family rejects is unlikely to be the problem meant
                fw.family.validate({k: c.value for k, c in bd.fields.items()})
            except InvalidInput:
                totals[name] -= 2.0
            except Exception:
                totals[name] -= 2.0
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    best, best_score = ranked[0]
    bd = bindings[best]
    fw = voc.families[best]
    reading.family, reading.title, reading.score = best, fw.title, best_score
    reading.alternatives = [{"family": n, "title": voc.families[n].title, "score": round(s, 2)}
                            for n, s in ranked[1:4] if s > 0]
    _fill(reading, bd, fw, t, sc, words)
    # doubts, said plainly
    if family is None:
        if best_score < LOW_SCORE:
            reading.warnings.append(
                f"Stepwise is not sure this is a {fw.title.lower()} question (its words and numbers fit weakly); "
                "check the kind of problem.")
        close = [a for a in reading.alternatives if a["score"] >= CLOSE * best_score and a["score"] > 0]
        if close:
            names = ", ".join(f"{a['title'].lower()} ({a['family']})" for a in close)
            reading.warnings.append(f"The question could also be read as {names}: check that "
                                    f"{fw.title.lower()} is the problem meant.")
    return reading


def _nothing_message(s: str, sc: Scan) -> str:
    if not re.search(r"[A-Za-z]", s):
        return ("Stepwise found no words it knows in this text. Paste the question in English, with its "
                "numbers (for example: 'Apply Adam with learning rate 0.1 to f(x) = x^2 from x = 1').")
    if not any(it.kind == "number" for it in sc.items):
        return ("Stepwise could not tell which kind of problem this is, and the text has no numbers. Paste the "
                "whole question with its numbers, or pick the problem from the list.")
    return ("Stepwise could not tell which kind of problem this is: none of the words its problems are known by "
            "appear. Name the method (an optimizer, a network, a loss, a decomposition, ...) or pick the problem "
            "from the list.")


def _ignored_json(t: Text, sc: Scan) -> list[dict]:
    out = []
    for i, j, why in sc.ignored[:50]:
        a, b = t.span(i, j)
        out.append({"text": t.s[i:j].strip()[:80], "start": a, "end": b, "why": why})
    return out


def _fill(reading: Reading, bd: _Binding, fw: FamilyWords, t: Text, sc: Scan, words: _Words) -> None:
    raw = reading.text

    def quote(span: tuple[int, int]) -> tuple[str, int, int]:
        a, b = t.span(*span)
        while a < b and raw[a] in "$ \t\n":  # a maths delimiter at an edge is not part of the words
            a += 1
        while b > a and raw[b - 1] in "$ \t\n":
            b -= 1
        return " ".join(raw[a:b].split()), a, b

    for pw in fw.params:
        c = bd.fields.get(pw.param.name)
        if c is None:
            continue
        span = c.quote_span
        if c.how in ("named", "variables", "only"):  # "starting at x = 1": quote the words that name the field too
            for ph in pw.phrases:
                for a0, b0 in words.find(ph):
                    if b0 <= span[0] and re.fullmatch(r"[\s,:=(]*(?:(?:is|of|at|to|from|with|the|a|an)\s+)*", t.s[b0:span[0]]) \
                            and span[0] - b0 <= 16:
                        span = (a0, span[1])
        q, a, b = quote(span)
        group = id(c.items[0]) if c.items and c.how in ("data", "table", "points", "range") else 0
        reading.fields[c.param] = FieldReading(c.param, c.value, q, a, b, c.how, group)
    for name, (value, span) in bd.conventions.items():
        q, a, b = quote(span)
        reading.conventions[name] = FieldReading(name, value, q, a, b, "cue")
    for name, values in bd.convention_conflicts.items():
        reading.warnings.append(f"The question states more than one choice for the {name} convention "
                                f"({', '.join(values)}); the first, {values[0]}, is used.")
    if bd.parts:
        name, cs = bd.parts[0]
        for c in cs:
            q, a, b = quote(c.quote_span)
            reading.parts.append({"label": f"{name} = {c.value}", "params": {name: c.value}, "quote": q,
                                  "start": a, "end": b})
        reading.notes.append(f"The question asks for several cases ({', '.join(c.value for c in cs)} for {name}); "
                             "each is solved.")
    reading.missing = list(bd.missing)
    reading.notes.extend(bd.notes)
    for it in bd.unused_numbers:
        q, a, b = quote((it.i, it.j))
        ctx = _context(t, raw, it)
        reading.unread.append({"kind": "number", "text": q, "start": a, "end": b, "context": ctx})
    for it in bd.unused_phrases:
        q, a, b = quote((it.i, it.j))
        reading.unread.append({"kind": it.kind, "text": q[:200], "start": a, "end": b})
    reading.ignored = _ignored_json(t, sc)
    for name, span in bd.mentioned_defaults:
        pw = next(p for p in fw.params if p.param.name == name)
        q, a, b = quote(span)
        default = pw.param.spec.to_text(pw.param.spec.parse(pw.param.default))
        reading.defaults.append({"field": name, "value": default, "quote": q, "start": a, "end": b})
    # what is asked
    asked: dict[str, Any] = {}
    if sc.precision is not None:
        asked["precision"] = {k: v for k, v in sc.precision.items() if k in ("dp", "sig")}
        q, a, b = quote((sc.precision["i"], sc.precision["j"]))
        asked["precision"]["quote"] = q
    if sc.options:
        asked["options"] = [{"label": lab, "text": " ".join(txt.split())} for lab, txt, _, _ in sc.options]
    for key in ("steps", "epochs", "max_epochs", "iterations", "at"):
        if key in reading.fields:
            asked["at"] = {"field": key, "value": reading.fields[key].value, "quote": reading.fields[key].quote}
            break
    asked["sentences"] = _ask_sentences(t, raw, sc)
    reading.asked = asked
    # validate what was read; a value a field rejects is named, never used silently
    _validate(reading, fw)
    for p in fw.family.params:
        if p.required and p.name not in reading.fields and p.name not in reading.missing \
                and not _filled_by_items(fw, p.name, reading.fields):
            reading.missing.append(p.name)
    _warnings(reading, fw)


def _context(t: Text, raw: str, it: Item) -> str:
    a, b = t.span(it.i, it.j)
    lo = max(0, a - 25)
    hi = min(len(raw), b + 25)
    return " ".join(raw[lo:hi].split())


_ASK = re.compile(r"\b(?:what|which|how|compute|calculate|find|determine|give|enter|evaluate|show|derive|"
                  r"write|state|obtain|estimate|report|list)\b|\?", re.I)


def _ask_sentences(t: Text, raw: str, sc: Scan) -> list[str]:
    out = []
    for i, j in sc.sentences:
        if _ASK.search(t.s[i:j]):
            a, b = t.span(i, j)
            out.append(" ".join(raw[a:b].split())[:300])
    return out[:6]


def _filled_by_items(fw: FamilyWords, name: str, fields) -> bool:
    """A group parameter given item by item (W1 = ..., W2 = ... for `layers`)."""
    return any(pw.stands_for == name and pw.param.name in fields for pw in fw.params)


def _validate(reading: Reading, fw: FamilyWords) -> None:
    fam = fw.family
    for _ in range(len(fw.params) + 1):
        params = reading.params
        for part in reading.parts[:1]:
            params = {**params, **part["params"]}
        try:
            fam.validate(params)
            return
        except InvalidInput as e:
            name = e.field
            if name in reading.fields:
                f = reading.fields.pop(name)
                try:
                    next(pw.param for pw in fw.params if pw.param.name == name).spec.parse(f.value)
                    alone = True
                except Exception:
                    alone = False
                if alone:  # a valid value that clashes with another the question states: not used, and said
                    dropped = [name] + [k for k, g in reading.fields.items() if f.group and g.group == f.group]
                    for k in dropped[1:]:
                        reading.fields.pop(k)
                    reading.warnings.append(f"Not used: {', '.join(dropped)} read from “{f.quote[:80]}”, because "
                                            f"{e.message[0].lower() + e.message[1:]}")
                    continue
                reading.invalid[name] = (f"The value read for '{name}', {f.value}, from “{f.quote}”, is not valid: "
                                         f"{e.message}")
                continue
            if name in reading.missing:
                return
            if name and name not in params and any(p.name == name for p in fam.params):
                reading.missing.append(name)   # one of several alternative inputs (A, or its eigenvalues): none given
                return
            reading.invalid[name or "params"] = e.message
            return
        except Exception as e:  # a family's validate failing on odd input is still the input's problem
            reading.invalid["params"] = f"The values read do not make a valid problem ({type(e).__name__})."
            return


def _warnings(reading: Reading, fw: FamilyWords) -> None:
    w = reading.warnings
    for u in reading.unread:
        if u["kind"] == "number":
            w.append(f"The number {u['text']} (in “{u['context']}”) was not used by any field: check whether it "
                     "belongs in one.")
    phrases = [u for u in reading.unread if u["kind"] != "number"]
    for u in phrases:
        what = {"expr": "formula", "gradient": "gradient", "table": "table", "data": "labelled data",
                "vector": "list of numbers", "matrix": "matrix", "shape": "size", "outcomes": "sequence"}.get(u["kind"], "value")
        w.append(f"The {what} “{u['text'][:80]}” was not used by any field.")
    for name in reading.missing:
        p = fw.family.param(name)
        w_label = p.label or name
        reading.notes.append(f"Missing: {w_label} ('{name}'), {p.spec.describe()}.")
    for name, msg in reading.invalid.items():
        w.append(msg)
    for d in reading.defaults:
        w.append(f"The question mentions “{d['quote']}” but no value for '{d['field']}' was read; the default "
                 f"{d['value']} is used.")
