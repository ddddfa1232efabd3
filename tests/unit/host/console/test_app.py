"""The console's request handling that needs no sandbox: reading a log line number back."""

from __future__ import annotations

import pytest

from skyfn.host.console.app import line_number


@pytest.mark.parametrize(
    ("sent", "number"),
    [("42", 42), ("", 0), ("-1", 0), ("²", 0), ("4" * 5000, 0), ("1e3", 0), (" 7", 0)],
)
def test_a_line_number_sent_back_is_a_number_or_nothing(sent: str, number: int) -> None:
    assert line_number(sent) == number
