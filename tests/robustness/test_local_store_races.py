"""The embedded store under concurrent writers: many processes, one secret, nothing lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import make_project, resource

WORKER = """
import subprocess, sys
for i in range(int(sys.argv[2])):
    done = subprocess.run(
        [sys.executable, "-m", "skyfn", "secret", "set", "RACE"],
        input=f"{sys.argv[1]}-{i}".encode(), capture_output=True,
    )
    if done.returncode != 0:
        sys.exit(done.stderr.decode())
"""


@pytest.mark.slow
def test_concurrent_sets_from_many_processes_lose_nothing(
    tmp_path: Path, isolated_home: Path
) -> None:
    """8 processes each run ``skyfn secret set`` 100 times on the same secret."""
    project = make_project(tmp_path / "p", {"f": resource()})
    workers, each = 8, 100
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, f"w{w}", str(each)],
            cwd=project,
            env={**os.environ, "SKYFN_HOME": str(isolated_home)},
            stderr=subprocess.PIPE,
        )
        for w in range(workers)
    ]
    failures = [p.communicate(timeout=900)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * workers, failures
    with sqlite3.connect(isolated_home / "secrets.db") as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM secrets ORDER BY version")]
        rows = conn.execute("SELECT path, version, nonce, ciphertext, updated_at FROM secrets")
        stored = rows.fetchall()
    conn.close()
    assert versions == list(range(1, workers * each + 1))
    # every value written is there, readable, each exactly once
    from skyfn.secrets import local_reader as fmt

    key = fmt.load_key(isolated_home)
    assert key is not None
    with sqlite3.connect(isolated_home / "secrets.db") as conn:
        opener = fmt.Opener(key, conn, isolated_home)
        values = sorted(opener.open(fmt.Row(*row)) for row in stored)
    conn.close()
    assert values == sorted(f"w{w}-{i}" for w in range(workers) for i in range(each))
