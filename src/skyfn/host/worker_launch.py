"""How a worker comes to exist: forked from its interpreter's warm parent
(``fork_server``) where it can be, else started as a new process; either way with exactly
its environment, the two ends of its control channel and, with secrets, a pipe holding
them (written before the worker exists, so its cold start never waits for the host)."""

from __future__ import annotations

import os
import select
import subprocess
import threading

from skyfn.host.environment import WorkerEnvironment
from skyfn.host.fork_server import ForkedProcess, ForkServers, ForkUnavailable, forkable
from skyfn.host.limits import ProcessLimit
from skyfn.runtime import contract
from skyfn.runtime.worker import LAUNCH


def launch(
    environment: WorkerEnvironment,
    forks: ForkServers | None,
    requests_read: int,
    answers_write: int,
) -> tuple[subprocess.Popen[bytes] | ForkedProcess, ProcessLimit | None]:
    """The worker and its process limit (its cgroup, where available). ``requests_read``
    and ``answers_write`` are the worker's ends of its control channel: closed here, in the
    host, once it has them (also when it could not be made)."""
    inherited = [requests_read, answers_write]
    limit: ProcessLimit | None = None
    try:
        variables = environment.variables
        if environment.handover is not None:  # the function's secrets, read by the host
            secrets_read, secrets_write = os.pipe()
            inherited.append(secrets_read)
            variables = {**variables, contract.SECRETS_FD_VAR: str(secrets_read)}
            # into the pipe now, before the worker exists: its cold start never waits for
            # the host to learn its pid (a large message: from a thread)
            _hand_over(secrets_write, environment.handover)
        proc: subprocess.Popen[bytes] | ForkedProcess | None = None
        if forks is not None and forkable(environment.variables):
            forked = _forked(forks, environment, variables, inherited)
            if forked is not None:
                proc, limit = forked
        if proc is None:
            limit = ProcessLimit.create()
            proc = _started(environment, variables, inherited, limit)
    except BaseException:
        if limit is not None:
            limit.remove()
        raise
    finally:
        for fd in inherited:
            os.close(fd)
    if limit is not None and isinstance(proc, subprocess.Popen):
        # first (a blocking system call: other threads run meanwhile), while the worker's
        # interpreter starts; the worker joins itself if this comes too late or fails
        limit.add(proc.pid)
    return proc, limit


def _started(
    environment: WorkerEnvironment,
    variables: dict[str, str],
    inherited: list[int],
    limit: ProcessLimit | None,
) -> subprocess.Popen[bytes]:
    """The worker as a new ``python -S -c worker.LAUNCH`` process."""
    cgroup = str(limit.path) if limit else ""
    return subprocess.Popen(
        [
            environment.python,
            "-S",  # none of the environment's site-packages: only its own packages
            "-c",  # not -m: runpy costs the cold start ~4 ms (worker.LAUNCH)
            LAUNCH,
            str(inherited[0]),
            str(inherited[1]),
            cgroup,
            os.pathsep.join(environment.site_dirs),
        ],
        env=variables,
        cwd=environment.task_root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=tuple(inherited),
        start_new_session=True,  # its own process group: killed as a whole
    )


def _hand_over(fd: int, message: bytes) -> None:
    """Write the secrets message and close our end (the worker reads to EOF at its cold
    start). A large one is written from a thread, so the caller never waits on the pipe."""

    def write() -> None:
        try:
            view = memoryview(message)
            while view:
                view = view[os.write(fd, view) :]
        except OSError:  # the worker died first: its start reports that
            pass
        finally:
            os.close(fd)

    if len(message) <= select.PIPE_BUF:
        write()
    else:
        threading.Thread(target=write, daemon=True, name="skyfn-secrets").start()


def _forked(
    forks: ForkServers,
    environment: WorkerEnvironment,
    variables: dict[str, str],
    inherited: list[int],
) -> tuple[ForkedProcess, ProcessLimit | None] | None:
    """The worker forked from its interpreter's warm parent, with pipes for its stdout and
    stderr; ``None`` when no parent can fork it (then it is started)."""
    os.stat(environment.task_root)  # a vanished folder fails here, as Popen's cwd would
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    fds = [inherited[0], inherited[1], out_write, err_write, *inherited[2:]]
    try:
        proc, limit = forks.spawn(
            environment.python,
            variables,
            environment.task_root,
            os.pathsep.join(environment.site_dirs),
            fds,
        )
    except ForkUnavailable:
        os.close(out_read)
        os.close(err_read)
        return None
    finally:
        os.close(out_write)
        os.close(err_write)
    proc.stdout = os.fdopen(out_read, "rb")
    proc.stderr = os.fdopen(err_read, "rb")
    return proc, limit
