"""The reader's vocabulary, built from what the families declare: KEYWORDS, titles, Param aliases and cues,
Convention cues. Nothing here names a family; adding a family adds its words.

Words are matched as stemmed token sequences ("learning rates" matches "learning rate"); phrases with
a symbol in them ("sqrt(v) + eps", "w.x >= 0") are matched on the text squashed to lower case with
spaces and subscripts removed, so `$\\sqrt{\\hat{v}_t} + \\epsilon$` matches "sqrt(v)+eps".
"""
from __future__ import annotations

import functools
import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from .text import normalize

__all__ = ["Vocabulary", "FamilyWords", "ParamWords", "vocabulary", "tokens", "stem", "squash", "canonical"]

_TOKEN = re.compile(r"[a-z0-9]+")
_KEEP = ("ss", "us", "is", "as", "os")


@functools.lru_cache(maxsize=8192)
def stem(w: str) -> str:
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    if w.endswith("ses") and w[:-2].endswith(("as", "is", "us")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(_KEEP):
        return w[:-1]
    return w


def tokens(s: str) -> list[tuple[str, int, int]]:
    """(stemmed lower-case word, start, end) for every word and number of normalised text."""
    low = s.lower()
    return [(stem(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(low)]


_SQUASH_DROP = re.compile(r"\s+|_(?:\([^()]{0,8}\)|\{[^{}]{0,8}\}|[a-z0-9]{1,3})(?![a-z0-9])|[{}\\$]")
_SQUASH_WORDS = (("epsilon", "eps"), ("**", "^"), ("sigmoid", "sigma"), ("·", "*"))


def squash(s: str) -> str:
    """Lower case, no spaces, no subscripts: `sqrt(v_t + eps)` and `\\sqrt{v + \\epsilon}` both become sqrt(v+eps)."""
    s = s.lower()
    s = _SQUASH_DROP.sub("", s)
    s = re.sub(r"\(([0-9]+(?:\.[0-9]+)?(?:/[0-9]+(?:\.[0-9]+)?)?)\)", r"\1", s)
    for a, b in _SQUASH_WORDS:
        s = s.replace(a, b)
    s = s.replace("_hat", "").replace("hat", "")
    return s


def canonical(name: str) -> str:
    """A symbol as one key: `β₁`, `\\beta_1`, `beta_1`, `beta1` are all beta1; single letters keep their case."""
    t = normalize(name).s.strip()
    t = re.sub(r"[\s_{}()\\$]", "", t)
    base = re.match(r"[A-Za-z]+", t)
    if base is not None and len(base.group(0)) > 1:
        return t.lower()
    return t


def _is_symbolic(phrase: str) -> bool:
    return bool(re.search(r"[^A-Za-z0-9\s'_-]", phrase))


@dataclass
class Cue:
    """A phrase that states a value: word tokens, a squashed pattern, or an exact capitalised word (AND, OR)."""

    words: tuple[str, ...] = ()
    squashed: str = ""
    exact: str = ""
    text: str = ""


def make_cue(phrase: str) -> Cue | None:
    """The cue for a declared phrase; None for one too short to match reliably (the contract tests name it)."""
    norm = normalize(phrase).s
    if re.fullmatch(r"[A-Z]{2,}", phrase):
        return Cue(exact=phrase, text=phrase)
    if _is_symbolic(phrase) or _is_symbolic(norm):
        squashed = squash(norm)
        if len(squashed) < 4:
            return None
        return Cue(squashed=squashed, text=phrase)
    words = tuple(t for t, _, _ in tokens(norm))
    return Cue(words=words, text=phrase) if words else None


@dataclass
class ParamWords:
    param: Any
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # word aliases (stemmed tokens)
    phrase_text: dict = field(default_factory=dict)  # tokens -> the alias as declared
    symbols: set[str] = field(default_factory=set)  # canonical symbols (its own name included)
    variables: bool = False  # takes the assignments to a formula's variables
    cues: dict[str, list[Cue]] = field(default_factory=dict)
    named: bool = False  # its spec takes named values "w=1, b=2"
    roles: set[str] = field(default_factory=set)  # "inputs" / "labels": what it takes from labelled data
    markers: set[str] = field(default_factory=set)  # <units>, <last column>, <from>, <to>, <column>, <subscript>
    size: bool = False  # a size ("filter size"): it takes "3 x 3" and "size 3", not a count "6 filters"
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a choice's option names as words
    stands_for: str = ""  # a numbered field of a group's item (W1 of `layers`): the group parameter it fills


@dataclass
class ConventionWords:
    convention: Any
    cues: dict[str, list[Cue]] = field(default_factory=dict)


@dataclass
class FamilyWords:
    name: str
    title: str
    family: Any
    params: list[ParamWords]
    conventions: list[ConventionWords]
    phrases: dict[tuple[str, ...], float]  # family phrases (name, title, keywords) -> base weight
    support: dict[tuple[str, ...], float]  # supporting phrases (aliases, cues) -> base weight
    names: set[tuple[str, ...]] = field(default_factory=set)  # its own name and abbreviation


@dataclass
class Vocabulary:
    families: dict[str, FamilyWords]
    index: dict[tuple[str, ...], list[tuple[str, float]]]  # phrase -> [(family, weight)], weights IDF-scaled
    squashed: list[tuple[str, str, float]]  # (squashed cue, family, weight)
    longest: int
    names: dict[tuple[str, ...], list[str]] = field(default_factory=dict)  # a family's name -> the families


#: Words that say which part of labelled data a field takes.
INPUT_WORDS = {("point",), ("input",), ("data", "point"), ("feature",), ("example",), ("sample",), ("pattern",)}
LABEL_WORDS = {("label",), ("target",), ("class",), ("output",), ("true", "label"), ("desired", "output")}
#: A family's name that at least this many other families use for a field is weighed as an ordinary word.
FIELD_NAME_FAMILIES = 6

_STOP = {("the",), ("a",), ("of",), ("and",), ("to",), ("in",), ("with",), ("for",), ("is",), ("value",),
         ("function",), ("network",), ("layer",), ("step",), ("rate",), ("given",), ("compute",)}


def _phrase(p: str) -> tuple[str, ...]:
    return tuple(t for t, _, _ in tokens(normalize(p).s))


#: A group parameter's items (a network's layers) are read as numbered fields, W1, b1, act1, W2, ..., as exams write
#: them; a family with a group parameter takes that spelling in its translate().
GROUP_ITEMS_READ = 9


def _read_params(fam):
    """(param, the group it fills or "") for every parameter the reader binds: the family's own, and for a group
    parameter its items' fields numbered 1 to GROUP_ITEMS_READ."""
    from ..params import Param

    for p in fam.params:
        yield p, ""
        spec = p.spec
        if getattr(spec, "kind", "") == "group":
            for k in range(1, min(spec.max_items, GROUP_ITEMS_READ) + 1):
                for f in spec.fields:
                    yield Param(f"{f.name}{k}", f.spec, label=f"{f.label} ({spec.item} {k})"), p.name


def _family_words(fam) -> FamilyWords:
    phrases: dict[tuple[str, ...], float] = {}
    support: dict[tuple[str, ...], float] = {}

    def add(d, ph: tuple[str, ...], w: float):
        if ph and ph not in _STOP:
            d[ph] = max(d.get(ph, 0.0), w)

    names: set[tuple[str, ...]] = set()
    add(phrases, _phrase(fam.name.replace("_", " ")), 4.0)
    names.add(_phrase(fam.name.replace("_", " ")))
    title = re.sub(r"\(([^()]*)\)", " ", fam.title)
    add(phrases, _phrase(title.split(":")[0]), 3.0)
    for abbr in re.findall(r"\(([A-Za-z][A-Za-z0-9-]{1,8})\)", fam.title):
        add(phrases, _phrase(abbr), 4.0)
        names.add(_phrase(abbr))
    for kw in fam.keywords:
        ph = _phrase(kw)
        add(phrases, ph, 2.0 + 0.5 * (len(ph) - 1))
    params = []
    for p, group in _read_params(fam):
        pw = ParamWords(p, stands_for=group)
        pw.symbols.add(canonical(p.name))
        for a in getattr(p, "aliases", ()) or ():
            if a == "<variables>":
                pw.variables = True
                continue
            if a.startswith("<") and a.endswith(">"):
                pw.markers.add(a)
                if a == "<last column>":
                    pw.roles.add("labels")
                continue
            norm = normalize(a).s.strip()
            if " " not in norm.strip() and not re.search(r"[^A-Za-z0-9_'()]", norm):
                pw.symbols.add(canonical(a))
            ph = _phrase(a)
            if ph and (len(ph) > 1 or len(ph[0]) > 1):
                if ph not in pw.phrases:
                    pw.phrases.append(ph)
                    pw.phrase_text[ph] = a
                if len(ph) > 1 or len(ph[0]) > 3:
                    add(support, ph, 0.5)
            if ph in INPUT_WORDS:
                pw.roles.add("inputs")
            if ph in LABEL_WORDS:
                pw.roles.add("labels")
        for value, cs in (getattr(p, "cues", None) or {}).items():
            pw.cues[value] = [c for c in map(make_cue, cs) if c is not None]
            for c in pw.cues[value]:
                if c.words and (len(c.words) > 1 or len(c.words[0]) > 3):
                    add(support, c.words, 0.6)
        try:
            p.spec.parse("w=1, b=2")
            pw.named = True
        except Exception:
            pw.named = False
        pw.size = any("size" in ph for ph in pw.phrases)
        params.append(pw)
    # a choice's option names ("sigmoid", "exponential") state its value, unless another field has the same option
    seen: dict[str, int] = {}
    for pw in params:
        for opt in getattr(pw.param.spec, "options", {}) or {}:
            seen[opt] = seen.get(opt, 0) + 1
    for pw in params:
        if getattr(pw.param.spec, "kind", "") != "choice":
            continue
        for opt in pw.param.spec.options:
            words = opt.replace("_", " ").lower()
            if seen[opt] == 1 and len(opt) >= 3 and re.fullmatch(r"[a-z][a-z0-9 ]+", words):
                pw.options[opt] = tuple(stem(w) for w in words.split())
    convs = []
    for c in fam.conventions:
        cw = ConventionWords(c)
        for opt, cs in (getattr(c, "cues", None) or {}).items():
            cw.cues[opt] = [c for c in map(make_cue, cs) if c is not None]
            for cue in cw.cues[opt]:
                if cue.words and (len(cue.words) > 1 or len(cue.words[0]) > 3):
                    add(support, cue.words, 0.7)
        convs.append(cw)
    return FamilyWords(fam.name, fam.title, fam, params, convs, phrases, support, names)


_lock = threading.Lock()
_cached: Vocabulary | None = None


def vocabulary() -> Vocabulary:
    """The vocabulary of every family (built once per process, on first use)."""
    global _cached
    if _cached is not None:
        return _cached
    with _lock:
        if _cached is None:
            from .. import registry

            fams = {name: _family_words(f) for name, f in registry.families().items()}
            # a phrase's weight is shared by the families it names (IDF); a family's own words are not diluted
            # by the aliases and cues other families declare for their fields
            primary: dict[tuple[str, ...], int] = {}
            support: dict[tuple[str, ...], int] = {}
            for fw in fams.values():
                for ph in fw.phrases:
                    primary[ph] = primary.get(ph, 0) + 1
                for ph in fw.support:
                    support[ph] = support.get(ph, 0) + 1
            index: dict[tuple[str, ...], list[tuple[str, float]]] = {}
            named: dict[tuple[str, ...], int] = {}
            for fw in fams.values():
                for ph in fw.names:
                    named[ph] = named.get(ph, 0) + 1
            # a family's name that many other families use for a field is a weak name: the question may name
            # that field of another problem ("compute the loss")
            fields = {n: {ph for pw in fw.params for ph in (*pw.phrases, _phrase(pw.param.name))}
                      for n, fw in fams.items()}
            for fw in fams.values():
                for src, counts in ((fw.phrases, primary), (fw.support, support)):
                    for ph, w in src.items():
                        if counts is primary and ph in fw.names and sum(
                                ph in f for n, f in fields.items() if n != fw.name) >= FIELD_NAME_FAMILIES:
                            w = min(w, 2.0)
                        if counts is primary and ph in fw.names:
                            n = named[ph]  # a family's name is its own, however many others use the word
                        else:
                            n = counts[ph] + (primary.get(ph, 0) if counts is support else 0)
                        scaled = w / math.sqrt(n)
                        entry = index.setdefault(ph, [])
                        for k, (n, old) in enumerate(entry):
                            if n == fw.name:
                                entry[k] = (n, max(old, scaled))
                                break
                        else:
                            entry.append((fw.name, scaled))
            squashed = []
            for fw in fams.values():
                for cw in fw.conventions:
                    for cs in cw.cues.values():
                        squashed.extend((c.squashed, fw.name, 0.7) for c in cs if len(c.squashed) >= 4)
                for pw in fw.params:
                    for cs in pw.cues.values():
                        squashed.extend((c.squashed, fw.name, 0.6) for c in cs if len(c.squashed) >= 4)
            longest = max((len(ph) for ph in index), default=1)
            names_index: dict[tuple[str, ...], list[str]] = {}
            for fw in fams.values():
                for ph in fw.names:
                    names_index.setdefault(ph, []).append(fw.name)
            _cached = Vocabulary(fams, index, squashed, longest, names_index)
    return _cached
