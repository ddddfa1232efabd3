"""Saved events: files under events/<function>/ in the project, JSON checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.host.console import events


def test_saved_events_are_json_files_in_the_project(tmp_path: Path) -> None:
    path = events.save(tmp_path, "say-hello", "alice", '{"who":"alice"}')
    assert path == tmp_path / "events" / "say-hello" / "alice.json"
    assert json.loads(path.read_text()) == {"who": "alice"}
    assert events.names(tmp_path, "say-hello") == ["alice"]
    assert json.loads(events.read(tmp_path, "say-hello", "alice")) == {"who": "alice"}
    assert events.names(tmp_path, "other") == []


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "x" * 65, "end."])
def test_a_name_cannot_leave_the_events_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(SkyfnError, match="event name"):
        events.save(tmp_path, "fn", name, "{}")
    assert not (tmp_path / "events").exists()


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(SkyfnError, match=r"not valid JSON: .* line 2, column"):
        events.save(tmp_path, "fn", "bad", '{\n "a": }')
    assert events.parse("  ") == {}
