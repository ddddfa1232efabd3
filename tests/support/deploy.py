"""Helpers for the deploy tests: a copy of the say-hello example, a local wheel, a deploy."""

from __future__ import annotations

import base64
import hashlib
import shutil
import zipfile
from pathlib import Path

from tests.support.projects import EXAMPLE

SECRET_VALUE = "s3cr3t-value-7f1d0c"


def copy_example(tmp_path: Path) -> Path:
    root = tmp_path / "say-hello"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".skyfn", "__pycache__"))
    return root


def make_wheel(folder: Path, name: str = "tinydep", version: str = "1.0") -> Path:
    """A real, minimal pure-Python wheel, so installing requirements needs no network."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f'GREETING = "hi from {name}"\n',
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [
        f"{path},sha256={_b64(hashlib.sha256(text.encode()).digest())},{len(text.encode())}"
        for path, text in files.items()
    ]
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _pem_body() -> list[str]:
    digest = hashlib.sha256(b"skyfn test key").digest()
    text = base64.b64encode(digest * 6).decode()  # 192 bytes: three 64-character lines
    return [text[i : i + 64] for i in range(0, len(text), 64)]


# A multi-line secret as a PEM key is written: long specific lines, one short last line.
PEM_LINES = _pem_body()
PEM_SHORT_LINE = "Zm9vYg=="
PEM_SECRET = "\n".join(
    ["-----BEGIN PRIVATE KEY-----", *PEM_LINES, PEM_SHORT_LINE, "-----END PRIVATE KEY-----"]
)
