"""The protocol every secret store implements: read many, write, list, delete, with versions.

Paths are built by ``skyfn.scope`` only; a store treats them as opaque keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from skyfn.runtime.stores import StoreName
from skyfn.secrets import known


@dataclass(frozen=True)
class SecretInfo:
    """What ``list`` shows: never a value."""

    path: str
    version: int
    last_modified: datetime


@dataclass(frozen=True)
class SecretValue:
    path: str
    value: str
    version: int
    last_modified: datetime

    def __post_init__(self) -> None:
        known.remember([self.value])  # what a crash report masks


class SecretStore(Protocol):
    name: StoreName

    def read_many(self, paths: Sequence[str]) -> dict[str, SecretValue]:
        """The newest version of each path that exists; absent paths are left out."""
        ...

    def read_version(self, path: str, version: int) -> SecretValue | None:
        """Version ``version`` of ``path``; ``None`` when there is no such version."""
        ...

    def write(self, path: str, value: str) -> SecretInfo:
        """Store ``value`` as a new version of ``path``."""
        ...

    def list(self, folder: str, *, recursive: bool = False) -> list[SecretInfo]:
        """The secrets in ``folder`` (a path ending with ``/``), sorted by path; with
        ``recursive``, those in its subfolders too."""
        ...

    def delete(self, path: str) -> bool:
        """Remove ``path`` and all its versions; ``False`` when it did not exist."""
        ...
