"""The secretsmanager store against moto_server: ``skyfn secret ...--store secretsmanager``,
the lean cold-start reader (BatchGetSecretValue, 20 ids a call, JSON fields), and a warm
local worker that sees a changed value within max_age."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest

from skyfn import scope as scopes
from skyfn.outputs import synth
from skyfn.project import open_project
from skyfn.runtime import secrets, secretsmanager_reader
from skyfn.runtime.errors import SecretStoreError
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource
from tests.support.traffic import Traffic
from tests.support.warm_worker import warm_worker

SHARED = "/skyfn/testapp/shared"


def test_the_cli_manages_secretsmanager_secrets(aws: Aws, tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"fn": resource('{"K": secret("API")}', name="fn")})

    def skyfn(*args: str, stdin: str = "") -> tuple[int, str, str]:
        result = run_skyfn(*args, "--store", "secretsmanager", cwd=root, stdin=stdin)
        return result.code, result.out, result.err

    assert skyfn("secret", "set", "API", "--shared", stdin="one")[0] == 0
    code, out, _ = skyfn("secret", "set", "API", "--shared", stdin="two")
    assert (code, out) == (0, "Set API (version 2) for shared\n")
    assert skyfn("secret", "get", "API", "--branch", "main")[1] == "two\n"
    code, out, _ = skyfn("secret", "list", "--shared", "--json")
    assert [(row["name"], row["version"]) for row in json.loads(out)] == [("API", 2)]
    assert "two" not in out
    value = boto3.client("secretsmanager").get_secret_value(SecretId=f"{SHARED}/API")
    assert value["SecretString"] == "two"
    assert skyfn("secret", "remove", "API", "--shared")[0] == 0
    code, _, err = skyfn("secret", "get", "API", "--shared")
    assert code == 1 and "is not set" in err and "Traceback" not in err
    assert skyfn("secret", "set", "API", "--shared", stdin="three")[0] == 0, "the name is free"


def test_the_reader_batches_20_ids_a_call_and_reads_json_fields(aws: Aws, traffic: Traffic) -> None:
    client = boto3.client("secretsmanager")
    for i in range(25):
        client.create_secret(Name=f"app/s{i}", SecretString=f"v{i}")
    client.create_secret(Name="prod/db", SecretString='{"password": "pw", "port": 5432}')
    reader = secretsmanager_reader.open_reader()
    paths = [f"app/s{i}" for i in range(25)] + ["prod/db#password", "prod/db#port", "app/none"]
    found = reader.read_many(paths)
    assert found == {
        **{f"app/s{i}": f"v{i}" for i in range(25)},
        "prod/db#password": "pw",
        "prod/db#port": "5432",
    }
    assert traffic.targets.count("secretsmanager.BatchGetSecretValue") == 2  # 26 ids: 20 + 6
    with pytest.raises(SecretStoreError, match=r"secret prod/db .* has no key 'user'") as caught:
        reader.read_many(["prod/db#user"])
    assert "pw" not in str(caught.value)
    arn = client.describe_secret(SecretId="prod/db")["ARN"]
    assert reader.read_many([f"{arn}#password"]) == {f"{arn}#password": "pw"}


def test_missing_secrets_are_named_with_the_command(aws: Aws) -> None:
    spec = {"KEY": ["/skyfn/testapp/branch-main/K", f"{SHARED}/K"]}
    wanted = secrets.Wanted("fn", "secretsmanager", "branch:main", {"KEY": "K"})
    with pytest.raises(Exception, match="skyfn secret set K --branch main --store secretsmanager"):
        secrets.resolve(spec, secretsmanager_reader.open_reader(), wanted)


HANDLER = """\
import os
from skyfn_env.fn import env

def handler(event, context):
    return {"key": env.KEY, "pid": os.getpid()}
"""


def test_a_changed_value_reaches_a_warm_worker(aws: Aws, tmp_path: Path) -> None:
    environment = '{"KEY": secret("K", max_age=1)}'
    root = make_project(tmp_path / "app", {"fn": resource(environment, name="fn")}, {"fn": HANDLER})
    client = boto3.client("secretsmanager")
    client.create_secret(Name=f"{SHARED}/K", SecretString="v1")
    model = synth(open_project(root), scopes.branch("main"), "secretsmanager").model
    with warm_worker(model, "fn", aws.env) as worker:
        first = worker.invoke()
        assert first["key"] == "v1"
        client.put_secret_value(SecretId=f"{SHARED}/K", SecretString="v2")
        deadline = time.monotonic() + 20
        while (answer := worker.invoke())["key"] != "v2":
            assert time.monotonic() < deadline, worker.logs()
            time.sleep(0.2)
        assert answer["pid"] == first["pid"]
