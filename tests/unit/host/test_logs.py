"""``LogSink``: an invocation's START reaches the terminal in the same write as its next
lines (one write for a quick call), or on its own once the call runs on; listeners (the
console's live log) get it at once."""

from __future__ import annotations

import io

from skyfn.host.logs import LogSink


class Writes(io.StringIO):
    """A terminal that records each write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def sink() -> tuple[LogSink, Writes, list[str]]:
    stream = Writes()
    made = LogSink(stream, prefix=True)
    heard: list[str] = []
    made.subscribe(lambda function, request_id, text: heard.append(text))
    return made, stream, heard


def test_start_goes_out_with_the_end_in_one_write() -> None:
    logs, stream, heard = sink()
    logs.begin("fn", "rid-0001x", "START RequestId: rid-0001x")
    assert stream.writes == []
    assert heard == ["START RequestId: rid-0001x"]  # the live log has it at once
    logs.lines("fn", "rid-0001x", ["END RequestId: rid-0001x", "REPORT RequestId: rid-0001x"])
    assert stream.writes == [
        "[fn rid-0001] START RequestId: rid-0001x\n"
        "[fn rid-0001] END RequestId: rid-0001x\n"
        "[fn rid-0001] REPORT RequestId: rid-0001x\n"
    ]


def test_start_precedes_the_first_log_line_and_is_written_once() -> None:
    logs, stream, _ = sink()
    logs.begin("fn", "a", "START a")
    logs.line("fn", "b", "another call's line")  # not this one's: START stays back
    logs.line("fn", "a", "hello")
    logs.line("fn", "a", "END a")
    assert stream.writes == [
        "[fn b] another call's line\n",
        "[fn a] START a\n[fn a] hello\n",
        "[fn a] END a\n",
    ]


def test_a_call_that_runs_on_shows_its_start_alone_then_not_again() -> None:
    logs, stream, _ = sink()
    logs.begin("fn", "a", "START a")
    logs.show_begun("a")
    logs.show_begun("a")  # nothing left: no write
    logs.line("fn", "a", "END a")
    assert stream.writes == ["[fn a] START a\n", "[fn a] END a\n"]
