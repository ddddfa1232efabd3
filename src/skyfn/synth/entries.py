"""A function's ``entry=``: its handler file, checked statically (it is not imported at
synth: it may read secrets). Inside the function's folder once links are followed, a file,
importable as a module, parsed, binding ``handler``."""

from __future__ import annotations

import ast
import keyword
from collections.abc import Callable
from pathlib import Path

from skyfn.definition import FunctionDefinition
from skyfn.synth.realpaths import Resolver


def check_entry(
    d: FunctionDefinition, problem: Callable[[str], None], resolver: Resolver | None = None
) -> str | None:
    """The handler's dotted name (``pkg.module.handler``), or ``None`` once ``problem`` was
    told what is wrong."""
    folder = d.resource_file.parent
    if not isinstance(d.entry, str) or not d.entry.endswith(".py"):
        problem(f"entry must be a .py file relative to {d.resource_file.name}, got {d.entry!r}")
        return None
    path = Path((resolver or Resolver()).realpath(str(folder / d.entry)))
    try:
        relative = path.relative_to(folder)
    except ValueError:
        problem(f"entry {d.entry} is outside the function's folder {folder}")
        return None
    if not path.is_file():
        problem(f"handler file {path} does not exist; create it or fix entry=")
        return None
    parts = relative.with_suffix("").parts
    if not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        problem(f"entry {d.entry} is not importable as a Python module; rename the file")
        return None
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        line = f", line {exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
        problem(f"handler file {relative}{line}: {type(exc).__name__}: {exc}")
        return None
    verdict = _handler_binding(tree)
    if verdict is not None:
        problem(f"handler file {relative} {verdict}; define def handler(event, context): ...")
        return None
    return ".".join(parts) + ".handler"


def _handler_binding(tree: ast.Module) -> str | None:
    """``None`` when the module binds a callable-looking ``handler``, else what is wrong."""
    found: str | None = "has no handler function"
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "handler"
        ) or (isinstance(node, ast.ClassDef) and node.name == "handler"):
            found = None
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any((a.asname or a.name.split(".")[0]) == "handler" for a in node.names):
                found = None
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "handler" for t in targets):
                literal = isinstance(
                    node.value,
                    ast.Constant | ast.List | ast.Dict | ast.Tuple | ast.Set | ast.JoinedStr,
                )
                found = "binds handler to a value that is not callable" if literal else None
    return found
