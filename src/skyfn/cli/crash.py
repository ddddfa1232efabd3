"""When skyfn itself fails: one line for the user, a private report for the bug, exit 70.

``SkyfnGroup`` (``skyfn.cli.common``) runs every command under this guard. A user error
(``SkyfnError``) never gets here: it is one ``error: ...`` line and its own exit code, and so
are click's usage errors, ``SystemExit``, Ctrl-C and a closed pipe. Errors in the user's own
code (``resource.py``, ``backend.py``, handlers) are reported where that code runs (the
backend loader, the worker), with the user's frames. What is left is a bug in skyfn:

    skyfn: internal error in secret get: KeyError: 'x'
    skyfn: full report: /home/you/.local/state/skyfn/crash/20250101T120000Z-4242-x1.txt; ...

and exit code 70 (``EX_SOFTWARE``). The report (a 0600 file in a 0700 folder: ``crash/``
under ``$SKYFN_HOME`` when that is set, else under ``$XDG_STATE_HOME/skyfn``, default
``~/.local/state/skyfn``) holds skyfn's version, the command line (without the user's own
command after ``--``), Python and the platform, and the traceback. ``SKYFN_DEBUG=1`` prints
the traceback on stderr too.

Everything shown or written is masked first: every secret value this process has seen
(``skyfn.secrets.known``), and the value of every environment variable that looks like a
secret by its name or its value (synth's ``looks_secret`` rules), in every form the
log masker knows. The report holds no environment variable values of its own.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from skyfn.private_files import make_private_folders
from skyfn.secrets import known

if TYPE_CHECKING:  # imported when needed: every command starts with this module
    from skyfn.runtime.masking import Masker

EX_SOFTWARE = 70
DEBUG_VAR = "SKYFN_DEBUG"
REPORT_TO = "a new issue in the skyfn issue tracker"  # an "Issues" Project-URL wins
MAX_MESSAGE = 300  # characters of the exception's message on the one line


def command_name(group: click.Group, args: Sequence[str]) -> str:
    """The (sub)command ``args`` name, e.g. ``secret get``; options before it are skipped."""
    names: list[str] = []
    command: click.Command = group
    for arg in args:
        if not isinstance(command, click.Group):
            break
        if arg.startswith("-"):
            continue
        sub = command.commands.get(arg)
        if sub is None:
            break
        names.append(arg)
        command = sub
    return " ".join(names) or group.name or "skyfn"


def handle(group: click.Group, args: Sequence[str], exc: BaseException) -> NoReturn:
    """Tell the user about ``exc`` (a bug in skyfn) and exit 70."""
    tell(command_name(group, args), args, exc)
    sys.exit(EX_SOFTWARE)


@contextmanager
def watching_threads(group: click.Group, args: Sequence[str]) -> Iterator[None]:
    """While the command runs, a bug in another of its threads (the sandbox's watcher, a
    pump) is told the same way instead of Python's traceback; that thread is gone, the
    command goes on."""

    def hook(event: threading.ExceptHookArgs) -> None:
        if event.exc_value is None or isinstance(event.exc_value, SystemExit):
            return
        where = event.thread.name if event.thread is not None else "a thread"
        tell(f"{command_name(group, args)} ({where})", args, event.exc_value)

    previous, threading.excepthook = threading.excepthook, hook
    try:
        yield
    finally:
        threading.excepthook = previous


def tell(command: str, args: Sequence[str], exc: BaseException) -> None:
    """The masked one line on stderr, the report written and where; with ``SKYFN_DEBUG``
    the masked traceback first. Nothing here raises: a failure of its own says less."""
    try:
        masker = masker_for(os.environ)
        text = report(command, args, exc, masker)
        lines = [summary(command, exc, masker)]
        try:
            where = write_report(text, report_folder(os.environ))
            lines.append(f"skyfn: full report: {where}; please attach it to {_report_to()}")
        except OSError as error:
            lines.append(f"skyfn: no report could be written ({error.strerror or error})")
        if debug(os.environ):
            lines.insert(0, masker.text(_traceback(exc)).rstrip("\n"))
        _say("\n".join(lines))
    except Exception:  # never a traceback of its own: say the least that is safe
        _say(f"skyfn: internal error in {command}: {type(exc).__name__}")


def summary(command: str, exc: BaseException, masker: Masker) -> str:
    """``skyfn: internal error in <command>: <type>: <message>``, masked, one line."""
    message = masker.text(str(exc)).strip()
    first = message.splitlines()[0] if message else ""
    if len(first) > MAX_MESSAGE:
        first = first[:MAX_MESSAGE] + "..."
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return f"skyfn: internal error in {command}: {detail}"


def report(command: str, args: Sequence[str], exc: BaseException, masker: Masker) -> str:
    """The whole report, masked."""
    import platform

    from skyfn import __version__

    text = "\n".join(
        [
            "skyfn internal error report",
            f"skyfn: {__version__}",
            f"command: {command}",
            f"argv: {command_line(args)}",
            f"python: {platform.python_implementation()} {platform.python_version()}",
            f"platform: {platform.platform()}",
            f"time: {datetime.now(UTC).isoformat(timespec='seconds')}",
            "",
            "Secret values skyfn read in this process, and the values of environment variables",
            "that look like secrets, show as ****. No environment variable is listed here.",
            f"Please attach this file to {_report_to()}.",
            "",
            _traceback(exc),
        ]
    )
    return masker.text(text)


def command_line(args: Sequence[str]) -> str:
    """``skyfn ARGS`` for the report; the user's own command after ``--`` (``skyfn run``)
    is left out: it is not skyfn's, and a command line often carries a credential."""
    args = list(args)
    if "--" in args:
        cut = args.index("--")
        words = len(args) - cut - 1
        return shlex.join(["skyfn", *args[: cut + 1]]) + f" <a command of {words} word(s)>"
    return shlex.join(["skyfn", *args])


def masker_for(environ: Mapping[str, str]) -> Masker:
    """Every secret value this process has seen, and every secret-looking variable's value."""
    from skyfn.runtime.masking import Masker

    return Masker([*known.known(), *_secret_looking(environ)])


def report_folder(environ: Mapping[str, str]) -> Path:
    home = environ.get("SKYFN_HOME")
    if home:
        return Path(home).expanduser() / "crash"
    state = environ.get("XDG_STATE_HOME")
    base = Path(state) if state and os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "skyfn" / "crash"


def write_report(text: str, folder: Path) -> Path:
    """Write ``text`` to a new 0600 file in ``folder`` (created 0700), or, when that fails,
    in the temporary folder; return its path."""
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"
    try:
        make_private_folders(folder)
        fd, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".txt", dir=folder)
    except OSError:
        fd, path = tempfile.mkstemp(prefix=f"skyfn-crash-{name}-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as file:
        os.fchmod(file.fileno(), 0o600)  # mkstemp's mode already; said once more on purpose
        file.write(text)
    return Path(path)


def debug(environ: Mapping[str, str]) -> bool:
    return environ.get(DEBUG_VAR, "").strip().lower() not in ("", "0", "false", "no")


def _secret_looking(environ: Mapping[str, str]) -> list[str]:
    try:
        from skyfn.synth.looks_secret import key_reason, value_reason
    except Exception:  # the crash may be right there: then every value is masked
        return list(environ.values())
    return [
        value
        for key, value in environ.items()
        if key_reason(key) is not None or value_reason(value) is not None
    ]


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def _report_to() -> str:
    """Where to report: an issue at the package's "Issues" Project-URL, else ``REPORT_TO``."""
    try:
        from importlib.metadata import metadata

        for entry in metadata("skyfn").get_all("Project-URL") or []:
            label, _, url = str(entry).partition(",")
            if label.strip().lower() in ("issues", "bug tracker", "tracker"):
                return f"an issue at {url.strip()}"
    except Exception:
        pass
    return REPORT_TO


def _say(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed or gone: the exit code still tells
        pass
