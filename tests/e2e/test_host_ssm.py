"""The local host on the ssm store: the worker gets credentials as variables, as a deployed
function gets its role's, even when the developer's come from a profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from tests.support.aws import Aws
from tests.support.projects import make_project, resource
from tests.support.sandbox import running_sandbox

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


def test_sandbox_on_ssm_sees_a_changed_secret_on_the_next_calls(aws: Aws, tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "app",
        {
            "fn": resource('{"TOKEN": secret("TOK")}', name="fn"),
            "other": resource('{"TOKEN": secret("OTHER")}', name="other"),
        },
        {"fn": HANDLER, "other": PID_HANDLER},
    )
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/skyfn/testapp/shared/TOK", Value="v1", Type="SecureString")
    ssm.put_parameter(Name="/skyfn/testapp/shared/OTHER", Value="o", Type="SecureString")
    with running_sandbox(root, "--store", "ssm") as box:
        client = box.client()

        def call(name: str) -> Any:
            return json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())

        assert call("fn")["token"] == "v1"
        other_pid = call("other")
        ssm.put_parameter(
            Name="/skyfn/testapp/shared/TOK", Value="v2", Type="SecureString", Overwrite=True
        )
        deadline = time.monotonic() + 30
        while call("fn")["token"] != "v2":
            assert time.monotonic() < deadline, box.logs()
            time.sleep(0.1)
        assert call("other") == other_pid, "only the function that reads the secret restarts"
        assert "v2" not in box.logs()


PID_HANDLER = """\
import os

def handler(event, context):
    return os.getpid()
"""
