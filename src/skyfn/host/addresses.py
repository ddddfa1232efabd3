"""Listening addresses: which ones are loopback, and how a URL or a ``Host`` header names
them (an IPv6 address in brackets)."""

from __future__ import annotations

import ipaddress
import socket

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")  # what a local client calls the sandbox


def bare(address: str) -> str:
    """``[::1]`` → ``::1``; names lower-cased, without a trailing dot."""
    return address.strip().removeprefix("[").removesuffix("]").rstrip(".").lower()


def is_loopback(address: str) -> bool:
    """``127.0.0.1``, ``127.1``, ``::1``, ``[::1]``, ``localhost`` (and ``*.localhost``)."""
    name = bare(address)
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:  # the short forms inet_aton accepts, as the socket does: 127.1, 2130706433
        return ipaddress.IPv4Address(socket.inet_aton(name)).is_loopback
    except (OSError, ValueError):
        return False


def is_ipv6(address: str) -> bool:
    return ":" in bare(address)


def family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if is_ipv6(address) else socket.AF_INET


def host_name(address: str) -> str:
    """How a URL or ``Host`` header writes ``address``: ``[::1]`` for IPv6, else as is."""
    name = bare(address)
    return f"[{name}]" if is_ipv6(name) else name


def url(address: str, port: int, secure: bool = False) -> str:
    return f"{'https' if secure else 'http'}://{host_name(address)}:{port}"
