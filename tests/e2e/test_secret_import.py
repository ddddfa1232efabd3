"""``skyfn secret import`` with the wrong file: errors name the file and line, never what the
line holds, and a file with any bad line imports nothing."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource, write

PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + secrets.token_hex(8)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", {"fn": resource('{"API_KEY": secret("MY_API_KEY")}')})


def imported(root: Path, file: Path) -> Result:
    return run_skyfn("secret", "import", str(file), cwd=root)


def assert_refused(root: Path, result: Result, message: str, *never: str) -> None:
    assert result.code == 1, result
    assert result.out == "" and "Traceback" not in result.err
    assert result.err.strip() == f"error: {message}"
    for content in never:
        assert content not in result.err, content
    listed = run_skyfn("secret", "list", "--json", cwd=root)
    assert json.loads(listed.out) == []  # all or nothing


def test_an_unquoted_pem_body_is_not_echoed(root: Path, tmp_path: Path) -> None:
    pem = write(
        tmp_path / "key.env",
        f"GOOD=fine-value\n-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n",
    )
    result = imported(root, pem)
    assert_refused(
        root,
        result,
        f"{pem}, line 2: not a NAME=value line (quote a value that spans lines) "
        "(and 2 more bad line(s)); nothing imported",
        PEM_BODY,
        PEM_BODY[:12],
        "fine-value",
    )


def test_a_stray_password_line_is_not_echoed(root: Path, tmp_path: Path) -> None:
    password = f"hunter2-{secrets.token_hex(6)}"
    stray = write(tmp_path / "a.env", f"DB_USER=admin\n{password}\nTOKEN=abc12345\n")
    assert_refused(
        root,
        imported(root, stray),
        f"{stray}, line 2: a line without '=': write NAME=value; nothing imported",
        password,
        "admin",
    )


def test_a_link_to_the_master_key_is_not_echoed(
    root: Path, tmp_path: Path, isolated_home: Path
) -> None:
    assert run_skyfn("secret", "set", "OTHER", cwd=root, stdin="x-value").code == 0
    key = (isolated_home / "master.key").read_text().strip()
    link = tmp_path / "secrets.env"
    link.symlink_to(isolated_home / "master.key")
    result = imported(root, link)
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith(f"error: {link}, line 1: ")
    for piece in (key, key[:8], key[-8:]):
        assert piece not in result.out + result.err
    assert "MY_API_KEY" not in run_skyfn("secret", "list", cwd=root).out


def test_duplicate_keys_and_bad_names_refuse_the_whole_file(root: Path, tmp_path: Path) -> None:
    twice = write(tmp_path / "b.env", "API=first-value\nOTHER=x1234567\nAPI=second-value\n")
    assert_refused(
        root,
        imported(root, twice),
        f"{twice}, line 3: the same name as line 1: give each secret once; nothing imported",
        "first-value",
        "second-value",
    )
    badname = write(tmp_path / "c.env", "GOOD=1234\n../escape=value-kept-quiet\n")
    result = imported(root, badname)
    assert_refused(
        root,
        result,
        f"{badname}, line 2: not a valid secret name: use letters, digits, '_', '.' and '-' "
        "(at most 128 characters, not starting with '.' or '-', no '..'); nothing imported",
        "value-kept-quiet",
        "escape",
    )


def test_a_good_file_still_imports(root: Path, tmp_path: Path) -> None:
    good = write(tmp_path / "ok.env", "# keys\n\nexport A_KEY='v1 $x'\nB.KEY=\"two\nlines\"\n")
    result = imported(root, good)
    assert result.code == 0, result.err
    assert run_skyfn("secret", "get", "A_KEY", cwd=root).out == "v1 $x\n"
    assert run_skyfn("secret", "get", "B.KEY", cwd=root).out == "two\nlines\n"


def test_an_unquoted_value_with_a_comment_is_refused_not_cut(root: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "j.env", "A_KEY=fine-value\nJWT_SECRET=Zx #9f3kQ\n")
    assert_refused(
        root,
        imported(root, file),
        f"{file}, line 2: an unquoted value holding ' #' would be cut there (dotenv takes the "
        "rest for a comment); quote it: NAME='...' (or NAME=\"...\" when it holds a ', "
        'escaping \\ and "), or put a comment on a line of its own; nothing imported',
        "Zx",
        "9f3kQ",
    )


def test_an_unquoted_value_ending_in_blanks_is_refused(root: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "t.env", "# keys\nA_KEY=fine-value\n\nPASS=trailing-kept \t\n")
    assert_refused(
        root,
        imported(root, file),
        f"{file}, line 4: an unquoted value ending in blanks would lose them; quote it: "
        "NAME='...' (or NAME=\"...\" when it holds a ', escaping \\ and \"); nothing imported",
        "trailing-kept",
    )


def test_quoted_values_keep_their_hash_and_blanks(root: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "q.env", "A='Zx #9f3k'\nB=\"pad  \"  # a comment after quotes\nC=a#b\n")
    assert imported(root, file).code == 0
    assert run_skyfn("secret", "get", "A", cwd=root).out == "Zx #9f3k\n"
    assert run_skyfn("secret", "get", "B", cwd=root).out == "pad  \n"
    assert run_skyfn("secret", "get", "C", cwd=root).out == "a#b\n"
