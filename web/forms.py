"""The glue between HTTP and the registry: problem text from a query, form models from parameter specs.

A problem travels in the URL so that a solution can be bookmarked: `p.<param>=<text>` for each
parameter and `c.<convention>=<choice>` for each convention (empty values mean "the default").
`precision=5dp` (or `4sf`) asks for every number to 5 decimal places (4 significant figures) and checks
answers to that precision (empty: the default, 4 decimal places).
The form is generated from each Param's schema (label, help, accepted values, default) and each
Convention's options and sentences. No family is named here.

A parameter whose spec is a Group (a list of items of a few fields each, such as a network's layers)
shows one small set of fields per item, `p.<param>.<k>.<field>`, which the problem joins back into the
parameter's text; the form grows or shrinks an item at a time by submitting itself with `add=<param>`
or `remove=<param>` (plain buttons: no JavaScript needed).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from solver import registry
from solver.numbers import MAX_DP, MAX_SIG, Precision, precision_from, precision_text
from solver.params import InvalidInput, join_group_texts, split_group_text

PARAM_PREFIX = "p."
CONV_PREFIX = "c."
ANSWER_PREFIX = "a."
PRECISION_KEY = "precision"

#: How to enter data too large for a web form (said wherever a size limit is met).
LARGE_INPUT = ("For large data use the JSON API (POST /api/solve, which takes up to 1 MB) or the command line "
               "(stepwise solve FAMILY -p name=value).")


@dataclass
class Problem:
    """The raw text of a problem as typed: parameters and conventions (empty text = default)."""

    params: dict[str, str] = field(default_factory=dict)
    conventions: dict[str, str] = field(default_factory=dict)
    precision: str = ""  # as typed: "5dp", "4sf", "" (the default)

    @classmethod
    def from_args(cls, args: Mapping[str, str], max_chars: int) -> "Problem":
        params: dict[str, str] = {}
        conventions: dict[str, str] = {}
        groups: dict[str, dict[int, dict[str, str]]] = {}
        too_long: InvalidInput | None = None  # raised once everything typed is read, so the form can keep it
        for key, value in args.items():
            if key.startswith(PARAM_PREFIX) and key.count(".") == 3:  # p.<group>.<item>.<field>
                name, k, part = key[len(PARAM_PREFIX):].split(".")
                if not k.isdigit() or not 0 < int(k) <= MAX_GROUP_ITEMS:
                    continue
                if len(value) > max_chars and too_long is None:
                    too_long = InvalidInput(name, f"The '{name}' parameter is too long for the web form ({len(value)} "
                                                  f"characters; at most {max_chars}). {LARGE_INPUT}")
                groups.setdefault(name, {}).setdefault(int(k), {})[part] = value
                continue
            if key.startswith(PARAM_PREFIX):
                name, target, what = key[len(PARAM_PREFIX):], params, "parameter"
            elif key.startswith(CONV_PREFIX):
                name, target, what = key[len(CONV_PREFIX):], conventions, "convention"
            else:
                continue
            if len(value) > max_chars and too_long is None:
                too_long = InvalidInput(name, f"The '{name}' {what} is too long for the web form ({len(value)} "
                                              f"characters; at most {max_chars}). {LARGE_INPUT}")
            target[name] = value
        for name, items in groups.items():  # the fields of a group's items, joined into the group's text
            params[name] = join_group_texts(items[k] for k in sorted(items))
        problem = cls(params, conventions, str(args.get(PRECISION_KEY, ""))[:80])
        if too_long is not None:
            too_long.problem = problem  # what was typed, for the form shown with the message
            raise too_long
        return problem

    def given_params(self) -> dict[str, str]:
        return {k: v for k, v in self.params.items() if v.strip()}

    def given_conventions(self) -> dict[str, str]:
        return {k: v for k, v in self.conventions.items() if v.strip()}

    def given_precision(self) -> Precision | None:
        """The precision asked for (None: the default); InvalidInput naming 'precision' when unreadable."""
        return precision_from(self.precision, PRECISION_KEY)

    def query(self, **conventions: str) -> dict[str, str]:
        """URL query arguments for this problem (empty values dropped), with conventions overridden."""
        q = {PARAM_PREFIX + k: v for k, v in self.given_params().items()}
        conv = {**self.given_conventions(), **conventions}
        q.update({CONV_PREFIX + k: v for k, v in conv.items() if v})
        if self.precision.strip():
            try:
                q[PRECISION_KEY] = precision_text(self.given_precision())
            except InvalidInput:
                q[PRECISION_KEY] = self.precision
        return q


def as_text(param, raw: Any) -> str:
    """A raw value (from an example or a generator) as a user would type it into the form."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    try:
        return param.spec.to_text(param.spec.parse(raw))
    except Exception:  # an odd raw value: show it as is, validation will explain
        return str(raw)


#: A group parameter shows at most this many items in the form.
MAX_GROUP_ITEMS = 50


@dataclass
class Field:
    name: str
    label: str
    help: str
    kind: str
    accepts: str
    default: str
    required: bool
    value: str
    options: dict[str, str] = field(default_factory=dict)
    error: str = ""
    #: for a group: its items' fields, one list per item (None when the text cannot be split: a plain text area)
    items: list[list["Field"]] | None = None
    item: str = ""
    min_items: int = 0
    max_items: int = 0
    evidence: str = ""  # filled from a pasted question: the words the value came from
    missing: bool = False  # the pasted question does not give this required field
    upload: str = ""  # "an uploaded 500 x 500 matrix" when the value names an uploaded file (web.uploads)

    @property
    def input_name(self) -> str:
        return PARAM_PREFIX + self.name

    @property
    def html_id(self) -> str:
        return "p-" + self.name.replace(".", "-")

    @property
    def short_name(self) -> str:
        """The name a user types: W for the field `layers.2.W` of a group's item."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def multiline(self) -> bool:
        return self.kind in ("matrix", "group")


@dataclass
class ConventionField:
    name: str
    title: str
    options: dict[str, str]
    default: str
    why_default: str
    value: str
    error: str = ""
    evidence: str = ""

    @property
    def input_name(self) -> str:
        return CONV_PREFIX + self.name

    @property
    def html_id(self) -> str:
        return "c-" + self.name


@dataclass
class Form:
    family: Any
    fields: list[Field]
    conventions: list[ConventionField]
    error: str = ""  # an error that belongs to no single field
    loaded: str = ""  # what filled the form: "example", "seed", "reading" or ""
    seed: int | None = None
    reading: Any = None  # the pasted question's reading (solver.reading.Reading) when loaded == "reading"
    question: str = ""
    precision: str = ""  # "5dp", "4sf" or "" (the default)
    precision_error: str = ""

    @property
    def precision_options(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """The precision menu: (group label, group, [(value, label)]); a typed value outside it is kept."""
        dp = [(f"{n}dp", f"{n} decimal place{'' if n == 1 else 's'}") for n in range(MAX_DP + 1)]
        sig = [(f"{n}sf", f"{n} significant figure{'' if n == 1 else 's'}") for n in range(1, MAX_SIG + 1)]
        return [("Decimal places", "dp", dp), ("Significant figures", "sf", sig)]

    @property
    def has_errors(self) -> bool:
        return bool(self.error or self.precision_error or any(f.error for f in self.fields)
                    or any(c.error for c in self.conventions))


def _field(name: str, schema: dict, value: str | None, fill_defaults: bool) -> Field:
    default = schema.get("default") or ""
    if value is None:
        value = default if fill_defaults else ""
    return Field(name, schema.get("label") or schema.get("name") or name, schema.get("help") or "",
                 schema.get("type", "value"), schema.get("accepts", ""), default, bool(schema.get("required")), value,
                 dict(schema.get("options") or {}))


def _group_items(f: Field, schema: dict, add: bool, remove: bool) -> None:
    """Split a group field's text into one set of sub-fields per item (grown or shrunk by one on request)."""
    texts = split_group_text(f.value)
    f.item, f.min_items = schema.get("item") or "item", int(schema.get("min_items") or 0)
    f.max_items = min(int(schema.get("max_items") or MAX_GROUP_ITEMS), MAX_GROUP_ITEMS)
    if texts is None or len(texts) > f.max_items:
        return  # not in the one-item-per-line form: shown as typed, in one text area
    count = max(len(texts), f.min_items, 1)
    if add and count < f.max_items:
        count += 1
    if remove and count > max(f.min_items, 1):
        count -= 1
    subs = schema.get("fields") or []
    f.items = []
    for k in range(1, count + 1):
        typed = texts[k - 1] if k <= len(texts) else {}
        lower = {str(key).lower(): v for key, v in typed.items()}
        f.items.append([_field(f"{f.name}.{k}.{sub['name']}", sub, lower.get(sub["name"].lower()), True) for sub in subs])


def build_form(family, problem: Problem | None = None, *, fill_defaults: bool = True, add: str = "",
               remove: str = "") -> Form:
    """The form for a family, filled from `problem` (user text) or with the defaults; `add` (`remove`) names a group
    parameter to show with one item more (fewer)."""
    problem = problem or Problem()
    fields = []
    for p in family.params:
        schema = p.schema()
        f = _field(p.name, schema, problem.params.get(p.name), fill_defaults)
        if f.kind == "group":
            _group_items(f, schema, add == p.name, remove == p.name)
        fields.append(f)
    convs = []
    for c in family.conventions:
        raw = problem.conventions.get(c.name, "")
        try:
            value = c.choose(raw) if raw.strip() else c.default
        except InvalidInput:
            value = c.default
        convs.append(ConventionField(c.name, c.title, dict(c.options), c.default, c.why_default, value))
    form = Form(family, fields, convs)
    try:
        form.precision = precision_text(problem.given_precision())
    except InvalidInput as e:
        form.precision, form.precision_error = problem.precision, e.message
    return form


def attach_error(form: Form, err: InvalidInput) -> Form:
    """Put the message next to the field it names, or at the top when it names none of them."""
    for f in form.fields:
        if f.name == err.field:
            f.error = err.message
            return form
    for c in form.conventions:
        if c.name == err.field:
            c.error = err.message
            return form
    if err.field == PRECISION_KEY:
        form.precision_error = err.message
        return form
    form.error = err.message
    return form


def reading_form(family, reading, question: str) -> Form:
    """The family's form filled from a pasted question: each filled field marked with the words it came from,
    each required field the question does not give marked missing; the first part of a question in parts."""
    params = dict(reading.params)
    for part in reading.parts[:1]:
        params.update(part.get("params", {}))
    from solver.reading.ask import precision_of

    form = build_form(family, Problem(params, dict(reading.convention_choices),
                                      precision_text(precision_of(reading))))
    for f in form.fields:
        got = reading.fields.get(f.name)
        if got is not None:
            f.evidence = got.quote
        elif reading.parts and f.name in reading.parts[0].get("params", {}):
            f.evidence = reading.parts[0].get("quote", "")
        if f.name in reading.missing:
            f.missing = True
        if f.name in reading.invalid:
            f.error = reading.invalid[f.name]
    for c in form.conventions:
        got = reading.conventions.get(c.name)
        if got is not None:
            c.evidence = got.quote
    form.loaded, form.reading, form.question = "reading", reading, question
    return form


def example_problem(family) -> Problem:
    ex = family.example
    params = {}
    for p in family.params:
        if p.name in ex.params:
            params[p.name] = as_text(p, ex.params[p.name])
    return Problem(params, {k: str(v) for k, v in ex.conventions.items()})


def generated_problem(family, seed: int) -> Problem:
    raw = family.generate(seed)
    params = {}
    for p in family.params:
        if p.name in raw:
            params[p.name] = as_text(p, raw[p.name])
    return Problem(params, {})


MAX_SEED = 2**31 - 1


def new_seed() -> int:
    return random.SystemRandom().randrange(1, 1_000_000)


def parse_seed(text: str | None) -> int:
    try:
        seed = int(str(text).strip())
    except (TypeError, ValueError):
        raise InvalidInput("seed", f"The seed must be a whole number from 0 to {MAX_SEED}. Got {str(text)[:40]!r} instead.") from None
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput("seed", f"The seed must be a whole number from 0 to {MAX_SEED}. Got {seed} instead.")
    return seed


# ---- the home page catalogue ------------------------------------------------------------------------

@dataclass
class Entry:
    name: str
    title: str
    summary: str
    topic: str
    search: str


def catalogue() -> tuple[list[Entry], list[str]]:
    """Every family that loads (and the names of those that do not, which the log explains)."""
    import logging

    entries, broken = [], []
    for name in registry.names():
        try:
            f = registry.get(name)
            text = " ".join([f.name, f.name.replace("_", " "), f.title, f.summary, registry.TOPICS.get(f.topic, ""),
                             *f.keywords])
            entries.append(Entry(f.name, f.title, f.summary, f.topic, text.casefold()))
        except Exception:
            logging.getLogger("web").exception("family %s failed to load", name)
            broken.append(name)
    return entries, broken


def matches(entry: Entry, query: str) -> bool:
    return all(term in entry.search for term in query.casefold().split())


def grouped(entries: Iterable[Entry]) -> list[tuple[str, str, list[Entry]]]:
    """(topic, topic title, entries) in the order of registry.TOPICS, empty topics dropped."""
    out = []
    entries = list(entries)
    for key, title in registry.TOPICS.items():
        items = sorted((e for e in entries if e.topic == key), key=lambda e: e.title.casefold())
        if items:
            out.append((key, title, items))
    return out
