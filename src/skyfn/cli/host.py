"""``skyfn invoke`` and ``skyfn sandbox``: the local host."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from skyfn.cli.common import choose_scope, current_project, scope_options
from skyfn.secrets.choice import choose_secret_store
from skyfn.secrets.registry import USER_STORES

if TYPE_CHECKING:
    from skyfn.host.environment import HostOptions
    from skyfn.project import Project

# The host's modules (http.server, watchfiles) are imported by these commands only, so the
# other commands start faster.

inherit_option = click.option(
    "--inherit-env",
    "inherit",
    metavar="NAME",
    multiple=True,
    help="Pass this variable of your shell to the function (repeatable). Nothing else is.",
)


def interpreter_note(line: str) -> None:
    click.echo(f"warning: {line}", err=True)


def _options(inherit: tuple[str, ...]) -> HostOptions:
    from skyfn.host.environment import HostOptions, check_inherit, host_region

    return HostOptions(region=host_region(os.environ), inherit=check_inherit(inherit, os.environ))


@click.command()
@click.argument("function")
@click.option("--event", metavar="JSON", help="The event, as JSON (default: {}).")
@click.option(
    "--event-file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Read the event from this JSON file ('-': from stdin).",
)
@click.option(
    "--event-template",
    type=click.Choice(["schedule"]),
    help="Send the event a trigger delivers: schedule, the EventBridge Scheduler event of "
    "the function's (first) schedule, scheduled now.",
)
@scope_options
@click.option("--store", type=click.Choice(USER_STORES), help="Secret store to read.")
@inherit_option
@click.option(
    "--deployed",
    is_flag=True,
    help="Invoke the function deployed on --branch B (with your AWS credentials) instead "
    "of a local run; its log tail, masked, goes to stderr.",
)
def invoke(
    function: str,
    event: str | None,
    event_file: Path | None,
    event_template: str | None,
    branch: str | None,
    identifier: str | None,
    store: str | None,
    inherit: tuple[str, ...],
    deployed: bool,
) -> None:
    """Run FUNCTION once in a clean local process; print its result as JSON.

    The function's logs go to stderr; the exit code is 1 when the function fails.
    --branch B alone runs it locally with branch B's values; with --deployed it invokes
    the function deployed on branch B.
    """
    from skyfn.host.invoke import invoke_once, read_event

    project = current_project()
    payload = read_event(event, event_file)
    if event_template is not None:
        if event is not None or event_file is not None:
            raise click.UsageError("--event-template replaces --event and --event-file: give one")
        if deployed:
            raise click.UsageError(
                "--event-template is for a local run; a deployed schedule's event is made by "
                "EventBridge Scheduler (skyfn invoke FN --deployed --event '...' sends any)"
            )
        payload = _template_event(project, function, branch, identifier, inherit)
    if deployed:
        project.require_app_id(f"skyfn invoke --deployed of branch {branch}")
        _invoke_deployed(project.app_id, function, payload, branch, identifier, store, inherit)
        return
    scope = choose_scope(branch, identifier)

    chosen = choose_secret_store(project, scope, store)
    try:
        outcome = invoke_once(
            project, scope, chosen, function, payload, _options(inherit), interpreter_note
        )
    except KeyboardInterrupt:  # the worker is stopped already (invoke_once's finally)
        click.echo(
            f"error: invoke of {function} cut short by Ctrl-C; its worker was stopped", err=True
        )
        sys.exit(130)
    click.echo(json.dumps(outcome.result, indent=2))
    if outcome.error:
        failure = outcome.failure()
        if failure.message and failure.message in outcome.logs:  # its log said it already
            click.echo(f"error: function {function} failed ({failure.error_type})", err=True)
        else:
            click.echo(
                f"error: function {function} failed: {failure.error_type}: {failure.message}",
                err=True,
            )
        sys.exit(1)


@click.command()
@click.option("--port", default=3001, show_default=True, help="Port of the Invoke API (0: any).")
@click.option(
    "--host",
    "address",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Only change it if other machines must reach the sandbox.",
)
@scope_options
@click.option("--store", type=click.Choice(USER_STORES), help="Secret store to read.")
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0.1, max=3600),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Time a client has to send one whole request; a slower one gets 408.",
)
@click.option(
    "--auth",
    is_flag=True,
    help="Require requests signed with credentials the sandbox makes and prints (always on "
    "when --host is not a loopback address). Without it, any local user can call functions.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    metavar="NAME",
    multiple=True,
    help="Also accept requests whose Host header names NAME (repeatable); without --auth "
    "only the sandbox's own address is accepted, against DNS rebinding.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=1),
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="Stop a warm worker after this long without a call (as Lambda reclaims idle "
    "instances); its next call starts cold.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=4, max=4096),
    default=64,
    show_default=True,
    metavar="N",
    help="Connections served at once (the console's live log streams count, at most a "
    "quarter); one past it waits until one closes, idle ones closed to make room.",
)
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PEM",
    help="Serve HTTPS with this certificate (with --tls-key). Required when --host is not a "
    "loopback address.",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PEM",
    help="The certificate's private key (PEM, unencrypted; keep it 0600).",
)
@click.option(
    "--no-urls",
    "no_urls",
    is_flag=True,
    help="Do not serve function URLs (url=) on http://<label>.localhost:PORT/.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the web console in a browser.")
@click.option(
    "--no-schedules",
    "no_schedules",
    is_flag=True,
    help="Do not fire the functions' schedules (the console's \"run now\" still runs one).",
)
@inherit_option
def sandbox(
    port: int,
    address: str,
    branch: str | None,
    identifier: str | None,
    store: str | None,
    request_timeout: float,
    auth: bool,
    allowed_hosts: tuple[str, ...],
    idle_timeout: float,
    max_connections: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    open_browser: bool,
    no_schedules: bool,
    inherit: tuple[str, ...],
    no_urls: bool = False,
) -> None:
    """Serve every function on the AWS Lambda Invoke API and a web console (its URL, with
    a token, is printed); reload on change; Ctrl-C stops.

    Your sandbox's secrets by default; --branch B serves with branch B's secrets and values
    (read from the store B deploys from, ssm, unless --store).
    """
    from dataclasses import replace

    from skyfn.host.access import AccessPolicy
    from skyfn.host.sandbox import run as run_sandbox

    if (tls_cert is None) != (tls_key is None):
        given, missing = (
            ("--tls-cert", "--tls-key") if tls_key is None else ("--tls-key", "--tls-cert")
        )
        raise click.UsageError(f"{given} needs {missing} too: the certificate and its key")
    tls_files = (tls_cert, tls_key) if tls_cert is not None and tls_key is not None else None
    project = current_project()
    scope = choose_scope(branch, identifier)
    run_sandbox(
        project,
        scope,
        choose_secret_store(project, scope, store),
        replace(_options(inherit), idle_timeout=idle_timeout, fork_workers=True),
        address,
        port,
        lambda line: click.echo(line),
        request_timeout,
        AccessPolicy.for_address(address, allowed_hosts, auth),
        open_browser,
        max_connections,
        tls_files,
        schedules=not no_schedules,
        urls=not no_urls,
    )


def _template_event(
    project: Project,
    function: str,
    branch: str | None,
    identifier: str | None,
    inherit: tuple[str, ...],
) -> object:
    """The event of the function's first schedule, as the sandbox's scheduler sends it."""
    from datetime import UTC, datetime

    from skyfn.host.schedule_event import build
    from skyfn.synth.run import load_model

    model = load_model(project, choose_scope(branch, identifier), "local")
    found = model.function(function)
    first = found.schedules[0] if found is not None and found.schedules else None
    return build(_options(inherit).region, function, first, datetime.now(UTC))


def _invoke_deployed(
    app_id: str,
    function: str,
    payload: object,
    branch: str | None,
    identifier: str | None,
    store: str | None,
    inherit: tuple[str, ...],
) -> None:
    from skyfn.deploy.remote_invoke import invoke_deployed

    if branch is None:
        raise click.UsageError("--deployed needs --branch B: the branch whose function to invoke")
    local_only = [
        name
        for name, given in (
            ("--identifier", identifier),
            ("--store", store),
            ("--inherit-env", inherit),
        )
        if given
    ]
    if local_only:
        raise click.UsageError(f"{', '.join(local_only)}: only for a local run, not --deployed")
    outcome = invoke_deployed(app_id, branch, function, payload)
    for line in outcome.logs.splitlines():
        click.echo(line, err=True)
    click.echo(json.dumps(outcome.result, indent=2))
    if outcome.error:
        failure = outcome.failure()
        click.echo(
            f"error: function {function} (branch {branch}) failed: "
            f"{failure.error_type}: {failure.message}",
            err=True,
        )
        sys.exit(1)
