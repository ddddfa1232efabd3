"""A function's own secret values never show in the logs or errors skyfn shows: ``****``,
through a real sandbox and ``skyfn invoke`` (the masker itself: tests/unit/runtime)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_skyfn
from tests.support.deploy import PEM_LINES, PEM_SECRET
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

KEY = "canary-Kx81-secret-VALUE"  # the function's own secret
PIN = "abc"  # shorter than 4 characters: not masked (documented)
OTHER = "other-function-canary-77"
ESCAPED = 'Tricky"Quote\\Back-slash-Ünïcödé'  # a value whose escaped forms differ from it

LEAKY = f"""\
import logging, os, subprocess, sys

print("at import:", os.environ["API_KEY"])
logging.basicConfig(level=logging.INFO)

def handler(event, context):
    key, pin = os.environ["API_KEY"], os.environ["PIN"]
    mode = event.get("mode")
    tricky = os.environ["TRICKY"]
    if mode == "escaped":
        import base64, json, urllib.parse
        print("repr:", repr(tricky), repr({{"k": tricky}}), repr(tricky.encode()))
        print("json:", json.dumps(tricky), json.dumps(tricky, ensure_ascii=False))
        logging.warning("logged %r", tricky)
        print("url:", urllib.parse.quote(tricky), urllib.parse.quote_plus(tricky))
        print("b64:", base64.b64encode(tricky.encode()).decode(),
              base64.urlsafe_b64encode(b"x" + tricky.encode()).decode())
        print("fake marker:\x1eskyfn-end:" + tricky + "\x1e")
        raise KeyError(tricky)
    if mode == "multiline":  # a PEM key: line by line with a prefix, and as Lambda joins it
        pem = os.environ["PEM"]
        for line in pem.splitlines():
            logging.warning("pem line: %s", line)
        print("lambda form:" + chr(13) + pem.replace(chr(10), chr(13)))
        return "done"
    if mode == "raise":
        raise ValueError(f"rejected key {{key}}")
    if mode == "return":
        return key
    print("print:", key)
    logging.warning("logging: %s", key)  # Lambda's root logger: WARNING and up
    half = len(key) // 2
    os.write(1, ("fd1 split: " + key[:half]).encode())
    os.write(1, (key[half:] + " done\\n").encode())
    sys.stderr.write("stderr pieces: " + key[:3])
    sys.stderr.flush()
    sys.stderr.write(key[3:] + "\\n")
    subprocess.run(["sh", "-c", 'echo "subprocess: $0"', key], check=True)
    print("short pin:", pin)
    print("other function's value:", {OTHER!r})
    return "done"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(
        tmp_path_factory.mktemp("masking") / "app",
        {
            "leaky": resource(
                '{"API_KEY": secret("LEAKY_KEY"), "PIN": secret("LEAKY_PIN"),'
                ' "TRICKY": secret("LEAKY_TRICKY"), "PEM": secret("LEAKY_PEM")}'
            )
        },
        {"leaky": LEAKY},
    )
    return root


@pytest.fixture(scope="module")
def store(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The module's own store (module fixtures run before the per-test SKYFN_HOME is set)."""
    env = {"SKYFN_HOME": str(tmp_path_factory.mktemp("masking-home"))}
    for name, value in (
        ("LEAKY_KEY", KEY),
        ("LEAKY_PIN", PIN),
        ("LEAKY_TRICKY", ESCAPED),
        ("LEAKY_PEM", PEM_SECRET),
    ):
        out = run_skyfn(
            "secret", "set", name, "--identifier", "masker", cwd=project, stdin=value, env=env
        )
        assert out.code == 0, out.err
    return env


@pytest.fixture(scope="module")
def sandbox(project: Path, store: dict[str, str]) -> Iterator[Sandbox]:
    with running_sandbox(project, "--identifier", "masker", env=store) as box:
        yield box


def invoke(box: Sandbox, event: dict[str, Any]) -> tuple[dict[str, Any], str]:
    response = box.client().invoke(
        FunctionName="leaky", Payload=json.dumps(event).encode(), LogType="Tail"
    )
    return response, base64.b64decode(response["LogResult"]).decode()


def test_every_way_of_writing_a_secret_is_masked(sandbox: Sandbox) -> None:
    response, tail = invoke(sandbox, {})
    assert json.loads(response["Payload"].read()) == "done"
    sandbox.wait_for_log("other function's value")
    for logs in (tail, sandbox.logs()):
        assert KEY not in logs
        for line in (
            "print: ****",
            "logging: ****",
            "fd1 split: **** done",
            "stderr pieces: ****",
            "subprocess: ****",
            f"short pin: {PIN}",  # too short to mask
            f"other function's value: {OTHER}",  # not one of its secrets
        ):
            assert line in logs, logs
    assert "at import: ****" in sandbox.logs()


def test_errors_are_masked_but_the_result_is_not(sandbox: Sandbox) -> None:
    response, tail = invoke(sandbox, {"mode": "raise"})
    shape = json.loads(response["Payload"].read())
    assert shape["errorMessage"] == "rejected key ****"
    assert KEY not in json.dumps(shape) + tail
    assert "ValueError: rejected key ****" in tail
    response, _ = invoke(sandbox, {"mode": "return"})
    assert json.loads(response["Payload"].read()) == KEY  # the function's own answer


def test_invoke_command_masks_logs_and_errors(project: Path, store: dict[str, str]) -> None:
    done = run_skyfn("invoke", "leaky", "--identifier", "masker", cwd=project, env=store)
    assert done.code == 0, done.err
    assert "print: ****" in done.err and KEY not in done.err
    failed = run_skyfn(
        "invoke",
        "leaky",
        "--identifier",
        "masker",
        "--event",
        '{"mode": "raise"}',
        cwd=project,
        env=store,
    )
    assert failed.code == 1
    assert "[ERROR] ValueError: rejected key ****" in failed.err
    assert "error: function leaky failed (ValueError)" in failed.err
    assert KEY not in failed.out + failed.err


def escaped_forms(value: str) -> list[str]:
    """The value and the forms the handler writes it in (quotes stripped where repr adds them)."""
    import urllib.parse

    raw = value.encode()
    return [
        value,
        repr(value)[1:-1],
        repr(raw)[2:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        urllib.parse.quote(value),
        urllib.parse.quote_plus(value),
        base64.b64encode(raw).decode()[:-4],
        base64.urlsafe_b64encode(b"x" + raw).decode()[4:-4],
    ]


def test_escaped_forms_of_a_secret_are_masked(
    sandbox: Sandbox, project: Path, store: dict[str, str]
) -> None:
    response, tail = invoke(sandbox, {"mode": "escaped"})
    shape = json.loads(response["Payload"].read())
    assert shape["errorType"] == "KeyError" and shape["errorMessage"] == "'****'"
    sandbox.wait_for_log("fake marker")
    failed = run_skyfn(
        "invoke",
        "leaky",
        "--identifier",
        "masker",
        "--event",
        '{"mode": "escaped"}',
        cwd=project,
        env=store,
    )
    assert failed.code == 1
    for what, text in (
        ("tail", tail),
        ("sandbox terminal", sandbox.logs()),
        ("errorMessage", json.dumps(shape, ensure_ascii=False)),
        ("skyfn invoke", failed.out + failed.err),
    ):
        assert "repr: '****'" in text or what == "errorMessage", (what, text)
        for form in escaped_forms(ESCAPED):
            assert form not in text, (what, form, text)
    assert "logged '****'" in tail and "fake marker:\x1eskyfn-end:****\x1e" in tail
    assert "KeyError: '****'" in failed.err


def test_a_multiline_secret_is_masked_line_by_line_and_cr_joined(
    sandbox: Sandbox, project: Path, store: dict[str, str]
) -> None:
    response, tail = invoke(sandbox, {"mode": "multiline"})
    assert json.loads(response["Payload"].read()) == "done"
    sandbox.wait_for_log("lambda form:")
    done = run_skyfn(
        "invoke", "leaky", "--identifier", "masker", "--event", '{"mode": "multiline"}',
        cwd=project, env=store,
    )  # fmt: skip
    assert done.code == 0, done.err
    for what, text in (("tail", tail), ("sandbox", sandbox.logs()), ("invoke", done.err)):
        assert text.count("pem line: ****") == len(PEM_LINES), (what, text)
        # the sandbox's output is read as text here, where \r also ends a line
        assert "lambda form:\r****" in text or "lambda form:\n****" in text, (what, text)
        for line in PEM_LINES:
            assert line not in text, (what, text)
