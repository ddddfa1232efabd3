"""A denied read of an external reference names the permissions the read needs (the values'
``Get*`` calls), not those of the metadata check."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from skyfn.errors import SkyfnError
from skyfn.secrets import external
from tests.support.env import aws_env


class _Denies(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"__type": "AccessDeniedException", "message": "not authorized"})
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def denying_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Denies)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name, value in aws_env(
        f"http://127.0.0.1:{server.server_address[1]}", isolated=True
    ).items():
        monkeypatch.setenv(name, value)
    yield
    server.shutdown()
    server.server_close()


@pytest.mark.usefixtures("denying_aws")
@pytest.mark.parametrize(
    ("path", "permission"),
    [
        ("sm:prod/db#password", "secretsmanager:GetSecretValue"),
        ("ssm:/legacy/key", "ssm:GetParameter"),
    ],
)
def test_a_denied_value_read_names_the_get_permissions(path: str, permission: str) -> None:
    with pytest.raises(SkyfnError) as caught:
        external.read_values([path])
    message = str(caught.value)
    assert "read the external secret references" in message
    assert permission in message and "kms:Decrypt" in message
    assert "DescribeSecret" not in message
