"""HTTPS for the sandbox: the certificate and key the user gives (``--tls-cert/--tls-key``),
and each connection's handshake, made on the connection's own thread so a client that never
completes one holds up nobody else.

Off loopback the sandbox speaks only HTTPS: the console's forms carry secret values and its
cookie, and a signed Invoke API request seen on the network could be replayed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import stat
from pathlib import Path

from skyfn.errors import SkyfnError

_HANDSHAKE = 0x16  # the first byte of a TLS record that opens a handshake
_HOW = (
    "make one for this machine's address (e.g. openssl req -x509 -newkey ec "
    "-pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=HOST -addext "
    "subjectAltName=IP:ADDRESS -keyout key.pem -out cert.pem)"
)


def load(cert: Path, key: Path) -> ssl.SSLContext:
    """A server context of ``cert`` (PEM, with its chain) and ``key`` (PEM, unencrypted);
    ``SkyfnError`` saying what is wrong with them."""
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not path.is_file():
            raise SkyfnError(f"{option} {path}: no such file; {_HOW}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        # an encrypted key would make OpenSSL prompt on the terminal: answer with no password
        context.load_cert_chain(cert, key, password=lambda: b"")
    except PermissionError as exc:
        raise SkyfnError(f"cannot read {exc.filename}: permission denied") from None
    except ssl.SSLError:  # its text names OpenSSL's source lines, not the problem
        raise SkyfnError(
            f"--tls-cert {cert} and --tls-key {key} are not a PEM certificate and its "
            f"unencrypted private key (check them with openssl x509 -in {cert} -noout and "
            f"openssl pkey -in {key} -noout); {_HOW}"
        ) from None
    return context


def key_warning(key: Path) -> str | None:
    """A warning when other users may read the private key."""
    try:
        mode = key.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{key} can be read by other users; chmod 600 it"
    return None


def accept(raw: socket.socket, context: ssl.SSLContext, timeout: float) -> ssl.SSLSocket | None:
    """The TLS connection over ``raw`` once its handshake is made (each step within
    ``timeout``), or ``None``: the client went away, failed the handshake, or spoke plain
    HTTP (then it is told, in the Invoke API's error shape, to use https)."""
    raw.settimeout(timeout)
    try:
        first = raw.recv(1, socket.MSG_PEEK)
    except OSError:
        return None
    if not first:
        return None
    if first[0] != _HANDSHAKE:
        _tell_plain_http(raw)
        return None
    try:
        return context.wrap_socket(raw, server_side=True)  # closes itself when it fails
    except (OSError, ValueError):  # ssl.SSLError and timeouts are OSErrors
        return None


def _tell_plain_http(raw: socket.socket) -> None:
    message = "this sandbox speaks HTTPS only: call it with https:// (see its printed URL)"
    body = json.dumps(
        {"Type": "User", "Message": message, "__type": "BadRequestException"}
    ).encode()
    head = (
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
        f"x-amzn-ErrorType: BadRequestException\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        raw.sendall(head.encode() + body)
