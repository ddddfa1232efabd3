"""A branch template read back into a ``diff.Deployment``: the functions it deploys, each
with its plain variables, its secrets by name and store paths (never a value: a template
holds none), the parameters its role may read, its grants, settings and schedules. The same
reading serves the deployed template and the one about to be deployed, so ``diff.compare``
sees both alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from skyfn.deploy import diff_layers, diff_options, urls
from skyfn.deploy.diff import Deployment, FunctionState, SecretUse
from skyfn.deploy.schedules import described as described_schedules
from skyfn.runtime import contract

FUNCTION_TYPE = "AWS::Lambda::Function"
_DESCRIPTION_PREFIX = "skyfn function "
# Properties compared one by one; any other change is named as "other settings".
_KNOWN = {"FunctionName", "Environment", "Code", "Timeout", "MemorySize", "Tags", "Role"}
_KNOWN |= {"Description", "LoggingConfig"} | diff_options.SETTING_PROPERTIES


def describe(
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    substitutions: Mapping[str, str] | None = None,
) -> Deployment:
    """The functions of a branch template, with its code-key ``parameters`` filled in;
    ``substitutions`` (``AWS::Region`` → ``eu-west-1``, ...) resolve ARNs for display."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    functions: dict[str, FunctionState] = {}
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        props: Mapping[str, Any] = resource.get("Properties", {})
        description = str(props.get("Description", ""))
        name = (
            description.removeprefix(_DESCRIPTION_PREFIX)
            if description.startswith(_DESCRIPTION_PREFIX)
            else logical_id
        )
        variables: dict[str, str] = dict(props.get("Environment", {}).get("Variables", {}))
        try:
            entries = contract.decode_secrets(variables.pop(contract.SECRETS_VAR, "{}"))
        except ValueError:  # edited outside skyfn: compared as text below, not understood
            entries = {}
            variables[contract.SECRETS_VAR] = props["Environment"]["Variables"][
                contract.SECRETS_VAR
            ]
        secrets = {
            key: SecretUse(contract.placeholder_name(variables.pop(key, None)) or "?", *entry)
            for key, entry in entries.items()
        }
        other = {k: json.dumps(v, sort_keys=True) for k, v in props.items() if k not in _KNOWN}
        other |= diff_options.other_logging(props)
        for key in [k for k in variables if k.startswith(contract.SKYFN_PREFIX)]:
            other[f"environment {key}"] = variables.pop(key)  # skyfn's own, not the user's
        functions[name] = FunctionState(
            name=name,
            physical_name=props.get("FunctionName"),
            code_key=_resolve(props.get("Code", {}).get("S3Key", ""), parameters),
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            environment=variables,
            secrets=secrets,
            access=frozenset(_readable(resources, props.get("Role"), substitutions or {})),
            other=other,
            logical_id=logical_id,
            grants=diff_options.grants(resources, props.get("Role"), substitutions or {}),
            settings=diff_options.settings(resources, props, template)
            | urls.described(resources, logical_id),
            log_group=diff_options.log_group_id(props),
            schedules=described_schedules(resources, logical_id),
        )
    layers = diff_layers.described(template, parameters)
    return Deployment(functions, str(template.get("Description", "")), layers)


def _resolve(value: Any, parameters: Mapping[str, str]) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return parameters.get(str(value["Ref"]), "")
    return value if isinstance(value, str) else ""


def _readable(resources: Mapping[str, Any], role: Any, subs: Mapping[str, str]) -> list[str]:
    """The parameter ARNs a function's role lets it read (``ssm:GetParameters``)."""
    if not (isinstance(role, dict) and "Fn::GetAtt" in role):
        return []
    props = resources.get(str(role["Fn::GetAtt"][0]), {}).get("Properties", {})
    arns: list[str] = []
    for policy in props.get("Policies", []):
        for statement in policy.get("PolicyDocument", {}).get("Statement", []):
            actions = statement.get("Action", [])
            if "ssm:GetParameters" not in ([actions] if isinstance(actions, str) else actions):
                continue
            listed = statement.get("Resource", [])
            for item in listed if isinstance(listed, list) else [listed]:
                arns.append(_arn_text(item, subs))
    return arns


def _arn_text(item: Any, subs: Mapping[str, str]) -> str:
    text = item.get("Fn::Sub", "") if isinstance(item, dict) else str(item)
    text = text if isinstance(text, str) else json.dumps(text)
    for name, value in subs.items():
        text = text.replace(f"${{{name}}}", value)
    return text
