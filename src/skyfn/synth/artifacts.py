"""Model → the per-function configuration artifact (``.skyfn/artifacts/<scope>/<fn>.json``).

Holds plain values and, for each secret, a placeholder and the paths to look in. Never a value.
"""

from __future__ import annotations

import json

from skyfn.model import Function, Model
from skyfn.runtime import contract


def render_artifact(model: Model, function: Function) -> str:
    data = {
        "function": function.name,
        "app_id": model.app_id,
        "scope": model.scope.slug,
        "runtime": function.runtime,
        "handler": contract.BOOTSTRAP_HANDLER,
        "user_handler": function.handler,
        "env_module": f"skyfn_env.{function.module_name}",
        "timeout_seconds": function.timeout_seconds,
        "memory_mb": function.memory_mb,
        "environment": function.environment_dict,
        "secrets": {
            ref.key: {
                "secret": ref.secret_name,
                "paths": list(ref.paths),
                "max_age": ref.max_age,
                **({"version": ref.version} if ref.version is not None else {}),
            }
            for ref in function.secrets
        },
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
