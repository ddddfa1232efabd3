"""``architecture``, ``ephemeral_storage_mb``, ``layers``, ``log_retention_days`` and
``reserved_concurrency`` of ``define_function`` → the model's ``Settings``, each checked
against Lambda's (and CloudWatch Logs') rules with one line saying what is allowed."""

from __future__ import annotations

from collections.abc import Callable

from skyfn.model_settings import Settings
from skyfn.runtime import lambda_platform as lp

Problem = Callable[[str], None]


def settings(
    architecture: object,
    ephemeral_storage_mb: object,
    layers: object,
    log_retention_days: object,
    reserved_concurrency: object,
    problem: Problem,
) -> Settings:
    return Settings(
        architecture=_architecture(architecture, problem),
        ephemeral_storage_mb=_ephemeral(ephemeral_storage_mb, problem),
        layers=_layers(layers, problem),
        log_retention_days=_retention(log_retention_days, problem),
        reserved_concurrency=_reserved(reserved_concurrency, problem),
    )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _architecture(value: object, problem: Problem) -> str | None:
    if value is None:
        return None
    if value not in lp.ARCHITECTURES:
        problem(f"architecture {value!r} is not one of {', '.join(map(repr, lp.ARCHITECTURES))}")
        return None
    return str(value)


def _ephemeral(value: object, problem: Problem) -> int | None:
    if value is None:
        return None
    low, high = lp.EPHEMERAL_STORAGE_RANGE
    if not _whole(value) or not low <= value <= high:  # type: ignore[operator]
        problem(
            f"ephemeral_storage_mb must be a whole number of MB from {low} to {high}, got {value!r}"
        )
        return None
    assert isinstance(value, int)
    return value


def _layers(value: object, problem: Problem) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        problem("layers must be a list of layer version ARNs")
        return ()
    if len(value) > lp.MAX_LAYERS:
        problem(f"layers has {len(value)} entries; Lambda allows at most {lp.MAX_LAYERS}")
        return ()
    wrong = [v for v in value if not isinstance(v, str) or not lp.LAYER_VERSION_ARN.fullmatch(v)]
    if wrong:
        problem(
            f"layers: {wrong[0]!r} is not a layer version ARN "
            "(arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)"
        )
        return ()
    if len(set(value)) != len(value):
        problem("layers lists a layer version twice; Lambda refuses that")
        return ()
    return tuple(str(v) for v in value)


def _retention(value: object, problem: Problem) -> int | None:
    if value is None:
        return None
    if not _whole(value) or value not in lp.LOG_RETENTION_DAYS:
        allowed = ", ".join(map(str, lp.LOG_RETENTION_DAYS))
        problem(f"log_retention_days {value!r} is not one CloudWatch Logs allows: {allowed}")
        return None
    assert isinstance(value, int)
    return value


def _reserved(value: object, problem: Problem) -> int | None:
    if value is None:
        return None
    if not _whole(value) or value < 0:  # type: ignore[operator]
        problem(
            f"reserved_concurrency must be a whole number from 0 (never runs) up, got {value!r}"
        )
        return None
    assert isinstance(value, int)
    return value
