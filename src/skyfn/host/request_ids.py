"""Request ids: random UUIDs (version 4), as Lambda's, without a system call per request.

``uuid.uuid4()`` reads 16 bytes from ``os.urandom`` for each id (a ``getrandom`` call, a
GIL release and re-take on the warm path). Here the bytes come from ``os.urandom`` in
batches of ``BATCH`` ids: each id is still 122 bits from the operating system's random
source, as unguessable and as unlikely to repeat as ``uuid4``'s; only the reads are fewer.
"""

from __future__ import annotations

import os

BATCH = 256  # ids per read of the random source
_VERSION = 0x4 << 76  # the version nibble of a UUID v4, in a 128-bit int
_VERSION_MASK = 0xF << 76
_VARIANT = 0x2 << 62  # RFC 9562's variant, 10xx
_VARIANT_MASK = 0x3 << 62

# ids drawn and not handed out yet; ``list.pop`` and ``list.extend`` are atomic under the
# GIL, so threads take ids without a lock (two that refill at once both add a batch)
_ready: list[str] = []


def new_request_id() -> str:
    """A fresh random UUID v4 string (``xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx``)."""
    while True:
        try:
            return _ready.pop()
        except IndexError:
            _ready.extend(_draw(BATCH))


def _draw(count: int) -> list[str]:
    data = os.urandom(16 * count)
    ids = []
    for start in range(0, len(data), 16):
        value = int.from_bytes(data[start : start + 16], "big")
        value = (value & ~_VERSION_MASK & ~_VARIANT_MASK) | _VERSION | _VARIANT
        h = f"{value:032x}"
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


# a forked child (none on the warm path, but a test may fork) must not hand out the
# parent's ids again
os.register_at_fork(after_in_child=_ready.clear)
