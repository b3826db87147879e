"""``prepare_dataset``: a voice's transcribed clips -> the feature files training reads.

The stages run in order (text, audio, semantic, and speaker for v2Pro/v2ProPlus), each one
resumable: clips whose output is already there and consistent are skipped, so a run that was
stopped, crashed or found a bad clip continues where it left off once rerun. Each stage checks
all its clips before the next one starts; a problem stops the run with every bad clip named.
File names and formats: :mod:`gpt_sovits.data.feature_files`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits import pretrained
from gpt_sovits.data.events import DatasetError, EventCallback, emit
from gpt_sovits.data.feature_files import DatasetLayout, save_json, write_phones_table, write_semantic_table
from gpt_sovits.data.manifest import ManifestError, resolve_audio_path
from gpt_sovits.data.stages import (
    AudioStage,
    DatasetItem,
    SemanticStage,
    SpeakerStage,
    StageContext,
    StageCounts,
    TextStage,
    run_stage,
)
from gpt_sovits.data.transcripts import TRANSCRIPTS_FILE, missing_text, read_transcripts
from gpt_sovits.data.workspace import Voice
from gpt_sovits.errors import ModelNotFoundError, UnsafePathError
from gpt_sovits.fileio import resolve_inside
from gpt_sovits.models.sovits.config import PRO_VERSIONS
from gpt_sovits.pretrained import asset_file
from gpt_sovits.text.language import TEXT_LANGUAGES

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class DatasetReport:
    """The prepared training set: where it is, how many clips, and per stage how many were made or reused."""

    folder: Path
    version: str
    items: int
    audio_s: float
    stages: tuple[StageCounts, ...]

    def summary(self) -> str:
        parts = ", ".join(f"{s.stage}: {s.made} made, {s.reused} reused" for s in self.stages)
        return f"{self.items} clips ({self.audio_s / 60:.1f} min) ready in {self.folder} ({parts})"


def dataset_items(voice: Voice, on_event: EventCallback | None = None) -> list[DatasetItem]:
    """The voice's transcribed clips as dataset items. A clip with no text yet is left out with a notice
    naming it (an ``on_event`` "skip" event); DatasetError names every other unusable row or clip."""
    if not voice.path(TRANSCRIPTS_FILE).is_file():
        raise DatasetError(f"Voice {voice.name!r} has no transcripts yet: add recordings and their text first.")
    try:
        entries = read_transcripts(voice)
    except ManifestError as e:
        raise DatasetError(e.problems) from e
    untranscribed = [e.name for e in missing_text(entries)]
    for n, name in enumerate(untranscribed, start=1):
        emit(on_event, "skip", n, len(untranscribed), name, "no text yet: left out of training")
    items, problems = [], []
    for entry in entries:
        if entry.name in untranscribed:
            continue
        if entry.language not in TEXT_LANGUAGES:
            problems.append(f"{entry.name}: language {entry.language!r} is not supported yet; use zh or en")
            continue
        try:
            audio = resolve_inside(resolve_audio_path(entry, voice.path(TRANSCRIPTS_FILE)), [voice.root])
        except UnsafePathError as e:  # an entry pointing outside the voice folder
            problems.append(f"{entry.name}: {e}")
            continue
        if not audio.is_file():
            problems.append(f"{entry.name}: the audio file {entry.audio_path} is missing")
            continue
        items.append(DatasetItem(entry.name, audio, entry.language, entry.text))
    if problems:
        raise DatasetError([f"{TRANSCRIPTS_FILE} has {len(problems)} unusable line(s)"] + problems)
    if not items:
        raise DatasetError(f"No clip of voice {voice.name!r} has text yet: type what each clip says on the "
                           "Transcripts tab first.")  # fmt: skip
    return items


def _check_models(pretrained_dir: Path, version: str) -> dict[str, Path]:
    paths = {"sovits": asset_file(pretrained_dir, version, pretrained.ROLE_SOVITS)}
    for folder in (pretrained.hubert_dir(pretrained_dir), pretrained.bert_dir(pretrained_dir)):
        if not (folder / "config.json").is_file():
            raise ModelNotFoundError(f"{folder.name} is missing from {pretrained_dir}. Download the pretrained "
                                     f"models with `python -m gpt_sovits download --version {version}`.")  # fmt: skip
    if version in PRO_VERSIONS:
        paths["sv"] = asset_file(pretrained_dir, version, pretrained.ROLE_SPEAKER)
    return paths


def _finish(items: list[DatasetItem], text: TextStage, semantic: SemanticStage, ctx: StageContext) -> float:
    """Assemble phones.tsv and semantic.tsv from the per-clip parts; returns the total audio seconds."""
    import soundfile as sf

    rows = [text.row(item) for item in items]
    codes = [semantic.codes(item) for item in items]
    missing = [i.name for i, r, c in zip(items, rows, codes, strict=True) if r is None or c is None]
    if missing:
        raise DatasetError(["Some clips lost their features while preparing; run again"] + missing)
    write_phones_table(ctx.layout.phones_tsv, rows)
    write_semantic_table(ctx.layout.semantic_tsv, [(i.name, c) for i, c in zip(items, codes, strict=True)])
    return sum(sf.info(str(ctx.layout.wav32k(i.name))).duration for i in items)


def prepare_dataset(
    voice: Voice,
    pretrained_dir: str | Path,
    version: str = "v2",
    device: str = "auto",
    on_event: EventCallback | None = None,
) -> DatasetReport:
    """Turn ``voice``'s transcribed clips into ``features/`` for training ``version``.

    Writes phones.tsv + bert/ (text), wav32k/ + hubert/ (audio), semantic.tsv (semantic) and, for
    v2Pro/v2ProPlus, sv/ (speaker). Progress goes to ``on_event``; raising from it stops the run,
    and the next run reuses every finished clip. Raises DatasetError naming each bad clip,
    ModelNotFoundError when a pretrained model is missing.
    """
    from gpt_sovits.devices import choose_device
    from gpt_sovits.pretrained import check_version_name

    version = check_version_name(version)
    pretrained_dir = Path(pretrained_dir)
    items = dataset_items(voice, on_event)
    models = _check_models(pretrained_dir, version)
    choice = choose_device(device)
    layout = DatasetLayout(voice.path("features"))
    ctx = StageContext(layout, pretrained_dir, version, choice.device, choice.use_half, on_event)
    text, audio = TextStage(ctx), AudioStage(ctx)
    semantic = SemanticStage(ctx, models["sovits"])
    stages = [text, audio, semantic] + ([SpeakerStage(ctx, models["sv"])] if "sv" in models else [])
    voice.log("prepare-dataset-start", version=version, items=len(items), device=choice.device)
    counts = tuple(run_stage(s.name, items, s.check, s.make, ctx) for s in stages)
    audio_s = _finish(items, text, semantic, ctx)
    save_json(layout.info_json, {"version": version, "items": len(items), "audio_s": round(audio_s, 3),
                                 "semantic_model": models["sovits"].name, "names": [i.name for i in items]})  # fmt: skip
    report = DatasetReport(layout.root, version, len(items), audio_s, counts)
    emit(on_event, "done", len(items), len(items), None, report.summary())
    voice.log("prepare-dataset", version=version, items=len(items), audio_s=round(audio_s, 1))
    return report
