"""The cold start of every skyfn function, deployed or local.

Lambda imports this module (its handler is ``skyfn.runtime.bootstrap.handler``); the
import resolves the function's secrets into ``os.environ`` and only then imports the
user's handler module, so no placeholder ever reaches user code. The local worker calls
``cold_start`` itself, with a hook that runs between the two steps.
"""

from __future__ import annotations

import importlib
import os

from skyfn.runtime import contract
from skyfn.runtime.errors import ColdStartError, SecretNotFound, SecretStoreError, UserCodeError

TYPE_CHECKING = False  # typing and collections are not imported on the cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    Handler = Callable[[Any, Any], Any]
    Resolved = Callable[[Mapping[str, str]], None]


def resolve_secrets() -> dict[str, str]:
    """Read the function's secrets (``SKYFN_SECRETS``) into ``os.environ``; return them."""
    raw = os.environ.get(contract.SECRETS_VAR)
    if not raw:
        return {}
    from skyfn.runtime import secrets  # json/importlib only when there are secrets

    try:
        spec, wanted = secrets.request(os.environ)
        values = secrets.resolve(spec, secrets.open_reader(wanted.store), wanted)
    except (SecretNotFound, SecretStoreError) as exc:
        raise ColdStartError(str(exc)) from None
    os.environ.update(values)
    from skyfn.runtime.stores import READ_ONCE

    # what a local host handed over is never re-read (the sandbox restarts the worker);
    # external references the worker reads itself are
    again = {
        key: paths
        for key, paths in spec.items()
        if contract.path_store(paths[0], wanted.store)[0] not in READ_ONCE
    }
    if again:
        from skyfn.runtime import freshness

        freshness.track(again, wanted)
    return values


def load_user_handler() -> Handler:
    spec = os.environ.get(contract.HANDLER_VAR, "")
    module_name, _, attribute = spec.rpartition(".")
    if not module_name:
        raise ColdStartError(f"{contract.HANDLER_VAR} is {spec!r}; run skyfn synth again")
    try:
        module = importlib.import_module(module_name)
    except (ImportError, SyntaxError) as exc:
        raise cannot_import(module_name, exc) from None
    if not hasattr(module, attribute):
        raise user_code_error(
            "HANDLER_NOT_FOUND", f"Handler '{attribute}' missing on module '{module_name}'", []
        )
    function: Handler | None = getattr(module, attribute)
    if not callable(function):
        raise ColdStartError(f"{module_name}.{attribute} is not a callable handler")
    return function


def cannot_import(module_name: str, exc: ImportError | SyntaxError) -> UserCodeError:
    """awslambdaric's words for a handler module that fails to import."""
    if isinstance(exc, ImportError):
        return user_code_error(
            "IMPORT_MODULE_ERROR", f"Unable to import module '{module_name}': {exc}", []
        )
    # in the handler's module or one it imports (shared code): the user's file and line
    return user_code_error(
        "USER_CODE_SYNTAX_ERROR",
        f"Syntax error in module '{module_name}': {exc}",
        [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}'],
    )


def user_code_error(kind: str, message: str, trace: list[str]) -> UserCodeError:
    """The failure under Lambda's type ``error_shape.<kind>``. Its class is named after that
    type: on Lambda, awslambdaric reports an exception raised by this module's import under
    its class's name (its message as is), so the deployed function shows the same type."""
    from skyfn.runtime import error_shape  # json: only when the module fails

    error_type: str = getattr(error_shape, kind)
    named: type[UserCodeError] = type(error_type, (UserCodeError,), {"__module__": __name__})
    return named(error_type, message, trace)


def cold_start(on_resolved: Resolved | None = None) -> Handler:
    """Secrets into ``os.environ``, then ``on_resolved(values)`` (the local worker's: teach
    its log masker, drop the store's variables), then the user's module."""
    values = resolve_secrets()
    if on_resolved is not None:
        on_resolved(values)
    return load_user_handler()


_user_handler: Handler | None = None


def handler(event: Any, context: Any) -> Any:
    """Lambda's entry point: the user's handler, loaded once per process."""
    global _user_handler
    if _user_handler is None:
        _user_handler = cold_start()
    return _user_handler(event, context)


if os.environ.get("AWS_LAMBDA_RUNTIME_API") and os.environ.get(contract.HANDLER_VAR):
    # On Lambda (whose runtime API only Lambda sets), do the cold start during the init
    # phase, when this module is imported. The local worker runs the same steps itself.
    _user_handler = cold_start()
