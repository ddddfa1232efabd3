"""CloudFormation's documented quotas, and a check of a template against them. Pure.

The numbers are AWS's, from "Understand CloudFormation quotas" in the CloudFormation User
Guide (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html),
as raised in October 2020, and agree with cfn-lint's ``cfnlint.helpers.LIMITS``:

=============================================  ==============================================
resources in a template                        500
parameters in a template                       200
outputs in a template                          200
mappings in a template                         200, each with at most 200 attributes
name of a resource, parameter, output,         255 characters
mapping (a logical id)
template description; output description       1,024 bytes
parameter value                                4,096 bytes
template body sent in the request              51,200 bytes (larger goes through S3)
template body read from S3                     1 MB (cfn-lint counts 1,000,000 bytes)
resources a nested stack creates, updates or   2,500 (for the root and all its nested stacks)
deletes in one operation
=============================================  ==============================================

``check`` names each quota a template exceeds and what to do about it, so ``skyfn synth``
refuses such a template instead of leaving the failure to AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skyfn.deploy.template import dumps

RESOURCES = 500
PARAMETERS = 200
OUTPUTS = 200
MAPPINGS = 200
MAPPING_ATTRIBUTES = 200
NAME_CHARS = 255
DESCRIPTION_BYTES = 1024
PARAMETER_VALUE_BYTES = 4096
BODY_INLINE_BYTES = 51_200
BODY_S3_BYTES = 1_000_000
NESTED_OPERATION_RESOURCES = 2_500

SPLIT = "split the backend over more branches (or apps), or define fewer functions in it"


Template = Mapping[str, Any]


def check(template: Template, name: str, size: int | None = None) -> list[str]:
    """Every quota ``template`` exceeds, one line each, naming the template (``name``), the
    quota and what to do; ``[]`` when it is within all of them. ``size``: the bytes of its
    body as sent (by default, of ``template.dumps``)."""
    problems: list[str] = []
    sections = (
        ("Resources", "resources", RESOURCES),
        ("Parameters", "parameters", PARAMETERS),
        ("Outputs", "outputs", OUTPUTS),
        ("Mappings", "mappings", MAPPINGS),
    )
    for section, noun, limit in sections:
        entries = template.get(section) or {}
        if len(entries) > limit:
            problems.append(
                f"{name}: {len(entries)} {noun}, over CloudFormation's quota of {limit} "
                f"{noun} per template; {SPLIT}"
            )
        long = [logical for logical in entries if len(logical) > NAME_CHARS]
        if long:
            problems.append(
                f"{name}: {section} name {long[0][:40]}... has {len(long[0])} characters, over "
                f"CloudFormation's quota of {NAME_CHARS}; give the function a shorter name="
            )
    for mapping, attributes in (template.get("Mappings") or {}).items():
        if len(attributes) > MAPPING_ATTRIBUTES:
            problems.append(
                f"{name}: mapping {mapping} has {len(attributes)} attributes, over "
                f"CloudFormation's quota of {MAPPING_ATTRIBUTES}; {SPLIT}"
            )
    description = str(template.get("Description", "")).encode()
    if len(description) > DESCRIPTION_BYTES:
        problems.append(
            f"{name}: its description has {len(description)} bytes, over CloudFormation's "
            f"quota of {DESCRIPTION_BYTES}; use a shorter app id or branch name"
        )
    for output, body in (template.get("Outputs") or {}).items():
        text = str(body.get("Description", "")).encode()
        if len(text) > DESCRIPTION_BYTES:
            problems.append(
                f"{name}: output {output}'s description has {len(text)} bytes, over "
                f"CloudFormation's quota of {DESCRIPTION_BYTES}; give the function a shorter name="
            )
    size = len(dumps(dict(template)).encode()) if size is None else size
    if size > BODY_S3_BYTES:
        problems.append(
            f"{name}: the template has {size:,} bytes, over CloudFormation's quota of "
            f"{BODY_S3_BYTES:,} bytes for a template read from S3; make the functions' "
            f"environments or secret lists smaller, or {SPLIT}"
        )
    return problems


def check_nested(templates: Mapping[str, tuple[Template, str]], root: str) -> list[str]:
    """``check`` of every template of a root stack and its nested stacks (name → template
    and its body as sent), and the quota on the resources one operation of the whole tree
    may create, update or delete."""
    problems = [
        line
        for name, (template, body) in templates.items()
        for line in check(template, name, len(body.encode()))
    ]
    total = sum(len(t.get("Resources") or {}) for t, _ in templates.values())
    if total > NESTED_OPERATION_RESOURCES:
        problems.append(
            f"{root}: {total} resources in the stack and its nested stacks, over "
            f"CloudFormation's quota of {NESTED_OPERATION_RESOURCES} resources one operation "
            f"on nested stacks may create, update or delete; {SPLIT}"
        )
    return problems
