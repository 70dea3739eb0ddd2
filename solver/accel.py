"""The switch for the optional accelerators (Numba's compiled loops in problems/_optim/accel.py, SciPy's LAPACK in
problems/_eigh.py): STEPWISE_ACCEL=numpy in the environment (or off, 0, no, false) runs the NumPy paths only, as a
deployment without them does. Imports nothing."""
from __future__ import annotations

import os

ENV = "STEPWISE_ACCEL"


def switched_off() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("numpy", "off", "0", "no", "false")
