"""Write outputs atomically, and only when their content changed (so synth is a no-op when
nothing did, and tools watching the files see no churn)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WriteReport:
    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]
    removed: tuple[Path, ...]


def write_if_changed(path: Path, content: str) -> bool:
    """Atomically replace ``path`` with ``content`` unless it already holds exactly that."""
    data = content.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_outputs(outputs: Mapping[Path, str], owned_dirs: Iterable[Path] = ()) -> WriteReport:
    """Write every output; then remove files in ``owned_dirs`` that no output names
    (a deleted function's module or artifact)."""
    written: list[Path] = []
    unchanged: list[Path] = []
    for path, content in sorted(outputs.items()):
        (written if write_if_changed(path, content) else unchanged).append(path)
    return WriteReport(tuple(written), tuple(unchanged), remove_stale(outputs, owned_dirs))


def remove_stale(outputs: Collection[Path], owned_dirs: Iterable[Path]) -> tuple[Path, ...]:
    """Remove the files in ``owned_dirs`` that no output names (compared as text: a
    thousand outputs are not made into paths again)."""
    named = {str(path) for path in outputs}
    removed: list[Path] = []
    for folder in owned_dirs:
        try:
            listed = sorted(os.listdir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in listed:
            stale = folder / name
            if str(stale) not in named and stale.is_file():
                stale.unlink()
                removed.append(stale)
    return tuple(removed)
