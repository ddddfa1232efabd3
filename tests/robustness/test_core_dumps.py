"""Finding 3 of the security review: a crashing handler must not leave a core file (it holds
the function's secrets in plain text, beside its code, and the next deploy would ship it),
even when it raises its own core size limit first."""

from __future__ import annotations

from pathlib import Path

from skyfn import scope
from skyfn.host.environment import HostOptions, Overrides
from skyfn.host.supervisor import Host
from skyfn.project import find_project
from skyfn.synth.run import generate_env
from tests.support.projects import make_project, resource
from tests.unit.host.conftest import Terminal

# The standard library's ``resource`` (the function's folder, first on the path, holds the
# definition file of the same name), then an attempt to allow core files again.
CRASHER = """\
import ctypes, os, sys

def _resource():
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if p not in ("", here, os.getcwd())]
    sys.modules.pop("resource", None)
    try:
        import resource
    finally:
        sys.path[:] = saved
    return resource

resource = _resource()

def handler(event, context):
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)
    except (ValueError, OSError):
        try:
            hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
            resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
        except (ValueError, OSError):
            pass
    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
    if event.get("crash"):
        ctypes.string_at(0)  # SIGSEGV
    return {"pid": os.getpid(), "core": resource.getrlimit(resource.RLIMIT_CORE),
            "dumpable": dumpable, "secret": len(os.environ["TOKEN"])}
"""


def test_a_crashing_handler_leaves_no_core_file(tmp_path: Path) -> None:
    root = tmp_path / "app"
    make_project(
        root,
        {"crasher": resource('{"TOKEN": secret("CORE_CANARY")}', name="crasher")},
        {"crasher": CRASHER},
    )
    model = generate_env(find_project(root), scope.sandbox("unit"), "inline").model
    host = Host(model, HostOptions(), Terminal(), {})
    try:
        overrides = Overrides(secrets={"CORE_CANARY": "core-canary-" + "s" * 40})
        crashed = host.invoke_isolated("crasher", {"crash": True}, overrides)
        assert crashed.error
        assert [p for p in root.rglob("core*") if p.is_file()] == []
        calm = host.invoke_isolated("crasher", {}, overrides)
        assert not calm.error, calm.payload
        assert calm.result["core"] == [0, 0]  # the handler could not raise it back
        assert calm.result["dumpable"] == 0
    finally:
        host.close()


def test_a_running_worker_has_no_core_limit_and_is_not_dumpable(tmp_path: Path) -> None:
    root = tmp_path / "app"
    make_project(
        root, {"crasher": resource('{"TOKEN": "plain"}', name="crasher")}, {"crasher": CRASHER}
    )
    model = generate_env(find_project(root), scope.sandbox("unit"), "inline").model
    host = Host(model, HostOptions(), Terminal(), {})
    try:
        outcome = host.invoke("crasher", {})
        assert not outcome.error, outcome.payload
        (worker,) = host.workers()
        limits = Path(f"/proc/{worker.pid}/limits").read_text()
        core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
        assert core.split()[4:6] == ["0", "0"], core
    finally:
        host.close()
