"""AWS Lambda's platform facts and limits, in one place (standard library only).

Everything else imports these: synth's validation, the generated env modules, the local
host, the worker, the template and the bundle. When Lambda changes, this file changes.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing and re are not imported on the cold start (the worker imports this)
if TYPE_CHECKING:
    import re

    _VariableFields = tuple[str, str, str, bool]
else:
    _VariableFields = tuple

RUNTIME = "python3.12"  # the default runtime of a function (template, execution env)
PYTHON_VERSION = RUNTIME.removeprefix("python")  # the default runtime's Python version
RUNTIMES = ("python3.12", "python3.13")  # what define_function(runtime=...) accepts
LOG_FORMATS = ("Text", "JSON")  # LoggingConfig.LogFormat; Text is Lambda's default
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")  # ApplicationLogLevel


def python_version(runtime: str) -> str:
    """``python3.13`` → ``3.13`` (the bundle's wheels and the local interpreter follow it)."""
    return runtime.removeprefix("python")


ENV_SIZE_LIMIT = 4096  # bytes, all keys and values together
# compiled on first use (``__getattr__``): a started worker imports no ``re``
_PATTERNS = {
    "ENV_KEY": r"[A-Za-z][A-Za-z0-9_]+",  # Lambda's own pattern: two characters at least
    "FUNCTION_NAME": r"[A-Za-z][A-Za-z0-9_-]{0,63}",
}
if TYPE_CHECKING:
    ENV_KEY: re.Pattern[str]
    FUNCTION_NAME: re.Pattern[str]


def __getattr__(name: str) -> re.Pattern[str]:
    if name in _PATTERNS:
        import re

        compiled = globals()[name] = re.compile(_PATTERNS[name])
        return compiled
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


TIMEOUT_RANGE = (1, 900)  # seconds
MEMORY_RANGE = (128, 10240)  # MB
MAX_PAYLOAD = 6 * 1024 * 1024  # bytes: a synchronous invocation's request, and its response
# bytes: an asynchronous (Event) invocation's request; 1 MB since October 2025 (was 256 KB)
MAX_ASYNC_PAYLOAD = 1024 * 1024
INIT_TIMEOUT = 10.0  # seconds Lambda gives the init phase of its own

LOCAL_ACCOUNT_ID = "000000000000"  # the account of the local host's ARNs
LATEST = "$LATEST"


def function_arn(region: str, name: str, account: str = LOCAL_ACCOUNT_ID) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


class LambdaVariable(_VariableFields):
    """A variable Lambda provides (a plain tuple: a dataclass costs ~12 ms to import, a
    ``NamedTuple`` brings ``typing``, and the worker imports this module)."""

    __slots__ = ()

    def __new__(cls, key: str, type_name: str, doc: str, always: bool = True) -> LambdaVariable:
        return super().__new__(cls, (key, type_name, doc, always))

    @property
    def key(self) -> str:
        return self[0]

    @property
    def type_name(self) -> str:  # "str" or "int"
        return self[1]

    @property
    def doc(self) -> str:
        return self[2]

    @property
    def always(self) -> bool:  # False: only present during some invocations
        return self[3]


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


# Keys Lambda sets itself; a function may not set them. Every variable above, and one more.
RESERVED_KEYS = frozenset({v.key for v in LAMBDA_VARIABLES} | {"AWS_ACCESS_KEY"})


# Function settings (CreateFunction's Architectures, EphemeralStorage, Layers; CloudWatch
# Logs' PutRetentionPolicy; PutFunctionConcurrency).
ARCHITECTURES = ("x86_64", "arm64")
EPHEMERAL_STORAGE_RANGE = (512, 10_240)  # MB of /tmp
MAX_LAYERS = 5
_PATTERNS["LAYER_VERSION_ARN"] = (
    r"arn:[a-zA-Z0-9-]+:lambda:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d:\d{12}:"
    r"layer:[a-zA-Z0-9_-]{1,140}:[1-9][0-9]*"
)
if TYPE_CHECKING:
    LAYER_VERSION_ARN: re.Pattern[str]
LOG_RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400)
LOG_RETENTION_DAYS += (545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
UNRESERVED_MINIMUM = 100  # concurrency Lambda keeps unreserved in every account and region
