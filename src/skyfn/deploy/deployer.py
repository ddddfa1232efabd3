"""Plan, then execute, a branch deploy: staging bucket, bundles, CloudFormation stack.

Everything goes through boto3's standard chain (credentials, region, ``AWS_ENDPOINT_URL``).
The plan is made with read-only calls; only ``execute`` changes anything, and only what
the plan says changed: an unchanged deploy makes no mutating call at all.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from skyfn import aws
from skyfn.deploy import (
    layout,
    names,
    nested_events,
    progress,
    stack_writes,
    stacks,
    transfer,
    tree,
)
from skyfn.deploy.nested import DIGESTS_PARAMETER
from skyfn.deploy.stack_failure import failure_message, latest_operation
from skyfn.deploy.staging import StagingBucket
from skyfn.deploy.template import ARN_OUTPUT_PREFIX, BUCKET_PARAMETER
from skyfn.errors import SkyfnError

Say = Callable[[str], None]

_BUSY_SUFFIX = "_IN_PROGRESS"
_STUCK = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"}  # create failed: recreate
_NO_UPDATES = "No updates are to be performed"
TEMPLATE_BODY_LIMIT = 51_200  # bytes CloudFormation accepts inline; larger goes through S3


@dataclass(frozen=True)
class Upload:
    key: str
    data: bytes
    label: str = ""  # the file it was written to, for messages
    function: str = ""  # the function whose bundle it is


@dataclass(frozen=True)
class PartRequest:
    """A nested stack of the root (see nested.py): its template (staged in the bucket, one
    of the request's uploads) and the code keys it gets from the root, resolved."""

    logical_id: str
    template_body: str
    code_keys: Mapping[str, str]  # its template parameter -> S3 key


@dataclass(frozen=True)
class StackRequest:
    """What to deploy: a stack, its template, its parameters (minus the bucket) and tags,
    the bundles (and parts' templates) to upload by key, and which output names which
    function (a part's output as ``<part>/<output key>``)."""

    stack_name: str
    template_body: str
    code_keys: Mapping[str, str]  # template parameter -> value (S3 keys, digests, KMS keys)
    uploads: Sequence[Upload]
    tags: Mapping[str, str]
    outputs: Mapping[str, str]  # output key -> skyfn function name
    legacy_stack_name: str | None = None  # the name skyfn gave this stack before 0.2
    parts: Sequence[PartRequest] = ()  # none: a single stack
    url_outputs: Mapping[str, str] = field(default_factory=dict)  # URL output -> function


@dataclass(frozen=True)
class Plan:
    stack_name: str  # the request's, or the legacy name of a stack taken over
    region: str
    bucket: str
    create_bucket: bool
    uploads: tuple[Upload, ...]
    stack_action: str  # "create", "update", "recreate" or "none"
    parameters: tuple[tuple[str, str], ...]
    why_recreate: str = "its creation had failed and it cannot be updated"


@dataclass(frozen=True)
class DeployedFunction:
    name: str
    arn: str
    url: str | None = None  # its function URL, if it has one


@dataclass(frozen=True)
class DeployResult:
    stack_name: str
    changed: bool
    functions: tuple[DeployedFunction, ...] = field(default=())


class Deployer:
    def __init__(
        self,
        say: Say,
        session: Any = None,
        staging_bucket: str | None = None,
        relayout: bool = False,
        force: bool = False,
    ) -> None:
        self.say = say
        self.relayout = relayout  # may delete and recreate the stack to change its layout
        self.force = force  # may remove every function the stack holds
        self.staging_bucket = staging_bucket
        self.session = session or aws.session()
        self.region: str | None = self.session.region_name
        if not self.region:
            raise SkyfnError(
                "no AWS region configured; set AWS_REGION (or a region in your AWS profile)"
            )
        self.s3 = aws.client("s3", "connect to S3", self.session)
        self.cfn = aws.client("cloudformation", "connect to CloudFormation", self.session)

    def account_id(self) -> str:
        sts = aws.client("sts", "connect to STS", self.session)
        account: str = sts.get_caller_identity()["Account"]
        return account

    # -- plan: read-only ----------------------------------------------------------------

    def plan(self, request: StackRequest) -> Plan:
        assert self.region is not None
        account = self.account_id()
        bucket = self.bucket(account)
        bucket_exists = bucket.exists()
        uploads = tuple(
            transfer.missing(bucket, request.uploads)
            if bucket_exists
            else transfer.unique(request.uploads)
        )
        parameters = ((BUCKET_PARAMETER, bucket.name), *sorted(request.code_keys.items()))
        stack_name, stack = self._own_stack(request)
        why: dict[str, str] = {}
        if stack is None:
            action = "create"
        else:
            status = stack["StackStatus"]
            if status.endswith(_BUSY_SUFFIX):
                raise SkyfnError(
                    f"stack {stack_name} is busy ({status}); wait for it to finish and deploy again"
                )
            if status not in _STUCK:
                self._check_removal(stack_name, stack, request)
            if status in _STUCK:
                action = "recreate"
            elif _nested(stack) != bool(request.parts):
                action, why["why_recreate"] = "recreate", self._relayout(stack_name, request)
            elif self._unchanged(request, stack_name, stack, parameters) and not uploads:
                action = "none"
            else:
                action = "update"
        return Plan(
            stack_name,
            self.region,
            bucket.name,
            not bucket_exists,
            uploads,
            action,
            parameters,
            **why,
        )

    def _relayout(self, stack_name: str, request: StackRequest) -> str:
        """Why the stack is deleted and created again to change its layout; refused (a
        ``SkyfnError``) unless the deploy allows it."""
        limit = layout.SINGLE_STACK_MAX
        count = len(request.outputs)
        move = "out of one stack into nested stacks" if request.parts else "back into one stack"
        stay = f"at {limit} functions or fewer" if request.parts else f"over {limit} functions"
        why = (
            f"the branch has {count} functions now ({'over' if request.parts else 'at most'} "
            f"{limit}), so they move {move}; CloudFormation cannot move a function with a "
            "fixed name from one stack to another"
        )
        if not self.relayout:
            raise SkyfnError(
                f"stack {stack_name}: {why}. Nothing was deployed. To move them, the stack "
                "is deleted and created again, and every function of the branch is "
                "unavailable in between (its secrets stay): run skyfn pipeline-deploy again "
                f"with --relayout to do that, or keep the branch {stay}"
            )
        return why

    def bucket(self, account: str) -> StagingBucket:
        assert self.region is not None
        name = self.staging_bucket or names.staging_bucket(account, self.region)
        return StagingBucket(self.s3, name, account, self.region)

    def _own_stack(self, request: StackRequest) -> tuple[str, dict[str, Any] | None]:
        """The stack to deploy to, and its description (``None``: create it); see
        ``stacks.find_stack``."""
        name, stack = stacks.find_stack(
            self.cfn,
            request.stack_name,
            request.legacy_stack_name,
            request.tags,
            check_project=True,
        )
        if stack is not None and name != request.stack_name:
            self.say(f"deploying to stack {name}, which an earlier skyfn named")
        project = request.tags.get(stacks.PROJECT_TAG)
        if stack is not None and project and not _tags(stack).get(stacks.PROJECT_TAG):
            self.say(f"stack {name} has no project id yet: this deploy tags it as this project's")
        return name, stack

    def _check_removal(
        self, stack_name: str, stack: Mapping[str, Any], request: StackRequest
    ) -> None:
        """Refuse, unless forced, a deploy that keeps none of the stack's functions: most
        likely another project (or a wrong app id) about to replace them all."""
        if self.force:
            return
        if _nested(stack):
            keys = {key for (_, key) in tree.part_outputs(self.cfn, stack_name)}
        else:
            keys = {o["OutputKey"] for o in stack.get("Outputs", [])}
        deployed = {key for key in keys if key.startswith(ARN_OUTPUT_PREFIX)}
        kept = {key.rpartition("/")[2] for key in request.outputs}
        if not deployed or deployed & kept:
            return
        shown = ", ".join(sorted(key[len(ARN_OUTPUT_PREFIX) :] for key in deployed))
        raise SkyfnError(
            f"stack {stack_name} holds {len(deployed)} function(s) ({shown}) and this deploy "
            "keeps none of them: it would remove every one. Nothing was deployed. Check the "
            "app id and the branch; to replace them all, run again with --force"
        )

    def _describe_stack(self, stack_name: str) -> dict[str, Any] | None:
        return stacks.describe_stack(self.cfn, stack_name)

    def _unchanged(
        self,
        request: StackRequest,
        stack_name: str,
        stack: dict[str, Any],
        parameters: Sequence[tuple[str, str]],
    ) -> bool:
        current = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
        if current != dict(parameters):
            return False
        if {t["Key"]: t["Value"] for t in stack.get("Tags", [])} != dict(request.tags):
            return False
        body = self.cfn.get_template(StackName=stack_name)["TemplateBody"]
        deployed = json.loads(body) if isinstance(body, str) else body
        return bool(deployed == json.loads(request.template_body))

    # -- execute: the only mutating calls -------------------------------------------------

    def execute(self, request: StackRequest, plan: Plan) -> DeployResult:
        name = plan.stack_name
        if plan.stack_action == "none":
            self.say(f"no changes: stack {name} is up to date")
            return DeployResult(name, False, self._functions(request, name))
        bucket = StagingBucket(self.s3, plan.bucket, self.account_id(), plan.region)
        if plan.create_bucket:
            self.say(f"creating staging bucket {plan.bucket}")
            note = bucket.create()
            if note:
                self.say(f"note: {note}")
        transfer.upload(bucket, plan.uploads, self.say, lambda u: _shown(plan.bucket, u))
        if plan.stack_action == "recreate":
            self.say(f"deleting stack {name}: {plan.why_recreate}")
            stack_id = (self._describe_stack(name) or {}).get("StackId", name)
            self._run(
                name, lambda: self.cfn.delete_stack(StackName=name), "DELETE_COMPLETE", stack_id
            )
        arguments: dict[str, Any] = {
            "StackName": name,
            **self._template_argument(request, plan, bucket),
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in plan.parameters],
            "Capabilities": ["CAPABILITY_IAM"],
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(request.tags.items())],
        }
        if plan.stack_action == "update":
            self.say(f"updating stack {name}")
            try:
                self._run(name, lambda: self.cfn.update_stack(**arguments), "UPDATE_COMPLETE")
            except botocore.exceptions.ClientError as exc:
                if _NO_UPDATES in str(exc):
                    self.say(f"no changes: stack {name} is up to date")
                    return DeployResult(name, bool(plan.uploads), self._functions(request, name))
                raise self._failure(name, exc) from None
        else:
            self.say(f"creating stack {name}")
            try:
                self._run(name, lambda: self.cfn.create_stack(**arguments), "CREATE_COMPLETE")
            except botocore.exceptions.ClientError as exc:
                raise self._failure(name, exc) from None
        return DeployResult(name, True, self._functions(request, name))

    def _template_argument(
        self, request: StackRequest, plan: Plan, bucket: StagingBucket
    ) -> dict[str, str]:
        body = request.template_body.encode()
        if len(body) <= TEMPLATE_BODY_LIMIT:
            return {"TemplateBody": request.template_body}
        key = names.template_key(plan.stack_name, hashlib.sha256(body).hexdigest())
        if not bucket.holds(key, body):
            self.say(f"uploading s3://{plan.bucket}/{key} (template, {len(body)} bytes)")
            bucket.put(key, body)
        return {"TemplateURL": f"https://{plan.bucket}.s3.{plan.region}.amazonaws.com/{key}"}

    def _run(
        self, name: str, call: Callable[[], Any], success: str, stack_id: str | None = None
    ) -> None:
        """Start a stack operation and follow its events until the stack settles; a
        ``SkyfnError`` naming each failed resource unless it ends ``success``."""
        seen = progress.event_ids(self.cfn, stack_id or name)
        started = time.monotonic()
        answer = stack_writes.start(self.cfn, stack_id or name, call)
        if isinstance(answer, dict) and answer.get("StackId"):
            stack_id = str(answer["StackId"])
        status = progress.follow(self.cfn, stack_id or name, seen, self.say, started)
        if status != success:
            raise self._failure(name, RuntimeError(f"the stack is {status}"))

    def _failure(self, name: str, exc: Exception) -> SkyfnError:
        try:
            events = self.cfn.describe_stack_events(StackName=name)["StackEvents"]
        except (botocore.exceptions.ClientError, SkyfnError):
            events = []  # the report names no resource; the stack's status is still said
        parts = nested_events.part_failures(self.cfn, latest_operation(name, events))
        return SkyfnError(failure_message(name, str(exc), events, parts))

    def _functions(self, request: StackRequest, name: str) -> tuple[DeployedFunction, ...]:
        stack = self._describe_stack(name) or {}
        if request.parts:
            found = tree.part_outputs(self.cfn, name)
            outputs = {f"{part}/{key}": value for (part, key), value in found.items()}
        else:
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        urls = {function: key for key, function in request.url_outputs.items()}
        return tuple(
            DeployedFunction(
                function,
                outputs.get(key, "?"),
                outputs.get(urls[function], "?") if function in urls else None,
            )
            for key, function in sorted(request.outputs.items(), key=lambda kv: kv[1])
        )


def _tags(stack: Mapping[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in stack.get("Tags", [])}


def _nested(stack: Mapping[str, Any]) -> bool:
    """Whether a deployed stack is a root of nested parts (its parameters say so)."""
    keys = (p.get("ParameterKey", "") for p in stack.get("Parameters", []))
    return any(key.startswith(DIGESTS_PARAMETER) for key in keys)


def _shown(bucket: str, upload: Upload) -> str:
    who = f" (function {upload.function})" if upload.function else ""
    return f"s3://{bucket}/{upload.key}{who}, {len(upload.data)} bytes"
