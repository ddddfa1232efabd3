"""A requirements file holds package requirements only; options, paths, URLs and VCS lines
are refused naming the line, and the file is never read through a link."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.synth.requirements import find, load, resolved


def test_names_specifiers_extras_markers_and_hashes_are_kept(tmp_path: Path) -> None:
    digest = "a" * 64
    path = tmp_path / "requirements.txt"
    path.write_text(
        "# mail\nRequests[socks] >=2.31, <3  # pinned below 3\n"
        f"six==1.16.0 \\\n    --hash=sha256:{digest}\n"
        "tomli; python_version < '3.11'\n"
    )
    loaded = load(path)
    assert loaded.names == {"requests", "six", "tomli"}
    assert loaded.text == (
        "Requests[socks] >=2.31, <3\n"
        f"six==1.16.0 --hash=sha256:{digest}\n"
        "tomli; python_version < '3.11'\n"
    )


@pytest.mark.parametrize(
    "line",
    [
        "--no-binary :all:",
        "-r /proc/self/environ",
        "-e .",
        "--index-url https://evil.example/simple",
        "./vendor/pkg",
        "/abs/pkg.whl",
        "pkg @ https://example.com/pkg.whl",
        "git+https://github.com/x/y.git",
        "https://example.com/pkg.tar.gz",
    ],
)
def test_options_paths_urls_and_vcs_lines_are_refused_naming_the_line(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(f"six==1.16.0\n{line}\n")
    with pytest.raises(SkyfnError, match=rf"requirements\.txt:2: .*{re.escape(line)}"):
        load(path)


def test_a_linked_file_is_refused_and_its_target_never_read(tmp_path: Path) -> None:
    target = tmp_path / "environ"
    target.write_text("AWS_SECRET_ACCESS_KEY=topsecret\n")
    link = tmp_path / "fn" / "requirements.txt"
    link.parent.mkdir()
    os.symlink(target, link)
    with pytest.raises(SkyfnError, match="is a link") as caught:
        load(link)
    assert "topsecret" not in str(caught.value)


def test_the_functions_own_file_wins_over_the_shared_one(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    fn = backend / "functions" / "mailer"
    fn.mkdir(parents=True)
    assert find(fn, "handler.handler", backend) is None
    (backend / "requirements.txt").write_text("six\n")
    assert find(fn, "handler.handler", backend) == backend / "requirements.txt"
    (fn / "requirements.txt").write_text("requests\n")
    assert find(fn, "handler.handler", backend) == fn / "requirements.txt"


def test_what_a_function_resolves_changes_with_its_requirements_not_with_comments(
    tmp_path: Path,
) -> None:
    backend = tmp_path / "backend"
    fn = backend / "functions" / "mailer"
    fn.mkdir(parents=True)
    shared = backend / "requirements.txt"
    assert resolved(fn, "handler.handler", backend) == ""
    shared.write_text("six==1.16\n")
    first = resolved(fn, "handler.handler", backend)
    shared.write_text("six==1.16  # pinned\n")
    assert resolved(fn, "handler.handler", backend) == first
    shared.write_text("six==1.17\n")
    assert resolved(fn, "handler.handler", backend) != first
    shared.write_text("--no-binary :all:\n")  # refused when installed; a change until then
    broken = resolved(fn, "handler.handler", backend)
    assert "installer option" in broken
    (fn / "requirements.txt").write_text("six==1.16\n")
    assert resolved(fn, "handler.handler", backend) not in (first, broken, "")
