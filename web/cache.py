"""A small LRU cache of Solutions, per application.

A solution is a pure function of (family, parameter text, convention choices, path, precision) and is immutable,
so one computed solution serves the page, its downloads, its "check my answer" posts and every
convention switch back and forth. Invalid input is never cached (it raises each time, cheaply).
Large inputs are not cached, so the cache stays small: SOLUTION_CACHE_SIZE entries (0 disables it).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, Callable, Mapping

from solver.numbers import Precision, precision_text
from solver.steps import Solution

#: Inputs longer than this (characters of JSON) are solved every time rather than kept.
MAX_KEY_CHARS = 20_000


class SolutionCache:
    def __init__(self, size: int):
        self.size = max(0, int(size))
        self._data: OrderedDict[str, Solution] = OrderedDict()
        self._fragments: OrderedDict[int, tuple[Solution, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def solve(self, family, params: Mapping[str, Any], conventions: Mapping[str, str], path: str = "auto",
              precision: Precision | None = None, *, key_params: Mapping[str, str] | None = None) -> Solution:
        """The solution, from the cache when it is there. `key_params`: the parameters' text that stands for
        `params` in the key (an uploaded file's `@upload:<id>` for its array: web.uploads)."""
        def run() -> Solution:
            return family.solve(params, conventions, path=path, precision=precision)

        if not self.size:
            return run()
        try:
            key = json.dumps([family.name, params if key_params is None else key_params, conventions, path,
                              precision_text(precision)], sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):  # values JSON cannot hold (only through the Python API): no caching
            return run()
        if len(key) > MAX_KEY_CHARS:
            return run()
        with self._lock:
            sol = self._data.get(key)
            if sol is not None:
                self._data.move_to_end(key)
                self.hits += 1
                return sol
            self.misses += 1
        sol = run()
        with self._lock:
            self._data[key] = sol
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return sol

    def fragment(self, sol: Solution, key: str, make: Callable[[], Any]) -> Any:
        """Something derived from a cached solution (its rendered steps, its LaTeX), made once per solution."""
        if not self.size:
            return make()
        with self._lock:
            entry = self._fragments.get(id(sol))
            if entry is not None and entry[0] is sol and key in entry[1]:
                self._fragments.move_to_end(id(sol))
                return entry[1][key]
        value = make()
        with self._lock:
            entry = self._fragments.get(id(sol))
            if entry is None or entry[0] is not sol:
                entry = self._fragments[id(sol)] = (sol, {})  # holding sol keeps its id from being reused
            entry[1][key] = value
            self._fragments.move_to_end(id(sol))
            while len(self._fragments) > self.size:
                self._fragments.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._fragments.clear()


def get_cache(app) -> SolutionCache:
    cache = app.extensions.get("stepwise_solutions")
    if cache is None:
        cache = app.extensions["stepwise_solutions"] = SolutionCache(app.config.get("SOLUTION_CACHE_SIZE", 0))
    return cache
