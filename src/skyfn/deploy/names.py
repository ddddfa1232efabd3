"""Names a branch deploy gives AWS things: stack, logical ids, staging bucket, code keys.

Pure functions of the model's names, so synth and deploy agree without talking to AWS.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from skyfn.errors import DefinitionError
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


def logical_base(function_name: str) -> str:
    """The alphanumeric base of a function's logical ids (``say-hello`` → ``SayHello``): a
    function of its own name alone, so adding or removing a function never renames another's
    resources (CloudFormation would replace them)."""
    parts = re.split(r"[^A-Za-z0-9]+", function_name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def logical_ids(functions: Iterable[Function]) -> dict[str, str]:
    """Function name → the base of its logical ids, unique: two names with one base
    (``say-hello`` and ``sayHello``) are a ``DefinitionError`` naming both. (Disambiguating
    them with a hash renamed the one deployed first, and a third name could be chosen to
    equal the disambiguated id, and the template silently held one function less.)"""
    bases: dict[str, str] = {}
    owners: dict[str, str] = {}
    for f in functions:
        base = logical_base(f.name)
        other = owners.setdefault(base, f.name)
        if other != f.name:
            first, second = sorted((other, f.name))
            raise DefinitionError(
                f"functions {first} and {second} would share the CloudFormation logical ids "
                f"Fn{base} and Role{base} (names that differ only in '-', '_' or the case of a "
                "letter after them map to one id); rename one of them, the one not deployed "
                "yet (renaming a deployed function replaces it)"
            )
        bases[f.name] = base
    return bases


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
