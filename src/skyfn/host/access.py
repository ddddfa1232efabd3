"""Who may call the Invoke API: the checks ``LocalGateway`` makes before anything else.

A web page must not reach the sandbox, neither directly (a cross-origin ``POST`` carries an
``Origin``) nor by DNS rebinding (its requests then name a foreign ``Host``). So:

- without authentication (the default on loopback), a request must name the sandbox's own
  address in ``Host`` (``127.0.0.1``, ``localhost``, ``[::1]`` or ``--host``, with the port,
  plus each ``--allowed-host``); this trusts every local user of the machine;
- with authentication (``--auth``, and always off loopback), a request must carry a valid
  Signature Version 4 made with the session's credentials (the ones the sandbox printed), at
  most 15 minutes old, that covers every ``x-amz-*`` header the request carries (so none can
  be added to a captured request); any ``Host`` is then fine (clients reach the sandbox under names it
  cannot know: a LAN address, ``host.docker.internal``);
- either way, a request with an ``Origin`` (or ``Sec-Fetch-Site``) of another site is refused.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import secrets
import string
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from skyfn.host import addresses
from skyfn.runtime import sigv4

MAX_SKEW_SECONDS = 15 * 60  # as AWS: a signature older or newer than this is refused
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$"
)
_KEY_ALPHABET = string.ascii_uppercase + string.digits


class Refused(Exception):
    """A request the sandbox refuses: ``kind`` is the API's error type (all are 403)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class SessionCredentials:
    """The sandbox's credentials for one session (made at start, never stored)."""

    access_key: str
    secret_key: str

    @classmethod
    def generate(cls) -> SessionCredentials:
        key = "SKYFN" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(15))
        return cls(key, secrets.token_urlsafe(30))


@dataclass(frozen=True)
class AccessPolicy:
    """``names``: the ``Host`` names (no port) accepted without a signature; ``credentials``:
    when set, every request must be signed with them (and ``names`` no longer matter)."""

    names: frozenset[str]
    credentials: SessionCredentials | None = None

    @classmethod
    def for_address(
        cls, address: str, allowed: Iterable[str] = (), auth: bool = False
    ) -> AccessPolicy:
        """The policy of a sandbox listening on ``address``: authentication is on with
        ``auth`` and whenever the address is not loopback."""
        names = {*addresses.LOOPBACK_NAMES, address, *allowed}
        credentials = None
        if auth or not addresses.is_loopback(address):
            credentials = SessionCredentials.generate()
        return cls(frozenset(addresses.host_name(n) for n in names), credentials)

    def check(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        port: int,
        now: float | None = None,
    ) -> None:
        """Raise ``Refused`` unless the request may be served. ``headers`` are keyed by
        lower-cased name; ``target`` is the request target (path and query)."""
        host = headers.get("host", "")
        check_origin(headers, host)
        if self.credentials is not None:
            verify_signature(self.credentials, method, target, headers, body, now)
        elif not self.host_allowed(host, port):
            shown = host[:100] or "(none)"
            allowed = ", ".join(sorted(f"{n}:{port}" for n in self.names))
            raise Refused(
                "AccessDeniedException",
                f"Host {shown!r} is not this sandbox's address ({allowed}); requests under "
                "other names are refused (DNS rebinding). To allow a name, start the sandbox "
                "with --allowed-host NAME",
            )

    def host_allowed(self, host: str, port: int) -> bool:
        name, given_port = split_host(host)
        return name in self.names and given_port == port


def split_host(host: str) -> tuple[str, int | None]:
    """``localhost:3001`` → (``localhost``, 3001); ``[::1]:80`` → (``[::1]``, 80); no port:
    80 (HTTP's default); an unreadable port: ``None``."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        name, port_text = name + "]", rest.removeprefix(":") if rest else ""
        if rest and not rest.startswith(":"):
            return host, None
    else:
        name, _, port_text = host.partition(":")
    name = name.rstrip(".")
    if not port_text:
        return name, 80
    return name, int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None


def check_origin(headers: Mapping[str, str], host: str) -> None:
    """A browser says where a request comes from; only the sandbox's own pages may call it
    (it has none, so in practice: no web page at all)."""
    origin = headers.get("origin")
    # either scheme: one server, speaking one of them, listens on this host and port
    if origin is not None and origin.strip().lower() not in {
        f"{scheme}://{host.strip().lower()}" for scheme in ("http", "https")
    }:
        raise Refused(
            "AccessDeniedException",
            f"requests from web pages are refused (Origin {origin[:100]!r}); call the Invoke "
            "API from a program (boto3, the AWS CLI, curl), not from a browser",
        )
    site = headers.get("sec-fetch-site", "").strip().lower()
    if site not in ("", "same-origin", "none"):
        raise Refused(
            "AccessDeniedException",
            f"requests from other sites are refused (Sec-Fetch-Site {site[:40]!r}); call the "
            "Invoke API from a program, not from a browser",
        )


def verify_signature(
    credentials: SessionCredentials,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> None:
    """Recompute the request's SigV4 signature with the session's secret; raise ``Refused``
    unless it matches, the key is the session's and the date is within 15 minutes."""
    authorization = headers.get("authorization")
    if not authorization:
        raise Refused(
            "MissingAuthenticationTokenException",
            "this sandbox requires signed requests: use the access key id and secret access "
            "key it printed at start (e.g. boto3 with aws_access_key_id=..., "
            "aws_secret_access_key=...)",
        )
    found = _AUTHORIZATION.match(" ".join(authorization.split()))
    if found is None:
        raise Refused(
            "IncompleteSignatureException",
            "the Authorization header is not an AWS4-HMAC-SHA256 signature",
        )
    key, date, region, service, signed_names, given = found.groups()
    if not hmac.compare_digest(key.encode(), credentials.access_key.encode()):
        raise Refused(
            "UnrecognizedClientException",
            "the access key id is not this sandbox session's; use the one it printed at start",
        )
    timestamp = headers.get("x-amz-date", "")
    when = _parse_amz_date(timestamp)
    current = time.time() if now is None else now
    if when is None or timestamp[:8] != date or abs(current - when) > MAX_SKEW_SECONDS:
        raise Refused(
            "InvalidSignatureException",
            "the request's X-Amz-Date is missing or more than 15 minutes from the sandbox's "
            "clock; check the client's clock",
        )
    names = signed_names.split(";")
    if "host" not in names or any(name not in headers for name in names):
        raise Refused(
            "InvalidSignatureException", "the signature must cover Host and every header it names"
        )
    # An x-amz-* header changes what a call does (X-Amz-Log-Type, X-Amz-Client-Context,
    # X-Amz-Invocation-Type): one added to a captured request must not be honoured.
    unsigned = sorted(name for name in headers if name.startswith("x-amz-") and name not in names)
    if unsigned:
        raise Refused(
            "InvalidSignatureException",
            f"the request carries {', '.join(unsigned)[:200]} outside its signature; every "
            "x-amz-* header must be among its SignedHeaders (boto3 and the AWS CLI sign them all)",
        )
    payload_hash = hashlib.sha256(body).hexdigest()
    declared = headers.get("x-amz-content-sha256")
    if declared is not None and declared != payload_hash:
        raise Refused("InvalidSignatureException", "the body does not match its signed hash")
    path, query = canonical_target(target)
    canonical, _ = sigv4.canonical_request(
        method, path, query, [(name, headers[name]) for name in names], payload_hash
    )
    expected = sigv4.signature(credentials.secret_key, timestamp, region, service, canonical)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused(
            "InvalidSignatureException",
            "the request signature does not match; sign with the secret access key this "
            "sandbox printed at start",
        )


def canonical_target(target: str) -> tuple[str, str]:
    """SigV4's canonical URI and query string of a request target, as botocore makes them for
    every service but S3 (the path's escapes encoded once more)."""
    parts = urlsplit(target)
    path = quote(parts.path or "/", safe="/~")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return path, "&".join(f"{k}={v}" for k, v in encoded)


def _parse_amz_date(text: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(text, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None
