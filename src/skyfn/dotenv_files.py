"""Plain values from ``.env`` files at the project root, read before the backend is loaded.

For a scope, in order, each later file overriding the earlier ones: ``.env``, ``.env.local``,
``.env.<branch>`` (``.env.sandbox`` for a sandbox) and ``.env.<branch>.local``. A variable
already set in the process overrides them all. Values are taken literally (no ``${VAR}``
expansion). What a previous load set and nobody changed since is forgotten on the next load,
so an edited or deleted line takes effect when the sandbox reloads.

The values enter ``os.environ`` so that ``resource.py`` reads them, and they reach the
functions. They must not redirect skyfn itself: a ``.env`` file comes with the project, and
its ``AWS_ENDPOINT_URL`` would otherwise send ``secret set`` values or a deploy wherever it
points. So skyfn's own settings (``is_own``) are the process's, kept apart from what the
files added: ``own_environment`` sets those additions aside while skyfn makes its AWS
clients (``skyfn.aws``), and a file's key that skyfn would have used is named in a warning.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

from skyfn.errors import SkyfnError
from skyfn.model import Scope

# What skyfn's own clients read: AWS's and botocore's settings, Vault's (for later), and the
# proxy and CA variables botocore honours (a .env proxy plus CA bundle could read every call).
OWN_PREFIXES = ("AWS_", "BOTO_", "BOTOCORE_", "VAULT_", "BAO_")
OWN_NAMES = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE"})

_applied: dict[str, str] = {}  # what the last load put into os.environ
_lock = threading.RLock()  # os.environ changes: a load, or own_environment's block
_warned: set[str] = set()  # keys already named in a warning (once per process)


def is_own(key: str) -> bool:
    """Whether skyfn's own AWS clients would read ``key`` (any case for the proxies)."""
    return key.startswith(OWN_PREFIXES) or key.upper() in OWN_NAMES


def env_file_names(scope: Scope) -> tuple[str, ...]:
    segment = scope.name if scope.kind == "branch" else "sandbox"
    return (".env", ".env.local", f".env.{segment}", f".env.{segment}.local")


def is_env_file(name: str) -> bool:
    """Any name ``env_file_names`` can give, for any scope (what the sandbox watches)."""
    return name == ".env" or name.startswith(".env.")


def read_env_files(root: Path, scope: Scope) -> dict[str, str]:
    return {key: value for key, (value, _) in _read_with_files(root, scope).items()}


def _read_with_files(root: Path, scope: Scope) -> dict[str, tuple[str, str]]:
    """Key → (value, the name of the file that gives it)."""
    from dotenv import dotenv_values

    values: dict[str, tuple[str, str]] = {}
    for name in env_file_names(scope):
        path = root / name
        if not path.is_file():
            continue
        try:
            raw = dotenv_values(path, interpolate=False, encoding="utf-8")
        except UnicodeDecodeError:
            raise SkyfnError(f"{path} is not UTF-8 text; fix or remove it") from None
        except OSError as exc:
            raise SkyfnError(f"cannot read {path}: {exc.strerror or exc}") from None
        values.update({key: (value, name) for key, value in raw.items() if value is not None})
    return values


def apply_env_files(
    root: Path, scope: Scope, environ: MutableMapping[str, str] | None = None
) -> dict[str, str]:
    """Put the files' values into ``environ`` (default ``os.environ``) where not set already;
    returns what was put."""
    target = os.environ if environ is None else environ
    with _lock:
        for key, value in list(_applied.items()):
            if target.get(key) == value:
                del target[key]
        _applied.clear()
        for key, (value, file) in _read_with_files(root, scope).items():
            if key not in target:
                target[key] = value
                _applied[key] = value
                if is_own(key):
                    _warn_once(key, file)
        return dict(_applied)


def _warn_once(key: str, file: str) -> None:
    if key in _warned:
        return
    _warned.add(key)
    sys.stderr.write(
        f"warning: {key} from {file} reaches resource.py and your functions, not skyfn "
        f"itself: skyfn's own AWS calls use your shell's settings (export {key} there to "
        "change them)\n"
    )
    sys.stderr.flush()


@contextmanager
def own_environment() -> Iterator[None]:
    """``os.environ`` as skyfn's own clients must read it, for the block: without the keys
    of its own (``is_own``) that a ``.env`` file added. boto3 reads the process environment
    in many places, so they are set aside rather than passed around, under the lock a load
    takes; they are back when the block ends."""
    with _lock:
        aside = {
            key: value
            for key, value in _applied.items()
            if is_own(key) and os.environ.get(key) == value
        }
        for key in aside:
            del os.environ[key]
        try:
            yield
        finally:
            for key, value in aside.items():
                os.environ.setdefault(key, value)
