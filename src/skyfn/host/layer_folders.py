"""A function's layers as Lambda lays them out, locally: one ``/opt``-like folder.

Lambda extracts a function's layers, in the order ``layers=`` lists them, into ``/opt`` (a
later layer's file replaces an earlier one's) and puts ``/opt/python/lib/python3.X/site-packages``
and ``/opt/python`` on ``sys.path`` after the task root (which holds the function's own files
and, in its bundle, its packages). Here the same folder is made under
``.skyfn/layers/opt/<key>``, keyed by the content of its layers in order (a defined layer: its
locked packages installed for this machine, under ``python/``; an ARN: the project folder
``[tool.skyfn.layer_folders]`` names for it), built once (atomically: a concurrent build
sees all of it or none), shared read-only by every function with the same layers. A worker
gets its two folders as site directories (``.pth`` files run) after its own packages:
``environment.WorkerEnvironment.site_dirs``.

A layer given only as an ARN has no local content: each process says so once per ARN, and
the function runs without it unless a folder stands in for it::

    [tool.skyfn.layer_folders]
    "arn:aws:lambda:eu-west-1:123456789012:layer:pillow:3" = "vendor/pillow-layer"

The folder is the layer's content as its zip would unpack (``python/PIL/...``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from skyfn.errors import SkyfnError
from skyfn.model import Function, Model
from skyfn.model_layers import is_arn
from skyfn.runtime.lambda_platform import LAYER_VERSION_ARN
from skyfn.settings import read_settings
from skyfn.synth.layer_packages import layer_packages
from skyfn.synth.packages import local_platform
from skyfn.synth.requirements import load

SETTING = "layer_folders"
Say = Callable[[str], None]

_told: set[str] = set()  # ARNs this process has said have no local content
_told_lock = threading.Lock()


def stand_ins(root: Path) -> dict[str, Path]:
    """``[tool.skyfn.layer_folders]``: layer version ARN -> the project folder standing in
    for it, each checked."""
    value = read_settings(root).get(SETTING)
    where = f"{root / 'pyproject.toml'}: [tool.skyfn.{SETTING}]"
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SkyfnError(f'{where} must be a table of "LAYER VERSION ARN" = "project folder"')
    found = {}
    for arn, folder in value.items():
        if not LAYER_VERSION_ARN.fullmatch(arn):
            raise SkyfnError(
                f"{where}: {arn!r} is not a layer version ARN "
                "(arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)"
            )
        relative = os.path.normpath(folder) if isinstance(folder, str) and folder.strip() else ""
        if (
            not relative
            or os.path.isabs(relative)
            or relative == ".."
            or relative.startswith(".." + os.sep)
        ):
            raise SkyfnError(
                f"{where}: the folder for {arn} is {folder!r}; give a folder inside the "
                "project, relative to it, holding the layer's content (python/...)"
            )
        path = root / relative
        if not path.is_dir():
            raise SkyfnError(
                f"{where}: {relative} (for {arn}) is not a folder; create it with the "
                "layer's content as its zip unpacks (python/...)"
            )
        found[arn] = path
    return found


def resolved(model: Model, function: Function) -> str:
    """What the function's defined layers hold, to compare between reloads (as
    ``requirements.resolved``: a layer's requirements edited restarts its functions)."""
    parts = []
    for entry in function.settings.layers:
        layer = None if is_arn(entry) else model.layer(entry)
        if layer is not None:
            try:
                parts.append(f"{entry}\0{load(layer.requirements).text}")
            except SkyfnError as exc:
                parts.append(f"{entry}\0error\0{exc}")
    return "\0".join(parts)


def site_dirs(model: Model, function: Function, version: str, say: Say) -> tuple[str, ...]:
    """The function's ``/opt/python/lib/python3.X/site-packages`` and ``/opt/python``, in
    Lambda's order, for a worker of Python ``version``; none without layers."""
    if not function.settings.layers:
        return ()
    root = model.project_root
    folders = stand_ins(root) if any(is_arn(e) for e in function.settings.layers) else {}
    contents: list[tuple[Path, str, bool]] = []  # (folder, where it goes, shared cache)
    for entry in function.settings.layers:
        if is_arn(entry):
            if entry in folders:
                contents.append((folders[entry], "", False))
            else:
                _tell_once(entry, say)
            continue
        layer = model.layer(entry)
        if layer is not None:
            packages = layer_packages(layer, root, local_platform(version), say)
            contents.append((packages, "python", True))
    if not contents:
        return ()
    opt = merged(root / ".skyfn" / "layers" / "opt", contents)
    python = opt / "python"
    site = python / "lib" / f"python{function.python_version}" / "site-packages"
    return (str(site), str(python))


def _tell_once(arn: str, say: Say) -> None:
    with _told_lock:
        if arn in _told:
            return
        _told.add(arn)
    say(
        f"layer {arn} has no local content; name a local folder with the same content "
        f"in [tool.skyfn.{SETTING}] to stand in for it"
    )


def merged(cache: Path, contents: list[tuple[Path, str, bool]]) -> Path:
    """One folder holding ``contents`` extracted in order (a later file wins), keyed by
    what they hold; built once, atomically, read-only."""
    key = hashlib.sha256()
    for folder, prefix, shared in contents:
        key.update(f"{prefix}\0{shared}\0".encode())
        key.update(folder.name.encode() if shared else _listing(folder))
        key.update(b"\1")
    target = cache / key.hexdigest()[:20]
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
    try:
        for folder, prefix, shared in contents:
            for relative in _files(folder):
                destination = building / prefix / relative
                _clear(destination, building)
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = folder / relative
                if shared:  # the package cache is read-only: one copy on disk
                    try:
                        os.link(source, destination)
                        continue
                    except OSError:
                        pass
                shutil.copyfile(source, destination)
                destination.chmod(0o444)
        with contextlib.suppress(OSError):  # another process built the same folder first
            os.replace(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _clear(destination: Path, top: Path) -> None:
    """Room for a later layer's file: the earlier one (or a file where it needs a folder)."""
    if destination.is_symlink() or destination.is_file():
        destination.unlink()
    elif destination.is_dir():
        shutil.rmtree(destination)
    for parent in destination.relative_to(top).parents:
        above = top / parent
        if above != top and above.is_file():
            above.unlink()


def _files(folder: Path) -> list[Path]:
    """Regular files under ``folder`` (relative, sorted), without Python's caches."""
    found = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(here) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(folder))
    return found


def _listing(folder: Path) -> bytes:
    """A stand-in folder's content, as a key: each file's path, size, time and mode."""
    lines = []
    for relative in _files(folder):
        info = (folder / relative).stat()
        lines.append(f"{relative.as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_mode}")
    return "\n".join(lines).encode()
