"""Which nested stack (part) of a branch's root stack holds which function. Pure.

A function's part is a hash of its name into a fixed number of parts (``PARTS``), and
nothing else: adding or removing a function never moves another one. That is the point.
CloudFormation replaces a function that moves from one stack to another, and since every
function has a fixed physical name, the copy in the new stack could not even be created
while the old one still holds the name. Schemes that grow the number of parts as the
backend grows (hash modulo a power of two that doubles, ranges that split) all move about
half of the functions when they grow; a stateless assignment that never moves anything has
to fix the number of parts up front, and only the parts that hold a function are deployed.

``PARTS`` is chosen against the quotas (see quotas.py). A function costs its part the
resources ``resources_of`` counts from the model (its role and the function, its log
group with ``log_retention_days``, its URL and, public, the URL's two permissions: two to six), one parameter (its code key) and one
output (its ARN), so a part holds at most 199 functions (200 parameters, one of them the
bucket). A branch holds at most ``MAX_FUNCTIONS`` functions of two resources each (fewer
when they have more: ``quotas.check_nested`` counts the real template): one operation on a
root stack and its nested stacks may touch 2,500 resources, and each part is one resource
of the root. With 16 parts, a full branch
averages 78 functions a part, and a part reaching 150 is some eight standard deviations
away; the quota check at synth refuses the template if it ever happens. At about 3 KB a
function, a part's template stays near a quarter of the 1 MB template quota.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from skyfn.deploy import function_settings, quotas, urls
from skyfn.model import Function

PARTS = 16
RESOURCES_PER_FUNCTION = 2  # at least: its role and the function
MAX_RESOURCES_PER_FUNCTION = 3  # and its own log group
MAX_FUNCTIONS = (quotas.NESTED_OPERATION_RESOURCES - PARTS) // RESOURCES_PER_FUNCTION
MAX_FUNCTIONS_EACH_WITH_ALL = (
    quotas.NESTED_OPERATION_RESOURCES - PARTS
) // MAX_RESOURCES_PER_FUNCTION


def resources_of(function: Function) -> int:
    """How many resources ``function`` adds to its template (what ``nested.checked``
    holds every rendered template to)."""
    return (
        RESOURCES_PER_FUNCTION
        + int(function_settings.has_log_group(function))
        + urls.resource_count(function)
    )


SINGLE_STACK_MAX = 150  # more functions than this: a root stack with nested parts


def part_of(function_name: str) -> int:
    """The part (0 .. PARTS-1) that holds ``function_name``; depends on that name only."""
    digest = hashlib.sha256(function_name.encode()).digest()
    return int.from_bytes(digest[:8], "big") % PARTS


def part_id(part: int) -> str:
    """The logical id of a part's stack in the root template (``Part03``)."""
    return f"Part{part:02d}"


def assign(function_names: Iterable[str]) -> dict[int, tuple[str, ...]]:
    """Part → the names it holds (sorted); parts that hold nothing are left out."""
    parts: dict[int, list[str]] = {}
    for name in function_names:
        parts.setdefault(part_of(name), []).append(name)
    return {part: tuple(sorted(names)) for part, names in sorted(parts.items())}


def nested(function_count: int) -> bool:
    """Whether a backend of this many functions is deployed as a root stack with parts
    (besides any backend whose single-stack template would exceed a quota)."""
    return function_count > SINGLE_STACK_MAX
