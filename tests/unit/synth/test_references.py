"""function_ref: a function's name in another's environment, typed str; its physical Lambda
name in a branch scope (counted in the 4 KB limit), its skyfn name in a sandbox; an unknown
name is a synth error with a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope
from skyfn.deploy.names import function_name
from skyfn.errors import DefinitionError
from skyfn.model import Model, Scope
from skyfn.project import find_project
from skyfn.synth.envgen import render_env_module
from skyfn.synth.run import load_model
from tests.support.projects import make_project

MAILER = """\
from skyfn import define_function, function_ref
fn = define_function(name="mailer", environment={"ORDERS": function_ref("orders")})
"""
ORDERS = """\
from skyfn import define_function, function_ref
from functions.mailer.resource import fn as mailer
fn = define_function(name="orders", environment={"MAILER": function_ref(mailer), "XX": "1"})
"""


def shop(root: Path, orders: str = ORDERS, at: Scope | None = None) -> Model:
    make_project(root, {"mailer": MAILER, "orders": orders}, app_id="shop")
    return load_model(find_project(root), at or scope.branch("main"), "ssm")


def test_a_branch_sees_the_physical_name_both_ways(tmp_path: Path) -> None:
    model = shop(tmp_path)
    orders, mailer = model.function("orders"), model.function("mailer")
    assert orders is not None and mailer is not None
    assert orders.environment_dict["MAILER"] == function_name("shop", "main", "mailer")
    assert mailer.environment_dict["ORDERS"] == function_name("shop", "main", "orders")
    # what a local worker sees: the skyfn name
    assert orders.local_variables()["MAILER"] == "mailer"
    module = render_env_module(orders)
    assert "def MAILER(self) -> str:" in module
    assert '_read.text("MAILER")' in module


def test_a_sandbox_sees_the_skyfn_name(tmp_path: Path) -> None:
    model = shop(tmp_path, at=scope.sandbox("alice"))
    orders = model.function("orders")
    assert orders is not None and orders.environment_dict["MAILER"] == "mailer"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            '"mailr"',
            "function_ref('mailr') names no function of this backend "
            "(functions: mailer, orders); did you mean 'mailer'?",
        ),
        ("42", "function_ref takes what define_function returned or a function's name, not int"),
        (
            'define_function(name="stray")',
            "function_ref names function 'stray', which is not "
            "in define_backend(...); add it there",
        ),
    ],
)
def test_a_wrong_reference_is_named(tmp_path: Path, target: str, message: str) -> None:
    body = ORDERS.replace("function_ref(mailer)", f"function_ref({target})")
    with pytest.raises(DefinitionError) as caught:
        shop(tmp_path, orders=body)
    assert f"function orders: environment MAILER: {message}" in str(caught.value)


def test_the_physical_name_counts_in_the_4kb_limit(tmp_path: Path) -> None:
    # a value that fits with the short skyfn name "mailer" but not with its 64-byte-ish
    # physical name: the deployed environment is what Lambda counts
    model = shop(tmp_path)
    orders = model.function("orders")
    assert orders is not None
    used = sum(len(k) + len(v) for k, v in orders.deployed_environment)
    room = 4096 - used + len("1")  # XX's value fills the rest exactly
    padded = ORDERS.replace('"XX": "1"', f'"XX": "{"y" * room}"')
    assert shop(tmp_path, orders=padded).function("orders") is not None
    over = ORDERS.replace('"XX": "1"', f'"XX": "{"y" * (room + 1)}"')
    with pytest.raises(DefinitionError, match="environment is 4097 bytes as deployed"):
        shop(tmp_path, orders=over)
