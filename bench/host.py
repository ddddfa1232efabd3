"""Through ``skyfn sandbox``: warm invoke of a trivial handler (and requests per second), and
hot reload (edit the handler → the next call runs the new code)."""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import PY, SKYFN, Goal, Row, find, run_timed
from tests.support.env import clean_env
from tests.support.projects import PING_HANDLER, make_ping_project
from tests.support.sandbox import Invoker, running_sandbox

WARM = "warm_invoke"
WARM_TITLE = "warm invoke, trivial handler"
RELOAD = "hot_reload"
RELOAD_TITLE = "hot reload: edit → next call runs new code"
CONTENDERS = {
    "skyfn": "skyfn sandbox HTTP API",
    "in_process": "handler in-process (floor)",
    "process": "new process per invocation",
}


def throughput(port: int, clients: int, per_client: int) -> float:
    """Requests per second with ``clients`` threads, each on its own connection."""

    def client() -> None:
        invoker = Invoker(port, "ping")
        for _ in range(per_client):
            invoker()
        invoker.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients * per_client / (time.perf_counter() - start)


def load_handler(path: Path) -> Callable[[Any, Any], Any]:
    spec = importlib.util.spec_from_file_location("bench_ping_handler", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Callable[[Any, Any], Any] = module.handler
    return handler


def rows(work: Path, repeat: int) -> list[Row]:
    project = work / "hosted"
    folder = make_ping_project(project)
    env = clean_env(SKYFN_HOME=str(work / "home-host"))
    in_process = load_handler(folder / "handler.py")
    process_env = {
        **env,
        "PYTHONPATH": str(folder),
        "AWS_LAMBDA_FUNCTION_NAME": "ping",
        "SKYFN_HANDLER": "handler.handler",
    }
    with running_sandbox(project, "--identifier", "bench", env=env, inherit_env=False) as box:
        invoker = Invoker(box.port, "ping")
        for _ in range(50):  # warm the worker and the connection
            invoker()

        def sandbox_batch() -> list[float]:
            out = []
            for _ in range(20):
                start = time.perf_counter()
                invoker()
                out.append((time.perf_counter() - start) * 1000)
            return out

        def in_process_call() -> float:
            start = time.perf_counter()
            for _ in range(1000):
                in_process({}, None)
            return time.perf_counter() - start  # ms per call: seconds for 1000 calls

        warm: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        for _ in range(repeat):
            warm["skyfn"] += sandbox_batch()
            warm["in_process"].append(in_process_call())
            warm["process"].append(run_timed([PY, "-c", SKYFN], process_env, folder, "pong"))
        rps = {n: round(throughput(box.port, n, 300 // n * 2)) for n in (1, 8)}
        reload_samples = []
        for i in range(max(3, repeat // 3)):
            # Each edit changes the file's size, so every edit is seen as one by any tool.
            reply = f"v{i}" + "!" * i
            (folder / "handler.py").write_text(PING_HANDLER.format(reply=reply))
            start = time.perf_counter()
            while invoker() != reply:
                if time.perf_counter() - start > 30:
                    raise SystemExit("bench: the sandbox did not reload an edited handler")
                time.sleep(0.005)
            reload_samples.append((time.perf_counter() - start) * 1000)
        invoker.close()
    extra = {"requests_per_s_1_client": rps[1], "requests_per_s_8_clients": rps[8]}
    return [
        *(
            Row(
                WARM,
                cid,
                WARM_TITLE,
                label,
                samples=warm[cid],
                baseline="in_process",
                extra=extra if cid == "skyfn" else {},
            )
            for cid, label in CONTENDERS.items()
        ),
        Row(RELOAD, "skyfn", RELOAD_TITLE, "skyfn", samples=reload_samples),
    ]


def goals(rows: list[Row]) -> list[Goal]:
    out: list[Goal] = []
    hosted, process = find(rows, WARM, "skyfn"), find(rows, WARM, "process")
    if hosted and process and hosted.samples:
        speedup = process.median / hosted.median
        rps = hosted.extra
        out.append(
            Goal(
                WARM,
                WARM_TITLE,
                "p50 ≤ 2 ms, ≥ 50 x faster than a process per invocation",
                f"p50 {hosted.median:.2f} ms, {speedup:.0f} x faster; "
                f"{rps['requests_per_s_1_client']} req/s at 1 client, "
                f"{rps['requests_per_s_8_clients']} at 8",
                hosted.median <= 2 and speedup >= 50,
            )
        )
    reload = find(rows, RELOAD, "skyfn")
    if reload and reload.samples:
        out.append(
            Goal(
                RELOAD,
                RELOAD_TITLE,
                "≤ 1 s",
                f"{reload.median / 1000:.2f} s",
                reload.median <= 1000,
            )
        )
    return out
