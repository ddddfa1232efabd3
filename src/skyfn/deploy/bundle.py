"""Model function → one deterministic zip: what Lambda unpacks into its task root.

Contents (at the zip's root, so Lambda's ``sys.path`` finds them):
  the function's project files as ``skyfn.synth.fileset`` chooses them (regular files only,
  never a link; its folder without the definition file, core dumps, ``.env*``, caches,
  editor files and secret-looking files, plus the modules under ``backend/`` its code
  imports), ``skyfn/runtime/`` copied
  from the installed package with an empty ``skyfn/__init__.py`` (the real one imports
  definition code that does not ship), the generated ``skyfn_env/<module>.py``, and the
  packages of a ``requirements.txt`` beside the handler, installed for Lambda's platform.
Fixed timestamps, permissions and order: the same inputs give byte-identical zips, so an
unchanged function is neither uploaded again nor updated.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import skyfn.runtime
from skyfn.errors import SkyfnError
from skyfn.model import Function
from skyfn.runtime.lambda_platform import WHEEL_PLATFORM
from skyfn.synth.envgen import PACKAGE, PACKAGE_INIT, render_env_module
from skyfn.synth.fileset import excluded, function_files

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
FILE_MODE = 0o644
REQUIREMENTS = "requirements.txt"
SKYFN_INIT = '"""The part of skyfn a deployed function needs: skyfn.runtime."""\n'


def pip_platform(function: Function) -> tuple[str, ...]:
    """What the function's Lambda runtime runs; wheels only, so nothing compiles here."""
    return (
        "--platform",
        WHEEL_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        function.python_version,
        "--only-binary=:all:",
    )


@dataclass(frozen=True)
class Bundle:
    function: str
    data: bytes
    left_out: tuple[Path, ...] = field(default=())  # files of the function's folder not shipped
    links: tuple[Path, ...] = field(default=())  # links and other non-regular files, not shipped
    secret_looking: tuple[tuple[Path, str], ...] = field(default=())  # (file, why), not shipped

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def build_bundle(function: Function, backend: Path) -> Bundle:
    """``backend`` is the project's ``backend/`` folder, where shared modules are found."""
    files: dict[str, bytes] = {}
    requirements = requirements_file(function)
    if requirements is not None:
        with tempfile.TemporaryDirectory(prefix="skyfn-deps-") as target:
            _pip_install(function, requirements, Path(target))
            _add_tree(files, Path(target), function)
    project = function_files(function.directory, backend)
    for name, path in project.files.items():
        _add(files, name, path.read_bytes(), function)
    for path in _tree(Path(skyfn.runtime.__file__).parent):
        if path.suffix == ".py":
            relative = path.relative_to(Path(skyfn.runtime.__file__).parent).as_posix()
            _add(files, f"skyfn/runtime/{relative}", path.read_bytes(), function)
    _add(files, "skyfn/__init__.py", SKYFN_INIT.encode(), function)
    _add(files, f"{PACKAGE}/__init__.py", PACKAGE_INIT.encode(), function)
    _add(
        files,
        f"{PACKAGE}/{function.module_name}.py",
        render_env_module(function).encode(),
        function,
    )
    return Bundle(
        function.name,
        deterministic_zip(files),
        project.left_out,
        project.links,
        project.secret_looking,
    )


def requirements_file(function: Function) -> Path | None:
    """``requirements.txt`` in the folder of the handler file, if there is one."""
    module = function.handler.rpartition(".")[0]
    handler_file = function.directory.joinpath(*module.split(".")).with_suffix(".py")
    candidate = handler_file.parent / REQUIREMENTS
    return candidate if candidate.is_file() else None


def deterministic_zip(files: dict[str, bytes]) -> bytes:
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.create_system = 3  # unix, so the permission bits below are honoured
                info.external_attr = (0o100000 | FILE_MODE) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name], compresslevel=9)
        buffer.seek(0)
        return buffer.read()


def _add(files: dict[str, bytes], name: str, data: bytes, function: Function) -> None:
    if name in files:
        raise SkyfnError(
            f"function {function.name}: the bundle would hold {name} twice; rename the file "
            "in the function's folder (skyfn/ and skyfn_env/ are skyfn's) or remove the "
            "package from requirements.txt"
        )
    files[name] = data


def _add_tree(files: dict[str, bytes], root: Path, function: Function) -> None:
    for path in _tree(root):
        _add(files, path.relative_to(root).as_posix(), path.read_bytes(), function)


def _tree(root: Path) -> Iterator[Path]:
    """Files under ``root`` in a stable order, without caches, dotfiles and editor files."""
    for path in sorted(root.rglob("*")):
        if any(excluded(p) for p in path.relative_to(root).parts) or not path.is_file():
            continue
        yield path


def _pip_install(function: Function, requirements: Path, target: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",  # .pyc files hold timestamps; Lambda compiles on first import
        "--target",
        str(target),
        *pip_platform(function),
        "--requirement",
        str(requirements),
    ]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=requirements.parent)
    if proc.returncode != 0:
        detail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise SkyfnError(
            f"function {function.name}: installing {requirements} for Lambda "
            f"(python {function.python_version}, {WHEEL_PLATFORM}, wheels only) failed:\n{detail}\n"
            "pin versions that publish such wheels, or remove the package"
        )
