"""The worker's answer carries its peak resident memory (REPORT's Max Memory Used), read
from /proc/self/status only when a page fault may have raised it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from skyfn.runtime import worker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise AssertionError(f"no {field}")


def _vm_hwm_kb() -> int:
    return _status_kb("VmHWM")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the worker's reads of the status; each test starts without a reading."""
    monkeypatch.setattr(worker, "_peak_kb", None)
    monkeypatch.setattr(worker, "_faults", -1)
    made: list[int] = []
    real = os.pread

    def pread(fd: int, size: int, offset: int) -> bytes:
        made.append(fd)
        return real(fd, size, offset)

    monkeypatch.setattr(os, "pread", pread)
    return made


def _answer() -> dict[str, Any]:
    answer: dict[str, Any] = {}
    worker._with_peak_memory(answer)
    return answer


def test_the_answer_carries_the_peak_of_this_process(reads: list[int]) -> None:
    assert _answer()["rss_kb"] == pytest.approx(_vm_hwm_kb(), abs=1024)
    assert len(reads) == 1


PEAK_PROBE = """
import json, mmap, sys
from skyfn.runtime import worker

def status_kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

def answer():
    out = {}
    worker._with_peak_memory(out)
    return out["rss_kb"]

before = answer()
resident = status_kb("VmRSS")
block = mmap.mmap(-1, 64 * 1024 * 1024)
for offset in range(0, len(block), mmap.PAGESIZE):
    block[offset] = 1  # fresh pages, each written once: faulted in now
after = answer()
print(json.dumps([before, resident, after, status_kb("VmHWM")]))
"""


def test_a_peak_raised_since_is_seen() -> None:
    # a process of its own: in the test run's process the peak may already be far above
    # what 64 MB more would reach, and then nothing is raised to be seen
    done = subprocess.run(
        [sys.executable, "-c", PEAK_PROBE], capture_output=True, text=True, check=True
    )
    before, resident, after, peak = json.loads(done.stdout)
    assert after > before
    assert after >= resident + 60 * 1024
    assert after == pytest.approx(peak, abs=1024)


def test_without_a_page_fault_the_status_is_not_read_again(reads: list[int]) -> None:
    first = _answer()
    answers = [_answer() for _ in range(200)]
    # a call may fault a page in (the interpreter allocates); most do not, and then the
    # status is not read: the peak given is the last one read
    assert len(reads) < 100
    assert all(a["rss_kb"] >= first["rss_kb"] for a in answers)
