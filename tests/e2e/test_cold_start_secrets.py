"""A function process started from its synthesized artifact resolves its secrets from the
local store before the user's handler is imported; a missing secret stops the start."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from skyfn.host import secret_resolver
from skyfn.runtime import secrets as runtime
from skyfn.secrets.local_reader import LocalReader
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource

HANDLER = """\
import os
from collections.abc import Sequence
from pathlib import Path

Path(os.environ["IMPORTED_MARKER"]).write_text("imported")


def handler(event, context):
    return {"key_length": len(os.environ["API_KEY"]), "other": os.environ["OTHER"]}
"""

PLAIN_HANDLER = """\
import os


def handler(event, context):
    return sorted(k for k in os.environ if k.startswith("SKYFN_SECRET") or k == "API_KEY")
"""


def project(tmp_path: Path) -> Path:
    env = '{"NAME": "World", "API_KEY": secret("MY_API_KEY"), "OTHER": secret("SHARED_ONE")}'
    return make_project(
        tmp_path / "p",
        {"say_hello": resource(env, name="say-hello"), "plain": resource('{"NAME": "x"}')},
        handlers={"say_hello": HANDLER, "plain": PLAIN_HANDLER},
    )


def start(
    root: Path, function: str, folder: str, home: Path, marker: Path
) -> subprocess.CompletedProcess[str]:
    """Run the cold start as a local host does: only the artifact's environment, its
    secrets read by the host (``secret_resolver``, from the local store in ``home``) and
    handed over a pipe; cwd and PYTHONPATH = the function folder and the generated modules."""
    artifact = json.loads(
        (root / ".skyfn/artifacts/sandbox-alice" / f"{function}.json").read_text()
    )
    code_dir = root / "backend" / "functions" / folder
    env = {
        **artifact["environment"],
        "IMPORTED_MARKER": str(marker),
        "PYTHONPATH": os.pathsep.join([str(code_dir), str(root / ".skyfn" / "generated")]),
    }
    pass_fds: tuple[int, ...] = ()
    if "SKYFN_SECRETS" in env:
        saved = os.environ.get("SKYFN_HOME")
        os.environ["SKYFN_HOME"] = str(home)
        try:
            message = secret_resolver.message(env)
        finally:
            os.environ.pop("SKYFN_HOME")
            if saved is not None:
                os.environ["SKYFN_HOME"] = saved
        read_end, write_end = os.pipe()
        os.write(write_end, message)
        os.close(write_end)
        env.update(SKYFN_SECRET_STORE="pipe", SKYFN_SECRETS_FD=str(read_end))
        pass_fds = (read_end,)
    try:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import skyfn.runtime.bootstrap as b; print(b.cold_start()({}, None))",
            ],
            cwd=code_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            pass_fds=pass_fds,
        )
    finally:
        for fd in pass_fds:
            os.close(fd)


def test_a_function_gets_its_secrets_and_falls_back_to_shared(
    tmp_path: Path, isolated_home: Path
) -> None:
    root = project(tmp_path)
    alice = ("--identifier", "alice")
    assert run_skyfn("synth", *alice, cwd=root).code == 0
    assert run_skyfn("secret", "set", "MY_API_KEY", *alice, cwd=root, stdin="k" * 37).code == 0
    assert (
        run_skyfn("secret", "set", "SHARED_ONE", "--shared", cwd=root, stdin="from-shared").code
        == 0
    )
    marker = tmp_path / "imported"
    done = start(root, "say-hello", "say_hello", isolated_home, marker)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'key_length': 37, 'other': 'from-shared'}"
    # a function without secret references is given none
    plain = start(root, "plain", "plain", isolated_home, marker)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == "[]"


def test_a_missing_secret_stops_the_start_before_the_handler_is_imported(
    tmp_path: Path, isolated_home: Path
) -> None:
    root = project(tmp_path)
    assert run_skyfn("synth", "--identifier", "alice", cwd=root).code == 0
    assert run_skyfn("secret", "set", "SHARED_ONE", "--shared", cwd=root, stdin="s").code == 0
    marker = tmp_path / "imported"
    done = start(root, "say-hello", "say_hello", isolated_home, marker)
    assert done.returncode != 0 and not marker.exists()
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "skyfn.runtime.errors.ColdStartError: secret MY_API_KEY (environment API_KEY of "
        "function say-hello) is not set for sandbox alice in the local store (looked in: "
        "/skyfn/testapp/sandbox-alice/MY_API_KEY, /skyfn/testapp/shared/MY_API_KEY). "
        "Set it with: skyfn secret set MY_API_KEY --identifier alice"
    )


class CountingReader(LocalReader):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        self.calls.append(list(paths))
        return super().read_many(paths)


def test_the_local_reader_resolves_scoped_and_shared_in_one_read(
    tmp_path: Path, isolated_home: Path
) -> None:
    root = project(tmp_path)
    assert run_skyfn("secret", "set", "A", "--identifier", "alice", cwd=root, stdin="a").code == 0
    assert run_skyfn("secret", "set", "B", "--shared", cwd=root, stdin="b").code == 0
    spec = {
        "X": ["/skyfn/testapp/sandbox-alice/A", "/skyfn/testapp/shared/A"],
        "Y": ["/skyfn/testapp/sandbox-alice/B", "/skyfn/testapp/shared/B"],
    }
    reader = CountingReader()
    assert runtime.resolve(spec, reader, runtime.Wanted("f", "local")) == {"X": "a", "Y": "b"}
    assert len(reader.calls) == 1 and len(reader.calls[0]) == 4


PROBE = """
import sys
from skyfn.secrets.local_reader import LocalReader
print(LocalReader().read_many(sys.argv[1:]))
print(sorted(m for m in sys.modules if m.startswith(("skyfn", "cryptography", "boto", "click"))))
"""


def test_the_reader_imports_only_the_runtime_and_decrypts_lazily(
    tmp_path: Path, isolated_home: Path
) -> None:
    root = project(tmp_path)
    assert run_skyfn("secret", "set", "A", "--shared", cwd=root, stdin="a").code == 0

    def probe(*paths: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, *paths], capture_output=True, text=True, check=True
        )
        return done.stdout.splitlines()

    found, modules = probe("/skyfn/testapp/shared/A")
    assert found == "{'/skyfn/testapp/shared/A': 'a'}"
    # the reader (and its file checks), the runtime's own modules (and the package itself),
    # never management code (boto3, click, the stores) that a host reading a worker's
    # secrets does not need
    outside = [m for m in ast.literal_eval(modules) if m.startswith(("skyfn.", "boto", "click"))]
    own = (
        "skyfn.secrets",
        "skyfn.secrets.local_reader",
        "skyfn.secrets.store_files",
        "skyfn.private_files",  # its 0700 folders: os, tempfile and pathlib only
    )
    assert all(m in own or m.startswith(("skyfn.runtime", "skyfn.definition")) for m in outside), (
        outside
    )
    assert "cryptography" in ast.literal_eval(modules)
    found, modules = probe("/skyfn/testapp/shared/ABSENT")
    assert found == "{}" and not any(
        m.startswith("cryptography") for m in ast.literal_eval(modules)
    )
