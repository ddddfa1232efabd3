"""``skyfn secret``: its own commands and ``status``/``sync``, which live beside it."""

from __future__ import annotations

from skyfn.cli.secret import secret
from skyfn.cli.secret_status import status_command
from skyfn.cli.secret_sync import sync_command

secret.add_command(status_command)
secret.add_command(sync_command)

__all__ = ["secret"]
