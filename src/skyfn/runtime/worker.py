"""A local function instance:
``python -S -m skyfn.runtime.worker READ_FD WRITE_FD [CGROUP [SITE_DIRS]]``.

``-S``: no site-packages of the interpreter's environment; its path is the task root, the
generated env modules and skyfn's runtime-only folder (``PYTHONPATH``), and SITE_DIRS (the
function's locked packages, ``os.pathsep``-separated), as on Lambda.

The skyfn host starts one per warm instance. Its cold start is exactly the deployed one,
``skyfn.runtime.bootstrap.cold_start()``; then it serves one invocation at a time, as Lambda
does, reading requests from READ_FD and writing answers to WRITE_FD (one JSON object per
line). stdout and stderr are the function's logs. After each invocation it writes a marker
line to both, so the host knows it has every log line of that invocation. Its secrets
come from the host over a pipe (local store, pytest plugin) or from the store itself (ssm,
as on Lambda); it never holds what would open the local store.

Before the cold start the worker limits itself: it joins CGROUP (a pids cgroup the host made,
which bounds its processes, fork bombs included), turns off core dumps (a core file would
hold the function's secrets in plain text, next to its code: ``RLIMIT_CORE`` 0 and, on Linux,
non-dumpable), starts its log masker when the function has secrets
(``skyfn.runtime.masking``), and caps its writable memory at the function's ``memory_mb``
(``RLIMIT_DATA``), so a blow-up raises ``MemoryError`` in the worker alone.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping
from typing import Any, BinaryIO

from skyfn.runtime import contract, error_shape, lambda_logging, marshal, protocol
from skyfn.runtime.context import Context
from skyfn.runtime.errors import UserCodeError
from skyfn.runtime.lambda_platform import MAX_PAYLOAD
from skyfn.runtime.masking import Masker

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def user_frames(exc: BaseException) -> list[str]:
    """The traceback without skyfn.runtime's own frames (as Lambda shows it)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if os.path.dirname(os.path.abspath(f.filename)) != _RUNTIME_DIR]
    return traceback.format_list(own)


def exception_shape(exc: BaseException, request_id: str | None) -> dict[str, Any]:
    """Lambda's error payload for an exception the function raised (a module that cannot
    be loaded: under the ``Runtime.*`` type and trace Lambda's runtime gives it)."""
    if isinstance(exc, UserCodeError):
        return error_shape.build(str(exc), exc.error_type, request_id, exc.trace)
    return error_shape.build(str(exc), type(exc).__name__, request_id, user_frames(exc))


def out_of_memory_error(request_id: str | None) -> dict[str, Any]:
    """Lambda's answer when a function exceeds its memory (the instance is then replaced)."""
    memory = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "?")
    prefix = f"RequestId: {request_id} " if request_id else ""
    return error_shape.build(
        f"{prefix}Error: Runtime exited with error: out of memory "
        f"(the function's memory_mb of {memory} MB was exceeded)",
        error_shape.OUT_OF_MEMORY,
        request_id,
        [],
    )


def _log_error(exc: BaseException) -> None:
    # Lambda's Python runtime logs an unhandled error like this (without its own frames).
    # A cold start refused by skyfn (a missing secret, a damaged store) has no user frames:
    # its message says what to fix, and an empty "Traceback" header would only alarm.
    frames = exc.trace if isinstance(exc, UserCodeError) else user_frames(exc)
    kind = exc.error_type if isinstance(exc, UserCodeError) else type(exc).__name__
    trace = "\nTraceback (most recent call last):\n" + "".join(frames) if frames else ""
    print(f"[ERROR] {kind}: {exc}{trace.rstrip()}", file=sys.stderr)


def _end_logs(request_id: str) -> None:
    marker = protocol.log_marker(request_id)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.write(f"{marker}\n")
            stream.flush()
        except (OSError, ValueError):  # the handler closed or replaced the stream
            pass


def _send(out: BinaryIO, message: dict[str, Any]) -> None:
    out.write(protocol.encode(message))
    out.flush()


def _context(request: protocol.Request) -> Context:
    return Context(
        aws_request_id=request.id,
        invoked_function_arn=request.arn,
        deadline_ms=request.deadline_ms,
        client_context=request.client_context,
    )


def _set_trace_id(trace_id: str | None) -> None:
    """``_X_AMZN_TRACE_ID`` holds this invocation's trace header, as Lambda sets it."""
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def serve(requests: BinaryIO, answers: BinaryIO, masker: Masker | None = None) -> int:
    masker = masker if masker is not None else Masker()

    def resolved(values: Mapping[str, str]) -> None:
        # Between the secrets and the user's module: its import may already log them.
        masker.learn(values.values())

    try:
        from skyfn.runtime import bootstrap, freshness

        # A secret re-read after max_age is masked too, before the handler gets it.
        freshness.listen(lambda values: masker.learn(values.values()))
        lambda_logging.install()  # before the user's module: its import may log

        handler = bootstrap.cold_start(resolved)
    except MemoryError:
        _end_logs(protocol.INIT_ID)
        _send(answers, protocol.init_error(out_of_memory_error(None)))
        return 1
    except Exception as exc:
        _log_error(exc)
        _end_logs(protocol.INIT_ID)
        _send(answers, protocol.init_error(masker.value(exception_shape(exc, None))))
        return 1
    _end_logs(protocol.INIT_ID)
    _send(answers, protocol.ready())
    for line in requests:  # EOF: the host is gone or done with this instance
        request = protocol.decode_request(line)
        answer = _invoke(handler, request, masker)
        _with_peak_memory(answer)
        _end_logs(request.id)
        _send(answers, answer)
        if answer.get("fatal"):
            return 1  # out of memory: this instance is done, as on Lambda
    return 0


def _invoke(handler: Any, request: protocol.Request, masker: Masker) -> dict[str, Any]:
    """Run one invocation: the handler's result (never masked: it is the function's answer),
    or Lambda's error shape (masked: skyfn shows it)."""
    request_id = request.id
    # On MemoryError, answer only after the except block: it lets go of the traceback and
    # with it of the frames holding what the handler allocated.
    out_of_memory = False
    _set_trace_id(request.trace_id)
    lambda_logging.request_id = request_id
    try:
        result = handler(request.event, _context(request))
    except MemoryError:
        out_of_memory = True
    except Exception as exc:  # SystemExit ends the process: the host reports the exit
        _log_error(exc)
        return protocol.error(request_id, masker.value(exception_shape(exc, request_id)))
    if out_of_memory:
        return _out_of_memory(request_id)
    try:
        body, content_type = marshal.marshal(result)
    except MemoryError:
        out_of_memory = True
    except marshal.MarshalError as exc:  # a set, an object, a circular structure, ...
        shape = error_shape.build(masker.text(str(exc)), error_shape.MARSHAL_ERROR, request_id, [])
        return protocol.error(request_id, shape)
    if out_of_memory:
        return _out_of_memory(request_id)
    if len(body) > MAX_PAYLOAD:
        shape = error_shape.response_too_large(len(body), request_id, MAX_PAYLOAD)
        return protocol.error(request_id, shape)
    if content_type == marshal.BYTES_CONTENT_TYPE:
        return protocol.raw_result(request_id, body)
    return protocol.result(request_id, body.decode("utf-8", "surrogatepass"))


def _with_peak_memory(answer: dict[str, Any]) -> None:
    """The answer carries this process's peak resident memory so far, in KB (REPORT's ``Max
    Memory Used``: ``VmHWM`` of ``/proc/self/status``, read here so the host does not read
    ``/proc`` per call; not ``getrusage``'s ``ru_maxrss``, which includes the image before
    ``exec``). The status is read again only after a page fault: resident memory grows only
    by faulting pages in, and ``getrusage`` counts them (every thread's) for a fraction of
    what the kernel takes to write the status out."""
    global _status_fd, _faults, _peak_kb
    faults = _page_faults()
    if faults < 0 or faults != _faults or _peak_kb is None:
        try:
            if _status_fd < 0:
                _status_fd = os.open("/proc/self/status", os.O_RDONLY | os.O_CLOEXEC)
            status = os.pread(_status_fd, 4096, 0)
        except OSError:  # no /proc here: the host says "?"
            return
        start = status.find(b"\nVmHWM:")
        fields = status[start + 7 : status.find(b"\n", start + 1)].split() if start >= 0 else []
        _peak_kb = int(fields[0]) if fields and fields[0].isdigit() else None
        _faults = _page_faults()  # after the read: its own faults are not news next time
    if _peak_kb is not None:
        answer["rss_kb"] = _peak_kb


def _page_faults() -> int:
    """The page faults of this process so far (``-1``: unknown, so always read the status)."""
    try:
        resource = _stdlib_module("resource")
        usage = resource.getrusage(resource.RUSAGE_SELF)
    except (ImportError, OSError, ValueError):
        return -1
    return int(usage.ru_minflt + usage.ru_majflt)


_status_fd = -1  # /proc/self/status, opened by the first invocation
_faults = -1  # page faults when the status was last read
_peak_kb: int | None = None  # VmHWM then


def _out_of_memory(request_id: str) -> dict[str, Any]:
    print("[ERROR] MemoryError: the function ran out of memory", file=sys.stderr)
    return protocol.error(request_id, out_of_memory_error(request_id), fatal=True)


def limit_processes(cgroup: str) -> None:
    """Join the pids cgroup the host made for this worker (before anything forks)."""
    try:
        with open(os.path.join(cgroup, "cgroup.procs"), "w") as procs:
            procs.write(str(os.getpid()))
    except OSError as exc:
        print(f"skyfn: process limit not applied ({exc})", file=sys.stderr)


def limit_memory() -> None:
    """RLIMIT_DATA = memory_mb: counts what allocations use (heap and private writable maps),
    unlike RLIMIT_AS, which also counts reserved address space (64 MB per malloc arena)."""
    try:
        resource = _stdlib_module("resource")
        limit = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:
        print(f"skyfn: memory limit not applied ({exc})", file=sys.stderr)


PR_SET_DUMPABLE = 4  # <linux/prctl.h>


def no_core_dumps() -> None:
    """No core file, ever: ``RLIMIT_CORE`` 0 (soft and hard, so the handler cannot raise it
    back) and, on Linux, not dumpable (which also keeps other processes of this user from
    attaching to it or reading its memory through /proc, and covers a core pattern that pipes
    dumps to a helper, where the limit does not apply). Best effort elsewhere."""
    try:
        resource = _stdlib_module("resource")
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError) as exc:
        print(f"skyfn: core dumps not disabled ({exc})", file=sys.stderr)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
        except (OSError, AttributeError) as exc:
            print(f"skyfn: process not marked non-dumpable ({exc})", file=sys.stderr)


_loaded: dict[str, Any] = {}


def _stdlib_module(name: str) -> Any:
    """The standard library's ``name``, not the function's own ``resource.py`` (its folder is
    on the path), and without leaving it in ``sys.modules`` for the handler to stumble on."""
    if name in _loaded:
        return _loaded[name]
    import importlib.machinery
    import importlib.util

    user = {"", os.getcwd(), *os.environ.get("PYTHONPATH", "").split(os.pathsep), *_site_paths}
    spec = importlib.machinery.PathFinder.find_spec(name, [p for p in sys.path if p not in user])
    if spec is None or spec.loader is None:
        raise ImportError(f"no standard module {name}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _loaded[name] = module
    return module


_site_paths: list[str] = []


def add_site_dirs(joined: str) -> None:
    """The function's package folders (its locked packages), as site directories (their
    ``.pth`` files run), right after the task root: where the bundle puts them on Lambda."""
    import site

    before = list(sys.path)
    for folder in joined.split(os.pathsep):
        if folder:
            site.addsitedir(folder)
    added = [p for p in sys.path if p not in before]
    _site_paths.extend(added)
    sys.path[:] = before[:1] + added + before[1:]


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(
            "usage: python -S -m skyfn.runtime.worker READ_FD WRITE_FD [CGROUP [SITE_DIRS]]",
            file=sys.stderr,
        )
        return 2
    no_core_dumps()
    if len(argv) > 3 and argv[3]:
        limit_processes(argv[3])
    if len(argv) > 4 and argv[4]:
        add_site_dirs(argv[4])
    masker = None
    if os.environ.get(contract.SECRETS_VAR):
        from skyfn.runtime import masking

        masker = masking.start_helper()
    limit_memory()
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with os.fdopen(int(argv[1]), "rb") as requests, os.fdopen(int(argv[2]), "wb") as answers:
        return serve(requests, answers, masker)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
