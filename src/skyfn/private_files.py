"""Files only the user may read: folders 0700 (also their missing parents, whatever the
umask), files 0600 written atomically (a temporary file beside, then ``os.replace``), so no
reader ever sees half a file and nobody else any of it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def private_folder(folder: Path) -> None:
    """``folder`` (its parent exists), 0700 also when it was there already."""
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)


def make_private_folders(
    folder: Path, failed: Callable[[Path, OSError], Exception] | None = None
) -> None:
    """``folder`` and every missing parent, each 0700 (``mkdir(parents=True)`` would give
    the parents the umask's mode, 0777 under ``umask 0``). One made meanwhile by another
    skyfn is fine; an error making one is raised as it is, or as ``failed(path, error)``."""
    missing: list[Path] = []
    here = folder
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            if failed is None:
                raise
            raise failed(path, exc) from None


def write_private(path: Path, data: bytes) -> None:
    """``data`` as ``path`` (its folder exists), 0600, replacing it atomically."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp: 0600 already
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
