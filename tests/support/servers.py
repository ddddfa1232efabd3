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
def moto_process(
    log_path: Path, env: dict[str, str] | None = None, module: str | None = None
) -> Iterator[str]:
    """A ``moto_server`` on a free loopback port, until the block ends; yields its URL.
    ``env`` adds to its environment (``INITIAL_NO_AUTH_ACTION_COUNT=0`` makes it check keys);
    ``module``: run ``python -m module`` instead (moto with additions: tests/support/moto_urls_server.py)."""
    port = free_port()
    binary = Path(sys.executable).parent / "moto_server"
    command = [sys.executable, "-m", module] if module else [str(binary)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, **env} if env else None,
            cwd=Path(__file__).resolve().parents[2] if module else None,  # where tests/ is
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        endpoint = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"moto_server did not start; see {log_path}") from None
                    time.sleep(0.1)
            yield endpoint
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
