"""EPUB books through ebooklib: chapters from the spine and the navigation, text from the XHTML.

Checked before ebooklib reads the file, each with its own message: not a zip archive, a zip
that is not an EPUB (a renamed .zip), DRM (``META-INF/encryption.xml`` that encrypts more than
fonts, or Adobe's ``rights.xml``), and no readable text. Footnotes, note markers, page breaks,
page numbers, printed tables of contents, copyright pages and Project Gutenberg's header and licence
are left out of the text.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from gpt_sovits.books.imported import CONTENTS_TITLE_RE, ImportedBook, ImportedChapter, clean_text
from gpt_sovits.books.lines import is_speakable
from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

# Font obfuscation uses encryption.xml too; only these algorithms are not DRM.
FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")
OPS_TYPE = "{http://www.idpf.org/2007/ops}type"
SKIPPED_TYPES = {"footnote", "endnote", "endnotes", "footnotes", "rearnote", "rearnotes", "noteref", "pagebreak",
                 "annoref", "toc", "landmarks", "page-list", "loi", "lot", "index", "copyright-page"}
SKIPPED_ROLES = {"doc-footnote", "doc-endnote", "doc-endnotes", "doc-noteref", "doc-pagebreak", "doc-toc",
                 "doc-index"}
# Project Gutenberg's EPUBs: its header, licence and page numbers (ebookmaker's names for them)
GUTENBERG_IDS = {"pg-header", "pg-footer", "pg-start-separator", "pg-end-separator", "pg-smallprint",
                 "pg-machine-header", "project-gutenberg-license"}
SKIPPED_CLASSES = {"pg-boilerplate", "x-ebookmaker-pageno"}
SKIPPED_TAGS = {"script", "style", "head", "title", "sup", "rt", "rp", "nav", "svg", "math", "img"}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "tr", "section", "article",
              "dd", "dt", "pre", "figcaption", "hr", "br", "table", "aside", "header", "footer"}
_HEADINGS = ("h1", "h2", "h3")
# A printed table of contents: at least this many blocks in a row that are each a link within the book.
CONTENTS_MIN_ENTRIES = 3


def read_epub(path: Path) -> ImportedBook:
    """Title, author, language, cover and chapters of an EPUB file."""
    _check_container(path)
    import ebooklib
    from ebooklib import epub

    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": False})
    except Exception as first:  # ebooklib raises many kinds (KeyError, EpubException, XML errors)
        try:  # a broken or missing NCX (EPUB 2's table of contents) where an EPUB 3 navigation document is enough
            book = epub.read_epub(str(path), options={"ignore_ncx": True})
        except Exception:
            raise StudioError(f"{path.name} is a damaged EPUB and cannot be read ({type(first).__name__}: "
                              f"{first}).") from first
    imported = ImportedBook(title=_meta(book, "title"), author=_meta(book, "creator"),
                            language=_meta(book, "language"))
    imported.cover, imported.cover_suffix = _cover(book, ebooklib)
    entries = _toc_entries(book.toc)
    skipped = 0
    gutenberg = False
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        name = posixpath.normpath(item.get_name())
        mine = [entry for entry in entries if entry.file == name]
        anchors: dict[str, str] = {}
        for entry in mine:  # every entry that points inside the file starts a chapter there
            if entry.fragment:
                anchors.setdefault(entry.fragment, entry.title)
        content = item.get_content()
        if b"pg-boilerplate" in content or b'id="pg-footer"' in content:
            gutenberg = True
        sections = xhtml_sections(content, set(anchors))
        spoken = [s for s in sections if is_speakable(s.text)]
        if not spoken:
            skipped += 1
            continue
        for section in spoken:
            if section.anchor is not None:
                title = anchors[section.anchor]
            else:  # the file's start: a navigation entry for the whole file, else (when nothing split it) any entry
                whole = next((e.title for e in mine if not e.fragment), "")
                title = whole or (mine[0].title if mine and len(sections) == 1 else "") or section.heading
            if title or not imported.chapters:
                imported.chapters.append(ImportedChapter(title or imported.title or "Opening", section.text))
            else:  # text without a title of its own continues the chapter before it
                imported.chapters[-1].text += "\n\n" + section.text
    if not imported.chapters:
        raise StudioError(f"{path.name} contains no readable text (an EPUB of images, or an empty book).")
    if gutenberg:
        imported.notes.append("Project Gutenberg's header and licence were left out.")
    if skipped:
        imported.notes.append(f"{skipped} part(s) with nothing to read aloud (cover, images, table of contents, "
                              "copyright page) were left out.")
    return imported


def _check_container(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise StudioError(f"{path.name} is not an EPUB: an EPUB is a zip archive, and this file is not one.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "META-INF/container.xml" not in names:
                raise StudioError(f"{path.name} is a zip archive but not an EPUB (it has no META-INF/container.xml); "
                                  "was another file renamed to .epub?")
            if "META-INF/rights.xml" in names:
                raise StudioError(f"{path.name} is protected by DRM (Adobe rights.xml); only DRM-free EPUBs can "
                                  "be imported.")
            if "META-INF/encryption.xml" in names:
                _check_encryption(path.name, archive.read("META-INF/encryption.xml"))
    except zipfile.BadZipFile as e:
        raise StudioError(f"{path.name} is a damaged EPUB: {e}.") from e


def _check_encryption(name: str, xml: bytes) -> None:
    algorithms = re.findall(rb'Algorithm\s*=\s*["\']([^"\']+)["\']', xml)
    if any(a.decode("utf-8", "replace") not in FONT_OBFUSCATION for a in algorithms) or not algorithms:
        raise StudioError(f"{name} is protected by DRM (its text is encrypted); only DRM-free EPUBs can be "
                          "imported.")


def _meta(book, field: str) -> str:
    values = book.get_metadata("DC", field)
    return str(values[0][0]).strip() if values and values[0][0] else ""


def _cover(book, ebooklib) -> tuple[bytes, str]:
    candidates = list(book.get_items_of_type(ebooklib.ITEM_COVER))
    for _value, attrs in book.get_metadata("OPF", "cover"):
        item = book.get_item_with_id(attrs.get("content", "")) if attrs else None
        if item is not None:
            candidates.append(item)
    candidates += [i for i in book.get_items_of_type(ebooklib.ITEM_IMAGE) if "cover" in i.get_name().lower()]
    for item in candidates:
        suffix = Path(item.get_name()).suffix.lower()
        if suffix in (".jpg", ".jpeg", ".png", ".gif", ".webp"):
            return item.get_content(), suffix
    return b"", ""


@dataclass(frozen=True)
class TocEntry:
    """A navigation entry: the file and the anchor in it (empty: its start) it points at, and its title."""

    file: str
    fragment: str
    title: str


def _toc_entries(toc) -> list[TocEntry]:
    """Every navigation entry with a file and a title, in reading order (nested entries after their parent)."""
    out: list[TocEntry] = []
    for node in toc:
        section, children = node if isinstance(node, tuple) else (node, [])
        href = getattr(section, "href", "") or ""
        title = " ".join((getattr(section, "title", "") or "").split())
        file, _, fragment = href.partition("#")
        if file and title:
            out.append(TocEntry(posixpath.normpath(file), fragment, title))
        out += _toc_entries(children)
    return out


@dataclass
class Block:
    """A paragraph-like run of text, and how much of it is the text of links inside the book."""

    text: str
    linked_chars: int = 0

    @property
    def is_link(self) -> bool:
        """Nothing but a link within the book: an entry of a printed table of contents."""
        letters = len("".join(self.text.split()))
        return letters > 0 and self.linked_chars >= 0.9 * letters


@dataclass
class Section:
    """Text of an XHTML document from one navigation anchor (None: the document's start) to the next."""

    anchor: str | None
    blocks: list[Block] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)  # (index of its block, text)

    def _kept(self) -> list[int]:
        filled = [k for k, b in enumerate(self.blocks) if b.text.strip()]
        dropped = _contents_lists([self.blocks[k] for k in filled])
        return [k for n, k in enumerate(filled) if n not in dropped]

    @property
    def heading(self) -> str:
        kept = set(self._kept())
        return next((text for k, text in self.headings if k in kept and text), "")

    @property
    def text(self) -> str:
        paragraphs = (" ".join(self.blocks[k].text.split()) for k in self._kept())
        return clean_text("\n\n".join(p for p in paragraphs if p))


def _contents_lists(blocks: list[Block]) -> set[int]:
    """Indices of printed tables of contents in ``blocks``: runs of at least CONTENTS_MIN_ENTRIES blocks that
    are each a link within the book, with the "Contents" heading just before such a run."""
    drop: set[int] = set()
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and blocks[j].is_link:
            j += 1
        if j - i >= CONTENTS_MIN_ENTRIES:
            drop.update(range(i, j))
            if i > 0 and CONTENTS_TITLE_RE.match(" ".join(blocks[i - 1].text.split())):
                drop.add(i - 1)
        i = max(j, i + 1)
    return drop


def xhtml_text(content: bytes) -> tuple[str, str]:
    """(first heading, text) of an XHTML document: paragraphs separated by blank lines, no markup."""
    (whole,) = xhtml_sections(content, set())
    return whole.heading, whole.text


def xhtml_sections(content: bytes, anchors: set[str]) -> list[Section]:
    """The document cut where an element's ``id`` (or old-style ``name``) is one of ``anchors``: the part
    before the first one (anchor None, possibly empty), then one section per anchor found, in document order."""
    from lxml import etree, html

    content = _NAMED_ENTITY_RE.sub(_entity_character, content)
    try:
        root = etree.fromstring(content, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        root = html.fromstring(content)
    walker = _Walker(anchors)
    walker.walk(root)
    walker.end_block()
    return walker.sections


_NAMED_ENTITY_RE = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}


def _entity_character(m: re.Match[bytes]) -> bytes:
    """HTML's named entities (&nbsp; &mdash; &eacute;), which XML does not know, as the characters they stand for
    (as a numeric reference: the document's encoding may not be UTF-8); XML's own five and unknown names stay."""
    import html.entities

    name = m.group(1)
    if name in _XML_ENTITIES:
        return m.group(0)
    text = html.entities.html5.get(name.decode("ascii") + ";")
    return "".join(f"&#{ord(c)};" for c in text).encode("ascii") if text else m.group(0)


class _Walker:
    """Collects blocks of text, skipping notes and markup, into sections that start at the given anchors."""

    def __init__(self, anchors: set[str]) -> None:
        self.anchors = anchors
        self.sections = [Section(None)]
        self.current: list[str] = []
        self.linked_chars = 0
        self.in_link = 0

    def add(self, text: str) -> None:
        self.current.append(text)
        if self.in_link:
            self.linked_chars += len("".join(text.split()))

    def end_block(self) -> None:
        self.sections[-1].blocks.append(Block("".join(self.current), self.linked_chars))
        self.current.clear()
        self.linked_chars = 0

    def walk(self, el) -> None:
        tag = _local(el)
        if tag is None or _skipped(el, tag):
            if el.tail:
                self.add(el.tail)
            return
        anchor = el.get("id") or el.get("name")
        if anchor and anchor in self.anchors:
            self.end_block()
            self.sections.append(Section(anchor))
        block = tag in BLOCK_TAGS
        if block:
            self.end_block()
        link = tag == "a" and _is_internal(el.get("href"))
        self.in_link += link
        if el.text:
            self.add(el.text)
        for child in el:
            self.walk(child)
        self.in_link -= link
        if block:
            if tag in _HEADINGS:  # in the section it ended in, with the index of the block it makes
                section = self.sections[-1]
                section.headings.append((len(section.blocks), " ".join("".join(_spoken_text(el)).split())))
            self.end_block()
        if el.tail:
            self.add(el.tail)


def _is_internal(href: str | None) -> bool:
    """A link to a place in the book (not a web address or an e-mail)."""
    return bool(href) and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href)


def _spoken_text(el):
    """The text of ``el`` without its skipped parts (note markers inside a heading)."""
    tag = _local(el)
    if tag is None or _skipped(el, tag):
        return
    if el.text:
        yield el.text
    for child in el:
        yield from _spoken_text(child)
        if child.tail:
            yield child.tail


def _local(el) -> str | None:
    tag = el.tag
    if not isinstance(tag, str):
        return None  # comments and processing instructions
    return tag.rsplit("}", 1)[-1].lower()


def _skipped(el, tag: str) -> bool:
    if tag in SKIPPED_TAGS:
        return True
    types = set((el.get(OPS_TYPE) or "").split())
    if types & SKIPPED_TYPES or el.get("role") in SKIPPED_ROLES or el.get("id") in GUTENBERG_IDS:
        return True
    return bool(set((el.get("class") or "").split()) & SKIPPED_CLASSES)
