"""What to tell a developer whose function cannot import a package: which
``requirements.txt`` to add it to (locally, as deployed, a function sees only its own)."""

from __future__ import annotations

import re
from pathlib import Path

from skyfn.errors import SkyfnError
from skyfn.model import Function
from skyfn.runtime.error_shape import LambdaError
from skyfn.synth.requirements import REQUIREMENTS, find, handler_file, load, normalize

IMPORT_ERROR = "Runtime.ImportModuleError"


def missing_package(function: Function, backend: Path, failure: LambdaError) -> str | None:
    """A hint for ``No module named 'x'`` when no requirements file of the function
    declares ``x`` and no project module is named so; else ``None``."""
    if failure.error_type not in (IMPORT_ERROR, "ModuleNotFoundError"):
        return None
    named = re.search(r"No module named '([A-Za-z0-9_]+)", failure.message or "")
    if named is None:
        return None
    module = named.group(1)
    if (backend / module).exists() or (backend / f"{module}.py").exists():
        return None  # a project module: the file set's business, not a package's
    path = find(function.directory, function.handler, backend)
    try:
        if path is not None and normalize(module) in load(path).names:
            return None  # declared (under this name): the import name may differ
    except SkyfnError:
        return None
    target = path or handler_file(function.directory, function.handler).parent / REQUIREMENTS
    return (
        f"function {function.name} has no package providing {module!r}: add it to {target} "
        "(locally and deployed, a function imports only the packages its requirements "
        "file declares)"
    )
