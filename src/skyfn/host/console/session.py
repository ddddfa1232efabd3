"""Who may see the console: a token printed on the developer's terminal (as Jupyter's),
exchanged once for a cookie the page's scripts cannot read, plus a CSRF token on every
request that changes anything.

- ``base``: the console lives under ``/_console/<random>``, printed only on the terminal.
  Browsers send cookies by host, not by port: any other server on 127.0.0.1 the browser
  visits receives every cookie whose ``Path`` its URL matches. The cookie's ``Path`` is
  this unguessable base, so another port only gets it for a URL holding the base, which it
  cannot learn (``Referrer-Policy: same-origin`` keeps it out of ``Referer`` too).
- ``token``: in the URL the sandbox prints; ``GET <base>/?token=...`` sets the cookie and
  redirects to a URL without it (so it leaves the address bar and the history entry).
- one-time codes: what ``--open`` hands the browser (a command line every local user can
  read with ``ps``): ``/_console/?once=CODE`` signs in once, within ``ONCE_SECONDS``; it
  names neither the token nor the base.
- the cookie: ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page
  sends it), ``Secure`` when the console is served over TLS, scoped to the base and named after the port (two sandboxes on one machine
  would otherwise overwrite each other's).
- ``csrf``: a per-session value every form and script request carries; a request without it
  changes nothing even if a browser sent the cookie.

All are random per sandbox run and compared in constant time; none is stored on disk.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from http.cookies import CookieError, SimpleCookie

ROOT = "/_console"  # where the gateway hands requests to the console
ONCE_SECONDS = 20.0  # a browser started by --open asks for its URL within this


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class ConsoleSession:
    def __init__(
        self, port: int, clock: Callable[[], float] = time.monotonic, secure: bool = False
    ) -> None:
        self.token = secrets.token_urlsafe(32)
        self.cookie_value = secrets.token_urlsafe(32)
        self.csrf = secrets.token_urlsafe(32)
        self._key = secrets.token_urlsafe(18)
        self.base = f"{ROOT}/{self._key}"
        self.cookie_name = f"skyfn_console_{port}"
        self._clock = clock
        self._secure = secure  # served over TLS: the cookie never goes over plain HTTP
        self._once: dict[str, float] = {}  # code → when it expires
        self._lock = threading.Lock()

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

    def within(self, path: str) -> str | None:
        """``path`` below the base (``/`` for the base itself), or ``None`` when it is not
        under the base (compared in constant time, as the token is)."""
        if not path.startswith(f"{ROOT}/"):
            return None
        key, _, rest = path.removeprefix(f"{ROOT}/").partition("/")
        return f"/{rest}" if _same(key, self._key) else None

    def set_cookie(self) -> str:
        cookie = (
            f"{self.cookie_name}={self.cookie_value}; Path={self.base}; HttpOnly; SameSite=Strict"
        )
        return f"{cookie}; Secure" if self._secure else cookie

    def url(self, server: str) -> str:
        """The URL to print: ``server`` is the sandbox's (``http://127.0.0.1:3001``)."""
        return f"{server}{self.base}/?token={self.token}"

    def once_url(self, server: str) -> str:
        """A URL that signs in once, within ``ONCE_SECONDS`` (what ``--open`` passes)."""
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._once = {c: end for c, end in self._once.items() if end > now}
            self._once[code] = now + ONCE_SECONDS
        return f"{server}{ROOT}/?once={code}"

    def redeem(self, code: str) -> bool:
        """Whether ``code`` is a one-time code not yet used nor expired; it is used now."""
        with self._lock:
            found = next((c for c in self._once if _same(code, c)), None)
            if found is None:
                return False
            return self._once.pop(found) > self._clock()
