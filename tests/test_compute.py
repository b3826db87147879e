"""The compute thread: every job on one thread, results and progress events back on the caller's."""

from __future__ import annotations

import threading
import time

import pytest

from gpt_sovits.compute import ComputeThread


def test_call_runs_on_one_thread_and_returns_or_raises():
    compute = ComputeThread("test-compute")
    names = {compute.call(lambda: threading.current_thread().name) for _ in range(3)}
    assert names == {"test-compute"}
    assert compute.call(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(ValueError, match="bad input"):
        compute.call(lambda: (_ for _ in ()).throw(ValueError("bad input")))
    assert compute.call(lambda: 7) == 7  # the thread survives an error


def test_events_are_relayed_to_the_callers_thread():
    compute = ComputeThread()
    seen = []

    def work(n, on_event=None):
        for i in range(n):
            on_event(i)
        return threading.current_thread() is not threading.main_thread()

    assert compute.call(work, 3, on_event=lambda e: seen.append((e, threading.current_thread())))
    assert seen == [(0, threading.current_thread()), (1, threading.current_thread()), (2, threading.current_thread())]


def test_iterate_yields_items_and_reraises():
    compute = ComputeThread()

    def items(n):
        for i in range(n):
            yield i, threading.current_thread().name
        raise RuntimeError("after the items")

    got = []
    with pytest.raises(RuntimeError, match="after the items"):
        for item in compute.iterate(items, 3):
            got.append(item)
    assert got == [(0, "compute"), (1, "compute"), (2, "compute")]


def test_closing_an_iteration_early_closes_the_generator():
    compute = ComputeThread()
    produced, closed = [], threading.Event()

    def items():
        try:
            for i in range(1000):  # 10 s if nothing stopped it
                produced.append(i)
                yield i
                time.sleep(0.01)
        finally:
            closed.set()

    stream = compute.iterate(items)
    assert next(stream) == 0
    stream.close()
    assert closed.wait(5)
    assert len(produced) < 500  # it stopped instead of running to the end
    count = len(produced)
    time.sleep(0.1)
    assert len(produced) == count  # and nothing more after it was closed
    assert compute.call(lambda: "still serving") == "still serving"


def test_calls_from_the_compute_thread_run_directly():
    compute = ComputeThread()
    assert compute.call(lambda: compute.call(lambda: compute.is_current)) is True
    assert compute.call(lambda: list(compute.iterate(lambda: iter([1, 2])))) == [1, 2]


def test_a_failing_event_callback_stops_the_job_and_frees_the_thread():
    compute = ComputeThread()
    steps = []

    def work(on_event=None):
        for i in range(100):  # 5 s if nothing stopped it
            steps.append(i)
            on_event(i)
            time.sleep(0.05)
        return "finished"

    def listener(event):
        if event == 2:
            raise KeyboardInterrupt("the user pressed stop")

    with pytest.raises(KeyboardInterrupt, match="pressed stop"):
        compute.call(work, on_event=listener)
    assert len(steps) <= 4  # it stopped at the next event instead of running on
    started = time.perf_counter()
    assert compute.call(lambda: "free") == "free"
    assert time.perf_counter() - started < 1.0



def test_spawn_returns_at_once_and_logs_a_failure(caplog):
    compute = ComputeThread()
    done = threading.Event()
    compute.spawn(lambda: (time.sleep(0.2), done.set()))
    assert not done.is_set()  # it returned before the job ran to the end
    with caplog.at_level("ERROR", logger="gpt_sovits.compute"):
        compute.spawn(lambda: 1 / 0)
        assert compute.call(lambda: "after") == "after"
    assert done.is_set()
    assert "Background job" in caplog.text and "ZeroDivisionError" in caplog.text


def test_running_names_the_busy_job():
    compute = ComputeThread()
    gate, started = threading.Event(), threading.Event()

    def prepare_dataset():
        started.set()
        gate.wait(5)

    assert compute.running is None
    compute.spawn(prepare_dataset)
    assert started.wait(5)
    assert compute.running == "prepare_dataset"
    gate.set()
    compute.call(lambda: None)
    assert compute.running is None
