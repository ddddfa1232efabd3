"""A layer defined with ``define_layer``, in the model: plain data (checked by
``skyfn.synth.layers``). A function's ``Settings.layers`` lists, in Lambda's order, layer
version ARNs (attached as they are) and the names of such layers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skyfn.runtime.lambda_platform import RUNTIME, python_version


def is_arn(entry: str) -> bool:
    """A ``layers=`` entry that is a layer version ARN (else: a defined layer's name)."""
    return entry.startswith("arn:")


@dataclass(frozen=True)
class Layer:
    """One layer of packages, built once for the runtime and architecture of the functions
    that list it (all of them share both: synth refuses a mix)."""

    name: str
    requirements: Path  # the checked requirements file
    runtime: str = RUNTIME  # Lambda's runtime identifier of its functions ("python3.12")
    architecture: str = "x86_64"
    functions: tuple[str, ...] = ()  # the functions listing it, sorted; none: not deployed

    @property
    def python_version(self) -> str:
        return python_version(self.runtime)

    @property
    def deployed(self) -> bool:
        return bool(self.functions)

    def shown(self, root: Path) -> str:
        """``shared: backend/layers/shared/requirements.txt (python3.12 x86_64; a, b)``."""
        try:
            path = self.requirements.relative_to(root).as_posix()
        except ValueError:
            path = str(self.requirements)
        users = ", ".join(self.functions) or "no function: not deployed"
        return f"{self.name}: {path} ({self.runtime} {self.architecture}; {users})"
