"""``define_layer`` definitions → the model's layers, checked once with the functions that
list them: names, one definition per name, the requirements file (inside the project,
readable, requirements only, at least one package), every name a function lists defined,
and one platform (Python version and architecture) per layer.

A layer is built for the platform of the functions listing it, so they must share one:
its packages are locked and installed as wheels for that Python version and architecture
(compiled ones exist for one of each), and the LayerVersion says so
(``CompatibleRuntimes``, ``CompatibleArchitectures``). Functions of two platforms that
need the same packages define two layers from the same requirements file.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path

from skyfn.definition import BackendDefinition, FunctionDefinition, LayerDefinition
from skyfn.errors import SkyfnError
from skyfn.model import Function
from skyfn.model_layers import Layer, is_arn
from skyfn.runtime.lambda_platform import RUNTIME
from skyfn.synth import requirements
from skyfn.synth.settings import LAYER_NAME

LAYERS_DIR = ("backend", "layers")
DEFAULT_ARCHITECTURE = "x86_64"  # Lambda's


def default_requirements(name: str) -> str:
    return "/".join((*LAYERS_DIR, name, requirements.REQUIREMENTS))


def definitions(backend: BackendDefinition) -> list[LayerDefinition]:
    """Every ``define_layer`` of the backend: passed to ``define_backend``, or listed as an
    object in a function's ``layers=``."""
    found = list(backend.layers)
    for item in backend.functions:
        if isinstance(item, FunctionDefinition) and isinstance(item.layers, list | tuple):
            found += [entry for entry in item.layers if isinstance(entry, LayerDefinition)]
    return found


def layers(
    backend: BackendDefinition, root: Path, functions: Sequence[Function], problems: list[str]
) -> tuple[Layer, ...]:
    """The checked layers (by name); each problem is appended as one line."""
    chosen: dict[str, tuple[LayerDefinition, Path]] = {}
    known: set[str] = set()  # names defined, their other problems said already
    for definition in definitions(backend):
        checked = _definition(definition, root, problems)
        if isinstance(definition.name, str):
            known.add(definition.name)
        if checked is None:
            continue
        name, path = checked
        if name in chosen:
            if chosen[name][1] != path:
                problems.append(
                    f"layer {name}: defined twice, with {_shown(chosen[name][1], root)} and "
                    f"{_shown(path, root)}; give one of them another name"
                )
            continue
        chosen[name] = (definition, path)
    problems += _unknown(functions, known)
    built = []
    for name in sorted(chosen):
        layer = _layer(name, chosen[name][1], root, functions, problems)
        if layer is not None:
            built.append(layer)
    return tuple(built)


def _definition(
    definition: LayerDefinition, root: Path, problems: list[str]
) -> tuple[str, Path] | None:
    name = definition.name
    if not isinstance(name, str) or not LAYER_NAME.fullmatch(name):
        problems.append(
            f"define_layer({name!r}): a layer's name must start with a letter and hold only "
            "letters, digits, '-' and '_' (at most 64 characters)"
        )
        return None
    given = definition.requirements
    if given is None:
        given = default_requirements(name)
    if not isinstance(given, str | os.PathLike) or not str(given).strip():
        problems.append(
            f"layer {name}: requirements={given!r}; give the path of its requirements.txt, "
            f"relative to the project (default {default_requirements(name)})"
        )
        return None
    relative = os.path.normpath(str(given))
    if os.path.isabs(relative) or relative == ".." or relative.startswith(".." + os.sep):
        problems.append(
            f"layer {name}: requirements={str(given)!r} is outside the project; give a path "
            f"relative to the project's root (default {default_requirements(name)})"
        )
        return None
    return name, root / relative


def _unknown(functions: Sequence[Function], chosen: Collection[str]) -> list[str]:
    out = []
    for function in functions:
        for entry in function.settings.layers:
            if not is_arn(entry) and entry not in chosen:
                defined = ", ".join(sorted(chosen)) or "none"
                out.append(
                    f"function {function.name}: layers: {entry!r} is not a layer defined with "
                    f"define_layer (defined: {defined}); define it with define_layer({entry!r}) "
                    "and pass it to define_backend, or fix the name"
                )
    return out


def _layer(
    name: str, path: Path, root: Path, functions: Sequence[Function], problems: list[str]
) -> Layer | None:
    if not os.path.lexists(path):
        problems.append(
            f"layer {name}: its requirements file {_shown(path, root)} does not exist; create "
            "it (one package a line) or give define_layer(..., requirements=PATH)"
        )
        return None
    try:
        checked = requirements.load(path)
    except SkyfnError as exc:
        problems.append(f"layer {name}: {exc}")
        return None
    if not checked.requirements:
        problems.append(
            f"layer {name}: {_shown(path, root)} lists no package; add its packages or "
            "remove the layer"
        )
        return None
    users = sorted((f for f in functions if name in f.settings.layers), key=lambda f: f.name)
    platforms = {(f.runtime, f.settings.architecture or "x86_64") for f in users}
    if len(platforms) > 1:
        listed = ", ".join(
            f"{f.name}: {f.runtime} {f.settings.architecture or 'x86_64'}" for f in users
        )
        problems.append(
            f"layer {name}: listed by functions of different platforms ({listed}); a layer is "
            "built for one Python version and architecture: define one layer per platform "
            "(the same requirements file, another name)"
        )
        return None
    runtime, architecture = next(iter(platforms), (RUNTIME, DEFAULT_ARCHITECTURE))
    return Layer(name, path, runtime, architecture, tuple(f.name for f in users))


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
