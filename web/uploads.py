"""Data files for matrix and vector fields (issue 18 item 6): a CSV or NPY file uploaded once, kept on the
server under its content hash, and named in the problem's URL as `@upload:<id>`, so a 500 x 500 matrix
travels in links (switching a convention, checking, downloads, practice) as a few characters.

    read_upload(field, filename, data) -> ndarray   CSV (commas, semicolons, tabs or spaces) or NPY
                                                    (allow_pickle=False); bounded in bytes and entries;
                                                    every error an InvalidInput naming the field
    store(app, array) -> id                         saved as <id>.npy in UPLOAD_DIR (the oldest files past
                                                    UPLOAD_MAX_FILES removed); the same data, the same id
    resolve(app, params) -> params                  each `@upload:<id>` value replaced by its array

Files live on disk, not in one process's memory, so every worker of `stepwise serve --workers N` on a
host finds them. Nothing in a file is evaluated: CSV cells are read by float(), NPY by NumPy without pickle.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from typing import Any, Mapping

import numpy as np

from solver.params import InvalidInput

PREFIX = "@upload:"
_ID = re.compile(r"^[0-9a-f]{20}$")

#: Bytes of one uploaded file, and entries of the array it holds.
MAX_BYTES = 16 * 1024 * 1024
MAX_ENTRIES = 1_000_000


def upload_dir(app) -> str:
    path = app.config.get("UPLOAD_DIR") or os.path.join(tempfile.gettempdir(), f"stepwise-uploads-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def read_upload(field: str, filename: str, data: bytes) -> np.ndarray:
    """The array in an uploaded file (see the module docstring)."""
    if not data:
        raise InvalidInput(field, f"The file for '{field}' is empty.")
    if len(data) > MAX_BYTES:
        raise InvalidInput(field, f"The file for '{field}' is {len(data) / 1e6:.1f} MB; at most {MAX_BYTES // 2**20} MB "
                                  "is accepted. For larger data use the Python API.")
    name = (filename or "").lower()
    if data[:6] == b"\x93NUMPY" or name.endswith(".npy"):
        arr = _npy(field, data)
    elif name.endswith((".csv", ".txt", ".tsv")) or not name or "." not in name:
        arr = _csv(field, data)
    else:
        raise InvalidInput(field, f"The file for '{field}' must be a CSV file (.csv, numbers separated by commas) or "
                                  f"a NumPy .npy file. Got {os.path.basename(filename)[:60]!r}.")
    if arr.ndim == 0 or arr.ndim > 2:
        raise InvalidInput(field, f"The file for '{field}' must hold a vector or a matrix (1 or 2 dimensions). "
                                  f"Got {arr.ndim} dimensions.")
    if arr.size == 0:
        raise InvalidInput(field, f"The file for '{field}' holds no numbers.")
    if arr.size > MAX_ENTRIES:
        raise InvalidInput(field, f"The file for '{field}' holds {arr.size:,} numbers; at most {MAX_ENTRIES:,}.")
    if not np.all(np.isfinite(arr)):
        raise InvalidInput(field, f"The file for '{field}' holds a value that is not a finite number (nan or inf).")
    return arr


def _npy(field: str, data: bytes) -> np.ndarray:
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise InvalidInput(field, f"The file for '{field}' is not a readable .npy array ({str(e)[:120]}).") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise InvalidInput(field, f"The .npy file for '{field}' must hold numbers (integers or floats).")
    return arr.astype(float)


def _csv(field: str, data: bytes) -> np.ndarray:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(field, f"The file for '{field}' is not UTF-8 text (a CSV file) nor a .npy array.") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InvalidInput(field, f"The file for '{field}' holds no numbers.")
    sample = lines[0]
    delim = next((d for d in (",", ";", "\t") if d in sample), None)
    rows = []
    for n, line in enumerate(csv.reader(lines, delimiter=delim) if delim else (ln.split() for ln in lines), 1):
        cells = [c.strip() for c in line if c.strip() != ""] if delim is None else [c.strip() for c in line]
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            bad = next(c for c in cells if not _is_float(c))
            if n == 1 and rows == []:  # a header row of column names
                continue
            raise InvalidInput(field, f"The file for '{field}' has {bad[:30]!r} in row {n}, which is not a number.") from None
        if len(rows) > 1 and len(rows[-1]) != len(rows[0]):
            raise InvalidInput(field, f"The file for '{field}' has rows of different lengths: row {n} has "
                                      f"{len(rows[-1])} numbers, the first row {len(rows[0])}.")
        if len(rows) * len(rows[0]) > MAX_ENTRIES:
            raise InvalidInput(field, f"The file for '{field}' holds more than {MAX_ENTRIES:,} numbers.")
    if not rows or not rows[0]:
        raise InvalidInput(field, f"The file for '{field}' holds no numbers.")
    arr = np.array(rows, dtype=float)
    return arr[0] if arr.shape[0] == 1 else arr


def _is_float(c: str) -> bool:
    try:
        float(c)
        return True
    except ValueError:
        return False


def store(app, arr: np.ndarray) -> str:
    """Keep the array; its id (the same data always gets the same id)."""
    arr = np.ascontiguousarray(arr, dtype=float)
    digest = hashlib.sha256(repr(arr.shape).encode() + arr.tobytes()).hexdigest()[:20]
    path = upload_dir(app)
    target = os.path.join(path, digest + ".npy")
    if not os.path.exists(target):
        fd, tmp = tempfile.mkstemp(dir=path, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        os.replace(tmp, target)
        _prune(path, int(app.config.get("UPLOAD_MAX_FILES", 200)))
    else:
        os.utime(target)
    return digest


def _prune(path: str, keep: int) -> None:
    files = [os.path.join(path, f) for f in os.listdir(path) if f.endswith(".npy")]
    if len(files) <= keep:
        return
    files.sort(key=lambda f: os.path.getmtime(f))
    for f in files[: len(files) - keep]:
        try:
            os.remove(f)
        except OSError:
            pass


def is_upload(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith(PREFIX)


def resolve(app, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with each `@upload:<id>` replaced by the array it names."""
    out = dict(params)
    for name, value in params.items():
        if not is_upload(value):
            continue
        ident = value.strip()[len(PREFIX):]
        target = os.path.join(upload_dir(app), ident + ".npy")
        if not _ID.match(ident) or not os.path.exists(target):
            raise InvalidInput(name, f"The file uploaded for '{name}' is no longer on this server (uploads are kept "
                                     "for a while, not for ever). Upload it again with the form's file button.")
        out[name] = np.load(target, allow_pickle=False)
    return out


def describe(app, value: str) -> str:
    """'an uploaded 500 x 500 matrix' for an upload reference ('' when it cannot be read)."""
    try:
        arr = resolve(app, {"v": value})["v"]
    except InvalidInput:
        return ""
    if arr.ndim == 1:
        return f"an uploaded vector of {arr.shape[0]} entries"
    return f"an uploaded {arr.shape[0]} x {arr.shape[1]} matrix"
