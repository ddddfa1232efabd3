"""Before anything is uploaded: no bundle or template may hold a value of the branch's secrets.

The deploy reads the values its functions would resolve, with the deployer's credentials:
every path of every secret reference, so the branch's and the shared ones, from SSM
(``ssm:GetParameters`` and ``kms:Decrypt`` on the parameters' key), and the values of the
external references (``aws_secret``: ``secretsmanager:GetSecretValue``; ``ssm_parameter``:
``ssm:GetParameter``; and ``kms:Decrypt`` on a customer managed key). When it cannot read
them it says so and goes on: the check is a safety net, not a gate a pipeline without that
permission must pass. A value that could not be read for any other reason (throttled, a
5xx, a timeout, an answer cut short or malformed: ``AwsUnavailable``) stops the deploy
before any upload: the check must never pass for want of values. A hit names the file (the bundle member, or the template), never
the value.

Forms looked for: every form the log masking masks (``skyfn.runtime.mask_forms``: as is,
``repr``-, JSON- and URL-escaped, base64 at each alignment, a multi-line value's lines and
its ``\\r``-joined text), plus URL-encoding with lowercase ``%xx``, hex (lowercase and
uppercase) and UTF-16 (little- and big-endian). Inside archives too: zip (wheels, jars),
gzip, bzip2, xz and tar members are unpacked (nested ones as well, ``MAX_DEPTH`` deep, at
most ``MAX_EXPANDED`` bytes per artifact; what is not looked inside is said). Values shorter
than 8 characters are not looked for (they occur in files by chance; the deploy says how
many it skipped), nor shorter derived forms.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol

from skyfn.errors import SkyfnError
from skyfn.model import Model
from skyfn.runtime import mask_forms
from skyfn.runtime.contract import is_external

MIN_LENGTH = 8
READ_PERMISSIONS = "ssm:GetParameters and kms:Decrypt"
EXTERNAL_READ_PERMISSIONS = (
    "secretsmanager:GetSecretValue, ssm:GetParameter and kms:Decrypt on the external references"
)
MAX_DEPTH = 4  # archives inside archives, this deep
MAX_EXPANDED = 1024 * 1024 * 1024  # bytes unpacked per artifact: a zip bomb stops here
_PERCENT = re.compile(rb"%[0-9A-F]{2}")


def forms(value: str) -> set[bytes]:
    """The byte strings a value shows up as in a file."""
    found = set(mask_forms.forms(value))
    found |= {_PERCENT.sub(lambda m: m.group().lower(), f) for f in found if b"%" in f}
    for text in (value, *mask_forms.multiline_variants(value)):
        raw = text.encode("utf-8", "surrogateescape")
        found |= {raw.hex().encode(), raw.hex().upper().encode()}
        for codec in ("utf-16-le", "utf-16-be"):
            found.add(text.encode(codec, "surrogatepass"))
    return {f for f in found if len(f) >= MIN_LENGTH}


def secret_values(model: Model, read: Callable[[list[str]], Mapping[str, str]]) -> list[str]:
    """The values of skyfn's own secrets (every path: the branch's and the shared ones)."""
    paths = sorted({p for p in _paths(model) if not is_external(p)})
    return list(read(paths).values()) if paths else []


def external_values(model: Model, read: Callable[[list[str]], Mapping[str, str]]) -> list[str]:
    """The values of the external references (``aws_secret``, ``ssm_parameter``)."""
    paths = sorted({p for p in _paths(model) if is_external(p)})
    return list(read(paths).values()) if paths else []


def _paths(model: Model) -> Iterable[str]:
    return (p for f in model.functions for s in f.secrets for p in s.paths)


def too_short(values: Iterable[str]) -> int:
    return sum(1 for v in values if len(v.encode()) < MIN_LENGTH)


@dataclass
class Scan:
    hits: list[str] = field(default_factory=list)  # artifact or ``name:member`` labels
    unread: list[str] = field(default_factory=list)  # "label (why)": archives not looked in


def scan(artifacts: Mapping[str, bytes], values: Iterable[str]) -> Scan:
    """Which artifacts (``name.zip:member`` for an archive's file) hold a secret value."""
    result = Scan()
    needles = {f for v in values for f in forms(v) if f}
    if not needles:
        return result
    for name, data in artifacts.items():
        budget = _Budget(MAX_EXPANDED, result.unread)
        for label, content in _contents(name, data, 0, budget):
            if label not in result.hits and any(n in content for n in needles):
                result.hits.append(label)
    return result


def leaking_files(artifacts: Mapping[str, bytes], values: Iterable[str]) -> list[str]:
    return scan(artifacts, values).hits


@dataclass
class _Budget:
    """What may still be unpacked from one artifact (a zip bomb stops here, said once)."""

    left: int
    unread: list[str]
    spent: bool = False

    def read(self, stream: _Readable, label: str) -> bytes:
        data = b"" if self.spent else stream.read(self.left + 1)
        if len(data) > self.left:
            self.spent = True
            self.unread.append(
                f"{label} and anything after it (unpacking stops at {MAX_EXPANDED:,} bytes "
                "per artifact)"
            )
            return b""
        self.left -= len(data)
        return data


def _contents(label: str, data: bytes, depth: int, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    """The artifact itself, then whatever its archives hold, depth first."""
    yield label, data
    kind = _archive_kind(data)
    if kind is None:
        return
    if depth >= MAX_DEPTH:
        budget.unread.append(f"{label} (archives nested deeper than {MAX_DEPTH})")
        return
    try:
        for inner_label, inner in _unpack(kind, label, data, budget):
            yield from _contents(inner_label, inner, depth + 1, budget)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, lzma.LZMAError) as exc:
        budget.unread.append(f"{label} (not a readable {kind} archive: {type(exc).__name__})")


def _archive_kind(data: bytes) -> str | None:
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[:3] == b"BZh":
        return "bzip2"
    if data[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if data[257:262] == b"ustar":
        return "tar"
    return None


def _unpack(kind: str, label: str, data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    """Each member's name (a value can hide in one) and content, under the member's label;
    a compressed stream's content under its own label (the compressed file is the one named)."""
    if kind == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                yield f"{label}:{info.filename}", info.filename.encode()
                if not info.is_dir():
                    with archive.open(info) as stream:
                        inner = f"{label}:{info.filename}"
                        yield inner, budget.read(stream, inner)
    elif kind == "tar":
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            for entry in archive:
                yield f"{label}:{entry.name}", entry.name.encode()
                member = archive.extractfile(entry) if entry.isfile() else None
                if member is not None:
                    yield f"{label}:{entry.name}", budget.read(member, f"{label}:{entry.name}")
    else:
        yield label, budget.read(_decompressor(kind, io.BytesIO(data)), label)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _decompressor(kind: str, data: IO[bytes]) -> _Readable:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=data)
    if kind == "bzip2":
        return bz2.BZ2File(data)
    return lzma.LZMAFile(data)


def unreadable(exc: SkyfnError) -> SkyfnError:
    """The deploy stops: values that could not be read cannot be looked for."""
    return SkyfnError(
        f"cannot check the bundles and template for secret values: {exc}; nothing was "
        "uploaded or deployed. Run the deploy again"
    )


def refuse_leaks(hits: list[str]) -> None:
    if hits:
        lines = ["a secret's value is in what would be deployed; nothing was uploaded:"]
        lines += [f"  {hit}" for hit in hits]
        lines.append(
            "remove the value from these files (read it with secret(...) at run time instead)"
        )
        raise SkyfnError("\n".join(lines))
