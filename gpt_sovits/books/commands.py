"""`python -m gpt_sovits book ...`: audiobook projects from the command line.

``register`` adds the ``book`` group; other modules add their own subcommands to it through
``BOOK_COMMANDS`` (``book export`` lives with the export code).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from pathlib import Path

from gpt_sovits.cli_common import DEFAULT_PRETRAINED, DEFAULT_WORKSPACE, out
from gpt_sovits.devices import DEFAULT_PRECISION, PRECISION_HELP, PRECISION_MODES
from gpt_sovits.text.language import LANGUAGES

# Modules that add subcommands to the ``book`` group through their own ``register_book(sub)``.
BOOK_COMMANDS = ("gpt_sovits.books.export_commands",)


def _store(args):
    from gpt_sovits.books.project import BookStore

    return BookStore(Path(args.workspace))


def cmd_new(args: argparse.Namespace) -> int:
    project = _store(args).create(args.name)
    changes = {k: v for k, v in (("title", args.title), ("author", args.author), ("narrator", args.narrator),
                                 ("language", args.language), ("narrator_voice", args.voice)) if v}
    if changes:
        project.set_metadata(**changes)
    out(f"Created book {project.book.name!r} in {project.root}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from gpt_sovits.books.importing import read_book_file

    imported = read_book_file(Path(args.file))  # read first: a bad file creates no project
    project = _store(args).open_or_create(args.name)
    for note in project.fill_from(imported):
        out(note)
    if args.voice:
        project.set_metadata(narrator_voice=args.voice)
    out(_status_text(project))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    out(_status_text(_store(args).open(args.name), args.lines))
    return 0


def _status_text(project, show_lines: bool = False) -> str:
    b = project.book
    rows = [f"{b.title or b.name} — {b.author or 'unknown author'} (language {b.language}, "
            f"narrator voice {b.narrator_voice or 'not set'})"]
    for number, chapter in enumerate(b.chapters, start=1):
        counts = {s: sum(1 for ln in chapter.lines if ln.status == s) for s in ("rendered", "approved", "flagged")}
        mark = " [excluded]" if chapter.excluded else ""
        rows.append(f"{number:3d}. {chapter.title}{mark}: {len(chapter.lines)} lines, "
                    f"{counts['rendered'] + counts['approved'] + counts['flagged']} with a take "
                    f"({counts['approved']} approved, {counts['flagged']} flagged)")
        if show_lines:
            rows += [f"     {ln.id} {ln.status:8s} {ln.text}" for ln in chapter.lines]
    return "\n".join(rows)


def cmd_render(args: argparse.Namespace) -> int:
    from gpt_sovits.books.render import RenderJob, plan_lines
    from gpt_sovits.books.synthesis import EngineLines
    from gpt_sovits.inference.engine import engine_host

    project = _store(args).open(args.name)
    if args.voice:
        project.set_metadata(narrator_voice=args.voice)
    planned = plan_lines(project, Path(args.workspace), Path(args.pretrained), args.chapter or None)
    host = engine_host()
    host.configure(pretrained_dir=Path(args.pretrained), device=args.device, precision=args.precision)
    backend = EngineLines(host, cache_dir=project.root / "cache" / "references")
    job = RenderJob(project, planned, backend, batch_lines=args.batch_lines, on_progress=progress_printer(),
                    qc_settings=qc_settings(args))
    progress = job.run()
    out(f"Rendered {progress.rendered} of {progress.total} lines ({progress.reused} were already done).")
    return 0


def qc_settings(args: argparse.Namespace):
    """The take checks of ``book render`` (``--rerolls`` changes how many new seeds a failing line gets)."""
    from dataclasses import replace

    from gpt_sovits.config import QcSettings

    return QcSettings() if args.rerolls is None else replace(QcSettings(), rerolls=args.rerolls)


def progress_printer():
    """An on_progress callback that prints the summary each time another line is done."""
    last = {"shown": -1}

    def show(progress) -> None:
        if progress.done != last["shown"]:
            last["shown"] = progress.done
            out(progress.summary())

    return show


def register(sub) -> None:
    book = sub.add_parser("book", help="audiobook projects: import a book, render it, check it")
    group = book.add_subparsers(dest="book_command", required=True, metavar="ACTION")

    def add(name: str, help_text: str, func):
        p = group.add_parser(name, help=help_text, description=help_text)
        p.add_argument("name", help="the book's name (its folder under workspace/books/)")
        p.add_argument("--workspace", default=str(DEFAULT_WORKSPACE), help="workspace folder (default workspace/)")
        p.set_defaults(func=func)
        return p

    p = add("new", "create an empty book project", cmd_new)
    for flag in ("title", "author", "narrator", "voice"):
        p.add_argument(f"--{flag}", default="", help=f"the book's {flag}" if flag != "voice" else
                       "the workspace voice that narrates the book")
    p.add_argument("--language", default="", choices=["", *LANGUAGES])
    p = add("import", "import a .txt, .md or .epub file into a book (created when new)", cmd_import)
    p.add_argument("file", help="the book file")
    p.add_argument("--voice", default="", help="the workspace voice that narrates the book")
    p = add("status", "chapters and how many lines have takes", cmd_status)
    p.add_argument("--lines", action="store_true", help="list every line with its id and status")
    p = add("render", "render the lines that have no take yet (takes already made are kept)", cmd_render)
    p.add_argument("--chapter", action="append", help="a chapter number, id or title (repeatable; default: all)")
    p.add_argument("--voice", default="", help="set the narrator voice first")
    p.add_argument("--batch-lines", type=int, default=4, help="lines sent to the engine together (default 4)")
    p.add_argument("--rerolls", type=int, choices=range(0, 11), metavar="N", default=None,
                   help="new seeds tried for a take that fails its checks (0 to 10, default 3)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--precision", default=DEFAULT_PRECISION, choices=PRECISION_MODES, help=PRECISION_HELP)
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED), help="folder with HuBERT, BERT and the "
                   "pretrained models")
    for name in BOOK_COMMANDS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register_book(group)
