"""``skyfn invoke``: synth, start one worker, invoke once."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from skyfn.errors import SkyfnError
from skyfn.host.environment import HostOptions
from skyfn.host.logs import LogSink
from skyfn.host.outcome import Outcome
from skyfn.host.supervisor import Host, UnknownFunction
from skyfn.model import Scope
from skyfn.outputs import synth
from skyfn.project import Project, backend_dir
from skyfn.runtime.stores import StoreName


def read_event(event: str | None, event_file: Path | None) -> Any:
    if event is not None and event_file is not None:
        raise SkyfnError("--event and --event-file are exclusive: give one")
    if event_file is not None and str(event_file) == "-":
        try:
            text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SkyfnError(f"--event-file - : stdin is not UTF-8 text: {exc}") from None
        source = "the event on stdin (--event-file -)"
    elif event_file is not None:
        try:
            text = event_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SkyfnError(f"--event-file {event_file}: {exc.strerror or exc}") from None
        source = f"--event-file {event_file}"
    elif event is not None:
        text, source = event, "--event"
    else:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SkyfnError(f"{source} is not valid JSON: {exc}") from None


def invoke_once(
    project: Project,
    scope: Scope,
    store: StoreName,
    name: str,
    event: Any,
    options: HostOptions,
    warn: Callable[[str], None] | None = None,
) -> Outcome:
    """``warn``: told when the function's Python is not the one its worker runs, and which
    requirements file to add a package to when the function could not import it."""
    model = synth(project, scope, store).model
    function = model.function(name)
    if function is None:
        raise UnknownFunction(name, model)
    if warn is not None:
        from skyfn.host import interpreter

        for line in interpreter.mismatches(model, [function]):
            warn(line)
    host = Host(model, options, LogSink(prefix=False), os.environ)
    previous = _exit_on_sigterm()
    try:
        from skyfn.host.lambda_endpoint import serving

        # the function may invoke the ones it references (boto3, AWS_ENDPOINT_URL_LAMBDA);
        # the command ends when the events it (and they) sent have run
        with serving(host):
            outcome = host.invoke(name, event)
            host.wait_for_events()
        if outcome.error and warn is not None:
            from skyfn.host.package_hint import missing_package

            hint = missing_package(function, backend_dir(project.root), outcome.failure())
            if hint is not None:
                warn(hint)
        return outcome
    finally:
        host.close()  # also on Ctrl-C or SIGTERM: the worker never outlives the command
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm() -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)
