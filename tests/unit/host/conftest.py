"""Tiny projects synthesized in-process, for the host's unit tests (real worker processes:
a cold start takes well under a second)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.host.logs import LogSink
from skyfn.host.outcome import Outcome
from skyfn.model import Model
from skyfn.project import find_project
from skyfn.synth.run import generate_env
from tests.support.projects import make_project, resource

# One handler that does what its event asks: sleep, print, exit, raise; it answers with its
# process id (to tell warm from cold instances), the event and GREETING; or, asked for
# its context, the invoked ARN and the client context.
PROBE = """\
import os, time

def handler(event, context):
    event = event if isinstance(event, dict) else {"value": event}
    time.sleep(event.get("sleep", 0))
    for number in range(event.get("lines", 0)):
        print(f"line {number:05d} " + "x" * 89)
    if event.get("exit") is not None:
        os._exit(event["exit"])
    if event.get("raise"):
        raise ValueError(event["raise"])
    if event.get("context"):
        client = context.client_context
        return {
            "arn": context.invoked_function_arn,
            "custom": client.custom if client is not None else None,
            "app": client.client.app_title if client is not None and client.client else None,
        }
    return {"pid": os.getpid(), "event": event, "greeting": os.environ.get("GREETING")}
"""


def project_model(root: Path, names: tuple[str, ...] = ("probe", "other")) -> Model:
    """A project with one ``PROBE`` function per name, synthesized for a sandbox scope."""
    functions = {name: resource('{"GREETING": "hello"}', name=name) for name in names}
    make_project(root, functions, dict.fromkeys(names, PROBE))
    return generate_env(find_project(root), scope.sandbox("unit"), "inline").model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    return project_model(tmp_path_factory.mktemp("project"))


class Terminal(LogSink):
    """A ``LogSink`` into memory: what the developer's terminal would show."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        super().__init__(self.stream, prefix=True)

    def text(self) -> str:
        return self.stream.getvalue()


def pid(outcome: Outcome) -> int:
    """The worker process that answered (the probe returns its pid)."""
    assert not outcome.error, outcome.payload
    value: int = outcome.result["pid"]
    return value


def gone(process_id: int) -> bool:
    try:
        os.kill(process_id, 0)
    except ProcessLookupError:
        return True
    return False
