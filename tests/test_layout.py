"""The shape of the code: the web package has no import cycle (issue 12: web/api.py and web/views.py imported
each other), and the engine and the web UI name no family."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _web_imports() -> dict[str, set[str]]:
    """module -> the web modules it imports (at the top or inside a function)."""
    mods = {p.stem: p for p in (ROOT / "web").glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:
                    deps.add(node.module.split(".")[0])
                elif node.level == 1:
                    deps.update(a.name for a in node.names)
                elif node.level == 0 and node.module and node.module.startswith("web."):
                    deps.add(node.module.split(".")[1])
                elif node.level == 0 and node.module == "web":
                    deps.update(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name.split(".")[1] for a in node.names if a.name.startswith("web."))
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def test_no_two_web_modules_import_each_other():
    graph = _web_imports()
    pairs = sorted((a, b) for a, deps in graph.items() for b in deps if a < b and a in graph.get(b, ()))
    assert not pairs, f"web modules that import each other: {pairs}"


def test_web_imports_have_no_cycle():
    graph = _web_imports()
    graph.pop("__init__", None)  # the app factory imports the modules; none imports it back for its routes
    for deps in graph.values():
        deps.discard("__init__")
    seen: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state = seen.get(node)
        assert state != 1, f"import cycle in web/: {' -> '.join(path + [node])}"
        if state == 2:
            return
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, path + [node])
        seen[node] = 2

    for node in sorted(graph):
        visit(node, [])
