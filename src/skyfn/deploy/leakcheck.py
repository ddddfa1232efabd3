"""Before anything is uploaded: no bundle or template may hold a value of the branch's secrets.

The deploy reads the values its functions would resolve (every path of every secret
reference, so the branch's and the shared ones) from SSM with the deployer's credentials
(``ssm:GetParameters`` and ``kms:Decrypt`` on the parameters' key). When it cannot read
them it says so and goes on: the check is a safety net, not a gate a pipeline without that
permission must pass. A hit names the file (the bundle member, or the template), never
the value. Forms looked for: the value as is, JSON-escaped, and base64 (standard and URL-safe,
each of the three alignments). Values shorter than 8 characters are not looked for (they
occur in files by chance; the deploy says how many it skipped), nor shorter derived forms.
"""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from io import BytesIO

from skyfn.errors import SkyfnError
from skyfn.model import Model

MIN_LENGTH = 8
READ_PERMISSIONS = "ssm:GetParameters and kms:Decrypt"


def forms(value: str) -> set[bytes]:
    """The byte strings a value shows up as in a file."""
    raw = value.encode()
    found = {
        raw,
        json.dumps(value)[1:-1].encode(),
        json.dumps(value, ensure_ascii=False)[1:-1].encode(),
    }
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            text = encode(bytes(shift) + raw).rstrip(b"=")
            start = (4 * shift + 2) // 3  # characters that mix in the shift's zero bytes
            end = len(text) - (1 if (shift + len(raw)) % 3 else 0)  # a partial last group
            found.add(text[start:end])
    return {f for f in found if len(f) >= MIN_LENGTH}


def secret_values(model: Model, read: Callable[[list[str]], Mapping[str, str]]) -> list[str]:
    paths = sorted({p for f in model.functions for s in f.secrets for p in s.paths})
    return list(read(paths).values()) if paths else []


def too_short(values: Iterable[str]) -> int:
    return sum(1 for v in values if len(v.encode()) < MIN_LENGTH)


def leaking_files(artifacts: Mapping[str, bytes], values: Iterable[str]) -> list[str]:
    """Names of the artifacts (``name.zip:member`` for a zip's file) holding a secret value."""
    needles = {f for v in values for f in forms(v) if f}
    if not needles:
        return []
    hits: list[str] = []
    for name, data in artifacts.items():
        for label, content in _contents(name, data):
            if any(n in content for n in needles):
                hits.append(label)
    return hits


def _contents(name: str, data: bytes) -> Iterable[tuple[str, bytes]]:
    yield name, data
    if name.endswith(".zip"):
        with zipfile.ZipFile(BytesIO(data)) as archive:
            for info in archive.infolist():
                member = f"{name}:{info.filename}"
                yield member, info.filename.encode() + b"\n" + archive.read(info)


def refuse_leaks(hits: list[str]) -> None:
    if hits:
        lines = ["a secret's value is in what would be deployed; nothing was uploaded:"]
        lines += [f"  {hit}" for hit in hits]
        lines.append(
            "remove the value from these files (read it with secret(...) at run time instead)"
        )
        raise SkyfnError("\n".join(lines))
