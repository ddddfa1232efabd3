"""Generated values spelled as Python source for ``resource.py``: a call writes only the
options that are not ``OMIT``, and floats that ``repr`` cannot spell are spelled too.
"""

from __future__ import annotations

import math
from typing import Any

from tests.support.backends.spec import OMIT


def python_value(value: Any) -> str:
    """A Python expression for a generated value (floats that repr cannot spell too)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return f"float({repr(value)!r})"
    return repr(value)


def call(func: str, first: str, **options: Any) -> str:
    given = "".join(f", {k}={python_value(v)}" for k, v in options.items() if v is not OMIT)
    return f"{func}({first}{given})"
