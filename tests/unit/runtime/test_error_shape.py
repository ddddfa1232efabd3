"""Lambda's error shape: one builder, one parser."""

from __future__ import annotations

import json

from skyfn.runtime import error_shape


def test_build_keeps_lambdas_keys_and_order() -> None:
    shape = error_shape.build("bad", "ValueError", "r1", ["  File x"])
    assert list(shape) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error_shape.build("bad", "E") == {"errorMessage": "bad", "errorType": "E"}


def test_parse_reads_text_bytes_and_dicts_and_survives_anything_else() -> None:
    shape = error_shape.build("bad", "ValueError")
    for given in (shape, json.dumps(shape), json.dumps(shape).encode()):
        assert error_shape.parse(given) == ("ValueError", "bad")
    assert error_shape.parse("not json") == ("Error", "not json")
    assert error_shape.parse([1, 2]) == ("Error", "[1, 2]")


def test_response_too_large_says_both_sizes() -> None:
    shape = error_shape.response_too_large(7_000_000, "r1", 6_291_456)
    assert shape["errorType"] == "Function.ResponseSizeTooLarge"
    assert (
        "(7000000 bytes) exceeded maximum allowed payload size (6291456 bytes)"
        in (shape["errorMessage"])
    )
