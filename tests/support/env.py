"""Process environments: this one without skyfn's or AWS's variables, and one for moto."""

from __future__ import annotations

import os

REGION = "us-east-1"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without skyfn's or AWS's variables, plus ``extra``."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SKYFN_", "AWS_", "_HANDLER", "PYTHON"))
    }
    return {**keep, **extra}


def aws_env(
    endpoint: str, credential: str = "testing", *, isolated: bool = False
) -> dict[str, str]:
    """What boto3, skyfn's SSM clients and subprocesses need to reach a moto server.

    ``isolated`` also points the AWS config and credentials files at nothing, so the
    developer's own profiles cannot leak in.
    """
    env = {
        "AWS_ACCESS_KEY_ID": credential,
        "AWS_SECRET_ACCESS_KEY": credential,
        "AWS_SESSION_TOKEN": f"{credential}-session",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
    }
    if isolated:
        env["AWS_CONFIG_FILE"] = os.devnull
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env
