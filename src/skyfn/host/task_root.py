"""A local worker's task root: exactly the files the function's bundle holds, nothing else.

Lambda unpacks the bundle into ``/var/task`` and puts it first on ``sys.path``; a local
worker gets the same view: a folder holding copies of the files of the function's file set
(``skyfn.synth.fileset``, what ``pipeline-deploy`` ships), as its working directory and
first import root. So a handler that imports a project file the bundle lacks fails locally
as it would deployed, and ``import resource`` finds the standard library's module, not the
definition file. Its third-party packages come from its own package folder (issue 25:
``skyfn.synth.packages``), added after the task root.

Copies, not links: the host stages a function when it accepts a model (``Host``: at start
and on every reload that synthesizes), so every worker it starts later (after a crash, a
scale-up, an idle reap) runs the files as they were then, the last good version, even
when a file has been broken since and the reload refused it.

Folders are keyed by the file set's names and contents, so a worker that is running keeps
its folder while an edited function gets a new one (with no cached bytecode of the old
source); old folders beyond the newest few are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from skyfn.model import Function, Model
from skyfn.project import backend_dir
from skyfn.synth.fileset import function_files

KEEP = 3  # folders kept per function: the newest, and a few that running workers may use


def stage(model: Model, function: Function) -> Path:
    """A snapshot of ``function``'s files as they are now: its task root (made if no folder
    with the same contents exists yet)."""
    files = function_files(function.directory, backend_dir(model.project_root)).files
    contents: dict[str, tuple[bytes, int]] = {}
    digest = hashlib.sha256()
    for name, path in files.items():
        data = path.read_bytes()  # read once: what is hashed is what is written
        contents[name] = (data, path.stat().st_mode & 0o777)
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    home = model.project_root / ".skyfn" / "local" / model.scope.slug / function.name
    target = home / digest.hexdigest()[:16]
    if target.is_dir():
        mark_used(target)
        return target
    home.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".staging-", dir=home))
    for name, (data, mode) in contents.items():
        copy = building / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(data)
        copy.chmod(mode | 0o400)
    try:
        os.replace(building, target)  # atomic: a concurrent start sees all of it or none
    except OSError:  # another host made the same folder first
        shutil.rmtree(building, ignore_errors=True)
    _prune(home, target)
    return target


def mark_used(folder: Path) -> None:
    """Keep a folder a host still starts workers from among the newest (pruning spares it)."""
    with contextlib.suppress(OSError):
        os.utime(folder)


def _prune(home: Path, keep: Path) -> None:
    folders = sorted(
        (p for p in home.iterdir() if p.is_dir() and p != keep and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in folders[KEEP - 1 :]:
        with contextlib.suppress(OSError):
            shutil.rmtree(old)
