"""``skyfn invoke``: one clean worker, result on stdout, logs on stderr, exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource, write

HANDLER = """\
import os

def handler(event, context):
    print("log line from", context.function_name)
    if event.get("fail"):
        raise RuntimeError("asked to fail")
    return {"event": event, "inherited": os.environ.get("PASS_ME"), "home": os.environ.get("HOME")}
"""


SLEEPER = """\
import os, pathlib, time

def handler(event, context):
    pathlib.Path(event["pidfile"]).write_text(str(os.getpid()))
    time.sleep(100)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(
        tmp_path_factory.mktemp("invoke") / "app",
        {
            "hello": resource('{"NAME": "World"}', name="hello"),
            "sleeper": resource("{}", name="sleeper", timeout_seconds=120),
        },
        {"hello": HANDLER, "sleeper": SLEEPER},
    )


def test_result_on_stdout_logs_on_stderr(project: Path) -> None:
    result = run_skyfn("invoke", "hello", "--event", '{"x": 1}', cwd=project)
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["event"] == {"x": 1}
    assert out["home"] is None
    assert "log line from hello" in result.err
    assert "log line" not in result.out


def test_event_file_and_default_event(project: Path, tmp_path: Path) -> None:
    event = write(tmp_path / "event.json", '{"from": "file"}')
    assert json.loads(run_skyfn("invoke", "hello", "--event-file", str(event), cwd=project).out)[
        "event"
    ] == {"from": "file"}
    assert json.loads(run_skyfn("invoke", "hello", cwd=project).out)["event"] == {}


def test_function_error_exits_non_zero(project: Path) -> None:
    result = run_skyfn("invoke", "hello", "--event", '{"fail": true}', cwd=project)
    assert result.code == 1
    shape = json.loads(result.out)
    assert shape["errorType"] == "RuntimeError"
    assert shape["errorMessage"] == "asked to fail"
    assert result.err.count("RuntimeError: asked to fail") == 1, result.err  # in the log only
    assert result.err.rstrip().endswith("error: function hello failed (RuntimeError)")


def test_event_file_dash_reads_stdin(project: Path) -> None:
    result = run_skyfn("invoke", "hello", "--event-file", "-", cwd=project, stdin='{"from": 1}')
    assert result.code == 0, result
    assert json.loads(result.out)["event"] == {"from": 1}
    bad = run_skyfn("invoke", "hello", "--event-file", "-", cwd=project, stdin="{oops")
    assert bad.code == 1 and "stdin" in bad.err and "Traceback" not in bad.err


def test_inherit_env_passes_one_variable_deliberately(project: Path) -> None:
    env = {"PASS_ME": "deliberate"}
    assert json.loads(run_skyfn("invoke", "hello", cwd=project, env=env).out)["inherited"] is None
    result = run_skyfn("invoke", "hello", "--inherit-env", "PASS_ME", cwd=project, env=env)
    assert json.loads(result.out)["inherited"] == "deliberate"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "no function named 'nope' in this backend (functions: hello, sleeper)"),
        (["hello", "--event", "{oops"], "--event is not valid JSON"),
        (["hello", "--event-file", "missing.json"], "--event-file missing.json"),
        (["hello", "--inherit-env", "SURELY_NOT_SET_X"], "SURELY_NOT_SET_X is not set"),
    ],
)
def test_user_errors_are_one_clear_line(project: Path, args: list[str], message: str) -> None:
    result = run_skyfn("invoke", *args, cwd=project)
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_invoke_stops_its_worker(project: Path, tmp_path: Path, signum: int) -> None:
    pidfile = tmp_path / "pid"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skyfn",
            "invoke",
            "sleeper",
            "--event",
            json.dumps({"pidfile": str(pidfile)}),
        ],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not pidfile.exists() or not pidfile.read_text():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        worker = int(pidfile.read_text())
        os.kill(worker, 0)
        proc.send_signal(signum)
        assert proc.wait(timeout=20) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)


def test_the_folder_name_of_a_function_is_answered_with_its_name(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", {"say_hello": resource(name="say-hello")})
    result = run_skyfn("invoke", "say_hello", cwd=root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "no function named 'say_hello'" in result.err
    assert result.err.rstrip().endswith("did you mean say-hello?")
