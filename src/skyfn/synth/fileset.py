"""The project files a function runs: what its bundle holds, and nothing else.

One function, used by the bundle and by the local host's task root (so a local worker sees
exactly the deployed files): the files of the function's folder, minus what must never
ship, plus the project modules under ``backend/`` that those files import, found by reading
their imports (``ast``, followed transitively; only imports that resolve to files under
``backend/`` count, everything else is the standard library or a third-party package).

Only regular files whose real path stays inside the function's folder or ``backend/`` are
shipped. Links are never followed (a committed ``settings.txt -> /proc/self/environ`` or
``loop -> .`` must not put the deploying machine's files into a bundle), nor are FIFOs,
sockets or devices read: all of them are left out and listed (``FileSet.links``).

Never shipped: the definition file (``resource.py``: it imports ``skyfn`` and, at the task
root, would shadow the standard library's ``resource`` module), core dumps, ``.env*`` files,
dotfiles and dot-folders, caches (``__pycache__``, ``*.pyc``) and editor files (``*.swp``,
``*~``, ``.DS_Store``, ...). Left out unless ``[tool.skyfn] bundle_include`` names them:
files that look like they hold secrets (``skyfn.synth.secret_files``). What was left out
is reported, so a deploy can list it.

Names in the set are the paths the files get at the bundle's root, where Lambda's
``sys.path`` (like the local worker's ``PYTHONPATH``: function folder, then ``backend/``)
finds them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from skyfn.synth import secret_files

DEFINITION_FILE = "resource.py"
_NEVER_DIRS = {"__pycache__", "node_modules"}
_NEVER_FILE = re.compile(
    r"(core(\.\d+)?|.*\.py[cod]|.*\.sw[a-p]|.*~|#.*#|Thumbs\.db|desktop\.ini|.*\.orig|.*\.rej)"
)


@dataclass(frozen=True)
class FileSet:
    files: Mapping[str, Path]  # name in the bundle -> file on disk
    left_out: tuple[Path, ...]  # files (or whole folders) of the function's folder not shipped
    # links, and anything else that is not a regular file inside the bundled folders
    links: tuple[Path, ...] = ()
    secret_looking: tuple[tuple[Path, str], ...] = ()  # (file, why), not in bundle_include


@dataclass
class _Found:
    project: Path  # the project's root, which bundle_include's paths are relative to
    inside: tuple[Path, ...]  # the real folders a shipped file's real path must stay in
    include: tuple[str, ...]
    files: dict[str, Path] = field(default_factory=dict)
    left_out: list[Path] = field(default_factory=list)
    links: list[Path] = field(default_factory=list)
    secret_looking: list[tuple[Path, str]] = field(default_factory=list)

    def ships(self, path: Path) -> bool:
        """Whether the regular, unlinked file ``path`` ships (else it is noted why not)."""
        if not any(path.resolve().is_relative_to(folder) for folder in self.inside):
            self.links.append(path)  # its folder is reached through a link from elsewhere
            return False
        why = secret_files.reason(path)
        if why is None or secret_files.included(self._relative(path), self.include):
            return True
        self.secret_looking.append((path, why))
        return False

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.project).as_posix()
        except ValueError:
            return path.as_posix()


def excluded(name: str) -> bool:
    """Whether a file or folder with this name never ships (dotfiles include ``.env*``)."""
    return name.startswith(".") or name in _NEVER_DIRS or bool(_NEVER_FILE.fullmatch(name))


def function_files(directory: Path, backend: Path) -> FileSet:
    """The files a function whose folder is ``directory`` runs, in a project whose
    ``backend/`` folder is ``backend`` (its parent holds the ``pyproject.toml`` whose
    ``[tool.skyfn] bundle_include`` is honoured)."""
    roots = (directory.resolve(), backend.resolve())
    found = _Found(backend.parent, roots, secret_files.include_patterns(backend.parent))
    _walk(directory, directory, found, top=True)
    pending = [path for path in found.files.values() if path.suffix == ".py"]
    seen = {path.resolve() for path in pending}
    while pending:
        source = pending.pop()
        for module in _imported_modules(source, roots):
            root, modules = _module_files(module, roots)
            if root != roots[1]:
                continue  # not project code, or the function's own folder (shipped whole)
            for path in modules:
                if path in seen:
                    continue
                seen.add(path)
                if (link := _link_on_the_way(root, path)) is not None:
                    found.links.append(link)
                elif path.is_file() and found.ships(path):
                    found.files.setdefault(path.relative_to(root).as_posix(), path)
                    pending.append(path)
    return FileSet(
        dict(sorted(found.files.items())),
        tuple(found.left_out),
        tuple(sorted(set(found.links))),
        tuple(sorted(found.secret_looking)),
    )


def _walk(root: Path, folder: Path, found: _Found, *, top: bool) -> None:
    for path in sorted(folder.iterdir()):
        if excluded(path.name) or (top and path.name == DEFINITION_FILE):
            found.left_out.append(path)
        elif path.is_symlink():
            found.links.append(path)  # never followed: it may point anywhere, or at itself
        elif path.is_dir():
            _walk(root, path, found, top=False)
        elif not path.is_file():
            found.links.append(path)  # a FIFO, socket or device: never read
        elif found.ships(path):
            found.files[path.relative_to(root).as_posix()] = path


def _link_on_the_way(root: Path, path: Path) -> Path | None:
    """The first folder or file on the way from ``root`` to ``path`` that is a link."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


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
