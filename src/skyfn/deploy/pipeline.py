"""``skyfn pipeline-deploy``: synth a branch, check its secrets, bundle, deploy.

Nothing reaches AWS before every referenced secret is known to exist, and nothing
mutating happens before the plan (read-only) is made.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import botocore.exceptions

from skyfn import aws
from skyfn import scope as scopes
from skyfn.aws import aws_errors
from skyfn.deploy import concurrency, layers, leakcheck, names, nested
from skyfn.deploy.bundle import Bundle, build_bundle
from skyfn.deploy.deployer import (
    Deployer,
    DeployResult,
    PartRequest,
    Say,
    StackRequest,
    Upload,
)
from skyfn.deploy.diff import Diff
from skyfn.deploy.policy import has_external, kms_keys_parameter
from skyfn.deploy.preview import READ_PERMISSIONS, diff_request
from skyfn.deploy.stacks import PROJECT_TAG
from skyfn.deploy.staging import SETTING
from skyfn.deploy.template import TEMPLATE_FILE, arn_output, tags
from skyfn.deploy.urls import url_output
from skyfn.errors import AwsUnavailable, SkyfnError
from skyfn.model import Function, Model
from skyfn.outputs import BranchSynth, synth_branch
from skyfn.project import Project
from skyfn.runtime.contract import is_external
from skyfn.runtime.stores import DEPLOY_STORE
from skyfn.secrets import external, vault_sync
from skyfn.secrets.check import check_model
from skyfn.secrets.ssm import SsmStore
from skyfn.synth.fileset import DEFINITION_FILE
from skyfn.synth.run import artifact_dir
from skyfn.synth.secret_files import SETTING as SECRET_FILES_SETTING

DEPLOY_PERMISSIONS = (
    "sts:GetCallerIdentity, s3:ListAllMyBuckets, s3 (on the staging bucket, with "
    "s3:ListBucket), "
    "cloudformation:*, iam:*Role*, lambda:*, ssm:DescribeParameters (and, for the check "
    "that no secret value is deployed, ssm:GetParameters and kms:Decrypt); for external "
    "references, secretsmanager:DescribeSecret and kms:DescribeKey (and, for that check, "
    "secretsmanager:GetSecretValue and ssm:GetParameter)"
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


def branch_synth(project: Project, branch: str, app_id: str | None) -> tuple[Project, BranchSynth]:
    """Synth the branch (``--app-id`` overriding the project's): its outputs are written,
    and its model and templates are what the deploy or the diff goes on with."""
    if app_id is not None:
        project = dataclasses.replace(
            project, app_id=scopes.check_app_id(app_id), app_id_from_folder=False
        )
    project.require_app_id(f"a deploy of branch {branch} (or its diff)")
    return project, synth_branch(project, scopes.branch(branch), DEPLOY_STORE)


def deploy_branch(
    project: Project,
    branch: str,
    app_id: str | None,
    say: Say,
    staging_bucket: str | None = None,
    relayout: bool = False,
    force: bool = False,
) -> DeployResult:
    bucket = staging_bucket_name(project, staging_bucket)
    project, synthed = branch_synth(project, branch, app_id)
    model = synthed.model
    note_mapped_name(model, say)
    with aws_errors(f"deploy {model.scope.label}", DEPLOY_PERMISSIONS):
        missing = check_model(model, DEPLOY_STORE)
        if missing:
            lines = [f"{len(missing)} secret(s) missing; nothing was deployed. Set them first:"]
            lines += [f"  {item.message}" for item in missing]
            raise SkyfnError("\n".join(lines))
    states = check_external(model)
    concurrency.check(model, lambda: aws.client("lambda", f"deploy {model.scope.label}"))
    # Vault's fields: read (and refused when missing, too large, sealed, denied) before any
    # change; written to SSM just before the stack, so new functions find them
    store = SsmStore() if vault_sync.targets(model) else None
    synced = vault_sync.plan(model, store) if store is not None else vault_sync.Plan()
    with aws_errors(f"deploy {model.scope.label}", DEPLOY_PERMISSIONS):
        say(f"deploying app {model.app_id}, {model.scope.label}")
        note_new_branch(model, say, "this deploy creates its stack")
        request = stack_request(project, model, say, states, synthed.templates)
        check_secret_values(project, model, request, say, also=synced.values())
        deployer = Deployer(say, staging_bucket=bucket, relayout=relayout, force=force)
        preview = diff_request(request, deployer.session, "nothing was deployed")
        if preview:
            for line in preview.lines():
                say(line)
        plan = deployer.plan(request)
        if store is not None:
            vault_sync.apply(synced, store, say)
        return deployer.execute(request, plan)


def branch_diff(project: Project, branch: str, app_id: str | None, say: Say) -> Diff:
    """What ``deploy_branch`` would change, from read-only AWS calls (see preview)."""
    project, synthed = branch_synth(project, branch, app_id)
    model = synthed.model
    note_mapped_name(model, say)
    request = stack_request(project, model, say, external.check(model), synthed.templates)
    with aws_errors(f"compare {model.scope.label} with its stack", READ_PERMISSIONS):
        note_new_branch(model, say, "the diff shows what a first deploy would create")
        return diff_request(request)


def note_mapped_name(model: Model, say: Say) -> None:
    """``feature/login`` is ``feature-login`` in every name: say so (see scope.branch)."""
    note = scopes.mapping_note(model.scope)
    if note:
        say(note)


def note_new_branch(model: Model, say: Say, what: str) -> None:
    """A branch with no stack yet: say so, naming the deployed ones (a typo, or a new one)."""
    from skyfn import aws
    from skyfn.deploy import branches

    try:
        cfn = aws.client("cloudformation", "connect to CloudFormation")
        note = branches.new_branch_note(cfn, model.app_id, model.scope.name, what)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, SkyfnError):
        return  # only a note: a deployer who may not list stacks still deploys
    if note is not None:
        say(note)


def check_external(model: Model) -> list[external.ExternalState]:
    """The external references' states; refuse (before any change) when one is missing."""
    states = external.check(model)
    absent = external.missing(states)
    if absent:
        lines = [f"{len(absent)} external secret(s) missing; nothing was deployed:"]
        lines += [f"  {item.message}" for item in absent]
        raise SkyfnError("\n".join(lines))
    return states


def kms_key_parameters(
    model: Model, ids: Mapping[str, str], states: list[external.ExternalState]
) -> dict[str, str]:
    """Each function's ``KmsKeys<Fn>`` template parameter: its external references'
    customer managed keys (empty: none)."""
    keys: dict[str, set[str]] = {f.name: set() for f in model.functions if has_external(f)}
    for state in states:
        if state.kms_key is not None:
            keys.setdefault(state.function, set()).add(state.kms_key)
    return {kms_keys_parameter(ids[name]): ",".join(sorted(found)) for name, found in keys.items()}


def stack_request(
    project: Project,
    model: Model,
    say: Say,
    states: list[external.ExternalState] | None = None,
    templates: nested.BranchTemplates | None = None,
) -> StackRequest:
    """Bundle every function (written to ``.skyfn/bundles/<scope>/`` for inspection) and
    describe the stack that runs them: one stack, or a root and its parts (nested.py).
    ``states``: the external references', whose customer managed KMS keys become template
    parameters (of the single stack, or of the root, which passes them on to the parts).
    ``templates``: the model's, as the synth rendered and wrote them (else rendered here)."""
    if not model.functions:
        raise SkyfnError("the backend defines no functions; nothing to deploy")
    folder = bundle_dir(project, model)
    folder.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    uploads: list[Upload] = []
    routine = False
    layer_folders = layers.package_folders(model, project.root)
    layer_sizes = {name: layers.folder_sizes(path) for name, path in layer_folders.items()}
    for function in model.functions:
        bundle = build_bundle(function, project.backend_dir)
        layers.check_unzipped(function, dict(bundle.unzipped), layer_sizes)
        routine = _say_left_out(project, function, bundle, say) or routine
        (folder / f"{function.name}.zip").write_bytes(bundle.data)
        digests[function.name] = bundle.sha256
        key = names.code_key(model.app_id, bundle.sha256)
        label = _shown(project, folder / f"{function.name}.zip")
        uploads.append(Upload(key, bundle.data, label, function.name))
    layer_keys = _layer_uploads(project, model, layer_folders, uploads)
    if routine:  # the same for every function on every run: said once
        say(f"note: each function's {DEFINITION_FILE} and Python caches stay out of its bundle")
    if templates is None:
        templates = nested.render(model)
    artifacts = artifact_dir(project, model.scope)
    outputs: dict[str, str] = {}
    url_outputs: dict[str, str] = {}
    for part in templates.parts or (None,):
        part_model = part.model if part else model
        ids = names.function_ids(part_model)
        prefix = f"{part.logical_id}/" if part else ""
        outputs |= {f"{prefix}{arn_output(ids[f.name])}": f.name for f in part_model.functions}
        url_outputs |= {
            f"{prefix}{url_output(ids[f.name])}": f.name for f in part_model.functions if f.url
        }
        if part:
            label = _shown(project, artifacts / part.file)
            uploads.append(Upload(part.key, part.body.encode(), label))
    parameters = nested.code_parameters(model, templates, digests) | layer_keys
    # a single stack's KmsKeys<Fn>, or the root's, which passes them on to the parts
    parameters |= kms_key_parameters(model, names.function_ids(model), states or [])
    return StackRequest(
        stack_name=names.stack_name(model.app_id, model.scope.name),
        legacy_stack_name=names.legacy_stack_name(model.app_id, model.scope.name),
        template_body=templates.root_body,
        code_keys=parameters,
        uploads=tuple(uploads),
        tags=tags(model) | project_tag(project),
        outputs=outputs,
        url_outputs=url_outputs,
        parts=tuple(
            PartRequest(p.logical_id, p.body, nested.code_keys(p.model, digests))
            for p in templates.parts
        ),
    )


def _layer_uploads(
    project: Project, model: Model, folders: Mapping[str, Path], uploads: list[Upload]
) -> dict[str, str]:
    """Zip each deployed layer once (written to ``.skyfn/bundles/<scope>/layers/``), add it
    to the uploads; its key template parameter -> its S3 key (by content)."""
    keys: dict[str, str] = {}
    folder = bundle_dir(project, model) / "layers"
    for layer in layers.used(model):
        zipped = layers.build_zip(layer, folders[layer.name])
        path = folder / f"{layer.name}.zip"
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(zipped.data)
        key = names.code_key(model.app_id, zipped.sha256)
        uploads.append(Upload(key, zipped.data, _shown(project, path)))
        keys[layers.key_parameter(layer.name)] = key
    return keys


def project_tag(project: Project) -> dict[str, str]:
    """The stack's ``skyfn:project`` tag: whose stack it is (see stacks.py)."""
    return {PROJECT_TAG: project.project_id} if project.project_id else {}


def _routine(function: Function, path: Path) -> bool:
    """Left out of every bundle, every time: the definition file and Python's caches."""
    if path.name == DEFINITION_FILE and path.parent == function.directory:
        return True
    return path.name == "__pycache__" or path.suffix in (".pyc", ".pyo", ".pyd")


def _say_left_out(project: Project, function: Function, bundle: Bundle, say: Say) -> bool:
    """Say what was kept out of ``bundle`` for safety; whether routine files were left out
    too (said once per command, not per function)."""
    name = bundle.function
    listed = [p for p in bundle.left_out if not _routine(function, p)]
    if listed:  # .env files, dotfiles, core dumps, ...
        shown = ", ".join(_shown(project, p) for p in listed)
        say(f"function {name}: left out of its bundle: {shown}")
    if bundle.links:
        shown = ", ".join(_shown(project, p) for p in bundle.links)
        say(
            f"function {name}: left out of its bundle, not regular files inside backend/ "
            f"(a bundle never follows a link): {shown}"
        )
    if bundle.secret_looking:
        shown = ", ".join(f"{_shown(project, p)} ({why})" for p, why in bundle.secret_looking)
        say(
            f"function {name}: left out of its bundle, secret-looking: {shown}; to ship one "
            f"on purpose, add its path to [tool.skyfn] {SECRET_FILES_SETTING}"
        )
    return len(listed) < len(bundle.left_out)


def _shown(project: Project, path: Path) -> str:
    try:
        shown = path.relative_to(project.root).as_posix()
    except ValueError:
        shown = path.as_posix()
    return shown + ("/" if path.is_dir() and not path.is_symlink() else "")


def _read_ssm(paths: list[str]) -> dict[str, str]:
    own = [p for p in paths if not is_external(p)]  # external ones: _read_external
    return {p: v.value for p, v in SsmStore().read_many(own).items()} if own else {}


def _read_external(paths: list[str]) -> dict[str, str]:
    return external.read_values(paths)


def check_secret_values(
    project: Project,
    model: Model,
    request: StackRequest,
    say: Say,
    read: Callable[[list[str]], Mapping[str, str]] = _read_ssm,
    read_external: Callable[[list[str]], Mapping[str, str]] = _read_external,
    also: Sequence[str] = (),
) -> None:
    """Refuse a bundle or template holding a value of the branch's secrets or of its
    external references (see leakcheck); ``read`` gives the values at skyfn's store paths,
    ``read_external`` those of external references, with the deployer's credentials;
    ``also``: values read elsewhere (the Vault values a deploy syncs)."""
    values: list[str] = [*also]
    try:
        values += leakcheck.secret_values(model, read)
    except AwsUnavailable as exc:
        raise leakcheck.unreadable(exc) from None
    except SkyfnError as exc:
        say(
            f"note: the bundles and template were not checked for secret values: {exc} "
            f"(the check needs {leakcheck.READ_PERMISSIONS} on the branch's parameters)"
        )
    try:
        values += leakcheck.external_values(model, read_external)
    except AwsUnavailable as exc:
        raise leakcheck.unreadable(exc) from None
    except SkyfnError as exc:
        say(
            "note: the bundles and template were not checked for the values of external "
            f"references: {exc} (the check needs {leakcheck.EXTERNAL_READ_PERMISSIONS})"
        )
    if not values:
        return
    if skipped := leakcheck.too_short(values):
        say(
            f"note: {skipped} secret value(s) shorter than {leakcheck.MIN_LENGTH} characters "
            "were not looked for in the bundles and template"
        )
    template = _shown(project, artifact_dir(project, model.scope) / TEMPLATE_FILE)
    artifacts = {template: request.template_body.encode()}
    artifacts |= {u.label or u.key: u.data for u in request.uploads}
    found = leakcheck.scan(artifacts, values)
    for unread in found.unread:
        say(f"note: not looked inside for secret values: {unread}")
    leakcheck.refuse_leaks(found.hits)
