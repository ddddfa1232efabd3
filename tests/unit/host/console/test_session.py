"""The console's session: a random token and path per run, a cookie only its own value opens
and only its own path receives, one-time links that work once and briefly."""

from __future__ import annotations

from skyfn.host.console.session import ONCE_SECONDS, ConsoleSession


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_run_has_its_own_secrets() -> None:
    one, two = ConsoleSession(3001), ConsoleSession(3001)
    assert one.token != two.token and one.csrf != two.csrf and one.cookie_value != two.cookie_value
    assert one.base != two.base and one.base.startswith("/_console/")
    assert one.url("http://127.0.0.1:3001") == (
        f"http://127.0.0.1:3001{one.base}/?token={one.token}"
    )


def test_only_the_sessions_cookie_signs_in() -> None:
    session = ConsoleSession(3001)
    cookie = session.set_cookie()
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert f"Path={session.base};" in cookie  # not /_console: another port cannot ask for it
    good = f"{session.cookie_name}={session.cookie_value}"
    assert session.signed_in({"cookie": f"other=1; {good}"})
    assert not session.signed_in({"cookie": f"{session.cookie_name}=guess"})
    assert not session.signed_in({"cookie": f"skyfn_console_3002={session.cookie_value}"})
    assert not session.signed_in({"cookie": '"; broken'})
    assert not session.signed_in({})
    assert session.token_ok(session.token) and not session.token_ok(None)
    assert session.csrf_ok(session.csrf) and not session.csrf_ok("")


def test_paths_count_only_under_the_random_base() -> None:
    session = ConsoleSession(3001)
    assert session.within(session.base) == "/"
    assert session.within(f"{session.base}/") == "/"
    assert session.within(f"{session.base}/functions/a/invoke") == "/functions/a/invoke"
    assert session.within("/_console/") is None
    assert session.within("/_console/secrets") is None
    assert session.within(f"{session.base}x/secrets") is None
    assert session.within(f"/elsewhere{session.base}") is None


def test_a_one_time_link_works_once_and_names_neither_token_nor_base() -> None:
    session = ConsoleSession(3001, Clock())
    link = session.once_url("http://127.0.0.1:3001")
    assert session.token not in link and session.base not in link
    code = link.split("once=")[1]
    assert not session.redeem("guessed")
    assert session.redeem(code)
    assert not session.redeem(code)  # second use


def test_a_one_time_link_expires_within_seconds() -> None:
    clock = Clock()
    session = ConsoleSession(3001, clock)
    late = session.once_url("http://x").split("once=")[1]
    fresh = session.once_url("http://x").split("once=")[1]
    clock.now += ONCE_SECONDS - 1
    assert session.redeem(fresh)
    clock.now += 2
    assert not session.redeem(late)  # expired: refused (and forgotten)
    assert not session.redeem(late)
    assert ONCE_SECONDS <= 30


def test_over_tls_the_cookie_is_secure() -> None:
    """A Secure cookie is never sent over plain HTTP, e.g. to another server on the host."""
    assert "Secure" not in ConsoleSession(3001).set_cookie()
    assert ConsoleSession(3001, secure=True).set_cookie().endswith("; Secure")
