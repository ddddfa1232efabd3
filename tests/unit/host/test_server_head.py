"""An answer's head, made as one string on the warm path, is byte for byte what
``http.server``'s ``send_response`` and ``send_header`` write (a property test)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skyfn.host.gateway import Response
from skyfn.host.server import InvokeHandler

NAMES = st.sampled_from(
    ["Content-Type", "x-amzn-RequestId", "X-Amz-Function-Error", "Retry-After", "Vary", "x-a"]
)
VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20)


def handler(close: bool, version: str = "HTTP/1.1") -> InvokeHandler:
    made = InvokeHandler.__new__(InvokeHandler)  # no connection: only the head is made
    made.request_version = version
    made.close_connection = close
    made.command = "POST"
    made.date_time_string = lambda timestamp=None: "Sat, 05 Dec 2026 00:00:00 GMT"  # type: ignore[method-assign]
    return made


@given(
    status=st.sampled_from([200, 202, 204, 400, 403, 404, 413, 429, 500, 502, 599]),
    headers=st.dictionaries(NAMES, VALUES, max_size=4),
    body=st.binary(max_size=40),
    cookies=st.lists(VALUES, max_size=2).map(tuple),
    close=st.booleans(),
)
def test_the_head_is_what_send_header_writes(
    status: int, headers: dict[str, str], body: bytes, cookies: tuple[str, ...], close: bool
) -> None:
    response = Response(status, headers, body, cookies=cookies)
    fast = handler(close)._head(response)
    slow = handler(close)
    slow._buffer_head(response)
    assert fast == b"".join(slow._headers_buffer)


def test_a_connection_field_or_http_0_9_takes_http_servers_own_path() -> None:
    assert handler(False)._head(Response(200, {"Connection": "close"})) is None
    assert handler(False, "HTTP/0.9")._head(Response(200)) is None
