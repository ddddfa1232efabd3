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
from skyfn.errors import SkyfnError


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


# -- issue 28: the call policy --------------------------------------------------------------


def test_the_call_policy_defaults_keep_a_stalled_read_within_a_minute() -> None:
    from skyfn.aws import QUICK, CallPolicy

    policy = CallPolicy()
    assert policy.deadline <= 60 and policy.attempts * policy.read_timeout <= policy.deadline
    assert (QUICK.attempts, QUICK.read_timeout, QUICK.connect_timeout) == (1, 3, 3)


def test_the_call_policy_is_overridable_and_refuses_nonsense(tmp_path: Path) -> None:
    from skyfn.aws import policy_from_settings

    chosen = policy_from_settings({"aws_read_timeout": 2.5, "aws_attempts": 5}, "p")
    assert (chosen.read_timeout, chosen.attempts, chosen.deadline) == (2.5, 5, 60.0)
    for key, bad in (("aws_attempts", 0), ("aws_attempts", 1.5), ("aws_deadline", "x")):
        with pytest.raises(SkyfnError, match=rf"p: \[tool.skyfn\] {key} is "):
            policy_from_settings({key: bad}, "p")


def test_reads_are_told_from_writes() -> None:
    from skyfn.aws import is_read

    assert all(map(is_read, ["DescribeStacks", "GetParameters", "ListObjectsV2", "PutObject"]))
    assert not any(map(is_read, ["CreateStack", "UpdateStack", "PutParameter", "DeleteStack"]))


def test_an_error_line_names_the_object_of_the_call() -> None:
    from skyfn.aws_faults import call_object

    assert call_object({"StackName": "s"}) == "stack s"
    assert call_object({"Bucket": "b", "Key": "k/x.zip"}) == "s3://b/k/x.zip"
    assert call_object({"Names": ["/a", "/b", "/c"]}) == "parameter /a and 2 more"
    assert call_object({"Name": "/a"}) == "parameter /a"
