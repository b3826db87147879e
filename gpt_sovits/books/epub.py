"""EPUB books through ebooklib: chapters from the spine and the navigation, text from the XHTML.

Checked before ebooklib reads the file, each with its own message: not a zip archive, a zip
that is not an EPUB (a renamed .zip), DRM (``META-INF/encryption.xml`` that encrypts more than
fonts, or Adobe's ``rights.xml``), and no readable text. Footnotes, note markers, page breaks
and page numbers are left out of the text.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
from pathlib import Path

from gpt_sovits.books.imported import ImportedBook, ImportedChapter, clean_text
from gpt_sovits.books.lines import is_speakable
from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

# Font obfuscation uses encryption.xml too; only these algorithms are not DRM.
FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")
OPS_TYPE = "{http://www.idpf.org/2007/ops}type"
SKIPPED_TYPES = {"footnote", "endnote", "endnotes", "footnotes", "rearnote", "rearnotes", "noteref", "pagebreak",
                 "annoref"}
SKIPPED_ROLES = {"doc-footnote", "doc-endnote", "doc-endnotes", "doc-noteref", "doc-pagebreak"}
SKIPPED_TAGS = {"script", "style", "head", "title", "sup", "rt", "rp", "nav", "svg", "math", "img"}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "tr", "section", "article",
              "dd", "dt", "pre", "figcaption", "hr", "br", "table", "aside", "header", "footer"}
_HEADINGS = ("h1", "h2", "h3")


def read_epub(path: Path) -> ImportedBook:
    """Title, author, language, cover and chapters of an EPUB file."""
    _check_container(path)
    import ebooklib
    from ebooklib import epub

    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": False})
    except Exception as e:  # ebooklib raises many kinds (KeyError, EpubException, XML errors)
        raise StudioError(f"{path.name} is a damaged EPUB and cannot be read ({type(e).__name__}: {e}).") from e
    imported = ImportedBook(title=_meta(book, "title"), author=_meta(book, "creator"),
                            language=_meta(book, "language"))
    imported.cover, imported.cover_suffix = _cover(book, ebooklib)
    titles = _toc_titles(book.toc)
    skipped = 0
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        heading, text = xhtml_text(item.get_content())
        if not is_speakable(text):
            skipped += 1
            continue
        title = titles.get(posixpath.normpath(item.get_name())) or heading
        if title or not imported.chapters:
            imported.chapters.append(ImportedChapter(title or imported.title or "Opening", text))
        else:  # a file without a title of its own continues the chapter before it
            imported.chapters[-1].text += "\n\n" + text
    if not imported.chapters:
        raise StudioError(f"{path.name} contains no readable text (an EPUB of images, or an empty book).")
    if skipped:
        imported.notes.append(f"{skipped} part(s) without text (cover, images) were left out.")
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


def _toc_titles(toc, out: dict[str, str] | None = None) -> dict[str, str]:
    """File name -> the first navigation title that points into it."""
    out = {} if out is None else out
    for entry in toc:
        if isinstance(entry, tuple):  # (section, children)
            section, children = entry
            _add_title(out, section)
            _toc_titles(children, out)
        else:
            _add_title(out, entry)
    return out


def _add_title(out: dict[str, str], entry) -> None:
    href = getattr(entry, "href", "") or ""
    title = (getattr(entry, "title", "") or "").strip()
    if href and title:
        out.setdefault(posixpath.normpath(href.split("#", 1)[0]), title)


def xhtml_text(content: bytes) -> tuple[str, str]:
    """(first heading, text) of an XHTML document: paragraphs separated by blank lines, no markup."""
    from lxml import etree, html

    try:
        root = etree.fromstring(content, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        root = html.fromstring(content)
    blocks: list[str] = []
    heading = ""
    current: list[str] = []
    _walk(root, blocks, current)
    blocks.append("".join(current))
    for el in root.iter():
        if _local(el) in _HEADINGS and not heading:
            heading = " ".join("".join(el.itertext()).split())
    paragraphs = [" ".join(b.split()) for b in blocks]
    return heading, clean_text("\n\n".join(p for p in paragraphs if p))


def _walk(el, blocks: list[str], current: list[str]) -> None:
    tag = _local(el)
    if tag is None or _skipped(el, tag):
        if el.tail:
            current.append(el.tail)
        return
    block = tag in BLOCK_TAGS
    if block:
        blocks.append("".join(current))
        current.clear()
    if el.text:
        current.append(el.text)
    for child in el:
        _walk(child, blocks, current)
    if block:
        blocks.append("".join(current))
        current.clear()
    if el.tail:
        current.append(el.tail)


def _local(el) -> str | None:
    tag = el.tag
    if not isinstance(tag, str):
        return None  # comments and processing instructions
    return tag.rsplit("}", 1)[-1].lower()


def _skipped(el, tag: str) -> bool:
    if tag in SKIPPED_TAGS:
        return True
    types = set((el.get(OPS_TYPE) or "").split())
    return bool(types & SKIPPED_TYPES) or el.get("role") in SKIPPED_ROLES
