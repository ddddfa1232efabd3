"""``skyfn pipeline-deploy``: synth a branch, check its secrets, bundle, deploy.

Nothing reaches AWS before every referenced secret is known to exist, and nothing
mutating happens before the plan (read-only) is made.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from skyfn import scope as scopes
from skyfn.aws import aws_errors
from skyfn.deploy import names
from skyfn.deploy.bundle import build_bundle
from skyfn.deploy.deployer import Deployer, DeployResult, Say, StackRequest, Upload
from skyfn.deploy.staging import SETTING
from skyfn.deploy.template import (
    arn_output,
    dumps,
    key_parameter,
    render_template,
    tags,
    template_outputs,
)
from skyfn.errors import SkyfnError
from skyfn.model import Model
from skyfn.project import Project
from skyfn.runtime.stores import DEPLOY_STORE
from skyfn.secrets.check import check_model
from skyfn.synth.run import synth

DEPLOY_PERMISSIONS = (
    "sts:GetCallerIdentity, s3:ListAllMyBuckets, s3 (on the staging bucket), "
    "cloudformation:*, iam:*Role*, lambda:* and ssm:DescribeParameters"
)


_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def staging_bucket_name(project: Project, option: str | None) -> str | None:
    """``--staging-bucket``, else ``[tool.skyfn] staging_bucket``, else ``None`` (the
    default name, ``skyfn-staging-<account>-<region>``)."""
    name = option if option is not None else project.settings.get(SETTING)
    if name is None:
        return None
    if not isinstance(name, str) or not _BUCKET_NAME.fullmatch(name) or ".." in name:
        raise SkyfnError(
            f"staging bucket name {name!r} is not a valid S3 bucket name: use 3-63 lowercase "
            f"letters, digits, '.' and '-' ([tool.skyfn] {SETTING} or --staging-bucket)"
        )
    return name


def bundle_dir(project: Project, model: Model) -> Path:
    return project.skyfn_dir / "bundles" / model.scope.slug


def deploy_branch(
    project: Project,
    branch: str,
    app_id: str | None,
    say: Say,
    staging_bucket: str | None = None,
) -> DeployResult:
    bucket = staging_bucket_name(project, staging_bucket)
    if app_id is not None:
        project = dataclasses.replace(project, app_id=scopes.check_app_id(app_id))
    model = synth(project, scopes.branch(branch), DEPLOY_STORE, template_outputs).model
    with aws_errors(f"deploy {model.scope.label}", DEPLOY_PERMISSIONS):
        missing = check_model(model, DEPLOY_STORE)
        if missing:
            lines = [f"{len(missing)} secret(s) missing; nothing was deployed. Set them first:"]
            lines += [f"  {item.message}" for item in missing]
            raise SkyfnError("\n".join(lines))
        say(f"deploying app {model.app_id}, {model.scope.label}")
        request = stack_request(project, model)
        deployer = Deployer(say, staging_bucket=bucket)
        return deployer.execute(request, deployer.plan(request))


def stack_request(project: Project, model: Model) -> StackRequest:
    """Bundle every function (written to ``.skyfn/bundles/<scope>/`` for inspection) and
    describe the stack that runs them."""
    if not model.functions:
        raise SkyfnError("the backend defines no functions; nothing to deploy")
    ids = names.function_ids(model)
    folder = bundle_dir(project, model)
    folder.mkdir(parents=True, exist_ok=True)
    code_keys: dict[str, str] = {}
    uploads: list[Upload] = []
    for function in model.functions:
        bundle = build_bundle(function)
        (folder / f"{function.name}.zip").write_bytes(bundle.data)
        key = names.code_key(model.app_id, bundle.sha256)
        code_keys[key_parameter(ids[function.name])] = key
        uploads.append(Upload(key, bundle.data))
    return StackRequest(
        stack_name=names.stack_name(model.app_id, model.scope.name),
        legacy_stack_name=names.legacy_stack_name(model.app_id, model.scope.name),
        template_body=dumps(render_template(model)),
        code_keys=code_keys,
        uploads=tuple(uploads),
        tags=tags(model),
        outputs={arn_output(ids[f.name]): f.name for f in model.functions},
    )
