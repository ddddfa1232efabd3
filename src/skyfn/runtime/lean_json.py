"""JSON with the standard library's C accelerator alone (``_json``): what ``json.loads`` and
``json.dumps(value, separators=(",", ":"))`` return, the same C code doing the work, without
importing ``json``, which brings ``re``, ``enum`` and ``collections`` with it (~5 ms of
a started worker's cold start, more than the rest of the worker together). The worker's
protocol and result encoding use it; where ``_json`` is missing or differs (another Python
implementation), ``json`` does the work.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported on the cold start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_WHITESPACE = " \t\n\r"  # JSON's


class _Decoding:
    """What ``_json.make_scanner`` reads from its context: ``json.JSONDecoder()``'s defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {
        "-Infinity": float("-inf"),
        "Infinity": float("inf"),
        "NaN": float("nan"),
    }.__getitem__


def _not_serializable(value: object) -> object:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _encoder() -> Callable[[Any, int], Any]:
    """A new one per value: its circular-reference markers must start empty (a failed
    encoding leaves them behind), as each ``json.dumps`` call makes its own."""
    return _json.make_encoder(
        {}, _not_serializable, _json.encode_basestring_ascii, None, ":", ",", False, False, True
    )


_scan: Callable[[str, int], tuple[Any, int]] | None
_accelerated = True
try:
    import _json

    _scan = _json.make_scanner(_Decoding())  # type: ignore[arg-type]
    _encoder()  # the signature of this Python's accelerator: json's own, 3.11 to 3.13
    encode_basestring_ascii: Callable[[str], str] = _json.encode_basestring_ascii
    encode_basestring: Callable[[str], str] = _json.encode_basestring
except (ImportError, AttributeError, TypeError):
    _scan, _accelerated = None, False
    from json.encoder import encode_basestring, encode_basestring_ascii  # noqa: F401


def loads(data: bytes | str) -> Any:
    """``json.loads(data)`` (``ValueError`` for what is no JSON)."""
    text = data.decode("utf-8", "surrogatepass") if isinstance(data, bytes) else data
    if _scan is None:
        import json

        return json.loads(text)
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = _scan(text, start)
    except StopIteration as stop:
        at = stop.value if isinstance(stop.value, int) else start
        raise ValueError(f"no JSON value at character {at}") from None
    if text[end:].strip(_WHITESPACE):
        raise ValueError(f"extra data after the JSON value at character {end}")
    return value


def dumps(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"))``."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if not _accelerated:
        import json

        return json.dumps(value, separators=(",", ":"))
    return "".join(_encoder()(value, 0))
