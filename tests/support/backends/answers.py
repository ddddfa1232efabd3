"""What each function must answer: the handler's ``answer`` code (SHA-256 of each value, so
answers compare without showing one) and the answer the definitions and stores call for,
run locally or deployed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from skyfn.model import EnvValue, Scope
from skyfn.synth.lambda_names import physical_name
from tests.support.backends.layers import PACKAGE_MODULES, PACKAGES
from tests.support.backends.spec import (
    OMIT,
    AwsSecretUse,
    Backend,
    DotenvUse,
    FunctionRefUse,
    FunctionSpec,
    SecretUse,
    SsmParameterUse,
    Use,
    VaultUse,
)
from tests.support.backends.store_contents import DOTENV_FILES

ANSWER = f"""\
import hashlib
import importlib.util
import json
import os


def answer(env, keys):
    return {{
        "env": {{k: hashlib.sha256(json.dumps(getattr(env, k)).encode()).hexdigest() for k in keys}},
        "environ": {{k: hashlib.sha256(os.environ[k].encode()).hexdigest() for k in keys}},
        "packages": [m for m in {PACKAGE_MODULES!r} if importlib.util.find_spec(m) is not None],
    }}
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _dotenv_value(backend: Backend, use: DotenvUse, scope: Scope) -> str:
    var = next(v for v in backend.dotenv if v.name == use.var)
    segment = scope.name if scope.kind == "branch" else "sandbox"
    found = use.default
    for name in (f.format(branch=segment) for f in DOTENV_FILES):
        for file, _, value in var.files:
            if file == name:
                found = value
    assert found is not None
    return found


def value_of(backend: Backend, use: Use, scope: Scope) -> Any:
    """The value the function sees for one variable in ``scope`` (typed for plain values)."""
    if isinstance(use, SecretUse):
        versions = backend.secret(use.secret).versions(scope)
        return versions[use.version - 1] if use.version is not OMIT else versions[-1]
    if isinstance(use, AwsSecretUse):
        sm = backend.sm_secret(use.secret)
        if use.version_id is not None:
            version = sm.versions[use.version_id]
        elif use.version_stage == "AWSPREVIOUS":
            version = sm.versions[-2]
        else:
            version = sm.versions[-1]
        if use.key is None:
            return version
        picked = version[use.key]
        return picked if isinstance(picked, str) else json.dumps(picked)
    if isinstance(use, SsmParameterUse):
        versions = backend.parameter(use.parameter).versions
        return versions[use.version - 1] if use.version is not OMIT else versions[-1]
    if isinstance(use, DotenvUse):
        return _dotenv_value(backend, use, scope)
    if isinstance(use, VaultUse):
        held = backend.vault_secret(use.path).versions
        return (held[use.version - 1] if use.version is not OMIT else held[-1])[use.key]
    if isinstance(use, FunctionRefUse):
        return use.target  # locally, in every scope: its skyfn name (deployed: see below)
    return use


def expected_answer(
    backend: Backend, spec: FunctionSpec, scope: Scope, deployed: bool = False
) -> dict[str, Any]:
    """What ``spec`` answers in ``scope``: run locally, or ``deployed`` (a function_ref is
    then the target's physical Lambda name)."""
    env: dict[str, str] = {}
    environ: dict[str, str] = {}
    for key, use in spec.environment:
        value = value_of(backend, use, scope)
        if deployed and isinstance(use, FunctionRefUse):
            value = physical_name(backend.app_id, backend.branch, use.target)
        env[key] = _digest(json.dumps(value))
        environ[key] = _digest(value if isinstance(value, str) else EnvValue(key, value).deployed)
    packages = [m for p, m in zip(PACKAGES, PACKAGE_MODULES, strict=True) if p in spec.packages]
    return {"env": env, "environ": environ, "packages": packages}


def run_script(spec: FunctionSpec) -> str:
    """What ``skyfn run FN -- python -c SCRIPT`` runs: the handler's answer, from the typed
    env module (as a migration script would read it)."""
    return (
        ANSWER
        + f"from skyfn_env.{spec.module} import env\n"
        + f"print(json.dumps(answer(env, {spec.keys!r})))\n"
    )
