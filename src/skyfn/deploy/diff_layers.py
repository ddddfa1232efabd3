"""What ``diff`` reads of ``define_layer`` layers from a branch template: each layer's name
and the digest of its zip (its S3 key, from the parameters), so a changed layer shows as
one line and an unchanged one as nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skyfn.deploy.layers import DESCRIPTION_PREFIX, LAYER_TYPE, named


def described(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, str]:
    """Layer name -> the SHA-256 of its zip ("?" when its key is not known)."""
    out: dict[str, str] = {}
    for logical, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != LAYER_TYPE:
            continue
        props = resource.get("Properties", {})
        description = str(props.get("Description", ""))
        name = description.removeprefix(DESCRIPTION_PREFIX) if description else logical
        key = props.get("Content", {}).get("S3Key", "")
        if isinstance(key, dict) and "Ref" in key:
            key = parameters.get(str(key["Ref"]), "")
        digest = str(key).rsplit("/", 1)[-1].removesuffix(".zip") if key else "?"
        runtimes = ", ".join(map(str, props.get("CompatibleRuntimes", [])))
        machines = ", ".join(map(str, props.get("CompatibleArchitectures", [])))
        out[name] = f"{digest[:12]} ({runtimes} {machines})"
    return out


def entries(template: Mapping[str, Any], listed: Any) -> str:
    """A function's ``Layers`` as text: ARNs as they are, a defined layer by its name."""
    items = listed if isinstance(listed, list) else [listed]
    shown = []
    for item in items:
        if isinstance(item, dict) and "Ref" in item:
            shown.append(f"{named(template, str(item['Ref']))} (define_layer)")
        else:
            shown.append(str(item))
    return ", ".join(shown)
