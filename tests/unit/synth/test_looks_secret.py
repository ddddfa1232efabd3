"""Which plain values look like secrets (synth warns about them)."""

from __future__ import annotations

import pytest

from skyfn.synth.looks_secret import key_reason, value_reason


@pytest.mark.parametrize(
    "key", ["API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "CLIENT_SECRET", "STRIPE_APIKEY"]
)
def test_keys_that_name_a_secret(key: str) -> None:
    assert key_reason(key) is not None


@pytest.mark.parametrize("key", ["KEY_ID", "API_ENDPOINT", "MAX_ITEMS", "KMS_KEY_ARN", "MONKEY"])
def test_keys_that_do_not(key: str) -> None:
    assert key_reason(key) is None


@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----",
        "xK9vQ2mZ7pL4wR8tY1nB6cF3hJ5dG0sA",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    ],
)
def test_values_that_look_like_credentials(value: str) -> None:
    assert value_reason(value) is not None


@pytest.mark.parametrize(
    "value",
    [
        "World",
        "https://api.example.com/v1/items/0123456789abcdefghij",
        "123e4567-e89b-12d3-a456-426614174000",
        "arn-like-but-a-plain-sentence with spaces in it 12345",
        "eu-west-1",
    ],
)
def test_ordinary_values(value: str) -> None:
    assert value_reason(value) is None
