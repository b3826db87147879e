"""The data of a book project: a book of chapters of lines, saved as JSON.

Plain dataclasses (a project is edited in place and saved atomically by ``project``); each
converts to and from the JSON the project file holds, so old files with missing fields still load.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

STATUSES = ("pending", "rendered", "flagged", "approved")
FORMAT_VERSION = 2  # 2: each chapter's lines in a file of their own
SENTENCE_PAUSE_S = 0.35  # silence after a line inside a paragraph
PARAGRAPH_PAUSE_S = 0.8  # silence after the last line of a paragraph


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def default_seed(line_id: str) -> int:
    """A line's first seed: fixed by its id, so the same line always starts from the same take."""
    return int(hashlib.sha256(line_id.encode()).hexdigest()[:8], 16)


@dataclass
class Line:
    """One line to speak: a sentence or a short passage, with its current take."""

    text: str
    id: str = field(default_factory=new_id)
    quoted: bool = False  # quoted speech (a character voice rule may apply)
    voice: str = ""  # a voice chosen for this line only ("" = the chapter's rule or the narrator)
    status: str = "pending"
    seed: int = -1  # the seed of the current take (-1: default_seed(id))
    take: str = ""  # content key of the chosen take ("" = none)
    takes: list[str] = field(default_factory=list)  # keys of the takes kept to choose from
    duration_s: float = 0.0
    pause_after_s: float = SENTENCE_PAUSE_S
    checks: dict = field(default_factory=dict)  # quality checks of the take (filled by qc)
    flag_reason: str = ""

    def __post_init__(self) -> None:
        if self.seed < 0:
            self.seed = default_seed(self.id)


@dataclass
class Chapter:
    title: str
    lines: list[Line] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    excluded: bool = False
    voice: str = ""  # narrator voice of this chapter ("" = the book's)
    quote_voice: str = ""  # voice for quoted speech in this chapter ("" = the same as the narration)


@dataclass
class RenderSettings:
    """Synthesis settings shared by every line of a book (part of each take's content key)."""

    top_k: int = 15
    top_p: float = 1.0
    temperature: float = 1.0
    repetition_penalty: float = 1.35
    speed: float = 1.0
    noise_scale: float = 0.5
    fragment_interval_s: float = 0.3
    emphasis_strength: float = 1.0


@dataclass
class Book:
    name: str
    title: str = ""
    author: str = ""
    narrator: str = ""  # the person credited as narrator (for the exported file's tags)
    language: str = "auto"  # synthesis language: zh, en, auto
    cover: str = ""  # file name of the cover image inside the project folder
    narrator_voice: str = ""  # workspace voice that reads the book
    source: str = ""  # file name the book was imported from
    chapters: list[Chapter] = field(default_factory=list)
    settings: RenderSettings = field(default_factory=RenderSettings)

    def chapter(self, ref: str | int) -> Chapter:
        """A chapter by id, by 1-based number or by exact title (KeyError with the choices otherwise)."""
        from gpt_sovits.errors import StudioError

        for i, ch in enumerate(self.chapters, start=1):
            if ch.id == str(ref) or str(i) == str(ref) or ch.title == str(ref):
                return ch
        raise StudioError(f"There is no chapter {ref!r}; the book has chapters 1 to {len(self.chapters)}.")

    def find_line(self, line_id: str) -> tuple[Chapter, Line]:
        from gpt_sovits.errors import StudioError

        for ch in self.chapters:
            for line in ch.lines:
                if line.id == line_id:
                    return ch, line
        raise StudioError(f"There is no line {line_id!r} in this book.")

    def to_dict(self) -> dict:
        """The book without its lines (each chapter's lines are saved on their own, see ``lines_data``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("chapters", "settings")}
        data["settings"] = asdict(self.settings)
        data["chapters"] = [{k: v for k, v in vars(c).items() if k != "lines"} for c in self.chapters]
        data["format"] = FORMAT_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict, lines_of: Callable[[str], list[dict]] | None = None) -> Book:
        """A book from ``to_dict``'s data; ``lines_of(chapter id)`` gives a chapter's saved lines
        (chapters written with their lines inline, format 1, need none)."""
        chapters = []
        for c in data.get("chapters", []):
            raw_lines = c["lines"] if "lines" in c or lines_of is None else lines_of(str(c["id"]))
            chapters.append(Chapter(**{**_known(Chapter, c), "lines": [Line(**_known(Line, ln)) for ln in raw_lines]}))
        settings = RenderSettings(**_known(RenderSettings, data.get("settings") or {}))
        return cls(**{**_known(cls, data), "chapters": chapters, "settings": settings})


def lines_data(chapter: Chapter) -> list[dict]:
    """A chapter's lines as JSON-ready dictionaries."""
    return [dict(vars(line)) for line in chapter.lines]


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}
