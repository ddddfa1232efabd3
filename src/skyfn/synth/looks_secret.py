"""Plain environment values that look like secrets: synth warns (``--strict``: refuses).

A value is suspicious when its key names a key, token, password or secret, or when the
value matches a known credential format (an AWS access key id, a private key block) or is
a long high-entropy string. Reasons never include the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from skyfn.model import Model

SECRET_WORDS = frozenset(
    {"KEY", "APIKEY", "TOKEN", "PASSWORD", "PASSWD", "PWD", "SECRET", "CREDENTIALS", "PASS"}
)
# Key segments that name something about a key, not a key itself.
HARMLESS_AFTER = frozenset({"ID", "NAME", "FILE", "PATH", "ARN", "ALIAS", "COUNT", "URL"})

AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
MIN_RANDOM_LENGTH = 32
MIN_ENTROPY = 3.5  # bits per character; English words and slugs stay well below


@dataclass(frozen=True)
class Suspect:
    function: str
    key: str
    reason: str

    @property
    def message(self) -> str:
        return (
            f"function {self.function}: plain value {self.key} looks like a secret "
            f"({self.reason}); make it secret({self.key!r}) and set it with "
            f"skyfn secret set {self.key}"
        )


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def key_reason(key: str) -> str | None:
    parts = key.upper().split("_")
    for index, part in enumerate(parts):
        if part in SECRET_WORDS:
            after = parts[index + 1 :]
            if not (after and after[0] in HARMLESS_AFTER):
                return f"its name has {part}"
    return None


def value_reason(value: str) -> str | None:
    if AWS_ACCESS_KEY.search(value):
        return "its value is an AWS access key id"
    if PRIVATE_KEY.search(value):
        return "its value holds a private key"
    if (
        len(value) >= MIN_RANDOM_LENGTH
        and not any(c.isspace() for c in value)
        and "://" not in value
        and not UUID.fullmatch(value)
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and entropy(value) >= MIN_ENTROPY
    ):
        return "its value is a long random-looking string"
    return None


def suspects(model: Model) -> list[Suspect]:
    found: list[Suspect] = []
    for function in model.functions:
        for item in function.environment:
            if not isinstance(item.value, str) or item.value == "":
                continue
            reason = value_reason(item.value) or key_reason(item.key)
            if reason is not None:
                found.append(Suspect(function.name, item.key, reason))
    return found
