"""The embedded store loses nothing when writers die: 8 writers, a ninth process that
SIGKILLs them at random, and a writer killed inside its write transaction.

A writer is a process running the store's real write path (``LocalStore.write``) in a loop
that prints each index on stdout only after ``write`` returned: that line is the
acknowledgement. Not one ``skyfn secret set`` per write: a command costs ~0.5 s of
interpreter and import start-up on this machine, so 1,600 of them would take minutes of CPU
and most kills would land in imports, not in writes. ``skyfn secret set`` is ``write`` plus
argument parsing, and ``test_local_store.py`` already races 800 real commands.
"""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from skyfn.secrets import local_reader as fmt
from skyfn.secrets.local import LocalStore
from tests.support import report

WRITERS = 8
WRITES = 200  # per writer
NAMES = 20  # per writer: each name is written WRITES / NAMES times, so versions pile up

WRITER = f"""
import sys
from skyfn.secrets.local import LocalStore

_marker, token, w, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = LocalStore()
for i in range({WRITES})[start:]:
    pad = "x" * (i * 7919 % 30000)  # sizes up to 30 KB: kills land in long writes too
    store.write(f"/skyfn/stress/shared/W{{w}}_S{{i % {NAMES}}}", f"{{token}}-w{{w}}-{{i}}-{{pad}}")
    print(i, flush=True)  # the acknowledgement: only after write() returned
"""

# The ninth process. It finds writers by a marker in their command line and kills through
# a pidfd, re-checking the command line after opening it, so a reused pid is never hit.
KILLER = """
import os, random, signal, sys, time

marker = ("writer:" + sys.argv[1]).encode()
rng = random.Random(int(sys.argv[2]))

def ours(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return marker in f.read()
    except OSError:
        return False

while True:
    time.sleep(rng.uniform(0.02, 0.3))
    pids = [int(e) for e in os.listdir("/proc") if e.isdigit() and ours(e)]
    if not pids:
        continue
    pid = rng.choice(pids)
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        continue
    try:
        if ours(pid):
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(fd)
"""


class Slot:
    """One of the 8 writers: restarted after each kill from the first unacknowledged write."""

    def __init__(self, w: int, token: str, env: dict[str, str]) -> None:
        self.w, self.token, self.env = w, token, env
        self.acked: list[int] = []
        self.killed = 0
        self.failure = ""

    def run(self) -> None:
        while True:
            start = self.acked[-1] + 1 if self.acked else 0
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WRITER,
                    f"writer:{self.token}",
                    self.token,
                    str(self.w),
                    str(start),
                ],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                self.acked.append(int(line))
            _, err = proc.communicate()
            if proc.returncode == 0:
                return
            if proc.returncode == -signal.SIGKILL:
                self.killed += 1
                continue
            self.failure = f"writer {self.w} exited {proc.returncode}: {err}"
            return


def all_rows(home: Path) -> dict[str, dict[int, str]]:
    """path -> version -> value, every row decrypted (a row that fails raises)."""
    key = fmt.load_key(home)
    assert key is not None
    conn = fmt.connect(home / "secrets.db")
    try:
        opener = fmt.Opener(key, conn, home)
        rows = conn.execute("SELECT path, version, nonce, ciphertext, updated_at FROM secrets")
        found: dict[str, dict[int, str]] = defaultdict(dict)
        for row in rows.fetchall():
            found[row[0]][row[1]] = opener.open(fmt.Row(*row))
    finally:
        conn.close()
    return found


def integrity(home: Path) -> str:
    conn = sqlite3.connect(home / "secrets.db")
    try:
        (answer,) = conn.execute("PRAGMA integrity_check").fetchone()
    finally:
        conn.close()
    return str(answer)


@pytest.mark.slow
def test_acknowledged_writes_survive_writers_killed_at_random(isolated_home: Path) -> None:
    token = secrets.token_hex(8)
    env = {**os.environ, "SKYFN_HOME": str(isolated_home)}
    LocalStore().write("/skyfn/stress/shared/SEED", "seed")  # key and schema exist up front
    killer = subprocess.Popen(
        [sys.executable, "-c", KILLER, token, str(int.from_bytes(os.urandom(4), "big"))]
    )
    slots = [Slot(w, token, env) for w in range(WRITERS)]
    threads = [threading.Thread(target=slot.run) for slot in slots]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
    finally:
        killer.kill()
        killer.wait()
    assert not any(t.is_alive() for t in threads)
    assert [s.failure for s in slots if s.failure] == []

    rows = all_rows(isolated_home)  # every row opens: no torn or half-written value
    acknowledged = lost = 0
    for slot in slots:
        assert slot.acked == list(range(WRITES))  # each restart resumed after its last ack
        for i in slot.acked:
            acknowledged += 1
            path = f"/skyfn/stress/shared/W{slot.w}_S{i % NAMES}"
            if not any(v.startswith(f"{token}-w{slot.w}-{i}-") for v in rows[path].values()):
                lost += 1
    for path, versions in rows.items():  # versions of a path have no holes
        assert sorted(versions) == list(range(1, len(versions) + 1)), path
    # the newest version of each name is its last acknowledged write
    newest = LocalStore().read_many(sorted(rows))
    for slot in slots:
        for s in range(NAMES):
            last = max(i for i in slot.acked if i % NAMES == s)
            got = newest[f"/skyfn/stress/shared/W{slot.w}_S{s}"].value
            assert got.startswith(f"{token}-w{slot.w}-{last}-")
    killed = sum(slot.killed for slot in slots)
    report.add("store", acknowledged=acknowledged, lost=lost, killed=killed)
    assert lost == 0
    assert acknowledged == WRITERS * WRITES
    assert killed > 0, "the killer never hit a writer; the test proved nothing"
    assert integrity(isolated_home) == "ok"
    # the store still opens and accepts writes
    info = LocalStore().write("/skyfn/stress/shared/AFTER", "still works")
    assert LocalStore().read_many([info.path])[info.path].value == "still works"


# A writer that stops inside its write transaction, after its INSERT, before COMMIT.
STALLING = """
import time
from contextlib import contextmanager
from skyfn.secrets.local import LocalStore

class Stalling(LocalStore):
    @contextmanager
    def _transaction(self, conn):
        with super()._transaction(conn):
            yield
            if conn.total_changes:  # the secret's row is written, not yet committed
                print("inside", flush=True)
                time.sleep(600)

Stalling().write("/skyfn/app/shared/KEY", "second value " + "y" * 200000)
"""


def test_a_writer_killed_inside_its_write_leaves_the_previous_version(
    isolated_home: Path,
) -> None:
    store = LocalStore()
    store.write("/skyfn/app/shared/KEY", "first value")
    proc = subprocess.Popen(
        [sys.executable, "-c", STALLING], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == b"inside\n", proc.communicate()
    proc.kill()  # SIGKILL while it holds the write lock, its row half in place
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    got = LocalStore().read_many(["/skyfn/app/shared/KEY"])["/skyfn/app/shared/KEY"]
    assert (got.value, got.version) == ("first value", 1)
    assert integrity(isolated_home) == "ok"
    # the lock died with the writer: the next write goes through as version 2
    assert store.write("/skyfn/app/shared/KEY", "third value").version == 2
    assert store.read_many(["/skyfn/app/shared/KEY"])["/skyfn/app/shared/KEY"].value == (
        "third value"
    )
