"""skyfn.synth.writer: outputs are replaced atomically, never rewritten when unchanged, readable
by everyone whatever the umask, and only owned folders lose their stale files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from skyfn.synth.writer import write_if_changed, write_outputs


def identity(path: Path) -> tuple[int, int]:
    """(inode, mtime): any rewrite, even an atomic one of the same bytes, changes it."""
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


@pytest.fixture()
def strict_umask() -> Iterator[None]:
    old = os.umask(0o077)
    yield
    os.umask(old)


def test_a_new_file_is_written_with_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "env.py"
    assert write_if_changed(path, "X = 1\n") is True
    assert path.read_text() == "X = 1\n"


def test_the_same_content_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "env.py"
    write_if_changed(path, "X = 1\n")
    before = identity(path)
    assert write_if_changed(path, "X = 1\n") is False
    assert identity(path) == before


def test_a_change_replaces_the_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "env.py"
    write_if_changed(path, "old content\n")
    with path.open() as reader:  # a tool that had the old file open keeps seeing all of it
        assert write_if_changed(path, "new content, longer than the old one\n") is True
        assert reader.read() == "old content\n"
    assert path.read_text() == "new content, longer than the old one\n"
    assert [p.name for p in tmp_path.iterdir()] == ["env.py"]  # no temporary file left


def test_content_is_written_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "env.py"
    write_if_changed(path, 'NAME = "Grüße ✓"\n')
    assert path.read_bytes() == 'NAME = "Grüße ✓"\n'.encode()
    assert write_if_changed(path, 'NAME = "Grüße ✓"\n') is False


@pytest.mark.usefixtures("strict_umask")
def test_outputs_are_readable_by_everyone_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "artifact.json"
    write_if_changed(path, "{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    write_if_changed(path, '{"changed": true}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_write_outputs_reports_written_and_unchanged(tmp_path: Path) -> None:
    a, b = tmp_path / "gen" / "a.py", tmp_path / "gen" / "b.py"
    first = write_outputs({b: "B\n", a: "A\n"})
    assert first.written == (a, b)  # in path order
    assert first.unchanged == () and first.removed == ()
    second = write_outputs({a: "A\n", b: "B, edited\n"})
    assert second.written == (b,)
    assert second.unchanged == (a,)


def test_stale_files_are_removed_only_from_owned_folders(tmp_path: Path) -> None:
    owned, other = tmp_path / "generated", tmp_path / "backend"
    kept = owned / "say_hello.py"
    stale = owned / "deleted_function.py"
    users = other / "notes.txt"
    nested = owned / "cache" / "old.py"
    for path in (stale, users, nested):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")

    report = write_outputs({kept: "env\n"}, owned_dirs=[owned, tmp_path / "missing"])

    assert report.removed == (stale,)
    assert not stale.exists()
    assert kept.read_text() == "env\n"
    assert users.read_text() == "x"  # a folder skyfn does not own is never cleaned
    assert nested.read_text() == "x"  # only the owned folder's own files, not subfolders


def test_files_beside_outputs_in_folders_not_owned_are_kept(tmp_path: Path) -> None:
    template = tmp_path / "project" / "template.json"
    mine = tmp_path / "project" / "my-notes.md"
    mine.parent.mkdir()
    mine.write_text("mine")
    report = write_outputs({template: "{}"}, owned_dirs=[tmp_path / "project" / "generated"])
    assert report.removed == ()
    assert mine.read_text() == "mine"


def test_a_second_write_of_the_same_outputs_touches_nothing(tmp_path: Path) -> None:
    owned = tmp_path / "generated"
    outputs = {owned / f"fn_{i}.py": f"N = {i}\n" for i in range(5)}
    write_outputs(outputs, owned_dirs=[owned])
    before = {path: identity(path) for path in outputs}
    report = write_outputs(outputs, owned_dirs=[owned])
    assert report.written == () and report.removed == ()
    assert {path: identity(path) for path in outputs} == before
