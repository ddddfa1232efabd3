"""When the sandbox serves function URLs (issue 24): on loopback only, unless --no-urls;
what it says at start-up either way."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from skyfn.host import url_serving
from skyfn.model import Function, Scope
from skyfn.model_urls import Url


def host_with(*urls: Url | None) -> Any:
    functions = tuple(
        Function(
            f"fn{i}", f"fn{i}", Path("."), "handler.handler", 3, 128, (), (),
            Scope("sandbox", "me"), "local", url=url,
        )
        for i, url in enumerate(urls)
    )  # fmt: skip
    return SimpleNamespace(model=SimpleNamespace(functions=functions))


def test_off_the_loopback_urls_are_off_and_start_up_says_so() -> None:
    server = cast(Any, SimpleNamespace(urls=None))
    lines = url_serving.attach(server, host_with(Url("none", "fn0")), "0.0.0.0", True)
    assert lines and "off, since --host 0.0.0.0 is not a loopback address" in lines[0]
    assert server.urls is None


def test_no_urls_turns_them_off_and_says_so() -> None:
    server = cast(Any, SimpleNamespace(urls=None))
    lines = url_serving.attach(server, host_with(Url("iam", "fn0")), "127.0.0.1", False)
    assert lines == ["function URLs: off (--no-urls)"]
    assert server.urls is None


def test_nothing_is_said_without_url_functions() -> None:
    server = cast(Any, SimpleNamespace(urls=None))
    assert url_serving.attach(server, host_with(None), "0.0.0.0", True) == []
    assert url_serving.attach(server, host_with(None), "127.0.0.1", False) == []
