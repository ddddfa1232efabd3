"""Secret names and values a user may throw at skyfn: refused with one clear message, or
stored exactly and read back byte-identical. Never a traceback, never a corrupted value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyfn.errors import SkyfnError
from skyfn.model import Scope
from skyfn.secrets import manage
from skyfn.secrets.local import LocalStore
from skyfn.secrets.local_reader import LocalReader
from skyfn.secrets.ssm import SsmStore
from tests.support import report
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource

ECHO = """\
import os

def handler(event, context):
    return os.environ["TOKEN"]
"""


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "p",
        {"echo": resource('{"TOKEN": secret("TOKEN")}', name="echo")},
        {"echo": ECHO},
    )


def no_crash(result: Result) -> bool:
    return "Traceback" not in result.out + result.err


BAD_NAMES = [
    "../x",
    "..",
    "a/../../b",
    "/etc/passwd",
    "a/b",
    "a\\b",
    "%2e%2e",
    ".hidden",
    "x..y",
    "a\nb",
    "a\tb",
    "\x1b[31mred",
    "a\x7f",
    "a b",
    "ñame",
    "名前",
    "\uff21\uff30\uff29_KEY",  # fullwidth letters that look like API_KEY
    "KEY\u200b",  # zero-width space
    "A" * 129,
    "",
]


def test_bad_names_are_refused_by_every_secret_command(root: Path) -> None:
    tried = crashes = 0
    for name in BAD_NAMES:
        for args in (["set", name], ["get", name], ["remove", name]):
            result = run_skyfn("secret", *args, cwd=root, stdin="value")
            tried += 1
            crashes += not no_crash(result)
            assert result.code == 1, (name, result)
            assert f"secret name {name!r} is not valid" in result.err
    # names that look like options are click's usage errors (exit 2), still one message
    for name in ("-x", "--all=1"):
        result = run_skyfn("secret", "set", name, cwd=root, stdin="value")
        tried += 1
        crashes += not no_crash(result)
        assert result.code == 2 and "Error:" in result.err, result
    report.add("bad inputs", tried=tried, crashes=crashes)
    assert crashes == 0


@pytest.mark.parametrize("option", ["--branch", "--identifier"], ids=["branch", "identifier"])
def test_scopes_that_would_escape_their_folder_are_refused(root: Path, option: str) -> None:
    tried = 0
    for bad in ("../shared", "..", "a/b", "x\ny", "ünï", ""):
        result = run_skyfn("secret", "set", "TOKEN", option, bad, cwd=root, stdin="v")
        tried += 1
        assert result.code == 1 and no_crash(result), result
        assert "is not valid" in result.err or "cannot be used in secret paths" in result.err
    report.add("bad inputs", tried=tried, crashes=0)
    listed = run_skyfn("secret", "list", "--json", "--shared", cwd=root)
    assert listed.out.strip() == "[]"  # nothing landed anywhere


# stdin bytes -> the value stored (None: refused, with this text in the message)
STDIN_CASES: list[tuple[bytes, str | None, str]] = [
    (b"", None, "is empty"),
    (b"\n", None, "is empty"),
    (b"\r\n", None, "is empty"),
    (b"\x89PNG\r\n\x1a\n\xff\xfe", None, "is not UTF-8 text (invalid byte at offset 0)"),
    (b"abc\xc3", None, "is not UTF-8 text (invalid byte at offset 3)"),
    (b"a\x00b", None, "contains a NUL byte"),
    (b"\x00", None, "contains a NUL byte"),
    (b"plain", "plain", ""),
    (b"one newline\n", "one newline", ""),
    (b"two newlines\n\n", "two newlines\n", ""),
    (b"crlf\r\n", "crlf", ""),
    (b"two crlf\r\n\r\n", "two crlf\r\n", ""),
    (b"bare cr\r", "bare cr\r", ""),
    (b"\n\nleading", "\n\nleading", ""),
    (b"  spaces  ", "  spaces  ", ""),
    (b"tab\tbell\x07esc\x1b[0m del\x7f", "tab\tbell\x07esc\x1b[0m del\x7f", ""),
    ("ünïcödé ✓ 名前 🚀".encode(), "ünïcödé ✓ 名前 🚀", ""),
    (b"\xef\xbb\xbfwith bom", "\ufeffwith bom", ""),
    (b"$HOME `id` $(id) 'q' \"dq\" \\n", "$HOME `id` $(id) 'q' \"dq\" \\n", ""),
    (b"x" * (1 << 20), "x" * (1 << 20), ""),
    (("line\n" * 50000).encode(), "line\n" * 49999 + "line", ""),
]


def test_values_from_stdin_are_refused_or_stored_exactly(root: Path) -> None:
    scope = ("--identifier", "t")
    crashes = 0
    for data, stored, message in STDIN_CASES:
        result = run_skyfn("secret", "set", "TOKEN", *scope, cwd=root, stdin=data)
        crashes += not no_crash(result)
        if stored is None:
            assert result.code == 1, (data[:40], result)
            assert f"the value of secret TOKEN {message}" in result.err or message in result.err
            continue
        assert result.code == 0, (data[:40], result)
        got = run_skyfn("secret", "get", "TOKEN", *scope, cwd=root)
        assert got.code == 0 and got.out == stored + "\n", data[:40]
    # a refused value never replaced the stored one
    last = STDIN_CASES[-1][1]
    assert run_skyfn("secret", "get", "TOKEN", *scope, cwd=root).out == f"{last}\n"
    report.add("bad inputs", tried=len(STDIN_CASES), crashes=crashes)
    assert crashes == 0


def test_a_1_mb_secret_reaches_the_handler_byte_identical(root: Path) -> None:
    value = "".join(chr(0x20 + i % 0x5F) for i in range(1 << 20)) + "ünï\r\n\t"
    scope = ("--identifier", "t")
    assert run_skyfn("secret", "set", "TOKEN", *scope, cwd=root, stdin=value + "\n").code == 0
    invoked = run_skyfn("invoke", "echo", *scope, cwd=root)
    assert invoked.code == 0, invoked.err[-2000:]
    assert json.loads(invoked.out) == value
    report.add("bad inputs", tried=1, crashes=0)


TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=[]),  # surrogates included
    max_size=300,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.one_of(TEXT, st.text(max_size=5000), st.sampled_from(["", "\x00", "a\x00"])))
def test_any_value_is_refused_or_round_trips_through_the_store(value: str) -> None:
    """Property: the management store and the cold-start reader give back exactly what was
    set, or ``set`` refuses it with a SkyfnError (empty, NUL, not encodable as UTF-8)."""
    target = manage.Target("app", Scope("sandbox", "prop"), LocalStore())
    crashed = 0
    try:
        manage.set_secret(target, "PROP", value)
    except SkyfnError as exc:
        assert "the value of secret PROP" in str(exc)
        refused = True
    except Exception:
        crashed = 1
        raise
    else:
        refused = False
    finally:
        report.add("bad inputs", tried=1, crashes=crashed)
    if refused:
        assert value == "" or "\x00" in value or not _encodable(value)
        return
    assert manage.get_secret(target, "PROP").value == value
    path = target.path("PROP")
    assert LocalReader().read_many([path]) == {path: value}


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_stdin_bytes_are_refused_or_decoded_exactly(data: bytes) -> None:
    """Property of ``skyfn secret set``'s stdin: refused, or the bytes minus one trailing
    newline (LF or CRLF), decoded as UTF-8."""
    try:
        text = manage.decode_stdin(data, "X")
    except SkyfnError:
        report.add("bad inputs", tried=1, crashes=0)
        return
    report.add("bad inputs", tried=1, crashes=0)
    raw = text.encode("utf-8")
    assert data in (raw, raw + b"\n", raw + b"\r\n")
    assert text and "\x00" not in text


def test_ssm_refuses_a_value_over_4_kb_clearly(aws: Aws, root: Path) -> None:
    big = "k" * 4097
    result = run_skyfn(
        "secret", "set", "TOKEN", "--branch", "main", "--store", "ssm", cwd=root, stdin=big
    )
    assert result.code == 1 and no_crash(result), result
    assert "the value of secret TOKEN is 4097 bytes; SSM standard parameters hold at most" in (
        result.err
    )
    assert big not in result.out + result.err
    exactly = "é" * 2048  # 4096 bytes: the limit is in bytes, and it is allowed
    ok = run_skyfn(
        "secret", "set", "TOKEN", "--branch", "main", "--store", "ssm", cwd=root, stdin=exactly
    )
    assert ok.code == 0, ok.err
    got = SsmStore().read_many(["/skyfn/testapp/branch-main/TOKEN"])
    assert got["/skyfn/testapp/branch-main/TOKEN"].value == exactly
    report.add("bad inputs", tried=2, crashes=0)
