"""``skyfn invoke FN --deployed --branch B``: the deployed function, invoked with the
caller's AWS credentials (``skyfn.aws``'s session), its answer and its log tail
(``LogType=Tail``: Lambda's last 4 KB, START to REPORT) masked with the function's secrets
as ``skyfn logs`` masks them."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from skyfn import aws
from skyfn.deploy.deployed import deployed_branch
from skyfn.deploy.output_masking import ReadSecrets, function_masker, secret_values
from skyfn.runtime import error_shape
from skyfn.runtime.masking import Masker

PERMISSIONS = (
    "cloudformation:DescribeStacks, cloudformation:GetTemplate, "
    "cloudformation:DescribeStackResource, lambda:InvokeFunction and, to mask its "
    "secrets, ssm:GetParameters"
)


@dataclass(frozen=True)
class RemoteOutcome:
    payload: bytes  # what the function answered (Lambda's error shape on an error)
    function_error: str | None  # X-Amz-Function-Error: Unhandled, Handled
    logs: str  # the log tail, masked ("" when Lambda gave none)
    masker: Masker

    @property
    def error(self) -> bool:
        return self.function_error is not None

    @property
    def result(self) -> Any:
        try:
            return json.loads(self.payload)
        except ValueError:
            return self.payload.decode("utf-8", "replace")

    def failure(self) -> error_shape.LambdaError:
        kind, message = error_shape.parse(self.payload.decode("utf-8", "replace"))
        return error_shape.LambdaError(kind, self.masker.text(message))


def invoke_deployed(
    app_id: str,
    branch: str,
    function: str,
    event: Any,
    read_secrets: ReadSecrets = secret_values,
) -> RemoteOutcome:
    session = aws.session()
    action = f"invoke {function} on branch {branch}"
    with aws.aws_errors(action, PERMISSIONS):
        cfn = aws.client("cloudformation", action, session)
        deployed = deployed_branch(cfn, app_id, branch, "nothing was invoked")
        state = deployed.function(function)
        physical = deployed.physical_name(cfn, state)
    masker = function_masker(state, read_secrets, "its log tail", "; nothing was invoked")
    with aws.aws_errors(action, PERMISSIONS):
        answer = aws.client("lambda", action, session).invoke(
            FunctionName=physical, Payload=json.dumps(event).encode(), LogType="Tail"
        )
        payload = answer["Payload"].read()
    return RemoteOutcome(payload, answer.get("FunctionError"), masker.text(_tail(answer)), masker)


def _tail(answer: dict[str, Any]) -> str:
    try:
        return base64.b64decode(answer.get("LogResult") or "").decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""
