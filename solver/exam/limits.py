"""Limits checked on an exam file's raw text before any TOML or JSON parser sees it.

Why before: Python's parsers are not safe on hostile input of modest size. tomllib is quadratic in the
parts of a dotted key (a 100 KB key of 50,000 parts took 60 s and 9.7 GB), and both tomllib and json
recurse once per level of nesting, so a few hundred `[` raise RecursionError. A limit applied to the
parsed result comes too late; these checks read the text once, in linear time and constant memory,
and refuse with an InvalidInput naming the limit (HTTP 400 in the web, exit status 2 on the command
line).

    check_toml(text)   exam files (`stepwise exam FILE`, uploads, the store)
    check_json(text)   JSON the exam builder reads (a problem carried in a form, a backup)

The scanner knows each format's strings (TOML's four kinds, with escapes and multi-line delimiters;
JSON's one) and comments, so brackets, dots and `=` inside a string or comment are not counted.
Where the scanner and the parser could disagree the text is invalid anyway, and the parser stops
at that point, never past it: both read from the start.
"""
from __future__ import annotations

import re

from ..params import InvalidInput

#: Bytes (UTF-8) of one exam file. The biggest example is 1.5 KB; a hundred problems with large
#: matrices typed in full stay well under this.
MAX_BYTES = 512 * 1024
#: Levels of arrays and tables inside one another ([[problems]] with a matrix in params is 3-4).
MAX_DEPTH = 24
#: Parts of one dotted key (problems.params.X is 3).
MAX_KEY_PARTS = 8
#: Keys (and JSON object members) in one file.
MAX_KEYS = 20_000
#: Bytes of a backup of every saved exam (solver.exam.store.ExamStore.import_all).
MAX_BACKUP_BYTES = 256 * 1024 * 1024

# TOML: the characters that matter outside strings; a run of bare-key characters is one token
_TOML_TOKEN = re.compile(r'"""|\'\'\'|["\'#\[\]{}=.\n]|[A-Za-z0-9_-]+')
_JSON_TOKEN = re.compile(r'["\[\]{}:]')
_BASIC_END = re.compile(r'["\\\n]')
_LITERAL_END = re.compile(r"['\n]")
_ML_BASIC_END = re.compile(r'\\.|"{3,}', re.S)
_ML_LITERAL_END = re.compile(r"'{3,}")


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _too_much(what: str, message: str) -> InvalidInput:
    return InvalidInput("file", f"The {what} {message}")


def check_size(data: bytes | str, what: str = "exam file", limit: int = MAX_BYTES) -> None:
    n = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if n > limit:
        raise _too_much(what, f"is {n:,} bytes; the limit is {limit:,} bytes.")


def _depth_error(what: str, text: str, pos: int, limit: int) -> InvalidInput:
    return _too_much(what, f"is nested too deeply (line {_line(text, pos)}): at most {limit} levels of arrays and "
                           "tables inside one another are allowed.")


def check_toml(text: str, what: str = "exam file", *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH,
               max_key_parts: int = MAX_KEY_PARTS, max_keys: int = MAX_KEYS) -> None:
    """Refuse (InvalidInput, field "file") a TOML text over a size, nesting, dotted-key or key-count limit."""
    check_size(text, what, max_bytes)
    depth = keys = 0
    parts = 0          # key parts in the dotted key being read (a bare or quoted part, dot, part, ...)
    after_dot = False  # the last token was a '.' following a key part
    pos = prev_end = 0
    n = len(text)
    while True:
        m = _TOML_TOKEN.search(text, pos)
        if m is None:
            return
        tok, start, pos = m.group(), m.start(), m.end()
        if start > prev_end and text[prev_end:start].strip(" \t"):
            parts, after_dot = 0, False  # something other than spaces came between: the key has ended
        if tok in ('"', "'", '"""', "'''") or tok[0].isalnum() or tok[0] in "_-":
            if tok in ('"', "'", '"""', "'''"):
                pos = _skip_toml_string(text, tok, pos)
            parts = parts + 1 if after_dot else 1
            after_dot = False
            if parts > max_key_parts:
                raise _too_much(what, f"has a dotted key of more than {max_key_parts} parts (line {_line(text, start)}); "
                                      "a key such as problems.params.X has 3.")
        elif tok == ".":
            after_dot = parts > 0 and not after_dot
            if not after_dot:
                parts = 0
        else:
            parts, after_dot = 0, False
            if tok == "#":
                nl = text.find("\n", pos)
                pos = n if nl < 0 else nl
            elif tok in "[{":
                depth += 1
                if depth > max_depth:
                    raise _depth_error(what, text, start, max_depth)
            elif tok in "]}":
                depth = max(depth - 1, 0)
            elif tok == "=":
                keys += 1
                if keys > max_keys:
                    raise _too_much(what, f"has more than {max_keys:,} keys (line {_line(text, start)}).")
        prev_end = pos


def _skip_toml_string(text: str, opener: str, pos: int) -> int:
    """The position after the string that `opener` began at pos (the end of the text if it is unterminated;
    the parser then reports it)."""
    n = len(text)
    if opener == '"':
        while True:
            m = _BASIC_END.search(text, pos)
            if m is None or m.group() == "\n":
                return n if m is None else m.start()
            if m.group() == "\\":
                pos = m.end() + 1
                continue
            return m.end()
    if opener == "'":
        m = _LITERAL_END.search(text, pos)
        return n if m is None else (m.end() if m.group() == "'" else m.start())
    if opener == '"""':
        while True:
            m = _ML_BASIC_END.search(text, pos)
            if m is None:
                return n
            if m.group()[0] == "\\":
                pos = m.end()
                continue
            return m.end()  # a run of 3-5 quotes closes it: up to two belong to the string
    m = _ML_LITERAL_END.search(text, pos)
    return n if m is None else m.end()


def check_json(text: str | bytes, what: str = "form", *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH,
               max_keys: int = MAX_KEYS) -> None:
    """Refuse (InvalidInput, field "file") JSON text over a size, nesting or member-count limit."""
    if isinstance(text, bytes):
        check_size(text, what, max_bytes)
        text = text.decode("utf-8", "replace")
    else:
        check_size(text, what, max_bytes)
    depth = keys = 0
    pos = 0
    while True:
        m = _JSON_TOKEN.search(text, pos)
        if m is None:
            return
        tok, start, pos = m.group(), m.start(), m.end()
        if tok == '"':
            while True:
                e = _BASIC_END.search(text, pos)
                if e is None:
                    return
                if e.group() == "\\":
                    pos = e.end() + 1
                    continue
                pos = e.end()
                break
        elif tok in "[{":
            depth += 1
            if depth > max_depth:
                raise _depth_error(what, text, start, max_depth)
        elif tok in "]}":
            depth = max(depth - 1, 0)
        else:  # ':'
            keys += 1
            if keys > max_keys:
                raise _too_much(what, f"has more than {max_keys:,} keys.")
