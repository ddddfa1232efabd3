"""Who calls the local Lambda endpoint: one random token per worker, in the path of the
``AWS_ENDPOINT_URL_LAMBDA`` that worker is given (``http://127.0.0.1:PORT/<token>``).

botocore keeps an endpoint URL's path and puts the operation's own after it, so a
handler's unchanged ``boto3.client("lambda").invoke(...)`` carries its worker's token; the
endpoint (``skyfn.host.lambda_endpoint``) knows the calling function by it, instead of a
signature, and lets it invoke exactly the functions it references (``function_ref``).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_LAMBDA"  # botocore's per-service endpoint variable
# A worker with no credentials of its own gets these (botocore signs nothing without
# credentials; the local endpoint does not read the signature): never real ones.
PLACEHOLDER_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "SKYFNLOCALPLACEHOLDER",
    "AWS_SECRET_ACCESS_KEY": "skyfn-local-placeholder-not-a-secret",
}


class Callers:
    """Token → function name, for the workers of one host. ``url``: the endpoint's base
    (``None`` while no endpoint serves: workers then get no endpoint variable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}
        self.url: str | None = None

    def issue(self, function: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = function
        return token

    def who(self, token: str) -> str | None:
        with self._lock:
            return self._tokens.get(token)

    def forget_all(self) -> None:
        with self._lock:
            self._tokens.clear()

    def worker_variables(
        self,
        function: str,
        variables: Mapping[str, str],
        keep: tuple[str, ...] = (),
        placeholders: bool = True,
    ) -> dict[str, str]:
        """What to add to a worker's ``variables``: the endpoint with a new token, and
        placeholder credentials when it has none (and ``placeholders``). ``keep``: names the developer passed with
        ``--inherit-env`` (never replaced)."""
        if self.url is None or ENDPOINT_VARIABLE in keep:
            return {}
        added = {ENDPOINT_VARIABLE: f"{self.url}/{self.issue(function)}"}
        if placeholders and not any(variables.get(n) for n in PLACEHOLDER_CREDENTIALS):
            added.update(PLACEHOLDER_CREDENTIALS)
        return added
