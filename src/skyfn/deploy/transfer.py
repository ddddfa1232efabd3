"""Objects to the staging bucket in parallel: bundles, and the templates of nested parts.

A bounded pool of threads (boto3 clients are thread-safe; ``WORKERS`` stays under botocore's
10 pooled connections) first asks S3 which objects it already holds with the same SHA-256
checksum (see staging.py), then uploads only the others, saying "uploaded k of n" as each
one lands. Objects are told apart by key; the same key twice (two functions with the same
bundle) is one object. The first failure stops what has not started, and is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Protocol, TypeVar

from skyfn.deploy.staging import StagingBucket

WORKERS = 8


class Staged(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def data(self) -> bytes: ...


T = TypeVar("T", bound=Staged)
R = TypeVar("R")
Say = Callable[[str], None]


def unique(objects: Sequence[T]) -> list[T]:
    """One object per key, in the order first seen."""
    seen: dict[str, T] = {}
    for item in objects:
        seen.setdefault(item.key, item)
    return list(seen.values())


def _run(work: Callable[[T], R], objects: Sequence[T], workers: int) -> list[tuple[T, R]]:
    """``work`` on every object in a pool; results in the objects' order."""
    if not objects:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(objects)))) as pool:
        futures: list[Future[R]] = [pool.submit(work, item) for item in objects]
        try:
            for future in as_completed(futures):
                future.result()
        except BaseException:
            for other in futures:
                other.cancel()
            raise
        return [(item, future.result()) for item, future in zip(objects, futures, strict=True)]


def missing(bucket: StagingBucket, objects: Sequence[T], workers: int = WORKERS) -> list[T]:
    """The objects the bucket does not hold with the same checksum (one per key). Which keys
    exist is listed first (one call per folder and thousand keys); only those are asked
    for their checksum."""
    todo = unique(objects)
    folders = sorted({_folder(item.key) for item in todo})
    existing: set[str] = set().union(*(bucket.keys(folder) for folder in folders))
    present = [item for item in todo if item.key in existing]
    held = _run(lambda item: bucket.holds(item.key, item.data), present, workers)
    same = {item.key for item, yes in held if yes}
    return [item for item in todo if item.key not in same]


def _folder(key: str) -> str:
    folder = key.rpartition("/")[0]
    return f"{folder}/" if folder else ""


def upload(
    bucket: StagingBucket,
    objects: Sequence[T],
    say: Say,
    describe: Callable[[T], str] = lambda item: f"{item.key} ({len(item.data)} bytes)",
    workers: int = WORKERS,
) -> None:
    """Upload every object (one per key), saying "uploaded k of n: <describe(object)>" as
    each one lands."""
    todo = unique(objects)
    lock = threading.Lock()
    done = 0

    def put(item: T) -> None:
        nonlocal done
        bucket.put(item.key, item.data)
        with lock:
            done += 1
            say(f"uploaded {done} of {len(todo)}: {describe(item)}")

    _run(put, todo, workers)
