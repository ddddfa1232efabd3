"""Private folders and files: 0700 and 0600 whatever the umask, written atomically."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from skyfn.private_files import make_private_folders, private_folder, write_private


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_missing_parents_are_made_private_too(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b" / "c"
    make_private_folders(folder)
    make_private_folders(folder)  # already there: nothing to do
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", folder)] == [0o700] * 3


def test_a_folder_that_cannot_be_made_is_reported_as_the_caller_says(tmp_path: Path) -> None:
    (tmp_path / "file").touch()
    with pytest.raises(NotADirectoryError):
        make_private_folders(tmp_path / "file" / "sub")
    with pytest.raises(ValueError, match="sub"):
        make_private_folders(tmp_path / "file" / "sub", lambda path, exc: ValueError(str(path)))


def test_a_private_file_replaces_the_old_one_whole(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    private_folder(folder)
    write_private(folder / "data", b"old")
    write_private(folder / "data", b"new")
    assert (folder / "data").read_bytes() == b"new"
    assert mode(folder) == 0o700 and mode(folder / "data") == 0o600
    assert os.listdir(folder) == ["data"]  # no temporary file left
