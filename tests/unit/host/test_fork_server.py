"""Workers forked from a warm parent (issue 27): each forked worker is the same clean worker
a started one is, and the parent holds no user code, no function's environment and no
secret. Real processes throughout: a host forking from its parent beside one starting
its workers, the same project for both."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skyfn import scope
from skyfn.host import limits
from skyfn.host.environment import HostOptions, Overrides
from skyfn.host.logs import LogSink
from skyfn.host.supervisor import Host
from skyfn.model import Model
from skyfn.project import find_project
from skyfn.synth.run import generate_env
from tests.support.projects import make_project, resource

SECRET = "fork-secret-value-0f9e8d7c6b5a"

# Reports what a handler can observe about its own process.
INTROSPECT = """\
import ctypes, os, random, resource, sys, time

def handler(event, context):
    if event.get("exit") is not None:
        os._exit(event["exit"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    libc = ctypes.CDLL(None)
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "pgid": os.getpgid(0),
        "sid": os.getsid(0),
        "environ": dict(os.environ),
        "path": sys.path,
        "argv": sys.argv,
        "modules": sorted(sys.modules),
        "random": random.random(),
        "core": list(resource.getrlimit(resource.RLIMIT_CORE)),
        "data": list(resource.getrlimit(resource.RLIMIT_DATA)),
        "dumpable": libc.prctl(3, 0, 0, 0, 0),
        "cgroup": open("/proc/self/cgroup").read(),
        "cwd": os.getcwd(),
        "tz": time.tzname[0],
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
    }
"""


# Prints its secret the moment its module runs (the first user code after the cold start
# told the log helper), by every route: print, os.write, a subprocess.
LOUD = """\
import os, subprocess, sys

os.write(1, ("import " + os.environ["TOKEN"] + "\\n").encode())
print("print", os.environ["TOKEN"], file=sys.stderr, flush=True)
subprocess.run(["echo", "child", os.environ["TOKEN"]], check=True)

def handler(event, context):
    print("call", os.environ["TOKEN"], flush=True)
    group = [p for p in os.listdir("/proc") if p.isdigit() and os.getpgid(int(p)) == os.getpgid(0)]
    children = open(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read().split()
    return {"group": sorted(int(p) for p in group), "children": children, "pid": os.getpid()}
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    root = tmp_path_factory.mktemp("forked")
    functions = {
        "plain": resource('{"GREETING": "hello"}', name="plain", timeout_seconds=1),
        "secretive": resource(
            '{"TOKEN": secret("FORK_TOKEN"), "GREETING": "hi"}', name="secretive"
        ),
        "loud": resource('{"TOKEN": secret("FORK_TOKEN")}', name="loud"),
        "quiet": resource("{}", name="quiet"),
    }
    handlers = dict.fromkeys(functions, INTROSPECT)
    handlers["loud"] = handlers["quiet"] = LOUD.replace(
        'os.environ["TOKEN"]', 'os.environ.get("TOKEN", "-")'
    )
    make_project(root, functions, handlers)
    return generate_env(find_project(root), scope.sandbox("unit"), "inline").model


@pytest.fixture(scope="module")
def forking(model: Model) -> Iterator[Host]:
    host = Host(model, HostOptions(fork_workers=True), LogSink(io.StringIO()), {})
    yield host
    host.close()


@pytest.fixture(scope="module")
def starting(model: Model) -> Iterator[Host]:
    host = Host(model, HostOptions(), LogSink(io.StringIO()), {})
    yield host
    host.close()


def cold(host: Host, name: str, event: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a fresh worker of ``name`` reports (its secret, if any, inline)."""
    secretive = name in ("secretive", "loud")
    overrides = Overrides(secrets={"FORK_TOKEN": SECRET}) if secretive else Overrides()
    outcome = host.invoke_isolated(name, event or {}, overrides)
    assert not outcome.error, outcome.payload
    result: dict[str, Any] = outcome.result
    return result


def server_pid(host: Host) -> int:
    assert host.forks is not None
    return host.forks.server(sys.executable).process.pid


@pytest.mark.parametrize("name", ["plain", "secretive"])
def test_a_forked_worker_sees_what_a_started_one_does(
    forking: Host, starting: Host, name: str
) -> None:
    forked, started = cold(forking, name), cold(starting, name)
    assert forked["ppid"] == server_pid(forking)  # it was forked
    assert started["ppid"] == os.getpid()
    # its environment is its own, the parent's replaced wholesale (same names and values,
    # but for what differs per worker)
    per_worker = {"AWS_LAMBDA_LOG_STREAM_NAME", "SKYFN_SECRETS_FD", "_X_AMZN_TRACE_ID"}
    assert {k: v for k, v in forked["environ"].items() if k not in per_worker} == {
        k: v for k, v in started["environ"].items() if k not in per_worker
    }
    # exactly its files, then the runtime folder, then the standard library
    assert forked["path"] == started["path"]
    assert forked["argv"][0] == started["argv"][0] and len(forked["argv"]) == 5
    # no module of the parent's beyond the runtime's: a started worker imports the standard
    # library modules the runtime uses (json, logging, ...) only when first used, the parent
    # holds them loaded (shared by its workers, as Lambda's runtime holds them)
    preloaded = set(forked["modules"]) - set(started["modules"])
    assert all(
        m.split(".")[0] in sys.stdlib_module_names or m.startswith("skyfn.runtime.")
        for m in preloaded
    ), preloaded
    assert set(started["modules"]) <= set(forked["modules"])
    assert forked["cwd"] == started["cwd"]
    assert forked["tz"] == "UTC"
    # limits applied before user code: no core dumps, not dumpable, memory_mb, own group
    assert forked["core"] == [0, 0]
    assert forked["dumpable"] == 0
    assert forked["data"] == started["data"] == [128 * 1024 * 1024] * 2
    assert forked["pgid"] == forked["sid"] == forked["pid"]
    if limits.available():
        assert f"skyfn-{os.getpid()}-" in forked["cgroup"]
    # the same descriptors: stdin/out/err, requests, answers (and nothing of the parent's)
    assert len(forked["fds"]) == len(started["fds"])


def test_forked_workers_reseed_their_random_state(forking: Host) -> None:
    first, second = cold(forking, "plain"), cold(forking, "plain")
    assert first["pid"] != second["pid"]
    assert first["random"] != second["random"]


def test_a_forked_workers_exit_is_reported(forking: Host) -> None:
    outcome = forking.invoke_isolated("plain", {"exit": 3}, Overrides())
    assert outcome.error
    assert "Runtime exited with error: exit status 3" in outcome.failure().message


def test_a_forked_worker_past_its_timeout_is_killed(forking: Host) -> None:
    pool = forking.pool("plain")
    outcome = pool.invoke({"sleep": 30})
    assert outcome.error
    assert "Task timed out after 1.00 seconds" in outcome.failure().message
    assert pool.workers() == []


def dead(pid: int) -> bool:
    """Gone, or a zombie nobody reaps yet (an orphan's new parent may be slow to)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _pipes(pid: int) -> set[str]:
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("pipe:"):
            found.add(target)
    return found


def _memory_holds(pid: int, needle: bytes) -> bool:
    """Whether any readable private mapping of ``pid`` holds ``needle`` (root or same user)."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("r") or "[vvar]" in line or "[vsyscall]" in line:
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    return True
            except (OSError, OverflowError, ValueError):
                continue
    return False


def test_the_parent_holds_no_secret_no_environment_and_no_workers_pipe(forking: Host) -> None:
    forked = cold(forking, "secretive")
    assert forked["environ"]["TOKEN"] == SECRET
    parent = server_pid(forking)
    environ = Path(f"/proc/{parent}/environ").read_bytes()
    assert dict(v.split(b"=", 1) for v in environ.split(b"\0") if v) == {
        b"LANG": b"C.UTF-8",
        b"TZ": b"UTC",
    }
    assert SECRET.encode() not in Path(f"/proc/{parent}/cmdline").read_bytes()
    if os.geteuid() == 0 or os.access(f"/proc/{parent}/mem", os.R_OK):
        assert not _memory_holds(parent, SECRET.encode())
    # no user code: the parent imported nothing from the task root or the packages
    maps = Path(f"/proc/{parent}/maps").read_text()
    assert ".skyfn/local/sandbox-unit" not in maps


def test_the_parent_keeps_no_descriptor_of_a_live_worker(forking: Host, tmp_path: Path) -> None:
    pool = forking.pool("plain")
    assert not pool.invoke({}).error
    [worker] = pool.workers()
    # the parent closes its copies right after handing them to the spare, which may answer
    # first on a loaded machine: they go within moments, and never stay
    deadline = time.monotonic() + 10
    while _pipes(worker.pid) & _pipes(server_pid(forking)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert set() == _pipes(worker.pid) & _pipes(server_pid(forking))
    pool.recycle()


def test_workers_die_with_a_killed_parent_and_the_next_call_forks_from_a_new_one(
    model: Model,
) -> None:
    host = Host(model, HostOptions(fork_workers=True), LogSink(io.StringIO()), {})
    try:
        pool = host.pool("plain")
        assert not pool.invoke({}).error
        [worker] = pool.workers()
        first = server_pid(host)
        os.kill(first, signal.SIGKILL)
        assert worker.proc.wait(timeout=10) == -signal.SIGKILL
        assert dead(worker.pid)
        again = cold(host, "plain")
        assert again["ppid"] == server_pid(host) != first
    finally:
        host.close()


def test_closing_the_host_ends_the_parent_and_its_workers(model: Model) -> None:
    host = Host(model, HostOptions(fork_workers=True), LogSink(io.StringIO()), {})
    pool = host.pool("plain")
    assert not pool.invoke({}).error
    [worker] = pool.workers()
    parent = server_pid(host)
    host.close()
    assert dead(worker.pid) and dead(parent)


def test_a_forked_workers_log_helper_forked_ahead_masks_from_the_first_user_code(
    forking: Host,
) -> None:
    """The spare forks the log masker before it knows its function (off the cold start's
    path); the worker tells it the secrets without waiting for an answer, and the helper
    reads them before any output written after: nothing leaks, not even the module's first
    write."""
    outcome = forking.invoke_isolated("loud", {}, Overrides(secrets={"FORK_TOKEN": SECRET}))
    assert not outcome.error, outcome.payload
    logs = outcome.logs
    assert SECRET not in logs
    for route in ("import ****", "print ****", "child ****", "call ****"):
        assert route in logs, logs
    seen = outcome.result
    # the helper is in the worker's process group (killed with it), no child of the worker
    assert len(seen["group"]) == 2 and seen["pid"] in seen["group"]
    assert seen["children"] == []


def test_a_forked_worker_without_secrets_lets_its_prepared_helper_go(forking: Host) -> None:
    outcome = forking.invoke_isolated("quiet", {}, Overrides())
    assert not outcome.error, outcome.payload
    assert outcome.result["children"] == []  # the unused helper was never its child
    assert "import -" in outcome.logs and "call -" in outcome.logs


def test_a_spare_that_died_is_replaced_by_a_fresh_fork(model: Model) -> None:
    """The host knows the spare's pid (a claimed spare needs no answer from the parent);
    one that died before it was claimed is not handed the call: the worker is forked anew."""
    host = Host(model, HostOptions(fork_workers=True), LogSink(io.StringIO()), {})
    try:
        assert host.forks is not None
        server = host.forks.server(sys.executable)
        spare = server._spare_pid
        assert spare and not dead(spare)
        os.kill(spare, signal.SIGKILL)
        for _ in range(500):  # until the parent reported its exit (it reaps it at once)
            with server._state:
                if spare in server._exited:
                    break
            time.sleep(0.01)
        again = cold(host, "plain")
        assert again["pid"] != spare and again["ppid"] == server_pid(host)
    finally:
        host.close()
