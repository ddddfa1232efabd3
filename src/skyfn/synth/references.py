"""``function_ref`` → ``model.FunctionReference``: the target must be a function of this
backend (an unknown name gets a suggestion); in a branch scope the value is its physical
Lambda name, which the deployed environment holds."""

from __future__ import annotations

import difflib
from collections.abc import Collection

from skyfn.definition import BackendDefinition, FunctionDefinition
from skyfn.function_refs import FunctionRef
from skyfn.model import FunctionReference, Scope
from skyfn.synth.lambda_names import physical_name


def definition_name(d: FunctionDefinition) -> object:
    """The name a definition gets: ``name=``, else its resource file's folder."""
    return d.name if d.name is not None else d.resource_file.parent.name


def known_names(backend: BackendDefinition) -> frozenset[str]:
    return frozenset(
        name
        for d in backend.functions
        if isinstance(d, FunctionDefinition) and isinstance(name := definition_name(d), str)
    )


def resolve(
    key: str, ref: FunctionRef, known: Collection[str], app_id: str, scope: Scope
) -> FunctionReference | str:
    """The reference, or what is wrong with it (one line)."""
    target = ref.target
    if isinstance(target, FunctionDefinition):
        name = definition_name(target)
        if name not in known:
            return (
                f"environment {key}: function_ref names function {name!r}, which is not in "
                "define_backend(...); add it there"
            )
    elif isinstance(target, str):
        name = target
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            listed = ", ".join(sorted(known)) or "none"
            return (
                f"environment {key}: function_ref({name!r}) names no function of this "
                f"backend (functions: {listed}){hint}"
            )
    else:
        return (
            f"environment {key}: function_ref takes what define_function returned or a "
            f"function's name, not {type(target).__name__}"
        )
    assert isinstance(name, str)
    deployed = physical_name(app_id, scope.name, name) if scope.kind == "branch" else None
    return FunctionReference(key, name, deployed)
