"""The project files a function runs: what its bundle holds, and nothing else.

One function, used by the bundle (and meant for the local host): the files of the
function's folder, minus what must never ship, plus the project modules under
``backend/`` that those files import, found by reading their imports (``ast``, followed
transitively; only imports that resolve to files under ``backend/`` count, everything else
is the standard library or a third-party package).

Never shipped: the definition file (``resource.py``: it imports ``skyfn`` and, at the task
root, would shadow the standard library's ``resource`` module), core dumps, ``.env*`` files,
dotfiles and dot-folders, caches (``__pycache__``, ``*.pyc``) and editor files (``*.swp``,
``*~``, ``.DS_Store``, ...). What was left out is reported, so a deploy can list it.

Names in the set are the paths the files get at the bundle's root, where Lambda's
``sys.path`` (like the local worker's ``PYTHONPATH``: function folder, then ``backend/``)
finds them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

DEFINITION_FILE = "resource.py"
_NEVER_DIRS = {"__pycache__", "node_modules"}
_NEVER_FILE = re.compile(
    r"(core(\.\d+)?|.*\.py[cod]|.*\.sw[a-p]|.*~|#.*#|Thumbs\.db|desktop\.ini|.*\.orig|.*\.rej)"
)


@dataclass(frozen=True)
class FileSet:
    files: Mapping[str, Path]  # name in the bundle -> file on disk
    left_out: tuple[Path, ...]  # files (or whole folders) of the function's folder not shipped


def excluded(name: str) -> bool:
    """Whether a file or folder with this name never ships (dotfiles include ``.env*``)."""
    return name.startswith(".") or name in _NEVER_DIRS or bool(_NEVER_FILE.fullmatch(name))


def function_files(directory: Path, backend: Path) -> FileSet:
    """The files a function whose folder is ``directory`` runs, in a project whose
    ``backend/`` folder is ``backend``."""
    files: dict[str, Path] = {}
    left_out: list[Path] = []
    _walk(directory, directory, files, left_out, top=True)
    roots = (directory.resolve(), backend.resolve())
    pending = [path for path in files.values() if path.suffix == ".py"]
    seen = {path.resolve() for path in pending}
    while pending:
        source = pending.pop()
        for module in _imported_modules(source, roots):
            root, found = _module_files(module, roots)
            if root != roots[1]:
                continue  # not project code, or the function's own folder (shipped whole)
            for path in found:
                real = path.resolve()
                if real not in seen and real.is_relative_to(root):
                    seen.add(real)
                    files.setdefault(real.relative_to(root).as_posix(), path)
                    pending.append(path)
    return FileSet(dict(sorted(files.items())), tuple(left_out))


def _walk(
    root: Path, folder: Path, files: dict[str, Path], left_out: list[Path], *, top: bool
) -> None:
    for path in sorted(folder.iterdir()):
        if excluded(path.name) or (top and path.name == DEFINITION_FILE):
            left_out.append(path)
        elif path.is_dir():
            _walk(root, path, files, left_out, top=False)
        elif path.is_file():
            files[path.relative_to(root).as_posix()] = path


def _imported_modules(source: Path, roots: tuple[Path, Path]) -> Iterator[str]:
    """Dotted names ``source`` may import (``from a import b`` gives ``a`` and ``a.b``)."""
    try:
        tree = ast.parse(source.read_bytes(), filename=str(source))
    except (SyntaxError, ValueError):
        return  # the function fails to import anyway; Python says why, better than we can
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(source, node.level, node.module, roots)
            if base is None:
                continue
            if base:
                yield base
            yield from (f"{base}.{a.name}" if base else a.name for a in node.names)


def _absolute(source: Path, level: int, module: str | None, roots: tuple[Path, Path]) -> str | None:
    """A relative import's absolute name (``None`` when it leaves the import roots)."""
    if level == 0:
        return module or ""
    folder = source.resolve().parent
    for _ in range(level - 1):
        folder = folder.parent
    for root in roots:
        if folder == root or folder.is_relative_to(root):
            package = ".".join(folder.relative_to(root).parts)
            return ".".join(p for p in (package, module or "") if p)
    return None


def _module_files(module: str, roots: tuple[Path, Path]) -> tuple[Path | None, list[Path]]:
    """The files importing ``module`` runs: each package's ``__init__.py`` on the way, and
    the module itself, from the first root that has its top-level name (as Python does)."""
    parts = module.split(".")
    root = next((r for r in roots if _found(r / parts[0])), None)
    found: list[Path] = []
    folder = root
    for part in parts if root is not None else ():
        assert folder is not None
        target = folder / part
        if target.with_suffix(".py").is_file():
            found.append(target.with_suffix(".py"))
            break
        if not target.is_dir():
            break
        if (target / "__init__.py").is_file():
            found.append(target / "__init__.py")
        folder = target
    return root, found


def _found(target: Path) -> bool:
    return target.with_suffix(".py").is_file() or target.is_dir()
