"""Vault and OpenBao (KV version 2) on the host, through ``hvac``: what a local host hands its
workers (``vault_secret``), what ``skyfn secret sync --from vault`` copies to SSM and what
``skyfn secret status`` compares.

Address, token and namespace come from the real process environment (``VAULT_ADDR`` or
``BAO_ADDR``, ``VAULT_TOKEN``/``BAO_TOKEN`` or ``~/.vault-token``, ``VAULT_NAMESPACE``/
``BAO_NAMESPACE``; ``VAULT_CACERT``/``BAO_CACERT`` for a private CA), never from a ``.env``
file (``dotenv_files.own_environment``): a project's file must not send the token elsewhere.
The token stays in this process: it never reaches a worker, an artifact, a log or a message.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from skyfn.dotenv_files import own_environment
from skyfn.model import VaultField
from skyfn.runtime.errors import SecretStoreError

TIMEOUT_SECONDS = 5.0  # an unreachable Vault is told within seconds, not a minute
TOKEN_FILE = ".vault-token"  # what `vault login` / `bao login` write in the home folder


class Settings(NamedTuple):
    address: str
    token: str
    namespace: str | None
    verify: bool | str  # a CA bundle's path, or whether to check the server's certificate
    token_source: str  # where the token came from, for messages (never the token)


def _first(environ: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    for name in names:
        if environ.get(name):
            return name, environ[name]
    return None


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The connection settings, from ``environ`` (default: the process's own, without what
    a ``.env`` file added). Raises ``SecretStoreError`` naming what to set."""
    if environ is None:
        with own_environment():
            environ = dict(os.environ)
    address = _first(environ, "VAULT_ADDR", "BAO_ADDR")
    if address is None:
        raise SecretStoreError(
            "no Vault address: export VAULT_ADDR (or BAO_ADDR), e.g. "
            "https://vault.example.com:8200, in the shell that runs skyfn"
        )
    token = _first(environ, "VAULT_TOKEN", "BAO_TOKEN")
    if token is None:
        token_file = Path(environ.get("HOME") or Path.home()) / TOKEN_FILE
        try:
            text = token_file.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        if not text:
            raise SecretStoreError(
                f"no Vault token: export VAULT_TOKEN (or BAO_TOKEN), or log in with "
                f"vault login (which writes {token_file})"
            )
        token = (str(token_file), text)
    namespace = _first(environ, "VAULT_NAMESPACE", "BAO_NAMESPACE")
    ca = _first(environ, "VAULT_CACERT", "BAO_CACERT")
    skip = _first(environ, "VAULT_SKIP_VERIFY", "BAO_SKIP_VERIFY")
    verify: bool | str = ca[1] if ca else not (skip and skip[1].lower() in ("1", "true"))
    return Settings(
        address[1].rstrip("/"), token[1], namespace[1] if namespace else None, verify, token[0]
    )


class Secret(NamedTuple):
    """One version of a KV v2 secret: its fields and its version number."""

    data: dict[str, str]
    version: int


class Vault:
    """A KV v2 client; each method raises ``SecretStoreError`` saying what to do."""

    def __init__(self, config: Settings | None = None) -> None:
        import hvac
        import requests

        self.config = config if config is not None else settings()
        session = requests.Session()
        session.trust_env = False  # no proxy or CA bundle from the environment: own settings only
        self._client = hvac.Client(
            url=self.config.address,
            token=self.config.token,
            namespace=self.config.namespace,
            verify=self.config.verify,
            timeout=TIMEOUT_SECONDS,
            session=session,
        )

    def read(self, mount: str, path: str, version: int | None = None) -> Secret | None:
        """The secret's newest version (or ``version``); ``None`` when it (or that version)
        does not exist or was deleted."""
        import hvac.exceptions as errors
        import requests

        where = f"{mount}/{path}" + ("" if version is None else f" version {version}")
        try:
            answer = self._client.secrets.kv.v2.read_secret_version(
                path, version=version, mount_point=mount, raise_on_deleted_version=True
            )
        except errors.InvalidPath:
            return None
        except errors.VaultDown:
            raise SecretStoreError(
                f"Vault at {self.config.address} is sealed, so {where} cannot be read; unseal "
                "it (vault operator unseal) and try again"
            ) from None
        except errors.Forbidden:
            raise SecretStoreError(
                f"Vault at {self.config.address} denied reading {where}: the token from "
                f"{self.config.token_source} has expired or its policy may not read "
                f"{mount}/data/{path}. Log in again (vault login) or grant it read there"
            ) from None
        except (errors.VaultError, requests.RequestException) as exc:
            raise SecretStoreError(
                f"cannot read {where} from Vault at {self.config.address}: "
                f"{_reason(exc)}. Check that Vault runs there and VAULT_ADDR is right"
            ) from None
        return _secret(answer, where)


def _reason(exc: BaseException) -> str:
    """The failure in a few words: never a URL with its query, never a header."""
    import requests

    if isinstance(exc, requests.Timeout):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or unreachable"
    return type(exc).__name__


def _secret(answer: Any, where: str) -> Secret | None:
    data = answer.get("data", {}) if isinstance(answer, dict) else {}
    fields, meta = data.get("data"), data.get("metadata") or {}
    if fields is None:  # a deleted or destroyed version
        return None
    if not isinstance(fields, dict) or not isinstance(meta.get("version"), int):
        raise SecretStoreError(f"Vault's answer for {where} is not a KV version 2 secret")
    return Secret(
        {k: v if isinstance(v, str) else _json(v) for k, v in fields.items()}, meta["version"]
    )


def _json(value: object) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))


def parse(inner: str) -> VaultField:
    """The field a ``mount/path#key`` (``:N`` pinned) path of ``SKYFN_SECRETS`` names."""
    secret, _, key = inner.partition("#")
    base, colon, pin = key.rpartition(":")
    version = int(pin) if colon and pin.isdigit() else None
    mount, _, path = secret.partition("/")
    return VaultField(mount, path, base if version is not None else key, version)


def read_fields(vault: Vault, fields: Iterable[VaultField]) -> dict[VaultField, tuple[str, int]]:
    """Each field's value and the version it was read at, one read per secret (and version);
    a field whose secret, version or key does not exist is left out."""
    wanted = sorted(set(fields), key=lambda f: f.label)
    secrets: dict[tuple[str, str, int | None], Secret | None] = {}
    found: dict[VaultField, tuple[str, int]] = {}
    for field in wanted:
        where = (field.mount, field.path, field.version)
        if where not in secrets:
            secrets[where] = vault.read(*where)
        secret = secrets[where]
        if secret is not None and field.key in secret.data:
            found[field] = (secret.data[field.key], secret.version)
    return found


class VaultReader:
    """The host's reader of ``vault:`` paths (``skyfn.secrets.registry.HOST_READERS``)."""

    reads_all_paths = True  # one round: each secret is read once whatever its fields

    def __init__(self) -> None:
        self._vault: Vault | None = None  # connected on the first read

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        if self._vault is None:
            self._vault = Vault()
        fields = {path: parse(path) for path in paths}
        found = read_fields(self._vault, fields.values())
        return {path: found[f][0] for path, f in fields.items() if f in found}


def open_reader() -> VaultReader:
    return VaultReader()
