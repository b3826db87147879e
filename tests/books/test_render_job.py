"""RenderJob control with a stand-in line synthesizer: pause, resume, cancel, progress numbers."""

from __future__ import annotations

import threading

import numpy as np

from gpt_sovits.books.importing import pasted_text
from gpt_sovits.books.project import BookStore
from gpt_sovits.books.render import RenderedTake, RenderJob, plan_lines

TEXT = "Chapter 1\n" + "\n".join(f"Line {i}." for i in range(1, 8))


class FakeLines:
    """Half a second of quiet noise per line; records the batches it was given."""

    def __init__(self):
        self.batches: list[int] = []

    def __call__(self, requests):
        self.batches.append(len(requests))
        for r in requests:
            audio = np.random.default_rng(r.seed).normal(0, 0.05, 16000).astype(np.float32)
            yield RenderedTake(r.key, audio, 32000, r.seed, tokens=12, seconds_to_compute=0.25)


def _job(workspace, tiny, fake, **kw):
    store = BookStore(workspace)
    project = store.open("b") if "b" in store.list_books() else store.create("b")
    if not project.book.chapters:
        project.fill_from(pasted_text(TEXT))
        project.set_metadata(narrator_voice="narrator")
    return project, RenderJob(project, plan_lines(project, workspace, tiny), fake, batch_lines=3, **kw)


def test_cancel_stops_between_batches_and_the_next_render_goes_on(book_workspace, tiny_v2):
    fake = FakeLines()
    seen = []
    project, job = _job(book_workspace, tiny_v2, fake, on_progress=lambda p: seen.append(p.done))

    def cancel_after_first_batch(progress):
        seen.append(progress.done)
        if progress.done == 3:
            job.cancel()

    job.on_progress = cancel_after_first_batch
    progress = job.run()
    assert (progress.state, progress.done, progress.total, fake.batches) == ("cancelled", 3, 8, [3])
    assert abs(progress.real_time_factor - 0.5) < 1e-9 and progress.seconds_left == 5 * 0.25
    assert "3/8 lines" in progress.summary() and "about 1 s left" in progress.summary()
    fake2 = FakeLines()
    project, job2 = _job(book_workspace, tiny_v2, fake2)
    done = job2.run()
    assert (done.state, done.reused, done.rendered, fake2.batches) == ("finished", 3, 5, [3, 2])
    assert all(line.status in ("rendered", "flagged") for line in project.book.chapters[0].lines)


def test_pause_holds_the_render_until_resume(book_workspace, tiny_v2):
    fake = FakeLines()
    paused = threading.Event()
    project, job = _job(book_workspace, tiny_v2, fake)

    def pause_once(progress):
        if progress.done == 3 and not paused.is_set():
            job.pause()
            paused.set()

    job.on_progress = pause_once
    thread = threading.Thread(target=job.run)
    thread.start()
    assert paused.wait(30)
    thread.join(0.3)
    assert thread.is_alive() and job.progress.state == "paused" and fake.batches == [3]
    job.resume()
    thread.join(30)
    assert job.progress.state == "finished" and fake.batches == [3, 3, 2]
