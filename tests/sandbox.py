"""A real ``skyfn sandbox`` subprocess on a free port, and a boto3 Lambda client for it."""

from __future__ import annotations

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
    project: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[Sandbox]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "skyfn", "sandbox", "--port", "0", *args],
        cwd=project,
        env={**os.environ, **(env or {})},
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
            found = [m for line in box.out if (m := re.search(r"(http://[\d.:]+)/2015", line))]
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
