"""The four stages of dataset preparation, each made of two questions per clip.

``check(item)`` answers "is this clip's output present, made from its current input and consistent?"
and returns None when it is, or what is wrong; ``make(item)`` computes and writes the output
(atomically). :func:`run_stage` skips clips whose output checks out, makes the others, checks
again, and stops with a :class:`DatasetError` naming every bad clip before the next stage starts.

Stages (SPEC-upstream §9.1): text (phones + BERT), audio (32 kHz wav + HuBERT), semantic (codes
from the pretrained SoVITS quantizer) and speaker (ERes2NetV2 vectors, v2Pro only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gpt_sovits import pretrained
from gpt_sovits.data.audio_import import CLIP_SAMPLE_RATE_HZ
from gpt_sovits.data.events import DatasetError, EventCallback, emit
from gpt_sovits.data.feature_files import DatasetLayout, PhoneRow, load_json, load_tensor, save_json, save_tensor
from gpt_sovits.errors import AudioError, StudioError
from gpt_sovits.fileio import file_sha256

logger = logging.getLogger(__name__)

HUBERT_RATE_HZ = 16000
HUBERT_HOP_16K = 320
MAX_PEAK = 2.2  # upstream skips louder input: it is not audio in [-1, 1]
PEAK_BLEND = 0.5  # half peak-normalised (to 0.95), half as recorded (upstream's loudness step)
PEAK_TARGET = 0.95
HUBERT_INPUT_SCALE = 1145.14  # upstream feeds HuBERT this scaled waveform
HUBERT_FRAME_TOLERANCE = 2


@dataclass(frozen=True)
class DatasetItem:
    """One clip of the training set: its key (file name), audio file, language and transcript."""

    name: str
    audio: Path
    language: str
    text: str


@dataclass
class StageContext:
    """What every stage needs: output layout, models folder, version, device and the progress callback."""

    layout: DatasetLayout
    pretrained_dir: Path
    version: str
    device: str = "cpu"
    half: bool = False
    on_event: EventCallback | None = None
    models: dict[str, Any] = field(default_factory=dict)

    def model(self, key: str, load: Callable[[], Any]) -> Any:
        """Load a model on first use only, so a stage with nothing to do loads nothing."""
        if key not in self.models:
            self.models[key] = load()
        return self.models[key]


@dataclass(frozen=True)
class StageCounts:
    stage: str
    made: int
    reused: int


def file_stamp(path: Path) -> list[int] | None:
    """[size, mtime_ns] of a file (None if missing): an output records its input's stamp, and a
    different stamp later means the input changed (robust to clocks that jump, unlike comparing times)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]


def stamp_matches(record: Path, source: Path) -> bool:
    """True when the JSON ``record`` exists and holds the current stamp of ``source``."""
    data = load_json(record)
    return data is not None and data.get("source") == file_stamp(source) is not None


def run_stage(name: str, items: list[DatasetItem], check: Callable[[DatasetItem], str | None],
              make: Callable[[DatasetItem], None], ctx: StageContext) -> StageCounts:
    """Skip finished items, make the rest, verify all; DatasetError lists every failed item."""
    total, made, reused, problems = len(items), 0, 0, []
    emit(ctx.on_event, name, 0, total, None, "starting")
    for done, item in enumerate(items, start=1):
        if check(item) is None:
            reused += 1
            emit(ctx.on_event, name, done, total, item.name, "already prepared")
            continue
        try:
            make(item)
            issue = check(item)
            if issue is not None:
                raise StudioError(f"the output just written is not consistent: {issue}")
        except StudioError as e:
            problems.append(f"{item.name}: {e}")
            emit(ctx.on_event, name, done, total, item.name, f"problem: {e}")
            continue
        made += 1
        emit(ctx.on_event, name, done, total, item.name, "prepared")
    if problems:
        raise DatasetError([f"The {name} stage failed for {len(problems)} of {total} clip(s)"] + problems)
    logger.info("%s stage: %d made, %d already prepared", name, made, reused)
    return StageCounts(name, made, reused)


# ----- text: phones and BERT ---------------------------------------------------------------------------
class TextStage:
    """Phones, word2ph and normalised text per clip (a .work part), plus BERT features for Chinese."""

    name = "text"

    def __init__(self, ctx: StageContext):
        from gpt_sovits.text.symbols import symbol_version

        self.ctx = ctx
        self.symbols = symbol_version(ctx.version)

    def _inputs(self, item: DatasetItem) -> dict:
        return {"text": item.text, "language": item.language, "symbols": self.symbols}

    def row(self, item: DatasetItem) -> PhoneRow | None:
        part = load_json(self.ctx.layout.phones_part(item.name))
        if part is None or part.get("inputs") != self._inputs(item):
            return None
        w2p = part.get("word2ph")
        return PhoneRow(item.name, tuple(part.get("phones", ())), None if w2p is None else tuple(w2p),
                        part.get("norm_text", ""))  # fmt: skip

    def check(self, item: DatasetItem) -> str | None:
        row = self.row(item)
        if row is None:
            return "no phones for the current text"
        if not row.phones:
            return "the text gives no phones"
        if row.word2ph is not None and sum(row.word2ph) != len(row.phones):
            return f"word2ph adds up to {sum(row.word2ph)} but there are {len(row.phones)} phones"
        if item.language == "zh":
            bert = load_tensor(self.ctx.layout.bert(item.name))
            if bert is None:
                return "no BERT features"
            if tuple(bert.shape) != (1024, len(row.phones)) or not torch.isfinite(bert).all():
                return f"BERT features of shape {tuple(bert.shape)} for {len(row.phones)} phones"
        return None

    def _bert(self):
        from gpt_sovits.features.bert import BertFeatureExtractor

        folder = pretrained.bert_dir(self.ctx.pretrained_dir)
        return BertFeatureExtractor.load(folder, self.ctx.device, half=self.ctx.half)

    def make(self, item: DatasetItem) -> None:
        from gpt_sovits.text.frontend import clean_text

        # upstream's dataset rule: '%' is read as '-', and '￥' (a long pause at inference) as ','
        text = item.text.replace("%", "-").replace("￥", ",")
        cleaned = clean_text(text, item.language, self.ctx.version)
        if any(c in "\t\n" for c in cleaned.norm_text):
            raise StudioError("the normalised text contains a tab or line break")
        bert_path = self.ctx.layout.bert(item.name)
        if item.language == "zh":
            bert = self.ctx.model("bert", self._bert).phone_features(cleaned.norm_text, cleaned.word2ph)
            save_tensor(bert_path, bert.half() if self.ctx.half else bert)
        else:
            bert_path.unlink(missing_ok=True)  # left from an earlier Chinese text: training would use it
        save_json(self.ctx.layout.phones_part(item.name), {
            "inputs": self._inputs(item), "phones": list(cleaned.phones), "word2ph": cleaned.word2ph,
            "norm_text": cleaned.norm_text,
        })  # fmt: skip


# ----- audio: 32 kHz wav and HuBERT -----------------------------------------------------------------------
def expected_hubert_frames(n_samples_32k: int) -> float:
    """About how many 50 Hz HuBERT frames a 32 kHz clip of ``n_samples_32k`` samples gives."""
    return n_samples_32k / 2 / HUBERT_HOP_16K


class AudioStage:
    """The clip at 32 kHz with upstream's loudness step (wav32k/) and its HuBERT features (hubert/)."""

    name = "audio"

    def __init__(self, ctx: StageContext):
        self.ctx = ctx

    def check(self, item: DatasetItem) -> str | None:
        import soundfile as sf

        wav, feats = self.ctx.layout.wav32k(item.name), self.ctx.layout.hubert(item.name)
        if not stamp_matches(self.ctx.layout.audio_part(item.name), item.audio):
            return "no 32 kHz audio and HuBERT features made from the current clip"
        try:
            info = sf.info(str(wav))
        except (sf.LibsndfileError, RuntimeError):
            return "the 32 kHz wav cannot be read"
        hubert = load_tensor(feats)
        if info.samplerate != CLIP_SAMPLE_RATE_HZ or info.frames <= 0:
            return f"the 32 kHz wav has {info.frames} samples at {info.samplerate} Hz"
        if hubert is None or hubert.dim() != 3 or hubert.shape[:2] != (1, 768) or hubert.shape[2] == 0:
            return f"HuBERT features of shape {None if hubert is None else tuple(hubert.shape)}, expected [1, 768, T]"
        if abs(hubert.shape[2] - expected_hubert_frames(info.frames)) > HUBERT_FRAME_TOLERANCE:
            return (f"{hubert.shape[2]} HuBERT frames for {info.frames / CLIP_SAMPLE_RATE_HZ:.2f} s of audio "
                    f"(expected about {expected_hubert_frames(info.frames):.0f})")  # fmt: skip
        if not torch.isfinite(hubert).all():
            return "the HuBERT features contain NaN or infinity"
        return None

    def _hubert(self, half: bool):
        from gpt_sovits.features.hubert import HubertFeatureExtractor

        return HubertFeatureExtractor.load(pretrained.hubert_dir(self.ctx.pretrained_dir), self.ctx.device, half)

    def _extract(self, wav16k: np.ndarray) -> torch.Tensor:
        feats = self.ctx.model("hubert", lambda: self._hubert(self.ctx.half)).extract(wav16k)
        if self.ctx.half and not torch.isfinite(feats).all():
            logger.info("HuBERT overflowed in float16; retrying in float32")
            feats = self.ctx.model("hubert32", lambda: self._hubert(False)).extract(wav16k)
        return feats.half() if self.ctx.half else feats

    def make(self, item: DatasetItem) -> None:
        from gpt_sovits.audio.io import load_audio, save_wav
        from gpt_sovits.audio.processing import resample

        audio, _ = load_audio(item.audio, CLIP_SAMPLE_RATE_HZ)
        peak = float(np.max(np.abs(audio)))
        if peak > MAX_PEAK:
            raise AudioError(f"its loudest sample is {peak:.2f}, far beyond full scale (1.0); re-export it as 16-bit WAV")
        level = (PEAK_BLEND * PEAK_TARGET / peak) * audio + PEAK_BLEND * audio
        wav16k = resample(level * HUBERT_INPUT_SCALE, CLIP_SAMPLE_RATE_HZ, HUBERT_RATE_HZ)
        if wav16k.size < HUBERT_HOP_16K * 2:
            raise AudioError(f"the clip is only {audio.size / CLIP_SAMPLE_RATE_HZ:.2f} s long; too short for features")
        save_tensor(self.ctx.layout.hubert(item.name), self._extract(wav16k))
        save_wav(self.ctx.layout.wav32k(item.name), level, CLIP_SAMPLE_RATE_HZ)
        save_json(self.ctx.layout.audio_part(item.name), {"source": file_stamp(item.audio)})


# ----- semantic tokens from the pretrained SoVITS ------------------------------------------------------


class SemanticStage:
    """25 Hz semantic codes per clip: HuBERT features through the pretrained SoVITS ``extract_latent``."""

    name = "semantic"

    def __init__(self, ctx: StageContext, sovits_path: Path):
        self.ctx = ctx
        self.sovits_path = sovits_path
        self.fingerprint = file_sha256(sovits_path)  # a model whose file changes gives new tokens

    def codes(self, item: DatasetItem) -> list[int] | None:
        part = load_json(self.ctx.layout.semantic_part(item.name))
        hubert_stamp = file_stamp(self.ctx.layout.hubert(item.name))
        if part is None or part.get("model") != self.fingerprint or part.get("source") != hubert_stamp:
            return None
        return part.get("codes")

    def check(self, item: DatasetItem) -> str | None:
        hubert_path = self.ctx.layout.hubert(item.name)
        codes = self.codes(item)
        if codes is None:
            return "no semantic codes from the current HuBERT features and model"
        hubert = load_tensor(hubert_path)
        if hubert is None:
            return "the HuBERT features are missing"
        if len(codes) != hubert.shape[-1] // 2 or not codes:
            return f"{len(codes)} codes for {hubert.shape[-1]} HuBERT frames (expected {hubert.shape[-1] // 2})"
        return None

    def make(self, item: DatasetItem) -> None:
        from gpt_sovits.models import load_sovits

        model = self.ctx.model("sovits", lambda: load_sovits(self.sovits_path, device=self.ctx.device))
        hubert = load_tensor(self.ctx.layout.hubert(item.name))
        if hubert is None:
            raise StudioError("its HuBERT features are missing; run the audio stage again")
        with torch.inference_mode():
            codes = model.extract_latent(hubert.to(self.ctx.device, torch.float32))  # [1, 1, T//2]
        record = {"model": self.fingerprint, "source": file_stamp(self.ctx.layout.hubert(item.name)),
                  "codes": codes[0, 0].cpu().tolist()}  # fmt: skip
        save_json(self.ctx.layout.semantic_part(item.name), record)


# ----- speaker vectors (v2Pro, v2ProPlus) ---------------------------------------------------------------
class SpeakerStage:
    """The 20480-d ERes2NetV2 vector of each 32 kHz clip (resampled to 16 kHz as upstream does)."""

    name = "speaker"

    def __init__(self, ctx: StageContext, encoder_path: Path):
        self.ctx = ctx
        self.encoder_path = encoder_path

    def check(self, item: DatasetItem) -> str | None:
        path = self.ctx.layout.sv(item.name)
        if not stamp_matches(self.ctx.layout.sv_part(item.name), self.ctx.layout.wav32k(item.name)):
            return "no speaker vector made from the current 32 kHz audio"
        vector = load_tensor(path)
        if vector is None or tuple(vector.shape) != (1, 20480) or not torch.isfinite(vector).all():
            return f"speaker vector of shape {None if vector is None else tuple(vector.shape)}, expected [1, 20480]"
        return None

    def make(self, item: DatasetItem) -> None:
        import soundfile as sf

        from gpt_sovits.audio.processing import resample_sinc
        from gpt_sovits.models.sv import load_speaker_encoder, speaker_embedding

        model = self.ctx.model("sv", lambda: load_speaker_encoder(self.encoder_path, self.ctx.device))
        audio, sr = sf.read(str(self.ctx.layout.wav32k(item.name)), dtype="float32")
        wav16k = resample_sinc(torch.from_numpy(audio), sr, HUBERT_RATE_HZ)  # upstream uses torchaudio here
        save_tensor(self.ctx.layout.sv(item.name), speaker_embedding(model, wav16k[None]).float())
        save_json(self.ctx.layout.sv_part(item.name), {"source": file_stamp(self.ctx.layout.wav32k(item.name))})
