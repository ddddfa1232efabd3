"""The function page's part for issue 23's options: its Lambda settings (architecture,
ephemeral storage, layers, log retention, reserved concurrency) and its own grants."""

from __future__ import annotations

from skyfn.host.console.layout import esc
from skyfn.model import Function


def settings_items(f: Function) -> str:
    """``<dt>``/``<dd>`` pairs for the settings that are set (Lambda's defaults: none)."""
    return "".join(
        f"<dt>{esc(key.capitalize())}</dt><dd>{esc(value)}</dd>"
        for key, value in f.settings.shown().items()
    )


def triggers(f: Function, url_origin: str | None) -> str:
    """The function's triggers (issue 24): its URL, where the sandbox serves it."""
    if f.url is None:
        return ""
    where = f"{url_origin}/" if url_origin else "not served (--no-urls, or not on loopback)"
    return f"<dt>Function URL</dt><dd><code>{esc(where)}</code> ({esc(f.url.shown())})</dd>"


def permissions(f: Function) -> str:
    if not f.grants:
        return (
            "<h2>Permissions</h2><p>None declared: on AWS its role may read its secrets and "
            "write its logs, nothing else.</p>"
        )
    rows = "".join(
        f"<tr><th scope=row>{esc(g.sid)}</th><td><code>{esc(', '.join(g.actions))}</code></td>"
        f"<td><code>{esc(', '.join(g.resources))}</code></td>"
        f"<td><code>{esc(g.conditions)}</code></td></tr>"
        for g in f.grants
    )
    return (
        "<h2>Permissions</h2><table><caption>What its role allows on AWS, besides its "
        "secrets and logs (run locally, it has your credentials' rights instead)</caption>"
        "<thead><tr><th scope=col>Statement</th><th scope=col>Actions</th>"
        "<th scope=col>Resources</th><th scope=col>Conditions</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
