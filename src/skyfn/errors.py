"""The tooling's exceptions: what the CLI turns into one clean message and a non-zero exit.

    SkyfnError                  a user error: the message says what is wrong and how to fix it
    ├── DefinitionError         the backend's definitions are invalid (names function and key)
    ├── UnknownFunction         no function of that name (host/supervisor.py)
    ├── CommandNotFound         skyfn run's command cannot be executed (host/run_command.py)
    └── AwsUnavailable          an AWS call failed on the way (throttled, 5xx, timed out, cut
                                answer) after its retries (aws.py); names call and attempts

Internal signals, which never reach a user as such (the local host answers them; the
pytest plugin reports its own as a failed test):

    Exception
    ├── Refused                 a request the local host refuses, with 403 (host/access.py)
    ├── BadRequest              a request body that cannot be read (host/request_body.py)
    │   └── TooLarge            one past the Invoke API's payload limit
    ├── AnswerTooLarge          a worker's answer past the limit (host/process.py)
    └── ForkUnavailable         no warm parent can fork a worker: it is started instead
                                (host/fork_server.py)
    ValueError
    ├── InvalidName             not a function name or ARN of the Invoke API (host/gateway.py)
    ├── InvalidClientContext    an X-Amz-Client-Context not base64 JSON (host/gateway.py)
    └── BadResponse             a return a function URL cannot answer with (host/url_event.py)
    RuntimeError
    ├── HostClosed              the local host is stopping (host/pool.py)
    └── AtCapacity              every instance busy, for a caller that may not wait (host/pool.py)
    AssertionError
    └── FunctionFailed          a function answered Lambda's error shape (pytest_plugin.py)

botocore's errors are translated into ``SkyfnError`` in one place, ``skyfn.aws.aws_errors``.
Any other exception that reaches a command is a bug of skyfn's: ``skyfn.cli.crash`` prints one
masked line, writes a 0600 report and exits 70.
tests/unit/test_exception_trees.py checks that this tree names every exception class of
``src/skyfn`` outside the runtime, each under its base.

The runtime that ships inside functions has its own tree, rooted at
``skyfn.runtime.errors.SkyfnRuntimeError``: it imports nothing from the tooling.
"""


class SkyfnError(Exception):
    """A user error: its message says what is wrong and how to fix it."""


class DefinitionError(SkyfnError):
    """The backend's definitions are invalid; the message names the function and key."""


class AwsUnavailable(SkyfnError):
    """An AWS call that failed on the way after its retries: throttled, a 5xx, timed out, or
    an answer cut short. ``uncertain``: a write whose outcome is unknown (AWS may have done
    it), which the caller finds out before retrying or reporting."""

    def __init__(self, message: str, operation: str, target: str, uncertain: bool) -> None:
        super().__init__(message)
        self.operation = operation
        self.target = target
        self.uncertain = uncertain

    def with_message(self, message: str) -> "AwsUnavailable":
        return AwsUnavailable(message, self.operation, self.target, self.uncertain)

    def unverified(self, unread: Exception) -> "AwsUnavailable":
        """This lost write, after reading back what it stored failed too (``unread``)."""
        return self.with_message(
            f"{self}; whether the value was stored is unknown: reading it back failed too "
            f"({unread})"
        )
