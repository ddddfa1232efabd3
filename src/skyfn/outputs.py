"""Every output of a synth, composed: synth's env modules and artifacts and, for a branch,
deploy's CloudFormation templates beside them (``.skyfn/artifacts/branch-<B>/template.json``,
and ``template.partNN.json`` for a branch of many functions; see deploy/nested.py).

The one place that knows both synth and deploy, so synth never imports deploy: commands,
the local host and ``pipeline-deploy`` synthesize through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skyfn.model import Model, Scope
from skyfn.project import Project
from skyfn.runtime.stores import StoreName
from skyfn.synth import run
from skyfn.synth.run import SynthResult

if TYPE_CHECKING:  # deploy's templates are imported only when they are rendered
    from skyfn.deploy.nested import BranchTemplates


@dataclass(frozen=True)
class BranchSynth:
    """A branch's synth: what it wrote, and the templates it rendered (written beside the
    artifacts, and what ``pipeline-deploy`` deploys and ``diff`` compares: rendered once)."""

    result: SynthResult
    templates: BranchTemplates

    @property
    def model(self) -> Model:
        return self.result.model


def synth(project: Project, scope: Scope, secret_store: StoreName) -> SynthResult:
    """Write env modules and artifacts for ``scope`` (and a branch's templates)."""
    return write(project, run.load_model(project, scope, secret_store))


def write(project: Project, model: Model) -> SynthResult:
    """Write the outputs of an already built model (nothing is rendered when they are
    the last synth's, untouched: ``synth.output_cache``)."""
    return run.write_synth_cached(project, model, lambda built: _templates(project, built))


def _templates(project: Project, model: Model) -> dict[Path, str]:
    from skyfn.deploy.nested import template_outputs

    return template_outputs(project, model)


def synth_branch(project: Project, branch: Scope, secret_store: StoreName) -> BranchSynth:
    """``synth`` of a branch scope, keeping the templates it wrote for the deploy."""
    from skyfn.deploy.nested import render, template_files

    model = run.load_model(project, branch, secret_store)
    templates = render(model)
    result = run.write_synth(project, model, template_files(project, model, templates))
    return BranchSynth(result, templates)
