"""``skyfn sandbox`` end to end: a real subprocess, real HTTP, boto3's Lambda client."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from skyfn.host.callers import PLACEHOLDER_CREDENTIALS
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource, write
from tests.support.sandbox import Sandbox, running_sandbox

ECHO = """\
import json, os, sys, time

def handler(event, context):
    print("echo says hi to", event.get("who", "nobody"))
    mode = event.get("mode")
    if mode == "raise":
        raise ValueError("boom from echo")
    if mode == "exit":
        sys.exit(3)
    if mode == "crash":
        os._exit(9)
    if mode == "sleep":
        time.sleep(30)
    if mode == "set":
        return {1, 2}
    if mode == "pid":
        return os.getpid()
    return {
        "event": event,
        "env": dict(os.environ),
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
"""

# Each call registers itself, then waits until ``expect`` calls have: only parallel workers
# can all get through (a single worker would wait forever, and time out).
BARRIER = """\
import os, pathlib, time

def handler(event, context):
    folder = pathlib.Path(event["dir"])
    (folder / context.aws_request_id).write_text(str(os.getpid()))
    while len(list(folder.iterdir())) < event["expect"]:
        time.sleep(0.01)
    return os.getpid()
"""

OTHER = """\
import os

def handler(event, context):
    return os.environ.get("OTHER_ONLY")
"""

VERSIONED = """\
def handler(event, context):
    return "version 1"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sandbox") / "app"
    return make_project(
        root,
        {
            "echo": resource('{"GREETING": "hello", "LIMIT": 3}', timeout_seconds=2),
            "other": resource('{"OTHER_ONLY": "not for echo"}'),
            "barrier": resource("{}", timeout_seconds=60),
            "versioned": resource("{}"),
        },
        {"echo": ECHO, "other": OTHER, "barrier": BARRIER, "versioned": VERSIONED},
    )


@pytest.fixture(scope="module")
def sandbox(project: Path) -> Iterator[Sandbox]:
    env = {"LEAKY_SHELL_VARIABLE": "from the test process"}
    with running_sandbox(project, "--identifier", "tester", env=env) as box:
        yield box


def invoke(box: Sandbox, name: str, event: Any, **options: Any) -> dict[str, Any]:
    response: dict[str, Any] = box.client().invoke(
        FunctionName=name, Payload=json.dumps(event).encode(), **options
    )
    response["body"] = response["Payload"].read()
    return response


def result(box: Sandbox, name: str, event: Any) -> Any:
    response = invoke(box, name, event)
    assert "FunctionError" not in response, response["body"]
    return json.loads(response["body"])


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_boto3_request_response_with_context_and_lambda_variables(sandbox: Sandbox) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:")  # loopback unless --host says otherwise
    response = invoke(sandbox, "echo", {"who": "boto3"})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    data = json.loads(response["body"])
    assert data["event"] == {"who": "boto3"}
    env = data["env"]
    assert env["GREETING"] == "hello" and env["LIMIT"] == "3"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "echo"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["TZ"] == "UTC"
    assert env["_HANDLER"] == "skyfn.runtime.bootstrap.handler"
    context = data["context"]
    assert context["function_name"] == "echo"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:echo")
    assert context["memory_limit_in_mb"] == "128"
    assert context["aws_request_id"] == response["ResponseMetadata"]["RequestId"]
    assert context["log_group_name"] == "/aws/lambda/echo"
    assert context["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert 0 < context["remaining"] <= 2000
    # the function's logs are streamed with its name and the request id
    request_id = context["aws_request_id"]
    sandbox.wait_for_log(f"[echo {request_id[:8]}] echo says hi to boto3")


def test_environment_is_built_not_inherited(sandbox: Sandbox) -> None:
    env = result(sandbox, "echo", {})["env"]
    assert "LEAKY_SHELL_VARIABLE" not in env
    assert "HOME" not in env and "SKYFN_HOME" not in env
    assert "OTHER_ONLY" not in env  # another function's variable
    allowed_extra = {"PATH", "LANG", "PYTHONPATH", "LC_CTYPE"}
    assert set(env) - allowed_extra <= {
        "GREETING",
        "LIMIT",
        "SKYFN_HANDLER",
        "SKYFN_FUNCTION",
        "_HANDLER",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "_X_AMZN_TRACE_ID",  # per invocation, as Lambda sets it
        "TZ",
        # the functions' own Lambda endpoint (function_ref), and placeholder keys for it:
        # this worker has no credentials of its own
        "AWS_ENDPOINT_URL_LAMBDA",
        *PLACEHOLDER_CREDENTIALS,
    }
    assert env["AWS_ENDPOINT_URL_LAMBDA"].startswith("http://127.0.0.1:")
    for name, value in PLACEHOLDER_CREDENTIALS.items():
        assert env[name] == value


def test_event_invocation_runs_in_the_background(sandbox: Sandbox) -> None:
    response = invoke(sandbox, "echo", {"who": "event"}, InvocationType="Event")
    assert response["StatusCode"] == 202
    assert response["body"] == b""
    sandbox.wait_for_log("echo says hi to event")


def test_dry_run_only_checks(sandbox: Sandbox) -> None:
    response = invoke(sandbox, "echo", {"who": "dry"}, InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert "echo says hi to dry" not in sandbox.logs()


def test_tail_returns_the_invocation_logs(sandbox: Sandbox) -> None:
    response = invoke(sandbox, "echo", {"who": "tail"}, LogType="Tail")
    logs = base64.b64decode(response["LogResult"]).decode()
    assert "echo says hi to tail" in logs
    request_id = response["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {request_id}" in logs
    assert f"END RequestId: {request_id}" in logs


ERRORS = {
    "raise": ("ValueError", "boom from echo"),
    "exit": ("Runtime.ExitError", "Runtime exited with error: exit status 3"),
    "crash": ("Runtime.ExitError", "Runtime exited with error: exit status 9"),
    "sleep": ("Sandbox.Timedout", "Task timed out after 2.00 seconds"),
    "set": ("Runtime.MarshalError", "Object of type set is not JSON serializable"),
}


@pytest.mark.parametrize("mode", sorted(ERRORS))
def test_function_errors_then_a_good_call(sandbox: Sandbox, mode: str) -> None:
    error_type, message = ERRORS[mode]
    response = invoke(sandbox, "echo", {"mode": mode})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    shape = json.loads(response["body"])
    assert shape["errorType"] == error_type
    assert message in shape["errorMessage"]
    if mode == "raise":
        assert any("handler.py" in frame for frame in shape["stackTrace"])
    # the host survived: the next call works (a new worker where the old one died)
    assert result(sandbox, "echo", {"who": "after " + mode})["event"] == {"who": "after " + mode}


def test_unknown_function_is_resource_not_found(sandbox: Sandbox) -> None:
    client = sandbox.client()
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert result(sandbox, "echo", {"who": "after 404"})["event"]["who"] == "after 404"


def test_malformed_json_is_invalid_request_content(sandbox: Sandbox) -> None:
    client = sandbox.client()
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName="echo", Payload=b"{not json")
    assert result(sandbox, "echo", {"who": "after 400"})["event"]["who"] == "after 400"


def test_oversized_body_is_request_entity_too_large(sandbox: Sandbox) -> None:
    url = f"{sandbox.url}/2015-03-31/functions/echo/invocations"
    body = json.dumps({"blob": "x" * (6 * 1024 * 1024 + 1)}).encode()
    status, headers, data = post(url, body)
    assert status == 413
    assert headers["x-amzn-ErrorType"] == "RequestEntityTooLargeException"
    assert "smaller than" in json.loads(data)["Message"]
    assert result(sandbox, "echo", {"who": "after 413"})["event"]["who"] == "after 413"


def test_curl_style_call_and_arn_names(sandbox: Sandbox) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:echo"
    status, _, data = post(f"{sandbox.url}/2015-03-31/functions/{arn}/invocations", b"")
    assert status == 200
    assert json.loads(data)["event"] == {}


def test_warm_worker_is_reused(sandbox: Sandbox) -> None:
    first = result(sandbox, "echo", {"mode": "pid"})
    second = result(sandbox, "echo", {"mode": "pid"})
    assert first == second


def test_concurrent_invocations_run_in_parallel_workers(sandbox: Sandbox, tmp_path: Path) -> None:
    event = {"dir": str(tmp_path), "expect": 3}
    with ThreadPoolExecutor(3) as pool:
        pids = list(pool.map(lambda _: result(sandbox, "barrier", event), range(3)))
    assert len(set(pids)) == 3


def test_handler_edit_is_served_on_the_next_call(sandbox: Sandbox, project: Path) -> None:
    assert result(sandbox, "versioned", {}) == "version 1"
    before = result(sandbox, "echo", {"mode": "pid"})
    handler = project / "backend" / "functions" / "versioned" / "handler.py"
    write(handler, VERSIONED.replace("version 1", "version 2"))
    deadline = time.monotonic() + 30
    while result(sandbox, "versioned", {}) != "version 2":
        assert time.monotonic() < deadline, sandbox.logs()
        time.sleep(0.1)
    # only that function restarted: echo's warm worker is still the same process
    assert result(sandbox, "echo", {"mode": "pid"}) == before


def test_edit_hidden_from_cached_bytecode_is_still_served(sandbox: Sandbox, project: Path) -> None:
    """An edit within the same second that keeps the file's size: same size and mtime as
    the source the cached bytecode was compiled from."""
    handler = project / "backend" / "functions" / "versioned" / "handler.py"
    current = result(sandbox, "versioned", {})
    before = handler.stat()
    edited = "version 9" if current != "version 9" else "version 8"
    handler.write_text(handler.read_text().replace(current, edited))
    os.utime(handler, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert handler.stat().st_size == before.st_size
    deadline = time.monotonic() + 30
    while result(sandbox, "versioned", {}) != edited:
        assert time.monotonic() < deadline, sandbox.logs()
        time.sleep(0.1)


def test_changed_definition_is_resynthesized(sandbox: Sandbox, project: Path) -> None:
    resource_file = project / "backend" / "functions" / "other" / "resource.py"
    good = resource_file.read_text()
    assert result(sandbox, "other", {}) == "not for echo"
    write(resource_file, good.replace("not for echo", "changed value"))
    try:
        deadline = time.monotonic() + 30
        while result(sandbox, "other", {}) != "changed value":
            assert time.monotonic() < deadline, sandbox.logs()
            time.sleep(0.1)
        module = project / ".skyfn" / "generated" / "skyfn_env" / "other.py"
        assert "OTHER_ONLY" in module.read_text()
    finally:
        write(resource_file, good)


def test_definition_error_keeps_the_last_good_version(sandbox: Sandbox, project: Path) -> None:
    resource_file = project / "backend" / "functions" / "other" / "resource.py"
    good = resource_file.read_text()
    write(resource_file, resource("{'lower-case key': 1}"))
    try:
        sandbox.wait_for_log("still serving the last good version")
        assert "lower-case key" in sandbox.logs()
        assert result(sandbox, "echo", {"who": "still"})["event"]["who"] == "still"
    finally:
        write(resource_file, good)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_stops_every_worker(project: Path, tmp_path: Path, signum: int) -> None:
    with running_sandbox(project, "--identifier", "stopper") as box:
        event = {"dir": str(tmp_path), "expect": 2}
        with ThreadPoolExecutor(2) as pool:
            pids = list(pool.map(lambda _: result(box, "barrier", event), range(2)))
        pids.append(result(box, "echo", {"mode": "pid"}))
        for pid in pids:
            os.kill(pid, 0)  # alive while the sandbox runs
        box.proc.send_signal(signum)
        assert box.proc.wait(timeout=20) == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_port_in_use_is_a_clear_error(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run_skyfn("sandbox", "--port", str(port), cwd=project)
    assert out.code == 1
    assert f"port {port} on 127.0.0.1 is in use" in out.err
    assert "Traceback" not in out.err
