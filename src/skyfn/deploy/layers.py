"""``define_layer`` layers in a branch deploy: their zips, their ``AWS::Lambda::LayerVersion``
resources, and Lambda's 250 MB limit counted with them.

A layer's zip holds its locked packages (``skyfn.synth.layer_packages``: the same wheels,
installed and stripped as a function's, for the platform of its functions) under
``python/``, where Lambda's Python runtime finds them once it extracts the layer to
``/opt``. Fixed timestamps, permissions and order (``bundle.deterministic_zip``): an
unchanged layer has the same bytes, the same S3 key (by content) and so the same template
parameter, and CloudFormation leaves its version alone; a changed one is a new version and
every function listing it is updated to it.

In one stack the LayerVersion sits beside the functions and a function lists it with a
``Ref``. In a nested layout it sits in the root stack, which passes its ARN to each part
that needs it as a parameter of the same logical id, so a function's ``Layers`` read the
same in both layouts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skyfn.deploy import names
from skyfn.deploy.bundle import UNZIPPED_LIMIT, deterministic_zip, files_under
from skyfn.errors import DefinitionError, SkyfnError
from skyfn.model import Function, Model
from skyfn.model_layers import Layer, is_arn
from skyfn.synth.layer_packages import layer_packages

Json = dict[str, Any]
LAYER_TYPE = "AWS::Lambda::LayerVersion"
DESCRIPTION_PREFIX = "skyfn layer "
PREFIX = "python"  # Lambda's Python runtime puts /opt/python on sys.path


def logical_id(layer_name: str) -> str:
    return f"Layer{names.logical_base(layer_name)}"


def key_parameter(layer_name: str) -> str:
    """The S3 key of its zip ("Zip..." so no layer's or function's id can equal it)."""
    return f"ZipLayer{names.logical_base(layer_name)}"


def check_ids(layers: Iterable[Layer]) -> None:
    """Two layers sharing a logical id (``my-layer``, ``myLayer``) are a DefinitionError."""
    owners: dict[str, str] = {}
    for layer in layers:
        other = owners.setdefault(logical_id(layer.name), layer.name)
        if other != layer.name:
            first, second = sorted((other, layer.name))
            raise DefinitionError(
                f"layers {first} and {second} would share the CloudFormation logical id "
                f"{logical_id(layer.name)} (names that differ only in '-', '_' or the case of a "
                "letter after them map to one id); rename one of them"
            )


def used(model: Model) -> tuple[Layer, ...]:
    """The defined layers the model's functions list (a part's model: its own functions')."""
    listed = {entry for f in model.functions for entry in f.settings.layers if not is_arn(entry)}
    return tuple(layer for layer in model.layers if layer.name in listed)


def reference(entry: str) -> str | Json:
    """A ``Layers`` item: an ARN as it is, a defined layer by ``Ref`` (its version's ARN)."""
    return entry if is_arn(entry) else {"Ref": logical_id(entry)}


def physical_name(model: Model, layer: Layer) -> str:
    return names.function_name(model.app_id, model.scope.name, layer.name)


def resource(model: Model, layer: Layer, bucket_parameter: str) -> Json:
    return {
        "Type": LAYER_TYPE,
        "Properties": {
            "LayerName": physical_name(model, layer),
            "Description": f"{DESCRIPTION_PREFIX}{layer.name}",
            "Content": {
                "S3Bucket": {"Ref": bucket_parameter},
                "S3Key": {"Ref": key_parameter(layer.name)},
            },
            "CompatibleRuntimes": [layer.runtime],
            "CompatibleArchitectures": [layer.architecture],
        },
    }


def key_parameter_spec(layer: Layer) -> Json:
    return {
        "Type": "String",
        "Description": f"S3 key of the zip of {DESCRIPTION_PREFIX}{layer.name}",
    }


def arn_parameter_spec(layer: Layer) -> Json:
    """A part's parameter of the layer's version ARN, passed from the root stack."""
    return {
        "Type": "String",
        "Description": f"ARN of the version of {DESCRIPTION_PREFIX}{layer.name} (root stack)",
    }


def named(template: Mapping[str, Any], logical: str) -> str:
    """The layer name a ``Ref`` in ``Layers`` stands for (its resource's or parameter's
    description), else the logical id."""
    for section in ("Resources", "Parameters"):
        found = template.get(section, {}).get(logical)
        if isinstance(found, dict):
            text = str(found.get("Properties", found).get("Description", ""))
            if DESCRIPTION_PREFIX in text:
                return text.split(DESCRIPTION_PREFIX, 1)[1].split(" ", 1)[0]
    return logical


# -- the zips and their sizes -------------------------------------------------------------


@dataclass(frozen=True)
class LayerZip:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def folder_sizes(folder: Path) -> dict[str, int]:
    """Bytes under each top-level name of a package folder, from the files' sizes (nothing
    is read: a 250 MB check must not read 250 MB)."""
    sizes: dict[str, int] = {}
    for path in files_under(folder):
        top = path.relative_to(folder).parts[0]
        sizes[top] = sizes.get(top, 0) + os.lstat(path).st_size
    return sizes


def build_zip(layer: Layer, folder: Path) -> LayerZip:
    """The layer's packages under ``python/``, deterministically zipped."""
    files = {
        f"{PREFIX}/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for path in files_under(folder)
    }
    return LayerZip(layer.name, deterministic_zip(files))


def package_folders(model: Model, root: Path) -> dict[str, Path]:
    """Each deployed layer's packages for Lambda, by name (built on demand, cached)."""
    return {layer.name: layer_packages(layer, root) for layer in used(model)}


def check_unzipped(
    function: Function,
    own: Mapping[str, int],
    layer_sizes: Mapping[str, Mapping[str, int]],
) -> None:
    """Lambda's limit on a function and all its layers together, unzipped: its bundle's
    ``own`` sizes plus those of each defined layer it lists (an ARN's size is not known
    here), before anything is uploaded, naming the largest parts."""
    parts: list[tuple[str, int]] = [(f"{top}", size) for top, size in own.items()]
    for entry in function.settings.layers:
        if entry in layer_sizes:
            parts += [(f"{top} (layer {entry})", s) for top, s in layer_sizes[entry].items()]
    total = sum(size for _, size in parts)
    if total <= UNZIPPED_LIMIT:
        return
    largest = sorted(parts, key=lambda item: (-item[1], item[0]))[:5]
    named_parts = ", ".join(f"{top} {size // 2**20} MB" for top, size in largest)
    raise SkyfnError(
        f"function {function.name}: its bundle and its layers unzip to {total // 2**20} MB "
        f"together, over Lambda's {UNZIPPED_LIMIT // 2**20} MB; largest: {named_parts}; drop "
        "packages it does not need, or split the function"
    )


def shown(layers: Sequence[Layer], root: Path) -> list[str]:
    return [layer.shown(root) for layer in layers]
