"""skyfn.aws: the clients and sessions skyfn makes read its own settings, not the AWS keys a
``.env`` file put into the process for resource.py (no network: endpoints and regions only)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from skyfn import aws
from skyfn import scope as scopes
from skyfn.dotenv_files import apply_env_files


@pytest.fixture()
def dotenv_decoy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM", "AWS_PROFILE", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "shell-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "shell-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    (tmp_path / ".env").write_text(
        "AWS_ENDPOINT_URL=http://127.0.0.1:9\nAWS_ENDPOINT_URL_SSM=http://127.0.0.1:9\n"
        "AWS_DEFAULT_REGION=eu-west-3\nAWS_PROFILE=decoy\n"
    )
    apply_env_files(tmp_path, scopes.sandbox("dev"))
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"  # resource.py sees it
    yield
    (tmp_path / ".env").write_text("")
    apply_env_files(tmp_path, scopes.sandbox("dev"))


def test_a_client_ignores_the_dotenv_endpoint_profile_and_region(dotenv_decoy: None) -> None:
    client = aws.client("ssm", "test")
    assert client.meta.endpoint_url == "https://ssm.us-east-1.amazonaws.com"
    assert client.meta.region_name == "us-east-1"
    assert os.environ["AWS_ENDPOINT_URL_SSM"] == "http://127.0.0.1:9"  # back after the client


def test_a_session_and_its_later_clients_ignore_them_too(dotenv_decoy: None) -> None:
    session = aws.session()
    assert session.region_name == "us-east-1"
    assert session.client("cloudformation").meta.endpoint_url == (
        "https://cloudformation.us-east-1.amazonaws.com"
    )
    assert session.get_credentials().access_key == "shell-key"
