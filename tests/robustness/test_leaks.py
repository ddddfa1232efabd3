"""Leak canaries, end to end: random values for every secret of a three-function project,
then every command skyfn has (synth, generate, invoke, a sandbox session over HTTP, a
deploy to moto, every ``--help``, errors), handlers that raise, time out and crash. Every
file, zip member, template, AWS resource and output is searched. A canary may appear only
in what ``skyfn secret get`` prints and in what a handler itself returns."""

from __future__ import annotations

import base64
import io
import json
import secrets
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import click
import pytest

from skyfn.cli import main as cli_main
from skyfn.runtime.mask_forms import forms
from tests.support import report
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

HANDLER = """\
import base64
import json
import logging
import os
import signal
import time

SECRET_KEYS = ("TOKEN", "DB", "KEY", "API")


def handler(event, context):
    mine = {k: v for k, v in os.environ.items() if k in SECRET_KEYS}
    mode = event.get("mode", "ok")
    print("secret lengths:", {k: len(v) for k, v in mine.items()})
    if mode == "return":
        return mine  # the one place a handler may put its secrets: its own answer
    if mode == "print":  # the host masks a function's own secrets in its logs
        print("values:", mine)
        os.write(2, (repr(mine) + chr(10)).encode())
        logging.warning("escaped %r %s", list(mine.values()), json.dumps(mine))
        for skip in range(3):  # each base64 alignment of each value
            print("b64:", base64.b64encode(b"xyz"[:skip] + repr(mine).encode()).decode())
    if mode == "raise_value":
        raise ValueError("failed, holding " + " ".join(mine.values()))
    if mode == "raise":
        raise ValueError("failed on purpose, with " + str(sorted(mine)))
    if mode == "timeout":
        time.sleep(60)
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "exit":
        os._exit(3)
    return {k: len(v) for k, v in mine.items()}
"""

FUNCTIONS = {
    "alpha": resource(
        '{"NAME": "World", "TOKEN": secret("SHARED_TOKEN"), "DB": secret("ALPHA_DB")}',
        name="alpha",
        timeout_seconds=2,
    ),
    "beta": resource(
        '{"TOKEN": secret("SHARED_TOKEN"), "KEY": secret("BETA_KEY"), "MAX": 3}',
        name="beta",
        timeout_seconds=2,
    ),
    "gamma": resource('{"API": secret("GAMMA_API"), "FLAG": True}', name="gamma"),
}
SCOPED = ("ALPHA_DB", "BETA_KEY", "GAMMA_API")
MODES = ("ok", "print", "raise", "raise_value", "timeout", "crash", "exit")
SUCCEEDS = ("ok", "print")
SANDBOX = ("--identifier", "leak")


def canary() -> str:
    return f"canary-{secrets.token_hex(12)}"


@dataclass
class Run:
    """Everything produced along the way, and every canary set."""

    root: Path
    env: dict[str, str]
    canaries: dict[str, str] = field(default_factory=dict)  # label -> value
    outputs: list[tuple[str, str]] = field(default_factory=list)  # what, text
    allowed: list[str] = field(default_factory=list)  # outputs a canary may appear in

    def skyfn(
        self, *args: str, stdin: str | None = None, ok: bool = True, user_error: bool = False
    ) -> Result:
        """Run a command; a user error is one message, no traceback (a handler's own
        failure does show the handler's traceback, as Lambda does)."""
        result = run_skyfn(*args, cwd=self.root, env=self.env, stdin=stdin)
        assert (result.code == 0) == ok, (args, result)
        if user_error:
            assert "Traceback" not in result.err, (args, result.err)
            usage = result.code == 2 and "Error:" in result.err  # click's own usage errors
            assert result.err.startswith("error:") or usage, (args, result.err)
        self.outputs.append((f"skyfn {' '.join(args)}", result.out + result.err))
        return result

    def set(self, label: str, name: str, *scope: str) -> None:
        self.canaries[label] = value = canary()
        self.skyfn("secret", "set", name, *scope, stdin=value + "\n")

    def allowed_output(self, what: str, text: str) -> None:
        self.allowed.append(text)
        assert any(value in text for value in self.canaries.values()), what


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group of the CLI, found from the CLI itself."""
    yield prefix
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


def http_invoke(box: Sandbox, function: str, body: bytes) -> tuple[int, str]:
    url = f"{box.url}/2015-03-31/functions/{function}/invocations"
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, f"{reply.headers}\n{reply.read().decode()}"
    except urllib.error.HTTPError as exc:
        return exc.code, f"{exc.headers}\n{exc.read().decode()}"


def sandbox_session(run: Run) -> None:
    with running_sandbox(run.root, *SANDBOX, env=run.env) as box:
        client = box.client()
        for function in FUNCTIONS:
            for mode in (*MODES, "return"):
                answer = client.invoke(
                    FunctionName=function,
                    Payload=json.dumps({"mode": mode}).encode(),
                    LogType="Tail",
                )
                text = answer["Payload"].read().decode()
                tail = base64.b64decode(answer.get("LogResult", "")).decode()
                if mode == "return":
                    run.allowed_output(f"sandbox {function} return", text)
                else:
                    run.outputs.append((f"sandbox boto3 {function} {mode}", text))
                run.outputs.append((f"sandbox tail {function} {mode}", tail))
                meta = json.dumps(answer["ResponseMetadata"], default=str)
                run.outputs.append((f"sandbox headers {function} {mode}", meta))
        # raw HTTP: good and bad requests
        for function, body in [
            ("alpha", b'{"mode": "ok"}'),
            ("beta", b'{"mode": "raise"}'),
            ("gamma", b"not json"),
            ("nope", b"{}"),
            ("..%2Falpha", b"{}"),
        ]:
            status, text = http_invoke(box, function, body)
            assert status < 500 or function != "alpha", text
            run.outputs.append((f"sandbox http {function}", text))
        box.wait_for_log("secret lengths")
    run.outputs.append(("sandbox stdout", "\n".join(box.out)))
    run.outputs.append(("sandbox stderr (every log line)", "\n".join(box.err)))


def aws_reads(run: Run, files: dict[str, bytes]) -> None:
    """The stack, its template, the functions' configuration and code as moto holds them."""
    cfn = boto3.client("cloudformation")
    lam = boto3.client("lambda")
    iam = boto3.client("iam")
    s3 = boto3.client("s3")

    def read(what: str, answer: Any) -> None:
        run.outputs.append((what, json.dumps(answer, default=str)))

    stacks = cfn.describe_stacks()["Stacks"]
    assert stacks, "the deploy made no stack"
    read("describe_stacks", stacks)
    for stack in stacks:
        name = stack["StackName"]
        read(f"template {name}", cfn.get_template(StackName=name)["TemplateBody"])
        read(f"resources {name}", cfn.describe_stack_resources(StackName=name))
        read(f"events {name}", cfn.describe_stack_events(StackName=name))
    functions = lam.list_functions()["Functions"]
    assert len(functions) == len(FUNCTIONS)
    read("list_functions", functions)
    for function in functions:
        arn = function["FunctionArn"]
        read(f"get_function {arn}", lam.get_function(FunctionName=arn))
        read(f"configuration {arn}", lam.get_function_configuration(FunctionName=arn))
    for role in iam.list_roles()["Roles"]:
        read(f"role {role['RoleName']}", role)
        for policy in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
            read(
                f"policy {policy}",
                iam.get_role_policy(RoleName=role["RoleName"], PolicyName=policy),
            )
    for bucket in s3.list_buckets()["Buckets"]:
        for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            body = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
            unpack(f"s3://{bucket['Name']}/{item['Key']}", body, files)


def unpack(name: str, data: bytes, files: dict[str, bytes]) -> None:
    """A file, and every member of it when it is a zip."""
    files[name] = data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                unpack(f"{name}!{member}", archive.read(member), files)


@pytest.mark.slow
def test_no_canary_leaks_anywhere(tmp_path: Path, isolated_home: Path, aws: Aws) -> None:
    root = make_project(
        tmp_path / "leakapp", FUNCTIONS, {f: HANDLER for f in FUNCTIONS}, app_id="leakapp"
    )
    run = Run(root, dict(aws.env))

    # -- secrets: the local store (sandbox, branch, shared) and SSM (the deployed branch) --
    run.set("shared local", "SHARED_TOKEN", "--shared")
    for name in SCOPED:
        run.set(f"{name} sandbox", name, *SANDBOX)
        run.set(f"{name} branch local", name, "--branch", "main")
        run.set(f"{name} branch ssm", name, "--branch", "main", "--store", "ssm")
    run.set("shared ssm", "SHARED_TOKEN", "--shared", "--store", "ssm")
    run.set("sandbox override", "SHARED_TOKEN", "--identifier", "other")
    for scope in (SANDBOX, ("--branch", "main"), ("--shared",)):
        run.skyfn("secret", "list", *scope)
        run.skyfn("secret", "list", "--json", *scope)
    run.skyfn("secret", "list", "--branch", "main", "--store", "ssm")
    got = run_skyfn("secret", "get", "ALPHA_DB", *SANDBOX, cwd=root)  # allowed to print it
    assert got.out == run.canaries["ALPHA_DB sandbox"] + "\n"

    # -- build outputs --
    run.skyfn("synth", *SANDBOX)
    run.skyfn("synth", "--branch", "main")
    run.skyfn("generate", "env")

    # -- invoke: every function, every way a handler can end --
    for function in FUNCTIONS:
        for mode in MODES:
            event = json.dumps({"mode": mode})
            run.skyfn("invoke", function, "--event", event, *SANDBOX, ok=mode in SUCCEEDS)
        returned = run_skyfn(
            "invoke", function, "--event", '{"mode": "return"}', *SANDBOX, cwd=root
        )
        assert returned.code == 0, returned.err
        run.outputs.append((f"invoke {function} return: logs", returned.err))
        run.allowed_output(f"invoke {function} return", returned.out)
    run.skyfn("invoke", "alpha", "--branch", "main", "--event", '{"mode": "raise"}', ok=False)
    run.skyfn("invoke", "beta", "--branch", "main")

    # -- a sandbox session over HTTP --
    sandbox_session(run)

    # -- deploy the branch to moto --
    run.skyfn("pipeline-deploy", "--branch", "main")
    run.skyfn("pipeline-deploy", "--branch", "main")  # no changes

    # -- every --help, and errors --
    for command in command_paths(cli_main):
        run.skyfn(*command, "--help")
    run.skyfn("--version")
    for args in (
        ["invoke", "nope"],
        ["invoke", "alpha", "--event", "{bad json"],
        ["secret", "get", "MISSING", *SANDBOX],
        ["secret", "get", "ALPHA_DB", "--branch", "nobranch"],
        ["secret", "set", "../ALPHA_DB"],
        ["secret", "remove", "MISSING"],
        ["secret", "list", "--store", "vault"],
        ["synth", "--branch", "../x"],
        ["pipeline-deploy"],
        ["pipeline-deploy", "--branch", "other"],  # secrets missing for that branch
        ["secret", "get", "GAMMA_API", "--branch", "main", "--store", "ssm", "--identifier", "x"],
        ["nosuchcommand"],
    ):
        run.skyfn(*args, ok=False, user_error=True)

    # -- gather every file and zip member, and AWS's view --
    files: dict[str, bytes] = {}
    for folder in (root, isolated_home):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                unpack(str(path), path.read_bytes(), files)
    aws_reads(run, files)

    # -- search --
    found: list[str] = []
    for label, value in run.canaries.items():
        for needle in forms(value):  # as is, and escaped or base64-encoded
            found += [f"{label} in file {name}" for name, data in files.items() if needle in data]
            found += [
                f"{label} in output of {what}"
                for what, text in run.outputs
                if needle.decode() in text
            ]
    report.add("leaks", found=len(found), files=len(files), outputs=len(run.outputs))

    # the search is not vacuous: bundles, a template and logs were searched, and the values
    # really reached the handlers (what they returned held them)
    assert any(name.endswith(".zip!skyfn/runtime/bootstrap.py") for name in files)
    assert any("template.json" in name for name in files)
    assert len(run.allowed) == len(FUNCTIONS) * 2
    # handlers that printed or raised with their secrets were masked, not silenced
    masked = [what for what, text in run.outputs if '"mode": "print"' in what and "****" in text]
    assert len(masked) == len(FUNCTIONS), masked
    assert found == []
