"""Importing books: EPUB (written here with ebooklib), Markdown, GB18030 text, pasted text, bad input."""

from __future__ import annotations

import zipfile

import pytest

from gpt_sovits.books.importing import MAX_BOOK_BYTES, decode_text, pasted_text, read_book_file
from gpt_sovits.books.lines import split_lines
from gpt_sovits.books.project import BookStore
from gpt_sovits.errors import ConfigError, StudioError

TITLES = ["The Beginning", "The Middle", "The End"]


def write_epub(path, titles=TITLES, cover=True):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("test-book")
    book.set_title("A Test Book")
    book.set_language("en")
    book.add_author("Ann Author")
    if cover:
        book.set_cover("cover.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    chapters = []
    for i, title in enumerate(titles, start=1):
        ch = epub.EpubHtml(title=title, file_name=f"ch{i}.xhtml", lang="en")
        ch.content = (f"<html><body><h1>{title}</h1><p>Sentence one of chapter {i}.<sup><a epub:type=\"noteref\" "
                      f"href=\"#n{i}\">{i}</a></sup> Another <em>sentence</em>.</p>"
                      f"<span epub:type=\"pagebreak\" title=\"{i * 10}\">{i * 10}</span>"
                      f"<p>“Hello there,” she said.</p><aside epub:type=\"footnote\" id=\"n{i}\">A footnote.</aside>"
                      "</body></html>")
        book.add_item(ch)
        chapters.append(ch)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(path), book)
    return path


def test_epub_chapters_metadata_and_clean_text(tmp_path):
    store = BookStore(tmp_path / "ws")
    project = store.create("novel")
    notes = project.fill_from(read_book_file(write_epub(tmp_path / "book.epub")))
    book = store.open("novel").book
    assert [c.title for c in book.chapters] == TITLES
    assert (book.title, book.author, book.language) == ("A Test Book", "Ann Author", "en")
    assert (project.root / book.cover).read_bytes().startswith(b"\x89PNG")
    texts = [line.text for line in book.chapters[1].lines]
    assert texts == ["The Middle", "Sentence one of chapter 2. Another sentence.", "“Hello there,”", "she said."]
    assert book.chapters[1].lines[2].quoted
    assert "Imported 3 chapters" in notes[-1]
    assert not any("footnote" in t or "20" in t for c in book.chapters for t in (ln.text for ln in c.lines))


def write_gutenberg_style_epub(path):
    """Chapters that share files, found through anchors in the navigation (as Project Gutenberg's EPUBs are
    made): a part heading with its chapters nested below it, an old-style ``<a name>`` anchor, an epigraph
    before the first anchor, and a file of its own at the end."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("shared-files")
    book.set_title("Shared Files")
    book.set_language("en")
    one = epub.EpubHtml(title="Part one", file_name="text/part1.xhtml", lang="en")
    one.content = ("<html><body><section class=\"pg-boilerplate pgheader\" id=\"pg-header\"><h2>The Project "
                   "Gutenberg eBook of Shared Files</h2><p>This ebook is for the use of anyone anywhere.</p></section>"
                   "<p>An epigraph before any chapter.</p><h2>CONTENTS</h2><table>"
                   + "".join(f"<tr><td><a href=\"#ch{i}\">CHAPTER {n}</a></td></tr>" for i, n in ((1, "I"), (2, "II")))
                   + "<tr><td><a href=\"part2.xhtml#ch3\">CHAPTER III</a></td></tr></table>"
                   "<p>Read this on <a href=\"https://example.org\">the web</a>, <a href=\"https://example.org\">too"
                   "</a> and <a href=\"https://example.org\">there</a>.</p>"
                   "<div><h2 id=\"part1\">PART ONE</h2></div>"
                   "<div class=\"chapter\"><h2><a id=\"ch1\"></a>CHAPTER I<sup><a epub:type=\"noteref\" "
                   "href=\"#n1\">1</a></sup></h2><p>The first chapter begins.</p><p>It ends.</p></div>"
                   "<div class=\"chapter\"><a name=\"ch2\"></a><h2>CHAPTER II</h2><p>The second chapter.</p></div>"
                   "<aside epub:type=\"footnote\" id=\"n1\">A note.</aside></body></html>")
    two = epub.EpubHtml(title="Chapter three", file_name="text/part2.xhtml", lang="en")
    two.content = "<html><body><h2 id=\"ch3\">CHAPTER III</h2><p>The third chapter, in a file of its own.</p></body></html>"
    rights = epub.EpubHtml(title="Rights", file_name="text/rights.xhtml", lang="en")
    rights.content = ("<html><body><section epub:type=\"copyright-page\"><p>Copyright 2026. All rights reserved."
                      "</p></section></body></html>")
    printed = epub.EpubHtml(title="Contents", file_name="text/contents.xhtml", lang="en")
    printed.content = ("<html><body><h1>Table of Contents</h1><ul>"
                       "<li><a href=\"part1.xhtml#part1\">Part One</a></li><li><a href=\"part1.xhtml#ch1\">Chapter I"
                       "</a></li><li><a href=\"part1.xhtml#ch2\">Chapter II</a></li></ul></body></html>")
    book.add_item(rights)
    book.add_item(printed)
    book.add_item(one)
    book.add_item(two)
    book.toc = [(epub.Section("Part One", href="text/part1.xhtml#part1"),
                 [epub.Link("text/part1.xhtml#ch1", "Chapter I", "c1"),
                  epub.Link("text/part1.xhtml#ch2", "Chapter II", "c2")]),
                epub.Link("text/part2.xhtml#ch3", "Chapter III", "c3")]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    licence = epub.EpubHtml(title="Licence", file_name="text/licence.xhtml", lang="en")
    licence.content = ("<html><body><section class=\"pg-boilerplate pgfooter\" id=\"pg-footer\"><p>*** END OF THE "
                       "PROJECT GUTENBERG EBOOK ***</p><p>The full licence, not to be read aloud.</p></section>"
                       "</body></html>")
    book.add_item(licence)
    book.spine = ["nav", rights, printed, one, two, licence]
    epub.write_epub(str(path), book)
    return path


def test_epub_chapters_that_share_a_file_are_split_at_their_anchors(tmp_path):
    imported = read_book_file(write_gutenberg_style_epub(tmp_path / "shared.epub"))
    assert [c.title for c in imported.chapters] == ["Shared Files", "Part One", "Chapter I", "Chapter II",
                                                    "Chapter III"]
    texts = [c.text for c in imported.chapters]
    assert texts[0] == ("An epigraph before any chapter.\n\nRead this on the web, too and there.")  # web links stay
    assert "3 part(s) with nothing to read aloud" in " ".join(imported.notes)  # copyright, printed contents, licence
    assert "Project Gutenberg's header and licence were left out." in imported.notes
    assert texts[1] == "PART ONE"
    assert texts[2] == "CHAPTER I\n\nThe first chapter begins.\n\nIt ends."
    assert texts[3] == "CHAPTER II\n\nThe second chapter."
    assert texts[4] == "CHAPTER III\n\nThe third chapter, in a file of its own."


def test_epub_anchor_missing_from_its_file_keeps_the_file_whole(tmp_path):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("missing-anchor")
    book.set_title("Missing")
    book.set_language("en")
    ch = epub.EpubHtml(title="One", file_name="one.xhtml", lang="en")
    ch.content = "<html><body><h1>Heading</h1><p>All of it.</p><p>Still the same chapter.</p></body></html>"
    book.add_item(ch)
    book.toc = [epub.Link("one.xhtml#nowhere", "The Only Chapter", "c1")]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", ch]
    epub.write_epub(str(tmp_path / "m.epub"), book)
    imported = read_book_file(tmp_path / "m.epub")
    assert [(c.title, c.text) for c in imported.chapters] == [
        ("The Only Chapter", "Heading\n\nAll of it.\n\nStill the same chapter.")]


GUTENBERG_TEXT = """The Project Gutenberg eBook of The Lantern Keeper

This ebook is for the use of anyone anywhere at no cost.

Title: The Lantern Keeper

Author: Mara Quill

Language: English


*** START OF THE PROJECT GUTENBERG EBOOK THE LANTERN KEEPER ***

THE LANTERN KEEPER

by Mara Quill

[Illustration]

Contents

 CHAPTER I.     The Tower on the Cliff
 CHAPTER II.    A Storm Comes In


CHAPTER I.
The Tower on the Cliff

[Illustration: The tower at dusk]

The keeper climbed the stairs every evening.

“Another night,” he said.


CHAPTER II.
A Storm Comes In

The wind rose before midnight.

*** END OF THE PROJECT GUTENBERG EBOOK THE LANTERN KEEPER ***

Section 1. General Terms of Use of this licence, which nobody wants read aloud.
"""


def test_project_gutenberg_text_loses_its_frame_contents_and_illustration_marks(tmp_path):
    path = tmp_path / "pg12345.txt"
    path.write_text(GUTENBERG_TEXT, encoding="utf-8")
    imported = read_book_file(path)
    assert (imported.title, imported.author, imported.language) == ("The Lantern Keeper", "Mara Quill", "en")
    assert "header and licence were left out" in " ".join(imported.notes)
    assert [c.title for c in imported.chapters] == ["Opening", "CHAPTER I. The Tower on the Cliff",
                                                    "CHAPTER II. A Storm Comes In"]
    spoken = " ".join(" ".join(c.text.split()) for c in imported.chapters)
    assert spoken == ("THE LANTERN KEEPER by Mara Quill CHAPTER I. The Tower on the Cliff The keeper climbed the "
                      "stairs every evening. “Another night,” he said. CHAPTER II. A Storm Comes In The wind rose "
                      "before midnight.")


def test_plain_text_headings_without_text_stay_when_they_do_not_come_again():
    from gpt_sovits.books.importing import parse_plain_text

    book = parse_plain_text("A Book\n\nPART ONE\n\nChapter 1\nIt was late when we arrived.\nWe slept.\n\n"
                            "Chapter 2\n\nDawn\n\nChapter 3\n目录\n")
    assert [c.title for c in book.chapters] == ["PART ONE", "Chapter 1", "Chapter 2", "Chapter 3"]
    assert book.title == "A Book"
    # a short line under a heading is a subtitle only with a blank line after it and more text below
    assert book.chapters[2].text.split() == ["Chapter", "2", "Dawn"]


def test_chinese_contents_list_is_left_out_and_subtitles_join():
    from gpt_sovits.books.importing import parse_plain_text

    book = parse_plain_text("灯塔\n\n目录\n第一章 风起\n第二章\n\n第一章\n风起\n\n夜里起了大风。\n\n第二章\n\n天亮了。\n")
    assert [c.title for c in book.chapters] == ["第一章 风起", "第二章"]
    assert book.title == "灯塔"
    assert "目录" not in "".join(c.text for c in book.chapters)


def test_markdown_chapters_and_title(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("---\nauthor: Bea Writer\n---\n# My Story\n\n## First Light\n\nIt was **very** dark. See "
                    "[the map](map.png)[^1].\n\n[^1]: A note.\n\n## Second Wind\n\n- A list item ends here.\n",
                    encoding="utf-8")
    book = read_book_file(path)
    assert (book.title, book.author) == ("My Story", "Bea Writer")
    assert [c.title for c in book.chapters] == ["First Light", "Second Wind"]
    lines = [ln.text for ln in split_lines(book.chapters[0].text)]
    assert lines == ["First Light", "It was **very** dark. See the map."]


def test_gb18030_text_with_chinese_and_english_headings(tmp_path):
    text = "书名\n\n第一章 开始\n这是第一章。\n12\n\n第十二章 结束\n她说：“你好，世界！”\n\nCHAPTER XII\nThe end.\n"
    path = tmp_path / "book.txt"
    path.write_bytes(text.encode("gb18030"))
    book = read_book_file(path)
    assert book.notes[0] == "Read book.txt as GB18030."
    assert book.title == "书名"
    assert [c.title for c in book.chapters] == ["第一章 开始", "第十二章 结束", "CHAPTER XII"]
    assert [ln.text for ln in split_lines(book.chapters[0].text)] == ["第一章 开始", "这是第一章。"]


def test_encodings_are_detected_and_named():
    assert decode_text("Chapter 1\nHi.".encode("utf-16")) == ("Chapter 1\nHi.", "UTF-16")
    assert decode_text("héllo".encode())[1] == "UTF-8"
    assert decode_text("“Café,” she said — crème brûlée.".encode("cp1252")) == (
        "“Café,” she said — crème brûlée.", "Windows-1252 (Western European)")
    assert decode_text("naïve".encode("latin-1"))[0] == "naïve"
    with pytest.raises(StudioError, match="Could not tell the encoding"):
        decode_text(bytes(range(256)) * 4)  # binary: control characters
    with pytest.raises(StudioError, match="Could not tell the encoding"):
        decode_text("Привет, как дела? Это текст по-русски.".encode("cp1251"))  # mostly high bytes, not Western


def test_pasted_text():
    book = pasted_text("Chapter 1\nHello.\nChapter 2\nBye.", title="Notes")
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    with pytest.raises(StudioError, match="empty"):
        pasted_text("  \n")


@pytest.mark.parametrize("case, message", [
    ("renamed_zip", "not an EPUB .*renamed"),
    ("not_zip", "not an EPUB: an EPUB is a zip archive"),
    ("drm", "protected by DRM"),
    ("empty", "is empty"),
    ("malformed", "damaged EPUB"),
    ("no_text", "no readable text"),
])
def test_bad_epubs_get_specific_messages(tmp_path, case, message):
    path = tmp_path / "bad.epub"
    if case == "renamed_zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("notes.txt", "hello")
    elif case == "not_zip":
        path.write_bytes(b"just some bytes, not an archive")
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "no_text":
        write_epub(path, titles=["Only images"])
        _rewrite(path, "EPUB/ch1.xhtml", b"<html><body><img src='x.png'/></body></html>")
    else:
        write_epub(path)
        if case == "drm":
            _rewrite(path, "META-INF/encryption.xml", b'<encryption><EncryptedData><EncryptionMethod '
                     b'Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/></EncryptedData></encryption>')
        else:
            _rewrite(path, "EPUB/content.opf", b"<package><broken")
    with pytest.raises(StudioError, match=message):
        read_book_file(path)


def _rewrite(path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries[name] = data
    with zipfile.ZipFile(path, "w") as z:
        for n, d in entries.items():
            z.writestr(n, d)


def test_too_large_text_and_unspeakable_text(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(20 * 1024 * 1024)
    assert big.stat().st_size > MAX_BOOK_BYTES
    with pytest.raises(StudioError, match="20.0 MB; books up to 16 MB"):
        read_book_file(big)
    dots = tmp_path / "dots.txt"
    dots.write_text("... !!! ---\n", encoding="utf-8")
    with pytest.raises(StudioError, match="nothing to speak"):
        read_book_file(dots)


def test_chapter_without_speakable_text_is_left_out_with_a_note(tmp_path):
    project = BookStore(tmp_path).create("b")
    notes = project.fill_from(pasted_text("Chapter 1\nHello.\nChapter 2\n"))
    assert [c.title for c in project.book.chapters] == ["Chapter 1", "Chapter 2"]  # the heading is spoken
    notes = BookStore(tmp_path).create("c").fill_from(pasted_text("Chapter 1\nHello.\n\n***\n"))
    assert "Imported 1 chapters" in notes[-1]


def test_book_names_are_checked_and_kept_inside(tmp_path):
    store = BookStore(tmp_path)
    for bad in ("../escape", "a/b", "", ".hidden"):
        with pytest.raises(ConfigError, match="book name"):
            store.create(bad)
    store.create("ok")
    with pytest.raises(StudioError, match="exists already"):
        store.create("ok")
    with pytest.raises(StudioError, match="There is no book named 'nope'"):
        store.open("nope")


def test_chapter_edits_are_saved(tmp_path):
    store = BookStore(tmp_path)
    project = store.create("b")
    project.fill_from(pasted_text("Chapter 1\nOne. Two.\nChapter 2\nThree.\nChapter 3\nFour.\n"))
    project.rename_chapter(1, "Opening")
    project.move_chapter(3, 1)
    project.merge_with_next(2)  # "Opening" takes chapter 2's lines
    project.exclude_chapter("Chapter 3")
    project.split_chapter("Opening", 3, "Split off")
    book = store.open("b").book
    assert [(c.title, c.excluded, [ln.text for ln in c.lines]) for c in book.chapters] == [
        ("Chapter 3", True, ["Chapter 3", "Four."]),
        ("Opening", False, ["Chapter 1", "One. Two."]),
        ("Split off", False, ["Chapter 2", "Three."]),
    ]
    with pytest.raises(StudioError, match="line from 2 to"):
        project.split_chapter(2, 1, "x")


def test_a_line_edit_rewrites_one_chapter_file(tmp_path):
    store = BookStore(tmp_path)
    project = store.create("b")
    project.fill_from(pasted_text("Chapter 1\nOne.\nChapter 2\nTwo.\n"))
    files = sorted((project.root / "chapters").glob("*.json"))
    assert len(files) == 2
    before = {f.name: f.stat().st_mtime_ns for f in files}
    second = project.book.chapters[1]
    project.edit_line(second.lines[1].id, "Two, edited.")
    after = {f.name: f.stat().st_mtime_ns for f in files}
    assert after[f"{project.book.chapters[0].id}.json"] == before[f"{project.book.chapters[0].id}.json"]
    assert after[f"{second.id}.json"] != before[f"{second.id}.json"]
    assert store.open("b").book.chapters[1].lines[1].text == "Two, edited."
    project.merge_with_next(1)
    assert [f.name for f in (project.root / "chapters").glob("*.json")] == [f"{project.book.chapters[0].id}.json"]


def test_hard_wrapped_paragraphs_stay_whole_and_one_line_paragraphs_stay_apart():
    from gpt_sovits.books.lines import paragraphs

    wrapped = ("The keeper climbed the stairs every evening, counting each one as he went.\n"
               "He lit the lamp. Then he sat by the window and watched the dark sea, until Mr.\n"
               "Hale came up with the tea.\n\n"
               "The wind rose before midnight, and the shutters began to knock against the\n"
               "stone walls of the old tower, one after another, all night long, all night.\n"
               "Nobody slept.\n")
    assert paragraphs(wrapped) == [
        "The keeper climbed the stairs every evening, counting each one as he went. He lit the lamp. Then he sat "
        "by the window and watched the dark sea, until Mr. Hale came up with the tea.",
        "The wind rose before midnight, and the shutters began to knock against the stone walls of the old tower, "
        "one after another, all night long, all night. Nobody slept."]
    one_per_line = "He waited.\nShe came at last, as she had said she would, with Mr.\nHale.\n\nThe end.\n"
    assert paragraphs(one_per_line) == ["He waited.", "She came at last, as she had said she would, with Mr. Hale.",
                                        "The end."]


def test_epub3_with_only_a_navigation_document_in_a_subfolder(tmp_path):
    """No NCX although the spine names one (ebooklib writes such files; so do some shops): the EPUB 3
    navigation document, whose links are relative to its own folder, gives the chapter titles."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("nav-only")
    book.set_title("Nav Only")
    book.set_language("en")
    chapters = []
    for i in (1, 2):
        ch = epub.EpubHtml(title=f"T{i}", file_name=f"Text/ch{i}.xhtml", lang="en")
        ch.content = f"<html><body><p>Body text number {i}, without a heading.</p></body></html>"
        book.add_item(ch)
        chapters.append(ch)
    book.toc = [epub.Link(f"Text/ch{i}.xhtml", f"Real Title {i}", f"c{i}") for i in (1, 2)]
    book.add_item(epub.EpubNav(file_name="Text/nav.xhtml"))
    book.spine = ["nav", *chapters]
    epub.write_epub(str(tmp_path / "nav.epub"), book)
    with zipfile.ZipFile(tmp_path / "nav.epub") as archive:
        assert not any(name.endswith(".ncx") for name in archive.namelist())
    imported = read_book_file(tmp_path / "nav.epub")
    assert [(c.title, c.text) for c in imported.chapters] == [
        ("Real Title 1", "Body text number 1, without a heading."),
        ("Real Title 2", "Body text number 2, without a heading.")]


def test_roman_numeral_headings_and_a_contents_list_that_is_not_made_of_headings():
    from gpt_sovits.books.importing import parse_plain_text

    text = ("ALICE IN A DREAM\n\nby Someone\n\nCONTENTS\n\n     I. Down the Rabbit-Hole\n    II. The Pool of Tears\n\n\n"
            "I.\n\nDOWN THE RABBIT-HOLE\n\nAlice was tired of sitting by her sister.\n\n"
            "II\n\nTHE POOL OF TEARS\n\n“Curiouser and curiouser!” cried Alice.\nI\nthought so too.\n\nMIX\n\nNot a numeral.")
    book = parse_plain_text(text)
    assert book.title == "ALICE IN A DREAM"
    assert [c.title for c in book.chapters] == ["Opening", "I. DOWN THE RABBIT-HOLE", "II: THE POOL OF TEARS"]
    assert book.chapters[0].text.split() == ["by", "Someone"]  # the contents list is left out
    assert "I\nthought so too." in book.chapters[2].text and "MIX" in book.chapters[2].text


def test_british_single_quotes_are_speech_and_apostrophes_are_not():
    lines = split_lines("‘I don’t know,’ said Alice, ‘what you mean.’ The girls’ books lay there.\n\n"
                        "It’s the Queen’s croquet-ground, isn’t it?")
    assert [(ln.text, ln.quoted) for ln in lines] == [
        ("‘I don’t know,’", True), ("said Alice,", False), ("‘what you mean.’", True),
        ("The girls’ books lay there.", False), ("It’s the Queen’s croquet-ground, isn’t it?", False)]


def test_html_named_entities_in_xhtml_become_their_characters():
    from gpt_sovits.books.epub import xhtml_text

    doctype = b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'
    body = (b"<h1>Caf&eacute;</h1><p>Hello&nbsp;world &mdash; and&hellip; &amp; &#8220;quoted&#8221; &#x4E2D; "
            b"&lt;tag&gt;</p>")
    for head in (b'<?xml version="1.0" encoding="utf-8"?>' + doctype, b""):
        content = head + b'<html xmlns="http://www.w3.org/1999/xhtml"><body>' + body + b"</body></html>"
        assert xhtml_text(content) == ("Café", "Café\n\nHello world — and… & “quoted” 中 <tag>")
    latin1 = (b'<?xml version="1.0" encoding="iso-8859-1"?><html><body><p>na\xefve &eacute;t&eacute;</p></body></html>')
    assert xhtml_text(latin1) == ("", "naïve été")


def test_markdown_entities_are_characters():
    from gpt_sovits.books.importing import parse_markdown

    book = parse_markdown("# Book\n\n## One &amp; Two\n\nHello&nbsp;there &mdash; <b>bold</b>, 5 &lt; 6.\n\n## Three\n\nText.")
    assert [c.title for c in book.chapters] == ["One & Two", "Three"]
    assert " ".join(book.chapters[0].text.split()) == "One & Two Hello there — bold, 5 < 6."
