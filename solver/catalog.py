"""The family catalogue without importing any family (or SymPy): names and one-line summaries.

`stepwise list` and shell completion need only these, so they read each module's docstring from its
source with `ast` instead of importing it.
"""
from __future__ import annotations

import ast
import pkgutil


def names() -> list[str]:
    """Family names: the modules of `problems/` not starting with an underscore."""
    import problems

    return sorted(i.name for i in pkgutil.iter_modules(problems.__path__) if not i.name.startswith("_"))


def summaries() -> dict[str, str]:
    """name -> first line of the family module's docstring, read from the source."""
    import problems

    out = {}
    for info in sorted(pkgutil.iter_modules(problems.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        with open(f"{info.module_finder.path}/{info.name}.py", encoding="utf-8") as fh:
            doc = (ast.get_docstring(ast.parse(fh.read())) or "").strip()
        out[info.name] = doc.splitlines()[0] if doc else info.name
    return out
