"""Book files to chapters: plain text, Markdown and pasted text (EPUB lives in ``epub``).

Text files are decoded as UTF-8, UTF-16 (with a byte-order mark), GB18030 or Windows-1252 (older Western
texts), and the result says which was used. Chapters start at headings: Markdown ``#`` lines, and lines
such as "Chapter 12", "CHAPTER XII", "第十二章", "Prologue" or "序章" (in plain text also a Roman numeral
alone between blank lines). Page numbers and footnote markers are dropped, and so are a plain text's table
of contents and Project Gutenberg's header and licence.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from gpt_sovits.books.imported import CONTENTS_TITLE_RE, ImportedBook, ImportedChapter, clean_text
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
    """(text, encoding used): a BOM decides; else UTF-8, then GB18030 when it gives Chinese text, then
    Windows-1252 when it gives Western text."""
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
    western = _western_text(data)
    if western is not None:
        return western, "Windows-1252 (Western European)"
    raise StudioError(f"Could not tell the encoding of {name}: it is not UTF-8, UTF-16 (with a byte-order mark), "
                      "GB18030 Chinese or Western European (Windows-1252, Latin-1) text. Save it as UTF-8 and import "
                      "it again.")


def _western_text(data: bytes) -> str | None:
    """``data`` as Windows-1252 (a superset of Latin-1's printable characters, the encoding of older Western
    texts, Project Gutenberg's among them) when it reads as such: mostly ASCII, and every other byte a letter,
    a punctuation mark or a symbol, never a control character."""
    import unicodedata

    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [c for c in text if ord(c) > 127]
    if len(high) > 0.3 * len(text) or any(unicodedata.category(c)[0] not in "LPSZN" for c in high):
        return None
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t\f" for c in text):
        return None
    return text


def parse_plain_text(text: str, title: str = "") -> ImportedBook:
    """Chapters of a plain text: a new chapter at every heading line (kept as its first line).

    A Project Gutenberg text loses its header and licence (the header's Title, Author and Language are
    kept as metadata), ``[Illustration]`` marks are dropped, a table of contents (headings with no text
    under them that come again later) is left out, and a short line right under a heading ("CHAPTER I." /
    "Down the Rabbit-Hole") joins the chapter's title."""
    book = ImportedBook(title=title)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = _ILLUSTRATION_RE.sub("", _without_gutenberg_frame(text, book))
    text = clean_text(text)
    chapters: list[ImportedChapter] = []
    front: list[str] = []
    rows = text.split("\n")
    for k, line in enumerate(rows):
        stripped = line.strip()
        if (stripped and len(stripped) <= MAX_HEADING_CHARS and HEADING_RE.match(stripped)) or _numeral_heading(rows, k):
            chapters.append(ImportedChapter(stripped, stripped + "\n\n"))
        elif chapters:
            chapters[-1].text += line + "\n"
        else:
            front.append(line)
    chapters, front = _without_contents_list(chapters, front)
    front = _without_front_contents(front) if chapters else front
    for chapter in chapters:
        chapter.title = _with_subtitle(chapter)
    return _with_front_matter(book, chapters, "\n".join(front))


# Project Gutenberg's plain texts: the book sits between these two marks, under a header and above a licence.
_GUTENBERG_START_RE = re.compile(r"^\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b.*$",
                                 re.IGNORECASE | re.MULTILINE)
_GUTENBERG_END_RE = re.compile(r"^(?:\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b|End of (?:the )?"
                               r"Project Gutenberg(?:'s)?\b).*$", re.IGNORECASE | re.MULTILINE)
_GUTENBERG_FIELD_RE = re.compile(r"^(title|author|language):[ \t]*(\S.*)$", re.IGNORECASE | re.MULTILINE)
_LANGUAGE_NAMES = {"english": "en", "chinese": "zh", "japanese": "ja", "korean": "ko", "cantonese": "yue"}
_ILLUSTRATION_RE = re.compile(r"\[(?:Illustration|Ilustraci[oó]n|插图)(?::[^\]]*)?\]", re.IGNORECASE)
_SENTENCE_END = tuple(".!?。！？…\"”’'」』)]:;；：,，")
_CJK_HEADING_RE = re.compile(r"第\s*[0-9０-９零〇一二三四五六七八九十百千两]+\s*[章回节卷部篇集]")


def _without_gutenberg_frame(text: str, book: ImportedBook) -> str:
    """The book inside a Project Gutenberg text (unchanged when it is not one); metadata from its header."""
    start = _GUTENBERG_START_RE.search(text)
    if not start:
        return text
    for field, value in _GUTENBERG_FIELD_RE.findall(text[: start.start()]):
        field, value = field.lower(), value.strip()
        if field == "language":
            value = _LANGUAGE_NAMES.get(value.lower(), value)
        if not getattr(book, field):
            setattr(book, field, value)
    body = text[start.end():]
    end = _GUTENBERG_END_RE.search(body)
    book.notes.append("Project Gutenberg's header and licence were left out.")
    return body[: end.start()] if end else body


_ROMAN_RE = re.compile(r"^(?=[IVXLC])(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\.?$")


def _numeral_heading(rows: list[str], k: int) -> bool:
    """A chapter number alone on its line ("IV", "XII."), with a blank line (or the text's edge) before and after."""
    if not _ROMAN_RE.match(rows[k].strip()):
        return False
    return (k == 0 or not rows[k - 1].strip()) and (k + 1 == len(rows) or not rows[k + 1].strip())


def _without_front_contents(front: list[str]) -> list[str]:
    """The text before the first chapter without a table of contents at its end: a "Contents" line and, after it,
    only short lines (entries), no paragraph of prose."""
    at = next((k for k, line in enumerate(front) if CONTENTS_TITLE_RE.match(line)), None)
    if at is None or any(len(line.strip()) > MAX_HEADING_CHARS + 20 for line in front[at + 1:]):
        return front
    return front[:at]


def _heading_key(title: str) -> str:
    """What identifies a heading across a table of contents and the chapter itself: "chapter iv", "第四章"."""
    cjk = _CJK_HEADING_RE.match(title.strip())
    if cjk:
        return re.sub(r"\s", "", cjk.group(0))
    words = re.findall(r"\w+", title.lower())
    return " ".join(words[:2] if words and words[0] in ("chapter", "part", "book", "volume") else words[:1])


def _without_contents_list(chapters: list[ImportedChapter], front: list[str]):
    """Drop the headings of a table of contents: no text under them, and the same heading comes again later
    (with its "Contents" line, when that is the last line before them)."""
    from gpt_sovits.books.lines import is_speakable

    keys = [_heading_key(c.title) for c in chapters]
    dropped = [i for i, c in enumerate(chapters)
               if not is_speakable(c.text.partition("\n")[2]) and keys[i] and keys[i] in keys[i + 1:]]
    if not dropped:
        return chapters, front
    first = dropped[0]
    if first == 0:
        while front and not front[-1].strip():
            front.pop()
        if front and CONTENTS_TITLE_RE.match(front[-1]):
            front.pop()
    else:
        lines = chapters[first - 1].text.rstrip().split("\n")
        if len(lines) > 1 and CONTENTS_TITLE_RE.match(lines[-1]):
            chapters[first - 1].text = "\n".join(lines[:-1]) + "\n"
    return [c for i, c in enumerate(chapters) if i not in dropped], front


def _with_subtitle(chapter: ImportedChapter) -> str:
    """The chapter's title with the short line just under its heading when that line is a subtitle: no
    sentence punctuation at its end, and a blank line after it."""
    lines = chapter.text.split("\n")[1:]
    at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if at is None or (at + 1 < len(lines) and lines[at + 1].strip()):
        return chapter.title
    subtitle = lines[at].strip()
    if (len(subtitle) > MAX_HEADING_CHARS - len(chapter.title) or subtitle.endswith(_SENTENCE_END)
            or HEADING_RE.match(subtitle) or subtitle.startswith(("“", '"', "「", "『", "‘", "'", "-", "—"))):
        return chapter.title
    if at + 1 >= len(lines) or not any(line.strip() for line in lines[at + 1:]):
        return chapter.title  # the chapter's only line is its text, not a subtitle
    joint = " " if chapter.title.endswith((".", ":", "。", "：")) or _CJK_HEADING_RE.match(chapter.title) else ": "
    return chapter.title + joint + subtitle


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
    import html

    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return html.unescape(text).strip()  # "&mdash;" and "&amp;" as the characters they stand for


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
