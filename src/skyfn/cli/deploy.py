"""``skyfn pipeline-deploy --branch B [--app-id A] [--staging-bucket NAME] [--relayout]
[--force]``."""

from __future__ import annotations

import time

import click

from skyfn.cli.common import current_project


@click.command(name="pipeline-deploy")
@click.option("--branch", metavar="B", required=True, help="The branch to deploy.")
@click.option("--app-id", metavar="A", help="App id (default: [tool.skyfn] app_id).")
@click.option(
    "--staging-bucket",
    metavar="NAME",
    help="S3 bucket for bundles (default: [tool.skyfn] staging_bucket, "
    "else skyfn-staging-<account>-<region>); created if missing.",
)
@click.option(
    "--relayout",
    is_flag=True,
    help="When the branch crosses 150 functions (one stack <-> nested stacks): delete its "
    "stack and create it again; its functions are unavailable in between.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Deploy even when the branch's stack holds functions and this deploy keeps none "
    "of them (it removes them all).",
)
def pipeline_deploy(
    branch: str, app_id: str | None, staging_bucket: str | None, relayout: bool, force: bool
) -> None:
    """Deploy branch B to AWS Lambda through CloudFormation (secrets from SSM)."""
    # Imported here: boto3 costs every other command (synth, ...) ~0.2 s at start-up.
    from skyfn.deploy.pipeline import deploy_branch

    started = time.monotonic()
    project = current_project()
    result = deploy_branch(project, branch, app_id, click.echo, staging_bucket, relayout, force)
    width = max(len("function"), *(len(f.name) for f in result.functions))
    click.echo(f"\nstack {result.stack_name}")
    click.echo(f"  {'function':<{width}}  arn")
    for function in result.functions:
        click.echo(f"  {function.name:<{width}}  {function.arn}")
    for function in result.functions:
        if function.url is not None:
            click.echo(f"  url of {function.name}: {function.url}")
    click.echo(f"done in {time.monotonic() - started:.1f} s")
