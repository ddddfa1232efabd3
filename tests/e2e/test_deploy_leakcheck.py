"""Before upload, a deploy refuses a bundle or template holding a value of the branch's
secrets (read from moto's SSM as the deployer), naming the file and never the value; it
lists what it left out of each bundle; when it cannot read the values it says so."""

from __future__ import annotations

import base64
import gzip
import io
import tarfile
import urllib.parse
import zipfile
from pathlib import Path

import boto3
import pytest

from skyfn import scope
from skyfn.deploy.pipeline import check_secret_values, stack_request
from skyfn.errors import SkyfnError
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.deploy import SECRET_VALUE, copy_example
from tests.support.projects import write

BUNDLE = ".skyfn/bundles/branch-main/say-hello.zip"


def deploy(root: Path, aws: Aws) -> Result:
    return run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)


@pytest.fixture()
def example(tmp_path: Path, aws: Aws) -> Path:
    boto3.client("ssm").put_parameter(
        Name="/skyfn/say-hello/shared/MY_API_KEY",
        Value=SECRET_VALUE,
        Type="SecureString",
        Overwrite=True,
    )
    return copy_example(tmp_path)


def assert_refused(result: Result, file: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    assert "a secret's value is in what would be deployed; nothing was uploaded" in result.err
    assert f"  {file}\n" in result.err
    assert SECRET_VALUE not in result.out + result.err
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_a_secret_value_in_the_code_is_refused_by_file_name(example: Path, aws: Aws) -> None:
    handler = example / "backend" / "functions" / "say_hello" / "handler.py"
    handler.write_text(handler.read_text() + f'\nFALLBACK = "{SECRET_VALUE}"\n')
    assert_refused(deploy(example, aws), f"{BUNDLE}:handler.py")


def test_a_base64_secret_value_in_a_data_file_is_refused(example: Path, aws: Aws) -> None:
    encoded = base64.b64encode(b"key: " + SECRET_VALUE.encode()).decode()
    write(example / "backend" / "functions" / "say_hello" / "blob.txt", encoded)
    assert_refused(deploy(example, aws), f"{BUNDLE}:blob.txt")


def test_a_secret_value_in_a_plain_environment_value_is_refused(example: Path, aws: Aws) -> None:
    resource = example / "backend" / "functions" / "say_hello" / "resource.py"
    text = resource.read_text().replace('"World"', f'"{SECRET_VALUE}"')
    resource.write_text(text)
    result = deploy(example, aws)
    assert_refused(result, ".skyfn/artifacts/branch-main/template.json")


def test_what_a_bundle_leaves_out_is_listed(example: Path, aws: Aws) -> None:
    folder = example / "backend" / "functions" / "say_hello"
    write(folder / "core", "a core dump")
    write(folder / ".env.local", "X=1")
    result = deploy(example, aws)
    assert result.code == 0, result.err
    # what is kept out for safety, per function; the definition file: once, for all
    assert (
        "function say-hello: left out of its bundle: backend/functions/say_hello/.env.local, "
        "backend/functions/say_hello/core\n"
    ) in result.out
    assert "resource.py" not in result.out.replace(
        "note: each function's resource.py and Python caches stay out of its bundle", ""
    )
    assert result.out.count("note: each function's resource.py") == 1


def test_values_it_cannot_read_are_said_and_the_deploy_goes_on(example: Path, aws: Aws) -> None:
    project = open_project(example)
    model = load_model(project, scope.branch("main"), "ssm")
    said: list[str] = []
    request = stack_request(project, model, said.append)

    def denied(paths: list[str]) -> dict[str, str]:
        raise SkyfnError("cannot read secrets from SSM: AWS refused access (AccessDenied: no)")

    check_secret_values(project, model, request, said.append, denied)
    assert "note: the bundles and template were not checked for secret values" in said[-1]
    assert "ssm:GetParameters and kms:Decrypt" in said[-1]
    # Read as the deployer (moto's SSM), the same request passes: it holds no value.
    check_secret_values(project, model, request, said.append)


def bundle_members(root: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(root / BUNDLE) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_links_never_put_the_deployers_files_into_a_bundle(example: Path, aws: Aws) -> None:
    folder = example / "backend" / "functions" / "say_hello"
    (folder / "settings.txt").symlink_to("/proc/self/environ")
    (folder / "loop").symlink_to(".")
    result = deploy(example, aws)
    assert result.code == 0, result.err
    members = bundle_members(example)
    assert "settings.txt" not in members
    assert not [name for name in members if name.startswith("loop/")]
    assert not [name for name, data in members.items() if b"AWS_SECRET_ACCESS_KEY=" in data]
    assert (
        "function say-hello: left out of its bundle, not regular files inside backend/ "
        "(a bundle never follows a link): backend/functions/say_hello/loop, "
        "backend/functions/say_hello/settings.txt\n"
    ) in result.out


def test_secret_looking_files_are_left_out_and_listed_unless_included(
    example: Path, aws: Aws
) -> None:
    folder = example / "backend" / "functions" / "say_hello"
    key = (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    )
    write(folder / "prod.env", "DB_PASSWORD=hunter2hunter2\n")
    write(folder / "secrets.json", "{}\n")
    write(folder / "id_rsa", "x\n")
    write(folder / "server.pem", key)
    write(folder / "rds-ca.pem", "-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n")
    result = deploy(example, aws)
    assert result.code == 0, result.err
    members = bundle_members(example)
    assert "rds-ca.pem" in members
    assert not {"prod.env", "secrets.json", "id_rsa", "server.pem"} & set(members)
    at = "backend/functions/say_hello/"
    assert (
        f"function say-hello: left out of its bundle, secret-looking: {at}id_rsa (named like "
        f"a secret), {at}prod.env (named like a secret), {at}secrets.json (named like a "
        f"secret), {at}server.pem (holds a private key); to ship one on purpose, add its path "
        "to [tool.skyfn] bundle_include\n"
    ) in result.out
    pyproject = example / "pyproject.toml"
    include = f'\nbundle_include = ["{at}server.pem"]\n'
    pyproject.write_text(pyproject.read_text().replace("[tool.skyfn]\n", "[tool.skyfn]" + include))
    result = deploy(example, aws)
    assert result.code == 0, result.err
    assert "server.pem" in bundle_members(example)


def test_encoded_and_compressed_copies_of_a_secret_are_refused(example: Path, aws: Aws) -> None:
    folder = example / "backend" / "functions" / "say_hello"
    raw = SECRET_VALUE.encode()
    (folder / "blob.hex").write_bytes(raw.hex().encode())
    (folder / "notes.txt").write_bytes(("note: " + SECRET_VALUE).encode("utf-16"))
    (folder / "url.txt").write_bytes(b"q=" + urllib.parse.quote(SECRET_VALUE, safe="").encode())
    (folder / "data.json.gz").write_bytes(gzip.compress(b'{"k": "' + raw + b'"}'))
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as archive:
        info = tarfile.TarInfo("fixtures/conf.txt")
        info.size = len(raw)
        archive.addfile(info, io.BytesIO(raw))
    (folder / "fixtures.tgz").write_bytes(tar.getvalue())
    result = deploy(example, aws)
    for name in (
        "blob.hex",
        "notes.txt",
        "url.txt",
        "data.json.gz",
        "fixtures.tgz:fixtures/conf.txt",
    ):
        assert_refused(result, f"{BUNDLE}:{name}")


EXTERNAL_VALUE = "partner-token-9c2e71aa"
PARAMETER_VALUE = "legacy-parameter-55d0e1"


def with_external_references(example: Path) -> Path:
    boto3.client("secretsmanager").create_secret(Name="prod/partner", SecretString=EXTERNAL_VALUE)
    boto3.client("ssm").put_parameter(
        Name="/legacy/key", Value=PARAMETER_VALUE, Type="SecureString"
    )
    resource = example / "backend" / "functions" / "say_hello" / "resource.py"
    text = resource.read_text().replace("import define_function, secret", "import *")
    text = text.replace(
        '"API_KEY": secret("MY_API_KEY"),',
        '"API_KEY": secret("MY_API_KEY"), "PARTNER": aws_secret("prod/partner"),'
        ' "LEGACY": ssm_parameter("/legacy/key"),',
    )
    resource.write_text(text)
    return example / "backend" / "functions" / "say_hello" / "handler.py"


@pytest.mark.parametrize("value", [EXTERNAL_VALUE, PARAMETER_VALUE])
def test_a_value_of_an_external_reference_in_the_code_is_refused(
    example: Path, aws: Aws, value: str
) -> None:
    handler = with_external_references(example)
    result = deploy(example, aws)
    assert result.code == 0, result.err  # the references themselves deploy
    handler.write_text(handler.read_text() + f'\nFALLBACK = "{value}"\n')
    result = deploy(example, aws)
    assert result.code != 0 and "Traceback" not in result.err
    assert f"  {BUNDLE}:handler.py\n" in result.err
    assert value not in result.out + result.err


def test_external_values_it_cannot_read_are_said_and_the_deploy_goes_on(
    example: Path, aws: Aws
) -> None:
    handler = with_external_references(example)
    handler.write_text(handler.read_text() + f'\nFALLBACK = "{EXTERNAL_VALUE}"\n')
    project = open_project(example)
    model = load_model(project, scope.branch("main"), "ssm")
    said: list[str] = []
    request = stack_request(project, model, said.append)

    def denied(paths: list[str]) -> dict[str, str]:
        raise SkyfnError("cannot read the external secret references: AWS refused access")

    check_secret_values(project, model, request, said.append, read_external=denied)
    assert "not checked for the values of external references" in said[-1]
    assert "secretsmanager:GetSecretValue, ssm:GetParameter and kms:Decrypt" in said[-1]
    with pytest.raises(SkyfnError, match="a secret's value is in what would be deployed"):
        check_secret_values(project, model, request, said.append)
