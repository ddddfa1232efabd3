"""Puts a generated backend's secrets where its functions read them: skyfn's store of the
sandbox, SSM and Secrets Manager (moto), OpenBao; every version of each.
"""

from __future__ import annotations

import json
from typing import Any

from skyfn import scope as scopes
from tests.support.backends.spec import Backend
from tests.support.backends.store_contents import VAULT_MOUNTS


def set_secrets(backend: Backend, ssm: Any, secretsmanager: Any, vault: Any = None) -> None:
    """Every version of every secret, in the sandbox's store and in SSM (the branch's), and
    the external references in Secrets Manager and SSM (created here, as AWS would hold
    them). ``ssm`` and ``secretsmanager`` are boto3 clients for moto; ``vault`` an ``hvac``
    client for OpenBao (every version of every Vault secret, each with all its fields)."""
    from skyfn.secrets.registry import open_store

    sandbox, branch = backend.scopes()
    store = open_store(backend.store)  # type: ignore[arg-type]
    for s in backend.secrets:
        for value in s.sandbox:
            store.write(scopes.secret_path(backend.app_id, sandbox, s.name), value)
        for value in s.shared:
            store.write(scopes.secret_path(backend.app_id, None, s.name), value)
        for value in s.branch:
            _put(ssm, scopes.secret_path(backend.app_id, branch, s.name), value)
        if backend.store != "ssm":
            for value in s.shared:
                _put(ssm, scopes.secret_path(backend.app_id, None, s.name), value)
    for sm in backend.sm_secrets:
        for index, (version, token) in enumerate(zip(sm.versions, sm.ids, strict=True)):
            text = json.dumps(version) if isinstance(version, dict) else version
            if index == 0:
                created = secretsmanager.create_secret(
                    Name=sm.name, SecretString=text, ClientRequestToken=token
                )
                backend.arns[sm.name] = created["ARN"]
            else:
                secretsmanager.put_secret_value(
                    SecretId=sm.name, SecretString=text, ClientRequestToken=token
                )
    for p in backend.ssm_parameters:
        for value in p.versions:
            ssm.put_parameter(Name=p.name, Value=value, Type=p.kind, Overwrite=True)
    for v in backend.vault:
        for fields in v.versions:
            vault.secrets.kv.v2.create_or_update_secret(
                v.path, secret=fields, mount_point=v.mount or "secret"
            )


def enable_vault_mounts(vault: Any) -> None:
    """The KV v2 mounts VAULT_MOUNTS names beside the dev server's ``secret/`` (once)."""
    for mount in VAULT_MOUNTS:
        if mount is not None and f"{mount}/" not in vault.sys.list_mounted_secrets_engines():
            vault.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})


def _put(ssm: Any, name: str, value: str) -> None:
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
