"""host/request_head.py: header fields read as http.client reads them, without email's parser
for plain blocks, and exactly as email's parser reads any other block."""

from __future__ import annotations

import email.parser
import http.client
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skyfn.host.request_head import Headers, LowerCased, parse, read_headers


def by_email(block: str) -> list[tuple[str, str]]:
    message = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(block)
    return [(name, str(value)) for name, value in message.items()]


PLAIN = (
    "Host: 127.0.0.1:3001\r\nAccept-Encoding: identity\r\nContent-Length: 2\r\n"
    "X-Amz-Log-Type:Tail \r\nx-amz-date:\t20261204T000000Z\r\n\r\n"
)


@pytest.mark.parametrize(
    "block",
    [
        PLAIN,
        PLAIN.replace("\r\n", "\n"),
        "\r\n",
        "",
        "Host: a\r\n",  # no empty line: the client hung up
        "Host: a\r\n folded: on\r\n\r\n",  # obs-fold
        "Host: a\r\nno colon here\r\nX-After: b\r\n\r\n",  # email stops at the bad line
        ": empty name\r\nHost: a\r\n\r\n",
        "Host: a\rb\r\n\r\n",  # a bare CR splits the line for email
        "Host : a\r\n\r\n",
        "From nobody\r\nHost: a\r\n\r\n",
        "Caf\xe9: \xe9t\xe9\r\n\r\n",
        "A: 1\r\na: 2\r\nB: \r\n\r\n",
    ],
)
def test_fields_are_emails(block: str) -> None:
    assert parse(block).items() == by_email(block)


@given(st.text(alphabet="ab: \t\r\n-\xe9\x0b\x85", max_size=60))
def test_any_block_reads_as_email_reads_it(text: str) -> None:
    block = text + "\r\n\r\n"
    assert parse(block).items() == by_email(block)


def test_lookups_by_lower_cased_name_first_of_repeated() -> None:
    headers = parse("A: 1\r\nContent-Length: 2\r\na: 3\r\n\r\n")
    assert headers.get("a") == "1" and headers.get("CONTENT-length") == "2"
    assert headers.get("missing") is None and headers.get("missing", "") == ""
    assert headers.get_all("A") == ["1", "3"] and headers.get_all("B") is None
    assert headers.fields() == {"a": "1", "content-length": "2"}
    assert "content-length" in headers and list(headers) == ["A", "Content-Length", "a"]
    assert Headers([]).items() == []


def test_limits_are_http_clients() -> None:
    with pytest.raises(http.client.LineTooLong):
        read_headers(io.BytesIO(b"A: " + b"x" * 70000 + b"\r\n\r\n"))
    with pytest.raises(http.client.HTTPException, match="more than 100"):
        read_headers(io.BytesIO(b"A: 1\r\n" * 101 + b"\r\n"))
    rest = io.BytesIO(b"Host: a\r\n\r\nBODY")
    assert read_headers(rest).items() == [("Host", "a")] and rest.read() == b"BODY"


def test_fields_are_marked_lower_cased_for_the_gateway() -> None:
    fields = parse("Host: a\r\nX-Amz-Log-Type: Tail\r\nhost: b\r\n\r\n").fields()
    assert isinstance(fields, LowerCased)
    assert fields == {"host": "a", "x-amz-log-type": "Tail"}
