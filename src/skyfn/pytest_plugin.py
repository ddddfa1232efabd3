"""pytest plugin (entry point ``pytest11: skyfn``): test handlers through the local host.

    def test_greets(skyfn_invoke):
        assert skyfn_invoke("say-hello", {}, secrets={"MY_API_KEY": "test"}) == "Hello, World!"

Each call runs the function in a fresh worker, with the same clean environment and cold
start as ``skyfn sandbox``; ``env=`` overrides its values (keys the function defines, values
of the definition's types: str, int, float, bool) and ``secrets=`` (secret name → value)
replaces the secret store for that call. No store, no credentials needed. ``returns=``
checks the result's type and gives it to the type checker.

To call a handler in the test's own process (coverage, breakpoints), ``skyfn_env`` applies
a function's values and secrets to ``os.environ`` for one test and restores it after:

    def test_in_process(skyfn_env):
        skyfn_env("say-hello", secrets={"MY_API_KEY": "test"})
        from functions.say_hello.handler import handler
        assert handler({}, None) == "Hello, World!"

That runs in the test's interpreter and virtualenv, not in a worker: none of a worker's
isolation (its own process, a clean environment, the bundle's files, its packages).

A failing test shows no secret value given as ``secrets=``: the plugin's own frames are
hidden from pytest's traceback (``__tracebackhide__``), the values are kept in a mapping whose
``repr`` shows only the names (frames further down show ``'****'``, also under ``-l``), and
``FunctionFailed`` masks them in its message and in the function's logs, in every form the
runtime's masker knows. (The test's own source and locals are the user's to write.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

import pytest

if TYPE_CHECKING:
    from skyfn.host.outcome import Outcome
    from skyfn.host.supervisor import Host


class FunctionFailed(AssertionError):
    """The function returned Lambda's error shape; ``error`` holds it, ``logs`` its logs
    (both with the values of ``secrets`` masked), ``hint`` what to do about it where skyfn
    knows (the ``requirements.txt`` a package it could not import belongs in), else ``""``."""

    def __init__(
        self, name: str, error: Any, logs: str, secrets: Iterable[str] = (), hint: str = ""
    ) -> None:
        from skyfn.runtime import error_shape
        from skyfn.runtime.masking import Masker

        masker = Masker(secrets)
        error, logs = masker.value(error), masker.text(logs)
        kind, message = error_shape.parse(error)
        said = f"{hint}\n" if hint else ""
        super().__init__(f"function {name} failed: {kind}: {message}\n{said}{logs}")
        self.error = error
        self.logs = logs
        self.error_type = kind
        self.hint = hint


class HiddenValues(dict[str, str]):
    """Secret name -> value, shown as ``{'NAME': '****'}`` in any traceback or repr."""

    def __repr__(self) -> str:
        return repr(dict.fromkeys(self, "****"))

    __str__ = __repr__


T = TypeVar("T")
EnvOverride = str | int | float | bool  # the definition's value types


class Invoke(Protocol):
    """``skyfn_invoke``'s type: the decoded result (``Any``), or with ``returns=`` that type,
    checked."""

    @overload
    def __call__(
        self,
        name: str,
        event: Any = None,
        *,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, EnvOverride] | None = None,
    ) -> Any: ...

    @overload
    def __call__(
        self,
        name: str,
        event: Any = None,
        *,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, EnvOverride] | None = None,
        returns: type[T],
    ) -> T: ...


class ApplyEnv(Protocol):
    """``skyfn_env``'s type."""

    def __call__(
        self,
        name: str,
        *,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, EnvOverride] | None = None,
    ) -> None: ...


def pytest_sessionstart(session: pytest.Session) -> None:
    """Write the project's env modules before collection: a test module that imports a
    handler at its top (and the handler ``skyfn_env``) is imported before any fixture runs.
    Outside a skyfn project, or with a backend that does not load, nothing happens here
    (``skyfn_host`` says why, in the tests that use it)."""
    from skyfn import scope
    from skyfn.errors import SkyfnError
    from skyfn.project import find_project
    from skyfn.synth.run import generate_env

    try:
        project = find_project(session.config.rootpath)
        generate_env(project, scope.sandbox("pytest"), "inline")
    except SkyfnError:
        return
    import importlib
    import sys

    from skyfn.project import generated_dir

    # pytest's pythonpath put the folder on sys.path before it existed: forget that finding
    for entry in (str(generated_dir(project.root)), ".skyfn/generated"):
        sys.path_importer_cache.pop(entry, None)
    importlib.invalidate_caches()


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
    from skyfn.host.lambda_endpoint import serving

    options = HostOptions(region=host_region(os.environ), fork_workers=True)
    host = Host(model, options, LogSink(prefix=True), {})
    try:
        with serving(host):  # a function may invoke those it references (function_ref)
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
        env: Mapping[str, EnvOverride] | None = None,
        returns: type[Any] | None = None,
    ) -> Any:
        __tracebackhide__ = True  # its arguments hold the secret values
        hidden = HiddenValues(secrets or {})
        secrets = None
        overrides = Overrides(env=dict(env or {}), secrets=hidden)
        outcome = skyfn_host.invoke_isolated(name, {} if event is None else event, overrides)
        if outcome.error:
            hint = _hint(skyfn_host, name, outcome)
            raise FunctionFailed(name, outcome.result, outcome.logs, hidden.values(), hint)
        if returns is not None and not isinstance(outcome.result, returns):
            raise AssertionError(
                f"function {name} returned {type(outcome.result).__name__}, not {returns.__name__}"
            )
        return outcome.result

    return invoke


def _hint(host: Host, name: str, outcome: Outcome) -> str:
    """A failed call that could not import a package no requirements file of the function
    declares names the file to add it to, as ``skyfn invoke`` does."""
    from skyfn.host.package_hint import missing_package
    from skyfn.project import backend_dir

    function = host.model.function(name)
    if function is None:
        return ""
    backend = backend_dir(host.model.project_root)
    return missing_package(function, backend, outcome.failure()) or ""


@pytest.fixture()
def skyfn_env(skyfn_host: Host, monkeypatch: pytest.MonkeyPatch) -> ApplyEnv:
    """Apply a function's values and secrets to ``os.environ`` for this test (restored
    after it), to call its handler in this process."""
    from skyfn.host.environment import Overrides
    from skyfn.host.in_process import variables

    def apply(
        name: str,
        *,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, EnvOverride] | None = None,
    ) -> None:
        __tracebackhide__ = True  # its arguments hold the secret values
        overrides = Overrides(env=dict(env or {}), secrets=HiddenValues(secrets or {}))
        secrets = None
        found = variables(skyfn_host.model, name, overrides, skyfn_host.options.region)
        for key, value in found.items():
            monkeypatch.setenv(key, value)

    return apply
