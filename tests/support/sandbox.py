"""A real ``skyfn sandbox`` subprocess on a free port, a boto3 Lambda client for it, and a
light kept-alive HTTP client (``Invoker``) for the benchmarks."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config


@dataclass
class Sandbox:
    proc: subprocess.Popen[str]
    url: str
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)

    def client(self) -> Any:
        return boto3.client(
            "lambda",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}, read_timeout=60),
        )

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def logs(self) -> str:
        return "\n".join(self.err)

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.logs():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not in sandbox logs:\n{self.logs()}")
            time.sleep(0.05)


def _collect(stream: Any, into: list[str]) -> None:
    for line in stream:
        into.append(line.rstrip("\n"))


@contextmanager
def running_sandbox(
    project: Path, *args: str, env: dict[str, str] | None = None, inherit_env: bool = True
) -> Iterator[Sandbox]:
    """``skyfn sandbox --port 0 ARGS`` in ``project`` until the block ends, with this
    process's environment plus ``env`` (or exactly ``env`` when ``inherit_env`` is false)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "skyfn", "sandbox", "--port", "0", *args],
        cwd=project,
        env={**os.environ, **(env or {})} if inherit_env else dict(env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    box = Sandbox(proc, "")
    readers = [
        threading.Thread(target=_collect, args=(proc.stdout, box.out), daemon=True),
        threading.Thread(target=_collect, args=(proc.stderr, box.err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 60
        while not box.url:
            found = [
                m for line in box.out if (m := re.search(r"(https?://[\d.:\[\]a-f]+)/2015", line))
            ]
            if found:
                box.url = found[0].group(1)
            elif proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"sandbox did not start:\n{box.out}\n{box.err}")
            time.sleep(0.05)
        yield box
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for reader in readers:
            reader.join(5)


class Invoker:
    """A kept-alive HTTP connection to a sandbox's Invoke API; calling it invokes
    ``function`` with ``{}`` and returns the decoded result."""

    def __init__(self, port: int, function: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path = f"/2015-03-31/functions/{function}/invocations"

    def __call__(self) -> Any:
        self.connection.request("POST", self.path, b"{}", {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"invoke returned {response.status}: {body[:300]!r}")
        return json.loads(body)

    def close(self) -> None:
        self.connection.close()
