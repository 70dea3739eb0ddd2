"""Nothing a user sees names our internals (issue 18 item 1): no "notes 000", no worked-example ids ("WE-nag-1"),
no module names. Checked over everything a family declares for users (labels, help, choice and convention texts,
sources, paper instructions, the worked example's source) and over its worked example's solution in every
renderer, so a new family or a new text is held to it without a test of its own."""
from __future__ import annotations

import re

import pytest

from solver import registry
from solver.render import render

INTERNAL = re.compile(r"\bnotes 0\d\d\b|\bWE-[a-z0-9]|\bproblems[./]_?[a-z]|\bsolver\.[a-z_]+\.|\b_optim\b|\b_nets\b|"
                      r"\b_linalg\b|\b_layers\b|\b_info\b")


def _declared_texts(fam):
    yield "label", fam.label if hasattr(fam, "label") else ""
    yield "description (the About panel)", fam.description
    for p in fam.params:
        yield f"param {p.name} label", p.label
        yield f"param {p.name} help", p.help
        for opt, text in (getattr(p.spec, "options", None) or {}).items():
            yield f"param {p.name} option {opt}", text if isinstance(text, str) else ""
    for c in fam.conventions:
        yield f"convention {c.name} title", c.title
        yield f"convention {c.name} why_default", c.why_default
        for group in ("options", "sources", "paper"):
            for opt, text in (getattr(c, group) or {}).items():
                yield f"convention {c.name} {group} {opt}", text
    if fam.example is not None:
        yield "example source", fam.example.source or ""


@pytest.mark.parametrize("name", registry.names())
def test_declared_texts_name_no_internals(name):
    fam = registry.get(name)
    bad = [(where, text) for where, text in _declared_texts(fam) if isinstance(text, str) and INTERNAL.search(text)]
    assert not bad, f"{name}: " + "; ".join(f"{w}: {t!r}" for w, t in bad)


@pytest.mark.parametrize("name", registry.names())
def test_worked_example_solution_names_no_internals(name):
    fam = registry.get(name)
    if fam.example is None:
        pytest.skip("no worked example")
    sol = fam.solve(dict(fam.example.params), dict(getattr(fam.example, "conventions", None) or {}))
    for fmt in ("text", "markdown", "latex"):
        out = render(sol, fmt)
        m = INTERNAL.search(out)
        assert m is None, f"{name} ({fmt}): {out[max(0, m.start() - 80):m.end() + 80]!r}"
