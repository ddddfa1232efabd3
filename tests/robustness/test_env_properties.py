"""Generated environments: synth either succeeds and the module type-checks, or fails with a
validation message. It never crashes."""

from __future__ import annotations

import keyword
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyfn import scope
from skyfn.definition import BackendDefinition, FunctionDefinition, Secret, Vault
from skyfn.errors import DefinitionError
from skyfn.model import Function
from skyfn.synth.build import build_model
from skyfn.synth.envgen import render_env_module
from tests.support import report

valid_keys = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{1,20}", fullmatch=True)
any_keys = st.one_of(
    valid_keys,
    st.text(max_size=12),
    st.sampled_from(["TZ", "SKYFN_A", "_HANDLER", "property", "str", "env", *keyword.kwlist]),
)
values = st.one_of(
    st.text(max_size=60),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.builds(
        Secret,
        st.one_of(st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True), st.text(max_size=10)),
    ),
    st.builds(  # vault_secret: any path, key, mount and pin, checked at synth
        Vault,
        st.one_of(st.text(max_size=12), st.from_regex(r"[a-z]{1,5}(/[a-z0-9._-]{1,5}){0,3}")),
        st.one_of(st.text(max_size=6), st.none(), st.integers()),
        st.one_of(st.text(max_size=6), st.just("secret")),
        version=st.one_of(st.none(), st.integers(-1, 3), st.text(max_size=2)),
        max_age=st.one_of(st.just("default"), st.none(), st.integers(-1, 5)),
    ),
    st.lists(st.integers(), max_size=2),
    st.binary(max_size=4),
)
good_values = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.builds(Secret, st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,20}", fullmatch=True)),
    st.builds(
        Vault,
        st.from_regex(
            r"[a-z][a-z0-9_-]{0,8}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}){0,4}", fullmatch=True
        ),
        st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,10}", fullmatch=True),
        st.sampled_from(["secret", "kv", "team-kv"]),
        version=st.one_of(st.none(), st.integers(1, 9)),
    ),
)
environments = st.one_of(
    st.dictionaries(valid_keys, good_values, max_size=12),
    st.dictionaries(any_keys, values, max_size=12),
    st.dictionaries(valid_keys, st.text(max_size=8) | st.just("a\ud800b"), max_size=3),
)


def build(tmp: Path, environment: dict[str, object]) -> Function | None:
    definition = FunctionDefinition(
        name="prop",
        entry="handler.py",
        timeout_seconds=3,
        memory_mb=128,
        environment=environment,
        resource_file=tmp / "resource.py",
    )
    try:
        model = build_model(
            BackendDefinition((definition,)),
            app_id="props",
            scope=scope.sandbox("p"),
            project_root=tmp,
            secret_store="local",
        )
    except DefinitionError as exc:
        assert str(exc).startswith("function prop: "), str(exc)
        return None
    return model.functions[0]


def test_random_environments_synth_or_fail_cleanly_and_type_check(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    package = tmp_path / "gen" / "skyfn_env"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    usages: list[str] = []
    counts = {"built": 0, "refused": 0}

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(environments)
    def check(environment: dict[str, object]) -> None:
        function = build(tmp_path, environment)
        if function is None:
            counts["refused"] += 1
            return
        counts["built"] += 1
        module = f"m{counts['built']}"
        (package / f"{module}.py").write_text(render_env_module(function))
        usages.append(f"from skyfn_env.{module} import env as env_{module}")
        for value in function.environment:
            usages.append(f"v_{module}_{value.key}: {value.type_name} = env_{module}.{value.key}")
        for ref in function.secrets:
            usages.append(f"s_{module}_{ref.key}: str = env_{module}.{ref.key}")

    check()
    report.add("bad inputs", tried=counts["built"] + counts["refused"], crashes=0)
    assert counts["built"] > 20 and counts["refused"] > 20, counts
    usage = tmp_path / "gen" / "usage.py"
    usage.write_text("\n".join(usages) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(usage)],
        cwd=tmp_path / "gen",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
