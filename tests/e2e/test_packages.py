"""Each function runs locally with exactly the packages it deploys with: its lock,
installed for this machine as a site directory of its worker (``python -S``), and for
Lambda's platform and architecture in its bundle. Wheels are built here (no network)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.deploy.bundle import build_bundle
from skyfn.model import Model
from skyfn.project import open_project
from skyfn.synth import installers
from skyfn.synth.packages import distributions
from skyfn.synth.run import load_model
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource, write
from tests.support.wheels import build_wheel, manylinux

PROBE = """\
import importlib


def handler(event, context):
    found = {}
    for name in ("alpha", "beta", "gamma", "click", "pytest", "boto3", "fast"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            found[name] = None
        else:
            found[name] = getattr(module, "VERSION", "here")
    return found
"""


def make_shop(root: Path) -> Path:
    make_project(
        root,
        {
            "mailer": resource(name="mailer"),
            "other": resource(name="other"),
            "arm": resource(name="arm", architecture="arm64"),
        },
        handlers={"mailer": PROBE, "other": PROBE, "arm": PROBE},
    )
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write('index_url = "wheels"\n')
    wheels = root / "wheels"
    build_wheel(wheels, "alpha", "1.0", requires=["beta>=2"], script="alpha-tool")
    build_wheel(wheels, "beta", "2.0")
    build_wheel(wheels, "beta", "2.1")
    build_wheel(wheels, "gamma", "1.0")
    for machine in ("x86_64", "aarch64"):
        for python in ("311", "312", "313"):
            build_wheel(
                wheels,
                "fast",
                "1.0",
                modules={"fast/__init__.py": f"VERSION = {machine!r}\n"},
                tag=manylinux(machine, python),
            )
    functions = root / "backend" / "functions"
    write(functions / "mailer" / "requirements.txt", "alpha==1.0  # pulls beta\n")
    write(functions / "other" / "requirements.txt", "gamma==1.0\n")
    write(root / "backend" / "requirements.txt", "fast==1.0\n")  # arm has no file of its own
    return root


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    return make_shop(tmp_path / "shop")


def invoke(root: Path, name: str) -> dict[str, str | None]:
    result = run_skyfn("invoke", name, "--event", "{}", cwd=root)
    assert result.code == 0, result.err
    payload: dict[str, str | None] = json.loads(result.out)
    return payload


@pytest.fixture(params=["uv", "pip"])
def installer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """uv (skyfn's default) and pip (the fallback when uv is absent) alike."""
    monkeypatch.setenv(installers.VARIABLE, str(request.param))
    return str(request.param)


def test_each_function_sees_exactly_its_own_packages(installer: str, shop: Path) -> None:
    mailer = invoke(shop, "mailer")
    assert mailer["alpha"] == "1.0" and mailer["beta"] == "2.1"  # the lock's, dependency too
    assert mailer["gamma"] is None  # another function's package is not importable
    assert mailer["click"] is None and mailer["pytest"] is None  # nor skyfn's environment
    assert mailer["boto3"] == "here"  # what Lambda's runtime provides stays
    assert mailer["fast"] is None  # the shared file serves only functions without their own
    other = invoke(shop, "other")
    assert other["gamma"] == "1.0" and other["alpha"] is None and other["beta"] is None


def model_of(root: Path) -> Model:
    return load_model(open_project(root), scope.branch("main"), "ssm")


def test_the_bundle_holds_the_same_distributions_as_the_local_environment(
    installer: str, shop: Path
) -> None:
    invoke(shop, "mailer")  # builds the local environment
    function = model_of(shop).function("mailer")
    assert function is not None
    data = build_bundle(function, shop / "backend").data
    listed = zipfile.ZipFile(io.BytesIO(data)).namelist()
    bundled = {n.split("/")[0] for n in listed if n.split("/")[0].endswith(".dist-info")}
    local = [p for p in (shop / ".skyfn" / "packages").iterdir() if distributions(p)]
    assert {d.name for p in local for d in p.glob("*.dist-info")} == bundled
    assert bundled == {"alpha-1.0.dist-info", "beta-2.1.dist-info"}
    # packages only: no console scripts naming this machine's python, no install records
    assert not [n for n in listed if n.startswith("bin/")]
    leftovers = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json", ".lock")
    assert not [n for n in listed if n.rsplit("/", 1)[-1] in leftovers]
    assert build_bundle(function, shop / "backend").data == data


def test_an_arm64_function_gets_aarch64_wheels(installer: str, shop: Path) -> None:
    function = model_of(shop).function("arm")
    assert function is not None
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(function, shop / "backend").data))
    assert archive.read("fast/__init__.py") == b"VERSION = 'aarch64'\n"
    assert b"manylinux_2_17_aarch64" in archive.read("fast-1.0.dist-info/WHEEL")


def test_a_package_no_requirements_file_declares_names_the_file_to_add_it_to(
    shop: Path,
) -> None:
    functions = shop / "backend" / "functions"
    write(
        functions / "mailer" / "handler.py", "import gamma\n\n\ndef handler(e, c):\n    return 1\n"
    )
    result = run_skyfn("invoke", "mailer", "--event", "{}", cwd=shop)
    assert result.code == 1
    assert "No module named 'gamma'" in result.out  # Lambda's own answer, unchanged
    wanted = functions / "mailer" / "requirements.txt"
    assert f"function mailer has no package providing 'gamma': add it to {wanted}" in result.err
