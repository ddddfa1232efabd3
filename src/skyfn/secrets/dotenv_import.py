"""Read a dotenv file for ``skyfn secret import``: all of it, or nothing.

Such a file holds secret material, and sometimes the wrong file is passed (a PEM key, a
password list, a link to ``master.key``). So an error names the file and the line, never
what the line holds: not its value, and not its name either (a "name" may well be a line of
a key). Any bad line (not ``NAME=value``, a name ``secret set`` would refuse, an empty value,
a name given twice) fails the whole import before anything is set. Values are taken
literally (no ``${VAR}`` expansion: a ``$`` in a password stays a ``$``).

An unquoted value loses what dotenv takes for a comment (from `` #`` on) and its trailing
blanks: ``JWT_SECRET=Zx #9f3k`` would be stored as ``Zx``. Such a line is refused, saying
how to quote it, rather than cut short without a word.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from skyfn import scope as scopes
from skyfn.errors import SkyfnError
from skyfn.secrets import known

QUOTE_HINT = "quote it: NAME='...' (or NAME=\"...\" when it holds a ', escaping \\ and \")"
_COMMENT = re.compile(r"[ \t]#")


@dataclass(frozen=True)
class Entry:
    value: str
    line: int  # where the file gives it, for errors found later (store limits, patterns)


def read_dotenv(file: Path) -> dict[str, Entry]:
    """Every ``NAME=value`` of ``file``, in order, once each line has been checked."""
    from dotenv.parser import parse_stream

    text = _read_text(file)
    values: dict[str, Entry] = {}
    seen: dict[str, int] = {}
    problems: list[str] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.value is not None:
            known.remember([binding.value])  # secret material: a crash report masks it
        original = binding.original.string
        line = binding.original.line + _leading_blank_lines(original)
        problem = _problem(binding.error, binding.key, binding.value, seen) or _cut_short(
            original, binding.value
        )
        if problem:
            problems.append(f"line {line}: {problem}")
        elif binding.key is not None and binding.value is not None:
            seen[binding.key] = line
            values[binding.key] = Entry(binding.value, line)
    if problems:
        more = f" (and {len(problems) - 1} more bad line(s))" if len(problems) > 1 else ""
        raise SkyfnError(f"{file}, {problems[0]}{more}; nothing imported")
    if not values:
        raise SkyfnError(f"{file} holds no NAME=value lines; nothing to import")
    return values


def _read_text(file: Path) -> str:
    if not file.is_file():
        raise SkyfnError(f"{file} does not exist or is not a file; pass a .env file to import")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise SkyfnError(f"cannot read {file}: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SkyfnError(
            f"{file}, line {line}: not UTF-8 text; secrets must be text (base64-encode binary "
            "data first); nothing imported"
        ) from None


def _leading_blank_lines(original: str) -> int:
    """The parser counts a binding from the blank lines before it."""
    stripped = original.lstrip(" \t\r\n")
    return original[: len(original) - len(stripped)].count("\n")


def _problem(error: bool, key: str | None, value: str | None, seen: dict[str, int]) -> str:
    if error:
        return "not a NAME=value line (quote a value that spans lines)"
    if key is None:  # a comment or a blank line
        return ""
    if value is None:
        return "a line without '=': write NAME=value"
    if not scopes.valid_secret_name(key):
        return f"not a valid secret name: {scopes.SECRET_NAME_RULE}"
    if key in seen:
        return f"the same name as line {seen[key]}: give each secret once"
    if value == "":
        return "the value is empty; secrets cannot be empty"
    if "\x00" in value:
        return "the value holds a NUL byte; secrets must be text"
    return ""


def _cut_short(original: str, value: str | None) -> str:
    """What an unquoted value would silently lose: a `` #...`` tail, trailing blanks."""
    if value is None:
        return ""
    own = original.lstrip(" \t\r\n")  # the binding, without the blank lines before it
    raw = own.partition("=")[2].split("\n", 1)[0].rstrip("\r").lstrip(" \t")
    if raw[:1] in ("'", '"'):
        return ""  # quoted: taken as written
    known.remember([raw])  # the whole line's value, the part dotenv drops included
    if _COMMENT.search(raw):
        return (
            "an unquoted value holding ' #' would be cut there (dotenv takes the rest for a "
            f"comment); {QUOTE_HINT}, or put a comment on a line of its own"
        )
    if raw != raw.rstrip(" \t"):
        return f"an unquoted value ending in blanks would lose them; {QUOTE_HINT}"
    return ""
