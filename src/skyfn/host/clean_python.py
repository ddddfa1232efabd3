"""``skyfn run --clean``'s ``python``: the function's interpreter started as a worker is,
without any site-packages (``-S``), so the command imports what the function would: its
task root, its env module, its locked packages and Lambda's runtime (``PYTHONPATH``), and
nothing installed in the environment skyfn runs in.

``python``, ``python3`` and ``python3.X`` in one folder put first on the command's ``PATH``;
one folder per interpreter, made once, atomically. A command naming an interpreter by its
path runs that interpreter as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import tempfile
from pathlib import Path


def folder(home: Path, python: str, version: str) -> Path:
    script = f'#!/bin/sh\nexec {shlex.quote(python)} -S "$@"\n'
    names = ("python", "python3", f"python{version}")
    digest = hashlib.sha256(f"{script}\0{names}".encode()).hexdigest()[:16]
    target = home / f"clean-python-{digest}"
    if target.is_dir():
        return target
    home.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".clean-python-", dir=home))
    for name in names:
        path = building / name
        path.write_text(script, encoding="utf-8")
        path.chmod(0o755)
    building.chmod(0o755)
    try:
        os.replace(building, target)
    except OSError:  # made meanwhile by another command
        with contextlib.suppress(OSError):
            shutil.rmtree(building)
    return target
