"""Rendering book lines with the tiny models: content keys, reuse, edits, re-rolls, a killed render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gpt_sovits.books.importing import pasted_text
from gpt_sovits.books.project import BookStore
from gpt_sovits.books.render import RenderJob, plan_lines
from gpt_sovits.errors import StudioError

pytestmark = pytest.mark.usefixtures("one_torch_thread")
REPO = Path(__file__).resolve().parents[2]
CHAPTER = "Chapter 1\n" + "\n".join(f"Line {i}." for i in range(1, 11))


@pytest.fixture(scope="module")
def backend(book_engine):
    return book_engine


def _project(workspace, text=CHAPTER, name="book"):
    project = BookStore(workspace).create(name)
    project.fill_from(pasted_text(text))
    project.set_metadata(narrator_voice="narrator", language="en")
    return project


def _render(project, workspace, tiny, backend, rerolls=0, **kw):
    from gpt_sovits.config import QcSettings

    return RenderJob(project, plan_lines(project, workspace, tiny, **kw), backend, batch_lines=4,
                     qc_settings=QcSettings(rerolls=rerolls)).run()


def _takes(project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (project.root / "takes").rglob("*.wav")}


def test_second_render_does_no_work_and_an_edit_renders_one_line(book_workspace, tiny_v2, backend, monkeypatch):
    from gpt_sovits.inference.synthesizer import Synthesizer

    batches = []
    real_batch = Synthesizer.render_planned
    monkeypatch.setattr(Synthesizer, "render_planned",
                        lambda self, pieces, *a: batches.append(len(pieces)) or real_batch(self, pieces, *a))
    project = _project(book_workspace, "Chapter 1\nOne. Two here.\n\nThree, “a quote, yes,” she said.")
    first = _render(project, book_workspace, tiny_v2, backend)
    assert batches == [4, 1]  # consecutive lines share one GPT batch (the fifth line of 5 comes alone)
    lines = project.book.chapters[0].lines
    assert first.rendered == first.total == len(lines) and first.real_time_factor > 0
    assert all(ln.status in ("rendered", "flagged") and ln.duration_s > 0 for ln in lines)
    before = _takes(project)
    again = _render(project, book_workspace, tiny_v2, backend)
    assert (again.rendered, again.reused) == (0, len(lines))
    project.edit_line(lines[1].id, "Two lines, edited.")
    assert lines[1].status == "pending"
    edited = _render(project, book_workspace, tiny_v2, backend)
    assert (edited.rendered, edited.reused) == (1, len(lines) - 1)
    after = _takes(project)
    assert len(after) == len(before) + 1 and all(after[k] == v for k, v in before.items())
    audio = project.chapter_audio(1)
    assert [a.text for a in audio][1] == "Two lines, edited." and all(a.audio_path.is_file() for a in audio)
    assert all(a.sample_rate == 32000 and a.duration_s > 0 for a in audio)


def test_same_seed_gives_identical_take_and_reroll_keeps_old_take(book_workspace, tiny_v2, backend):
    project = _project(book_workspace, "Chapter 1\nA single line.")
    line = project.book.chapters[0].lines[1]
    _render(project, book_workspace, tiny_v2, backend, line_ids=[line.id])
    first_key = line.take
    first = project.takes.wav_path(first_key).read_bytes()
    project.takes.wav_path(first_key).unlink()  # render the same key again from scratch
    _render(project, book_workspace, tiny_v2, backend, line_ids=[line.id])
    assert project.takes.wav_path(first_key).read_bytes() == first
    project.reroll(line.id, seed=7)
    _render(project, book_workspace, tiny_v2, backend, line_ids=[line.id])
    assert line.take != first_key and line.seed == 7 and line.takes == [first_key]
    assert "passed" in line.checks and line.status == ("rendered" if line.checks["passed"] else "flagged")
    project.choose_take(line.id, first_key)
    assert line.take == first_key
    project.approve(line.id)
    assert BookStore(book_workspace).open("book").book.find_line(line.id)[1].status == "approved"


def test_missing_voice_or_model_is_reported_before_rendering(book_workspace, tiny_v2, tmp_path):
    project = _project(book_workspace)
    project.set_metadata(narrator_voice="ghost")
    with pytest.raises(StudioError, match="The voice 'ghost' does not exist"):
        plan_lines(project, book_workspace, tiny_v2)
    project.set_metadata(narrator_voice="narrator")
    with pytest.raises(StudioError, match="GPT .*is missing"):
        plan_lines(project, book_workspace, tmp_path / "empty-pretrained")
    project.book.chapters[0].lines = []
    with pytest.raises(StudioError, match="has no speakable text"):
        plan_lines(project, book_workspace, tiny_v2)


def test_killed_render_resumes_with_only_the_missing_lines(book_workspace, tiny_v2):
    project = _project(book_workspace)
    total = len(project.book.chapters[0].lines)
    argv = [sys.executable, "-m", "gpt_sovits", "book", "render", "book", "--workspace", str(book_workspace),
            "--pretrained", str(tiny_v2), "--device", "cpu", "--batch-lines", "1", "--rerolls", "0"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((project.root / "takes").rglob("*.json"))) < 2:
        assert proc.poll() is None, proc.stdout.read().decode()
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = _takes(project)
    assert 2 <= len(finished) < total
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    done = {n: b for n, b in _takes(project).items()}
    assert len(done) == total
    assert all(done[name] == data for name, data in finished.items())
    missing = total - len(finished)
    assert f"Rendered {missing} of {total} lines ({len(finished)} were already done)." in result.stdout


def test_a_failing_take_is_rerolled_and_the_best_kept(book_workspace, tiny_v2, backend):
    project = _project(book_workspace, "Chapter 1\nA single line.")
    line = project.book.chapters[0].lines[1]
    progress = _render(project, book_workspace, tiny_v2, backend, rerolls=2, line_ids=[line.id])
    info = project.takes.info(line.take)
    assert progress.rendered == 1 and 1 <= info.meta["attempts"] <= 3
    assert info.meta["checks"]["passed"] or info.meta["attempts"] == 3  # re-rolled until one passed, at most 2 more
    assert info.meta["line_seed"] == line.seed and line.status == ("rendered" if info.meta["checks"]["passed"]
                                                                   else "flagged")
