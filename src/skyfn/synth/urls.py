"""``define_function(url=...)`` → the model's ``Url``, with Lambda's rules for a function
URL's ``Cors``; and each URL's local DNS label (collisions refused)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from skyfn.model_urls import CorsRules, Url
from skyfn.urls import Cors, FunctionUrl

METHODS = ("GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "*")  # Lambda's AllowMethods
MAX_ITEMS = 100  # AllowOrigins, AllowHeaders, ExposeHeaders: at most 100 each
MAX_ORIGIN = 253
MAX_HEADER = 1024
MAX_AGE = 86400
MAX_LABEL = 63  # one DNS label
_HEADER = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110)
_ORIGIN = re.compile(r"\*|https?://[^\s/?#]+")


def label(function_name: str) -> str:
    """The DNS label of a function's local origin: lower case, ``_`` as ``-``, no leading or
    trailing ``-``, at most 63 characters (a function name may have 64)."""
    text = function_name.lower().replace("_", "-").strip("-")[:MAX_LABEL].rstrip("-")
    return text or "fn"


def url(value: object, function_name: str, problem: Callable[[str], None]) -> Url | None:
    """``url=True``, ``FunctionUrl(...)`` or ``None``/``False`` → the model's ``Url``."""
    if value is None or value is False:
        return None
    if value is True:
        value = FunctionUrl()
    if not isinstance(value, FunctionUrl):
        problem(
            f"url={value!r:.80} is not a FunctionUrl; write url=True or "
            'url=FunctionUrl(auth="iam" | "none", cors=Cors(...)) (from skyfn import FunctionUrl)'
        )
        return None
    if value.auth not in ("iam", "none"):
        problem(f'url auth={value.auth!r:.40} is not "iam" or "none"')
        return None
    cors = None
    if value.cors is not None:
        if not isinstance(value.cors, Cors):
            problem(f"url cors={value.cors!r:.80} is not a Cors(...) (from skyfn import Cors)")
            return None
        cors = _cors(value.cors, problem)
        if cors is None:
            return None
    return Url("iam" if value.auth == "iam" else "none", label(function_name), cors)


def _cors(value: Cors, problem: Callable[[str], None]) -> CorsRules | None:
    count = 0

    def bad(text: str) -> None:
        nonlocal count
        count += 1
        problem(f"url cors {text}")

    origins = _strings(value.allow_origins, "allow_origins", bad)
    for origin in origins:
        if len(origin) > MAX_ORIGIN or not _ORIGIN.fullmatch(origin):
            bad(f"allow_origins {origin!r:.80} is not * or an origin such as https://example.com")
    methods = tuple(m.upper() for m in _strings(value.allow_methods, "allow_methods", bad))
    for method in methods:
        if method not in METHODS:
            bad(f"allow_methods {method!r:.40} is not one of {', '.join(METHODS)}")
    headers = _strings(value.allow_headers, "allow_headers", bad)
    exposed = _strings(value.expose_headers, "expose_headers", bad)
    for header in (*headers, *exposed):
        if len(header) > MAX_HEADER or not _HEADER.fullmatch(header):
            bad(f"header {header!r:.80} is not an HTTP header name")
    if not isinstance(value.allow_credentials, bool):
        bad(f"allow_credentials={value.allow_credentials!r:.40} is not True or False")
    age = value.max_age
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_AGE:
        bad(f"max_age={age!r:.40} is not whole seconds from 0 to {MAX_AGE}")
    if count:
        return None
    return CorsRules(origins, methods, headers, bool(value.allow_credentials), int(age), exposed)


def _strings(value: object, what: str, bad: Callable[[str], None]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        bad(f"{what}={value!r:.80} is not a list of strings")
        return ()
    items = tuple(value)
    if not all(isinstance(item, str) and item for item in items):
        bad(f"{what} holds something other than non-empty strings: {items!r:.80}")
        return ()
    if len(items) > MAX_ITEMS:
        bad(f"{what} has {len(items)} entries; Lambda takes at most {MAX_ITEMS}")
    return items


def collisions(named: Sequence[tuple[str, Url | None]]) -> list[str]:
    """Two functions whose URLs would share a local origin."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for name, found in named:
        if found is None:
            continue
        other = seen.setdefault(found.label, name)
        if other != name:
            problems.append(
                f"function {name}: its URL's local origin {found.label}.localhost is also "
                f"function {other}'s; rename one of them"
            )
    return problems


def trigger_lines(found: Url | None) -> list[str]:
    """What the env module's docstring says of the function's URL (nothing without one)."""
    if found is None:
        return []
    cors = ", CORS" if found.cors is not None else ""
    return [
        "",
        f'Triggers: a function URL (auth="{found.auth}"{cors}); its events are HTTP requests',
        "in payload format 2.0 (rawPath, headers, body, requestContext.http), its return the",
        "answer (a dict with statusCode, headers, body; anything else is 200 JSON).",
    ]
