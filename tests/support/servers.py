"""Local server processes shared by the tests and the benchmarks (standard library only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server_process(
    command: list[str],
    log_path: Path,
    ready_url: str,
    what: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    start_seconds: float = 30,
    stop_seconds: float = 10,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (its output to ``log_path``) until the block ends, entering once
    ``ready_url`` answers; ``what`` names it when it exits or does not answer within
    ``start_seconds``. Stopped with SIGTERM, then SIGKILL after ``stop_seconds``."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + start_seconds
            while True:
                try:
                    urllib.request.urlopen(ready_url, timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{what} did not start; see {log_path}") from None
                    time.sleep(0.1)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=stop_seconds)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def moto_process(
    log_path: Path, env: dict[str, str] | None = None, module: str | None = None
) -> Iterator[str]:
    """A ``moto_server`` on a free loopback port, until the block ends; yields its URL.
    ``env`` adds to its environment (``INITIAL_NO_AUTH_ACTION_COUNT=0`` makes it check keys);
    ``module``: run ``python -m module`` instead (moto with additions: tests/support/moto_urls_server.py)."""
    port = free_port()
    binary = Path(sys.executable).parent / "moto_server"
    command = [sys.executable, "-m", module] if module else [str(binary)]
    endpoint = f"http://127.0.0.1:{port}"
    with server_process(
        [*command, "-H", "127.0.0.1", "-p", str(port)],
        log_path,
        f"{endpoint}/moto-api/",
        "moto_server",
        env={**os.environ, **env} if env else None,
        cwd=Path(__file__).resolve().parents[2] if module else None,  # where tests/ is
    ):
        yield endpoint
