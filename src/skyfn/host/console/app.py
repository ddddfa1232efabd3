"""The console's requests: who may see it (``session``, plus the Invoke API's ``Host`` and
``Origin`` rules), then routing to a page or an action. Like ``LocalGateway`` it works on
plain data and returns a ``Response``; ``server.py`` does the HTTP."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from importlib import resources
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from skyfn import scope as scopes
from skyfn.errors import SkyfnError
from skyfn.host import schedule_event
from skyfn.host.access import AccessPolicy, Refused, check_origin
from skyfn.host.console import events, inventory, pages, schedules
from skyfn.host.console.layout import SECURITY_HEADERS, notice, page
from skyfn.host.console.livelog import LiveLog
from skyfn.host.console.session import ConsoleSession
from skyfn.host.gateway import Response
from skyfn.host.outcome import Outcome
from skyfn.host.package_hint import missing_package
from skyfn.host.pool import HostClosed
from skyfn.host.scheduler import utc_now
from skyfn.host.supervisor import Host, UnknownFunction
from skyfn.model import Function, Model, Scope
from skyfn.project import backend_dir
from skyfn.secrets import manage
from skyfn.secrets.store import SecretStore

HTML = "text/html; charset=utf-8"
STATIC = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript"}
MAX_FORM = 1024 * 1024  # a form larger than this is refused
NOT_HERE = (
    "the console is at the URL <code>skyfn sandbox</code> printed on your terminal (its path "
    "is random for each run)"
)


def html(status: int, text: str, extra: Mapping[str, str] | None = None) -> Response:
    return Response(
        status, {"Content-Type": HTML, **SECURITY_HEADERS, **(extra or {})}, text.encode()
    )


def redirect(location: str, extra: Mapping[str, str] | None = None) -> Response:
    return Response(
        303, {"Content-Type": HTML, "Location": location, **SECURITY_HEADERS, **(extra or {})}
    )


def refusal(status: int, title: str, text: str) -> Response:
    body = f"<!doctype html><html lang=en><title>{title}</title><h1>{title}</h1><p>{text}</p>"
    return html(status, body)


def line_number(text: str) -> int:
    """A log line's number as a client sent it back; anything else is 0 (every kept line)."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else 0


class Console:
    def __init__(
        self,
        host: Host,
        access: AccessPolicy,
        port: int,
        open_store: Callable[[], SecretStore],
        base_url: str,
    ) -> None:
        self.host = host
        self.access = access
        self.port = port
        self.session = ConsoleSession(port, secure=base_url.startswith("https://"))
        self.base = self.session.base  # /_console/<random>: every page and action is under it
        self.live = LiveLog()
        self.base_url = base_url
        # a function's local URL origin, when the sandbox serves URLs (url_serving.attach)
        self.url_origin: Callable[[Function], str | None] = lambda f: None
        self._open_store = open_store
        self._store: SecretStore | None = None
        self.clock = utc_now  # what the next runs of schedules count from (tests: a fake)
        host.sink.subscribe(self.live.add)

    @property
    def model(self) -> Model:
        return self.host.model

    def store(self) -> SecretStore:
        if self._store is None:
            self._store = self._open_store()
        return self._store

    @property
    def context(self) -> str:
        m = self.model
        return f"{m.scope.label} · app {m.app_id} · secrets from the {m.secret_store} store"

    # -- who may see it --------------------------------------------------------------------

    def _refused(self, headers: Mapping[str, str]) -> Response | None:
        host = headers.get("host", "")
        try:
            check_origin(headers, host)
        except Refused:
            return refusal(
                403,
                "Refused",
                "requests from other sites are refused; open the console from the URL the "
                "sandbox printed",
            )
        if self.access.credentials is None and not self.access.host_allowed(host, self.port):
            return refusal(403, "Refused", "this Host is not the sandbox's address (DNS rebinding)")
        return None

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """``headers`` keyed by lower-cased name; ``target`` starts with ``/_console``."""
        refused = self._refused(headers)
        if refused is not None:
            return refused
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path in ("/_console", "/_console/") and "once" in query and method == "GET":
            if not self.session.redeem(query["once"]):
                return refusal(
                    403,
                    "Link used or expired",
                    "this link signs in once, within seconds of being made; open the console "
                    "URL that <code>skyfn sandbox</code> printed on your terminal",
                )
            return redirect(f"{self.base}/", {"Set-Cookie": self.session.set_cookie()})
        path = self.session.within(parts.path)
        if path is None:
            return refusal(404, "Not found", NOT_HERE)
        if method in ("GET", "HEAD") and path.startswith("/static/"):
            return self._static(path.removeprefix("/static/"))
        if "token" in query and method == "GET":
            if not self.session.token_ok(query["token"]):
                return refusal(403, "Wrong token", "open the console URL the sandbox printed")
            rest = {k: v for k, v in query.items() if k != "token"}
            location = self.base + path + (f"?{urlencode(rest)}" if rest else "")
            return redirect(location, {"Set-Cookie": self.session.set_cookie()})
        if not self.session.signed_in(headers):
            return refusal(
                401,
                "Sign in with the sandbox's URL",
                "open the console URL (with <code>?token=</code>) that <code>skyfn sandbox</code> "
                "printed on your terminal",
            )
        if method == "POST":
            return self._post(path, headers, body)
        if method not in ("GET", "HEAD"):
            return refusal(405, "Method not allowed", "use GET or POST")
        return self._get(path, query, headers)

    # -- pages -----------------------------------------------------------------------------

    def _get(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Response:
        if path == "/":
            rows = [(p.function, p.status()) for p in self.host.pools()]
            return self._page(
                "Functions", "Functions", pages.functions(rows, self.base_url, self.base)
            )
        if path == "/logs":
            names = [f.name for f in self.model.functions]
            return self._page("Logs", "Logs", pages.logs(names, self.live.kept(), self.base))
        if path == "/logs/stream":
            # after the lines the page was served with (or, reconnecting, the last one seen)
            seen = headers.get("last-event-id") or query.get("after", "")
            return Response(
                200,
                {"Content-Type": "text/event-stream", "Cache-Control": "no-store"},
                stream=self.live.stream(line_number(seen)),
            )
        if path == "/secrets":
            return self._secrets_page(query.get("note", ""), query.get("failed") == "1")
        if path == "/secrets/remove":
            return self._confirm_remove(query)
        if path.startswith("/functions/"):
            name, _, tail = unquote(path.removeprefix("/functions/")).partition("/")
            if tail == "":
                return self._function_page(name)
            if tail == "invoke":
                return self._invoke_page(name, query.get("event"))
        return refusal(404, "Not found", "no such console page")

    def _page(
        self, title: str, current: str, body: str, status: int = 200, news: str = ""
    ) -> Response:
        return html(status, page(title, current, self.context, body, self.base, news))

    def _static(self, name: str) -> Response:
        if name not in STATIC:
            return refusal(404, "Not found", "no such file")
        data = resources.files("skyfn.host.console").joinpath("static", name).read_bytes()
        return Response(200, {"Content-Type": STATIC[name], "Cache-Control": "no-cache"}, data)

    def _function_page(self, name: str, message: str = "", error: bool = False) -> Response:
        f = self.model.function(name)
        if f is None:
            return refusal(404, "Not found", "no such function")
        secrets: list[inventory.SecretRow] | str = []
        if f.secrets:
            try:
                secrets = inventory.secret_rows(self.model, f, self.store())
            except SkyfnError as exc:
                secrets = f"cannot list the {self.model.secret_store} store: {exc}"
        used, limit = inventory.budget(f)
        body = pages.function(f, secrets, used, limit, self.base, self.url_origin(f))
        triggers = schedules.section(f, self.clock(), self.session.csrf, self.base)
        said = notice(message, "error" if error else "info", focus=True) if message else ""
        return self._page(f.name, "Functions", said + body + triggers, news=message)

    def _invoke_page(
        self,
        name: str,
        saved: str | None = None,
        text: str = "{}",
        message: str = "",
        error: bool = False,
        outcome: Outcome | None = None,
    ) -> Response:
        function = self.model.function(name)
        if function is None:
            return refusal(404, "Not found", "no such function")
        root = self.model.project_root
        if saved:
            try:
                text, message = events.read(root, name, saved), f"Loaded saved event {saved}."
            except SkyfnError as exc:
                message, error = str(exc), True
        view = pages.InvokeView(
            name,
            events.names(root, name),
            text,
            self.session.csrf,
            self.base,
            outcome,
            message,
            error,
            self._hint(function, outcome),
        )
        return self._page(
            f"Invoke {name}", "Functions", pages.invoke(view), news=pages.what_happened(view)
        )

    def _hint(self, function: Function, outcome: Outcome | None) -> str:
        """What to do about a failed call where skyfn knows: the sandbox's log says it
        too, and the Invoke page shows it beside the result."""
        if outcome is None or not outcome.error:
            return ""
        found = missing_package(function, backend_dir(self.model.project_root), outcome.failure())
        return found or ""

    def _secrets_page(self, note: str, failed: bool = False) -> Response:
        try:
            tables = inventory.scope_tables(self.model, self.store())
        except SkyfnError as exc:
            return self._page(
                "Secrets", "Secrets", notice(f"cannot list the store: {exc}", "error")
            )
        missing = inventory.missing(self.model, tables)
        body = pages.secrets(tables, missing, self.session.csrf, note, self.base, failed)
        return self._page("Secrets", "Secrets", body, news=note)

    def _confirm_remove(self, form: Mapping[str, str]) -> Response:
        """Remove's question: which secret, which scope, who uses it; nothing removed yet."""
        name = form.get("name", "")
        try:
            scopes.check_secret_name(name)
        except SkyfnError as exc:
            return self._secret_note(f"Not changed: {exc}", failed=True)
        field = "shared" if form.get("scope") == "shared" else "scope"
        label = scopes.describe(self._scope(field))
        view = pages.RemoveView(name, field, label, self._users(name), self.session.csrf, self.base)
        title = f"Remove {name} from {label}?"
        return self._page(title, "Secrets", pages.confirm_remove(view))

    def _users(self, secret: str) -> list[str]:
        return [
            f.name for f in self.model.functions if any(r.secret_name == secret for r in f.secrets)
        ]

    def _secret_note(self, note: str, failed: bool = False) -> Response:
        query = {"note": note, **({"failed": "1"} if failed else {})}
        return redirect(f"{self.base}/secrets?{urlencode(query)}")

    # -- actions ---------------------------------------------------------------------------

    def _post(self, path: str, headers: Mapping[str, str], body: bytes) -> Response:
        if len(body) > MAX_FORM:
            return refusal(413, "Too large", "the form is larger than 1 MB")
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return refusal(415, "Unsupported", "send the console's own forms")
        form = {
            k: v[0]
            for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()
        }
        if not self.session.csrf_ok(form.get("csrf")):
            return refusal(
                403, "Refused", "the form's CSRF token is missing or wrong; reload the page"
            )
        if path == "/secrets/remove" and form.get("confirm") != "yes":
            return self._confirm_remove(form)  # not confirmed: ask, remove nothing
        if path in ("/secrets/set", "/secrets/remove"):
            return self._secret_action(path, form)
        if path.startswith("/functions/") and path.endswith("/invoke"):
            name = unquote(path.removeprefix("/functions/").removesuffix("/invoke"))
            return self._invoke(name, form)
        if path.startswith("/functions/") and path.endswith("/run-now"):
            name = unquote(path.removeprefix("/functions/").removesuffix("/run-now"))
            return self._run_now(name, form)
        return refusal(404, "Not found", "no such console action")

    def _invoke(self, name: str, form: Mapping[str, str]) -> Response:
        text = form.get("event", "")
        root = self.model.project_root
        try:
            pool = self.host.pool(name)
            if form.get("action") == "save":
                path = events.save(root, name, form.get("name", ""), text)
                message = f"Saved as {path.relative_to(root)}."
                return self._invoke_page(name, text=text, message=message)
            event = events.parse(text)
            outcome = pool.invoke(event)
        except UnknownFunction:
            return refusal(404, "Not found", "no such function")
        except (SkyfnError, HostClosed) as exc:
            return self._invoke_page(name, text=text, message=str(exc), error=True)
        return self._invoke_page(name, text=text, outcome=outcome)

    def _run_now(self, name: str, form: Mapping[str, str]) -> Response:
        """One asynchronous invocation with the event schedule N of ``name`` delivers."""
        f = self.model.function(name)
        index = form.get("schedule", "")
        if f is None:
            return refusal(404, "Not found", "no such function")
        if not index.isdigit() or int(index) >= len(f.schedules):
            return self._function_page(name, "Not run: no such schedule; reload the page", True)
        schedule = f.schedules[int(index)]
        execution = str(uuid.uuid4())
        event = schedule_event.build(
            self.host.options.region, name, schedule, self.clock(), execution
        )
        try:
            refused = self.host.invoke_in_background(name, json.dumps(event).encode(), execution)
        except (SkyfnError, HostClosed) as exc:
            return self._function_page(name, f"Not run: {exc}", True)
        if refused is not None:
            return self._function_page(name, f"Not run: {refused}", True)
        return self._function_page(
            name,
            f"Queued {name} with the event of {schedule.expression} {schedule.timezone} "
            f"(request {execution}); its output is on the Logs page.",
        )

    def _scope(self, field: str) -> Scope | None:
        return None if field == "shared" else self.model.scope

    def _secret_action(self, path: str, form: Mapping[str, str]) -> Response:
        name = form.get("name", "")
        model = self.model
        target = manage.Target(model.app_id, self._scope(form.get("scope", "")), self.store())
        try:
            if path == "/secrets/set":  # exactly ``skyfn secret set``'s checks
                value = form.get("value", "")
                info = manage.set_checked(target, name, value, manage.Rules(model))
                note = f"{name} set for {target.label} (version {info.version})."
            else:
                scopes.check_secret_name(name)
                manage.Rules(model).refuse_external(name)  # as ``skyfn secret remove``
                manage.remove_secret(target, name)
                note = f"{name} removed from {target.label}."
        except SkyfnError as exc:
            return self._secret_note(f"Not changed: {exc}", failed=True)
        users = self._users(name)
        self.host.recycle(users)
        if users:
            note += f" Next calls of {', '.join(users)} start fresh."
        self.host.sink.note(f"console: {note}")
        return self._secret_note(note)
