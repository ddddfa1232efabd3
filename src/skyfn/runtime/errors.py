"""The runtime's exceptions (standard library only; the runtime imports nothing else of skyfn).

    SkyfnRuntimeError
    ├── ColdStartError            the function cannot start: a secret or the handler is missing
    │   └── UserCodeError         the handler's module cannot be imported or lacks the handler,
    │                             reported under Lambda's own Runtime.* error type
    ├── SecretStoreError          a store could not be read (denied, unreachable, damaged)
    ├── SecretNotFound            a referenced secret exists at none of its paths (LookupError)
    └── EnvironmentProblem        reading a variable through a generated ``env`` module
        ├── MissingEnvironmentVariable   absent in this process (LookupError)
        ├── InvalidEnvironmentValue      not of its declared type (ValueError)
        └── UnresolvedSecret             still its placeholder (LookupError)

Internal to the runtime, never raised to a handler as such (a store's failure becomes a
``SecretStoreError``, a result that cannot be encoded Lambda's ``Runtime.MarshalError``):

    ConnectionError
    ├── ProtocolError             a reply that is not HTTP/1.x, retried (http1.py)
    └── CertificateError          a TLS certificate that cannot be verified (http1.py)
    Exception
    ├── MarshalError              a handler's result that cannot be encoded (marshal.py)
    └── _Missing                  a pinned secret that is not there (secretsmanager_reader.py)

tests/unit/test_exception_trees.py checks that these trees name every exception class of
``skyfn.runtime``, each under its base.

The tooling's exceptions (``skyfn.errors.SkyfnError`` and below) are a separate tree.
Every message names what failed and how to fix it, and never holds a secret value.
"""

from __future__ import annotations


class SkyfnRuntimeError(Exception):
    """Root of every error the runtime raises."""


class ColdStartError(SkyfnRuntimeError, RuntimeError):
    """The function cannot start; the message says which secret or handler and how to fix it."""


class UserCodeError(ColdStartError):
    """The user's module failed as Lambda's runtime reports it: ``error_type`` is its
    ``Runtime.*`` type, the message its words, ``trace`` its stack trace (the user's file and
    line for a syntax error, nothing for the others: no importlib frames)."""

    def __init__(self, error_type: str, message: str, trace: list[str]) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.trace = trace


class SecretStoreError(SkyfnRuntimeError, RuntimeError):
    """The store could not be read (denied, unreachable, corrupted): names what failed."""


class SecretNotFound(SkyfnRuntimeError, LookupError):
    """A referenced secret exists at none of its paths."""


class EnvironmentProblem(SkyfnRuntimeError):
    """A variable of a generated env module cannot be read as declared."""


class MissingEnvironmentVariable(EnvironmentProblem, LookupError):
    """A variable the function declares (or Lambda provides) is absent in this process."""

    def __init__(self, key: str, function: str) -> None:
        super().__init__(
            f"environment variable {key} of function {function} is not set in this process; "
            "run the function through skyfn (skyfn invoke / skyfn sandbox) or set it"
        )
        self.key = key
        self.function = function


class InvalidEnvironmentValue(EnvironmentProblem, ValueError):
    def __init__(self, key: str, function: str, expected: str, raw: str) -> None:
        super().__init__(
            f"environment variable {key} of function {function} should be {expected}, "
            f"got {raw!r}; run skyfn synth again if the definition changed"
        )


class UnresolvedSecret(EnvironmentProblem, LookupError):
    def __init__(self, key: str, function: str, secret_name: str) -> None:
        super().__init__(
            f"secret {secret_name} (environment {key} of function {function}) was not "
            "resolved: the process did not start through skyfn.runtime.bootstrap"
        )
