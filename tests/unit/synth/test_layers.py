"""define_layer at synth: each problem one line naming the layer (or the function) and how
to fix it; the model holds each layer once, with the platform of the functions listing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope
from skyfn.errors import DefinitionError
from skyfn.model import Model
from skyfn.model_layers import Layer
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.projects import make_project, write

ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:pillow:3"


def project(
    tmp_path: Path,
    layers: str,
    functions: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    """``layers``: the define_layer(...) calls, comma-separated, passed to define_backend;
    ``functions``: name -> define_function options."""
    functions = functions if functions is not None else {"fn": "layers=['shared']"}
    bodies = {
        name: f"from skyfn import define_function\nfn = define_function(name={name!r}, {opts})\n"
        for name, opts in functions.items()
    }
    root = make_project(tmp_path / "app", bodies)
    write(root / "backend" / "layers" / "shared" / "requirements.txt", "alpha==1.0\n")
    for path, text in (files or {}).items():
        write(root / path, text)
    backend = root / "backend" / "backend.py"
    text = backend.read_text().replace(
        "from skyfn import define_backend", "from skyfn import define_backend, define_layer"
    )
    backend.write_text(
        text.replace(
            "define_backend(", f"define_backend({layers}, " if layers else "define_backend("
        )
    )
    return root


def synth(root: Path) -> Model:
    return load_model(open_project(root), scope.branch("main"), "ssm")


def problem(root: Path) -> str:
    with pytest.raises(DefinitionError) as caught:
        synth(root)
    return str(caught.value)


def test_a_defined_layer_reaches_the_model_with_its_functions_platform(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "define_layer('shared')",
        {
            "a": f"layers=[{ARN!r}, 'shared'], architecture='arm64'",
            "b": "layers=['shared'], architecture='arm64'",
            "c": "",
        },
    )
    model = synth(root)
    path = root / "backend" / "layers" / "shared" / "requirements.txt"
    assert model.layers == (Layer("shared", path, "python3.12", "arm64", ("a", "b")),)
    a = model.function("a")
    assert a is not None and a.settings.layers == (ARN, "shared")  # Lambda's order, kept


def test_a_layer_object_in_layers_defines_it_and_equal_definitions_are_one(tmp_path: Path) -> None:
    body = (
        "from skyfn import define_function, define_layer\n"
        "fn = define_function(name='fn', layers=[define_layer('shared')])\n"
    )
    root = make_project(tmp_path / "app", {"fn": body})
    write(root / "backend" / "layers" / "shared" / "requirements.txt", "alpha==1.0\n")
    backend = root / "backend" / "backend.py"
    backend.write_text(
        backend.read_text()
        .replace(
            "from skyfn import define_backend", "from skyfn import define_backend, define_layer"
        )
        .replace("define_backend(", "define_backend(define_layer('shared'), ")
    )
    assert [layer.name for layer in synth(root).layers] == ["shared"]


def test_an_unused_layer_is_checked_but_listed_by_no_function(tmp_path: Path) -> None:
    model = synth(project(tmp_path, "define_layer('shared')", {"fn": ""}))
    assert model.layers[0].functions == () and not model.layers[0].deployed


@pytest.mark.parametrize(
    ("layers", "functions", "files", "expected"),
    [
        (
            "define_layer('shared')",
            {"fn": "layers=['sharde']"},
            {},
            "function fn: layers: 'sharde' is not a layer defined with define_layer (defined: "
            "shared); define it with define_layer('sharde') and pass it to define_backend, or "
            "fix the name",
        ),
        (
            "define_layer('shared'), define_layer('shared', requirements='other.txt')",
            None,
            {"other.txt": "beta\n"},
            "layer shared: defined twice, with backend/layers/shared/requirements.txt and "
            "other.txt; give one of them another name",
        ),
        (
            "define_layer('9lives')",
            {"fn": ""},
            {},
            "define_layer('9lives'): a layer's name must start with a letter",
        ),
        (
            "define_layer('shared'), define_layer('extra')",
            {"fn": "layers=['extra']"},
            {},
            "layer extra: its requirements file backend/layers/extra/requirements.txt does not "
            "exist; create it (one package a line) or give define_layer(..., requirements=PATH)",
        ),
        (
            "define_layer('shared', requirements='../outside.txt')",
            None,
            {},
            "layer shared: requirements='../outside.txt' is outside the project",
        ),
        (
            "define_layer('shared', requirements=3)",
            None,
            {},
            "layer shared: requirements=3; give the path of its requirements.txt",
        ),
        (
            "define_layer('shared', requirements='bad.txt')",
            None,
            {"bad.txt": "--no-binary :all:\n"},
            "layer shared: ",
        ),
        (
            "define_layer('shared', requirements='empty.txt')",
            None,
            {"empty.txt": "# nothing yet\n"},
            "layer shared: empty.txt lists no package; add its packages or remove the layer",
        ),
        (
            "define_layer('shared')",
            {"a": "layers=['shared']", "b": "layers=['shared'], architecture='arm64'"},
            {},
            "layer shared: listed by functions of different platforms (a: python3.12 x86_64, "
            "b: python3.12 arm64); a layer is built for one Python version and architecture",
        ),
        (
            "define_layer('shared')",
            {"a": "layers=['shared']", "b": "layers=['shared'], runtime='python3.13'"},
            {},
            "(a: python3.12 x86_64, b: python3.13 x86_64)",
        ),
    ],
)
def test_a_wrong_layer_is_one_line_saying_how_to_fix_it(
    tmp_path: Path,
    layers: str,
    functions: dict[str, str] | None,
    files: dict[str, str],
    expected: str,
) -> None:
    text = problem(project(tmp_path, layers, functions, files))
    assert expected in text and "\n" not in text, text


def test_a_requirements_line_that_is_not_a_requirement_names_the_line(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "define_layer('shared')",
        None,
        {"backend/layers/shared/requirements.txt": "-e .\n"},
    )
    text = problem(root)
    assert (
        text.startswith("layer shared: ")
        and "requirements.txt:1: '-e .' is an installer option" in text
    )
