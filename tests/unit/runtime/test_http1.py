"""The cold start's HTTP/1.1 connection against servers that frame replies every legal way."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skyfn.runtime import ssm_reader
from skyfn.runtime.errors import SecretStoreError
from skyfn.runtime.http1 import Connection, ProtocolError

Script = list[bytes | None]  # one raw reply per request received; None: close without reply


@pytest.fixture()
def raw_server() -> Iterator[Callable[[Script], tuple[int, list[int]]]]:
    """A TCP server on 127.0.0.1 that answers each request with the next scripted bytes.
    Returns (port, connections accepted so far, as a one-item list)."""
    listeners: list[socket.socket] = []

    def start(script: Script) -> tuple[int, list[int]]:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)
        accepted = [0]

        def serve() -> None:
            while script:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                accepted[0] += 1
                with conn:
                    while script:
                        data = b""
                        while b"\r\n\r\n" not in data:
                            chunk = conn.recv(65536)
                            if not chunk:
                                break
                            data += chunk
                        if not data:
                            break
                        head, _, body = data.partition(b"\r\n\r\n")
                        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                        while len(body) < length:
                            body += conn.recv(65536)
                        reply = script.pop(0)
                        if reply is None:
                            break
                        conn.sendall(reply)
                        if b"Connection: close" in reply or b"HTTP/1.0" in reply:
                            break

        threading.Thread(target=serve, daemon=True).start()
        return listener.getsockname()[1], accepted

    yield start
    for listener in listeners:
        listener.close()


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def post(connection: Connection) -> tuple[int, bytes]:
    response = connection.request("POST", "/", {"Host": "x"}, b'{"a": 1}')
    return response.status, response.body


def test_keeps_one_connection_alive_across_requests(
    raw_server: Callable[[Script], tuple[int, list[int]]],
) -> None:
    port, accepted = raw_server([ok(b"one"), ok(b"two"), ok(b"three")])
    connection = Connection("http", "127.0.0.1", port, 5)
    assert [post(connection) for _ in range(3)] == [(200, b"one"), (200, b"two"), (200, b"three")]
    assert accepted[0] == connection.opened == 1
    connection.close()


def test_chunked_and_eof_framed_bodies(
    raw_server: Callable[[Script], tuple[int, list[int]]],
) -> None:
    chunked = b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\nT: 1\r\n\r\n"  # fmt: skip
    eof = b"HTTP/1.0 500 Oops\r\nX-Amzn-ErrorType: InternalFailure\r\n\r\nno length"
    port, accepted = raw_server([chunked, eof, ok(b"after")])
    connection = Connection("http", "127.0.0.1", port, 5)
    assert post(connection) == (400, b"abcdefg")
    response = connection.request("POST", "/", {}, b"")
    assert (response.status, response.body) == (500, b"no length")
    assert response.headers["x-amzn-errortype"] == "InternalFailure"
    assert post(connection) == (200, b"after")  # reopened after the EOF-framed reply
    assert accepted[0] == connection.opened == 2


def test_server_closing_a_kept_alive_connection_is_a_reset(
    raw_server: Callable[[Script], tuple[int, list[int]]],
) -> None:
    port, _ = raw_server([None, ok(b"fresh")])
    connection = Connection("http", "127.0.0.1", port, 5)
    with pytest.raises(ConnectionResetError):
        post(connection)
    assert post(connection) == (200, b"fresh")


def test_garbage_and_truncated_replies_are_protocol_errors(
    raw_server: Callable[[Script], tuple[int, list[int]]],
) -> None:
    port, _ = raw_server([b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nConnection: close\r\n\r\nshort"])  # fmt: skip
    connection = Connection("http", "127.0.0.1", port, 5)
    for _ in range(2):
        with pytest.raises(ProtocolError):
            post(connection)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (test-only, made with cryptography)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_verifies_the_server_against_the_system_trust_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = self_signed(tmp_path)
    listener = socket.create_server(("127.0.0.1", 0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)

    def serve() -> None:
        for _ in range(2):  # the refused handshake, then the trusted request
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    conn.sendall(ok(b"over tls", b"Connection: close\r\n"))
            except (ssl.SSLError, OSError):
                raw.close()  # the client refused our certificate

    threading.Thread(target=serve, daemon=True).start()
    port = listener.getsockname()[1]
    try:
        # Not trusted: a clear error at once, not five retries.
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "empty.pem"))
        (tmp_path / "empty.pem").write_text("")
        for key, value in {
            "AWS_ACCESS_KEY_ID": "AKID",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL_SSM": f"https://127.0.0.1:{port}",
        }.items():
            monkeypatch.setenv(key, value)
        with pytest.raises(SecretStoreError, match="SSL_CERT_FILE") as caught:
            ssm_reader.open_reader().read_many(["/a"])
        assert "certificate" in str(caught.value)
        # Trusted through the standard variable (as a corporate CA bundle would be).
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        connection = Connection("https", "127.0.0.1", port, 5)
        assert post(connection) == (200, b"over tls")
        connection.close()
    finally:
        listener.close()
