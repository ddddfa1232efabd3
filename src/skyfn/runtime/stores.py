"""The secret stores skyfn knows, and what a function process reads them with.

A store a function process reads itself has a cold-start reader (standard library, in
``skyfn.runtime``, shipped in every bundle): ``READERS``, named as ``module:attribute``
strings and imported lazily, so a process loads only what it uses. This module lists only
what ships; the tooling's registry (management stores, the host's readers of the stores it
hands over) is ``skyfn.secrets.registry``. Adding a store touches both.
"""

from __future__ import annotations

from typing import Literal

StoreName = Literal["local", "ssm", "secretsmanager", "inline"]
PIPE_STORE = "pipe"  # a local worker's: values its host read for it (never a user's choice)

# What a function process reads its secrets with: a factory of a SecretReader (the AWS
# readers take an optional environ: a local host reads with the function's credentials).
READERS: dict[str, str] = {
    "ssm": "skyfn.runtime.ssm_reader:open_reader",
    "secretsmanager": "skyfn.runtime.secretsmanager_reader:open_reader",
    PIPE_STORE: "skyfn.runtime.pipe_reader:open_reader",
}

# Stores in AWS: a local worker gets AWS credentials (and endpoint variables) to read them.
AWS_STORES: tuple[StoreName, ...] = ("ssm", "secretsmanager")

# Stores a local host reads for its workers and hands over a pipe (``PIPE_STORE``): the
# worker never gets the means to open them. The others the worker reads itself, as on Lambda.
HANDED_OVER: tuple[str, ...] = ("local", "inline")

# Stores a process cannot read again after its cold start (the host handed the values over
# once): their secrets are never refreshed in place; the sandbox restarts the worker instead.
READ_ONCE: tuple[str, ...] = (PIPE_STORE,)

DEPLOY_STORE: StoreName = "ssm"  # what a deployed branch reads
SANDBOX_STORE: StoreName = "local"  # a sandbox's default unless [tool.skyfn] secret_store


def default_store(scope_kind: str) -> StoreName:
    """The store a scope reads unless told otherwise: a branch reads what it deploys from."""
    return DEPLOY_STORE if scope_kind == "branch" else SANDBOX_STORE
