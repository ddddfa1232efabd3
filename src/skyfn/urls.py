"""``FunctionUrl`` and ``Cors``: a function's HTTPS endpoint (Lambda's function URL), as the
user wrote it. Checked once, at synth (``skyfn.synth.urls``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cors:
    """Lambda's ``Cors`` of a function URL: which web origins may call it from a browser,
    with which methods and headers; preflights are answered from it, never by the function."""

    allow_origins: Sequence[str] = ()
    allow_methods: Sequence[str] = ()
    allow_headers: Sequence[str] = ()
    allow_credentials: bool = False
    max_age: int = 0
    expose_headers: Sequence[str] = ()


@dataclass(frozen=True)
class FunctionUrl:
    """A function URL. ``auth="iam"`` (the default): callers sign with SigV4 and need
    ``lambda:InvokeFunctionUrl``; ``auth="none"``: anyone may call it. ``cors``: ``Cors(...)``."""

    auth: str = "iam"
    cors: Cors | None = None
