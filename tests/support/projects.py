"""Small skyfn projects on disk, for the tests and the benchmarks."""

from __future__ import annotations

import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "say-hello"


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
        "from skyfn import aws_secret, define_function, secret, ssm_parameter, vault_secret\n"
        "fn = define_function(\n"
        f"{extra}"
        f"    environment={environment},\n"
        ")\n"
    )


# --- the benchmarks' projects (app id ``bench``) ------------------------------------------

PING_HANDLER = "def handler(event, context):\n    return {reply!r}\n"


def make_ping_project(project: Path) -> Path:
    """A project (app id ``bench``) with one function, ``ping``; returns its folder."""
    make_project(
        project,
        {"ping": 'from skyfn import define_function\nfn = define_function(name="ping")\n'},
        handlers={"ping": PING_HANDLER.format(reply="pong")},
        app_id="bench",
    )
    return project / "backend" / "functions" / "ping"


BIG_RESOURCE = """\
from skyfn import define_function
fn = define_function(
    environment={{
        "NAME": "fn-{i}",
        "ENDPOINT": "https://api.example.com/{i}",
        "MAX_ITEMS": {i},
        "RATIO": 0.5,
        "ENABLED": True,
        "REGION_NAME": "eu-west-1",
        "TABLE": "table-{i}",
        "RETRIES": 3,
        "DEBUG": False,
        "QUEUE_URL": "https://sqs.example.com/{i}",
    }},
)
"""


def make_big_project(root: Path, functions: int) -> Path:
    """``functions`` functions (``fn_000``...) of 10 plain variables each, app id ``bench``."""
    return make_project(
        root,
        {f"fn_{i:03}": BIG_RESOURCE.format(i=i) for i in range(functions)},
        handlers={
            f"fn_{i:03}": "def handler(event, context):\n    return 1\n" for i in range(functions)
        },
        app_id="bench",
    )
