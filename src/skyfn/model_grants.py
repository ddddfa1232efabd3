"""A function's own IAM statements in the model, from ``define_function(permissions=...)``.

Plain data, checked by synth (``skyfn.synth.permissions``); the deploy renders them as the
role's ``skyfn-permissions`` policy (``skyfn.deploy.grants``).
"""

from __future__ import annotations

from dataclasses import dataclass

# What a resource may say for the deploy's own values; ``Fn::Sub`` fills them in.
PARTITION = "${AWS::Partition}"
REGION = "${AWS::Region}"
ACCOUNT = "${AWS::AccountId}"


@dataclass(frozen=True)
class Grant:
    """One ``Allow`` statement: ``actions`` on ``resources`` (ARNs, which may hold the
    ``${AWS::...}`` variables above), under ``conditions`` (JSON text, ``""``: none)."""

    label: str  # the entry as written, e.g. "dynamodb_table('orders', access='read')"
    number: int  # its place in permissions= (from 1)
    part: int  # which statement of that entry (from 1; a helper may make two)
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: str = ""

    @property
    def sid(self) -> str:
        return f"Permission{self.number}" + ("" if self.part == 1 else f"Part{self.part}")

    @property
    def where(self) -> str:
        """How an error names it: ``permissions[2] dynamodb_table('orders')``."""
        return f"permissions[{self.number}] {self.label}"
