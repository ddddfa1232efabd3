"""What the sandbox serves after a reload: every worker, new or warm, runs the files of the
last model it accepted; an edit of shared code restarts only the functions that ship it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.projects import make_project, resource, write
from tests.support.sandbox import Sandbox, running_sandbox

# ``crash`` kills the worker (the next call starts a new one); ``dir``/``expect`` holds each
# call until ``expect`` calls are in, so only that many parallel workers get through.
ALPHA = """\
import os, pathlib, time
from shared import text

def handler(event, context):
    if event.get("crash"):
        os._exit(9)
    if "dir" in event:
        folder = pathlib.Path(event["dir"])
        (folder / context.aws_request_id).write_text("")
        while len(list(folder.iterdir())) < event["expect"]:
            time.sleep(0.01)
    return {"version": "good", "shared": text.TEXT, "pid": os.getpid()}
"""

BETA = """\
import os

def handler(event, context):
    return {"pid": os.getpid()}
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "app",
        {"alpha": resource(timeout_seconds=60), "beta": resource()},
        {"alpha": ALPHA, "beta": BETA},
    )
    write(root / "backend" / "shared" / "__init__.py", "")
    write(root / "backend" / "shared" / "text.py", 'TEXT = "one"\n')
    return root


@pytest.fixture()
def sandbox(project: Path) -> Iterator[Sandbox]:
    with running_sandbox(project) as box:
        yield box


def call(box: Sandbox, name: str, event: Any) -> tuple[bool, Any]:
    response = box.client().invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return "FunctionError" not in response, json.loads(response["Payload"].read())


def ok(box: Sandbox, name: str, event: Any) -> Any:
    good, body = call(box, name, event)
    assert good, (body, box.logs())
    return body


def test_new_workers_after_a_refused_reload_run_the_last_good_files(
    sandbox: Sandbox, project: Path, tmp_path: Path
) -> None:
    first = ok(sandbox, "alpha", {})
    assert first["version"] == "good"
    handler = project / "backend" / "functions" / "alpha" / "handler.py"
    handler.write_text(ALPHA.replace('"good"', '"broken"') + "\ndef oops(:\n")
    sandbox.wait_for_log("still serving the last good version")

    # a crash: the next call starts a new worker, which must not load the broken file
    good, _ = call(sandbox, "alpha", {"crash": True})
    assert not good
    after_crash = ok(sandbox, "alpha", {})
    assert after_crash["version"] == "good" and after_crash["pid"] != first["pid"]

    # a scale-up: three calls at once need two more workers, all on the last good files
    folder = tmp_path / "barrier"
    folder.mkdir()
    event = {"dir": str(folder), "expect": 3}
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: ok(sandbox, "alpha", event), range(3)))
    assert {a["version"] for a in answers} == {"good"}
    assert len({a["pid"] for a in answers}) == 3


def test_a_shared_edit_restarts_only_the_functions_that_ship_it(
    sandbox: Sandbox, project: Path
) -> None:
    assert ok(sandbox, "alpha", {})["shared"] == "one"
    beta = ok(sandbox, "beta", {})["pid"]
    write(project / "backend" / "shared" / "text.py", 'TEXT = "two"\n')
    deadline = time.monotonic() + 30
    while ok(sandbox, "alpha", {})["shared"] != "two":
        assert time.monotonic() < deadline, sandbox.logs()
        time.sleep(0.1)
    assert "reloaded: alpha" in sandbox.logs()
    assert ok(sandbox, "beta", {})["pid"] == beta  # beta's bundle lacks shared/: still warm
