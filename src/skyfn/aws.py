"""AWS access for the tooling, in one place: every boto3 session and client skyfn makes, the
retry policy of every call, and the translation of botocore's failures into one
``SkyfnError`` line that says what to fix.

Every client is built here from skyfn's own settings: the process environment without what
``.env`` files added for ``resource.py`` and the functions
(``skyfn.dotenv_files.own_environment``), and the project's ``[tool.skyfn]`` call policy.

The policy (``CallPolicy``; README "How skyfn retries AWS calls"): explicit connect and read
timeouts, and skyfn's own retries instead of botocore's, decided per call:

* a throttled call, or one that never reached AWS (no connection), is retried, read or write;
* a read (``Describe*``, ``Get*``, ``List*``, ``Head*``, and uploads, which are idempotent)
  is also retried on a 5xx, a timeout, a dropped connection or an answer cut short or
  malformed: a cut answer is a transport error, never an empty success;
* a write whose answer was lost (5xx, timeout, cut) is not sent again blindly: the caller
  finds out what happened (``AwsUnavailable.uncertain``) before retrying or reporting;
* every attempt of a read fits in ``deadline`` seconds (60 by default): a stalled call is
  given up and the message says it timed out, after how long.

Long operations (a stack update) are separate calls, followed by deploy/progress.py under
its own deadline. boto3 is imported only when a command needs AWS (~0.2 s at start-up).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from skyfn.aws_faults import call_object, error_code, fault_kind, plain
from skyfn.dotenv_files import own_environment
from skyfn.errors import AwsUnavailable, SkyfnError

_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "AuthFailure",
}
_READS = ("Describe", "Get", "List", "Head", "BatchGet", "Lookup", "Filter")
# writes that may be sent twice with the same effect (same key, same bytes or settings)
_IDEMPOTENT = {"PutObject", "PutPublicAccessBlock", "PutBucketEncryption", "PutBucketPolicy"}
# JSON answers must carry these fields; one without them was cut or mangled on the way
_REQUIRED = {
    "GetParameters": ("Parameters",),
    "GetParameter": ("Parameter",),
    "PutParameter": ("Version",),
    "DescribeParameters": ("Parameters",),
    "BatchGetSecretValue": ("SecretValues",),
    "GetSecretValue": ("Name",),
    "ListSecrets": ("SecretList",),
    "ListSecretVersionIds": ("Versions",),
}


@dataclass(frozen=True)
class CallPolicy:
    """How long one AWS call may take and how often it is tried ([tool.skyfn] aws_*)."""

    connect_timeout: float = 5.0  # seconds to open a connection
    read_timeout: float = 15.0  # seconds to wait for each part of an answer
    attempts: int = 3  # tries per call, the first included
    deadline: float = 60.0  # seconds a read may take in all, its retries included


QUICK_SECONDS = 3
QUICK = CallPolicy(QUICK_SECONDS, QUICK_SECONDS, 1, QUICK_SECONDS)
SETTINGS = {  # [tool.skyfn] key -> CallPolicy field
    "aws_connect_timeout": "connect_timeout",
    "aws_read_timeout": "read_timeout",
    "aws_attempts": "attempts",
    "aws_deadline": "deadline",
}
_quick: ContextVar[bool] = ContextVar("skyfn_aws_quick", default=False)
_policy: CallPolicy | None = None


def region_from_env(environ: Mapping[str, str] = os.environ) -> str | None:
    """``AWS_REGION`` (what Lambda and the docs say), else ``AWS_DEFAULT_REGION`` (what boto3
    reads); empty values count as unset. ``None``: let boto3 ask the profile."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


def policy_from_settings(settings: Mapping[str, object], where: str) -> CallPolicy:
    """The default policy with the ``aws_*`` keys of ``[tool.skyfn]`` applied."""
    changes: dict[str, Any] = {}
    for key, field in SETTINGS.items():
        value = settings.get(key)
        if value is None:
            continue
        whole = field == "attempts"
        good = isinstance(value, int) if whole else isinstance(value, int | float)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else 0
        if not good or not 0 < number <= (10 if whole else 3600):
            what = "a whole number from 1 to 10" if whole else "seconds, more than 0"
            raise SkyfnError(f"{where}: [tool.skyfn] {key} is {value!r}; give {what}")
        changes[field] = value
    return replace(CallPolicy(), **changes)


def call_policy() -> CallPolicy:
    """The policy of this process's calls: quick inside ``quick_calls``, else the current
    project's (the default outside a project)."""
    global _policy
    if _quick.get():
        return QUICK
    if _policy is None:
        from skyfn.project import find_project

        try:
            root = find_project().root
        except SkyfnError:
            _policy = CallPolicy()
        else:
            from skyfn.settings import read_settings

            _policy = policy_from_settings(read_settings(root), str(root / "pyproject.toml"))
    return _policy


class Session:
    """A boto3 session whose every use reads skyfn's own settings: botocore resolves the
    profile, region, endpoint and credentials lazily, when a client is made."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def region_name(self) -> str | None:
        with own_environment():
            region: str | None = self._inner.region_name
            return region

    def client(self, service: str) -> Any:
        """A client under the call policy (``client`` is the way the commands ask)."""
        from botocore.config import Config

        chosen = call_policy()
        config = Config(
            connect_timeout=chosen.connect_timeout,
            read_timeout=chosen.read_timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},  # skyfn retries: _Calls
        )
        with own_environment():
            made = self._inner.client(service, config=config)
        made.skyfn_policy = chosen
        made.meta.events.register("before-parse", _check_answer)
        return made

    def get_credentials(self) -> Any:
        with own_environment():
            return self._inner.get_credentials()

    @property
    def events(self) -> Any:
        """boto3's event hooks (tests count calls with them); reads no setting."""
        return self._inner.events


def session() -> Session:
    """A boto3 session with the region resolved as ``region_from_env`` says."""
    import boto3

    with own_environment():
        inner = boto3.session.Session(region_name=region_from_env())
    inner.events.register("creating-client-class", _add_calls)
    return Session(inner)


@contextmanager
def quick_calls() -> Iterator[None]:
    """Clients made inside give up within seconds (one attempt, short timeouts): for calls
    that only inform, such as synth's check for missing secrets, which must never hang
    when AWS cannot be reached."""
    token = _quick.set(True)
    try:
        yield
    finally:
        _quick.reset(token)


def client(service: str, action: str, chosen: Session | None = None) -> Any:
    """A client of ``service`` (of ``chosen``, else a new session); refused with a clear
    message when no region is configured."""
    with aws_errors(action):
        chosen = chosen or session()
        if not chosen.region_name:  # also an empty AWS_DEFAULT_REGION, which boto3 takes as is
            from botocore.exceptions import NoRegionError

            raise NoRegionError()
        return chosen.client(service)


def is_read(operation: str) -> bool:
    """Whether sending ``operation`` twice does no harm (reads, and idempotent uploads)."""
    return operation.startswith(_READS) or operation in _IDEMPOTENT


def _add_calls(base_classes: list[type], **_: Any) -> None:
    """boto3's hook for each client class made: put the retry policy in front of its calls."""
    base_classes.insert(0, _Calls)


def _check_answer(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """A successful JSON answer must be a whole JSON object with the fields skyfn reads:
    botocore would take a cut one as an empty success (``{"message": <the body>}``)."""
    from botocore.parsers import ResponseParserError

    if response_dict.get("status_code", 500) >= 300 or operation_model.output_shape is None:
        return
    if operation_model.service_model.resolved_protocol != "json":
        return  # query and XML answers: botocore's parser refuses a cut one itself
    try:
        document = json.loads(response_dict.get("body") or b"")
    except ValueError:
        document = None
    needed = _REQUIRED.get(operation_model.name, ())
    if not isinstance(document, dict) or any(key not in document for key in needed):
        raise ResponseParserError("the answer was cut short or malformed")


class _Calls:
    """The retry policy around every API call of a client (see the module's docstring)."""

    skyfn_policy: CallPolicy = CallPolicy()

    def _make_api_call(self, operation_name: str, api_params: dict[str, Any]) -> Any:
        chosen = self.skyfn_policy
        read = is_read(operation_name)
        started = time.monotonic()
        attempt = 0
        body = api_params.get("Body")
        start = body.tell() if body is not None and hasattr(body, "seek") else None
        while True:
            attempt += 1
            if attempt > 1 and start is not None:
                body.seek(start)  # type: ignore[union-attr]
            try:
                # a copy: botocore's handlers change the parameters they are given
                return super()._make_api_call(operation_name, dict(api_params))  # type: ignore[misc]
            except Exception as exc:
                kind = fault_kind(exc)
                if kind is None:
                    exc.skyfn_call = _call_said(operation_name, api_params, attempt)  # type: ignore[attr-defined]
                    raise
                elapsed = time.monotonic() - started
                safe = read or kind in ("throttled", "unreachable")
                pause = _backoff(attempt)
                worst = elapsed + pause + chosen.connect_timeout + chosen.read_timeout
                if safe and attempt < chosen.attempts and worst <= chosen.deadline:
                    time.sleep(pause)
                    continue
                raise _unavailable(
                    operation_name, api_params, exc, kind, attempt, elapsed, chosen, read
                ) from None


def _backoff(attempt: int) -> float:
    """Full jitter, capped: 0-0.5 s, 0-1 s, 0-2 s, ..."""
    fraction = int.from_bytes(os.urandom(2), "big") / 65536
    return fraction * min(4.0, 0.5 * (1 << (attempt - 1)))


def _call_said(operation: str, params: Mapping[str, Any], attempts: int) -> str:
    """``GetTemplate of stack X, 2 attempts``: which call an error line is about."""
    target = call_object(params)
    return f"{operation}{f' of {target}' if target else ''}, {attempts} attempt{'s' if attempts > 1 else ''}"


def _unavailable(
    operation: str,
    params: Mapping[str, Any],
    exc: Exception,
    kind: str,
    attempts: int,
    elapsed: float,
    chosen: CallPolicy,
    read: bool,
) -> AwsUnavailable:
    target = call_object(params)
    what = f"{operation} of {target}" if target else operation
    tries = f"{attempts} attempt{'s' if attempts > 1 else ''} in {elapsed:.0f} s"
    if kind == "timeout":
        why = (
            f"timed out: no answer within {chosen.read_timeout:g} s ({tries}); check your "
            "network and AWS_ENDPOINT_URL / AWS_REGION"
        )
    elif kind == "unreachable":
        why = (
            f"the AWS endpoint is unreachable ({exc}; {tries}); check your network and "
            "AWS_ENDPOINT_URL / AWS_REGION"
        )
    elif kind == "cut":
        why = (
            f"its answer was cut short or malformed ({tries})"  # never its text: it may hold values
        )
    else:
        code = error_code(exc)
        message = plain(str(exc.response.get("Error", {}).get("Message", "")))  # type: ignore[attr-defined]
        why = f"AWS said {code}: {message} ({tries})" if message else f"AWS said {code} ({tries})"
    uncertain = not read and kind not in ("throttled", "unreachable")
    return AwsUnavailable(f"{what} failed: {why}", operation, target, uncertain)


@contextmanager
def aws_errors(action: str, permissions: str = "") -> Iterator[None]:
    """Turn boto3's failures into one line: what could not be done, why, and what to fix.
    ``permissions`` names the IAM actions the caller needs, for an access-denied answer."""
    from botocore import exceptions as bx

    try:
        yield
    except AwsUnavailable as exc:
        if str(exc).startswith("cannot "):
            raise
        raise exc.with_message(f"cannot {action}: {exc}") from None
    except bx.NoCredentialsError:
        raise SkyfnError(
            f"cannot {action}: no AWS credentials found; configure them (aws configure, "
            "AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
        ) from None
    except bx.NoRegionError:
        raise SkyfnError(
            f"cannot {action}: no AWS region configured; set AWS_REGION (or AWS_PROFILE)"
        ) from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        raise SkyfnError(
            f"cannot {action}: the AWS endpoint is unreachable ({exc}); check your network "
            "and AWS_ENDPOINT_URL / AWS_REGION"
        ) from None
    except bx.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "?"))
        message = plain(str(error.get("Message", "")))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        call = getattr(exc, "skyfn_call", "") or getattr(exc, "operation_name", "")
        said = f" ({call})" if call else ""
        if code in _DENIED or status == 403:
            needs = f" and allow {permissions}" if permissions else ""
            raise SkyfnError(
                f"cannot {action}: AWS refused access ({code}: {message}){said}; check that "
                f"your credentials are valid{needs}"
            ) from None
        raise SkyfnError(f"cannot {action}: AWS said {code}: {message}{said}") from None
    except bx.BotoCoreError as exc:
        raise SkyfnError(f"cannot {action}: {exc}") from None
