"""Workers forked from a warm parent: one ``skyfn.runtime.forkserver`` process per
interpreter a host's workers use, started once, isolated, holding no user code, no secret
and no function's environment; each new worker is forked from it (a few milliseconds)
instead of starting an interpreter and importing the runtime again.

The host hands the parent each worker's variables and descriptors over a ``SOCK_SEQPACKET``
socket and gets its pid back; the parent reaps the worker and reports its exit status, which
``ForkedProcess`` turns into what ``subprocess.Popen`` would say (``poll``, ``wait``,
``returncode``). A parent that dies takes its workers with it (the host kills their process
groups and reports them killed); the next worker starts a new parent. A worker environment
whose variables act at interpreter start (``PYTHON*``, a locale other than the one the
parent started with) is not forked: ``forkable`` says so, and the caller starts it plainly.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from queue import Empty, Queue
from typing import IO

from skyfn.host.limits import ProcessLimit
from skyfn.runtime.forkserver import BOOT, MAX_MESSAGE

SPAWN_TIMEOUT = 30.0  # seconds for the parent to answer a fork (its own start included)
# the parent's whole environment: what a started worker's interpreter reads at start-up
# from its own (environment.py gives every worker LANG=C.UTF-8 and TZ=UTC)
PARENT_ENV = {"LANG": "C.UTF-8", "TZ": "UTC"}
_AT_START = ("LC_ALL", "LC_CTYPE", "LANG")


class ForkUnavailable(Exception):
    """No warm parent could fork this worker (it died, or never started): start it plainly."""


def forkable(variables: Mapping[str, str]) -> bool:
    """Whether a forked worker sees what a started one would: no variable that acts at the
    interpreter's start (PYTHONHASHSEED, PYTHONUTF8, ... given with --inherit-env) and the
    parent's locale. PYTHONPATH is applied by the fork itself."""
    if any(k.startswith("PYTHON") and k != "PYTHONPATH" for k in variables):
        return False
    locale = next((variables[k] for k in _AT_START if variables.get(k)), "")
    return locale == PARENT_ENV["LANG"]


class ForkedProcess:
    """A forked worker, as much of ``subprocess.Popen`` as ``WorkerProcess`` uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdout: IO[bytes] | None = None
        self.stderr: IO[bytes] | None = None
        self.parent: ForkServer | None = None  # the warm parent that forked it
        self._ended = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
        return self.returncode

    def ended(self, code: int) -> None:
        self.returncode = code
        self._ended.set()


class ForkServer:
    """One warm parent. ``spawn`` is called by many threads (one lock: one fork at a time);
    a reader thread takes the parent's messages: a fork's pid (registering its
    ``ForkedProcess`` before any exit of it can be read) and exits."""

    def __init__(self, python: str, runtime: Path) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [python, "-I", "-S", "-c", BOOT, str(runtime), str(theirs.fileno())],
                env=PARENT_ENV,
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # Ctrl-C reaches the host, which stops it
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._control = ours
        self._lock = threading.Lock()
        self._state = threading.Lock()  # guards _children and _gone
        self._children: dict[int, ForkedProcess] = {}
        self._gone = False
        self._replies: Queue[ForkedProcess | str | None] = Queue()
        self._wanted = threading.Event()  # a spare is wanted (prepare); set at the end too
        self._reader = threading.Thread(target=self._read, daemon=True, name="skyfn-forks")
        self._reader.start()
        self._spare: ProcessLimit | None = None  # the cgroup the spare worker joins
        self._has_spare = False
        self._spare_pid = 0  # the spare's pid, as the parent reported it (0: not known)
        self._exited: dict[int, int] = {}  # exits of pids not claimed yet (a spare's)
        with self._lock:
            self._prepare()
        # the next spare is asked for from this thread: making its cgroup (~0.5 ms) stays off
        # the path of the call whose worker just became ready
        self._preparer = threading.Thread(target=self._prepare_when_wanted, daemon=True)
        self._preparer.name = "skyfn-spares"
        self._preparer.start()

    def _prepare(self) -> None:
        """Have the parent fork the next worker ahead, into a cgroup of its own (under
        ``_lock``): the next ``spawn`` then only hands it its function."""
        limit = ProcessLimit.create()
        try:
            self._control.send(json.dumps({"spare": str(limit.path) if limit else ""}).encode())
            reply = self._replies.get(timeout=SPAWN_TIMEOUT)
        except (OSError, Empty):
            reply = None
        if not isinstance(reply, ForkedProcess):  # (its pid; it is registered when claimed)
            if limit is not None:
                limit.remove()
            return
        self._spare, self._has_spare, self._spare_pid = limit, True, reply.pid

    @property
    def alive(self) -> bool:
        return not self._gone

    def spawn(
        self, variables: Mapping[str, str], cwd: Path, site_dirs: str, fds: list[int]
    ) -> tuple[ForkedProcess, ProcessLimit | None]:
        """Fork a worker with these descriptors (requests, answers, stdout, stderr[, secrets];
        the caller keeps and closes its own copies); it comes with its process limit."""
        with self._lock:
            if self._gone:
                raise ForkUnavailable("the warm parent is gone")
            claimed: ForkedProcess | None = None
            if self._has_spare:
                limit, self._spare, self._has_spare = self._spare, None, False
                claimed = self._claim(self._spare_pid)
                if claimed.returncode is not None:  # it died: fork anew, into its cgroup
                    claimed = None
            else:
                limit = ProcessLimit.create()
            message = json.dumps(
                {
                    "env": dict(variables),
                    "cwd": str(cwd),
                    "cgroup": str(limit.path) if limit else "",
                    "site_dirs": site_dirs,
                    "spare_pid": claimed.pid if claimed else 0,
                }
            ).encode()
            try:
                if len(message) > MAX_MESSAGE:
                    raise ForkUnavailable("the worker's environment is too large to hand over")
                self._control.sendmsg(
                    [message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
                )
                # the spare becomes the worker: its pid is known, no answer to wait for (the
                # parent would send it only once the worker lets it run: after its cold start)
                reply = claimed or self._replies.get(timeout=SPAWN_TIMEOUT)
            except (OSError, Empty):
                reply = "the warm parent did not answer"
            if not isinstance(reply, ForkedProcess):
                if limit is not None:
                    limit.remove()
                raise ForkUnavailable(reply or "the warm parent is gone")
            reply.parent = self
            return reply, limit

    def _claim(self, pid: int) -> ForkedProcess:
        """The spare ``pid`` as a worker's process: its exit is reported from now on (or
        now, if it ended already)."""
        process = ForkedProcess(pid)
        with self._state:
            code = self._exited.pop(pid, None)
            if code is None:
                self._children[pid] = process
        if code is not None:
            process.ended(code)
        return process

    def prepare(self) -> None:
        """Fork the next spare, once the last one's worker is ready (a process joining a
        cgroup holds up forks while an RCU grace period ends, so not during a cold start);
        asked for here, done by the preparer thread."""
        self._wanted.set()

    def _prepare_when_wanted(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            with self._lock:
                if self._gone:
                    return
                if not self._has_spare:
                    self._prepare()

    def _read(self) -> None:
        while True:
            try:
                data = self._control.recv(4096)
            except OSError:
                data = b""
            if not data:
                break
            message = json.loads(data)
            if "pid" in message:
                process = ForkedProcess(int(message["pid"]))
                with self._state:
                    self._children[process.pid] = process
                self._replies.put(process)
            elif "spare_pid" in message:  # registered when a spawn claims it
                self._replies.put(ForkedProcess(int(message["spare_pid"])))
            elif "exit" in message:
                pid, code = int(message["exit"]), int(message["code"])
                with self._state:
                    ended = self._children.pop(pid, None)
                    if ended is None:  # a spare not claimed (yet): its spawn will see it
                        self._exited[pid] = code
                if ended is not None:
                    ended.ended(code)
            elif message.get("spare"):  # a claimed spare could not be handed its request:
                pass  # its worker's start sees it exit
            else:
                self._replies.put(str(message.get("error", "")))
        self._lost()

    def _lost(self) -> None:
        """The parent ended: kill what it forked (no orphans), report them killed."""
        with self._state:
            self._gone = True
            children, self._children = list(self._children.values()), {}
        self._wanted.set()  # the preparer ends
        for child in children:
            _kill(child.pid)
            child.ended(-signal.SIGKILL)
        self._replies.put(None)
        self._drop_spare()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def _drop_spare(self) -> None:
        with self._lock:
            spare, self._spare, self._has_spare = self._spare, None, False
        if spare is not None:
            spare.remove()

    def stop(self) -> None:
        """The parent kills its workers and exits when its control socket closes."""
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
        self._control.close()
        self._drop_spare()


def _kill(pid: int) -> None:
    """SIGKILL an orphaned worker's process group and wait until it is dead (its pidfd turns
    readable; nobody here can reap it: its new parent does)."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # already gone
        pidfd = -1
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if pidfd >= 0:
        select.select([pidfd], [], [], 5)
        os.close(pidfd)


class ForkServers:
    """A host's warm parents: one per interpreter, started on first use (or by ``prestart``)
    and again after one died."""

    def __init__(self, runtime: Callable[[], Path]) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._servers: dict[str, ForkServer] = {}
        self._closed = False

    def server(self, python: str) -> ForkServer:
        with self._lock:
            if self._closed:
                raise ForkUnavailable("the host is stopping")
            current = self._servers.get(python)
            if current is None or not current.alive:
                current = self._servers[python] = ForkServer(python, self._runtime())
            return current

    def prestart(self, python: str = sys.executable) -> None:
        with contextlib.suppress(OSError, ForkUnavailable):
            self.server(python)

    def spawn(
        self,
        python: str,
        variables: Mapping[str, str],
        cwd: Path,
        site_dirs: str,
        fds: list[int],
    ) -> tuple[ForkedProcess, ProcessLimit | None]:
        """Fork from ``python``'s parent; a parent found dead is replaced once."""
        for attempt in (1, 2):
            try:
                return self.server(python).spawn(variables, cwd, site_dirs, fds)
            except ForkUnavailable:
                if attempt == 2:
                    raise
            except OSError as exc:  # the interpreter could not be started
                raise ForkUnavailable(str(exc)) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()
