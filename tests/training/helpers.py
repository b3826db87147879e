"""Build a small prepared dataset in upstream's formats (no dataset-preparation code involved)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from gpt_sovits.text.symbols import symbols_for
from gpt_sovits.training.progress import CancelToken
from tests.fixtures.synthetic_speech import make_recording

SR = 32000
PHONES = ["n", "i3", "h", "ao3", "sh", "ir4", "j", "ie4", "d", "e5", "AA1", "B", "K", "EH0", "m", "a1"]


def _save(path: Path, tensor: torch.Tensor) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(tensor, buffer)
    path.write_bytes(buffer.getvalue())


def write_prepared_dataset(features: Path, n_clips: int = 3, seconds: float = 2.5, version: str = "v2",
                           sovits_path: Path | None = None, with_sv: bool = False, seed: int = 0) -> list[str]:
    """Write phones.tsv, semantic.tsv, bert/, hubert/, wav32k/ (and sv/) for ``n_clips`` synthetic clips.

    Semantic codes come from ``sovits_path``'s quantizer when given (as dataset preparation does),
    else they are random. Returns the clip names.
    """
    table = set(symbols_for(version))
    assert all(p in table for p in PHONES)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    quantizer = None
    if sovits_path is not None:
        from gpt_sovits.models.checkpoint import load_sovits

        quantizer = load_sovits(sovits_path)
    names, phone_lines, semantic_lines = [], [], ["item_name\tsemantic_audio"]
    for i in range(n_clips):
        name = f"clip_{i:02d}.wav"
        rec = make_recording(duration_s=seconds, sample_rate=SR, long_silence_every=0, seed=seed + i)
        audio = rec.audio[: int(seconds * SR)]
        audio = 0.9 * audio / max(1e-6, float(np.abs(audio).max()))
        (features / "wav32k").mkdir(parents=True, exist_ok=True)
        sf.write(features / "wav32k" / name, audio, SR, subtype="PCM_16")
        frames = len(audio) // 640
        ssl = torch.randn(1, 768, frames, generator=gen).cumsum(-1) * 0.05  # smooth, speech-feature-like
        _save(features / "hubert" / f"{name}.pt", ssl.half())
        phones = [PHONES[j] for j in rng.integers(0, len(PHONES), size=int(seconds * 8))]
        _save(features / "bert" / f"{name}.pt", torch.randn(1024, len(phones), generator=gen) * 0.1)
        if with_sv:
            _save(features / "sv" / f"{name}.pt", torch.randn(1, 20480, generator=gen))
        if quantizer is not None:
            codes = quantizer.extract_latent(ssl.float())[0, 0].tolist()
        else:
            codes = rng.integers(0, 1024, size=frames // 2).tolist()
        phone_lines.append(f"{name}\t{' '.join(phones)}\tNone\tsome text {i}")
        semantic_lines.append(f"{name}\t{' '.join(map(str, codes))}")
        names.append(name)
    (features / "phones.tsv").write_text("\n".join(phone_lines) + "\n", encoding="utf-8")
    (features / "semantic.tsv").write_text("\n".join(semantic_lines) + "\n", encoding="utf-8")
    (features / "info.json").write_text(f'{{"version": "{version}", "items": {n_clips}}}', encoding="utf-8")
    return names


def make_voice(workspace: Path, name: str = "alice", **dataset_kwargs) -> Path:
    """A workspace voice with consent given and a prepared dataset; returns the voice folder."""
    from gpt_sovits.data.workspace import Workspace

    voice = Workspace(workspace).create_voice(name)
    voice.give_consent(True)
    write_prepared_dataset(voice.path("features"), **dataset_kwargs)
    return voice.root


class CancelAfter(CancelToken):
    """Requests a cancel once asked ``n`` times (i.e. before step n+1)."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def requested(self) -> bool:
        self.n -= 1
        return self.n < 0
