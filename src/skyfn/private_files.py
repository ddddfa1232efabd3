"""Files only the user may read: folders 0700, files 0600 written atomically (a temporary file beside, then ``os.replace``), so no
reader ever sees half a file and nobody else any of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def private_folder(folder: Path) -> None:
    """``folder`` (its parent exists), 0700 also when it was there already."""
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)


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
