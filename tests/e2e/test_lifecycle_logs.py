"""``skyfn logs`` against a real moto_server: events written to the deployed function's log
group come out in order, with time and request id, and its secret masked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from skyfn.deploy import names
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.deploy import PEM_LINES, PEM_SECRET, PEM_SHORT_LINE, SECRET_VALUE
from tests.support.projects import make_project

ALPHA = """\
from skyfn import define_function, secret
fn = define_function(name="alpha", environment={"API_KEY": secret("API_KEY")})
"""
RID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.fixture()
def deployed(tmp_path: Path, aws: Aws) -> Path:
    boto3.client("ssm").put_parameter(
        Name="/skyfn/testapp/branch-main/API_KEY", Value=SECRET_VALUE, Type="SecureString"
    )
    root = make_project(tmp_path / "app", {"alpha": ALPHA})
    result = run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)
    assert result.code == 0, result.err
    group = f"/aws/lambda/{names.function_name('testapp', 'main', 'alpha')}"
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/01/01/[$LATEST]abc")
    now = int(time.time() * 1000)
    messages = [
        f"START RequestId: {RID} Version: $LATEST",
        f"2026-01-01T00:00:00.000Z\t{RID}\tINFO\tusing key {SECRET_VALUE}",
        "a line print() wrote, no request id of its own",
        f"END RequestId: {RID}",
    ]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/01/01/[$LATEST]abc",
        logEvents=[{"timestamp": now - 4000 + i, "message": m} for i, m in enumerate(messages)],
    )
    return root


def test_logs_print_events_in_order_with_request_ids_and_secrets_masked(
    deployed: Path, aws: Aws
) -> None:
    result = run_skyfn("logs", "alpha", "--branch", "main", cwd=deployed, env=aws.env)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 4
    assert lines[0].endswith(f"{RID}  START RequestId: {RID} Version: $LATEST")
    assert "using key ****" in lines[1]
    assert lines[2].endswith(f"{RID}  a line print() wrote, no request id of its own")
    assert lines[3].split("  ")[0].endswith("Z")  # the event's time, UTC
    assert SECRET_VALUE not in result.out + result.err


def test_filter_and_no_mask(deployed: Path, aws: Aws) -> None:
    args = ("logs", "alpha", "--branch", "main", "--filter", "using key")
    masked = run_skyfn(*args, cwd=deployed, env=aws.env)
    assert masked.code == 0, masked.err
    assert masked.out.count("\n") == 1 and "****" in masked.out
    plain = run_skyfn(*args, "--no-mask", cwd=deployed, env=aws.env)
    assert SECRET_VALUE in plain.out
    assert "NOT masked" in plain.err


def test_secrets_that_cannot_be_read_stop_the_logs_unless_no_mask(deployed: Path, aws: Aws) -> None:
    env = {**aws.env, "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:9"}  # SSM unreachable
    refused = run_skyfn("logs", "alpha", "--branch", "main", cwd=deployed, env=env)
    assert refused.code == 1
    assert "cannot mask the secrets of alpha" in refused.err and "--no-mask" in refused.err
    assert refused.out == ""


def test_unknown_function_and_old_since(deployed: Path, aws: Aws) -> None:
    unknown = run_skyfn("logs", "nope", "--branch", "main", cwd=deployed, env=aws.env)
    assert unknown.code == 1 and "deployed functions: alpha" in unknown.err
    bad = run_skyfn(
        "logs", "alpha", "--branch", "main", "--since", "soon", cwd=deployed, env=aws.env
    )
    assert bad.code == 1 and "--since 'soon' is not a duration" in bad.err


def test_follow_prints_new_events_until_ctrl_c(deployed: Path, aws: Aws) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "skyfn", "logs", "alpha", "--branch", "main", "--follow"],
        cwd=deployed,
        env={**os.environ, **aws.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]  # what was there
        assert lines[-1].rstrip().endswith(f"END RequestId: {RID}")
        group = f"/aws/lambda/{names.function_name('testapp', 'main', 'alpha')}"
        boto3.client("logs").put_log_events(
            logGroupName=group,
            logStreamName="2026/01/01/[$LATEST]abc",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": f"later {SECRET_VALUE}"}],
        )
        later = process.stdout.readline()  # polled in
        assert later.rstrip().endswith("later ****")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err and SECRET_VALUE not in out + err


def test_a_multiline_secret_is_masked_one_line_per_event_and_cr_joined(
    deployed: Path, aws: Aws
) -> None:
    boto3.client("ssm").put_parameter(
        Name="/skyfn/testapp/branch-main/API_KEY",
        Value=PEM_SECRET,
        Type="SecureString",
        Overwrite=True,
    )
    group = f"/aws/lambda/{names.function_name('testapp', 'main', 'alpha')}"
    logs = boto3.client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName="2026/01/02/[$LATEST]pem")
    logs.create_log_stream(logGroupName=group, logStreamName="2026/01/02/[$LATEST]other")
    now = int(time.time() * 1000)
    per_line = [f"{line}\n" for line in PEM_SECRET.split("\n")]  # print() per line
    prefixed = [f"2026-01-02T00:00:00.000Z\t{RID}\tINFO\tkey: {PEM_LINES[0]}"]
    lambda_form = f"[ERROR]\t2026-01-02T00:00:00.000Z\t{RID}\tkey:\r" + PEM_SECRET.replace(
        "\n", "\r"
    )
    stream = [*per_line, *prefixed, lambda_form]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/01/02/[$LATEST]pem",
        logEvents=[{"timestamp": now - 2000 + i, "message": m} for i, m in enumerate(stream)],
    )
    # the short last line alone, in another stream: not specific, so not masked
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/01/02/[$LATEST]other",
        logEvents=[{"timestamp": now - 1000, "message": f"short {PEM_SHORT_LINE}"}],
    )
    result = run_skyfn("logs", "alpha", "--branch", "main", cwd=deployed, env=aws.env)
    assert result.code == 0, result.err
    for line in PEM_LINES:
        assert line not in result.out
    lines = result.out.split("\n")
    shown = [line.split("  ", 2)[2] for line in lines if "  " in line]
    at = shown.index("****")  # the first line of the key, printed alone
    assert shown[at : at + len(per_line)] == ["****"] * len(per_line)  # the short line too
    assert f"short {PEM_SHORT_LINE}" in shown
    assert "INFO\tkey: ****" in result.out and "key:\r****" in result.out
