"""What a worker does to itself before any user code runs: be in its pids cgroup, no core
dumps (and not dumpable), its memory cap, and its package folders as site directories.

Kept apart from ``skyfn.runtime.worker`` (which serves invocations) so each stays small; a
started worker and a forked one (``skyfn.runtime.forkserver``) both call these through
``worker.run``. Standard library only; ``resource`` is loaded without touching
``sys.modules`` (the function's folder may hold its own ``resource.py``).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def limit_processes(cgroup: str) -> None:
    """Be in the pids cgroup the host made for this worker before anything forks and before
    any user code runs. The host moves a started worker in while its interpreter starts
    (a move waits for an RCU grace period, ~10 ms, which then overlaps the start): the
    worker joins itself only if it is not in yet (the host's move failed or is slower)."""
    procs_file = os.path.join(cgroup, "cgroup.procs")
    own = str(os.getpid())
    try:
        with open(procs_file) as procs:
            if own in procs.read().split():
                return
        with open(procs_file, "w") as procs:
            procs.write(own)
    except OSError as exc:
        print(f"skyfn: process limit not applied ({exc})", file=sys.stderr)


def limit_memory() -> None:
    """RLIMIT_DATA = memory_mb: counts what allocations use (heap and private writable maps),
    unlike RLIMIT_AS, which also counts reserved address space (64 MB per malloc arena)."""
    try:
        resource = stdlib_module("resource")
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
        resource = stdlib_module("resource")
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError) as exc:
        print(f"skyfn: core dumps not disabled ({exc})", file=sys.stderr)
    if sys.platform.startswith("linux"):
        try:
            _prctl(PR_SET_DUMPABLE, 0)
        except (OSError, AttributeError, ImportError, TypeError) as exc:
            print(f"skyfn: process not marked non-dumpable ({exc})", file=sys.stderr)


def _prctl(option: int, value: int) -> None:
    """``prctl(option, value, 0, 0, 0)`` through ``_ctypes`` itself, as ``ctypes.CDLL(None)``
    calls a function (``ctypes`` proper, its Python half, costs a cold start ~1.5 ms); through
    ``ctypes`` where ``_ctypes`` differs (another Python version)."""
    import _ctypes

    c: Any = _ctypes  # its private interface, which ctypes/__init__.py uses alike
    prctl: Any
    try:

        class CInt(c._SimpleCData):  # type: ignore[misc]
            _type_ = "i"  # ctypes.c_int

        class Prctl(c.CFuncPtr):  # type: ignore[misc]
            _flags_ = c.FUNCFLAG_CDECL | c.FUNCFLAG_USE_ERRNO
            _restype_ = CInt

        class Library:  # what CFuncPtr reads of a CDLL: this process's symbols, as CDLL(None)
            _handle = c.dlopen(None, 0)

        prctl = Prctl(("prctl", Library()))
    except (AttributeError, TypeError):
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    if prctl(option, value, 0, 0, 0) != 0:
        raise OSError(_ctypes.get_errno(), f"prctl({option}) failed")


_loaded: dict[str, Any] = {}


def stdlib_module(name: str) -> Any:
    """The standard library's ``name``, not the function's own ``resource.py`` (its folder is
    on the path), and without leaving it in ``sys.modules`` for the handler to stumble on."""
    if name in _loaded:
        return _loaded[name]
    # importlib's own machinery, loaded at every start (importlib.util would cost imports)
    import _frozen_importlib
    import _frozen_importlib_external

    user = {"", os.getcwd(), *os.environ.get("PYTHONPATH", "").split(os.pathsep), *_site_paths}
    paths = [p for p in sys.path if p not in user]
    spec = _frozen_importlib_external.PathFinder.find_spec(name, paths)
    if spec is None or spec.loader is None:
        raise ImportError(f"no standard module {name}")
    module = _frozen_importlib.module_from_spec(spec)
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
