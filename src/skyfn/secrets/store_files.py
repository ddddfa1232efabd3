"""Whether the local store's folder and files are safe to use: the folder the user's own and
writable by no one else, each file a regular file of the user's, private, never a symbolic
link. Whoever could write there could plant or swap ``secrets.db`` or ``master.key``, so the
store refuses to open anything that fails these checks (``local_reader`` calls them before
every read, ``local`` before every write). Standard library only, like the reader.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from skyfn.private_files import make_private_folders
from skyfn.runtime.errors import SecretStoreError

HOME_VAR = "SKYFN_HOME"


def _shown(path: Path) -> str:
    return shlex.quote(str(path))


def check_home(folder: Path) -> None:
    """Refuse a store folder another user owns or may write to: whoever can write to it can
    plant ``secrets.db`` or ``master.key`` (or links) there. A missing folder passes (it is
    created 0700)."""
    try:
        info = folder.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise SecretStoreError(f"cannot use the secret store folder {folder}: {exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise SecretStoreError(
            f"the secret store folder {folder} ({HOME_VAR}) is not a folder; "
            f"set {HOME_VAR} to a folder of your own"
        )
    if info.st_uid != os.geteuid():
        raise SecretStoreError(
            f"the secret store folder {folder} ({HOME_VAR}) belongs to another user (uid "
            f"{info.st_uid}), who could read or replace your secrets; make it yours with: "
            f"sudo chown -R {os.geteuid()} {_shown(folder)} (or set {HOME_VAR} to a folder "
            "of your own)"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise SecretStoreError(
            f"the secret store folder {folder} ({HOME_VAR}) is writable by other users (mode "
            f"{mode:o}), who could plant files or links in it; protect it with: "
            f"chmod 700 {_shown(folder)}"
        )


def make_home(folder: Path) -> None:
    """Create the store folder and any missing parent 0700 (``mkdir -p`` would give the
    parents the umask's mode, 0777 under ``umask 0``), then check it."""
    make_private_folders(folder, _not_made)
    check_home(folder)


def _not_made(path: Path, exc: OSError) -> SecretStoreError:
    return SecretStoreError(f"cannot create {path}: {exc}")


def check_file(path: Path, info: os.stat_result, what: str, one_name: bool = False) -> None:
    """A store file must be a regular file of the user's, private (and, with ``one_name``,
    no other file's: the key briefly has two names while it is created)."""
    if stat.S_ISLNK(info.st_mode):
        raise SecretStoreError(
            f"{what} {path} is a symbolic link; skyfn never follows one there. Remove it "
            f"(rm {_shown(path)}) and restore the real file, or set {HOME_VAR} elsewhere"
        )
    if not stat.S_ISREG(info.st_mode):
        raise SecretStoreError(f"{what} {path} is not a regular file; remove it")
    if info.st_uid != os.geteuid():
        raise SecretStoreError(
            f"{what} {path} belongs to another user (uid {info.st_uid}); skyfn uses only "
            f"your own files there: remove it (rm {_shown(path)}) or restore yours"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise SecretStoreError(
            f"{what} {path} is accessible by other users (mode {mode:o}); protect it with: "
            f"chmod 600 {_shown(path)}"
        )
    if one_name and info.st_nlink != 1:
        raise SecretStoreError(
            f"{what} {path} has {info.st_nlink} names (hard links), so another file shares "
            f"it; remove the other names, or move it away (mv {_shown(path)} ...) and set "
            "your secrets again"
        )
