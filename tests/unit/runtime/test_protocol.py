"""The host-worker messages: what one side encodes, the other decodes."""

from __future__ import annotations

import pytest

from skyfn.runtime import error_shape, protocol


def test_a_request_round_trips() -> None:
    line = protocol.encode(protocol.request("r1", {"a": [1]}, 123, "arn:x"))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.decode_request(line) == protocol.Request("r1", {"a": [1]}, 123, "arn:x")


def test_each_answer_kind_round_trips() -> None:
    shape = error_shape.build("boom", "ValueError", "r1", [])
    decode = protocol.decode_answer
    assert decode(protocol.encode(protocol.ready())).kind == protocol.READY
    assert decode(protocol.encode(protocol.init_error(shape))).error == shape
    assert decode(protocol.encode(protocol.result("r1", '"hi"'))) == protocol.Answer(
        protocol.RESULT, "r1", '"hi"'
    )
    failed = decode(protocol.encode(protocol.error("r1", shape, fatal=True)))
    assert (failed.kind, failed.request_id, failed.error, failed.fatal) == (
        protocol.ERROR,
        "r1",
        shape,
        True,
    )


def test_an_answer_may_carry_the_workers_peak_memory() -> None:
    answer = {**protocol.result("r1", "1"), "rss_kb": 40960}
    assert protocol.decode_answer(protocol.encode(answer)).rss_kb == 40960
    assert protocol.decode_answer(protocol.encode(protocol.result("r1", "1"))).rss_kb is None
    for wrong in (True, "40960", 1.5):
        line = protocol.encode({**protocol.result("r1", "1"), "rss_kb": wrong})
        assert protocol.decode_answer(line).rss_kb is None


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown worker message kind"):
        protocol.decode_answer(b'{"kind": "nonsense"}\n')


def test_the_log_marker_matches_its_pattern_and_nothing_a_handler_prints_by_accident() -> None:
    marker = protocol.log_marker("5d2f-aa").encode()
    assert protocol.MARKER_PATTERN.fullmatch(marker)
    assert not protocol.MARKER_PATTERN.search(b"skyfn-end:5d2f-aa")
