"""A worker on another interpreter gets boto3 as Lambda provides it: a folder of links to
exactly the AWS SDK's packages of skyfn's environment, enough to import boto3 with no
site-packages at all (``python -S``), and nothing else of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from skyfn.host.aws_sdk import PACKAGES, sdk_folder
from skyfn.host.environment import HostOptions
from skyfn.model import Model


def test_the_folder_alone_imports_boto3(tmp_path: Path) -> None:
    folder = sdk_folder(tmp_path)
    assert sdk_folder(tmp_path) == folder  # made once
    names = {p.name.removesuffix(".py") for p in folder.iterdir()}
    assert names == set(PACKAGES)
    probe = "import boto3, sys; boto3.client('lambda', region_name='us-east-1'); print('ok')"
    env = {"PYTHONPATH": str(folder), "PATH": os.environ.get("PATH", "")}
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    # and not the rest of site-packages: e.g. click, a dependency of skyfn, stays out
    other = subprocess.run(
        [sys.executable, "-S", "-c", "import click"], env=env, capture_output=True, timeout=60
    )
    assert other.returncode != 0


def test_only_a_worker_on_another_interpreter_gets_it(model: Model, monkeypatch: Any) -> None:
    from skyfn.host import environment, interpreter

    function = model.functions[0]
    own = environment.build(model, function, HostOptions(), {})
    assert "aws-sdk-" not in own.variables["PYTHONPATH"]  # its site-packages hold boto3
    monkeypatch.setattr(interpreter, "find", lambda version: "/usr/bin/python3.99")
    other = environment.build(model, function, HostOptions(), {})
    assert (
        other.variables["PYTHONPATH"].split(os.pathsep)[-1].rsplit("/", 1)[1].startswith("aws-sdk-")
    )
