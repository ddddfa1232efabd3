"""Turning function URLs on in a running sandbox, and the lines it prints about them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from skyfn.host import addresses
from skyfn.host.server import InvokeServer
from skyfn.host.supervisor import Host
from skyfn.host.url_gateway import UrlGateway

if TYPE_CHECKING:
    from skyfn.host.console import Console


def attach(
    server: InvokeServer, host: Host, address: str, enabled: bool, console: Console | None = None
) -> list[str]:
    """Serve ``host``'s URL functions on ``server`` (loopback only), shown in ``console``;
    the start-up lines."""
    functions = [f for f in host.model.functions if f.url is not None]
    if not enabled:
        return ["function URLs: off (--no-urls)"] if functions else []
    if not addresses.is_loopback(address):
        if not functions:
            return []
        return [
            f"function URLs: off, since --host {address} is not a loopback address "
            "(their origins, <label>.localhost, exist on this machine only)"
        ]
    urls = UrlGateway(
        lambda: host.model.functions,
        host.pool,
        int(server.server_address[1]),
        server.access.credentials,
        scheme="https" if server.tls is not None else "http",
    )
    server.urls = urls
    if console is not None:
        console.url_origin = lambda f: urls.origin(f) if f.url is not None else None
    return lines(urls, host)


def lines(urls: UrlGateway, host: Host, say: Callable[[str], None] | None = None) -> list[str]:
    served = urls.served()
    if not served:
        return []
    width = max(len(f.name) for f in served)
    out = ["function URLs:"]
    out += [f"  {f.name:<{width}}  {urls.origin(f)}/  ({f.url.shown()})" for f in served if f.url]
    if any(f.url is not None and f.url.auth == "iam" for f in served):
        key = urls.credentials
        out += [
            'auth="iam" URLs require requests signed (SigV4, service lambda) with:',
            f"  aws_access_key_id={key.access_key}",
            f"  aws_secret_access_key={key.secret_key}",
            f"  curl: curl --aws-sigv4 'aws:amz:us-east-1:lambda' --user "
            f"'{key.access_key}:{key.secret_key}' {urls.origin(served[0])}/",
        ]
    return out
