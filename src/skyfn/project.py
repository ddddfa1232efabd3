"""Find the project, read ``[tool.skyfn]``, and load ``backend/backend.py``."""

from __future__ import annotations

import os
import runpy
import sys
import tomllib
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from skyfn import scope
from skyfn.definition import BackendDefinition
from skyfn.errors import DefinitionError, SkyfnError
from skyfn.runtime import contract

BACKEND_FILE = Path("backend") / "backend.py"


@dataclass(frozen=True)
class Project:
    root: Path
    app_id: str
    settings: Mapping[str, object] = field(default_factory=dict)

    @property
    def backend_dir(self) -> Path:
        return backend_dir(self.root)

    @property
    def skyfn_dir(self) -> Path:
        return self.root / ".skyfn"

    @property
    def generated_dir(self) -> Path:
        return generated_dir(self.root)

    @property
    def artifacts_dir(self) -> Path:
        return self.skyfn_dir / "artifacts"


def backend_dir(root: Path) -> Path:
    return root / "backend"


def generated_dir(root: Path) -> Path:
    """Where the typed env modules live (``skyfn_env`` is a package in it)."""
    return root / ".skyfn" / "generated"


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above ``start`` (default: cwd) holding ``backend/backend.py``."""
    here = (start or Path.cwd()).resolve()
    looked = [here, *here.parents]
    for folder in looked:
        if (folder / BACKEND_FILE).is_file():
            return open_project(folder)
    shown = ", ".join(str(p / BACKEND_FILE) for p in looked[:4])
    more = f" and {len(looked) - 4} folders above" if len(looked) > 4 else ""
    raise SkyfnError(
        f"no backend/backend.py found (looked at {shown}{more}); "
        "run skyfn inside a project, or create one with: skyfn init DIR"
    )


def open_project(root: Path) -> Project:
    settings = read_settings(root)
    app_id = settings.get("app_id")
    if app_id is None:
        app_id = scope.normalise_app_id(root.name)
    elif not isinstance(app_id, str):
        raise SkyfnError(f"{root / 'pyproject.toml'}: [tool.skyfn] app_id must be a string")
    return Project(root=root, app_id=scope.check_app_id(app_id), settings=settings)


def read_settings(root: Path) -> Mapping[str, object]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SkyfnError(f"{path} is not valid TOML: {exc}") from None
    tool = data.get("tool", {})
    section = tool.get("skyfn", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        raise SkyfnError(f"{path}: [tool.skyfn] must be a table")
    return section


def load_backend(project: Project) -> BackendDefinition:
    """Run ``backend/backend.py`` (with ``backend/`` importable) and return its ``backend``."""
    path = project.root / BACKEND_FILE
    with _importable(project.backend_dir):
        try:
            namespace = runpy.run_path(str(path), run_name="skyfn_backend")
        except SkyfnError:
            raise
        except SyntaxError as exc:
            raise DefinitionError(_syntax_error_message(exc, project.root)) from None
        except BaseException as exc:  # the user's code may raise anything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise DefinitionError(_import_error_message(exc, project)) from None
    backend = namespace.get("backend")
    if not isinstance(backend, BackendDefinition):
        raise DefinitionError(
            f"{path.relative_to(project.root)} must assign backend = define_backend(...) "
            f"(found {'nothing' if backend is None else type(backend).__name__})"
        )
    return backend


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


STORES = ("local", "ssm")


def choose_secret_store(project: Project | None, override: str | None = None) -> str:
    """``--store``, else ``SKYFN_SECRET_STORE``, else ``[tool.skyfn] secret_store``, else local."""
    configured = project.settings.get("secret_store") if project else None
    for source, value in (
        ("--store", override),
        (contract.STORE_VAR, os.environ.get(contract.STORE_VAR)),
        ("[tool.skyfn] secret_store", configured),
    ):
        if value is None or value == "":
            continue
        if value not in STORES:
            raise SkyfnError(f"{source} is {value!r}; choose one of: {', '.join(STORES)}")
        return str(value)
    return "local"
