"""Definitions + scope → model. Every validation rule lives here, applied once."""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from pathlib import Path

from skyfn import scope as scopes
from skyfn.definition import (
    DEFAULT,
    BackendDefinition,
    External,
    FunctionDefinition,
    Secret,
    Vault,
)
from skyfn.errors import DefinitionError, SkyfnError
from skyfn.function_refs import FunctionRef
from skyfn.model import EnvValue, Function, FunctionReference, Model, Scope, SecretRef
from skyfn.runtime import contract, lambda_platform
from skyfn.runtime.stores import StoreName
from skyfn.synth import layers, permissions, references, rules, urls
from skyfn.synth import schedules as function_schedules
from skyfn.synth import settings as function_settings
from skyfn.synth.entries import check_entry
from skyfn.synth.external import external_ref
from skyfn.synth.realpaths import Resolver
from skyfn.synth.vault import vault_ref


class _Problems:
    """Collects the problems of one function, each line naming it."""

    def __init__(self, problems: list[str], where: str) -> None:
        self._problems = problems
        self._where = where
        self.count = 0

    def __call__(self, text: str) -> None:
        self._problems.append(f"{self._where}: {text}")
        self.count += 1


def build_model(
    backend: BackendDefinition,
    *,
    app_id: str,
    scope: Scope,
    project_root: Path,
    secret_store: StoreName,
    secret_max_age: int | None = contract.DEFAULT_MAX_AGE,
) -> Model:
    """Validate every function and return the model; all problems are raised together.

    ``secret_max_age``: the project's default ``max_age`` of a secret (``[tool.skyfn]``)."""
    problems: list[str] = []
    functions: list[Function] = []
    known = references.known_names(backend)
    resolver = Resolver()  # the function folders, each resolved once
    for index, item in enumerate(backend.functions):
        if not isinstance(item, FunctionDefinition):
            problems.append(
                f"define_backend argument {index + 1} is {type(item).__name__}, "
                "not a function from define_function(...)"
            )
            continue
        built = _build_function(
            item, app_id, scope, secret_store, secret_max_age, problems, known, resolver
        )
        if built is not None:
            functions.append(built)
    problems.extend(_collisions(functions))
    problems.extend(urls.collisions([(f.name, f.url) for f in functions]))
    defined = layers.layers(backend, project_root, functions, problems)
    if problems:
        raise DefinitionError("\n".join(problems))
    functions.sort(key=lambda f: f.name)
    return Model(app_id, scope, project_root, tuple(functions), secret_store, defined)


def _build_function(
    d: FunctionDefinition,
    app_id: str,
    scope: Scope,
    store: StoreName,
    max_age: int | None,
    problems: list[str],
    known: frozenset[str] = frozenset(),
    resolver: Resolver | None = None,
) -> Function | None:
    name = references.definition_name(d)
    problem = _Problems(problems, f"function {name}")
    if not _check_name(name, problem):
        return None
    assert isinstance(name, str)
    handler = check_entry(d, problem, resolver)
    _check_int(
        d.timeout_seconds, "timeout_seconds", lambda_platform.TIMEOUT_RANGE, "seconds", problem
    )
    _check_int(d.memory_mb, "memory_mb", lambda_platform.MEMORY_RANGE, "MB", problem)
    runtime = _check_runtime(d.runtime, problem)
    log_format = _check_log_format(d.log_format, problem)
    log_level = _check_log_level(d.log_level, problem)
    _check_level_needs_json(log_level, log_format, problem)
    grants = permissions.grants(d.permissions, problem)
    options = function_settings.settings(
        d.architecture,
        d.ephemeral_storage_mb,
        d.layers,
        d.log_retention_days,
        d.reserved_concurrency,
        problem,
    )
    timers = function_schedules.schedules(d.schedule, d.timeout_seconds, problem)
    function_url = urls.url(d.url, name, problem)
    environment: list[EnvValue] = []
    secrets: list[SecretRef] = []
    refs: list[FunctionReference] = []
    for key, value in d.environment.items():
        item = _environment_item(key, value, app_id, scope, max_age, problem, known)
        if isinstance(item, SecretRef):
            secrets.append(item)
        elif isinstance(item, FunctionReference):
            refs.append(item)
        elif item is not None:
            environment.append(item)
    if problem.count or handler is None:
        return None
    assert isinstance(d.timeout_seconds, int) and isinstance(d.memory_mb, int)
    function = Function(
        name=name,
        module_name=name.replace("-", "_"),
        directory=d.resource_file.parent,
        handler=handler,
        timeout_seconds=d.timeout_seconds,
        memory_mb=d.memory_mb,
        environment=tuple(sorted(environment, key=lambda e: e.key)),
        secrets=tuple(sorted(secrets, key=lambda s: s.key)),
        scope=scope,
        secret_store=store,
        runtime=runtime,
        log_format=log_format,
        log_level=log_level,
        grants=grants,
        settings=options,
        references=tuple(sorted(refs, key=lambda r: r.key)),
        schedules=timers,
        url=function_url,
    )
    return function if _check_size(function.deployed_environment, problem) else None


def _check_name(name: object, problem: _Problems) -> bool:
    if not isinstance(name, str) or not lambda_platform.FUNCTION_NAME.fullmatch(name):
        problem(
            "name must start with a letter and hold only letters, digits, '-' and '_' "
            "(at most 64 characters)"
        )
        return False
    if keyword.iskeyword(name.replace("-", "_")):
        problem(f"name {name!r} is a Python keyword; pick another name")
        return False
    return True


def _environment_item(
    key: object,
    value: object,
    app_id: str,
    scope: Scope,
    max_age: int | None,
    problem: _Problems,
    known: frozenset[str] = frozenset(),
) -> EnvValue | SecretRef | FunctionReference | None:
    """One entry of ``environment=``: a secret reference, a plain value, or a problem."""
    wrong = rules.env_key_problem(key)
    if wrong is not None:
        problem(wrong)
        return None
    assert isinstance(key, str)
    if isinstance(value, Secret):
        return _secret_ref(key, value, app_id, scope, max_age, problem)
    if isinstance(value, External):
        ref = external_ref(key, value, max_age)
        if isinstance(ref, str):
            problem(f"environment {key}: {ref}")
            return None
        return ref
    if isinstance(value, Vault):
        found = vault_ref(key, value, app_id, scope, max_age)
        if isinstance(found, str):
            problem(f"environment {key}: {found}")
            return None
        return found
    if isinstance(value, FunctionRef):
        reference = references.resolve(key, value, known, app_id, scope)
        if isinstance(reference, str):
            problem(reference)
            return None
        return reference
    return _plain_value(key, value, scope, problem)


def _secret_ref(
    key: str, value: Secret, app_id: str, scope: Scope, max_age: int | None, problem: _Problems
) -> SecretRef | None:
    try:
        scopes.check_secret_name(value.name)
    except SkyfnError as exc:
        problem(f"environment {key}: {exc}")
        return None
    if value.description is not None and not isinstance(value.description, str):
        problem(f"environment {key}: secret description must be a string")
        return None
    if value.pattern is not None:
        try:
            if not isinstance(value.pattern, str):
                raise TypeError("not a string")
            re.compile(value.pattern)
        except (re.error, TypeError) as exc:
            problem(f"environment {key}: secret pattern is not a valid regular expression: {exc}")
            return None
    age = max_age if value.max_age == DEFAULT else value.max_age
    wrong = rules.max_age_problem(age) or rules.version_problem(value.version)
    if wrong is None and value.version is not None and value.max_age != DEFAULT:
        wrong = "a pinned version never changes; drop max_age or version"
    if wrong is not None:
        problem(f"environment {key}: secret {value.name}: {wrong}")
        return None
    assert (age is None or isinstance(age, int)) and (
        value.version is None or isinstance(value.version, int)
    )
    paths = scopes.lookup_paths(app_id, scope, value.name)
    return SecretRef(
        key,
        value.name,
        paths,
        description=value.description,
        pattern=value.pattern,
        max_age=age,
        version=value.version,
    )


def _plain_value(key: str, value: object, scope: Scope, problem: _Problems) -> EnvValue | None:
    if value is None:
        problem(
            f"environment {key} is not set (synth for {scope.label}); "
            "export it before synth or give a default"
        )
        return None
    if not isinstance(value, str | int | float | bool):
        problem(
            f"environment {key} is a {type(value).__name__}; values must be str, int, "
            "float or bool (use json.dumps(...) for structured data, secret(...) for secrets)"
        )
        return None
    if isinstance(value, str) and not _is_environment_safe(value):
        problem(
            f"environment {key} contains a NUL character or text that is not valid "
            "UTF-8, which no process environment accepts"
        )
        return None
    return EnvValue(key=key, value=value)


def _check_size(deployed: Sequence[tuple[str, str]], problem: _Problems) -> bool:
    size = sum(len(k.encode()) + len(v.encode()) for k, v in deployed)
    limit = lambda_platform.ENV_SIZE_LIMIT
    if size > limit:
        problem(
            f"environment is {size} bytes as deployed (keys and values, secret placeholders "
            f"and skyfn's own variables included); Lambda's limit is {limit} "
            "bytes. Move large values into secrets, files or fewer variables"
        )
        return False
    return True


def _is_environment_safe(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _check_int(
    value: object, field: str, bounds: tuple[int, int], unit: str, problem: _Problems
) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        problem(f"{field} must be a whole number of {unit} from {low} to {high}, got {value!r}")
    elif not low <= value <= high:
        problem(f"{field} is {value}; it must be from {low} to {high} {unit}")


def _check_runtime(value: object, problem: _Problems) -> str:
    if value is None:
        return lambda_platform.RUNTIME
    if value not in lambda_platform.RUNTIMES:
        problem(f"runtime {value!r} is not one of {', '.join(lambda_platform.RUNTIMES)}")
        return lambda_platform.RUNTIME
    return str(value)


def _check_log_format(value: object, problem: _Problems) -> str | None:
    """Lambda's ``LogFormat``, in its own spelling (``"json"`` → ``"JSON"``)."""
    if value is None:
        return None
    spelled = {f.upper(): f for f in lambda_platform.LOG_FORMATS}
    if not isinstance(value, str) or value.upper() not in spelled:
        problem(f"log_format {value!r} is not one of {', '.join(lambda_platform.LOG_FORMATS)}")
        return None
    return spelled[value.upper()]


def _check_log_level(value: object, problem: _Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in lambda_platform.LOG_LEVELS:
        problem(f"log_level {value!r} is not one of {', '.join(lambda_platform.LOG_LEVELS)}")
        return None
    return value.upper()


def _check_level_needs_json(level: str | None, log_format: str | None, problem: _Problems) -> None:
    if level is not None and log_format != "JSON":
        problem(f'log_level={level!r} needs log_format="JSON" (Lambda\'s rule); add it')


def _collisions(functions: Sequence[Function]) -> list[str]:
    problems: list[str] = []
    by_name: dict[str, Function] = {}
    by_module: dict[str, Function] = {}
    for f in functions:
        if f.name in by_name:
            problems.append(
                f"function {f.name}: defined twice ({by_name[f.name].directory} and "
                f"{f.directory}); give one a different name="
            )
            continue
        other = by_module.get(f.module_name)
        if other is not None:
            problems.append(
                f"function {f.name}: its env module skyfn_env.{f.module_name} collides with "
                f"function {other.name}; rename one of them"
            )
        by_name[f.name] = f
        by_module[f.module_name] = f
    return problems
