"""Training sets for the SoVITS and GPT fine-tunes, read from a prepared dataset (see layout.py).

Filtering and repetition follow upstream's recipes (SPEC-upstream.md §9.3, §9.4): clips outside
SHORTEST_CLIP_S–LONGEST_CLIP_S (audio.slicer's bounds, the same the slicer keeps to) or 33–1900
spectrogram frames are left out of SoVITS training; GPT items with more than
1350 semantic tokens, more than 540 phones or a phone rate outside 3–25 per second are left out;
a set of fewer than 100 items is repeated ``max(2, 100 // n)`` times per epoch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torch.nn.functional as F

from gpt_sovits.audio.slicer import LONGEST_CLIP_S, SHORTEST_CLIP_S
from gpt_sovits.audio.spectrogram import HOP_SAMPLES, SAMPLE_RATE_HZ, linear_spectrogram
from gpt_sovits.models.sovits.config import PRO_VERSIONS
from gpt_sovits.text.symbols import phones_to_ids
from gpt_sovits.training.layout import DatasetFormatError, DatasetLayout, load_tensor, read_phones, read_semantic

logger = logging.getLogger(__name__)

MIN_CLIP_S, MAX_CLIP_S = SHORTEST_CLIP_S, LONGEST_CLIP_S  # upstream: 0.6-54 s, tighter frame bounds below
MIN_SPEC_FRAMES, MAX_SPEC_FRAMES = 32, 1900  # upstream's outer bucket boundaries (exclusive / inclusive)
MAX_SEMANTIC_TOKENS, MAX_PHONES = 54 * 25, 540
MIN_PHONES_PER_S, MAX_PHONES_PER_S = 3.0, 25.0
SEMANTIC_HZ = 25
TARGET_ITEMS_PER_EPOCH = 100
BERT_DIM = 1024
SEMANTIC_PAD = 1024


def repeat_count(n_items: int, target: int = TARGET_ITEMS_PER_EPOCH) -> int:
    """How often a set of ``n_items`` is repeated in one epoch (upstream: max(2, target // n) below target)."""
    if n_items >= target or n_items == 0:
        return 1
    return max(2, target // n_items)


def epoch_order(n_items: int, epoch: int, seed: int) -> list[int]:
    """A shuffled order of item indices that depends only on (seed, epoch), so a resumed run repeats it."""
    gen = torch.Generator().manual_seed(seed * 1000 + epoch)
    return torch.randperm(n_items, generator=gen).tolist()


# ----- SoVITS -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SoVITSItem:
    name: str
    phone_ids: tuple[int, ...]
    frames: int  # spectrogram frames of the 32 kHz clip


class SoVITSDataset(torch.utils.data.Dataset):
    """Items: dict(ssl [768,T], spec [1025,T], wav [1,T*640], text [Tt] long, sv [20480] or None)."""

    def __init__(self, layout: DatasetLayout, version: str, repeat_target: int = TARGET_ITEMS_PER_EPOCH):
        self.layout = layout
        self.version = version
        self.pro = version in PRO_VERSIONS
        self.items, self.skipped = self._scan(read_phones(layout.phones_tsv))
        self.repeats = repeat_count(len(self.items), repeat_target)

    def _scan(self, phones: dict[str, list[str]]) -> tuple[list[SoVITSItem], dict[str, str]]:
        items, skipped = [], {}
        for name, ph in phones.items():
            wav, hubert = self.layout.wav32k(name), self.layout.hubert(name)
            if not wav.is_file() or not hubert.is_file():
                skipped[name] = "no 32 kHz audio or HuBERT features"
                continue
            if self.pro and not self.layout.sv(name).is_file():
                skipped[name] = "no speaker vector (needed by v2Pro/v2ProPlus)"
                continue
            n = sf.info(str(wav)).frames
            seconds, frames = n / SAMPLE_RATE_HZ, n // HOP_SAMPLES
            if not MIN_CLIP_S <= seconds <= MAX_CLIP_S or not MIN_SPEC_FRAMES < frames <= MAX_SPEC_FRAMES:
                skipped[name] = f"{seconds:.1f} s is outside {MIN_CLIP_S}–{MAX_CLIP_S} s"
                continue
            items.append(SoVITSItem(name, tuple(phones_to_ids(ph, self.version)), frames))
        return items, skipped

    def __len__(self) -> int:
        return len(self.items) * self.repeats

    def __getitem__(self, index: int) -> dict:
        item = self.items[index % len(self.items)]
        audio, rate = sf.read(str(self.layout.wav32k(item.name)), dtype="int16", always_2d=True)
        if rate != SAMPLE_RATE_HZ:
            raise DatasetFormatError(f"{item.name} is {rate} Hz; the training audio must be 32 kHz")
        wav = torch.from_numpy(audio[:, 0].astype(np.float32) / 32768.0)
        spec = linear_spectrogram(wav)[0]
        ssl = load_tensor(self.layout.hubert(item.name)).float()[0]
        if ssl.shape[-1] == spec.shape[-1] - 1:  # HuBERT is often one frame short: repeat the last one
            ssl = F.pad(ssl[None], (0, 1), mode="replicate")[0]
        frames = min(ssl.shape[-1], spec.shape[-1])
        sv = load_tensor(self.layout.sv(item.name)).float().reshape(-1) if self.pro else None
        return {
            "ssl": ssl[:, :frames],
            "spec": spec[:, :frames],
            "wav": wav[None, : frames * HOP_SAMPLES],
            "text": torch.tensor(item.phone_ids, dtype=torch.long),
            "sv": sv,
        }


def _even_above(n: int) -> int:
    return 2 * (n // 2 + 1)


def collate_sovits(batch: list[dict]) -> dict[str, torch.Tensor]:
    """Pad a list of SoVITSDataset items (longest first), frames to an even count above the longest."""
    batch = sorted(batch, key=lambda b: b["spec"].shape[-1], reverse=True)
    frames = _even_above(max(b["spec"].shape[-1] for b in batch))
    n_text = max(b["text"].shape[0] for b in batch)
    size = len(batch)
    out = {
        "ssl": torch.zeros(size, batch[0]["ssl"].shape[0], frames),
        "spec": torch.zeros(size, batch[0]["spec"].shape[0], frames),
        "wav": torch.zeros(size, 1, frames * HOP_SAMPLES),
        "text": torch.zeros(size, n_text, dtype=torch.long),
        "spec_lengths": torch.tensor([b["spec"].shape[-1] for b in batch]),
        "text_lengths": torch.tensor([b["text"].shape[0] for b in batch]),
    }
    for i, b in enumerate(batch):
        t = b["spec"].shape[-1]
        out["ssl"][i, :, :t] = b["ssl"]
        out["spec"][i, :, :t] = b["spec"]
        out["wav"][i, :, : b["wav"].shape[-1]] = b["wav"]
        out["text"][i, : b["text"].shape[0]] = b["text"]
    if batch[0]["sv"] is not None:
        out["sv"] = torch.stack([b["sv"] for b in batch])
    return out


# ----- GPT --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GPTItem:
    name: str
    phone_ids: tuple[int, ...]
    semantic: tuple[int, ...]


class GPTDataset(torch.utils.data.Dataset):
    """Items: dict(phones [Tx] long, semantic [Ty] long, bert [1024, Tx]); BERT zeros when absent."""

    def __init__(self, layout: DatasetLayout, version: str, repeat_target: int = TARGET_ITEMS_PER_EPOCH):
        self.layout = layout
        phones = read_phones(layout.phones_tsv)
        semantic = read_semantic(layout.semantic_tsv)
        self.items: list[GPTItem] = []
        self.skipped: dict[str, str] = {}
        for name, codes in semantic.items():
            reason = self._reject(name, phones.get(name), codes)
            if reason:
                self.skipped[name] = reason
                continue
            self.items.append(GPTItem(name, tuple(phones_to_ids(phones[name], version)), tuple(codes)))
        self.repeats = repeat_count(len(self.items), repeat_target)

    @staticmethod
    def _reject(name: str, phones: list[str] | None, codes: list[int]) -> str | None:
        if phones is None:
            return "no phones"
        if not codes or not phones:
            return "empty"
        if len(codes) > MAX_SEMANTIC_TOKENS or len(phones) > MAX_PHONES:
            return "too long"
        rate = len(phones) / (len(codes) / SEMANTIC_HZ)
        if not MIN_PHONES_PER_S <= rate <= MAX_PHONES_PER_S:
            return f"{rate:.1f} phones per second is outside {MIN_PHONES_PER_S:g}–{MAX_PHONES_PER_S:g}"
        return None

    def __len__(self) -> int:
        return len(self.items) * self.repeats

    def __getitem__(self, index: int) -> dict:
        item = self.items[index % len(self.items)]
        n = len(item.phone_ids)
        bert_path = self.layout.bert(item.name)
        bert = load_tensor(bert_path).float() if bert_path.is_file() else torch.zeros(BERT_DIM, n)
        if bert.shape != (BERT_DIM, n):
            raise DatasetFormatError(f"{bert_path.name}: BERT features {tuple(bert.shape)} for {n} phones")
        return {
            "phones": torch.tensor(item.phone_ids, dtype=torch.long),
            "semantic": torch.tensor(item.semantic, dtype=torch.long),
            "bert": bert,
        }


def collate_gpt(batch: list[dict]) -> dict[str, torch.Tensor]:
    """Right-pad phones with 0, semantic ids with 1024 and BERT with zeros."""
    n_text = max(b["phones"].shape[0] for b in batch)
    n_audio = max(b["semantic"].shape[0] for b in batch)
    size = len(batch)
    out = {
        "phones": torch.zeros(size, n_text, dtype=torch.long),
        "phone_lens": torch.tensor([b["phones"].shape[0] for b in batch]),
        "semantic": torch.full((size, n_audio), SEMANTIC_PAD, dtype=torch.long),
        "semantic_lens": torch.tensor([b["semantic"].shape[0] for b in batch]),
        "bert": torch.zeros(size, BERT_DIM, n_text),
    }
    for i, b in enumerate(batch):
        out["phones"][i, : b["phones"].shape[0]] = b["phones"]
        out["semantic"][i, : b["semantic"].shape[0]] = b["semantic"]
        out["bert"][i, :, : b["bert"].shape[1]] = b["bert"]
    return out


def clip_seconds(layout: DatasetLayout, names: list[str]) -> dict[str, float]:
    """Duration in seconds of each named 32 kHz clip that exists."""
    out = {}
    for name in names:
        path: Path = layout.wav32k(name)
        if path.is_file():
            out[name] = sf.info(str(path)).frames / SAMPLE_RATE_HZ
    return out
