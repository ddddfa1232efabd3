"""The file set of a function: its folder minus what must never ship, plus the project
modules its code imports; checked on real folders, and by running the bundle it makes."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

from skyfn import scope
from skyfn.deploy.bundle import build_bundle
from skyfn.project import open_project
from skyfn.synth.fileset import function_files
from skyfn.synth.run import load_model
from tests.support.projects import make_project, resource, write

HANDLER = """\
import json
import os
import resource  # the standard library's, which the definition file used to shadow
from shared.text import shout
from helpers import suffix

def handler(event, context):
    return shout("hi") + suffix() + str(resource.getpagesize() > 0)
"""


def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "app", {"greet": resource()}, handlers={"greet": HANDLER})
    backend = root / "backend"
    folder = backend / "functions" / "greet"
    write(folder / "helpers.py", "def suffix():\n    return '!'\n")
    write(folder / "data" / "words.txt", "hello\n")
    for junk in (
        "core",
        "core.4242",
        ".env",
        ".env.local",
        ".DS_Store",
        "handler.py.swp",
        "handler.py~",
        "__pycache__/handler.cpython-311.pyc",
        "stale.pyc",
    ):
        write(folder / junk, "junk")
    write(backend / "shared" / "__init__.py", "")
    write(backend / "shared" / "text.py", "from .case import upper\nshout = upper\n")
    write(backend / "shared" / "case.py", "def upper(text):\n    return text.upper()\n")
    write(backend / "shared" / "unused.py", "SECRET_PLAN = 1\n")
    write(backend / "lonely.py", "x = 1\n")
    return root


def test_the_folder_minus_junk_and_definition_plus_imported_shared_modules(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    folder = root / "backend" / "functions" / "greet"
    found = function_files(folder, root / "backend")
    assert sorted(found.files) == [
        "data/words.txt",
        "handler.py",
        "helpers.py",
        "shared/__init__.py",
        "shared/case.py",
        "shared/text.py",
    ]
    left = sorted(p.relative_to(folder).as_posix() for p in found.left_out)
    assert left == sorted(
        [
            ".DS_Store",
            ".env",
            ".env.local",
            "__pycache__",
            "core",
            "core.4242",
            "handler.py.swp",
            "handler.py~",
            "resource.py",
            "stale.pyc",
        ]
    )


def test_the_bundle_runs_its_handler_with_only_its_own_files(tmp_path: Path) -> None:
    root = project(tmp_path)
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    function = model.function("greet")
    assert function is not None
    bundle = build_bundle(function, root / "backend")
    unpacked = tmp_path / "task"
    zipfile.ZipFile(io.BytesIO(bundle.data)).extractall(unpacked)
    assert not (unpacked / "resource.py").exists() and not (unpacked / "core").exists()
    # As Lambda: the task root first on sys.path, then the standard library; -S keeps the
    # installed packages (and this checkout) out.
    code = "import handler; print(handler.handler({}, None))"
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=unpacked,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "HI!True"
