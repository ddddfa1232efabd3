"""``skyfn diff``, ``skyfn logs`` and ``skyfn destroy``: a deployed branch, inspected,
compared and removed."""

from __future__ import annotations

import json
import sys

import click

from skyfn import scope as scopes
from skyfn.cli.common import current_project
from skyfn.errors import SkyfnError

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

    printed = 0
    try:
        for line in function_logs(
            _app_id(app_id, f"skyfn logs of branch {branch}"),
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


@click.command(name="destroy")
@_BRANCH
@_APP_ID
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for CI).")
@click.option("--secrets", is_flag=True, help="Also remove the branch's secrets from SSM.")
def destroy_command(branch: str, app_id: str | None, yes: bool, secrets: bool) -> None:
    """Delete branch B's stack (its functions and roles); bundles and, unless --secrets,
    the branch's secrets stay."""
    from skyfn import aws
    from skyfn.deploy import branches, destroy, stacks

    app = _app_id(app_id, f"skyfn destroy of branch {branch}")
    with aws.aws_errors(f"find the stack of branch {branch}", destroy.PERMISSIONS):
        cfn = aws.client("cloudformation", "connect to CloudFormation")
        name, stack = stacks.branch_stack(cfn, app, branch, "nothing was destroyed")
        if stack is None and branches.was_deleted(cfn, app, branch):
            click.echo(f"stack {name} of branch {branch} is already deleted; nothing to do")
            _branch_secrets(app, branch, remove=secrets, yes=yes)
            return
        target = destroy.find_target(cfn, app, branch)
    for line in target.describe():
        _warn(line)
    _confirm(yes, f"Delete stack {target.stack_name} and everything in it?", "destroy")
    for line in destroy.delete(cfn, target, _warn):
        click.echo(line)
    click.echo(f"stack {target.stack_name} deleted; bundles stay in the staging bucket")
    _branch_secrets(app, branch, remove=secrets, yes=yes)


def _app_id(option: str | None, what: str) -> str:
    """``--app-id``, else the project's, if chosen rather than derived from its folder."""
    if option:
        return scopes.check_app_id(option)
    project = current_project()
    project.require_app_id(what)
    return project.app_id


def _confirm(yes: bool, question: str, what: str) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise SkyfnError(f"{what} needs a confirmation: run it on a terminal, or add --yes")
    click.confirm(question, abort=True, err=True)


def _branch_secrets(app: str, branch: str, remove: bool, yes: bool) -> None:
    from skyfn.secrets import manage
    from skyfn.secrets.ssm import SsmStore

    target = manage.Target(app, scopes.branch(branch), SsmStore())
    names = manage.scope_names(target)
    if not names:
        click.echo(f"no secrets for {target.label} in SSM")
        return
    if not remove:
        click.echo(
            f"{len(names)} secret(s) of {target.label} stay in SSM ({', '.join(names)}); "
            f"remove them with: skyfn destroy --branch {branch} --secrets, or "
            f"skyfn secret remove --all --branch {branch} --store ssm"
        )
        return
    _warn(f"secrets of {target.label} in SSM: {', '.join(names)}")
    _confirm(yes, f"Remove these {len(names)} secret(s) too?", "removing the secrets")
    for removed in manage.remove_all(target, names):
        click.echo(f"removed secret {removed} from {target.label}")
