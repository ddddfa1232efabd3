"""``skyfn sandbox --branch B`` and a function added while the sandbox runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource, write
from tests.support.sandbox import running_sandbox

HANDLER = (
    "import os\ndef handler(event, context):\n    return [os.environ['KEY'], os.environ['LEVEL']]\n"
)


def test_sandbox_branch_serves_the_branch_secrets_and_values(tmp_path: Path) -> None:
    fn = resource('{"KEY": secret("K"), "LEVEL": os.environ.get("LEVEL", "unset")}')
    root = make_project(tmp_path / "p", {"api": fn}, handlers={"api": HANDLER})
    write(root / ".env.staging", "LEVEL=staging\n")
    write(root / ".env.sandbox", "LEVEL=sandbox\n")
    for args, value in ((["--branch", "staging"], "for-staging"), ([], "for-sandbox")):
        set_ = run_skyfn("secret", "set", "K", *args, "--store", "local", cwd=root, stdin=value)
        assert set_.code == 0, set_
    with running_sandbox(root, "--branch", "staging", "--store", "local") as box:
        reply = box.client().invoke(FunctionName="api", Payload=b"{}")["Payload"].read()
        assert json.loads(reply) == ["for-staging", "staging"]
        assert any("branch staging" in line for line in box.out)


def test_a_function_added_while_running_gets_its_url_printed(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"first": resource()})
    with running_sandbox(root) as box:
        write(root / "backend" / "functions" / "second" / "resource.py", resource())
        write(
            root / "backend" / "functions" / "second" / "handler.py",
            "def handler(event, context):\n    return 'second'\n",
        )
        backend = root / "backend" / "backend.py"
        text = backend.read_text().replace(
            "backend = define_backend(fn_0)",
            "from functions.second.resource import fn as fn_1\nbackend = define_backend(fn_0, fn_1)",
        )
        backend.write_text(text)
        box.wait_for_log(f"{box.url}/2015-03-31/functions/second/invocations")
        reply = box.client().invoke(FunctionName="second", Payload=b"{}")["Payload"].read()
        assert json.loads(reply) == "second"
