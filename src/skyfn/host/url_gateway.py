"""Function URLs on the sandbox's port: ``http://<label>.localhost:<port>/`` serves the URL
of the function whose label it names, as the URL service does (``url_event``).

Every request whose ``Host`` is a ``*.localhost`` name is answered here, before the console
or the Invoke API sees it: a URL's origin never reaches either of them. Stricter than AWS,
since the function holds the developer's credentials:

- a request whose ``Origin`` is another site than the URL's own and not in its CORS
  ``allow_origins`` is refused (403), as is one a browser marks cross-site without one;
- ``auth="iam"``: a SigV4 signature made with the sandbox's session credentials.

CORS preflights are answered here from ``cors=``, never by the function.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from skyfn.host import url_event
from skyfn.host.access import Refused, SessionCredentials, split_host, verify_signature
from skyfn.host.gateway import Response
from skyfn.host.outcome import Outcome
from skyfn.host.pool import AtCapacity, HostClosed
from skyfn.host.request_ids import new_request_id
from skyfn.model import Function
from skyfn.model_urls import CorsRules
from skyfn.runtime.lambda_platform import LOCAL_ACCOUNT_ID, MAX_PAYLOAD

SUFFIX = ".localhost"


class UrlPool(Protocol):
    @property
    def function(self) -> Function: ...

    def invoke(self, event: Any, request_id: str | None = None) -> Outcome: ...


@dataclass(frozen=True)
class Served:
    """One URL function: its origin's host name and its pool."""

    host: str  # <label>.localhost
    function: Function


def text(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps({"Message": message}).encode()
    return Response(status, {"Content-Type": "application/json", **(headers or {})}, body)


class UrlGateway:
    """Routes ``*.localhost`` requests to URL functions; keeps no state of its own."""

    def __init__(
        self,
        functions: Callable[[], Iterable[Function]],
        pool: Callable[[str], UrlPool],
        port: int,
        credentials: SessionCredentials | None = None,
        now: Callable[[], float] = time.time,
        scheme: str = "http",
    ) -> None:
        """``functions``: the host's current functions (reloads change them); ``credentials``:
        what ``auth="iam"`` URLs require signatures with (``None``: generated here)."""
        self._functions = functions
        self._pool = pool
        self.port = port
        self.credentials = credentials or SessionCredentials.generate()
        self._now = now
        self.scheme = scheme

    def origin(self, function: Function) -> str:
        assert function.url is not None
        return f"{self.scheme}://{function.url.label}{SUFFIX}:{self.port}"

    def served(self) -> list[Function]:
        return [f for f in self._functions() if f.url is not None]

    def claims(self, host_header: str) -> bool:
        """Whether this layer answers a request naming ``host_header``: any ``*.localhost``."""
        name, _ = split_host(host_header)
        return name.endswith(SUFFIX)

    def handle(
        self,
        method: str,
        target: str,
        pairs: Iterable[tuple[str, str]],
        body: bytes,
        source_ip: str,
    ) -> Response | None:
        """The answer, or ``None`` when the request is not for a URL (not ``*.localhost``)."""
        headers = tuple(pairs)
        first: dict[str, str] = {}
        for key, value in headers:
            first.setdefault(key.lower(), value)
        host = first.get("host", "")
        if not self.claims(host):
            return None
        name, port = split_host(host)
        label = name.removesuffix(SUFFIX)
        function = next((f for f in self.served() if f.url and f.url.label == label), None)
        if function is None or port != self.port:
            return text(404, f"no function URL at {host[:100]!r}; the sandbox printed its URLs")
        assert function.url is not None
        own = self.origin(function)
        cors = function.url.cors
        origin = first.get("origin")
        try:
            self._check_origin(origin, own, cors, first.get("sec-fetch-site", ""))
        except Refused as exc:
            return text(403, exc.message)
        allowed = _cors_headers(origin, own, cors)
        if method == "OPTIONS" and origin is not None and "access-control-request-method" in first:
            return Response(200, {"Content-Type": "text/plain", **_preflight(cors, allowed)})
        iam = None
        if function.url.auth == "iam":
            try:
                verify_signature(self.credentials, method, target, first, body, self._now())
            except Refused as exc:
                return text(403, exc.message, allowed)
            iam = self._caller()
        request_id = new_request_id()
        request = url_event.UrlRequest(method, target, headers, body, source_ip)
        event = url_event.event(
            request,
            domain=name,
            account_id=LOCAL_ACCOUNT_ID,
            request_id=request_id,
            now=self._now(),
            iam=iam,
        )
        try:
            outcome = self._pool(function.name).invoke(event, request_id)
        except AtCapacity:
            return text(429, "Rate Exceeded.", allowed)
        except HostClosed as exc:
            return text(503, str(exc), allowed)
        if outcome.error:
            return text(502, "Internal Server Error", allowed)
        if len(outcome.payload) > MAX_PAYLOAD:
            return text(
                502,
                "Response payload size exceeded maximum allowed payload size "
                f"({MAX_PAYLOAD} bytes).",
                allowed,
            )
        try:
            result = url_event.answer(outcome.payload)
        except (url_event.BadResponse, ValueError):
            return text(502, "Internal Server Error", allowed)
        return _response(result, allowed, request_id)

    def _check_origin(
        self, origin: str | None, own: str, cors: CorsRules | None, site: str
    ) -> None:
        if origin is not None:
            given = origin.strip().lower().rstrip("/")
            listed = cors is not None and (
                "*" in cors.allow_origins
                or given in (o.lower().rstrip("/") for o in cors.allow_origins)
            )
            if given != own and not listed:
                raise Refused(
                    "AccessDeniedException",
                    f"Origin {origin[:100]!r} is not this URL's ({own}) nor in its "
                    "cors allow_origins; the local sandbox refuses other web pages",
                )
        elif site.strip().lower() in ("cross-site", "same-site"):
            raise Refused(
                "AccessDeniedException",
                "a request from another site (Sec-Fetch-Site) is refused by the local sandbox",
            )

    def _caller(self) -> dict[str, Any]:
        key = self.credentials.access_key
        return {
            "accessKey": key,
            "accountId": LOCAL_ACCOUNT_ID,
            "callerId": key,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:user/skyfn-sandbox",
            "userId": key,
        }


def _cors_headers(origin: str | None, own: str, cors: CorsRules | None) -> dict[str, str]:
    """What an answer to an allowed cross-origin request carries (Lambda adds them)."""
    if cors is None or origin is None or origin.strip().lower().rstrip("/") == own:
        return {}
    out = {"Access-Control-Allow-Origin": "*" if "*" in cors.allow_origins else origin}
    if "*" not in cors.allow_origins:
        out["Vary"] = "Origin"
    if cors.allow_credentials:
        out["Access-Control-Allow-Credentials"] = "true"
    if cors.expose_headers:
        out["Access-Control-Expose-Headers"] = ",".join(cors.expose_headers)
    return out


def _preflight(cors: CorsRules | None, allowed: dict[str, str]) -> dict[str, str]:
    out = dict(allowed)
    if cors is None:
        return out
    if cors.allow_methods:
        out["Access-Control-Allow-Methods"] = ",".join(cors.allow_methods)
    if cors.allow_headers:
        out["Access-Control-Allow-Headers"] = ",".join(cors.allow_headers)
    if cors.max_age:
        out["Access-Control-Max-Age"] = str(cors.max_age)
    return out


def _response(result: url_event.Answer, allowed: dict[str, str], request_id: str) -> Response:
    headers: dict[str, str] = {"x-amzn-RequestId": request_id}
    cookies: list[str] = []
    for key, value in result.headers:
        if key.lower() == "set-cookie":
            cookies.append(value)
        elif key.lower() == "content-type":  # the HTTP layer writes it under this name
            headers["Content-Type"] = value
        else:
            headers[key] = value
    headers.setdefault("Content-Type", "application/json")
    headers.update(allowed)
    return Response(result.status, headers, result.body, cookies=tuple(cookies))
