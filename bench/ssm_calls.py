"""How many calls reach SSM for 25 and 100 secrets (a fifth only in ``shared``): skyfn's
batched reader against one GetParameter per secret."""

from __future__ import annotations

import math
import time
from typing import Any

from bench.common import APP, Goal, Row, alternate, find, put_parameters

CONTENDERS = {"skyfn": "skyfn", "naive": "naive: one GetParameter per secret"}
SIZES = (25, 100)


def bench_id(n: int) -> str:
    return f"ssm_calls_{n}"


def rows(repeat: int) -> list[Row]:
    import boto3

    client = boto3.client("ssm")  # created once: this row counts calls, not client start-up
    return [row for n in SIZES for row in rows_for(n, client, repeat)]


def rows_for(n: int, client: Any, repeat: int) -> list[Row]:
    from skyfn.runtime import secrets, ssm_reader

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
        results["skyfn"] = secrets.resolve(spec, reader, secrets.Wanted("bench", "ssm"))
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

    samples = alternate({"skyfn": skyfn, "naive": naive}, repeat)
    if results["skyfn"] != results["naive"] or len(results["skyfn"]) != n:
        raise SystemExit(f"bench: skyfn and naive disagree for {n} secrets")
    expected = math.ceil(n / 10) + math.ceil(fallbacks / 10)
    return [
        Row(
            bench_id(n),
            cid,
            f"calls to SSM for {n} secrets",
            CONTENDERS[cid],
            samples=s,
            baseline="naive",
            extra={"calls": calls[cid], "fallbacks": fallbacks, "expected_calls": expected},
        )
        for cid, s in samples.items()
    ]


def goals(rows: list[Row]) -> list[Goal]:
    out: list[Goal] = []
    for n in SIZES:
        row, naive = find(rows, bench_id(n), "skyfn"), find(rows, bench_id(n), "naive")
        if row and naive:
            got, want = row.extra["calls"], row.extra["expected_calls"]
            out.append(
                Goal(
                    row.bench_id,
                    row.benchmark,
                    f"⌈n/10⌉ + one round for {row.extra['fallbacks']} fallbacks = {want} calls",
                    f"{got} calls (naive: {naive.extra['calls']})",
                    got == want,
                )
            )
    return out
