"""The variables through which synth talks to a function process (the runtime contract)."""

HANDLER_VAR = "SKYFN_HANDLER"  # "<module>.<callable>" of the user's handler
SECRETS_VAR = "SKYFN_SECRETS"  # JSON: env name -> list of store paths, in fallback order
STORE_VAR = "SKYFN_SECRET_STORE"  # which store the paths are read from
FUNCTION_VAR = "SKYFN_FUNCTION"  # the function's skyfn name (for error messages)
BOOTSTRAP_HANDLER = "skyfn.runtime.bootstrap.handler"


def secret_placeholder(secret_name: str) -> str:
    """What a secret variable holds until the runtime resolves it. Never a value."""
    return f"<skyfn secret {secret_name}>"


PLACEHOLDER_PREFIX = "<skyfn secret "
