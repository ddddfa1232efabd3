"""The sandbox reloads a function when the requirements it resolves change: its own
``requirements.txt`` (part of its files) and the shared ``backend/requirements.txt`` alike,
so its next call runs with the new packages; its log says which file a package the function
could not import belongs in. Wheels are built here (no network)."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from typing import Any

from tests.e2e.test_packages import PROBE
from tests.support.console import ConsoleClient, console_url, csrf_of
from tests.support.projects import make_project, resource, write
from tests.support.sandbox import Sandbox, running_sandbox
from tests.support.wheels import build_wheel


def make_app(root: Path) -> Path:
    make_project(
        root,
        {"shared": resource(name="shared"), "own": resource(name="own")},
        handlers={"shared": PROBE, "own": PROBE},
    )
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write('index_url = "wheels"\n')
    wheels = root / "wheels"
    for version in ("2.0", "2.1"):
        build_wheel(wheels, "beta", version)
    build_wheel(wheels, "gamma", "1.0")
    write(root / "backend" / "functions" / "own" / "requirements.txt", "gamma==1.0\n")
    write(root / "backend" / "requirements.txt", "beta==2.0\n")  # "shared" has no file
    return root


def call(box: Sandbox, name: str) -> dict[str, Any]:
    response = box.client().invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"].read()
    payload: dict[str, Any] = json.loads(response["Payload"].read())
    return payload


def reload_after(box: Sandbox, path: Path, text: str) -> str:
    """Write ``path`` and return the sandbox's note of the reload that follows."""
    seen = notes(box)
    write(path, text)
    deadline = time.monotonic() + 30
    while len(notes(box)) == len(seen):
        assert time.monotonic() < deadline, f"no reload after writing {path}:\n{box.logs()}"
        time.sleep(0.05)
    return notes(box)[len(seen)]


def notes(box: Sandbox) -> list[str]:
    return [line for line in box.logs().splitlines() if "reloaded: " in line]


def test_an_edit_of_the_shared_requirements_reloads_the_functions_that_use_it(
    tmp_path: Path,
) -> None:
    root = make_app(tmp_path / "app")
    shared_file = root / "backend" / "requirements.txt"
    with running_sandbox(root) as box:
        first = call(box, "shared")
        assert first["beta"] == "2.0" and first["gamma"] is None
        assert call(box, "own")["gamma"] == "1.0"
        # a comment changes no requirement: nothing restarts
        note = reload_after(box, shared_file, "beta==2.0  # pinned\n")
        assert note.endswith("reloaded: nothing to restart"), note
        # a new version and a new package: the function without its own file restarts
        note = reload_after(box, shared_file, "beta==2.1\ngamma==1.0\n")
        assert note.endswith("reloaded: shared"), note
        after = call(box, "shared")
        assert after["beta"] == "2.1" and after["gamma"] == "1.0"
        # the function's own file, as before: it alone restarts
        own_file = root / "backend" / "functions" / "own" / "requirements.txt"
        note = reload_after(box, own_file, "gamma==1.0\nbeta==2.0\n")
        assert note.endswith("reloaded: own"), note
        assert call(box, "own")["beta"] == "2.0"


def test_the_sandbox_log_names_the_file_to_add_a_missing_package_to(tmp_path: Path) -> None:
    root = make_app(tmp_path / "app")
    handler = root / "backend" / "functions" / "shared" / "handler.py"
    write(handler, "import gamma\n\n\ndef handler(event, context):\n    return 1\n")
    with running_sandbox(root) as box:
        response = box.client().invoke(FunctionName="shared", Payload=b"{}")
        failure = json.loads(response["Payload"].read())
        assert failure["errorType"] == "Runtime.ImportModuleError"  # Lambda's answer, as is
        wanted = root / "backend" / "requirements.txt"  # the file "shared" resolves
        box.wait_for_log(f"function shared has no package providing 'gamma': add it to {wanted}")
        line = next(line for line in box.logs().splitlines() if "has no package" in line)
        assert line.startswith("[shared "), line  # in the function's log, with its request


def test_the_consoles_invoke_page_names_the_file_to_add_a_missing_package_to(
    tmp_path: Path,
) -> None:
    root = make_app(tmp_path / "app")
    handler = root / "backend" / "functions" / "own" / "handler.py"
    write(handler, "import beta_tools\n\n\ndef handler(event, context):\n    return 1\n")
    with running_sandbox(root) as box:
        client = ConsoleClient(box.port)
        assert client.sign_in(console_url(box)).status == 303
        page = f"{client.base}/functions/own/invoke"
        form = {"csrf": csrf_of(client.request("GET", page).text), "event": "{}"}
        reply = client.request("POST", page, {**form, "action": "invoke"})
        assert reply.status == 200
        assert "Runtime.ImportModuleError" in reply.text  # Lambda's answer, as is
        wanted = root / "backend" / "functions" / "own" / "requirements.txt"
        hint = re.search(r'<p id="call-hint" class="hint">([^<]*)</p>', reply.text)
        assert hint is not None, reply.text
        assert html.unescape(hint.group(1)) == (
            f"function own has no package providing 'beta_tools': add it to {wanted} "
            "(locally and deployed, a function imports only the packages its requirements "
            "file declares)"
        )
        write(handler, "def handler(event, context):\n    return 1\n")  # fixed: no hint
        box.wait_for_log("reloaded: own")
        reply = client.request("POST", page, {**form, "action": "invoke"})
        assert '<span class="ok">ok</span>' in reply.text and "call-hint" not in reply.text
