"""``skyfn synth`` at scale (issue 27): a counted summary above 100 functions, and a no-op
that imports neither deploy's templates nor boto3."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from skyfn.cli.build import SUMMARY_MAX_FUNCTIONS
from tests.support.cli import run_skyfn
from tests.support.projects import make_big_project, make_project

PROBE = """\
import sys
from skyfn.cli import main
try:
    main(["synth", "--branch", "main"])
except SystemExit as exc:
    assert not exc.code, exc.code
print(" ".join(m for m in ("skyfn.deploy.nested", "skyfn.host", "boto3", "botocore")
               if m in sys.modules), file=sys.stderr)
"""


def test_the_summary_counts_above_its_limit(tmp_path: Path) -> None:
    root = make_big_project(tmp_path / "big", SUMMARY_MAX_FUNCTIONS + 1)
    result = run_skyfn("synth", "--branch", "main", cwd=root)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:3] == [
        "synth for branch main (app bench)",
        "  101 functions (fn_000 .. fn_100): 1010 plain values, 0 secret references, 0 layers",
        "  (more than 100 functions: each one's values are in "
        ".skyfn/artifacts/branch-main/<function>.json)",
    ]
    written = re.fullmatch(r"wrote (\d+) file\(s\), 0 unchanged", lines[3])
    assert written is not None and int(written[1]) > 2 * 101  # modules, artifacts, templates
    again = run_skyfn("synth", "--branch", "main", cwd=root)
    assert again.out.splitlines()[1:] == [*lines[1:3], f"wrote 0 file(s), {written[1]} unchanged"]


def test_the_summary_lists_each_function_up_to_its_limit(tmp_path: Path) -> None:
    root = make_big_project(tmp_path / "big", SUMMARY_MAX_FUNCTIONS)
    result = run_skyfn("synth", "--branch", "main", cwd=root)
    assert result.code == 0, result.err
    assert "  fn_099  (handler.handler, 3 s, 128 MB)" in result.out.splitlines()


def test_a_no_op_synth_imports_no_deploy_nor_boto3(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "app",
        {
            "a": "from skyfn import define_function\nfn = define_function(environment={'GREETING': 'hi'})\n"
        },
    )
    first = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=True
    )
    assert "skyfn.deploy.nested" in first.stderr  # the first renders the templates
    again = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=True
    )
    assert again.stderr.splitlines()[-1] == "", again.stderr
