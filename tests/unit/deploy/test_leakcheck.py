"""The forms a secret value is looked for in (every form the masking covers, hex, UTF-16), and\nwhere: in the artifacts, and inside the archives they hold."""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import json
import lzma
import tarfile
import urllib.parse
import zipfile
from collections.abc import Callable

import pytest

from skyfn.deploy import leakcheck
from skyfn.deploy.leakcheck import forms, leaking_files, scan

VALUE = 'p"ss\\wörd-7f1d0c'


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"abc", b"key=", b"\x00\x01"])
def test_base64_of_any_text_holding_the_value_is_found(prefix: bytes) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        encoded = encode(prefix + VALUE.encode() + b" tail")
        assert leaking_files({"blob": encoded}, [VALUE]) == ["blob"]


def test_plain_and_json_escaped_values_are_found_inside_zips_by_member() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok.py", "x = 1\n")
        archive.writestr("config.json", json.dumps({"k": VALUE}))
        archive.writestr("raw.txt", VALUE)
    hits = leaking_files({"b.zip": buffer.getvalue(), "t.json": b"{}"}, [VALUE])
    assert hits == ["b.zip:config.json", "b.zip:raw.txt"]


def test_short_values_and_forms_are_not_looked_for() -> None:
    assert all(len(f) >= 8 for f in forms("abcdefgh"))
    assert forms("abc") == set()
    assert leaking_files({"f": b"abc and more"}, ["abc"]) == []


# --- every form the masking covers, hex, UTF-16, inside archives (issue 22, finding 3) ------


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tarred(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "encoded",
    [
        VALUE.encode().hex().encode(),
        VALUE.encode().hex().upper().encode(),
        VALUE.encode("utf-16-le"),
        ("\ufeff" + VALUE).encode("utf-16"),
        VALUE.encode("utf-16-be"),
        urllib.parse.quote(VALUE).encode(),
        urllib.parse.quote_plus(VALUE).lower().encode(),
        repr(VALUE).encode(),
        ascii(VALUE).encode(),
        repr(VALUE.encode()).encode(),
    ],
)
def test_every_masked_form_plus_hex_and_utf16_is_found(encoded: bytes) -> None:
    assert leaking_files({"blob": b"x = " + encoded + b"\n"}, [VALUE]) == ["blob"]


@pytest.mark.parametrize(
    ("pack", "label"),
    [
        (lambda d: gzip.compress(d), "b.zip:data.json.gz"),
        (lambda d: bz2.compress(d), "b.zip:data.json.gz"),
        (lambda d: lzma.compress(d), "b.zip:data.json.gz"),
        # a tar holds its members as they are: the unpacked tar is a hit, and its member
        (lambda d: gzip.compress(tarred({"inner/conf.txt": d})),
         "b.zip:data.json.gz, b.zip:data.json.gz:inner/conf.txt"),
        (lambda d: zipped({"deep.txt": gzip.compress(d)}), "b.zip:data.json.gz:deep.txt"),
    ],
)  # fmt: skip
def test_archives_in_the_bundle_are_looked_inside(
    pack: Callable[[bytes], bytes], label: str
) -> None:
    bundle = zipped({"ok.py": b"x = 1\n", "data.json.gz": pack(json.dumps({"k": VALUE}).encode())})
    assert leaking_files({"b.zip": bundle}, [VALUE]) == label.split(", ")


def test_a_multiline_value_is_found_line_by_line() -> None:
    value = "-----BEGIN KEY-----\n" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\n" + "-----END KEY-----"
    crlf = value.replace("\n", "\r\n").encode()
    assert leaking_files({"k.pem": crlf, "l": b'"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"'}, [value]) == [
        "k.pem",
        "l",
    ]


def test_archives_too_large_or_too_deep_are_said_not_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deep = json.dumps({"k": VALUE}).encode()
    for _ in range(6):
        deep = gzip.compress(deep)
    found = scan({"b.zip": zipped({"deep.gz": deep, "bad.gz": b"\x1f\x8bxx"})}, [VALUE])
    assert found.hits == []
    assert found.unread == [
        "b.zip:deep.gz (archives nested deeper than 4)",
        "b.zip:bad.gz (not a readable gzip archive: EOFError)",
    ]
    monkeypatch.setattr(leakcheck, "MAX_EXPANDED", 1024)
    bomb = gzip.compress(b"\0" * 4096)
    later = gzip.compress(VALUE.encode())
    found = scan({"b.zip": zipped({"a.gz": bomb, "b.gz": later}), "t.json": b"{}"}, [VALUE])
    assert found.unread == [
        "b.zip:a.gz and anything after it (unpacking stops at 1,024 bytes per artifact)"
    ]
