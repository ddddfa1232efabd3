"""skyfn.secrets.set_all on the real local store: a write that fails undoes the ones before
(a new secret removed, an overwritten one back to its value as a new version), and the error
says name by name what changed. Failures the local store never gives on its own (a write
that went through but reported failure, an undo that fails) come from a store that wraps it.
Genuine failures, through the CLI: tests/e2e/test_secret_import_atomic.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope as scopes
from skyfn.errors import SkyfnError
from skyfn.secrets.local import LocalStore
from skyfn.secrets.manage import Target
from skyfn.secrets.set_all import set_all
from skyfn.secrets.store import SecretInfo


class Failing(LocalStore):
    """Fails the write of ``fail``; with ``after``, only once it has gone through (a timeout
    after the store took it); ``refuse_delete``: undoing a new secret fails too."""

    def __init__(self, folder: Path, fail: str, after: bool = False, refuse_delete: bool = False):
        super().__init__(folder)
        self.fail, self.after, self.refuse_delete = fail, after, refuse_delete

    def write(self, path: str, value: str) -> SecretInfo:
        if path.endswith("/" + self.fail):
            if self.after:
                super().write(path, value)
            raise SkyfnError(f"cannot write {path}: the network went away")
        return super().write(path, value)

    def delete(self, path: str) -> bool:
        if self.refuse_delete:
            raise SkyfnError(f"cannot delete {path}: access denied")
        return super().delete(path)


def target(store: LocalStore) -> Target:
    return Target("app", scopes.sandbox("dev"), store)


def state(store: LocalStore) -> dict[str, tuple[str, int]]:
    folder = scopes.prefix("app", scopes.sandbox("dev"))
    found = store.read_many([info.path for info in store.list(folder)])
    return {path[len(folder) :]: (v.value, v.version) for path, v in found.items()}


def failed(store: LocalStore, values: dict[str, str]) -> str:
    with pytest.raises(SkyfnError) as caught:
        set_all(target(store), values)
    return str(caught.value)


def test_everything_is_set_in_order(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    done = set_all(target(store), {"A": "a1", "B": "b1"})
    assert [(name, info.version) for name, info in done.items()] == [("A", 1), ("B", 1)]


def test_a_failure_undoes_new_and_overwritten_secrets(tmp_path: Path) -> None:
    store = Failing(tmp_path, fail="C")
    set_all(target(LocalStore(tmp_path)), {"B": "old-b"})
    message = failed(store, {"A": "a1", "B": "b2", "C": "c1", "D": "d1"})
    assert message == (
        "secret import stopped at C: cannot write /skyfn/app/sandbox-dev/C: the network went "
        "away; in the local store for sandbox dev: A removed (it was new), B back to its "
        "previous value (now version 3), C not changed; not written: D; nothing imported"
    )
    assert state(store) == {"B": ("old-b", 3)}


def test_a_write_that_went_through_before_failing_is_undone_too(tmp_path: Path) -> None:
    store = Failing(tmp_path, fail="B", after=True)
    message = failed(store, {"A": "a1", "B": "b1", "C": "c1"})
    assert message.endswith(
        "in the local store for sandbox dev: A removed (it was new), B removed (it was new); "
        "not written: C; nothing imported"
    )
    assert state(store) == {}


def test_an_undo_that_fails_is_said_and_nothing_is_hidden(tmp_path: Path) -> None:
    store = Failing(tmp_path, fail="B", refuse_delete=True)
    message = failed(store, {"A": "a1", "B": "b1"})
    assert message.endswith(
        "A NOT undone: it holds the imported value (cannot delete /skyfn/app/sandbox-dev/A: "
        "access denied), B not changed; the import is only partly undone"
    )
    assert "a1" not in message and state(store) == {"A": ("a1", 1)}
