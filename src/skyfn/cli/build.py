"""``skyfn init``, ``skyfn synth``, ``skyfn generate env``."""

from __future__ import annotations

from pathlib import Path

import click

from skyfn.aws import quick_calls
from skyfn.cli.common import choose_scope, current_project, relative, scope_options
from skyfn.errors import SkyfnError
from skyfn.model import Model
from skyfn.outputs import write
from skyfn.project import Project
from skyfn.runtime.stores import StoreName
from skyfn.scaffold import scaffold
from skyfn.secrets.check import check_model
from skyfn.secrets.choice import choose_secret_store
from skyfn.secrets.registry import USER_STORES
from skyfn.synth.run import SynthResult, artifact_dir, generate_env, load_model


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Scaffold the say-hello project in DIRECTORY (default: here)."""
    written = scaffold(directory)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nnext: cd {directory} && skyfn synth")


@click.command(name="synth")
@scope_options
@click.option("--store", type=click.Choice(USER_STORES), help="Secret store to read.")
@click.option(
    "--strict", is_flag=True, help="Fail when a plain value looks like a secret (else a warning)."
)
def synth_command(
    branch: str | None, identifier: str | None, store: str | None, strict: bool
) -> None:
    """Validate the backend and write artifacts and typed env modules.

    Plain values may come from .env, .env.local, .env.<branch> (.env.sandbox without
    --branch) and .env.<branch>.local at the project root; your shell's variables win.
    """
    project = current_project()
    scope = choose_scope(branch, identifier)
    chosen_store = choose_secret_store(project, scope, store)
    model = load_model(project, scope, chosen_store)
    hidden = warn_secret_looking_values(model, strict)
    warn_missing_secrets(model, chosen_store)  # before anything else; synth still succeeds
    warn_unregistered(project, model)
    _print_summary(project, write(project, model), hidden)


@click.group()
def generate() -> None:
    """Regenerate outputs without a full synth."""


@generate.command(name="env")
@scope_options
def generate_env_command(branch: str | None, identifier: str | None) -> None:
    """Regenerate the typed env modules (.skyfn/generated/skyfn_env)."""
    project = current_project()
    scope = choose_scope(branch, identifier)
    result = generate_env(project, scope, choose_secret_store(project, scope))
    _print_written(project, result)


def warn_unregistered(project: Project, model: Model) -> None:
    """A function folder that ``backend.py`` does not register: copied, then forgotten."""
    from skyfn.synth.fileset import excluded
    from skyfn.synth.realpaths import Resolver

    folder = project.backend_dir / "functions"
    resolver = Resolver()  # realpath's answers, each parent folder resolved once
    registered = {resolver.realpath(str(f.directory)) for f in model.functions}
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if excluded(path.name) or resolver.realpath(str(path)) in registered:
            continue
        if not any((path / name).is_file() for name in ("resource.py", "handler.py")):
            continue
        shown = relative(path, project.root)
        click.echo(
            f"warning: {shown}/ is not registered in backend/backend.py, so it is not "
            f"deployed or served; add its fn to define_backend(...) or remove the folder",
            err=True,
        )


def warn_secret_looking_values(model: Model, strict: bool) -> set[tuple[str, str]]:
    """Warn about plain values that look like secrets; they are (function, key), hidden
    from the summary."""
    from skyfn.synth.looks_secret import suspects

    found = suspects(model)
    if strict and found:
        raise SkyfnError("\n".join(item.message for item in found) + "\n(--strict)")
    for item in found:
        click.echo(f"warning: {item.message}", err=True)
    return {(item.function, item.key) for item in found}


def warn_missing_secrets(model: Model, store: StoreName) -> None:
    """Only a warning: when the store cannot be reached, say so within seconds and go on."""
    try:
        with quick_calls():
            missing = check_model(model, store)
    except SkyfnError as exc:
        click.echo(f"warning: could not check secrets in the {store} store: {exc}", err=True)
        return
    for item in missing:
        click.echo(f"warning: {item.message}", err=True)
    warn_missing_external(model)


def warn_missing_external(model: Model) -> None:
    """Only a warning at synth (pipeline-deploy refuses): which external references do not
    exist, from metadata only."""
    from skyfn.secrets import external

    try:
        with quick_calls():
            states = external.check(model)
    except SkyfnError as exc:
        click.echo(f"warning: could not check the external secret references: {exc}", err=True)
        return
    for state in external.missing(states):
        click.echo(f"warning: {state.message}", err=True)


def _print_summary(project: Project, result: SynthResult, hidden: set[tuple[str, str]]) -> None:
    model = result.model
    lines = [f"synth for {model.scope.label} (app {model.app_id})"]
    if len(model.functions) <= SUMMARY_MAX_FUNCTIONS:
        lines += describe_functions(model, hidden)
    else:
        lines += count_functions(project, model)
    click.echo("\n".join(lines))
    _print_written(project, result)


# Above this many functions the summary counts instead of listing each value (the 12,000
# lines of a 1,000-function backend are unreadable on a terminal, and slow to print): each
# function's artifact holds the same, and the warnings are printed all the same.
SUMMARY_MAX_FUNCTIONS = 100


def describe_functions(model: Model, hidden: set[tuple[str, str]]) -> list[str]:
    """One block per function; secrets appear as references, never values, and plain values
    that look like secrets (``hidden``: function, key) are not shown either."""
    lines: list[str] = []
    for f in model.functions:
        lines.append(f"  {f.name}  ({f.handler}, {f.timeout_seconds} s, {f.memory_mb} MB)")
        width = max(
            (len(k) for k in [*(e.key for e in f.environment), *(s.key for s in f.secrets)]),
            default=0,
        )
        for e in f.environment:
            shown = "(hidden: looks like a secret)" if (f.name, e.key) in hidden else e.deployed
            lines.append(f"    {e.key:<{width}}  {e.type_name:<6} {shown}")
        for s in f.secrets:
            lines.append(f"    {s.key:<{width}}  secret {s.secret_name} (resolved at start)")
        if f.settings.layers:
            lines.append(f"    layers: {f.settings.shown()['layers']}")
    lines += [f"  layer {layer.shown(model.project_root)}" for layer in model.layers]
    return lines


def count_functions(project: Project, model: Model) -> list[str]:
    """The summary of a large backend: counts, and where each function's values are."""
    functions = model.functions
    values = sum(len(f.environment) for f in functions)
    secrets = sum(len(f.secrets) for f in functions)
    folder = relative(artifact_dir(project, model.scope), project.root)
    return [
        f"  {len(functions)} functions ({functions[0].name} .. {functions[-1].name}): "
        f"{values} plain values, {secrets} secret references, {len(model.layers)} layers",
        f"  (more than {SUMMARY_MAX_FUNCTIONS} functions: each one's values are in "
        f"{folder}/<function>.json)",
    ]


def _print_written(project: Project, result: SynthResult) -> None:
    report = result.report
    lines = [
        f"wrote {len(report.written)} file(s), {len(report.unchanged)} unchanged"
        + (f", removed {len(report.removed)}" if report.removed else "")
    ]
    lines += [f"  wrote   {relative(path, project.root)}" for path in report.written]
    lines += [f"  removed {relative(path, project.root)}" for path in report.removed]
    click.echo("\n".join(lines))
