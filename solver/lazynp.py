"""NumPy, imported when first used: `from solver.lazynp import np` in the modules that a hand-sized exact solve
loads (the command line's `stepwise solve` starts about 50 ms sooner, a sixth of SymPy's own import; issue 19).

`np.<name>` imports NumPy on first use and is then NumPy's own attribute (kept on the proxy: the next look-up is
an instance attribute). The exception is a type checked before anything has loaded NumPy (`isinstance(x,
np.ndarray)`, `type(x) is np.float64`): with NumPy not imported no value can be a NumPy array or scalar, so the
check gets a stand-in type that nothing is an instance of, and NumPy stays unloaded. Calling the stand-in
(`np.float64(1.5)`) imports NumPy and gives NumPy's value. Nothing is cached while NumPy is absent.
"""
from __future__ import annotations

import importlib
import sys

#: The names used as types in checks (isinstance, type(x) is ...) before any NumPy value can exist.
_TYPES = frozenset({"ndarray", "generic", "number", "integer", "signedinteger", "unsignedinteger", "floating",
                    "complexfloating", "bool_", "float64", "float32", "int64", "int32"})


def _absent(name: str) -> type:
    def __new__(cls, *args, **kwargs):  # a call constructs NumPy's own value (and loads NumPy)
        return getattr(importlib.import_module("numpy"), name)(*args, **kwargs)
    return type(f"numpy.{name} (not loaded)", (), {"__new__": __new__, "__slots__": ()})


_ABSENT = {name: _absent(name) for name in _TYPES}


class _LazyNumpy:
    """The `numpy` module, imported on first use (see the module's docstring)."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        mod = sys.modules.get("numpy")
        if mod is None:
            if name in _ABSENT:
                return _ABSENT[name]
            mod = importlib.import_module("numpy")
        value = getattr(mod, name)
        setattr(self, name, value)  # NumPy is loaded: later look-ups find it without __getattr__
        return value

    def __repr__(self) -> str:
        return "<numpy, imported on first use>" if "numpy" not in sys.modules else repr(sys.modules["numpy"])


np = _LazyNumpy()
