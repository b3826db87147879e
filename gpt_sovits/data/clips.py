"""A voice's recordings and clips: listing, deleting, and checking the transcript rows before training.

Clips are named ``<recording stem>_<start>_<end>.wav`` (sample positions at 32 kHz, upstream's naming),
so the clips of one recording can be found again when it is sliced anew or removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits.audio.slicer import LONGEST_CLIP_S, SHORTEST_CLIP_S
from gpt_sovits.config import MODEL_SAMPLE_RATE_HZ
from gpt_sovits.data.manifest import ManifestEntry, clean_field_text, normalize_language
from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
from gpt_sovits.data.voice import Voice
from gpt_sovits.errors import StudioError
from gpt_sovits.text.language import TEXT_LANGUAGES

CLIP_NAME_RE = re.compile(r"^(?P<stem>.+)_(?P<start>\d{10})_(?P<end>\d{10})\.wav$")
STEM_LIMIT = 40  # characters of a recording's name kept in its file and clip names
# Speaking rates outside these bounds usually mean the text does not belong to the clip.
MAX_CHARS_PER_S = {"zh": 9.0, "en": 25.0}
MIN_CHARS_PER_S = {"zh": 0.8, "en": 2.0}


@dataclass(frozen=True)
class ClipInfo:
    """One clip of a voice with its transcript row."""

    name: str
    path: Path
    duration_s: float
    language: str
    text: str


def short_stem(name: str, limit: int = STEM_LIMIT) -> str:
    """A file-system-safe, readable stem of at most ``limit`` characters for a recording named ``name``."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(name).stem).strip("_.")
    return stem[:limit].rstrip("_") or "recording"


def list_clips(voice: Voice) -> list[ClipInfo]:
    """The voice's clips in transcript order (clips missing from the list are appended)."""
    import soundfile as sf

    folder = voice.path("clips")
    out, seen = [], set()
    for entry in read_transcripts(voice):
        path = folder / entry.name
        if path.is_file():
            out.append(ClipInfo(entry.name, path, sf.info(str(path)).duration, entry.language, entry.text))
            seen.add(entry.name)
    for path in sorted(folder.glob("*.wav")):
        if path.name not in seen:
            out.append(ClipInfo(path.name, path, sf.info(str(path)).duration, "", ""))
    return out


def clip_file(voice: Voice, clip: str | None) -> Path:
    """The path of one existing clip; StudioError when it is gone."""
    if not clip:
        raise StudioError("Choose a clip first.")
    path = voice.path("clips", Path(clip).name)
    if not path.is_file():
        raise StudioError(f"The clip {clip} no longer exists; refresh the list.")
    return path


def delete_clips(voice: Voice, names: list[str]) -> list[str]:
    """Remove these clips and their transcript rows; returns the names removed."""
    if not names:
        raise StudioError("Choose the clips to delete first.")
    paths = [clip_file(voice, n) for n in names]  # every name is checked before anything is removed
    gone = {p.name for p in paths}
    write_transcripts(voice, [e for e in read_transcripts(voice) if e.name not in gone])
    for path in paths:
        path.unlink(missing_ok=True)
    voice.log("delete-clips", clips=sorted(gone))
    return sorted(gone)


def list_recordings(voice: Voice) -> list[str]:
    folder = voice.path("recordings")
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def clips_of(voice: Voice, recording: str) -> list[str]:
    """Names of the clips sliced from ``recording`` (a file name in recordings/)."""
    stem = Path(recording).stem
    folder = voice.path("clips")
    return sorted(p.name for p in folder.glob("*.wav") if (m := CLIP_NAME_RE.match(p.name)) and m["stem"] == stem)


def delete_recordings(voice: Voice, names: list[str]) -> tuple[list[str], list[str]]:
    """Remove these recordings and the clips made from them; returns (recordings, clips) removed."""
    if not names:
        raise StudioError("Choose the recordings to delete first.")
    paths = [voice.path("recordings", Path(n).name) for n in names]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise StudioError(f"{', '.join(missing)} is no longer there; refresh the list.")
    clips = [c for p in paths for c in clips_of(voice, p.name)]
    if clips:
        delete_clips(voice, clips)
    for path in paths:
        path.unlink()
    voice.log("delete-recordings", recordings=[p.name for p in paths], clips=len(clips))
    return [p.name for p in paths], clips


def auto_reference(voice: Voice) -> tuple[ClipInfo, str]:
    """(clip, why) of the best reference among the voice's clips (transcribed ones preferred) that starts and
    ends in silence; StudioError when there is none."""
    from gpt_sovits.audio.io import load_audio
    from gpt_sovits.audio.reference import pick_reference

    clips = list_clips(voice)
    if not clips:
        raise StudioError(f"Voice {voice.name!r} has no clips yet: add and slice a recording, or upload a "
                          "reference clip on this tab.")  # fmt: skip
    for group in ([c for c in clips if c.text], [c for c in clips if not c.text]):
        best = pick_reference([load_audio(c.path, MODEL_SAMPLE_RATE_HZ)[0] for c in group], MODEL_SAMPLE_RATE_HZ)
        if best is not None:
            clip = group[best.index]
            why = "; ".join(best.reasons) or "clean, 3-10 s"
            return clip, f"auto-picked {clip.name} (score {best.score:.2f}: {why})"
    raise StudioError(f"No clip of voice {voice.name!r} starts and ends in silence, so none was picked (it could "
                      "cut a word); choose the reference clip yourself.")  # fmt: skip


# ----- transcript checks --------------------------------------------------------------------------------
def row_warnings(entry: ManifestEntry, duration_s: float) -> list[str]:
    """Likely mistakes in one transcript row."""
    if not entry.text:
        return [f"{entry.name}: no text yet; type what is said, or delete the clip."]
    chars = len(entry.text.replace(" ", "")) if entry.language == "zh" else len(entry.text)
    rate = chars / duration_s if duration_s > 0 else 0.0
    high, low = MAX_CHARS_PER_S.get(entry.language, 25.0), MIN_CHARS_PER_S.get(entry.language, 0.8)
    if rate > high:
        return [f"{entry.name}: {chars} characters for {duration_s:.1f} s of audio is very fast; "
                "check that the text belongs to this clip."]  # fmt: skip
    if duration_s > 0 and rate < low:
        return [f"{entry.name}: only {chars} characters for {duration_s:.1f} s of audio; is part of the text missing?"]
    return []


def training_problem(clip: ClipInfo) -> str | None:
    """Why training would leave this clip out (None: it will be used)."""
    if not clip.text.strip():
        return "no text"
    if clip.language not in TEXT_LANGUAGES:
        return f"language {clip.language or '?'} cannot be trained yet (use zh or en)"
    if clip.duration_s < SHORTEST_CLIP_S:
        return f"{clip.duration_s:.1f} s is shorter than {SHORTEST_CLIP_S:g} s"
    if clip.duration_s > LONGEST_CLIP_S:
        return f"{clip.duration_s:.1f} s is longer than {LONGEST_CLIP_S:g} s"
    return None


def save_transcript_rows(voice: Voice, rows: list[list[str]]) -> list[str]:
    """Store edited (clip, language, text) rows; returns warnings for empty or suspicious rows."""
    by_name = {e.name: e for e in read_transcripts(voice)}
    durations = {c.name: c.duration_s for c in list_clips(voice)}
    entries, warnings = [], []
    for clip, language, text, *_ in rows:
        old = by_name.get(str(clip))
        if old is None:
            raise StudioError(f"The clip {clip} is not in this voice's list any more; refresh the table.")
        entry = ManifestEntry(old.audio_path, old.speaker, normalize_language(str(language or "zh")),
                              clean_field_text(str(text or "")))
        entries.append(entry)
        warnings += row_warnings(entry, durations.get(entry.name, 0.0))
    write_transcripts(voice, entries)
    voice.log("edit-transcripts", rows=len(entries), empty=sum(not e.text for e in entries))
    return warnings
