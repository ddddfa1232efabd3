"""What a definition module's namespace may be saved as, and what it may be rebuilt from
(the definition cache, ``skyfn.definition_cache``).

A namespace is kept only when it can be rebuilt without running anything: skyfn's
definition types, plain containers and paths, and skyfn's API functions, project and
standard-library modules by reference. Pickling anything else fails, so the module is run
again next time; unpickling rebuilds only those names (``find_class`` refuses every
other), so a cache file someone else wrote cannot run code.
"""

from __future__ import annotations

import importlib
import io
import pickle
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

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


def dumps(value: object, project: Mapping[str, object]) -> bytes:
    """``value`` pickled under the rules above (``project``: the project's module names)."""
    buffer = io.BytesIO()
    _Pickler(buffer, project).dump(value)
    return buffer.getvalue()


def loads(data: bytes, project: Mapping[str, object]) -> Any:
    """What ``dumps`` wrote, rebuilt only from what the rules allow."""
    return _Unpickler(data, project).load()


def dump_namespace(namespace: Mapping[str, object], project: Mapping[str, object]) -> bytes:
    return dumps({k: v for k, v in namespace.items() if k not in _IMPORT_SET}, project)


def load_namespace(data: bytes, project: Mapping[str, object]) -> dict[str, object]:
    loaded = loads(data, project)
    if not isinstance(loaded, dict):
        raise pickle.UnpicklingError("not a namespace")
    return loaded


def try_dump(namespace: Mapping[str, object], project: Mapping[str, object]) -> bytes | None:
    """The namespace pickled, or None when it cannot be rebuilt without running it."""
    try:
        return dump_namespace(namespace, project)
    except Exception:
        return None
