"""Which Python runs a function's local workers: one of its Lambda runtime's version.

``python3.13`` on ``PATH`` (checked by running it: a pyenv shim for a version that is not
selected exits non-zero) runs a python3.13 function; when none is found, this interpreter
does, and the sandbox says so at start-up.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from collections.abc import Sequence

from skyfn.model import Function, Model


def local_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@functools.cache
def find(version: str) -> str:
    """The interpreter for Python ``version`` ("3.13"): this one, one on PATH, else this one."""
    if version == local_version():
        return sys.executable
    candidate = shutil.which(f"python{version}")
    if candidate is None:
        return sys.executable
    try:
        proc = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return sys.executable
    return candidate if proc.returncode == 0 and proc.stdout.strip() == version else sys.executable


def mismatches(model: Model, functions: Sequence[Function] | None = None) -> list[str]:
    """One line per Python version the model's (or these) functions need but do not get
    locally, naming the functions: said once, not once per function."""
    missing: dict[str, list[Function]] = {}
    for function in model.functions if functions is None else functions:
        version = function.python_version
        if version != local_version() and find(version) == sys.executable:
            missing.setdefault(version, []).append(function)
    lines = []
    for version, affected in missing.items():
        names = ", ".join(f.name for f in affected)
        runtime = affected[0].runtime
        lines.append(
            f"{'functions' if len(affected) > 1 else 'function'} {names} "
            f"{'run' if len(affected) > 1 else 'runs'} on {runtime} on Lambda, but locally on "
            f"Python {local_version()} (no python{version} on PATH; install it to run the "
            "same version)"
        )
    return lines
