"""Set many secrets of one scope, all or nothing (``skyfn secret import``).

Every value has been checked before the first write (``skyfn.secrets.limits``, patterns);
what can still fail is the store itself (network, access, a limit only the store knows).
Then every write before the failure is undone where the store allows: a secret that was
new is removed, an overwritten one gets its previous value back as a new version (its
version number moves on). The error says, name by name, what was and was not changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from skyfn.errors import SkyfnError
from skyfn.secrets.check import versions
from skyfn.secrets.manage import Target, check_value
from skyfn.secrets.store import SecretInfo, SecretValue


def set_all(target: Target, values: Mapping[str, str]) -> dict[str, SecretInfo]:
    """Write every ``name → value``, in order; on a failure, undo and raise what happened."""
    paths = {name: target.path(name) for name in values}
    for name, value in values.items():
        check_value(value, name)
    previous = target.store.read_many(list(paths.values()))  # before anything changes
    done: dict[str, SecretInfo] = {}
    for name, value in values.items():
        try:
            done[name] = target.store.write(paths[name], value)
        except (SkyfnError, KeyboardInterrupt) as exc:
            cause = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
            written = list(done)
            failed = _failed_write(target, name, paths[name], previous.get(paths[name]))
            if failed is None:
                written.append(name)  # it went through after all: undo it too
            said = _undo(target, written, paths, previous)
            if failed is not None:
                said.append(failed)
            left = [n for n in values if n not in written and n != name]
            raise SkyfnError(_report(target, name, cause, said, left)) from None
    return done


def _failed_write(target: Target, name: str, path: str, before: SecretValue | None) -> str | None:
    """``None`` when the failed write happened anyway (a timeout after the store took it),
    else what to say of ``name``. Compares listed versions, never a value."""
    try:
        now = versions(target.store, [path]).get(path)
    except SkyfnError as exc:
        if before is None:
            return None  # it was new: the undo's delete settles it either way
        return f"{name} unknown: it may hold the imported value (cannot check: {exc})"
    if now is not None and (before is None or now > before.version):
        return None
    return f"{name} not changed"


def _undo(
    target: Target,
    written: Sequence[str],
    paths: Mapping[str, str],
    previous: Mapping[str, SecretValue],
) -> list[str]:
    """Undo ``written``, newest first; one phrase per name, in import order."""
    said: list[str] = []
    for name in reversed(written):
        path, old = paths[name], previous.get(paths[name])
        try:
            if old is None:
                gone = target.store.delete(path)
                said.append(f"{name} removed (it was new)" if gone else f"{name} not changed")
            else:
                info = target.store.write(path, old.value)
                said.append(f"{name} back to its previous value (now version {info.version})")
        except (SkyfnError, KeyboardInterrupt) as exc:
            why = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
            said.append(f"{name} NOT undone: it holds the imported value ({why})")
    return said[::-1]


def _report(target: Target, name: str, cause: str, said: list[str], left: list[str]) -> str:
    where = f"the {target.store.name} store for {target.label}"
    parts = [
        f"secret import stopped at {name}: {cause.rstrip('.')}",
        f"in {where}: {', '.join(said)}",
    ]
    if left:
        parts.append(f"not written: {', '.join(left)}")
    clean = not any(" NOT undone" in s or " unknown" in s for s in said)
    parts.append("nothing imported" if clean else "the import is only partly undone")
    return "; ".join(parts)
