"""The cold start of every skyfn function, deployed or local.

Lambda imports this module (its handler is ``skyfn.runtime.bootstrap.handler``); the
import resolves the function's secrets into ``os.environ`` and only then imports the
user's handler module, so no placeholder ever reaches user code.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from skyfn.runtime import contract

Handler = Callable[[Any, Any], Any]


class ColdStartError(RuntimeError):
    """The function cannot start; the message says which secret or handler and how to fix it."""


def resolve_secrets() -> None:
    raw = os.environ.get(contract.SECRETS_VAR)
    if not raw:
        return
    from skyfn.runtime import secrets  # json/importlib only when there are secrets

    store = os.environ.get(contract.STORE_VAR, "local")
    function = os.environ.get(contract.FUNCTION_VAR, "?")
    try:
        spec = secrets.parse_spec(raw)
        values = secrets.resolve(spec, secrets.open_reader(store), function, store)
    except (secrets.SecretNotFound, secrets.SecretStoreError) as exc:
        raise ColdStartError(str(exc)) from None
    for listener in secrets.ON_RESOLVED:
        listener(values)
    os.environ.update(values)


def load_user_handler() -> Handler:
    spec = os.environ.get(contract.HANDLER_VAR, "")
    module_name, _, attribute = spec.rpartition(".")
    if not module_name:
        raise ColdStartError(f"{contract.HANDLER_VAR} is {spec!r}; run skyfn synth again")
    module = importlib.import_module(module_name)
    function: Handler | None = getattr(module, attribute, None)
    if not callable(function):
        raise ColdStartError(f"{module_name}.{attribute} is not a callable handler")
    return function


def cold_start() -> Handler:
    resolve_secrets()
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
