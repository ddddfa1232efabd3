from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis profiles, chosen with --hypothesis-profile=NAME. "default" is what make test runs
# (each test's own @settings); "ci" is the same with a fixed seed and no example database;
# "long" is for a pre-release run: tests/robustness/test_every_option.py then generates 300
# backends (random, shrinking a failure) instead of its fixed ten (about an hour on 2 cores).
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("long", max_examples=300, deadline=None)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep every test's skyfn data (the local store) out of the real home directory."""
    home = tmp_path_factory.mktemp("skyfn-home")
    old = os.environ.get("SKYFN_HOME")
    os.environ["SKYFN_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("SKYFN_HOME", None)
    else:
        os.environ["SKYFN_HOME"] = old


from tests.support.aws import aws, moto_server  # noqa: E402  (fixtures shared by every AWS test)
from tests.support.openbao import fresh_openbao, openbao  # noqa: E402  (Vault's tests)
from tests.support.traffic import traffic  # noqa: E402  (calls counted on the wire)

__all__ = ["aws", "fresh_openbao", "moto_server", "openbao", "traffic"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the robustness counts (tests/support/report.py) at the end of the run."""
    from tests.support import report

    found = report.lines()
    if found:
        terminalreporter.section("skyfn robustness report")
        for line in found:
            terminalreporter.write_line(line)
