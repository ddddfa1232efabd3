"""``skyfn init``: the say-hello project of the design brief."""

from __future__ import annotations

from pathlib import Path

from skyfn import scope
from skyfn.errors import SkyfnError
from skyfn.settings import new_project_id

PYPROJECT = """\
[project]
name = "{app_id}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["skyfn"]

[tool.skyfn]
app_id = "{app_id}"
# Random, made by skyfn init: this project's stacks carry it, and a deploy to a stack of
# another project is refused. Commit it (CI deploys must carry the same one).
project_id = "{project_id}"
# secret_store = "local"   # or "ssm"

# So type checkers and editors resolve the generated `skyfn_env` modules
# (written by `skyfn synth` / `skyfn generate env`) and the backend's own imports.
[tool.mypy]
strict = true
mypy_path = ".skyfn/generated:backend"
explicit_package_bases = true

[tool.pyright]
extraPaths = [".skyfn/generated", "backend"]
typeCheckingMode = "strict"
# the project's own virtualenv (python -m venv .venv), found without activating it
venvPath = "."
venv = ".venv"

# So a test can import a handler directly (`from functions.say_hello.handler import handler`)
# and the handler its `skyfn_env` module; see the skyfn_env fixture.
[tool.pytest.ini_options]
pythonpath = ["backend", ".skyfn/generated"]
"""

BACKEND = """\
from functions.say_hello.resource import say_hello

from skyfn import define_backend

backend = define_backend(say_hello)
"""

RESOURCE = """\
import os

from skyfn import define_function, secret

say_hello = define_function(
    name="say-hello",
    entry="handler.py",
    timeout_seconds=3,
    memory_mb=512,
    environment={
        "NAME": "World",
        # Branch-specific: read from the environment when you run skyfn synth.
        "API_ENDPOINT": os.environ.get("API_ENDPOINT", "https://api.example.com"),
        "MAX_ITEMS": 25,
        # Resolved when the function starts; set it with: skyfn secret set MY_API_KEY
        "API_KEY": secret("MY_API_KEY"),
    },
)
"""

HANDLER = """\
from skyfn.runtime import LambdaContext
from skyfn_env.say_hello import env


def handler(event: dict[str, object], context: LambdaContext) -> str:
    # API_KEY was resolved before this module was imported; log its length, never its value.
    print(f"API_KEY resolved: {len(env.API_KEY)} characters")
    return f"Hello, {env.NAME}!"
"""

GITIGNORE_LINE = ".skyfn/"
GITIGNORE_BLOCK = (
    "# skyfn: build output (artifacts, generated env modules); never commit it",
    GITIGNORE_LINE,
    "# .env, .env.<branch> (and .env.sandbox) hold plain values and are safe to commit;",
    "# .env*.local are your own overrides: keep them out of git. Secrets never go in any",
    "# .env file: use `skyfn secret set NAME`.",
    ".env*.local",
    "# the project's virtualenv",
    ".venv/",
)


def scaffold(target: Path) -> list[Path]:
    """Create the say-hello project in ``target``; refuse to overwrite an existing backend."""
    if (target / "backend").exists():
        raise SkyfnError(f"{target / 'backend'} already exists; choose an empty folder")
    app_id = scope.normalise_app_id(target.resolve().name)
    files = {
        target / "pyproject.toml": PYPROJECT.format(app_id=app_id, project_id=new_project_id()),
        target / "backend" / "backend.py": BACKEND,
        target / "backend" / "functions" / "say_hello" / "resource.py": RESOURCE,
        target / "backend" / "functions" / "say_hello" / "handler.py": HANDLER,
    }
    if (target / "pyproject.toml").exists():
        raise SkyfnError(
            f"{target / 'pyproject.toml'} already exists; add [tool.skyfn] to it by hand "
            "or choose an empty folder"
        )
    written: list[Path] = []
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    written.append(_ensure_gitignored(target / ".gitignore"))
    return written


def _ensure_gitignored(path: Path) -> Path:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    wanted = [
        line
        for line in GITIGNORE_BLOCK
        if line not in lines and not (line == GITIGNORE_LINE and ".skyfn" in lines)
    ]
    if any(not line.startswith("#") for line in wanted):
        lines.extend(wanted)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
