"""Run the real ``skyfn`` CLI in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run_skyfn(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: str | bytes | None = None,
    timeout: float = 120,
    inherit_env: bool = True,
) -> Result:
    """Run ``python -m skyfn ARGS`` in ``cwd``, with this process's environment plus ``env``
    (or exactly ``env`` when ``inherit_env`` is false)."""
    full_env = {**os.environ, **(env or {})} if inherit_env else dict(env or {})
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "skyfn", *args],
        cwd=cwd,
        env=full_env,
        input=data,
        capture_output=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
