"""The exception trees drawn in the docstrings of ``skyfn/errors.py`` (the tooling's) and
``skyfn/runtime/errors.py`` (the runtime's) name every exception class of ``src/skyfn``,
each under its base, and nothing that is not there. Classes are read from the source
(``ast``), so nothing is imported."""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import skyfn

SRC = Path(skyfn.__file__).parent

# One line of a drawn tree: a root at four spaces, or a child after its ├── or └──.
_TREE_LINE = re.compile(r"^(?P<lead>    [ │]*?)(?P<branch>[├└]── )?(?P<name>\w+)(?:\s|$)")


@dataclass(frozen=True)
class Declared:
    name: str
    bases: tuple[str, ...]  # as written, last dotted part: "SkyfnError", "Filter"
    path: Path


def _builtin_exception(name: str) -> bool:
    value = getattr(builtins, name, None)
    return isinstance(value, type) and issubclass(value, BaseException)


def exception_classes() -> list[Declared]:
    """Every class of src/skyfn that derives, through builtins and classes of src/skyfn,
    from ``BaseException``."""
    declared = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = tuple(ast.unparse(base).rpartition(".")[2] for base in node.bases)
                declared.append(Declared(node.name, bases, path))
    exceptions: dict[str, Declared] = {}
    grown = True
    while grown:
        grown = False
        for item in declared:
            if item.name not in exceptions and any(
                _builtin_exception(base) or base in exceptions for base in item.bases
            ):
                exceptions[item.name] = item
                grown = True
    return sorted(exceptions.values(), key=lambda item: item.name)


def drawn_tree(path: Path) -> dict[str, str | None]:
    """The tree(s) drawn in a module's docstring: each class named → the class drawn as its
    parent (``None`` for a root)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
    assert docstring, f"{path} has no docstring"
    drawn: dict[str, str | None] = {}
    by_column: dict[int, str] = {}  # the column where a name starts → the last name there
    for line in docstring.splitlines():
        match = _TREE_LINE.match(line)
        if match is None:
            continue
        name, lead, branch = match["name"], match["lead"], match["branch"]
        if branch is None and lead != "    ":
            continue
        column = len(lead) + (len(branch) if branch else 0)
        drawn[name] = by_column.get(len(lead)) if branch else None
        by_column[column] = name
    return drawn


def check(tree_file: Path, classes: list[Declared]) -> list[str]:
    drawn = drawn_tree(tree_file)
    named = {name for name in drawn if not _builtin_exception(name)}
    by_name = {item.name: item for item in classes}
    where = {item.name: item.path.relative_to(SRC.parent).as_posix() for item in classes}
    problems = [
        f"{name} ({where[name]}) is not in the tree" for name in sorted(set(by_name) - named)
    ]
    problems += [f"{name} is drawn but no such exception exists" for name in named - set(by_name)]
    for name, parent in drawn.items():
        if name in by_name and parent is not None and parent not in by_name[name].bases:
            problems.append(
                f"{name} is drawn under {parent}, but derives from {by_name[name].bases}"
            )
        if name in by_name and parent is None and any(b in by_name for b in by_name[name].bases):
            problems.append(f"{name} is drawn as a root, but derives from {by_name[name].bases}")
    return problems


def test_exception_names_are_unique() -> None:
    names = [item.name for item in exception_classes()]
    assert len(names) == len(set(names)), "two exceptions share a name: the trees cannot tell"


@pytest.mark.parametrize(
    ("tree_file", "in_runtime"),
    [(SRC / "errors.py", False), (SRC / "runtime" / "errors.py", True)],
    ids=["tooling", "runtime"],
)
def test_the_docstring_tree_names_every_exception(tree_file: Path, in_runtime: bool) -> None:
    classes = [
        item for item in exception_classes() if (SRC / "runtime" in item.path.parents) == in_runtime
    ]
    problems = check(tree_file, classes)
    shown = tree_file.relative_to(SRC.parent).as_posix()
    assert not problems, f"the exception tree in the docstring of {shown}:\n" + "\n".join(problems)


def test_the_tree_reader_reads_parents_from_indentation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Errors.\n\n    Root\n    ├── A        text\n    │   └── B    text\n'
        '    └── C\n    ValueError\n    └── D\n"""\n'
    )
    assert drawn_tree(sample) == {
        "Root": None,
        "A": "Root",
        "B": "A",
        "C": "Root",
        "ValueError": None,
        "D": "ValueError",
    }
