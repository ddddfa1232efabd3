"""vault_secret → SecretRef: a sandbox keeps Vault's coordinates, a branch reads the SSM
parameter it is synced to, whose name SSM accepts; bad parts are refused at synth."""

from __future__ import annotations

import re

import pytest

from skyfn import scope as scopes
from skyfn.definition import vault_secret
from skyfn.model import SecretRef
from skyfn.synth.vault import MAX_PATH_CHARS, MAX_PATH_SEGMENTS, vault_ref

SSM_NAME = re.compile(r"/[A-Za-z0-9_./-]+")  # what PutParameter accepts
BRANCH = scopes.branch("b" * 64)  # the longest branch name


def test_a_sandbox_reads_vault_and_a_branch_its_synced_parameter() -> None:
    value = vault_secret("app/db", key="password")
    local = vault_ref("DB", value, "app", scopes.sandbox("me"), 300)
    deployed = vault_ref("DB", value, "app", scopes.branch("main"), 300)
    assert isinstance(local, SecretRef) and isinstance(deployed, SecretRef)
    assert local.paths == ("vault:secret/app/db#password",) and local.max_age == 300
    assert deployed.paths == ("/skyfn/app/branch-main/vault/secret/app/db/password",)
    assert local.external == deployed.external == "vault" and local.vault == deployed.vault


def test_a_pin_is_in_the_parameter_name_and_never_refreshed() -> None:
    value = vault_secret("app/db", key="password", version=3)
    local = vault_ref("DB", value, "app", scopes.sandbox("me"), 300)
    deployed = vault_ref("DB", value, "app", scopes.branch("main"), 300)
    assert isinstance(local, SecretRef) and isinstance(deployed, SecretRef)
    assert local.entry.paths == ("vault:secret/app/db#password:3",)
    assert deployed.entry.paths == ("/skyfn/app/branch-main/vault-v3/secret/app/db/password",)
    assert local.entry.max_age is None and deployed.entry.max_age is None


def test_the_longest_reference_is_a_valid_ssm_name() -> None:
    segment = "p" * (MAX_PATH_CHARS // MAX_PATH_SEGMENTS - 1)
    path = "/".join([segment] * MAX_PATH_SEGMENTS)
    value = vault_secret(path, key="k" * 128, mount="m" * 128, version=999999)
    ref = vault_ref("DB", value, "a" * 40, BRANCH, 300)
    assert isinstance(ref, SecretRef)
    name = ref.paths[0]
    assert SSM_NAME.fullmatch(name) and len(name) <= 1011  # SSM's limit for a name we write
    assert name.count("/") <= 15  # SSM's hierarchy: at most 15 levels


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (vault_secret("app/db#x", key="k"), "the path's segments"),
        (vault_secret("app/../db", key="k"), "the path's segments"),
        (vault_secret("", key="k"), "the path's segments"),
        (vault_secret("app/db", key="a/b"), "key must be"),
        (vault_secret("app/db", key="k", mount="kv/team"), "mount must be one path segment"),
        (vault_secret("/".join("a" * 10), key="k"), "at most 9 segments"),
        (vault_secret("app/db", key="k", version=0), "version must be"),
        (vault_secret("app/db", key="k", version=2, max_age=5), "a pinned version never"),
        (vault_secret("app/db", key="k", max_age=0), "max_age must be"),
    ],
)
def test_bad_references_are_refused_with_the_reason(value: object, problem: str) -> None:
    from skyfn.definition import Vault

    assert isinstance(value, Vault)
    found = vault_ref("DB", value, "app", scopes.sandbox("me"), 300)
    assert isinstance(found, str) and problem in found and found.startswith("vault_secret(")
