"""Small wheels built here, so package tests need no network: a folder of them is the
project's index (``[tool.skyfn] index_url = "wheels"``)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

PURE = "py3-none-any"


def manylinux(machine: str, python: str = "312") -> str:
    """A tag for compiled-looking wheels: ``manylinux_2_17_<machine>``."""
    return f"cp{python}-cp{python}-manylinux_2_17_{machine}.manylinux2014_{machine}"


def build_wheel(
    folder: Path,
    name: str,
    version: str,
    modules: Mapping[str, str] | None = None,
    requires: Sequence[str] = (),
    tag: str = PURE,
    script: str | None = None,
) -> Path:
    """A wheel of ``name`` holding ``modules`` (path -> source; default: a package that
    records its name and version), requiring ``requires``, with a console ``script``."""
    folder.mkdir(parents=True, exist_ok=True)
    package = name.replace("-", "_")
    files = dict(modules or {f"{package}/__init__.py": f"NAME = {name!r}\nVERSION = {version!r}\n"})
    info = f"{package}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    files[f"{info}/METADATA"] = "\n".join(metadata) + "\n"
    pure = "true" if tag == PURE else "false"
    files[f"{info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: skyfn-tests\nRoot-Is-Purelib: {pure}\n"
        + "".join(f"Tag: {t}\n" for t in _tags(tag))
    )
    if script is not None:
        files[f"{info}/entry_points.txt"] = f"[console_scripts]\n{script} = {package}:main\n"
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = folder / f"{package}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in sorted(files):
            archive.writestr(path, files[path])
    return wheel


def _tags(tag: str) -> list[str]:
    python, abi, platforms = tag.split("-")
    return [
        f"{py}-{a}-{p}"
        for py in python.split(".")
        for a in abi.split(".")
        for p in platforms.split(".")
    ]
