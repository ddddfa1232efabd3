"""Run the user's ``backend/backend.py`` (user code: anything may happen) and return its
``backend``; every failure becomes one line naming the file and line at fault.

What the definitions read is tracked, and what has not changed since the last load is
restored instead of run (``skyfn.definition_cache``)."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from skyfn.definition import BackendDefinition
from skyfn.definition_cache import DefinitionCache
from skyfn.definition_tracker import BACKEND_MODULE, Tracker
from skyfn.errors import DefinitionError, SkyfnError
from skyfn.project import BACKEND_FILE, Project


def load_backend(project: Project) -> BackendDefinition:
    """Run ``backend/backend.py`` (with ``backend/`` importable) and return its ``backend``."""
    path = project.root / BACKEND_FILE
    cache = DefinitionCache(project.skyfn_dir, project.backend_dir)
    namespace = cache.whole()
    if namespace is None:
        namespace = _load(project, path, cache)
    backend = namespace.get("backend")
    if not isinstance(backend, BackendDefinition):
        raise DefinitionError(
            f"{path.relative_to(project.root)} must assign backend = define_backend(...) "
            f"(found {'nothing' if backend is None else type(backend).__name__})"
        )
    return backend


def _load(project: Project, path: Path, cache: DefinitionCache) -> Mapping[str, object]:
    """Run backend.py, the project modules it imports tracked (or restored), and record."""
    with _importable(project.backend_dir):
        try:
            with cache.loading() as tracker:
                namespace = _run_backend(path, tracker)
        except SkyfnError:
            raise
        except SyntaxError as exc:
            raise DefinitionError(_syntax_error_message(exc, project.root)) from None
        except BaseException as exc:  # the user's code may raise anything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise DefinitionError(_import_error_message(exc, project)) from None
        if isinstance(namespace.get("backend"), BackendDefinition):
            cache.keep(namespace)  # while its modules are still loaded
    return namespace


def _run_backend(path: Path, tracker: Tracker) -> dict[str, object]:
    """What ``runpy.run_path(path, run_name="skyfn_backend")`` does, with the run tracked."""
    code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    module = ModuleType(BACKEND_MODULE)
    module.__dict__.update(
        __file__=str(path), __cached__=None, __loader__=None, __package__="", __spec__=None
    )
    before = sys.modules.get(BACKEND_MODULE)
    sys.modules[BACKEND_MODULE] = module
    try:
        with tracker.running(BACKEND_MODULE, str(path)):
            exec(code, module.__dict__)
    finally:
        if before is None:
            sys.modules.pop(BACKEND_MODULE, None)
        else:
            sys.modules[BACKEND_MODULE] = before
    return dict(module.__dict__)


@contextmanager
def _importable(backend_dir: Path) -> Iterator[None]:
    """Put ``backend/`` first on sys.path and forget its modules before and after a load,
    so a re-load (sandbox watch) sees edited files."""
    _forget_modules_under(backend_dir)
    sys.path.insert(0, str(backend_dir))
    try:
        yield
    finally:
        sys.path.remove(str(backend_dir))
        _forget_modules_under(backend_dir)


def _forget_modules_under(folder: Path) -> None:
    root = folder.resolve()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            mine = file.startswith(str(root))
        else:  # a namespace package (a folder without __init__.py) of the backend
            mine = (root / name.split(".")[0]).is_dir()
        if mine:
            del sys.modules[name]


def _relative(path: str | None, root: Path) -> str:
    if not path:
        return "?"
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return path


def _syntax_error_message(exc: SyntaxError, root: Path) -> str:
    where = _relative(exc.filename, root)
    line = f", line {exc.lineno}" if exc.lineno else ""
    return f"{where}{line}: {type(exc).__name__}: {exc.msg}; fix the file and run synth again"


def _import_error_message(exc: BaseException, project: Project) -> str:
    """Name the innermost frame in the user's own files, and the error, in one line."""
    frames = traceback.extract_tb(exc.__traceback__)
    backend = str(project.backend_dir.resolve())
    own = [f for f in frames if str(Path(f.filename).resolve()).startswith(backend)]
    frame = own[-1] if own else (frames[-1] if frames else None)
    where = f"{_relative(frame.filename, project.root)}, line {frame.lineno}" if frame else "?"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"loading the backend failed at {where}: {error}"
