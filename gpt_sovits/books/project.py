"""Book projects on disk and the edits a user makes to them.

    workspace/books/<name>/
        book.json             the project (model.Book) without its lines, written atomically after every change
        chapters/<id>.json    each chapter's lines (a render or a line edit rewrites one chapter's file)
        pronunciations.txt    the book's pronunciation dictionary (applies to every line)
        cover.<ext>           the cover image, when the book has one
        takes/                the content-addressed take store (takes.TakeStore)

Book names follow the rules of voice names, and every path is kept inside the project folder.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from gpt_sovits.books.imported import ImportedBook
from gpt_sovits.books.lines import is_speakable, normalise_line, split_lines
from gpt_sovits.books.model import Book, Chapter, Line, RenderSettings, lines_data
from gpt_sovits.books.takes import TakeStore
from gpt_sovits.data.workspace import RESERVED_NAMES, check_voice_name
from gpt_sovits.errors import ConfigError, StudioError
from gpt_sovits.fileio import resolve_inside, write_bytes_atomic, write_text_atomic
from gpt_sovits.text.language import LANGUAGES, TEXT_LANGUAGES

logger = logging.getLogger(__name__)

BOOK_FILE = "book.json"
CHAPTER_FOLDER = "chapters"
EDITABLE_METADATA = ("title", "author", "narrator", "language", "narrator_voice")


def check_book_name(name: str) -> str:
    try:
        return check_voice_name(name)
    except ConfigError as e:
        raise ConfigError(str(e).replace("voice name", "book name")) from e


class BookStore:
    """The books of a workspace (``workspace/books``)."""

    def __init__(self, workspace_dir: Path):
        self.workspace_dir = Path(workspace_dir)
        self.root = self.workspace_dir / RESERVED_NAMES[0]

    def list_books(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / BOOK_FILE).is_file())

    def folder(self, name: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return resolve_inside(check_book_name(name), [self.root])

    def create(self, name: str) -> Project:
        folder = self.folder(name)
        if (folder / BOOK_FILE).exists():
            raise StudioError(f"A book named {name.strip()!r} exists already; open it or choose another name.")
        project = Project(folder, Book(name=name.strip()))
        project.save()
        return project

    def open(self, name: str) -> Project:
        folder = self.folder(name)
        path = folder / BOOK_FILE
        if not path.is_file():
            books = ", ".join(self.list_books()) or "none yet"
            raise StudioError(f"There is no book named {name!r} (books: {books}).")
        def lines_of(chapter_id: str) -> list[dict]:
            return json.loads(chapter_file(folder, chapter_id).read_text(encoding="utf-8"))

        try:
            book = Book.from_dict(json.loads(path.read_text(encoding="utf-8")), lines_of)
        except (ValueError, TypeError, OSError, KeyError) as e:
            raise StudioError(f"The project file of book {name!r} is damaged ({e}); restore {path}.") from e
        return Project(folder, book)

    def open_or_create(self, name: str) -> Project:
        return self.open(name) if (self.folder(name) / BOOK_FILE).is_file() else self.create(name)


@dataclass
class Project:
    """One open book project; edits change ``book`` and save it at once."""

    root: Path
    book: Book
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def takes(self) -> TakeStore:
        return TakeStore(self.root / "takes")

    @property
    def dictionary_path(self) -> Path:
        return self.root / "pronunciations.txt"

    @property
    def cover_path(self) -> Path | None:
        return self.root / self.book.cover if self.book.cover else None

    def save(self, chapters: list[Chapter] | None = None) -> None:
        """Write the lines of ``chapters`` (all when None, and drop files of chapters that are gone),
        then book.json; each file atomically."""
        with self.lock:
            for chapter in self.book.chapters if chapters is None else chapters:
                write_text_atomic(chapter_file(self.root, chapter.id),
                                  json.dumps(lines_data(chapter), ensure_ascii=False, separators=(",", ":")))
            write_text_atomic(self.root / BOOK_FILE, json.dumps(self.book.to_dict(), ensure_ascii=False, indent=1))
            if chapters is None:
                kept = {f"{c.id}.json" for c in self.book.chapters}
                for stale in (self.root / CHAPTER_FOLDER).glob("*.json"):
                    if stale.name not in kept:
                        stale.unlink()

    # ----- import ------------------------------------------------------------------------------
    def fill_from(self, imported: ImportedBook) -> list[str]:
        """Take chapters and metadata from an imported file; notes for the user. Refused when the
        book has chapters already (nothing rendered is ever replaced by an import)."""
        with self.lock:
            if self.book.chapters:
                raise StudioError(f"Book {self.book.name!r} has chapters already; import into a new book.")
            notes = list(imported.notes)
            for ch in imported.chapters:
                lines = split_lines(ch.text)
                if not lines:
                    notes.append(f"Chapter {ch.title!r} has no speakable text and was left out.")
                    continue
                self.book.chapters.append(Chapter(ch.title, lines))
            if not self.book.chapters:
                raise StudioError("The book has no speakable text.")
            self.book.title = imported.title or self.book.title or self.book.name
            self.book.author = imported.author or self.book.author
            language = (imported.language or "").lower()[:2]
            self.book.language = language if language in TEXT_LANGUAGES else self.book.language
            if imported.cover:
                self.book.cover = "cover" + imported.cover_suffix
                write_bytes_atomic(self.root / self.book.cover, imported.cover)
            self.save()
            lines = sum(len(c.lines) for c in self.book.chapters)
            notes.append(f"Imported {len(self.book.chapters)} chapters, {lines} lines.")
            return notes

    # ----- book and chapters -------------------------------------------------------------------
    def set_metadata(self, **changes) -> None:
        unknown = set(changes) - set(EDITABLE_METADATA)
        if unknown:
            raise StudioError(f"Unknown book fields: {', '.join(sorted(unknown))}.")
        if "language" in changes and changes["language"] not in LANGUAGES:
            raise StudioError(f"The language must be one of {', '.join(LANGUAGES)}.")
        with self.lock:
            for key, value in changes.items():
                setattr(self.book, key, str(value).strip())
            self.save([])

    def set_cover(self, image: Path) -> None:
        suffix = Path(image).suffix.lower()
        if suffix not in (".jpg", ".jpeg", ".png"):
            raise StudioError("The cover must be a .jpg or .png image.")
        with self.lock:
            self.book.cover = "cover" + suffix
            shutil.copyfile(image, self.root / self.book.cover)
            self.save([])

    def set_settings(self, **changes) -> None:
        names = {f.name for f in fields(RenderSettings)}
        if set(changes) - names:
            raise StudioError(f"Unknown settings: {', '.join(sorted(set(changes) - names))}.")
        with self.lock:
            self.book.settings = replace(self.book.settings, **changes)
            self.save([])

    def rename_chapter(self, ref, title: str) -> None:
        if not title.strip():
            raise StudioError("A chapter needs a title.")
        self._edit_chapter(ref, title=title.strip())

    def exclude_chapter(self, ref, excluded: bool = True) -> None:
        self._edit_chapter(ref, excluded=excluded)

    def set_chapter_voices(self, ref, voice: str | None = None, quote_voice: str | None = None) -> None:
        changes = {k: v for k, v in (("voice", voice), ("quote_voice", quote_voice)) if v is not None}
        self._edit_chapter(ref, **changes)

    def _edit_chapter(self, ref, **changes) -> None:
        with self.lock:
            chapter = self.book.chapter(ref)
            for key, value in changes.items():
                setattr(chapter, key, value)
            self.save([])

    def merge_with_next(self, ref) -> None:
        """Append the next chapter's lines to chapter ``ref`` (the takes stay theirs)."""
        with self.lock:
            chapter = self.book.chapter(ref)
            index = self.book.chapters.index(chapter)
            if index + 1 >= len(self.book.chapters):
                raise StudioError(f"Chapter {chapter.title!r} is the last one; there is nothing to merge it with.")
            chapter.lines += self.book.chapters.pop(index + 1).lines
            self.save()

    def split_chapter(self, ref, line_number: int, title: str) -> None:
        """Start a new chapter ``title`` at line ``line_number`` (1-based) of chapter ``ref``."""
        with self.lock:
            chapter = self.book.chapter(ref)
            if not 1 < line_number <= len(chapter.lines):
                raise StudioError(f"Choose a line from 2 to {len(chapter.lines)} to split chapter "
                                  f"{chapter.title!r} at.")
            new = Chapter(title.strip() or f"{chapter.title} (2)", chapter.lines[line_number - 1:],
                          voice=chapter.voice, quote_voice=chapter.quote_voice)
            chapter.lines = chapter.lines[:line_number - 1]
            self.book.chapters.insert(self.book.chapters.index(chapter) + 1, new)
            self.save()

    def move_chapter(self, ref, position: int) -> None:
        """Move chapter ``ref`` to 1-based ``position``."""
        with self.lock:
            chapter = self.book.chapter(ref)
            if not 1 <= position <= len(self.book.chapters):
                raise StudioError(f"The position must be from 1 to {len(self.book.chapters)}.")
            self.book.chapters.remove(chapter)
            self.book.chapters.insert(position - 1, chapter)
            self.save([])

    # ----- lines -------------------------------------------------------------------------------
    def edit_line(self, line_id: str, text: str) -> Line:
        """New text for a line: it needs a new take (its old takes stay in the store)."""
        text = normalise_line(text)
        if not is_speakable(text):
            raise StudioError("The new text has nothing to speak; delete the line's words only by excluding it.")
        with self.lock:
            chapter, line = self.book.find_line(line_id)
            if text != line.text:
                line.text = text
                line.status, line.take, line.checks, line.flag_reason = "pending", "", {}, ""
            self.save([chapter])
            return line

    def set_line_voice(self, line_id: str, voice: str) -> None:
        with self.lock:
            chapter, line = self.book.find_line(line_id)
            line.voice = voice.strip()
            self.save([chapter])

    def reroll(self, line_id: str, seed: int | None = None) -> Line:
        """Give a line a new seed (random unless given): the next render makes another take; the
        current take is kept among the line's takes to choose from."""
        import random

        with self.lock:
            chapter, line = self.book.find_line(line_id)
            if line.take and line.take not in line.takes:
                line.takes.append(line.take)
            line.seed = random.randrange(2**32) if seed is None else int(seed)
            line.status, line.take = "pending", ""
            self.save([chapter])
            return line

    def choose_take(self, line_id: str, key: str) -> Line:
        """Make one of the line's kept takes its current take again."""
        with self.lock:
            chapter, line = self.book.find_line(line_id)
            if key not in line.takes or not self.takes.has(key):
                raise StudioError("That take is not one of this line's takes.")
            if line.take and line.take not in line.takes:
                line.takes.append(line.take)
            info = self.takes.info(key)
            line.take, line.seed, line.duration_s = key, int(info.meta.get("line_seed", info.seed)), info.duration_s
            line.status = "flagged" if info.meta.get("flag_reason") else "rendered"
            line.flag_reason = info.meta.get("flag_reason", "")
            self.save([chapter])
            return line

    def approve(self, line_id: str, approved: bool = True) -> Line:
        with self.lock:
            chapter, line = self.book.find_line(line_id)
            if approved and not (line.take and self.takes.has(line.take)):
                raise StudioError("Render the line before approving it.")
            line.status = "approved" if approved else ("flagged" if line.flag_reason else "rendered")
            self.save([chapter])
            return line

    # ----- reading for export ------------------------------------------------------------------
    def included_chapters(self) -> list[Chapter]:
        return [c for c in self.book.chapters if not c.excluded]

    def chapter_audio(self, ref) -> list[LineAudio]:
        """The lines of chapter ``ref`` in order, with their current take (``audio_path`` None when
        the line has no take yet)."""
        with self.lock:
            chapter = self.book.chapter(ref)
            out = []
            for line in chapter.lines:
                info = self.takes.info(line.take) if line.take and self.takes.has(line.take) else None
                out.append(LineAudio(line.id, line.text, info.path if info else None,
                                     info.sample_rate if info else 0, info.duration_s if info else 0.0,
                                     line.pause_after_s, line.status))
            return out

    def metadata(self) -> dict:
        """Title, author, narrator, language and the cover image's path (None without one)."""
        b = self.book
        return {"title": b.title or b.name, "author": b.author, "narrator": b.narrator, "language": b.language,
                "cover": self.cover_path if self.cover_path and self.cover_path.is_file() else None}


@dataclass(frozen=True)
class LineAudio:
    """One line as an export reads it."""

    line_id: str
    text: str
    audio_path: Path | None
    sample_rate: int
    duration_s: float
    pause_after_s: float
    status: str


def chapter_file(root: Path, chapter_id: str) -> Path:
    """The file of one chapter's lines (the id is kept inside the project folder)."""
    return resolve_inside(Path(CHAPTER_FOLDER) / f"{chapter_id}.json", [root])
