"""``skyfn secret status``: the board of referenced secrets by scope; never a value."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from skyfn import scope as scopes
from skyfn.cli.common import current_project
from skyfn.cli.secret_common import stamp
from skyfn.errors import SkyfnError
from skyfn.model import Model, Scope
from skyfn.secrets import status
from skyfn.secrets.choice import choose_secret_store
from skyfn.secrets.registry import USER_STORES, open_store
from skyfn.secrets.store import SecretStore
from skyfn.synth.run import load_model


def _stamp(cell: status.Cell) -> str:
    return stamp(cell.last_changed) if cell.last_changed is not None else ""


def describe(cell: status.Cell) -> str:
    if cell.state == status.MISSING:
        return status.MISSING
    if cell.state == status.EXISTS:
        return "exists (external)"
    return f"{cell.state} v{cell.version} ({cell.source}) {_stamp(cell)}"


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


@click.command(name="status")
@click.option("--branch", "branches", metavar="B", multiple=True, help="A column for branch B.")
@click.option("--all-branches", is_flag=True, help="A column for every branch the store knows.")
@click.option("--identifier", metavar="ID", help="Sandbox identifier (default: OS user name).")
@click.option("--store", type=click.Choice(USER_STORES), help="Secret store to read.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (for CI).")
def status_command(
    branches: tuple[str, ...],
    all_branches: bool,
    identifier: str | None,
    store: str | None,
    as_json: bool,
) -> None:
    """Which secrets the backend references are set where (your sandbox by default).

    A cell is `set vN (branch|sandbox|shared)` with when it last changed, MISSING, or
    INVALID (set, but its value does not match the secret's pattern). Exit code 1 when any
    cell is MISSING or INVALID. Values are never shown.
    """
    project = current_project()
    if (branches or all_branches) and identifier is not None:
        raise SkyfnError("--identifier is for the sandbox column; drop it with --branch")
    columns: list[Scope] = [scopes.branch(b) for b in branches]
    opened: dict[str, SecretStore] = {}

    def store_of(scope: Scope) -> SecretStore:
        name = choose_secret_store(project, scope, store)
        if name not in opened:
            opened[name] = open_store(name)
        return opened[name]

    if all_branches:
        known = status.branches_in(store_of(scopes.branch("main")), project.app_id)
        columns += [scopes.branch(b) for b in known if b not in branches]
        if not columns:
            raise SkyfnError(
                "--all-branches: the store holds no branch secrets of this app; "
                "set one with: skyfn secret set NAME --branch B"
            )
    if not columns:
        columns = [scopes.sandbox(identifier)]
    model = load_model(project, columns[0], choose_secret_store(project, columns[0], store))
    refs = status.references(model)
    cells: dict[tuple[str, Scope], status.Cell] = {}
    extra: list[status.Unreferenced] = []
    for scope in columns:
        column, unreferenced = status.column(project.app_id, scope, store_of(scope), refs)
        cells.update({(name, scope): cell for name, cell in column.items()})
        extra += [u for u in unreferenced if u not in extra]
    external_refs, external_cells = external_rows(model, columns)
    cells.update(external_cells)
    board = status.Board(tuple(columns), (*refs, *external_refs), cells, tuple(extra))
    if as_json:
        click.echo(json.dumps(as_data(board), indent=2))
    else:
        for line in render(board, project.app_id):
            click.echo(line)
    if not board.ok:
        sys.exit(1)


def external_rows(
    model: Model, columns: list[Scope]
) -> tuple[list[status.Reference], dict[tuple[str, Scope], status.Cell]]:
    """The external references' rows; when AWS cannot be asked, a warning and none."""
    from skyfn.aws import quick_calls
    from skyfn.secrets import external

    try:
        with quick_calls():
            states = external.check(model)
    except SkyfnError as exc:
        click.echo(f"warning: could not check the external secret references: {exc}", err=True)
        return [], {}
    return status.external_rows(states, columns)


def render(board: status.Board, app_id: str) -> list[str]:
    if not board.references:
        lines = [f"no function of app {app_id} references a secret"]
    else:
        described = any(ref.description for ref in board.references)
        header = ["SECRET", "USED BY", *(s.label for s in board.scopes)]
        rows = [header + (["DESCRIPTION"] if described else [])] + [
            [
                ref.name,
                ", ".join(ref.users),
                *(describe(board.cells[(ref.name, s)]) for s in board.scopes),
                *([ref.description or ""] if described else []),
            ]
            for ref in board.references
        ]
        lines = table(rows)
    if board.unreferenced:
        near = {u.name: suggestion(u.name, board) for u in board.unreferenced}
        hinted = any(near.values())
        lines += ["", "set, but referenced by no function:"]
        lines += table(
            [["  NAME", "SCOPE", "VERSION", "LAST CHANGED", *(["DID YOU MEAN"] if hinted else [])]]
            + [
                [
                    f"  {u.name}",
                    u.scope,
                    f"v{u.version}",
                    _stamp(status.Cell("", "", 0, u.last_changed)),
                    *([near[u.name] or ""] if hinted else []),
                ]
                for u in board.unreferenced
            ]
        )
    return lines


def suggestion(name: str, board: status.Board) -> str | None:
    """The referenced secret an unreferenced one most likely misspells."""
    from skyfn.runtime.hints import close_name

    return close_name(name, (ref.name for ref in board.references))


def as_data(board: status.Board) -> dict[str, Any]:
    def cell(c: status.Cell) -> dict[str, Any]:
        if c.state == status.MISSING:
            return {"state": "missing"}
        if c.state == status.EXISTS:
            return {"state": "exists", "from": "external"}
        assert c.last_changed is not None
        return {
            "state": c.state.lower(),
            "version": c.version,
            "from": c.source,
            "last_changed": stamp(c.last_changed),
        }

    return {
        "ok": board.ok,
        "scopes": [s.label for s in board.scopes],
        "secrets": [
            {
                "name": ref.name,
                "description": ref.description,
                "used_by": list(ref.users),
                "scopes": {s.label: cell(board.cells[(ref.name, s)]) for s in board.scopes},
            }
            for ref in board.references
        ],
        "unreferenced": [
            {
                "name": u.name,
                "scope": u.scope,
                "version": u.version,
                "last_changed": stamp(u.last_changed),
                "did_you_mean": suggestion(u.name, board),
            }
            for u in board.unreferenced
        ],
    }
