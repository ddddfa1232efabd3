"""``aws_secret(...)`` and ``ssm_parameter(...)`` → a ``SecretRef`` whose one path names its
store (``contract.external_path``), or what is wrong with it."""

from __future__ import annotations

import re

from skyfn.definition import DEFAULT, External
from skyfn.model import SecretRef
from skyfn.runtime import contract
from skyfn.synth import rules

# Secrets Manager: a name (letters, digits and /_+=.@-, at most 512) or a secret's full ARN.
SM_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
SM_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+")
SSM_NAME = re.compile(r"[A-Za-z0-9_./-]{1,2048}")
STAGE = re.compile(r"[A-Za-z0-9_.-]{1,256}")
VERSION_ID = re.compile(r"[A-Za-z0-9-]{32,64}")


def external_ref(key: str, value: External, max_age: int | None) -> SecretRef | str:
    """The reference, or the problem (without the ``environment KEY:`` prefix)."""
    what = repr(value)
    problem = _name_problem(value) or _pin_problem(value)
    if problem is not None:
        return f"{what}: {problem}"
    if value.description is not None and not isinstance(value.description, str):
        return f"{what}: description must be a string"
    pinned = value.version is not None or value.version_stage or value.version_id
    age = max_age if value.max_age == DEFAULT else value.max_age
    wrong = rules.max_age_problem(age)
    if wrong is None and pinned and value.max_age != DEFAULT:
        wrong = "a pinned version never changes; drop max_age or the pin"
    if wrong is not None:
        return f"{what}: {wrong}"
    assert isinstance(value.name, str) and (age is None or isinstance(age, int))
    inner = value.name
    if value.store == "secretsmanager":
        if value.version_stage:
            inner += f"{contract.SM_STAGE}{value.version_stage}"
        if value.version_id:
            inner += f"{contract.SM_VERSION_ID}{value.version_id}"
        if value.key is not None:
            inner += f"#{value.key}"
    assert value.version is None or isinstance(value.version, int)
    return SecretRef(
        key,
        value.name,
        (contract.external_path(value.store, inner),),
        description=value.description,
        max_age=None if pinned else age,
        version=value.version,
        external="ssm" if value.store == "ssm" else "secretsmanager",
    )


def _name_problem(value: External) -> str | None:
    name = value.name
    if value.store == "ssm":
        if not isinstance(name, str) or not SSM_NAME.fullmatch(name):
            return "an SSM parameter name holds only letters, digits and _.-/ (e.g. /legacy/key)"
        return None
    if not isinstance(name, str) or not (SM_NAME.fullmatch(name) or SM_ARN.fullmatch(name)):
        return (
            "give a Secrets Manager secret's name (letters, digits and /_+=.@-) or its full "
            "ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-abcdef)"
        )
    if value.key is not None and (not isinstance(value.key, str) or not value.key):
        return "key must be the name of a field of the secret's JSON value"
    return None


def _pin_problem(value: External) -> str | None:
    if value.store == "ssm":
        return rules.version_problem(value.version)
    stage, version_id = value.version_stage, value.version_id
    if stage is not None and version_id is not None:
        return "give version_stage or version_id, not both"
    if stage is not None and (not isinstance(stage, str) or not STAGE.fullmatch(stage)):
        return "version_stage is a staging label such as AWSPREVIOUS (letters, digits, _.-)"
    if version_id is not None and (
        not isinstance(version_id, str) or not VERSION_ID.fullmatch(version_id)
    ):
        return "version_id is a Secrets Manager version id (32-64 letters, digits and -)"
    return None
