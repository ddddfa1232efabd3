"""Model → the per-function configuration artifact (``.skyfn/artifacts/<scope>/<fn>.json``).

Holds plain values and, for each secret, a placeholder and the paths to look in. Never a value.
"""

from __future__ import annotations

import json

from skyfn.model import Function, Model
from skyfn.model_layers import is_arn
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
        **({"layers": layers(model, function)} if function.settings.layers else {}),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def layers(model: Model, function: Function) -> list[dict[str, str]]:
    """The function's layers in order: an ARN as it is; a defined layer with its
    requirements file and the platform it is built for."""
    out: list[dict[str, str]] = []
    for entry in function.settings.layers:
        layer = None if is_arn(entry) else model.layer(entry)
        if layer is None:
            out.append({"arn": entry})
            continue
        try:
            path = layer.requirements.relative_to(model.project_root).as_posix()
        except ValueError:
            path = str(layer.requirements)
        out.append(
            {
                "layer": layer.name,
                "requirements": path,
                "runtime": layer.runtime,
                "architecture": layer.architecture,
            }
        )
    return out
