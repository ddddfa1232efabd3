"""Private folders and files: 0700 and 0600 whatever the umask, written atomically."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from skyfn.private_files import private_folder, write_private


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_private_file_replaces_the_old_one_whole(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    private_folder(folder)
    write_private(folder / "data", b"old")
    write_private(folder / "data", b"new")
    assert (folder / "data").read_bytes() == b"new"
    assert mode(folder) == 0o700 and mode(folder / "data") == 0o600
    assert os.listdir(folder) == ["data"]  # no temporary file left
