"""`book export` and the Export panel on a real project rendered with the tiny models."""

from __future__ import annotations

import gradio as gr
import pytest

from gpt_sovits.books.importing import pasted_text
from gpt_sovits.books.project import BookStore
from gpt_sovits.books.render import RenderJob, plan_lines
from gpt_sovits.cli import main
from gpt_sovits.ui.i18n import Translator
from gpt_sovits.ui.tabs.book_export import build_export_panel, export_book_files

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TEXT = "Chapter 1\nHello there.\n\nChapter 2\nGood night."


@pytest.fixture
def project(book_workspace):
    project = BookStore(book_workspace).create("tiny")
    project.fill_from(pasted_text(TEXT))
    project.set_metadata(narrator_voice="narrator", language="en", title="Tiny Tale", author="Ann", narrator="Ned")
    return project


def test_lines_without_takes_are_named(project, book_workspace, capsys, monkeypatch):
    assert main(["book", "export", "tiny", "--workspace", str(book_workspace)]) == 2
    assert "no take yet" in capsys.readouterr().err
    shown = []
    monkeypatch.setattr(gr, "Warning", lambda message, **kw: shown.append(message))
    assert build_and_click(book_workspace) == gr.skip()
    assert len(shown) == 1 and "1. Chapter 1 (2 of 2 lines)" in shown[0] and "no take yet" in shown[0]


def build_and_click(workspace):
    """Build the panel as the Audiobook tab does and run its click handler."""
    services = type("Services", (), {"settings": type("S", (), {"workspace_dir": workspace})()})()
    with gr.Blocks() as demo:
        book = gr.Textbox(value="tiny")
        build_export_panel(services, Translator(), book)
    handler = next(fn for fn in demo.fns.values() if fn.name == "do_export").fn
    return handler("tiny", ["wav"], "none", "split", False, progress=lambda *a, **k: None)


def test_cli_and_panel_export_a_rendered_book(project, book_workspace, tiny_v2, book_engine, capsys):
    RenderJob(project, plan_lines(project, book_workspace, tiny_v2), book_engine).run()
    code = main(["book", "export", "tiny", "--workspace", str(book_workspace), "--format", "mp3,m4b",
                 "--target", "none"])  # the tiny models' takes are near-silent: levels are tested in test_export
    captured = capsys.readouterr()
    assert code == 0, captured
    assert "100%" in captured.err and "all files pass the none target" in captured.out
    folder = book_workspace / "books" / "tiny" / "export"
    names = {p.name for p in folder.iterdir()}
    assert {"Tiny Tale.m4b", "01 - Chapter 1.mp3", "02 - Chapter 2.mp3", "report.json", "report.md"} <= names
    markdown, files = build_and_click(book_workspace)
    assert "result: **PASS**" in markdown and "01 - Chapter 1.wav" in markdown
    assert {p.rsplit("/", 1)[-1] for p in files} >= {"01 - Chapter 1.wav", "02 - Chapter 2.wav", "report.md"}
    md, _ = export_book_files(book_workspace, "tiny", ["flac"], "podcast", "warn", True)
    assert "Target: **podcast**" in md and "02 - Chapter 2.flac" in md
