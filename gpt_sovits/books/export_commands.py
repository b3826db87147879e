"""`python -m gpt_sovits book export NAME`: master and write a finished book, with a progress bar.

Added to the ``book`` group by ``books.commands`` (its ``BOOK_COMMANDS``) through :func:`register_book`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gpt_sovits.cli_common import DEFAULT_WORKSPACE, out

BAR_WIDTH = 30


class ProgressBar:
    """A one-line bar on stderr, redrawn in place on a terminal, one line per 10% otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last = (-1, "")

    def __call__(self, fraction: float, message: str) -> None:
        percent = int(100 * min(max(fraction, 0.0), 1.0))
        step = percent if self.tty else percent // 10
        if (step, message if self.tty else "") == self.last:
            return
        self.last = (step, message if self.tty else "")
        filled = BAR_WIDTH * percent // 100
        line = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {percent:3d}% {message}"
        self.stream.write(("\r" + line[:110].ljust(110)) if self.tty else line + "\n")
        if self.tty and percent == 100:
            self.stream.write("\n")
        self.stream.flush()


def _formats(values: list[str] | None) -> tuple[str, ...]:
    names = [n.strip().lower() for v in (values or ["m4b"]) for n in v.split(",") if n.strip()]
    return tuple(dict.fromkeys(names))


def cmd_export(args: argparse.Namespace) -> int:
    from gpt_sovits.books.export import ExportOptions
    from gpt_sovits.books.project import BookStore
    from gpt_sovits.books.project_export import export_folder, export_project

    project = BookStore(Path(args.workspace)).open(args.name)
    options = ExportOptions(formats=_formats(args.format), target=args.target, long_chapters=args.long_chapters,
                            max_chapter_s=args.max_chapter_minutes * 60 if args.max_chapter_minutes else None,
                            subtitles=not args.no_subtitles)
    report = export_project(project, options, on_progress=ProgressBar())
    for warning in report.warnings:
        out(f"Warning: {warning}")
    for row in report.files:
        part = f" [{row.part}]" if row.format == "m4b" else ""
        verdict = "pass" if row.passed else "FAIL: " + "; ".join(row.problems)
        out(f"  {row.name}{part}: RMS {row.rms_db:.1f} dB, {row.loudness_lufs:.1f} LUFS, "
            f"peak {row.true_peak_db:.1f} dBTP, floor {row.noise_floor_db:.1f} dB - {verdict}")
    folder = export_folder(project)
    out(f"Exported to {folder} ({'all files pass' if report.passed else 'some files FAIL'} the {report.target} "
        f"target; see report.md there).")
    return 0 if report.passed else 1


def register_book(group) -> None:
    """Add ``export`` to the ``book`` subcommands."""
    help_text = "master the book and write M4B/MP3/WAV/FLAC files, subtitles and a delivery report"
    p = group.add_parser("export", help=help_text, description=help_text + " (into workspace/books/NAME/export/)")
    p.add_argument("name", help="the book's name (its folder under workspace/books/)")
    p.add_argument("--workspace", default=str(DEFAULT_WORKSPACE), help="workspace folder (default workspace/)")
    p.add_argument("--format", action="append", metavar="m4b|mp3|wav|flac",
                   help="file format; repeat or separate with commas for several (default m4b)")
    p.add_argument("--target", default="acx", choices=["acx", "podcast", "none"],
                   help="loudness target: acx (RMS -23..-18 dB, peak -3 dBTP, floor -60 dB; default), "
                        "podcast (-16 LUFS, -1 dBTP) or none")
    p.add_argument("--long-chapters", default="split", choices=["split", "warn"],
                   help="a chapter over the target's length limit (ACX: 120 min) is split (default) or kept "
                        "with a warning")
    p.add_argument("--max-chapter-minutes", type=float, default=None,
                   help="chapter length limit in minutes (default: the target's)")
    p.add_argument("--no-subtitles", action="store_true", help="do not write SRT/VTT subtitles")
    p.set_defaults(func=cmd_export)
