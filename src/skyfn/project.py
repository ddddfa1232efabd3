"""Find the project (the folder holding ``backend/backend.py``) and where its files go."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from skyfn import scope
from skyfn.errors import SkyfnError
from skyfn.settings import project_id, read_settings

BACKEND_FILE = Path("backend") / "backend.py"


@dataclass(frozen=True)
class Project:
    root: Path
    app_id: str
    settings: Mapping[str, object] = field(default_factory=dict)
    # The app id came from the folder's name, not [tool.skyfn] app_id (nor --app-id):
    # another folder may give the same one (``My_App_x`` and ``my.app.x``: ``my-app-x``).
    app_id_from_folder: bool = False
    project_id: str | None = None  # [tool.skyfn] project_id: its stacks carry it

    def require_app_id(self, what: str) -> None:
        """Refuse ``what`` (a branch deploy, a branch secret, ...) unless the app id was
        chosen, not derived from the folder's name; the error gives the line to add, with
        the id used so far, so nothing deployed moves."""
        if not self.app_id_from_folder:
            return
        raise SkyfnError(
            f"{what} needs an explicit app id: this project's ({self.app_id}) comes from its "
            "folder's name, which another folder can share (My_App_x and my.app.x both give "
            f"my-app-x). Add this line under [tool.skyfn] in {self.root / 'pyproject.toml'}: "
            f'app_id = "{self.app_id}"'
        )

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
    from_folder = app_id is None
    if app_id is None:
        app_id = scope.normalise_app_id(root.name)
    elif not isinstance(app_id, str):
        raise SkyfnError(f"{root / 'pyproject.toml'}: [tool.skyfn] app_id must be a string")
    return Project(
        root=root,
        app_id=scope.check_app_id(app_id),
        settings=settings,
        app_id_from_folder=from_folder,
        project_id=project_id(settings, root),
    )
