"""``moto_server`` that also deploys ``AWS::Lambda::Url`` from CloudFormation (moto 5's
CloudFormation skips it, and then fails on the stack's ``FunctionUrl`` output).

Only the resource's CloudFormation side is added, onto moto's own function URL API
(``create_function_url_config``), so ``pipeline-deploy`` then ``diff`` run end to end with
``url=`` (the property test, tests/robustness/test_every_option.py). Run as
``python -m tests.support.moto_urls_server -H 127.0.0.1 -p PORT``."""

from __future__ import annotations

import contextlib
from typing import Any

from moto.awslambda.models import FunctionUrlConfig, lambda_backends
from moto.core.common_models import CloudFormationModel


class FunctionUrlResource(CloudFormationModel):
    def __init__(self, config: FunctionUrlConfig) -> None:
        self.config = config

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Url"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return str(self.config.function.function_arn)

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("FunctionUrl", "FunctionArn")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "FunctionUrl":
            return self.config.url
        return self.config.function.function_arn

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> FunctionUrlResource:
        props = cloudformation_json["Properties"]
        config = {k: props[k] for k in ("AuthType", "Cors") if k in props}
        backend = lambda_backends[account_id][region_name]
        return cls(backend.create_function_url_config(props["TargetFunctionArn"], config))

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: FunctionUrlResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> FunctionUrlResource:
        props = cloudformation_json["Properties"]
        original_resource.config.update({k: props[k] for k in ("AuthType", "Cors") if k in props})
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = lambda_backends[account_id][region_name]
        with contextlib.suppress(Exception):  # the function went first: its URL with it
            backend.delete_function_url_config(
                cloudformation_json["Properties"]["TargetFunctionArn"]
            )
