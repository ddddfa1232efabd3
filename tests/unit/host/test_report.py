"""host/report.py: Lambda's REPORT line and the worker's peak memory."""

from __future__ import annotations

import os

from skyfn.host.report import peak_memory_mb, report_line


def test_report_line_is_lambdas() -> None:
    assert report_line("r", 1.234, 128, 39, 137.555) == (
        "REPORT RequestId: r\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 39 MB\tInit Duration: 137.56 ms\t"
    )
    assert report_line("r", 0.2, 512, None).endswith("Max Memory Used: ? MB\t")
    assert "Billed Duration: 1 ms" in report_line("r", 0.2, 512, None)


def test_peak_memory_of_this_process_and_of_none() -> None:
    assert (peak_memory_mb(os.getpid()) or 0) > 5
    assert peak_memory_mb(2**22 + 12345) is None
