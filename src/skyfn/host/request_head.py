"""A request's header fields, read as ``http.client.parse_headers`` reads them, without the
``email`` package's parser on the warm path.

The lines are read with the same limits and errors (``LineTooLong`` past 64 KB a line,
``HTTPException`` past 100 fields). A block of plain ``Name: value`` lines, which is what
every client sends, is split here; anything else (folded lines, a line without a colon, a
bare CR) goes through ``email``'s parser as before, so odd requests are read exactly as
they were. The fields then match by lower-cased name, the first of repeated ones counting
for ``get`` (as ``email.message.Message.get``).
"""

from __future__ import annotations

import email.parser
import http.client
import io
import re
from collections.abc import Iterator

MAX_LINE = 65536  # http.client._MAXLINE
MAX_FIELDS = 100  # http.client._MAXHEADERS
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class LowerCased(dict[str, str]):
    """Header fields keyed by lower-cased name already (``Headers.fields``): the gateway
    takes them as they are instead of lower-casing every name again."""


class Headers:
    """A request's header fields in order, looked up by lower-cased name."""

    __slots__ = ("_first", "_pairs")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._first: dict[str, str] = {}
        for name, value in pairs:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def get_all(self, name: str) -> list[str] | None:
        """Every value of ``name``, in order; ``None`` when absent (as ``Message.get_all``)."""
        wanted = name.lower()
        values = [value for key, value in self._pairs if key.lower() == wanted]
        return values or None

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def fields(self) -> LowerCased:
        """By lower-cased name, the first of repeated ones (``gateway.header_fields``)."""
        return LowerCased(self._first)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._pairs)


def read_headers(rfile: io.BufferedIOBase) -> Headers:
    """The header block that follows a request line (up to its empty line)."""
    lines: list[bytes] = []
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > MAX_FIELDS:
            raise http.client.HTTPException(f"got more than {MAX_FIELDS} headers")
        if line in (b"\r\n", b"\n", b""):
            break
    return parse(b"".join(lines).decode("iso-8859-1"))


def parse(block: str) -> Headers:
    """A decoded header block: split here when plain, else by ``email`` as ``http.client``."""
    pairs = _plain(block)
    if pairs is None:
        message = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(block)
        pairs = [(name, str(value)) for name, value in message.items()]
    return Headers(pairs)


def _plain(block: str) -> list[tuple[str, str]] | None:
    """The fields of a block of plain ``Name: value`` lines; ``None`` for anything else."""
    lines = block.split("\n")
    if len(lines) < 2 or lines[-1] != "" or lines[-2] not in ("", "\r"):  # ends with it
        return None
    pairs = []
    for line in lines[:-2]:
        text = line[:-1] if line.endswith("\r") else line
        name, colon, value = text.partition(":")
        if not colon or "\r" in value or not _TOKEN.fullmatch(name):
            return None
        pairs.append((name, value.lstrip(" \t")))
    return pairs
