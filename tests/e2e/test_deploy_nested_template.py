"""``skyfn synth --branch`` of a backend of 1,000 functions: a root template and nested
parts, every one within CloudFormation's quotas and clean under cfn-lint."""

from __future__ import annotations

import json
from pathlib import Path

from cfnlint.api import lint

from skyfn.deploy import layout, quotas
from tests.support.cli import run_skyfn
from tests.support.projects import make_big_project


def test_synth_of_a_thousand_functions_writes_templates_within_the_quotas(
    tmp_path: Path,
) -> None:
    root = make_big_project(tmp_path / "big", 1000)
    result = run_skyfn("synth", "--branch", "main", cwd=root)
    assert result.code == 0, result.err
    folder = root / ".skyfn" / "artifacts" / "branch-main"
    files = {p.name: p.read_text() for p in folder.glob("template*.json")}
    assert len(files) == 1 + layout.PARTS
    templates = {name: json.loads(text) for name, text in files.items()}
    checked = {name: (templates[name], text) for name, text in files.items()}
    assert quotas.check_nested(checked, "template.json") == []
    assert all(len(text.encode()) <= quotas.BODY_S3_BYTES for text in files.values())
    functions = [
        logical
        for name, template in templates.items()
        for logical, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    ]
    assert len(functions) == len(set(functions)) == 1000
    # cfn-lint takes seconds per part: the root and the largest and smallest parts (every
    # part is the same builder's output, see tests/unit/deploy/test_nested.py).
    parts = sorted((n for n in files if n != "template.json"), key=lambda n: len(files[n]))
    for name in ("template.json", parts[0], parts[-1]):
        errors = [m for m in lint(files[name]) if m.rule.id.startswith(("E", "W"))]
        assert errors == [], f"{name}:\n" + "\n".join(str(m) for m in errors)
    # A second synth rewrites none of them.
    again = run_skyfn("synth", "--branch", "main", cwd=root)
    assert again.code == 0 and "template" not in again.out


def test_synth_refuses_a_branch_over_a_quota_and_writes_no_template(tmp_path: Path) -> None:
    root = make_big_project(tmp_path / "huge", layout.MAX_FUNCTIONS + 1)
    result = run_skyfn("synth", "--branch", "main", cwd=root)
    assert result.code != 0
    assert "Traceback" not in result.err
    assert "the CloudFormation template would exceed a quota; nothing was written" in result.err
    # 1,243 functions x 2 resources + 16 parts
    assert "2502 resources in the stack and its nested stacks" in result.err
    assert not list((root / ".skyfn").rglob("template*.json"))
