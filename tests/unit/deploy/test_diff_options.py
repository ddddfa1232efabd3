"""``diff`` shows grants added and removed, and each setting's change."""

from __future__ import annotations

import dataclasses

from skyfn.deploy import diff, template_reader
from skyfn.deploy.template import render_template
from skyfn.model import Model
from skyfn.model_grants import Grant
from skyfn.model_settings import Settings
from tests.support.models import branch_model

SUBS = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}
TABLE = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders"


def model(settings: Settings, *grants: Grant) -> Model:
    base = branch_model(["orders-api"], app_id="shop")
    fn = dataclasses.replace(base.functions[0], settings=settings, grants=grants)
    return dataclasses.replace(base, functions=(fn,))


def described(m: Model) -> diff.Deployment:
    return template_reader.describe(render_template(m), {}, SUBS)


def test_grants_and_settings_appear_in_the_diff() -> None:
    read = Grant("dynamodb_table('orders')", 1, 1, ("dynamodb:GetItem",), (TABLE,))
    write = Grant("dynamodb_table('orders')", 1, 1, ("dynamodb:PutItem",), (TABLE,))
    old = described(model(Settings(), read))
    new = described(model(Settings("arm64", 1024, (), 30, 5), write))
    lines = diff.compare("stack", old, new).lines()
    assert lines == [
        "stack stack would change:",
        "  ~ function orders-api",
        "      + architecture: arm64",
        "      + ephemeral storage: 1024 MB",
        "      + log retention: 30 days (own log group)",
        "      + reserved concurrency: 5",
        "      grant + allow dynamodb:PutItem on "
        "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        "      grant - allow dynamodb:GetItem on "
        "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
    ]
    assert not diff.compare(
        "stack", new, described(model(Settings("arm64", 1024, (), 30, 5), write))
    )


def test_a_new_function_lists_its_grants_and_settings() -> None:
    grant = Grant(
        "x", 1, 1, ("sns:Publish",), ("arn:aws:sns:eu-west-1:1:t",), '{"Bool":{"a":"true"}}'
    )
    new = described(
        model(Settings(layers=("arn:aws:lambda:eu-west-1:123456789012:layer:l:1",)), grant)
    )
    lines = diff.compare("stack", None, new).lines()
    assert "      layers: arn:aws:lambda:eu-west-1:123456789012:layer:l:1" in lines
    assert (
        '      grant allow sns:Publish on arn:aws:sns:eu-west-1:1:t if {"Bool": {"a": "true"}}'
        in lines
    )
