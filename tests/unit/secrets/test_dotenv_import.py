"""skyfn.secrets.dotenv_import: what an unquoted value would silently lose is refused, with
the line; quoted values are taken whole; every entry keeps its line for later errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.secrets.dotenv_import import Entry, read_dotenv


def read(tmp_path: Path, text: str) -> dict[str, Entry]:
    file = tmp_path / "s.env"
    file.write_text(text, encoding="utf-8")
    return read_dotenv(file)


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(SkyfnError) as caught:
        read(tmp_path, text)
    return str(caught.value)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("JWT_SECRET=Zx #9f3k", "holding ' #'"),
        ("JWT_SECRET=Zx\t#9f3k", "holding ' #'"),
        ("export JWT_SECRET = Zx # note", "holding ' #'"),
        ("PASS=kept ", "ending in blanks"),
        ("PASS=kept\t", "ending in blanks"),
        ("PASS=kept \r", "ending in blanks"),
    ],
)
def test_what_an_unquoted_value_would_lose_is_refused(
    tmp_path: Path, line: str, problem: str
) -> None:
    message = refusal(tmp_path, f"# first\n\nOK=fine\n{line}\n")
    assert f"s.env, line 4: an unquoted value {problem}" in message
    assert "quote it: NAME='...'" in message and message.endswith("; nothing imported")
    assert "Zx" not in message and "kept" not in message and "9f3k" not in message


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("A='Zx #9f3k'", "Zx #9f3k"),
        ('A="pad  "  # a comment after the quotes', "pad  "),
        ("A='pad\t'", "pad\t"),
        ("A=a#b", "a#b"),
        ("A = spaced", "spaced"),
    ],
)
def test_quoted_values_and_plain_hashes_are_taken_whole(
    tmp_path: Path, line: str, value: str
) -> None:
    assert read(tmp_path, f"{line}\n")["A"].value == value


def test_entries_keep_their_lines(tmp_path: Path) -> None:
    entries = read(tmp_path, "# c\n\nA=one\nB='two\nlines'\n\nC=three\n")
    assert {name: entry.line for name, entry in entries.items()} == {"A": 3, "B": 4, "C": 7}
