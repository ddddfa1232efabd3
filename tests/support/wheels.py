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


# requests 2.32.3 and what it pulls, as PyPI serves them for Python 3.12: (name, version,
# files, unzipped bytes, dependencies). Stand-ins of the same shape keep offline runs honest.
REQUESTS_SET = (
    (
        "requests",
        "2.32.3",
        18,
        205_000,
        ("urllib3>=1.21", "idna>=2.5", "certifi", "charset-normalizer>=2"),
    ),
    ("urllib3", "2.8.0", 38, 450_000, ()),
    ("idna", "3.20", 12, 342_000, ()),
    ("certifi", "2026.10.19", 8, 243_000, ()),
    ("charset-normalizer", "3.5.3", 15, 242_000, ()),
)


def build_requests_like(folder: Path) -> list[Path]:
    """Pure-Python stand-ins named and shaped like ``requests`` and its four dependencies
    (same file counts and sizes, source-like text, so zipping costs what it would)."""
    wheels = []
    for name, version, count, size, requires in REQUESTS_SET:
        package = name.replace("-", "_")
        per_file = size // count
        modules = {f"{package}/__init__.py": f"NAME = {name!r}\nVERSION = {version!r}\n"}
        for index in range(1, count):
            modules[f"{package}/part_{index}.py"] = _source_like(f"{package}{index}", per_file)
        wheels.append(build_wheel(folder, name, version, modules=modules, requires=requires))
    return wheels


def _source_like(seed: str, size: int) -> str:
    """Deterministic text that compresses about as Python source does."""
    words = ["def", "return", "self", "value", "if", "else", "for", "in", "None", "raise"]
    lines: list[str] = []
    total = 0
    number = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    while total < size:
        number = (number * 1103515245 + 12345) % 2**31
        picked = [words[(number >> shift) % len(words)] for shift in (0, 3, 7, 11, 15)]
        line = f"    {picked[0]} {seed}_{number % 997}({', '.join(picked[1:])})  # {number}\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)
