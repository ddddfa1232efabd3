"""``skyfn pipeline-deploy`` output a person can follow, against a real moto_server:
readable Lambda names, uploads named by function, each resource's status as it changes
with elapsed time, the total time and the ARNs."""

from __future__ import annotations

import re
from pathlib import Path

from skyfn.deploy import names
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import make_project

ALPHA = 'from skyfn import define_function\nfn = define_function(name="say-hello")\n'


def test_deploy_shows_progress_and_readable_names(tmp_path: Path, aws: Aws) -> None:
    root = make_project(tmp_path / "demo", {"say_hello": ALPHA}, app_id="demo")
    result = run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)
    assert result.code == 0, result.err
    out = result.out
    physical = names.function_name("demo", "main", "say-hello")
    assert re.fullmatch(r"demo-main-say-hello-[0-9a-f]{8}", physical)
    assert re.search(r"^uploaded 1 of 1: s3://\S+ \(function say-hello\), \d+ bytes$", out, re.M)
    stack = names.stack_name("demo", "main")
    # moto reports only the stack's own events (AWS adds one per resource, shown alike)
    progress = rf"^\s+\d+\.\ds  {stack} \(AWS::CloudFormation::Stack\) CREATE_%s$"
    assert re.search(progress % "IN_PROGRESS", out, re.M)
    assert re.search(progress % "COMPLETE", out, re.M)
    assert re.search(rf"say-hello  arn:aws:lambda:[^ ]+:function:{physical}$", out, re.M)
    assert re.search(r"^done in \d+\.\d s$", out, re.M)
