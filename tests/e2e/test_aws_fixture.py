"""The moto fixture itself: a real server that boto3 reaches through AWS_ENDPOINT_URL."""

from __future__ import annotations

import boto3

from tests.support.aws import Aws


def test_boto3_reaches_moto_through_the_standard_endpoint_variable(aws: Aws) -> None:
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/skyfn/t/shared/X", Value="v", Type="SecureString")
    got = ssm.get_parameter(Name="/skyfn/t/shared/X", WithDecryption=True)
    assert got["Parameter"]["Value"] == "v"


def test_each_test_starts_with_an_empty_moto(aws: Aws) -> None:
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []
