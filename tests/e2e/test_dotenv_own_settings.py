"""A project's ``.env`` files do not redirect skyfn itself: with ``AWS_ENDPOINT_URL`` (and
``AWS_REGION``) in ``.env`` pointing at a decoy moto_server, ``secret set``, ``secret
status`` and ``pipeline-deploy`` still talk to the AWS the shell configures (a profile
whose ``endpoint_url`` is the real moto_server), ``resource.py`` still reads the ``.env``
values, and a warning names each such key."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.env import clean_env
from tests.support.projects import make_project, resource, write
from tests.support.servers import moto_process

PATH = "/skyfn/testapp/branch-main/API_TOKEN"
SEEN = (
    '{"SEEN_ENDPOINT": os.environ.get("AWS_ENDPOINT_URL", "unset"), "TOKEN": secret("API_TOKEN")}'
)


@pytest.fixture(scope="module")
def decoy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_process(tmp_path_factory.mktemp("decoy") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture()
def root(tmp_path: Path, decoy: str) -> Path:
    root = make_project(tmp_path / "p", {"fn": resource(SEEN)})
    write(root / ".env", f"AWS_ENDPOINT_URL={decoy}\nAWS_REGION=eu-west-3\n")
    return root


def shell_env(aws: Aws, tmp_path: Path, isolated_home: Path) -> dict[str, str]:
    """No AWS_ENDPOINT_URL nor AWS_REGION in the shell: a profile gives both, so the ones a
    ``.env`` file adds would win inside boto3 if they reached skyfn's own clients."""
    config = write(
        tmp_path / "aws-config",
        f"[profile real]\nregion = us-east-1\nendpoint_url = {aws.endpoint}\n",
    )
    return clean_env(
        AWS_PROFILE="real",
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_MAX_ATTEMPTS="1",
        SKYFN_HOME=str(isolated_home),
    )


def client(service: str, endpoint: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=region)


def decoy_is_untouched(decoy: str) -> None:
    for region in ("us-east-1", "eu-west-3"):
        assert client("ssm", decoy, region).describe_parameters()["Parameters"] == []
        assert client("cloudformation", decoy, region).list_stacks()["StackSummaries"] == []


@pytest.fixture()
def skyfn(aws: Aws, root: Path, tmp_path: Path, isolated_home: Path) -> Callable[..., Result]:
    env = shell_env(aws, tmp_path, isolated_home)

    def run(*args: str, stdin: str | None = None) -> Result:
        return run_skyfn(*args, cwd=root, env=env, stdin=stdin, inherit_env=False)

    return run


def put_token(aws: Aws) -> None:
    client("ssm", aws.endpoint).put_parameter(Name=PATH, Value="token-value-1", Type="SecureString")


def warning(key: str) -> str:
    return (
        f"warning: {key} from .env reaches resource.py and your functions, not skyfn itself: "
        f"skyfn's own AWS calls use your shell's settings (export {key} there to change them)"
    )


def test_secret_set_writes_to_the_shells_aws(
    aws: Aws, skyfn: Callable[..., Result], decoy: str
) -> None:
    setting = skyfn("secret", "set", "API_TOKEN", "--branch", "main", stdin="token-value-1")
    assert setting.code == 0, setting.err
    assert client("ssm", aws.endpoint).get_parameter(Name=PATH)["Parameter"]["Version"] == 1
    decoy_is_untouched(decoy)


def test_secret_status_reads_the_shells_aws_and_names_each_dotenv_key_once(
    aws: Aws, skyfn: Callable[..., Result], decoy: str
) -> None:
    put_token(aws)
    status = skyfn("secret", "status", "--branch", "main", "--json")
    assert status.code == 0, status
    (row,) = json.loads(status.out)["secrets"]
    assert row["scopes"]["branch main"]["state"] == "set", row
    for key in ("AWS_ENDPOINT_URL", "AWS_REGION"):
        assert status.err.count(warning(key)) == 1, status.err
    decoy_is_untouched(decoy)


def test_pipeline_deploy_deploys_to_the_shells_aws_while_resource_py_sees_dotenv(
    aws: Aws, root: Path, skyfn: Callable[..., Result], decoy: str
) -> None:
    put_token(aws)
    deployed = skyfn("pipeline-deploy", "--branch", "main")
    assert deployed.code == 0, deployed
    stacks = client("cloudformation", aws.endpoint).list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks] == ["CREATE_COMPLETE"], stacks
    decoy_is_untouched(decoy)
    artifact = json.loads((root / ".skyfn/artifacts/branch-main/fn.json").read_text())
    assert artifact["environment"]["SEEN_ENDPOINT"] == decoy  # resource.py read the .env value
