"""A ``define_layer`` layer's packages: its requirements resolved once (``packages.lock``)
for the platform of the functions listing it, and installed (``packages.install``) for
Lambda (the layer's zip) or for this machine (the local ``/opt`` of its functions), into
the same shared, read-only, content-keyed folders as a function's packages."""

from __future__ import annotations

from pathlib import Path

from skyfn.model_layers import Layer
from skyfn.synth.packages import (
    Platform,
    Say,
    cache_dir,
    install,
    lambda_platform,
    lock,
    project_source,
)
from skyfn.synth.requirements import load


def layer_platform(layer: Layer) -> Platform:
    return lambda_platform(layer.python_version, layer.architecture)


def layer_packages(
    layer: Layer, root: Path, platform: Platform | None = None, say: Say | None = None
) -> Path:
    """The folder of ``layer``'s locked packages for ``platform`` (default: Lambda's, the
    layer's own), built if missing."""
    label = f"layer {layer.name}"
    source = project_source(root)
    cache = cache_dir(root)
    target = layer_platform(layer)
    pins = lock(load(layer.requirements), source, target, cache, label)
    return install(pins, source, platform or target, cache, label, say)
