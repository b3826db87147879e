"""A real browser imports a book in the Audiobook tab, renders a chapter, plays and re-renders one line."""

from __future__ import annotations

import pytest

from tests.ui.pages import SLOW_MS, expect_cell, expect_text, open_page, open_tab, shot
from tests.ui.server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def studio(tmp_path_factory, tiny_v2, speech_wav):
    from tests.books.conftest import make_voice

    root = tmp_path_factory.mktemp("audiobook")
    make_voice(root / "workspace", "narrator", speech_wav)
    with StudioProcess(pretrained=tiny_v2, workspace=root / "workspace", timeout_s=120) as server:
        yield server


def test_import_render_play_and_rerender_a_line(studio, tmp_path):
    book = tmp_path / "story.md"
    book.write_text("# Story\n\n## Dawn\n\nThe sun rose.\n\n## Dusk\n\nThe sun set. Night came.\n", encoding="utf-8")
    with open_page(studio.url) as page:
        open_tab(page, "Audiobook")
        page.locator("#book-new-name textarea, #book-new-name input").first.fill("story")
        page.locator("#book-file input[type=file]").set_input_files(str(book))
        page.locator("#book-import").click()
        expect_text(page, "#book-notes", "Imported 2 chapters, 4 lines.", timeout=60_000)
        expect_cell(page, "#book-chapters", "Dusk")
        page.locator("#book-render-chapter").click()
        expect_text(page, "#book-progress", "finished", timeout=SLOW_MS)
        cells = expect_cell(page, "#book-lines", "The sun rose.")
        assert "pending" not in cells
        page.locator("#line-number input").fill("2")
        page.locator("#line-play").click()
        expect_text(page, "#line-status", "Line 2:")
        # the player is given the take's WAV (served by Gradio from the book's take store)
        page.wait_for_function("document.querySelector('#line-audio').innerHTML.includes('.wav')", timeout=30_000)
        page.locator("#line-text textarea").fill("The sun rose slowly.")
        page.locator("#line-rerender").click()
        expect_cell(page, "#book-lines", "The sun rose slowly.", timeout=SLOW_MS)
        expect_text(page, "#line-status", "Line 2:")
        shot(page, "audiobook-line-rerendered")
        assert "pending" not in page.locator("#line-status").inner_text()
        # the whole book, then the Export panel at the end of the tab (issue 19)
        page.locator("#book-render-all").click()
        expect_text(page, "#book-progress", "4/4 lines", timeout=SLOW_MS)  # not the first render's "finished"
        page.locator("#export-target").get_by_label("None (levels as rendered)").check()
        page.locator("#export-run").click()
        expect_text(page, "#export-report", "Delivery report: Story", timeout=SLOW_MS)
        report = expect_text(page, "#export-report", "Story.m4b")
        assert "01 - Dawn.mp3" in report and "result: **" not in report  # rendered as Markdown, not raw
        assert "Flagged lines were exported as they are" in report  # the tiny models' takes are flagged
        page.locator('#export-files [aria-label="Story.m4b"]').wait_for(timeout=30_000)  # offered for download
        shot(page, "audiobook-exported")
