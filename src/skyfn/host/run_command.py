"""``skyfn run FUNCTION -- COMMAND``: any command with one function's values and secrets.

The secrets are resolved here as a local worker's are (``skyfn.host.secret_resolver``) and
handed to the command in its environment: on top of the shell's (``PATH``, ``HOME``, a
virtualenv keep working; the generated env modules and the function's locked packages join
``PYTHONPATH`` ahead of the virtualenv's own), or, with ``clean``, exactly what the
function itself gets (its values, its secrets, Lambda's variables, ``PATH``, ``LANG``,
``PYTHONPATH`` with its packages; ``python`` on ``PATH`` starts without site-packages, as a
worker does: ``skyfn.host.clean_python``). The command's stdout and stderr are masked like a function's logs
(``skyfn.runtime.masking``) unless ``mask`` is off; stdin and the terminal pass through.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import IO, Any

from skyfn.errors import SkyfnError
from skyfn.host import clean_python, secret_resolver
from skyfn.host.environment import (
    host_region,
    process_variables,
    site_dirs,
    store_access,
    stores_read,
    worker_interpreter,
)
from skyfn.host.supervisor import UnknownFunction
from skyfn.model import Function, Model
from skyfn.project import generated_dir
from skyfn.runtime.errors import SecretNotFound, SecretStoreError
from skyfn.runtime.masking import MaskedStream, Masker

# Signals the terminal sends to its whole foreground group (the command included): forwarded
# only when skyfn is not run from a terminal, else the command would get them twice.
TERMINAL_SIGNALS = (signal.SIGINT, signal.SIGQUIT)
FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)


class CommandNotFound(SkyfnError):
    """The command does not exist or cannot be executed (the shell's exit code 127)."""


@dataclass(frozen=True)
class RunPlan:
    function: Function
    environment: dict[str, str]
    secret_values: tuple[str, ...]  # what the masker hides


def resolve_secrets(model: Model, function: Function, environ: Mapping[str, str]) -> dict[str, str]:
    """Each secret variable of ``function`` → its value, read as a local worker's are
    (``skyfn.host.secret_resolver``: pins, shared fallback and external references alike),
    with the AWS credentials of ``environ`` (or of the profile boto3 finds)."""
    if not function.secrets:
        return {}
    access = {
        "AWS_REGION": host_region(environ),
        **store_access(stores_read(function, model.secret_store), environ),
    }
    try:
        return secret_resolver.resolve(function.variables(), environ={**environ, **access}).values
    except (SecretNotFound, SecretStoreError) as exc:
        raise SkyfnError(str(exc)) from None


def plan(model: Model, name: str, environ: Mapping[str, str], clean: bool) -> RunPlan:
    """The command's environment: the function's values and secrets, on top of the shell's
    (with the generated env modules importable: ``from skyfn_env.fn import env``), or with
    ``clean`` exactly a worker's."""
    function = model.function(name)
    if function is None:
        raise UnknownFunction(name, model)
    secrets = resolve_secrets(model, function, environ)
    plain = {value.key: value.deployed for value in function.environment}
    plain.update({r.key: r.target for r in function.references})  # served locally by name
    python, version = worker_interpreter(function)
    packages = site_dirs(model, function, version)  # built on first use, as for a worker
    if clean:
        _, variables = process_variables(model, function, host_region(environ), {})
        variables["PYTHONPATH"] = os.pathsep.join([variables["PYTHONPATH"], *packages])
        shims = clean_python.folder(model.project_root / ".skyfn" / "local", python, version)
        variables["PATH"] = os.pathsep.join([str(shims), variables["PATH"]])
    else:
        variables = dict(environ)
        inherited = environ.get("PYTHONPATH")
        generated = str(generated_dir(model.project_root))
        path = [generated, *packages, inherited]  # the function's packages before the venv's
        variables["PYTHONPATH"] = os.pathsep.join(filter(None, path))
    variables.update(plain)
    variables.update(secrets)
    return RunPlan(function, variables, tuple(secrets.values()))


def _pump(source: IO[bytes], target: int, masker: Masker) -> None:
    stream = MaskedStream(masker)
    while data := source.read1(65536) if hasattr(source, "read1") else source.read(65536):
        _write(target, stream.feed(data))
    _write(target, stream.finish())


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BrokenPipeError:  # nobody reads any more (e.g. `| head`)
            return


def execute(command: Sequence[str], run_plan: RunPlan, mask: bool) -> int:
    """Run ``command``; its exit code (128 + N when a signal N ended it)."""
    pipe = subprocess.PIPE if mask else None
    try:
        child = subprocess.Popen(list(command), env=run_plan.environment, stdout=pipe, stderr=pipe)
    except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
        raise CommandNotFound(
            f"cannot run {command[0]!r}: {exc.strerror or exc}; check the command after --"
        ) from None
    previous = _forward_signals(child)
    pumps: list[threading.Thread] = []
    try:
        if mask:
            masker = Masker(run_plan.secret_values)
            assert child.stdout is not None and child.stderr is not None
            for source, target in ((child.stdout, sys.stdout.fileno()), (child.stderr, 2)):
                pump = threading.Thread(target=_pump, args=(source, target, masker), daemon=True)
                pump.start()
                pumps.append(pump)
        code = child.wait()
        for pump in pumps:
            pump.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code


def _forward_signals(child: subprocess.Popen[bytes]) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    on_terminal = sys.stdin.isatty()

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    def ignore(signum: int, frame: FrameType | None) -> None:
        """The terminal sent it to the command too; the command decides what it means."""

    previous: dict[int, Any] = {}
    for signum in (*TERMINAL_SIGNALS, *FORWARDED):
        handler = ignore if on_terminal and signum in TERMINAL_SIGNALS else forward
        previous[signum] = signal.signal(signum, handler)
    return previous


@contextlib.contextmanager
def functions_served(model: Model, run_plan: RunPlan, clean: bool) -> Iterator[None]:
    """While the command runs, the functions its function references are served locally
    (a short-lived host and Lambda endpoint, ``AWS_ENDPOINT_URL_LAMBDA`` in its
    environment, a token of its own). Nothing when it references none: the command's other
    Lambda calls then go where they always went. Placeholder credentials only with
    ``clean`` (the shell's profile otherwise stays the command's)."""
    if not run_plan.function.references:
        yield
        return
    from skyfn.host.environment import HostOptions
    from skyfn.host.lambda_endpoint import serving
    from skyfn.host.logs import LogSink
    from skyfn.host.supervisor import Host

    region = host_region(os.environ)
    host = Host(model, HostOptions(region=region), LogSink(prefix=True), os.environ)
    try:
        with serving(host):
            access = host.callers.worker_variables(
                run_plan.function.name, run_plan.environment, placeholders=clean
            )
            run_plan.environment.update(access)
            yield
            host.wait_for_events()
    finally:
        host.close()
