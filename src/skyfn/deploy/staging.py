"""The staging bucket bundles (and large templates) go through, used as its owner only.

Its default name (``skyfn-staging-<account>-<region>``) is predictable, so another account
could create it first. Every call therefore names the expected owner
(``ExpectedBucketOwner``), the bucket must be one the caller's ``ListBuckets`` shows (the
explicit check, for endpoints that ignore the header), and an object already at a key is
trusted only when S3's SHA-256 checksum of it equals the bundle's: anything else is
uploaded again, with its checksum. A bucket skyfn creates blocks public access, encrypts
by default, enforces bucket-owner ownership and denies any request not made over TLS (except when
the S3 endpoint itself is plain ``http://``, an emulator such as moto or LocalStack: that
policy would lock the deploy out of its own bucket, so it is left off and the deploy says so).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import botocore.exceptions

from skyfn import aws_faults
from skyfn.errors import SkyfnError

SETTING = "staging_bucket"  # [tool.skyfn] key; --staging-bucket on the command line


def sha256_b64(data: bytes) -> str:
    """The form S3 gives and takes a SHA-256 checksum in."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def deny_insecure_transport(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


class StagingBucket:
    def __init__(self, s3: Any, name: str, account: str, region: str) -> None:
        self.s3 = s3
        endpoint = str(getattr(getattr(s3, "meta", None), "endpoint_url", "") or "")
        self.tls_only = not endpoint.startswith("http://")
        self.name = name
        self.account = account
        self.region = region

    def _owner(self) -> dict[str, str]:
        return {"Bucket": self.name, "ExpectedBucketOwner": self.account}

    def exists(self) -> bool:
        """Whether the bucket exists; refused when it exists but is not the caller's."""
        try:
            self.s3.head_bucket(**self._owner())
        except botocore.exceptions.ClientError as exc:
            code = aws_faults.error_code(exc)
            if code in {"404", "NoSuchBucket", "NotFound"}:
                return False
            if code in {"403", "AccessDenied"}:
                raise self._foreign("exists but this account cannot use it") from None
            raise
        mine = {b["Name"] for b in self.s3.list_buckets().get("Buckets", [])}
        if self.name not in mine:
            raise self._foreign(f"belongs to another AWS account (not {self.account})")
        return True

    def _foreign(self, why: str) -> SkyfnError:
        return SkyfnError(
            f"staging bucket {self.name} {why}; nothing was uploaded or deployed. Use a "
            f'bucket of your own: set [tool.skyfn] {SETTING} = "<a new name>" in '
            "pyproject.toml or pass --staging-bucket NAME (skyfn creates it if missing)"
        )

    def holds(self, key: str, data: bytes) -> bool:
        """True only when ``key`` exists and S3's SHA-256 checksum of it is ``data``'s."""
        try:
            head = self.s3.head_object(Key=key, ChecksumMode="ENABLED", **self._owner())
        except botocore.exceptions.ClientError as exc:
            if aws_faults.error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return bool(head.get("ChecksumSHA256") == sha256_b64(data))

    def keys(self, prefix: str) -> set[str]:
        """The keys under ``prefix`` (a thousand a call): which objects exist at all, so only
        those need their checksum asked (``holds``)."""
        found: set[str] = set()
        pages = self.s3.get_paginator("list_objects_v2").paginate(Prefix=prefix, **self._owner())
        for page in pages:
            found.update(item["Key"] for item in page.get("Contents", []))
        return found

    def put(self, key: str, data: bytes) -> None:
        self.s3.put_object(
            Key=key,
            Body=data,
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=sha256_b64(data),
            **self._owner(),
        )

    def create(self) -> str | None:
        """Create the bucket with its protections; a note when one could not be applied."""
        options: dict[str, Any] = {"ObjectOwnership": "BucketOwnerEnforced"}
        if self.region != "us-east-1":  # the one region that refuses a location constraint
            options["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.s3.create_bucket(Bucket=self.name, **options)
        self.s3.put_public_access_block(
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
            **self._owner(),
        )
        self.s3.put_bucket_encryption(
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                        "BucketKeyEnabled": True,
                    }
                ]
            },
            **self._owner(),
        )
        if not self.tls_only:
            return (
                "the S3 endpoint is plain http, so the bucket policy denying non-TLS access "
                "was not added (it would refuse this deploy's own requests)"
            )
        self.s3.put_bucket_policy(Policy=deny_insecure_transport(self.name), **self._owner())
        return None
