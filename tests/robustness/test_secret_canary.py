"""A canary: a random secret value set through the CLI appears in no file and no output."""

from __future__ import annotations

import secrets
from pathlib import Path

from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource, write


def test_a_secret_value_leaks_into_no_file_and_no_output(
    tmp_path: Path, isolated_home: Path
) -> None:
    canary = f"canary-{secrets.token_hex(16)}"
    imported = f"canary-{secrets.token_hex(16)}"
    env = '{"NAME": "World", "API_KEY": secret("MY_API_KEY"), "DB": secret("DB_PASSWORD")}'
    root = make_project(tmp_path / "p", {"say_hello": resource(env, name="say-hello")})
    dotenv = write(tmp_path / "outside" / "import.env", f"DB_PASSWORD={imported}\n")

    outputs: list[Result] = []

    def skyfn(*args: str, stdin: str = "") -> None:
        result = run_skyfn(*args, cwd=root, stdin=stdin)
        assert result.code == 0, result
        outputs.append(result)

    skyfn("secret", "set", "MY_API_KEY", stdin=canary + "\n")
    skyfn("secret", "set", "MY_API_KEY", "--branch", "main", "--store", "local", stdin=canary)
    skyfn("secret", "import", str(dotenv))
    skyfn("secret", "import", str(dotenv), "--shared")
    skyfn("synth")
    skyfn("synth", "--branch", "main", "--store", "local")
    skyfn("generate", "env")
    skyfn("secret", "list")
    skyfn("secret", "list", "--json")
    skyfn("secret", "list", "--branch", "main", "--store", "local", "--json")
    skyfn("secret", "remove", "DB_PASSWORD")
    skyfn("secret", "remove", "--all", "--yes", "--branch", "main", "--store", "local")
    skyfn("secret", "set", "DB_PASSWORD", stdin=imported)  # the store still holds both values

    # a wrong file given to import: refused, without echoing any of it
    for bad in (
        f"OK=fine-value-1\n{canary}\n",  # a stray password line
        f"{canary}=\n",  # a "name" with no value
        f"A=1\nA={canary}\n",  # a duplicate
        f"-----BEGIN PRIVATE KEY-----\n{canary}\n-----END PRIVATE KEY-----\n",
        f"../{canary}=x\n",  # a bad name
    ):
        refused = run_skyfn("secret", "import", str(write(dotenv, bad)), cwd=root)
        assert refused.code == 1 and "line" in refused.err, refused
        outputs.append(refused)

    for result in outputs:
        for value in (canary, imported):
            assert value not in result.out and value not in result.err
    files = [p for folder in (root, isolated_home) for p in folder.rglob("*") if p.is_file()]
    assert (isolated_home / "secrets.db") in files and len(files) > 5
    for file in files:
        data = file.read_bytes()
        for value in (canary, imported):
            assert value.encode() not in data, f"{value} found in {file}"
    # the values are really stored (the check above is not vacuous)
    got = run_skyfn("secret", "get", "MY_API_KEY", cwd=root)
    assert got.out == canary + "\n"
