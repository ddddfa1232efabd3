"""Cold start to first result with 10 secrets in SSM: skyfn's runtime against boto3 (what
Amplify does), Powertools, and the floor of one raw HTTP round trip."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    APP,
    PY,
    SECRETS_HANDLER,
    SKYFN,
    Goal,
    Row,
    alternate,
    find,
    put_parameters,
    run_timed,
)
from tests.support.env import REGION, aws_env, clean_env

BENCH_ID = "cold_start_ssm"
TITLE = "cold start to first result, 10 secrets in SSM"
CONTENDERS = {
    "skyfn": "skyfn runtime",
    "boto3": "boto3 batched GetParameters (Amplify)",
    "powertools": "Powertools get_parameters_by_name",
    "floor": "floor: python -c pass + 1 raw HTTP round trip",
    "python": "python -c pass",
}

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


def rows(endpoint: str, work: Path, repeat: int) -> list[Row]:
    keys = {f"SECRET_{i}": f"{APP}/branch-main/S{i}" for i in range(10)}
    values = {path: f"value-{i}-" + "x" * (20 + i) for i, path in enumerate(keys.values())}
    put_parameters(values)
    expected = str(sum(len(v) for v in values.values()))
    (work / "bench_handler.py").write_text(SECRETS_HANDLER.format(keys=list(keys)))
    by_name = {path: key for key, path in keys.items()}
    spec = {key: [path, path.replace("branch-main", "shared")] for key, path in keys.items()}
    port = int(endpoint.rsplit(":", 1)[1])
    env = clean_env(**aws_env(endpoint, "bench", isolated=True), PYTHONPATH=str(work))
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
        "skyfn": lambda: run_timed([PY, "-c", SKYFN], skyfn_env, work, expected),
        "boto3": lambda: run_timed([PY, "-c", BOTO3.format(by_name=by_name)], env, work, expected),
        "powertools": lambda: run_timed(
            [PY, "-c", POWERTOOLS.format(by_name=by_name)], env, work, expected
        ),
        "floor": lambda: run_timed([PY, "-c", floor], env, work),
        "python": lambda: run_timed([PY, "-c", "pass"], env, work),
    }
    samples = alternate(contenders, repeat)
    return [
        Row(BENCH_ID, cid, TITLE, CONTENDERS[cid], samples=s, baseline="floor")
        for cid, s in samples.items()
    ]


def goals(rows: list[Row]) -> list[Goal]:
    sky, boto, floor = (find(rows, BENCH_ID, c) for c in ("skyfn", "boto3", "floor"))
    if not (sky and boto and floor):
        return []
    r_boto, r_floor = sky.median / boto.median, sky.median / floor.median
    return [
        Goal(BENCH_ID, TITLE, "skyfn ≤ 0.25 x boto3", f"{r_boto:.3f} x", r_boto <= 0.25),
        Goal(BENCH_ID, TITLE, "skyfn ≤ 1.5 x floor", f"{r_floor:.2f} x", r_floor <= 1.5),
    ]
