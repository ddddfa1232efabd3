"""skyfn: Python cloud functions with environment variables and secrets done right.

Public: the names in ``__all__`` here (for ``backend/`` definitions), ``skyfn.runtime``'s
``__all__`` (for handlers and the generated env modules) and the pytest plugin's fixtures.
Every other module (``skyfn.synth``, ``skyfn.host``, ``skyfn.deploy``, ``skyfn.secrets``,
``skyfn.cli`` and the rest) is internal and may change without notice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Cors",
    "DefinitionError",
    "FunctionUrl",
    "Schedule",
    "SkyfnError",
    "__version__",
    "allow",
    "aws_secret",
    "define_backend",
    "define_function",
    "define_layer",
    "dynamodb_table",
    "event_bus",
    "function_ref",
    "s3_bucket",
    "secret",
    "sns_topic",
    "sqs_queue",
    "ssm_parameter",
    "vault_secret",
]

_PERMISSIONS = ("allow", "dynamodb_table", "event_bus", "s3_bucket", "sns_topic", "sqs_queue")

if TYPE_CHECKING:
    from skyfn.definition import (
        aws_secret,
        define_backend,
        define_function,
        define_layer,
        secret,
        ssm_parameter,
        vault_secret,
    )
    from skyfn.errors import DefinitionError, SkyfnError
    from skyfn.function_refs import function_ref
    from skyfn.permissions import (
        allow,
        dynamodb_table,
        event_bus,
        s3_bucket,
        sns_topic,
        sqs_queue,
    )
    from skyfn.schedules import Schedule
    from skyfn.urls import Cors, FunctionUrl


def __getattr__(name: str) -> Any:
    # Lazy, so a function process that imports skyfn.runtime does not pay for the
    # definition API (dataclasses, inspect, ...) on its cold start.
    if name in (
        "aws_secret",
        "define_backend",
        "define_function",
        "define_layer",
        "secret",
        "ssm_parameter",
        "vault_secret",
    ):
        from skyfn import definition

        return getattr(definition, name)
    if name in _PERMISSIONS:
        from skyfn import permissions

        return getattr(permissions, name)
    if name == "Schedule":
        from skyfn.schedules import Schedule

        return Schedule
    if name == "function_ref":
        from skyfn.function_refs import function_ref

        return function_ref
    if name in ("Cors", "FunctionUrl"):
        from skyfn import urls

        return getattr(urls, name)
    if name in ("DefinitionError", "SkyfnError"):
        from skyfn import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'skyfn' has no attribute {name!r}")
