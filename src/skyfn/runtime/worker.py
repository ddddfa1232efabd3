"""A local function instance:
``python -S -m skyfn.runtime.worker READ_FD WRITE_FD [CGROUP [SITE_DIRS]]``, or the same as
``python -S -c LAUNCH ...`` (the host's way: ``-m`` imports ``runpy``, and with it ``importlib.util``,
``contextlib`` and more, ~4 ms of every cold start; ``launch`` leaves ``sys.path`` and
``sys.argv`` as ``-m`` would).

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

Before the cold start the worker limits itself: it makes sure it is in CGROUP (a pids cgroup
the host made, which bounds its processes, fork bombs included; the host moves it in while
its interpreter starts, else it joins itself), turns off core dumps (a core file would
hold the function's secrets in plain text, next to its code: ``RLIMIT_CORE`` 0 and, on Linux,
non-dumpable), starts its log masker when the function has secrets
(``skyfn.runtime.masking``), and caps its writable memory at the function's ``memory_mb``
(``RLIMIT_DATA``), so a blow-up raises ``MemoryError`` in the worker alone.
"""

from __future__ import annotations

import os
import sys

from skyfn.runtime import contract, marshal, protocol
from skyfn.runtime.context import Context
from skyfn.runtime.errors import UserCodeError
from skyfn.runtime.lambda_platform import MAX_PAYLOAD
from skyfn.runtime.worker_limits import (
    add_site_dirs,
    limit_memory,
    limit_processes,
    no_core_dumps,
    stdlib_module,
)

# The first invocation needs none of typing, traceback, logging, base64 or the masker: each
# is imported where it is needed (an error, a log call, a secret), so a started worker's
# cold start pays only for what it uses.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, BinaryIO

    from skyfn.runtime.masking import Masker, PreparedHelper

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def user_frames(exc: BaseException) -> list[str]:
    """The traceback without skyfn.runtime's own frames (as Lambda shows it)."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if os.path.dirname(os.path.abspath(f.filename)) != _RUNTIME_DIR]
    return traceback.format_list(own)


def exception_shape(exc: BaseException, request_id: str | None) -> dict[str, Any]:
    """Lambda's error payload for an exception the function raised (a module that cannot
    be loaded: under the ``Runtime.*`` type and trace Lambda's runtime gives it)."""
    from skyfn.runtime import error_shape

    if isinstance(exc, UserCodeError):
        return error_shape.build(str(exc), exc.error_type, request_id, exc.trace)
    return error_shape.build(str(exc), type(exc).__name__, request_id, user_frames(exc))


def out_of_memory_error(request_id: str | None) -> dict[str, Any]:
    """Lambda's answer when a function exceeds its memory (the instance is then replaced)."""
    from skyfn.runtime import error_shape

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
    """The cold start, then one invocation per request line. ``masker``: the log helper's
    (a function with secrets); without, one is made only if secrets turn up."""
    maskers: list[Masker] = [masker] if masker is not None else []

    def resolved(values: Mapping[str, str]) -> None:
        # Between the secrets and the user's module: its import may already log them.
        if values and not maskers:
            from skyfn.runtime.masking import Masker

            maskers.append(Masker())
        if maskers:
            maskers[0].learn(values.values())

    try:
        from skyfn.runtime import bootstrap

        if maskers:
            from skyfn.runtime import freshness

            # A secret re-read after max_age is masked too, before the handler gets it.
            freshness.listen(lambda values: maskers[0].learn(values.values()))
        _lambda_logging()  # before the user's module: its import may log

        handler = bootstrap.cold_start(resolved)
    except MemoryError:
        _end_logs(protocol.INIT_ID)
        _send(answers, protocol.init_error(out_of_memory_error(None)))
        return 1
    except Exception as exc:
        _log_error(exc)
        _end_logs(protocol.INIT_ID)
        shape = exception_shape(exc, None)
        _send(answers, protocol.init_error(maskers[0].value(shape) if maskers else shape))
        return 1
    _end_logs(protocol.INIT_ID)
    _send(answers, protocol.ready())
    for line in requests:  # EOF: the host is gone or done with this instance
        request = protocol.decode_request(line)
        answer = _invoke(handler, request, maskers[0] if maskers else None)
        _with_peak_memory(answer)
        _end_logs(request.id)
        _send(answers, answer)
        if answer.get("fatal"):
            return 1  # out of memory: this instance is done, as on Lambda
    return 0


def _invoke(handler: Any, request: protocol.Request, masker: Masker | None) -> dict[str, Any]:
    """Run one invocation: the handler's result (never masked: it is the function's answer),
    or Lambda's error shape (masked: skyfn shows it)."""
    request_id = request.id
    # On MemoryError, answer only after the except block: it lets go of the traceback and
    # with it of the frames holding what the handler allocated.
    out_of_memory = False
    _set_trace_id(request.trace_id)
    _set_request_id(request_id)
    try:
        result = handler(request.event, _context(request))
    except MemoryError:
        out_of_memory = True
    except Exception as exc:  # SystemExit ends the process: the host reports the exit
        _log_error(exc)
        shape = exception_shape(exc, request_id)
        return protocol.error(request_id, masker.value(shape) if masker is not None else shape)
    if out_of_memory:
        return _out_of_memory(request_id)
    try:
        body, content_type = marshal.marshal(result)
    except MemoryError:
        out_of_memory = True
    except marshal.MarshalError as exc:  # a set, an object, a circular structure, ...
        from skyfn.runtime import error_shape

        message = masker.text(str(exc)) if masker is not None else str(exc)
        shape = error_shape.build(message, error_shape.MARSHAL_ERROR, request_id, [])
        return protocol.error(request_id, shape)
    if out_of_memory:
        return _out_of_memory(request_id)
    if len(body) > MAX_PAYLOAD:
        from skyfn.runtime import error_shape

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
        resource = stdlib_module("resource")
        usage = resource.getrusage(resource.RUSAGE_SELF)
    except (ImportError, OSError, ValueError):
        return -1
    return int(usage.ru_minflt + usage.ru_majflt)


_status_fd = -1  # /proc/self/status, opened by the first invocation
_faults = -1  # page faults when the status was last read
_peak_kb: int | None = None  # VmHWM then


_request_id = [""]  # the invocation being served: Lambda's log handler shows it


def _set_request_id(request_id: str) -> None:
    _request_id[0] = request_id
    installed: Any = sys.modules.get("skyfn.runtime.lambda_logging")
    if installed is not None:
        installed.request_id = request_id


def _lambda_logging() -> None:
    """Lambda's root logger handler (``lambda_logging``), before any user code runs: now
    when ``logging`` is loaded already (a forked worker), else the moment something imports
    it (``logging`` costs a cold start ~4 ms, and many handlers never log)."""
    if "logging" in sys.modules:
        _install_logging()
    else:
        sys.meta_path.insert(0, _LoggingHook())


def _install_logging() -> None:
    from skyfn.runtime import lambda_logging

    lambda_logging.request_id = _request_id[0]
    lambda_logging.install()


class _LoggingHook:
    """A meta path finder for ``logging`` alone: finds it as the import system would
    without it, and installs Lambda's handler right after the module ran, before the
    importer gets it. Then it leaves ``sys.meta_path`` (a new list: an import iterating the
    old one in another thread is not disturbed)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "logging":
            return None
        sys.meta_path = [finder for finder in sys.meta_path if finder is not self]
        import importlib.util

        spec: Any = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader

        class Installing:
            def create_module(self, spec: Any) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: Any) -> None:
                spec.loader = module.__loader__ = loader  # as if loaded without this hook
                loader.exec_module(module)
                _install_logging()

        spec.loader = Installing()
        return spec


def _out_of_memory(request_id: str) -> dict[str, Any]:
    print("[ERROR] MemoryError: the function ran out of memory", file=sys.stderr)
    return protocol.error(request_id, out_of_memory_error(request_id), fatal=True)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(
            "usage: python -S -m skyfn.runtime.worker READ_FD WRITE_FD [CGROUP [SITE_DIRS]]",
            file=sys.stderr,
        )
        return 2
    cgroup = argv[3] if len(argv) > 3 else ""
    return run(int(argv[1]), int(argv[2]), cgroup, argv[4] if len(argv) > 4 else "")


def run(
    requests_fd: int,
    answers_fd: int,
    cgroup: str,
    site_dirs: str,
    helper: PreparedHelper | None = None,
) -> int:
    """Limit this process, then serve: a started worker's ``main`` and a forked one
    (``skyfn.runtime.forkserver``) both come here before any user code runs. ``helper``: a
    log helper forked ahead (a forked worker's), used or let go here."""
    no_core_dumps()
    if cgroup:
        limit_processes(cgroup)
    if site_dirs:
        add_site_dirs(site_dirs)
    masker = None
    if os.environ.get(contract.SECRETS_VAR):
        from skyfn.runtime import masking

        masker = helper.attach() if helper is not None else masking.start_helper()
    elif helper is not None:
        helper.cancel()
    limit_memory()
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with os.fdopen(requests_fd, "rb") as requests, os.fdopen(answers_fd, "wb") as answers:
        return serve(requests, answers, masker)


# ``python -S -c LAUNCH READ_FD WRITE_FD CGROUP SITE_DIRS``
LAUNCH = "import sys; from skyfn.runtime.worker import launch; sys.exit(launch())"


def launch() -> int:
    """The ``-c LAUNCH`` entry point: the working directory in full where ``-c`` put ``""``,
    and this module's file as ``argv[0]``, as ``-m`` leaves them; then ``main``."""
    if sys.path and sys.path[0] == "":
        sys.path[0] = os.getcwd()
    sys.argv[0] = __file__
    return main(sys.argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
