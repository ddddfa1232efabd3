"""``skyfn pipeline-deploy --branch B [--app-id A]``."""

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
def pipeline_deploy(branch: str, app_id: str | None, staging_bucket: str | None) -> None:
    """Deploy branch B to AWS Lambda through CloudFormation (secrets from SSM)."""
    # Imported here: boto3 costs every other command (synth, ...) ~0.2 s at start-up.
    from skyfn.deploy.pipeline import deploy_branch

    started = time.monotonic()
    result = deploy_branch(current_project(), branch, app_id, click.echo, staging_bucket)
    width = max(len("function"), *(len(f.name) for f in result.functions))
    click.echo(f"\nstack {result.stack_name}")
    click.echo(f"  {'function':<{width}}  arn")
    for function in result.functions:
        click.echo(f"  {function.name:<{width}}  {function.arn}")
    click.echo(f"done in {time.monotonic() - started:.1f} s")
