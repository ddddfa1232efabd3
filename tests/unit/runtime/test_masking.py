"""skyfn.runtime.masking: the masker and the streaming masker, in process."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skyfn.runtime.masking import FLUSH_AT, MaskedStream, Masker
from skyfn.runtime.protocol import log_marker


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
    marker = log_marker("1234").encode()
    assert masker.lines(b"skyfn-end secret-value" + marker + b"\n") == b"**** ****" + marker + b"\n"
    stream = MaskedStream(masker)
    out = stream.feed(b"x" * FLUSH_AT + b"secret-")
    assert len(out) >= FLUSH_AT - len("secret-value")  # a long line does not wait for its end
    out += stream.feed(b"value") + stream.finish()
    assert out == b"x" * FLUSH_AT + b"****"
