"""The installer: one lock per requirements file and target, package folders holding
packages only, and nothing of the developer's pip configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.synth import packages
from skyfn.synth.requirements import Requirements, load
from tests.support.wheels import build_wheel


@pytest.fixture()
def wheels(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    build_wheel(folder, "alpha", "1.0", requires=["beta>=2"], script="alpha-tool")
    build_wheel(folder, "beta", "2.1")
    return folder


def requirements(tmp_path: Path, text: str) -> Requirements:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return load(path)


def test_pip_configuration_and_variables_are_not_used(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PIP_*`` variables and pip.conf would let the developer's setup (or an attacker's
    variable in CI) pick what a bundle holds."""
    evil = tmp_path / "evil"
    build_wheel(evil, "beta", "9.0")
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\nfind-links = {evil}\n")
    monkeypatch.setenv("PIP_FIND_LINKS", str(evil))
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "x86_64")
    pins = packages.lock(requirements(tmp_path, "alpha\n"), source, target, tmp_path / "c", "f")
    assert pins == "alpha==1.0\nbeta==2.1\n"


def test_a_package_folder_holds_packages_only_and_is_built_once(
    tmp_path: Path, wheels: Path
) -> None:
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "arm64")
    said: list[str] = []
    folder = packages.install("alpha==1.0\nbeta==2.1\n", source, target, tmp_path, "f", said.append)
    assert said == [f"f: installing 2 packages ({target.label})"]
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*")}
    assert "alpha/__init__.py" in names and not [n for n in names if n.startswith("bin")]
    assert not [n for n in names if n.rsplit("/", 1)[-1] in ("RECORD", "INSTALLER", "REQUESTED")]
    assert packages.distributions(folder) == {"alpha": "1.0", "beta": "2.1"}
    again = packages.install("alpha==1.0\nbeta==2.1\n", source, target, tmp_path, "f", said.append)
    assert again == folder and len(said) == 1


def test_no_wheel_for_the_platform_names_package_and_platform(tmp_path: Path, wheels: Path) -> None:
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "arm64")
    with pytest.raises(
        SkyfnError, match=r"function f: missing==1 has no wheel for Lambda python3.12 arm64"
    ):
        packages.lock(requirements(tmp_path, "missing==1\n"), source, target, tmp_path, "f")
