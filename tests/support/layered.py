"""A project whose functions use ``define_layer`` layers and a layer given only by ARN, with
wheels built here (no network): ``[tool.skyfn] index_url = "wheels"``."""

from __future__ import annotations

from pathlib import Path

from tests.support.projects import make_project, write
from tests.support.wheels import build_wheel

ARN = "arn:aws:lambda:us-east-1:123456789012:layer:vendor:3"

PROBE = """\
import importlib
import os


def handler(event, context):
    found = {}
    for name in ("layerpkg", "conflict", "onlybase", "standin"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            found[name] = None
        else:
            found[name] = getattr(module, "VERSION", "here")
    found["pth"] = os.environ.get("LAYER_PTH")
    return found
"""

FUNCTIONS = {
    "reader": ["shared"],
    "plain": [],
    "stacked": ["base", "top"],
    "ownwins": ["base"],
    "vendored": [ARN, "shared"],
}


def _resource(name: str, layers: list[str]) -> str:
    return (
        "from skyfn import define_function\n"
        f"fn = define_function(name={name!r}, layers={layers!r})\n"
    )


def make_layered(root: Path) -> Path:
    make_project(
        root,
        {name: _resource(name, layers) for name, layers in FUNCTIONS.items()},
        handlers=dict.fromkeys(FUNCTIONS, PROBE),
    )
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write('index_url = "wheels"\n')
    wheels = root / "wheels"
    build_wheel(wheels, "layerpkg", "1.0")
    build_wheel(wheels, "onlybase", "1.0")
    for version in ("1.0", "2.0", "3.0"):
        source = f"VERSION = {version!r}\n"
        build_wheel(wheels, "conflict", version, modules={"conflict/__init__.py": source})
    hook = "import os; os.environ['LAYER_PTH'] = 'ran'\n"
    build_wheel(wheels, "pthhook", "1.0", modules={"pthhook.pth": hook, "pthhook/__init__.py": ""})
    layers = root / "backend" / "layers"
    write(layers / "shared" / "requirements.txt", "layerpkg==1.0\n")
    write(layers / "base" / "requirements.txt", "conflict==1.0\nonlybase==1.0\n")
    write(root / "config" / "top.txt", "conflict==2.0\npthhook==1.0\n")
    write(root / "backend" / "functions" / "ownwins" / "requirements.txt", "conflict==3.0\n")
    backend = root / "backend" / "backend.py"
    text = backend.read_text().replace(
        "from skyfn import define_backend",
        "from skyfn import define_backend, define_layer\n"
        'shared = define_layer("shared")\n'
        'base = define_layer("base")\n'
        'top = define_layer("top", requirements="config/top.txt")',
    )
    backend.write_text(text.replace("define_backend(", "define_backend(shared, base, top, "))
    write(root / "vendor" / "layer" / "python" / "standin.py", "VERSION = 'stand-in'\n")
    return root


def use_stand_in(root: Path) -> None:
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write(f'\n[tool.skyfn.layer_folders]\n"{ARN}" = "vendor/layer"\n')
