"""A function's third-party packages: which ``requirements.txt`` declares them, and what it
may hold.

The file beside the function's handler wins; else ``backend/requirements.txt`` serves every
function without its own. A requirements file may hold names, extras, version specifiers,
markers and ``--hash=`` options, nothing else: options (``--no-binary``, ``-r``, ``-e``,
``--index-url``, ...), paths, URLs and VCS lines are refused, naming the line, because the
installer would otherwise build or read whatever they point at on the deploying machine.
The file itself is read without following links (a committed ``requirements.txt ->
/proc/self/environ`` must not feed the machine's environment to the installer).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from skyfn.errors import SkyfnError

REQUIREMENTS = "requirements.txt"
MAX_BYTES = 1024 * 1024

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_VERSION = r"[A-Za-z0-9.*+!_-]+"
_SPEC = rf"(?:~=|===|==|!=|<=|>=|<|>)\s*{_VERSION}"
_REQUIREMENT = re.compile(
    rf"(?P<name>{_NAME})\s*(?:\[\s*{_NAME}\s*(?:,\s*{_NAME}\s*)*\])?\s*"
    rf"(?:\(?\s*{_SPEC}\s*(?:,\s*{_SPEC}\s*)*\)?)?"
)
_MARKER = re.compile(r"[A-Za-z0-9_.'\"<>=!~ ()*+-]+")  # names, operators and quoted versions
_HASH = re.compile(r"--hash[= ]\s*(sha256|sha384|sha512):([0-9a-fA-F]+)")


@dataclass(frozen=True)
class Requirement:
    name: str  # normalized (PEP 503): lower case, runs of -_. as one -
    line: str  # the requirement without its hashes, as the installer gets it
    hashes: tuple[str, ...]  # "sha256:..." each


@dataclass(frozen=True)
class Requirements:
    path: Path
    requirements: tuple[Requirement, ...]

    @property
    def text(self) -> str:
        """The checked file as the installer reads it (nothing of the original but this)."""
        return "".join(
            r.line + "".join(f" --hash={h}" for h in r.hashes) + "\n" for r in self.requirements
        )

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(r.name for r in self.requirements)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def handler_file(directory: Path, handler: str) -> Path:
    module = handler.rpartition(".")[0]
    return directory.joinpath(*module.split(".")).with_suffix(".py")


def find(directory: Path, handler: str, backend: Path) -> Path | None:
    """The function's own ``requirements.txt`` (beside its handler file), else the
    project's ``backend/requirements.txt``, else ``None``. A link counts as there (and is
    refused when read), so it never silently falls back to the shared file."""
    for candidate in (
        handler_file(directory, handler).parent / REQUIREMENTS,
        backend / REQUIREMENTS,
    ):
        if os.path.lexists(candidate):
            return candidate
    return None


def resolved(directory: Path, handler: str, backend: Path) -> str:
    """What a function's packages come from, as a value to compare between reloads: the
    requirements file it resolves and that file's checked requirements (a comment edit is
    no change); a file that cannot be read or checked is its error, so fixing it is one."""
    path = find(directory, handler, backend)
    if path is None:
        return ""
    try:
        return f"{path}\0{load(path).text}"
    except SkyfnError as exc:
        return f"{path}\0error\0{exc}"


def load(path: Path) -> Requirements:
    return Requirements(path, parse(read(path), path))


def read(path: Path) -> str:
    """The file's text, never through a link, never more than ``MAX_BYTES``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        if path.is_symlink():
            raise SkyfnError(
                f"{path} is a link; skyfn reads requirements only from a regular file: "
                "replace the link with the file itself"
            ) from None
        raise SkyfnError(f"{path} cannot be read; check that it exists and is readable") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise SkyfnError(f"{path} is not a regular file; make it one")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SkyfnError(f"{path} is larger than 1 MB; list only the packages the function needs")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SkyfnError(f"{path} is not UTF-8 text; save it as UTF-8") from None


def parse(text: str, path: Path) -> tuple[Requirement, ...]:
    found: dict[str, Requirement] = {}
    for number, line in _logical_lines(text):
        requirement = _requirement(line, f"{path}:{number}")
        if requirement.name in found:
            raise SkyfnError(
                f"{path}:{number}: {requirement.name} is listed twice; keep one line for it"
            )
        found[requirement.name] = requirement
    return tuple(found[name] for name in sorted(found))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, line) with comments removed and ``\\`` continuations joined."""
    lines: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        line = re.sub(r"(^|\s)#.*", "", raw).rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            lines.append((start, line))
    if pending.strip():
        lines.append((start, pending.strip()))
    return lines


def _requirement(line: str, where: str) -> Requirement:
    hashes = tuple(f"{kind}:{value.lower()}" for kind, value in _HASH.findall(line))
    rest = _HASH.sub(" ", line).strip()
    shown = line if len(line) <= 80 else line[:77] + "..."
    if rest.startswith("-"):
        raise SkyfnError(
            f"{where}: {shown!r} is an installer option; a requirements file for skyfn holds "
            "package names, versions, extras, markers and --hash only (set an index with "
            "[tool.skyfn] index_url)"
        )
    requirement, _, marker = rest.partition(";")
    match = _REQUIREMENT.fullmatch(requirement.strip())
    if match is None or "://" in rest or (marker and not _MARKER.fullmatch(marker.strip())):
        raise SkyfnError(
            f"{where}: {shown!r} is not a package requirement (name, version specifiers, "
            "extras, marker); paths, URLs and VCS links are refused: publish the package "
            "as a wheel to an index and name it with a version"
        )
    cleaned = requirement.strip() + (f"; {marker.strip()}" if marker.strip() else "")
    return Requirement(normalize(match.group("name")), cleaned, hashes)
