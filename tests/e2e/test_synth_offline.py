"""Synth's check for missing secrets only informs: it never hangs when AWS does not answer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource


@pytest.fixture()
def silent_endpoint() -> Iterator[str]:
    """A server that accepts connections and never answers (a stuck proxy or firewall)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_synth_gives_up_on_an_unanswering_store_with_one_warning(
    tmp_path: Path, silent_endpoint: str
) -> None:
    root = make_project(
        tmp_path / "app", {"fn": resource('{"API_KEY": secret("MY_API_KEY")}', name="fn")}
    )
    env = {
        "AWS_ENDPOINT_URL": silent_endpoint,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_REGION": "us-east-1",
    }
    # botocore's defaults (60 s read timeout, several attempts) would take minutes here
    result = run_skyfn("synth", "--branch", "main", cwd=root, env=env, timeout=45)
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "could not check secrets in the ssm store" in warnings[0]
    assert "AWS_ENDPOINT_URL" in warnings[0]  # says what to look at
