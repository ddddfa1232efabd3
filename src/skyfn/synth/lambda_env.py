"""The variables AWS Lambda provides to every function, with their documented meaning.

The generated env modules expose these typed, beside the function's own values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LambdaVariable:
    key: str
    type_name: str  # "str" or "int"
    doc: str
    always: bool = True  # False: only present during some invocations


LAMBDA_VARIABLES: tuple[LambdaVariable, ...] = (
    LambdaVariable("_HANDLER", "str", "The handler location configured on the function."),
    LambdaVariable(
        "_X_AMZN_TRACE_ID",
        "str",
        "The X-Ray tracing header; set per invocation, None outside one.",
        always=False,
    ),
    LambdaVariable("AWS_DEFAULT_REGION", "str", "The default AWS Region where the function runs."),
    LambdaVariable("AWS_REGION", "str", "The AWS Region where the Lambda function is executed."),
    LambdaVariable(
        "AWS_EXECUTION_ENV",
        "str",
        "The runtime identifier, prefixed by AWS_Lambda_ (for example, AWS_Lambda_python3.12).",
    ),
    LambdaVariable("AWS_LAMBDA_FUNCTION_NAME", "str", "The name of the function."),
    LambdaVariable(
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "int",
        "The amount of memory available to the function in MB.",
    ),
    LambdaVariable("AWS_LAMBDA_FUNCTION_VERSION", "str", "The version of the function."),
    LambdaVariable(
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "str",
        "The initialization type: on-demand, provisioned-concurrency, or snap-start.",
        always=False,
    ),
    LambdaVariable(
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "str",
        "The name of the CloudWatch Logs group for the function.",
    ),
    LambdaVariable(
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "str",
        "The name of the CloudWatch Logs stream for the function.",
    ),
    LambdaVariable(
        "AWS_ACCESS_KEY_ID", "str", "The access key obtained from the function's execution role."
    ),
    LambdaVariable(
        "AWS_SECRET_ACCESS_KEY",
        "str",
        "The secret access key obtained from the function's execution role.",
    ),
    LambdaVariable(
        "AWS_SESSION_TOKEN",
        "str",
        "The session token obtained from the function's execution role.",
        always=False,
    ),
    LambdaVariable(
        "AWS_LAMBDA_RUNTIME_API",
        "str",
        "(Custom runtime) The host and port of the runtime API.",
        always=False,
    ),
    LambdaVariable("LAMBDA_TASK_ROOT", "str", "The path to the Lambda function code."),
    LambdaVariable(
        "LAMBDA_RUNTIME_DIR",
        "str",
        "The path to runtime libraries.",
        always=False,
    ),
    LambdaVariable("TZ", "str", "The environment's time zone (UTC)."),
)
