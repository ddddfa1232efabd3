"""A function's URL in the model (``define_function(url=...)``), checked by
``skyfn.synth.urls``; deployed as ``AWS::Lambda::Url``, served locally by
``skyfn.host.url_gateway`` on ``http://<label>.localhost:<port>/``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UrlAuth = Literal["iam", "none"]


@dataclass(frozen=True)
class CorsRules:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int = 0
    expose_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Url:
    auth: UrlAuth
    label: str  # the DNS label of its local origin: <label>.localhost
    cors: CorsRules | None = None

    @property
    def auth_type(self) -> str:
        """Lambda's ``AuthType``."""
        return "AWS_IAM" if self.auth == "iam" else "NONE"

    def shown(self) -> str:
        """One line for listings (console, diff): ``auth iam``, ``auth none, CORS``."""
        return f"auth {self.auth}" + (", CORS" if self.cors is not None else "")
