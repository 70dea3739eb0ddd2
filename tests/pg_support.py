"""A throw-away PostgreSQL server for the tests, started by the test run itself (issue 19, item 2).

Debian's `postgresql` package provides the binaries (/usr/lib/postgresql/N/bin; `.ci/run` installs it when
it is missing). The first test that needs it makes a temporary directory, `initdb`s a cluster there (as
the `postgres` user when the tests run as root, which initdb refuses to be), starts it listening only on
a Unix socket in that directory, and creates the database `stepwise`. One server serves the whole run
(a module-level singleton, stopped at exit, so every test module shares it without a conftest);
`pg_url()` gives each test a fresh schema of its own, so tests never see each other's tables.

Without the binaries the PostgreSQL tests skip, saying why, on a developer's machine; under CI (the CI
environment variable set) they fail instead: there they must run.
"""
from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from urllib.parse import quote

import pytest

_server: "PgServer | None" = None
_failure: str | None = None


def _bindir() -> str | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.path.isfile(os.path.join(d, "initdb")) and os.path.isfile(os.path.join(d, "pg_ctl")):
            return d
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bindir: str):
        self.bindir = bindir
        self.owner_pid = os.getpid()  # a forked child inherits atexit: only this process stops the server
        self.as_postgres = os.geteuid() == 0
        # as root the server runs as `postgres`, which must reach the directory: under /tmp, not a private TMPDIR
        self.dir = tempfile.mkdtemp(prefix="stepwise-pg-", dir="/tmp" if self.as_postgres else None)
        self.port = _free_port()
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o755)
        data, log = os.path.join(self.dir, "data"), os.path.join(self.dir, "log")
        self._run([os.path.join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                   "--no-instructions"], timeout=120)
        # only a Unix socket in our directory; fsync off: the tests kill clients, never the machine
        opts = f"-k {self.dir} -p {self.port} -c listen_addresses= -c fsync=off -c max_connections=200"
        self._run([os.path.join(bindir, "pg_ctl"), "-D", data, "-o", opts, "-l", log, "-w", "-t", "60", "start"],
                  timeout=90)
        self.data = data
        import psycopg

        with psycopg.connect(self.base_url("postgres"), autocommit=True) as c:
            c.execute("CREATE DATABASE stepwise")

    def _run(self, argv: list[str], timeout: float) -> None:
        if self.as_postgres:
            argv = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_sh(a) for a in argv)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[-1][:200]} failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")

    def base_url(self, db: str = "stepwise") -> str:
        return f"postgresql://postgres@/{db}?host={quote(self.dir, safe='')}&port={self.port}"

    def new_schema_url(self) -> str:
        """A URL whose tables go into a new, empty schema of the `stepwise` database."""
        import psycopg

        schema = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.base_url(), autocommit=True) as c:
            c.execute(f"CREATE SCHEMA {schema}")
        return self.base_url() + "&options=" + quote(f"-csearch_path={schema}", safe="")

    def stop(self) -> None:
        if os.getpid() != self.owner_pid:
            return
        try:
            self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"], timeout=60)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _sh(a: str) -> str:
    import shlex

    return shlex.quote(a)


def server() -> PgServer:
    """The run's PostgreSQL server, started on first use; skips (fails under CI) when it cannot be had."""
    global _server, _failure
    if _server is not None:
        return _server
    why = _failure
    if why is None:
        bindir = _bindir()
        try:
            import psycopg  # noqa: F401
        except ImportError:
            why = "psycopg is not installed (pip install -e '.[test]' installs it)"
        else:
            if bindir is None:
                why = ("PostgreSQL's binaries (initdb, pg_ctl) are not installed: apt-get install postgresql "
                       "(.ci/run does this under CI)")
            else:
                try:
                    _server = PgServer(bindir)
                    atexit.register(_server.stop)
                    return _server
                except Exception as e:  # noqa: BLE001 - reported as the reason
                    why = f"could not start a PostgreSQL server: {e}"
        _failure = why
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests must run under CI: {why}")
    pytest.skip(why)


def pg_url() -> str:
    """A fresh PostgreSQL database (a new schema) for one test."""
    return server().new_schema_url()
