"""A handler's result → the invocation's response body, by the rules of Lambda's Python runtime.

Lambda's runtime (``awslambdaric``: ``lambda_runtime_marshaller.py``) encodes with
``simplejson``, not the standard library's ``json``. Its rules, copied here with the
standard library only:

- ``bytes`` returned by the handler are the body as is (content type ``application/unknown``);
- ``Decimal`` is a JSON number written as ``str(value)`` (``Decimal("19.99")`` → ``19.99``),
  a NaN ``Decimal`` is ``NaN``; ``NaN`` and ``Infinity`` floats are allowed;
- anything with an ``_asdict()`` method (a ``namedtuple``) is an object of its fields;
  other tuples are arrays; ``bytes`` inside the result (values and keys) are UTF-8 text;
- on the python3.12+ runtimes non-ASCII characters are written as is (``ensure_ascii`` is
  off), on older ones as ``\\u`` escapes;
- anything else fails with ``Runtime.MarshalError`` and "Unable to marshal response: ...".
"""

from __future__ import annotations

import os
import sys

from skyfn.runtime.lean_json import encode_basestring, encode_basestring_ascii

TYPE_CHECKING = False  # typing is not imported on the cold start
if TYPE_CHECKING:
    from typing import Any

JSON_CONTENT_TYPE = "application/json"
BYTES_CONTENT_TYPE = "application/unknown"
# The runtimes whose marshaller writes non-ASCII characters as is (awslambdaric's set).
UNICODE_RUNTIMES = frozenset(f"AWS_Lambda_python3.{minor}" for minor in range(12, 16))


class MarshalError(Exception):
    """The result cannot be encoded; ``str()`` is the runtime's message."""


def ensure_ascii() -> bool:
    """What the runtime of this process sets (``AWS_EXECUTION_ENV`` names it)."""
    return os.environ.get("AWS_EXECUTION_ENV") not in UNICODE_RUNTIMES


def marshal(result: Any) -> tuple[bytes, str]:
    """The response body and its content type; ``MarshalError`` when it cannot be encoded."""
    if isinstance(result, bytes):
        return result, BYTES_CONTENT_TYPE
    try:
        text = encode(result, ensure_ascii())
        return text.encode("utf-8", "surrogatepass"), JSON_CONTENT_TYPE
    except MemoryError:
        raise
    except RecursionError:  # simplejson's C encoder says where
        message = "maximum recursion depth exceeded while encoding a JSON object"
        raise MarshalError(f"Unable to marshal response: {message}") from None
    except Exception as exc:
        raise MarshalError(f"Unable to marshal response: {exc}") from None


def encode(value: Any, ascii_only: bool) -> str:
    parts: list[str] = []
    _Encoder(ascii_only, parts).value(value)
    return "".join(parts)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _call(obj: Any, name: str) -> tuple[Any] | None:
    method = getattr(obj, name, None)
    if callable(method):
        try:
            return (method(),)
        except TypeError:
            pass
    return None


class _Encoder:
    def __init__(self, ascii_only: bool, parts: list[str]) -> None:
        self.string = encode_basestring_ascii if ascii_only else encode_basestring
        self.parts = parts
        self.markers: dict[int, Any] = {}

    def value(self, o: Any) -> None:
        out = self.parts.append
        if isinstance(o, str):
            out(self.string(o))
        elif isinstance(o, bytes):
            out(self.string(o.decode("utf-8")))
        elif o is None:
            out("null")
        elif o is True:
            out("true")
        elif o is False:
            out("false")
        elif isinstance(o, int):
            out(str(o if type(o) is int else int(o)))
        elif isinstance(o, float):
            out(_float(o))
        elif isinstance(o, _Raw):
            out(o.text)
        else:
            self.container(o)

    def container(self, o: Any) -> None:
        asdict = _call(o, "_asdict")
        if asdict:
            fields = asdict[0]
            if not isinstance(fields, dict):
                raise TypeError(f"_asdict() must return a dict, not {type(fields).__name__}")
            self.marked(o, self.mapping, fields)
        elif isinstance(o, list | tuple):
            self.sequence(o)
        elif isinstance(o, dict):
            self.mapping(o)
        else:
            self.marked(o, self.value, _default(o))

    def marked(self, o: Any, encode: Any, inner: Any) -> None:
        key = id(o)
        if key in self.markers:
            raise ValueError("Circular reference detected")
        self.markers[key] = o
        encode(inner)
        del self.markers[key]

    def sequence(self, items: list[Any] | tuple[Any, ...]) -> None:
        if not items:
            self.parts.append("[]")
            return
        self.marked(items, self._items, items)

    def _items(self, items: list[Any] | tuple[Any, ...]) -> None:
        self.parts.append("[")
        for index, item in enumerate(items):
            if index:
                self.parts.append(", ")
            self.value(item)
        self.parts.append("]")

    def mapping(self, fields: dict[Any, Any]) -> None:
        if not fields:
            self.parts.append("{}")
            return
        self.marked(fields, self._fields, fields)

    def _fields(self, fields: dict[Any, Any]) -> None:
        self.parts.append("{")
        for index, (key, item) in enumerate(fields.items()):
            if index:
                self.parts.append(", ")
            self.parts.append(self.string(_key(key)))
            self.parts.append(": ")
            self.value(item)
        self.parts.append("}")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return key.decode("utf-8")
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return str(key if type(key) is int else int(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _default(o: Any) -> Any:
    """awslambdaric's ``Encoder.default``: a Decimal is a number, anything else fails."""
    decimal = sys.modules.get("decimal")  # no Decimal can exist before decimal is imported
    if decimal is not None and isinstance(o, decimal.Decimal):
        if o.is_nan():
            return float("nan")
        return _Raw(str(o))
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class _Raw:
    """Text written as is (simplejson's ``RawJSON``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
