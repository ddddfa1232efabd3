"""pytest plugin (entry point ``pytest11: skyfn``): test handlers through the local host.

    def test_greets(skyfn_invoke):
        assert skyfn_invoke("say-hello", {}, secrets={"MY_API_KEY": "test"}) == "Hello, World!"

Each call runs the function in a fresh worker, with the same clean environment and cold
start as ``skyfn sandbox``; ``env=`` overrides its values and ``secrets=`` (secret name →
value) replaces the secret store for that call. No store, no credentials needed.

A failing test shows no secret value given as ``secrets=``: the plugin's own frames are
hidden from pytest's traceback (``__tracebackhide__``), the values are kept in a mapping whose
``repr`` shows only the names (frames further down show ``'****'``, also under ``-l``), and
``FunctionFailed`` masks them in its message and in the function's logs, in every form the
runtime's masker knows. (The test's own source and locals are the user's to write.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from skyfn.host.supervisor import Host


class FunctionFailed(AssertionError):
    """The function returned Lambda's error shape; ``error`` holds it, ``logs`` its logs
    (both with the values of ``secrets`` masked)."""

    def __init__(self, name: str, error: Any, logs: str, secrets: Iterable[str] = ()) -> None:
        from skyfn.runtime import error_shape
        from skyfn.runtime.masking import Masker

        masker = Masker(secrets)
        error, logs = masker.value(error), masker.text(logs)
        kind, message = error_shape.parse(error)
        super().__init__(f"function {name} failed: {kind}: {message}\n{logs}")
        self.error = error
        self.logs = logs
        self.error_type = kind


class HiddenValues(dict[str, str]):
    """Secret name -> value, shown as ``{'NAME': '****'}`` in any traceback or repr."""

    def __repr__(self) -> str:
        return repr(dict.fromkeys(self, "****"))

    __str__ = __repr__


class Invoke(Protocol):
    def __call__(
        self,
        name: str,
        event: Any = None,
        *,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Any: ...


@pytest.fixture(scope="session")
def skyfn_host(pytestconfig: pytest.Config) -> Iterator[Host]:
    """The host of the project around pytest's root folder (its env modules regenerated)."""
    import os

    from skyfn import scope
    from skyfn.host.environment import HostOptions, host_region
    from skyfn.host.logs import LogSink
    from skyfn.host.supervisor import Host
    from skyfn.project import find_project
    from skyfn.synth.run import generate_env

    project = find_project(pytestconfig.rootpath)
    model = generate_env(project, scope.sandbox("pytest"), "inline").model
    host = Host(model, HostOptions(region=host_region(os.environ)), LogSink(prefix=True), {})
    try:
        yield host
    finally:
        host.close()


@pytest.fixture()
def skyfn_invoke(skyfn_host: Host) -> Invoke:
    """Invoke a function of this project: its result, or ``FunctionFailed``."""
    from skyfn.host.environment import Overrides

    def invoke(
        name: str,
        event: Any = None,
        *,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Any:
        __tracebackhide__ = True  # its arguments hold the secret values
        hidden = HiddenValues(secrets or {})
        secrets = None
        overrides = Overrides(env=dict(env or {}), secrets=hidden)
        outcome = skyfn_host.invoke_isolated(name, {} if event is None else event, overrides)
        if outcome.error:
            raise FunctionFailed(name, outcome.result, outcome.logs, hidden.values())
        return outcome.result

    return invoke
