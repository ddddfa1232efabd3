"""AWS access for the tooling, in one place: the boto3 session every command uses, and the
translation of botocore's failures into one ``SkyfnError`` line that says what to fix.

Every boto3 session and client skyfn makes comes from here, built from skyfn's own settings:
the process environment without what ``.env`` files added for ``resource.py`` and the
functions (``skyfn.dotenv_files.own_environment``).

boto3 is imported only when a command needs AWS (it costs ~0.2 s at start-up).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from skyfn.dotenv_files import own_environment
from skyfn.errors import SkyfnError

_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "AuthFailure",
}


QUICK_SECONDS = 3
_quick: ContextVar[bool] = ContextVar("skyfn_aws_quick", default=False)


def region_from_env(environ: Mapping[str, str] = os.environ) -> str | None:
    """``AWS_REGION`` (what Lambda and the docs say), else ``AWS_DEFAULT_REGION`` (what boto3
    reads); empty values count as unset. ``None``: let boto3 ask the profile."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


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

    def client(self, service: str, **options: Any) -> Any:
        with own_environment():
            return self._inner.client(service, **options)

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
        return Session(boto3.session.Session(region_name=region_from_env()))


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


def client(service: str, action: str) -> Any:
    """A client of ``service``; refused with a clear message when no region is configured."""
    with aws_errors(action):
        chosen = session()
        if not chosen.region_name:  # also an empty AWS_DEFAULT_REGION, which boto3 takes as is
            from botocore.exceptions import NoRegionError

            raise NoRegionError()
        if not _quick.get():
            return chosen.client(service)
        from botocore.config import Config

        quick = Config(
            connect_timeout=QUICK_SECONDS,
            read_timeout=QUICK_SECONDS,
            retries={"max_attempts": 1, "mode": "standard"},
        )
        return chosen.client(service, config=quick)


@contextmanager
def aws_errors(action: str, permissions: str = "") -> Iterator[None]:
    """Turn boto3's failures into one line: what could not be done, why, and what to fix.
    ``permissions`` names the IAM actions the caller needs, for an access-denied answer."""
    from botocore import exceptions as bx

    try:
        yield
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
        message = _plain(str(error.get("Message", "")))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _DENIED or status == 403:
            needs = f" and allow {permissions}" if permissions else ""
            raise SkyfnError(
                f"cannot {action}: AWS refused access ({code}: {message}); check that your "
                f"credentials are valid{needs}"
            ) from None
        raise SkyfnError(f"cannot {action}: AWS said {code}: {message}") from None
    except bx.BotoCoreError as exc:
        raise SkyfnError(f"cannot {action}: {exc}") from None


def error_code(exc: Exception) -> str:
    """The error code of a botocore ``ClientError`` (``""`` for anything else)."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _plain(message: str) -> str:
    """Some endpoints answer errors in XML; keep the human part."""
    found = re.search(r"<Message>(.*?)</Message>", message, re.S)
    return (found.group(1) if found else message).strip()
