"""``skyfn diff``, ``skyfn logs`` and ``skyfn destroy``: a deployed branch, inspected,
compared and removed."""

from __future__ import annotations

import json
import sys

import click

from skyfn import scope as scopes
from skyfn.cli.common import current_project

_BRANCH = click.option("--branch", metavar="B", required=True, help="The deployed branch.")
_APP_ID = click.option("--app-id", metavar="A", help="App id (default: [tool.skyfn] app_id).")


@click.command(name="diff")
@_BRANCH
@_APP_ID
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def diff_command(branch: str, app_id: str | None, as_json: bool) -> None:
    """What the next pipeline-deploy of branch B would change (read-only).

    Exit 0: nothing would change; 2: something would; 1: an error."""
    from skyfn.deploy.pipeline import branch_diff

    result = branch_diff(current_project(), branch, app_id, _warn)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        for line in result.lines():
            click.echo(line)
    sys.exit(2 if result else 0)


def _warn(line: str) -> None:
    click.echo(line, err=True)


@click.command(name="logs")
@click.argument("function")
@_BRANCH
@_APP_ID
@click.option("--since", default="10m", show_default=True, help="How far back: 30s, 10m, 2h, 1d.")
@click.option("--follow", is_flag=True, help="Keep polling for new events until Ctrl-C.")
@click.option("--filter", "text_filter", metavar="TEXT", help="Only events containing TEXT.")
@click.option("--no-mask", is_flag=True, help="Print the function's secrets unmasked.")
def logs_command(
    function: str,
    branch: str,
    app_id: str | None,
    since: str,
    follow: bool,
    text_filter: str | None,
    no_mask: bool,
) -> None:
    """The deployed FUNCTION's CloudWatch Logs on branch B, its secrets masked."""
    from skyfn.deploy.logs import function_logs

    project = current_project()
    printed = 0
    try:
        for line in function_logs(
            scopes.check_app_id(app_id) if app_id else project.app_id,
            branch,
            function,
            since,
            _warn,
            text_filter=text_filter,
            follow=follow,
            mask=not no_mask,
        ):
            click.echo(line)
            printed += 1
    except KeyboardInterrupt:
        return
    if not printed:
        _warn(f"no log events in the last {since}")
