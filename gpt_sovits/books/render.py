"""Rendering a book's lines: plan (content keys), skip what the take store has, synthesize the rest.

The synthesis itself is a callable that takes a batch of :class:`LineRequest` and yields one
:class:`RenderedTake` per line (``SynthesizeLines``); ``synthesis.EngineLines`` provides it
through the engine host. Each take is written atomically as soon as it is finished and the project is
saved, so stopping the process loses at most the batch being computed. Pause, resume and cancel
act between batches.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gpt_sovits.books.lines import is_speakable
from gpt_sovits.books.model import Chapter, Line, RenderSettings
from gpt_sovits.books.project import Project
from gpt_sovits.books.takes import content_key
from gpt_sovits.books.voices import ResolvedVoice, resolve_voice
from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

DEFAULT_BATCH_LINES = 4


@dataclass(frozen=True)
class LineRequest:
    """One line to synthesize: the text as spoken (dictionary applied) and everything in its key."""

    key: str
    text: str
    language: str
    voice: ResolvedVoice
    settings: RenderSettings
    seed: int


@dataclass
class RenderedTake:
    key: str
    audio: np.ndarray  # float32 [N]
    sample_rate: int
    seed: int
    tokens: int = 0
    seconds_to_compute: float = 0.0
    notices: list[str] = field(default_factory=list)


SynthesizeLines = Callable[[list[LineRequest]], Iterator[RenderedTake]]


@dataclass(frozen=True)
class PlannedLine:
    chapter: Chapter
    line: Line
    request: LineRequest


def plan_lines(project: Project, workspace_dir: Path, pretrained_dir: Path,
               chapters: list[str] | None = None, line_ids: list[str] | None = None) -> list[PlannedLine]:
    """The lines to render (all included chapters, or those named), each with its content key.

    Raises StudioError before anything is rendered when a chapter has nothing to speak or a voice
    or model is missing."""
    from gpt_sovits.text.dictionary import apply_entries, load_dictionary

    book = project.book
    dictionary = load_dictionary(project.dictionary_path)
    selected = [book.chapter(ref) for ref in chapters] if chapters else project.included_chapters()
    voices: dict[str, tuple[ResolvedVoice, dict]] = {}
    planned = []
    for chapter in selected:
        if not any(is_speakable(line.text) for line in chapter.lines):
            raise StudioError(f"Chapter {chapter.title!r} has no speakable text; exclude it or give it lines.")
        for line in chapter.lines:
            if line_ids is not None and line.id not in line_ids:
                continue
            name = line.voice or (chapter.quote_voice if line.quoted else "") or chapter.voice or book.narrator_voice
            if name not in voices:
                voice = resolve_voice(workspace_dir, pretrained_dir, name)
                voices[name] = (voice, voice.identity(pretrained_dir))
            voice, identity = voices[name]
            text = apply_entries(line.text, dictionary)
            key = content_key(text, book.language, identity, book.settings, line.seed)
            planned.append(PlannedLine(chapter, line, LineRequest(key, text, book.language, voice, book.settings,
                                                                  line.seed)))
    return planned


@dataclass
class RenderProgress:
    total: int
    done: int = 0  # lines with a take for their current key
    reused: int = 0  # of those, found in the take store
    rendered: int = 0  # synthesized by this render
    compute_s: float = 0.0
    audio_s: float = 0.0
    state: str = "running"  # running, paused, cancelled, finished, failed
    message: str = ""

    @property
    def real_time_factor(self) -> float:
        return self.compute_s / self.audio_s if self.audio_s else 0.0

    @property
    def seconds_left(self) -> float | None:
        if not self.rendered:
            return None
        return (self.total - self.done) * self.compute_s / self.rendered

    def summary(self) -> str:
        left = self.seconds_left
        eta = f", about {left:.0f} s left" if left is not None and self.done < self.total else ""
        rtf = f", real-time factor {self.real_time_factor:.2f}" if self.audio_s else ""
        return (f"{self.done}/{self.total} lines ({self.rendered} rendered now, {self.reused} already done)"
                f"{rtf}{eta} — {self.state}")


class RenderJob:
    """Renders planned lines through ``synthesize_lines``; ``run`` in any thread, control from another."""

    def __init__(self, project: Project, planned: list[PlannedLine], synthesize_lines: SynthesizeLines,
                 batch_lines: int = DEFAULT_BATCH_LINES, on_progress: Callable[[RenderProgress], None] | None = None,
                 qc_settings=None):
        self.project = project
        self.qc_settings = qc_settings
        self.planned = planned
        self.synthesize_lines = synthesize_lines
        self.batch_lines = max(1, batch_lines)
        self.on_progress = on_progress
        self.progress = RenderProgress(total=len(planned))
        self._running = threading.Event()
        self._running.set()
        self._cancelled = threading.Event()

    def pause(self) -> None:
        self._running.clear()
        self.progress.state = "paused"

    def resume(self) -> None:
        self.progress.state = "running"
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()

    def run(self) -> RenderProgress:
        try:
            self._render_todo(self._adopt_stored())
            self.progress.state = "cancelled" if self._cancelled.is_set() else "finished"
        except Exception as e:
            self.progress.state = "failed"
            self.progress.message = str(e) if isinstance(e, StudioError) else f"{type(e).__name__}: {e}"
            raise
        finally:
            self._report()
        return self.progress

    def _adopt_stored(self) -> list[PlannedLine]:
        """Lines whose take exists already get it (no work); the others are returned."""
        todo = []
        with self.project.lock:
            for p in self.planned:
                if self.project.takes.has(p.request.key):
                    self._assign(p.line, p.request.key)
                    self.progress.done += 1
                    self.progress.reused += 1
                else:
                    todo.append(p)
            self.project.save(list({id(p.chapter): p.chapter for p in self.planned}.values()))
        self._report()
        return todo

    def _render_todo(self, todo: list[PlannedLine]) -> None:
        """Render the lines without a take, ``batch_lines`` at a time (``gpt_sovits.cluster`` sends the
        same batches to Ray actors instead)."""
        for start in range(0, len(todo), self.batch_lines):
            self._running.wait()
            if self._cancelled.is_set():
                break
            self._render_batch(todo[start:start + self.batch_lines])

    def _render_batch(self, batch: list[PlannedLine]) -> None:
        by_key = {p.request.key: p for p in batch}
        for first in list(self.synthesize_lines([p.request for p in batch])):
            self._keep_take(first, by_key[first.key])

    def _keep_take(self, first: RenderedTake, planned: PlannedLine) -> None:
        """Check a finished take (re-rolled through ``synthesize_lines`` when it fails and the checks allow),
        write the kept take into the store under the line's key and give it to its line."""
        from gpt_sovits.books.checking import check_and_reroll

        kept = check_and_reroll(first, planned.request, self.synthesize_lines, self.qc_settings)
        take = kept.take
        self.project.takes.put(planned.request.key, take.audio, take.sample_rate, {
            "seed": take.seed, "line_seed": planned.request.seed, "attempts": kept.attempts,
            "text": planned.request.text, "voice": planned.request.voice.name, "tokens": take.tokens,
            "seconds_to_compute": take.seconds_to_compute, "notices": take.notices, "checks": kept.checks,
            "flag_reason": kept.flag_reason})
        with self.project.lock:
            self._assign(planned.line, planned.request.key)
            self.project.save([planned.chapter])
        self.progress.done += 1
        self.progress.rendered += 1
        self.progress.compute_s += kept.compute_s
        self.progress.audio_s += len(take.audio) / take.sample_rate
        self._report()

    def _assign(self, line: Line, key: str) -> None:
        if line.take == key and line.status in ("approved", "flagged"):
            return
        info = self.project.takes.info(key)
        line.take, line.duration_s = key, info.duration_s
        line.checks = info.meta.get("checks", {})
        line.flag_reason = info.meta.get("flag_reason", "")
        line.status = "flagged" if line.flag_reason else "rendered"

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress)


def start_in_background(job: RenderJob) -> threading.Thread:
    """Run ``job`` on a thread of its own (the studio: the page stays responsive, and a closed
    browser does not stop the render)."""
    thread = threading.Thread(target=_run_logged, args=(job,), name="book-render", daemon=True)
    thread.start()
    return thread


def _run_logged(job: RenderJob) -> None:
    started = time.perf_counter()
    try:
        job.run()
    except Exception:
        logger.exception("The book render stopped with an error.")
    logger.info("Book render ended after %.1f s: %s", time.perf_counter() - started, job.progress.summary())
