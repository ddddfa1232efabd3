"""The tooling's exceptions: what the CLI turns into one clean message and a non-zero exit.

    SkyfnError                    a user error: the message says what is wrong and how to fix it
    ├── DefinitionError           the backend's definitions are invalid (names function and key)
    └── UnknownFunction           no function of that name (skyfn.host.supervisor)

Internal signals that never reach a user as such: ``HostClosed`` (the local host is
stopping), ``BadRequest`` and ``InvalidName`` (answered in the Invoke API's error shape),
``AnswerTooLarge`` (a worker's answer past the limit), ``FunctionFailed`` (the pytest
plugin's assertion). botocore's errors are translated into ``SkyfnError`` in one place,
``skyfn.aws.aws_errors``.

The runtime that ships inside functions has its own tree, rooted at
``skyfn.runtime.errors.SkyfnRuntimeError``: it imports nothing from the tooling.
"""


class SkyfnError(Exception):
    """A user error: its message says what is wrong and how to fix it."""


class DefinitionError(SkyfnError):
    """The backend's definitions are invalid; the message names the function and key."""
