"""vault_secret deployed: ``skyfn secret sync --from vault`` copies each field into an SSM
SecureString (moto_server) under the branch's documented path, recording the Vault version,
writing only what changed; the bundle ``pipeline-deploy`` builds, run under awslambdaric,
reads it at cold start and sees a value rotated in OpenBao and synced again without a
restart, within max_age. Missing or oversized values are refused before any write."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from skyfn import scope as scopes
from skyfn.deploy.bundle import build_bundle
from skyfn.deploy.template import deployed_variables
from skyfn.host import environment
from skyfn.project import backend_dir, find_project
from skyfn.synth.run import generate_env
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.openbao import OpenBao
from tests.support.projects import make_project, resource
from tests.support.runtime_api import Invocation, RuntimeApi

PARAMETER = "/skyfn/testapp/branch-main/vault/secret/deploy/db/password"
PINNED = "/skyfn/testapp/branch-main/vault-v1/secret/deploy/db/password"

HANDLER = """\
import os
from skyfn_env.{module} import env

def handler(event, context):
    return {{"password": env.DB_PASSWORD, "pid": os.getpid()}}
"""


def project(tmp_path: Path, max_age: int = 1, pinned: bool = False) -> Path:
    ref = f'vault_secret("deploy/db", key="password", max_age={max_age})'
    functions = {
        "api": resource(f'{{"DB_PASSWORD": {ref}}}'),
        "worker": resource(f'{{"DB_PASSWORD": {ref}}}', name="worker"),
    }
    if pinned:
        functions["old"] = resource(
            '{"DB_PASSWORD": vault_secret("deploy/db", key="password", version=1)}', name="old"
        )
    handlers = {name: HANDLER.format(module=name) for name in functions}
    return make_project(tmp_path / "app", functions, handlers=handlers)


def sync(root: Path, openbao: OpenBao, aws: Aws) -> tuple[int, str, str]:
    result = run_skyfn(
        "secret",
        "sync",
        "--from",
        "vault",
        "--branch",
        "main",
        cwd=root,
        env={**aws.env, **openbao.env},
    )
    return result.code, result.out, result.err


def parameter(name: str) -> dict[str, object]:
    ssm = boto3.client("ssm")
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )["Parameters"][0]
    return {**value, "Description": described.get("Description")}


def test_sync_writes_one_shared_parameter_recording_the_vault_version(
    tmp_path: Path, openbao: OpenBao, aws: Aws
) -> None:
    openbao.put("deploy/db", password="v1-password")
    openbao.put("deploy/db", password="v2-password")
    root = project(tmp_path, pinned=True)
    code, out, err = sync(root, openbao, aws)
    assert code == 0, err
    latest, pinned = parameter(PARAMETER), parameter(PINNED)
    assert latest["Type"] == "SecureString" and latest["Value"] == "v2-password"
    assert latest["Description"] == "skyfn: synced from Vault secret/deploy/db#password version 2"
    assert pinned["Value"] == "v1-password" and "version 1" in str(pinned["Description"])
    assert "v1-password" not in out + err and "v2-password" not in out + err
    assert openbao.root_token not in out + err
    # api and worker name the same field: one parameter, written once
    assert out.count(PARAMETER) == 1
    code, out, _ = sync(root, openbao, aws)
    assert code == 0 and "up to date" in out and "synced secret" not in out
    assert parameter(PARAMETER)["Version"] == latest["Version"]  # nothing written again


def test_status_shows_synced_then_out_of_date(tmp_path: Path, openbao: OpenBao, aws: Aws) -> None:
    openbao.put("deploy/db", password="status-one")
    root = project(tmp_path)
    env = {**aws.env, **openbao.env}
    assert sync(root, openbao, aws)[0] == 0
    version = openbao.client().secrets.kv.v2.read_secret_version(
        "deploy/db", mount_point="secret", raise_on_deleted_version=True
    )["data"]["metadata"]["version"]
    shown = run_skyfn("secret", "status", "--branch", "main", cwd=root, env=env)
    assert shown.code == 0, shown.out + shown.err
    assert f"synced v{version}" in shown.out and "secret/deploy/db#password" in shown.out
    openbao.put("deploy/db", password="status-two")
    stale = run_skyfn("secret", "status", "--branch", "main", "--json", cwd=root, env=env)
    assert stale.code == 1
    cell = json.loads(stale.out)["secrets"][0]["scopes"]["branch main"]
    assert cell == {"state": "out of date", "from": "vault", "version": version}
    assert "status-one" not in stale.out + stale.err and "status-two" not in stale.out


def test_a_missing_or_oversized_value_is_refused_before_any_write(
    tmp_path: Path, openbao: OpenBao, aws: Aws
) -> None:
    openbao.put("deploy/db", password="x" * 5000)
    root = project(tmp_path, pinned=False)
    code, out, err = sync(root, openbao, aws)
    assert code != 0 and "5000 bytes" in err and "nothing was written" in err
    assert "x" * 100 not in out + err
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []
    env = {**aws.env, **openbao.env}
    deploy = run_skyfn(
        "pipeline-deploy", "--branch", "main", cwd=project(tmp_path / "other"), env=env
    )
    assert deploy.code != 0 and "cannot be synced; nothing was written" in deploy.err
    assert "Traceback" not in deploy.err
    absent = make_project(
        tmp_path / "absent",
        {"api": resource('{"DB_PASSWORD": vault_secret("deploy/absent", key="password")}')},
    )
    deploy = run_skyfn("pipeline-deploy", "--branch", "main", cwd=absent, env=env)
    assert deploy.code != 0 and "Vault secret secret/deploy/absent" in deploy.err
    assert "does not exist in Vault" in deploy.err and "function api (DB_PASSWORD)" in deploy.err
    cfn = boto3.client("cloudformation")
    assert cfn.list_stacks()["StackSummaries"] == []
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []


@contextmanager
def deployed(root: Path, name: str, aws: Aws, task_root: Path) -> Iterator[RuntimeApi]:
    """The function's bundle under awslambdaric, reading SSM in moto as on Lambda."""
    model = generate_env(find_project(root), scopes.branch("main"), "ssm").model
    function = next(f for f in model.functions if f.name == name)
    bundle = build_bundle(function, backend_dir(model.project_root)).data
    zipfile.ZipFile(io.BytesIO(bundle)).extractall(task_root)
    api = RuntimeApi().start()
    variables = environment.lambda_variables(function, "us-east-1", task_root)
    env = {
        **variables,
        "_HANDLER": "skyfn.runtime.bootstrap.handler",
        **deployed_variables(function),
        **aws.env,
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "PYTHONPATH": str(task_root),
        "PATH": os.environ.get("PATH", ""),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "awslambdaric", "skyfn.runtime.bootstrap.handler"],
        cwd=task_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield api
    finally:
        proc.kill()
        proc.wait()
        api.close()


def call(api: RuntimeApi) -> dict[str, object]:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:api"
    answer = api.invoke(Invocation(str(uuid.uuid4()), {}, arn, int(time.time() * 1000) + 60000))
    assert not answer.error, answer.body
    result: dict[str, object] = json.loads(answer.body)
    return result


def test_a_synced_value_reaches_the_warm_deployed_function_without_a_redeploy(
    tmp_path: Path, openbao: OpenBao, aws: Aws
) -> None:
    openbao.put("deploy/db", password="deployed-one")
    root = project(tmp_path, max_age=1)
    assert sync(root, openbao, aws)[0] == 0
    with deployed(root, "api", aws, tmp_path / "task") as api:
        first = call(api)
        assert first["password"] == "deployed-one"
        openbao.put("deploy/db", password="deployed-two")
        assert call(api)["password"] == "deployed-one"  # not synced yet: SSM still has it
        code, _, err = sync(root, openbao, aws)
        assert code == 0, err
        deadline = time.monotonic() + 30
        seen = call(api)
        while seen["password"] != "deployed-two" and time.monotonic() < deadline:
            time.sleep(0.2)
            seen = call(api)
        assert seen["password"] == "deployed-two"
        assert seen["pid"] == first["pid"]  # the same warm process: no redeploy, no restart
