"""A failing or erroring test that used ``skyfn_invoke(..., secrets=...)``: pytest's report
(with and without ``--showlocals``) holds no secret value, from the plugin's frames,
``FunctionFailed`` or the function's logs. The test's own source lines are the user's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import make_project, resource, write

VALUE = 'plugin-Canary"Qx\\\\9-Ünï'  # escaped forms differ from it
HANDLER = """\
import os

def handler(event, context):
    key = os.environ["API_KEY"]
    print("the handler logs", repr(key))
    if event.get("fail"):
        raise KeyError(key)
    return {"length": len(key)}
"""

USER_TESTS = """\
import os

VALUE = os.environ["CANARY"]  # not in the test's source: only a value shows it


def test_function_fails(skyfn_invoke):
    skyfn_invoke("keyed", {"fail": True}, secrets={"MY_API_KEY": VALUE})


def test_assertion_after_the_call(skyfn_invoke):
    result = skyfn_invoke("keyed", {}, secrets={"MY_API_KEY": VALUE})
    assert result == {"length": -1}


def test_unknown_function(skyfn_invoke):
    skyfn_invoke("nope", {}, secrets={"MY_API_KEY": VALUE})


def test_unknown_secret(skyfn_invoke):
    skyfn_invoke("keyed", {}, secrets={"MY_API_KEY": VALUE, "OTHER": VALUE})
"""


@pytest.mark.parametrize("flags", [(), ("-l",), ("-l", "--full-trace"), ("-vv", "--tb=short")])
def test_a_failing_test_shows_no_secret(tmp_path: Path, flags: tuple[str, ...]) -> None:
    project = make_project(
        tmp_path / "app",
        {"keyed": resource('{"API_KEY": secret("MY_API_KEY")}', name="keyed")},
        {"keyed": HANDLER},
    )
    write(project / "tests" / "test_keyed.py", USER_TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *flags, "tests"],
        cwd=project,
        env={**os.environ, "CANARY": VALUE},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert "4 failed" in output, output
    assert "KeyError" in output and "****" in output  # the failure itself is reported
    for form in (VALUE, repr(VALUE)[1:-1], VALUE[:12]):
        assert form not in output, output
