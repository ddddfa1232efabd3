"""Layers only import downward: every import of ``src/skyfn`` read from the source (at the
top of a module, inside a function, under ``TYPE_CHECKING``), checked against

    cli  →  host / deploy / secrets  →  synth / model  →  runtime

A module may import its own layer and the layers below it, never one above; the runtime,
which ships inside every function, imports nothing of skyfn outside ``skyfn.runtime`` and
nothing outside the standard library. Every package and top-level module of ``src/skyfn``
is placed in ``PLACES``: a new one fails here until it is given a layer. Within a layer a
few directions are ruled out too (``SAME_LAYER_FORBIDDEN``). And no module imports itself
through others: the import graph has no cycle. (Module paths written as
strings, as in the store registry of ``runtime/stores.py``, are names, not imports.)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import skyfn

SRC = Path(skyfn.__file__).parent

RUNTIME, MODEL, SERVICES, COMMANDS = 0, 1, 2, 3
LAYER_NAMES = {
    RUNTIME: "runtime",
    MODEL: "synth / model",
    SERVICES: "host / deploy / secrets",
    COMMANDS: "cli",
}

# Every package and top-level module of src/skyfn, by file or folder name.
PLACES: dict[str, int] = {
    # what runs a command: argument parsing, the console script, the pytest plugin
    "cli": COMMANDS,
    "__main__": COMMANDS,
    "pytest_plugin": COMMANDS,
    # what the commands do
    "host": SERVICES,  # the local host: sandbox, invoke, run, workers, Invoke API, console
    "deploy": SERVICES,  # bundles, templates, the deployer, diff, logs, destroy
    "secrets": SERVICES,  # the management stores and what builds on them (status, check)
    "outputs": SERVICES,  # synth's outputs composed with deploy's templates
    "aws": SERVICES,  # boto3 sessions and botocore errors turned into SkyfnError
    "aws_faults": SERVICES,  # what a botocore failure is (retry or report), pure
    "scaffold": SERVICES,  # skyfn init's project
    # definitions → model, and what both stand on
    "synth": MODEL,
    "model": MODEL,
    "definition": MODEL,
    "permissions": MODEL,  # the public permission API's records
    "model_grants": MODEL,
    "model_layers": MODEL,
    "model_settings": MODEL,
    "model_schedules": MODEL,
    "schedules": MODEL,  # Schedule, the definition API's schedule record
    "model_urls": MODEL,  # a function URL in the model (issue 24)
    "urls": MODEL,  # FunctionUrl(...), Cors(...): the definition API's URL records
    "function_refs": MODEL,  # function_ref(...), the definition API's reference record
    "backend_loader": MODEL,
    "definition_cache": MODEL,
    "definition_cache_file": MODEL,  # the cache on disk: private, atomic, keyed
    "definition_pickle": MODEL,  # what a cached namespace may hold and be rebuilt from
    "definition_tracker": MODEL,
    "private_files": MODEL,  # 0700 folders, 0600 files written atomically
    "dotenv_files": MODEL,
    "project": MODEL,
    "settings": MODEL,
    "scope": MODEL,
    "errors": MODEL,
    "__init__": MODEL,  # the definition API (and __version__, which every layer may read)
    # ships inside every function
    "runtime": RUNTIME,
}

# Within a layer, imports that would blur it: the middle layer runs one way (host and
# deploy use secrets; host reaches deploy's templates only through outputs.py), and in the
# synth / model layer nothing but synth/ imports synth/ (the model and what stands beside
# it never depend on how a model is built).
SAME_LAYER_FORBIDDEN: dict[str, set[str]] = {
    "secrets": {"host", "deploy", "outputs"},
    "deploy": {"host"},
    "host": {"deploy"},
    **{name: {"synth"} for name, layer in PLACES.items() if layer == MODEL and name != "synth"},
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. skyfn.deploy.pipeline
    target: str  # the module imported, e.g. skyfn.outputs (or a third-party one)
    file: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(SRC.parent).as_posix()}:{self.line}"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def unit(module: str) -> str:
    """The key of ``PLACES`` a skyfn module belongs to: its package or top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(module: str, path: Path) -> Iterator[Import]:
    """Every import statement of a module, wherever it stands, by the module it loads:
    ``from skyfn import aws`` is ``skyfn.aws``, ``from skyfn import __version__`` is
    ``skyfn``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                target = candidate if candidate in MODULES else base
                yield Import(module, target, path, node.lineno)


ALL_IMPORTS = [found for module, path in MODULES.items() for found in imports(module, path)]


def own(target: str) -> bool:
    return target == "skyfn" or target.startswith("skyfn.")


def test_every_package_and_top_level_module_has_a_layer() -> None:
    units = {unit(module) for module in MODULES}
    unplaced = sorted(units - set(PLACES))
    assert not unplaced, f"give each a layer in PLACES (tests/unit/test_layers.py): {unplaced}"
    assert not sorted(set(PLACES) - units), "PLACES names what src/skyfn no longer has"


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        f"{found.where}: {found.source} ({LAYER_NAMES[PLACES[unit(found.source)]]}) imports "
        f"{found.target} ({LAYER_NAMES[PLACES[unit(found.target)]]})"
        for found in ALL_IMPORTS
        if own(found.target) and PLACES[unit(found.target)] > PLACES[unit(found.source)]
    ]
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_within_a_layer_the_imports_run_one_way() -> None:
    blurred = [
        f"{found.where}: {found.source} imports {found.target}"
        for found in ALL_IMPORTS
        if own(found.target)
        and unit(found.target) in SAME_LAYER_FORBIDDEN.get(unit(found.source), set())
    ]
    assert not blurred, "imports against SAME_LAYER_FORBIDDEN:\n" + "\n".join(blurred)


def test_the_runtime_imports_only_itself_and_the_standard_library() -> None:
    outside = [
        f"{found.where}: {found.target}"
        for found in ALL_IMPORTS
        if unit(found.source) == "runtime"
        and not found.target.startswith("skyfn.runtime")
        and (own(found.target) or found.target.split(".")[0] not in sys.stdlib_module_names)
    ]
    assert not outside, "the runtime ships in every bundle; it may not import:\n" + "\n".join(
        outside
    )


def test_the_import_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in ALL_IMPORTS:
        if found.target in MODULES and found.target != found.source:
            graph[found.source].add(found.target)
    cycles = [sorted(component) for component in strongly_connected(graph) if len(component) > 1]
    assert not cycles, f"modules that import each other (directly or around): {cycles}"


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (no recursion limit to meet)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    found.append(component)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [c for c in strongly_connected(graph) if len(c) > 1] == [{"a", "b", "c"}]
