"""The SSM store against a real moto_server: boto3 reaches it through AWS_ENDPOINT_URL."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

from skyfn.errors import SkyfnError
from skyfn.secrets.ssm import SsmStore
from tests.support.aws import Aws, free_port
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource
from tests.support.servers import moto_process

APP = "/skyfn/testapp"


def counted_store() -> tuple[SsmStore, list[list[str]]]:
    """A store on a real client that records the names of every GetParameters call."""
    client = boto3.client("ssm")
    calls: list[list[str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(list(params["Names"]))

    client.meta.events.register("provide-client-params.ssm.GetParameters", record)
    return SsmStore(client), calls


def test_round_trip_versions_list_and_delete(aws: Aws) -> None:
    store = SsmStore()
    path = f"{APP}/sandbox-alice/MY_API_KEY"
    assert store.write(path, "one").version == 1
    assert store.write(path, "two").version == 2
    store.write(f"{APP}/shared/MY_API_KEY", "shared")
    store.write(f"{APP}/sandbox-alice/deeper/NOT_MINE", "x")  # another folder level
    raw = boto3.client("ssm").get_parameter(Name=path)["Parameter"]
    assert raw["Type"] == "SecureString"
    got = store.read_many([path, f"{APP}/sandbox-alice/ABSENT"])
    assert list(got) == [path] and got[path].value == "two" and got[path].version == 2
    listed = store.list(f"{APP}/sandbox-alice/")
    assert [(i.path, i.version) for i in listed] == [(path, 2)]
    assert store.delete(path) is True and store.delete(path) is False
    assert store.read_many([path]) == {}


def test_25_secrets_are_read_in_3_calls_matched_by_name(aws: Aws) -> None:
    store, calls = counted_store()
    paths = [f"{APP}/shared/S{i:02d}" for i in range(25)]
    for i, path in enumerate(paths):
        store.write(path, f"value-{i}")
    absent = [f"{APP}/shared/ABSENT{i}" for i in range(5)]
    calls.clear()
    got = store.read_many(paths[:20] + absent)  # 25 names
    assert len(calls) == 3 and sorted(len(c) for c in calls) == [5, 10, 10]
    assert {p: v.value for p, v in got.items()} == {
        p: f"value-{i}" for i, p in enumerate(paths[:20])
    }
    calls.clear()
    assert {p: v.value for p, v in store.read_many(paths).items()} == {
        p: f"value-{i}" for i, p in enumerate(paths)
    }
    assert len(calls) == 3


def project(tmp_path: Path) -> Path:
    fn = resource('{"API_KEY": secret("MY_API_KEY")}', name="say-hello")
    return make_project(tmp_path / "p", {"say_hello": fn})


def test_cli_against_ssm_with_shared_fallback_and_missing_secret(aws: Aws, tmp_path: Path) -> None:
    root = project(tmp_path)
    ssm = ("--store", "ssm")
    missing = run_skyfn("secret", "get", "MY_API_KEY", "--identifier", "alice", *ssm, cwd=root)
    assert missing.code == 1 and "Traceback" not in missing.err
    assert missing.err.strip() == (
        "error: secret MY_API_KEY is not set for sandbox alice in the ssm store (looked in: "
        f"{APP}/sandbox-alice/MY_API_KEY, {APP}/shared/MY_API_KEY). Set it with: "
        "skyfn secret set MY_API_KEY --identifier alice --store ssm"
    )
    synth = run_skyfn("synth", "--branch", "main", cwd=root)  # a branch reads ssm by default
    assert synth.code == 0
    assert synth.err.startswith("warning: secret MY_API_KEY (environment API_KEY of function")
    assert "Set it with: skyfn secret set MY_API_KEY --branch main\n" in synth.err
    artifact = json.loads((root / ".skyfn/artifacts/branch-main/say-hello.json").read_text())
    assert artifact["environment"]["SKYFN_SECRET_STORE"] == "ssm"  # as the template says

    shared = run_skyfn("secret", "set", "MY_API_KEY", "--shared", *ssm, cwd=root, stdin="s\n")
    assert shared.out == "Set MY_API_KEY (version 1) for shared\n"
    got = run_skyfn("secret", "get", "MY_API_KEY", "--branch", "main", *ssm, cwd=root)
    assert got.out == "s\n"
    own = run_skyfn("secret", "set", "MY_API_KEY", "--branch", "main", *ssm, cwd=root, stdin="b")
    assert own.code == 0
    got = run_skyfn("secret", "get", "MY_API_KEY", "--branch", "main", *ssm, cwd=root)
    assert got.out == "b\n"
    assert run_skyfn("synth", "--branch", "main", *ssm, cwd=root).err == ""
    # SKYFN_SECRET_STORE picks the store as well as --store
    listed = run_skyfn(
        "secret", "list", "--branch", "main", cwd=root, env={"SKYFN_SECRET_STORE": "ssm"}
    )
    assert [line.split()[:3] for line in listed.out.splitlines()[1:]] == [
        ["MY_API_KEY", "branch", "main"],
        ["MY_API_KEY", "shared", "1"],
    ]


def no_aws_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_MAX_ATTEMPTS="1",
        **extra,
    )
    return env


def test_no_credentials_is_a_clear_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run_skyfn(
        "secret", "list", "--store", "ssm", cwd=root, env=no_aws_env(), inherit_env=False
    )
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith("error: cannot list secrets in SSM: no AWS credentials found")


def test_an_unreachable_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    env = no_aws_env(
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="y",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
    )
    result = run_skyfn("secret", "get", "X", "--store", "ssm", cwd=root, env=env, inherit_env=False)
    assert result.code == 1 and "Traceback" not in result.err
    assert "cannot read secrets from SSM: GetParameters of parameter " in result.err
    assert "failed: the AWS endpoint is unreachable" in result.err  # the call and its attempts
    assert "3 attempts in " in result.err


def test_access_denied_is_a_clear_error(tmp_path: Path) -> None:
    """A moto_server that checks credentials (unknown keys are refused, as by AWS)."""
    checking = {"INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    with moto_process(tmp_path / "moto-auth.log", env=checking) as endpoint:
        env = no_aws_env(
            AWS_ACCESS_KEY_ID="AKIAUNKNOWN", AWS_SECRET_ACCESS_KEY="y", AWS_ENDPOINT_URL=endpoint
        )
        root = project(tmp_path)
        result = run_skyfn("secret", "set", "X", "--store", "ssm", cwd=root, env=env, stdin="v")
        assert result.code == 1 and "Traceback" not in result.err
        assert result.err.startswith(f"error: cannot write {APP}/sandbox-")
        assert "AWS refused access" in result.err


def test_store_errors_raise_skyfn_error_in_process(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(SkyfnError, match="unreachable"):
        SsmStore().read_many(["/skyfn/a/shared/X"])
