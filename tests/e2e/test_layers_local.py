"""Functions listing ``define_layer`` layers see their packages locally as Lambda lays them
out (one /opt: a later layer's file wins, site directories after the function's own
packages, ``.pth`` files run); a function without the layer cannot import them; a layer
given only as an ARN is said to have no local content, once, unless a folder stands in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.layered import ARN, make_layered, use_stand_in
from tests.support.sandbox import Sandbox, running_sandbox


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return make_layered(tmp_path / "app")


def invoke(root: Path, name: str) -> tuple[dict[str, str | None], str]:
    result = run_skyfn("invoke", name, "--event", "{}", cwd=root)
    assert result.code == 0, result.err
    payload: dict[str, str | None] = json.loads(result.out)
    return payload, result.err


def test_a_layer_s_packages_are_importable_only_by_the_functions_listing_it(
    project: Path,
) -> None:
    reader, _ = invoke(project, "reader")
    assert reader["layerpkg"] == "1.0" and reader["conflict"] is None
    plain, _ = invoke(project, "plain")
    assert plain == {
        "layerpkg": None,
        "conflict": None,
        "onlybase": None,
        "standin": None,
        "pth": None,
    }


def test_a_later_layer_s_file_wins_and_a_layer_s_pth_file_runs(project: Path) -> None:
    stacked, _ = invoke(project, "stacked")
    assert stacked["conflict"] == "2.0"  # top is listed after base
    assert stacked["onlybase"] == "1.0"  # base's other files stay
    assert stacked["pth"] == "ran"


def test_the_function_s_own_packages_come_before_its_layers(project: Path) -> None:
    ownwins, _ = invoke(project, "ownwins")
    assert ownwins["conflict"] == "3.0" and ownwins["onlybase"] == "1.0"


def test_a_layer_given_by_arn_is_named_once_and_a_folder_may_stand_in(project: Path) -> None:
    vendored, err = invoke(project, "vendored")
    note = f"layer {ARN} has no local content; name a local folder with the same content"
    assert err.count(note) == 1, err
    assert "[tool.skyfn.layer_folders]" in err
    assert vendored["standin"] is None and vendored["layerpkg"] == "1.0"
    use_stand_in(project)
    vendored, err = invoke(project, "vendored")
    assert note not in err
    assert vendored["standin"] == "stand-in" and vendored["layerpkg"] == "1.0"


def test_a_bad_stand_in_folder_is_one_clear_error(project: Path) -> None:
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write(f'\n[tool.skyfn.layer_folders]\n"{ARN}" = "../elsewhere"\n')
    result = run_skyfn("invoke", "vendored", "--event", "{}", cwd=project)
    assert result.code == 1
    assert "[tool.skyfn.layer_folders]: the folder for" in result.err
    assert "Traceback" not in result.err


def call(box: Sandbox, name: str) -> dict[str, str | None]:
    response = box.client().invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"].read()
    payload: dict[str, str | None] = json.loads(response["Payload"].read())
    return payload


def test_the_sandbox_serves_layers_and_names_an_arn_once(project: Path) -> None:
    handler = project / "backend" / "functions" / "vendored" / "handler.py"
    with running_sandbox(project) as box:
        assert call(box, "reader")["layerpkg"] == "1.0"
        assert call(box, "stacked")["conflict"] == "2.0"
        assert call(box, "plain")["layerpkg"] is None
        assert call(box, "vendored")["layerpkg"] == "1.0"
        # a restarted function starts new workers, which find the same ARN: said once
        handler.write_text(handler.read_text() + "# edited\n")
        box.wait_for_log("reloaded: vendored")
        assert call(box, "vendored")["standin"] is None
        assert box.logs().count(f"layer {ARN} has no local content") == 1, box.logs()


def test_synth_shows_the_layers_and_each_function_s_list(project: Path) -> None:
    result = run_skyfn("synth", cwd=project)
    assert result.code == 0, result.err
    assert f"    layers: {ARN}, shared (define_layer)" in result.out
    assert (
        "  layer shared: backend/layers/shared/requirements.txt (python3.12 x86_64; reader, "
        "vendored)" in result.out
    )
    assert "  layer top: config/top.txt (python3.12 x86_64; stacked)" in result.out
    written = next((project / ".skyfn" / "artifacts").glob("sandbox-*/vendored.json"))
    artifact = json.loads(written.read_text())
    assert artifact["layers"] == [
        {"arn": ARN},
        {
            "layer": "shared",
            "requirements": "backend/layers/shared/requirements.txt",
            "runtime": "python3.12",
            "architecture": "x86_64",
        },
    ]
