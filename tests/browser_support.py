"""Shared by the browser tests: Debian's chromium for Playwright, skipped without it unless under CI."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent


def require_browser() -> None:
    """Skip when chromium or playwright is missing; under CI (CI set) fail instead: there they must run."""
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + "; under CI they must run")
        pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(proc, port: int, log_path: Path, on_fail=lambda: None, seconds: float = 60) -> None:
    """Wait until the server subprocess `proc` accepts connections on `port`; fail with its log if it dies."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            on_fail()
            pytest.fail(f"stepwise serve exited with {proc.returncode}: {log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                on_fail()
                pytest.fail(f"stepwise serve did not start listening within {seconds:.0f} s")
            time.sleep(0.2)


class StepwiseServer:
    """`python -m solver.cli serve` on a free loopback port with `env` set (and `unset` removed), its output in
    `log_path` (a file, not a pipe: a chatty server never blocks on a full pipe); stop() ends it."""

    def __init__(self, log_path: Path, *, env: dict[str, str], unset: tuple[str, ...] = (), stop_timeout: float = 10,
                 no_traceback: bool = False):
        import subprocess
        import sys

        self.log_path, self.stop_timeout, self.no_traceback = log_path, stop_timeout, no_traceback
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        for name in unset:
            full.pop(name, None)
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "solver.cli", "serve", "--host", "127.0.0.1",
                                      "--port", str(self.port)], cwd=ROOT, env=full, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_listening(self.proc, self.port, log_path, on_fail=self.stop)

    def stop(self) -> None:
        import subprocess

        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        if self.no_traceback:
            assert "Traceback" not in self.log_path.read_text(), self.log_path.read_text()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright (one per test module)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def artifacts(tmp_path) -> Path:
    """Where screenshots go: $STEPWISE_ARTIFACTS, else the test's tmp_path."""
    where = Path(os.environ.get("STEPWISE_ARTIFACTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where
