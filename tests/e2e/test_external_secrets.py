"""External references (``aws_secret``, ``ssm_parameter``) against moto_server: read by a warm
function beside skyfn's own secrets, refreshed within max_age, pinned by stage, checked
(metadata only) by status and pipeline-deploy, and never written by ``skyfn secret``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from skyfn import scope as scopes
from skyfn.outputs import synth
from skyfn.project import open_project
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource
from tests.support.warm_worker import WarmWorker, warm_worker

HANDLER = """\
import os
from skyfn_env.fn import env

def handler(event, context):
    return {
        "db": env.DB_PASSWORD,
        "environ": os.environ["DB_PASSWORD"],
        "old": env.OLD_PASSWORD,
        "legacy": env.LEGACY,
        "own": env.API_KEY,
    }
"""

ENVIRONMENT = (
    '{"DB_PASSWORD": aws_secret("prod/db", key="password", max_age=1), '
    '"OLD_PASSWORD": aws_secret("prod/db", key="password", version_stage="AWSPREVIOUS"), '
    '"LEGACY": ssm_parameter("/legacy/api-key", max_age=1), '
    '"API_KEY": secret("MY_API_KEY", max_age=1)}'
)


def put_db(password: str, create: bool = False) -> None:
    value = json.dumps({"username": "admin", "password": password, "port": 5432})
    client = boto3.client("secretsmanager")
    if create:
        client.create_secret(Name="prod/db", SecretString=value)
    else:
        client.put_secret_value(SecretId="prod/db", SecretString=value)


def put_parameter(name: str, value: str) -> None:
    boto3.client("ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


def until(worker: WarmWorker, done: Callable[[Any], bool], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        answer = worker.invoke()
        if done(answer):
            return answer
        assert time.monotonic() < deadline, (answer, worker.logs())
        time.sleep(0.2)


@pytest.fixture()
def worker(aws: Aws, tmp_path: Path) -> Any:
    root = make_project(tmp_path / "app", {"fn": resource(ENVIRONMENT, name="fn")}, {"fn": HANDLER})
    put_db("pw-1", create=True)
    put_db("pw-2")  # AWSPREVIOUS: pw-1
    put_parameter("/legacy/api-key", "legacy-1")
    put_parameter("/skyfn/testapp/shared/MY_API_KEY", "own-1")
    model = synth(open_project(root), scopes.branch("main"), "ssm").model
    with warm_worker(model, "fn", aws.env) as started:
        yield started


def test_aws_secret_key_returns_the_json_field_beside_ssm_secrets(worker: WarmWorker) -> None:
    assert worker.invoke() == {
        "db": "pw-2",
        "environ": "pw-2",
        "old": "pw-1",
        "legacy": "legacy-1",
        "own": "own-1",
    }


def test_changed_external_values_reach_the_warm_function_within_max_age(
    worker: WarmWorker,
) -> None:
    first = worker.invoke()
    put_db("pw-3")  # AWSPREVIOUS moves to pw-2, but the pin was read once and never again
    put_parameter("/legacy/api-key", "legacy-2")
    put_parameter("/skyfn/testapp/shared/MY_API_KEY", "own-2")
    answer = until(worker, lambda a: a["db"] == "pw-3" and a["legacy"] == "legacy-2")
    assert answer["environ"] == "pw-3"
    assert answer["old"] == "pw-1"
    assert answer["own"] == "own-2"
    assert answer  # the same instance all along: no restart
    assert first["old"] == answer["old"]


def test_a_missing_external_secret_stops_the_cold_start_naming_it(aws: Aws, tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "app",
        {"fn": resource('{"DB": aws_secret("prod/none", key="password")}', name="fn")},
    )
    result = run_skyfn("invoke", "fn", "--branch", "main", cwd=root, env=aws.env)
    assert result.code != 0
    text = result.out + result.err
    assert "Secrets Manager secret prod/none (key password)" in text
    assert "environment DB of function fn" in text


def external_project(root: Path) -> Path:
    return make_project(
        root,
        {
            "fn": resource(
                '{"DB": aws_secret("prod/db", key="password"), '
                '"GONE": aws_secret("prod/gone"), "OLD": ssm_parameter("/legacy/none")}',
                name="fn",
            )
        },
    )


def test_a_missing_external_secret_stops_pipeline_deploy_before_any_change(
    aws: Aws, tmp_path: Path
) -> None:
    root = external_project(tmp_path / "app")
    put_db("pw-1", create=True)
    result = run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)
    assert result.code != 0
    assert "2 external secret(s) missing; nothing was deployed" in result.err
    assert "Secrets Manager secret prod/gone (environment GONE of function fn)" in result.err
    assert "SSM parameter /legacy/none (environment OLD of function fn)" in result.err
    assert "prod/db" not in result.err
    assert "Traceback" not in result.err
    assert boto3.client("cloudformation").list_stacks()["StackSummaries"] == []
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_synth_warns_and_status_lists_external_references(aws: Aws, tmp_path: Path) -> None:
    root = external_project(tmp_path / "app")
    put_db("pw-1", create=True)
    synth_result = run_skyfn("synth", "--branch", "main", cwd=root, env=aws.env)
    assert synth_result.code == 0, synth_result.err
    assert "warning: Secrets Manager secret prod/gone" in synth_result.err
    assert "warning: SSM parameter /legacy/none" in synth_result.err
    status = run_skyfn("secret", "status", "--branch", "main", cwd=root, env=aws.env)
    assert status.code == 1
    rows = {line.split("  ")[0]: line for line in status.out.splitlines()}
    assert "exists (external)" in rows["Secrets Manager secret prod/db (key password)"]
    assert "MISSING" in rows["Secrets Manager secret prod/gone"]
    assert "MISSING" in rows["SSM parameter /legacy/none"]
    assert "pw-1" not in status.out + status.err + synth_result.out + synth_result.err
    data = json.loads(
        run_skyfn("secret", "status", "--branch", "main", "--json", cwd=root, env=aws.env).out
    )
    states = {s["name"]: s["scopes"]["branch main"]["state"] for s in data["secrets"]}
    assert states["Secrets Manager secret prod/db (key password)"] == "exists"
    assert states["SSM parameter /legacy/none"] == "missing"


def test_secret_set_remove_and_import_refuse_an_external_name(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "app",
        {"fn": resource('{"TOKEN": aws_secret("PARTNER_TOKEN")}', name="fn")},
    )
    result = run_skyfn("secret", "set", "PARTNER_TOKEN", cwd=root, stdin="value-1\n")
    assert result.code != 0
    assert "PARTNER_TOKEN is an external secret of function fn (TOKEN, aws_secret)" in result.err
    assert "Traceback" not in result.err
    (root / "secrets.env").write_text("OTHER=x\nPARTNER_TOKEN=value-1\n")
    imported = run_skyfn("secret", "import", "secrets.env", cwd=root)
    assert imported.code != 0 and "PARTNER_TOKEN is an external secret" in imported.err
    removed = run_skyfn("secret", "remove", "PARTNER_TOKEN", cwd=root)
    assert removed.code != 0 and "never writes it" in removed.err
    listed = run_skyfn("secret", "list", cwd=root)
    assert "PARTNER_TOKEN" not in listed.out and "OTHER" not in listed.out


def test_a_local_sandbox_worker_reads_external_references_itself(aws: Aws, tmp_path: Path) -> None:
    handler = (
        "from skyfn_env.fn import env\ndef handler(event, context):\n    return [env.OWN, env.DB]\n"
    )
    root = make_project(
        tmp_path / "app",
        {
            "fn": resource(
                '{"OWN": secret("OWN_KEY"), "DB": aws_secret("prod/db", key="password")}', name="fn"
            )
        },
        {"fn": handler},
    )
    put_db("pw-local", create=True)
    assert run_skyfn("secret", "set", "OWN_KEY", cwd=root, stdin="own-local\n").code == 0
    result = run_skyfn("invoke", "fn", cwd=root, env=aws.env)
    assert result.code == 0, result.err
    assert json.loads(result.out) == ["own-local", "pw-local"]
