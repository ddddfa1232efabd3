"""The project's settings: the ``[tool.skyfn]`` table of its ``pyproject.toml``.

Keys: ``app_id`` (str), ``secret_store`` (the sandbox's default store).
"""

from __future__ import annotations

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
