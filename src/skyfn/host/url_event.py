"""What the function URL service does to a request and an answer, without HTTP: an HTTP
request → the payload format 2.0 event, a handler's return → the HTTP answer. Pure.

As AWS documents (Lambda, "Invoking Lambda function URLs", request and response payloads):
headers lower-cased, repeated ones comma-joined, the ``Cookie`` header moved to
``cookies``; repeated query keys comma-joined; a binary body base64-encoded; fields with
nothing to say (``cookies``, ``queryStringParameters``, ``body``, ``authorizer``) left out.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
)


@dataclass(frozen=True)
class UrlRequest:
    method: str
    target: str  # path and query, as sent
    headers: tuple[tuple[str, str], ...]  # every field, in order, as sent
    body: bytes
    source_ip: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]  # Set-Cookie may repeat
    body: bytes


def is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return (
        kind.startswith("text/")
        or kind in _TEXT_TYPES
        or kind.endswith("+json")
        or kind.endswith("+xml")
    )


def event(
    request: UrlRequest,
    *,
    domain: str,
    account_id: str,
    request_id: str,
    now: float | None = None,
    iam: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event of ``request`` on the URL ``domain`` (its host name)."""
    when = time.time() if now is None else now
    path, _, query = request.target.partition("?")
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    prefix = domain.split(".", 1)[0]
    context: dict[str, Any] = {
        "accountId": "anonymous" if iam is None else account_id,
        "apiId": prefix,
        "domainName": domain,
        "domainPrefix": prefix,
        "http": {
            "method": request.method,
            "path": path or "/",
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(when)),
        "timeEpoch": int(when * 1000),
    }
    if iam is not None:
        context["authorizer"] = {"iam": dict(iam)}
    out: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path or "/",
        "rawQueryString": query,
    }
    if cookies:
        out["cookies"] = cookies
    out["headers"] = headers
    if params:
        out["queryStringParameters"] = params
    out["requestContext"] = context
    if request.body:
        text = is_text(headers.get("content-type", ""))
        try:
            out["body"] = request.body.decode("utf-8") if text else None
        except UnicodeDecodeError:
            out["body"] = None
        binary = out["body"] is None
        if binary:
            out["body"] = base64.b64encode(request.body).decode()
        out["isBase64Encoded"] = binary
    else:
        out["isBase64Encoded"] = False
    return out


class BadResponse(ValueError):
    """A return the URL service cannot turn into an answer (it answers 502)."""


def answer(payload: bytes) -> Answer:
    """A handler's return (the invocation's JSON payload) → the HTTP answer.

    A JSON object with ``statusCode``: its ``statusCode``, ``headers``, ``cookies`` (as
    ``Set-Cookie``), ``body`` (base64-decoded with ``isBase64Encoded``); anything else: 200,
    ``content-type: application/json`` and the JSON of the value."""
    value = json.loads(payload)
    if not isinstance(value, dict) or "statusCode" not in value:
        return Answer(200, (("content-type", "application/json"),), json.dumps(value).encode())
    status = value["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise BadResponse(f"statusCode {status!r:.40} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    given = value.get("headers") or {}
    if not isinstance(given, dict):
        raise BadResponse("headers is not an object")
    for key, item in given.items():
        headers.append((str(key), _header_text(item)))
    cookies = value.get("cookies") or []
    if not isinstance(cookies, list):
        raise BadResponse("cookies is not a list")
    headers.extend(("set-cookie", str(c)) for c in cookies)
    body = value.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        if value.get("isBase64Encoded") is True:
            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise BadResponse("body is not base64 although isBase64Encoded") from exc
        else:
            data = body.encode()
    else:
        data = json.dumps(body).encode()
    return Answer(status, tuple(headers), data)


def _header_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
