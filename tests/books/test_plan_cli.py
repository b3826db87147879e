"""Planning lines (voices, quoted speech, the book's dictionary) and the `book` command line, without models."""

from __future__ import annotations

import pytest

from gpt_sovits.books.importing import pasted_text
from gpt_sovits.books.project import BookStore
from gpt_sovits.books.render import plan_lines
from gpt_sovits.cli import main
from tests.books.conftest import make_voice

TEXT = "Chapter 1\nShe smiled. “Come in, please,” said the GIF maker.\n"


@pytest.fixture
def project(book_workspace, speech_wav):
    make_voice(book_workspace, "child", speech_wav)
    project = BookStore(book_workspace).create("b")
    project.fill_from(pasted_text(TEXT))
    project.set_metadata(narrator_voice="narrator", language="en")
    return project


def test_quoted_speech_and_single_lines_take_their_voices(project, book_workspace, tiny_v2):
    voices = [p.request.voice.name for p in plan_lines(project, book_workspace, tiny_v2)]
    assert voices == ["narrator"] * 4
    project.set_chapter_voices(1, quote_voice="child")
    planned = plan_lines(project, book_workspace, tiny_v2)
    assert [(p.line.text, p.request.voice.name) for p in planned] == [
        ("Chapter 1", "narrator"), ("She smiled.", "narrator"), ("“Come in, please,”", "child"),
        ("said the GIF maker.", "narrator")]
    project.set_line_voice(planned[1].line.id, "child")
    assert plan_lines(project, book_workspace, tiny_v2)[1].request.voice.name == "child"


def test_the_book_dictionary_changes_what_is_spoken_and_the_key(project, book_workspace, tiny_v2):
    before = plan_lines(project, book_workspace, tiny_v2)
    project.dictionary_path.write_text("GIF\tJH IH1 F\n", encoding="utf-8")
    after = plan_lines(project, book_workspace, tiny_v2)
    assert after[3].request.text == "said the {GIF|JH IH1 F} maker."
    assert after[3].request.key != before[3].request.key
    assert [a.request.key for a in after[:3]] == [b.request.key for b in before[:3]]


def test_book_commands(tmp_path, capsys):
    book = tmp_path / "story.md"
    book.write_text("# Story\n\n## One\n\nHello.\n\n## Two\n\nBye.\n", encoding="utf-8")
    ws = str(tmp_path / "ws")
    assert main(["book", "new", "story", "--workspace", ws, "--author", "Ann"]) == 0
    assert main(["book", "import", "story", str(book), "--workspace", ws]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 chapters, 4 lines." in out and "  1. One: 2 lines, 0 with a take" in out
    assert main(["book", "status", "story", "--workspace", ws, "--lines"]) == 0
    assert "pending  Hello." in capsys.readouterr().out
    assert main(["book", "import", "other", str(tmp_path / "missing.epub"), "--workspace", ws]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["book", "render", "story", "--workspace", ws, "--pretrained", str(tmp_path)]) == 2
    assert "No voice is chosen for this book" in capsys.readouterr().err
    for action in ("new", "import", "status", "render"):
        with pytest.raises(SystemExit) as done:
            main(["book", action, "--help"])
        assert done.value.code == 0
        assert f"usage: python -m gpt_sovits book {action}" in capsys.readouterr().out
