"""Bundles: one deterministic zip per function, holding what Lambda needs and nothing else."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.deploy.bundle import build_bundle
from skyfn.errors import SkyfnError
from skyfn.model import Function
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.deploy import copy_example, make_wheel
from tests.support.projects import write


def say_hello(root: Path) -> Function:
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    function = model.function("say-hello")
    assert function is not None
    return function


def names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_bundle_holds_the_function_the_runtime_and_its_env_module_only(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    folder = root / "backend" / "functions" / "say_hello"
    write(folder / "__pycache__" / "handler.cpython-311.pyc", "junk")
    write(folder / ".env", "NOT_SHIPPED=1")
    data = build_bundle(say_hello(root), root / "backend").data
    listed = names(data)
    assert "handler.py" in listed and "resource.py" not in listed
    assert "skyfn/runtime/bootstrap.py" in listed and "skyfn/runtime/env.py" in listed
    assert {"skyfn_env/__init__.py", "skyfn_env/say_hello.py"} <= set(listed)
    assert not [n for n in listed if "__pycache__" in n or n.endswith(".pyc") or "/." in n]
    assert ".env" not in listed
    # The shipped skyfn package is only the runtime: its __init__ imports nothing.
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert b"import" not in archive.read("skyfn/__init__.py")
    outside_runtime = [n for n in listed if n.startswith("skyfn/") and "/runtime/" not in n]
    assert outside_runtime == ["skyfn/__init__.py"]
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644


def test_same_inputs_give_a_byte_identical_zip(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    first = build_bundle(say_hello(root), root / "backend").data
    handler = root / "backend" / "functions" / "say_hello" / "handler.py"
    os.utime(handler, (1_700_000_000, 1_700_000_000))  # a touched file is not a change
    assert build_bundle(say_hello(root), root / "backend").data == first
    handler.write_text(handler.read_text() + "\n# changed\n")
    assert build_bundle(say_hello(root), root / "backend").data != first


def use_wheels(root: Path, wheels: Path) -> None:
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text().replace(
        "[tool.skyfn]\n", f'[tool.skyfn]\nindex_url = "{wheels}"\n'
    )
    pyproject.write_text(text)


def test_requirements_beside_the_handler_are_installed_for_lambda(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    use_wheels(root, make_wheel(tmp_path / "wheels").parent)
    folder = root / "backend" / "functions" / "say_hello"
    write(folder / "requirements.txt", "tinydep==1.0\n")
    first = build_bundle(say_hello(root), root / "backend").data
    listed = names(first)
    assert "tinydep/__init__.py" in listed
    assert "requirements.txt" in listed
    assert not [n for n in listed if n.endswith(".pyc")]
    assert (
        build_bundle(say_hello(root), root / "backend").data == first
    )  # pip's output is deterministic too


def test_a_requirement_without_a_lambda_wheel_names_the_function(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    use_wheels(root, make_wheel(tmp_path / "wheels").parent)
    folder = root / "backend" / "functions" / "say_hello"
    write(folder / "requirements.txt", "not-there==9\n")
    with pytest.raises(
        SkyfnError, match=r"function say-hello: not-there==9 has no wheel for Lambda"
    ):
        build_bundle(say_hello(root), root / "backend")


def test_a_linked_requirements_file_never_reaches_the_installer(tmp_path: Path) -> None:
    """Security review: pip followed the link and echoed the target's lines in its error."""
    root = copy_example(tmp_path)
    secret = tmp_path / "environ"
    secret.write_text("AWS_SECRET_ACCESS_KEY=topsecret\n")
    os.symlink(secret, root / "backend" / "functions" / "say_hello" / "requirements.txt")
    with pytest.raises(SkyfnError, match="is a link") as caught:
        build_bundle(say_hello(root), root / "backend")
    assert "topsecret" not in str(caught.value)


def test_an_option_line_is_refused_before_anything_is_installed(tmp_path: Path) -> None:
    """An outside review: ``--no-binary :all:`` made the deploy build (run) a package's code."""
    root = copy_example(tmp_path)
    folder = root / "backend" / "functions" / "say_hello"
    write(folder / "requirements.txt", "--no-binary :all:\ntinydep==1.0\n")
    with pytest.raises(
        SkyfnError, match=r"requirements\.txt:1: '--no-binary :all:' is an installer option"
    ):
        build_bundle(say_hello(root), root / "backend")
    assert not (root / ".skyfn" / "packages").exists()


def test_a_file_that_would_shadow_the_runtime_is_refused(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    write(root / "backend" / "functions" / "say_hello" / "skyfn" / "__init__.py", "")
    with pytest.raises(SkyfnError, match=r"function say-hello: .* skyfn/__init__.py twice"):
        build_bundle(say_hello(root), root / "backend")
