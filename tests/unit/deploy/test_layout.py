"""Which part holds which function: fixed by its name, whatever else the backend holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skyfn.deploy import layout, quotas
from tests.support.models import numbered

NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,30}", fullmatch=True)


@settings(max_examples=200)
@given(st.sets(NAMES, max_size=60), NAMES)
def test_adding_or_removing_a_function_moves_no_other(names: set[str], extra: str) -> None:
    without = layout.assign(names - {extra})
    with_extra = layout.assign(names | {extra})
    where = {name: part for part, held in with_extra.items() for name in held}
    for part, held in without.items():
        for name in held:
            assert where[name] == part
    assert where[extra] == layout.part_of(extra)


def test_a_full_branch_leaves_every_part_far_below_its_quotas() -> None:
    parts = layout.assign(numbered(layout.MAX_FUNCTIONS))
    assert len(parts) == layout.PARTS
    largest = max(len(held) for held in parts.values())
    # Each function: two resources, one parameter (plus the bucket's), one output.
    assert largest * layout.RESOURCES_PER_FUNCTION <= quotas.RESOURCES * 0.6
    assert largest + 1 <= quotas.PARAMETERS * 0.75
    assert largest <= quotas.OUTPUTS * 0.75
    total = layout.MAX_FUNCTIONS * layout.RESOURCES_PER_FUNCTION + layout.PARTS
    assert total <= quotas.NESTED_OPERATION_RESOURCES


def test_small_backends_stay_one_stack() -> None:
    assert not layout.nested(layout.SINGLE_STACK_MAX)
    assert layout.nested(layout.SINGLE_STACK_MAX + 1)
