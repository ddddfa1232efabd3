"""A local worker's task root: exactly the files the function's bundle holds, nothing else.

Lambda unpacks the bundle into ``/var/task`` and puts it first on ``sys.path``; a local
worker gets the same view: a folder of links to the files of the function's file set
(``skyfn.synth.fileset``, what ``pipeline-deploy`` ships), as its working directory and
first import root. So a handler that imports a project file the bundle lacks fails locally
as it would deployed, and ``import resource`` finds the standard library's module, not the
definition file. Third-party packages still come from the local environment.

Folders are keyed by the file set's names, sizes and change times, so a worker that
is running keeps its folder while an edited function gets a new one; old folders beyond
the newest few are removed.
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
    """The task root for a new worker of ``function`` (made if it does not exist yet)."""
    files = function_files(function.directory, backend_dir(model.project_root)).files
    digest = hashlib.sha256()
    for name, path in files.items():
        info = path.stat()
        # ctime too: an edit that keeps size and mtime (utime) still changes it, and a new
        # folder means no cached bytecode of the old source
        stamp = f"{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}"
        digest.update(f"{name}\0{path}\0{stamp}\n".encode())
    home = model.project_root / ".skyfn" / "local" / model.scope.slug / function.name
    target = home / digest.hexdigest()[:16]
    if target.is_dir():
        return target
    home.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".staging-", dir=home))
    for name, path in files.items():
        link = building / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
    try:
        os.replace(building, target)  # atomic: a concurrent start sees all of it or none
    except OSError:  # another worker made the same folder first
        shutil.rmtree(building, ignore_errors=True)
    _prune(home, target)
    return target


def _prune(home: Path, keep: Path) -> None:
    folders = sorted(
        (p for p in home.iterdir() if p.is_dir() and p != keep and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in folders[KEEP - 1 :]:
        with contextlib.suppress(OSError):
            shutil.rmtree(old)
