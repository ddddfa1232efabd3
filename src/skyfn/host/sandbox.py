"""``skyfn sandbox``: synth, serve every function behind the Invoke API, reload on change,
stop every worker on Ctrl-C or SIGTERM."""

from __future__ import annotations

import errno
import signal
import ssl
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from skyfn.errors import SkyfnError
from skyfn.host import addresses, tls
from skyfn.host.access import AccessPolicy
from skyfn.host.environment import HostOptions
from skyfn.host.logs import LogSink
from skyfn.host.schedule_event import timestamp
from skyfn.host.scheduler import Scheduler, next_runs, utc_now
from skyfn.host.secret_watch import SecretVersions
from skyfn.host.server import MAX_CONNECTIONS, REQUEST_TIMEOUT, InvokeServer
from skyfn.host.supervisor import Host
from skyfn.host.vault_watch import VaultVersions
from skyfn.host.watcher import Watcher
from skyfn.model import Function, Model, Scope
from skyfn.outputs import synth
from skyfn.project import Project
from skyfn.runtime.errors import SecretStoreError
from skyfn.runtime.stores import StoreName
from skyfn.secrets import local_reader

if TYPE_CHECKING:
    from skyfn.host.console import Console
    from skyfn.secrets.local import CommitWatch

SECRET_POLL_SECONDS = 1.0  # a remote store's secrets reach the next call within ~2 s


def store_dir(store: StoreName) -> Path | None:
    """Where the local store keeps its files (watched for secret changes)."""
    return local_reader.home() if store == "local" else None


class Sandbox:
    def __init__(
        self, project: Project, scope: Scope, store: StoreName, options: HostOptions, sink: LogSink
    ) -> None:
        self.project, self.scope, self.store, self.sink = project, scope, store, sink
        self.host = Host(synth(project, scope, store).model, options, sink, hints=True)
        self.commits = self._commit_watch(store)
        self.versions = SecretVersions(store)
        self.vault = VaultVersions()
        self._secrets_lock = threading.Lock()  # the watcher's thread and the callers' alike
        if self.commits is not None:
            self.host.before_call = self.secrets_changed
        self._last_error = ""
        self._store_model: Model | None = None  # the model _has_secrets was found for
        self._has_secrets = False
        self.url: str | None = None  # the Invoke API's, once it listens
        self._changed_functions()  # remember the versions the first workers will read
        self.vault_changed()

    @staticmethod
    def _commit_watch(store: StoreName) -> CommitWatch | None:
        if store != "local":
            return None
        from skyfn.secrets.local import CommitWatch

        return CommitWatch()

    @property
    def model(self) -> Model:
        return self.host.model

    def code_changed(self, paths: set[Path]) -> None:
        try:
            model = synth(self.project, self.scope, self.store).model
        except SkyfnError as exc:
            self.sink.note(f"definition error; still serving the last good version:\n{exc}")
            return
        before = {f.name for f in self.model.functions}
        # the host restarts a function whose definition or file set's contents changed: an
        # edit of shared code restarts only the functions whose bundles hold that file
        restarted = self.host.update(model)
        self.sink.note(f"reloaded: {', '.join(restarted) if restarted else 'nothing to restart'}")
        added = [f for f in model.functions if f.name not in before]
        if added and self.url is not None:
            self.sink.note(f"new function{'s' if len(added) > 1 else ''}:")
            for line in table(model, self.url, added)[1:]:
                self.sink.note(line)

    def _changed_functions(self) -> list[str]:
        try:
            return self.versions.changed_functions(self.model)
        except SkyfnError as exc:
            if str(exc) != self._last_error:  # once per distinct problem, not every poll
                self.sink.note(f"cannot check the {self.store} store for changed secrets: {exc}")
            self._last_error = str(exc)
            return []

    def secrets_changed(self) -> None:
        """Recycle the functions whose secrets changed. For the local store this runs before
        every call too (``Host.before_call``): ``PRAGMA data_version`` on an open connection,
        no value read, so a change committed by ``skyfn secret`` before a call starts reaches
        it; the file watcher only covers the quiet times."""
        with self._secrets_lock:
            if not self._reads_store():
                return  # no function reads a secret: nothing a commit could change
            if self.commits is not None and not self.commits.changed():
                return  # no commit since the last look (or the files moved: a reader closed)
            names = self._changed_functions()
            self.host.recycle(names)
        if names:
            self.sink.note(f"secrets changed: next calls of {', '.join(names)} start fresh")

    def _reads_store(self) -> bool:
        """Whether a function of the current model has secrets (known once per model, since
        this runs before every call)."""
        model = self.model
        if model is not self._store_model:
            self._store_model = model
            self._has_secrets = any(f.secrets for f in model.functions)
            if not self._has_secrets:
                self.versions.changed_functions(model)  # forget the versions seen so far
        return self._has_secrets

    def vault_changed(self) -> None:
        """Recycle the functions whose Vault secrets changed (each looked at every max_age)."""
        with self._secrets_lock:
            try:
                names = self.vault.changed_functions(self.model)
            except (SkyfnError, SecretStoreError) as exc:
                if str(exc) != self._last_error:
                    self.sink.note(f"cannot check Vault for changed secrets: {exc}")
                self._last_error = str(exc)
                return
            self.host.recycle(names)
        if names:
            self.sink.note(f"Vault secrets changed: next calls of {', '.join(names)} start fresh")


def poll(check: Callable[[], None], stop: threading.Event) -> None:
    while not stop.wait(SECRET_POLL_SECONDS):
        check()


def bind(
    address: str,
    port: int,
    host: Host,
    request_timeout: float = REQUEST_TIMEOUT,
    access: AccessPolicy | None = None,
    max_connections: int = MAX_CONNECTIONS,
    tls_context: ssl.SSLContext | None = None,
) -> InvokeServer:
    try:
        return InvokeServer(
            (address, port), host, request_timeout, access, max_connections, tls_context
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SkyfnError(
                f"port {port} on {address} is in use; stop what runs there or pass --port"
            ) from None
        raise SkyfnError(f"cannot listen on {address}:{port}: {exc.strerror or exc}") from None


def attach_console(server: InvokeServer, sandbox: Sandbox) -> Console:
    """Serve the web console at ``/_console/`` on the Invoke API's port."""
    from skyfn.host.console import Console
    from skyfn.secrets.registry import open_store

    console = Console(
        sandbox.host,
        server.access,
        int(server.server_address[1]),
        lambda: open_store(sandbox.store),
        server.url,
    )
    server.gateway.console = console
    return console


def table(model: Model, url: str, functions: Sequence[Function] | None = None) -> list[str]:
    shown = model.functions if functions is None else functions
    width = max([len("FUNCTION"), *(len(f.name) for f in shown)])
    lines = [f"  {'FUNCTION':<{width}}  INVOKE URL"]
    for f in shown:
        lines.append(f"  {f.name:<{width}}  {url}/2015-03-31/functions/{f.name}/invocations")
    return lines


def access_lines(
    access: AccessPolicy, url: str, model: Model, region: str, cert: Path | None = None
) -> list[str]:
    """How to call the sandbox: a curl line, and with authentication the session's
    credentials (printed once, on the developer's own terminal; valid until it stops);
    ``cert``: the certificate it serves HTTPS with, which clients must trust."""
    first = model.functions[0].name if model.functions else "FUNCTION"
    target = f"{url}/2015-03-31/functions/{first}/invocations"
    trust = f" --cacert {cert}" if cert is not None else ""
    verify = f", verify='{cert}'" if cert is not None else ""
    credentials = access.credentials
    if credentials is None:
        if not model.functions:
            return []
        return [f"try: curl{trust} -X POST {target} -d '{{}}'"]
    return [
        "authentication on: every request must be signed (SigV4) with this session's credentials:",
        f"  aws_access_key_id={credentials.access_key}",
        f"  aws_secret_access_key={credentials.secret_key}",
        f"  boto3: boto3.client('lambda', endpoint_url='{url}', region_name='{region}', "
        f"aws_access_key_id=..., aws_secret_access_key=...{verify})",
        f"  curl: curl{trust} -X POST {target} -d '{{}}' --aws-sigv4 'aws:amz:{region}:lambda' "
        f"--user '{credentials.access_key}:{credentials.secret_key}'",
    ]


def tls_context(
    address: str, tls_files: tuple[Path, Path] | None, echo: Callable[[str], None]
) -> ssl.SSLContext | None:
    """HTTPS with the certificate and key given; none given: only on loopback."""
    if tls_files is None:
        if addresses.is_loopback(address):
            return None
        raise SkyfnError(
            f"--host {address} is not a loopback address, so the sandbox must speak HTTPS "
            "(its console's secret values and cookie, and signed requests, would cross the "
            "network in clear text): pass --tls-cert CERT.pem --tls-key KEY.pem, a "
            "certificate for the name or address clients use (see README, Security)"
        )
    cert, key = tls_files
    context = tls.load(cert, key)
    warning = tls.key_warning(key)
    if warning is not None:
        echo(f"warning: {warning}")
    return context


def run(
    project: Project,
    scope: Scope,
    store: StoreName,
    options: HostOptions,
    address: str,
    port: int,
    echo: Callable[[str], None],
    request_timeout: float = REQUEST_TIMEOUT,
    access: AccessPolicy | None = None,
    open_browser: bool = False,
    max_connections: int = MAX_CONNECTIONS,
    tls_files: tuple[Path, Path] | None = None,
    schedules: bool = True,
    urls: bool = True,
) -> None:
    """``tls_files``: the certificate and key to serve HTTPS with (required off loopback);
    ``schedules``: fire the functions' schedules (``--no-schedules``: only by hand);
    ``urls``: serve function URLs on ``<label>.localhost`` (loopback only)."""
    context = tls_context(address, tls_files, echo)  # before anything starts
    sink = LogSink()
    access = access if access is not None else AccessPolicy.for_address(address)
    sandbox = Sandbox(project, scope, store, options, sink)
    from skyfn.host import interpreter

    for line in interpreter.mismatches(sandbox.model):
        echo(f"warning: {line}")
    try:
        server = bind(
            address, port, sandbox.host, request_timeout, access, max_connections, context
        )
    except BaseException:
        sandbox.host.close()
        raise
    sandbox.url = server.url
    from skyfn.host.lambda_endpoint import LambdaEndpoint

    endpoint = LambdaEndpoint(sandbox.host)  # the functions' own calls to each other
    console = attach_console(server, sandbox)
    from skyfn.host import url_serving

    url_lines = url_serving.attach(server, sandbox.host, address, urls, console)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    folder = store_dir(store)
    if folder is not None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    watcher = Watcher(
        project.backend_dir,
        folder,
        sandbox.code_changed,
        sandbox.secrets_changed,
        root=project.root,
    )
    serving = threading.Thread(target=server.serve_forever, daemon=True, name="skyfn-http")
    if folder is None:  # a remote store (ssm) has no files to watch: ask it now and then
        threading.Thread(
            target=poll, args=(sandbox.secrets_changed, stop), daemon=True, name="skyfn-poll"
        ).start()
    # Vault's values were handed over once: each is looked at again every max_age
    threading.Thread(
        target=poll, args=(sandbox.vault_changed, stop), daemon=True, name="skyfn-vault"
    ).start()
    timer = start_scheduler(sandbox, options.region, stop) if schedules else None
    try:
        watcher.start()
        serving.start()
        echo(f"skyfn sandbox: {scope.label}, app {project.app_id}, secrets from the {store} store")
        if not addresses.is_loopback(address):
            echo(f"warning: listening on {address}, reachable from other machines (HTTPS only)")
        for line in table(sandbox.model, server.url):
            echo(line)
        cert = tls_files[0] if tls_files is not None else None
        for line in access_lines(access, server.url, sandbox.model, options.region, cert):
            echo(line)
        for line in schedule_lines(sandbox.model, timer is not None):
            echo(line)
        for line in url_lines:
            echo(line)
        echo(f"console: {console.session.url(server.url)}")
        if open_browser:
            import webbrowser

            # a one-time code: a command line is readable by every local user (ps)
            webbrowser.open(console.session.once_url(server.url))
        echo(f"watching {project.backend_dir}; Ctrl-C to stop")
        while not stop.wait(0.5):
            pass
    finally:
        console.live.close()
        if serving.is_alive():
            server.shutdown()
        server.server_close()
        endpoint.close()
        watcher.stop()
        if sandbox.commits is not None:
            sandbox.commits.close()
        workers = len(sandbox.host.workers())
        sandbox.host.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        echo(f"stopped ({workers} worker(s))")


def start_scheduler(sandbox: Sandbox, region: str, stop: threading.Event) -> Scheduler:
    """Fire the current model's schedules (a reload's too) as asynchronous invocations."""
    scheduler = Scheduler(
        lambda: sandbox.model, sandbox.host.invoke_in_background, region, note=sandbox.sink.note
    )
    threading.Thread(
        target=scheduler.run_forever, args=(stop,), daemon=True, name="skyfn-schedules"
    ).start()
    return scheduler


def schedule_lines(model: Model, on: bool) -> list[str]:
    """Start-up's word on schedules: each one and its next run, or that they are off."""
    scheduled = [(f, s) for f in model.functions for s in f.schedules]
    if not scheduled:
        return []
    if not on:
        return [f"schedules off (--no-schedules): {len(scheduled)} schedule(s) not fired"]
    now = utc_now()
    lines = ["schedules (fired as asynchronous invocations):"]
    for function, schedule in scheduled:
        upcoming = next_runs(schedule, now, 1)
        when = timestamp(upcoming[0]) if upcoming else "never again"
        lines.append(f"  {function.name}  {schedule.label}  next {when}")
    return lines
