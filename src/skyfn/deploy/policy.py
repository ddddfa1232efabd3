"""A function's IAM policies: its own log group, and its secrets (exactly the ARNs it
reads, decrypted only through the service that owns them).

Logs: ``logs:CreateLogGroup``, ``CreateLogStream`` and ``PutLogEvents`` on
``/aws/lambda/<its physical name>`` only. (AWS's ``AWSLambdaBasicExecutionRole`` grants them
on ``*``, so a function could write forged events into any log group of the account, another
app's among them, which ``skyfn logs`` would then show.)

Secrets:

- skyfn's own secrets and external SSM parameters: ``ssm:GetParameters`` on each parameter,
  ``kms:Decrypt`` with SSM's key (``alias/aws/ssm``) through SSM;
- external Secrets Manager secrets: ``secretsmanager:GetSecretValue`` on each secret (a name
  gets ``…:secret:NAME-??????``, matching the random suffix AWS adds; an ARN is used as is),
  and ``secretsmanager:BatchGetSecretValue``, which AWS grants only on ``*`` and which
  returns nothing ``GetSecretValue`` does not allow;
- external references encrypted with a customer managed key: ``kms:Decrypt`` on those keys,
  through SSM or Secrets Manager only. The deploy reads the keys (``skyfn.secrets.external``)
  and passes them as the template parameter ``KmsKeys<Fn>``, so synth's template is the
  deployed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from skyfn.model import Function
from skyfn.runtime import contract

SSM_KEY_ALIAS = "alias/aws/ssm"
Json = dict[str, Any]


def kms_keys_parameter(logical_base: str) -> str:
    return f"KmsKeys{logical_base}"


def kms_keys_condition(logical_base: str) -> str:
    return f"HasKmsKeys{logical_base}"


def parameter_arn(name: str) -> Json:
    slash = "" if name.startswith("/") else "/"
    return {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        + slash
        + name
    }


def secret_arn(secret_id: str) -> Json | str:
    if secret_id.startswith("arn:"):
        return secret_id
    return {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
        f"secret:{secret_id}-??????"
    }


LOG_GROUP_PREFIX = "/aws/lambda/"


def log_group_arn(physical_name: str) -> Json:
    """The ARN of the log group Lambda writes a function's logs to."""
    return {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
        + LOG_GROUP_PREFIX
        + physical_name
    }


def logs_policy(physical_name: str) -> Json:
    """The role's inline policy for its function's logs: its own log group, nothing else."""
    group = log_group_arn(physical_name)
    streams = {"Fn::Sub": group["Fn::Sub"] + ":*"}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [group, streams],
            }
        ],
    }


def has_external(function: Function) -> bool:
    return any(ref.external for ref in function.secrets)


def template_parameters(function: Function, logical_base: str) -> tuple[Json, Json]:
    """(Parameters, Conditions) the function's policy needs: the customer managed keys of
    its external references (none: an empty list)."""
    if not has_external(function):
        return {}, {}
    name = kms_keys_parameter(logical_base)
    parameter = {
        "Type": "CommaDelimitedList",
        "Default": "",
        "Description": (
            f"ARNs of the customer managed KMS keys of function {function.name}'s external "
            "secrets (filled in by skyfn pipeline-deploy)"
        ),
    }
    condition = {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": name}]}, ""]}]}
    return {name: parameter}, {kms_keys_condition(logical_base): condition}


def split_paths(function: Function) -> tuple[list[str], list[str]]:
    """(SSM parameter names, Secrets Manager ids) the function reads, sorted, unpinned."""
    parameters: set[str] = set()
    secrets: set[str] = set()
    for ref in function.secrets:
        for path in ref.paths:
            store, inner = contract.path_store(path, "ssm")
            if store == "ssm":
                parameters.add(inner)
            else:
                secret_id = inner.partition("#")[0]
                for marker in (contract.SM_STAGE, contract.SM_VERSION_ID):
                    secret_id = secret_id.partition(marker)[0]
                secrets.add(secret_id)
    return sorted(parameters), sorted(secrets)


def secrets_policy(function: Function, logical_base: str) -> Json | None:
    """The role's inline policy for the function's secrets (``None``: it has none)."""
    parameters, secrets = split_paths(function)
    statements: list[Any] = []
    if parameters:
        statements += _ssm_statements(parameters)
    if secrets:
        statements += _secretsmanager_statements(secrets)
    if has_external(function):
        statements.append(_external_keys_statement(logical_base))
    if not statements:
        return None
    return {"Version": "2012-10-17", "Statement": statements}


def _ssm_statements(names: Iterable[str]) -> list[Json]:
    return [
        {
            "Sid": "ReadOwnSecrets",
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": [parameter_arn(name) for name in names],
        },
        {
            "Sid": "DecryptWithSsmKey",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"
            },
            "Condition": {
                "StringEquals": {"kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}},
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": SSM_KEY_ALIAS},
            },
        },
    ]


def _secretsmanager_statements(ids: Iterable[str]) -> list[Json]:
    return [
        {
            "Sid": "ReadOwnSecretsManagerSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [secret_arn(secret_id) for secret_id in ids],
        },
        {
            # AWS grants it only on "*"; it returns only what GetSecretValue allows.
            "Sid": "BatchReadSecretsManager",
            "Effect": "Allow",
            "Action": "secretsmanager:BatchGetSecretValue",
            "Resource": "*",
        },
    ]


def _external_keys_statement(logical_base: str) -> Json:
    statement = {
        "Sid": "DecryptExternalWithTheirKeys",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": {"Ref": kms_keys_parameter(logical_base)},
        "Condition": {
            "StringEquals": {
                "kms:ViaService": [
                    {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"},
                    {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"},
                ]
            }
        },
    }
    return {"Fn::If": [kms_keys_condition(logical_base), statement, {"Ref": "AWS::NoValue"}]}
