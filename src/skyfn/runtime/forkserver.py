"""The warm parent of a local host's workers: ``python -I -S -c BOOT RUNTIME_FOLDER FD``.

Started isolated (no user site, no ``.pth`` files, no ``PYTHON*`` variables) in a minimal
environment, it imports skyfn's worker runtime (the standard library and
``skyfn.runtime``; no user code, no secrets, no function's environment) and then forks one
worker per request of its host. Its control channel is a ``SOCK_SEQPACKET`` socket on FD:

- host → parent: one JSON message per worker (``env``: its variables, ``cwd``, ``cgroup``,
  ``site_dirs``, ``secrets``: whether a secrets pipe comes), with the worker's descriptors
  attached (``SCM_RIGHTS``): its requests and answers pipes, its stdout and stderr, and
  its secrets pipe. An empty message (EOF) means the host is gone: the parent kills every
  worker it forked and exits.
- parent → host: ``{"pid": N}`` for each request (or ``{"error": why}``), and
  ``{"exit": N, "code": C}`` when worker N ended (``C`` as ``Popen.returncode``: negative
  for a signal). The parent is the workers' real parent: it reaps them (one ``pidfd`` per
  worker in its ``select``) and reports each exit, so the host learns exit statuses as
  from ``subprocess``.

The child becomes the same worker a fresh ``python -S -m skyfn.runtime.worker`` is
(``_become``): its own session and process group, exactly its descriptors, its own
environment (the parent's replaced wholesale), its working directory, ``sys.path`` and
``sys.argv`` as a started worker has them, random state reseeded, the parent's own modules
dropped; then ``worker.run`` limits it (core dumps off, cgroup, memory) and serves.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skyfn.runtime import contract, worker, worker_limits

if TYPE_CHECKING:
    from skyfn.runtime.masking import PreparedHelper

MAX_MESSAGE = 1 << 20  # one worker's request: its variables are a few KB
MAX_FDS = 8
_FD_SIZE = 4  # a C int in SCM_RIGHTS
_SOL_SOCKET, _SCM_RIGHTS = 1, 1  # <sys/socket.h> on Linux (the only platform that forks here)
# loaded by the parent only; a started worker of a function without secrets has none of them
_SECRET_MODULES = ("secrets", "hints", "stores", "pipe_reader")
_PARENT_ONLY = ("skyfn.runtime.forkserver", "_socket", "gc")


def preload() -> None:
    """What every worker's cold start imports, once, before any fork."""
    import ctypes  # noqa: F401 - worker_limits.no_core_dumps: prctl(PR_SET_DUMPABLE)

    from skyfn.runtime import bootstrap, pipe_reader, secrets, stores  # noqa: F401

    worker_limits.stdlib_module("resource")  # RLIMIT_CORE, RLIMIT_DATA
    import gc

    # what the parent holds stays out of its workers' collections: a collection writes to
    # every object it visits, which would copy the shared pages into each worker
    gc.collect()
    gc.freeze()


def main(fd: int) -> None:
    import _socket

    preload()
    control = _socket.socket(fileno=fd)
    children: dict[int, int] = {}  # pidfd -> pid
    spare: tuple[int, Any] | None = None  # a child forked ahead, waiting for its worker
    while True:
        readable, _, _ = select.select([fd, *children], [], [])
        for pidfd in [r for r in readable if r in children]:
            pid = children.pop(pidfd)
            os.close(pidfd)
            _, status = os.waitpid(pid, 0)
            if spare is not None and spare[0] == pid:
                spare[1].close()
                spare = None
            _send(control, {"exit": pid, "code": os.waitstatus_to_exitcode(status)})
        if fd not in readable:
            continue
        data, fds = _receive(control)
        if not data:  # the host is gone: so are its workers
            for pid in children.values():
                _kill_group(pid)
            for pid in children.values():
                with contextlib.suppress(OSError):
                    os.waitpid(pid, 0)
            return
        forwarded = False
        spec: Any = None
        try:
            spec = json.loads(data)
            if "spare" in spec:  # fork the next worker ahead: it joins its cgroup meanwhile
                ours, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
                pid = _fork(_spare, spec["spare"], theirs.detach())
                theirs.close()
                if spare is not None:  # replaced: the old one sees EOF and ends
                    spare[1].close()
                spare = (pid, ours)
            elif spec.get("spare_pid") and (spare is None or spare[0] != spec["spare_pid"]):
                # the spare the host claimed died meanwhile: its worker's start sees the exit
                raise OSError(f"the spare worker {spec['spare_pid']} is gone")
            elif spare is not None and spec.get("spare_pid") == spare[0]:  # hand it over
                pid, ours = spare
                spare, forwarded = None, True
                try:
                    ours.sendmsg([data], [(_SOL_SOCKET, _SCM_RIGHTS, _fd_bytes(fds))])
                except OSError as exc:  # the host knows its pid already: no answer awaited
                    _send(control, {"error": str(exc), "spare": True})
                finally:
                    ours.close()
            else:
                pid = _fork(_child, spec, fds)
        except (ValueError, OSError) as exc:
            for received in fds:
                os.close(received)
            claimed = isinstance(spec, dict) and spec.get("spare_pid")
            _send(control, {"error": str(exc), "spare": True} if claimed else {"error": str(exc)})
            continue
        for received in fds:  # the worker's alone: its EOFs must reach the host
            os.close(received)
        if not forwarded:
            children[os.pidfd_open(pid)] = pid
        if "spare" in spec:
            _send(control, {"spare_pid": pid})
        elif not forwarded:  # (the host knew a spare's pid when it asked for it)
            _send(control, {"pid": pid})


def _fork(child: Callable[..., int], *args: Any) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = child(*args)
        finally:
            os._exit(code)
    return pid


def _spare(cgroup: str, fd: int) -> int:
    """A worker forked ahead: its own session, its cgroup joined (moving a process into a
    cgroup waits for an RCU grace period, ~10 ms: paid here, off the call's path); then it
    waits for the request that makes it a function's worker."""
    import _socket

    os.setsid()
    for other in _open_fds():
        if other not in (0, 1, 2, fd):
            with contextlib.suppress(OSError):
                os.close(other)
    if cgroup:
        worker_limits.limit_processes(cgroup)
    from skyfn.runtime.masking import PreparedHelper

    # the log masker of a function with secrets, forked now: not on the cold start's path
    helper = PreparedHelper()
    sock = _socket.socket(fileno=fd)
    data, fds = _receive(sock)
    sock.close()
    if not data:  # the parent is gone, or replaced this spare (the helper sees EOF too)
        return 0
    return _child({**json.loads(data), "joined": True}, fds, helper)


def _fd_bytes(fds: list[int]) -> bytes:
    return b"".join(fd.to_bytes(_FD_SIZE, sys.byteorder, signed=True) for fd in fds)


def _receive(control: Any) -> tuple[bytes, list[int]]:
    data, ancillary, _, _ = control.recvmsg(MAX_MESSAGE, _cmsg_space(MAX_FDS))
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == _SOL_SOCKET and kind == _SCM_RIGHTS:
            usable = len(payload) - len(payload) % _FD_SIZE
            fds += [
                int.from_bytes(payload[i : i + _FD_SIZE], sys.byteorder, signed=True)
                for i in range(0, usable, _FD_SIZE)
            ]
    return data, fds


def _cmsg_space(count: int) -> int:
    return 64 + count * _FD_SIZE  # header and alignment, generously


def _send(control: Any, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the host is gone; the next receive sees it
        control.send(json.dumps(message).encode())


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, 9)


def _child(spec: dict[str, Any], fds: list[int], helper: PreparedHelper | None = None) -> int:
    """Become the worker, run it, and return its exit status as the interpreter would."""
    requests, answers, out, err, *rest = fds
    joined = bool(spec.get("joined"))
    keep = helper.fds() if helper is not None else set()
    secrets = rest[0] if rest else None
    _become(spec, requests, answers, out, err, secrets, session=not joined, keep=keep)
    cgroup = "" if joined else spec.get("cgroup", "")
    try:
        code = worker.run(requests, answers, cgroup, spec.get("site_dirs", ""), helper)
    except SystemExit as exc:  # sys.exit in the handler: as the interpreter ends then
        code = _exit_code(exc.code)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    return _shutdown(code)


def _become(
    spec: dict[str, Any],
    requests: int,
    answers: int,
    out: int,
    err: int,
    secrets: int | None,
    session: bool = True,
    keep: set[int] | None = None,
) -> None:
    if session:  # (a spare made its own already)
        os.setsid()  # its own session and process group: killed as a whole
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    own = {0, 1, 2, requests, answers} | ({secrets} if secrets is not None else set())
    for fd in _open_fds():
        if fd not in own and fd not in (keep or ()):  # the control socket, other workers'
            # pidfds, these copies (``keep``: a prepared log helper's, closed or handed on
            # by ``worker.run`` before any user code)
            with contextlib.suppress(OSError):
                os.close(fd)
    for fd in own - {0, 1, 2}:
        os.set_inheritable(fd, True)  # as subprocess's pass_fds leaves them
    variables: dict[str, str] = spec["env"]
    os.environ.clear()
    os.environ.update(variables)
    if secrets is not None:
        os.environ[contract.SECRETS_FD_VAR] = str(secrets)
    time.tzset()  # TZ (UTC, as on Lambda) is read at start-up in a started process
    cwd: str = spec["cwd"]
    os.chdir(cwd)
    # as ``python -S -m`` builds it: the working directory, PYTHONPATH, the standard library
    stdlib = [p for p in sys.path if p not in _parent_path]
    pythonpath = [p for p in variables.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [cwd, *pythonpath, *stdlib]
    sys.argv[:] = [worker.__file__, str(requests), str(answers), spec.get("cgroup", "")]
    sys.argv.append(spec.get("site_dirs", ""))
    if "random" in sys.modules:  # (the parent imports none; reseeded after fork anyway)
        sys.modules["random"].seed()
    dropped = list(_PARENT_ONLY)
    if not variables.get(contract.SECRETS_VAR):
        dropped += [f"skyfn.runtime.{name}" for name in _SECRET_MODULES]
    package = sys.modules["skyfn.runtime"]
    for name in dropped:
        sys.modules.pop(name, None)
        if name.startswith("skyfn.runtime."):
            package.__dict__.pop(name.rsplit(".", 1)[1], None)


_parent_path: list[str] = []  # the runtime folder the parent was started with


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 1024))


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _shutdown(code: int) -> int:
    """What the interpreter does at exit: join non-daemon threads, run ``atexit``
    functions, flush the standard streams."""
    threading = sys.modules.get("threading")
    if threading is not None:
        with contextlib.suppress(BaseException):
            threading._shutdown()
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return code


def boot(runtime_folder: str, fd: int) -> None:
    """The ``-c`` entry point (``BOOT``): the runtime folder joins the path, then serve."""
    _parent_path.append(runtime_folder)
    main(fd)


# the host runs ``python -I -S -c BOOT RUNTIME_FOLDER FD``
BOOT = (
    "import sys; sys.path.append(sys.argv[1]); "
    "from skyfn.runtime.forkserver import boot; boot(sys.argv[1], int(sys.argv[2]))"
)
