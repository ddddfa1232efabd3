"""The worker's answer carries its peak resident memory (REPORT's Max Memory Used), read
from /proc/self/status only when a page fault may have raised it."""

from __future__ import annotations

import mmap
import os
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


def test_a_peak_raised_since_is_seen(reads: list[int]) -> None:
    before = _answer()["rss_kb"]
    resident = _status_kb("VmRSS")
    # fresh pages, each written once: faulted in now (a bytearray may reuse heap pages an
    # earlier test of this process left resident, and then nothing faults or grows)
    block = mmap.mmap(-1, 64 * 1024 * 1024)
    for offset in range(0, len(block), mmap.PAGESIZE):
        block[offset] = 1
    after = _answer()["rss_kb"]
    block.close()
    assert after > before
    assert after >= resident + 60 * 1024
    assert after == pytest.approx(_vm_hwm_kb(), abs=1024)


def test_without_a_page_fault_the_status_is_not_read_again(reads: list[int]) -> None:
    first = _answer()
    answers = [_answer() for _ in range(200)]
    # a call may fault a page in (the interpreter allocates); most do not, and then the
    # status is not read: the peak given is the last one read
    assert len(reads) < 100
    assert all(a["rss_kb"] >= first["rss_kb"] for a in answers)
