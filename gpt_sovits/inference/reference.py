"""ReferencePrompt: everything computed once from a reference clip and its text, cached.

For the main clip: the prompt's semantic tokens (16 kHz audio + 0.6 s of silence ->
HuBERT -> the SoVITS quantizer), its linear spectrogram at 32 kHz (timbre), for Pro
models the speaker embedding, and the prompt text's phones and BERT features.
Auxiliary clips add spectrograms (and speaker embeddings) to the timbre average.
Results are cached in memory and, when a cache folder is given, on disk, keyed by a
hash of the audio bytes, the prompt text and the models in use.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from gpt_sovits.errors import AudioError

logger = logging.getLogger(__name__)

HUBERT_RATE_HZ = 16000
PROMPT_PAD_SAMPLES = 9600  # upstream: 0.3 s counted at 32 kHz, appended to the 16 kHz HuBERT input
MIN_REF_S, MAX_REF_S = 3.0, 10.0
SHORTEST_USABLE_REF_S = 1.0
MEMORY_CACHE_ENTRIES = 16


@dataclass
class ReferencePrompt:
    """Cached analysis of reference clip(s) and prompt text."""

    key: str
    prompt_semantic: torch.Tensor | None  # [Tp] long; None in prompt-free mode
    prompt_phone_ids: tuple[int, ...]
    prompt_bert: torch.Tensor | None  # [1024, len(prompt_phone_ids)]
    prompt_norm_text: str
    refer_specs: list[torch.Tensor]  # each [1, 1025, T]
    sv_embs: list[torch.Tensor] | None = None  # each [1, 20480], Pro models only
    notices: list[str] = field(default_factory=list)

    def tensors(self) -> dict[str, torch.Tensor]:
        out = {f"spec_{i}": s for i, s in enumerate(self.refer_specs)}
        out.update({f"sv_{i}": s for i, s in enumerate(self.sv_embs or [])})
        if self.prompt_semantic is not None:
            out["prompt_semantic"] = self.prompt_semantic
        if self.prompt_bert is not None:
            out["prompt_bert"] = self.prompt_bert
        return out


def load_reference_audio(path: Path) -> tuple[np.ndarray, int]:
    """Read a reference clip as mono float32 at its own rate (clear AudioError otherwise)."""
    from gpt_sovits.audio.io import load_audio

    return load_audio(path)


def to_16k(audio: np.ndarray, sr: int) -> np.ndarray:
    """Resample as upstream's librosa.load(sr=16000) does (soxr, high quality)."""
    from gpt_sovits.audio.processing import resample

    return resample(audio, sr, HUBERT_RATE_HZ)


def to_model_rate_peak_limited(audio: np.ndarray, sr: int, model_rate: int) -> torch.Tensor:
    """Resample with torchaudio's sinc resampler to the model's rate and limit the peak as upstream: [1, N]."""
    from gpt_sovits.audio.processing import resample_sinc

    wav = resample_sinc(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None], sr, model_rate)
    peak = wav.abs().max()
    if peak > 1:
        wav = wav / min(2.0, float(peak))
    return wav


def fit_reference_length(audio: np.ndarray, sr: int) -> tuple[np.ndarray, list[str]]:
    """Keep a clip within 3–10 s: a longer one is trimmed to its best window, with a notice."""
    duration = len(audio) / sr
    notices: list[str] = []
    if duration < SHORTEST_USABLE_REF_S:
        raise AudioError(
            f"The reference clip is only {duration:.1f} s long; use a clip of 3 to 10 seconds of clear speech."
        )
    if duration < MIN_REF_S:
        notices.append(f"The reference clip is short ({duration:.1f} s); 3 to 10 s gives a closer voice.")
    elif duration > MAX_REF_S:
        from gpt_sovits.audio.reference import trim_reference

        trimmed = trim_reference(audio, sr, min_s=MIN_REF_S, max_s=MAX_REF_S)
        audio = trimmed.audio
        notices.append(
            (trimmed.notice or f"The reference clip was {duration:.1f} s long; its clearest part was used.")
            + " Give the exact text of that part as prompt text, or leave the prompt text empty."
        )
    return audio, notices


class ReferenceCache:
    """In-memory LRU of ReferencePrompts, backed by an optional folder of safetensors files."""

    def __init__(self, folder: Path | None = None, entries: int = MEMORY_CACHE_ENTRIES):
        self.folder = Path(folder) if folder else None
        self.entries = entries
        self._memory: OrderedDict[str, ReferencePrompt] = OrderedDict()

    def get(self, key: str) -> ReferencePrompt | None:
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        prompt = self._read(key)
        if prompt is not None:
            self._remember(prompt)
        return prompt

    def put(self, prompt: ReferencePrompt) -> None:
        self._remember(prompt)
        if self.folder is not None:
            self._write(prompt)

    def _remember(self, prompt: ReferencePrompt) -> None:
        self._memory[prompt.key] = prompt
        self._memory.move_to_end(prompt.key)
        while len(self._memory) > self.entries:
            self._memory.popitem(last=False)

    def _write(self, prompt: ReferencePrompt) -> None:
        from safetensors.torch import save

        from gpt_sovits.fileio import write_bytes_atomic

        meta = {
            "n_specs": len(prompt.refer_specs),
            "n_sv": len(prompt.sv_embs or []),
            "prompt_phone_ids": list(prompt.prompt_phone_ids),
            "prompt_norm_text": prompt.prompt_norm_text,
            "notices": prompt.notices,
        }
        tensors = {k: v.detach().cpu().contiguous() for k, v in prompt.tensors().items()}
        write_bytes_atomic(self.folder / f"{prompt.key}.safetensors", save(tensors, metadata={"ref": json.dumps(meta)}))

    def _read(self, key: str) -> ReferencePrompt | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.safetensors"
        if not path.is_file():
            return None
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as f:
                meta = json.loads(f.metadata()["ref"])
                tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - safe_open has no iterator
        except (OSError, ValueError, KeyError) as e:
            logger.warning("Ignoring unreadable reference cache file %s: %s", path.name, e)
            return None
        return ReferencePrompt(
            key=key,
            prompt_semantic=tensors.get("prompt_semantic"),
            prompt_phone_ids=tuple(meta["prompt_phone_ids"]),
            prompt_bert=tensors.get("prompt_bert"),
            prompt_norm_text=meta["prompt_norm_text"],
            refer_specs=[tensors[f"spec_{i}"] for i in range(meta["n_specs"])],
            sv_embs=[tensors[f"sv_{i}"] for i in range(meta["n_sv"])] or None,
            notices=list(meta.get("notices", [])),
        )


def reference_key(audio_paths: list[Path], prompt_text: str, prompt_language: str, model_ids: list[str]) -> str:
    """Content hash of everything a ReferencePrompt depends on."""
    h = hashlib.sha256()
    for path in audio_paths:
        h.update(hashlib.sha256(Path(path).read_bytes()).digest())
    h.update(json.dumps([prompt_text, prompt_language, model_ids], ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()[:32]
