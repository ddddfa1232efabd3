"""The embedded secret store's file format, and its reader (what a local host reads a
worker's secrets with, ``skyfn.host.secret_resolver``; a worker never opens the store).

Standard library only, plus ``cryptography`` imported lazily when there is a row to open.
This module is the one place that knows the format; ``skyfn.secrets.local`` (the management
store) builds on it. It never ships in a bundle: a deployed function reads SSM.

Layout: ``$SKYFN_HOME`` (default ``~/.local/share/skyfn``) holds ``secrets.db`` (SQLite, WAL)
and ``master.key`` (base64 of 32 random bytes, mode 0600); ``SKYFN_MASTER_KEY`` may supply
the key instead. The folder must be the user's own and writable by no one else (or anyone
could plant or swap the files); both files are opened without following a symbolic link and
must be regular files of the user's, mode 0600 (``store_files`` checks both). Each row is
one version of one path, sealed with AES-256-GCM; the path and version are the associated
data, so a row edited or moved to another path fails to open.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from skyfn.runtime.errors import SecretStoreError
from skyfn.secrets.store_files import HOME_VAR, check_file, check_home

KEY_VAR = "SKYFN_MASTER_KEY"
DB_NAME = "secrets.db"
KEY_NAME = "master.key"
KEY_BYTES = 32
NONCE_BYTES = 12
BUSY_TIMEOUT_SECONDS = 60.0
FORMAT_TAG = b"skyfn-local-v1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS secrets (
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (path, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# The newest version of each requested path, in one query.
_NEWEST = """
SELECT s.path, s.version, s.nonce, s.ciphertext, s.updated_at FROM secrets AS s
WHERE s.path IN ({marks})
  AND s.version = (SELECT MAX(v.version) FROM secrets AS v WHERE v.path = s.path)
"""


class Row(NamedTuple):  # not a dataclass: ``dataclasses`` costs ~12 ms at cold start
    path: str
    version: int
    nonce: bytes
    ciphertext: bytes
    updated_at: float


def db_exists(folder: Path) -> bool:
    """Whether the store's database exists (a link or a foreign file there is refused)."""
    check_home(folder)
    db = folder / DB_NAME
    try:
        info = os.lstat(db)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise SecretStoreError(f"cannot read the secret store {db}: {exc}") from None
    check_file(db, info, "the secret store", one_name=True)
    return True


def home() -> Path:
    configured = os.environ.get(HOME_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "skyfn"


def associated_data(path: str, version: int) -> bytes:
    return b"\x00".join((FORMAT_TAG, path.encode("utf-8"), str(version).encode()))


def store_error(db: Path, action: str, exc: sqlite3.Error) -> SecretStoreError:
    """SQLite's error, naming the file; a damaged file also says how to recover."""
    if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return SecretStoreError(
            f"the secret store {db} is damaged ({exc}): the file was truncated or "
            "overwritten. Restore it from a backup, or move it away and set your secrets "
            "again with: skyfn secret set NAME"
        )
    return SecretStoreError(f"cannot {action} the secret store {db}: {exc}")


def no_schema(exc: sqlite3.Error) -> bool:
    """A file created but not yet given its tables (another process is setting it up)."""
    return isinstance(exc, sqlite3.OperationalError) and str(exc).startswith("no such table")


def uri(db: Path) -> str:
    """The database's URI; ``nofollow``: SQLite refuses it if it is a symbolic link."""
    return f"file:{urllib.parse.quote(str(db.absolute()))}?nofollow=1"


def connect(db: Path) -> sqlite3.Connection:
    """A connection in autocommit mode: callers open ``BEGIN IMMEDIATE`` themselves. Only
    to a database ``db_exists`` has checked."""
    try:
        conn = sqlite3.connect(
            uri(db), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, uri=True
        )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    except sqlite3.Error as exc:
        raise store_error(db, "open", exc) from None
    return conn


# One version of one path ("path:N", a pinned secret).
_VERSION = """
SELECT path, version, nonce, ciphertext, updated_at FROM secrets WHERE path = ? AND version = ?
"""


def newest_rows(conn: sqlite3.Connection, db: Path, paths: Sequence[str]) -> list[Row]:
    if not paths:
        return []
    marks = ",".join("?" * len(paths))
    try:
        rows = conn.execute(_NEWEST.format(marks=marks), list(paths)).fetchall()
    except sqlite3.Error as exc:
        if no_schema(exc):
            return []
        raise store_error(db, "read", exc) from None
    return [Row(str(p), int(v), bytes(n), bytes(c), float(t)) for p, v, n, c, t in rows]


def split_pinned(path: str) -> tuple[str, int] | None:
    """``("path", N)`` for a pinned ``path:N``; ``None`` for a plain path."""
    base, colon, version = path.rpartition(":")
    return (base, int(version)) if colon and version.isdigit() else None


def version_row(conn: sqlite3.Connection, db: Path, path: str, version: int) -> Row | None:
    try:
        row = conn.execute(_VERSION, (path, version)).fetchone()
    except sqlite3.Error as exc:
        if no_schema(exc):
            return None
        raise store_error(db, "read", exc) from None
    if row is None:
        return None
    p, v, n, c, t = row
    return Row(str(p), int(v), bytes(n), bytes(c), float(t))


def key_fingerprint(key: bytes) -> str:
    """Stored in ``meta`` so a wrong key is told apart from a damaged row. Reveals nothing."""
    import hashlib
    import hmac

    return hmac.new(key, b"skyfn master key check", hashlib.sha256).hexdigest()


def decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise SecretStoreError(
            f"{source} is not a valid master key: it must be the base64 of {KEY_BYTES} bytes "
            "(e.g. the output of: head -c 32 /dev/urandom | base64)"
        )
    return key


def key_file(folder: Path) -> Path:
    return folder / KEY_NAME


def read_key_file(path: Path) -> bytes:
    """The key in ``path``, opened without following a link; refused unless it is a
    regular file of the user's that no one else may read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if os.path.islink(path):
            check_file(path, os.lstat(path), "master key file")
        raise SecretStoreError(f"cannot read master key file {path}: {exc}") from None
    try:
        check_file(path, os.fstat(fd), "master key file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            text = handle.read(4096).decode("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretStoreError(f"cannot read master key file {path}: {exc}") from None
    finally:
        os.close(fd)
    return decode_key(text, f"master key file {path}")


def load_key(folder: Path) -> bytes | None:
    """``SKYFN_MASTER_KEY`` if set, else the key file; ``None`` when neither exists."""
    from_env = os.environ.get(KEY_VAR)
    if from_env:
        return decode_key(from_env, KEY_VAR)
    path = key_file(folder)
    if not os.path.lexists(path):  # a dangling link is not "no key": read_key_file refuses it
        return None
    return read_key_file(path)


def require_key(folder: Path) -> bytes:
    key = load_key(folder)
    if key is None:
        raise SecretStoreError(
            f"no master key: {key_file(folder)} does not exist and {KEY_VAR} is not set, so "
            f"the secrets in {folder / DB_NAME} cannot be decrypted; restore the key file"
        )
    return key


def key_source(folder: Path) -> str:
    return KEY_VAR if os.environ.get(KEY_VAR) else f"the key file {key_file(folder)}"


def stored_fingerprint(conn: sqlite3.Connection) -> str | None:
    try:
        found = conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
    except sqlite3.Error:
        return None
    return str(found[0]) if found else None


class Opener:
    """Opens rows with one key; tells a wrong key apart from an edited or moved row."""

    def __init__(self, key: bytes, conn: sqlite3.Connection, folder: Path) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # lazy: +25 ms

        self._aead = AESGCM(key)
        self._key = key
        self._conn = conn
        self._folder = folder

    def seal(self, path: str, version: int, value: str) -> tuple[bytes, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        data = self._aead.encrypt(nonce, value.encode("utf-8"), associated_data(path, version))
        return nonce, data

    def open(self, row: Row) -> str:
        from cryptography.exceptions import InvalidTag

        try:
            plain = self._aead.decrypt(
                row.nonce, row.ciphertext, associated_data(row.path, row.version)
            )
            return plain.decode("utf-8")
        except (InvalidTag, ValueError, UnicodeDecodeError):
            pass
        name = row.path.rsplit("/", 1)[-1]
        db = self._folder / DB_NAME
        stored = stored_fingerprint(self._conn)
        if stored is not None and stored != key_fingerprint(self._key):
            raise SecretStoreError(
                f"cannot decrypt secret {name} ({row.path}): the master key from "
                f"{key_source(self._folder)} is not the key that encrypted {db}; "
                f"use the right key (or set {KEY_VAR} to it)"
            )
        raise SecretStoreError(
            f"secret {name} ({row.path}, version {row.version}) in {db} fails its integrity "
            "check: the row was edited or moved from another path. Set it again with: "
            f"skyfn secret set {name}"
        )


class LocalReader:
    """What the cold start uses: ``read_many`` in one SQL query, decrypting only hits."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else home()
        self.db = self.folder / DB_NAME

    # The cold start may ask for every path (scoped and shared) in one round: one query.
    reads_all_paths = True

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        """Each path's newest value; a pinned ``path:N``'s version N (under ``path:N``)."""
        return {key: value for key, (_, value) in self.read_keyed(paths).items()}

    def read_rows(self, paths: Sequence[str]) -> list[tuple[Row, str]]:
        """The newest row of each path that exists, with its decrypted value."""
        return list(self.read_keyed(paths).values())

    def read_keyed(self, paths: Sequence[str]) -> dict[str, tuple[Row, str]]:
        if not db_exists(self.folder):  # nothing stored yet (and never create a db here)
            return {}
        conn = connect(self.db)
        try:
            plain = [p for p in paths if split_pinned(p) is None]
            rows = {row.path: row for row in newest_rows(conn, self.db, plain)}
            for path in paths:
                pin = split_pinned(path)
                row = version_row(conn, self.db, *pin) if pin is not None else None
                if row is not None:
                    rows[path] = row
            if not rows:
                return {}
            opener = Opener(require_key(self.folder), conn, self.folder)
            return {key: (row, opener.open(row)) for key, row in rows.items()}
        finally:
            conn.close()


def open_reader() -> LocalReader:
    return LocalReader()
