"""The project's settings: the ``[tool.skyfn]`` table of its ``pyproject.toml``.

Keys: ``app_id`` (str), ``project_id`` (the random id ``skyfn init`` writes: the stacks
this project deploys carry it), ``secret_store`` (the sandbox's default store),
``secret_max_age`` (seconds a deployed function serves a secret before re-reading it;
``"none"``: once per cold start).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from skyfn.errors import SkyfnError


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


def secret_max_age(settings: Mapping[str, object], root: Path) -> int | None:
    """``[tool.skyfn] secret_max_age``: whole seconds (at least 1), or ``"none"``; default 300."""
    from skyfn.runtime.contract import DEFAULT_MAX_AGE

    value = settings.get("secret_max_age", DEFAULT_MAX_AGE)
    if isinstance(value, str) and value.lower() == "none":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise SkyfnError(
        f"{root / 'pyproject.toml'}: [tool.skyfn] secret_max_age is {value!r}; give whole "
        'seconds (at least 1), e.g. 300, or "none" to read secrets once per cold start'
    )


PROJECT_ID = "project_id"
_PROJECT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


def project_id(settings: Mapping[str, object], root: Path) -> str | None:
    """``[tool.skyfn] project_id``: 8-64 letters, digits and '-'; ``None`` when unset."""
    value = settings.get(PROJECT_ID)
    if value is None:
        return None
    if isinstance(value, str) and _PROJECT_ID.fullmatch(value):
        return value
    raise SkyfnError(
        f"{root / 'pyproject.toml'}: [tool.skyfn] project_id is {value!r}; give 8-64 letters, "
        "digits and '-' (skyfn init writes a random one, e.g. "
        f'project_id = "{new_project_id()}")'
    )


def new_project_id() -> str:
    """A random project id: what tells this project's stacks from another's of one app id."""
    import uuid

    return str(uuid.uuid4())
