"""``skyfn secret set|get|list|remove|import``: parse arguments, call ``skyfn.secrets.manage``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from skyfn import scope as scopes
from skyfn.cli.common import choose_target, current_project, scope_options
from skyfn.cli.secret_common import (
    descriptions,
    stamp,
    warn_unreferenced,
    write_rules,
)
from skyfn.errors import SkyfnError
from skyfn.secrets import manage
from skyfn.secrets.choice import choose_secret_store
from skyfn.secrets.dotenv_import import Entry, read_dotenv
from skyfn.secrets.limits import value_problem
from skyfn.secrets.registry import USER_STORES, open_store
from skyfn.secrets.set_all import set_all

F = TypeVar("F", bound=Callable[..., Any])


def target_options(func: F) -> F:
    """``--branch B | --shared``, ``--identifier ID``, ``--store``."""
    func = click.option(
        "--store",
        type=click.Choice(USER_STORES),
        help="Secret store (default: ssm for --branch, else [tool.skyfn] secret_store or local).",
    )(func)
    func = click.option("--shared", is_flag=True, help="The app's shared secrets (every scope).")(
        func
    )
    return scope_options(func)


def open_target(
    branch: str | None, shared: bool, identifier: str | None, store: str | None
) -> manage.Target:
    location = choose_target(branch, identifier, shared)
    project = current_project()
    return manage.Target(
        project.app_id, location, open_store(choose_secret_store(project, location, store))
    )


def refuse_external(*names: str) -> None:
    """``secret set/remove/import`` never write a secret the backend references as external
    (``aws_secret``, ``ssm_parameter``); a backend that does not load is not consulted."""
    from skyfn.backend_loader import load_backend
    from skyfn.secrets.external import owners, refuse

    try:
        backend = load_backend(current_project())
    except SkyfnError:
        return
    for name in names:
        refuse(name, owners(backend, name))


@click.group()
def secret() -> None:
    """Set, read, list and remove secrets (default scope: your sandbox)."""


@secret.command(name="set")
@click.argument("name")
@target_options
def set_command(
    name: str, branch: str | None, shared: bool, identifier: str | None, store: str | None
) -> None:
    """Set secret NAME (a new version each time).

    On a terminal the value is asked twice, hidden. Otherwise it is all of stdin, with one
    trailing newline removed (so `echo VALUE | skyfn secret set NAME` stores VALUE).
    """
    refuse_external(name)
    scopes.check_secret_name(name)
    target = open_target(branch, shared, identifier, store)
    if sys.stdin.isatty():
        value = click.prompt(
            f"Value of {name}", hide_input=True, confirmation_prompt=True, err=True
        )
        value = manage.check_value(value, name)
    else:
        value = manage.decode_stdin(sys.stdin.buffer.read(), name)
    rules = write_rules(name, target.scope)
    info = manage.set_checked(target, name, value, rules)
    click.echo(f"Set {name} (version {info.version}) for {target.label}")
    warn_unreferenced(name, rules)


@secret.command(name="get")
@click.argument("name")
@target_options
@click.option("--json", "as_json", is_flag=True, help="Also show version and last update.")
def get_command(
    name: str,
    branch: str | None,
    shared: bool,
    identifier: str | None,
    store: str | None,
    as_json: bool,
) -> None:
    """Print the value of secret NAME, alone (the scope's, else the shared one)."""
    scopes.check_secret_name(name)
    target = open_target(branch, shared, identifier, store)
    found = manage.get_secret(target, name)
    if not as_json:
        # Bytes, not click.echo: echo strips ANSI escapes when stdout is not a terminal,
        # which would corrupt a value piped into a file or another program.
        sys.stdout.buffer.write(found.value.encode("utf-8") + b"\n")
        sys.stdout.buffer.flush()
        return
    data = {
        "name": name,
        "value": found.value,
        "version": found.version,
        "last_updated": stamp(found.last_modified),
        "scope": manage.scope_of(target, found.path),
        "path": found.path,
    }
    click.echo(json.dumps(data, indent=2))


@secret.command(name="list")
@target_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(
    branch: str | None, shared: bool, identifier: str | None, store: str | None, as_json: bool
) -> None:
    """List the scope's secrets and the shared ones (names and versions, never values)."""
    target = open_target(branch, shared, identifier, store)
    listed = manage.list_secrets(target)
    described = descriptions(target.scope) if listed else {}
    if as_json:
        rows = [
            {
                "name": item.name,
                "description": described.get(item.name),
                "scope": item.scope,
                "shared": item.shared,
                "version": item.version,
                "last_updated": stamp(item.last_modified),
            }
            for item in listed
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not listed:
        also = "" if target.scope is None else " or shared"
        click.echo(f"no secrets for {target.label}{also} in the {target.store.name} store")
        return
    table = [("NAME", "SCOPE", "VERSION", "LAST UPDATED", "DESCRIPTION" if described else "")] + [
        (
            item.name,
            item.scope,
            str(item.version),
            stamp(item.last_modified),
            described.get(item.name, ""),
        )
        for item in listed
    ]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@secret.command(name="remove")
@click.argument("name", required=False)
@click.option("--all", "remove_all", is_flag=True, help="Remove every secret of the scope.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for --all).")
@target_options
def remove_command(
    name: str | None,
    remove_all: bool,
    yes: bool,
    branch: str | None,
    shared: bool,
    identifier: str | None,
    store: str | None,
) -> None:
    """Remove secret NAME (all its versions), or --all of the scope's secrets."""
    if (name is None) == (not remove_all):
        raise SkyfnError("give either a secret NAME or --all (not both)")
    if name is not None:
        refuse_external(name)
        scopes.check_secret_name(name)
        target = open_target(branch, shared, identifier, store)
        manage.remove_secret(target, name)
        click.echo(f"Removed {name} from {target.label}")
        return
    target = open_target(branch, shared, identifier, store)
    names = manage.scope_names(target)
    if not names:
        click.echo(f"no secrets for {target.label}; nothing removed")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise SkyfnError(
                f"remove --all would remove {len(names)} secret(s) from {target.label}; "
                "confirm with --yes when not on a terminal"
            )
        click.confirm(
            f"Remove {len(names)} secret(s) from {target.label} ({', '.join(names)})?",
            abort=True,
            err=True,
        )
    for removed in manage.remove_all(target, names):
        click.echo(f"Removed {removed} from {target.label}")


@secret.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@target_options
def import_command(
    file: Path, branch: str | None, shared: bool, identifier: str | None, store: str | None
) -> None:
    """Set every KEY=value of a dotenv FILE as a secret (values taken literally).

    All or nothing: every value is checked (the store's size limit, the definitions'
    patterns) before the first write, and a write that still fails undoes the ones before.
    """
    entries = read_dotenv(file)
    refuse_external(*entries)
    target = open_target(branch, shared, identifier, store)
    values = {name: entry.value for name, entry in entries.items()}
    sizes = {name: value_problem(target.store.name, name, v) for name, v in values.items()}
    _refuse_lines(file, entries, sizes)
    rules = write_rules(list(values), target.scope)
    if rules is not None:
        patterns = {name: rules.pattern_problem(name, v) for name, v in values.items()}
        _refuse_lines(file, entries, patterns)
    for name, info in set_all(target, values).items():
        click.echo(f"Set {name} (version {info.version}) for {target.label}")


def _refuse_lines(file: Path, entries: Mapping[str, Entry], problems: Mapping[str, str]) -> None:
    bad = [name for name in entries if problems.get(name)]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        line = entries[bad[0]].line
        raise SkyfnError(f"{file}, line {line}: {problems[bad[0]]}{more}; nothing imported")


@secret.command(name="rollback")
@click.argument("name")
@click.option("--to", "version", type=click.IntRange(min=1), required=True, help="The version.")
@target_options
def rollback_command(
    name: str,
    version: int,
    branch: str | None,
    shared: bool,
    identifier: str | None,
    store: str | None,
) -> None:
    """Make version N of secret NAME current again (as a new version: history is kept)."""
    scopes.check_secret_name(name)
    target = open_target(branch, shared, identifier, store)
    old, info = manage.rollback_secret(target, name, version)
    where = manage.scope_of(target, old.path)
    click.echo(f"Rolled back {name} ({where}) to version {old.version}: now version {info.version}")
