"""skyfn.runtime.masking: the masker and the streaming masker, in process."""

from __future__ import annotations

import base64
import json
import logging
import os
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfn.runtime.masking import FLUSH_AT, MaskedStream, Masker
from skyfn.runtime.protocol import INIT_ID, log_marker
from tests.support.deploy import PEM_LINES, PEM_SECRET, PEM_SHORT_LINE

ESCAPED = "pa\"ss\\wörd-Ünï'cödé"  # both quotes, a backslash, non-ASCII letters


def written_forms(value: str) -> dict[str, str]:
    """How code commonly writes a value, each inside some surrounding text."""
    found = {
        "as is": value,
        "repr": repr(value),
        "repr in a dict": repr({"key": value}),
        "repr beside both quotes": repr("it's \"" + value),
        "bytes repr": repr(value.encode()),
        "ascii": ascii(value),
        "KeyError": str(KeyError(value)),
        "json": json.dumps({"key": value}),
        "json non-ASCII": json.dumps({"key": value}, ensure_ascii=False),
        "quote": urllib.parse.quote(value),
        "quote no safe": urllib.parse.quote(value, safe=""),
        "quote_plus": urllib.parse.quote_plus(value),
        "%r logging": logging.Formatter().format(
            logging.LogRecord("x", logging.INFO, "f", 1, "got %r", (value,), None)
        ),
    }
    for prefix in ("", "a", "ab", "abc", "abcd"):
        data = (prefix + value + "tail").encode()
        found[f"base64 {prefix!r}"] = base64.b64encode(data).decode()
        found[f"urlsafe base64 {prefix!r}"] = base64.urlsafe_b64encode(data).decode()
    return found


@pytest.mark.parametrize("value", [ESCAPED, "plain-Secret-123456", "s p a c e/slash+plus=="])
def test_every_common_form_of_a_value_is_masked(value: str) -> None:
    masker = Masker([value])
    for how, text in written_forms(value).items():
        masked = masker.text(f"before {text} after")
        assert "****" in masked, how
        for form in written_forms(value).values():  # no form of it survives, in any way
            core = form.strip("'\"{}")
            if len(core) >= 8 and core not in "key":
                assert core not in masked, (how, masked)


def test_short_derived_forms_are_not_masked() -> None:
    masker = Masker(["abcd"])  # long enough itself; its base64 forms are 4-5 characters
    assert masker.text("abcd YWJjZA== a%20b") == "**** YWJjZA== a%20b"
    assert Masker(["abc"]).text("abc YWJj") == "abc YWJj"  # below MIN_LENGTH: nothing


def test_a_fake_marker_does_not_carry_a_value_through() -> None:
    masker = Masker([ESCAPED, "skyfn-end"])
    fake = f"\x1eskyfn-end:{ESCAPED}\x1e\n".encode()
    assert ESCAPED.encode() not in masker.lines(fake)
    assert masker.lines(fake) == b"\x1e****:****\x1e\n"
    real = f"{log_marker(INIT_ID)}\n".encode()  # the real ones survive a value inside them
    assert masker.lines(b"skyfn-end " + real) == b"**** " + real


def test_a_value_longer_than_the_buffer_is_still_masked() -> None:
    value = "V" + "0123456789abcdef" * (FLUSH_AT // 8) + "end"  # twice FLUSH_AT
    stream = MaskedStream(Masker([value]))
    data = ("start " + value + " stop").encode()
    out = b"".join(stream.feed(data[i : i + 4096]) for i in range(0, len(data), 4096))
    out += stream.finish()
    assert out == b"start **** stop"


@settings(max_examples=500, deadline=None)
@given(
    values=st.lists(st.text("ab\n\r0é", min_size=1, max_size=12), min_size=1, max_size=3)
    | st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3),
    text=st.text("ab\n0*") | st.text(max_size=200),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
)
def test_masked_stream_never_lets_a_value_through(
    values: list[str], text: str, cuts: list[int]
) -> None:
    masker = Masker(values)
    data = (text + "".join(v + text[:3] for v in values) + "\n").encode()
    stream = MaskedStream(masker)
    out = b""
    previous = 0
    for cut in sorted({min(c, len(data)) for c in cuts}):
        out += stream.feed(data[previous:cut])
        previous = cut
    out += stream.feed(data[previous:]) + stream.finish()
    assert out == masker.lines(data)  # the same as masking all of it at once
    for value in values:
        if len(value) >= 4:
            # in no stretch between masks (joining stretches could make one up: 000 + **** )
            assert all(value.encode() not in part for part in out.split(b"****"))


def test_masker_keeps_markers_and_passes_long_lines_on() -> None:
    masker = Masker(["skyfn-end", "secret-value"])
    marker = log_marker("0b6c5bd4-7c1e-4d7e-9a53-2f0c8f1f6a10").encode()
    assert masker.lines(b"skyfn-end secret-value" + marker + b"\n") == b"**** ****" + marker + b"\n"
    stream = MaskedStream(masker)
    out = stream.feed(b"x" * FLUSH_AT + b"secret-")
    assert len(out) >= FLUSH_AT - len("secret-value")  # a long line does not wait for its end
    out += stream.feed(b"value") + stream.finish()
    assert out == b"x" * FLUSH_AT + b"****"


# --- multi-line values (issue 22, finding 4) ------------------------------------------------


def test_a_multiline_value_is_masked_line_by_line_and_in_its_cr_joined_form() -> None:
    masker = Masker([PEM_SECRET])
    for line in PEM_LINES:
        assert (
            masker.text(f"[INFO] 2026 rid key line: {line}\n") == "[INFO] 2026 rid key line: ****\n"
        )
        assert masker.text(json.dumps({"message": line})) == '{"message": "****"}'
    lambda_form = "key:\r" + PEM_SECRET.replace("\n", "\r") + "\r"
    masked = masker.text(lambda_form)
    assert masked == "key:\r****\r" and not any(line in masked for line in PEM_LINES)
    # lines too short to be specific, and PEM's armour, are not masked alone
    assert masker.text(f"x {PEM_SHORT_LINE} -----BEGIN PRIVATE KEY-----") == (
        f"x {PEM_SHORT_LINE} -----BEGIN PRIVATE KEY-----"
    )
    crlf = Masker([PEM_SECRET.replace("\n", "\r\n")])
    assert crlf.text(PEM_SECRET) == "****" and crlf.text(PEM_LINES[1]) == "****"


def test_a_multiline_value_spread_over_consecutive_lines_is_masked_whole() -> None:
    masker = Masker([PEM_SECRET, "plain-Secret-123456"])
    lines = ["before plain-Secret-123456", *PEM_SECRET.split("\n"), "after"]
    masked = masker.sequence(lines)
    assert masked[0] == "before ****" and masked[-1] == "after"
    assert masked[1:-1] == ["****"] * (len(lines) - 2)  # the short line too
    assert masker.sequence(["alone", PEM_SHORT_LINE]) == ["alone", PEM_SHORT_LINE]


def test_a_stream_masks_a_multiline_value_logged_with_a_prefix_per_line() -> None:
    stream = MaskedStream(Masker([PEM_SECRET]))
    written = "".join(f"WARNING:root:line {line}\n" for line in PEM_SECRET.split("\n"))
    data = written.encode()
    out = b"".join(stream.feed(data[i : i + 7]) for i in range(0, len(data), 7)) + stream.finish()
    assert not any(line.encode() in out for line in PEM_LINES)
    assert out.count(b"****") == len(PEM_LINES)


def test_the_helper_learns_what_was_sent_before_the_output_written_after() -> None:
    """The worker does not wait for the log helper to answer ``learn``: the helper reads the
    control pipe to its end before each piece of output, so output written after the values
    is masked even when both are waiting at once."""
    from skyfn.runtime import masking

    secret = "helper-ordering-value-9f8e"
    out_r, out_w = os.pipe()
    sink_r, sink_w = os.pipe()
    control_r, control_w = os.pipe()
    os.write(control_w, json.dumps([secret]).encode() + b"\n")  # learn: returns at once
    os.write(out_w, f"leak {secret}\n".encode())  # then the handler writes
    os.close(out_w)
    os.close(control_w)
    masking._serve({out_r: sink_w}, control_r)
    os.close(sink_w)
    assert os.read(sink_r, 65536) == b"leak ****\n"
    for fd in (out_r, sink_r, control_r):
        os.close(fd)
