"""What hides a deployed function's secrets in what skyfn shows of it: its logs
(``skyfn logs``) and a deployed invoke's answer and log tail (``skyfn invoke --deployed``).
Both read the function's secrets with the caller's credentials, and both refuse to show
anything when they cannot, so they build their masker here, the one way.
"""

from __future__ import annotations

from collections.abc import Callable

from skyfn.deploy.diff import FunctionState
from skyfn.errors import SkyfnError
from skyfn.runtime.masking import Masker
from skyfn.secrets.ssm import SsmStore

ReadSecrets = Callable[[list[str]], list[str]]


def secret_values(paths: list[str]) -> list[str]:
    """The values at ``paths`` that exist: SSM parameters and external references."""
    from skyfn.runtime.contract import is_external
    from skyfn.secrets import external

    own = [p for p in paths if not is_external(p)]
    values = [v.value for v in SsmStore().read_many(own).values()] if own else []
    return values + list(external.read_values(p for p in paths if is_external(p)).values())


def function_masker(
    state: FunctionState, read_secrets: ReadSecrets, where: str, then: str
) -> Masker:
    """A masker that knows every value the function's secrets may have (each of their
    paths); a ``SkyfnError`` naming ``where`` the output was to be masked, followed by
    ``then`` (what was not done), when they cannot be read."""
    masker = Masker()
    paths = sorted({p for use in state.secrets.values() for p in use.paths})
    try:
        masker.learn(read_secrets(paths) if paths else [])
    except SkyfnError as exc:
        raise SkyfnError(
            f"cannot mask the secrets of {state.name} in {where}: {exc}{then}"
        ) from None
    return masker
