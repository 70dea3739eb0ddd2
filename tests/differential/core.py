"""The machinery of the differential harness: instances, the three-way comparison, failure reports.

Nothing here knows a family. A family's reference (`Ref`, in the topic modules) says how to compute
its answers independently, which extra instances to try, which answers are defined up to sign, and
which tolerance an answer needs when float64 cannot do better than the default.

Comparison rule: |got - want| <= atol + rtol * max(|got|, |want|) entry by entry, with the default
rtol = 1e-9 and atol = 1e-12: far tighter than an exam's display precision, so a difference that a
user could see (a digit, a sign, a missing answer) is always caught, while float64 rounding is not.
"""
from __future__ import annotations

import contextlib
import copy
import itertools
import json
import math
import re
import signal
import threading
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from solver.params import InvalidInput

RTOL, ATOL = 1e-9, 1e-12

#: Values a mutation may put into a numeric entry of a generated instance (issue 13's edge values).
EDGE_VALUES = (0.0, 0.30000000000000004, 0.7999999999999999, 1e-8, -1e-8, 1e6, -1e6, 1e12, 0.1, 1 / 3, -2.5)


class Invalid(Exception):
    """Raised by a reference: this input is not a well-posed problem (both paths should reject it)."""


class Skip(Exception):
    """Raised by a reference: no independent value for this instance (counted, not compared)."""


@dataclass(frozen=True)
class Approx:
    """An expected value with its own tolerance (rtol, atol) instead of the answer's default."""

    value: Any
    rtol: float = RTOL
    atol: float = ATOL


@dataclass(frozen=True)
class Property:
    """An expected property instead of a value: check(got, answers) returns None when it holds, else a message.
    Used where the answer is not unique (eigenvectors of a repeated eigenvalue, completion vectors)."""

    check: Callable[[Any, Mapping[str, Any]], str | None]   # (the answer's value, all the path's answers)
    what: str


#: Key of an expected status ("solved", "undefined", ...) in a reference's result.
STATUS = "__status__"
#: Key set (True) in a reference's result when the input is legitimate: rejecting it is a disagreement.
ACCEPT = "__accept__"


@dataclass
class Ref:
    """A family's independent reference.

    expected(params, conventions) -> {answer name: value | Approx | Property}, computed from the textbook
        definition or by numpy/scipy/scikit-learn/sympy (never the family's own code). Raise Invalid for an
        input that is not well posed, Skip when there is no independent value. Answers not in the dict
        are still compared between the two paths.
    draw(rng) -> params: a random instance beyond the family's generator (other parameters, other sources).
    edges: hand-picked instances (params, or (params, conventions)): zeros, ties, 17-digit floats, ...
    signs: answer -> True (whole vector), "columns" or "rows": entries defined up to sign.
    sign_groups: answer -> group: answers whose sign flips go together (u_i with v_i).
    tol: answer -> (rtol, atol) or a callable(params) -> (rtol, atol) where float64 needs more room.
    source: where the reference comes from, in words (shown in reports).
    """

    expected: Callable[[Mapping[str, Any], Mapping[str, str]], dict]
    source: str
    draw: Callable[[np.random.Generator], dict] | None = None
    edges: tuple = ()
    signs: Mapping[str, Any] = field(default_factory=dict)
    sign_groups: Mapping[str, str] = field(default_factory=dict)
    tol: Mapping[str, Any] = field(default_factory=dict)
    #: the default tolerance of this family's answers (the harness default: RTOL, ATOL)
    rtol: float = RTOL
    atol: float = ATOL
    #: answers the numeric path leaves out by design (tables are always exact-only)
    exact_only: tuple[str, ...] = ()
    #: (params, conventions) -> answers that are not unique for this instance (eigenvectors of a repeated
    #: eigenvalue): the two paths may legitimately differ there, so only the reference's properties apply
    nonunique: Callable[[Mapping[str, Any], Mapping[str, str]], set] | None = None

    def tolerance(self, name: str, params) -> tuple[float, float]:
        t = self.tol.get(name)
        if t is None:
            return self.rtol, self.atol
        return t(params) if callable(t) else t


# ---- values --------------------------------------------------------------------------------------------
def plain(v: Any) -> Any:
    """A JSON answer value as Python numbers ("inf" -> inf), tuples and arrays as lists."""
    if isinstance(v, Approx):
        return Approx(plain(v.value), v.rtol, v.atol)
    if isinstance(v, np.ndarray):
        return plain(v.tolist())
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, str):
        if v in ("inf", "-inf", "nan"):
            return float(v)
        return v
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return v


def is_table(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(r, dict) for r in v)


def _num_close(a, b, rtol, atol) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if a is None or b is None:
        return a is b
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def close(got, want, rtol=RTOL, atol=ATOL) -> bool:
    """Entry by entry within tolerance; shapes must match (a scalar matches a one-entry list).
    An Approx entry inside `want` brings its own (looser) tolerance."""
    if isinstance(want, Approx):
        return close(got, want.value, max(rtol, want.rtol), max(atol, want.atol))
    if isinstance(want, list) or isinstance(got, list):
        g = got if isinstance(got, list) else [got]
        w = want if isinstance(want, list) else [want]
        if len(g) != len(w):
            if len(g) == 1 and isinstance(g[0], list):
                return close(g[0], w, rtol, atol)
            if len(w) == 1 and isinstance(w[0], list):
                return close(g, w[0], rtol, atol)
            return False
        return all(close(x, y, rtol, atol) for x, y in zip(g, w))
    return _num_close(got, want, rtol, atol)


def _neg(v):
    if isinstance(v, Approx):
        return Approx(_neg(v.value), v.rtol, v.atol)
    if isinstance(v, list):
        return [_neg(x) for x in v]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    return -v


def _as_matrix(v):
    if isinstance(v, list) and v and all(isinstance(r, list) for r in v):
        return v
    return None


def sign_choices(got, want, mode, rtol, atol) -> list[set[int]] | None:
    """Per flippable index (column, row, or the whole value), the signs under which got matches want;
    None when the shapes differ."""
    if mode is True or _as_matrix(want) is None:
        return [{s for s in (1, -1) if close(got if s == 1 else _neg(got), want, rtol, atol)}]
    gm = _as_matrix(got)
    if gm is None or len(gm) != len(want) or any(len(a) != len(b) for a, b in zip(gm, want)):
        return None
    if mode == "rows":
        return [{s for s in (1, -1) if close(g if s == 1 else _neg(g), w, rtol, atol)} for g, w in zip(gm, want)]
    cols_g = [list(c) for c in zip(*gm)]
    cols_w = [list(c) for c in zip(*want)]
    return [{s for s in (1, -1) if close(g if s == 1 else _neg(g), w, rtol, atol)} for g, w in zip(cols_g, cols_w)]


def brief(v: Any, limit: int = 300) -> str:
    text = json.dumps(v, default=str) if not isinstance(v, str) else repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- conventions and instances -------------------------------------------------------------------------
def convention_combos(fam) -> list[dict[str, str]]:
    names = [c.name for c in fam.conventions]
    opts = [list(c.options) for c in fam.conventions]
    return [dict(zip(names, combo)) for combo in itertools.product(*opts)] or [{}]


def numeric_leaves(v, path=()):
    """Paths to the numbers inside a raw parameter value (lists of numbers; strings are left alone)."""
    if isinstance(v, bool):
        return
    if isinstance(v, (int, float)):
        yield path
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from numeric_leaves(x, path + (i,))


def _set(v, path, new):
    if not path:
        return new
    v = copy.deepcopy(v)
    cur = v
    for i in path[:-1]:
        cur = cur[i]
    cur[path[-1]] = new
    return v


def _get(v, path):
    for i in path:
        v = v[i]
    return v


def mutate(params: dict, rng: np.random.Generator) -> dict:
    """One or two numeric entries of an instance replaced by an edge value or by a copy of another entry (a tie)."""
    out = copy.deepcopy(params)
    for _ in range(int(rng.integers(1, 3))):
        leaves = [(k, p) for k, v in out.items() for p in numeric_leaves(v)]
        data = [(k, p) for k, p in leaves if p]          # entries of vectors and matrices: the data
        if data and rng.random() < 0.8:
            leaves = data
        if not leaves:
            return out
        k, p = leaves[int(rng.integers(len(leaves)))]
        old = _get(out[k], p)
        if rng.random() < 0.3 and len(leaves) > 1:
            k2, p2 = leaves[int(rng.integers(len(leaves)))]
            new = _get(out[k2], p2)                      # an exact tie with another entry
        else:
            new = EDGE_VALUES[int(rng.integers(len(EDGE_VALUES)))]
            if isinstance(old, int) and not isinstance(old, bool) and float(new).is_integer():
                new = int(new)
        out[k] = _set(out[k], p, new)
    return out


# ---- reports ------------------------------------------------------------------------------------------
def call_text(family: str, params: Mapping[str, Any], conventions: Mapping[str, str], path: str) -> str:
    """A copy-pasteable solver.solve(...) call for the instance."""
    reserved = {"family", "conventions", "path", "precision"}
    conv = f", conventions={dict(conventions)!r}" if conventions else ""
    if any(k in reserved or not k.isidentifier() for k in params):
        args = f", **{dict(params)!r}"
    else:
        args = "".join(f", {k}={v!r}" for k, v in params.items())
    return f'solver.solve("{family}"{conv}, path="{path}"{args})'


@dataclass
class Disagreement:
    family: str
    kind: str            # "error", "status", "invalid", "missing", "value"
    answer: str          # the answer name ("" for the whole solution)
    between: str         # "exact vs numeric", "exact vs reference", ...
    params: dict
    conventions: dict
    path: str            # the path to run to see it
    detail: str
    error: str = ""      # exception type and message for kind "error"/"invalid"

    def call(self) -> str:
        return call_text(self.family, self.params, self.conventions, self.path)

    def text(self) -> str:
        what = f"answer {self.answer!r}" if self.answer else "the solution"
        return f"[{self.kind}] {what}, {self.between}: {self.detail}\n    {self.call()}"

    def to_json(self) -> dict:
        return {"family": self.family, "kind": self.kind, "answer": self.answer, "between": self.between,
                "conventions": self.conventions, "call": self.call(), "detail": self.detail, "error": self.error}


@dataclass
class Tally:
    instances: int = 0
    solves: int = 0
    checks: int = 0
    reference_answers: set = field(default_factory=set)
    seen_answers: set = field(default_factory=set)
    skipped: int = 0          # instances the reference had no value for
    fallbacks: int = 0        # exact path answered by the numeric path (time budget)
    rejected: int = 0         # instances both paths rejected as invalid
    unmatched: set = field(default_factory=set)   # reference answers no path gives (a naming slip in a reference)
    rejections: list = field(default_factory=list)  # a few of the rejected instances, for a look by hand


# ---- one instance under one convention combination -----------------------------------------------------
#: Wall-clock seconds a solve (or a reference) may take before the harness calls it a hang (a finding: bad
#: input must be answered in bounded time). Generous: CI machines are shared.
HANG_SECONDS = 120


class Hang(Exception):
    """A solve or a reference ran past HANG_SECONDS."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise Hang in this (main) thread after `seconds` of wall-clock time; a no-op elsewhere."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def fire(signum, frame):
        raise Hang(f"no answer after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _run(fam, params, conv, path):
    try:
        with deadline(HANG_SECONDS):
            return fam.solve(copy.deepcopy(params), dict(conv), path=path), None
    except InvalidInput as e:
        return None, e
    except Exception as e:  # noqa: BLE001 - an internal error is a finding, reported with its traceback tail
        tb = traceback.format_exception(type(e), e, e.__traceback__)
        e.stepwise_tb = "".join(tb[-3:])
        return None, e


def _err_text(e: BaseException) -> str:
    msg = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {msg[:300]}"


def check_instance(fam, ref: Ref, params: dict, conv: dict, tally: Tally) -> list[Disagreement]:
    """Solve on both paths, compute the reference, compare all three. Returns the disagreements."""
    name = fam.name
    out: list[Disagreement] = []

    def report(kind, answer, between, path, detail, error=""):
        out.append(Disagreement(name, kind, answer, between, copy.deepcopy(params), dict(conv), path, detail, error))

    tally.instances += 1
    exact, e_err = _run(fam, params, conv, "exact")
    numeric, n_err = _run(fam, params, conv, "numeric")
    tally.solves += 2
    both_rejected = isinstance(e_err, InvalidInput) and isinstance(n_err, InvalidInput)
    want, r_err = None, None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings(), deadline(HANG_SECONDS):
            warnings.simplefilter("ignore")
            want = ref.expected(copy.deepcopy(params), dict(conv))
    except Invalid as e:
        r_err = e
    except Skip:
        tally.skipped += 1
    except Exception as e:  # noqa: BLE001 - a reference that breaks is the harness's own bug: reported, not hidden
        if not both_rejected:
            report("reference", "", "reference", "exact", f"the reference raised {_err_text(e)}\n"
                   + "".join(traceback.format_exception(type(e), e, e.__traceback__)[-3:]))
            return out

    for path, err in (("exact", e_err), ("numeric", n_err)):
        if err is not None and not isinstance(err, InvalidInput):
            report("error", "", f"{path} path", path, f"internal error {_err_text(err)}\n{getattr(err, 'stepwise_tb', '')}",
                   error=_err_text(err))
    if any(err is not None and not isinstance(err, InvalidInput) for err in (e_err, n_err)):
        return out
    if e_err is not None or n_err is not None:
        if e_err is not None and n_err is not None:
            tally.rejected += 1
            if len(tally.rejections) < 50:
                tally.rejections.append((call_text(name, params, conv, "exact"), _err_text(e_err)))
            if want is not None and want.get(ACCEPT):
                report("invalid", "", "both paths vs reference", "exact",
                       f"both paths reject the input ({_err_text(e_err)}), but it is legitimate: the reference "
                       f"computes {brief({k: v for k, v in want.items() if not isinstance(v, Property) and not k.startswith('__')}, 200)}",
                       error=_err_text(e_err))
            return out
        bad, path = (e_err, "exact") if e_err is not None else (n_err, "numeric")
        report("invalid", "", "exact vs numeric", path, f"only the {path} path rejects the input: {_err_text(bad)}",
               error=_err_text(bad))
        return out
    if r_err is not None:
        report("invalid", "", "paths vs reference", "exact",
               f"both paths solve it (status {exact.status}), but the reference says it is not well posed: {r_err}")
        return out

    if exact.path != "exact":
        tally.fallbacks += 1
    if exact.status != numeric.status:
        report("status", "", "exact vs numeric", "numeric", f"exact status {exact.status!r}, numeric {numeric.status!r}")
    for label, sol in (("exact", exact), ("numeric", numeric)):
        if want is not None and STATUS in want and want[STATUS] != sol.status:
            report("status", "", f"{label} vs reference", label, f"status {sol.status!r}, the reference gives {want[STATUS]!r}")

    ea = {k: plain(a.value) for k, a in exact.answers.items()}
    na = {k: plain(a.value) for k, a in numeric.answers.items()}
    tally.seen_answers |= set(ea) | set(na)
    if exact.status == numeric.status:
        st = f"; both paths: status {exact.status}"
        for k in sorted(set(ea) - set(na)):
            if not is_table(ea[k]) and k not in ref.exact_only:
                report("missing", k, "exact vs numeric", "numeric",
                       f"the numeric path leaves out {k!r} (exact: {brief(ea[k], 160)}{st})")
        for k in sorted(set(na) - set(ea)):
            report("missing", k, "exact vs numeric", "exact", f"the exact path leaves out {k!r} (numeric: {brief(na[k], 160)}{st})")

    # exact vs numeric on every shared answer (but those this instance leaves open: the properties check them)
    open_ = ref.nonunique(params, conv) if ref.nonunique else set()
    shared = sorted((set(ea) & set(na)) - set(open_))
    # where the reference allows for the instance's conditioning (an Approx), the paths may differ by as much
    room = {k: want[k] for k in shared if want is not None and isinstance(want.get(k), Approx)}
    between = {k: Approx(na[k], room[k].rtol, room[k].atol) if k in room else na[k] for k in shared}
    for k, msg in _compare_set(ref, params, {k: ea[k] for k in shared}, between, tally):
        report("value", k, "exact vs numeric", "numeric", f"exact {brief(ea[k])}; numeric {brief(na[k])}{msg}")

    if want is None:
        return out
    expected = {k: (v if isinstance(v, Property) else plain(v)) for k, v in want.items() if not k.startswith("__")}
    tally.reference_answers |= set(expected) & (set(ea) | set(na))
    tally.unmatched |= set(expected) - set(ea) - set(na)
    for label, got, sol in (("exact", ea, exact), ("numeric", na, numeric)):
        if sol.status != "solved":
            continue  # a status disagreement is reported above; the values of an unsolved problem are moot
        present = {k: v for k, v in expected.items() if k in got}
        for k, prop in present.items():
            if isinstance(prop, Property):
                tally.checks += 1
                msg = prop.check(got[k], got)
                if msg:
                    report("value", k, f"{label} vs reference", label, f"{label} {brief(got[k])} fails: {prop.what}: {msg}")
            elif is_table(prop):
                for msg in _compare_table(got[k], prop, ref, params, tally):
                    report("value", k, f"{label} vs reference", label, msg)
        values = {k: v for k, v in present.items() if not isinstance(v, Property) and not is_table(v)}
        for k, msg in _compare_set(ref, params, {k: got[k] for k in values}, values, tally):
            w = values[k].value if isinstance(values[k], Approx) else values[k]
            report("value", k, f"{label} vs reference", label, f"{label} {brief(got[k])}; reference {brief(w)}{msg}")
    return out


def _compare_set(ref: Ref, params, got: dict, want: dict, tally: Tally) -> list[tuple[str, str]]:
    """Compare answers (want may hold Approx values); sign-grouped answers must flip together."""
    bad: list[tuple[str, str]] = []
    choices: dict[str, list[set[int]]] = {}
    for k in sorted(want):
        w = want[k]
        rtol, atol = ref.tolerance(k, params)
        if isinstance(w, Approx):
            rtol, atol, w = max(rtol, w.rtol), max(atol, w.atol), w.value
        if is_table(w) or is_table(got[k]):
            continue
        tally.checks += 1
        mode = ref.signs.get(k)
        if not mode:
            if not close(got[k], w, rtol, atol):
                bad.append((k, _worst(got[k], w)))
            continue
        ch = sign_choices(got[k], w, mode, rtol, atol)
        if ch is None or not all(ch):
            bad.append((k, " (compared up to sign)" + _worst(got[k], w)))
        else:
            choices[k] = ch
    by_group: dict[str, list[str]] = {}
    for k in choices:
        g = ref.sign_groups.get(k)
        if g:
            by_group.setdefault(g, []).append(k)
    for g, names in by_group.items():
        n = min(len(choices[k]) for k in names)
        for j in range(n):
            common = set.intersection(*(choices[k][j] for k in names))
            if not common:
                for k in names:
                    bad.append((k, f" (index {j} flips sign in {' but not in '.join(names)}: the pair must flip together)"))
                break
    return bad


def _worst(got, want) -> str:
    try:
        g = np.asarray(got, dtype=float).ravel()
        w = np.asarray(want, dtype=float).ravel()
        if g.shape != w.shape:
            return f" (shapes differ: {np.shape(got)} vs {np.shape(want)})"
        with np.errstate(all="ignore"):
            d = np.abs(g - w)
            d[np.isnan(d)] = 0.0
            i = int(np.argmax(d))
            rel = d[i] / max(abs(g[i]), abs(w[i]), 1e-300)
        return f" (largest difference {d[i]:.3g}, relative {rel:.3g}, at entry {i})"
    except (TypeError, ValueError):
        return ""


def _compare_table(got, rows: list[dict], ref: Ref, params, tally: Tally) -> Iterable[str]:
    """A trace: the same number of rows, and each key the reference gives agrees row by row."""
    if not is_table(got) or len(got) != len(rows):
        yield f"has {len(got) if isinstance(got, list) else 'no'} rows; the reference has {len(rows)}"
        return
    for i, (g, w) in enumerate(zip(got, rows)):
        for k, wv in w.items():
            if k not in g:
                continue
            tally.checks += 1
            rtol, atol = ref.tolerance(k, params)
            if isinstance(wv, Approx):
                rtol, atol, wv = max(rtol, wv.rtol), max(atol, wv.atol), wv.value
            if not close(plain(g[k]), plain(wv), rtol, atol):
                yield f"row {i + 1}, {k}: path {brief(plain(g[k]), 120)}; reference {brief(plain(wv), 120)}"


# ---- raw values as a user types them, read without solver.parse (a reference shares no code) ----------
_NUM = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:/\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?\s*$")


def num(v) -> float:
    """A number typed as 0.1, '1/3', '1e-8', '−2' or given as int/float."""
    if isinstance(v, bool):
        raise Invalid(f"expected a number, got {v!r}")
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        m = _NUM.match(v.replace("\u2212", "-"))
        if m:
            a = float(m.group(1))
            return a / float(m.group(2)) if m.group(2) else a
    raise Invalid(f"expected a number, got {v!r}")


def _split_items(text: str) -> list[str]:
    return [s for s in re.split(r"[\s,]+", text.strip()) if s]


def array(v) -> list:
    """A vector or matrix typed as [1, 2], '1 2', '(-1,2), (0,-1)', '1 2; 3 4' or nested lists."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [array(x) if isinstance(x, (list, tuple, np.ndarray)) else num(x) for x in v]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return [float(v)]
    if not isinstance(v, str):
        raise Invalid(f"expected numbers, got {v!r}")
    text = v.strip()
    if text.startswith("[") or text.startswith("("):
        rows = re.findall(r"[\[(]([^\[\]()]*)[\])]", text)
        nested = text.count("[") + text.count("(") > 1 or ";" in text
        if text.startswith("[[") or text.startswith("((") or (text.startswith("(") and len(rows) > 1):
            return [[num(x) for x in _split_items(r)] for r in rows]
        if nested and len(rows) > 1:
            return [[num(x) for x in _split_items(r)] for r in rows]
        return [num(x) for x in _split_items(rows[0] if rows else text.strip("[]()"))]
    if ";" in text or "\n" in text:
        return [[num(x) for x in _split_items(r)] for r in re.split(r"[;\n]", text) if r.strip()]
    return [num(x) for x in _split_items(text)]


def vector(v) -> list[float]:
    a = array(v)
    if a and isinstance(a[0], list):
        if len(a) == 1:
            return a[0]
        if all(len(r) == 1 for r in a):
            return [r[0] for r in a]
        raise Invalid("expected a vector")
    return a


def matrix(v) -> list[list[float]]:
    """A matrix; a flat list is one row."""
    a = array(v)
    if a and not isinstance(a[0], list):
        return [a]
    return a


def named(v) -> dict[str, float] | None:
    """Named values 'w=2.5, b=0' (or a dict); None when v is not named."""
    if isinstance(v, Mapping):
        return {str(k): num(x) for k, x in v.items()}
    if isinstance(v, str) and "=" in v:
        out = {}
        for part in re.split(r"[,;\n]", v):
            if part.strip():
                k, _, x = part.partition("=")
                out[k.strip()] = num(x.strip())
        return out
    return None


def boolean(v) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return v.strip().lower() in ("true", "yes", "1")
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    raise Invalid(f"expected true or false, got {v!r}")


def get(params: Mapping[str, Any], name: str, default=None, conv=num):
    """A parameter read with `conv`, or the default when it is absent."""
    v = params.get(name)
    if v is None:
        return default
    return conv(v)


def unwrap(v):
    """A reference value without its Approx wrappers (for comparing a reference with a fixture)."""
    if isinstance(v, Approx):
        return unwrap(v.value)
    if isinstance(v, (list, tuple)):
        return [unwrap(x) for x in v]
    return v
