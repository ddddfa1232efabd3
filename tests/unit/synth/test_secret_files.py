"""Which files look like they hold secrets: by name, and by content whatever the name."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn.synth import secret_files
from skyfn.synth.secret_files import included, reason

ACCESS_KEY = "ASIA" + "Y3EGRIEXAMPLE7XY"  # split: this file must not look like one


@pytest.mark.parametrize(
    "name",
    ["prod.env", "SECRETS.yaml", "secrets", "credentials", "credentials.csv", "id_rsa",
     "id_ecdsa.pub", "tls.key", "store.p12", "cert.pfx"],
)  # fmt: skip
def test_names_like_secrets(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("nothing in it\n")
    assert reason(path) == "named like a secret"


@pytest.mark.parametrize("name", ["environment.py", "my_secrets_test.txt", "envoy.yaml", "ca.pem"])
def test_ordinary_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert reason(path) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n", "holds a private key"),
        ("-----BEGIN EC PRIVATE KEY-----\n", "holds a private key"),
        ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n", "holds a private key"),
        (f"id={ACCESS_KEY}\n", "holds an AWS access key"),
        (f"X{ACCESS_KEY}\n", None),  # part of a longer word: not a key id
    ],
)
def test_content_whatever_the_name(tmp_path: Path, text: str, why: str | None) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"\x00\xff" + text.encode())
    assert reason(path) == why


def test_a_key_across_a_read_chunks_edge_is_found(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    marker = b"-----BEGIN RSA PRIVATE KEY-----"
    path.write_bytes(b"a" * (secret_files._CHUNK - 10) + marker)
    assert reason(path) == "holds a private key"


def test_included_paths_and_patterns() -> None:
    patterns = ("backend/functions/f/server.pem", "backend/*.key")
    assert included("backend/functions/f/server.pem", patterns)
    assert included("backend/functions/g/tls.key", patterns)
    assert not included("backend/functions/f/prod.env", patterns)
