"""skyfn's benchmark suite (issue 6): every comparison side by side, in one run.

    make bench            # or: .venv/bin/python bench/run.py [--repeat N] [--quick]

The machine is noisy, so contenders of a benchmark run alternately (rotating the order),
each several times, and the table reports medians and p95 with the ratio to the row's
baseline. The same table is written to bench/results/latest.json. The script starts and
stops its own moto_server; nothing is left running. Benchmarks are not tests: the goals are
checked here and reported, never asserted in pytest.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the server helpers the tests use too

from tests.support.servers import free_port, moto_process  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "latest.json"  # and latest.md beside it
PY = sys.executable
APP = "/skyfn/benchapp"
REGION = "us-east-1"


# --- measuring ------------------------------------------------------------------------


@dataclass
class Row:
    benchmark: str
    contender: str
    unit: str = "ms"
    samples: list[float] = field(default_factory=list)
    baseline: str | None = None  # the contender of the same benchmark this is compared to
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        if not self.samples:
            return math.nan
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Goal:
    benchmark: str
    goal: str
    measured: str
    met: bool


def alternate(contenders: dict[str, Callable[[], float]], repeat: int) -> dict[str, list[float]]:
    """Run each contender ``repeat`` times, interleaved, rotating who goes first."""
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(contenders[name]())
    return samples


def run_timed(args: list[str], env: dict[str, str], cwd: Path, expect: str | None = None) -> float:
    """Milliseconds for a fresh process to run ``args``; checks what it printed."""
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args[:3])} failed:\n{proc.stderr[-3000:]}")
    if expect is not None and proc.stdout.strip() != expect:
        raise SystemExit(f"bench: expected {expect!r}, got {proc.stdout.strip()!r}")
    return elapsed


# --- AWS (moto_server from tests/servers.py) ---------------------------------------------


def aws_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench-session",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without skyfn's or AWS's variables, plus ``extra``."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SKYFN_", "AWS_", "_HANDLER", "PYTHON"))
    }
    return {**keep, **extra}


def put_parameters(values: dict[str, str]) -> None:
    import boto3

    ssm = boto3.client("ssm")
    for name, value in values.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


# --- 1. cold start to first result, 10 secrets in SSM ------------------------------------

HANDLER = """\
import os
KEYS = {keys!r}
def handler(event, context):
    return sum(len(os.environ[k]) for k in KEYS)
"""

BOTO3 = """\
import os, boto3
by_name = {by_name!r}
reply = boto3.client("ssm").get_parameters(Names=list(by_name), WithDecryption=True)
os.environ.update({{by_name[p["Name"]]: p["Value"] for p in reply["Parameters"]}})
import bench_handler
print(bench_handler.handler({{}}, None))
"""

POWERTOOLS = """\
import os
from aws_lambda_powertools.utilities.parameters import get_parameters_by_name
by_name = {by_name!r}
values = get_parameters_by_name({{n: {{}} for n in by_name}}, decrypt=True)
os.environ.update({{by_name[n]: v for n, v in values.items()}})
import bench_handler
print(bench_handler.handler({{}}, None))
"""

FLOOR = """\
import socket
s = socket.create_connection(("127.0.0.1", {port}))
s.sendall({request!r})
while s.recv(65536):
    pass
"""

SKYFN = "import skyfn.runtime.bootstrap as b\nprint(b.handler({}, None))"


def raw_get_parameters(endpoint: str, names: list[str]) -> bytes:
    """The same GetParameters request, signed once here, for the floor to replay."""
    from skyfn.runtime.sigv4 import Credentials, amz_date, sign

    host = endpoint.removeprefix("http://")
    body = json.dumps({"Names": names, "WithDecryption": True}).encode()
    headers = sign(
        method="POST",
        host=host,
        path="/",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonSSM.GetParameters",
        },
        body=body,
        credentials=Credentials("bench", "bench", "bench-session"),
        region=REGION,
        service="ssm",
        timestamp=amz_date(),
    )
    headers["Content-Length"] = str(len(body))
    headers["Connection"] = "close"
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"POST / HTTP/1.1\r\n{head}\r\n".encode() + body


def cold_start_ssm(endpoint: str, work: Path, repeat: int) -> list[Row]:
    bench = "cold start to first result, 10 secrets in SSM"
    keys = {f"SECRET_{i}": f"{APP}/branch-main/S{i}" for i in range(10)}
    values = {path: f"value-{i}-" + "x" * (20 + i) for i, path in enumerate(keys.values())}
    put_parameters(values)
    expected = str(sum(len(v) for v in values.values()))
    (work / "bench_handler.py").write_text(HANDLER.format(keys=list(keys)))
    by_name = {path: key for key, path in keys.items()}
    spec = {key: [path, path.replace("branch-main", "shared")] for key, path in keys.items()}
    port = int(endpoint.rsplit(":", 1)[1])
    env = clean_env(**aws_env(endpoint), PYTHONPATH=str(work))
    skyfn_env = {
        **env,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "SKYFN_HANDLER": "bench_handler.handler",
        "SKYFN_SECRETS": json.dumps(spec),
        "SKYFN_SECRET_STORE": "ssm",
        "SKYFN_FUNCTION": "bench",
    }
    floor = FLOOR.format(port=port, request=raw_get_parameters(endpoint, list(by_name)))
    contenders: dict[str, Callable[[], float]] = {
        "skyfn runtime": lambda: run_timed([PY, "-c", SKYFN], skyfn_env, work, expected),
        "boto3 batched GetParameters (Amplify)": lambda: run_timed(
            [PY, "-c", BOTO3.format(by_name=by_name)], env, work, expected
        ),
        "Powertools get_parameters_by_name": lambda: run_timed(
            [PY, "-c", POWERTOOLS.format(by_name=by_name)], env, work, expected
        ),
        "floor: python -c pass + 1 raw HTTP round trip": lambda: run_timed(
            [PY, "-c", floor], env, work
        ),
        "python -c pass": lambda: run_timed([PY, "-c", "pass"], env, work),
    }
    floor_name = "floor: python -c pass + 1 raw HTTP round trip"
    samples = alternate(contenders, repeat)
    return [Row(bench, name, samples=s, baseline=floor_name) for name, s in samples.items()]


# --- 2. cold start, 10 secrets, local store ----------------------------------------------


def cold_start_local(work: Path, repeat: int) -> list[Row]:
    bench = "cold start, 10 secrets, local store"
    project, home = work / "local", work / "home"
    make_ping_project(project)
    env = clean_env(SKYFN_HOME=str(home), PYTHONPATH=str(work))
    keys = {f"SECRET_{i}": f"S{i}" for i in range(10)}
    values = {name: f"local-{i}-" + "y" * (20 + i) for i, name in enumerate(keys.values())}
    for name, value in values.items():  # through the CLI, as a developer would
        proc = subprocess.run(
            [PY, "-m", "skyfn", "secret", "set", name, "--branch", "main"],
            input=value,
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise SystemExit(f"bench: skyfn secret set failed:\n{proc.stderr[-2000:]}")
    (work / "bench_local_handler.py").write_text(HANDLER.format(keys=list(keys)))
    spec = {
        k: [f"/skyfn/bench/branch-main/{n}", f"/skyfn/bench/shared/{n}"] for k, n in keys.items()
    }
    skyfn_env = {
        **env,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "SKYFN_HANDLER": "bench_local_handler.handler",
        "SKYFN_SECRETS": json.dumps(spec),
        "SKYFN_SECRET_STORE": "local",
        "SKYFN_FUNCTION": "bench",
    }
    expected = str(sum(len(v) for v in values.values()))
    samples = alternate(
        {
            "skyfn": lambda: run_timed([PY, "-c", SKYFN], skyfn_env, work, expected),
            "floor: python -c pass": lambda: run_timed([PY, "-c", "pass"], env, work),
        },
        repeat,
    )
    return [Row(bench, n, samples=s, baseline="floor: python -c pass") for n, s in samples.items()]


# --- 3. calls to SSM for 25 / 100 secrets ------------------------------------------------


def ssm_calls(repeat: int) -> list[Row]:
    import boto3

    client = boto3.client("ssm")  # created once: this row counts calls, not client start-up
    return [row for n in (25, 100) for row in ssm_calls_for(n, client, repeat)]


def ssm_calls_for(n: int, client: Any, repeat: int) -> list[Row]:
    from skyfn.runtime import secrets, ssm_reader

    bench = f"calls to SSM for {n} secrets"
    scoped, shared = f"{APP}/calls{n}/branch-main", f"{APP}/calls{n}/shared"
    fallbacks = n // 5  # a fifth exist only in shared
    spec = {f"K{i}": [f"{scoped}/S{i}", f"{shared}/S{i}"] for i in range(n)}
    put_parameters({f"{scoped}/S{i}": f"b{i}" for i in range(n - fallbacks)})
    put_parameters({f"{shared}/S{i}": f"s{i}" for i in range(n - fallbacks, n)})
    calls: dict[str, int] = {}
    results: dict[str, dict[str, str]] = {}

    def skyfn() -> float:
        reader = ssm_reader.open_reader()
        start = time.perf_counter()
        results["skyfn"] = secrets.resolve(spec, reader, "bench", "ssm")
        elapsed = (time.perf_counter() - start) * 1000
        calls["skyfn"] = reader.requests
        return elapsed

    def naive() -> float:
        count, values = 0, {}
        start = time.perf_counter()
        for key, paths in spec.items():
            for path in paths:
                count += 1
                try:
                    reply = client.get_parameter(Name=path, WithDecryption=True)
                except client.exceptions.ParameterNotFound:
                    continue
                values[key] = reply["Parameter"]["Value"]
                break
        elapsed = (time.perf_counter() - start) * 1000
        calls["naive"], results["naive"] = count, values
        return elapsed

    samples = alternate({"skyfn": skyfn, "naive: one GetParameter per secret": naive}, repeat)
    if results["skyfn"] != results["naive"] or len(results["skyfn"]) != n:
        raise SystemExit(f"bench: skyfn and naive disagree for {n} secrets")
    expected = math.ceil(n / 10) + math.ceil(fallbacks / 10)
    return [
        Row(
            bench,
            name,
            samples=s,
            baseline="naive: one GetParameter per secret",
            extra={"calls": calls[key], "fallbacks": fallbacks, "expected_calls": expected},
        )
        for (name, s), key in zip(samples.items(), ("skyfn", "naive"), strict=True)
    ]


# --- 4. warm invoke, 6. hot reload (through `skyfn sandbox`) ------------------------------

WARM = "warm invoke, trivial handler"
RELOAD = "hot reload: edit → next call runs new code"
PING_RESOURCE = 'from skyfn import define_function\nfn = define_function(name="ping")\n'
PING_HANDLER = "def handler(event, context):\n    return {reply!r}\n"


def make_ping_project(project: Path) -> Path:
    """A project (app id ``bench``) with one function, ``ping``; returns its folder."""
    folder = project / "backend" / "functions" / "ping"
    folder.mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.skyfn]\napp_id = "bench"\n')
    (project / "backend" / "backend.py").write_text(
        "from skyfn import define_backend\n"
        "from functions.ping.resource import fn\n"
        "backend = define_backend(fn)\n"
    )
    (folder / "resource.py").write_text(PING_RESOURCE)
    (folder / "handler.py").write_text(PING_HANDLER.format(reply="pong"))
    return folder


class Invoker:
    """A kept-alive HTTP connection to the sandbox's Invoke API."""

    def __init__(self, port: int, function: str) -> None:
        import http.client

        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path = f"/2015-03-31/functions/{function}/invocations"

    def __call__(self) -> Any:
        self.connection.request("POST", self.path, b"{}", {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"bench: invoke returned {response.status}: {body[:300]!r}")
        return json.loads(body)

    def close(self) -> None:
        self.connection.close()


@contextmanager
def sandbox(project: Path, env: dict[str, str]) -> Iterator[int]:
    import signal

    port = free_port()
    log = (project / "sandbox.log").open("wb")
    proc = subprocess.Popen(
        [PY, "-m", "skyfn", "sandbox", "--port", str(port), "--identifier", "bench"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                invoker = Invoker(port, "ping")
                invoker()
                invoker.close()
                break
            except (OSError, SystemExit):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (project / "sandbox.log").read_text(errors="replace")[-2000:]
                    raise SystemExit(f"bench: skyfn sandbox did not start:\n{tail}") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def throughput(port: int, clients: int, per_client: int) -> float:
    """Requests per second with ``clients`` threads, each on its own connection."""
    import threading

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


def host_rows(work: Path, repeat: int) -> list[Row]:
    project = work / "hosted"
    folder = make_ping_project(project)
    env = clean_env(SKYFN_HOME=str(work / "home-host"))
    spec = importlib.util.spec_from_file_location("bench_ping_handler", folder / "handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    in_process: Callable[[Any, Any], Any] = module.handler
    process_env = {
        **env,
        "PYTHONPATH": str(folder),
        "AWS_LAMBDA_FUNCTION_NAME": "ping",
        "SKYFN_HANDLER": "handler.handler",
    }
    with sandbox(project, env) as port:
        invoker = Invoker(port, "ping")
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

        warm: dict[str, list[float]] = {name: [] for name in ("sandbox", "inproc", "process")}
        for _ in range(repeat):
            warm["sandbox"] += sandbox_batch()
            warm["inproc"].append(in_process_call())
            warm["process"].append(
                run_timed(
                    [PY, "-c", SKYFN],
                    process_env,
                    folder,
                    expect="pong",
                )
            )
        rps = {n: round(throughput(port, n, 300 // n * 2)) for n in (1, 8)}
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
    floor = "handler in-process (floor)"
    return [
        Row(
            WARM,
            "skyfn sandbox HTTP API",
            samples=warm["sandbox"],
            baseline=floor,
            extra={"requests_per_s_1_client": rps[1], "requests_per_s_8_clients": rps[8]},
        ),
        Row(WARM, floor, samples=warm["inproc"], baseline=floor),
        Row(WARM, "new process per invocation", samples=warm["process"], baseline=floor),
        Row(RELOAD, "skyfn", samples=reload_samples),
    ]


# --- 5. synth + env generation, 500 functions x 10 variables -----------------------------

RESOURCE = """\
from skyfn import define_function
fn = define_function(
    environment={{
        "NAME": "fn-{i}",
        "ENDPOINT": "https://api.example.com/{i}",
        "MAX_ITEMS": {i},
        "RATIO": 0.5,
        "ENABLED": True,
        "REGION_NAME": "eu-west-1",
        "TABLE": "table-{i}",
        "RETRIES": 3,
        "DEBUG": False,
        "QUEUE_URL": "https://sqs.example.com/{i}",
    }},
)
"""


def make_big_project(root: Path, functions: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[tool.skyfn]\napp_id = "bench"\n')
    imports = []
    for i in range(functions):
        folder = root / "backend" / "functions" / f"fn_{i:03}"
        folder.mkdir(parents=True)
        (folder / "resource.py").write_text(RESOURCE.format(i=i))
        (folder / "handler.py").write_text("def handler(event, context):\n    return 1\n")
        imports.append(f"from functions.fn_{i:03}.resource import fn as fn_{i}")
    names = ", ".join(f"fn_{i}" for i in range(functions))
    backend = "\n".join(["from skyfn import define_backend", *imports, ""])
    (root / "backend" / "backend.py").write_text(f"{backend}backend = define_backend({names})\n")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """path → (inode, mtime): a rewrite (even atomic, same bytes) changes one of them."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def synth_rows(work: Path, repeat: int) -> list[Row]:
    bench = "synth + env generation, 500 functions x 10 variables"
    project = work / "big"
    make_big_project(project, 500)
    env = clean_env(SKYFN_HOME=str(work / "home-synth"))
    synth = [PY, "-m", "skyfn", "synth"]
    output = project / ".skyfn"
    rewritten: list[int] = []

    def cold() -> float:
        # Nothing cached: no outputs and no bytecode of the 500 resource files.
        shutil.rmtree(output, ignore_errors=True)
        for cache in (project / "backend").rglob("__pycache__"):
            shutil.rmtree(cache)
        return run_timed(synth, env, project)

    def noop() -> float:
        if not output.exists():
            run_timed(synth, env, project)
        before = snapshot(output)
        elapsed = run_timed(synth, env, project)
        after = snapshot(output)
        rewritten.append(sum(1 for k, v in after.items() if before.get(k) != v))
        return elapsed

    samples = alternate({"cold (no outputs yet)": cold, "no-op re-synth": noop}, repeat)
    files = len(snapshot(output))
    return [
        Row(bench, "cold (no outputs, no bytecode)", samples=samples["cold (no outputs yet)"]),
        Row(
            bench,
            "no-op re-synth",
            samples=samples["no-op re-synth"],
            extra={"files": files, "files_rewritten": max(rewritten)},
        ),
    ]


# --- report -------------------------------------------------------------------------------


def find(rows: list[Row], bench: str, contender: str) -> Row | None:
    return next((r for r in rows if r.benchmark == bench and r.contender == contender), None)


def ratio(rows: list[Row], row: Row) -> float | None:
    base = find(rows, row.benchmark, row.baseline) if row.baseline else None
    if base is None or not base.samples or not row.samples:
        return None
    return row.median / base.median


def goals(rows: list[Row]) -> list[Goal]:
    out: list[Goal] = []
    cold = "cold start to first result, 10 secrets in SSM"
    sky, boto, floor = (
        find(rows, cold, "skyfn runtime"),
        find(rows, cold, "boto3 batched GetParameters (Amplify)"),
        find(rows, cold, "floor: python -c pass + 1 raw HTTP round trip"),
    )
    if sky and boto and floor:
        r_boto, r_floor = sky.median / boto.median, sky.median / floor.median
        out.append(Goal(cold, "skyfn ≤ 0.25 x boto3", f"{r_boto:.3f} x", r_boto <= 0.25))
        out.append(Goal(cold, "skyfn ≤ 1.5 x floor", f"{r_floor:.2f} x", r_floor <= 1.5))
    local = find(rows, "cold start, 10 secrets, local store", "skyfn")
    local_floor = find(rows, "cold start, 10 secrets, local store", "floor: python -c pass")
    if local and local_floor:
        r_local = local.median / local_floor.median
        out.append(Goal(local.benchmark, "skyfn ≤ 2 x floor", f"{r_local:.2f} x", r_local <= 2))
    for n in (25, 100):
        row = find(rows, f"calls to SSM for {n} secrets", "skyfn")
        naive = find(rows, f"calls to SSM for {n} secrets", "naive: one GetParameter per secret")
        if row and naive:
            got, want = row.extra["calls"], row.extra["expected_calls"]
            out.append(
                Goal(
                    row.benchmark,
                    f"⌈n/10⌉ + one round for {row.extra['fallbacks']} fallbacks = {want} calls",
                    f"{got} calls (naive: {naive.extra['calls']})",
                    got == want,
                )
            )
    synth = "synth + env generation, 500 functions x 10 variables"
    cold_synth = find(rows, synth, "cold (no outputs, no bytecode)")
    noop = find(rows, synth, "no-op re-synth")
    if cold_synth and noop:
        out.append(
            Goal(
                synth, "cold ≤ 2 s", f"{cold_synth.median / 1000:.2f} s", cold_synth.median <= 2000
            )
        )
        rewritten = noop.extra["files_rewritten"]
        out.append(
            Goal(
                synth,
                "no-op ≤ 0.5 s, no file rewritten",
                f"{noop.median / 1000:.2f} s, {rewritten} of {noop.extra['files']} rewritten",
                noop.median <= 500 and rewritten == 0,
            )
        )
    hosted = find(rows, WARM, "skyfn sandbox HTTP API")
    process = find(rows, WARM, "new process per invocation")
    if hosted and process and hosted.samples:
        speedup = process.median / hosted.median
        rps = hosted.extra
        out.append(
            Goal(
                WARM,
                "p50 ≤ 2 ms, ≥ 50 x faster than a process per invocation",
                f"p50 {hosted.median:.2f} ms, {speedup:.0f} x faster; "
                f"{rps['requests_per_s_1_client']} req/s at 1 client, "
                f"{rps['requests_per_s_8_clients']} at 8",
                hosted.median <= 2 and speedup >= 50,
            )
        )
    reload = find(rows, RELOAD, "skyfn")
    if reload and reload.samples:
        out.append(Goal(RELOAD, "≤ 1 s", f"{reload.median / 1000:.2f} s", reload.median <= 1000))
    return out


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    if value < 1:
        return f"{value:.4f}{unit}" if value < 0.01 else f"{value:.2f}{unit}"
    return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"


def table(rows: list[Row], goal_list: list[Goal]) -> str:
    lines = [
        f"{'benchmark':<54} {'contender':<46} {'median':>9} {'p95':>9} {'x base':>7}  n",
        "-" * 134,
    ]
    last = ""
    for row in rows:
        bench = row.benchmark if row.benchmark != last else ""
        last = row.benchmark
        r = ratio(rows, row)
        extra = f"  calls={row.extra['calls']}" if "calls" in row.extra else ""
        if "requests_per_s_1_client" in row.extra:
            extra = (
                f"  {row.extra['requests_per_s_1_client']} req/s (1 client), "
                f"{row.extra['requests_per_s_8_clients']} (8)"
            )
        lines.append(
            f"{bench:<54} {row.contender:<46} {fmt(row.median, ' ms'):>9} "
            f"{fmt(row.p95, ' ms'):>9} {fmt(r) if r is not None else '—':>7}  "
            f"{len(row.samples)}{extra}"
        )
    lines += ["", "goals:"]
    for goal in goal_list:
        mark = "met" if goal.met else "MISSED"
        lines.append(f"  [{mark:^7}] {goal.benchmark}: {goal.goal} — {goal.measured}")
    return "\n".join(lines)


def markdown(rows: list[Row], goal_list: list[Goal], about: dict[str, Any], when: str) -> str:
    """The same table for the README."""
    lines = [
        f"Measured {when} on {about['cpu']}, {about['cores']} cores, Python {about['python']} "
        f"(load average {about['load_average'][0]:.1f}); medians of alternating runs.",
        "",
        "| benchmark | contender | median | p95 | x baseline | runs |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        r = ratio(rows, row)
        calls = f" ({row.extra['calls']} calls)" if "calls" in row.extra else ""
        lines.append(
            f"| {row.benchmark} | {row.contender}{calls} | {fmt(row.median, ' ms')} | "
            f"{fmt(row.p95, ' ms')} | {fmt(r) if r is not None else '—'} | {len(row.samples)} |"
        )
    lines += ["", "| goal | measured | |", "| --- | --- | --- |"]
    for goal in goal_list:
        mark = "met" if goal.met else "missed"
        lines.append(f"| {goal.benchmark}: {goal.goal} | {goal.measured} | {mark} |")
    return "\n".join(lines) + "\n"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per cold-start contender")
    parser.add_argument("--quick", action="store_true", help="few repeats, to try the script")
    options = parser.parse_args()
    repeat = 3 if options.quick else options.repeat
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="skyfn-bench-") as tmp:
        work = Path(tmp)
        with moto_process(work / "moto.log") as endpoint:
            os.environ.update(aws_env(endpoint))
            print(f"moto_server at {endpoint}; {repeat} rounds per cold-start benchmark")
            rows += cold_start_ssm(endpoint, work, repeat)
            rows += cold_start_local(work, repeat)
            rows += ssm_calls(max(3, repeat // 2))
        rows += host_rows(work, repeat)
        rows += synth_rows(work, max(3, repeat // 3))
    goal_list = goals(rows)
    duration = time.perf_counter() - started
    print(table(rows, goal_list))
    print(f"\nwhole run: {duration:.0f} s on {machine()['cores']} cores")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    about, when = machine(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    document = {
        "machine": about,
        "measured_at": when,
        "duration_s": round(duration, 1),
        "rows": [
            {
                **{k: v for k, v in asdict(row).items() if k != "samples"},
                "median_ms": round(row.median, 2),
                "p95_ms": round(row.p95, 2),
                "ratio_to_baseline": (None if (r := ratio(rows, row)) is None else round(r, 3)),
                "samples_ms": [round(s, 2) for s in row.samples],
            }
            for row in rows
        ],
        "goals": [asdict(g) for g in goal_list],
    }
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    RESULTS.with_suffix(".md").write_text(markdown(rows, goal_list, about, when))
    print(f"wrote {RESULTS.relative_to(ROOT)} and latest.md (paste it into README.md)")


if __name__ == "__main__":
    main()
