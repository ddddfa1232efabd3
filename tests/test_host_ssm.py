"""The local host on the ssm store: the worker gets credentials as variables, as a deployed
function gets its role's, even when the developer's come from a profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

from tests.aws import Aws
from tests.helpers import make_project, resource

HANDLER = """\
import os

def handler(event, context):
    return {"token": os.environ["TOKEN"], "key_id": os.environ.get("AWS_ACCESS_KEY_ID")}
"""


def test_invoke_on_ssm_with_profile_credentials(aws: Aws, tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "app",
        {"fn": resource('{"TOKEN": secret("TOK")}', name="fn")},
        {"fn": HANDLER},
    )
    boto3.client("ssm").put_parameter(
        Name="/skyfn/testapp/shared/TOK", Value="from-ssm", Type="SecureString"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text("[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_PROFILE": "dev",
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": aws.endpoint,
    }
    result = subprocess.run(
        [sys.executable, "-m", "skyfn", "invoke", "fn", "--store", "ssm"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"token": "from-ssm", "key_id": "AKIDPROFILE"}
    assert "from-ssm" not in result.stderr
