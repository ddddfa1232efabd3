"""Synth end to end: load the backend, build the model, render and write its outputs.

skyfn.outputs composes these with deploy's templates; commands synthesize through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from skyfn.backend_loader import load_backend
from skyfn.definition_cache import write_pending
from skyfn.dotenv_files import apply_env_files
from skyfn.errors import SkyfnError
from skyfn.model import Model, Scope
from skyfn.project import Project
from skyfn.runtime.stores import StoreName
from skyfn.settings import secret_max_age
from skyfn.synth.artifacts import render_artifact
from skyfn.synth.build import build_model
from skyfn.synth.envgen import PACKAGE, PACKAGE_INIT, render_env_module
from skyfn.synth.output_cache import OutputCache, model_key
from skyfn.synth.writer import WriteReport, remove_stale, write_outputs


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


def synth_outputs(
    project: Project, model: Model, extra: Mapping[Path, str] | None = None
) -> dict[Path, str]:
    """Env modules, artifacts and ``extra``, more files rendered from the model (a branch's
    templates: deploy's output, written beside the artifacts; skyfn.outputs passes them).
    An output claimed twice is refused, naming the function at fault."""
    outputs = env_outputs(project, model) | artifact_outputs(project, model)
    for path, content in (extra or {}).items():
        if path in outputs:
            raise SkyfnError(
                f"function {path.stem}: its artifact would overwrite {path.name}, which skyfn "
                "writes beside it; give the function another name="
            )
        outputs[path] = content
    return outputs


def owned_dirs(project: Project, model: Model) -> list[Path]:
    """The folders synth owns: a file there that no output names is removed."""
    return [env_package_dir(project), artifact_dir(project, model.scope)]


def write_synth(
    project: Project, model: Model, extra: Mapping[Path, str] | None = None
) -> SynthResult:
    """Write env modules, artifacts and ``extra`` for an already built model (so callers
    can check it first). Unchanged files are left alone."""
    outputs = synth_outputs(project, model, extra)
    result = SynthResult(model, write_outputs(outputs, owned_dirs(project, model)))
    write_pending(project.skyfn_dir)
    return result


def write_synth_cached(
    project: Project, model: Model, render_extra: Callable[[Model], Mapping[Path, str]]
) -> SynthResult:
    """``write_synth`` of ``render_extra(model)``, unless the model is the last synth's
    and its outputs are untouched since: then nothing is rendered or read
    (``output_cache``)."""
    owned = owned_dirs(project, model)
    cache = OutputCache(project.skyfn_dir, model.scope.slug, model_key(model, owned))
    kept = cache.unchanged()
    if kept is not None:
        return SynthResult(model, WriteReport((), tuple(kept), remove_stale(kept, owned)))
    outputs = synth_outputs(project, model, render_extra(model))
    result = SynthResult(model, write_outputs(outputs, owned))
    write_pending(project.skyfn_dir)
    cache.record(outputs)
    return result


def generate_env(project: Project, scope: Scope, secret_store: StoreName) -> SynthResult:
    """Regenerate only the typed env modules."""
    model = load_model(project, scope, secret_store)
    report = write_outputs(env_outputs(project, model), [env_package_dir(project)])
    write_pending(project.skyfn_dir)
    return SynthResult(model, report)
