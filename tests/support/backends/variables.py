"""A function's environment: the names a variable may take, and what each variable is (a
plain value, one of the backend's secrets, parameters or Vault fields, a ``.env`` value, a
``function_ref`` to a function of the backend), in the combinations synth accepts.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from skyfn import scope as scopes
from skyfn.synth import rules
from tests.support.backends.spec import (
    OMIT,
    AwsSecretUse,
    DotenvUse,
    DotenvVar,
    FunctionRefUse,
    FunctionSpec,
    SecretUse,
    SkyfnSecret,
    SmSecret,
    SsmParameter,
    SsmParameterUse,
    Use,
    VaultSecret,
    VaultUse,
)
from tests.support.backends.store_contents import DOTENV_FILES

# Names a generated variable must not take: the process's own (PATH, HOME, proxies, ...)
# would change how the commands themselves run. Lambda's reserved keys are refused anyway.
_UNSAFE_PREFIXES = (
    "AWS",
    "LAMBDA",
    "PYTHON",
    "LD_",
    "LC_",
    "SSL",
    "CURL",
    "BOTO",
    "PYTEST",
    "HYPOTHESIS",
    "COV",
)
_UNSAFE = {"PATH", "HOME", "LANG", "SHELL", "USER", "TERM", "TMPDIR", "TEMP", "TMP", "PWD"}


def safe_key(key: str) -> bool:
    upper = key.upper()
    return (
        rules.env_key_problem(key) is None
        and upper not in _UNSAFE
        and "PROXY" not in upper
        and not upper.startswith(_UNSAFE_PREFIXES)
    )


env_keys = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{1,15}", fullmatch=True).filter(safe_key)


_plain = st.one_of(
    st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00§"),
        max_size=16,
    ),
    st.integers(-(10**12), 10**12),
    st.floats(),
    st.booleans(),
)
_description = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=24,
)
_max_age = st.none() | st.integers(1, 10**6)


@st.composite
def vault_use(draw: st.DrawFn, vault: tuple[VaultSecret, ...]) -> VaultUse:
    v = draw(st.sampled_from(vault))
    version = draw(st.sampled_from([OMIT, *range(1, len(v.versions) + 1)]))
    return VaultUse(
        v.path,
        key=draw(st.sampled_from(sorted(v.versions[0]))),
        mount=OMIT if v.mount is None else v.mount,
        description=draw(st.just(OMIT) | _description),
        max_age=draw(st.just(OMIT) | _max_age) if version is OMIT else OMIT,
        version=version,
    )


@st.composite
def uses(
    draw: st.DrawFn,
    secrets: tuple[SkyfnSecret, ...],
    sms: tuple[SmSecret, ...],
    params: tuple[SsmParameter, ...],
    dotenv: tuple[DotenvVar, ...],
    branch: str,
    pins: bool,
    vault: tuple[VaultSecret, ...] = (),
) -> Use:
    kinds = ["plain"]
    kinds += ["vault"] * 2 if vault else []
    kinds += ["secret"] * 3 if secrets else []
    kinds += ["aws_secret"] if sms else []
    kinds += ["ssm_parameter"] if params else []
    kinds += ["dotenv"] if dotenv else []
    kind = draw(st.sampled_from(kinds))
    if kind == "plain":
        return draw(_plain)
    if kind == "vault":
        return draw(vault_use(vault))
    if kind == "secret":
        s = draw(st.sampled_from(secrets))
        longest = min(len(s.versions(sc)) for sc in (scopes.sandbox(), scopes.branch(branch)))
        version = draw(st.sampled_from([OMIT, *range(1, longest + 1)])) if pins else OMIT
        return SecretUse(
            s.name,
            description=draw(st.just(OMIT) | _description),
            max_age=OMIT if version is not OMIT else draw(st.just(OMIT) | _max_age),
            version=version,
            pattern=s.pattern is not None and draw(st.booleans()),
        )
    if kind == "aws_secret":
        sm = draw(st.sampled_from(sms))
        first = sm.versions[0]
        key = draw(st.sampled_from(sorted(first))) if isinstance(first, dict) else None
        pin = draw(st.sampled_from(["none", "AWSCURRENT", "AWSPREVIOUS", "id"]))
        if pin == "AWSPREVIOUS" and len(sm.versions) < 2:
            pin = "AWSCURRENT"
        return AwsSecretUse(
            sm.name,
            key=key,
            version_stage=pin if pin.startswith("AWS") else None,
            version_id=draw(st.integers(0, len(sm.ids) - 1)) if pin == "id" else None,
            description=draw(st.just(OMIT) | _description),
            max_age=draw(st.just(OMIT) | _max_age) if pin == "none" else OMIT,
        )
    if kind == "ssm_parameter":
        p = draw(st.sampled_from(params))
        version = draw(st.sampled_from([OMIT, *range(1, len(p.versions) + 1)]))
        return SsmParameterUse(
            p.name,
            version=version,
            description=draw(st.just(OMIT) | _description),
            max_age=draw(st.just(OMIT) | _max_age) if version is OMIT else OMIT,
        )
    var = draw(st.sampled_from(dotenv))
    defined = {file for file, _, _ in var.files}
    needs_default = not all(
        any(f.format(branch=b) in defined for f in DOTENV_FILES) for b in ("sandbox", branch)
    )
    default = draw(st.from_regex(r"[A-Za-z0-9 _.-]{0,10}", fullmatch=True))
    return DotenvUse(var.name, default if needs_default or draw(st.booleans()) else None)


@st.composite
def function_refs(draw: st.DrawFn, specs: list[FunctionSpec]) -> list[FunctionSpec]:
    """Add ``function_ref`` variables: to any function of the backend by name (itself too),
    or by its object when it is defined earlier (imports never go round in a circle)."""
    out = []
    for index, spec in enumerate(specs):
        taken = set(spec.keys)
        keys = draw(st.lists(env_keys, max_size=2, unique=True))
        keys = [k for k in keys if k not in taken]
        added = []
        for key in keys:
            target = draw(st.sampled_from(specs))
            by_object = specs.index(target) < index and draw(st.booleans())
            added.append((key, FunctionRefUse(target.function_name, target.folder, by_object)))
        out.append(replace(spec, environment=(*spec.environment, *added)))
    return out
