"""The file set of a function: its folder minus what must never ship, plus the project
modules its code imports; checked on real folders, and by running the bundle it makes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.deploy.bundle import build_bundle
from skyfn.errors import SkyfnError
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


# --- links (issue 22, finding 1) and secret-looking files (finding 2) ---------------------

PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3v8Yw1kq2Ji9nqfZt0Xq1m\n"
    "-----END RSA PRIVATE KEY-----\n"
)
CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\nMIIDQTCCAimgAwIBAgITBmyfz5m\n-----END CERTIFICATE-----\n"
)
ACCESS_KEY = "AKIA" + "Q3EGRIEXAMPLE7XY"  # split: this test file must not look like one


def linked_project(tmp_path: Path) -> tuple[Path, Path]:
    root = project(tmp_path)
    folder = root / "backend" / "functions" / "greet"
    outside = write(tmp_path / "outside" / "notes.txt", "the deployer's own file\n")
    (folder / "settings.txt").symlink_to("/proc/self/environ")
    (folder / "loop").symlink_to(".")
    (folder / "notes.txt").symlink_to(outside)
    (folder / "alias.py").symlink_to(folder / "helpers.py")  # inside, but still a link
    (folder / "data" / "up").symlink_to(root)
    os.mkfifo(folder / "pipe")
    # an imported backend module reached through a linked folder, and a linked module file
    (root / "backend" / "vendored").symlink_to(tmp_path / "outside", target_is_directory=True)
    write(tmp_path / "outside" / "__init__.py", "")
    write(tmp_path / "outside" / "tool.py", "X = 1\n")
    (root / "backend" / "peer.py").symlink_to(outside)
    write(folder / "imports.py", "import vendored.tool\nimport peer\n")
    return root, folder


def test_links_and_special_files_are_left_out_and_listed(tmp_path: Path) -> None:
    root, folder = linked_project(tmp_path)
    found = function_files(folder, root / "backend")
    assert sorted(found.files) == [
        "data/words.txt",
        "handler.py",
        "helpers.py",
        "imports.py",
        "shared/__init__.py",
        "shared/case.py",
        "shared/text.py",
    ]
    assert all(not path.is_symlink() for path in found.files.values())
    linked = sorted(p.relative_to(root).as_posix() for p in found.links)
    assert linked == [
        "backend/functions/greet/alias.py",
        "backend/functions/greet/data/up",
        "backend/functions/greet/loop",
        "backend/functions/greet/notes.txt",
        "backend/functions/greet/pipe",
        "backend/functions/greet/settings.txt",
        "backend/peer.py",
        "backend/vendored",
    ]


def test_a_bundle_ships_no_linked_file_and_no_nested_copy(tmp_path: Path) -> None:
    root, _ = linked_project(tmp_path)
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    function = model.function("greet")
    assert function is not None
    bundle = build_bundle(function, root / "backend")
    archive = zipfile.ZipFile(io.BytesIO(bundle.data))
    names = archive.namelist()
    assert not [n for n in names if n.startswith(("loop/", "data/up/", "vendored/"))]
    assert not {"settings.txt", "notes.txt", "alias.py", "pipe", "peer.py"} & set(names)
    environ = Path("/proc/self/environ").read_bytes().split(b"\0")[0]  # what the link shows
    for name in names:
        assert environ not in archive.read(name)
        assert b"the deployer's own file" not in archive.read(name)
    assert len(bundle.links) == 8


def secret_project(tmp_path: Path, include: str = "") -> tuple[Path, Path]:
    root = project(tmp_path)
    if include:
        write(root / "pyproject.toml", f'[tool.skyfn]\napp_id = "testapp"\n{include}\n')
    folder = root / "backend" / "functions" / "greet"
    for name in ("prod.env", "secrets.json", "Credentials", "id_rsa", "id_ed25519.pub"):
        write(folder / name, "x = 1\n")
    write(folder / "server.pem", CERTIFICATE + PRIVATE_KEY)
    write(folder / "config" / "settings.yaml", f"key_id: {ACCESS_KEY}\n")
    write(folder / "tls" / "rds-ca.pem", CERTIFICATE * 3)
    write(folder / "tls" / "client.crt", CERTIFICATE)
    write(root / "backend" / "shared" / "keys.py", f'KEY = """{PRIVATE_KEY}"""\n')
    write(root / "backend" / "shared" / "case.py", "import shared.keys\nupper = str.upper\n")
    return root, folder


def test_secret_looking_files_are_left_out_by_name_and_content_certificates_ship(
    tmp_path: Path,
) -> None:
    root, folder = secret_project(tmp_path)
    found = function_files(folder, root / "backend")
    assert "tls/rds-ca.pem" in found.files and "tls/client.crt" in found.files
    held = {p.relative_to(root).as_posix(): why for p, why in found.secret_looking}
    base = "backend/functions/greet/"
    assert held == {
        base + "prod.env": "named like a secret",
        base + "secrets.json": "named like a secret",
        base + "Credentials": "named like a secret",
        base + "id_rsa": "named like a secret",
        base + "id_ed25519.pub": "named like a secret",
        base + "server.pem": "holds a private key",
        base + "config/settings.yaml": "holds an AWS access key",
        "backend/shared/keys.py": "holds a private key",
    }
    assert not {n.rpartition("/")[2] for n in found.files} & {
        "prod.env",
        "secrets.json",
        "Credentials",
        "id_rsa",
        "server.pem",
        "settings.yaml",
        "keys.py",
    }


def test_bundle_include_ships_a_secret_looking_file_on_purpose(tmp_path: Path) -> None:
    include = 'bundle_include = ["backend/functions/greet/server.pem", "backend/*/keys.py"]'
    root, folder = secret_project(tmp_path, include)
    (folder / "ignored-link").symlink_to(folder / "handler.py")
    write(
        root / "pyproject.toml",
        (root / "pyproject.toml").read_text().replace('keys.py"]', 'keys.py", "*/ignored-link"]'),
    )
    found = function_files(folder, root / "backend")
    assert "server.pem" in found.files and "shared/keys.py" in found.files
    assert "prod.env" not in found.files and "ignored-link" not in found.files  # never a link
    assert folder / "ignored-link" in found.links


@pytest.mark.parametrize("value", ['"server.pem"', "[1]", '[""]'])
def test_a_bad_bundle_include_is_one_clear_error(tmp_path: Path, value: str) -> None:
    root, folder = secret_project(tmp_path, f"bundle_include = {value}")
    with pytest.raises(SkyfnError, match=r"\[tool.skyfn\] bundle_include is .*give a list of"):
        function_files(folder, root / "backend")
