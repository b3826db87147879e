"""The project adapter (read through the project's export interface) and the CLI progress bar."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import soundfile as sf

from gpt_sovits.books.export import ExportOptions
from gpt_sovits.books.export_commands import ProgressBar
from gpt_sovits.books.project_export import export_input, export_project
from gpt_sovits.errors import StudioError
from tests.fixtures.synthetic_speech import make_recording


class FakeProject:
    """What books.project.Project offers an export, over a folder of takes."""

    def __init__(self, root: Path, chapters: list[tuple[str, list[Path | None]]], excluded: int | None = None):
        self.root = root
        self.chapters = [SimpleNamespace(id=f"c{i}", title=t, excluded=i == excluded, paths=p)
                         for i, (t, p) in enumerate(chapters)]

    def included_chapters(self):
        return [c for c in self.chapters if not c.excluded]

    def chapter_audio(self, ref):
        chapter = next(c for c in self.chapters if c.id == ref)
        return [SimpleNamespace(text=f"Line {i}.", audio_path=p, pause_after_s=0.3,
                                status="flagged" if i == 1 else "rendered") for i, p in enumerate(chapter.paths)]

    def metadata(self):
        return {"title": "Fake", "author": "A", "narrator": "N", "language": "en", "cover": None}


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("takes")
    paths = []
    for seed in range(3):
        path = folder / f"{seed}.wav"
        sf.write(path, make_recording(duration_s=1.5, sample_rate=32000, long_silence_every=0, seed=seed).audio, 32000)
        paths.append(path)
    return paths


def test_export_input_skips_excluded_chapters_and_keeps_line_order(takes, tmp_path):
    project = FakeProject(tmp_path, [("One", takes[:2]), ("Gone", takes), ("Two", takes[2:])], excluded=1)
    chapters, meta = export_input(project)
    assert [c.title for c in chapters] == ["One", "Two"]
    assert [ln.audio_path for ln in chapters[0].lines] == takes[:2] and chapters[0].lines[1].text == "Line 1."
    assert meta.title == "Fake" and meta.narrator == "N" and meta.cover_path is None


def test_lines_without_takes_stop_the_export_with_counts(takes, tmp_path):
    project = FakeProject(tmp_path, [("One", [takes[0], None, None]), ("Two", takes[:1])])
    with pytest.raises(StudioError, match=r"no take yet.*1\. One \(2 of 3 lines\)"):
        export_input(project)
    with pytest.raises(StudioError, match="Every chapter of the book is excluded"):
        export_input(FakeProject(tmp_path, [("One", takes)], excluded=0))


def test_export_project_writes_into_its_export_folder(takes, tmp_path):
    report = export_project(FakeProject(tmp_path, [("One", takes[:2]), ("Two", takes[2:])]),
                            ExportOptions(formats=("mp3",), subtitles=False))
    assert report.passed and report.warnings == (
        "Flagged lines were exported as they are; listen to them first: 1. One: 1 line.",)
    assert "listen to them first" in (tmp_path / "export" / "report.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == [
        "01 - One.mp3", "02 - Two.mp3", "report.json", "report.md"]
    assert json.loads((tmp_path / "export" / "report.json").read_text(encoding="utf-8"))["title"] == "Fake"
    (tmp_path / "export" / "notes.txt").write_text("mine")
    export_project(FakeProject(tmp_path, [("Only", takes)]), ExportOptions(formats=("wav",), subtitles=False))
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == [
        "01 - Only.wav", "notes.txt", "report.json", "report.md"]  # the earlier delivery's files are gone


def test_progress_bar_prints_every_ten_percent_off_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    for i in range(101):
        bar(i / 100, "Mastering")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("[" + "#" * 30 + "] 100% Mastering")


def test_export_panel_builds_and_asks_for_a_book(monkeypatch):
    import gradio as gr

    from gpt_sovits.ui.i18n import Translator
    from gpt_sovits.ui.tabs.book_export import build_export_panel

    tr = Translator()
    with gr.Blocks() as demo:
        build_export_panel(SimpleNamespace(settings=SimpleNamespace(workspace_dir=Path("."))), tr, gr.Textbox())
    handler = next(fn for fn in demo.fns.values() if fn.name == "do_export").fn
    shown = []
    monkeypatch.setattr(gr, "Warning", lambda message, **kw: shown.append(message))
    assert handler(None, ["m4b"], "acx", "split", True, progress=lambda *a, **k: None) == gr.skip()
    assert shown == ["Choose or import a book first."]  # one message; the outputs keep their values
    assert tr.updates("zh")[0] == gr.update(value="### 导出")
