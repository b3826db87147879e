"""The engine's job queue: every job on one thread, results and progress events back on the caller's,
most urgent first, cancellation, deadlines and a bounded line."""

from __future__ import annotations

import threading
import time

import pytest

from gpt_sovits.inference.jobs import BATCH, INTERACTIVE, JobCancelled, JobQueue, QueueFullError


def test_call_runs_on_one_thread_and_returns_or_raises():
    compute = JobQueue("test-compute")
    names = {compute.call(lambda: threading.current_thread().name) for _ in range(3)}
    assert names == {"test-compute"}
    assert compute.call(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(ValueError, match="bad input"):
        compute.call(lambda: (_ for _ in ()).throw(ValueError("bad input")))
    assert compute.call(lambda: 7) == 7  # the thread survives an error


def test_events_are_relayed_to_the_callers_thread():
    compute = JobQueue()
    seen = []

    def work(n, on_event=None):
        for i in range(n):
            on_event(i)
        return threading.current_thread() is not threading.main_thread()

    assert compute.call(work, 3, on_event=lambda e: seen.append((e, threading.current_thread())))
    assert seen == [(0, threading.current_thread()), (1, threading.current_thread()), (2, threading.current_thread())]


def test_iterate_yields_items_and_reraises():
    compute = JobQueue()

    def items(n):
        for i in range(n):
            yield i, threading.current_thread().name
        raise RuntimeError("after the items")

    got = []
    with pytest.raises(RuntimeError, match="after the items"):
        for item in compute.iterate(items, 3):
            got.append(item)
    assert got == [(0, "engine"), (1, "engine"), (2, "engine")]


def test_closing_an_iteration_early_closes_the_generator():
    compute = JobQueue()
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
    compute = JobQueue()
    assert compute.call(lambda: compute.call(lambda: compute.is_current)) is True
    assert compute.call(lambda: list(compute.iterate(lambda: iter([1, 2])))) == [1, 2]


def test_a_failing_event_callback_stops_the_job_and_frees_the_thread():
    compute = JobQueue()
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
    compute = JobQueue()
    done = threading.Event()
    compute.spawn(lambda: (time.sleep(0.2), done.set()))
    assert not done.is_set()  # it returned before the job ran to the end
    with caplog.at_level("ERROR", logger="gpt_sovits.inference.jobs"):
        compute.spawn(lambda: 1 / 0)
        assert compute.call(lambda: "after") == "after"
    assert done.is_set()
    assert "Background job" in caplog.text and "ZeroDivisionError" in caplog.text


def test_running_names_the_busy_job():
    compute = JobQueue()
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


def _blocked(line: JobQueue) -> threading.Event:
    """Occupy the worker until the returned event is set."""
    gate, started = threading.Event(), threading.Event()
    line.spawn(lambda: (started.set(), gate.wait(10)), name="blocker")
    assert started.wait(5)
    return gate


def test_an_interactive_job_overtakes_waiting_batch_jobs():
    line = JobQueue()
    order = []
    gate = _blocked(line)
    batch = [line.submit(order.append, f"line {i}", priority=BATCH) for i in range(3)]
    click = line.submit(order.append, "click", priority=INTERACTIVE)
    assert [j.position for j in batch] == [1, 2, 3] and click.position == 0
    assert [j.name for j in line.lineup()] == ["append"] * 4
    gate.set()
    click.result()
    for job in batch:
        job.result()
    assert order == ["click", "line 0", "line 1", "line 2"]


def test_a_cancelled_waiting_job_never_runs_and_the_next_starts_at_once():
    line = JobQueue()
    ran = []
    gate = _blocked(line)
    doomed = line.submit(lambda: (ran.append("doomed"), time.sleep(2)))
    after = line.submit(lambda: ran.append("after") or time.perf_counter())
    assert after.position == 1
    doomed.cancel()
    assert doomed.position is None and after.position == 0 and line.waiting == 1  # it left the line at once
    with pytest.raises(JobCancelled):
        doomed.result()
    released = time.perf_counter()
    gate.set()
    assert after.result() - released < 0.5  # nothing waited for the cancelled job
    assert ran == ["after"]


def test_a_running_job_stops_before_its_next_item():
    line = JobQueue()
    made = []

    def pieces():
        for i in range(50):  # 5 s if nothing stopped it
            time.sleep(0.1)
            made.append(i)
            yield i

    job = line.submit(pieces)
    reader = iter(job)
    assert next(reader) == 0
    job.cancel()
    time.sleep(0.3)
    assert len(made) <= 2  # the piece under way when it was cancelled, at most
    with pytest.raises(JobCancelled):
        list(reader)
    assert line.call(lambda: "free") == "free"


def test_the_line_is_bounded_and_a_deadline_drops_a_job_that_waited_too_long():
    line = JobQueue(depth=2)
    gate = _blocked(line)
    late = line.submit(lambda: "ran", deadline_s=0.05)
    line.submit(lambda: None)
    with pytest.raises(QueueFullError) as full:
        line.submit(lambda: None)
    assert full.value.retry_after_s >= 1 and "2 requests are already waiting" in str(full.value)
    time.sleep(0.1)
    gate.set()
    with pytest.raises(JobCancelled, match="deadline"):
        late.result()


def test_batches_run_slice_by_slice_and_let_a_click_in_between():
    from gpt_sovits.inference.engine import EngineHost

    host = EngineHost(name="test-batches")
    order = []
    clicked = []

    def lines(chunk):
        for line in chunk:
            order.append(line)
            if line == 1 and not clicked:  # a click arrives while the first slice runs
                clicked.append(host.submit(order.append, "click"))
            yield line * 10

    assert list(host.batches(lines, list(range(7)), size=3)) == [0, 10, 20, 30, 40, 50, 60]
    clicked[0].result()
    # the second slice was queued before the click, yet the click runs first: it is interactive
    assert order == [0, 1, 2, "click", 3, 4, 5, 6]
    stream = host.batches(lines, list(range(30)), size=2)
    assert next(stream) == 0
    stream.close()  # the slices still queued are cancelled
    host.call(lambda: None)
    assert host.waiting == 0 and len(order) < 8 + 30
    host.close()
