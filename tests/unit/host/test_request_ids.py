"""Request ids: UUID v4 strings, from the OS's random source, a read per batch only."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from skyfn.host import request_ids
from skyfn.host.request_ids import new_request_id


def test_each_id_is_a_version_4_uuid_in_its_canonical_form() -> None:
    for _ in range(3 * request_ids.BATCH):
        text = new_request_id()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_ids_do_not_repeat_across_threads() -> None:
    seen: list[list[str]] = [[] for _ in range(8)]

    def take(into: list[str]) -> None:
        into.extend(new_request_id() for _ in range(2000))

    threads = [threading.Thread(target=take, args=(into,)) for into in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [text for into in seen for text in into]
    assert len(set(every)) == len(every) == 16000


def test_the_random_source_is_read_once_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real = os.urandom

    def counted(size: int) -> bytes:
        reads.append(size)
        return real(size)

    monkeypatch.setattr(request_ids, "_ready", [])
    monkeypatch.setattr(os, "urandom", counted)
    ids = [new_request_id() for _ in range(2 * request_ids.BATCH + 1)]
    assert reads == [16 * request_ids.BATCH] * 3
    assert len(set(ids)) == len(ids)
