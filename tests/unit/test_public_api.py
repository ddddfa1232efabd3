"""What users may import is pinned: changing it is a deliberate, visible act."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import skyfn
import skyfn.runtime
from skyfn.model import Function, Scope
from skyfn.synth.envgen import render_env_module


def test_the_definition_api_is_pinned() -> None:
    assert sorted(skyfn.__all__) == [
        "Cors",
        "DefinitionError",
        "FunctionUrl",
        "Schedule",
        "SkyfnError",
        "__version__",
        "allow",
        "aws_secret",
        "define_backend",
        "define_function",
        "define_layer",
        "dynamodb_table",
        "event_bus",
        "function_ref",
        "s3_bucket",
        "secret",
        "sns_topic",
        "sqs_queue",
        "ssm_parameter",
        "vault_secret",
    ]
    for name in skyfn.__all__:
        assert getattr(skyfn, name) is not None


def test_the_runtime_api_is_pinned_and_holds_what_generated_modules_import() -> None:
    assert sorted(skyfn.runtime.__all__) == [
        "ColdStartError",
        "EnvReader",
        "InvalidEnvironmentValue",
        "LambdaContext",
        "MissingEnvironmentVariable",
        "SecretNotFound",
        "SecretStoreError",
        "SkyfnRuntimeError",
        "UnresolvedSecret",
        "refresh_secrets",
    ]
    source = render_env_module(
        Function(
            "fn", "fn", Path("."), "handler.handler", 3, 128, (), (), Scope("branch", "b"), "ssm"
        )
    )
    imported = [
        alias.name
        for node in ast.parse(source).body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("skyfn")
        for alias in node.names
    ]
    assert imported and set(imported) <= set(skyfn.runtime.__all__)
    for name in skyfn.runtime.__all__:
        assert getattr(skyfn.runtime, name) is not None


def test_runtime_errors_share_one_root_and_keep_their_builtin_kinds() -> None:
    from skyfn.runtime import errors

    for name in ("ColdStartError", "SecretStoreError", "SecretNotFound", "UnresolvedSecret"):
        assert issubclass(getattr(errors, name), errors.SkyfnRuntimeError)
    assert issubclass(errors.MissingEnvironmentVariable, LookupError)
    assert issubclass(errors.InvalidEnvironmentValue, ValueError)
    assert not issubclass(errors.SkyfnRuntimeError, skyfn.SkyfnError)  # two separate trees


def test_internal_packages_say_so() -> None:
    for package in ("synth", "host", "deploy", "secrets", "cli"):
        module = importlib.import_module(f"skyfn.{package}")
        assert (module.__doc__ or "").startswith("Internal (not a public API)"), package
