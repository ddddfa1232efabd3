"""The forms a secret value is looked for in: as is, JSON-escaped, base64 at each alignment."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from skyfn.deploy.leakcheck import forms, leaking_files

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
