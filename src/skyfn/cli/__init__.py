"""Internal (not a public API): The ``skyfn`` command: parses arguments and calls the modules that do the work."""

from __future__ import annotations

import click

from skyfn import __version__
from skyfn.cli.build import generate, init, synth_command
from skyfn.cli.common import SkyfnGroup
from skyfn.cli.deploy import pipeline_deploy
from skyfn.cli.host import invoke, sandbox
from skyfn.cli.lifecycle import destroy_command, diff_command, logs_command
from skyfn.cli.run import run_command
from skyfn.cli.secret import secret
from skyfn.cli.secret_status import status_command
from skyfn.cli.secret_sync import sync_command


@click.group(cls=SkyfnGroup)
@click.version_option(__version__, prog_name="skyfn")
def main() -> None:
    """Python cloud functions with environment variables and secrets done right."""


main.add_command(init)
main.add_command(synth_command)
main.add_command(generate)
secret.add_command(status_command)
secret.add_command(sync_command)
main.add_command(secret)
main.add_command(pipeline_deploy)
main.add_command(invoke)
main.add_command(sandbox)
main.add_command(run_command)
main.add_command(diff_command)
main.add_command(logs_command)
main.add_command(destroy_command)
