"""What each definition module read while it ran: the record the definition cache keys on.

While the backend loads, every module of the project (a ``.py`` file under ``backend/``,
``backend.py`` included) is watched as it executes:

- **imports** (a wrapper of ``builtins.__import__``, which sees an import even when the
  module is already loaded): the project modules it uses are its dependencies; a module
  from outside the project that is neither the standard library nor skyfn makes it
  untrackable, as do ``sys``, ``importlib``, ``gc``, ``inspect``, ``ctypes`` and
  ``builtins`` (they reach other state, or import past the wrapper);
- **environment reads** (a profile hook, ``sys.setprofile``, on ``os.environ``'s own
  methods: ``os.environ.get``, ``[...]``, ``in``, ``os.getenv``): each name and the value
  it had. Iterating, copying or changing ``os.environ`` makes it untrackable;
- **everything else it calls in C**: files (``open``, ``os.*``, ``pathlib``'s reads), the
  clock (``time``, ``datetime.now``), randomness (``random``, ``os.urandom``, ``uuid4``),
  sockets, processes, threads and the locale make it untrackable. Calls made inside skyfn's
  own code (``define_function`` resolving its caller's path) and the import system's are
  trusted: what they read is the module files, which the record hashes.

Untrackable spreads to the modules that import an untrackable one. The limits: code that
reaches state past these doors on purpose (``os.environ._data``, a module's attributes of
attributes into ``sys``) is not seen; the hash seed already varies between runs.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

# Calling C functions of these modules reads files, the clock, randomness, the network or
# other processes, or changes the process: the caller's definition is never cached.
_UNTRACKED_C = frozenset(
    {
        "posix", "nt", "os", "io", "_io", "time", "_random", "random", "datetime",
        "_datetime", "_socket", "socket", "select", "selectors", "_ssl", "ssl",
        "_posixsubprocess", "subprocess", "_thread", "threading", "_signal", "signal",
        "fcntl", "mmap", "_ctypes", "ctypes", "pwd", "grp", "resource", "_locale",
        "locale", "termios", "_uuid", "uuid", "_sqlite3", "_winapi", "msvcrt", "sys",
        "_imp", "marshal", "gc", "faulthandler", "_tracemalloc", "zipimport",
    }
)  # fmt: skip
_UNTRACKED_BUILTINS = frozenset({"open", "input", "breakpoint", "help", "__import__"})
# Imports that open other doors (other modules' state, imports past the wrapper).
_UNTRACKED_IMPORTS = frozenset(
    {"sys", "importlib", "gc", "inspect", "ctypes", "builtins", "imp", "runpy", "pkgutil"}
)
_ENV_READS = {os._Environ.__getitem__.__code__}
_ENV_WHOLE = {
    getattr(os._Environ, name).__code__
    for name in ("__iter__", "__len__", "__setitem__", "__delitem__", "copy", "__repr__")
}
_SKYFN_DIR = str(Path(__file__).resolve().parent) + os.sep
BACKEND_MODULE = "skyfn_backend"  # the name backend.py runs as (backend_loader)


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


@dataclass
class ModuleRecord:
    """One project module's run: its file and hash, what it read, what it imported."""

    name: str
    origin: str | None  # the .py file; None: a namespace package (a folder)
    digest: str | None
    search: tuple[str, ...] | None = None  # a package's __path__
    env: dict[str, str | None] = field(default_factory=dict)
    deps: set[str] = field(default_factory=set)
    untrackable: str | None = None  # why it is never cached
    namespace: bytes | None = None  # filled by the cache when it can keep the module


class Tracker:
    """Watches the project modules of one backend load (a context: ``watching()``)."""

    def __init__(self, backend_dir: Path) -> None:
        self.root = str(backend_dir.resolve()) + os.sep
        self.records: dict[str, ModuleRecord] = {}
        self._running: list[ModuleRecord] = []  # the project modules executing, innermost last
        self._trusted: FrameType | None = None  # skyfn's or the import system's frame
        self._import = builtins.__import__

    def is_project(self, module: ModuleType) -> bool:
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            return file.startswith(self.root)
        paths = getattr(module, "__path__", None)
        return paths is not None and any(str(p).startswith(self.root) for p in paths)

    # --- the module's run ----------------------------------------------------------------

    @contextmanager
    def running(
        self, name: str, origin: str, search: tuple[str, ...] | None = None
    ) -> Iterator[ModuleRecord]:
        """The block runs module ``name`` (file ``origin``): what it does is its record's.
        The import system's frame that called it is not trusted meanwhile."""
        record = ModuleRecord(name, origin, file_digest(origin), search)
        self.records[name] = record
        self._running.append(record)
        trusted, self._trusted = self._trusted, None
        try:
            yield record
        finally:
            self._trusted = trusted
            self._running.pop()

    def _note(self, reason: str) -> None:
        if self._running and self._running[-1].untrackable is None:
            self._running[-1].untrackable = reason

    # --- imports -------------------------------------------------------------------------

    def _tracked_import(
        self,
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> ModuleType:
        module = self._import(name, globals, locals, fromlist, level)
        if globals:
            caller = self.records.get(str(globals.get("__name__", "")))
        else:  # __import__("x") called by hand: the running module's
            caller = self._running[-1] if self._running else None
        if caller is not None:
            self._depend(caller, name, globals or {}, fromlist or (), level)
        return module

    def _depend(
        self,
        caller: ModuleRecord,
        name: str,
        globals: Mapping[str, object],
        fromlist: Sequence[str],
        level: int,
    ) -> None:
        if level:
            package = str(globals.get("__package__") or "")
            base = package.rsplit(".", level - 1)[0] if level > 1 else package
            name = f"{base}.{name}" if name else base
        parts = name.split(".")
        names = [".".join(parts[: i + 1]) for i in range(len(parts))]
        names += [f"{name}.{item}" for item in fromlist if f"{name}.{item}" in sys.modules]
        for full in names:
            module = sys.modules.get(full)
            if module is None:
                continue
            if self.is_project(module):
                caller.deps.add(full)
            elif full.split(".")[0] in _UNTRACKED_IMPORTS:
                caller.untrackable = caller.untrackable or f"imports {full}"
            elif not _standard_or_skyfn(full):
                caller.untrackable = caller.untrackable or f"imports {full} (outside the project)"

    # --- calls ---------------------------------------------------------------------------

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if self._trusted is not None:
            if event == "return" and frame is self._trusted:
                self._trusted = None
            return
        if event == "call":
            code = frame.f_code
            if code in _ENV_READS:
                key = frame.f_locals.get("key")
                if self._running and isinstance(key, str | bytes):
                    text = key if isinstance(key, str) else os.fsdecode(key)
                    self._running[-1].env[text] = os.environ.get(text)
                return
            if code in _ENV_WHOLE:
                self._note("reads or changes the whole os.environ")
                return
            filename = code.co_filename
            if filename.startswith(_SKYFN_DIR) or filename.startswith("<frozen importlib"):
                self._trusted = frame
        elif event == "c_call" and _untracked_call(arg):
            self._note(f"calls {_call_name(arg)}")

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Install the import wrapper and the profile hook for the block (this thread)."""
        previous = sys.getprofile()
        builtins.__import__ = self._tracked_import
        sys.setprofile(self._profile)
        try:
            yield
        finally:
            sys.setprofile(previous)
            builtins.__import__ = self._import


def _standard_or_skyfn(name: str) -> bool:
    top = name.split(".")[0]
    return top == "skyfn" or top in sys.stdlib_module_names


def _origin(function: Any) -> str:
    module = getattr(function, "__module__", None)
    if module:
        return str(module)
    owner = getattr(function, "__self__", None)
    if isinstance(owner, ModuleType):
        return owner.__name__
    if isinstance(owner, type):
        return owner.__module__
    return type(owner).__module__ if owner is not None else ""


def _untracked_call(function: Any) -> bool:
    origin = _origin(function)
    if origin == "builtins":
        return getattr(function, "__name__", "") in _UNTRACKED_BUILTINS
    return origin in _UNTRACKED_C


def _call_name(function: Any) -> str:
    return f"{_origin(function)}.{getattr(function, '__name__', '?')}"
