"""``manage.set_checked``: what ``skyfn secret set`` and the console's Set both make of a
value before a store sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope
from skyfn.errors import SkyfnError
from skyfn.project import find_project
from skyfn.secrets import manage
from skyfn.secrets.local import LocalStore
from skyfn.synth.run import generate_env
from tests.support.projects import make_project, resource

ENVIRONMENT = '{"TOKEN": secret("TOKEN", pattern=r"^tok-"), "KEY": aws_secret("LEGACY")}'


@pytest.fixture()
def checked(tmp_path: Path) -> tuple[manage.Target, manage.Rules]:
    make_project(tmp_path / "app", {"f": resource(ENVIRONMENT, name="f")})
    model = generate_env(find_project(tmp_path / "app"), scope.sandbox("u"), "inline").model
    target = manage.Target(model.app_id, model.scope, LocalStore(tmp_path / "store"))
    return target, manage.Rules(model)


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("TOKEN", "nope", "does not match its pattern '^tok-' (used by f (TOKEN))"),
        ("LEGACY", "tok-1", "LEGACY is an external secret of function f (KEY, aws_secret)"),
        ("TOKEN", "", "is empty"),
        ("TOKEN", "tok-\x00", "NUL byte"),
        ("../x", "tok-1", "is not valid"),
    ],
)
def test_a_value_the_definitions_refuse_is_never_written(
    checked: tuple[manage.Target, manage.Rules], name: str, value: str, why: str
) -> None:
    target, rules = checked
    with pytest.raises(SkyfnError) as refused:
        manage.set_checked(target, name, value, rules)
    assert why in str(refused.value)
    if value:
        assert value not in str(refused.value)  # never echoed
    assert target.store.list(scope.prefix(target.app_id, target.scope)) == []


def test_a_good_value_is_written(checked: tuple[manage.Target, manage.Rules]) -> None:
    target, rules = checked
    assert manage.set_checked(target, "TOKEN", "tok-1", rules).version == 1
    assert manage.get_secret(target, "TOKEN").value == "tok-1"
