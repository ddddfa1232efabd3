"""A function URL in a branch's template: ``AWS::Lambda::Url``, the resource-based
permissions AWS requires of a new public URL, and its address as a stack output.

Since October 2025 a URL with ``AuthType: NONE`` needs two statements for the public:
``lambda:InvokeFunctionUrl`` (with ``FunctionUrlAuthType: NONE``) and
``lambda:InvokeFunction`` restricted by ``lambda:InvokedViaFunctionUrl`` (CloudFormation's
``InvokedViaFunctionUrl: true``), so a public URL never opens direct ``Invoke`` to everyone.
With ``AWS_IAM`` no resource policy is added: a caller of the account is allowed by its own
identity policy (both actions), as AWS documents; nobody else is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from skyfn.model import Function
from skyfn.model_urls import Url

Json = dict[str, Any]
URL_TYPE = "AWS::Lambda::Url"
OUTPUT_PREFIX = "Url"


def url_logical_id(base: str) -> str:
    return f"FnUrl{base}"


def public_url_id(base: str) -> str:
    """The permission for ``lambda:InvokeFunctionUrl`` (``auth="none"`` only)."""
    return f"FnUrlPublic{base}"


def via_url_id(base: str) -> str:
    """The permission for ``lambda:InvokeFunction`` through the URL (``auth="none"`` only)."""
    return f"FnUrlInvoke{base}"


def url_output(base: str) -> str:
    return f"{OUTPUT_PREFIX}{base}"


def logical_ids(function: Function, base: str) -> tuple[str, ...]:
    if function.url is None:
        return ()
    if function.url.auth == "none":
        return url_logical_id(base), public_url_id(base), via_url_id(base)
    return (url_logical_id(base),)


def resource_count(function: Function) -> int:
    """What the URL adds to the function's template (``layout.resources_of``)."""
    return 0 if function.url is None else (3 if function.url.auth == "none" else 1)


def resources(function: Function, base: str, function_id: str) -> dict[str, Json]:
    """The URL's resources by logical id (none without ``url=``)."""
    found = function.url
    if found is None:
        return {}
    target = {"Fn::GetAtt": [function_id, "Arn"]}
    properties: Json = {"AuthType": found.auth_type, "TargetFunctionArn": target}
    cors = cors_property(found)
    if cors:
        properties["Cors"] = cors
    out: dict[str, Json] = {url_logical_id(base): {"Type": URL_TYPE, "Properties": properties}}
    if found.auth == "none":
        out[public_url_id(base)] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunctionUrl",
                "FunctionName": {"Ref": function_id},
                "FunctionUrlAuthType": "NONE",
                "Principal": "*",
            },
        }
        out[via_url_id(base)] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": function_id},
                "InvokedViaFunctionUrl": True,
                "Principal": "*",
            },
        }
    return out


def cors_property(found: Url) -> Json:
    """Lambda's ``Cors``; only what is set (Lambda's defaults otherwise)."""
    cors = found.cors
    if cors is None:
        return {}
    out: Json = {}
    if cors.allow_origins:
        out["AllowOrigins"] = list(cors.allow_origins)
    if cors.allow_methods:
        out["AllowMethods"] = list(cors.allow_methods)
    if cors.allow_headers:
        out["AllowHeaders"] = list(cors.allow_headers)
    if cors.expose_headers:
        out["ExposeHeaders"] = list(cors.expose_headers)
    if cors.allow_credentials:
        out["AllowCredentials"] = True
    if cors.max_age:
        out["MaxAge"] = cors.max_age
    return out


def outputs(function: Function, base: str) -> dict[str, Json]:
    if function.url is None:
        return {}
    return {
        url_output(base): {
            "Description": f"URL of function {function.name}",
            "Value": {"Fn::GetAtt": [url_logical_id(base), "FunctionUrl"]},
        }
    }


def described(resources: Mapping[str, Any], function_id: str) -> dict[str, str]:
    """The URL of the function ``function_id`` in a template, as one line (``skyfn diff``
    shows it and its changes): ``{"url": "auth NONE, cors {...}"}``, or ``{}``."""
    for resource in resources.values():
        if not isinstance(resource, Mapping) or resource.get("Type") != URL_TYPE:
            continue
        props = resource.get("Properties") or {}
        if props.get("TargetFunctionArn") != {"Fn::GetAtt": [function_id, "Arn"]}:
            continue
        text = f"auth {props.get('AuthType', '?')}"
        if props.get("Cors"):
            text += f", cors {json.dumps(props['Cors'], sort_keys=True)}"
        return {"url": text}
    return {}
