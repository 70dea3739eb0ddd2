"""Instructor accounts: names, passwords and their hashes (argon2id, by argon2-cffi).

Accounts live in the exam store (solver.exam.store: the `users` table) and are made on the command line
(`stepwise user add NAME [--admin]`); the web's log-in page (web.auth) checks them. Only the hash of a
password is kept: argon2id with argon2-cffi's default parameters (RFC 9106's recommended profile for
memory-constrained machines: 3 passes over 64 MiB, 4 lanes); a hash made with older parameters is
replaced at the next successful log-in.

    check_name(text) -> str        a valid account name, normalised (lower case), or InvalidInput("name")
    check_password(text) -> str    InvalidInput("password") when too short or too long
    hash_password(p) / verify(hash, p) -> bool / needs_rehash(hash)
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..params import InvalidInput

NAME_RE = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_LANES = 1


def check_name(text: str) -> str:
    """Account names are matched without regard to case: 'Alice' and 'alice' are one account."""
    name = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if not NAME_RE.fullmatch(name):
        raise InvalidInput("name", "An account name is 1 to 64 characters: letters a-z, digits and . _ @ -, starting "
                                   "with a letter or digit.")
    return name


def check_password(text: str) -> str:
    if not isinstance(text, str) or len(text) < MIN_PASSWORD:
        raise InvalidInput("password", f"A password must have at least {MIN_PASSWORD} characters.")
    if len(text) > MAX_PASSWORD:
        raise InvalidInput("password", f"A password may have at most {MAX_PASSWORD} characters.")
    if "\x00" in text:
        raise InvalidInput("password", "A password cannot contain the NUL character.")
    return text


@lru_cache(maxsize=1)
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_LANES)


def hash_password(password: str) -> str:
    return _hasher().hash(check_password(password))


def verify(hashed: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _hasher().check_needs_rehash(hashed)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so that a log-in takes as long either way."""
    return _hasher().hash("not a password of any account")
