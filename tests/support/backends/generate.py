"""The top strategies: one function (``functions``) and one backend (``backends``), each
drawn from the per-option strategies, in valid combinations only.
"""

from __future__ import annotations

import keyword
from typing import Any

from hypothesis import strategies as st

from skyfn.runtime import lambda_platform
from tests.support.backends.layers import PACKAGES, defined_layers, layers, with_defined_layers
from tests.support.backends.permissions import permissions
from tests.support.backends.settings import architecture, ephemeral_storage_mb, log_retention_days
from tests.support.backends.spec import OMIT, Backend, FunctionSpec
from tests.support.backends.store_contents import (
    dotenv_vars,
    skyfn_secrets,
    sm_secrets,
    ssm_parameters,
    vault_secrets,
)
from tests.support.backends.triggers import URLS, schedule_option
from tests.support.backends.variables import env_keys, function_refs, uses

BRANCHES = ("main", "staging", "feature-x1", "release_2.0")
STORES = ("local", "ssm", "secretsmanager")  # [tool.skyfn] secret_store (the sandbox's)


_folders = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)
_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,20}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n.replace("-", "_"))
)


@st.composite
def functions(
    draw: st.DrawFn,
    folder: str,
    pool: tuple[Any, ...],
    branch: str,
    pins: bool,
) -> FunctionSpec:
    name = draw(st.none() | _names)
    log_format = draw(st.sampled_from([OMIT, "Text", "JSON", "json"]))
    level_choices = [OMIT]
    if log_format in ("JSON", "json"):
        level_choices += [*lambda_platform.LOG_LEVELS, "info", "Warn"]
    keys = draw(st.lists(env_keys, max_size=6, unique=True))
    secrets, sms, params, dotenv, vault = pool
    env = tuple(
        (key, draw(uses(secrets, sms, params, dotenv, branch, pins, vault))) for key in keys
    )
    return FunctionSpec(
        folder=folder,
        name=name,
        entry=draw(st.sampled_from([None, "main.py", "src_app/lambda_main.py"])),
        # from 5 s: a secret due for a refresh is read within the invocation, and a loaded
        # moto_server can take a second or two to answer (a 1 s timeout would be flaky)
        timeout=draw(st.just(OMIT) | st.integers(5, lambda_platform.TIMEOUT_RANGE[1])),
        memory=draw(st.just(OMIT) | st.integers(*lambda_platform.MEMORY_RANGE)),
        runtime=draw(st.sampled_from([OMIT, None, *lambda_platform.RUNTIMES])),
        log_format=log_format,
        log_level=draw(st.sampled_from(level_choices)),
        environment=env,
        schedule=draw(st.just(OMIT) | schedule_option),
        permissions=draw(permissions()),
        architecture=draw(architecture()),
        ephemeral_storage_mb=draw(ephemeral_storage_mb()),
        layers=draw(layers()),
        log_retention_days=draw(log_retention_days()),
        url=draw(st.sampled_from([OMIT, OMIT, *URLS])),
        packages=tuple(draw(st.lists(st.sampled_from(PACKAGES), max_size=2, unique=True))),
    )


@st.composite
def backends(draw: st.DrawFn, app_id: str) -> Backend:
    branch = draw(st.sampled_from(BRANCHES))
    sandbox_store = draw(st.sampled_from([OMIT, *STORES]))
    pins = sandbox_store != "secretsmanager"  # that store keeps versions by stage only
    pool = (
        draw(skyfn_secrets()),
        draw(sm_secrets()),
        draw(ssm_parameters()),
        draw(dotenv_vars(branch)),
        draw(vault_secrets(app_id)),
    )
    folders = draw(st.lists(_folders, min_size=1, max_size=2, unique=True))
    specs = [draw(functions(folder, pool, branch, pins)) for folder in folders]
    modules = [s.module.lower() for s in specs]
    if len(set(modules)) < len(modules):  # two names, one env module: another test's error
        specs = specs[:1]
    specs = draw(function_refs(specs))
    defined = draw(defined_layers())
    specs = draw(with_defined_layers(specs, defined))
    return Backend(
        app_id=app_id,
        branch=branch,
        sandbox_store=sandbox_store,
        secret_max_age=draw(st.sampled_from([OMIT, 1, 60, 300, 86400, "none"])),
        shared_code=draw(
            st.sampled_from(["inline", "module", "package", "relative", "transitive"])
        ),
        shared_name="lib_" + draw(st.from_regex(r"[a-z][a-z0-9_]{1,6}", fullmatch=True)),
        functions=tuple(specs),
        secrets=pool[0],
        sm_secrets=pool[1],
        ssm_parameters=pool[2],
        dotenv=pool[3],
        vault=pool[4],
        clean_run=(draw(st.booleans()), draw(st.booleans())),
        layers=defined,
    )
