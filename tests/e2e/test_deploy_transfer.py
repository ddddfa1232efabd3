"""Uploads to the staging bucket at scale, against a real moto_server: in parallel, each
object once, the ones S3 already holds (same checksum) not again, progress k of n."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from skyfn.deploy import transfer
from skyfn.deploy.staging import StagingBucket
from tests.support.aws import Aws

ACCOUNT = "123456789012"  # moto's default account


@dataclass(frozen=True)
class Blob:
    key: str
    data: bytes


@pytest.fixture()
def bucket(aws: Aws) -> StagingBucket:
    staging = StagingBucket(boto3.client("s3"), "skyfn-transfer-test", ACCOUNT, "us-east-1")
    staging.create()
    return staging


def count_calls(bucket: StagingBucket) -> Counter[str]:
    """The S3 calls the bucket's client makes from now on, by operation (botocore's hook)."""
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    bucket.s3.meta.events.register("before-call.s3", count)
    return calls


def test_only_missing_or_changed_objects_are_uploaded(bucket: StagingBucket) -> None:
    blobs = [Blob(f"b/{i}.zip", f"bundle {i}".encode()) for i in range(60)]
    lines: list[str] = []
    calls = count_calls(bucket)
    transfer.upload(bucket, transfer.missing(bucket, blobs), lines.append)
    # Into an empty folder: one listing, no checksum asked, one upload each.
    assert calls == {"ListObjectsV2": 1, "PutObject": 60}
    assert len(lines) == 60
    assert lines[-1].startswith("uploaded 60 of 60: b/")
    assert sorted(int(line.split()[1]) for line in lines) == list(range(1, 61))
    # Nothing again, but the one whose content changed (and a new one).
    blobs[7] = Blob("b/7.zip", b"changed")
    todo = transfer.missing(bucket, [*blobs, Blob("b/new.zip", b"new")])
    assert [b.key for b in todo] == ["b/7.zip", "b/new.zip"]
    assert transfer.missing(bucket, blobs[:7]) == []
    # An object under the key with other content (planted, or cut short) is uploaded again.
    bucket.s3.put_object(Bucket=bucket.name, Key="b/3.zip", Body=b"planted")
    assert [b.key for b in transfer.missing(bucket, blobs[:7])] == ["b/3.zip"]


def test_uploads_run_in_parallel_and_once_per_key(bucket: StagingBucket) -> None:
    active, peak, keys = 0, 0, []
    lock = threading.Lock()
    put = bucket.put

    def counting_put(key: str, data: bytes) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            keys.append(key)
        try:
            put(key, data)
        finally:
            with lock:
                active -= 1

    bucket.put = counting_put  # type: ignore[method-assign]
    same = Blob("shared.zip", b"identical bundle")
    blobs = [same, *(Blob(f"k{i}", bytes(20_000)) for i in range(40)), same]
    transfer.upload(bucket, blobs, lambda line: None)
    assert sorted(keys) == sorted({b.key for b in blobs})
    assert 1 < peak <= transfer.WORKERS


def test_the_first_failure_is_raised(bucket: StagingBucket) -> None:
    broken = StagingBucket(bucket.s3, "no-such-bucket-here", ACCOUNT, "us-east-1")
    with pytest.raises(Exception, match="NoSuchBucket"):
        transfer.upload(broken, [Blob(f"k{i}", b"x") for i in range(5)], lambda line: None)
