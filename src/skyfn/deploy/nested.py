"""Model → the templates of a branch deploy: one stack, or a root stack with nested parts.

A backend of up to ``layout.SINGLE_STACK_MAX`` functions whose template is within every
quota is one stack, exactly as ``template.render_template`` makes it. A larger one is a
root stack holding one ``AWS::CloudFormation::Stack`` per part (see layout.py), and each
part's template is ``render_template`` of the part's functions: the same role, function
and least-privilege policy per function, the same logical ids, parameters and outputs.

The root takes the bucket and, per part, the SHA-256 digests of its functions' bundles as
comma-separated strings (one parameter value holds 4,096 bytes, ``DIGESTS_PER_PARAMETER``
digests; ``String`` rather than ``CommaDelimitedList``, which moto describes back as a
Python list and so never looks unchanged); it hands each part every function's code key, built from its digest. Each
part's template is staged in the bucket under a key derived from its content, so the root
template, like the single one, is a pure function of the model: ``skyfn synth --branch``
writes exactly what ``pipeline-deploy`` deploys. A function added to or removed from a
part changes the values passed to that part only for that function: the others' code
keys, and so the functions themselves, stay as they are.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skyfn import __version__
from skyfn.deploy import function_settings, layers, layout, names, policy_size, quotas, urls
from skyfn.deploy import schedules as function_schedules
from skyfn.deploy.policy import has_external, kms_keys_parameter, template_parameters
from skyfn.deploy.template import (
    BUCKET_PARAMETER,
    TEMPLATE_FILE,
    dumps,
    function_logical_id,
    key_parameter,
    render_template,
    role_logical_id,
    tags,
)
from skyfn.errors import SkyfnError
from skyfn.model import Function, Model
from skyfn.project import Project
from skyfn.synth.run import artifact_dir

Json = dict[str, Any]

DIGEST_CHARS = 64  # hex SHA-256
DIGESTS_PER_PARAMETER = 60  # 60 x 65 bytes = 3,900 <= 4,096 (quotas.PARAMETER_VALUE_BYTES)
_PLACEHOLDER = "\0"
DIGESTS_PARAMETER = "CodeDigests"  # the root's parameters start so; a single stack's never


def part_file(part: int) -> str:
    """A part's template, beside the root's ``template.json`` (no function name has a dot,
    so it never meets a function's artifact)."""
    return f"template.part{part:02d}.json"


@dataclass(frozen=True)
class Part:
    number: int
    model: Model  # the branch's model, with only this part's functions
    template: Json
    body: str  # the template as deployed

    @property
    def logical_id(self) -> str:
        return layout.part_id(self.number)

    @property
    def file(self) -> str:
        return part_file(self.number)

    @property
    def key(self) -> str:
        """Where the part's template is staged: by content, like the bundles."""
        stack = names.stack_name(self.model.app_id, self.model.scope.name)
        return names.template_key(stack, hashlib.sha256(self.body.encode()).hexdigest())


@dataclass(frozen=True)
class BranchTemplates:
    """The root (or only) template of a branch and its parts (none: a single stack)."""

    root: Json
    root_body: str
    parts: tuple[Part, ...] = ()

    @property
    def nested(self) -> bool:
        return bool(self.parts)

    def files(self) -> dict[str, str]:
        """File name → the text written beside the branch's artifacts (and deployed)."""
        return {TEMPLATE_FILE: self.root_body} | {p.file: p.body for p in self.parts}

    def problems(self, label: str) -> list[str]:
        root = f"{label} {TEMPLATE_FILE}"
        templates = {root: (self.root, self.root_body)}
        templates |= {f"{label} {p.file}": (p.template, p.body) for p in self.parts}
        return quotas.check_nested(templates, root)


def compact(template: Json) -> str:
    """The JSON text of a nested layout's template: deterministic like ``template.dumps``,
    without its indentation (a third of the bytes, and JSON's fast encoder: a thousand
    functions' templates in a tenth of the time)."""
    return json.dumps(template, sort_keys=True, separators=(",", ":")) + "\n"


def render(model: Model) -> BranchTemplates:
    names.function_ids(model)  # two functions sharing logical ids: a DefinitionError, first
    layers.check_ids(model.layers)  # two layers, too
    policy_size.check(model)  # a role's inline policies over IAM's quota: one, too
    if not layout.nested(len(model.functions)):
        single = checked(render_template(model), model)
        body = dumps(single)
        if not quotas.check(single, TEMPLATE_FILE, len(body.encode())):
            return BranchTemplates(single, body)
    parts = []
    for number, function_names in layout.assign(f.name for f in model.functions).items():
        chosen = set(function_names)
        functions = tuple(f for f in model.functions if f.name in chosen)
        part_model = dataclasses.replace(model, functions=functions)
        template = checked(render_template(part_model, True), part_model, True)
        template["Description"] = (
            f"skyfn app {model.app_id}, branch {model.scope.name}, part {number:02d} "
            f"(skyfn {__version__})"
        )
        parts.append(Part(number, part_model, template, compact(template)))
    root = _root(model, parts)
    return BranchTemplates(root, compact(root), tuple(parts))


def template_ids(base: str, function: Function | None = None) -> tuple[str, ...]:
    """A function's logical ids: its function and role, its log group if it has one, and
    its URL (and its permissions), its schedules and their role if it has any."""
    group = function is not None and function_settings.has_log_group(function)
    extra = (function_settings.log_group_logical_id(base),) if group else ()
    timers = function_schedules.logical_ids(function, base) if function is not None else ()
    url = urls.logical_ids(function, base) if function is not None else ()
    return function_logical_id(base), role_logical_id(base), *extra, *url, *timers


def checked(template: Json, model: Model, layers_from_root: bool = False) -> Json:
    """``template``, once it holds exactly each function's resources (``layout.resources_of``,
    counted from the model): its role, its function and its log group under its own logical
    ids, and the layers its functions list (unless they come from the root), nothing more
    and nothing lost."""
    ids = names.function_ids(model)
    wanted = {i for f in model.functions for i in template_ids(ids[f.name], f)}
    own_layers = (
        set() if layers_from_root else {layers.logical_id(x.name) for x in layers.used(model)}
    )
    wanted |= own_layers
    found = set(template["Resources"])
    count = sum(layout.resources_of(f) for f in model.functions) + len(own_layers)
    if found != wanted or len(found) != count:
        raise RuntimeError(
            f"the template of {model.scope.label} holds resources {sorted(found ^ wanted)} "
            "other than its functions'"
        )
    return template


def template_outputs(project: Project, model: Model) -> dict[Path, str]:
    """A branch's templates beside its artifacts (``template_files``); nothing for a
    sandbox, whose functions' logical ids are checked all the same (a name a deploy would
    refuse is refused when it is defined)."""
    if model.scope.kind != "branch":
        names.function_ids(model)
        layers.check_ids(model.layers)
        return {}
    return template_files(project, model, render(model))


def template_files(project: Project, model: Model, templates: BranchTemplates) -> dict[Path, str]:
    """The files of a branch's rendered templates, beside its artifacts; refused (nothing
    written) when one would exceed a CloudFormation quota."""
    problems = templates.problems(model.scope.label)
    if problems:
        raise SkyfnError(
            "the CloudFormation template would exceed a quota; nothing was written:\n  "
            + "\n  ".join(problems)
        )
    folder = artifact_dir(project, model.scope)
    return {folder / name: text for name, text in templates.files().items()}


def _digest_lists(part: Part) -> list[tuple[str, tuple[str, ...]]]:
    """The root's parameters holding a part's digests: (name, function names in order)."""
    ordered = tuple(sorted(f.name for f in part.model.functions))
    step = DIGESTS_PER_PARAMETER
    return [
        (f"{DIGESTS_PARAMETER}{part.logical_id}N{i // step}", ordered[i : i + step])
        for i in range(0, len(ordered), step)
    ]


def code_parameters(
    model: Model, templates: BranchTemplates, digests: Mapping[str, str]
) -> dict[str, str]:
    """The root (or only) stack's parameters besides the bucket, from each function's
    bundle digest (function name → hex SHA-256)."""
    if not templates.nested:
        return code_keys(model, digests)
    return {
        parameter: ",".join(digests[name] for name in function_names)
        for part in templates.parts
        for parameter, function_names in _digest_lists(part)
    }


def code_keys(model: Model, digests: Mapping[str, str]) -> dict[str, str]:
    """The code key parameters of ``render_template(model)``: a single stack's, or the ones
    a part's stack gets from the root as CloudFormation resolves them (what ``diff``
    compares a deployed part's parameters with)."""
    ids = names.function_ids(model)
    return {
        key_parameter(ids[f.name]): names.code_key(model.app_id, digests[f.name])
        for f in model.functions
    }


def _root(model: Model, parts: list[Part]) -> Json:
    tag_list = [{"Key": k, "Value": v} for k, v in sorted(tags(model).items())]
    prefix, suffix = names.code_key(model.app_id, _PLACEHOLDER).split(_PLACEHOLDER)
    parameters: Json = {
        BUCKET_PARAMETER: {
            "Type": "String",
            "Description": "S3 bucket holding the function bundles and the parts' templates",
        }
    }
    resources: Json = {}
    for layer in layers.used(model):  # once, in the root: its parts get the version's ARN
        parameters[layers.key_parameter(layer.name)] = layers.key_parameter_spec(layer)
        resources[layers.logical_id(layer.name)] = layers.resource(model, layer, BUCKET_PARAMETER)
    root_ids = names.function_ids(model)  # the root's own names, unique across parts
    for part in parts:
        ids = names.function_ids(part.model)
        passed: Json = {BUCKET_PARAMETER: {"Ref": BUCKET_PARAMETER}}
        passed |= {
            layers.logical_id(x.name): {"Ref": layers.logical_id(x.name)}
            for x in layers.used(part.model)
        }
        for function in part.model.functions:
            if has_external(function):  # its customer managed keys, filled in by the deploy
                kms_template, _ = template_parameters(function, root_ids[function.name])
                parameters.update(kms_template)
                root_name = kms_keys_parameter(root_ids[function.name])
                passed[kms_keys_parameter(ids[function.name])] = {
                    "Fn::Join": [",", {"Ref": root_name}]
                }
        for parameter, function_names in _digest_lists(part):
            parameters[parameter] = {
                "Type": "String",
                "Description": (
                    f"SHA-256 digests of the bundles of {function_names[0]} .. "
                    f"{function_names[-1]} (part {part.number:02d}, by name)"
                ),
            }
            for index, name in enumerate(function_names):
                listed = {"Fn::Split": [",", {"Ref": parameter}]}
                digest = {"Fn::Select": [index, listed]}
                passed[key_parameter(ids[name])] = {"Fn::Join": ["", [prefix, digest, suffix]]}
        resources[part.logical_id] = {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {
                "TemplateURL": {
                    "Fn::Sub": f"https://${{{BUCKET_PARAMETER}}}.s3.${{AWS::Region}}."
                    f"${{AWS::URLSuffix}}/{part.key}"
                },
                "Parameters": passed,
                "Tags": tag_list,
            },
        }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            f"skyfn app {model.app_id}, branch {model.scope.name}: {len(model.functions)} "
            f"functions in {len(parts)} nested stacks (skyfn {__version__})"
        ),
        "Parameters": parameters,
        "Resources": resources,
    }
