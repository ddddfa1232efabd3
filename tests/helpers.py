"""Shared test helpers: run the real CLI in a subprocess, write small projects."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "say-hello"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run_skyfn(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: str | bytes | None = None,
    timeout: float = 120,
) -> Result:
    """Run ``python -m skyfn ARGS`` as a user would, in ``cwd``."""
    full_env = {**os.environ, **(env or {})}
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "skyfn", *args],
        cwd=cwd,
        env=full_env,
        input=data,
        capture_output=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


HANDLER = """\
def handler(event, context):
    return "ok"
"""


def make_project(
    root: Path,
    functions: dict[str, str],
    handlers: dict[str, str] | None = None,
    app_id: str = "testapp",
) -> Path:
    """A project whose ``backend.py`` defines each function from ``functions``
    (folder → body of resource.py, which must bind ``fn``)."""
    write(root / "pyproject.toml", f'[tool.skyfn]\napp_id = "{app_id}"\n')
    imports: list[str] = []
    names: list[str] = []
    for folder, resource in functions.items():
        write(root / "backend" / "functions" / folder / "resource.py", resource)
        handler = (handlers or {}).get(folder, HANDLER)
        if handler:
            write(root / "backend" / "functions" / folder / "handler.py", handler)
        imports.append(f"from functions.{folder}.resource import fn as fn_{len(names)}")
        names.append(f"fn_{len(names)}")
    backend = "\n".join(
        [
            "from skyfn import define_backend",
            *imports,
            f"backend = define_backend({', '.join(names)})",
        ]
    )
    write(root / "backend" / "backend.py", backend + "\n")
    return root


def resource(environment: str = "{}", **options: object) -> str:
    """The body of a resource.py defining ``fn``."""
    extra = "".join(f"    {k}={v!r},\n" for k, v in options.items())
    return (
        "import os\n"
        "from skyfn import define_function, secret\n"
        "fn = define_function(\n"
        f"{extra}"
        f"    environment={environment},\n"
        ")\n"
    )
