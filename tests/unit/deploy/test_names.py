"""Logical ids: each function's from its own name alone, unique, or a definition error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skyfn.deploy import layout, names, nested
from skyfn.errors import DefinitionError
from tests.support.models import branch_model


def test_names_that_share_an_id_are_a_definition_error_naming_both() -> None:
    with pytest.raises(DefinitionError) as caught:
        names.function_ids(branch_model(["say-hello", "sayHello"]))
    message = str(caught.value)
    assert "functions say-hello and sayHello would share" in message
    assert "FnSayHello" in message and "rename one of them" in message


def test_a_name_chosen_to_equal_a_disambiguated_id_is_no_way_around() -> None:
    """Issue 22 finding 5: ``say-hello`` and ``sayHello`` got ``SayHello<hash>`` each, and
    a third function named so its id equalled one of those replaced it in the template."""
    taken = "SayHello" + names._short_hash("sayHello")
    model = branch_model(["say-hello", "sayHello", taken])
    with pytest.raises(DefinitionError):
        nested.render(model)
    # Without the colliding pair, the third name keeps its plain id.
    assert names.function_ids(branch_model(["say-hello", taken])) == {
        "say-hello": "SayHello",
        taken: taken,
    }


def test_adding_a_function_never_renames_another() -> None:
    alone = names.function_ids(branch_model(["say-hello"]))
    more = names.function_ids(branch_model(["say-hello", "say-bye", "Say_Hi"]))
    assert more["say-hello"] == alone["say-hello"] == "SayHello"


@given(
    st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,12}", fullmatch=True), unique=True, max_size=8)
)
def test_ids_are_unique_or_refused(function_names: list[str]) -> None:
    model = branch_model(function_names)
    try:
        ids = names.function_ids(model)
    except DefinitionError:
        bases = [names.logical_base(n) for n in function_names]
        assert len(set(bases)) < len(bases)
        return
    assert len(set(ids.values())) == len(function_names)
    template = nested.render(model).root
    per_function = layout.RESOURCES_PER_FUNCTION
    assert len(template["Resources"]) == per_function * len(function_names)


def test_function_names_are_readable_unique_and_fit_lambda() -> None:
    name = names.function_name("demo", "main", "say-hello")
    assert name.startswith("demo-main-say-hello-") and len(name) == len("demo-main-say-hello-") + 8
    assert names.function_name("shop", "pay-main", "f") != names.function_name(
        "shop-pay", "main", "f"
    )
    long = names.function_name("a" * 40, "feature/" + "b" * 60, "c" * 40)
    assert len(long) <= 64
    assert all(ch.isalnum() or ch in "-_" for ch in long)
