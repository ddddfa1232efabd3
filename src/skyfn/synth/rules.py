"""skyfn's own rules for what a function may declare, on top of Lambda's (``lambda_platform``)."""

from __future__ import annotations

import keyword

from skyfn.runtime.contract import SKYFN_PREFIX
from skyfn.runtime.lambda_platform import ENV_KEY, RESERVED_KEYS

# Names the generated env class body uses (its decorator and annotations): a property of
# the same name would shadow them there.
ENV_MODULE_NAMES = frozenset({"property", "str", "int", "float", "bool", "None"})


def env_key_problem(key: object) -> str | None:
    """What is wrong with ``key`` as an environment variable name of a function, if anything."""
    if key in RESERVED_KEYS:
        return f"environment key {key} is reserved by AWS Lambda; rename it"
    if not isinstance(key, str) or not ENV_KEY.fullmatch(key):
        return (
            f"environment key {key!r} is not valid: start with a letter, then at least one "
            "letter, digit or '_' (Lambda's rule)"
        )
    if keyword.iskeyword(key) or key in ENV_MODULE_NAMES:
        return (
            f"environment key {key} is a Python keyword or a name the typed env module "
            f"relies on, so it cannot offer it as env.{key}; rename it (e.g. upper case)"
        )
    if key.startswith(SKYFN_PREFIX):
        return f"environment key {key} starts with {SKYFN_PREFIX}, which skyfn reserves"
    return None


def max_age_problem(value: object) -> str | None:
    """What is wrong with a secret's ``max_age`` (whole seconds, at least 1, or None)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return None
    return (
        f"max_age must be a whole number of seconds (at least 1) or None (read once per "
        f"cold start), got {value!r}"
    )


def version_problem(value: object) -> str | None:
    """What is wrong with a secret's pinned ``version`` (a whole number from 1)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return None
    return f"version must be a whole number from 1 (a version of the secret), got {value!r}"
