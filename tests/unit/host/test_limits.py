"""A started worker's pids cgroup (issue 27): the host moves the worker in while its
interpreter starts, so the move's wait overlaps the start; the worker never runs user code
outside its cgroup: when nobody moved it, it joins itself. Real processes and cgroups."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.host import limits
from skyfn.host.environment import HostOptions, Overrides
from skyfn.host.logs import LogSink
from skyfn.host.supervisor import Host
from skyfn.model import Model
from skyfn.project import find_project
from skyfn.runtime import protocol
from skyfn.runtime.worker import LAUNCH
from skyfn.synth.run import generate_env
from tests.support.projects import make_project, resource

pytestmark = pytest.mark.skipif(
    not limits.available(), reason="no pids cgroup can be made here: no process limit"
)

# where the handler's module ran (its import is the first user code) and where it runs
HANDLER = """\
import os

AT_IMPORT = open("/proc/self/cgroup").read()

def handler(event, context):
    return {"import": AT_IMPORT, "call": open("/proc/self/cgroup").read(), "pid": os.getpid()}
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    root = tmp_path_factory.mktemp("limited")
    make_project(root, {"where": resource("{}", name="where")}, {"where": HANDLER})
    return generate_env(find_project(root), scope.sandbox("unit"), "inline").model


@pytest.fixture(scope="module")
def starting(model: Model) -> Iterator[Host]:
    host = Host(model, HostOptions(), LogSink(io.StringIO()), {})
    yield host
    host.close()


def pids_cgroup(text: str) -> str:
    """The pids hierarchy's path of a /proc/<pid>/cgroup (cgroup v2: the unified one)."""
    lines = [line.split(":", 2) for line in text.splitlines()]
    v1 = [path for _, controllers, path in lines if "pids" in controllers.split(",")]
    return v1[0] if v1 else next(path for _, controllers, path in lines if controllers == "")


def test_a_started_worker_runs_its_users_code_in_its_own_cgroup(starting: Host) -> None:
    outcome = starting.invoke_isolated("where", {}, Overrides())
    assert not outcome.error, outcome.payload
    seen = outcome.result
    own = f"/skyfn-{os.getpid()}-"
    assert own in pids_cgroup(seen["import"]) and own in pids_cgroup(seen["call"])


def test_a_worker_nobody_moved_joins_its_cgroup_before_any_user_code(
    starting: Host, tmp_path: Path
) -> None:
    """The host's move is best effort; here there is none (the worker is started by hand
    with the function's environment), and the handler still runs only inside the cgroup."""
    function = starting.model.function("where")
    assert function is not None
    built = starting._environment(function)
    limit = limits.ProcessLimit.create()
    assert limit is not None
    requests_read, requests_write = os.pipe()
    answers_read, answers_write = os.pipe()
    try:
        proc = subprocess.Popen(
            [
                built.python,
                "-S",
                "-c",
                LAUNCH,
                str(requests_read),
                str(answers_write),
                str(limit.path),
                "",
            ],
            env=built.variables,
            cwd=built.task_root,
            stdin=subprocess.DEVNULL,
            pass_fds=(requests_read, answers_write),
        )
        os.close(requests_read)
        os.close(answers_write)
        with os.fdopen(answers_read, "rb") as answers, os.fdopen(requests_write, "wb") as ask:
            assert json.loads(answers.readline())["kind"] == "ready"
            request_id = "a7c3c1d6-1111-4222-8333-944455556666"
            ask.write(protocol.encode(protocol.request(request_id, {}, 2**50, "arn:x")))
            ask.flush()
            seen = json.loads(json.loads(answers.readline())["payload"])
        assert proc.wait(timeout=30) == 0
        assert pids_cgroup(seen["import"]).endswith(limit.path.name)
        assert pids_cgroup(seen["call"]).endswith(limit.path.name)
        assert seen["pid"] == proc.pid
    finally:
        limit.remove()
