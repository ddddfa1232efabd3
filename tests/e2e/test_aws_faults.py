"""Issue 28: deploys and stores under an AWS that throttles, stalls and cuts answers.

Real ``skyfn`` subprocesses talk to moto_server through the fault-injecting proxy
(tests/support/faults.py), which forces a fault on the exact call of each finding. The
test's own checks go to moto directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from skyfn.deploy import names
from skyfn.runtime.errors import SecretStoreError
from skyfn.runtime.ssm_reader import open_reader
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.deploy import SECRET_VALUE
from tests.support.faults import FaultProxy, fault_proxy
from tests.support.projects import make_project, write

STACK = names.stack_name("testapp", "main")
BRANCH = "/skyfn/testapp/branch-main/"
ALPHA = """\
from skyfn import define_function, secret
fn = define_function(name="alpha", environment={"GREETING": "%s", "API_KEY": secret("API_KEY")})
"""


@pytest.fixture()
def proxy(aws: Aws) -> Iterator[FaultProxy]:
    with fault_proxy(aws.endpoint) as found:
        yield found


def skyfn(root: Path, aws: Aws, proxy: FaultProxy, *args: str, stdin: str = "") -> Result:
    env = {**aws.env, "AWS_ENDPOINT_URL": proxy.url}
    return run_skyfn(*args, cwd=root, env=env, stdin=stdin or None, timeout=300)


def project(tmp_path: Path, greeting: str = "hello", settings: str = "") -> Path:
    root = make_project(tmp_path / "app", {"alpha": ALPHA % greeting})
    if settings:
        write(root / "pyproject.toml", f'[tool.skyfn]\napp_id = "testapp"\n{settings}')
    return root


def put_secret(name: str = "API_KEY", value: str = SECRET_VALUE) -> None:
    boto3.client("ssm").put_parameter(
        Name=BRANCH + name, Value=value, Type="SecureString", Overwrite=True
    )


def clean(result: Result) -> None:
    """Success, or one error line: never a traceback, never the internal-error line."""
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert result.code in (0, 1, 2), (result.code, result.err)  # 2: diff found changes
    if result.code == 1:
        errors = [line for line in result.err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.err


def stacks() -> list[str]:
    return [s["StackName"] for s in boto3.client("cloudformation").describe_stacks()["Stacks"]]


# -- finding 1: a cut GetParameters never switches off the secret check ---------------------


def test_a_cut_secret_read_stops_the_deploy_before_any_upload(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    put_secret()
    root = project(tmp_path)
    write(root / "backend/functions/alpha/config.txt", f"key={SECRET_VALUE}\n")  # a leak
    proxy.faults.force("GetParameters", "cut", times=100)
    result = skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main")
    clean(result)
    assert result.code == 1
    assert "cannot check the bundles and template for secret values" in result.err
    assert "GetParameters of parameter /skyfn/testapp/" in result.err
    assert "cut short or malformed (3 attempts" in result.err
    assert "nothing was uploaded" in result.err
    assert SECRET_VALUE not in result.out + result.err
    assert stacks() == []
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_a_cut_secret_read_once_is_read_again_and_the_leak_found(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    put_secret()
    root = project(tmp_path)
    write(root / "backend/functions/alpha/config.txt", f"key={SECRET_VALUE}\n")
    proxy.faults.force("GetParameters", "cut")
    result = skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main")
    clean(result)
    assert result.code == 1
    assert "a secret's value is in what would be deployed; nothing was uploaded" in result.err
    assert proxy.faults.faulted("GetParameters") == ["cut"]
    assert stacks() == []


# -- finding 2 and 4: cut stack writes and reads, throttled events --------------------------


@pytest.mark.parametrize("fault", ["cut", "drop", "500"])
def test_deploy_update_and_destroy_with_their_answers_lost(
    tmp_path: Path, aws: Aws, proxy: FaultProxy, fault: str
) -> None:
    put_secret()
    root = project(tmp_path)
    for operation in ("GetCallerIdentity", "DescribeStacks", "CreateStack", "PutObject"):
        proxy.faults.force(operation, fault)
    created = skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main")
    clean(created)
    assert created.code == 0, created.err
    assert proxy.faults.faulted("CreateStack") == [fault]
    assert stacks() == [STACK]

    root = project(tmp_path, "howdy")
    proxy.faults.force("UpdateStack", fault)
    updated = skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main")
    clean(updated)
    assert updated.code == 0, updated.err
    same = skyfn(root, aws, proxy, "diff", "--branch", "main")
    assert same.code == 0, same.out + same.err  # a successful deploy: nothing left to do

    proxy.faults.force("DeleteStack", fault)
    gone = skyfn(root, aws, proxy, "destroy", "--branch", "main", "--yes")
    clean(gone)
    assert gone.code == 0, gone.err
    assert stacks() == []


def test_throttled_events_while_following_never_decide_the_outcome(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    put_secret()
    root = project(tmp_path)
    # the ids before the operation are read; every read while following is throttled
    proxy.faults.force("DescribeStackEvents", "throttle", times=1000, skip=1)
    created = skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main")
    clean(created)
    assert created.code == 0, created.err
    proxy.faults.clear()
    proxy.faults.force("DescribeStackEvents", "throttle", times=1000, skip=1)
    gone = skyfn(root, aws, proxy, "destroy", "--branch", "main", "--yes")
    clean(gone)
    assert gone.code == 0, gone.err
    assert stacks() == []


# -- finding 5: a call that keeps failing is one line naming it ------------------------------


def test_a_read_that_keeps_failing_is_one_line_naming_call_object_and_attempts(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    root = project(tmp_path)
    proxy.faults.force("DescribeStacks", "cut", times=1000)
    result = skyfn(root, aws, proxy, "diff", "--branch", "main")
    clean(result)
    assert result.code == 1
    assert f"DescribeStacks of stack {STACK} failed" in result.err
    assert "3 attempts" in result.err

    proxy.faults.clear()
    proxy.faults.force("GetCallerIdentity", "500", times=1000)
    result = skyfn(root, aws, proxy, "diff", "--branch", "main")
    clean(result)
    assert "GetCallerIdentity failed: AWS said InternalFailure: injected 500 (3 attempts" in (
        result.err
    )


# -- finding 6: a stalled call is given up, saying it timed out -----------------------------


def test_a_stalled_read_is_given_up_saying_it_timed_out(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    put_secret()
    root = project(tmp_path, settings="aws_read_timeout = 1\naws_deadline = 6\n")
    assert skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main").code == 0
    root = project(tmp_path, "howdy", settings="aws_read_timeout = 1\naws_deadline = 6\n")
    proxy.faults.force("GetTemplate", "stall", times=1000)
    result = skyfn(root, aws, proxy, "diff", "--branch", "main")
    clean(result)
    assert result.code == 1
    assert f"GetTemplate of stack {STACK} failed: timed out: no answer within 1 s (" in result.err


def test_a_bad_call_policy_setting_is_one_clear_line(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    root = project(tmp_path, settings="aws_attempts = 0\n")
    result = skyfn(root, aws, proxy, "diff", "--branch", "main")
    assert result.code == 1 and "Traceback" not in result.err
    assert "[tool.skyfn] aws_attempts is 0; give a whole number from 1 to 10" in result.err


# -- finding 3: cut SSM answers in the secret commands and the deploy's existence check -----


def test_secret_set_with_its_answer_cut_says_what_was_stored(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    root = project(tmp_path)
    proxy.faults.force("PutParameter", "cut")
    result = skyfn(root, aws, proxy, "secret", "set", "API_KEY", "--branch", "main", stdin="v1\n")
    clean(result)
    assert result.code == 0, result.err
    stored = boto3.client("ssm").get_parameter(Name=BRANCH + "API_KEY", WithDecryption=True)
    assert stored["Parameter"]["Value"] == "v1" and stored["Parameter"]["Version"] == 1


def test_secret_import_with_cut_answers_stores_every_value_once(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    root = project(tmp_path)
    file = write(tmp_path / "s.env", "A=value-a\nB=value-b\nC=value-c\n")
    proxy.faults.force("PutParameter", "cut", skip=1)
    proxy.faults.force("PutParameter", "drop", skip=2)
    result = skyfn(root, aws, proxy, "secret", "import", str(file), "--branch", "main")
    clean(result)
    assert result.code == 0, result.err
    client = boto3.client("ssm")
    for name in "ABC":
        p = client.get_parameter(Name=BRANCH + name, WithDecryption=True)["Parameter"]
        assert (p["Value"], p["Version"]) == (f"value-{name.lower()}", 1)


def test_a_cut_listing_is_never_taken_as_missing_secrets(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    put_secret()
    root = project(tmp_path)
    proxy.faults.force("DescribeParameters", "empty")
    proxy.faults.force("DescribeParameters", "cut", skip=1)
    result = skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main")
    clean(result)
    assert result.code == 0, result.err
    assert "missing" not in result.err


# -- finding 7: the previous bundle in diff -------------------------------------------------


def test_diff_reads_a_cut_previous_bundle_again_and_names_one_that_cannot_be_read(
    tmp_path: Path, aws: Aws, proxy: FaultProxy
) -> None:
    put_secret()
    root = project(tmp_path)
    assert skyfn(root, aws, proxy, "pipeline-deploy", "--branch", "main").code == 0
    write(
        root / "backend/functions/alpha/handler.py", "def handler(event, context):\n    return 2\n"
    )
    proxy.faults.force("GetObject", "drop")
    once = skyfn(root, aws, proxy, "diff", "--branch", "main")
    clean(once)
    assert once.code == 2 and "file ~ handler.py" in once.out, once.out + once.err
    proxy.faults.force("GetObject", "500", times=1000)
    always = skyfn(root, aws, proxy, "diff", "--branch", "main")
    clean(always)
    assert always.code == 2
    assert "(the previous bundle could not be read (" in always.out
    assert "not available" not in always.out


# -- the cold-start reader: a cut or malformed answer is retried, never an empty success ----


@pytest.mark.parametrize("fault", ["cut", "empty", "drop"])
def test_the_cold_start_reader_reads_a_cut_answer_again(
    aws: Aws, proxy: FaultProxy, fault: str
) -> None:
    put_secret()
    environ = {**aws.env, "AWS_ENDPOINT_URL": proxy.url}
    proxy.faults.force("GetParameters", fault)
    assert open_reader(environ).read_many([BRANCH + "API_KEY"]) == {
        BRANCH + "API_KEY": SECRET_VALUE
    }
    proxy.faults.force("GetParameters", fault, times=1000)
    with pytest.raises(SecretStoreError) as failed:
        open_reader(environ).read_many([BRANCH + "API_KEY"])
    said = str(failed.value)
    assert said.startswith("could not read secrets from SSM at ") and "after 5 attempts" in said
    if fault != "drop":  # a dropped connection is said as such
        assert "(last: an answer cut short or malformed to AmazonSSM.GetParameters)" in said
    assert SECRET_VALUE not in said
