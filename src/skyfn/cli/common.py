"""What every command shares: clean user errors, scope options, finding the project."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from skyfn import scope as scopes
from skyfn.errors import SkyfnError
from skyfn.model import Scope
from skyfn.project import Project, find_project

F = TypeVar("F", bound=Callable[..., Any])


class SkyfnGroup(click.Group):
    """Turns a ``SkyfnError`` anywhere below into one message on stderr and exit code 1,
    and any other exception (a bug in skyfn) into one line, a report and exit code 70
    (``skyfn.cli.crash``). Click's own exits (usage errors, ``--help``, Ctrl-C, a closed
    pipe) and ``SystemExit`` pass as they are."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from skyfn.cli import crash

        arguments = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:  # a caller that asked for the exceptions gets them
            return super().main(arguments, prog_name, complete_var, standalone_mode, **extra)
        try:
            with crash.watching_threads(self, arguments):
                return super().main(arguments, prog_name, complete_var, standalone_mode, **extra)
        except Exception as exc:
            crash.handle(self, arguments, exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SkyfnError as exc:
            fail(str(exc))


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def scope_options(func: F) -> F:
    """``--branch B`` (a branch scope) or the developer's sandbox (``--identifier ID``)."""
    func = click.option(
        "--identifier",
        metavar="ID",
        help="Sandbox identifier (default: your OS user name).",
    )(func)
    func = click.option("--branch", metavar="B", help="Use the scope of branch B.")(func)
    return func


def choose_scope(branch: str | None, identifier: str | None) -> Scope:
    if branch is not None and identifier is not None:
        raise SkyfnError("--branch and --identifier are exclusive: pick one scope")
    return scopes.branch(branch) if branch is not None else scopes.sandbox(identifier)


def choose_target(branch: str | None, identifier: str | None, shared: bool) -> Scope | None:
    """``choose_scope``, or ``None`` for the app's shared secrets (``--shared``)."""
    if shared:
        if branch is not None or identifier is not None:
            raise SkyfnError("--branch, --shared and --identifier are exclusive: pick one scope")
        return None
    return choose_scope(branch, identifier)


def current_project() -> Project:
    return find_project(Path.cwd())


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
