"""What a deploy would change: two plain descriptions of a branch's functions in, a Diff out.

``template_reader.describe`` reads a branch template (the deployed one, or the one about to
be deployed) and its parameters into a ``Deployment``; ``compare`` is a pure function of two
of them, and ``Diff`` shows the result as lines or as JSON.

Secrets appear by env name, secret name and store paths, never by value: a template holds
none (``leakcheck`` makes sure of that).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skyfn.runtime import contract


@dataclass(frozen=True)
class SecretUse:
    name: str  # the secret's name (``MY_API_KEY``)
    paths: tuple[str, ...]  # where it is looked up, in order (a pinned one ends ":N")
    max_age: float | None = contract.DEFAULT_MAX_AGE  # seconds; None: read once per start

    def shown(self) -> str:
        if self.max_age is None:
            fresh = ", read once per start"
        elif self.max_age != contract.DEFAULT_MAX_AGE:
            fresh = f", re-read after {self.max_age:g} s"
        else:
            fresh = ""
        return f"secret {self.name} ({', '.join(self.paths)}{fresh})"


@dataclass(frozen=True)
class FunctionState:
    name: str
    physical_name: str | None  # ``None``: CloudFormation generates one
    code_key: str  # S3 key of the bundle ("" if unknown); its file name is the bundle's sha256
    timeout: int
    memory: int
    environment: Mapping[str, str]  # plain values only
    secrets: Mapping[str, SecretUse]  # env name -> the secret it holds
    access: frozenset[str]  # parameter ARNs its role may read
    other: Mapping[str, str] = field(default_factory=dict)  # property -> its JSON
    logical_id: str = ""
    files: Mapping[str, str] | None = None  # bundle member -> sha256, when the bundle is known
    grants: frozenset[str] = frozenset()  # its permissions= statements, one line each
    settings: Mapping[str, str] = field(default_factory=dict)  # architecture, layers, ...
    log_group: str = ""  # the logical id of its own log group ("": Lambda's)
    unread: str = ""  # why the bundle could not be read (not: it is gone)
    schedules: frozenset[str] = frozenset()  # "cron(0 2 * * ? *) Europe/Paris", one each

    @property
    def code(self) -> str:
        return self.code_key.rsplit("/", 1)[-1].removesuffix(".zip")


@dataclass(frozen=True)
class Deployment:
    functions: Mapping[str, FunctionState]
    description: str = ""
    layers: Mapping[str, str] = field(default_factory=dict)  # define_layer name -> its zip


@dataclass(frozen=True)
class Change:
    """``old`` ``None``: added; ``new`` ``None``: removed."""

    key: str
    old: str | None
    new: str | None

    def shown(self) -> str:
        if self.old is None:
            return f"+ {self.key}: {self.new}"
        if self.new is None:
            return f"- {self.key}: {self.old}"
        return f"~ {self.key}: {self.old} -> {self.new}"


@dataclass(frozen=True)
class FunctionDiff:
    name: str
    replaced: str = ""  # why Lambda gets a new function ("" when updated in place)
    environment: tuple[Change, ...] = ()
    secrets: tuple[Change, ...] = ()
    code: Change | None = None
    files: tuple[Change, ...] | None = None  # None: the previous bundle is not known
    files_unread: str = ""  # why the previous bundle could not be read
    timeout: Change | None = None
    memory: Change | None = None
    access: tuple[Change, ...] = ()
    other: tuple[str, ...] = ()
    grants: tuple[Change, ...] = ()
    settings: tuple[Change, ...] = ()
    schedules: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.schedules
            or self.grants
            or self.settings
            or self.replaced
            or self.environment
            or self.secrets
            or self.code
            or self.timeout
            or self.memory
            or self.access
            or self.other
        )


@dataclass(frozen=True)
class Diff:
    stack: str
    new_stack: bool
    added: tuple[FunctionState, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[FunctionDiff, ...] = ()
    stack_changes: tuple[str, ...] = ()
    layers: tuple[Change, ...] = ()  # define_layer layers: added, removed, new content

    def __bool__(self) -> bool:
        return bool(self.new_stack or self.added or self.removed or self.changed or self.layers)

    def lines(self) -> list[str]:
        if not self:
            return [f"no changes: stack {self.stack} is up to date"]
        verb = "would be created" if self.new_stack else "would change"
        out = [f"stack {self.stack} {verb}:"]
        for state in self.added:
            out.append(f"  + function {state.name} (new)")
            out += [f"      {line}" for line in _summary(state)]
        out += [f"  - function {name} (removed)" for name in self.removed]
        out += [f"  {c.shown()}" for c in self.layers]
        for fn in self.changed:
            out.append(
                f"  ~ function {fn.name}" + (f" (replaced: {fn.replaced})" if fn.replaced else "")
            )
            out += [f"      {line}" for line in _details(fn)]
        out += [f"  ~ {line}" for line in self.stack_changes]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "changes": bool(self),
            "new_stack": self.new_stack,
            "added": [_state_json(s) for s in self.added],
            "removed": list(self.removed),
            "changed": [_diff_json(d) for d in self.changed],
            "stack_changes": list(self.stack_changes),
            "layers": [_change_json(c) for c in self.layers],
        }


def compare(stack: str, old: Deployment | None, new: Deployment) -> Diff:
    """What deploying ``new`` over ``old`` (``None``: no stack yet) would change."""
    if old is None:
        created = tuple(_changes({}, new.layers))
        added_all = tuple(new.functions[n] for n in sorted(new.functions))
        return Diff(stack, True, added_all, layers=tuple(_layer(c) for c in created))
    added = tuple(new.functions[n] for n in sorted(new.functions.keys() - old.functions.keys()))
    removed = tuple(sorted(old.functions.keys() - new.functions.keys()))
    both = sorted(old.functions.keys() & new.functions.keys())
    changed = tuple(
        d for d in (compare_function(old.functions[n], new.functions[n]) for n in both) if d
    )
    stack_changes: tuple[str, ...] = ()
    if old.description != new.description:
        stack_changes = (f"stack description: {old.description} -> {new.description}",)
    layers = tuple(_layer(c) for c in _changes(old.layers, new.layers))
    return Diff(stack, False, added, removed, changed, stack_changes, layers)


def _layer(change: Change) -> Change:
    return Change(f"layer {change.key}", change.old, change.new)


def compare_function(old: FunctionState, new: FunctionState) -> FunctionDiff:
    replaced = ""
    if old.physical_name != new.physical_name:
        replaced = f"Lambda name {old.physical_name or '(generated)'} -> {new.physical_name}"
    code = None
    files = None
    if old.code != new.code:
        code = Change("code", old.code or "?", new.code or "?")
        if old.files is not None and new.files is not None:
            files = tuple(_changes(old.files, new.files))
    return FunctionDiff(
        name=new.name,
        replaced=replaced,
        environment=tuple(_changes(old.environment, new.environment)),
        secrets=tuple(
            _changes(
                {k: s.shown() for k, s in old.secrets.items()},
                {k: s.shown() for k, s in new.secrets.items()},
            )
        ),
        code=code,
        files=files,
        files_unread=old.unread if code is not None and old.files is None else "",
        timeout=_scalar("timeout", old.timeout, new.timeout, "s"),
        memory=_scalar("memory", old.memory, new.memory, "MB"),
        access=tuple(
            [Change("read", None, arn) for arn in sorted(new.access - old.access)]
            + [Change("read", arn, None) for arn in sorted(old.access - new.access)]
        ),
        other=tuple(
            sorted(
                k
                for k in old.other.keys() | new.other.keys()
                if old.other.get(k) != new.other.get(k)
            )
        ),
        grants=tuple(
            [Change("grant", None, g) for g in sorted(new.grants - old.grants)]
            + [Change("grant", g, None) for g in sorted(old.grants - new.grants)]
        ),
        settings=tuple(_changes(old.settings, new.settings)),
        schedules=tuple(
            [Change("schedule", None, s) for s in sorted(new.schedules - old.schedules)]
            + [Change("schedule", s, None) for s in sorted(old.schedules - new.schedules)]
        ),
    )


def _scalar(key: str, old: int, new: int, unit: str) -> Change | None:
    return None if old == new else Change(key, f"{old} {unit}", f"{new} {unit}")


def _changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    return [
        Change(k, old.get(k), new.get(k))
        for k in sorted(old.keys() | new.keys())
        if old.get(k) != new.get(k)
    ]


def _summary(state: FunctionState) -> list[str]:
    out = [f"timeout {state.timeout} s, memory {state.memory} MB, code {_short(state.code)}"]
    out += [f"{k} = {v}" for k, v in sorted(state.environment.items())]
    out += [f"{k} = {s.shown()}" for k, s in sorted(state.secrets.items())]
    out += [f"may read {arn}" for arn in sorted(state.access)]
    out += [f"{k}: {v}" for k, v in sorted(state.settings.items())]
    out += [f"grant {g}" for g in sorted(state.grants)]
    out += [f"schedule {s}" for s in sorted(state.schedules)]
    return out


def _details(fn: FunctionDiff) -> list[str]:
    out = [f"env {c.shown()}" for c in fn.environment]
    out += [f"env {c.shown()}" for c in fn.secrets]
    if fn.code is not None:
        out.append(f"code {_short(fn.code.old)} -> {_short(fn.code.new)}")
        if fn.files is None and fn.files_unread:
            out.append(
                f"  (the previous bundle could not be read ({fn.files_unread}): files not compared)"
            )
        elif fn.files is None:
            out.append("  (the previous bundle is not available: files not compared)")
        else:
            out += [f"  file {c.shown().split(':')[0]}" for c in fn.files]
    out += [c.shown() for c in (fn.timeout, fn.memory) if c is not None]
    out += [
        f"access {'+ may read' if c.old is None else '- may no longer read'} {c.new or c.old}"
        for c in fn.access
    ]
    out += [c.shown() for c in fn.settings]
    out += [f"grant {'+' if c.old is None else '-'} {c.new or c.old}" for c in fn.grants]
    out += [f"schedule {'+' if c.old is None else '-'} {c.new or c.old}" for c in fn.schedules]
    if fn.other:
        out.append(f"other settings: {', '.join(fn.other)}")
    return out


def _short(code: str | None) -> str:
    return (code or "?")[:12]


def _state_json(state: FunctionState) -> dict[str, Any]:
    return {
        "name": state.name,
        "physical_name": state.physical_name,
        "code": state.code,
        "timeout": state.timeout,
        "memory": state.memory,
        "environment": dict(state.environment),
        "secrets": {k: {"name": s.name, "paths": list(s.paths)} for k, s in state.secrets.items()},
        "access": sorted(state.access),
        "settings": dict(state.settings),
        "grants": sorted(state.grants),
        "schedules": sorted(state.schedules),
    }


def _change_json(change: Change | None) -> dict[str, str | None] | None:
    return None if change is None else {"key": change.key, "old": change.old, "new": change.new}


def _diff_json(fn: FunctionDiff) -> dict[str, Any]:
    return {
        "name": fn.name,
        "replaced": fn.replaced or None,
        "environment": [_change_json(c) for c in fn.environment],
        "secrets": [_change_json(c) for c in fn.secrets],
        "code": _change_json(fn.code),
        "files": None if fn.files is None else [_change_json(c) for c in fn.files],
        "timeout": _change_json(fn.timeout),
        "memory": _change_json(fn.memory),
        "access": [_change_json(c) for c in fn.access],
        "other": list(fn.other),
        "settings": [_change_json(c) for c in fn.settings],
        "grants": [_change_json(c) for c in fn.grants],
        "schedules": [_change_json(c) for c in fn.schedules],
    }


def bundle_files(data: bytes) -> dict[str, str]:
    """A bundle's members and the sha256 of each (to name the files a code change touches)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            info.filename: hashlib.sha256(archive.read(info)).hexdigest()
            for info in archive.infolist()
            if not info.is_dir()
        }
