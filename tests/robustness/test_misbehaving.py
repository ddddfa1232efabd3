"""Handlers that misbehave (spin, blow up memory, fork without end, print 100 MB, answer 7 MB):
each gets Lambda's error shape or a truncated log, and the sandbox keeps serving."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skyfn.host import limits
from tests.support import report
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

LOOP = """\
def handler(event, context):
    while True:
        pass
"""

HOG = """\
def handler(event, context):
    if event.get("mode") == "fits":  # well under memory_mb: must work
        blob = bytearray(48 * 1024 * 1024)
        return len(blob)
    blobs = []
    while True:
        blobs.append(bytearray(16 * 1024 * 1024))
"""

# "count": fork sleeping children until the kernel refuses (never more than 2,000), report.
# "bomb": every process forks again, some leave the process group (setsid); each records its
# pid; every one stops by itself after 20 s should the host fail to kill it.
FORKS = """\
import os, pathlib, time

def handler(event, context):
    if event["mode"] == "count":
        children, refused = [], None
        try:
            while len(children) < 2000:
                pid = os.fork()
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                children.append(pid)
        except OSError as exc:
            refused = exc.strerror
        for pid in children:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        return {"forked": len(children), "refused": refused}
    folder = pathlib.Path(event["dir"])
    stop = time.time() + 20
    while time.time() < stop:
        try:
            if os.fork() == 0:
                (folder / str(os.getpid())).touch()
                if os.getpid() % 3 == 0:
                    os.setsid()
        except OSError:
            time.sleep(0.01)
    os._exit(0)
"""

CHATTY = """\
import os, sys

def handler(event, context):
    if event.get("mode") == "answer":
        return "z" * (7 * 1024 * 1024)
    block = ("x" * 1023 + "\\n") * 1024  # 1 MB of lines
    for _ in range(50):
        sys.stdout.write(block)
    sys.stdout.flush()
    chunk = b"y" * (1024 * 1024)  # 1 MB without a line end, straight to fd 1
    for _ in range(50):
        os.write(1, chunk)
    os.write(1, b"\\n")
    print("chatty done")
    return "said a lot"
"""

FINE = """\
import os

def handler(event, context):
    return {"pid": os.getpid(), "fine": True}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(
        tmp_path_factory.mktemp("misbehaving") / "app",
        {
            "loop": resource("{}", timeout_seconds=2),
            "hog": resource("{}", timeout_seconds=30, memory_mb=128),
            "forks": resource("{}", timeout_seconds=3),
            "chatty": resource("{}", timeout_seconds=60),
            "fine": resource("{}"),
        },
        {"loop": LOOP, "hog": HOG, "forks": FORKS, "chatty": CHATTY, "fine": FINE},
    )


@pytest.fixture(scope="module")
def sandbox(project: Path) -> Iterator[Sandbox]:
    with running_sandbox(project, "--identifier", "misbehaving") as box:
        yield box


def invoke(box: Sandbox, name: str, event: Any) -> tuple[dict[str, Any], Any, str]:
    response = box.client().invoke(
        FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail"
    )
    body = json.loads(response["Payload"].read())
    return response, body, base64.b64decode(response.get("LogResult", "")).decode()


def still_serving(box: Sandbox) -> bool:
    response, body, _ = invoke(box, "fine", {})
    return "FunctionError" not in response and body.get("fine") is True


def record(answered: bool, serving: bool) -> None:
    report.add("bad inputs", tried=1, crashes=0 if answered and serving else 1)


def is_error(response: dict[str, Any], body: Any, error_type: str, text: str) -> bool:
    return (
        response.get("FunctionError") == "Unhandled"
        and isinstance(body, dict)
        and body.get("errorType") == error_type
        and text in str(body.get("errorMessage"))
    )


def test_infinite_loop_times_out_while_others_are_served(sandbox: Sandbox) -> None:
    answers: list[Any] = []
    spinning = threading.Thread(target=lambda: answers.append(invoke(sandbox, "loop", {})))
    spinning.start()
    during = still_serving(sandbox)  # another function, while loop spins
    spinning.join(60)
    response, body, _ = answers[0]
    answered = is_error(response, body, "Sandbox.Timedout", "Task timed out after 2.00 seconds")
    serving = still_serving(sandbox)
    record(answered, serving and during)
    assert answered, body
    assert during and serving


def test_memory_past_memory_mb_is_out_of_memory(sandbox: Sandbox) -> None:
    response, body, tail = invoke(sandbox, "hog", {})
    answered = is_error(response, body, "Runtime.OutOfMemory", "Runtime exited with error: out")
    serving = still_serving(sandbox)
    record(answered, serving)
    assert answered, body
    assert "memory_mb of 128 MB was exceeded" in body["errorMessage"]
    assert "MemoryError" in tail
    assert serving
    # the instance was replaced; a function that fits in its memory runs
    _, fits, _ = invoke(sandbox, "hog", {"mode": "fits"})
    assert fits == 48 * 1024 * 1024


def test_100_mb_of_output_is_truncated_and_answered(sandbox: Sandbox) -> None:
    before = len(sandbox.logs())
    response, body, tail = invoke(sandbox, "chatty", {})
    answered = "FunctionError" not in response and body == "said a lot"
    serving = still_serving(sandbox)
    record(answered, serving)
    assert answered, body
    assert len(tail.encode()) <= 4096  # Tail: the last 4 KB
    assert "chatty done" in tail and "REPORT RequestId" in tail
    sandbox.wait_for_log("of logs in this invocation; the rest is not shown here")
    shown = len(sandbox.logs()) - before
    assert shown < 3 * 1024 * 1024  # the terminal got about 1 MB of it, not 100 MB
    assert serving


def test_response_over_6_mb_is_an_error(sandbox: Sandbox) -> None:
    response, body, _ = invoke(sandbox, "chatty", {"mode": "answer"})
    answered = is_error(
        response, body, "Function.ResponseSizeTooLarge", "exceeded maximum allowed payload size"
    )
    serving = still_serving(sandbox)
    record(answered, serving)
    assert answered, body
    assert serving


def test_forks_stop_at_the_process_limit(sandbox: Sandbox) -> None:
    if not limits.available():
        pytest.skip("no pids cgroup can be made here: the worker runs without a process limit")
    response, body, _ = invoke(sandbox, "forks", {"mode": "count"})
    answered = "FunctionError" not in response and body["refused"] is not None
    serving = still_serving(sandbox)
    record(answered, serving)
    assert answered, body
    assert 0 < body["forked"] < limits.PROCESS_LIMIT
    assert serving


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_fork_bomb_is_bounded_and_killed(sandbox: Sandbox, tmp_path: Path) -> None:
    if not limits.available():
        pytest.skip("no pids cgroup can be made here: the worker runs without a process limit")
    response, body, _ = invoke(sandbox, "forks", {"mode": "bomb", "dir": str(tmp_path)})
    answered = is_error(response, body, "Sandbox.Timedout", "Task timed out after 3.00 seconds")
    serving = still_serving(sandbox)
    record(answered, serving)
    assert answered, body
    assert serving
    pids = [int(p.name) for p in tmp_path.iterdir()]
    assert 0 < len(pids) < limits.PROCESS_LIMIT
    deadline = time.monotonic() + 10
    while (left := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == []  # also those that left the process group with setsid
