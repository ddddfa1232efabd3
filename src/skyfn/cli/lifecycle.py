"""``skyfn diff``, ``skyfn logs`` and ``skyfn destroy``: a deployed branch, inspected,
compared and removed."""

from __future__ import annotations

import json
import sys

import click

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

    result = branch_diff(current_project(), branch, app_id, lambda line: click.echo(line, err=True))
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        for line in result.lines():
            click.echo(line)
    sys.exit(2 if result else 0)
