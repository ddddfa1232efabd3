"""Lambda's limits and skyfn's own rules for what a function may declare."""

from __future__ import annotations

import keyword
import re

# Lambda's own pattern: at least two characters.
ENV_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
FUNCTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
ENV_SIZE_LIMIT = 4096  # bytes, all keys and values together
TIMEOUT_RANGE = (1, 900)
MEMORY_RANGE = (128, 10240)
SKYFN_PREFIX = "SKYFN_"
# Names the generated env class body uses (its decorator and annotations): a property of
# the same name would shadow them there.
ENV_MODULE_NAMES = frozenset({"property", "str", "int", "float", "bool", "None"})

# Keys Lambda sets itself; a function may not set them.
RESERVED_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
    }
)

RUNTIME = "python3.12"


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
