"""What the stores and ``.env`` files hold for a generated backend: skyfn's secrets (with
their patterns), Secrets Manager secrets, SSM parameters, Vault secrets and ``.env``
variables. Every secret value starts with ``SECRET_MARK``, so a leak is easy to find and an
ASCII answer never holds one (nothing in it is masked).
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

from tests.support.backends.spec import (
    SECRET_MARK,
    DotenvVar,
    SkyfnSecret,
    SmSecret,
    SsmParameter,
    VaultSecret,
)

# A pattern, and what a value needs to match it (appended to a generated body).
PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\d{3}", "123"),
    (r"_(test|live)_", "_live_"),
    (r"[a-z]$", "z"),
    (r"^" + SECRET_MARK, ""),
    (r"(?i)key", "KEY"),
    (r".", ""),
)


_body = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00§"),
    max_size=12,
)


@st.composite
def secret_value(draw: st.DrawFn, pattern: tuple[str, str] | None) -> str:
    return SECRET_MARK + draw(_body) + (pattern[1] if pattern else "")


def _values(pattern: tuple[str, str] | None, low: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(secret_value(pattern), min_size=low, max_size=3).map(tuple)


@st.composite
def skyfn_secrets(draw: st.DrawFn) -> tuple[SkyfnSecret, ...]:
    names = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}", fullmatch=True).filter(
                lambda n: ".." not in n
            ),
            max_size=3,
            unique_by=str.upper,
        )
    )
    found = []
    for name in names:
        pattern = draw(st.none() | st.sampled_from(PATTERNS))
        shared = draw(_values(pattern))
        low = 0 if shared else 1  # found in every scope: its own path, else shared
        found.append(
            SkyfnSecret(
                name,
                pattern[0] if pattern else None,
                sandbox=draw(_values(pattern, low)),
                branch=draw(_values(pattern, low)),
                shared=shared,
            )
        )
    return tuple(found)


_sm_name = st.from_regex(r"[A-Za-z0-9/_+=.@-]{1,16}", fullmatch=True).filter(
    # AWS reads NAME-xxxxxx as a partial ARN; a name that looks like one is another test
    lambda n: not (len(n) > 7 and n[-7] == "-")
)
_field = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ -]{0,8}", fullmatch=True)
# a field of a JSON secret: a string, or anything else JSON holds (read as its JSON text)
_field_values = st.one_of(
    secret_value(None),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.sampled_from("ab"), st.integers(0, 9), max_size=2),
)


@st.composite
def sm_secrets(draw: st.DrawFn) -> tuple[SmSecret, ...]:
    names = draw(st.lists(_sm_name, max_size=2, unique=True))
    found = []
    for name in names:
        count = draw(st.integers(1, 3))
        fields = draw(st.none() | st.lists(_field, min_size=1, max_size=3, unique=True))
        versions: list[Any] = []
        for _ in range(count):
            if fields is None:
                versions.append(draw(secret_value(None)))
            else:
                versions.append({f: draw(_field_values) for f in fields})
        numbers = st.lists(st.integers(0, 2**128 - 1), min_size=count, max_size=count, unique=True)
        ids = tuple(str(uuid.UUID(int=n)) for n in draw(numbers))  # AWS refuses a token twice
        found.append(SmSecret(name, tuple(versions), ids, draw(st.booleans())))
    return tuple(found)


_ssm_name = st.one_of(
    st.lists(st.from_regex(r"[A-Za-z0-9_.-]{1,8}", fullmatch=True), min_size=1, max_size=3).map(
        lambda parts: "/" + "/".join(parts)
    ),
    st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True),
).filter(lambda n: not n.lstrip("/").lower().startswith(("aws", "ssm", "skyfn")))


@st.composite
def ssm_parameters(draw: st.DrawFn) -> tuple[SsmParameter, ...]:
    names = draw(st.lists(_ssm_name, max_size=2, unique=True))
    kinds = st.sampled_from(["SecureString", "String", "StringList"])
    return tuple(SsmParameter(name, draw(_values(None, 1)), draw(kinds)) for name in names)


DOTENV_FILES = (".env", ".env.local", ".env.{branch}", ".env.{branch}.local")


@st.composite
def dotenv_vars(draw: st.DrawFn, branch: str) -> tuple[DotenvVar, ...]:
    names = draw(
        st.lists(st.from_regex(r"DOT_[A-Z0-9_]{1,8}", fullmatch=True), max_size=2, unique=True)
    )
    files = [f.format(branch=b) for f in DOTENV_FILES for b in ("sandbox", branch)]
    found = []
    for name in names:
        chosen = draw(st.lists(st.sampled_from(sorted(set(files))), unique=True, max_size=4))
        lines = []
        for file in chosen:
            style = draw(st.sampled_from(["plain", "quoted", "export"]))
            if style == "quoted":
                value = draw(st.from_regex(r"[A-Za-z0-9 #$_.=-]{0,12}", fullmatch=True))
                lines.append((file, f"{name}='{value}'", value))
            else:
                value = draw(st.from_regex(r"[A-Za-z0-9_./:@+=-]{1,12}", fullmatch=True))
                prefix = "export " if style == "export" else ""
                lines.append((file, f"{prefix}{name}={value}", value))
        found.append(DotenvVar(name, tuple(lines)))
    return tuple(found)


VAULT_MOUNTS = (None, "secret", "kv2")  # kv2: a second KV v2 mount (enable_vault_mounts)
_vault_part = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}", fullmatch=True).filter(
    lambda n: ".." not in n
)


@st.composite
def vault_secrets(draw: st.DrawFn, app_id: str) -> tuple[VaultSecret, ...]:
    """Vault secrets under a folder of this backend's own (OpenBao is shared by examples)."""
    paths = draw(st.lists(st.lists(_vault_part, min_size=1, max_size=3), max_size=2))
    found = []
    for number, parts in enumerate(paths):
        fields = draw(st.lists(_vault_part, min_size=1, max_size=3, unique=True))
        count = draw(st.integers(1, 3))
        versions = tuple({f: draw(secret_value(None)) for f in fields} for _ in range(count))
        path = "/".join([app_id, str(number), *parts])
        found.append(VaultSecret(path, draw(st.sampled_from(VAULT_MOUNTS)), versions))
    return tuple(found)
