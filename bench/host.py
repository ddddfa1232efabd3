"""Through ``skyfn sandbox``: warm invoke of a trivial handler beside its floor (issue 27:
``bench.http_floor``, an ``http.server`` answering 200 after one pipe round trip to a child),
p50 and requests per second with 8 client processes; and hot reload (edit the handler → the
next call runs the new code)."""

from __future__ import annotations

import contextlib
import importlib.util
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.common import PY, ROOT, SKYFN, Goal, Row, find, run_timed
from tests.support.env import clean_env
from tests.support.projects import PING_HANDLER, make_ping_project
from tests.support.sandbox import Invoker, running_sandbox

WARM = "warm_invoke"
WARM_TITLE = "warm invoke, trivial handler"
RPS = "warm_invoke_rps"
RPS_TITLE = "warm invoke throughput, 8 client processes"
CLIENTS = 8
PATH = "/2015-03-31/functions/ping/invocations"
RELOAD = "hot_reload"
RELOAD_TITLE = "hot reload: edit → next call runs new code"
CONTENDERS = {
    "skyfn": "skyfn sandbox HTTP API",
    "floor": "floor: http.server + 1 pipe round trip",
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


@contextlib.contextmanager
def floor_server() -> Iterator[int]:
    """``bench.http_floor``'s server in its own process (as the sandbox is); its port."""
    proc = subprocess.Popen(
        [PY, "-m", "bench.http_floor", "serve"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        yield int(proc.stdout.readline())
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def process_throughput(port: int, clients: int, per_client: int) -> float:
    """Requests per second of ``clients`` client processes (``bench.http_floor client``), each
    on its own kept-alive connection, started together after their warm-up."""
    args = [PY, "-m", "bench.http_floor", "client", str(port), PATH, str(per_client)]
    procs = [
        subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(clients)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit("bench: a throughput client failed to warm up")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        spans = []
        for proc in procs:
            out, _ = proc.communicate(timeout=300)
            start, end = (float(x) for x in out.split())
            spans.append((start, end))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    took = max(end for _, end in spans) - min(start for start, _ in spans)
    return clients * per_client / took


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
    with (
        running_sandbox(project, "--identifier", "bench", env=env, inherit_env=False) as box,
        floor_server() as floor_port,
    ):
        invoker = Invoker(box.port, "ping")
        floor = Invoker(floor_port, "ping")
        for _ in range(50):  # warm the worker and the connection
            invoker()
            floor()

        def batch(call: Callable[[], Any]) -> list[float]:
            out = []
            for _ in range(20):
                start = time.perf_counter()
                call()
                out.append((time.perf_counter() - start) * 1000)
            return out

        def in_process_call() -> float:
            start = time.perf_counter()
            for _ in range(1000):
                in_process({}, None)
            return time.perf_counter() - start  # ms per call: seconds for 1000 calls

        warm: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        for round_ in range(repeat):  # alternating, each first every other round
            for call, cid in [(invoker, "skyfn"), (floor, "floor")][:: 1 if round_ % 2 else -1]:
                warm[cid] += batch(call)
            warm["in_process"].append(in_process_call())
            warm["process"].append(run_timed([PY, "-c", SKYFN], process_env, folder, "pong"))
        floor.close()
        one_client = round(throughput(box.port, 1, 600))
        rps: dict[str, list[float]] = {"skyfn": [], "floor": []}
        for round_ in range(3):
            for cid, port in [("skyfn", box.port), ("floor", floor_port)][
                :: 1 if round_ % 2 else -1
            ]:
                rps[cid].append(process_throughput(port, CLIENTS, 150))
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
    extra = {
        "requests_per_s_1_client": one_client,
        "requests_per_s_8_clients": round(statistics.median(rps["skyfn"])),
    }
    return [
        *(
            Row(
                WARM,
                cid,
                WARM_TITLE,
                label,
                samples=warm[cid],
                baseline="floor" if cid != "floor" else None,
                extra=extra if cid == "skyfn" else {},
            )
            for cid, label in CONTENDERS.items()
        ),
        Row(RPS, "skyfn", RPS_TITLE, "skyfn sandbox HTTP API", "req/s", rps["skyfn"], "floor"),
        Row(RPS, "floor", RPS_TITLE, CONTENDERS["floor"], "req/s", rps["floor"]),
        Row(RELOAD, "skyfn", RELOAD_TITLE, "skyfn", samples=reload_samples),
    ]


def goals(rows: list[Row]) -> list[Goal]:
    out: list[Goal] = []
    hosted, floor = find(rows, WARM, "skyfn"), find(rows, WARM, "floor")
    if hosted and floor and hosted.samples and floor.samples:
        ratio = hosted.median / floor.median
        out.append(
            Goal(
                WARM,
                WARM_TITLE,
                "p50 ≤ 2 x the floor (http.server + 1 pipe round trip)",
                f"p50 {hosted.median:.2f} ms vs {floor.median:.2f} ms: {ratio:.2f} x "
                f"({hosted.extra['requests_per_s_1_client']} req/s at 1 client)",
                ratio <= 2,
            )
        )
    served, floor_rps = find(rows, RPS, "skyfn"), find(rows, RPS, "floor")
    if served and floor_rps and served.samples and floor_rps.samples:
        ratio = served.median / floor_rps.median
        out.append(
            Goal(
                RPS,
                RPS_TITLE,
                "≥ 0.5 x the floor's requests/s",
                f"{served.median:.0f} req/s vs {floor_rps.median:.0f}: {ratio:.2f} x",
                ratio >= 0.5,
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
