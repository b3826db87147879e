"""SRT and WebVTT subtitles from the timings of the lines in the mastered audio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """One line's text shown from ``start_s`` to ``end_s`` (seconds from the start of the file)."""

    start_s: float
    end_s: float
    text: str


def cues_from_spans(texts: Sequence[str], spans: Sequence[tuple[int, int]], sample_rate: int,
                    offset_s: float = 0.0) -> list[Cue]:
    """One cue per line: ``spans`` are (first, end) samples of each line; ``offset_s`` shifts them all."""
    return [Cue(offset_s + a / sample_rate, offset_s + b / sample_rate, " ".join(t.split()))
            for t, (a, b) in zip(texts, spans, strict=True) if t.strip()]


def _stamp(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def _text(text: str, vtt: bool = False) -> str:
    # "-->" would be read as a timing line; WebVTT also reads "&" and "<" as markup.
    text = text.replace("-->", "→").strip()
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") if vtt else text


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip text: numbered cues with hh:mm:ss,mmm times."""
    blocks = [f"{i}\n{_stamp(c.start_s, ',')} --> {_stamp(c.end_s, ',')}\n{_text(c.text)}\n"
              for i, c in enumerate(cues, start=1)]
    return "\n".join(blocks)


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT text: a header, then cues with hh:mm:ss.mmm times."""
    blocks = [f"{_stamp(c.start_s, '.')} --> {_stamp(c.end_s, '.')}\n{_text(c.text, vtt=True)}\n" for c in cues]
    return "WEBVTT\n\n" + "\n".join(blocks)
