"""Synth end to end: load the backend, build the model, render and write every output."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from skyfn.backend_loader import load_backend
from skyfn.dotenv_files import apply_env_files
from skyfn.errors import SkyfnError
from skyfn.model import Model, Scope
from skyfn.project import Project
from skyfn.runtime.stores import StoreName
from skyfn.settings import secret_max_age
from skyfn.synth.artifacts import render_artifact
from skyfn.synth.build import build_model
from skyfn.synth.envgen import PACKAGE, PACKAGE_INIT, render_env_module
from skyfn.synth.writer import WriteReport, write_outputs

# Emits more outputs from a model, beside the artifacts (the outputs layer passes deploy's).
Emitter = Callable[[Project, Model], Mapping[Path, str]]


@dataclass(frozen=True)
class SynthResult:
    model: Model
    report: WriteReport


def load_model(project: Project, scope: Scope, secret_store: StoreName) -> Model:
    """The scope's ``.env`` files, then the backend, then the model."""
    apply_env_files(project.root, scope)
    return build_model(
        load_backend(project),
        app_id=project.app_id,
        scope=scope,
        project_root=project.root,
        secret_store=secret_store,
        secret_max_age=secret_max_age(project.settings, project.root),
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
    """Each function's artifact (``.skyfn/artifacts/<scope>/<function>.json``)."""
    folder = artifact_dir(project, model.scope)
    return {folder / f"{f.name}.json": render_artifact(model, f) for f in model.functions}


def synth(
    project: Project, scope: Scope, secret_store: StoreName, extra: Emitter | None = None
) -> SynthResult:
    """Write env modules and artifacts for ``scope``; unchanged files are left alone."""
    return write_synth(project, load_model(project, scope, secret_store), extra)


def write_synth(project: Project, model: Model, extra: Emitter | None = None) -> SynthResult:
    """Write the outputs of an already built model (so callers can check it first), and
    what ``extra`` emits from it (a branch's template: deploy's output, written beside the
    artifacts). An output claimed twice is refused, naming the function at fault."""
    outputs = env_outputs(project, model) | artifact_outputs(project, model)
    for path, content in (extra(project, model) if extra else {}).items():
        if path in outputs:
            raise SkyfnError(
                f"function {path.stem}: its artifact would overwrite {path.name}, which skyfn "
                "writes beside it; give the function another name="
            )
        outputs[path] = content
    owned = [env_package_dir(project), artifact_dir(project, model.scope)]
    return SynthResult(model, write_outputs(outputs, owned))


def generate_env(project: Project, scope: Scope, secret_store: StoreName) -> SynthResult:
    """Regenerate only the typed env modules."""
    model = load_model(project, scope, secret_store)
    report = write_outputs(env_outputs(project, model), [env_package_dir(project)])
    return SynthResult(model, report)
