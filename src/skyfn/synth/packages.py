"""One resolution of a function's requirements, installed twice: locally and in its bundle.

``lock`` resolves a checked requirements file (``skyfn.synth.requirements``) once, for the
function's Lambda runtime (its Python version and architecture), into exact pins kept
under ``.skyfn/packages/locks/``; ``install`` puts exactly those pins (``--no-deps``) into a
package folder for a platform: Lambda's (the bundle) or this machine's (a local worker's
site directory). So the local environment and the bundle hold the same distributions at
the same versions, and a package no requirements file of the function declares is in
neither.

Nothing is built from source (wheels only) and the installer never reads the developer's
configuration (``skyfn.synth.installers``: uv ``--no-config``, else pip ``--isolated``, in a
clean environment: no ``UV_*``/``PIP_*``), from PyPI or the one index ``[tool.skyfn]
index_url`` names (a URL, or a project folder of wheels).
Package folders are keyed by the lock, the Python version and the platform, built once
(atomically) and shared read-only by every function with the same set; they hold packages
only (no ``bin/`` scripts, no ``RECORD``/``INSTALLER``/``REQUESTED``/``direct_url.json``),
so their bytes depend on the lock alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skyfn.errors import SkyfnError
from skyfn.model import Function
from skyfn.settings import read_settings
from skyfn.synth import installers
from skyfn.synth.requirements import Requirements, find, load, normalize

ARCHITECTURES = ("x86_64", "arm64")
# The newest glibc of the Amazon Linux a runtime runs on (python3.12, 3.13: AL2023).
RUNTIME_GLIBC = {"3.12": (2, 34), "3.13": (2, 34)}
_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
_LEFTOVERS = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json"}
Say = Callable[[str], None]


@dataclass(frozen=True)
class Platform:
    python_version: str
    tags: tuple[str, ...]  # pip --platform values; () for this machine's own
    label: str
    uv_platform: str | None = None  # uv --python-platform; None for this machine's own

    @property
    def key(self) -> str:
        return f"{self.python_version}/{','.join(self.tags) or 'local:' + sys.platform}"


def lambda_platform(python_version: str, architecture: str | None) -> Platform:
    """Lambda's: manylinux wheels up to the glibc of the runtime's Amazon Linux."""
    machine = _MACHINE[architecture or "x86_64"]
    major, minor = RUNTIME_GLIBC.get(python_version, (2, 34))
    tags = tuple(f"manylinux_{major}_{m}_{machine}" for m in range(minor, 16, -1))
    label = (
        f"Lambda python{python_version} {architecture or 'x86_64'} "
        f"(manylinux up to glibc {major}.{minor}, wheels only)"
    )
    uv_platform = f"{machine}-manylinux_{major}_{minor}"
    return Platform(python_version, (*tags, f"manylinux2014_{machine}"), label, uv_platform)


def local_platform(python_version: str) -> Platform:
    return Platform(python_version, (), f"this machine, Python {python_version} (wheels only)")


@dataclass(frozen=True)
class Source:
    """Where packages come from: PyPI, or the project's one index (never the user's pip
    configuration)."""

    index_url: str | None = None
    wheels: Path | None = None  # a local folder of wheels, instead of any index

    @property
    def key(self) -> str:
        return f"{self.index_url}|{self.wheels}"

    def options(self) -> list[str]:
        if self.wheels is not None:
            return ["--no-index", "--find-links", str(self.wheels)]
        return ["--index-url", self.index_url] if self.index_url else []


def project_source(root: Path) -> Source:
    """``[tool.skyfn] index_url``: an index URL, or a folder (relative to the project) of
    wheels; unset: PyPI."""
    value = read_settings(root).get("index_url")
    if value is None:
        return Source()
    if not isinstance(value, str) or not value.strip():
        raise SkyfnError(
            f"{root / 'pyproject.toml'}: [tool.skyfn] index_url is {value!r}; give an index "
            "URL (https://...) or a folder of wheels in the project"
        )
    if re.match(r"https?://", value):
        return Source(index_url=value)
    folder = (root / value).resolve()
    if not folder.is_dir():
        raise SkyfnError(
            f"{root / 'pyproject.toml'}: [tool.skyfn] index_url {value!r} is neither a URL "
            "nor a folder; create the folder of wheels or give the index's URL"
        )
    return Source(wheels=folder)


def cache_dir(root: Path) -> Path:
    return root / ".skyfn" / "packages"


def lock(
    requirements: Requirements,
    source: Source,
    platform: Platform,
    cache: Path,
    owner: str,
) -> str:
    """The pins (``name==version`` and the file's hashes, one a line) that ``requirements``
    resolve to on ``platform``; resolved once per file content, then read from the lock."""
    key = _key(requirements.text, source.key, platform.key)
    path = cache / "locks" / f"{key}.txt"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    # resolved without the hashes (both installers alike); the install checks them
    unhashed = "".join(f"{r.line}\n" for r in requirements.requirements)
    with tempfile.TemporaryDirectory(prefix="skyfn-lock-") as work:
        pins = installers.resolve(unhashed, source, platform, cache, Path(work), owner)
    hashes = {r.name: r.hashes for r in requirements.requirements}
    if any(hashes.values()):
        _check_hashed(pins, hashes, requirements.path, owner)
    lines = [
        pin + "".join(f" --hash={h}" for h in hashes.get(pin.partition("==")[0], ()))
        for pin in pins
    ]
    text = "".join(f"{line}\n" for line in sorted(lines))
    _write_atomic(path, text)
    return text


def install(
    lock_text: str,
    source: Source,
    platform: Platform,
    cache: Path,
    owner: str,
    say: Say | None = None,
) -> Path:
    """A folder holding exactly the locked packages for ``platform`` (built if missing)."""
    target = cache / _key(lock_text, platform.key)
    if target.is_dir():
        return target
    count = sum(1 for line in lock_text.splitlines() if line.strip())
    if say is not None:
        say(f"{owner}: installing {count} package{'s' if count != 1 else ''} ({platform.label})")
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
    try:
        installers.install(
            lock_text, source, platform, building.resolve() / "site", cache, building, owner
        )
        site = building / "site"
        site.mkdir(exist_ok=True)
        _strip(site)
        with contextlib.suppress(OSError):  # another process built the same folder first
            os.replace(site, target)  # atomic: a concurrent build sees all of it or none
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def distributions(folder: Path) -> dict[str, str]:
    """normalized name -> version of each distribution in a package folder."""
    found = {}
    for info in folder.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        found[normalize(name)] = version
    return found


def _strip(site: Path) -> None:
    """Packages only: no scripts (their ``#!`` names this machine's interpreter) and no
    installation records; files read-only, since functions share the folder."""
    shutil.rmtree(site / "bin", ignore_errors=True)
    (site / ".lock").unlink(missing_ok=True)  # uv's lock file of the target folder
    for path in sorted(site.rglob("*"), reverse=True):
        if path.is_symlink():
            path.unlink()
        elif path.name == "__pycache__" and path.is_dir():
            shutil.rmtree(path)
        elif path.is_file():
            if path.parent.name.endswith(".dist-info") and path.name in _LEFTOVERS:
                path.unlink()
            else:
                path.chmod(0o444)


def _check_hashed(
    pins: list[str], hashes: dict[str, tuple[str, ...]], path: Path, owner: str
) -> None:
    """A hash-pinned file pins every package it installs (as pip's hash-checking mode
    requires): a dependency without a hash is named, with the line to add."""
    missing = [pin for pin in pins if not hashes.get(pin.partition("==")[0])]
    if missing:
        raise SkyfnError(
            f"{owner}: {path} pins hashes, but {', '.join(missing)} "
            f"{'has' if len(missing) == 1 else 'have'} none; add a line with --hash= for "
            f"each (hash-checking covers every package installed, dependencies too)"
        )


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".lock-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    with contextlib.suppress(OSError):
        os.replace(temporary, path)


def function_packages(
    function: Function, backend: Path, platform: Platform | None = None, say: Say | None = None
) -> Path | None:
    """The package folder of ``function`` for ``platform`` (default: its Lambda's), or
    ``None`` when no requirements file declares any package for it."""
    path = find(function.directory, function.handler, backend)
    if path is None:
        return None
    checked = load(path)
    if not checked.requirements:
        return None
    root = backend.parent
    source = project_source(root)
    cache = cache_dir(root)
    target = lambda_platform(function.python_version, function.settings.architecture)
    pins = lock(checked, source, target, cache, f"function {function.name}")
    return install(pins, source, platform or target, cache, f"function {function.name}", say)
