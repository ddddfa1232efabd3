"""Internal (not a public API): The ``skyfn`` command: parses arguments and calls the modules that do the work.

Each command's module is imported when that command runs (or ``--help`` lists them all):
``skyfn synth`` never imports the deploy, the local host or boto3."""

from __future__ import annotations

import importlib

import click

from skyfn import __version__
from skyfn.cli.common import SkyfnGroup

# command name → its module and object, in ``skyfn --help``'s order (click sorts them).
COMMANDS = {
    "init": ("skyfn.cli.build", "init"),
    "synth": ("skyfn.cli.build", "synth_command"),
    "generate": ("skyfn.cli.build", "generate"),
    "secret": ("skyfn.cli.secret_group", "secret"),
    "pipeline-deploy": ("skyfn.cli.deploy", "pipeline_deploy"),
    "invoke": ("skyfn.cli.host", "invoke"),
    "sandbox": ("skyfn.cli.host", "sandbox"),
    "run": ("skyfn.cli.run", "run_command"),
    "diff": ("skyfn.cli.lifecycle", "diff_command"),
    "logs": ("skyfn.cli.lifecycle", "logs_command"),
    "destroy": ("skyfn.cli.lifecycle", "destroy_command"),
}


class LazyGroup(SkyfnGroup):
    """``SkyfnGroup`` whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.commands.get(cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        module, name = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        self.commands[cmd_name] = command  # as a plain group holds it (crash reports read it)
        return command


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="skyfn")
def main() -> None:
    """Python cloud functions with environment variables and secrets done right."""
