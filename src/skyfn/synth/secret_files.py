"""Files that look like they hold secrets, which a bundle leaves out unless asked to ship them.

Two rules. By content, whatever the name: a file holding a private key (a PEM or OpenSSH
``-----BEGIN ... PRIVATE KEY-----`` block, a PGP private key block) or an AWS access key id
(``AKIA...``/``ASIA...``). By name (case-insensitive): ``*.env``, ``secrets``/``secrets.*``,
``credentials*``, SSH private keys (``id_rsa*``, ``id_dsa*``, ``id_ecdsa*``,
``id_ed25519*``), and key stores whose content cannot be read as text (``*.key``,
``*.p12``, ``*.pfx``, ``*.jks``, ``*.keystore``). Certificates (``.pem``/``.crt`` holding
only ``CERTIFICATE`` blocks, such as RDS's CA bundle) ship.

``[tool.skyfn] bundle_include`` ships such a file on purpose: a list of project-relative
paths or ``fnmatch`` patterns (``*`` also matches ``/``), e.g.
``bundle_include = ["backend/functions/sign/signing.key"]``. It never ships a link, a
dotfile or a definition file.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from pathlib import Path

from skyfn.errors import SkyfnError
from skyfn.settings import read_settings

SETTING = "bundle_include"
_SECRET_NAME = re.compile(
    r".*\.env|secrets(\..*)?|credentials.*|id_(rsa|dsa|ecdsa|ed25519).*"
    r"|.*\.(key|p12|pfx|jks|keystore)",
    re.IGNORECASE,
)
PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
AWS_ACCESS_KEY = re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_CHUNK = 1024 * 1024
_OVERLAP = 64  # longer than any match above, so none is missed at a chunk's edge


def reason(path: Path) -> str | None:
    """Why the regular file ``path`` looks like it holds a secret (``None``: it does not)."""
    if _SECRET_NAME.fullmatch(path.name):
        return "named like a secret"
    info = path.stat()
    return _content_reason(str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns)


@functools.lru_cache(maxsize=4096)
def _content_reason(path: str, size: int, mtime_ns: int, ctime_ns: int) -> str | None:
    """Keyed by the file's stamp: a local worker's start reads only what changed."""
    tail = b""
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            data = tail + chunk
            if PRIVATE_KEY.search(data):
                return "holds a private key"
            if AWS_ACCESS_KEY.search(data):
                return "holds an AWS access key"
            tail = data[-_OVERLAP:]
    return None


def include_patterns(root: Path) -> tuple[str, ...]:
    """``[tool.skyfn] bundle_include`` of the project at ``root``."""
    value = read_settings(root).get(SETTING, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SkyfnError(
            f"{root / 'pyproject.toml'}: [tool.skyfn] {SETTING} is {value!r}; give a list of "
            'project-relative paths or patterns, e.g. ["backend/functions/sign/signing.key"]'
        )
    return tuple(v.strip("/") for v in value)


def included(relative: str, patterns: tuple[str, ...]) -> bool:
    """Whether the project-relative posix path ``relative`` is shipped on purpose."""
    return any(relative == p or fnmatch.fnmatchcase(relative, p) for p in patterns)
