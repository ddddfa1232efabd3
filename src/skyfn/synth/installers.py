"""The two installers behind ``skyfn.synth.packages``: uv (preferred; a dependency of skyfn,
its binary found with ``uv.find_uv_bin()``) and pip (the fallback when uv is absent).

Both are driven alike, so a lock and a package folder do not depend on which one ran:
wheels only (nothing is built, so no package's code runs here), for an explicit Python
version and platform, isolated from the developer's configuration (uv ``--no-config``,
pip ``--isolated``) and from every ``UV_*``/``PIP_*`` variable (the child gets a clean
environment: ``PATH``, ``HOME``, proxies and the TLS trust settings only), reading PyPI or
the project's one index. A failure is one line naming the owner, the package and the
platform, whichever installer said it in whatever words.

``SKYFN_INSTALLER=pip`` (or ``uv``) forces one; unset, uv when installed, else pip.
uv keeps its cache in the project (``.skyfn/packages/uv-cache``, beside the folders it
fills), so a second deploy or a new local platform needs no network; pip keeps its own
default cache.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Protocol

from skyfn.errors import SkyfnError
from skyfn.synth.requirements import normalize

VARIABLE = "SKYFN_INSTALLER"
CHOICES = ("uv", "pip")
UV_CACHE = "uv-cache"  # under the packages folder (``.skyfn/packages/``)
_PASSED = (
    "PATH",
    "HOME",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "SSL_CERT_FILE",  # trust, not configuration: a company's CA reaches the index
    "SSL_CERT_DIR",
)


class Target(Protocol):
    """Where packages go (``packages.Platform``)."""

    @property
    def python_version(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...  # pip --platform values; () for this machine
    @property
    def uv_platform(self) -> str | None: ...  # uv --python-platform; None for this machine
    @property
    def label(self) -> str: ...


class Index(Protocol):
    """Where packages come from (``packages.Source``)."""

    def options(self) -> list[str]: ...


def choose() -> str:
    """``uv`` or ``pip``: ``SKYFN_INSTALLER`` when set, else uv when it is installed."""
    wanted = os.environ.get(VARIABLE, "").strip().lower()
    if wanted and wanted not in CHOICES:
        raise SkyfnError(
            f"{VARIABLE}={wanted!r} is not an installer skyfn drives; set it to uv or pip, "
            "or unset it (uv when installed, else pip)"
        )
    if wanted == "pip":
        return "pip"
    if uv_binary() is None:
        if wanted == "uv":
            raise SkyfnError(
                f"{VARIABLE}=uv but uv is not installed here; install it "
                "(pip install uv) or unset the variable to use pip"
            )
        return "pip"
    return "uv"


def uv_binary() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return str(find_uv_bin())
    except FileNotFoundError:
        return None


def resolve(
    text: str, index: Index, target: Target, cache: Path, work: Path, owner: str
) -> list[str]:
    """``name==version`` (normalized names, sorted) of what ``text`` resolves to."""
    listed = _listed(work, "requirements.in", text)
    if choose() == "uv":
        output = _run(
            [
                *_uv("compile", target, cache),
                "--no-header",
                "--no-annotate",
                *index.options(),
                str(listed),
            ],
            target,
            work,
            owner,
        )
        pins = [
            line.strip()
            for line in output.splitlines()
            if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==\S+", line.strip())
        ]
        return sorted(f"{normalize(n)}=={v}" for n, _, v in (p.partition("==") for p in pins))
    report = work / "report.json"
    _run(
        [
            *_pip("install", target),
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            *index.options(),
            "--requirement",
            str(listed),
        ],
        target,
        work,
        owner,
    )
    installs = json.loads(report.read_text(encoding="utf-8")).get("install", [])
    return sorted(
        f"{normalize(str(i['metadata']['name']))}=={i['metadata']['version']}" for i in installs
    )


def install(
    lock_text: str,
    index: Index,
    target: Target,
    site: Path,
    cache: Path,
    work: Path,
    owner: str,
) -> None:
    """Exactly the locked packages (``--no-deps``) into ``site``; the lock's hashes are
    checked (every line has one when any has: ``packages.lock`` made sure)."""
    listed = _listed(work, "lock.txt", lock_text)
    if choose() == "uv":
        hashed = ["--require-hashes"] if "--hash=" in lock_text else []
        command = [
            *_uv("install", target, cache),
            "--target",
            str(site),
            "--no-deps",
            "--link-mode=copy",  # never hard links into the cache: the folder is made read-only
            *hashed,
            *index.options(),
            "--requirement",
            str(listed),
        ]
    else:
        command = [
            *_pip("install", target),
            "--no-deps",
            "--no-compile",
            "--target",
            str(site),
            *index.options(),
            "--requirement",
            str(listed),
        ]
    _run(command, target, work, owner)


def _uv(subcommand: str, target: Target, cache: Path) -> list[str]:
    binary = uv_binary()
    assert binary is not None  # choose() said uv
    platform = ["--python-platform", target.uv_platform] if target.uv_platform else []
    return [
        binary,
        "pip",
        subcommand,
        "--quiet",
        "--no-config",  # no uv.toml, no pyproject [tool.uv]: the developer's setup stays out
        "--no-build",  # wheels only: nothing is built, so no package's code runs here
        "--native-tls",  # the system's trust store, as pip's truststore does
        "--cache-dir",
        str(cache.resolve() / UV_CACHE),
        "--python",
        sys.executable,
        "--python-version",
        target.python_version,
        *platform,
    ]


def _pip(subcommand: str, target: Target) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "--isolated",  # no pip.conf, no PIP_* variables: the developer's setup stays out
        "--disable-pip-version-check",
        "--no-input",
        subcommand,
        "--quiet",
        "--only-binary=:all:",  # nothing is built, so no package's code runs here
        "--implementation=cp",
        f"--python-version={target.python_version}",
        *[f"--platform={tag}" for tag in target.tags],
    ]


def _listed(work: Path, name: str, text: str) -> Path:
    path = work.resolve() / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(args: list[str], target: Target, work: Path, owner: str) -> str:
    environ = {name: os.environ[name] for name in _PASSED if name in os.environ}
    environ["LANG"] = "C.UTF-8"
    proc = subprocess.run(args, capture_output=True, text=True, cwd=work, env=environ)
    if proc.returncode != 0:
        raise SkyfnError(failure(proc.stderr or proc.stdout, target.label, owner))
    return proc.stdout


# What each installer says about the package that stopped it, most specific first.
_NO_WHEEL = (
    r"No matching distribution found for ([^\s]+)",  # pip
    r"satisfies the requirement ([^\s]+)",  # pip
    r"Because ([^\s,]+) has no (?:usable )?wheels",  # uv
    r"Because ([^\s,]+) was not found in the",  # uv
    r"Because there is no version of ([^\s,]+)",  # uv
    r"you require ([^\s,]+)",  # uv, the requirement that cannot be met
)
_MISMATCH = (
    r"DO NOT MATCH THE HASHES[^\n]*\n(?:.*\n)*?\s+([^\s]+) from ",  # pip
    r"Hash mismatch for `([^`]+)`",  # uv
)


def _as_required(culprit: str, output: str) -> str:
    """The culprit as the requirement that asked for it (``missing==1``, as pip names it),
    when uv's explanation names only the package."""
    culprit = culprit.strip("`")
    if re.search(r"[<>=!~]", culprit):
        return culprit
    spec = re.search(rf"(?:you require|depends on) ({re.escape(culprit)}[<>=!~][^\s,]*)", output)
    return spec.group(1) if spec is not None else culprit


def failure(output: str, platform: str, owner: str) -> str:
    """One line for an installer's failure (pip's or uv's words)."""
    for pattern in _MISMATCH:
        found = re.search(pattern, output)
        if found is not None:
            return (
                f"{owner}: {found.group(1)} does not match the --hash its "
                "requirements file gives; check the hash, or where the index got the file"
            )
    for pattern in _NO_WHEEL:
        found = re.search(pattern, output)
        if found is not None:
            return (
                f"{owner}: {_as_required(found.group(1), output)} has no wheel "
                f"for {platform}; pin a version that publishes one, or remove the package"
            )
    # the installer only ever saw the checked file; still, never echo credentials of a URL
    lines = [re.sub(r"://[^/\s@]+@", "://***@", line).strip() for line in output.splitlines()]
    said = [line for line in lines if re.match(r"(ERROR|error:|cause:)", line)]
    detail = "; ".join(said)[-500:]
    return (
        f"{owner}: installing its packages for {platform} failed"
        f"{': ' + detail if detail else ''}; check the package names and versions"
    )
