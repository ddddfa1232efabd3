"""The one runtime-only folder a local worker imports skyfn from: what Lambda provides.

A worker starts without any site-packages (``python -S``), so nothing of the environment
skyfn is installed in reaches the function; it imports ``skyfn.runtime`` (copied, with an
empty ``skyfn/__init__.py``, exactly as the bundle ships it) and Lambda's AWS SDK
(``boto3``, ``botocore`` and their dependencies, ``skyfn.host.aws_sdk``: links to skyfn's own
copies, at skyfn's version) from this folder. One folder per skyfn version (keyed by the
runtime's sources and the SDK's paths), made once, atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import skyfn.runtime
from skyfn.host.aws_sdk import sources

SKYFN_INIT = '"""The part of skyfn a function process needs: skyfn.runtime."""\n'


_made: dict[Path, Path] = {}  # home -> its folder, made or found by this process


def runtime_folder(home: Path) -> Path:
    """The folder under ``home``; once found, this process's runtime cannot change (its
    modules are loaded), so it is looked up again only when it went away: not per worker."""
    made = _made.get(home)
    if made is not None and made.is_dir():
        return made
    _made[home] = found = _runtime_folder(home)
    return found


def _runtime_folder(home: Path) -> Path:
    runtime = Path(skyfn.runtime.__file__).parent
    files = {
        p.relative_to(runtime).as_posix(): p.read_bytes() for p in sorted(runtime.glob("*.py"))
    }
    links = sources()
    digest = hashlib.sha256(repr(sorted((k, str(v)) for k, v in links.items())).encode())
    for name, data in files.items():
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    target = home / f"runtime-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    home.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".runtime-", dir=home))
    (building / "skyfn" / "runtime").mkdir(parents=True)
    (building / "skyfn" / "__init__.py").write_text(SKYFN_INIT)
    for name, data in files.items():
        (building / "skyfn" / "runtime" / name).write_bytes(data)
    for path in links.values():
        (building / path.name).symlink_to(path)
    try:
        os.replace(building, target)
    except OSError:  # made meanwhile by another host
        with contextlib.suppress(OSError):
            shutil.rmtree(building)
    return target
