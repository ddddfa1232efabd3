"""Every form a secret value takes in what a function commonly writes. Standard library only,
and cheap to import (no ``urllib``, no ``base64``: both cost cold-start time).

A value is written as is, but also escaped: ``repr()`` (``%r`` in logging, ``KeyError``'s
message, a dict printed), ``json.dumps`` (ASCII-only and not), URL-encoded (``quote``,
``quote_plus``) and base64 (standard and URL-safe). A derived form is masked only when it is
at least ``MIN_DERIVED`` characters long: shorter fragments would garble logs and hide little.

A value of several lines (a PEM key, a pretty-printed JSON document) also takes the forms
of each of its lines, as a function printing it line by line (or a log format prefixing
each line) writes them: every line of at least ``MIN_LINE`` characters (surrounding
whitespace stripped, PEM's ``-----BEGIN ...-----``/``-----END ...-----`` lines left out: they
are the same in every key), in all the forms above. And the forms of the value joined by
``\r`` (Lambda's runtime writes a multi-line log record as one event so), and by ``\n``
where it held ``\r\n``; a variant over ``MAX_ESCAPED_VARIANT`` characters only as is.
"""

from __future__ import annotations

import binascii
import json
import re

MIN_DERIVED = 8
MIN_LINE = 16  # a line this long of a multi-line value is specific to it: mask it alone
# A variant (a line, a rejoined text) longer than this is masked as is only: its escaped
# forms would cost a worker tens of MB for a large value, held against its memory_mb.
MAX_ESCAPED_VARIANT = 64 * 1024
_ARMOUR = re.compile(r"-----(BEGIN|END) [A-Z0-9 ]+-----")
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def forms(value: str) -> set[bytes]:
    """The value's UTF-8 bytes, and each derived form of at least ``MIN_DERIVED`` bytes;
    for a multi-line value, also those of its lines and of its ``\r``-joined text."""
    found = _forms(value)
    for variant in multiline_variants(value):
        if len(variant) <= MAX_ESCAPED_VARIANT:
            found |= _forms(variant)
        else:
            found.add(variant.encode("utf-8", "surrogateescape"))
    return found


def multiline_variants(value: str) -> set[str]:
    """A multi-line value's specific lines, and its text with other line breaks."""
    lines = value.splitlines()
    if len(lines) < 2:
        return set()
    found = {
        value.replace("\r\n", "\n").replace("\n", "\r"),  # awslambdaric's form
        value.replace("\n", "\r"),
        value.replace("\r\n", "\n"),
    }
    for line in lines:
        line = line.strip()
        if len(line) >= MIN_LINE and not _ARMOUR.fullmatch(line):
            found.add(line)
    found.discard(value)
    return found


def _forms(value: str) -> set[bytes]:
    raw = value.encode("utf-8", "surrogateescape")
    derived: set[str | bytes] = set()
    derived.update(_repr_forms(value))
    derived.update(_json_forms(value))
    derived.update(_url_forms(raw))
    derived.update(_base64_forms(raw))
    found = {raw}
    for form in derived:
        data = form.encode("utf-8", "surrogateescape") if isinstance(form, str) else form
        if len(data) >= MIN_DERIVED:
            found.add(data)
    return found


def _repr_forms(value: str) -> list[str]:
    """``repr`` of the text and of its UTF-8 bytes, and ``ascii``, without the quotes; each
    with ``'`` escaped (the text holds both quote kinds) and not."""
    raw = value.encode("utf-8", "surrogateescape")
    found: list[str] = []
    for escaped in (
        repr(value + "'\"")[1:-4],
        ascii(value + "'\"")[1:-4],
        repr(raw + b"'\"")[2:-4],
    ):
        found += [escaped, escaped.replace("\\'", "'")]
    return found


def _json_forms(value: str) -> list[str]:
    try:
        return [json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]]
    except UnicodeEncodeError:  # pragma: no cover - json escapes lone surrogates
        return []


def _url_forms(raw: bytes) -> list[str]:
    """``quote`` (``/`` kept, and not) and ``quote_plus``, as ``urllib.parse`` writes them."""

    def quote(safe: bytes, plus: bool) -> str:
        out = []
        for byte in raw:
            if byte in _UNRESERVED or byte in safe:
                out.append(chr(byte))
            elif plus and byte == 0x20:
                out.append("+")
            else:
                out.append(f"%{byte:02X}")
        return "".join(out)

    return [quote(b"/", False), quote(b"", False), quote(b"", True)]


def _base64_forms(raw: bytes) -> list[bytes]:
    """The part of base64 that depends on the value alone, for each of the three places its
    first byte can take in a 3-byte group, in the standard and the URL-safe alphabet."""
    found: list[bytes] = []
    for pad in range(3):
        encoded = binascii.b2a_base64(bytes(pad) + raw, newline=False)
        start = -(-8 * pad // 6)  # characters that hold bits of the padding
        end = 8 * (pad + len(raw)) // 6  # the last one mixes in what follows
        middle = encoded[start:end]
        found += [middle, middle.translate(_URLSAFE)]
    return found


_URLSAFE = bytes.maketrans(b"+/", b"-_")
