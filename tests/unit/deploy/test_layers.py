"""define_layer layers in a deploy: the zip (Lambda's layout under python/, packages only,
byte-identical for the same lock), the LayerVersion and the functions' Refs in one stack
and in a nested layout (cfn-lint clean), and the 250 MB check counting a function with its
layers from file sizes (nothing read)."""

from __future__ import annotations

import dataclasses
import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint

from skyfn.deploy import layers, layout, nested
from skyfn.deploy.template import dumps, render_template
from skyfn.errors import DefinitionError, SkyfnError
from skyfn.model import Model
from skyfn.model_layers import Layer
from skyfn.model_settings import Settings
from skyfn.synth.packages import cache_dir, install, local_platform
from tests.support.models import branch_model, function
from tests.support.wheels import build_wheel

ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:pillow:3"


def layered_model(tmp_path: Path) -> Model:
    model = branch_model([])
    shared = Layer("shared", tmp_path / "req.txt", "python3.12", "arm64", ("a", "b"))
    unused = Layer("unused", tmp_path / "req.txt")
    fns = (
        dataclasses.replace(function("a"), settings=Settings("arm64", layers=(ARN, "shared"))),
        dataclasses.replace(function("b"), settings=Settings("arm64", layers=("shared",))),
        function("c"),
    )
    return dataclasses.replace(model, functions=fns, layers=(shared, unused))


def test_a_function_lists_its_layers_in_order_and_the_layer_is_one_layer_version(
    tmp_path: Path,
) -> None:
    template = render_template(layered_model(tmp_path))
    a = template["Resources"]["FnA"]["Properties"]
    assert a["Layers"] == [ARN, {"Ref": "LayerShared"}]
    assert template["Resources"]["FnB"]["Properties"]["Layers"] == [{"Ref": "LayerShared"}]
    assert "Layers" not in template["Resources"]["FnC"]["Properties"]
    version = template["Resources"]["LayerShared"]
    assert version["Type"] == "AWS::Lambda::LayerVersion"
    assert version["Properties"]["Content"] == {
        "S3Bucket": {"Ref": "CodeBucket"},
        "S3Key": {"Ref": "ZipLayerShared"},
    }
    assert version["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert version["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert "LayerUnused" not in template["Resources"]  # no function lists it: not deployed
    assert "ZipLayerShared" in template["Parameters"]
    matches = lint(dumps(template))
    assert [m for m in matches if m.rule.id.startswith("E")] == [], "\n".join(map(str, matches))


def test_a_nested_layout_holds_the_layer_in_its_root_and_passes_its_arn_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout, "SINGLE_STACK_MAX", 1)
    templates = nested.render(layered_model(tmp_path))
    assert templates.nested
    root = templates.root
    assert root["Resources"]["LayerShared"]["Type"] == "AWS::Lambda::LayerVersion"
    assert "ZipLayerShared" in root["Parameters"]
    for part in templates.parts:
        names = {f.name for f in part.model.functions}
        passed = root["Resources"][part.logical_id]["Properties"]["Parameters"]
        uses = bool(names & {"a", "b"})
        assert ("LayerShared" in passed) == uses
        assert ("LayerShared" in part.template.get("Parameters", {})) == uses
        assert not any(
            r["Type"] == "AWS::Lambda::LayerVersion" for r in part.template["Resources"].values()
        )
        for body in (part.body, templates.root_body):
            matches = lint(body)
            assert [m for m in matches if m.rule.id.startswith("E")] == [], "\n".join(
                map(str, matches)
            )


def test_two_layers_sharing_a_logical_id_are_refused(tmp_path: Path) -> None:
    model = dataclasses.replace(
        branch_model(["a"]),
        layers=(Layer("my-layer", tmp_path / "r"), Layer("myLayer", tmp_path / "r")),
    )
    with pytest.raises(DefinitionError, match="layers my-layer and myLayer would share"):
        nested.render(model)


def packages(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "alpha", "1.0", script="alpha-tool")
    build_wheel(wheels, "beta", "2.0")
    from skyfn.synth.packages import Source

    source = Source(wheels=wheels)
    return install(
        "alpha==1.0\nbeta==2.0\n", source, local_platform("3.12"), cache_dir(tmp_path), "t"
    )


def test_the_zip_holds_packages_under_python_and_is_byte_identical(tmp_path: Path) -> None:
    folder = packages(tmp_path)
    layer = Layer("shared", tmp_path / "r")
    first = layers.build_zip(layer, folder)
    archive = zipfile.ZipFile(io.BytesIO(first.data))
    listed = archive.namelist()
    assert listed == sorted(listed)
    assert all(name.startswith("python/") for name in listed)
    assert "python/alpha/__init__.py" in listed and "python/beta-2.0.dist-info/METADATA" in listed
    assert not [n for n in listed if n.startswith(("python/bin/", "bin/"))]
    leftovers = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
    assert not [n for n in listed if n.rsplit("/", 1)[-1] in leftovers]
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert stat.S_IMODE(info.external_attr >> 16) == 0o644
    assert layers.build_zip(layer, folder).data == first.data


def test_the_size_check_counts_the_function_with_its_defined_layers(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    (folder / "numpy").mkdir(parents=True)
    (folder / "tiny").mkdir()
    big = folder / "numpy" / "core.so"
    with big.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 2**20)
    (folder / "tiny" / "__init__.py").write_text("")
    big.chmod(0)  # the check reads sizes, never contents
    sizes = layers.folder_sizes(folder)
    assert sizes == {"numpy": 200 * 2**20, "tiny": 0}
    fn = dataclasses.replace(function("fn"), settings=Settings(layers=(ARN, "shared")))
    layers.check_unzipped(fn, {"pandas": 40 * 2**20}, {"shared": sizes})  # 240 MB: fits
    with pytest.raises(SkyfnError) as caught:
        layers.check_unzipped(fn, {"pandas": 60 * 2**20}, {"shared": sizes})
    assert str(caught.value) == (
        "function fn: its bundle and its layers unzip to 260 MB together, over Lambda's 250 MB; "
        "largest: numpy (layer shared) 200 MB, pandas 60 MB, tiny (layer shared) 0 MB; drop "
        "packages it does not need, or split the function"
    )
    # another function's layer does not count
    other = dataclasses.replace(function("other"), settings=Settings(layers=(ARN,)))
    layers.check_unzipped(other, {"pandas": 60 * 2**20}, {"shared": sizes})
    big.chmod(0o644)


def test_diff_names_a_defined_layer_and_its_content(tmp_path: Path) -> None:
    from skyfn.deploy import diff, template_reader

    template: dict[str, Any] = json.loads(dumps(render_template(layered_model(tmp_path))))
    old = template_reader.describe(template, {"ZipLayerShared": "skyfn/bench/" + "a" * 64 + ".zip"})
    new = template_reader.describe(template, {"ZipLayerShared": "skyfn/bench/" + "b" * 64 + ".zip"})
    assert old.functions["a"].settings["layers"] == f"{ARN}, shared (define_layer)"
    assert old.layers == {"shared": "aaaaaaaaaaaa (python3.12 arm64)"}
    assert not diff.compare("s", old, old)
    changed = diff.compare("s", old, new)
    assert changed and changed.lines() == [
        "stack s would change:",
        "  ~ layer shared: aaaaaaaaaaaa (python3.12 arm64) -> bbbbbbbbbbbb (python3.12 arm64)",
    ]
    assert changed.to_json()["layers"] == [
        {
            "key": "layer shared",
            "old": "aaaaaaaaaaaa (python3.12 arm64)",
            "new": "bbbbbbbbbbbb (python3.12 arm64)",
        }
    ]
