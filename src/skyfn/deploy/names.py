"""Names a branch deploy gives AWS things: stack, logical ids, staging bucket, code keys.

Pure functions of the model's names, so synth and deploy agree without talking to AWS.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from skyfn.model import Function, Model

STACK_PREFIX = "skyfn"
_STACK_MAX = 128


def _short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def stack_name(app_id: str, branch: str) -> str:
    """``skyfn-<app>-<branch>-<hash>``: a readable prefix (cut to fit CloudFormation's 128
    characters, with only letters, digits and '-') and a short hash of the app id and the
    branch together, so no two (app, branch) pairs share a stack: app ``shop`` on branch
    ``pay-main`` and app ``shop-pay`` on branch ``main`` read alike but hash apart."""
    clean = re.sub(r"[^A-Za-z0-9-]+", "-", branch).strip("-") or "branch"
    digest = _short_hash(f"{app_id}\0{branch}", 10)
    readable = f"{STACK_PREFIX}-{app_id}-{clean}"[: _STACK_MAX - len(digest) - 1].rstrip("-")
    return f"{readable}-{digest}"


def legacy_stack_name(app_id: str, branch: str) -> str:
    """The name skyfn gave a branch's stack before names carried a hash of (app, branch).
    Kept so such a stack, when its tags say it is this app's and branch's, is deployed to
    rather than orphaned. Names of this shape can collide: never trust one by name alone."""
    clean = re.sub(r"[^A-Za-z0-9-]+", "-", branch).strip("-") or "branch"
    name = f"{STACK_PREFIX}-{app_id}-{clean}"
    if clean != branch:
        name = f"{name}-{_short_hash(branch)}"
    if len(name) > _STACK_MAX:
        name = f"{name[: _STACK_MAX - 9].rstrip('-')}-{_short_hash(branch)}"
    return name


def logical_ids(functions: Iterable[Function]) -> dict[str, str]:
    """Function name → the alphanumeric base of its logical ids (``say-hello`` → ``SayHello``).
    Names that would collide (``say-hello`` and ``sayHello``) get a short hash each."""
    bases: dict[str, str] = {}
    for f in functions:
        parts = re.split(r"[^A-Za-z0-9]+", f.name)
        bases[f.name] = "".join(p[:1].upper() + p[1:] for p in parts if p)
    counts: dict[str, int] = {}
    for base in bases.values():
        counts[base] = counts.get(base, 0) + 1
    return {
        name: base if counts[base] == 1 else f"{base}{_short_hash(name)}"
        for name, base in bases.items()
    }


def code_key(app_id: str, sha256_hex: str) -> str:
    """Where a bundle lives in the staging bucket: by content, so an unchanged bundle is
    neither uploaded again nor a reason to update the stack."""
    return f"{STACK_PREFIX}/{app_id}/{sha256_hex}.zip"


def template_key(stack: str, sha256_hex: str) -> str:
    """Where a template too large to send inline is staged for CloudFormation to read."""
    return f"{STACK_PREFIX}/templates/{stack}/{sha256_hex}.json"


def staging_bucket(account_id: str, region: str) -> str:
    return f"{STACK_PREFIX}-staging-{account_id}-{region}"


def function_ids(model: Model) -> dict[str, str]:
    return logical_ids(model.functions)


_LAMBDA_NAME_MAX = 64


def function_name(app_id: str, branch: str, function: str) -> str:
    """A function's physical Lambda name: ``<app>-<branch>-<function>-<hash>``, a readable
    prefix cut to fit Lambda's 64 characters (letters, digits, '-' and '_') and a short hash
    of the three together, so that no two (app, branch, function) share a name however the
    readable parts read alike (``shop`` + ``pay-main`` vs ``shop-pay`` + ``main``)."""
    digest = _short_hash(f"{app_id}\0{branch}\0{function}", 8)
    parts = (re.sub(r"[^A-Za-z0-9_-]+", "-", p).strip("-_") for p in (app_id, branch, function))
    readable = "-".join(p for p in parts if p)
    readable = readable[: _LAMBDA_NAME_MAX - len(digest) - 1].rstrip("-_")
    return f"{readable}-{digest}" if readable else f"skyfn-{digest}"
