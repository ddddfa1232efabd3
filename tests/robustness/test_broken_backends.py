"""A corpus of broken backends: each gives one clear message, exit 1, and no traceback.

Every case runs the real CLI (`skyfn synth`) in a subprocess, as a user would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import report
from tests.support.cli import run_skyfn
from tests.support.projects import HANDLER, resource

FN = "backend/functions/hello"
BACKEND = (
    "from skyfn import define_backend\n"
    "from functions.hello.resource import fn\n"
    "backend = define_backend(fn)\n"
)

Files = dict[str, str | bytes]


def env_case(environment: str, **options: object) -> Files:
    return {f"{FN}/resource.py": resource(environment, **options)}


CASES: dict[str, tuple[Files, str]] = {
    # environment keys
    "key-starts-with-digit": (env_case("{'1KEY': 'v'}"), "environment key '1KEY' is not valid"),
    "key-with-dash": (env_case("{'MY-KEY': 'v'}"), "environment key 'MY-KEY' is not valid"),
    "key-with-space": (env_case("{'MY KEY': 'v'}"), "environment key 'MY KEY' is not valid"),
    "unicode-key": (env_case("{'NÄME': 'v'}"), "environment key 'NÄME' is not valid"),
    "one-character-key": (env_case("{'N': 'v'}"), "environment key 'N' is not valid"),
    "empty-key": (env_case("{'': 'v'}"), "environment key '' is not valid"),
    "non-string-key": (env_case("{1: 'v'}"), "environment key 1 is not valid"),
    "reserved-aws-region": (
        env_case("{'AWS_REGION': 'x'}"),
        "AWS_REGION is reserved by AWS Lambda",
    ),
    "reserved-handler": (env_case("{'_HANDLER': 'x'}"), "_HANDLER is reserved by AWS Lambda"),
    "reserved-tz": (env_case("{'TZ': 'UTC'}"), "TZ is reserved by AWS Lambda"),
    "reserved-function-name": (
        env_case("{'AWS_LAMBDA_FUNCTION_NAME': 'x'}"),
        "AWS_LAMBDA_FUNCTION_NAME is reserved by AWS Lambda",
    ),
    "python-keyword-key": (env_case("{'or': 'v'}"), "environment key or is a Python keyword"),
    "shadowing-key": (env_case("{'property': 'v'}"), "environment key property is a Python"),
    "reserved-skyfn-prefix": (env_case("{'SKYFN_X': 'x'}"), "SKYFN_X starts with SKYFN_"),
    # environment values
    "list-value": (env_case("{'VAL': [1]}"), "environment VAL is a list"),
    "dict-value": (env_case("{'VAL': {}}"), "environment VAL is a dict"),
    "bytes-value": (env_case("{'VAL': b'x'}"), "environment VAL is a bytes"),
    "object-value": (env_case("{'VAL': object()}"), "environment VAL is a object"),
    "tuple-value": (env_case("{'VAL': (1, 2)}"), "environment VAL is a tuple"),
    "none-value": (env_case("{'VAL': None}"), "environment VAL is not set (synth for sandbox"),
    "unset-os-environ": (
        env_case("{'VAL': os.environ.get('SKYFN_CORPUS_UNSET')}"),
        "environment VAL is not set (synth for sandbox",
    ),
    "nul-in-value": (env_case("{'VAL': 'a\\x00b'}"), "environment VAL contains a NUL character"),
    "surrogate-in-value": (
        env_case("{'VAL': 'a\\ud800b'}"),
        "environment VAL contains a NUL character or text",
    ),
    "over-4kb": (env_case("{'BIG': 'x' * 5000}"), "Lambda's limit is 4096 bytes"),
    "ten-thousand-variables": (
        env_case("{f'K{i}': str(i) for i in range(10000)}"),
        "Lambda's limit is 4096 bytes",
    ),
    "bad-secret-name-slash": (
        env_case("{'SEC': secret('a/b')}"),
        "secret name 'a/b' is not valid",
    ),
    "bad-secret-name-dotdot": (
        env_case("{'SEC': secret('..')}"),
        "secret name '..' is not valid",
    ),
    # timeout and memory
    "timeout-zero": (env_case("{}", timeout_seconds=0), "timeout_seconds is 0"),
    "timeout-too-long": (env_case("{}", timeout_seconds=901), "timeout_seconds is 901"),
    "timeout-float": (
        env_case("{}", timeout_seconds=1.5),
        "timeout_seconds must be a whole number",
    ),
    "timeout-string": (
        env_case("{}", timeout_seconds="3"),
        "timeout_seconds must be a whole number",
    ),
    "timeout-bool": (
        env_case("{}", timeout_seconds=True),
        "timeout_seconds must be a whole number",
    ),
    "memory-too-small": (env_case("{}", memory_mb=64), "memory_mb is 64"),
    "memory-too-large": (env_case("{}", memory_mb=20000), "memory_mb is 20000"),
    "memory-none": (env_case("{}", memory_mb=None), "memory_mb must be a whole number"),
    # names
    "name-starts-with-digit": (env_case("{}", name="1bad"), "function 1bad: name must start"),
    "name-with-space": (env_case("{}", name="my fn"), "function my fn: name must start"),
    "name-keyword": (env_case("{}", name="class"), "name 'class' is a Python keyword"),
    "duplicate-names": (
        {
            f"{FN}/resource.py": resource("{}", name="same"),
            "backend/functions/other/resource.py": resource("{}", name="same"),
            "backend/functions/other/handler.py": HANDLER,
            "backend/backend.py": (
                "from skyfn import define_backend\n"
                "from functions.hello.resource import fn\n"
                "from functions.other.resource import fn as fn2\n"
                "backend = define_backend(fn, fn2)\n"
            ),
        },
        "function same: defined twice",
    ),
    "module-collision": (
        {
            f"{FN}/resource.py": resource("{}", name="a-b"),
            "backend/functions/other/resource.py": resource("{}", name="a_b"),
            "backend/functions/other/handler.py": HANDLER,
            "backend/backend.py": (
                "from skyfn import define_backend\n"
                "from functions.hello.resource import fn\n"
                "from functions.other.resource import fn as fn2\n"
                "backend = define_backend(fn, fn2)\n"
            ),
        },
        "collides with function a-b",
    ),
    # handler files
    "missing-handler-file": ({f"{FN}/handler.py": ""}, "does not exist; create it or fix entry="),
    "handler-without-handler": (
        {f"{FN}/handler.py": "def main(event, context):\n    return 1\n"},
        "has no handler function",
    ),
    "handler-not-callable": ({f"{FN}/handler.py": "handler = 42\n"}, "not callable"),
    "handler-string": ({f"{FN}/handler.py": "handler = 'handler'\n"}, "not callable"),
    "handler-syntax-error": ({f"{FN}/handler.py": "def handler(:\n"}, "SyntaxError"),
    "handler-not-utf8": ({f"{FN}/handler.py": b"x = '\xff\xfe'\n"}, "handler file handler.py"),
    "entry-outside-folder": (env_case("{}", entry="../x.py"), "is outside the function's folder"),
    "entry-not-python": (env_case("{}", entry="handler.js"), "entry must be a .py file"),
    # resource and backend files
    "resource-raises": (
        {f"{FN}/resource.py": "raise RuntimeError('boom')\n"},
        "RuntimeError: boom",
    ),
    "resource-missing-module": (
        {f"{FN}/resource.py": "import not_a_module_anywhere\n"},
        "ModuleNotFoundError: No module named 'not_a_module_anywhere'",
    ),
    "resource-syntax-error": ({f"{FN}/resource.py": "fn = (\n"}, "SyntaxError"),
    "resource-not-utf8": ({f"{FN}/resource.py": b"x = '\xff'\n"}, "resource.py"),
    "resource-sys-exit": ({f"{FN}/resource.py": "import sys\nsys.exit(3)\n"}, "SystemExit: 3"),
    "resource-name-error": ({f"{FN}/resource.py": "fn = undefined_name\n"}, "NameError"),
    "circular-import": (
        {
            f"{FN}/resource.py": "from functions.hello.other import X\nfn = X\n",
            f"{FN}/other.py": "from functions.hello.resource import fn\nX = fn\n",
        },
        "ImportError: cannot import name",
    ),
    "backend-without-backend": ({"backend/backend.py": "x = 1\n"}, "must assign backend"),
    "backend-wrong-type": ({"backend/backend.py": "backend = [1]\n"}, "found list"),
    "backend-non-function-argument": (
        {"backend/backend.py": "from skyfn import define_backend\nbackend = define_backend('x')\n"},
        "define_backend argument 1 is str",
    ),
    "no-backend-file": ({"backend/backend.py": ""}, "no backend/backend.py found"),
    # project settings
    "invalid-pyproject": ({"pyproject.toml": "[tool.skyfn\n"}, "pyproject.toml is not valid TOML"),
    "invalid-app-id": (
        {"pyproject.toml": '[tool.skyfn]\napp_id = "Bad App"\n'},
        "app id 'Bad App'",
    ),
}


def materialise(root: Path, files: Files) -> None:
    base: Files = {
        "pyproject.toml": '[tool.skyfn]\napp_id = "corpus"\n',
        "backend/backend.py": BACKEND,
        f"{FN}/resource.py": resource("{}"),
        f"{FN}/handler.py": HANDLER,
    }
    for relative, content in (base | files).items():
        path = root / relative
        if content == "":  # an empty entry means: this file does not exist
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_backend_gives_one_clear_error(tmp_path: Path, case: str) -> None:
    files, expected = CASES[case]
    materialise(tmp_path, files)
    result = run_skyfn("synth", cwd=tmp_path)
    lines = result.err.strip().splitlines()
    clean = result.code == 1 and len(lines) == 1 and "Traceback" not in result.err + result.out
    report.add("bad inputs", tried=1, crashes=0 if clean else 1)
    assert result.code == 1, result.out
    assert "Traceback" not in result.err + result.out
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert expected in lines[0]
    assert not (tmp_path / ".skyfn").exists()
