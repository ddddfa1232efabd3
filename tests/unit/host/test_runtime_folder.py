"""Every worker imports skyfn's runtime and Lambda's AWS SDK from one runtime-only folder:
enough to import boto3 with no site-packages at all (``python -S``), and nothing else of
skyfn's environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from skyfn.host.aws_sdk import PACKAGES
from skyfn.host.environment import HostOptions
from skyfn.host.runtime_folder import runtime_folder
from skyfn.model import Model


def test_the_folder_alone_imports_boto3_and_the_runtime(tmp_path: Path) -> None:
    folder = runtime_folder(tmp_path)
    assert runtime_folder(tmp_path) == folder  # made once
    names = {p.name.removesuffix(".py") for p in folder.iterdir()}
    assert names == {*PACKAGES, "skyfn"}
    probe = (
        "import boto3, skyfn.runtime.worker; boto3.client('lambda', region_name='us-east-1');"
        "import skyfn; print(len(skyfn.__dict__.get('__all__', ())))"
    )
    env = {"PYTHONPATH": str(folder), "PATH": os.environ.get("PATH", "")}
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"  # the stub skyfn/__init__.py, not the definition API
    # and not the rest of site-packages: e.g. click, a dependency of skyfn, stays out
    other = subprocess.run(
        [sys.executable, "-S", "-c", "import click"], env=env, capture_output=True, timeout=60
    )
    assert other.returncode != 0


def test_every_worker_gets_it_and_never_skyfns_environment(model: Model, monkeypatch: Any) -> None:
    from skyfn.host import environment, interpreter

    function = model.functions[0]
    for python in (sys.executable, "/usr/bin/python3.99"):
        monkeypatch.setattr(interpreter, "find", lambda version, p=python: p)
        built = environment.build(model, function, HostOptions(), {})
        path = built.variables["PYTHONPATH"].split(os.pathsep)
        assert Path(path[-1]).name.startswith("runtime-")
        assert not [p for p in path if "site-packages" in p or p.endswith("/src")]
