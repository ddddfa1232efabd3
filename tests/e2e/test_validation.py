"""Every validation rule of the foundation: a clear message naming the function and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope
from skyfn.errors import DefinitionError, SkyfnError
from skyfn.model import Model
from skyfn.project import find_project, open_project
from skyfn.synth.run import load_model
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource, write


def synth_model(root: Path, branch: str | None = None) -> Model:
    target = scope.branch(branch) if branch else scope.sandbox("tester")
    return load_model(open_project(root), target, "local")


def error_of(root: Path, branch: str | None = None) -> str:
    with pytest.raises(DefinitionError) as info:
        synth_model(root, branch)
    return str(info.value)


def one(tmp_path: Path, body: str, handler: str | None = None) -> str:
    handlers = {"hello": handler} if handler is not None else None
    make_project(tmp_path, {"hello": body}, handlers)
    return error_of(tmp_path)


def test_a_valid_definition_builds_a_typed_model(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "hello": resource(
                '{"NAME": "World", "NUM": 3, "RATE": 0.5, "ON": True, "KEY": secret("K1")}'
            )
        },
    )
    model = synth_model(tmp_path)
    (fn,) = model.functions
    assert fn.name == "hello" and fn.module_name == "hello"
    assert {e.key: e.type_name for e in fn.environment} == {
        "NAME": "str",
        "NUM": "int",
        "RATE": "float",
        "ON": "bool",
    }
    assert fn.environment_dict["ON"] == "true"
    assert fn.environment_dict["KEY"] == "<skyfn secret K1>"
    assert fn.secrets[0].paths == ("/skyfn/testapp/sandbox-tester/K1", "/skyfn/testapp/shared/K1")


@pytest.mark.parametrize("key", ["1ABC", "_X", "MY-KEY", "MY KEY", "é", ""])
def test_env_key_must_be_a_letter_then_word_characters(tmp_path: Path, key: str) -> None:
    message = one(tmp_path, resource(f"{{{key!r}: 'v'}}"))
    assert f"function hello: environment key {key!r} is not valid" in message


@pytest.mark.parametrize(
    "key", ["AWS_REGION", "_HANDLER", "TZ", "AWS_SESSION_TOKEN", "LAMBDA_TASK_ROOT"]
)
def test_lambda_reserved_keys_are_refused(tmp_path: Path, key: str) -> None:
    message = one(tmp_path, resource(f"{{{key!r}: 'v'}}"))
    assert f"environment key {key} is reserved by AWS Lambda" in message


def test_skyfn_prefix_is_reserved(tmp_path: Path) -> None:
    message = one(tmp_path, resource("{'SKYFN_ANYTHING': 'v'}"))
    assert "environment key SKYFN_ANYTHING starts with SKYFN_" in message


def test_lang_and_path_may_be_set(tmp_path: Path) -> None:
    make_project(tmp_path, {"hello": resource("{'LANG': 'C.UTF-8', 'PYTHONPATH': '/opt'}")})
    assert synth_model(tmp_path).functions[0].environment_dict["LANG"] == "C.UTF-8"


@pytest.mark.parametrize(
    ("value", "kind"),
    [("[1, 2]", "list"), ("{'a': 1}", "dict"), ("b'x'", "bytes"), ("object()", "object")],
)
def test_unsupported_value_types(tmp_path: Path, value: str, kind: str) -> None:
    message = one(tmp_path, resource(f"{{'VAL': {value}}}"))
    assert (
        f"function hello: environment VAL is a {kind}; values must be str, int, float or bool"
        in message
    )


def test_none_names_function_variable_and_scope(tmp_path: Path) -> None:
    make_project(
        tmp_path, {"hello": resource("{'API_ENDPOINT': os.environ.get('SKYFN_TEST_UNSET_VAR')}")}
    )
    message = error_of(tmp_path, branch="staging")
    assert message == (
        "function hello: environment API_ENDPOINT is not set (synth for branch staging); "
        "export it before synth or give a default"
    )


def test_branch_value_is_read_from_the_environment_at_synth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(tmp_path, {"hello": resource("{'API_ENDPOINT': os.environ.get('SKYFN_TEST_EP')}")})
    monkeypatch.setenv("SKYFN_TEST_EP", "https://staging.example.com")
    model = synth_model(tmp_path, branch="staging")
    assert model.functions[0].environment_dict["API_ENDPOINT"] == "https://staging.example.com"


def test_environment_over_4kb_says_size_and_limit(tmp_path: Path) -> None:
    message = one(tmp_path, resource("{f'K{i}': 'x' * 100 for i in range(40)}"))
    assert "function hello: environment is" in message
    assert "Lambda's limit is 4096 bytes" in message


def test_secret_placeholders_count_towards_the_limit(tmp_path: Path) -> None:
    # 3,950 bytes of plain values fit; the secret's placeholder and paths push it over.
    make_project(tmp_path / "fits", {"hello": resource("{'BIG': 'x' * 3950}")})
    assert synth_model(tmp_path / "fits").functions
    body = resource("{'BIG': 'x' * 3950, 'SEC': secret('A_SECRET')}")
    assert "Lambda's limit is 4096 bytes" in one(tmp_path / "over", body)


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("timeout_seconds", 0, "timeout_seconds is 0; it must be from 1 to 900 seconds"),
        ("timeout_seconds", 901, "timeout_seconds is 901; it must be from 1 to 900 seconds"),
        ("timeout_seconds", 2.5, "timeout_seconds must be a whole number of seconds"),
        ("timeout_seconds", True, "timeout_seconds must be a whole number of seconds"),
        ("memory_mb", 127, "memory_mb is 127; it must be from 128 to 10240 MB"),
        ("memory_mb", 10241, "memory_mb is 10241; it must be from 128 to 10240 MB"),
        ("memory_mb", "512", "memory_mb must be a whole number of MB"),
    ],
)
def test_timeout_and_memory_bounds(
    tmp_path: Path, option: str, value: object, expected: str
) -> None:
    message = one(tmp_path, resource("{}", **{option: value}))
    assert f"function hello: {expected}" in message


def test_duplicate_function_names(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": resource("{}", name="same"), "b": resource("{}", name="same")})
    assert "function same: defined twice" in error_of(tmp_path)


def test_module_name_collision(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": resource("{}", name="a-b"), "b": resource("{}", name="a_b")})
    assert "its env module skyfn_env.a_b collides with function a-b" in error_of(tmp_path)


def test_missing_handler_file(tmp_path: Path) -> None:
    message = one(tmp_path, resource("{}"), handler="")
    assert "function hello: handler file" in message and "does not exist" in message


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("def main(event, context):\n    return 1\n", "has no handler function"),
        ("handler = 42\n", "binds handler to a value that is not callable"),
        ("def handler(:\n", "SyntaxError"),
    ],
)
def test_handler_file_must_define_a_callable_handler(
    tmp_path: Path, handler: str, expected: str
) -> None:
    message = one(tmp_path, resource("{}"), handler=handler)
    assert "function hello: handler file handler.py" in message and expected in message


def test_handler_imported_from_elsewhere_is_accepted(tmp_path: Path) -> None:
    make_project(
        tmp_path, {"hello": resource("{}")}, {"hello": "from os import getcwd as handler\n"}
    )
    assert synth_model(tmp_path).functions[0].handler == "handler.handler"


def test_resource_file_that_fails_to_import_shows_the_users_error(tmp_path: Path) -> None:
    make_project(tmp_path, {"hello": "x = 1 / 0\n"})
    message = error_of(tmp_path)
    assert (
        "backend/functions/hello/resource.py, line 1: ZeroDivisionError: division by zero"
        in message
    )


def test_syntax_error_in_resource_file(tmp_path: Path) -> None:
    make_project(tmp_path, {"hello": "fn = define_function(\n"})
    message = error_of(tmp_path)
    assert "backend/functions/hello/resource.py, line 1: SyntaxError" in message


def test_invalid_secret_name(tmp_path: Path) -> None:
    message = one(tmp_path, resource("{'SEC': secret('../etc/passwd')}"))
    assert "function hello: environment SEC: secret name '../etc/passwd' is not valid" in message


def test_no_backend_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(SkyfnError) as info:
        find_project(tmp_path)
    assert f"no backend/backend.py found (looked at {tmp_path / 'backend' / 'backend.py'}" in str(
        info.value
    )


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    message = one(tmp_path, resource("{'1X': 'a', 'TZ': 'b'}", memory_mb=1))
    assert len(message.splitlines()) == 3


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"hello": resource("{'VAL': [1]}")}, "function hello: environment VAL is a list"),
        ({"hello": "raise RuntimeError('boom')\n"}, "RuntimeError: boom"),
    ],
)
def test_cli_reports_one_clean_error_and_exits_non_zero(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    make_project(tmp_path, files)
    result = run_skyfn("synth", cwd=tmp_path)
    assert result.code == 1
    assert expected in result.err
    assert "Traceback" not in result.err + result.out
    assert not (tmp_path / ".skyfn").exists(), "a failed synth must write nothing"


def test_cli_without_project(tmp_path: Path) -> None:
    result = run_skyfn("synth", cwd=tmp_path)
    assert result.code == 1 and "no backend/backend.py found" in result.err
    assert "Traceback" not in result.err


def test_backend_without_backend_variable(tmp_path: Path) -> None:
    write(tmp_path / "backend" / "backend.py", "x = 1\n")
    assert "must assign backend = define_backend(...)" in error_of(tmp_path)
