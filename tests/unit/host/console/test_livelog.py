"""The console's live log: numbered lines, the latest kept, served as server-sent events."""

from __future__ import annotations

import json
import threading

from skyfn.host.console.livelog import LiveLog


def events(chunks: list[bytes]) -> list[dict[str, object]]:
    return [
        json.loads(line.removeprefix("data: "))
        for chunk in chunks
        for line in chunk.decode().splitlines()
        if line.startswith("data: ")
    ]


def test_a_new_reader_gets_the_kept_lines_then_new_ones() -> None:
    log = LiveLog(keep=2)
    for text in ("one", "two", "three"):
        log.add("fn", "0123456789", text)
    stream = log.stream(heartbeat=5)
    assert next(stream).startswith(b"retry:")
    first = next(stream) + next(stream)
    assert [e["text"] for e in events([first])] == ["two", "three"]
    threading.Timer(0.05, log.add, args=("other", "", "four")).start()
    [line] = events([next(stream)])
    assert line["function"] == "other" and line["text"] == "four" and line["seq"] == 4


def test_an_idle_stream_sends_keep_alive_comments_and_ends_on_close() -> None:
    log = LiveLog()
    stream = log.stream(heartbeat=0.01)
    next(stream)
    assert next(stream) == b": keep-alive\n\n"
    log.close()
    assert list(stream) in ([], [b": keep-alive\n\n"])


def test_a_line_cannot_break_out_of_its_event() -> None:
    log = LiveLog()
    log.add("fn", "", "evil\n\ndata: injected")
    stream = log.stream()
    next(stream)
    chunk = next(stream)
    assert chunk.count(b"\n\n") == 1
    assert events([chunk])[0]["text"] == "evil\n\ndata: injected"
