"""Model function → one deterministic zip: what Lambda unpacks into its task root.

Contents (at the zip's root, so Lambda's ``sys.path`` finds them):
  the function's project files as ``skyfn.synth.fileset`` chooses them (regular files only,
  never a link; its folder without the definition file, core dumps, ``.env*``, caches,
  editor files and secret-looking files, plus the modules under ``backend/`` its code
  imports), ``skyfn/runtime/`` copied
  from the installed package with an empty ``skyfn/__init__.py`` (the real one imports
  definition code that does not ship), the generated ``skyfn_env/<module>.py``, and the
  packages of the function's lock (``skyfn.synth.packages``: its ``requirements.txt``
  resolved once, installed as wheels for its runtime's Python and architecture, without
  scripts or installation records), the same ones its local workers get.
Fixed timestamps, permissions and order: the same inputs give byte-identical zips, so an
unchanged function is neither uploaded again nor updated.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import skyfn.runtime
from skyfn.errors import SkyfnError
from skyfn.model import Function
from skyfn.synth.envgen import PACKAGE, PACKAGE_INIT, render_env_module
from skyfn.synth.fileset import excluded, function_files
from skyfn.synth.packages import function_packages

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
FILE_MODE = 0o644
UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda's, the function and its layers together
SKYFN_INIT = '"""The part of skyfn a deployed function needs: skyfn.runtime."""\n'


@dataclass(frozen=True)
class Bundle:
    function: str
    data: bytes
    left_out: tuple[Path, ...] = field(default=())  # files of the function's folder not shipped
    links: tuple[Path, ...] = field(default=())  # links and other non-regular files, not shipped
    secret_looking: tuple[tuple[Path, str], ...] = field(default=())  # (file, why), not shipped
    unzipped: tuple[tuple[str, int], ...] = field(default=())  # (top-level name, bytes)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def build_bundle(function: Function, backend: Path) -> Bundle:
    """``backend`` is the project's ``backend/`` folder, where shared modules are found."""
    files: dict[str, bytes] = {}
    installed = function_packages(function, backend)  # the lock, for Lambda's platform
    if installed is not None:
        _add_tree(files, installed, function)
    project = function_files(function.directory, backend)
    for name, path in project.files.items():
        _add(files, name, path.read_bytes(), function)
    for path in files_under(Path(skyfn.runtime.__file__).parent):
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
    _check_size(files, function)
    return Bundle(
        function.name,
        deterministic_zip(files),
        project.left_out,
        project.links,
        project.secret_looking,
        tuple(sorted(top_sizes(files).items())),
    )


def _check_size(files: dict[str, bytes], function: Function) -> None:
    """Lambda's limit, checked before anything is uploaded, naming what takes the room."""
    total = sum(len(data) for data in files.values())
    if total <= UNZIPPED_LIMIT:
        return
    sizes = top_sizes(files)
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    named = ", ".join(f"{top} ({size // 2**20} MB)" for top, size in largest)
    raise SkyfnError(
        f"function {function.name}: its bundle unzips to {total // 2**20} MB, over Lambda's "
        f"{UNZIPPED_LIMIT // 2**20} MB; largest: {named}; drop packages it does not need"
    )


def top_sizes(files: dict[str, bytes]) -> dict[str, int]:
    """Bytes unzipped under each top-level name (a package, a module, ``skyfn``)."""
    sizes: dict[str, int] = {}
    for name, data in files.items():
        top = name.split("/", 1)[0]
        sizes[top] = sizes.get(top, 0) + len(data)
    return sizes


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
    for path in files_under(root):
        _add(files, path.relative_to(root).as_posix(), path.read_bytes(), function)


def files_under(root: Path) -> Iterator[Path]:
    """Files under ``root`` in a stable order, without caches, dotfiles and editor files."""
    for path in sorted(root.rglob("*")):
        if any(excluded(p) for p in path.relative_to(root).parts) or not path.is_file():
            continue
        yield path
