"""A deployed branch's stacks as the commands read them: the root (or only) stack and, in
the nested layout, each part's stack, with its template, parameters and outputs.

Each part's own parameters hold its functions' code keys as CloudFormation resolved them,
so a part reads like a single stack of fewer functions: whatever reads one stack (diff,
logs, destroy, a deploy's list of functions) reads every part the same way. Read-only
calls: ``ListStackResources`` of the root, then ``DescribeStacks`` and ``GetTemplate`` of
each part (in a bounded pool of threads).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from skyfn.deploy import diff, diff_layers, template_reader

NESTED_TYPE = "AWS::CloudFormation::Stack"
WORKERS = 8


@dataclass(frozen=True)
class DeployedStack:
    stack_id: str  # what CloudFormation answers to: the part's id, or the root's name
    template: dict[str, Any]
    parameters: dict[str, str]
    outputs: dict[str, str]
    part: str | None = None  # the part's logical id in the root; None: the root
    tags: dict[str, str] = field(default_factory=dict)

    def holds(self, logical_id: str) -> bool:
        return logical_id in (self.template.get("Resources") or {})


def _template(cfn: Any, stack: str) -> dict[str, Any]:
    body = cfn.get_template(StackName=stack)["TemplateBody"]
    return dict(json.loads(body) if isinstance(body, str) else body)


def _described(stack: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    parameters = {
        p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
    }
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
    return parameters, outputs, tags


def read_stack(cfn: Any, stack_id: str, part: str | None = None) -> DeployedStack:
    (description,) = cfn.describe_stacks(StackName=stack_id)["Stacks"][:1]
    parameters, outputs, tags = _described(description)
    return DeployedStack(stack_id, _template(cfn, stack_id), parameters, outputs, part, tags)


def part_ids(cfn: Any, root: str, template: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(logical id, stack id) of each part the root holds; none for a single stack (its
    template, already read, says so without a call)."""
    resources = template.get("Resources") or {}
    if not any(r.get("Type") == NESTED_TYPE for r in resources.values()):
        return []
    return listed_parts(cfn, root)


def listed_parts(cfn: Any, root: str) -> list[tuple[str, str]]:
    """(logical id, stack id) of each nested stack of ``root``, from its resources."""
    found: list[tuple[str, str]] = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=root):
        for resource in page.get("StackResourceSummaries", []):
            physical = resource.get("PhysicalResourceId")
            if resource.get("ResourceType") == NESTED_TYPE and physical:
                found.append((str(resource["LogicalResourceId"]), str(physical)))
    return sorted(found)


def read_tree(cfn: Any, root: str, root_stack: Mapping[str, Any]) -> list[DeployedStack]:
    """The root (described already: ``root_stack``) and its parts, root first."""
    parameters, outputs, tags = _described(root_stack)
    first = DeployedStack(root, _template(cfn, root), parameters, outputs, None, tags)
    parts = part_ids(cfn, root, first.template)
    if not parts:
        return [first]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(parts))) as pool:
        read = list(pool.map(lambda p: read_stack(cfn, p[1], p[0]), parts))
    return [first, *read]


def part_outputs(cfn: Any, root: str) -> dict[tuple[str | None, str], str]:
    """Every part's outputs, by (part, output key), without reading templates."""

    def read(part: tuple[str, str]) -> dict[tuple[str | None, str], str]:
        (stack,) = cfn.describe_stacks(StackName=part[1])["Stacks"][:1]
        return {(part[0], o["OutputKey"]): o["OutputValue"] for o in stack.get("Outputs", [])}

    parts = listed_parts(cfn, root)
    merged: dict[tuple[str | None, str], str] = {}
    if parts:
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(parts))) as pool:
            for found in pool.map(read, parts):
                merged |= found
    return merged


def outputs(stacks: list[DeployedStack]) -> dict[tuple[str | None, str], str]:
    """Every stack's outputs, by (part, output key): logical ids are unique within a stack
    only (two parts may each hold a ``FnSayHello``, see nested.py)."""
    return {(s.part, key): value for s in stacks for key, value in s.outputs.items()}


def stack_of(
    stacks: list[DeployedStack], logical_id: str, part: str | None = None
) -> DeployedStack | None:
    """The stack of ``part`` (the root: ``None``) when it holds ``logical_id``."""
    return next((s for s in stacks if s.part == part and s.holds(logical_id)), None)


def describe(
    stacks: list[DeployedStack], substitutions: Mapping[str, str] | None = None
) -> tuple[diff.Deployment, dict[str, str]]:
    """The functions of every stack together (the root's description), and the stack id
    holding each function."""
    functions: dict[str, diff.FunctionState] = {}
    homes: dict[str, str] = {}
    for stack in stacks:
        found = template_reader.describe(stack.template, stack.parameters, substitutions).functions
        functions |= found
        homes |= dict.fromkeys(found, stack.stack_id)
    description = str(stacks[0].template.get("Description", "")) if stacks else ""
    layers = diff_layers.described(stacks[0].template, stacks[0].parameters) if stacks else {}
    return diff.Deployment(functions, description, layers), homes
