"""``skyfn.host.tls``: what is wrong with a certificate or key is one clear error, an
encrypted key never makes OpenSSL prompt, and a key others may read is warned about."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from skyfn.errors import SkyfnError
from skyfn.host import tls
from tests.support.certificates import self_signed


def test_a_certificate_and_its_key_load(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    assert tls.load(cert, key).minimum_version >= ssl.TLSVersion.TLSv1_2
    assert tls.key_warning(key) is None  # 0600


def test_an_encrypted_key_is_refused_without_a_prompt(tmp_path: Path) -> None:
    cert, _ = self_signed(tmp_path)
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"password"),
        )
    )
    with pytest.raises(SkyfnError, match="unencrypted private key"):
        tls.load(cert, encrypted)


def test_a_key_of_another_certificate_is_refused(tmp_path: Path) -> None:
    cert, _ = self_signed(tmp_path / "one")
    _, other_key = self_signed(tmp_path / "two")
    with pytest.raises(SkyfnError, match="not a PEM certificate and its unencrypted"):
        tls.load(cert, other_key)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    cert, _ = self_signed(tmp_path)
    with pytest.raises(SkyfnError, match=r"--tls-key .*missing.pem: no such file"):
        tls.load(cert, tmp_path / "missing.pem")


def test_a_key_others_may_read_is_warned_about(tmp_path: Path) -> None:
    _, key = self_signed(tmp_path)
    os.chmod(key, 0o644)
    warning = tls.key_warning(key)
    assert warning is not None and "chmod 600" in warning
