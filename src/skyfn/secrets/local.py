"""The embedded secret store: one SQLite file under ``$SKYFN_HOME``, values sealed with AES-GCM.

The row format and decryption live in ``skyfn.secrets.local_reader`` (shared with the cold
start); this module adds what only management needs: creating the key and the database with
private modes, and writes that never lose a version when several processes set at once.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skyfn.errors import SkyfnError
from skyfn.runtime.contract import pinned_path
from skyfn.runtime.errors import SecretStoreError
from skyfn.runtime.stores import StoreName
from skyfn.secrets import local_reader as fmt
from skyfn.secrets import store_files
from skyfn.secrets.store import SecretInfo, SecretValue


@contextmanager
def _store_errors() -> Iterator[None]:
    """Runtime errors become user errors; SQLite's own errors name the file."""
    try:
        yield
    except SecretStoreError as exc:
        raise SkyfnError(str(exc)) from None


class LocalStore:
    name: StoreName = "local"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else fmt.home()
        self.db = self.folder / fmt.DB_NAME

    # -- the protocol -------------------------------------------------------------------

    def read_many(self, paths: Sequence[str]) -> dict[str, SecretValue]:
        with _store_errors():
            rows = fmt.LocalReader(self.folder).read_rows(paths)
        return {
            row.path: SecretValue(row.path, value, row.version, _when(row)) for row, value in rows
        }

    def read_version(self, path: str, version: int) -> SecretValue | None:
        with _store_errors():
            found = fmt.LocalReader(self.folder).read_keyed([pinned_path(path, version)])
        for row, value in found.values():
            return SecretValue(row.path, value, row.version, _when(row))
        return None

    def write(self, path: str, value: str) -> SecretInfo:
        with _store_errors():
            self._ensure_db()
            with self._connect() as conn, self._transaction(conn):
                key = self._key(conn)
                opener = fmt.Opener(key, conn, self.folder)
                self._check_key(conn, key)
                (latest,) = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM secrets WHERE path = ?", (path,)
                ).fetchone()
                version = int(latest) + 1
                nonce, sealed = opener.seal(path, version, value)
                now = time.time()
                conn.execute(
                    "INSERT INTO secrets (path, version, nonce, ciphertext, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (path, version, nonce, sealed, now),
                )
        return SecretInfo(path, version, datetime.fromtimestamp(now, UTC))

    def list(self, folder: str, *, recursive: bool = False) -> list[SecretInfo]:
        with _store_errors():
            if not fmt.db_exists(self.folder):
                return []
        with _store_errors(), self._connect() as conn:
            rows = self._query(
                conn,
                "SELECT path, MAX(version), MAX(updated_at) FROM secrets "
                "WHERE substr(path, 1, ?) = ? GROUP BY path ORDER BY path",
                (len(folder), folder),
            )
        return [
            SecretInfo(str(p), int(v), datetime.fromtimestamp(t, UTC))
            for p, v, t in rows
            if recursive or "/" not in str(p)[len(folder) :]
        ]

    def delete(self, path: str) -> bool:
        with _store_errors():
            if not fmt.db_exists(self.folder):
                return False
        with _store_errors(), self._connect() as conn, self._transaction(conn):
            deleted = conn.execute("DELETE FROM secrets WHERE path = ?", (path,)).rowcount
        return deleted > 0

    # -- files, key and transactions ----------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = fmt.connect(self.db)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` takes the write lock up front, so two writers never compute
        the same next version; the busy timeout makes the others wait their turn."""
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise fmt.store_error(self.db, "lock", exc) from None
        try:
            yield
        except BaseException as exc:
            with suppress(sqlite3.Error):  # a damaged file may refuse the rollback too
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise fmt.store_error(self.db, "write", exc) from None
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise fmt.store_error(self.db, "write", exc) from None

    def _query(
        self, conn: sqlite3.Connection, sql: str, params: Sequence[object]
    ) -> Sequence[tuple[Any, ...]]:
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            if fmt.no_schema(exc):
                return []
            raise fmt.store_error(self.db, "read", exc) from None

    def _make_folder(self) -> None:
        store_files.make_home(self.folder)

    def _ensure_db(self) -> None:
        """Create the file 0600 before SQLite does (its WAL files inherit the mode), then
        the schema and WAL mode; safe when several processes do it at once."""
        self._make_folder()
        try:  # never through a link planted at its name (nor onto a file someone else made)
            fd = os.open(self.db, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
        except OSError as exc:
            fmt.db_exists(self.folder)  # a link there: named as such
            raise SecretStoreError(f"cannot create the secret store {self.db}: {exc}") from None
        os.close(fd)
        fmt.db_exists(self.folder)
        with self._connect() as conn:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.Error as exc:
                raise fmt.store_error(self.db, "set up", exc) from None
            with self._transaction(conn):
                _create_schema(conn)

    def _key(self, conn: sqlite3.Connection) -> bytes:
        """The key, created on first use: only for a store that holds nothing yet. A store
        with secrets and no key is refused before anything is written (a new key would only
        stand in the way of restoring the right one)."""
        key = fmt.load_key(self.folder)
        if key is not None:
            return key
        if fmt.stored_fingerprint(conn) is not None or self._holds_rows(conn):
            raise SecretStoreError(
                f"no master key: {fmt.key_file(self.folder)} does not exist and "
                f"{fmt.KEY_VAR} is not set, but {self.db} holds secrets sealed with a key; "
                "nothing was written. Restore the key file (or set "
                f"{fmt.KEY_VAR}), or move {self.db} away to start an empty store"
            )
        return self._create_key(fmt.key_file(self.folder))

    def _holds_rows(self, conn: sqlite3.Connection) -> bool:
        return bool(self._query(conn, "SELECT 1 FROM secrets LIMIT 1", ()))

    def _create_key(self, path: Path) -> bytes:
        """Write a new random key with mode 0600; when another process wins the race to
        create it, use theirs (``link`` never replaces an existing file)."""
        self._make_folder()
        text = base64.b64encode(os.urandom(fmt.KEY_BYTES)).decode("ascii") + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".master.key.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(text)
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError as exc:
            raise SecretStoreError(f"cannot create master key file {path}: {exc}") from None
        finally:
            Path(tmp).unlink(missing_ok=True)
        return fmt.read_key_file(path)

    def _check_key(self, conn: sqlite3.Connection, key: bytes) -> None:
        """Refuse to mix keys in one database: a write under a wrong key would make every
        later read ambiguous."""
        fingerprint = fmt.key_fingerprint(key)
        stored = fmt.stored_fingerprint(conn)
        if stored is None:
            conn.execute("INSERT INTO meta (name, value) VALUES ('key_check', ?)", (fingerprint,))
        elif stored != fingerprint:
            raise SecretStoreError(
                f"the master key from {fmt.key_source(self.folder)} is not the key that "
                f"encrypted {self.db}; use the right key (or set {fmt.KEY_VAR} to it)"
            )


def _create_schema(conn: sqlite3.Connection) -> None:
    # executescript would COMMIT the open transaction; run the statements one by one.
    for statement in fmt.SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _when(row: fmt.Row) -> datetime:
    return datetime.fromtimestamp(row.updated_at, UTC)


class CommitWatch:
    """Tells whether any process committed to the store since the last look (SQLite's
    ``PRAGMA data_version``), without reading a value.

    Its open connection also keeps the store's WAL in place: otherwise every reader that
    closes last (each cold start) checkpoints and deletes ``secrets.db-wal``, and a watcher
    of the files would take that for a change of secrets.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.db = (folder if folder is not None else fmt.home()) / fmt.DB_NAME
        self._conn: sqlite3.Connection | None = None
        self._seen = -1
        self.changed()

    def changed(self) -> bool:
        try:
            if self._conn is None:
                if not fmt.db_exists(self.db.parent):
                    return False
                self._conn = sqlite3.connect(fmt.uri(self.db), check_same_thread=False, uri=True)
                self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        except (sqlite3.Error, SecretStoreError):
            return True  # unreadable now: let the next cold start report what is wrong
        if version == self._seen:
            return False
        self._seen = version
        return True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
