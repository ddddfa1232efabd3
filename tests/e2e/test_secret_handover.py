"""Finding 7 of the security review: a local worker never gets access to the store. The host
reads the function's own secrets and hands them over a pipe; the worker's start environment
(``/proc/self/environ``, which ``os.environ.pop`` does not change) holds no store folder, no
master key and no inline values, and its cold start loads neither sqlite3 nor AES."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from skyfn import scope
from skyfn.host.environment import HostOptions, Overrides
from skyfn.host.supervisor import Host
from skyfn.project import find_project
from skyfn.synth.run import generate_env
from tests.support.cli import run_skyfn
from tests.support.env import clean_env
from tests.support.projects import make_project, resource
from tests.unit.host.conftest import Terminal

SPY = """\
import hashlib, os, sys

def handler(event, context):
    with open("/proc/self/environ", "rb") as f:
        raw = f.read().decode("utf-8", "replace")
    start = dict(item.split("=", 1) for item in raw.split("\\0") if "=" in item)
    reachable = [
        v for v in start.values()
        if os.path.isfile(os.path.join(v, "secrets.db"))
        or os.path.isfile(os.path.join(v, ".local", "share", "skyfn", "secrets.db"))
    ]
    return {
        "raw": raw,
        "names": sorted(start),
        "live": sorted(os.environ),
        "store_reachable": reachable,
        "token": hashlib.sha256(os.environ["TOKEN"].encode()).hexdigest(),
        "loaded": sorted(m for m in ("sqlite3", "cryptography") if m in sys.modules),
    }
"""
CANARY = "handover-canary-" + "q" * 24
STORE_NAMES = {"SKYFN_HOME", "SKYFN_MASTER_KEY", "SKYFN_INLINE_SECRETS", "HOME"}


def make_spy(root: Path) -> Path:
    return make_project(
        root, {"spy": resource('{"TOKEN": secret("SPY_TOKEN")}', name="spy")}, {"spy": SPY}
    )


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_a_handler_finds_no_way_into_the_local_store(tmp_path: Path) -> None:
    root = make_spy(tmp_path / "app")
    home = tmp_path / "store"
    key = base64.b64encode(os.urandom(32)).decode()
    env = clean_env(SKYFN_HOME=str(home), SKYFN_MASTER_KEY=key)
    done = run_skyfn("secret", "set", "SPY_TOKEN", stdin=CANARY, env=env, cwd=root)
    assert done.code == 0, done.err
    invoked = run_skyfn("invoke", "spy", env=env, cwd=root)
    assert invoked.code == 0, invoked.err
    seen = json.loads(invoked.out)
    assert seen["token"] == digest(CANARY)  # the handler has its own secret
    assert STORE_NAMES.isdisjoint(seen["names"]) and STORE_NAMES.isdisjoint(seen["live"])
    assert key not in seen["raw"] and str(home) not in seen["raw"] and CANARY not in seen["raw"]
    assert seen["store_reachable"] == []
    assert seen["loaded"] == []  # neither sqlite3 nor AES on the worker's cold start


def test_inline_secrets_reach_the_handler_but_not_its_environment(tmp_path: Path) -> None:
    root = make_spy(tmp_path / "app")
    model = generate_env(find_project(root), scope.sandbox("pytest"), "inline").model
    host = Host(model, HostOptions(), Terminal(), {})
    try:
        outcome = host.invoke_isolated("spy", {}, Overrides(secrets={"SPY_TOKEN": CANARY}))
    finally:
        host.close()
    assert not outcome.error, outcome.payload
    seen = outcome.result
    assert seen["token"] == digest(CANARY)
    assert CANARY not in seen["raw"] and STORE_NAMES.isdisjoint(seen["names"])


def test_a_missing_secret_still_stops_the_cold_start_with_the_same_message(
    tmp_path: Path,
) -> None:
    root = make_spy(tmp_path / "app")
    env = clean_env(SKYFN_HOME=str(tmp_path / "empty"))
    invoked = run_skyfn("invoke", "spy", "--identifier", "ann", env=env, cwd=root)
    assert invoked.code == 1
    assert (
        "secret SPY_TOKEN (environment TOKEN of function spy) is not set for sandbox ann in "
        "the local store (looked in: /skyfn/testapp/sandbox-ann/SPY_TOKEN, "
        "/skyfn/testapp/shared/SPY_TOKEN). Set it with: skyfn secret set SPY_TOKEN "
        "--identifier ann"
    ) in invoked.err
    assert "ColdStartError" in invoked.err
