"""Every output of a synth, composed: synth's env modules and artifacts and, for a branch,
deploy's CloudFormation templates beside them (``.skyfn/artifacts/branch-<B>/template.json``,
and ``template.partNN.json`` for a branch of many functions; see deploy/nested.py).

The one place that knows both synth and deploy, so synth never imports deploy: commands and
the local host synthesize through here.
"""

from __future__ import annotations

from skyfn.deploy.nested import template_outputs
from skyfn.model import Model, Scope
from skyfn.project import Project
from skyfn.runtime.stores import StoreName
from skyfn.synth import run
from skyfn.synth.run import SynthResult


def synth(project: Project, scope: Scope, secret_store: StoreName) -> SynthResult:
    return run.synth(project, scope, secret_store, template_outputs)


def write(project: Project, model: Model) -> SynthResult:
    return run.write_synth(project, model, template_outputs)
