"""The Audiobook tab's link to gpt_sovits.books: open projects, one background render, line reviews.

Projects stay open (one object per book), so a render running in the background and the edits made
on the page change the same book. Model work runs on the engine host, a batch of lines per job at batch
priority, so a synthesis on another tab runs between two batches.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from gpt_sovits.errors import StudioError
from gpt_sovits.ui.i18n import STRINGS, localize, text

logger = logging.getLogger(__name__)


def line_status(status: str) -> str:
    """A book line's status (pending, rendered, flagged, approved) in the page language."""
    key = f"line_status_{status}"
    return text(key) if key in STRINGS else status


def render_summary(progress) -> str:
    """A books.render.RenderProgress in one line in the page language (its ``summary()`` in English)."""
    left = progress.seconds_left
    eta = text("ab_eta", seconds=f"{left:.0f}") if left is not None and progress.done < progress.total else ""
    rtf = text("ab_rtf", rtf=f"{progress.real_time_factor:.2f}") if progress.audio_s else ""
    key = f"render_state_{progress.state}"
    state = text(key) if key in STRINGS else progress.state
    return text("ab_render_summary", done=progress.done, total=progress.total, rendered=progress.rendered,
                reused=progress.reused, rtf=rtf, eta=eta, state=state)


class BookDesk:
    """Open book projects and their renders for one studio."""

    def __init__(self, services):
        self.services = services
        self._projects: dict[str, object] = {}
        self.job = None  # the render running in the background (RenderJob) or the last one
        self.job_book = ""
        self._thread: threading.Thread | None = None

    @property
    def settings(self):
        return self.services.settings

    @property
    def store(self):
        from gpt_sovits.books.project import BookStore

        return BookStore(Path(self.settings.workspace_dir))

    def project(self, name: str | None):
        if not name:
            raise StudioError("Choose or import a book first.")
        if name not in self._projects:
            self._projects[name] = self.store.open(name)
        return self._projects[name]

    def import_book(self, name: str, file: str | None, pasted: str, voice: str | None) -> list[str]:
        """Import a file (or pasted text) into a new book ``name``; notes for the user."""
        from gpt_sovits.books.importing import pasted_text, read_book_file

        if not (name or "").strip():
            raise StudioError("Give the book a name first.")
        if file:
            imported = read_book_file(Path(file))
        elif (pasted or "").strip():
            imported = pasted_text(pasted)
        else:
            raise StudioError("Choose a book file (.txt, .md, .epub) or paste the text.")
        self.store.folder(name)  # the name is checked before anything is written
        project = self.store.create(name)
        notes = project.fill_from(imported)
        if voice:
            project.set_metadata(narrator_voice=voice)
        self._projects[project.book.name] = project
        return notes

    # ----- rendering --------------------------------------------------------------------------
    def _synthesize_lines(self, requests):
        """A batch of lines as a job of the engine host, loaded as the studio's settings say."""
        from gpt_sovits.books.synthesis import EngineLines
        from gpt_sovits.inference.engine import engine_host

        host = engine_host()
        host.configure(pretrained_dir=Path(self.settings.pretrained_dir), precision=self.settings.precision)
        return EngineLines(host)(requests)

    def make_job(self, name: str, chapters: list[str] | None = None, line_ids: list[str] | None = None):
        from gpt_sovits.books.render import RenderJob, plan_lines

        project = self.project(name)
        planned = plan_lines(project, Path(self.settings.workspace_dir), Path(self.settings.pretrained_dir),
                             chapters, line_ids)
        return RenderJob(project, planned, self._synthesize_lines, qc_settings=self.settings.qc)

    def start_render(self, name: str, chapters: list[str] | None) -> str:
        from gpt_sovits.books.render import start_in_background

        if self.running:
            raise StudioError(f"Book {self.job_book!r} is rendering; pause or cancel it first.")
        self.job = self.make_job(name, chapters)
        self.job_book = name
        self._thread = start_in_background(self.job)
        return render_summary(self.job.progress)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def render_lines_now(self, name: str, line_ids: list[str]):
        """Render some lines of a book and wait for them (the line review's re-render)."""
        if self.running and self.job_book == name:
            raise StudioError("This book is rendering in the background; pause or cancel it first.")
        return self.make_job(name, None, line_ids).run()

    def progress_text(self) -> str:
        """The render's progress in the page language."""
        if self.job is None:
            return text("no_render")
        message = self.job.progress.message
        note = f" — {localize(message)}" if message else ""
        return f"**{self.job_book}**: {render_summary(self.job.progress)}{note}"
