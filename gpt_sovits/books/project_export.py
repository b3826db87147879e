"""From a book project to the export's neutral description, and the export of a whole project.

A project (``books.project.Project``) is read only through what it offers an export: ``included_chapters()``,
``chapter_audio(ref)`` (each line's take, pause and text) and ``metadata()``. Files go to the project's
``export/`` folder.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

from gpt_sovits.books.export import BookMeta, ExportChapter, ExportLine, ExportOptions, ProgressFn, export_book
from gpt_sovits.books.report import DeliveryReport
from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

EXPORT_FOLDER = "export"
# What an export writes: "NN - Title.ext" per chapter, "Book.m4b" with its subtitles, the two reports.
_EXPORTED = re.compile(r"^(\d{2,} - .+\.(wav|flac|mp3|srt|vtt)|[^/]+\.(m4b|srt|vtt)|report\.(json|md))$")


def export_folder(project) -> Path:
    return Path(project.root) / EXPORT_FOLDER


def export_input(project) -> tuple[list[ExportChapter], BookMeta]:
    """The chapters (not excluded) with their current takes, and the book's tags.

    A line without a take stops the export with a message naming the chapters and how many lines wait.
    """
    chapters, waiting = [], []
    for number, chapter in enumerate(project.included_chapters(), start=1):
        lines = project.chapter_audio(chapter.id)
        absent = sum(1 for line in lines if line.audio_path is None)
        if absent:
            waiting.append(f"{number}. {chapter.title} ({absent} of {len(lines)} lines)")
        chapters.append(ExportChapter(chapter.title, tuple(
            ExportLine(Path(line.audio_path), line.text, line.pause_after_s) for line in lines if line.audio_path)))
    if waiting:
        raise StudioError("Some lines have no take yet, so the book cannot be exported: " + "; ".join(waiting)
                          + ". Render them first (Audiobook tab or `python -m gpt_sovits book render`).")
    if not chapters:
        raise StudioError("Every chapter of the book is excluded: include at least one to export.")
    meta = project.metadata()
    cover = meta.get("cover")
    return chapters, BookMeta(meta["title"], meta.get("author", ""), meta.get("narrator", ""),
                              meta.get("language", ""), Path(cover) if cover else None)


def flagged_lines(project) -> list[str]:
    """"N. Title: k lines" for each exported chapter with lines the checks flagged (their takes are exported)."""
    notes = []
    for number, chapter in enumerate(project.included_chapters(), start=1):
        flagged = sum(1 for line in project.chapter_audio(chapter.id) if line.status == "flagged")
        if flagged:
            notes.append(f"{number}. {chapter.title}: {flagged} line{'s' if flagged > 1 else ''}")
    return notes


def export_project(project, options: ExportOptions, on_progress: ProgressFn | None = None) -> DeliveryReport:
    """Export the project into its ``export/`` folder; returns the delivery report (also written there).

    Lines the checks flagged are exported as they are, and the report's warnings say where they are.
    """
    chapters, meta = export_input(project)
    folder = export_folder(project)
    report = export_book(chapters, meta, folder, options, on_progress)
    flagged = flagged_lines(project)
    if flagged:
        note = "Flagged lines were exported as they are; listen to them first: " + "; ".join(flagged) + "."
        report = replace(report, warnings=(*report.warnings, note))
        report.write(folder)
    _remove_stale(folder, {row.name for row in report.files} | set(report.extra_files))
    return report


def _remove_stale(folder: Path, kept: set[str]) -> None:
    """Remove files of an earlier export that this one did not write (a renamed chapter, a dropped format),
    so the folder holds one consistent delivery."""
    for path in folder.iterdir():
        if path.is_file() and _EXPORTED.match(path.name) and path.name not in kept | {"report.json", "report.md"}:
            logger.info("Removing %s, left from an earlier export", path.name)
            path.unlink()
