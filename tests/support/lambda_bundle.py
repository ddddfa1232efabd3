"""A function deployed to moto, run as Lambda would run it (moto stores Lambda functions but
does not run them): its bundle (the S3 object whose digest is its ``CodeSha256``), unpacked,
under ``awslambdaric`` against the Runtime API stand-in, with exactly its deployed
configuration plus what Lambda itself sets, and credentials and an endpoint for moto."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.support.runtime_api import Answer, Invocation, RuntimeApi


def deployed_zip(s3: Any, config: Mapping[str, Any]) -> bytes:
    """The bundle Lambda holds: the object in moto's S3 whose digest is ``CodeSha256``."""
    for bucket in s3.list_buckets()["Buckets"]:
        for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            data: bytes = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
            if base64.b64encode(hashlib.sha256(data).digest()).decode() == config["CodeSha256"]:
                return data
    raise AssertionError(f"no object in S3 matches {config['FunctionName']}'s CodeSha256")


def staged_object(s3: Any, key: str) -> bytes:
    """An object of the staging bucket (a layer's zip), by key."""
    for bucket in s3.list_buckets()["Buckets"]:
        if s3.list_objects_v2(Bucket=bucket["Name"], Prefix=key).get("KeyCount"):
            data: bytes = s3.get_object(Bucket=bucket["Name"], Key=key)["Body"].read()
            return data
    raise AssertionError(f"no staged object {key}")


def layer_key(app_id: str, local_zip: Path) -> str:
    """The key a layer's zip (as written under .skyfn/bundles/) is staged under: by content."""
    from skyfn.deploy.names import code_key

    return code_key(app_id, hashlib.sha256(local_zip.read_bytes()).hexdigest())


def lambda_variables(config: Mapping[str, Any], task_root: Path) -> dict[str, str]:
    """What Lambda sets beside the function's own variables (its configuration's)."""
    name = config["FunctionName"]
    logging = config.get("LoggingConfig") or {}
    variables = {
        "_HANDLER": config["Handler"],
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config['Runtime']}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config["MemorySize"]),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"2026/01/01/[$LATEST]{uuid.uuid4().hex}",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "TZ": "UTC",
    }
    if logging.get("LogFormat"):
        variables["AWS_LAMBDA_LOG_FORMAT"] = logging["LogFormat"]
    if logging.get("ApplicationLogLevel") and logging.get("LogFormat") == "JSON":
        variables["AWS_LAMBDA_LOG_LEVEL"] = logging["ApplicationLogLevel"]
    return variables


def invoke_deployed(
    config: Mapping[str, Any],
    bundle: bytes,
    task_root: Path,
    aws_env: Mapping[str, str],
    event: Any = None,
    layers: Sequence[bytes] = (),
) -> tuple[Answer, str]:
    """Run the bundle once under awslambdaric; its answer and its output (stdout + stderr).
    ``layers``: layer zips, extracted in order into an ``/opt`` beside the task root (a
    later layer's file wins), whose ``python/lib/python3.X/site-packages`` and ``python/``
    follow the task root on the path, as Lambda's Python runtime puts them."""
    zipfile.ZipFile(io.BytesIO(bundle)).extractall(task_root)
    opt = task_root.parent / f"{task_root.name}-opt"
    for layer in layers:
        zipfile.ZipFile(io.BytesIO(layer)).extractall(opt)
    version = str(config["Runtime"]).removeprefix("python")
    path = [task_root] + (
        [opt / "python" / "lib" / f"python{version}" / "site-packages", opt / "python"]
        if layers
        else []
    )
    api = RuntimeApi().start()
    env = {
        **config.get("Environment", {}).get("Variables", {}),
        **aws_env,
        **lambda_variables(config, task_root),
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "PYTHONPATH": os.pathsep.join(map(str, path)),
        "PATH": os.environ.get("PATH", ""),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "awslambdaric", env["_HANDLER"]],
        cwd=task_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = int(time.time() * 1000) + int(config["Timeout"]) * 1000
        answer = api.invoke(
            Invocation(str(uuid.uuid4()), event or {}, config["FunctionArn"], deadline),
            timeout=60,
        )
    finally:
        proc.kill()
        output, _ = proc.communicate()
        api.close()
    return answer, output


def decoded(answer: Answer) -> Any:
    return json.loads(answer.body)
