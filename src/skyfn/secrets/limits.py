"""What each store accepts, checked before a command writes anything: a value over a store's
size limit is refused up front rather than by AWS half-way through an import.

Names need no check of their own here: a valid secret name (``skyfn.scope``) in a scope path
stays far below every store's name limits (SSM 1011 characters, Secrets Manager 512).
"""

from __future__ import annotations

from skyfn.runtime.stores import StoreName

# bytes of UTF-8; the local store has no limit of its own
MAX_VALUE_BYTES: dict[StoreName, int] = {
    "ssm": 4096,  # a standard-tier parameter (4 KB)
    "secretsmanager": 65536,  # a secret's SecretString (64 KB)
}
_LABELS: dict[StoreName, str] = {
    "ssm": "SSM standard parameters hold",
    "secretsmanager": "Secrets Manager secrets hold",
}


def value_problem(store: StoreName, name: str, value: str) -> str:
    """Why ``store`` would refuse ``value`` for secret ``name`` ("" when it would not)."""
    limit = MAX_VALUE_BYTES.get(store)
    size = len(value.encode("utf-8"))
    if limit is None or size <= limit:
        return ""
    return (
        f"the value of secret {name} is {size} bytes; {_LABELS[store]} at most {limit} bytes. "
        "Keep large values in the local store (--store local), or store a reference (e.g. "
        "an S3 key) instead"
    )
