"""A real ``moto_server`` process on a free loopback port, for every test that talks to AWS.

Use the ``aws`` fixture: it gives the environment (credentials, region, endpoint) that
boto3, skyfn's SSM clients and subprocesses need, sets it on this process for the test,
and resets moto's state so each test starts empty.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.env import aws_env
from tests.support.servers import free_port, moto_process


@dataclass(frozen=True)
class Aws:
    endpoint: str
    env: dict[str, str]  # what a process needs to reach moto with boto3 or skyfn


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_process(tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture()
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Aws:
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    env = aws_env(moto_server)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL_SSM", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Aws(endpoint=moto_server, env=env)


__all__ = ["Aws", "aws", "free_port", "moto_server"]
