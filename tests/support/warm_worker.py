"""One warm local function instance, driven directly: ``skyfn.runtime.worker`` started with
the environment skyfn's host builds for it, invoked over its pipes, its logs in a file.

For tests that need the same instance across invocations (a sandbox may replace it)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skyfn.host import environment
from skyfn.model import Model
from skyfn.runtime import protocol


class WarmWorker:
    def __init__(self, proc: subprocess.Popen[bytes], requests: int, answers: int, log: Path):
        self.proc = proc
        self._requests = os.fdopen(requests, "wb")
        self._answers = os.fdopen(answers, "rb")
        self.log = log
        self._count = 0
        first = protocol.decode_answer(self._answers.readline())
        assert first.kind == protocol.READY, (first, self.logs())

    def invoke(self, event: Any = None) -> Any:
        self._count += 1
        message = protocol.request(f"r{self._count}", event or {}, 2**62, "arn:fn")
        self._requests.write(protocol.encode(message))
        self._requests.flush()
        answer = protocol.decode_answer(self._answers.readline())
        assert answer.kind == protocol.RESULT, (answer, self.logs())
        return json.loads(answer.payload)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        self._requests.close()
        self.proc.wait(timeout=30)
        self._answers.close()


@contextmanager
def warm_worker(model: Model, name: str, environ: Mapping[str, str]) -> Iterator[WarmWorker]:
    function = model.function(name)
    assert function is not None
    built = environment.build(model, function, environment.HostOptions(), environ)
    assert built.handover is None, "for stores the worker reads itself"
    requests_read, requests_write = os.pipe()
    answers_read, answers_write = os.pipe()
    log = model.project_root / f"{name}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [
                built.python,
                "-S",
                "-m",
                "skyfn.runtime.worker",
                str(requests_read),
                str(answers_write),
                "",
                os.pathsep.join(built.site_dirs),
            ],
            env=built.variables,
            cwd=function.directory,
            stdout=sink,
            stderr=subprocess.STDOUT,
            pass_fds=(requests_read, answers_write),
        )
    os.close(requests_read)
    os.close(answers_write)
    try:
        worker = WarmWorker(proc, requests_write, answers_read, log)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    try:
        yield worker
    finally:
        worker.close()
