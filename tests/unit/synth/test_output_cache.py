"""The output manifest (issue 27): a no-op synth renders and reads nothing, and still sees
an edited or removed output, a changed model, a stale file, another skyfn; a stat taken
within the file system's tick is never trusted."""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import stat
import time
import typing
from pathlib import Path

import pytest

from skyfn import model as model_types
from skyfn import outputs
from skyfn.model import Scope
from skyfn.project import Project
from skyfn.scope import branch
from skyfn.synth import output_cache, run
from skyfn.synth.output_cache import OutputCache
from skyfn.synth.writer import WriteReport
from tests.support.projects import make_project, write

RESOURCE = """\
from skyfn import define_function
fn = define_function(environment={{"VALUE": {value!r}}})
"""
SCOPE = branch("main")


def project(root: Path, value: str = "one") -> Project:
    make_project(root, {"a": RESOURCE.format(value=value), "b": RESOURCE.format(value="b")})
    return Project(root=root, app_id="testapp")


def synth(p: Project, scope: Scope = SCOPE) -> WriteReport:
    return outputs.synth(p, scope, "ssm").report


def manifest(p: Project, scope: Scope = SCOPE) -> dict[str, typing.Any]:
    data: dict[str, typing.Any] = json.loads(
        (p.skyfn_dir / "cache" / f"outputs-{scope.slug}.json").read_text()
    )
    return data


def past_tick(p: Project) -> None:
    """Wait until the file system's clock is past every output's times."""
    newest = max(
        max(path.stat().st_mtime_ns, path.stat().st_ctime_ns)
        for path in p.skyfn_dir.rglob("*")
        if path.is_file()
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        probe = p.skyfn_dir / "probe"
        probe.write_text("")
        now = probe.stat().st_mtime_ns
        probe.unlink()
        if now > newest:
            return
        time.sleep(0.01)
    raise AssertionError("the file system's clock did not move")


def trusted(p: Project) -> Project:
    """Synth, then synth again past the tick: every output's stat is in the manifest."""
    synth(p)
    past_tick(p)
    synth(p)
    assert all(found is not None for _, found in manifest(p)["files"].values())
    return p


def nothing_rendered_or_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> typing.NoReturn:
        raise AssertionError("rendered or read, though nothing changed")

    monkeypatch.setattr(run, "synth_outputs", fail)
    monkeypatch.setattr(output_cache, "_digest", fail)


def test_a_no_op_renders_and_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = trusted(project(tmp_path))
    before = sorted(path for path in p.skyfn_dir.rglob("*") if "cache" not in path.parts)
    nothing_rendered_or_read(monkeypatch)
    report = synth(p)
    assert report.written == () and report.removed == ()
    assert [str(path) for path in report.unchanged] == list(manifest(p)["files"])
    assert list(report.unchanged) == sorted(report.unchanged)  # the order write_outputs gives
    assert {path for path in before if path.is_file()} == set(report.unchanged)


def test_an_output_edited_in_place_is_written_again(tmp_path: Path) -> None:
    p = trusted(project(tmp_path))
    artifact = p.artifacts_dir / SCOPE.slug / "a.json"
    original = artifact.read_bytes()
    times = artifact.stat()
    with open(artifact, "r+b") as handle:  # same inode, same size, same modification time
        handle.write(original.replace(b'"one"', b'"two"'))
    os.utime(artifact, ns=(times.st_atime_ns, times.st_mtime_ns))
    report = synth(p)
    assert report.written == (artifact,) and artifact.read_bytes() == original


def test_a_removed_output_is_written_again(tmp_path: Path) -> None:
    p = trusted(project(tmp_path))
    module = p.generated_dir / "skyfn_env" / "a.py"
    original = module.read_bytes()
    module.unlink()
    assert synth(p).written == (module,) and module.read_bytes() == original


def test_a_changed_model_is_rendered(tmp_path: Path) -> None:
    p = trusted(project(tmp_path))
    write(p.backend_dir / "functions" / "a" / "resource.py", RESOURCE.format(value="two"))
    artifact = p.artifacts_dir / SCOPE.slug / "a.json"
    assert artifact in synth(p).written
    assert json.loads(artifact.read_text())["environment"]["VALUE"] == "two"


def test_another_skyfn_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = trusted(project(tmp_path))
    rendered: list[object] = []
    real = run.synth_outputs

    def counting(*args: typing.Any) -> dict[Path, str]:
        rendered.append(args)
        return real(*args)

    monkeypatch.setattr(run, "synth_outputs", counting)
    monkeypatch.setattr(output_cache, "code_stamp", lambda: "an edited checkout")
    assert synth(p).written == () and len(rendered) == 1


def test_a_stale_output_is_removed_when_nothing_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = trusted(project(tmp_path))
    stale = p.artifacts_dir / SCOPE.slug / "deleted-function.json"
    stale.write_text("{}")
    nothing_rendered_or_read(monkeypatch)
    assert synth(p).removed == (stale,) and not stale.exists()


def test_a_stat_within_the_manifests_tick_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write after the stat, in the same tick of a coarse clock, would leave every time
    equal: such a file is read (and hashed) by the next synth."""
    (tmp_path / ".skyfn").mkdir()
    output = tmp_path / ".skyfn" / "out.txt"
    output.write_text("rendered")
    monkeypatch.setattr(output_cache, "_fs_clock", lambda folder: output.stat().st_ctime_ns)
    OutputCache(tmp_path / ".skyfn", "s", "key").record({output: "rendered"})
    stored = json.loads((tmp_path / ".skyfn" / "cache" / "outputs-s.json").read_text())
    assert stored["files"][str(output)][1] is None
    read: list[str] = []
    real = output_cache._digest

    def reading(path: str) -> str | None:
        read.append(path)
        return real(path)

    monkeypatch.setattr(output_cache, "_digest", reading)
    assert OutputCache(tmp_path / ".skyfn", "s", "key").unchanged() == [output]
    assert read == [str(output)]
    output.write_text("edited!!")  # the same size
    assert OutputCache(tmp_path / ".skyfn", "s", "key").unchanged() is None


def test_the_manifest_is_private_and_holds_no_value(tmp_path: Path) -> None:
    p = trusted(project(tmp_path, value="plain-value-0123"))
    file = p.skyfn_dir / "cache" / f"outputs-{SCOPE.slug}.json"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert b"plain-value-0123" not in file.read_bytes()


def test_a_corrupt_manifest_is_ignored(tmp_path: Path) -> None:
    p = trusted(project(tmp_path))
    file = p.skyfn_dir / "cache" / f"outputs-{SCOPE.slug}.json"
    for garbage in (b"\x80not json", b'{"format": 1}', b'{"format": 1, "key": 3, "files": 7}'):
        file.write_bytes(garbage)
        module = p.generated_dir / "skyfn_env" / "a.py"
        module.write_text("edited")
        assert synth(p).written == (module,)
        assert manifest(p)["files"]


def test_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYFN_NO_OUTPUT_CACHE", "1")
    p = project(tmp_path)
    synth(p)
    synth(p)
    assert not (p.skyfn_dir / "cache" / f"outputs-{SCOPE.slug}.json").exists()


def test_each_scope_has_its_own_manifest(tmp_path: Path) -> None:
    """The env modules are shared by the scopes: a sandbox synth between two branch synths
    rewrites them, and the next branch synth sees it."""
    p = trusted(project(tmp_path))
    sandbox = Scope("sandbox", "alice")
    synth(p, sandbox)
    assert manifest(p, sandbox)["files"] and manifest(p)["files"]
    report = synth(p)
    assert report.removed == () and all(path.exists() for path in report.unchanged)


# --- the key: the model's repr shows everything rendering reads -------------------------

LEAVES = (str, int, float, bool, type(None), Path)


def _types(hint: object) -> list[object]:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return [type(value) for value in typing.get_args(hint)]
    if origin is not None:
        return [t for arg in typing.get_args(hint) if arg is not Ellipsis for t in _types(arg)]
    return [hint]


def test_the_models_repr_shows_every_field() -> None:
    """Every type a model holds is a dataclass whose generated ``repr`` shows every field
    (or a plain value): equal reprs are equal models, field for field."""
    seen: set[type] = set()
    todo: list[object] = [model_types.Model]
    while todo:
        kind = todo.pop()
        if kind in LEAVES or kind in seen:
            continue
        assert isinstance(kind, type) and dataclasses.is_dataclass(kind), kind
        seen.add(kind)
        made = inspect.unwrap(vars(kind)["__repr__"]).__code__.co_filename == "<string>"
        assert made, f"{kind} has a __repr__ of its own, not dataclass's"
        hints = typing.get_type_hints(kind)
        for field in dataclasses.fields(kind):
            assert field.repr, f"{kind.__name__}.{field.name} is not in its repr"
            todo += _types(hints[field.name])
    assert len(seen) >= 10  # Model, Function, Scope, EnvValue, SecretRef, Settings, ...
