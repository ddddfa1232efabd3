"""The definition cache (issue 27): a re-load restores what did not change, and notices
each input that did: ``resource.py``, a shared module, a ``.env`` file, an environment
value; a definition that reads what cannot be tracked is never restored."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from skyfn.backend_loader import load_backend
from skyfn.definition import BackendDefinition
from skyfn.definition_cache import CACHE_FILE, DefinitionCache
from skyfn.dotenv_files import apply_env_files
from skyfn.project import Project
from skyfn.scope import branch
from tests.support.projects import make_project, write

RESOURCE = """\
import os
from skyfn import define_function, secret
fn = define_function(environment={{"VALUE": {value}, "KEY": secret("API_KEY")}})
"""


def project(root: Path, values: dict[str, str]) -> Project:
    make_project(root, {name: RESOURCE.format(value=v) for name, v in values.items()})
    (root / ".skyfn").mkdir()  # as a synth's outputs make it
    return Project(root=root, app_id="testapp")


def value(backend: BackendDefinition, index: int) -> object:
    return backend.functions[index].environment["VALUE"]  # type: ignore[attr-defined]


def cache_of(p: Project) -> DefinitionCache:
    return DefinitionCache(p.skyfn_dir, p.backend_dir)


def test_nothing_changed_restores_the_whole_backend(tmp_path: Path) -> None:
    p = project(tmp_path, {"a": '"one"', "b": '"two"'})
    first = load_backend(p)
    assert cache_of(p).whole() is not None
    again = load_backend(p)
    assert again == first and value(again, 1) == "two"
    assert again.functions[0].resource_file == first.functions[0].resource_file  # type: ignore[attr-defined]


def test_a_changed_resource_file_runs_again_and_only_it(tmp_path: Path) -> None:
    p = project(tmp_path, {"a": '"one"', "b": '"two"'})
    load_backend(p)
    write(p.backend_dir / "functions" / "b" / "resource.py", RESOURCE.format(value='"new"'))
    cache = cache_of(p)
    assert cache.whole() is None
    assert cache.holds("functions.a.resource") and not cache.holds("functions.b.resource")
    assert value(load_backend(p), 1) == "new"


def test_a_changed_shared_module_is_noticed(tmp_path: Path) -> None:
    p = project(tmp_path, {"a": "shared.TABLE", "b": '"two"'})
    resource = p.backend_dir / "functions" / "a" / "resource.py"
    resource.write_text("from shared import settings as shared\n" + resource.read_text())
    write(p.backend_dir / "shared" / "settings.py", 'TABLE = "orders"\n')
    assert value(load_backend(p), 0) == "orders"
    write(p.backend_dir / "shared" / "settings.py", 'TABLE = "invoices"\n')
    assert not cache_of(p).holds("functions.a.resource")
    assert cache_of(p).holds("functions.b.resource")
    assert value(load_backend(p), 0) == "invoices"


def test_a_changed_environment_value_is_noticed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = project(tmp_path, {"a": 'os.environ.get("ENDPOINT", "none")', "b": '"two"'})
    monkeypatch.setenv("ENDPOINT", "https://one")
    assert value(load_backend(p), 0) == "https://one"
    monkeypatch.setenv("UNRELATED", "x")  # not read: the cache still holds
    assert cache_of(p).whole() is not None
    monkeypatch.setenv("ENDPOINT", "https://two")
    assert cache_of(p).whole() is None
    assert value(load_backend(p), 0) == "https://two"
    monkeypatch.delenv("ENDPOINT")
    assert value(load_backend(p), 0) == "none"


def test_a_changed_env_file_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGION_NAME", raising=False)
    p = project(tmp_path, {"a": 'os.getenv("REGION_NAME")', "b": '"two"'})
    scope = branch("main")
    try:
        (tmp_path / ".env").write_text("REGION_NAME=eu-west-1\n")
        apply_env_files(p.root, scope)
        assert value(load_backend(p), 0) == "eu-west-1"
        (tmp_path / ".env.main").write_text("REGION_NAME=us-east-1\n")
        apply_env_files(p.root, scope)
        assert value(load_backend(p), 0) == "us-east-1"
    finally:
        (tmp_path / ".env").unlink()
        (tmp_path / ".env.main").unlink()
        apply_env_files(p.root, scope)  # forget what the files put into os.environ


@pytest.mark.parametrize(
    ("reading", "expression"),
    [
        ("a file", '(__import__("pathlib").Path(__file__).parent / "v.txt").read_text()'),
        ("the time", 'str(__import__("time").time())'),
        ("the clock", 'str(__import__("datetime").datetime.now())'),
        ("randomness", 'str(__import__("random").random())'),
        ("a module outside the project", '__import__("click").__name__'),
        ("os.environ whole", "str(len(dict(os.environ)) > -1)"),
    ],
)
def test_a_definition_that_reads_what_cannot_be_tracked_is_never_restored(
    tmp_path: Path, reading: str, expression: str
) -> None:
    p = project(tmp_path, {"a": expression, "b": '"two"'})
    (p.backend_dir / "functions" / "a" / "v.txt").write_text("first")
    first = value(load_backend(p), 0)
    cache = cache_of(p)
    record = cache.previous["functions.a.resource"]
    assert record.untrackable, reading
    assert not cache.holds("functions.a.resource") and cache.whole() is None
    assert cache.holds("functions.b.resource")  # the others still are
    (p.backend_dir / "functions" / "a" / "v.txt").write_text("second")
    if reading == "a file":
        assert first == "first" and value(load_backend(p), 0) == "second"


def test_a_module_changed_by_another_is_not_restored(tmp_path: Path) -> None:
    """A registry filled by the resource files: skipping one would lose its entry."""
    write(p_registry := tmp_path / "backend" / "registry.py", "FUNCTIONS = []\n")
    for name in ("a", "b"):
        write(
            tmp_path / "backend" / "functions" / name / "resource.py",
            "import registry\nfrom skyfn import define_function\n"
            f"registry.FUNCTIONS.append(define_function(name={name!r}))\n",
        )
        write(tmp_path / "backend" / "functions" / name / "handler.py", "def handler(e, c): ...\n")
    write(
        tmp_path / "backend" / "backend.py",
        "import registry\nimport functions.a.resource, functions.b.resource\n"
        "from skyfn import define_backend\nbackend = define_backend(*registry.FUNCTIONS)\n",
    )
    write(tmp_path / "pyproject.toml", '[tool.skyfn]\napp_id = "testapp"\n')
    (tmp_path / ".skyfn").mkdir()
    p = Project(root=tmp_path, app_id="testapp")
    assert p_registry.exists()
    names = [f.name for f in load_backend(p).functions]  # type: ignore[attr-defined]
    assert names == ["a", "b"]
    assert cache_of(p).previous["registry"].untrackable
    assert [f.name for f in load_backend(p).functions] == ["a", "b"]  # type: ignore[attr-defined]


def test_a_corrupt_cache_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    p = project(tmp_path, {"a": '"one"'})
    load_backend(p)
    file = p.skyfn_dir / CACHE_FILE
    for garbage in (b"", b"not a pickle", file.read_bytes()[:100], b"\x80\x05N."):
        file.write_bytes(garbage)
        assert value(load_backend(p), 0) == "one"
        assert cache_of(p).whole() is not None  # rebuilt


def test_the_cache_is_private_and_holds_no_value_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-v4lue-0123")
    p = project(tmp_path, {"a": '"on" if os.environ.get("DEPLOY_TOKEN") else "off"'})
    load_backend(p)
    file = p.skyfn_dir / CACHE_FILE
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert b"s3cr3t-v4lue-0123" not in file.read_bytes()
    assert b"API_KEY" in file.read_bytes()  # secrets by name only


def test_a_project_without_outputs_gets_no_cache(tmp_path: Path) -> None:
    """A first synth that fails validation must leave no .skyfn/ behind."""
    p = project(tmp_path, {"a": '"one"'})
    (tmp_path / ".skyfn").rmdir()
    load_backend(p)
    assert not (tmp_path / ".skyfn").exists()


def test_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYFN_NO_DEFINITION_CACHE", "1")
    p = project(tmp_path, {"a": '"one"'})
    load_backend(p)
    assert not (p.skyfn_dir / CACHE_FILE).exists()
    assert os.environ["SKYFN_NO_DEFINITION_CACHE"] == "1"


def test_a_first_synth_writes_the_cache_once_it_wrote_its_outputs(tmp_path: Path) -> None:
    """The first synth of a project (no .skyfn/ when the backend loads) keeps its load
    for the next one, written after the outputs made .skyfn/."""
    from skyfn import outputs

    p = project(tmp_path, {"a": '"one"'})
    (tmp_path / ".skyfn").rmdir()
    outputs.synth(p, branch("main"), "ssm")
    assert (p.skyfn_dir / CACHE_FILE).exists()
    assert cache_of(p).whole() is not None
