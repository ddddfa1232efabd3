"""``Host`` on real worker processes of a tiny project: pools per function, reloads that
add, remove and restart functions, background and isolated invocations."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from skyfn.errors import SkyfnError
from skyfn.host.environment import HostOptions, Overrides
from skyfn.host.pool import HostClosed
from skyfn.host.supervisor import Host, UnknownFunction
from skyfn.model import Function, Model
from tests.unit.host.conftest import Terminal, gone, pid


@pytest.fixture()
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture()
def host(model: Model, terminal: Terminal) -> Iterator[Host]:
    host = Host(model, HostOptions(max_workers=2), terminal, {})
    yield host
    host.close()


def function(model: Model, name: str) -> Function:
    found = model.function(name)
    assert found is not None
    return found


def test_an_unknown_function_names_the_known_ones(host: Host) -> None:
    with pytest.raises(UnknownFunction) as raised:
        host.pool("nope")
    assert str(raised.value) == "no function named 'nope' in this backend (functions: other, probe)"
    assert raised.value.name == "nope"
    assert isinstance(raised.value, SkyfnError)


def test_an_empty_backend_has_no_functions(model: Model) -> None:
    empty = dataclasses.replace(model, functions=())
    with pytest.raises(UnknownFunction, match=r"\(functions: none\)"):
        Host(empty, HostOptions(), Terminal(), {}).invoke("probe", {})


def test_each_function_has_its_pool_and_options_reach_it(host: Host) -> None:
    assert host.invoke("probe", {"n": 1}).result["event"] == {"n": 1}
    assert host.invoke("other", {}).result["greeting"] == "hello"
    assert host.pool("probe").function.name == "probe"
    assert len(host.workers()) == 2
    assert host.pool("probe")._max == 2


def test_update_adds_and_removes_functions(model: Model, terminal: Terminal) -> None:
    only_probe = dataclasses.replace(model, functions=(function(model, "probe"),))
    host = Host(only_probe, HostOptions(), terminal, {})
    try:
        kept = pid(host.invoke("probe", {}))
        assert host.update(model) == ["other"]
        assert pid(host.invoke("other", {})) != kept
        assert pid(host.invoke("probe", {})) == kept  # unchanged: still warm
        removed = pid(host.invoke("other", {}))
        assert host.update(only_probe) == ["other"]
        assert gone(removed)
        with pytest.raises(UnknownFunction, match=r"\(functions: probe\)"):
            host.pool("other")
        assert [w.pid for w in host.workers()] == [kept]
    finally:
        host.close()


def test_update_restarts_changed_and_named_functions_only(host: Host, model: Model) -> None:
    probe, other = pid(host.invoke("probe", {})), pid(host.invoke("other", {}))
    assert host.update(model) == []
    assert {w.pid for w in host.workers()} == {probe, other}
    bigger = dataclasses.replace(function(model, "probe"), memory_mb=256)
    changed = dataclasses.replace(model, functions=(bigger, function(model, "other")))
    assert host.update(changed) == ["probe"]
    assert gone(probe)
    assert host.pool("probe").function == bigger
    assert "\tMemory Size: 256 MB\t" in host.invoke("probe", {}).logs
    assert host.update(changed, changed=["other"]) == ["other"]
    assert gone(other)
    assert host.model == changed


def test_recycle_restarts_the_named_and_ignores_unknown_names(host: Host) -> None:
    probe, other = pid(host.invoke("probe", {})), pid(host.invoke("other", {}))
    host.recycle(["probe", "nope"])
    assert gone(probe)
    assert [w.pid for w in host.workers()] == [other]


def test_an_event_invocation_runs_in_the_background_and_logs_a_failure(
    host: Host, terminal: Terminal
) -> None:
    assert host.invoke_in_background("probe", b'{"raise": "late"}', "event-rid") is None
    deadline = time.monotonic() + 30
    while "async invocation failed" not in terminal.text():
        assert time.monotonic() < deadline, terminal.text()
        time.sleep(0.01)
    assert "[probe event-ri] async invocation failed: " in terminal.text()
    assert '"errorMessage": "late"' in terminal.text()


def test_an_event_invocation_after_close_is_logged_not_run(host: Host, terminal: Terminal) -> None:
    host.close()
    assert host.invoke_in_background("probe", b"{}", "closed-rid") is None
    deadline = time.monotonic() + 30
    while "async invocation not run" not in terminal.text():
        assert time.monotonic() < deadline, terminal.text()
        time.sleep(0.01)
    assert "the host is stopping; probe not invoked" in terminal.text()


def test_close_kills_and_waits_for_background_invocations(host: Host, terminal: Terminal) -> None:
    assert host.invoke_in_background("probe", b'{"sleep": 30}', "slow-rid") is None
    deadline = time.monotonic() + 30
    while "START RequestId: slow-rid" not in terminal.text():
        assert time.monotonic() < deadline, terminal.text()
        time.sleep(0.01)
    began = time.monotonic()
    host.close()
    assert time.monotonic() - began < 10
    assert "async invocation failed: " in terminal.text()  # joined: already logged
    assert "Runtime.ExitError" in terminal.text()


def test_an_isolated_invocation_has_its_overrides_and_its_own_worker(host: Host) -> None:
    warm = pid(host.invoke("probe", {}))
    outcome = host.invoke_isolated("probe", {}, Overrides(env={"GREETING": "hi"}))
    assert outcome.result["greeting"] == "hi"
    assert gone(pid(outcome))
    assert [w.pid for w in host.workers()] == [warm]
    assert host.invoke("probe", {}).result["greeting"] == "hello"


def test_a_wrong_override_is_a_skyfn_error(host: Host) -> None:
    with pytest.raises(SkyfnError, match="has no secrets; drop secrets="):
        host.invoke_isolated("probe", {}, Overrides(secrets={"X": "1"}))


def test_close_stops_every_worker(host: Host) -> None:
    workers = [pid(host.invoke(name, {})) for name in ("probe", "other")]
    host.close()
    assert all(gone(w) for w in workers)
    with pytest.raises(HostClosed):
        host.invoke("probe", {})
