"""Book files to chapters: plain text, Markdown and pasted text (EPUB lives in ``epub``).

Text files are decoded as UTF-8, UTF-16 (with a byte-order mark) or GB18030, and the result
says which was used. Chapters start at headings: Markdown ``#`` lines, and lines such as
"Chapter 12", "CHAPTER XII", "第十二章", "Prologue" or "序章". Page numbers and footnote
markers are dropped.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from gpt_sovits.books.imported import ImportedBook, ImportedChapter, clean_text
from gpt_sovits.errors import StudioError

MAX_BOOK_BYTES = 16 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text")
MARKDOWN_SUFFIXES = (".md", ".markdown")
EPUB_SUFFIXES = (".epub",)
MAX_HEADING_CHARS = 60

_NUMBER = r"(?:\d+|[IVXLCDM]+|[ivxlcdm]+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|" \
          r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty[- a-z]*|thirty[- a-z]*|" \
          r"forty[- a-z]*|fifty[- a-z]*)"
HEADING_RE = re.compile(
    rf"^(?:(?:chapter|part|book|volume)\s+{_NUMBER}\b.*"
    r"|第\s*[0-9０-９零〇一二三四五六七八九十百千两]+\s*[章回节卷部篇集].*"
    r"|(?:prologue|epilogue|preface|foreword|introduction|afterword|interlude)\b.*"
    r"|(?:序章|序言|楔子|引子|尾声|后记|番外).{0,20})$",
    re.IGNORECASE,
)
def read_book_file(path: Path) -> ImportedBook:
    """Read a .txt, .md or .epub file (StudioError with a specific message when it cannot be used)."""
    path = Path(path)
    if not path.is_file():
        raise StudioError(f"The book file {path.name} does not exist.")
    size = path.stat().st_size
    if size == 0:
        raise StudioError(f"{path.name} is empty.")
    if size > MAX_BOOK_BYTES:
        raise StudioError(f"{path.name} is {size / 2**20:.1f} MB; books up to {MAX_BOOK_BYTES // 2**20} MB can be "
                          "imported. Split it into volumes and import each as its own book.")
    suffix = path.suffix.lower()
    if suffix in EPUB_SUFFIXES:
        from gpt_sovits.books.epub import read_epub

        return read_epub(path)
    if suffix not in TEXT_SUFFIXES + MARKDOWN_SUFFIXES:
        raise StudioError(f"{path.name}: only .txt, .md and .epub books can be imported.")
    text, encoding = decode_text(path.read_bytes(), path.name)
    book = parse_markdown(text) if suffix in MARKDOWN_SUFFIXES else parse_plain_text(text)
    book.notes.insert(0, f"Read {path.name} as {encoding}.")
    if not book.title:
        book.title = path.stem
    return book


def decode_text(data: bytes, name: str = "the text") -> tuple[str, str]:
    """(text, encoding used): a BOM decides; else UTF-8, then GB18030 when it gives Chinese text."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), "UTF-16" if encoding == "utf-16" else "UTF-8 (with BOM)"
            except UnicodeDecodeError as e:
                raise StudioError(f"{name} starts like {encoding} text but is damaged at byte {e.start}.") from e
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    letters = [c for c in text if c.isalpha()]
    if letters and sum("\u4e00" <= c <= "\u9fff" for c in letters) / len(letters) > 0.3:
        return text, "GB18030"
    raise StudioError(f"Could not tell the encoding of {name}: it is not UTF-8, UTF-16 (with a byte-order mark) or "
                      "GB18030 Chinese text. Save it as UTF-8 and import it again.")


def parse_plain_text(text: str, title: str = "") -> ImportedBook:
    """Chapters of a plain text: a new chapter at every heading line (kept as its first line)."""
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    chapters: list[ImportedChapter] = []
    front: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and len(stripped) <= MAX_HEADING_CHARS and HEADING_RE.match(stripped):
            chapters.append(ImportedChapter(stripped, stripped + "\n\n"))
        elif chapters:
            chapters[-1].text += line + "\n"
        else:
            front.append(line)
    return _with_front_matter(ImportedBook(title=title), chapters, "\n".join(front))


def _with_front_matter(book: ImportedBook, chapters: list[ImportedChapter], front: str) -> ImportedBook:
    from gpt_sovits.books.lines import is_speakable

    if is_speakable(front):
        first = next((line.strip() for line in front.split("\n") if line.strip()), "")
        if chapters and not book.title and len(first) <= MAX_HEADING_CHARS:
            book.title = first  # a short first line before the first chapter is the book's title
            front = front.split(first, 1)[1]
        if is_speakable(front) or not chapters:
            chapters.insert(0, ImportedChapter("Opening" if chapters else (book.title or "Text"), front))
    book.chapters = chapters
    if not chapters:
        raise StudioError("The text has nothing to speak: no letters or digits were found.")
    return book


_FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]^]+)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    (re.compile(r"<[^>\n]+>"), ""),  # inline HTML
    (re.compile(r"(?<![*\w])\*(?!\*)([^*\n]+)\*(?!\*)|(?<!\w)_([^_\n]+)_(?!\w)"), r"\1\2"),  # italics
)
_MD_BLOCK_RE = re.compile(r"^\s*(?:>\s?)+|^\s*(?:[-*+]|\d+[.)])\s+")
_MD_RULE_RE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_FOOTNOTE_DEF_RE = re.compile(r"^\[\^[^\]]+\]:.*$")


def parse_markdown(text: str) -> ImportedBook:
    """Chapters of a Markdown book: at the most common heading level (a lone ``#`` above them is
    the title); YAML front matter may give title, author and language. ``**bold**`` stays as emphasis."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    book = ImportedBook()
    meta = _FRONT_MATTER_RE.match(text)
    if meta:
        for raw in meta.group(1).splitlines():
            key, _, value = raw.partition(":")
            if key.strip().lower() in ("title", "author", "language", "lang") and value.strip():
                setattr(book, "language" if key.strip().lower() == "lang" else key.strip().lower(),
                        value.strip().strip("\"'"))
        text = text[meta.end():]
    levels = [len(m.group(1)) for m in map(_MD_HEADING_RE.match, text.split("\n")) if m]
    level = _chapter_level(levels)
    chapters: list[ImportedChapter] = []
    front: list[str] = []
    for raw in text.split("\n"):
        heading = _MD_HEADING_RE.match(raw)
        if heading and len(heading.group(1)) < level:
            book.title = book.title or _markdown_inline(heading.group(2))  # a title or part heading
            continue
        if heading and len(heading.group(1)) == level:
            title = _markdown_inline(heading.group(2))
            chapters.append(ImportedChapter(title, title + "\n\n"))
            continue
        line = "" if _MD_RULE_RE.match(raw) or _FOOTNOTE_DEF_RE.match(raw) else _markdown_line(raw, heading)
        if chapters:
            chapters[-1].text += line + "\n"
        else:
            front.append(line)
    for chapter in chapters:
        chapter.text = clean_text(chapter.text)
    return _with_front_matter(book, chapters, clean_text("\n".join(front)))


def _chapter_level(levels: list[int]) -> int:
    if not levels:
        return 0
    top = min(levels)
    if levels.count(top) == 1 and any(lv > top for lv in levels):
        return min(lv for lv in levels if lv > top)  # a single top heading is the book's title
    return top


def _markdown_line(raw: str, heading: re.Match | None) -> str:
    if heading:
        return _markdown_inline(heading.group(2)) + "\n"
    return _markdown_inline(_MD_BLOCK_RE.sub("", raw))


def _markdown_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return text.strip()


def pasted_text(text: str, title: str = "") -> ImportedBook:
    """Chapters of text pasted into the studio (no file, so no encoding to guess)."""
    if not text or not text.strip():
        raise StudioError("The pasted text is empty.")
    if len(text.encode("utf-8")) > MAX_BOOK_BYTES:
        raise StudioError(f"The pasted text is larger than {MAX_BOOK_BYTES // 2**20} MB; import it as a file in "
                          "volumes instead.")
    book = parse_plain_text(text, title)
    book.title = book.title or "Pasted text"
    return book
