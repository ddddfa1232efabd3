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

from skyfn.model import Model


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


def mismatches(model: Model) -> list[str]:
    """A line for each function whose runtime's Python is not the one its workers run."""
    lines = []
    for function in model.functions:
        if find(function.python_version) == sys.executable and (
            function.python_version != local_version()
        ):
            lines.append(
                f"function {function.name} runs on {function.runtime} on Lambda, but locally on "
                f"Python {local_version()} (no python{function.python_version} on PATH; "
                "install it to run the same version)"
            )
    return lines
