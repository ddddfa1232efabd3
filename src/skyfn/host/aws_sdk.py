"""The AWS SDK Lambda's Python runtime provides to every function: boto3 (and botocore,
s3transfer, jmespath, dateutil, six, urllib3), found in skyfn's environment (pure Python),
linked into the runtime-only folder (``skyfn.host.runtime_folder``) every worker imports
from; nothing else of skyfn's site-packages reaches a worker.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")


def sources() -> dict[str, Path]:
    """Each package's (or module's) path in skyfn's environment; missing ones left out."""
    found: dict[str, Path] = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        found[name] = origin.parent if spec.submodule_search_locations else origin
    return found
