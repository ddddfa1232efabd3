"""``skyfn run FUNCTION -- COMMAND...``: parse arguments, call ``skyfn.host.run_command``."""

from __future__ import annotations

import os
import sys

import click

from skyfn.cli.common import choose_scope, current_project, fail, scope_options
from skyfn.secrets.choice import choose_secret_store
from skyfn.secrets.registry import USER_STORES
from skyfn.synth.run import generate_env


@click.command(
    name="run",
    context_settings={"ignore_unknown_options": True},
)
@click.argument("function")
@scope_options
@click.option("--store", type=click.Choice(USER_STORES), help="Secret store to read.")
@click.option(
    "--clean",
    is_flag=True,
    help="Give the command exactly the function's environment, not your shell's plus it "
    "(python on its PATH then sees the function's packages only).",
)
@click.option(
    "--no-mask",
    "no_mask",
    is_flag=True,
    help="Do not mask secret values in the command's output. A terminal program (a REPL, "
    "an editor, anything that needs stdout to be the terminal) needs this.",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run_command(
    function: str,
    branch: str | None,
    identifier: str | None,
    store: str | None,
    clean: bool,
    no_mask: bool,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND with FUNCTION's environment values and secrets.

    The values and secrets (resolved from the store, for your sandbox or --branch B) are
    added on top of your shell's environment, or replace it with --clean. COMMAND's exit
    code is skyfn's; stdin, the terminal and signals pass through. Secret values in
    COMMAND's stdout and stderr show as ****, unless --no-mask.

    Example: skyfn run say-hello -- python manage.py migrate
    """
    from skyfn.host.run_command import CommandNotFound, execute, functions_served, plan

    if command and command[0] == "--":
        command = command[1:]
    if not command:
        fail("give the command to run after --, e.g. skyfn run FUNCTION -- python script.py")
    project = current_project()
    scope = choose_scope(branch, identifier)
    # the env modules are written first: the command may import them (skyfn_env.<fn>)
    model = generate_env(project, scope, choose_secret_store(project, scope, store)).model
    run_plan = plan(model, function, os.environ, clean)
    try:
        with functions_served(model, run_plan, clean):
            code = execute(command, run_plan, mask=not no_mask)
    except CommandNotFound as exc:
        fail(str(exc), 127)
    sys.exit(code)
