"""deploy/diff.py: two descriptions of a branch's functions in, what would change out."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

from skyfn.deploy.diff import (
    Change,
    Deployment,
    FunctionState,
    SecretUse,
    bundle_files,
    compare,
)

KEY = SecretUse("API_KEY", ("/skyfn/app/branch-main/API_KEY", "/skyfn/app/shared/API_KEY"))
ARN = "arn:aws:ssm:r:1:parameter/skyfn/app/branch-main/API_KEY"


def state(name: str = "alpha", **changes: object) -> FunctionState:
    base = FunctionState(
        name=name,
        physical_name=f"app-main-{name}-12345678",
        code_key="skyfn/app/aaaa.zip",
        timeout=3,
        memory=128,
        environment={"GREETING": "hello"},
        secrets={"API_KEY": KEY},
        access=frozenset({ARN}),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def deployment(*states: FunctionState) -> Deployment:
    return Deployment({s.name: s for s in states})


def test_the_same_deployment_is_no_change() -> None:
    result = compare("st", deployment(state()), deployment(state()))
    assert not result
    assert result.lines() == ["no changes: stack st is up to date"]


def test_no_stack_yet_adds_every_function() -> None:
    result = compare("st", None, deployment(state("b"), state("a")))
    assert result and result.new_stack
    assert [s.name for s in result.added] == ["a", "b"]
    assert "  + function a (new)" in result.lines()


def test_functions_added_and_removed() -> None:
    result = compare("st", deployment(state("a"), state("b")), deployment(state("a"), state("c")))
    assert [s.name for s in result.added] == ["c"]
    assert result.removed == ("b",)
    assert result.changed == ()


def test_environment_changes_show_old_and_new_plain_values() -> None:
    new = state(environment={"GREETING": "howdy", "LIMIT": "5"})
    (changed,) = compare("st", deployment(state()), deployment(new)).changed
    assert changed.environment == (
        Change("GREETING", "hello", "howdy"),
        Change("LIMIT", None, "5"),
    )
    assert "env ~ GREETING: hello -> howdy" in "\n".join(
        compare("st", deployment(state()), deployment(new)).lines()
    )


def test_secrets_by_name_and_paths_and_the_access_they_need() -> None:
    token = SecretUse("TOKEN", ("/skyfn/app/branch-main/TOKEN",))
    token_arn = "arn:aws:ssm:r:1:parameter/skyfn/app/branch-main/TOKEN"
    new = state(secrets={"TOKEN": token}, access=frozenset({token_arn}))
    (changed,) = compare("st", deployment(state()), deployment(new)).changed
    assert changed.secrets == (
        Change("API_KEY", KEY.shown(), None),
        Change("TOKEN", None, "secret TOKEN (/skyfn/app/branch-main/TOKEN)"),
    )
    assert changed.access == (Change("read", None, token_arn), Change("read", ARN, None))


def test_code_timeout_memory_and_the_files_that_differ() -> None:
    old = state(files={"handler.py": "1", "util.py": "2", "gone.py": "3"})
    new = state(
        code_key="skyfn/app/bbbb.zip",
        timeout=10,
        memory=512,
        files={"handler.py": "9", "util.py": "2", "new.py": "4"},
    )
    (changed,) = compare("st", deployment(old), deployment(new)).changed
    assert changed.code == Change("code", "aaaa", "bbbb")
    assert changed.files is not None
    assert [c.key for c in changed.files] == ["gone.py", "handler.py", "new.py"]
    assert changed.timeout == Change("timeout", "3 s", "10 s")
    assert changed.memory == Change("memory", "128 MB", "512 MB")


def test_unknown_previous_bundle_says_files_were_not_compared() -> None:
    new = state(code_key="skyfn/app/bbbb.zip", files={"handler.py": "1"})
    result = compare("st", deployment(state()), deployment(new))
    assert result.changed[0].files is None
    assert any("files not compared" in line for line in result.lines())


def test_a_new_physical_name_is_a_replacement() -> None:
    new = state(physical_name="app-main-alpha-87654321")
    (changed,) = compare("st", deployment(state(physical_name=None)), deployment(new)).changed
    assert changed.replaced == "Lambda name (generated) -> app-main-alpha-87654321"


def test_bundle_files_hash_each_member() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("a.py", "x")
        archive.writestr("pkg/", "")
    assert list(bundle_files(data.getvalue())) == ["a.py"]
