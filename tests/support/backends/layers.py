"""Packages and layers (issue 25): the wheels a function's ``requirements.txt`` may name,
layer ARNs, ``define_layer`` layers, and which functions list them (a layer's functions
share one platform, as synth requires).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from skyfn.runtime import lambda_platform
from tests.support.backends.spec import OMIT, Backend, FunctionSpec, LayerSpec

# Third-party packages a function may declare (issue 25): pure-Python wheels built into
# each generated project's own folder of wheels (``[tool.skyfn] index_url = "wheels"``), so
# no network; each answer says which of them the function can import.
PACKAGES = ("genpkg-alpha", "genpkg-beta")
PACKAGE_MODULES = tuple(name.replace("-", "_") for name in PACKAGES)


_layer = st.builds(
    "arn:aws:lambda:{}:{}:layer:{}:{}".format,
    st.sampled_from(["eu-west-1", "us-east-1", "us-gov-west-1"]),
    st.sampled_from(["123456789012", "210987654321"]),
    st.from_regex(r"[a-zA-Z0-9_-]{1,20}", fullmatch=True),
    st.integers(1, 999),
)


def layers() -> st.SearchStrategy[Any]:
    many = st.lists(_layer, max_size=lambda_platform.MAX_LAYERS, unique=True)
    return st.just(OMIT) | st.none() | many | many.map(tuple)


_layer_names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


@st.composite
def defined_layers(draw: st.DrawFn) -> tuple[LayerSpec, ...]:
    """At most two (each costs a resolution and two installs per generated project)."""
    names = draw(st.lists(_layer_names, max_size=2, unique_by=lambda n: n.replace("-", "")))
    return tuple(
        LayerSpec(
            name,
            f"lp_{name.replace('-', '_')}",
            draw(st.sampled_from([OMIT, f"deps/{name}.txt"])),
        )
        for name in names
    )


def platform(spec: FunctionSpec) -> tuple[str, str]:
    """The Python runtime and architecture a function deploys on (Lambda's defaults)."""
    runtime = spec.runtime if spec.runtime not in (OMIT, None) else lambda_platform.RUNTIME
    machine = spec.architecture if spec.architecture not in (OMIT, None) else "x86_64"
    return str(runtime), str(machine)


@st.composite
def with_defined_layers(
    draw: st.DrawFn, specs: list[FunctionSpec], defined: tuple[LayerSpec, ...]
) -> list[FunctionSpec]:
    """Functions list defined layers beside their ARNs (Lambda's 5 at most, any order); a
    layer's functions share one platform (synth refuses a mix: tests/unit/synth)."""
    owners: dict[str, tuple[str, str]] = {}
    out = []
    for spec in specs:
        arns = [] if spec.layers in (OMIT, None) else list(spec.layers)
        chosen = [
            layer.name
            for layer in defined
            if owners.get(layer.name, platform(spec)) == platform(spec) and draw(st.booleans())
        ]
        chosen = chosen[: lambda_platform.MAX_LAYERS - len(arns)]
        if not chosen:
            out.append(spec)
            continue
        for name in chosen:
            owners.setdefault(name, platform(spec))
            arns.insert(draw(st.integers(0, len(arns))), name)
        out.append(replace(spec, layers=arns))
    return out


def listed_layers(backend: Backend, spec: FunctionSpec) -> list[LayerSpec]:
    """The defined layers ``spec`` lists, in its order."""
    entries = [] if spec.layers in (OMIT, None) else list(spec.layers)
    by_name = {layer.name: layer for layer in backend.layers}
    return [by_name[e] for e in entries if e in by_name]
