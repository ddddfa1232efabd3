"""The host: a pool of workers per function of the current model, and the one place that
turns the model into worker environments."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from skyfn.errors import SkyfnError
from skyfn.host import environment, layer_folders, task_root
from skyfn.host.callers import Callers
from skyfn.host.environment import HostOptions, Overrides, WorkerEnvironment
from skyfn.host.event_queue import EventQueue, QueuedEvent, runners_for
from skyfn.host.fork_server import ForkServers
from skyfn.host.logs import LogBuffer, LogSink
from skyfn.host.outcome import Outcome
from skyfn.host.package_hint import missing_package
from skyfn.host.pool import FunctionPool
from skyfn.host.process import WorkerProcess
from skyfn.host.reaper import Reaper
from skyfn.host.runtime_folder import runtime_folder
from skyfn.model import Function, Model
from skyfn.project import backend_dir
from skyfn.runtime.lambda_platform import function_arn
from skyfn.runtime.stores import AWS_STORES
from skyfn.synth.requirements import resolved

AWS = frozenset(AWS_STORES)


class UnknownFunction(SkyfnError):
    def __init__(self, name: str, model: Model) -> None:
        known = ", ".join(f.name for f in model.functions) or "none"
        # the folder (say_hello) is a common guess for the name (say-hello)
        alike = [f.name for f in model.functions if name in (f.module_name, f.directory.name)]
        hint = f"; did you mean {alike[0]}?" if alike else ""
        super().__init__(f"no function named {name!r} in this backend (functions: {known}){hint}")
        self.name = name


class Host:
    """Serves a model's functions: one ``FunctionPool`` per function, kept in step with the
    model by ``update`` (a reload), plus ``Event`` invocations queued per function
    (``EventQueue``: bounded, run by threads of their own, fewer than the workers).

    ``_lock`` guards ``_pools`` (replaced as a whole by ``update``), writes of ``model``
    (made together with ``_pools``, so a name found in ``_pools`` is one of ``model``'s),
    ``_events`` (each function's queue, made on its first event) and ``_closed``; no queue
    method is called under it either. ``model`` is a frozen
    value replaced atomically, so ``_environment`` reads it unlocked: a worker started during
    a reload gets the old model's or the new one's environment, each consistent (restarted
    functions are recycled after the swap, so they start again on the new one). No pool
    method is called under ``_lock``: recycling, closing and invoking block, and a pool's own
    condition is never taken while ``_lock`` is held (``_environment`` runs under a pool's
    condition and takes no lock). ``update`` assumes one caller at a time (the watcher).

    ``_roots`` (function name -> task root, replaced as a whole with ``model``) holds each
    function's files as they were when its model was accepted (``task_root.stage``): every
    worker starts from them, so after a reload that failed, new workers run the last good
    files as warm ones do. A function whose files' contents changed is restarted, one whose
    file set does not hold the edited file is not. ``_packages`` (function name -> the
    requirements it resolves, ``requirements.resolved``) likewise: an edit of the shared
    ``backend/requirements.txt`` restarts the functions without a file of their own, whose
    next workers get the packages of the new file.
    """

    def __init__(
        self,
        model: Model,
        options: HostOptions,
        sink: LogSink,
        environ: Mapping[str, str] | None = None,
        hints: bool = False,
    ) -> None:
        """``hints``: after a failed call, log what to do about it where skyfn knows (which
        ``requirements.txt`` a package the function could not import belongs in)."""
        self.options = options
        self._hints = hints
        self.sink = sink
        self._environ = dict(os.environ if environ is None else environ)
        self._lock = threading.Lock()
        self._events: dict[str, EventQueue] = {}  # each function's queued Event invocations
        self._closed = False
        # who calls the local Lambda endpoint (skyfn.host.lambda_endpoint), while one serves
        self.callers = Callers()
        # Event invocations accepted and not finished, host-wide: one an event queues counts
        # before the event's own is done, so it reaches 0 only when every chain ended
        self._outstanding = threading.Condition()
        self._pending = 0
        self.model = model
        self._roots = self._stage(model)
        self._packages = self._requirements(model)
        # run before every call takes a worker: the sandbox's cheap check of the store, so a
        # secret changed before the call started never reaches it from a warm worker
        self.before_call: Callable[[], None] | None = None
        self._reaper = Reaper(self.pools) if options.idle_timeout is not None else None
        self.forks = ForkServers(self._runtime) if options.fork_workers else None
        if self.forks is not None:
            self.forks.prestart()  # its start overlaps the host's; the first call forks
        self._pools = {f.name: self._pool(f) for f in model.functions}

    def _pool(self, function: Function) -> FunctionPool:
        return FunctionPool(
            function,
            self._environment,
            function_arn(self.options.region, function.name),
            self.sink,
            self.options.max_workers,
            self.options.idle_timeout,
            self._reaper.wake if self._reaper is not None else None,
            self._explain if self._hints else None,
            self.forks,
        )

    def _runtime(self) -> Path:
        return runtime_folder(self.model.project_root / ".skyfn" / "local")

    def _explain(self, function: Function, outcome: Outcome) -> None:
        backend = backend_dir(self.model.project_root)
        hint = missing_package(function, backend, outcome.failure())
        if hint is not None:
            self.sink.line(function.name, outcome.request_id, hint)

    @staticmethod
    def _stage(model: Model) -> dict[str, Path]:
        return {f.name: task_root.stage(model, f) for f in model.functions}

    @staticmethod
    def _requirements(model: Model) -> dict[str, str]:
        backend = backend_dir(model.project_root)
        return {
            f.name: resolved(f.directory, f.handler, backend) + layer_folders.resolved(model, f)
            for f in model.functions
        }

    def _environment(
        self, function: Function, overrides: Overrides | None = None
    ) -> WorkerEnvironment:
        root = self._roots.get(function.name)
        if root is not None and root.is_dir():
            task_root.mark_used(root)
        else:  # pruned by another host of the project: stage the files as they are
            root = None
        built = environment.build(
            self.model, function, self.options, self._environ, overrides, root
        )
        # a worker that reads SSM itself keeps its own credentials, or its cold start's
        # "no credentials" message; others get placeholders for the local endpoint
        reads_aws = bool(
            function.secrets and environment.stores_read(function, self.model.secret_store) & AWS
        )
        lambda_access = self.callers.worker_variables(
            function.name, built.variables, self.options.inherit, placeholders=not reads_aws
        )
        return replace(built, variables={**built.variables, **lambda_access})

    def pool(self, name: str) -> FunctionPool:
        """The pool of a function about to be called (``before_call`` runs first)."""
        if self.before_call is not None:
            self.before_call()
        with self._lock:
            pool = self._pools.get(name)
            model = self.model
        if pool is None:
            raise UnknownFunction(name, model)
        return pool

    def pools(self) -> list[FunctionPool]:
        """Every function's pool, in the model's order."""
        with self._lock:
            return list(self._pools.values())

    def invoke(self, name: str, event: Any, request_id: str | None = None) -> Outcome:
        return self.pool(name).invoke(event, request_id)

    def invoke_in_background(self, name: str, payload: bytes, request_id: str) -> str | None:
        """An ``Event`` invocation of ``payload`` (a JSON body): queued, run later, logged
        only. ``None`` when queued, else why not (the function's queue is full)."""
        self.pool(name)  # UnknownFunction now, not later
        with self._lock:
            if self._closed:
                queue = None
            else:
                queue = self._events.get(name)
                if queue is None:
                    queue = self._events[name] = EventQueue(
                        lambda event: self._run_event(name, event),
                        runners_for(self.options.max_workers),
                        self.options.max_queued_events,
                        self.options.max_queued_bytes,
                        name,
                    )
        if queue is None:
            self.sink.line(
                name,
                request_id,
                f"async invocation not run: the host is stopping; {name} not invoked",
            )
            return None
        with self._outstanding:
            self._pending += 1
        refused = queue.put(QueuedEvent(payload, request_id))
        if refused is not None:
            self._event_done()
        return refused

    def _event_done(self) -> None:
        with self._outstanding:
            self._pending -= 1
            self._outstanding.notify_all()

    def wait_for_events(self) -> None:
        """Until every Event invocation accepted so far, and each one those queued, ran."""
        with self._outstanding:
            self._outstanding.wait_for(lambda: self._pending <= 0)

    def _run_event(self, name: str, event: QueuedEvent) -> None:
        try:
            self._run_queued(name, event)
        finally:
            self._event_done()

    def _run_queued(self, name: str, event: QueuedEvent) -> None:
        request_id = event.request_id
        try:
            outcome = self.pool(name).invoke(json.loads(event.payload or b"{}"), request_id)
            if outcome.error:
                self.sink.line(
                    name, request_id, f"async invocation failed: {outcome.payload.decode()}"
                )
        except Exception as exc:  # the host is stopping, or the function was removed
            self.sink.line(name, request_id, f"async invocation not run: {exc}")

    def invoke_isolated(
        self, name: str, event: Any, overrides: Overrides, request_id: str | None = None
    ) -> Outcome:
        """One fresh worker with per-call overrides (pytest plugin), stopped afterwards."""
        pool = self.pool(name)
        function = pool.function
        single = FunctionPool(
            function,
            lambda f: self._environment(f, overrides),
            function_arn(self.options.region, function.name),
            self.sink,
            max_workers=1,
            forks=self.forks,
        )
        try:
            return single.invoke(event, request_id)
        finally:
            single.close()

    def update(self, model: Model, changed: Iterable[str] = ()) -> list[str]:
        """Serve ``model`` from now on; restart functions whose definition, files or resolved
        requirements changed or that are named in ``changed``. Returns the names restarted, added or removed."""
        touched = set(changed)
        roots = self._stage(model)
        touched.update(n for n, root in roots.items() if self._roots.get(n, root) != root)
        packages = self._requirements(model)
        touched.update(n for n, p in packages.items() if self._packages.get(n, p) != p)
        with self._lock:
            old = self._pools
            self.model = model
            self._roots = roots
            self._packages = packages
            new: dict[str, FunctionPool] = {}
            for function in model.functions:
                pool = old.get(function.name)
                if pool is None:
                    new[function.name] = self._pool(function)
                    touched.add(function.name)
                else:
                    if pool.function != function:
                        touched.add(function.name)
                    new[function.name] = pool
            removed = [pool for name, pool in old.items() if name not in new]
            self._pools = new
        for pool in removed:
            touched.add(pool.function.name)
            pool.close()
        for name in sorted(touched):
            if name in new:
                new[name].recycle(model.function(name))
        return sorted(touched)

    def recycle(self, names: Iterable[str]) -> None:
        for name in names:
            with self._lock:
                pool = self._pools.get(name)
            if pool is not None:
                pool.recycle()

    def workers(self) -> list[WorkerProcess]:
        with self._lock:
            pools = list(self._pools.values())
        return [w for pool in pools for w in pool.workers()]

    def close(self) -> None:
        if self._reaper is not None:
            self._reaper.stop()
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
            queues = list(self._events.items())
        for pool in pools:
            pool.close()
        if self.forks is not None:
            self.forks.close()
        for name, queue in queues:
            for event in queue.close():
                self._event_done()
                self.sink.line(name, event.request_id, "async invocation not run: the host stopped")


__all__ = ["Host", "LogBuffer", "UnknownFunction"]
