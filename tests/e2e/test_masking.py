"""A function's own secret values never show in the logs or errors skyfn shows: ``****``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfn.runtime.masking import FLUSH_AT, MaskedStream, Masker
from skyfn.runtime.worker import log_marker
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

KEY = "canary-Kx81-secret-VALUE"  # the function's own secret
PIN = "abc"  # shorter than 4 characters: not masked (documented)
OTHER = "other-function-canary-77"

LEAKY = f"""\
import logging, os, subprocess, sys

print("at import:", os.environ["API_KEY"])
logging.basicConfig(level=logging.INFO)

def handler(event, context):
    key, pin = os.environ["API_KEY"], os.environ["PIN"]
    mode = event.get("mode")
    if mode == "raise":
        raise ValueError(f"rejected key {{key}}")
    if mode == "return":
        return key
    print("print:", key)
    logging.info("logging: %s", key)
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
        {"leaky": resource('{"API_KEY": secret("LEAKY_KEY"), "PIN": secret("LEAKY_PIN")}')},
        {"leaky": LEAKY},
    )
    return root


@pytest.fixture(scope="module")
def store(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The module's own store (module fixtures run before the per-test SKYFN_HOME is set)."""
    env = {"SKYFN_HOME": str(tmp_path_factory.mktemp("masking-home"))}
    for name, value in (("LEAKY_KEY", KEY), ("LEAKY_PIN", PIN)):
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
    assert "failed: ValueError: rejected key ****" in failed.err
    assert KEY not in failed.out + failed.err


@settings(max_examples=500, deadline=None)
@given(
    values=st.lists(st.text("ab\n\r0é", min_size=1, max_size=12), min_size=1, max_size=3)
    | st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3),
    text=st.text("ab\n0*") | st.text(max_size=200),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
)
def test_masked_stream_never_lets_a_value_through(
    values: list[str], text: str, cuts: list[int]
) -> None:
    masker = Masker(values)
    data = (text + "".join(v + text[:3] for v in values) + "\n").encode()
    stream = MaskedStream(masker)
    out = b""
    previous = 0
    for cut in sorted({min(c, len(data)) for c in cuts}):
        out += stream.feed(data[previous:cut])
        previous = cut
    out += stream.feed(data[previous:]) + stream.finish()
    assert out == masker.lines(data)  # the same as masking all of it at once
    for value in values:
        if len(value) >= 4:
            assert value.encode() not in out.replace(b"****", b"\x00")


def test_masker_keeps_markers_and_passes_long_lines_on() -> None:
    masker = Masker(["skyfn-end", "secret-value"])
    marker = log_marker("1234").encode()
    assert masker.lines(b"skyfn-end secret-value" + marker + b"\n") == b"**** ****" + marker + b"\n"
    stream = MaskedStream(masker)
    out = stream.feed(b"x" * FLUSH_AT + b"secret-")
    assert len(out) >= FLUSH_AT - len("secret-value")  # a long line does not wait for its end
    out += stream.feed(b"value") + stream.finish()
    assert out == b"x" * FLUSH_AT + b"****"
