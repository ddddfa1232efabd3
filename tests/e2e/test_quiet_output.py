"""Output that says a thing once and says it right: what every bundle leaves out (once, not
per function), the local Python version warning (once per sandbox, and by invoke), a call
cut by Ctrl-C (said so, not ``signal 9``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from skyfn.host.interpreter import local_version
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource
from tests.support.sandbox import running_sandbox

# A runtime whose Python is not this one, with no pythonX.Y on PATH: the version warning.
OTHER = "python3.13" if local_version() != "3.13" else "python3.12"
NO_PYTHONS = {"PATH": "/nonexistent"}


def three(root: Path, **options: object) -> Path:
    names = ("alpha", "beta", "gamma")
    return make_project(root, {n: resource("{}", name=n, **options) for n in names})


def test_what_every_bundle_leaves_out_is_said_once(tmp_path: Path, aws: Aws) -> None:
    root = three(tmp_path / "app")
    result = run_skyfn("diff", "--branch", "main", cwd=root, env=aws.env)
    assert result.code == 2, result.err
    assert result.err.count("resource.py") == 1, result.err
    assert "note: each function's resource.py and Python caches stay out of its bundle" in (
        result.err
    )
    assert "left out of its bundle" not in result.err


def test_the_python_version_warning_once_per_sandbox(tmp_path: Path) -> None:
    root = three(tmp_path / "app", runtime=OTHER)
    with running_sandbox(root, env=NO_PYTHONS) as box:
        pass
    said = [line for line in box.out + box.err if "locally on Python" in line]
    assert len(said) == 1, said
    assert said[0].startswith(f"warning: functions alpha, beta, gamma run on {OTHER} on Lambda")


def test_invoke_prints_the_python_version_warning(tmp_path: Path) -> None:
    root = three(tmp_path / "app", runtime=OTHER)
    result = run_skyfn("invoke", "beta", cwd=root, env=NO_PYTHONS)
    assert result.code == 0, result.err
    assert f"warning: function beta runs on {OTHER} on Lambda, but locally on Python" in (
        result.err
    )
    assert "alpha" not in result.err


def test_an_invoke_cut_by_ctrl_c_says_so(tmp_path: Path) -> None:
    slow = "import time\n\ndef handler(event, context):\n    print('working')\n    time.sleep(60)\n"
    root = make_project(tmp_path / "app", {"slow": resource(timeout_seconds=120)}, {"slow": slow})
    proc = subprocess.Popen(
        [sys.executable, "-m", "skyfn", "invoke", "slow"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: Ctrl-C reaches the group, as on a terminal
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "working" in line:
            break
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "error: invoke of slow cut short by Ctrl-C; its worker was stopped" in err
    assert "signal 9" not in out + err and "Aborted" not in err
