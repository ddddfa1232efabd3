"""A branch of many functions: a root stack with nested parts, each function's resources as
in a single stack, its code key passed through the root, nothing moved by a change."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyfn.deploy import layout, names, nested
from skyfn.deploy.template import TEMPLATE_FILE, dumps, render_template
from skyfn.errors import SkyfnError
from skyfn.model import Model
from skyfn.project import Project
from tests.support.models import branch_model, numbered


def digests(model: Model) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.name.encode()).hexdigest() for f in model.functions}


def resolve(value: Any, parameters: dict[str, str]) -> Any:
    """Evaluate the intrinsic functions the root passes to its parts."""
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref":
            return parameters[argument]
        if name == "Fn::Select":
            index, listed = argument
            return resolve(listed, parameters)[index]
        if name == "Fn::Split":
            separator, text = argument
            return resolve(text, parameters).split(separator)
        if name == "Fn::Join":
            separator, items = argument
            return separator.join(resolve(item, parameters) for item in items)
    return value


def deployed(model: Model) -> dict[str, tuple[int, Any, Any, str]]:
    """Function name → (its part, its role, its function resource, the code key it gets)."""
    templates = nested.render(model)
    parameters = nested.code_parameters(model, templates, digests(model))
    result: dict[str, tuple[int, Any, Any, str]] = {}
    for part in templates.parts:
        passed = templates.root["Resources"][part.logical_id]["Properties"]["Parameters"]
        resolved = {k: resolve(v, parameters) for k, v in passed.items() if k != "CodeBucket"}
        assert resolved == nested.code_keys(part.model, digests(model))
        ids = names.function_ids(part.model)
        for function in part.model.functions:
            base = ids[function.name]
            key = resolve(passed[f"CodeKey{base}"], parameters)
            role = part.template["Resources"][f"Role{base}"]
            resource = part.template["Resources"][f"Fn{base}"]
            result[function.name] = (part.number, role, resource, key)
    return result


def test_a_small_backend_keeps_its_single_stack() -> None:
    model = branch_model(numbered(layout.SINGLE_STACK_MAX))
    templates = nested.render(model)
    assert not templates.nested
    assert templates.files() == {TEMPLATE_FILE: dumps(render_template(model))}


def test_a_thousand_functions_in_parts_within_every_quota() -> None:
    model = branch_model(numbered(1000))
    templates = nested.render(model)
    assert templates.problems("branch main") == []
    assert len(templates.parts) == layout.PARTS
    assert sorted(f for p in templates.parts for f in (x.name for x in p.model.functions)) == (
        numbered(1000)
    )
    # Each function's role and function are those of a single stack: least privilege holds.
    single = render_template(model)["Resources"]
    every = deployed(model)
    for name, (part, role, resource, key) in every.items():
        base = names.function_ids(model)[name]
        assert (role, resource) == (single[f"Role{base}"], single[f"Fn{base}"])
        assert part == layout.part_of(name)
        assert key == names.code_key("bench", digests(model)[name])
    # The root stages each part's template under a key of its content.
    root = templates.root["Resources"]
    for staged in templates.parts:
        url = root[staged.logical_id]["Properties"]["TemplateURL"]["Fn::Sub"]
        digest = hashlib.sha256(staged.body.encode()).hexdigest()
        assert url.endswith(f"/skyfn/templates/{names.stack_name('bench', 'main')}/{digest}.json")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # names a project can hold: no two share a logical id (say-hello and sayhello do)
    st.lists(
        st.from_regex(r"[a-z][a-z0-9-]{2,20}", fullmatch=True),
        min_size=152,
        max_size=220,
        unique_by=names.logical_base,
    ).map(set),
    st.data(),
)
def test_adding_or_removing_one_function_changes_no_other(names_: set[str], data: Any) -> None:
    removed = data.draw(st.sampled_from(sorted(names_)))
    taken = {names.logical_base(n) for n in names_}
    added = data.draw(
        st.from_regex(r"new-[a-z0-9]{1,10}", fullmatch=True).filter(
            lambda n: names.logical_base(n) not in taken
        )
    )
    before = deployed(branch_model(sorted(names_)))
    after = deployed(branch_model(sorted(names_ - {removed} | {added})))
    assert removed not in after and added in after
    for name in names_ - {removed}:
        assert after[name] == before[name], name


def test_synth_refuses_a_branch_over_the_quota_naming_it(tmp_path: Path) -> None:
    model = branch_model(numbered(layout.MAX_FUNCTIONS + 1))
    project = Project(root=tmp_path, app_id="bench", settings={})
    with pytest.raises(SkyfnError) as error:
        nested.template_outputs(project, model)
    message = str(error.value)
    assert message.startswith("the CloudFormation template would exceed a quota; nothing was")
    assert "over CloudFormation's quota of 2500 resources one operation on nested" in message
    assert "split the backend over more branches" in message


def test_a_parts_customer_managed_keys_come_through_the_root() -> None:
    """An external reference's customer managed keys reach its role in a part: the root
    takes them as a parameter (filled in by the deploy) and passes them on."""
    import dataclasses

    from skyfn.deploy.pipeline import kms_key_parameters
    from skyfn.model import SecretRef
    from skyfn.secrets.external import ExternalState

    model = branch_model(numbered(200))
    ref = SecretRef("DB", "prod/db", ("sm:prod/db#password",), external="secretsmanager")
    chosen = dataclasses.replace(model.functions[7], secrets=(ref,))
    model = dataclasses.replace(
        model, functions=tuple(chosen if f.name == chosen.name else f for f in model.functions)
    )
    templates = nested.render(model)
    key = "arn:aws:kms:us-east-1:111122223333:key/abcd"
    state = ExternalState(chosen.name, "DB", ref.paths[0], True, key)
    parameters = nested.code_parameters(model, templates, digests(model))
    parameters |= kms_key_parameters(model, names.function_ids(model), [state])
    part = next(p for p in templates.parts if chosen.name in {f.name for f in p.model.functions})
    passed = templates.root["Resources"][part.logical_id]["Properties"]["Parameters"]
    base = names.function_ids(part.model)[chosen.name]
    root_parameter = f"KmsKeys{names.function_ids(model)[chosen.name]}"
    # the root's list, joined back into the part's list parameter
    assert passed[f"KmsKeys{base}"] == {"Fn::Join": [",", {"Ref": root_parameter}]}
    assert templates.root["Parameters"][root_parameter]["Type"] == "CommaDelimitedList"
    assert parameters[root_parameter] == key  # what the deploy fills in
    assert f"KmsKeys{base}" in part.template["Parameters"]  # the part's role grants it
