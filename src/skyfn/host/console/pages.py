"""The console's pages as HTML strings, from plain data (``inventory``, pool status, an
invocation's outcome). Never given a secret value, so none can be rendered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from skyfn.host.console import options
from skyfn.host.console.inventory import Missing, ScopeSecret, ScopeTable, SecretRow
from skyfn.host.console.layout import csrf_field, esc, function_url, link, notice, when
from skyfn.host.console.livelog import LogLine
from skyfn.host.outcome import Outcome
from skyfn.host.pool import PoolStatus
from skyfn.model import Function

REFRESH_SECONDS = 3  # how often the Functions table updates itself (unless paused)
RESULT_PREVIEW = 120  # characters of a last result shown on the Functions page
# set, but its value does not match the secret's pattern (as ``skyfn secret status`` says)
INVALID = '<strong class="invalid">INVALID</strong> (does not match its pattern)'


def state(status: PoolStatus) -> str:
    if status.busy:
        return f"busy {status.busy}, warm {status.idle}"
    if status.idle:
        return f"warm {status.idle}"
    return "no worker"


def last_call(status: PoolStatus) -> str:
    last = status.last
    if last is None:
        return "never called"
    outcome = "error" if last.error else "ok"
    text = last.payload.decode("utf-8", "replace")
    if len(text) > RESULT_PREVIEW:
        text = text[:RESULT_PREVIEW] + "…"
    start = "cold" if last.cold else "warm"
    return (
        f'{when(last.at)} · {last.duration_ms:.1f} ms ({start}) · <span class="{outcome}">'
        f"{outcome}</span> <code>{esc(text)}</code>"
    )


def functions(rows: Sequence[tuple[Function, PoolStatus]], base_url: str, base: str) -> str:
    if not rows:
        return notice("This backend defines no functions yet.")
    body = "".join(
        f'<tr data-function="{esc(f.name)}"><th scope="row">'
        f'<a href="{function_url(base, f.name)}">{esc(f.name)}</a></th>'
        f'<td class="state" data-label="State">{esc(state(s))}</td>'
        f'<td data-label="Last invocation">{last_call(s)}</td>'
        f'<td data-label="Cold starts">{s.started}</td><td data-label="Invoke URL">'
        f"<code>{esc(base_url)}/2015-03-31/functions/{esc(f.name)}/invocations</code></td>"
        f'<td><a href="{function_url(base, f.name, "/invoke")}">Invoke<span class="sr-only"> '
        f"{esc(f.name)}</span></a></td></tr>"
        for f, s in rows
    )
    # The pause control only works with the script, which shows it (WCAG 2.2.2).
    return (
        f'<div class="row"><button type="button" id="refresh-toggle" aria-pressed="false" '
        f'aria-controls="functions" hidden>Pause updates</button><span id="refresh-state" '
        f'class="hint" aria-live="polite"></span></div>'
        f'<table id="functions" class="reflow" data-refresh="{REFRESH_SECONDS}"><caption>'
        f"Every function of the backend; this table updates itself every {REFRESH_SECONDS} "
        "seconds unless paused</caption><thead><tr><th scope=col>Function</th>"
        "<th scope=col>State</th><th scope=col>Last invocation</th><th scope=col>Cold starts"
        "</th><th scope=col>Invoke URL</th><th scope=col><span class=sr-only>Actions</span>"
        f"</th></tr></thead><tbody>{body}</tbody></table>"
    )


def version_cell(row: SecretRow) -> str:
    if row.version is None:
        return "—"
    return f"{row.version} (pinned)" if row.pinned else str(row.version)


def function(
    f: Function,
    secrets: Sequence[SecretRow] | str,
    used: int,
    limit: int,
    base: str,
    url_origin: str | None = None,
) -> str:
    plain = "".join(
        f'<tr><th scope="row"><code>{esc(v.key)}</code></th><td data-label="Type">'
        f'{esc(v.type_name)}</td><td data-label="Value"><code>{esc(v.deployed)}</code></td></tr>'
        for v in f.environment
    ) + "".join(  # function_ref keys: the name the function calls its target by
        f'<tr><th scope="row"><code>{esc(r.key)}</code></th><td data-label="Type">'
        f'function_ref</td><td data-label="Value"><code>{esc(r.value)}</code></td></tr>'
        for r in f.references
    )
    if isinstance(secrets, str):  # the store could not be listed
        secret_part = notice(secrets, "error")
    elif not secrets:
        secret_part = "<p>No secrets.</p>"
    else:
        rows = "".join(
            f'<tr><th scope="row"><code>{esc(r.key)}</code></th>'
            f'<td data-label="Secret">{esc(r.name)}</td>'
            + (
                f'<td data-label="Found in">{esc(r.found_in)}'
                f"{', ' + INVALID if r.invalid else ''}</td>"
                f'<td data-label="Version">{version_cell(r)}</td>'
                f'<td data-label="Changed">{when(r.changed)}</td>'
                if r.found_in is not None
                else '<td colspan="3"><span class="missing">missing</span> — see '
                f'<a href="{link(base, "secrets")}">Secrets</a></td>'
            )
            + "</tr>"
            for r in secrets
        )
        secret_part = (
            '<table class="reflow"><caption>Secrets (values are never shown)</caption><thead><tr>'
            "<th scope=col>Key</th><th scope=col>Secret</th><th scope=col>Found in</th>"
            f"<th scope=col>Version</th><th scope=col>Changed</th></tr></thead><tbody>{rows}"
            "</tbody></table>"
        )
    percent = round(100 * used / limit)
    return (
        f'<p><a href="{function_url(base, f.name, "/invoke")}">Invoke {esc(f.name)}</a></p>'
        f"<dl><dt>Handler</dt><dd><code>{esc(f.handler)}</code></dd><dt>Runtime</dt>"
        f"<dd>{esc(f.runtime)}</dd><dt>Timeout</dt><dd>{f.timeout_seconds} s</dd>"
        f"<dt>Memory</dt><dd>{f.memory_mb} MB</dd>{options.settings_items(f)}"
        f"{options.triggers(f, url_origin)}</dl>"
        '<h2 id="budget-h">Environment budget</h2>'
        f'<p><label for="budget">{used} of {limit} bytes ({percent} %) of Lambda\'s environment'
        "</label> "
        f'<meter id="budget" min="0" max="{limit}" low="{limit * 3 // 4}" high="{limit * 9 // 10}"'
        f' optimum="0" value="{used}">{percent} %</meter></p>'
        "<p class=hint>Keys and values as deployed: plain values, secret placeholders and "
        "skyfn's own variables.</p>"
        '<h2>Environment</h2><table class="reflow"><caption>Plain values</caption><thead><tr>'
        "<th scope=col>Key</th><th scope=col>Type</th><th scope=col>Value</th></tr></thead>"
        f"<tbody>{plain or '<tr><td colspan=3>None.</td></tr>'}</tbody></table>{secret_part}"
        f"{options.permissions(f)}"
    )


@dataclass(frozen=True)
class InvokeView:
    function: str
    saved: Sequence[str]
    event_text: str
    csrf: str
    base: str
    outcome: Outcome | None = None
    message: str = ""
    error: bool = False
    hint: str = ""  # what to do about a failed call (a package to declare), when known


def invoke(view: InvokeView) -> str:
    options = "".join(f'<option value="{esc(n)}">{esc(n)}</option>' for n in view.saved)
    saved = (
        f'<form method="get" class="row"><label for="saved">Saved event</label>'
        f'<select id="saved" name="event">{options}</select><button id="load">Load</button></form>'
        if view.saved
        else "<p class=hint>No saved events yet: save one below (kept in "
        f"<code>events/{esc(view.function)}/</code> in the project).</p>"
    )
    # The page after an action: focus lands on what happened (its notice or the result).
    kind = "error" if view.error else "info"
    parts = [notice(view.message, kind, focus=True)] if view.message else []
    parts.append(saved)
    parts.append(
        f'<form method="post" action="{function_url(view.base, view.function, "/invoke")}" '
        'id="invoke-form">'
        f'{csrf_field(view.csrf)}<label for="event">Event (JSON)</label>'
        f'<textarea id="event" name="event" rows="12" spellcheck="false" '
        f'aria-describedby="event-status">{esc(view.event_text)}</textarea>'
        '<p id="event-status" class="hint" aria-live="polite">Valid JSON.</p>'
        '<div class="row"><button name="action" value="invoke" id="invoke">Invoke</button>'
        '<label for="save-name">Save as</label><input id="save-name" name="name" '
        'pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}" autocomplete="off">'
        '<button name="action" value="save" id="save">Save event</button></div></form>'
    )
    if view.outcome is not None:
        o = view.outcome
        try:
            shown = json.dumps(json.loads(o.payload), indent=2)
        except ValueError:
            shown = o.payload.decode("utf-8", "replace")
        status = "error" if o.error else "ok"
        parts.append(
            '<section aria-labelledby="result-h"><h2 id="result-h">Result</h2>'
            f'<p id="outcome" tabindex="-1" autofocus><span class="{status}">{status}</span> · '
            f"{o.duration_ms:.1f} ms · {'cold start' if o.cold else 'warm'} · request "
            f"<code>{esc(o.request_id)}</code></p>"
            + (f'<p id="call-hint" class="hint">{esc(view.hint)}</p>' if view.hint else "")
            + f"<pre id=result>{esc(shown)}</pre>"
            f'<h2>Logs of this call</h2><pre id="call-logs">{esc(o.logs)}</pre></section>'
        )
    return "".join(parts)


def what_happened(view: InvokeView) -> str:
    """The title's first words after an action on the Invoke page ("" when none was)."""
    if view.outcome is not None:
        o = view.outcome
        return f"Invoked {view.function}: {'error' if o.error else 'ok'} in {o.duration_ms:.1f} ms"
    return view.message


def log_item(line: LogLine) -> str:
    """One log line; the hidden separators make it read "time, function, request: text"
    (``console.js`` builds the same for lines that arrive later)."""
    f = line.fields()
    request = (
        f'<span class="sr-only">, request </span><span class="log-meta">{esc(f["request"])}</span>'
        if f["request"]
        else '<span class="log-meta"></span>'
    )
    return (
        f'<li data-seq="{line.seq}" data-function="{esc(line.function)}">'
        f'<span class="log-meta">{esc(f["at"])}</span><span class="sr-only">, </span>'
        f'<span class="log-fn">{esc(line.function or "skyfn")}</span>{request}'
        f'<span class="sr-only">: </span><span class="log-text">{esc(line.text)}</span></li>'
    )


def logs(function_names: Sequence[str], lines: Sequence[LogLine], base: str) -> str:
    """The kept lines are in the page as served (a live region announces changes only, so
    they are not read out); the stream sends only what comes after the last of them."""
    options = "".join(f'<option value="{esc(n)}">{esc(n)}</option>' for n in function_names)
    after = lines[-1].seq if lines else 0
    return (
        '<form class="row" id="log-filter" role="search"><label for="log-function">Function'
        f'</label><select id="log-function"><option value="">All</option>{options}'
        '<option value="-">skyfn itself</option></select>'
        '<label for="log-text">Text</label><input id="log-text" type="search" autocomplete="off">'
        '<button type="button" id="log-pause" aria-pressed="false" aria-controls="log-view" '
        "hidden>Pause live updates</button>"
        '<span id="log-state" class="hint" aria-live="polite">connecting…</span></form>'
        '<div id="log-view" role="log" tabindex="0" aria-label="Function logs, newest last">'
        f'<ol id="log-lines" data-source="{link(base, "logs/stream")}" data-after="{after}">'
        f"{''.join(log_item(line) for line in lines)}</ol></div>"
    )


def secrets(
    tables: Sequence[ScopeTable],
    missing: Sequence[Missing],
    csrf: str,
    note: str,
    base: str,
    failed: bool = False,
) -> str:
    """``note``: what the last Set or Remove did (focused, so it is read out)."""
    parts = [notice(note, "error" if failed else "info", focus=True)] if note else []
    if missing:
        items = "".join(
            f'<li><strong class="missing">{esc(m.name)}</strong> is missing (used by '
            f"{esc(', '.join(m.used_by))}). Set it below or run <code>{esc(m.command)}</code></li>"
            for m in missing
        )
        parts.append(f'<h2>Missing</h2><ul id="missing">{items}</ul>')
    for table in tables:
        rows = "".join(_secret_row(table, row, csrf, base) for row in table.secrets)
        parts.append(
            f'<h2>{esc(table.label)}</h2><table class="reflow"><thead><tr>'
            "<th scope=col>Secret</th>"
            "<th scope=col>Used by</th><th scope=col>Status</th><th scope=col>Set a value</th>"
            f"<th scope=col><span class=sr-only>Remove</span></th></tr></thead><tbody>"
            f"{rows or '<tr><td colspan=5>The backend references no secrets.</td></tr>'}"
            "</tbody></table>"
        )
    return "".join(parts)


def _secret_row(table: ScopeTable, row: ScopeSecret, csrf: str, base: str) -> str:
    name, info, used_by = row.name, row.info, row.used_by
    ident = f"{table.field}-{name}"
    if info is not None:
        state = INVALID if row.invalid else '<span class="set">set</span>'
        status = f"{state}, version {info.version}, {when(info.last_modified)}"
        # Remove only asks: the page it opens names the secret and scope and removes it.
        remove = (
            f'<form method="get" action="{link(base, "secrets/remove")}">'
            f'<input type="hidden" name="scope" value="{table.field}">'
            f'<input type="hidden" name="name" value="{esc(name)}">'
            f'<button class="danger" id="remove-{esc(ident)}">Remove…<span class="sr-only"> '
            f"{esc(name)} from {esc(table.label)}</span></button></form>"
        )
    else:
        status, remove = '<span class="unset">not set</span>', ""
    return (
        f'<tr><th scope="row"><code>{esc(name)}</code></th>'
        f'<td data-label="Used by">{esc(", ".join(used_by))}</td>'
        f'<td data-label="Status">{status}</td><td>'
        f'<form method="post" action="{link(base, "secrets/set")}" class="row" autocomplete="off">'
        f'{csrf_field(csrf)}<input type="hidden" name="scope" value="{table.field}">'
        f'<input type="hidden" name="name" value="{esc(name)}">'
        f'<label for="value-{esc(ident)}" class="sr-only">New value for {esc(name)} '
        f'({esc(table.label)})</label><input type="password" id="value-{esc(ident)}" '
        'name="value" autocomplete="new-password" required>'
        f'<button>Set<span class="sr-only"> {esc(name)} for {esc(table.label)}</span></button>'
        f"</form></td><td>{remove}</td></tr>"
    )


@dataclass(frozen=True)
class RemoveView:
    name: str
    field: str  # the form's scope field: "scope" or "shared"
    label: str  # the scope as people read it ("sandbox alice", "shared")
    used_by: Sequence[str]
    csrf: str
    base: str


def confirm_remove(view: RemoveView) -> str:
    """The question Remove asks before anything is deleted (there is no undo)."""
    name, label = esc(view.name), esc(view.label)
    users = (
        f"{esc(', '.join(view.used_by))} will fail from their next call until it is set again."
        if view.used_by
        else "No function uses it."
    )
    return (
        f'<p id="confirm-question" tabindex="-1" autofocus>Remove <code>{name}</code> from '
        f"{label}? Its value is deleted from the store; this cannot be undone. {users}</p>"
        f'<form method="post" action="{link(view.base, "secrets/remove")}" class="row">'
        f'{csrf_field(view.csrf)}<input type="hidden" name="scope" value="{esc(view.field)}">'
        f'<input type="hidden" name="name" value="{name}">'
        '<input type="hidden" name="confirm" value="yes">'
        f'<button class="danger" id="confirm-remove">Remove {name} from {label}</button>'
        f'<a href="{link(view.base, "secrets")}" id="cancel-remove">Cancel, keep it</a></form>'
    )
