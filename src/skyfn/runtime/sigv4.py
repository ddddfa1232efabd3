"""AWS Signature Version 4 for one request, with the standard library only (hmac, hashlib).

Kept apart from the SSM client so tests can compare it with botocore's signer byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import NamedTuple

ALGORITHM = "AWS4-HMAC-SHA256"


class Credentials(NamedTuple):
    access_key: str
    secret_key: str
    token: str | None = None


def amz_date(now: float | None = None) -> str:
    """``YYYYMMDDTHHMMSSZ`` in UTC (time.strftime: the datetime module would cost an import)."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    payload_hash: str,
) -> tuple[str, str]:
    """The canonical request and its signed-header list. ``path`` and ``query`` are already
    canonical (URI-encoded, the query's pairs sorted); ``headers`` are the signed ones."""
    canonical = sorted((k.lower(), " ".join(v.split())) for k, v in headers)
    signed_names = ";".join(name for name, _ in canonical)
    text = "\n".join(
        [
            method,
            path,
            query,
            "".join(f"{name}:{value}\n" for name, value in canonical),
            signed_names,
            payload_hash,
        ]
    )
    return text, signed_names


def credential_scope(timestamp: str, region: str, service: str) -> str:
    return f"{timestamp[:8]}/{region}/{service}/aws4_request"


def signature(secret_key: str, timestamp: str, region: str, service: str, canonical: str) -> str:
    """The hex signature of a canonical request (the recipe botocore and AWS follow)."""
    scope = credential_scope(timestamp, region, service)
    string_to_sign = "\n".join(
        [ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = signing_key(secret_key, timestamp[:8], region, service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def sign(
    *,
    method: str,
    host: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    timestamp: str,
) -> dict[str, str]:
    """``headers`` plus Host, X-Amz-Date, X-Amz-Security-Token and Authorization.

    Every header given is signed, so pass only those the server must see unchanged
    (http.client adds Content-Length and Accept-Encoding itself, unsigned, as botocore does).
    """
    signed = {**headers, "Host": host, "X-Amz-Date": timestamp}
    if credentials.token:
        signed["X-Amz-Security-Token"] = credentials.token
    # no query string: every SSM call is a POST to /
    canonical, signed_names = canonical_request(
        method, path, "", list(signed.items()), hashlib.sha256(body).hexdigest()
    )
    hex_signature = signature(credentials.secret_key, timestamp, region, service, canonical)
    scope = credential_scope(timestamp, region, service)
    signed["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_names}, Signature={hex_signature}"
    )
    return signed
