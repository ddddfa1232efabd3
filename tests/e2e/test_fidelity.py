"""Differential: the local worker answers every case as AWS's own Python runtime does.

The same function runs two ways: in skyfn's local host (a real worker process), and as the
bundle ``pipeline-deploy`` builds (``build_bundle``, unzipped) under ``awslambdaric`` (the
loop Lambda's Python runtimes run), against a Runtime API stand-in on 127.0.0.1. Every
answer must be the same bytes, request ids and file paths aside.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skyfn import scope
from skyfn.deploy.bundle import build_bundle
from skyfn.deploy.template import deployed_variables
from skyfn.host import environment
from skyfn.host.environment import HostOptions
from skyfn.host.logs import LogSink
from skyfn.host.pool import FunctionPool
from skyfn.model import Function
from skyfn.project import backend_dir, find_project
from skyfn.runtime import lambda_platform
from skyfn.synth.run import generate_env
from tests.support.projects import make_project, resource
from tests.support.runtime_api import Invocation, RuntimeApi

pytest.importorskip("awslambdaric")

CORPUS = """\
import collections, decimal, json, logging, os

Point = collections.namedtuple("Point", "x y")

class Custom:
    pass

def nested():
    try:
        raise KeyError("inner")
    except KeyError as exc:
        raise RuntimeError("outer") from exc

RETURNS = {
    "none": lambda: None,
    "int": lambda: 42,
    "float": lambda: 1.5,
    "str": lambda: "hello",
    "unicode": lambda: {"text": "héllo ✓ 世界 \\u2028 \\U0001f600"},
    "list": lambda: [1, "two", 3.0, None, True],
    "tuple": lambda: (1, 2),
    "dict_keys": lambda: {1: "int", 1.5: "float", True: "bool", None: "none"},
    "decimal": lambda: {"price": decimal.Decimal("19.99"), "big": decimal.Decimal("1E+2")},
    "decimal_nan": lambda: decimal.Decimal("NaN"),
    "nan": lambda: [float("nan"), float("inf"), float("-inf")],
    "bytes": lambda: b"raw-bytes\\x00\\xff",
    "nested_bytes": lambda: {"b": b"text", b"key": 1},
    "namedtuple": lambda: Point(1, [Point(2, 3)]),
    "set": lambda: {1, 2},
    "object": lambda: Custom(),
    "decimal_key": lambda: {decimal.Decimal(1): 1},
    "large": lambda: {"items": [{"id": i, "name": "x" * 50} for i in range(20000)]},
    "empty": lambda: ({}, [], ""),
}

def context_view(context):
    cc = context.client_context
    return {
        "type": type(context).__name__ in ("Context", "LambdaContext"),
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "tenant_id": context.tenant_id,
        "w3c": context.w3c(),
        "identity": [context.identity.cognito_identity_id,
                     context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {
            "custom": cc.custom, "env": cc.env,
            "client": None if cc.client is None else cc.client.app_title,
        },
        "remaining": 0 < context.get_remaining_time_in_millis() <= 3000,
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "public": sorted(n for n in dir(context) if not n.startswith("_")),
    }

def handler(event, context):
    case = event["case"]
    if case in RETURNS:
        return RETURNS[case]()
    if case == "raise":
        raise ValueError("bad value ✓")
    if case == "nested":
        nested()
    if case == "exit_message":
        raise Exception({"not": "a string"})
    if case == "context":
        return context_view(context)
    if case == "log":
        log = logging.getLogger("app")
        log.debug("debug %s", 1)
        log.info("info ✓")
        log.warning({"structured": True})
        log.error("error", extra={"order": 7})
        logging.critical("critical")
        try:
            raise ValueError("logged")
        except ValueError:
            log.exception("failed")
        return "logged"
    raise NotImplementedError(case)
"""

CASES = [
    "none", "int", "float", "str", "unicode", "list", "tuple", "dict_keys", "decimal",
    "decimal_nan", "nan", "bytes", "nested_bytes", "namedtuple", "set", "object",
    "decimal_key", "large", "empty", "raise", "nested", "exit_message", "context",
]  # fmt: skip
CLIENT_CONTEXT = {
    "custom": {"tenant": "acme"},
    "env": {"platform": "test"},
    "client": {"app_title": "app"},
    "w3c": {"traceparent": "00-abc-def-01", "baggage": 7},
}


class Quiet(LogSink):
    def line(self, function: str, request_id: str, text: str) -> None:
        pass


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fidelity")
    make_project(root, {"corpus": resource(name="corpus")}, {"corpus": CORPUS})
    return root


@pytest.fixture(scope="module")
def local(project: Path) -> Iterator[FunctionPool]:
    model = generate_env(find_project(project), scope.sandbox("fidelity"), "inline").model
    function = model.functions[0]
    pool = FunctionPool(
        function,
        lambda f: environment.build(model, f, HostOptions(), {}),
        lambda_platform.function_arn("us-east-1", function.name),
        Quiet(),
        max_workers=1,
    )
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def aws(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeApi]:
    """The bundle of ``pipeline-deploy`` under awslambdaric, as Lambda runs it."""
    model = generate_env(find_project(project), scope.branch("fidelity"), "ssm").model
    function = model.functions[0]
    task_root = tmp_path_factory.mktemp("task")
    zipfile.ZipFile(
        io.BytesIO(build_bundle(function, backend_dir(model.project_root)).data)
    ).extractall(task_root)
    api = RuntimeApi().start()
    env = {
        **lambda_environment(function, task_root),
        **deployed_variables(function),
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
    yield api
    proc.kill()
    proc.wait()
    api.close()


def lambda_environment(function: Function, task_root: Path) -> dict[str, str]:
    variables = environment.lambda_variables(function, "us-east-1", task_root)
    variables["_HANDLER"] = "skyfn.runtime.bootstrap.handler"
    return variables


def normalised(body: bytes, error: bool) -> Any:
    """Request ids and file paths aside; skyfn's own bootstrap frame (deployed only) too."""
    if not error:
        return body
    shape = json.loads(body)
    shape.pop("requestId", None)
    frames = [f for f in shape.get("stackTrace", []) if "skyfn/runtime/" not in f]
    shape["stackTrace"] = [re.sub(r'File "[^"]*/', 'File "', f) for f in frames]
    return shape


@pytest.mark.parametrize("case", CASES)
def test_local_answer_is_lambdas(case: str, local: FunctionPool, aws: RuntimeApi) -> None:
    request_id = str(uuid.uuid4())
    arn = lambda_platform.function_arn("us-east-1", "corpus") + ":$LATEST"
    trace = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"
    deployed = aws.invoke(
        Invocation(
            request_id,
            {"case": case},
            arn,
            deadline_ms=int(__import__("time").time() * 1000) + 3000,
            client_context=json.loads(json.dumps(CLIENT_CONTEXT)),
            trace_id=trace,
        )
    )
    outcome = local.invoke(
        {"case": case}, request_id, "$LATEST", json.loads(json.dumps(CLIENT_CONTEXT))
    )
    mine = normalised(outcome.payload, outcome.error)
    theirs = normalised(deployed.body, deployed.error)
    if case == "context":  # the trace id is per invocation on both: its shape must match
        mine, theirs = json.loads(mine), json.loads(theirs)
        assert re.fullmatch(
            r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", mine.pop("trace")
        )
        assert theirs.pop("trace") == trace
    assert (outcome.error, mine) == (deployed.error, theirs)


LOG_RESOURCES = {"Text": {}, "JSON": {"log_format": "JSON", "log_level": "INFO"}}


@pytest.mark.parametrize("log_format", sorted(LOG_RESOURCES))
def test_log_lines_are_lambdas(log_format: str, tmp_path: Path) -> None:
    """Each level, in both formats: the lines the local worker writes are awslambdaric's."""
    options = LOG_RESOURCES[log_format]
    make_project(tmp_path, {"corpus": resource(name="corpus", **options)}, {"corpus": CORPUS})
    model = generate_env(find_project(tmp_path), scope.sandbox("fidelity"), "inline").model
    function = model.functions[0]
    pool = FunctionPool(
        function,
        lambda f: environment.build(model, f, HostOptions(), {}),
        lambda_platform.function_arn("us-east-1", function.name),
        Quiet(),
    )
    try:
        outcome = pool.invoke({"case": "log"}, "rid-local")
    finally:
        pool.close()
    branch = generate_env(find_project(tmp_path), scope.branch("fidelity"), "ssm").model
    task_root = tmp_path / "task"
    zipfile.ZipFile(
        io.BytesIO(build_bundle(branch.functions[0], backend_dir(branch.project_root)).data)
    ).extractall(task_root)
    api = RuntimeApi().start()
    env = {
        **lambda_environment(branch.functions[0], task_root),
        **deployed_variables(branch.functions[0]),
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "PYTHONPATH": str(task_root),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "awslambdaric", "skyfn.runtime.bootstrap.handler"],
        cwd=task_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        arn = lambda_platform.function_arn("us-east-1", "corpus")
        api.invoke(Invocation("rid-aws", {"case": "log"}, arn, 2**42))
    finally:
        proc.kill()
        stdout, _ = proc.communicate()
        api.close()
    assert log_lines(outcome.logs, "rid-local") == log_lines(stdout, "rid-aws")
    assert log_lines(stdout, "rid-aws")  # the handler's lines were there to compare


def log_lines(text: str, request_id: str) -> list[Any]:
    """The handler's log lines, their times, request ids and file paths aside."""
    lines: list[Any] = []
    for line in text.replace(request_id, "RID").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            record.pop("timestamp")
            if "location" in record:
                record["location"] = record["location"].rsplit("/", 1)[-1]
            if "stackTrace" in record:
                record["stackTrace"] = [
                    re.sub(r'File "[^"]*/', 'File "', f) for f in record["stackTrace"]
                ]
            lines.append(record)
        elif not line.startswith(("START", "END", "REPORT", "[skyfn")):
            line = re.sub(r'File "[^"]*/', 'File "', line)
            lines.append(re.sub(r"\t\d{4}-\d\d-\d\dT[\d:.]+Z\t", "\tTIME\t", line))
    return lines


def test_bytes_are_the_body(local: FunctionPool) -> None:
    outcome = local.invoke({"case": "bytes"})
    assert not outcome.error
    assert outcome.payload == b"raw-bytes\x00\xff"
    assert base64.b64encode(outcome.payload)


# A module the handler cannot load, as synth lets it through (it reads handler.py only):
# a syntax error in shared code, a missing package, a handler bound and then deleted.
INIT_FAILURES = {
    "syntax_in_shared": (
        "import util\n\ndef handler(event, context):\n    return util.X\n",
        "X = 1\n\ndef oops(:\n",
    ),
    "missing_package": (
        "import not_a_package_anywhere\n\ndef handler(event, context):\n    return 1\n",
        None,
    ),
    "handler_not_found": ("def handler(event, context):\n    return 1\n\ndel handler\n", None),
}


def init_answer(task_root: Path, env: dict[str, str], handler: str) -> Any:
    """What awslambdaric answers when the module behind ``handler`` fails to load."""
    api = RuntimeApi().start()
    proc = subprocess.Popen(
        [sys.executable, "-m", "awslambdaric", handler],
        cwd=task_root,
        env={**env, "AWS_LAMBDA_RUNTIME_API": api.address, "PYTHONPATH": str(task_root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        arn = lambda_platform.function_arn("us-east-1", "corpus")
        answer = api.invoke(Invocation("rid-aws", {}, arn, 2**42))
    finally:
        proc.kill()
        proc.wait()
        api.close()
    assert answer.request_id == "init" and answer.error
    return normalised(answer.body, True)


@pytest.mark.parametrize("case", sorted(INIT_FAILURES))
def test_init_failures_are_lambdas(case: str, tmp_path: Path) -> None:
    """The local worker reports a module that cannot load as awslambdaric reports the same
    handler (type, message, the user's file and line, no importlib frames); the deployed
    bundle, whose handler is skyfn's bootstrap, under the same type and message."""
    handler, util = INIT_FAILURES[case]
    make_project(tmp_path, {"corpus": resource(name="corpus")}, {"corpus": handler})
    if util is not None:
        (tmp_path / "backend" / "functions" / "corpus" / "util.py").write_text(util)
    model = generate_env(find_project(tmp_path), scope.sandbox("fidelity"), "inline").model
    pool = FunctionPool(
        model.functions[0],
        lambda f: environment.build(model, f, HostOptions(), {}),
        lambda_platform.function_arn("us-east-1", "corpus"),
        Quiet(),
    )
    try:
        outcome = pool.invoke({}, "rid-local")
    finally:
        pool.close()
    assert outcome.error
    mine = normalised(outcome.payload, True)

    branch = generate_env(find_project(tmp_path), scope.branch("fidelity"), "ssm").model
    function = branch.functions[0]
    task_root = tmp_path / "task"
    bundle = build_bundle(function, backend_dir(branch.project_root)).data
    zipfile.ZipFile(io.BytesIO(bundle)).extractall(task_root)
    env = {**lambda_environment(function, task_root), **deployed_variables(function)}
    plain = init_answer(task_root, {**env, "_HANDLER": "handler.handler"}, "handler.handler")
    assert mine == plain
    assert not any("importlib" in frame for frame in mine["stackTrace"])
    if case == "syntax_in_shared":
        assert mine["errorType"] == "Runtime.UserCodeSyntaxError"
        assert mine["errorMessage"] == (
            "Syntax error in module 'handler': invalid syntax (util.py, line 3)"
        )
        assert mine["stackTrace"][0].startswith('  File "util.py" Line 3')
    deployed = init_answer(task_root, env, "skyfn.runtime.bootstrap.handler")
    assert (deployed["errorType"], deployed["errorMessage"]) == (
        mine["errorType"],
        mine["errorMessage"],
    )
