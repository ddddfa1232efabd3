"""Third-party packages (issue 25): a function's first local environment against a plain
``uv pip install`` of the same set into an empty venv, an unchanged environment reused, and
the bundle of a function with ``requests`` rebuilt with nothing changed.

Offline: the five packages are local stand-ins named and shaped like ``requests`` 2.32.3
and its four dependencies (``tests.support.wheels.build_requests_like``: same file counts
and sizes), served from a folder (``[tool.skyfn] index_url = "wheels"``; the baseline gets
the same ``--find-links``). "Warm cache": uv's cache has every wheel already (both
contenders share it); skyfn's locks and package folders are removed before each first run.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import Goal, Row, alternate, find
from skyfn import scope
from skyfn.deploy.bundle import build_bundle
from skyfn.model import Function
from skyfn.project import open_project
from skyfn.synth import installers
from skyfn.synth.packages import cache_dir, function_packages, local_platform
from skyfn.synth.run import load_model
from tests.support.projects import make_project, resource, write
from tests.support.wheels import build_requests_like

FIRST = "packages_first"
FIRST_TITLE = "first local environment, 5 packages, warm cache"
REUSE = "packages_reuse"
REUSE_TITLE = "unchanged local environment reused"
BUNDLE = "packages_bundle"
BUNDLE_TITLE = "bundle with requests, rebuilt, nothing changed"
VERSION = "3.11"  # this machine's Python, as a local worker's folder is built for it


def project(work: Path) -> tuple[Path, Function]:
    root = work / "packages-app"
    make_project(root, {"mailer": resource(name="mailer")})
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write('index_url = "wheels"\n')
    build_requests_like(root / "wheels")
    write(root / "backend" / "functions" / "mailer" / "requirements.txt", "requests==2.32.3\n")
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    function = model.function("mailer")
    assert function is not None
    return root, function


@contextmanager
def installer(name: str | None) -> Iterator[None]:
    before = os.environ.pop(installers.VARIABLE, None)
    if name is not None:
        os.environ[installers.VARIABLE] = name
    try:
        yield
    finally:
        os.environ.pop(installers.VARIABLE, None)
        if before is not None:
            os.environ[installers.VARIABLE] = before


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def first_environment(root: Path, function: Function, name: str) -> Callable[[], float]:
    """Lock and install from nothing but uv's (or pip's) warm cache."""
    cache = cache_dir(root)

    def run() -> float:
        for path in cache.iterdir() if cache.is_dir() else ():
            if path.name != installers.UV_CACHE:
                shutil.rmtree(path)
        with installer(name):
            return timed(lambda: local_folder(root, function))

    return run


def local_folder(root: Path, function: Function) -> Path:
    folder = function_packages(function, root / "backend", local_platform(VERSION))
    assert folder is not None and (folder / "requests").is_dir()
    return folder


def uv_into_empty_venv(root: Path, work: Path) -> Callable[[], float]:
    """The baseline: ``uv pip install`` of the same requirements into a new, empty venv
    (made before the clock starts), from the same folder and the same warm cache."""
    uv = installers.uv_binary()
    assert uv is not None
    environ = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
    requirements = root / "backend" / "functions" / "mailer" / "requirements.txt"
    runs = iter(range(1_000_000))

    def run() -> float:
        venv = work / f"venv-{next(runs)}"
        subprocess.run([uv, "venv", "--quiet", str(venv)], check=True, env=environ)
        args = [
            uv,
            "pip",
            "install",
            "--quiet",
            "--no-config",
            "--cache-dir",
            str(cache_dir(root) / installers.UV_CACHE),
            "--python",
            str(venv / "bin" / "python"),
            "--no-index",
            "--find-links",
            str(root / "wheels"),
            "--requirement",
            str(requirements),
        ]
        elapsed = timed(lambda: subprocess.run(args, check=True, env=environ))
        shutil.rmtree(venv)
        return elapsed

    return run


def rows(work: Path, repeat: int) -> list[Row]:
    root, function = project(work)
    with installer("uv"):
        local_folder(root, function)  # warms uv's cache
    samples = alternate(
        {
            "skyfn": first_environment(root, function, "uv"),
            "uv": uv_into_empty_venv(root, work),
        },
        repeat,
    )
    with installer("pip"):
        local_folder(root, function)  # warms pip's cache
    pip = alternate({"pip": first_environment(root, function, "pip")}, max(3, repeat // 3))
    with installer(None):
        local_folder(root, function)
        reuse = alternate({"reuse": lambda: timed(lambda: local_folder(root, function))}, repeat)
        names = zipfile.ZipFile(io.BytesIO(build_bundle(function, root / "backend").data))
        assert "requests/part_1.py" in names.namelist()  # the Lambda folder, built once
        bundle = alternate(
            {"rebuild": lambda: timed(lambda: build_bundle(function, root / "backend"))}, repeat
        )
    first: dict[str, dict[str, Any]] = {
        "skyfn": {"samples": samples["skyfn"], "baseline": "uv"},
        "pip": {"samples": pip["pip"], "baseline": "uv"},
    }
    return [
        Row(FIRST, "skyfn", FIRST_TITLE, "skyfn: lock + install (uv)", **first["skyfn"]),
        Row(FIRST, "uv", FIRST_TITLE, "uv pip install into an empty venv", samples=samples["uv"]),
        Row(FIRST, "pip", FIRST_TITLE, "skyfn: lock + install (pip fallback)", **first["pip"]),
        Row(REUSE, "reuse", REUSE_TITLE, "skyfn: lock and folder found", samples=reuse["reuse"]),
        Row(BUNDLE, "rebuild", BUNDLE_TITLE, "skyfn build_bundle", samples=bundle["rebuild"]),
    ]


def goals(rows: list[Row]) -> list[Goal]:
    found: list[Goal] = []
    skyfn, uv = find(rows, FIRST, "skyfn"), find(rows, FIRST, "uv")
    if skyfn and uv:
        times = skyfn.median / uv.median
        found.append(
            Goal(
                FIRST,
                FIRST_TITLE,
                "skyfn ≤ 2 x uv pip install into an empty venv",
                f"{skyfn.median:.0f} ms vs {uv.median:.0f} ms: {times:.2f} x",
                times <= 2,
            )
        )
    reuse = find(rows, REUSE, "reuse")
    if reuse:
        found.append(
            Goal(REUSE, REUSE_TITLE, "≤ 50 ms", f"{reuse.median:.1f} ms", reuse.median <= 50)
        )
    bundle = find(rows, BUNDLE, "rebuild")
    if bundle:
        found.append(
            Goal(
                BUNDLE,
                BUNDLE_TITLE,
                "≤ 0.2 s",
                f"{bundle.median / 1000:.3f} s",
                bundle.median <= 200,
            )
        )
    return found
