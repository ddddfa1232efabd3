"""``function_ref``: one function's name in another's environment (public API, recorded only).

``environment={"MAILER": function_ref(mailer)}`` gives the function the name to call
``mailer`` by (its deployed Lambda name on AWS, its skyfn name locally) and the right to
invoke it, nothing more. Synth checks and resolves it (``skyfn.synth.references``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionRef:
    """A reference to a function of this backend: the object ``define_function`` returned
    or its name (for two functions that reference each other); checked at synth."""

    target: object

    def __repr__(self) -> str:
        name = getattr(self.target, "name", None) or self.target
        return f"function_ref({name!r})"


def function_ref(function: object) -> FunctionRef:
    """Reference ``function`` (what ``define_function`` returned, or its name as a string):
    its name becomes the environment value (deployed: its Lambda name; locally: its skyfn
    name), and the referencing function may invoke it (``lambda:InvokeFunction``), e.g.
    ``boto3.client("lambda").invoke(FunctionName=env.MAILER, Payload=...)``."""
    return FunctionRef(function)
