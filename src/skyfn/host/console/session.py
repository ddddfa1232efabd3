"""Who may see the console: a token printed on the developer's terminal (as Jupyter's),
exchanged once for a cookie the page's scripts cannot read, plus a CSRF token on every
request that changes anything.

- ``token``: in the URL the sandbox prints; ``GET /_console/?token=...`` sets the cookie and
  redirects to a URL without it (so it leaves the address bar and the history entry).
- the cookie: ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page
  sends it), scoped to ``/_console`` and named after the port (cookies ignore ports, so two
  sandboxes on one machine would otherwise overwrite each other's).
- ``csrf``: a per-session value every form and script request carries; a request without it
  changes nothing even if a browser sent the cookie.

All three are random per sandbox run and compared in constant time; none is stored.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class ConsoleSession:
    def __init__(self, port: int) -> None:
        self.token = secrets.token_urlsafe(32)
        self.cookie_value = secrets.token_urlsafe(32)
        self.csrf = secrets.token_urlsafe(32)
        self.cookie_name = f"skyfn_console_{port}"

    def token_ok(self, given: str | None) -> bool:
        return _same(given, self.token)

    def csrf_ok(self, given: str | None) -> bool:
        return _same(given, self.csrf)

    def signed_in(self, headers: Mapping[str, str]) -> bool:
        """Whether the request carries this session's cookie (headers keyed lower-case)."""
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except CookieError:
            return False
        morsel = jar.get(self.cookie_name)
        return morsel is not None and _same(morsel.value, self.cookie_value)

    def set_cookie(self) -> str:
        return f"{self.cookie_name}={self.cookie_value}; Path=/_console; HttpOnly; SameSite=Strict"

    def url(self, base: str) -> str:
        """The URL to open: ``base`` is the sandbox's (``http://127.0.0.1:3001``)."""
        return f"{base}/_console/?token={self.token}"
