"""vault_secret on the local host, against a real OpenBao dev server: ``skyfn invoke`` and
the sandbox read it from Vault on the host and hand the value over; the worker never gets
the token; sealed, missing, denied and unreachable each give one clear line; a value
rotated in Vault reaches a warm sandbox function within max_age."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.openbao import OpenBao
from tests.support.projects import make_project, resource, write
from tests.support.sandbox import running_sandbox

HANDLER = """\
import os
from skyfn_env.fn import env

def handler(event, context):
    return {
        "password": env.DB_PASSWORD,
        "vault_vars": sorted(k for k in os.environ if k.startswith(("VAULT", "BAO"))),
        "pid": os.getpid(),
    }
"""


def project(tmp_path: Path, reference: str) -> Path:
    return make_project(
        tmp_path / "app",
        {"fn": resource(f'{{"DB_PASSWORD": {reference}}}')},
        handlers={"fn": HANDLER},
    )


def invoke(root: Path, env: dict[str, str]) -> tuple[int, str, str]:
    result = run_skyfn("invoke", "fn", cwd=root, env=env)
    return result.code, result.out, result.err


def test_invoke_reads_vault_on_the_host_and_hands_over_only_the_value(
    tmp_path: Path, openbao: OpenBao
) -> None:
    openbao.put("local/db", password="s3cret-from-bao")
    root = project(tmp_path, 'vault_secret("local/db", key="password")')
    # a project's .env must not steer skyfn's own Vault client (here: to a namespace that
    # does not exist, where the read would fail)
    write(root / ".env", "VAULT_NAMESPACE=elsewhere\n")
    code, out, err = invoke(root, openbao.env)
    assert code == 0, err
    answer = json.loads(out)
    assert answer["password"] == "s3cret-from-bao"
    assert answer["vault_vars"] == []  # neither the token nor the address reach the worker
    assert openbao.root_token not in out + err
    assert "VAULT_NAMESPACE from .env" in err


def test_the_typed_env_module_says_str(tmp_path: Path, openbao: OpenBao) -> None:
    root = project(tmp_path, 'vault_secret("local/db", key="password")')
    result = run_skyfn("synth", cwd=root, env=openbao.env)
    assert result.code == 0, result.err
    module = (root / ".skyfn" / "generated" / "skyfn_env" / "fn.py").read_text()
    assert "DB_PASSWORD (str)" in module


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ('vault_secret("local/absent", key="password")', "Vault secret secret/local/absent"),
        ('vault_secret("local/db", key="nokey")', "(key nokey) (environment DB_PASSWORD"),
        ('vault_secret("local/db", key="password", version=99)', "version 99"),
    ],
)
def test_a_missing_secret_key_or_version_is_one_clear_line(
    tmp_path: Path, openbao: OpenBao, reference: str, expected: str
) -> None:
    openbao.put("local/db", password="x" * 12)
    code, out, err = invoke(project(tmp_path, reference), openbao.env)
    assert code != 0
    assert expected in err and "function fn" in err
    assert "does not exist in Vault" in err and "vault kv put -mount=secret" in err
    assert "Traceback" not in err and openbao.root_token not in out + err


def test_a_denied_token_is_named_with_the_function_and_what_to_do(
    tmp_path: Path, openbao: OpenBao
) -> None:
    openbao.put("local/db", password="x" * 12)
    token = openbao.token_with_policy(
        "other-only", 'path "secret/data/other" { capabilities = ["read"] }'
    )
    env = {**openbao.env, "VAULT_TOKEN": token}
    code, out, err = invoke(project(tmp_path, 'vault_secret("local/db", key="password")'), env)
    assert code != 0
    assert "function fn: Vault at" in err and "denied reading secret/local/db" in err
    assert "vault login" in err and "Traceback" not in err
    assert token not in out + err


def test_an_unreachable_vault_fails_within_seconds(tmp_path: Path, openbao: OpenBao) -> None:
    from tests.support.servers import free_port

    env = {**openbao.env, "VAULT_ADDR": f"http://127.0.0.1:{free_port()}"}
    code, _, err = invoke(project(tmp_path, 'vault_secret("local/db", key="password")'), env)
    assert code != 0
    assert "cannot read secret/local/db from Vault" in err and "VAULT_ADDR" in err
    assert "Traceback" not in err


def test_no_token_says_how_to_log_in(tmp_path: Path, openbao: OpenBao) -> None:
    env = {"VAULT_ADDR": openbao.address, "VAULT_TOKEN": "", "HOME": str(tmp_path)}
    code, _, err = invoke(project(tmp_path, 'vault_secret("local/db", key="password")'), env)
    assert code != 0
    assert "no Vault token" in err and "vault login" in err and "Traceback" not in err


def test_a_sealed_vault_says_unseal_it(tmp_path: Path, fresh_openbao: OpenBao) -> None:
    fresh_openbao.put("local/db", password="x" * 12)
    sealed = fresh_openbao.bao("operator", "seal")
    assert sealed.returncode == 0, sealed.stderr
    root = project(tmp_path, 'vault_secret("local/db", key="password")')
    code, out, err = invoke(root, fresh_openbao.env)
    assert code != 0
    assert "is sealed" in err and "vault operator unseal" in err and "function fn" in err
    assert "Traceback" not in err and fresh_openbao.root_token not in out + err


def test_a_rotated_value_reaches_a_warm_sandbox_function_within_max_age(
    tmp_path: Path, openbao: OpenBao
) -> None:
    openbao.put("rotate/db", password="first-value-1")
    root = project(tmp_path, 'vault_secret("rotate/db", key="password", max_age=1)')
    with running_sandbox(root, env=openbao.env) as box:
        client = box.client()

        def call() -> dict[str, object]:
            answer = client.invoke(FunctionName="fn", Payload=b"{}")
            result: dict[str, object] = json.loads(answer["Payload"].read())
            return result

        first = call()
        assert first["password"] == "first-value-1" and first["vault_vars"] == []
        openbao.put("rotate/db", password="second-value-2")
        deadline = time.monotonic() + 30
        seen = call()
        while seen["password"] != "second-value-2" and time.monotonic() < deadline:
            time.sleep(0.2)
            seen = call()
        assert seen["password"] == "second-value-2", box.logs()
        assert seen["pid"] != first["pid"]  # a new worker: the old one got its value once
        assert openbao.root_token not in box.logs() + "\n".join(box.out)


def test_skyfn_run_hands_the_command_the_value_read_from_vault(
    tmp_path: Path, openbao: OpenBao
) -> None:
    openbao.put("run/db", password="value-for-run")
    root = project(tmp_path, 'vault_secret("run/db", key="password")')
    script = "import os; print(os.environ['DB_PASSWORD'] == 'value-for-run')"
    result = run_skyfn("run", "fn", "--", "python3", "-c", script, cwd=root, env=openbao.env)
    assert result.code == 0, result.err
    assert result.out.strip() == "True"  # (skyfn run masks the value itself in its output)
