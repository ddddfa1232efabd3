"""A function's physical Lambda name: synth needs it for ``function_ref`` (the deployed
environment holds it and is checked against the 4 KB limit), deploy names the function by
it (``skyfn.deploy.names.function_name``). One rule, here."""

from __future__ import annotations

import hashlib
import re

LAMBDA_NAME_MAX = 64


def physical_name(app_id: str, branch: str, function: str) -> str:
    """``<app>-<branch>-<function>-<hash>``: a readable prefix cut to fit Lambda's 64
    characters (letters, digits, '-' and '_') and a short hash of the three together, so that
    no two (app, branch, function) share a name however the readable parts read alike
    (``shop`` + ``pay-main`` vs ``shop-pay`` + ``main``)."""
    digest = hashlib.sha256(f"{app_id}\0{branch}\0{function}".encode()).hexdigest()[:8]
    parts = (re.sub(r"[^A-Za-z0-9_-]+", "-", p).strip("-_") for p in (app_id, branch, function))
    readable = "-".join(p for p in parts if p)
    readable = readable[: LAMBDA_NAME_MAX - len(digest) - 1].rstrip("-_")
    return f"{readable}-{digest}" if readable else f"skyfn-{digest}"
