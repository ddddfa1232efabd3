"""``EventQueue``: bounded by count and by bytes, run by at most ``runners`` threads in
order, and closed with what never ran handed back."""

from __future__ import annotations

import threading

from skyfn.host.event_queue import EventQueue, QueuedEvent, runners_for


class Gate:
    """A ``run`` that records what started and blocks until opened."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.lock = threading.Lock()
        self.started: list[str] = []
        self.finished: list[str] = []
        self.running = 0
        self.most = 0
        self.changed = threading.Condition(self.lock)

    def __call__(self, event: QueuedEvent) -> None:
        with self.lock:
            self.started.append(event.request_id)
            self.running += 1
            self.most = max(self.most, self.running)
            self.changed.notify_all()
        self.open.wait(60)
        with self.lock:
            self.running -= 1
            self.finished.append(event.request_id)
            self.changed.notify_all()

    def wait_for(self, started: int = 0, finished: int = 0) -> None:
        with self.lock:
            assert self.changed.wait_for(
                lambda: len(self.started) >= started and len(self.finished) >= finished, 60
            )


def event(number: int, size: int = 10) -> QueuedEvent:
    return QueuedEvent(b"x" * size, f"rid-{number}")


def test_at_most_runners_run_at_once_and_in_order() -> None:
    gate = Gate()
    queue = EventQueue(gate, runners=2)
    for number in range(6):
        assert queue.put(event(number)) is None
    gate.wait_for(started=2)
    assert queue.held() == (6, 60)
    gate.open.set()
    gate.wait_for(finished=6)
    assert gate.most == 2
    assert gate.started == [f"rid-{n}" for n in range(6)]
    queue.close()
    assert queue.held() == (0, 0)


def test_past_the_count_cap_an_event_is_refused_saying_why() -> None:
    gate = Gate()
    queue = EventQueue(gate, runners=1, max_events=3, name="probe")
    assert [queue.put(event(n)) for n in range(3)] == [None, None, None]
    refused = queue.put(event(3))
    assert refused is not None and "3 asynchronous invocations of probe" in refused
    assert "limit (3)" in refused
    gate.open.set()
    gate.wait_for(finished=3)
    assert queue.put(event(4)) is None  # room again once they ran
    queue.close()


def test_past_the_byte_cap_an_event_is_refused_saying_why() -> None:
    gate = Gate()
    queue = EventQueue(gate, runners=1, max_bytes=250, name="probe")
    assert queue.put(event(0, 100)) is None
    assert queue.put(event(1, 100)) is None
    refused = queue.put(event(2, 100))
    assert refused is not None and "hold 200 bytes" in refused and "limit of 250" in refused
    assert queue.put(event(3, 50)) is None  # what fits still goes in
    gate.open.set()
    queue.close()


def test_close_hands_back_what_never_ran_and_refuses_more() -> None:
    gate = Gate()
    queue = EventQueue(gate, runners=1, name="probe")
    for number in range(4):
        queue.put(event(number))
    gate.wait_for(started=1)
    gate.open.set()  # the running one ends (as the closed pool ends it)
    dropped = queue.close()
    assert [e.request_id for e in dropped] == [f"rid-{n}" for n in range(len(gate.started), 4)]
    assert queue.put(event(9)) == "the sandbox is stopping; probe not invoked"


def test_events_leave_half_the_workers_to_ordinary_calls() -> None:
    assert [runners_for(n) for n in (1, 2, 3, 4, 8)] == [1, 1, 1, 2, 4]
