"""skyfn.secrets.limits: each store's size limit, in UTF-8 bytes, checked before a write."""

from __future__ import annotations

from skyfn.secrets.limits import value_problem


def test_ssm_holds_4096_bytes_of_utf8() -> None:
    assert value_problem("ssm", "K", "x" * 4096) == ""
    assert value_problem("ssm", "K", "é" * 2049).startswith(
        "the value of secret K is 4098 bytes; SSM standard parameters hold at most 4096 bytes."
    )


def test_secrets_manager_holds_64_kb_and_local_has_no_limit() -> None:
    assert value_problem("secretsmanager", "K", "x" * 65536) == ""
    assert "at most 65536 bytes" in value_problem("secretsmanager", "K", "x" * 65537)
    assert value_problem("local", "K", "x" * 1_000_000) == ""
