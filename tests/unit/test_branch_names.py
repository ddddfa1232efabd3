"""Branch names as git writes them (issue 30): the properties of the one mapping to a safe
name, checked where each mapped name is used (SSM path segment, CloudFormation stack name,
Lambda function name, tag values)."""

from __future__ import annotations

import hashlib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from skyfn import scope
from skyfn.deploy import names

SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}"
# CloudFormation: a stack name starts with a letter, then letters, digits and '-', <= 128.
STACK_NAME = re.compile(r"[A-Za-z][-A-Za-z0-9]{0,127}")
# Lambda (FunctionName, the name alone): letters, digits, '-' and '_', <= 64.
LAMBDA_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# IAM's and Lambda's tag value pattern ([\p{L}\p{Z}\p{N}_.:/=+\-@]*, <= 256), ASCII part;
# CloudFormation's stack tags want at least one character.
TAG_VALUE = re.compile(r"[A-Za-z0-9 _.:/=+@-]{1,256}")
SSM_NAME = re.compile(r"[A-Za-z0-9_./-]{1,1011}")

valid_names = st.from_regex(SEGMENT, fullmatch=True).filter(lambda n: ".." not in n)
# What git writes: mostly branch-like characters, with some of every other kind.
branch_chars = st.sampled_from("abcXYZ019/-_.") | st.characters(codec="utf-8", max_codepoint=0x2FFF)
git_like = st.text(branch_chars, min_size=1, max_size=300).filter(
    lambda n: _git_accepts(n) or scope.valid_segment(n)
)
app_ids = st.from_regex(r"[a-z][a-z0-9-]{0,39}", fullmatch=True)
function_names = st.from_regex(r"[a-z][a-z0-9_-]{0,63}", fullmatch=True)


def _git_accepts(name: str) -> bool:
    try:
        scope.check_git_branch(name)
    except Exception:
        return False
    return True


@given(valid_names)
def test_a_name_valid_today_maps_to_itself(name: str) -> None:
    assert scope.branch_segment(name) == name
    assert scope.branch(name).given == ""  # nothing new to tag or note


@settings(max_examples=200)
@given(git_like, app_ids, function_names)
def test_every_mapped_name_is_valid_everywhere_it_is_used(
    name: str, app_id: str, function: str
) -> None:
    safe = scope.branch_segment(name)
    assert scope.valid_segment(safe)
    assert scope.branch_segment(safe) == safe  # idempotent
    path = scope.secret_path(app_id, scope.branch(name), "DB_PASSWORD")
    assert SSM_NAME.fullmatch(path) and path.count("/") == 4
    assert STACK_NAME.fullmatch(names.stack_name(app_id, safe))
    assert LAMBDA_NAME.fullmatch(names.function_name(app_id, safe, function))
    assert TAG_VALUE.fullmatch(safe)  # skyfn:branch
    tag = names.branch_name_tag(name)  # skyfn:branch-name
    assert TAG_VALUE.fullmatch(tag)
    if len(tag) < names.TAG_VALUE_MAX:
        assert names.branch_name_of_tag(tag) == name


@settings(max_examples=400)
@given(git_like)
def test_names_share_a_safe_name_only_when_they_differ_in_slash_and_dash(name: str) -> None:
    """Either the name itself, or '/' as '-', or a hash of the whole name at its end: two
    names meet only as ``feature/login`` and ``feature-login`` do (which deploys refuse)."""
    safe = scope.branch_segment(name)
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    assert safe in (name, name.replace("/", "-")) or safe.endswith(f"-{digest}")


@given(st.text(min_size=1, max_size=300))
def test_the_branch_name_tag_is_one_to_one(name: str) -> None:
    tag = names.branch_name_tag(name)
    assert TAG_VALUE.fullmatch(tag)
    if len(tag) < names.TAG_VALUE_MAX:
        assert names.branch_name_of_tag(tag) == name
