"""Every option through every command (issue 20).

Hypothesis generates backends from every option ``define_function``, ``secret``,
``aws_secret``, ``ssm_parameter``, ``[tool.skyfn]`` and ``.env`` files accept, in valid
combinations (``tests/support/backends.py``), and drives each through the real ``skyfn`` CLI:
synth (sandbox and branch), ``diff`` before and after ``pipeline-deploy`` to moto, ``secret
status``, ``invoke`` and ``run`` (sandbox and branch), a sandbox's console page and Invoke
API, and the deployed bundle under ``awslambdaric`` (SSM and Secrets Manager in moto_server).
No command may crash; a deploy followed by ``diff`` shows nothing; every answer is the one
the generated definitions and stores call for, so the local answers equal the bundle's.

``make test`` runs a fixed seed and a few examples; ``--hypothesis-profile=long`` runs many
(before a release; see the README's testing notes).
"""

from __future__ import annotations

import html
import itertools
import json
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support import backends as gen
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.console import ConsoleClient, console_url
from tests.support.lambda_bundle import decoded, deployed_zip, invoke_deployed
from tests.support.sandbox import Invoker, running_sandbox

pytest.importorskip("awslambdaric")

LONG = settings.get_current_profile_name() == "long"
EXAMPLES = settings.default.max_examples if LONG else int(__import__("os").environ.get("PROPS_N", "12"))
COUNTER = itertools.count()


def check(result: Result, what: str, codes: tuple[int, ...] = (0,)) -> Result:
    """No traceback, and one of the exit codes a user expects."""
    text = result.out + result.err
    assert "Traceback" not in text, f"{what} crashed:\n{text}"
    assert result.code in codes, f"{what} exited {result.code}:\n{text}"
    return result


def skyfn(root: Path, *args: str, codes: tuple[int, ...] = (0,)) -> Result:
    return check(run_skyfn(*args, cwd=root, timeout=180), "skyfn " + " ".join(args[:4]), codes)


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def answer_of(result: Result) -> Any:
    """The JSON answer a command printed on stdout."""
    try:
        return json.loads(result.out)
    except json.JSONDecodeError:
        raise AssertionError(f"not one JSON answer:\n{result.out}\n{result.err}") from None


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


@pytest.mark.timeout(7200 if LONG else 600)
@settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,
    deadline=None,
    database=None,
    print_blob=True,
    # the default profile reports the failing example as found: shrinking one takes minutes
    phases=list(Phase) if LONG else [Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_every_option_through_every_command(
    data: st.DataObject, aws: Aws, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app_id = data.draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True), "app id")
    backend = data.draw(gen.backends(f"{app_id}-{next(COUNTER)}"), "backend")
    reset(aws.endpoint)
    ssm, sm, s3 = boto3.client("ssm"), boto3.client("secretsmanager"), boto3.client("s3")
    gen.set_secrets(backend, ssm, sm)
    root = gen.write_project(tmp_path_factory.mktemp("every-option"), backend)
    sandbox, branch = backend.scopes()
    b = ("--branch", backend.branch)

    # synth, sandbox and branch: nothing written holds a secret value
    skyfn(root, "synth")
    skyfn(root, "synth", *b)
    no_secret_in_files(backend, root)

    # diff, deploy, diff: the second diff shows nothing
    before = skyfn(root, "diff", *b, codes=(2,))
    deployed = skyfn(root, "pipeline-deploy", *b)
    after = skyfn(root, "diff", *b)
    assert "no changes" in after.out, after.out
    for result in (before, deployed, after):
        no_secret_in(backend, result.out + result.err, "diff/deploy output")

    # secret status: every referenced secret is set, in every column
    for args in ((), b, ("--all-branches",)):
        if args == ("--all-branches",) and not any(s.branch for s in backend.secrets):
            continue  # no branch secret: the store knows no branch (a user error)
        status = skyfn(root, "secret", "status", *args)
        no_secret_in(backend, status.out + status.err, "secret status")
        if args == ("--all-branches",):
            assert f"branch {backend.branch}" in status.out, status.out

    local: dict[str, Any] = {}
    for spec in backend.functions:
        name = spec.function_name
        expect = {
            scope.kind: gen.expected_answer(backend, spec, scope) for scope in (sandbox, branch)
        }
        # invoke, in the sandbox and in the branch
        assert answer_of(skyfn(root, "invoke", name)) == expect["sandbox"], name
        local[name] = answer_of(skyfn(root, "invoke", name, *b))
        assert local[name] == expect["branch"], name
        # run: a script reading the typed env module, with the function's environment
        script = gen.run_script(spec)
        for scope, args, clean in ((sandbox, (), backend.clean_run[0]), (branch, b, backend.clean_run[1])):
            flags = ("--clean",) if clean else ()
            ran = skyfn(root, "run", name, *args, *flags, "--", "python", "-c", script)
            assert answer_of(ran) == expect[scope.kind], (name, scope, clean)

    # the sandbox: its Invoke API and each function's console page
    with running_sandbox(root) as box:
        client = ConsoleClient(box.port)
        assert client.sign_in(console_url(box)).status in (200, 302, 303)
        for spec in backend.functions:
            name = spec.function_name
            page = client.request("GET", f"/_console/functions/{name}")
            assert page.status == 200, (name, page.status, page.text[:500])
            assert "Traceback" not in page.text
            for key in spec.keys:
                assert html.escape(key) in page.text, (name, key)
            no_secret_in(backend, page.text, f"console page of {name}")
            invoker = Invoker(box.port, name)
            try:
                assert invoker() == gen.expected_answer(backend, spec, sandbox), name
            finally:
                invoker.close()
        assert "Traceback" not in box.logs()

    # the deployed bundle under awslambdaric answers as the local branch invoke did
    stacks = boto3.client("cloudformation").describe_stacks()["Stacks"]
    arns = {
        o["Description"].removeprefix("ARN of function "): o["OutputValue"]
        for s in stacks
        for o in s.get("Outputs", [])
        if o["Description"].startswith("ARN of function ")
    }
    lam = boto3.client("lambda")
    for spec in backend.functions:
        name = spec.function_name
        config = lam.get_function_configuration(FunctionName=arns[name])
        no_secret_in(backend, json.dumps(config, default=str), "the function's configuration")
        answer, output = invoke_deployed(
            config,
            deployed_zip(s3, config),
            tmp_path_factory.mktemp("task"),
            aws.env,
        )
        assert not answer.error, output + answer.body.decode(errors="replace")
        assert decoded(answer) == local[name], (name, output)
