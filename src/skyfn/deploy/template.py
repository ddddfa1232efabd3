"""Model → CloudFormation template of a branch deploy. A pure function of the model.

Code locations are template parameters (``CodeBucket`` and one ``CodeKey<Fn>`` per
function), filled in by the deployer; so ``skyfn synth --branch B`` writes exactly the
template that ``skyfn pipeline-deploy --branch B`` deploys, without building or uploading.
"""

from __future__ import annotations

import json
from typing import Any

from skyfn import __version__
from skyfn.deploy import function_settings, grants, layers, names, urls
from skyfn.deploy import schedules as function_schedules
from skyfn.deploy.invoke_policy import POLICY_NAME as INVOKE_POLICY
from skyfn.deploy.invoke_policy import invoke_policy
from skyfn.deploy.policy import logs_policy, own_group_logs_policy, secrets_policy
from skyfn.deploy.policy import template_parameters as policy_parameters
from skyfn.model import Function, Model
from skyfn.runtime import contract
from skyfn.runtime.stores import DEPLOY_STORE

TEMPLATE_FILE = "template.json"
BUCKET_PARAMETER = "CodeBucket"

Json = dict[str, Any]


def key_parameter(logical_base: str) -> str:
    return f"CodeKey{logical_base}"


def function_logical_id(logical_base: str) -> str:
    return f"Fn{logical_base}"


def role_logical_id(logical_base: str) -> str:
    return f"Role{logical_base}"


ARN_OUTPUT_PREFIX = "Arn"


def arn_output(logical_base: str) -> str:
    return f"{ARN_OUTPUT_PREFIX}{logical_base}"


def tags(model: Model) -> dict[str, str]:
    """What every resource (and the stack) is tagged with."""
    return {
        "skyfn:app": model.app_id,
        "skyfn:branch": model.scope.name,  # the safe name; as given (feature/login) below
        "skyfn:branch-name": names.branch_name_tag(model.scope.given_name),
        "skyfn:version": __version__,
    }


def render_template(model: Model, layers_from_root: bool = False) -> Json:
    """The template of ``model``'s functions and of the layers they list (``layers_from_root``:
    a nested part's, which gets each layer's version ARN from the root as a parameter)."""
    if model.scope.kind != "branch":
        raise ValueError("only a branch scope is deployed")
    ids = names.function_ids(model)
    tag_list = [{"Key": k, "Value": v} for k, v in sorted(tags(model).items())]
    parameters: Json = {
        BUCKET_PARAMETER: {
            "Type": "String",
            "Description": "S3 bucket holding the function bundles (skyfn's staging bucket)",
        }
    }
    resources: Json = {}
    outputs: Json = {}
    conditions: Json = {}
    for layer in layers.used(model):
        if layers_from_root:
            parameters[layers.logical_id(layer.name)] = layers.arn_parameter_spec(layer)
        else:
            parameters[layers.key_parameter(layer.name)] = layers.key_parameter_spec(layer)
            resources[layers.logical_id(layer.name)] = layers.resource(
                model, layer, BUCKET_PARAMETER
            )
    for function in model.functions:
        base = ids[function.name]
        physical = names.function_name(model.app_id, model.scope.name, function.name)
        parameters[key_parameter(base)] = {
            "Type": "String",
            "Description": f"S3 key of the bundle of function {function.name}",
        }
        _add(
            resources,
            role_logical_id(base),
            role_resource(function, base, physical, tag_list),
            function,
        )
        group = function_settings.log_group(function, tag_list)
        if group is not None:
            _add(resources, function_settings.log_group_logical_id(base), group, function)
        extra_parameters, extra_conditions = policy_parameters(function, base)
        parameters.update(extra_parameters)
        conditions.update(extra_conditions)
        _add(
            resources,
            function_logical_id(base),
            _function(function, base, physical, tag_list),
            function,
        )
        for logical_id, resource in function_schedules.resources(
            function, base, function_logical_id(base), tag_list
        ).items():
            _add(resources, logical_id, resource, function)
        outputs[arn_output(base)] = {
            "Description": f"ARN of function {function.name}",
            "Value": {"Fn::GetAtt": [function_logical_id(base), "Arn"]},
        }
        for logical_id, resource in urls.resources(
            function, base, function_logical_id(base)
        ).items():
            _add(resources, logical_id, resource, function)
        outputs.update(urls.outputs(function, base))
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            f"skyfn app {model.app_id}, branch {model.scope.name} (skyfn {__version__})"
        ),
        "Parameters": parameters,
        **({"Conditions": conditions} if conditions else {}),
        "Resources": resources,
        "Outputs": outputs,
    }


def _add(resources: Json, logical_id: str, resource: Json, function: Function) -> None:
    """Never let one function's resource replace another's (a function silently missing
    from the template, the deploy reporting success)."""
    if logical_id in resources:
        raise RuntimeError(f"logical id {logical_id} of function {function.name} is taken")
    resources[logical_id] = resource


def dumps(template: Json) -> str:
    """The deterministic JSON text of a template (written to template.json and deployed)."""
    return json.dumps(template, indent=2, sort_keys=True) + "\n"


def deployed_variables(function: Function) -> dict[str, str]:
    """The function's deployed environment; secrets are read from SSM when deployed."""
    return function.variables(DEPLOY_STORE)


def _function(function: Function, base: str, physical: str, tag_list: list[Json]) -> Json:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": physical,
            "Description": f"skyfn function {function.name}",
            "Runtime": function.runtime,
            "Handler": contract.BOOTSTRAP_HANDLER,
            "Role": {"Fn::GetAtt": [role_logical_id(base), "Arn"]},
            "Timeout": function.timeout_seconds,
            "MemorySize": function.memory_mb,
            "Environment": {"Variables": deployed_variables(function)},
            "Code": {
                "S3Bucket": {"Ref": BUCKET_PARAMETER},
                "S3Key": {"Ref": key_parameter(base)},
            },
            "Tags": tag_list,
            **logging_config(function, base),
            **function_settings.properties(function),
        },
    }


def logging_config(function: Function, base: str = "") -> Json:
    """Lambda's ``LoggingConfig`` when the function sets a log format (and level) or has a
    log group of its own."""
    config: Json = function_settings.logging_group(function, base)
    if function.log_format is not None:
        config["LogFormat"] = function.log_format
    if function.log_level is not None:
        config["ApplicationLogLevel"] = function.log_level
    return {"LoggingConfig": config} if config else {}


def _logs(function: Function, base: str, physical: str) -> Json:
    if function_settings.has_log_group(function):
        return own_group_logs_policy(function_settings.log_group_logical_id(base))
    return logs_policy(physical)


def role_resource(function: Function, base: str, physical: str, tag_list: list[Json]) -> Json:
    properties: Json = {
        "Description": f"Runs skyfn function {function.name}",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        # No managed policy: AWSLambdaBasicExecutionRole would let it write to every log group.
        "Policies": [
            {"PolicyName": "skyfn-logs", "PolicyDocument": _logs(function, base, physical)}
        ],
        "Tags": tag_list,
    }
    policy = secrets_policy(function, base)
    if policy is not None:
        properties["Policies"].append({"PolicyName": "skyfn-secrets", "PolicyDocument": policy})
    own = grants.permissions_policy(function)
    if own is not None:
        properties["Policies"].append({"PolicyName": grants.POLICY_NAME, "PolicyDocument": own})
    invoking = invoke_policy(function)
    if invoking is not None:
        properties["Policies"].append({"PolicyName": INVOKE_POLICY, "PolicyDocument": invoking})
    return {"Type": "AWS::IAM::Role", "Properties": properties}
