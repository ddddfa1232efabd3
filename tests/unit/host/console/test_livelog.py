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


def test_a_page_served_with_the_kept_lines_streams_only_what_comes_after() -> None:
    log = LiveLog()
    for text in ("one", "two"):
        log.add("fn", "0123456789", text)
    kept = log.kept()
    assert [line.text for line in kept] == ["one", "two"]
    stream = log.stream(last_seen=kept[-1].seq, heartbeat=5)
    next(stream)
    threading.Timer(0.05, log.add, args=("fn", "", "three")).start()
    assert [e["text"] for e in events([next(stream)])] == ["three"]
