"""The installer: one lock per requirements file and target, package folders holding
packages only, and nothing of the developer's pip or uv configuration. Every test runs
with uv (skyfn's default) and with pip (the fallback when uv is absent):
``SKYFN_INSTALLER`` picks one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.synth import installers, packages
from skyfn.synth.requirements import Requirements, load
from tests.support.wheels import build_wheel, manylinux


@pytest.fixture(params=["uv", "pip"])
def installer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name = str(request.param)
    monkeypatch.setenv(installers.VARIABLE, name)
    return name


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


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_pip_configuration_and_variables_are_not_used(
    installer: str, tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
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
    pins = packages.lock(
        requirements(tmp_path, "alpha\n"), source, target, tmp_path / "c", "function f"
    )
    assert pins == "alpha==1.0\nbeta==2.1\n"


def test_uv_configuration_and_variables_are_not_used(
    installer: str, tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv reads ``UV_*`` variables, ``uv.toml`` (the user's, or one named by
    ``UV_CONFIG_FILE``) and a project's ``[tool.uv]``: none may pick what a bundle holds."""
    evil = tmp_path / "evil"
    build_wheel(evil, "beta", "9.0")
    config = tmp_path / "uv.toml"
    config.write_text(f'find-links = ["{evil}"]\n[pip]\nfind-links = ["{evil}"]\n')
    home = tmp_path / "home"
    (home / ".config" / "uv").mkdir(parents=True)
    (home / ".config" / "uv" / "uv.toml").write_text(config.read_text())
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("UV_CONFIG_FILE", str(config))
    monkeypatch.setenv("UV_FIND_LINKS", str(evil))
    monkeypatch.setenv("UV_INDEX_URL", evil.as_uri())
    monkeypatch.setenv("UV_PRERELEASE", "allow")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f'[tool.uv.pip]\nfind-links = ["{evil}"]\n')
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "x86_64")
    cache = tmp_path / "c"
    pins = packages.lock(requirements(tmp_path, "alpha\n"), source, target, cache, "function f")
    assert pins == "alpha==1.0\nbeta==2.1\n"
    folder = packages.install(pins, source, target, cache, "function f")
    assert packages.distributions(folder) == {"alpha": "1.0", "beta": "2.1"}


def test_a_package_folder_holds_packages_only_and_is_built_once(
    installer: str, tmp_path: Path, wheels: Path
) -> None:
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "arm64")
    said: list[str] = []
    folder = packages.install(
        "alpha==1.0\nbeta==2.1\n", source, target, tmp_path, "function f", said.append
    )
    assert said == [f"function f: installing 2 packages ({target.label})"]
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*")}
    assert names == {
        "alpha",
        "alpha/__init__.py",
        "alpha-1.0.dist-info",
        "alpha-1.0.dist-info/METADATA",
        "alpha-1.0.dist-info/WHEEL",
        "alpha-1.0.dist-info/entry_points.txt",
        "beta",
        "beta/__init__.py",
        "beta-2.1.dist-info",
        "beta-2.1.dist-info/METADATA",
        "beta-2.1.dist-info/WHEEL",
    }  # no bin/, RECORD, INSTALLER, REQUESTED, uv_cache.json, .lock: the same with either
    assert packages.distributions(folder) == {"alpha": "1.0", "beta": "2.1"}
    again = packages.install(
        "alpha==1.0\nbeta==2.1\n", source, target, tmp_path, "function f", said.append
    )
    assert again == folder and len(said) == 1


def test_both_installers_give_the_same_lock_and_the_same_bytes(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_wheel(wheels, "fast", "1.0", tag=manylinux("aarch64"))
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "arm64")
    contents = []
    for name in installers.CHOICES:
        monkeypatch.setenv(installers.VARIABLE, name)
        cache = tmp_path / name
        pins = packages.lock(
            requirements(tmp_path, "alpha\nfast\n"), source, target, cache, "function f"
        )
        folder = packages.install(pins, source, target, cache, "function f")
        files = {
            p.relative_to(folder).as_posix(): (p.stat().st_mode, p.read_bytes())
            for p in folder.rglob("*")
            if p.is_file()
        }
        contents.append((pins, folder.name, files))
    assert contents[0] == contents[1]
    assert contents[0][0] == "alpha==1.0\nbeta==2.1\nfast==1.0\n"


def test_no_wheel_for_the_platform_names_package_and_platform(
    installer: str, tmp_path: Path, wheels: Path
) -> None:
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "arm64")
    with pytest.raises(
        SkyfnError, match=r"function f: missing==1 has no wheel for Lambda python3.12 arm64"
    ):
        packages.lock(
            requirements(tmp_path, "missing==1\n"), source, target, tmp_path, "function f"
        )


def test_a_package_with_wheels_for_another_machine_only_is_named(
    installer: str, tmp_path: Path, wheels: Path
) -> None:
    build_wheel(wheels, "fast", "1.0", tag=manylinux("x86_64"))
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "arm64")
    with pytest.raises(SkyfnError) as raised:
        packages.lock(requirements(tmp_path, "fast==1.0\n"), source, target, tmp_path, "function f")
    assert str(raised.value) == (
        f"function f: fast==1.0 has no wheel for {target.label}; pin a version that publishes "
        "one, or remove the package"
    )


def test_a_source_only_package_is_never_built(installer: str, tmp_path: Path, wheels: Path) -> None:
    """An sdist's build code would run on the deploying machine: refused, named."""
    marker = tmp_path / "built"
    sdist = wheels / "sneaky-1.0.tar.gz"
    import io
    import tarfile

    setup = f"open({str(marker)!r}, 'w').write('ran')\nfrom setuptools import setup\nsetup()\n"
    with tarfile.open(sdist, "w:gz") as archive:
        for name, text in {"PKG-INFO": "Name: sneaky\nVersion: 1.0\n", "setup.py": setup}.items():
            data = text.encode()
            info = tarfile.TarInfo(f"sneaky-1.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "x86_64")
    with pytest.raises(SkyfnError, match=r"function f: sneaky==1.0 has no wheel for Lambda"):
        packages.lock(
            requirements(tmp_path, "sneaky==1.0\n"), source, target, tmp_path, "function f"
        )
    assert not marker.exists()


def test_hashes_are_kept_in_the_lock_and_checked_at_install(
    installer: str, tmp_path: Path, wheels: Path
) -> None:
    alpha, beta = (
        sha256(wheels / "alpha-1.0-py3-none-any.whl"),
        sha256(wheels / "beta-2.1-py3-none-any.whl"),
    )
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "x86_64")
    text = f"alpha==1.0 --hash={alpha}\nbeta==2.1 --hash={beta}\n"
    pins = packages.lock(requirements(tmp_path, text), source, target, tmp_path / "c", "function f")
    assert pins == text
    folder = packages.install(pins, source, target, tmp_path / "c", "function f")
    assert packages.distributions(folder) == {"alpha": "1.0", "beta": "2.1"}
    wrong = f"alpha==1.0 --hash={alpha}\nbeta==2.1 --hash=sha256:{'0' * 64}\n"
    pins = packages.lock(
        requirements(tmp_path, wrong), source, target, tmp_path / "c", "function f"
    )
    with pytest.raises(SkyfnError) as raised:
        packages.install(pins, source, target, tmp_path / "c", "function f")
    assert str(raised.value) == (
        "function f: beta==2.1 does not match the --hash its requirements file gives; check "
        "the hash, or where the index got the file"
    )


def test_a_hash_pinned_file_must_pin_the_dependencies_too(
    installer: str, tmp_path: Path, wheels: Path
) -> None:
    alpha = sha256(wheels / "alpha-1.0-py3-none-any.whl")
    source = packages.Source(wheels=wheels)
    target = packages.lambda_platform("3.12", "x86_64")
    checked = requirements(tmp_path, f"alpha==1.0 --hash={alpha}\n")
    with pytest.raises(SkyfnError) as raised:
        packages.lock(checked, source, target, tmp_path / "c", "function f")
    assert str(raised.value) == (
        f"function f: {checked.path} pins hashes, but beta==2.1 has none; add a line with "
        "--hash= for each (hash-checking covers every package installed, dependencies too)"
    )


def test_the_installer_variable_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(installers.VARIABLE, "conda")
    with pytest.raises(SkyfnError, match=r"SKYFN_INSTALLER='conda' is not an installer"):
        installers.choose()
    monkeypatch.delenv(installers.VARIABLE)
    assert installers.choose() == "uv"  # a dependency of skyfn: installed with it
    monkeypatch.setattr(installers, "uv_binary", lambda: None)
    assert installers.choose() == "pip"
    monkeypatch.setenv(installers.VARIABLE, "uv")
    with pytest.raises(SkyfnError, match=r"SKYFN_INSTALLER=uv but uv is not installed here"):
        installers.choose()


def test_uvs_own_words_become_one_line() -> None:
    said = (
        "error: No solution found when resolving dependencies:\n"
        "  Because beta was not found in the package registry and alpha==1.0 depends on "
        "beta>=2, we can conclude that alpha==1.0 cannot be used.\n"
        "  And because you require alpha==1.0, we can conclude that your requirements are "
        "unsatisfiable.\n"
    )
    assert installers.failure(said, "P", "function f") == (
        "function f: beta>=2 has no wheel for P; pin a version that publishes one, or remove "
        "the package"
    )
    other = "error: Failed to fetch: `https://user:pw@example.com/simple/x/`\n  cause: timed out\n"
    assert installers.failure(other, "P", "function f") == (
        "function f: installing its packages for P failed: error: Failed to fetch: "
        "`https://***@example.com/simple/x/`; cause: timed out; check the package names and "
        "versions"
    )
