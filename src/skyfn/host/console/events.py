"""Saved events: ``events/<function>/<name>.json`` in the project, so they can be committed
and shared; the console lists, reads and writes them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from skyfn.errors import SkyfnError

EVENTS_DIR = "events"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def folder(root: Path, function: str) -> Path:
    return root / EVENTS_DIR / function


def names(root: Path, function: str) -> list[str]:
    where = folder(root, function)
    if not where.is_dir():
        return []
    return sorted(p.stem for p in where.glob("*.json") if _NAME.fullmatch(p.stem))


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name) or name.endswith("."):
        raise SkyfnError(
            f"event name {name[:80]!r} is not valid; use letters, digits, '-', '_' and '.' "
            "(at most 64, starting with a letter or digit)"
        )
    return name


def read(root: Path, function: str, name: str) -> str:
    path = folder(root, function) / f"{check_name(name)}.json"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SkyfnError(f"cannot read saved event {path}: {exc}") from None


def parse(text: str) -> Any:
    """The event as JSON; a clear error naming the line and column when it is not."""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SkyfnError(
            f"the event is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise SkyfnError("the event is not valid JSON: nested too deeply") from None


def save(root: Path, function: str, name: str, text: str) -> Path:
    event = parse(text)
    path = folder(root, function) / f"{check_name(name)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
    return path
