"""Every option through every command (issue 20).

Hypothesis generates backends from every option ``define_function``, ``secret``,
``aws_secret``, ``ssm_parameter``, ``vault_secret``, ``function_ref``, ``permissions=[...]``,
``define_layer`` (layers built from a wheel folder in the project, listed beside ARNs),
``[tool.skyfn]``, ``.env`` files and a function's ``requirements.txt`` (its packages, from
the same folder of wheels) accept, in valid combinations
(``tests/support/backends/``), and drives each through the real ``skyfn`` CLI:
synth (sandbox and branch), ``diff`` before and after ``pipeline-deploy`` to moto, ``secret
status``, ``invoke`` and ``run`` (sandbox and branch), a sandbox's Invoke API and console
page, and the deployed bundle under ``awslambdaric`` (SSM and Secrets Manager in
moto_server, which stores Lambda functions but cannot run them; Vault is one OpenBao dev
server for the session, read locally and synced to SSM by the branch deploy). No command may crash; a
deploy followed by ``diff`` shows nothing; every answer is the one the generated definitions
and stores call for, so the local answers equal the deployed bundle's.

The default profile (``make test``) runs a fixed seed and ``EXAMPLES`` backends and reports
a failing one as found; ``--hypothesis-profile=long`` (``tests/conftest.py``) runs many more,
random, and shrinks a failure (before a release; see the README's Robustness section).
"""

from __future__ import annotations

import html
import itertools
import json
import sys
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support import backends as gen
from tests.support import report
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.console import ConsoleClient, console_url
from tests.support.lambda_bundle import (
    decoded,
    deployed_zip,
    invoke_deployed,
    layer_key,
    staged_object,
)
from tests.support.openbao import OpenBao
from tests.support.sandbox import Invoker, running_sandbox
from tests.support.servers import moto_process
from tests.support.urls import url_answer

pytest.importorskip("awslambdaric")


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto with ``AWS::Lambda::Url`` in its CloudFormation (tests/support/moto_urls.py)."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with moto_process(log, module="tests.support.moto_urls_server") as endpoint:
        yield endpoint


PROFILE = settings.get_current_profile_name()
LONG = PROFILE == "long"
EXAMPLES = settings.get_profile(PROFILE).max_examples if LONG else 10
COUNTER = itertools.count()


def check(result: Result, what: str, codes: tuple[int, ...] = (0,)) -> Result:
    """No traceback, and one of the exit codes a user expects."""
    text = result.out + result.err
    assert "Traceback" not in text, f"{what} crashed:\n{text}"
    assert result.code in codes, f"{what} exited {result.code}:\n{text}"
    return result


def answer_of(result: Result) -> Any:
    """The JSON answer a command printed on stdout."""
    try:
        return json.loads(result.out)
    except json.JSONDecodeError:
        raise AssertionError(f"not one JSON answer:\n{result.out}\n{result.err}") from None


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def no_secret_in(backend: gen.Backend, text: str, where: str) -> None:
    for value in backend.secret_values():
        if len(value) >= 4:
            assert value not in text and html.escape(value) not in text, f"a value in {where}"


def no_secret_in_files(backend: gen.Backend, folder: Path) -> None:
    values = [v.encode() for v in backend.secret_values() if len(v) >= 4]
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(v in data for v in values), f"a secret value in {path}"


def deployed_arns(cfn: Any) -> dict[str, str]:
    """Function name → ARN, from the outputs of the stacks in moto."""
    stacks = cfn.describe_stacks()["Stacks"]
    return {
        o["Description"].removeprefix("ARN of function "): o["OutputValue"]
        for s in stacks
        for o in s.get("Outputs", [])
        if o["Description"].startswith("ARN of function ")
    }


@pytest.mark.timeout(7200 if LONG else 900)
@settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,
    deadline=None,
    database=None,
    print_blob=True,
    # the default profile reports a failing example as found: shrinking one takes minutes
    phases=list(Phase) if LONG else [Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_every_option_through_every_command(
    data: st.DataObject, aws: Aws, openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app_id = data.draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True), "app id")
    backend = data.draw(gen.backends(f"{app_id}-{next(COUNTER)}"), "backend")
    reset(aws.endpoint)  # one moto_server for every example, emptied for each
    ssm, sm, s3 = boto3.client("ssm"), boto3.client("secretsmanager"), boto3.client("s3")
    vault = openbao.client()
    gen.enable_vault_mounts(vault)
    gen.set_secrets(backend, ssm, sm, vault)
    root = gen.write_project(tmp_path_factory.mktemp("every-option"), backend)
    sandbox, branch = backend.scopes()
    b = ("--branch", backend.branch)
    tally = {"commands": 0, "answers": 0}
    lock = threading.Lock()

    def count(**counts: int) -> None:
        with lock:
            for name, value in counts.items():
                tally[name] += value

    def skyfn(*args: str, codes: tuple[int, ...] = (0,)) -> Result:
        count(commands=1)
        result = run_skyfn(*args, cwd=root, env=openbao.env, timeout=180)
        return check(result, "skyfn " + " ".join(args[:4]), codes)

    def compare(found: Any, expected: Any, what: object) -> None:
        count(answers=1)
        assert found == expected, what

    # synth, sandbox and branch: nothing written holds a secret value
    skyfn("synth")
    skyfn("synth", *b)
    no_secret_in_files(backend, root)

    expected = {
        (spec.function_name, scope.kind): gen.expected_answer(backend, spec, scope)
        for spec in backend.functions
        for scope in (sandbox, branch)
    }
    deployed_answer = {
        spec.function_name: gen.expected_answer(backend, spec, branch, deployed=True)
        for spec in backend.functions
    }
    cfn, lam = boto3.client("cloudformation"), boto3.client("lambda")  # threads share them
    deployed_once = threading.Event()  # a branch's Vault secrets are synced by the deploy

    def deploy_and_bundles() -> None:
        """diff, deploy, diff (the second shows nothing); then each deployed bundle under
        awslambdaric answers what the branch calls for."""
        before = skyfn("diff", *b, codes=(2,))
        try:
            deployed = skyfn("pipeline-deploy", *b)
        finally:
            deployed_once.set()
        after = skyfn("diff", *b)
        assert "no changes" in after.out, after.out
        for result in (before, deployed, after):
            no_secret_in(backend, result.out + result.err, "diff/deploy output")
        arns = deployed_arns(cfn)
        for spec in backend.functions:
            name = spec.function_name
            config = lam.get_function_configuration(FunctionName=arns[name])
            no_secret_in(backend, json.dumps(config, default=str), "the function's configuration")
            task_root = tmp_path_factory.mktemp("task")
            zips = root / ".skyfn" / "bundles" / f"branch-{backend.branch}" / "layers"
            layers = [  # its define_layer layers as deployed: staged by content, in its order
                staged_object(s3, layer_key(backend.app_id, zips / f"{layer.name}.zip"))
                for layer in gen.listed_layers(backend, spec)
            ]
            answer, output = invoke_deployed(
                config, deployed_zip(s3, config), task_root, aws.env, layers=layers
            )
            assert not answer.error, output + answer.body.decode(errors="replace")
            compare(decoded(answer), deployed_answer[name], (name, "deployed bundle", output))

    def statuses() -> None:
        """secret status: every referenced secret is set, in every column."""
        on_branch = any(s.branch for s in backend.secrets) or backend.uses_vault()
        for args in ((), b, ("--all-branches",)):
            if args == ("--all-branches",) and not on_branch:
                continue  # no branch secret: the store knows no branch (a user error)
            if args and backend.uses_vault():
                deployed_once.wait(timeout=600)  # before it, a branch has nothing synced
            status = skyfn("secret", "status", *args)
            no_secret_in(backend, status.out + status.err, "secret status")
            if args == ("--all-branches",):
                assert f"branch {backend.branch}" in status.out, status.out

    def invoke_and_run(spec: gen.FunctionSpec) -> None:
        """invoke and run, in the sandbox and in the branch."""
        name = spec.function_name
        compare(answer_of(skyfn("invoke", name)), expected[name, "sandbox"], (name, "invoke"))
        local = answer_of(skyfn("invoke", name, *b))
        compare(local, expected[name, "branch"], (name, "invoke --branch"))
        script = gen.run_script(spec)  # reads the typed env module, as a migration would
        for scope, args, clean in (
            (sandbox, (), backend.clean_run[0]),
            (branch, b, backend.clean_run[1]),
        ):
            flags = ("--clean",) if clean else ()
            ran = skyfn("run", name, *args, *flags, "--", sys.executable, "-c", script)
            compare(answer_of(ran), expected[name, scope.kind], (name, "run", scope, clean))

    def sandbox_pages() -> None:
        """A sandbox: its Invoke API, and each function's console page."""
        with running_sandbox(root, env=openbao.env) as box:
            count(commands=1)
            client = ConsoleClient(box.port)
            assert client.sign_in(console_url(box)).status == 303
            for spec in backend.functions:
                name = spec.function_name
                page = client.request("GET", f"{client.base}/functions/{name}")
                assert page.status == 200, (name, page.status, page.text[:500])
                assert "Traceback" not in page.text and "cannot list" not in page.text, page.text
                assert 'class="missing"' not in page.text, (name, "a secret shown as missing")
                for key in spec.keys:
                    assert html.escape(key) in page.text, (name, key)
                no_secret_in(backend, page.text, f"console page of {name}")
                invoker = Invoker(box.port, name)
                try:
                    compare(invoker(), expected[name, "sandbox"], (name, "sandbox Invoke API"))
                finally:
                    invoker.close()
                auth = gen.url_auth(spec)
                if auth is not None:  # the same answer through its function URL
                    found = url_answer(box, name, auth == "iam")
                    compare(found, expected[name, "sandbox"], (name, "sandbox function URL"))
            assert "Traceback" not in box.logs(), box.logs()

    # Independent of each other, so side by side (as a developer's terminals would be).
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [pool.submit(deploy_and_bundles), pool.submit(statuses), pool.submit(sandbox_pages)]
        jobs += [pool.submit(invoke_and_run, spec) for spec in backend.functions]
        for job in jobs:
            job.result()

    report.add(
        "every option",
        backends=1,
        functions=len(backend.functions),
        commands=tally["commands"],
        answers=tally["answers"],
    )
