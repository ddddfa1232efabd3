"""The definition cache: a re-synth reuses what the definition modules made last time,
when nothing they read has changed (issue 27).

Loading 1,000 ``resource.py`` files is most of a re-synth. Each project module's run is
recorded (``skyfn.definition_tracker``: its file's hash, the project modules it imports,
each environment value it read, or why it cannot be tracked) with the namespace it left
behind. On the next load a module is restored from its namespace instead of executed when
its record still holds: the same file, the same environment values, the same record for
every module it imports, and nothing untrackable. When every module of the last load
holds, and the files that decide what an import finds are the same (the folders the
modules were found in, list for list, and each top-level name's spec), even
``backend.py`` is skipped: its ``backend`` is restored whole.

A module is never kept when it read something the tracker cannot see, when its namespace
holds what cannot be rebuilt without running it (a function or class of its own, an
object of a third-party type), or when its namespace changed after it ran (another module
appended to its list: the appending module is not kept either).

The cache is ``.skyfn/cache/definitions.pickle`` (folder 0700, file 0600, replaced
atomically; written once ``.skyfn/`` exists, so a first synth that fails leaves nothing), keyed by skyfn's version, Python's, the project's backend folder and
``sys.path``. It holds file hashes, module names, SHA-256 digests of the environment
values read (never the values) and the definitions' namespaces: what ``resource.py``
computed, secret references by name only. It is read with an unpickler that rebuilds only
skyfn's definition types, plain containers and paths; anything else, a truncated file or
another key makes it ignored and rebuilt. ``SKYFN_NO_DEFINITION_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from types import ModuleType
from typing import Any

from skyfn import __version__
from skyfn.definition_tracker import BACKEND_MODULE, ModuleRecord, Tracker, file_digest

CACHE_FILE = Path("cache") / "definitions.pickle"  # under .skyfn/
_FORMAT = 1
_IMPORT_SET = frozenset(
    {"__name__", "__file__", "__cached__", "__loader__", "__spec__", "__package__", "__path__"}
)
_IMPORT_SET |= {"__builtins__"}
# What a namespace may refer to by name (never rebuilt by calling anything else).
_DATA_MODULES = frozenset(
    {
        "skyfn", "skyfn.definition", "skyfn.function_refs", "skyfn.permissions",
        "skyfn.schedules", "skyfn.urls", "skyfn.errors", "pathlib", "collections",
        "__future__", "decimal", "fractions", "datetime", "enum", "uuid", "ipaddress",
    }
)  # fmt: skip
_DATA_BUILTINS = frozenset(
    {"set", "frozenset", "list", "dict", "tuple", "bytearray", "complex", "range", "slice"}
)
_NO_IMPORT = frozenset({"antigravity", "this", "turtle", "tkinter", "idlelib", "webbrowser"})


def env_digest(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def _cache_key(backend_dir: Path) -> tuple[object, ...]:
    return (_FORMAT, __version__, sys.version, str(backend_dir.resolve()), tuple(sys.path))


# --- namespaces ------------------------------------------------------------------------


def _allowed_ref(module: str, obj: object) -> bool:
    if module == "builtins":
        return getattr(obj, "__name__", "") in _DATA_BUILTINS
    if isinstance(obj, type):
        return module in _DATA_MODULES or module.startswith("skyfn.")
    return module == "skyfn" or module.startswith("skyfn.")  # skyfn's API functions


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, project: Mapping[str, object]) -> None:
        super().__init__(file, protocol=5)
        self._project = project

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, ModuleType):
            name = obj.__name__
            if name in self._project or (name.split(".")[0] in sys.stdlib_module_names):
                return ("module", name)
            if name == "skyfn" or name.startswith("skyfn."):
                return ("module", name)
            raise pickle.PicklingError(f"module {name} is not kept by reference")
        if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__qualname__")):
            module = getattr(obj, "__module__", None) or ""
            qualname = getattr(obj, "__qualname__", "")
            if _allowed_ref(module, obj) and _lookup(module, qualname) is obj:
                return ("ref", module, qualname)
            raise pickle.PicklingError(f"{module}.{qualname} cannot be rebuilt without running")
        return None


def _lookup(module: str, qualname: str) -> object:
    target: object = sys.modules.get(module)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return target


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, project: Mapping[str, object]) -> None:
        super().__init__(io.BytesIO(data))
        self._project = project

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not a definition type")

    def persistent_load(self, pid: Any) -> Any:
        if pid[0] == "module":
            name = str(pid[1])
            top = name.split(".")[0]
            if name in self._project or (
                (top in sys.stdlib_module_names or top == "skyfn") and top not in _NO_IMPORT
            ):
                return importlib.import_module(name)
        elif pid[0] == "ref":
            module, qualname = str(pid[1]), str(pid[2])
            if module in _DATA_MODULES or module.startswith("skyfn.") or module == "builtins":
                importlib.import_module(module)
                obj = _lookup(module, qualname)
                if obj is not None and _allowed_ref(module, obj):
                    return obj
        raise pickle.UnpicklingError(f"cannot rebuild {pid!r}")


def dump_namespace(namespace: Mapping[str, object], project: Mapping[str, object]) -> bytes:
    kept = {k: v for k, v in namespace.items() if k not in _IMPORT_SET}
    buffer = io.BytesIO()
    _Pickler(buffer, project).dump(kept)
    return buffer.getvalue()


def load_namespace(data: bytes, project: Mapping[str, object]) -> dict[str, object]:
    loaded = _Unpickler(data, project).load()
    if not isinstance(loaded, dict):
        raise pickle.UnpicklingError("not a namespace")
    return loaded


# --- the import hook -------------------------------------------------------------------


class _Loader:
    """Runs a project module under the tracker, or restores it from its record."""

    def __init__(self, cache: DefinitionCache, original: Any, spec: ModuleSpec) -> None:
        self._cache, self._original, self._name = cache, original, spec.name
        self._origin = str(spec.origin)
        search = spec.submodule_search_locations
        self._search = tuple(str(p) for p in search) if search is not None else None

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        if self._cache.restore(self._name, self._origin, module.__dict__):
            return
        code = self._original.get_code(self._name)
        tracker = self._cache.tracker
        with tracker.running(self._name, self._origin, self._search) as record:
            exec(code, module.__dict__)
        if record.untrackable is None:  # as it ran: compared with the end of the load
            record.namespace = _try_dump(module.__dict__, tracker.records)
            if record.namespace is None:
                record.untrackable = "its namespace cannot be rebuilt without running it"


class _Finder:
    def __init__(self, cache: DefinitionCache) -> None:
        self._cache = cache

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        spec = PathFinder.find_spec(name, path, target)
        if spec is None:
            return None
        tracker = self._cache.tracker
        if spec.origin and spec.origin.startswith(tracker.root) and spec.has_location:
            spec.loader = _Loader(self._cache, spec.loader, spec)  # type: ignore[assignment]
        elif spec.origin is None and spec.submodule_search_locations is not None:
            search = tuple(str(p) for p in spec.submodule_search_locations)
            if any(p.startswith(tracker.root) for p in search):
                tracker.records[name] = ModuleRecord(name, None, None, search)
        return spec


# --- the cache -------------------------------------------------------------------------


class DefinitionCache:
    """One backend load's view of the cache: what the last load recorded (``previous``)
    and what this one records (``tracker.records``)."""

    def __init__(self, skyfn_dir: Path, backend_dir: Path) -> None:
        self.file = skyfn_dir / CACHE_FILE
        self.backend_dir = backend_dir
        self.tracker = Tracker(backend_dir)
        self.key = _cache_key(backend_dir)  # sys.path as the load finds it, before backend/
        self.previous: dict[str, ModuleRecord] = {}
        self._listings: dict[str, str] = {}
        self._valid: dict[str, bool] = {}
        self._restored: dict[str, bytes] = {}  # name → its namespace re-dumped after restore
        self.enabled = os.environ.get("SKYFN_NO_DEFINITION_CACHE", "") in ("", "0")
        if self.enabled:
            self._read()

    def _read(self) -> None:
        try:
            with open(self.file, "rb") as handle:
                data = handle.read()
            stored = _Unpickler(data, {}).load()
            if stored["key"] != self.key:
                return
            records = {name: ModuleRecord(**fields) for name, fields in stored["records"].items()}
            listings = dict(stored["listings"])
        except Exception:
            return
        self.previous, self._listings = records, listings

    # --- validity

    def holds(self, name: str) -> bool:
        """Whether ``name``'s last record still describes what running it would give."""
        known = self._valid.get(name)
        if known is not None:
            return known
        self._valid[name] = True  # an import cycle: decided by the others
        record = self.previous.get(name)
        ok = record is not None and self._record_holds(record)
        self._valid[name] = ok
        return ok

    def _record_holds(self, record: ModuleRecord) -> bool:
        if record.origin is None:  # a namespace package: nothing ran
            return all(self.holds(dep) for dep in record.deps)
        return (
            record.untrackable is None
            and record.namespace is not None
            and file_digest(record.origin) == record.digest
            and all(env_digest(os.environ.get(k)) == v for k, v in record.env.items())
            and all(self.holds(dep) for dep in record.deps)
        )

    def restore(self, name: str, origin: str, namespace: dict[str, Any]) -> bool:
        record = self.previous.get(name)
        if not self.enabled or record is None or record.origin != origin or not self.holds(name):
            return False
        assert record.namespace is not None
        try:
            namespace.update(load_namespace(record.namespace, self.previous))
        except Exception:
            return False
        self.tracker.records[name] = record
        self._restored[name] = dump_namespace(namespace, self.previous)
        return True

    def whole(self) -> Mapping[str, object] | None:
        """``backend.py``'s namespace, when every module of the last load still holds and
        every import would find the same files; else None."""
        if not self.enabled or BACKEND_MODULE not in self.previous:
            return None
        if not all(self.holds(name) for name in self.previous):
            return None
        if _listings(self._listings) != self._listings:
            return None
        for name, record in self.previous.items():
            top_level = "." not in name and name != BACKEND_MODULE
            if top_level and not _same_spec(record, [str(self.backend_dir), *sys.path]):
                return None
        backend = self.previous[BACKEND_MODULE]
        assert backend.namespace is not None
        try:
            return load_namespace(backend.namespace, self.previous)
        except Exception:
            return None

    # --- recording

    @contextmanager
    def loading(self) -> Iterator[Tracker]:
        """Track (and restore from the cache) the project modules imported in the block."""
        finder = _Finder(self)
        index = sys.meta_path.index(PathFinder) if PathFinder in sys.meta_path else 0
        sys.meta_path.insert(index, finder)
        try:
            with self.tracker.watching():
                yield self.tracker
        finally:
            sys.meta_path.remove(finder)

    def keep(self, backend_namespace: Mapping[str, object]) -> None:
        """After a load: decide what can be kept, and write the cache (best effort)."""
        if not self.enabled:
            return
        records = self.tracker.records
        if BACKEND_MODULE in records:
            records[BACKEND_MODULE].namespace = _try_dump(
                {"backend": backend_namespace.get("backend")}, records
            )
        self._mark_changed(records)
        _spread_untrackable(records)
        if records.get(BACKEND_MODULE) and all(r.untrackable is None for r in records.values()):
            listings = _listings(_search_dirs(records, self.backend_dir))
        else:
            listings = {}
        self._write(records, listings)

    def _mark_changed(self, records: dict[str, ModuleRecord]) -> None:
        """A module whose namespace changed after it ran (another module changed it)."""
        for name, record in records.items():
            module = sys.modules.get(name)
            if record.namespace is None or module is None:
                continue
            before = self._restored.get(name, record.namespace)
            if _try_dump(module.__dict__, records) != before:
                record.untrackable = "its namespace changed after it ran"
                for other in records.values():
                    if name in other.deps and other.untrackable is None:
                        other.untrackable = f"it changes {name}"

    def _write(self, records: Mapping[str, ModuleRecord], listings: Mapping[str, str]) -> None:
        stored = {
            "key": self.key,
            "records": {name: _fields(record) for name, record in records.items()},
            "listings": dict(listings),
        }
        with suppress(OSError, pickle.PicklingError):
            buffer = io.BytesIO()
            _Pickler(buffer, {}).dump(stored)
            if self.file.parent.parent.is_dir():
                _write_private(self.file, buffer.getvalue())
            else:  # no .skyfn/ yet: a failing first synth leaves nothing behind; one that
                _PENDING[self.file] = buffer.getvalue()  # writes outputs writes it then


# A first load's cache, written once the synth made .skyfn/ (``write_pending``).
_PENDING: dict[Path, bytes] = {}


def write_pending(skyfn_dir: Path) -> None:
    """After a synth wrote its outputs: the cache of a load that found no ``.skyfn/``."""
    data = _PENDING.pop(skyfn_dir / CACHE_FILE, None)
    if data is not None and skyfn_dir.is_dir():
        with suppress(OSError):
            _write_private(skyfn_dir / CACHE_FILE, data)


def _fields(record: ModuleRecord) -> dict[str, object]:
    return {
        "name": record.name,
        "origin": record.origin,
        "digest": record.digest,
        "search": record.search,
        "env": {key: env_digest(value) for key, value in record.env.items()},
        "deps": set(record.deps),
        "untrackable": record.untrackable,
        "namespace": record.namespace,
    }


def _try_dump(namespace: Mapping[str, object], project: Mapping[str, object]) -> bytes | None:
    try:
        return dump_namespace(namespace, project)
    except Exception:
        return None


def _spread_untrackable(records: Mapping[str, ModuleRecord]) -> None:
    """A module that imports an untrackable one (directly or not) is untrackable too."""
    changed = True
    while changed:
        changed = False
        for record in records.values():
            if record.untrackable is None:
                bad = next((d for d in record.deps if records.get(d, record).untrackable), None)
                if bad is not None:
                    record.untrackable = f"it imports {bad}, which is not cached"
                    changed = True


def _search_dirs(records: Mapping[str, ModuleRecord], backend_dir: Path) -> set[str]:
    dirs = {str(backend_dir.resolve())}
    for record in records.values():
        if record.origin is not None:
            dirs.add(os.path.dirname(record.origin))
        dirs.update(record.search or ())
    return dirs


def _listings(dirs: Mapping[str, str] | set[str]) -> dict[str, str]:
    """Each folder's sorted names, hashed: a file added beside a module may shadow it."""
    found: dict[str, str] = {}
    for folder in dirs:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            names = ["\0missing"]
        found[folder] = hashlib.sha256("\0".join(names).encode("utf-8", "replace")).hexdigest()
    return found


def _same_spec(record: ModuleRecord, path: list[str]) -> bool:
    """Whether a top-level name is found where it was (sys.path as the load sees it)."""
    spec = PathFinder.find_spec(record.name, path)
    if spec is None:
        return False
    search = spec.submodule_search_locations
    found = tuple(str(p) for p in search) if search is not None else None
    origin = spec.origin if spec.has_location else None
    return origin == record.origin and found == record.search


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp: 0600 already
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
