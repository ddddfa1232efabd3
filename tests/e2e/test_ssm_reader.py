"""The lean SSM reader: against a real moto_server, and against a tiny local HTTP server
that plays the failures moto never produces (denied, throttled, 5xx, dropped connections)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from skyfn.runtime import aws_json, secrets, ssm_reader
from skyfn.runtime.errors import SecretNotFound, SecretStoreError
from tests.support.aws import Aws
from tests.support.traffic import Traffic

APP = "/skyfn/benchapp"


def put(values: dict[str, str]) -> None:
    ssm = boto3.client("ssm")
    for name, value in values.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString")


def test_reads_25_secure_strings_in_3_calls(aws: Aws, traffic: Traffic) -> None:
    values = {f"{APP}/shared/S{i:02}": f"value-{i}-{'x' * i}" for i in range(25)}
    put(values)
    traffic.targets.clear()
    got = ssm_reader.open_reader().read_many(sorted(values))
    assert got == values  # decrypted, not "kms:alias/aws/ssm:..."
    assert traffic.get_parameters == 3


def test_same_values_as_boto3(aws: Aws) -> None:
    ssm = boto3.client("ssm")
    kinds = {"A": "SecureString", "B": "String", "C": "StringList"}
    for name, kind in kinds.items():
        ssm.put_parameter(Name=f"{APP}/shared/{name}", Value=f"é {name},x", Type=kind)
    names = [f"{APP}/shared/{n}" for n in [*kinds, "MISSING"]]
    reply = ssm.get_parameters(Names=names, WithDecryption=True)
    expected = {p["Name"]: p["Value"] for p in reply["Parameters"]}
    assert ssm_reader.open_reader().read_many(names) == expected
    assert len(expected) == 3


def test_missing_names_are_left_out(aws: Aws) -> None:
    put({f"{APP}/shared/HERE": "v"})
    got = ssm_reader.open_reader().read_many([f"{APP}/shared/HERE", f"{APP}/shared/GONE"])
    assert got == {f"{APP}/shared/HERE": "v"}


def test_resolve_falls_back_to_shared_in_one_more_round(aws: Aws, traffic: Traffic) -> None:
    scoped, shared = f"{APP}/branch-main", f"{APP}/shared"
    spec = {f"K{i:02}": [f"{scoped}/S{i:02}", f"{shared}/S{i:02}"] for i in range(25)}
    put({f"{scoped}/S{i:02}": f"branch-{i}" for i in range(18)})
    put({f"{shared}/S{i:02}": f"shared-{i}" for i in range(12, 25)})
    traffic.targets.clear()
    values = secrets.resolve(spec, ssm_reader.open_reader(), secrets.Wanted("say-hello", "ssm"))
    assert values == {
        **{f"K{i:02}": f"branch-{i}" for i in range(18)},  # scoped wins over shared
        **{f"K{i:02}": f"shared-{i}" for i in range(18, 25)},
    }
    assert traffic.get_parameters == 3 + 1  # ceil(25/10), then the 7 fallbacks in one call


def test_resolve_names_a_secret_found_nowhere(aws: Aws) -> None:
    spec = {"API_KEY": [f"{APP}/branch-main/MY_API_KEY", f"{APP}/shared/MY_API_KEY"]}
    with pytest.raises(SecretNotFound) as caught:
        wanted = secrets.Wanted("say-hello", "ssm", "branch:main", {"API_KEY": "MY_API_KEY"})
        secrets.resolve(spec, ssm_reader.open_reader(), wanted)
    message = str(caught.value)
    assert "MY_API_KEY" in message and "say-hello" in message
    # ssm is where a branch's secrets live by default: no --store needed
    assert message.endswith("Set it with: skyfn secret set MY_API_KEY --branch main")


# --- failures, played by a local server ------------------------------------------------

Reply = tuple[int, dict[str, object] | None]  # status, JSON body; None drops the connection


@dataclass
class FakeSsm:
    endpoint: str
    replies: list[Reply]
    requests: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture()
def fake_ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[list[Reply]], FakeSsm]]:
    servers: list[ThreadingHTTPServer] = []

    def start(replies: list[Reply]) -> FakeSsm:
        state = FakeSsm("", list(replies))

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                state.requests.append(dict(self.headers.items()))
                status, body = state.replies.pop(0) if len(state.replies) > 1 else state.replies[0]
                if body is None:
                    self.close_connection = True
                    return
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        state.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", state.endpoint)
        return state

    for key, value in {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setattr(aws_json, "BACKOFF_BASE", 0.001)
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def found(*pairs: tuple[str, str]) -> Reply:
    return 200, {"Parameters": [{"Name": n, "Value": v} for n, v in pairs]}


def error(status: int, kind: str, message: str = "") -> Reply:
    return status, {"__type": f"com.amazonaws.ssm#{kind}", "message": message}


def test_request_is_a_signed_json_get_parameters_call(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
) -> None:
    server = fake_ssm([found(("/a", "1"))])
    assert ssm_reader.open_reader().read_many(["/a"]) == {"/a": "1"}
    headers = server.requests[0]
    assert headers["X-Amz-Target"] == "AmazonSSM.GetParameters"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert (
        headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        and "/eu-west-1/ssm/aws4_request" in headers["Authorization"]
    )


def test_one_connection_per_worker_kept_alive_across_its_batches(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
    traffic: Traffic,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # moto's server closes every connection; this one keeps them alive, as SSM does.
    monkeypatch.setattr(ssm_reader, "MAX_WORKERS", 2)
    server = fake_ssm([found(("/a", "1"))])
    assert ssm_reader.open_reader().read_many([f"/p{i}" for i in range(60)]) == {"/a": "1"}
    assert len(server.requests) == traffic.get_parameters == 6
    assert traffic.connections == 2


def test_access_denied_says_which_permission_to_grant(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
) -> None:
    server = fake_ssm(
        [
            error(
                400,
                "AccessDeniedException",
                "User: arn:aws:sts::1:assumed-role/fn is not authorized",
            )
        ]
    )
    with pytest.raises(SecretStoreError) as caught:
        ssm_reader.open_reader().read_many(["/skyfn/app/shared/A"])
    message = str(caught.value)
    assert "ssm:GetParameters" in message and "kms:Decrypt" in message
    assert "execution role" in message and "assumed-role/fn" in message
    assert len(server.requests) == 1  # not retried


def test_unrecognised_credentials_name_the_variables(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
) -> None:
    fake_ssm([error(400, "UnrecognizedClientException", "The security token is invalid")])
    with pytest.raises(SecretStoreError, match="AWS_ACCESS_KEY_ID"):
        ssm_reader.open_reader().read_many(["/a"])


@pytest.mark.parametrize(
    "kind",
    [
        "AccessDeniedException",
        "UnrecognizedClientException",
        "ExpiredTokenException",
        "ValidationException",
    ],
)
def test_same_error_code_as_boto3(fake_ssm: Callable[[list[Reply]], FakeSsm], kind: str) -> None:
    from botocore.exceptions import ClientError

    server = fake_ssm([error(400, kind, "from the fake server")])
    client = boto3.client("ssm", endpoint_url=server.endpoint, region_name="eu-west-1")
    with pytest.raises(ClientError) as boto_error:
        client.get_parameters(Names=["/a"], WithDecryption=True)
    with pytest.raises(SecretStoreError) as ours:
        ssm_reader.open_reader().read_many(["/a"])
    assert boto_error.value.response["Error"]["Code"] == kind
    assert f"({kind}: from the fake server)" in str(ours.value)


def test_throttled_twice_then_succeeds(fake_ssm: Callable[[list[Reply]], FakeSsm]) -> None:
    server = fake_ssm(
        [
            error(400, "ThrottlingException", "Rate exceeded"),
            error(400, "ThrottlingException", "Rate exceeded"),
            found(("/a", "1")),
        ]
    )
    assert ssm_reader.open_reader().read_many(["/a"]) == {"/a": "1"}
    assert len(server.requests) == 3


def test_dropped_connection_is_retried(fake_ssm: Callable[[list[Reply]], FakeSsm]) -> None:
    server = fake_ssm([(200, None), found(("/a", "1"))])
    assert ssm_reader.open_reader().read_many(["/a"]) == {"/a": "1"}
    assert len(server.requests) == 2


def test_5xx_forever_gives_up_after_bounded_attempts(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
) -> None:
    server = fake_ssm([error(500, "InternalServerError")])
    with pytest.raises(SecretStoreError) as caught:
        ssm_reader.open_reader().read_many(["/a"])
    assert f"after {ssm_reader.MAX_ATTEMPTS} attempts" in str(caught.value)
    assert server.endpoint.removeprefix("http://") in str(caught.value)
    assert len(server.requests) == ssm_reader.MAX_ATTEMPTS


def test_retries_stop_within_the_time_budget(
    fake_ssm: Callable[[list[Reply]], FakeSsm], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda ends an init phase after 10 s: better a clear error than a silent kill.
    monkeypatch.setattr(aws_json, "BUDGET", 0.0)
    server = fake_ssm([error(503, "ServiceUnavailable")])
    with pytest.raises(SecretStoreError, match="after 1 attempt "):
        ssm_reader.open_reader().read_many(["/a"])
    assert len(server.requests) == 1


def test_unreachable_endpoint_is_a_clear_error(
    fake_ssm: Callable[[list[Reply]], FakeSsm], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.aws import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SecretStoreError, match="could not read secrets from SSM"):
        ssm_reader.open_reader().read_many(["/a"])


def test_a_malformed_reply_never_echoes_its_content(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
) -> None:
    fake_ssm([(200, {"Parameters": [{"Value": "hunter2-secret"}]})])
    with pytest.raises(SecretStoreError) as caught:
        ssm_reader.open_reader().read_many(["/a"])
    assert "hunter2" not in str(caught.value)


def test_errors_raised_in_worker_threads_reach_the_caller(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
) -> None:
    fake_ssm([error(400, "AccessDeniedException")])
    with pytest.raises(SecretStoreError, match="denied"):
        ssm_reader.open_reader().read_many([f"/p{i}" for i in range(35)])


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (("AWS_ACCESS_KEY_ID",), "AWS_ACCESS_KEY_ID not set"),
        (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), "AWS_SECRET_ACCESS_KEY not set"),
        (("AWS_REGION", "AWS_DEFAULT_REGION"), "AWS_REGION is not set"),
    ],
)
def test_missing_configuration_names_the_variable(
    fake_ssm: Callable[[list[Reply]], FakeSsm],
    monkeypatch: pytest.MonkeyPatch,
    unset: tuple[str, ...],
    named: str,
) -> None:
    for key in unset:
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(SecretStoreError, match=named):
        ssm_reader.open_reader()


def test_endpoint_precedence_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "https://ssm.example.test:8443/")
    assert ssm_reader.endpoint_from_env("eu-west-1") == ssm_reader.Endpoint(
        "https", "ssm.example.test", 8443, "ssm.example.test:8443"
    )
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSM")
    assert ssm_reader.endpoint_from_env("eu-west-1").port == 4566
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert ssm_reader.endpoint_from_env("eu-west-1").host == "ssm.eu-west-1.amazonaws.com"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "localhost:4566")
    with pytest.raises(SecretStoreError, match="AWS_ENDPOINT_URL="):
        ssm_reader.endpoint_from_env("eu-west-1")
