"""``architecture``, ``ephemeral_storage_mb``, ``layers``, ``log_retention_days`` and
``reserved_concurrency`` of ``define_function`` → the model's ``Settings``, each checked
against Lambda's (and CloudWatch Logs') rules with one line saying what is allowed."""

from __future__ import annotations

import re
from collections.abc import Callable

from skyfn.definition import LayerDefinition
from skyfn.model_layers import is_arn
from skyfn.model_settings import Settings
from skyfn.runtime import lambda_platform as lp

Problem = Callable[[str], None]
# A define_layer name: as a function's (its logical ids and physical name derive from it).
LAYER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


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
    """Layer version ARNs and names of ``define_layer`` layers (or the objects themselves),
    in order; whether a name is defined is checked with the backend's layers
    (``skyfn.synth.layers``)."""
    if value is None:
        return ()
    if isinstance(value, str | LayerDefinition) or not isinstance(value, list | tuple):
        problem("layers must be a list of layer version ARNs and define_layer layers")
        return ()
    if len(value) > lp.MAX_LAYERS:
        problem(f"layers has {len(value)} entries; Lambda allows at most {lp.MAX_LAYERS}")
        return ()
    entries = []
    for item in value:
        entry = item.name if isinstance(item, LayerDefinition) else item
        if not isinstance(entry, str) or not (
            lp.LAYER_VERSION_ARN.fullmatch(entry)
            or (not is_arn(entry) and LAYER_NAME.fullmatch(entry))
        ):
            what = (
                "is not a layer version ARN"
                if isinstance(entry, str) and is_arn(entry)
                else "is neither a layer version ARN nor the name of a layer from define_layer"
            )
            problem(f"layers: {entry!r} {what} (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)")
            return ()
        entries.append(entry)
    if len(set(entries)) != len(entries):
        problem("layers lists a layer twice; Lambda refuses that")
        return ()
    return tuple(entries)


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
