"""The console's session: a random token per run, a cookie only its own value opens."""

from __future__ import annotations

from skyfn.host.console.session import ConsoleSession


def test_each_run_has_its_own_secrets() -> None:
    one, two = ConsoleSession(3001), ConsoleSession(3001)
    assert one.token != two.token and one.csrf != two.csrf and one.cookie_value != two.cookie_value
    assert one.url("http://127.0.0.1:3001") == f"http://127.0.0.1:3001/_console/?token={one.token}"


def test_only_the_sessions_cookie_signs_in() -> None:
    session = ConsoleSession(3001)
    cookie = session.set_cookie()
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/_console" in cookie
    good = f"{session.cookie_name}={session.cookie_value}"
    assert session.signed_in({"cookie": f"other=1; {good}"})
    assert not session.signed_in({"cookie": f"{session.cookie_name}=guess"})
    assert not session.signed_in({"cookie": f"skyfn_console_3002={session.cookie_value}"})
    assert not session.signed_in({"cookie": '"; broken'})
    assert not session.signed_in({})
    assert session.token_ok(session.token) and not session.token_ok(None)
    assert session.csrf_ok(session.csrf) and not session.csrf_ok("")
