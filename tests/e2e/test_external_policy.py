"""Least privilege for external references: each role reads exactly its own secrets' ARNs
(Secrets Manager and SSM), decrypts only through the owning service, and a customer managed
key read by the deploy (DescribeParameters, DescribeSecret) is granted through a template
parameter. cfn-lint finds no error in templates with each kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from cfnlint.api import lint

from skyfn import scope
from skyfn.deploy import names
from skyfn.deploy.pipeline import kms_key_parameters
from skyfn.deploy.template import dumps, render_template
from skyfn.model import Model
from skyfn.project import open_project
from skyfn.secrets import external
from skyfn.synth.run import load_model
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:partner/token-AbCdEf"


def project(root: Path, arn: str = ARN) -> Model:
    functions = {
        "sm": resource(
            '{"DB": aws_secret("prod/db", key="password"), '
            f'"PARTNER": aws_secret("{arn}"), '
            '"OLD": aws_secret("prod/db", version_stage="AWSPREVIOUS")}',
            name="sm",
        ),
        "mixed": resource(
            '{"OWN": secret("OWN_KEY"), "LEGACY": ssm_parameter("/legacy/api-key")}',
            name="mixed",
        ),
        "plain": resource('{"OWN": secret("OWN_KEY")}', name="plain"),
    }
    return load_model(open_project(make_project(root, functions)), scope.branch("main"), "ssm")


def statements(template: dict[str, Any], function: str) -> dict[str, Any]:
    """Sid → statement of the function's secrets policy (a conditional one unwrapped)."""
    role = template["Resources"][f"Role{function}"]["Properties"]
    (policy,) = [p for p in role["Policies"] if p["PolicyName"] == "skyfn-secrets"]
    found: dict[str, Any] = {}
    for statement in policy["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:
            statement = statement["Fn::If"][1]
        found[statement["Sid"]] = statement
    return found


def subs(resources: list[Any]) -> list[str]:
    return [r["Fn::Sub"] if isinstance(r, dict) else r for r in resources]


def test_templates_with_each_kind_pass_cfn_lint(tmp_path: Path) -> None:
    matches = lint(dumps(render_template(project(tmp_path))))
    errors = [m for m in matches if m.rule.id.startswith("E")]
    assert errors == [], "\n".join(str(m) for m in matches)


def test_each_role_reads_exactly_its_own_external_secrets(tmp_path: Path) -> None:
    template = render_template(project(tmp_path))
    sm = statements(template, "Sm")
    assert sm.keys() == {
        "ReadOwnSecretsManagerSecrets",
        "BatchReadSecretsManager",
        "DecryptExternalWithTheirKeys",
    }
    assert subs(sm["ReadOwnSecretsManagerSecrets"]["Resource"]) == [
        ARN,  # a full ARN as is
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
        "secret:prod/db-??????",  # a name: its random suffix
    ]
    assert sm["ReadOwnSecretsManagerSecrets"]["Action"] == "secretsmanager:GetSecretValue"
    assert sm["BatchReadSecretsManager"]["Resource"] == "*"
    assert sm["BatchReadSecretsManager"]["Action"] == "secretsmanager:BatchGetSecretValue"
    decrypt = sm["DecryptExternalWithTheirKeys"]
    assert decrypt["Resource"] == {"Ref": "KmsKeysSm"}
    assert subs(decrypt["Condition"]["StringEquals"]["kms:ViaService"]) == [
        "ssm.${AWS::Region}.amazonaws.com",
        "secretsmanager.${AWS::Region}.amazonaws.com",
    ]
    mixed = statements(template, "Mixed")
    assert [r.split(":parameter")[1] for r in subs(mixed["ReadOwnSecrets"]["Resource"])] == [
        "/legacy/api-key",
        "/skyfn/testapp/branch-main/OWN_KEY",
        "/skyfn/testapp/shared/OWN_KEY",
    ]
    assert "ReadOwnSecretsManagerSecrets" not in mixed
    assert "DecryptWithSsmKey" in mixed
    plain = statements(template, "Plain")
    assert set(plain) == {"ReadOwnSecrets", "DecryptWithSsmKey"}  # no external: no KMS keys
    assert "KmsKeysPlain" not in template["Parameters"]
    assert template["Parameters"]["KmsKeysSm"]["Type"] == "CommaDelimitedList"


def test_the_deploy_grants_a_customer_managed_key_it_reads_from_metadata(
    aws: Aws, tmp_path: Path
) -> None:
    kms = boto3.client("kms")
    key_arn = kms.create_key(Description="partner key")["KeyMetadata"]["Arn"]
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/legacy/api-key", Value="v", Type="SecureString", KeyId=key_arn)
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="prod/db", SecretString='{"password": "p"}')
    sm.put_secret_value(SecretId="prod/db", SecretString='{"password": "q"}')
    arn = sm.create_secret(Name="partner/token", SecretString="t")["ARN"]
    model = project(tmp_path, arn)
    states = external.check(model)
    assert all(s.exists for s in states)
    parameters = kms_key_parameters(model, names.function_ids(model), states)
    assert parameters == {"KmsKeysMixed": key_arn, "KmsKeysSm": ""}


def test_pipeline_deploy_passes_the_customer_managed_key_to_the_stack(
    aws: Aws, tmp_path: Path
) -> None:
    key_arn = boto3.client("kms").create_key(Description="legacy key")["KeyMetadata"]["Arn"]
    boto3.client("ssm").put_parameter(
        Name="/legacy/api-key", Value="legacy-value-1", Type="SecureString", KeyId=key_arn
    )
    root = make_project(
        tmp_path / "app", {"fn": resource('{"LEGACY": ssm_parameter("/legacy/api-key")}')}
    )
    result = run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)
    assert result.code == 0, result.err
    stack = boto3.client("cloudformation").describe_stacks(
        StackName=names.stack_name("testapp", "main")
    )["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    # moto shows a CommaDelimitedList's value as the list's repr; AWS as the text given
    assert parameters["KmsKeysFn"] in (key_arn, repr([key_arn]))
    iam = boto3.client("iam")
    role = next(r for r in iam.list_roles()["Roles"] if "Fn" in r["RoleName"])
    policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="skyfn-secrets")
    # moto keeps a CloudFormation-made policy as the repr of the resolved document
    document = str(policy["PolicyDocument"])
    assert "DecryptExternalWithTheirKeys" in document and key_arn in document, document
