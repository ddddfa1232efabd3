"""Lambda's ``REPORT`` line, written locally as Lambda writes it, so local and deployed
runs compare line by line:

``REPORT RequestId: <id>\\tDuration: 1.99 ms\\tBilled Duration: 2 ms\\tMemory Size: 128 MB\\t``
``Max Memory Used: 39 MB\\tInit Duration: 137.55 ms\\t`` (``Init Duration`` on a cold start
only). ``Duration`` is the handler's alone; ``Max Memory Used`` is the worker process's peak
resident memory (``VmHWM``), as the worker's answer gives it (``getrusage``), else read by
the host from ``/proc``.
"""

from __future__ import annotations

import math
from pathlib import Path

_MIB = 1024


def peak_memory_mb(pid: int) -> int | None:
    """The process's peak resident memory in MB (rounded up), ``None`` when unknown
    (no ``/proc``, or the process is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return _vm_hwm(status)


def _vm_hwm(status: str) -> int | None:
    start = status.find("\nVmHWM:")
    if start < 0:
        return None
    fields = status[start + 7 : status.find("\n", start + 1)].split()
    if fields and fields[0].isdigit():
        return math.ceil(int(fields[0]) / _MIB)
    return None


def report_line(
    request_id: str,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_mb: int | None,
    init_ms: float | None = None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_mb if max_memory_mb is not None else '?'} MB",
    ]
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    return "\t".join(parts) + "\t"
