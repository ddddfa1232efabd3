"""Scope → secret path rules. The only module that knows how store paths are shaped.

Paths are SSM-style and the same for every store::

    /skyfn/<app-id>/sandbox-<identifier>/<SECRET>
    /skyfn/<app-id>/branch-<name>/<SECRET>
    /skyfn/<app-id>/shared/<SECRET>

A function's secret is looked up in its own scope first, then in ``shared``. A branch's
``<name>`` is its safe name (``branch_segment``: ``feature/login`` → ``feature-login``),
the one every other place uses too.

A Vault field a branch reads (``vault_secret``) is synced to SSM under the branch, in a
folder of its own (``vault_parameter``)::

    /skyfn/<app-id>/branch-<name>/vault/<mount>/<path>/<key>         the newest version
    /skyfn/<app-id>/branch-<name>/vault-v<N>/<mount>/<path>/<key>    pinned to version N

SSM names hold only letters, digits and ``_.-/``, so the mount is one segment and the key
the last: the name maps back to one field (and two functions naming it share it).
"""

from __future__ import annotations

import hashlib
import re

from skyfn.errors import SkyfnError
from skyfn.model import Scope, VaultField
from skyfn.runtime import hints

ROOT = "skyfn"
SHARED_SEGMENT = "shared"

_SECRET_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
SECRET_NAME_RULE = (
    "use letters, digits, '_', '.' and '-' (at most 128 characters, not starting with '.' "
    "or '-', no '..')"
)
_SEGMENT_MAX = 64
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_APP_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")


def check_secret_name(name: str) -> str:
    """Refuse anything that could escape its scope's folder (``/``, ``..``) or break a store."""
    if not valid_secret_name(name):
        raise SkyfnError(f"secret name {name!r} is not valid: {SECRET_NAME_RULE}")
    return name


def valid_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.fullmatch(name)) and ".." not in name


def branch(name: str) -> Scope:
    """The scope of a branch named as git names it (``feature/login``): under its safe name
    (``branch_segment``) in every path and name skyfn makes, the given one kept beside."""
    segment = branch_segment(name)
    return Scope("branch", segment, "" if segment == name else name)


def branch_segment(name: str) -> str:
    """The one safe name of a git branch name, used for its secret paths, ``.env.<branch>``
    files, artifact folders, stack and function names and tags. A name valid as a path
    segment is its own (so no deployed branch changes name); else each '/' becomes '-' when
    that is enough (``feature/login`` → ``feature-login``); else other characters become
    '-', the name is cut to fit 64 characters, and 8 hex characters of a hash of the whole
    name keep such names apart (``fix/größe`` → ``fix-gr-e-<8 hex>``). The result is a
    valid segment, so it maps to itself."""
    if valid_segment(name):
        return name
    check_git_branch(name)
    readable = name.replace("/", "-")
    if valid_segment(readable):
        return readable
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    clean = re.sub(r"[^A-Za-z0-9_.-]+", "-", readable)
    clean = re.sub(r"\.{2,}", ".", clean).strip("-.")
    clean = clean[: _SEGMENT_MAX - len(digest) - 1].rstrip("-.")
    return f"{clean}-{digest}" if clean else f"branch-{digest}"


# What git refuses in a branch name (git check-ref-format --branch): control characters,
# space, ~ ^ : ? * [ \, "..", "@{", "//", a component starting with '.' or ending in
# ".lock", a leading '-' or '/', a trailing '/' or '.', and "@" alone.
_NOT_GIT = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|(^|/)\.|\.lock(/|$)|^[-/]|[/.]$|^@$")
GIT_BRANCH_RULE = (
    "git refuses spaces, control characters, '~^:?*[\\', '..', '@{', '//', a part starting "
    "with '.' or ending in '.lock', a leading '-' or '/', and a trailing '/' or '.'"
)


def check_git_branch(name: str) -> str:
    """Refuse a name that is no git branch's (and not a valid segment either: those stay
    accepted as they always were)."""
    if not name:
        raise SkyfnError("branch name is empty: give the branch's name, e.g. --branch main")
    if _NOT_GIT.search(name):
        raise SkyfnError(
            f"branch name {name!r} is not a git branch name ({GIT_BRANCH_RULE}): "
            "give the branch's name as git writes it, e.g. --branch feature/login"
        )
    return name


def mapping_note(scope: Scope) -> str | None:
    """A note when a branch's safe name is not the one given (``None`` when it is)."""
    if not scope.given:
        return None
    return (
        f"note: branch {scope.given} is {scope.name} in skyfn's names (secret paths "
        f"{prefix('<app>', scope)}, .env.{scope.name}, stack and function names)"
    )


def valid_segment(name: str) -> bool:
    return bool(_SEGMENT.fullmatch(name)) and ".." not in name


def sandbox(identifier: str | None = None) -> Scope:
    """The developer's sandbox; the identifier defaults to the OS user name, normalised."""
    if identifier is None:
        identifier = hints.default_identifier()
    if not valid_segment(identifier):
        raise SkyfnError(
            f"sandbox identifier {identifier!r} is not valid: use letters, digits, "
            "'_', '.' and '-' (at most 64 characters)"
        )
    return Scope("sandbox", identifier)


def check_app_id(app_id: str) -> str:
    if not _APP_ID.fullmatch(app_id):
        raise SkyfnError(
            f"app id {app_id!r} is not valid: use lowercase letters, digits and '-', "
            "starting with a letter, at most 40 characters ([tool.skyfn] app_id)"
        )
    return app_id


def normalise_app_id(folder_name: str) -> str:
    """Turn a project folder's name into an app id (``My_App`` → ``my-app``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", folder_name.lower()).strip("-")[:40].strip("-")
    if not slug:
        slug = "app"
    if not slug[0].isalpha():
        slug = f"app-{slug}"[:40].strip("-")
    return slug


def prefix(app_id: str, scope: Scope | None) -> str:
    """The folder of a scope's secrets; ``None`` is the app's shared folder."""
    segment = SHARED_SEGMENT if scope is None else scope.slug
    return f"/{ROOT}/{app_id}/{segment}/"


def secret_path(app_id: str, scope: Scope | None, name: str) -> str:
    return prefix(app_id, scope) + check_secret_name(name)


def lookup_paths(app_id: str, scope: Scope, name: str) -> tuple[str, ...]:
    """Where a function running in ``scope`` looks for secret ``name``, in order."""
    return (secret_path(app_id, scope, name), secret_path(app_id, None, name))


VAULT_SEGMENT = "vault"


def vault_folder(app_id: str, scope: Scope) -> str:
    """Where a branch's synced Vault fields live (every version folder starts with it)."""
    return f"{prefix(app_id, scope)}{VAULT_SEGMENT}"


def vault_parameter(app_id: str, scope: Scope, field: VaultField) -> str:
    """The SSM parameter a branch's copy of ``field`` is synced to (see the module doc)."""
    pin = "" if field.version is None else f"-v{field.version}"
    return f"{vault_folder(app_id, scope)}{pin}/{field.mount}/{field.path}/{field.key}"


def describe(scope: Scope | None) -> str:
    return hints.describe_scope(None if scope is None else scope.ref)
