"""The runtime contract: the variables through which synth talks to a function process.

Every byte here counts against Lambda's 4 KB environment, so the contract carries facts
(the scope, the store, the paths), never ready-made messages; ``skyfn.runtime.hints`` turns
them into the ``skyfn secret set`` a user needs.
"""

SKYFN_PREFIX = "SKYFN_"  # skyfn reserves every variable name starting with this
HANDLER_VAR = "SKYFN_HANDLER"  # "<module>.<callable>" of the user's handler
# JSON: env name -> list of store paths, in fallback order, optionally ending with the
# secret's max age: a number of seconds, or null (read once per cold start; pinned secrets).
# Without it the secret gets DEFAULT_MAX_AGE. A pinned path carries its version: "path:N".
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
