"""boto3 for a worker that runs another interpreter than skyfn's own.

Lambda's Python runtime provides boto3 (and botocore, s3transfer, jmespath, dateutil, six,
urllib3) to every function. A worker on skyfn's interpreter finds the environment's copy
in its site-packages; one on another Python (``python3.13`` on PATH for a python3.13
function) has its own site-packages, without them. For that one, a folder of links to
exactly these packages of skyfn's environment (pure Python) joins the end of its
``PYTHONPATH``, and nothing else of skyfn's site-packages does: the function's own copy in
its task root still wins, as the bundle's does on Lambda.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import tempfile
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


def sdk_folder(home: Path) -> Path:
    """A folder under ``home`` holding links to ``sources()``; made once per set of paths
    (atomically: concurrent workers see all of it or none)."""
    links = sources()
    key = hashlib.sha256(repr(sorted((k, str(v)) for k, v in links.items())).encode())
    target = home / f"aws-sdk-{key.hexdigest()[:12]}"
    if target.is_dir():
        return target
    home.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".aws-sdk-", dir=home))
    for path in links.values():
        (building / path.name).symlink_to(path)
    try:
        os.replace(building, target)
    except OSError:  # made meanwhile by another worker
        for link in building.iterdir():
            link.unlink()
        with contextlib.suppress(OSError):
            building.rmdir()
    return target
