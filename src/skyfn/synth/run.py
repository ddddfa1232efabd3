"""Synth end to end: load the backend, build the model, render and write every output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skyfn.deploy import template
from skyfn.errors import SkyfnError
from skyfn.model import Model, Scope
from skyfn.project import Project, load_backend
from skyfn.synth.artifacts import render_artifact
from skyfn.synth.build import build_model
from skyfn.synth.envgen import PACKAGE, PACKAGE_INIT, render_env_module
from skyfn.synth.writer import WriteReport, write_outputs

TEMPLATE_FILE = "template.json"


@dataclass(frozen=True)
class SynthResult:
    model: Model
    report: WriteReport


def load_model(project: Project, scope: Scope, secret_store: str) -> Model:
    return build_model(
        load_backend(project),
        app_id=project.app_id,
        scope=scope,
        project_root=project.root,
        secret_store=secret_store,
    )


def env_package_dir(project: Project) -> Path:
    return project.generated_dir / PACKAGE


def artifact_dir(project: Project, scope: Scope) -> Path:
    return project.artifacts_dir / scope.slug


def env_outputs(project: Project, model: Model) -> dict[Path, str]:
    package = env_package_dir(project)
    outputs = {package / "__init__.py": PACKAGE_INIT}
    for function in model.functions:
        outputs[package / f"{function.module_name}.py"] = render_env_module(function)
    return outputs


def artifact_outputs(project: Project, model: Model) -> dict[Path, str]:
    """Each function's artifact; a branch also gets the CloudFormation template it deploys."""
    folder = artifact_dir(project, model.scope)
    outputs = {folder / f"{f.name}.json": render_artifact(model, f) for f in model.functions}
    if model.scope.kind == "branch":
        if folder / TEMPLATE_FILE in outputs:
            raise SkyfnError(
                f"function {TEMPLATE_FILE.removesuffix('.json')}: its artifact would overwrite "
                f"the branch's {TEMPLATE_FILE}; give the function another name="
            )
        outputs[folder / TEMPLATE_FILE] = template.dumps(template.render_template(model))
    return outputs


def synth(project: Project, scope: Scope, secret_store: str) -> SynthResult:
    """Write env modules and artifacts for ``scope``; unchanged files are left alone."""
    return write_synth(project, load_model(project, scope, secret_store))


def write_synth(project: Project, model: Model) -> SynthResult:
    """Write the outputs of an already built model (so callers can check it first)."""
    scope = model.scope
    outputs = env_outputs(project, model) | artifact_outputs(project, model)
    report = write_outputs(outputs, [env_package_dir(project), artifact_dir(project, scope)])
    return SynthResult(model, report)


def generate_env(project: Project, scope: Scope, secret_store: str) -> SynthResult:
    """Regenerate only the typed env modules."""
    model = load_model(project, scope, secret_store)
    report = write_outputs(env_outputs(project, model), [env_package_dir(project)])
    return SynthResult(model, report)
