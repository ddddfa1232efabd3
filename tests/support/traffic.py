"""Count what goes over sockets (requests by X-Amz-Target, connections opened): the
``traffic`` fixture, for tests that check how many calls a reader makes."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class Traffic:
    """What went over the wire: requests sent and connections opened."""

    targets: list[str] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def get_parameters(self) -> int:
        return self.targets.count("AmazonSSM.GetParameters")


@pytest.fixture()
def traffic(monkeypatch: pytest.MonkeyPatch) -> Traffic:
    """Count what goes over sockets: each request's X-Amz-Target, and connections opened."""
    seen = Traffic()
    real_sendall = socket.socket.sendall
    real_create_connection = socket.create_connection

    def sendall(self: socket.socket, data: Any, *args: Any) -> None:
        head = bytes(data[:4096])
        if head.startswith(b"POST "):
            target = head.partition(b"X-Amz-Target: ")[2].partition(b"\r\n")[0]
            with seen.lock:
                seen.targets.append(target.decode())
        real_sendall(self, data, *args)

    def create_connection(*args: Any, **kwargs: Any) -> socket.socket:
        with seen.lock:
            seen.connections += 1
        return real_create_connection(*args, **kwargs)

    monkeypatch.setattr(socket.socket, "sendall", sendall)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return seen
