"""The output manifest: a re-synth whose model is the last synth's, and whose outputs
are untouched since, neither renders nor reads them (issue 27).

Every output (env modules, artifacts, a branch's templates) is a pure function of the
model and of skyfn's code: rendering reads nothing else. So the last synth's outputs are
kept under a key, the SHA-256 of the model's ``repr`` (every model type is a dataclass
whose ``repr`` shows every field: tests/unit/synth/test_output_cache.py checks it), skyfn's
version, the size and modification time of each of its source files (an edited checkout
is another key), Python's version and the output folders; and with it each output's
SHA-256 and ``stat`` (inode, size, modification and change times).

A re-synth with the same key ``stat``s each output. The recorded ``stat`` means unchanged,
without reading the file. Any other is read and hashed: the recorded digest means
unchanged (its new ``stat`` is recorded); another digest or a missing file, and the synth
renders and compares everything as it always did. A ``stat`` is recorded as trusted only
when its times are before the file system's clock at the start of the synth that took it
(read from a file it creates: coarse, and at the file system's granularity): a change
after that synth looked at the file then has a later change time, which no user can set
back (only the system's clock can). So a file this synth wrote, or that changed while it
ran, is read once by the next synth, and no-ops after that read nothing.

``.skyfn/cache/outputs-<scope>.json`` (0600 in a 0700 folder, replaced atomically): paths,
digests and ``stat`` only, never a value. Unreadable, foreign or of another key: ignored
and rewritten. ``SKYFN_NO_OUTPUT_CACHE=1`` turns it off."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import suppress
from pathlib import Path

import skyfn
from skyfn import __version__
from skyfn.model import Model
from skyfn.private_files import private_folder, write_private

_FORMAT = 1
_CODE = Path(skyfn.__file__).parent

Stat = tuple[int, int, int, int]  # inode, size, mtime_ns, ctime_ns


def code_stamp() -> str:
    """skyfn's source files by name, size and modification time (a few hundred ``stat``)."""
    entries = []
    for folder, dirs, files in os.walk(_CODE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                found = os.stat(os.path.join(folder, name))
                entries.append(f"{folder}/{name}\0{found.st_size}\0{found.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode("utf-8", "replace")).hexdigest()


def model_key(model: Model, folders: Iterable[Path]) -> str:
    parts = [str(_FORMAT), __version__, sys.version, code_stamp(), *map(str, folders)]
    parts.append(repr(model))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _stat(path: str) -> Stat | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _fs_clock(folder: Path) -> int | None:
    """The file system's own clock (coarse, and at its granularity): a new file's time."""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".clock.", suffix=".tmp")
    except OSError:
        return None
    try:
        return os.fstat(fd).st_mtime_ns
    finally:
        os.close(fd)
        os.unlink(tmp)


class OutputCache:
    """One synth's view: ``unchanged()`` before rendering, ``record()`` after writing.

    ``started``: the file system's clock when this synth began, before it read or wrote any
    output. A ``stat`` is trusted later only if its times are before it: any change after
    this synth looked at the file is then seen as a later time."""

    def __init__(self, skyfn_dir: Path, scope_slug: str, key: str) -> None:
        self.file = skyfn_dir / "cache" / f"outputs-{scope_slug}.json"
        self.key = key
        self.enabled = os.environ.get("SKYFN_NO_OUTPUT_CACHE", "") in ("", "0")
        self.started: int | None = None  # None: no .skyfn/ yet, no stat trusted
        if self.enabled and skyfn_dir.is_dir():
            with suppress(OSError):
                private_folder(self.file.parent)
                self.started = _fs_clock(self.file.parent)

    def _read(self) -> dict[str, tuple[str, Stat | None]] | None:
        try:
            with open(self.file, "rb") as handle:
                stored = json.loads(handle.read())
            if stored["format"] != _FORMAT or stored["key"] != self.key:
                return None
            files: dict[str, tuple[str, Stat | None]] = {}
            for path, (digest, found) in stored["files"].items():
                if found is not None:
                    inode, size, modified, changed = found
                    found = (int(inode), int(size), int(modified), int(changed))
                files[str(path)] = (str(digest), found)
            return files
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def unchanged(self) -> list[Path] | None:
        """Every output of the last synth, when the key is the same and none changed; else
        None (render and compare). Files that had to be read are re-recorded."""
        if self.started is None:
            return None
        files = self._read()
        if files is None:
            return None
        now: dict[str, tuple[str, Stat | None]] = {}
        for path, (digest, known) in files.items():
            found = _stat(path)  # before reading: a change after it is a later time
            if found is None or (found != known and _digest(path) != digest):
                return None
            now[path] = (digest, found)
        if any(files[path][1] != found for path, (_, found) in now.items()):
            self._write(now)  # the stat of the files read, trusted once past their tick
        return [Path(path) for path in files]  # as recorded: sorted as paths

    def record(self, outputs: Mapping[Path, str]) -> None:
        """After a synth wrote (or compared) exactly ``outputs``: remember them (a first
        synth, which made ``.skyfn/``, by their digests only: the next one reads them)."""
        if self.enabled:
            self._write(
                {
                    str(path): (hashlib.sha256(text.encode("utf-8")).hexdigest(), _stat(str(path)))
                    for path, text in sorted(outputs.items())  # the report's order
                }
            )

    def _write(self, files: Mapping[str, tuple[str, Stat | None]]) -> None:
        started = self.started
        kept = {
            path: (
                digest,
                found
                if started is not None and found and max(found[2], found[3]) < started
                else None,
            )
            for path, (digest, found) in files.items()
        }
        data = json.dumps({"format": _FORMAT, "key": self.key, "files": kept}).encode()
        if not self.file.parent.parent.is_dir():  # a synth that wrote nothing
            return
        with suppress(OSError):
            private_folder(self.file.parent)
            write_private(self.file, data)
