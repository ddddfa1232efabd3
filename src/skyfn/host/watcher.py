"""Watch ``backend/`` (code and definitions), the project root's ``.env`` files (plain values)
and the local store's files (secret values)."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

from skyfn.dotenv_files import is_env_file
from skyfn.secrets.local_reader import DB_NAME

STORE_FILES = (DB_NAME, f"{DB_NAME}-wal")  # what `skyfn secret set/remove` writes

_code_filter = DefaultFilter()


def forget_bytecode(paths: set[Path]) -> None:
    """Python trusts cached bytecode whose source has the same size and mtime (in whole
    seconds), so an edit within a second that keeps the size would run the old code."""
    for path in paths:
        if path.suffix == ".py":
            Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


class Watcher:
    """Calls ``on_code(paths)`` when files under ``backend`` or the ``.env`` files in ``root``
    change and ``on_secrets()`` when the store's files do; never two callbacks at once."""

    def __init__(
        self,
        backend: Path,
        store_dir: Path | None,
        on_code: Callable[[set[Path]], None],
        on_secrets: Callable[[], None],
        root: Path | None = None,
    ) -> None:
        self._backend = backend.resolve()
        self._store = store_dir.resolve() if store_dir is not None else None
        self._root = root.resolve() if root is not None else None
        self._on_code = on_code
        self._on_secrets = on_secrets
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True, name="skyfn-watch")
        self._root_thread = threading.Thread(
            target=self._run_root, daemon=True, name="skyfn-watch-env"
        )

    def _is_store_file(self, path: Path) -> bool:
        return self._store is not None and path.parent == self._store and path.name in STORE_FILES

    def _wanted(self, change: Change, raw: str) -> bool:
        path = Path(raw)
        if self._is_store_file(path):
            return True
        return path.is_relative_to(self._backend) and _code_filter(change, raw)

    def _run(self) -> None:
        paths = [self._backend] + ([self._store] if self._store is not None else [])
        # A short debounce: a secret set in another terminal must reach the next call in 2 s.
        for changes in watch(
            *paths,
            watch_filter=self._wanted,
            debounce=200,
            step=50,
            stop_event=self._stop,
            rust_timeout=500,
            raise_interrupt=False,
        ):
            changed = {Path(raw) for _, raw in changes}
            with self._lock:
                if any(self._is_store_file(p) for p in changed):
                    self._on_secrets()
                code = {p for p in changed if not self._is_store_file(p)}
                if code:
                    forget_bytecode(code)
                    self._on_code(code)

    def _is_env_file(self, change: Change, raw: str) -> bool:
        path = Path(raw)
        return path.parent == self._root and is_env_file(path.name)

    def _run_root(self) -> None:
        """The root alone, not below it (``.venv``, ``.skyfn`` and ``backend`` are elsewhere)."""
        assert self._root is not None
        for changes in watch(
            self._root,
            watch_filter=self._is_env_file,
            recursive=False,
            debounce=200,
            step=50,
            stop_event=self._stop,
            rust_timeout=500,
            raise_interrupt=False,
        ):
            with self._lock:
                self._on_code({Path(raw) for _, raw in changes})

    def start(self) -> None:
        self._thread.start()
        if self._root is not None:
            self._root_thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        if self._root_thread.is_alive():
            self._root_thread.join(5)
