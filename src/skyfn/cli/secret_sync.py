"""``skyfn secret sync --from vault --branch B [--app-id A]``: copy the branch's Vault
fields into SSM, where its deployed functions read them (what ``pipeline-deploy`` does
first); only changed values are written, none is shown."""

from __future__ import annotations

import dataclasses

import click

from skyfn import scope as scopes
from skyfn.cli.common import current_project


@click.command(name="sync")
@click.option(
    "--from", "source", type=click.Choice(["vault"]), required=True, help="Where values live."
)
@click.option("--branch", metavar="B", required=True, help="The branch whose copies to update.")
@click.option("--app-id", metavar="A", help="App id (default: [tool.skyfn] app_id).")
def sync_command(source: str, branch: str, app_id: str | None) -> None:
    """Copy the Vault secrets branch B references into its SSM parameters (run it from CI
    on a schedule: warm functions see a rotated value within max_age, no redeploy)."""
    from skyfn.runtime.stores import DEPLOY_STORE
    from skyfn.secrets import vault_sync
    from skyfn.synth.run import load_model

    project = current_project()
    if app_id is not None:
        project = dataclasses.replace(
            project, app_id=scopes.check_app_id(app_id), app_id_from_folder=False
        )
    project.require_app_id(f"a sync of branch {branch}'s Vault secrets")
    model = load_model(project, scopes.branch(branch), DEPLOY_STORE)
    result = vault_sync.sync(model, click.echo)
    if not result.writes and not result.current:
        click.echo(f"no function of {model.scope.label} references a Vault secret")
