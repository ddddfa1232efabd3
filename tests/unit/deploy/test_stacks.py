"""Whose branch a stack is: its ``skyfn:branch-name`` tag (issue 30, branch names)."""

from __future__ import annotations

import pytest

from skyfn.deploy import names, stacks
from skyfn.errors import SkyfnError


def described(**tags: str) -> dict[str, object]:
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


def tag(given: str) -> str:
    return names.branch_name_tag(given)


def test_a_stack_of_the_same_git_branch_is_its_own() -> None:
    stack = described(
        **{stacks.BRANCH_TAG: "feature-login", stacks.BRANCH_NAME_TAG: tag("feature/login")}
    )
    stacks.check_branch_name("s", stack, tag("feature/login"), "nothing was deployed")


def test_a_stack_without_the_tag_is_the_branch_its_safe_name_names() -> None:
    """Stacks deployed before the tag existed: their branch had a valid name, its own."""
    old = described(**{stacks.BRANCH_TAG: "feature-login"})
    stacks.check_branch_name("s", old, tag("feature-login"), "nothing was deployed")
    with pytest.raises(SkyfnError) as refused:
        stacks.check_branch_name("s", old, tag("feature/login"), "nothing was deployed")
    assert str(refused.value).startswith(
        "branch feature/login maps to the name feature-login, which branch feature-login "
        "already uses (stack s); nothing was deployed."
    )


def test_the_refusal_names_both_branches_as_given() -> None:
    stack = described(**{stacks.BRANCH_TAG: "fix-gr-e-x", stacks.BRANCH_NAME_TAG: tag("fix/größe")})
    with pytest.raises(SkyfnError, match=r"branch fix/grüße maps .* which branch fix/größe"):
        stacks.check_branch_name("s", stack, tag("fix/grüße"), "nothing was compared")
