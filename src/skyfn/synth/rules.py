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
