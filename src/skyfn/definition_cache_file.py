"""The definition cache on disk: ``.skyfn/cache/definitions.pickle``, private (folder
0700, file 0600), replaced atomically, keyed by what would make its records wrong.

It holds the definitions' namespaces, so it is as private as the project's outputs; a
file that is missing, truncated, written under another key or holding anything but what
``skyfn.definition_pickle`` rebuilds is ignored (and rebuilt by the next load). A load
that finds no ``.skyfn/`` yet keeps its cache in memory until the synth wrote its outputs
(``write_pending``), so a first synth that fails leaves nothing behind.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from skyfn import __version__
from skyfn.definition_pickle import dumps, loads
from skyfn.private_files import private_folder, write_private

CACHE_FILE = Path("cache") / "definitions.pickle"  # under .skyfn/
_FORMAT = 1

# A first load's cache, written once the synth made .skyfn/ (``write_pending``).
_PENDING: dict[Path, bytes] = {}


def cache_key(backend_dir: Path) -> tuple[object, ...]:
    """skyfn's and Python's versions, the backend folder and ``sys.path``: a record made
    under another of these may not say what a load would do now."""
    return (_FORMAT, __version__, sys.version, str(backend_dir.resolve()), tuple(sys.path))


def read(file: Path, key: tuple[object, ...]) -> Mapping[str, Any] | None:
    """The stored cache when it is readable and made under ``key``; else None."""
    try:
        with open(file, "rb") as handle:
            data = handle.read()
        stored = loads(data, {})
    except Exception:
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored


def write(file: Path, stored: Mapping[str, object]) -> None:
    """Write the cache (best effort): now when ``.skyfn/`` exists, else once the synth
    made it (``write_pending``)."""
    with suppress(OSError, pickle.PicklingError):
        data = dumps(stored, {})
        if file.parent.parent.is_dir():
            private_folder(file.parent)
            write_private(file, data)
        else:  # no .skyfn/ yet: a failing first synth leaves nothing behind; one that
            _PENDING[file] = data  # writes outputs writes it then


def write_pending(skyfn_dir: Path) -> None:
    """After a synth wrote its outputs: the cache of a load that found no ``.skyfn/``."""
    data = _PENDING.pop(skyfn_dir / CACHE_FILE, None)
    if data is not None and skyfn_dir.is_dir():
        with suppress(OSError):
            private_folder(skyfn_dir / CACHE_FILE.parent)
            write_private(skyfn_dir / CACHE_FILE, data)
