"""The resolver answers exactly what ``os.path.realpath`` answers, links and all, while
looking at each folder once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skyfn.synth.realpaths import Resolver


def _tree(root: Path) -> list[str]:
    """Folders, files and every kind of link; the paths to ask about."""
    (root / "project" / "functions" / "a").mkdir(parents=True)
    (root / "project" / "functions" / "a" / "handler.py").write_text("")
    (root / "outside").mkdir()
    (root / "outside" / "secret.py").write_text("")
    functions = root / "project" / "functions"
    (functions / "b").symlink_to(root / "outside")  # a folder link leaving the project
    (functions / "a" / "escape.py").symlink_to(root / "outside" / "secret.py")
    (functions / "a" / "inside.py").symlink_to("handler.py")  # relative, stays inside
    (functions / "a" / "dangling.py").symlink_to(root / "nowhere.py")
    (functions / "a" / "loop.py").symlink_to(functions / "a" / "loop2.py")
    (functions / "a" / "loop2.py").symlink_to(functions / "a" / "loop.py")
    (root / "link-to-project").symlink_to(root / "project")
    asked = []
    for base in (functions, root / "link-to-project" / "functions"):
        for name in ("a", "b", "missing"):
            for leaf in (
                "handler.py", "escape.py", "inside.py", "dangling.py", "loop.py",
                "missing.py", "../a/handler.py", "../b/secret.py", "./handler.py",
                "sub/../handler.py", "..", ".",
            ):  # fmt: skip
                asked.append(str(base / name / leaf))
                asked.append(os.path.join(str(base), name, leaf))
    return asked


def test_the_same_answers_as_realpath(tmp_path: Path) -> None:
    asked = _tree(tmp_path)
    resolver = Resolver()
    for path in asked + asked[::-1]:  # remembered answers too
        assert resolver.realpath(path) == os.path.realpath(path), path


def test_relative_and_odd_paths_are_realpaths_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    resolver = Resolver()
    for path in ("project/functions/b/secret.py", "./link-to-project", "//", "/", "", "."):
        assert resolver.realpath(path) == os.path.realpath(path), path


def test_each_folder_is_looked_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "functions"
    for index in range(20):
        (folder / f"fn_{index}").mkdir(parents=True)
        (folder / f"fn_{index}" / "handler.py").write_text("")
    seen: list[str] = []
    real_lstat = os.lstat

    def counting(path: str) -> os.stat_result:
        seen.append(path)
        return real_lstat(path)

    resolver = Resolver()
    monkeypatch.setattr(os, "lstat", counting)
    for index in range(20):
        resolver.realpath(str(folder / f"fn_{index}" / "handler.py"))
    monkeypatch.undo()
    assert len(seen) == len(set(seen))  # no path looked at twice
    assert len(seen) <= 40 + len(folder.parts)  # a handler and its folder each, then shared
