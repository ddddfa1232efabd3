"""The page frame and small HTML helpers. Everything interpolated goes through ``esc``;
no inline script or style (the Content-Security-Policy forbids both). ``base`` is the
console's own path (``ConsoleSession.base``, random per run): every link is built on it."""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import quote

NAV = (("Functions", ""), ("Logs", "logs"), ("Secrets", "secrets"))
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",  # no-referrer would make form posts send Origin: null
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def link(base: str, path: str) -> str:
    """A console URL for ``path`` segments already safe or quoted here."""
    return f"{base}/{path}"


def function_url(base: str, name: str, tail: str = "") -> str:
    return link(base, f"functions/{quote(name, safe='')}{tail}")


def when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone()
    return f'<time datetime="{esc(moment.isoformat())}">{esc(local.strftime("%Y-%m-%d %H:%M:%S"))}</time>'


def csrf_field(csrf: str) -> str:
    return f'<input type="hidden" name="csrf" value="{esc(csrf)}">'


def notice(text: str, kind: str = "info") -> str:
    role = "alert" if kind == "error" else "status"
    return f'<p class="notice {esc(kind)}" role="{role}">{esc(text)}</p>'


def page(title: str, current: str, context: str, body: str, base: str) -> str:
    """A whole page: ``current`` is the nav entry to mark, ``context`` the sandbox's line."""
    marked = ' aria-current="page"'
    nav = "".join(
        f'<a href="{link(base, href)}"{marked if label == current else ""}>{label}</a>'
        for label, href in NAV
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · skyfn console</title>"
        f'<link rel="stylesheet" href="{base}/static/console.css">'
        f'<script src="{base}/static/console.js" defer></script></head><body>'
        '<a class="skip" href="#main">Skip to content</a>'
        f'<header><span class="brand">skyfn</span><span class="context">{esc(context)}</span>'
        f'<nav aria-label="Console">{nav}</nav></header>'
        f'<main id="main" tabindex="-1"><h1>{esc(title)}</h1>{body}</main></body></html>\n'
    )
