"""``skyfn secret import`` is all or nothing against a real store: every value is checked
against the store's limits and the definitions' patterns before the first write, and a
write the store still refuses (SSM's version limit, a full disk) undoes the ones before it,
saying name by name what was and was not changed."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, write

BRANCH = "/skyfn/testapp/branch-main/"
PATTERN = 'fn = define_function(environment={"KEY_C": secret("C", pattern=r"c-[0-9]+")})\n'


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "p", {"fn": "from skyfn import define_function, secret\n" + PATTERN}
    )


def ssm() -> Any:
    return boto3.client("ssm")


def parameters() -> dict[str, tuple[str, int]]:
    """Every parameter of the branch: name → (value, version)."""
    found = ssm().get_parameters_by_path(Path=BRANCH, WithDecryption=True)["Parameters"]
    return {p["Name"][len(BRANCH) :]: (p["Value"], p["Version"]) for p in found}


def test_a_value_over_ssms_limit_refuses_the_file_before_any_write(
    aws: Aws, root: Path, tmp_path: Path
) -> None:
    big = "x" * 5000
    file = write(tmp_path / "s.env", f"A=first-value\nB=second-value\nC={big}\n")
    result = run_skyfn("secret", "import", str(file), "--branch", "main", cwd=root)
    assert result.code == 1 and result.out == "" and "Traceback" not in result.err
    assert result.err.strip() == (
        f"error: {file}, line 3: the value of secret C is 5000 bytes; SSM standard parameters "
        "hold at most 4096 bytes. Keep large values in the local store (--store local), or "
        "store a reference (e.g. an S3 key) instead; nothing imported"
    )
    assert parameters() == {}


def test_a_pattern_broken_by_the_last_value_refuses_the_file_naming_its_line(
    aws: Aws, root: Path, tmp_path: Path
) -> None:
    file = write(tmp_path / "s.env", "A=first-value\nB=second-value\nC=not-the-pattern\n")
    result = run_skyfn("secret", "import", str(file), "--branch", "main", cwd=root)
    assert result.code == 1 and "not-the-pattern" not in result.err
    assert result.err.startswith(f"error: {file}, line 3: the value given for secret C does ")
    assert result.err.strip().endswith("; nothing imported")
    assert parameters() == {}


def test_a_write_ssm_refuses_midway_undoes_the_ones_before(
    aws: Aws, root: Path, tmp_path: Path
) -> None:
    """A genuine refusal no check can foresee: C already has SSM's 100 versions and its
    oldest carries a label, so SSM refuses a 101st (ParameterMaxVersionLimitExceeded)."""
    client = ssm()
    client.put_parameter(Name=BRANCH + "B", Value="old-b", Type="SecureString")
    for n in range(100):
        client.put_parameter(Name=BRANCH + "C", Value=f"c-{n}", Type="SecureString", Overwrite=True)
    client.label_parameter_version(Name=BRANCH + "C", ParameterVersion=1, Labels=["pinned"])
    file = write(tmp_path / "s.env", "A=new-a\nB=new-b\nC=c-100\nD=new-d\n")
    result = run_skyfn("secret", "import", str(file), "--branch", "main", cwd=root)
    assert result.code == 1 and result.out == "" and "Traceback" not in result.err
    err = result.err.strip()
    assert err.startswith(
        f"error: secret import stopped at C: cannot write {BRANCH}C to SSM: AWS said "
        "ParameterMaxVersionLimitExceeded: "
    )
    assert err.endswith(
        "; in the ssm store for branch main: A removed (it was new), B back to its previous "
        "value (now version 3), C not changed; not written: D; nothing imported"
    )
    for value in ("new-a", "new-b", "c-100", "new-d", "old-b"):
        assert value not in err
    assert parameters() == {"B": ("old-b", 3), "C": ("c-99", 100)}


def run_with_file_limit(root: Path, limit: int, *args: str) -> Result:
    """The CLI with RLIMIT_FSIZE: a write past ``limit`` bytes fails as on a full disk
    (Python ignores SIGXFSZ, so SQLite gets EFBIG)."""

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-m", "skyfn", *args],
        cwd=root,
        capture_output=True,
        preexec_fn=limited,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def test_a_full_disk_midway_undoes_the_local_imports(root: Path, tmp_path: Path) -> None:
    assert run_skyfn("secret", "set", "B", cwd=root, stdin="old-b").code == 0
    big = "c-" + "1" * 300_000  # fits the pattern; no store limit: only the disk refuses it
    file = write(tmp_path / "s.env", f"A=new-a\nB=new-b\nC={big}\nD=new-d\n")
    result = run_with_file_limit(root, 200_000, "secret", "import", str(file))
    assert result.code == 1 and result.out == "" and "Traceback" not in result.err
    err = result.err.strip()
    assert err.startswith("error: secret import stopped at C: cannot write the secret store ")
    assert err.endswith(
        "; in the local store for sandbox root: A removed (it was new), B back to its previous "
        "value (now version 3), C not changed; not written: D; nothing imported"
    )
    listed = json.loads(run_skyfn("secret", "list", "--json", cwd=root).out)
    assert [(row["name"], row["version"]) for row in listed] == [("B", 3)]
    assert run_skyfn("secret", "get", "B", cwd=root).out == "old-b\n"


def test_a_good_file_sets_everything_in_order(aws: Aws, root: Path, tmp_path: Path) -> None:
    ssm().put_parameter(Name=BRANCH + "B", Value="old-b", Type="SecureString")
    file = write(tmp_path / "s.env", "A=new-a\nB='new b  '\nC=c-1\n")
    result = run_skyfn("secret", "import", str(file), "--branch", "main", cwd=root)
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "Set A (version 1) for branch main",
        "Set B (version 2) for branch main",
        "Set C (version 1) for branch main",
    ]
    assert parameters() == {"A": ("new-a", 1), "B": ("new b  ", 2), "C": ("c-1", 1)}
