"""The project a generated backend describes, on disk: ``pyproject.toml``, the wheels of its
packages and layers, the shared code in each import style, each function's ``resource.py``,
handler and ``requirements.txt``, ``backend.py`` and the ``.env`` files.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.backends.answers import ANSWER
from tests.support.backends.layers import PACKAGES, listed_layers
from tests.support.backends.python_source import call, python_value
from tests.support.backends.spec import (
    OMIT,
    AwsSecretUse,
    Backend,
    DotenvUse,
    FunctionRefUse,
    FunctionSpec,
    SecretUse,
    SsmParameterUse,
    Use,
    VaultUse,
)
from tests.support.backends.triggers import URLS
from tests.support.projects import write
from tests.support.wheels import build_wheel


def _shared_files(backend: Backend) -> tuple[dict[str, str], str]:
    """The files under ``backend/`` the handlers import, and the import line they use."""
    lib = backend.shared_name
    kind = backend.shared_code
    if kind == "inline":
        return {}, ""
    if kind == "module":
        return {f"{lib}.py": ANSWER}, f"from {lib} import answer"
    if kind == "package":
        return (
            {f"{lib}/__init__.py": "", f"{lib}/digest.py": ANSWER},
            f"import {lib}.digest\nanswer = {lib}.digest.answer",
        )
    if kind == "relative":
        return (
            {f"{lib}/__init__.py": "from .digest import answer\n", f"{lib}/digest.py": ANSWER},
            f"from {lib} import answer",
        )
    return (  # transitive: the handler's module imports another module of backend/
        {
            f"{lib}/__init__.py": "",
            f"{lib}/api.py": f"from {lib}_core.impl import answer\n",
            f"{lib}_core/__init__.py": "",
            f"{lib}_core/impl.py": ANSWER,
        },
        f"from {lib}.api import answer",
    )


def _expression(backend: Backend, use: Use) -> str:
    if isinstance(use, SecretUse):
        pattern = backend.secret(use.secret).pattern if use.pattern else OMIT
        return call(
            "secret",
            repr(use.secret),
            description=use.description,
            pattern=pattern,
            max_age=use.max_age,
            version=use.version,
        )
    if isinstance(use, AwsSecretUse):
        sm = backend.sm_secret(use.secret)
        reference = backend.arns[sm.name] if sm.by_arn else sm.name
        return call(
            "aws_secret",
            repr(reference),
            key=use.key if use.key is not None else OMIT,
            version_stage=use.version_stage or OMIT,
            version_id=sm.ids[use.version_id] if use.version_id is not None else OMIT,
            description=use.description,
            max_age=use.max_age,
        )
    if isinstance(use, SsmParameterUse):
        return call(
            "ssm_parameter",
            repr(use.parameter),
            version=use.version,
            description=use.description,
            max_age=use.max_age,
        )
    if isinstance(use, DotenvUse):
        default = "" if use.default is None else f", {use.default!r}"
        return f"os.environ.get({use.var!r}{default})"
    if isinstance(use, VaultUse):
        return call(
            "vault_secret",
            repr(use.path),
            key=use.key,
            mount=use.mount,
            description=use.description,
            max_age=use.max_age,
            version=use.version,
        )
    if isinstance(use, FunctionRefUse):
        return (
            f"function_ref(_ref_{use.folder})"
            if use.by_object
            else call("function_ref", repr(use.target))
        )
    return python_value(use)


_IMPORTS = (
    "import os\n"
    "from skyfn import (\n"
    "    Cors, FunctionUrl, Schedule, allow, aws_secret, define_function, dynamodb_table,\n"
    "    event_bus,\n"
    "    function_ref, s3_bucket, secret, sns_topic, sqs_queue, ssm_parameter, vault_secret,\n"
    ")\n"
)


def _resource(backend: Backend, spec: FunctionSpec) -> str:
    lines = [f"        {key!r}: {_expression(backend, use)}," for key, use in spec.environment]
    options = {
        "name": spec.name if spec.name is not None else OMIT,
        "entry": spec.entry if spec.entry is not None else OMIT,
        "timeout_seconds": spec.timeout,
        "memory_mb": spec.memory,
        "runtime": spec.runtime,
        "log_format": spec.log_format,
        "log_level": spec.log_level,
        "schedule": spec.schedule,
        "architecture": spec.architecture,
        "ephemeral_storage_mb": spec.ephemeral_storage_mb,
        "layers": spec.layers,
        "log_retention_days": spec.log_retention_days,
    }
    given = "".join(f"    {k}={python_value(v)},\n" for k, v in options.items() if v is not OMIT)
    if spec.permissions:
        given += "    permissions=[\n" + "".join(f"        {p},\n" for p in spec.permissions)
        given += "    ],\n"
    if spec.url is not OMIT:
        given += f"    url={URLS[spec.url]},\n"
    refs = sorted(
        {u.folder for _, u in spec.environment if isinstance(u, FunctionRefUse) and u.by_object}
    )
    imports = "".join(f"from functions.{f}.resource import fn as _ref_{f}\n" for f in refs)
    return (
        _IMPORTS + imports + "\n"
        "fn = define_function(\n"
        f"{given}"
        "    environment={\n" + "\n".join(lines) + "\n    },\n)\n"
    )


def _handler(backend: Backend, spec: FunctionSpec, import_line: str) -> str:
    head = ANSWER if not import_line else import_line + "\n"
    # a defined layer's package: importable wherever the function runs (else the cold start
    # fails: Runtime.ImportModuleError), locally and deployed
    layered = "".join(f"import {layer.package}\n" for layer in listed_layers(backend, spec))
    return (
        f"{head}\n{layered}from skyfn_env.{spec.module} import env\n\n"
        f"KEYS = {spec.keys!r}\n\n\n"
        "def handler(event, context):\n"
        "    return answer(env, KEYS)\n"
    )


def write_project(root: Path, backend: Backend) -> Path:
    settings = [f'app_id = "{backend.app_id}"']
    if backend.sandbox_store is not OMIT:
        settings.append(f'secret_store = "{backend.sandbox_store}"')
    if backend.secret_max_age is not OMIT:
        settings.append(f"secret_max_age = {json.dumps(backend.secret_max_age)}")
    settings.append('index_url = "wheels"')  # function packages and layers alike
    write(root / "pyproject.toml", "[tool.skyfn]\n" + "\n".join(settings) + "\n")
    for name in PACKAGES:
        build_wheel(root / "wheels", name, "1.0")
    definitions = []
    for index, layer in enumerate(backend.layers):
        build_wheel(root / "wheels", layer.package.replace("_", "-"), "1.0")
        write(root / layer.path, f"{layer.package.replace('_', '-')}==1.0\n")
        given = "" if layer.requirements is OMIT else f", requirements={layer.requirements!r}"
        definitions.append(f"layer_{index} = define_layer({layer.name!r}{given})")
    shared, import_line = _shared_files(backend)
    for path, text in shared.items():
        write(root / "backend" / path, text)
    imports = []
    for index, spec in enumerate(backend.functions):
        folder = root / "backend" / "functions" / spec.folder
        write(folder / "resource.py", _resource(backend, spec))
        write(folder / (spec.entry or "handler.py"), _handler(backend, spec, import_line))
        if spec.packages:
            handler_folder = (folder / (spec.entry or "handler.py")).parent
            write(
                handler_folder / "requirements.txt", "".join(f"{p}==1.0\n" for p in spec.packages)
            )
        imports.append(f"from functions.{spec.folder}.resource import fn as fn_{index}")
    names = ", ".join(
        [f"fn_{i}" for i in range(len(backend.functions))]
        + [f"layer_{i}" for i in range(len(backend.layers))]
    )
    write(
        root / "backend" / "backend.py",
        "from skyfn import define_backend, define_layer\n"
        + "\n".join([*imports, *definitions])
        + f"\n\nbackend = define_backend({names})\n",
    )
    files: dict[str, list[str]] = {}
    for var in backend.dotenv:
        for file, line, _ in var.files:
            files.setdefault(file, []).append(line)
    for file, lines in files.items():
        (root / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
