"""The runtime contract: the variables through which synth talks to a function process.

Every byte here counts against Lambda's 4 KB environment, so the contract carries facts
(the scope, the store, the paths), never ready-made messages; ``skyfn.runtime.hints`` turns
them into the ``skyfn secret set`` a user needs.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing and collections are not imported on the cold start
if TYPE_CHECKING:
    from collections.abc import Mapping

    _EntryFields = tuple[tuple[str, ...], float | None]
else:
    _EntryFields = tuple

SKYFN_PREFIX = "SKYFN_"  # skyfn reserves every variable name starting with this
HANDLER_VAR = "SKYFN_HANDLER"  # "<module>.<callable>" of the user's handler
# JSON: env name -> list of store paths, in fallback order, optionally ending with the
# secret's max age (``encode_secrets``/``decode_secrets`` below are its only writer and reader).
SECRETS_VAR = "SKYFN_SECRETS"
STORE_VAR = "SKYFN_SECRET_STORE"  # which store the paths are read from
SCOPE_VAR = "SKYFN_SCOPE"  # "<kind>:<name>" (e.g. "branch:main") the paths were made for
FUNCTION_VAR = "SKYFN_FUNCTION"  # the function's skyfn name (for error messages)
# Local workers only: the inherited file descriptor on which the host hands over the
# function's own secrets (store "pipe"); never set on Lambda.
SECRETS_FD_VAR = "SKYFN_SECRETS_FD"
BOOTSTRAP_HANDLER = "skyfn.runtime.bootstrap.handler"
DEFAULT_MAX_AGE = 300  # seconds a deployed function serves a secret before re-reading it

PLACEHOLDER_PREFIX = "<skyfn secret "
_PLACEHOLDER_SUFFIX = ">"


def secret_placeholder(secret_name: str) -> str:
    """What a secret variable holds until the runtime resolves it. Never a value."""
    return f"{PLACEHOLDER_PREFIX}{secret_name}{_PLACEHOLDER_SUFFIX}"


def placeholder_name(value: str | None) -> str | None:
    """The secret name in a placeholder (``None`` when ``value`` is not one)."""
    if value is None or not value.startswith(PLACEHOLDER_PREFIX):
        return None
    return value[len(PLACEHOLDER_PREFIX) :].removesuffix(_PLACEHOLDER_SUFFIX)


def scope_ref(kind: str, name: str) -> str:
    """The ``SKYFN_SCOPE`` form of a scope: ``branch:main``, ``sandbox:alice``."""
    return f"{kind}:{name}"


def pinned_path(path: str, version: int) -> str:
    """A path read at one version (SSM's ``name:N`` selector; the local store reads it too)."""
    return f"{path}:{version}"


# A path of SKYFN_SECRETS that does not start with "/" names its own store: "<prefix>:<id>"
# (an external reference, read wherever SKYFN_SECRET_STORE points): "sm:prod/db#password",
# "ssm:/legacy/api-key", "vault:secret/app/db#password" (a local worker's only: its host
# reads Vault and hands the value over; a deployed function reads the SSM copy instead).
# A path starting with "/" is read from SKYFN_SECRET_STORE.
EXTERNAL_PREFIXES = {"sm": "secretsmanager", "ssm": "ssm", "vault": "vault"}
# A Secrets Manager id pinned to a version: "<id>|s:<stage>" or "<id>|v:<version id>",
# before any "#<field>" (neither "|" nor "#" can appear in a secret's name or ARN).
SM_STAGE, SM_VERSION_ID = "|s:", "|v:"


def path_store(path: str, default: str) -> tuple[str, str]:
    """(store, the path within it) of one SKYFN_SECRETS path."""
    if path.startswith("/"):
        return default, path
    prefix, colon, rest = path.partition(":")
    store = EXTERNAL_PREFIXES.get(prefix)
    return (store, rest) if colon and store else (default, path)


def external_path(store: str, inner: str) -> str:
    """The SKYFN_SECRETS form of an external reference's path in ``store``."""
    prefix = next(p for p, s in EXTERNAL_PREFIXES.items() if s == store)
    return f"{prefix}:{inner}"


def vault_inner(mount: str, path: str, key: str) -> str:
    """A Vault KV v2 field as ``mount/path#key`` (``#`` cannot appear in the three parts)."""
    return f"{mount}/{path}#{key}"


def is_external(path: str) -> bool:
    return not path.startswith("/") and path.partition(":")[0] in EXTERNAL_PREFIXES


class SecretEntry(_EntryFields):
    """One secret of ``SKYFN_SECRETS``: where it is looked up, in order (a pinned path carries
    its version, ``pinned_path``), and how many seconds a value serves before it is re-read
    (``None``: once per cold start, as for a pinned secret). A pair (a plain tuple, not a
    ``NamedTuple``: ``typing`` costs every cold start milliseconds)."""

    __slots__ = ()

    def __new__(
        cls, paths: tuple[str, ...], max_age: float | None = DEFAULT_MAX_AGE
    ) -> SecretEntry:
        return super().__new__(cls, (paths, max_age))

    @property
    def paths(self) -> tuple[str, ...]:
        return self[0]

    @property
    def max_age(self) -> float | None:
        return self[1]

    def __repr__(self) -> str:
        return f"SecretEntry(paths={self[0]!r}, max_age={self[1]!r})"


def encode_secrets(entries: Mapping[str, SecretEntry]) -> str:
    """``SKYFN_SECRETS``: ``{"KEY": [path, ...(, max_age)]}``, keys sorted; the max age is
    written only when it is not ``DEFAULT_MAX_AGE`` (0 bytes for most functions)."""
    import json

    spec: dict[str, list[str | float | None]] = {}
    for key in sorted(entries):
        paths, max_age = entries[key]
        spec[key] = [*paths] if max_age == DEFAULT_MAX_AGE else [*paths, max_age]
    return json.dumps(spec, separators=(",", ":"))


def decode_secrets(raw: str) -> dict[str, SecretEntry]:
    """The entries of a ``SKYFN_SECRETS`` value; ``ValueError`` when it is malformed."""
    import json

    spec = json.loads(raw)  # a JSONDecodeError is a ValueError
    if not isinstance(spec, dict):
        raise ValueError("SKYFN_SECRETS is not a JSON object")
    entries: dict[str, SecretEntry] = {}
    for key, item in spec.items():
        if not isinstance(item, list):
            raise ValueError(f"SKYFN_SECRETS[{key!r}] is not a list")
        paths, max_age = item, DEFAULT_MAX_AGE
        if paths and not isinstance(paths[-1], str):
            *paths, max_age = paths
            if max_age is not None and (
                isinstance(max_age, bool) or not isinstance(max_age, int | float)
            ):
                raise ValueError(f"SKYFN_SECRETS[{key!r}] ends with a max age that is no number")
        if not paths or not all(isinstance(p, str) for p in paths):
            raise ValueError(f"SKYFN_SECRETS[{key!r}] holds no list of paths")
        entries[key] = SecretEntry(tuple(paths), max_age)
    return entries


def secret_variables(entries: Mapping[str, SecretEntry], store: str, scope: str) -> dict[str, str]:
    """The contract variables of a function with secrets: the one place that writes them."""
    return {SECRETS_VAR: encode_secrets(entries), STORE_VAR: store, SCOPE_VAR: scope}
